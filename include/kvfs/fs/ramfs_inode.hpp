// SPDX-License-Identifier: BSL-1.0
// kvfs/fs/ramfs_inode.hpp - ramfs's inodes and its inode_operations: the
// simple_* helpers of fs/libfs.c and fs/ramfs/inode.c (ramfs_mknod,
// ramfs_mkdir, ramfs_symlink, simple_link, simple_unlink, simple_rmdir,
// simple_rename).
#pragma once

#include <kvfs/detail/ino.hpp>
#include <kvfs/detail/biased_lock.hpp>
#include <kvfs/dirent.hpp>
#include <kvfs/fs/detail/page_cache.hpp>
#include <kvfs/inode.hpp>

#include <dirent.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace kvfs {

/// An inode of ramfs: a regular file's bytes, a directory's entries or a
/// symlink's target, with its owner and times.
struct ram_inode {
  /// inode_init_owner(): the creator's ids, but the group of a set-group-ID
  /// directory `dir`, whose subdirectories inherit that bit.
  ram_inode(mode_t mode, ino_t ino, const ram_inode* dir = nullptr)
      : i_mode(inherit_sgid(mode, dir)),
        i_ino(ino),
        i_gid(dir != nullptr && (dir->i_mode & S_ISGID) != 0 ? dir->i_gid : ::getegid()),
        i_nlink(S_ISDIR(mode) ? 2 : 1),
        i_parent_ino(ino) {
    i_atime = i_mtime = i_ctime = current_time();
  }

  std::atomic<mode_t> i_mode;  ///< the type never changes; chmod changes the rest
  /// The inode number (get_next_ino()).
  const ino_t i_ino;
  /// The owner: the creator's effective user.
  const uid_t i_uid = ::geteuid();
  /// The group: the creator's, or a set-group-ID parent's.
  const gid_t i_gid;
  std::atomic<unsigned> i_nlink;  ///< names (and, for a directory, "." and its children's "..")
  std::atomic<ino_t> i_parent_ino;  ///< a directory's "..": what getdents shows for it
  /// The inode lock (the kernel has i_rwsem): no atomic while one thread
  /// uses the inode, a spinlock once a second does (each hold is a memcpy).
  mutable detail::biased_lock i_rwsem;
  detail::page_cache pages;  ///< the file's bytes: i_mapping
  std::map<std::string, std::shared_ptr<ram_inode>, std::less<>> children;  ///< under the tree lock
  std::string i_link;  ///< a symlink's target
  ::timespec i_atime{};  ///< last read (relatime), under i_rwsem
  ::timespec i_mtime{};  ///< last change of the contents, under i_rwsem
  ::timespec i_ctime{};  ///< last change of the inode, under i_rwsem
  mutable bool i_ctime_queried = false;         ///< under i_rwsem: a stat saw i_ctime (I_CTIME_QUERIED)

  /// Whether it is a directory.
  bool is_dir() const noexcept { return S_ISDIR(i_mode.load(std::memory_order_relaxed)); }

  /// inode_init_owner(): a directory made in a set-group-ID directory is set-group-ID too.
  static mode_t inherit_sgid(mode_t mode, const ram_inode* dir) noexcept {
    return dir != nullptr && S_ISDIR(mode) && (dir->i_mode & S_ISGID) != 0 ? mode | S_ISGID : mode;
  }

  /// IS_DEADDIR(): a removed directory, in which nothing is found or made.
  bool is_dead_dir() const noexcept { return is_dir() && i_nlink.load() == 0; }

  /// inode_set_ctime_current() with multigrain timestamps: the coarse
  /// clock, unless a stat saw the current ctime, then the fine one, so the
  /// change shows; never before the last stamp. i_rwsem held.
  ::timespec change_time() noexcept {
    ::timespec now = i_ctime_queried ? current_time() : coarse_time();
    i_ctime_queried = false;
    return time_before(now, i_ctime) ? i_ctime : now;
  }

  /// A change of the contents (mtime and ctime) or of the inode only
  /// (ctime). The caller holds i_rwsem.
  void modified() noexcept { i_mtime = i_ctime = change_time(); }
  /// inode_set_ctime_current(): the inode changed (under i_rwsem).
  void changed() noexcept { i_ctime = change_time(); }

  /// The same, taking i_rwsem: a directory whose names changed, under the
  /// tree lock only.
  void dir_modified() noexcept {
    std::lock_guard guard(i_rwsem);
    modified();
  }
  /// The contents and the inode changed: mtime and ctime now (under i_rwsem).
  void inode_changed() noexcept {
    std::lock_guard guard(i_rwsem);
    changed();
  }

  /// touch_atime() under relatime (tmpfs's default): only when the last
  /// access is not after the last change, or a day old. i_rwsem held.
  void accessed() noexcept {
    const bool stale = !time_before(i_mtime, i_atime) || !time_before(i_ctime, i_atime);
    const ::timespec now = coarse_time();
    if (stale || now.tv_sec - i_atime.tv_sec >= 24 * 3600) i_atime = time_before(now, i_atime) ? i_atime : now;
  }

  /// generic_fillattr(): what stat(2) shows.
  void fillattr(struct ::stat& st) const {
    std::lock_guard guard(i_rwsem);
    st = {};
    st.st_mode = i_mode;
    st.st_ino = i_ino;
    st.st_nlink = i_nlink.load();
    st.st_uid = i_uid;
    st.st_gid = i_gid;
    st.st_size = S_ISLNK(i_mode) ? static_cast<off_t>(i_link.size()) : static_cast<off_t>(pages.size());
    st.st_blksize = 4096;
    st.st_blocks = static_cast<blkcnt_t>(pages.nr_pages() * (detail::page_cache::page_size / 512));
    st.st_atim = i_atime;
    st.st_mtim = i_mtime;
    st.st_ctim = i_ctime;
    i_ctime_queried = true;
  }

  /// simple_setattr() → setattr_copy(): the mode's permission bits, the
  /// size (truncate_setsize()) and the times the VFS asked for.
  void setattr(const iattr& attr) {
    std::lock_guard guard(i_rwsem);
    if ((attr.ia_valid & ATTR_MODE) != 0) i_mode = (i_mode & S_IFMT) | (attr.ia_mode & 07777);
    if ((attr.ia_valid & ATTR_SIZE) != 0) pages.truncate(static_cast<std::uint64_t>(attr.ia_size));
    if ((attr.ia_valid & ATTR_ATIME) != 0) i_atime = attr.ia_atime;
    if ((attr.ia_valid & ATTR_MTIME) != 0) i_mtime = attr.ia_mtime;
    if ((attr.ia_valid & ATTR_CTIME) != 0) i_ctime = attr.ia_ctime;
  }
};

/// dcache_readdir() over a directory's entries (the tree lock held):
/// getdents64 records from `pos` ("." is 0, ".." 1, then the names in
/// order after `cursor`, the last name returned, so names added or removed
/// between calls never make one appear twice). The bytes filled, 0 at the
/// end, -EINVAL when the first record does not fit.
inline ssize_t ramfs_readdir(const ram_inode& dir, loff_t& pos, std::string& cursor, std::span<std::byte> buf) {
  std::size_t used = 0;
  auto emit = [&](std::uint64_t ino, unsigned char type, std::string_view name) {
    return dir_emit(buf, used, ino, pos + 1, type, name);
  };
  for (; pos < 2; ++pos) {  // dir_emit_dots(): "." this inode, ".." its parent
    const ino_t ino = pos == 0 ? dir.i_ino : dir.i_parent_ino.load();
    if (!emit(ino, DT_DIR, pos == 0 ? "." : "..")) return used > 0 ? static_cast<ssize_t>(used) : -EINVAL;
  }
  auto it = cursor.empty() ? dir.children.begin() : dir.children.upper_bound(cursor);
  for (; it != dir.children.end(); ++it) {
    if (!emit(it->second->i_ino, static_cast<unsigned char>(IFTODT(it->second->i_mode)), it->first)) {
      return used > 0 ? static_cast<ssize_t>(used) : -EINVAL;
    }
    cursor = it->first;
    ++pos;
  }
  return static_cast<ssize_t>(used);
}

/// What a ramfs name leads to: the inode, and the tree lock of its
/// super_block, which every change of a directory holds (the kernel's
/// i_rwsem of the directories and s_vfs_rename_mutex, in one).
struct ram_node {
  /// The inode.
  std::shared_ptr<ram_inode> inode;
  /// The super block's lock over names (rename_lock).
  std::mutex* tree_lock = nullptr;

  /// The same inode.
  bool operator==(const ram_node& other) const noexcept { return inode == other.inode; }
};

/// ramfs_dir_inode_operations (and ramfs_symlink_inode_operations'
/// get_link): names in memory.
struct ramfs_inode_operations {
  /// The kernel table's name.
  static constexpr std::string_view name = "ramfs_dir_inode_operations";

  /// simple_lookup()
  static int lookup(ram_node& dir, std::string_view name, ram_node& out) {
    std::lock_guard guard(*dir.tree_lock);
    if (!dir.inode->is_dir()) return -ENOTDIR;
    if (dir.inode->is_dead_dir()) return -ENOENT;  // __lookup_slow()
    const auto it = dir.inode->children.find(name);
    if (it == dir.inode->children.end()) return -ENOENT;
    out = {it->second, dir.tree_lock};
    return 0;
  }

  /// ramfs_create() → ramfs_mknod()
  static int create(ram_node& dir, std::string_view name, mode_t mode, ram_node& out) {
    std::lock_guard guard(*dir.tree_lock);
    if (dir.inode->is_dead_dir()) return -ENOENT;  // may_create()
    auto inode = std::make_shared<ram_inode>(S_IFREG | (mode & 07777), detail::get_next_ino(), dir.inode.get());
    if (!dir.inode->children.emplace(std::string(name), inode).second) return -EEXIST;
    dir.inode->dir_modified();
    out = {std::move(inode), dir.tree_lock};
    return 0;
  }

  /// ramfs_mkdir(): the parent gains the child's "..".
  static int mkdir(ram_node& dir, std::string_view name, mode_t mode) {
    std::lock_guard guard(*dir.tree_lock);
    if (dir.inode->is_dead_dir()) return -ENOENT;  // may_create()
    auto inode = std::make_shared<ram_inode>(S_IFDIR | (mode & 07777), detail::get_next_ino(), dir.inode.get());
    inode->i_parent_ino = dir.inode->i_ino;
    if (!dir.inode->children.emplace(std::string(name), std::move(inode)).second) return -EEXIST;
    ++dir.inode->i_nlink;
    dir.inode->dir_modified();
    return 0;
  }

  /// ramfs_symlink()
  static int symlink(ram_node& dir, std::string_view name, std::string_view target) {
    std::lock_guard guard(*dir.tree_lock);
    if (dir.inode->is_dead_dir()) return -ENOENT;  // may_create()
    auto inode = std::make_shared<ram_inode>(S_IFLNK | 0777, detail::get_next_ino(), dir.inode.get());
    inode->i_link = target;
    if (!dir.inode->children.emplace(std::string(name), std::move(inode)).second) return -EEXIST;
    dir.inode->dir_modified();
    return 0;
  }

  /// simple_link(): one more name for the inode.
  static int link(ram_node& old, ram_node& dir, std::string_view name) {
    std::lock_guard guard(*dir.tree_lock);
    if (dir.inode->is_dead_dir()) return -ENOENT;  // may_create()
    if (!dir.inode->children.emplace(std::string(name), old.inode).second) return -EEXIST;
    ++old.inode->i_nlink;
    old.inode->inode_changed();
    dir.inode->dir_modified();
    return 0;
  }

  /// simple_unlink(): the name goes; an open file keeps the inode.
  static int unlink(ram_node& dir, std::string_view name) {
    std::lock_guard guard(*dir.tree_lock);
    const auto it = dir.inode->children.find(name);
    if (it == dir.inode->children.end()) return -ENOENT;
    if (it->second->is_dir()) return -EISDIR;
    --it->second->i_nlink;
    it->second->inode_changed();
    dir.inode->children.erase(it);
    dir.inode->dir_modified();
    return 0;
  }

  /// simple_rmdir(): an empty directory only.
  static int rmdir(ram_node& dir, std::string_view name) {
    std::lock_guard guard(*dir.tree_lock);
    const auto it = dir.inode->children.find(name);
    if (it == dir.inode->children.end()) return -ENOENT;
    if (!it->second->is_dir()) return -ENOTDIR;
    if (!it->second->children.empty()) return -ENOTEMPTY;
    it->second->i_nlink = 0;
    it->second->inode_changed();
    --dir.inode->i_nlink;
    dir.inode->children.erase(it);
    dir.inode->dir_modified();
    return 0;
  }

  /// simple_rename() and simple_rename_exchange(): the target is replaced
  /// in one step (it never disappears), under the tree lock.
  static int rename(ram_node& old_dir, std::string_view old_name, ram_node& new_dir, std::string_view new_name,
                    unsigned flags) {
    std::lock_guard guard(*old_dir.tree_lock);
    auto& from = old_dir.inode->children;
    auto& to = new_dir.inode->children;
    const auto source = from.find(old_name);
    if (source == from.end()) return -ENOENT;
    const auto target = to.find(new_name);
    const std::shared_ptr<ram_inode> moving = source->second;
    if ((flags & RENAME_EXCHANGE) != 0) {
      if (target == to.end()) return -ENOENT;
      if (moving->is_dir() && !target->second->is_dir()) {  // each directory's ".." changes parent
        --old_dir.inode->i_nlink;
        ++new_dir.inode->i_nlink;
      } else if (!moving->is_dir() && target->second->is_dir()) {
        ++old_dir.inode->i_nlink;
        --new_dir.inode->i_nlink;
      }
      std::swap(source->second, target->second);
      reparent(*source->second, *old_dir.inode);
      reparent(*target->second, *new_dir.inode);
      renamed(old_dir, new_dir, *moving);
      source->second->inode_changed();  // the other inode, now at the old name
      return 0;
    }
    if (target != to.end()) {
      if ((flags & RENAME_NOREPLACE) != 0) return -EEXIST;
      const std::shared_ptr<ram_inode>& victim = target->second;
      if (victim == moving) return 0;  // two names of one inode: nothing happens
      if (moving->is_dir() && !victim->is_dir()) return -ENOTDIR;
      if (!moving->is_dir() && victim->is_dir()) return -EISDIR;
      if (victim->is_dir() && !victim->children.empty()) return -ENOTEMPTY;
      if (victim->is_dir()) {
        victim->i_nlink = 0;
        --new_dir.inode->i_nlink;
      } else {
        --victim->i_nlink;
      }
      victim->inode_changed();
    }
    if (moving->is_dir()) {
      --old_dir.inode->i_nlink;
      ++new_dir.inode->i_nlink;
    }
    to[std::string(new_name)] = moving;
    from.erase(source);
    reparent(*moving, *new_dir.inode);
    renamed(old_dir, new_dir, *moving);
    return 0;
  }

  /// page_get_link()
  static int get_link(ram_node& node, std::string& out) {
    if (!S_ISLNK(node.inode->i_mode)) return -EINVAL;
    out = node.inode->i_link;
    return 0;
  }

  /// simple_setattr()
  static int setattr(ram_node& node, const iattr& attr) {
    node.inode->setattr(attr);
    return 0;
  }

  /// ->getattr: simple_getattr() of the inode.
  static int getattr(ram_node& node, struct ::stat& st) {
    node.inode->fillattr(st);
    return 0;
  }

 private:
  // A directory moved to `dir`: its ".." is now `dir`.
  static void reparent(ram_inode& moved, const ram_inode& dir) {
    if (moved.is_dir()) moved.i_parent_ino = dir.i_ino;
  }
  // simple_rename(): both directories modified, the moved inode changed.
  static void renamed(ram_node& old_dir, ram_node& new_dir, ram_inode& moved) {
    old_dir.inode->dir_modified();
    if (new_dir.inode != old_dir.inode) new_dir.inode->dir_modified();
    moved.inode_changed();
  }
};

}  // namespace kvfs
