// SPDX-License-Identifier: BSL-1.0
// kvfs/fs/ramfs.hpp - an in-memory file system (fs/ramfs): regular files
// and directories that live in the process, with the semantics of tmpfs's
// regular files (offsets, sparse holes that read as zeros and cost nothing,
// O_APPEND, O_TRUNC, O_EXCL).
//
//   kvfs::ramfs::super_block sb;                  // a mount of its own
//   sb.mkdir("/notes", 0755);
//   auto f = sb.open("/notes/today", O_RDWR | O_CREAT, 0644);
//   kvfs::write_all(f, "in memory");
#pragma once

#include <kvfs/any_file.hpp>
#include <kvfs/descriptor.hpp>
#include <kvfs/detail/ino.hpp>
#include <kvfs/detail/spinlock.hpp>
#include <kvfs/detail/vfs.hpp>
#include <kvfs/file_system.hpp>
#include <kvfs/inode.hpp>
#include <kvfs/fs/ramfs_file.hpp>
#include <kvfs/fs/ramfs_inode.hpp>
#include <kvfs/io.hpp>
#include <kvfs/name.hpp>
#include <kvfs/super_block.hpp>

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace kvfs {

/// The in-memory file-system type.
struct ramfs {
  /// "nodev ramfs" in /proc/filesystems.
  static constexpr auto name = name_c<"ramfs">;
  /// An open file holds its inode.
  using private_data = ram_file;
  /// ramfs_file_operations
  using file_operations = ramfs_file_operations;
  /// An inode in memory.
  using inode_type = ram_node;
  /// ramfs_dir_inode_operations
  using inode_operations = ramfs_inode_operations;

  class super_block;
  /// mount(2): a fresh, empty instance (the source is ignored, as ramfs's).
  static int mount(std::string_view source, int flags, std::shared_ptr<kvfs::super_block>& sb);
};

/// One mounted ramfs: a tree of inodes rooted at "/".
class ramfs::super_block final : public kvfs::super_block {
 public:
  super_block() : root_(std::make_shared<ram_inode>(S_IFDIR | 0755, detail::get_next_ino())) {
    inode_ptr root;
    policy_inode<ramfs>::make(ram_node{root_, &tree_lock_}, root);
    set_root(std::move(root));
  }

  /// open(2) inside this file system: O_CREAT, O_EXCL, O_TRUNC, O_APPEND,
  /// O_DIRECTORY; a directory opens read-only (EISDIR otherwise).
  descriptor<ramfs> open(std::string_view path, int flags, mode_t mode, std::error_code& ec) {
    std::shared_ptr<ram_inode> inode;
    const int error = open_inode(path, flags, mode, inode);
    if (error != 0) {
      ec.assign(error, std::system_category());
      return {};
    }
    const bool regular = S_ISREG(inode->i_mode);
    descriptor<ramfs> d(ram_file{std::move(inode), &tree_lock_, {}}, flags);
    if (regular) d.file().f_mode |= FMODE_CAN_ODIRECT;  // as tmpfs: the page cache is the storage
    if (const int odirect = detail::check_odirect(d.file()); odirect < 0) {
      ec.assign(-odirect, std::system_category());
      return {};
    }
    ec.clear();
    return d;
  }

  /// Opens a whole path inside this ramfs; throws std::system_error.
  descriptor<ramfs> open(std::string_view path, int flags, mode_t mode = 0666) {
    std::error_code ec;
    auto d = open(path, flags, mode, ec);
    if (ec) throw std::system_error(ec, "kvfs::ramfs::open " + std::string(path));
    return d;
  }

  /// open(2) for the descriptor table: the file, or -errno.
  int open(std::string_view path, int flags, mode_t mode, file_ref& file) override {
    std::error_code ec;
    auto d = open(path, flags, mode, ec);
    if (ec) return -ec.value();
    file = make_file(std::move(d));
    return 0;
  }

  int lookup(std::string_view path, struct inode& inode) override {
    std::lock_guard guard(tree_lock_);
    std::shared_ptr<ram_inode> found;
    if (const int error = lookup(path, found); error != 0) return -error;
    inode = {found->i_mode, found->i_ino, 0};
    return 0;
  }

  int open_inode(vfs_inode& inode, int flags, mode_t mode, file_ref& file) override {
    auto* node = dynamic_cast<policy_inode<ramfs>*>(&inode);
    if (node == nullptr) return -EXDEV;
    std::shared_ptr<ram_inode> target = node->node().inode;
    if ((flags & detail::kernel_tmpfile) != 0) {  // ramfs_tmpfile(): an inode no name links
      target = std::make_shared<ram_inode>(S_IFREG | (mode & 07777), detail::get_next_ino(), node->node().inode.get());
      target->i_nlink = 0;
    }
    descriptor<ramfs> d(ram_file{std::move(target), node->node().tree_lock, {}}, flags);
    if (!S_ISDIR(d.file().private_data.inode->i_mode)) d.file().f_mode |= FMODE_CAN_ODIRECT;  // as tmpfs
    file = make_file(std::move(d));
    return 0;
  }

  // simple_statfs(): the magic number, the page size and NAME_MAX; ramfs
  // counts no blocks.
  int statfs(vfs_inode&, struct ::statfs& buf) override {
    buf = {};
    buf.f_type = RAMFS_MAGIC;
    buf.f_bsize = 4096;
    buf.f_namelen = NAME_MAX;
    return 0;
  }

  int lookup_dir(std::string_view path) override {
    std::error_code ec;
    list(path, ec);
    return ec ? -ec.value() : 0;
  }

  /// mkdir(2): 0 or -errno (EEXIST, ENOENT, ENOTDIR).
  int mkdir(std::string_view path, mode_t mode) override {
    std::lock_guard guard(tree_lock_);
    auto [parent, leaf, error] = walk_parent(path);
    if (error != 0) return -error;
    if (leaf.empty() || parent->children.count(leaf) != 0) return -EEXIST;
    auto dir = std::make_shared<ram_inode>(S_IFDIR | (mode & 07777), detail::get_next_ino(), parent.get());
    dir->i_parent_ino = parent->i_ino;
    parent->children.emplace(std::string(leaf), std::move(dir));
    ++parent->i_nlink;
    parent->dir_modified();
    return 0;
  }

  /// unlink(2): the name goes; open files keep the inode until closed.
  int unlink(std::string_view path) { return remove(path, false); }

  /// rmdir(2): an empty directory only (ENOTEMPTY).
  int rmdir(std::string_view path) { return remove(path, true); }

  /// The names in a directory, sorted; empty with ENOENT/ENOTDIR as `ec`.
  std::vector<std::string> list(std::string_view path, std::error_code& ec) const {
    std::lock_guard guard(tree_lock_);
    std::shared_ptr<ram_inode> dir;
    const int error = lookup(path, dir);
    std::vector<std::string> names;
    if (error == 0 && !dir->is_dir()) {
      ec.assign(ENOTDIR, std::system_category());
      return names;
    }
    if (error != 0) {
      ec.assign(error, std::system_category());
      return names;
    }
    ec.clear();
    for (const auto& [name, child] : dir->children) names.push_back(name);
    return names;
  }

  /// open(2) as the descriptor table needs it: the inode, or an errno.
  int open_inode(std::string_view path, int flags, mode_t mode, std::shared_ptr<ram_inode>& out) {
    std::lock_guard guard(tree_lock_);
    constexpr int kernel_tmpfile = 020000000;  // __O_TMPFILE: do_tmpfile() walks to the directory,
    if ((flags & kernel_tmpfile) != 0) {       // then ramfs_tmpfile() makes an inode no name links
      std::shared_ptr<ram_inode> dir;
      if (const int error = lookup(path, dir); error != 0) return error;
      if (!dir->is_dir()) return ENOTDIR;
      out = std::make_shared<ram_inode>(S_IFREG | (mode & 07777), detail::get_next_ino(), dir.get());
      return 0;
    }
    auto [parent, leaf, error] = walk_parent(path);
    if (error != 0) return error;
    bool created = false;
    if (leaf.empty()) {  // the root itself
      out = root_;
    } else if (auto it = parent->children.find(leaf); it != parent->children.end()) {
      if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) return EEXIST;
      out = it->second;
    } else {
      if ((flags & O_CREAT) == 0) return ENOENT;
      if ((flags & O_DIRECTORY) != 0) return EINVAL;
      out = std::make_shared<ram_inode>(S_IFREG | (mode & 07777), detail::get_next_ino(), parent.get());
      parent->children.emplace(std::string(leaf), out);
      created = true;
    }
    return do_open(*out, flags, created);
  }

  /// do_open() of fs/namei.c on what the walk found: O_CREAT on a directory
  /// is EISDIR; O_DIRECTORY needs one (ENOTDIR); may_open() refuses a
  /// directory any write access, which O_TRUNC and O_ACCMODE 3 ask for too;
  /// O_TRUNC truncates an existing regular file whatever the access mode.
  static int do_open(ram_inode& inode, int flags, bool created) {
    if ((flags & O_PATH) != 0) return (flags & O_DIRECTORY) != 0 && !inode.is_dir() ? ENOTDIR : 0;
    if ((flags & O_CREAT) != 0 && inode.is_dir()) return EISDIR;
    if ((flags & O_DIRECTORY) != 0 && !inode.is_dir()) return ENOTDIR;
    const bool may_write = (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) != 0;
    if (inode.is_dir() && may_write) return EISDIR;
    if (!created && (flags & O_TRUNC) != 0 && S_ISREG(inode.i_mode)) {
      std::lock_guard inode_guard(inode.i_rwsem);
      inode.pages.clear();
      inode.modified();
    }
    return 0;
  }

 private:
  struct parent_walk {
    std::shared_ptr<ram_inode> parent;
    std::string_view leaf;
    int error;
  };

  // path_parentat(): the directory that holds the last component.
  parent_walk walk_parent(std::string_view path) const {
    std::shared_ptr<ram_inode> dir = root_;
    std::vector<std::string_view> parts;
    for (std::size_t at = 0; at < path.size();) {
      const std::size_t end = std::min(path.find('/', at), path.size());
      const std::string_view part = path.substr(at, end - at);
      if (!part.empty() && part != ".") parts.push_back(part);
      at = end + 1;
    }
    if (parts.empty()) return {root_, {}, 0};
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      if (parts[i] == "..") return {nullptr, {}, EINVAL};  // kept simple: no parent walks
      auto it = dir->children.find(parts[i]);
      if (it == dir->children.end()) return {nullptr, {}, ENOENT};
      if (!it->second->is_dir()) return {nullptr, {}, ENOTDIR};
      dir = it->second;
    }
    if (parts.back() == "..") return {nullptr, {}, EINVAL};
    return {dir, parts.back(), 0};
  }

  int lookup(std::string_view path, std::shared_ptr<ram_inode>& out) const {
    auto [parent, leaf, error] = walk_parent(path);
    if (error != 0) return error;
    if (leaf.empty()) {
      out = root_;
      return 0;
    }
    auto it = parent->children.find(leaf);
    if (it == parent->children.end()) return ENOENT;
    out = it->second;
    return 0;
  }

  int remove(std::string_view path, bool directory) {
    std::lock_guard guard(tree_lock_);
    auto [parent, leaf, error] = walk_parent(path);
    if (error != 0) return -error;
    if (leaf.empty()) return -EBUSY;
    auto it = parent->children.find(leaf);
    if (it == parent->children.end()) return -ENOENT;
    if (directory && !it->second->is_dir()) return -ENOTDIR;
    if (!directory && it->second->is_dir()) return -EISDIR;
    if (directory && !it->second->children.empty()) return -ENOTEMPTY;
    if (directory) --parent->i_nlink;
    it->second->i_nlink = directory ? 0U : it->second->i_nlink - 1;
    parent->children.erase(it);
    return 0;
  }

  mutable std::mutex tree_lock_;  // the dcache's rename lock, in short
  std::shared_ptr<ram_inode> root_;
};

inline int ramfs::mount(std::string_view, int, std::shared_ptr<kvfs::super_block>& sb) {
  sb = std::make_shared<super_block>();
  return 0;
}

}  // namespace kvfs
