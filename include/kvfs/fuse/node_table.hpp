// SPDX-License-Identifier: BSL-1.0
// kvfs/fuse/node_table.hpp - the numbers the kernel's FUSE client knows a
// kvfs inode by: each LOOKUP that answers hands out a node id and one
// lookup reference (fs/fuse/dir.c's fuse_lookup_name → fuse_iget), each
// FORGET gives references back, and the last one ends the number.
#pragma once

#include <kvfs/inode.hpp>

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <utility>

namespace kvfs::fuse {

/// The node id of a mount's root (FUSE_ROOT_ID).
inline constexpr std::uint64_t root_id = 1;

/// Node ids and their lookup counts. One inode (one (st_dev, st_ino)) has
/// one id however many names lead to it, so hard links stay one inode in
/// the host's dcache too.
class node_table {
 public:
  /// A table whose node 1 (FUSE_ROOT_ID) is `root`.
  explicit node_table(inode_ptr root) {
    struct ::stat st {};
    root->getattr(st);
    const key k{st.st_dev, st.st_ino};
    nodes_.emplace(root_id, node{std::move(root), 1, k});
    ids_.emplace(k, root_id);
  }

  /// The inode of `id`, or none for a number the kernel should not hold.
  inode_ptr get(std::uint64_t id) const {
    std::lock_guard guard(lock_);
    const auto it = nodes_.find(id);
    return it == nodes_.end() ? nullptr : it->second.inode;
  }

  /// The id of the inode `st` describes (a new one if it has none), with
  /// one more lookup reference: what a LOOKUP, MKDIR or CREATE reply gives.
  std::uint64_t remember(inode_ptr inode, const struct ::stat& st) {
    std::lock_guard guard(lock_);
    const key k{st.st_dev, st.st_ino};
    if (const auto found = ids_.find(k); found != ids_.end()) {
      node& n = nodes_.at(found->second);
      n.inode = std::move(inode);  // the newest name's: posixfs's inode is a host path
      ++n.nlookup;
      return found->second;
    }
    const std::uint64_t id = next_id_++;
    nodes_.emplace(id, node{std::move(inode), 1, k});
    ids_.emplace(k, id);
    return id;
  }

  /// FORGET: `count` references fewer; the id ends at none (never the root).
  void forget(std::uint64_t id, std::uint64_t count) {
    std::lock_guard guard(lock_);
    const auto it = nodes_.find(id);
    if (it == nodes_.end() || id == root_id) return;
    it->second.nlookup -= std::min(count, it->second.nlookup);
    if (it->second.nlookup > 0) return;
    ids_.erase(it->second.k);
    nodes_.erase(it);
  }

  /// How many ids the kernel holds (the root included).
  std::size_t size() const {
    std::lock_guard guard(lock_);
    return nodes_.size();
  }

 private:
  using key = std::pair<dev_t, ino_t>;
  struct node {
    inode_ptr inode;
    std::uint64_t nlookup;
    key k;
  };

  mutable std::mutex lock_;
  std::map<std::uint64_t, node> nodes_;
  std::map<key, std::uint64_t> ids_;
  std::uint64_t next_id_ = root_id + 1;
};

}  // namespace kvfs::fuse
