// SPDX-License-Identifier: BSL-1.0
// kvfs/super_block.hpp - a mounted instance of a file system, and the hook
// by which a file-system type makes one (the kernel's
// file_system_type.mount, or init_fs_context + get_tree).
//
// A type is mountable by name (process::mount("none", "/mnt", "myfs")) when
// it declares
//
//   static int mount(std::string_view source, int flags, std::shared_ptr<kvfs::super_block>& sb);
//
// which sets `sb` and returns 0, or returns -errno (ENOENT, ENOTDIR for a
// source that is not there ...). The process keeps the super_block in its
// mount table and asks it for the files under the mount point; it never
// names the type. A pseudo type (FS_PSEUDO) is never mountable.
#pragma once

#include <kvfs/any_file.hpp>
#include <kvfs/file_system.hpp>
#include <kvfs/inode.hpp>

#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>

#include <algorithm>
#include <concepts>
#include <memory>
#include <string_view>
#include <utility>

namespace kvfs {

/// struct super_block with its root: what the path walk asks, for paths
/// inside this mount. Each path is absolute within the file system ("/" is
/// its root). Every member returns 0 or -errno.
class super_block {
 public:
  virtual ~super_block() = default;

  /// A file system without inode_operations (no root inode) is reached
  /// the old way, by whole paths inside it: these four answer for it. A
  /// file system with a root inode needs none of them.

  /// do_filp_open() inside this file system: sets `file` to the file at
  /// `path` opened with the open(2) `flags` (creating it with `mode` under
  /// O_CREAT). The VFS then gives a device node its driver (chrdev_open).
  virtual int open(std::string_view, int, mode_t, file_ref&) { return -EOPNOTSUPP; }

  /// lookup(): the inode at `path` (its mode, number and device number),
  /// without opening it.
  virtual int lookup(std::string_view, struct inode&) { return -EOPNOTSUPP; }

  /// vfs_mkdir(): a new directory at `path`.
  virtual int mkdir(std::string_view, mode_t) { return -EOPNOTSUPP; }

  /// Whether `path` is a directory here (a mount point must be): 0,
  /// -ENOENT or -ENOTDIR. By default, each name looked up from the root.
  virtual int lookup_dir(std::string_view path) {
    inode_ptr at = root_inode();
    if (!at) return -EOPNOTSUPP;
    for (std::size_t from = 0; from < path.size();) {
      const std::size_t end = std::min(path.find('/', from), path.size());
      const std::string_view name = path.substr(from, end - from);
      from = end + 1;
      if (name.empty() || name == ".") continue;
      if (!S_ISDIR(at->i_mode)) return -ENOTDIR;
      inode_ptr next;
      if (const int error = at->lookup(name, next); error < 0) return error;
      at = std::move(next);
    }
    return S_ISDIR(at->i_mode) ? 0 : -ENOTDIR;
  }

  /// s_root: the inode the path walk starts from in this mount, made once
  /// when it is mounted; none for a file system without inode_operations
  /// (whose names only open(2) and mkdir(2) reach: the other path calls
  /// answer EOPNOTSUPP).
  const inode_ptr& root_inode() const noexcept { return s_root_; }

  /// do_dentry_open() of an inode the walk found: its file, opened with
  /// `flags` (the walk has done O_CREAT and O_EXCL; O_TRUNC follows it).
  /// With O_TMPFILE the inode is a directory and the file a new unnamed
  /// one in it, of `mode` (vfs_tmpfile(); EOPNOTSUPP without ->tmpfile).
  virtual int open_inode(vfs_inode&, int, mode_t, file_ref&) { return -EOPNOTSUPP; }

  /// super_operations::statfs: the file system that holds `dentry` (a
  /// file system may span several: posixfs asks the host for that name).
  /// vfs_statfs() fills f_flags when left 0, and f_frsize. ENOSYS without.
  virtual int statfs(vfs_inode&, struct ::statfs&) { return -ENOSYS; }

 protected:
  /// s_root: the root inode (d_make_root()).
  void set_root(inode_ptr root) noexcept { s_root_ = std::move(root); }

 private:
  inode_ptr s_root_;
};

/// A file-system type that can be mounted by name.
template <class Fs>
concept mountable = file_system_type<Fs> && (fs_flags<Fs>() & FS_PSEUDO) == 0 &&
    requires(std::string_view source, int flags, std::shared_ptr<super_block>& sb) {
  { Fs::mount(source, flags, sb) } -> std::same_as<int>;
};

}  // namespace kvfs
