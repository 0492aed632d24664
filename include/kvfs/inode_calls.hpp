// SPDX-License-Identifier: BSL-1.0
// kvfs/inode_calls.hpp - the static path of the namespace half: the VFS's
// vfs_* functions of fs/namei.c called directly on a file-system type's
// own inodes, with no table and no walk (the dynamic path is the process's
// path calls, kernel/path_calls.hpp). Calling one the type does not define
// is a compile error naming the missing inode_operations member and the
// errno the kernel's VFS answers for it, as io.hpp's are for
// file_operations.
//
//   ramfs::inode_type dir = ...;
//   kvfs::vfs_mkdir<ramfs>(dir, "logs", 0755);      // ramfs_dir_inode_operations.mkdir
//   kvfs::vfs_unlink<countfs>(dir, "x");            // error: countfs has no ->unlink (EPERM)
#pragma once

#include <kvfs/iattr.hpp>
#include <kvfs/inode.hpp>

#include <sys/stat.h>

#include <string>
#include <string_view>

namespace kvfs {

template <class Fs>
using inode_of = typename Fs::inode_type;

/// ->lookup: the inode `name` leads to in `dir`.
template <has_inode_operations Fs>
int vfs_lookup(inode_of<Fs>& dir, std::string_view name, inode_of<Fs>& out) {
  return inode_operations_of<Fs>::lookup(dir, name, out);
}

/// ->getattr: what stat(2) shows.
template <has_inode_operations Fs>
int vfs_getattr(inode_of<Fs>& node, struct ::stat& st) {
  return inode_operations_of<Fs>::getattr(node, st);
}

/// vfs_create(): a new regular file `name` in `dir`.
template <has_inode_operations Fs>
int vfs_create(inode_of<Fs>& dir, std::string_view name, mode_t mode, inode_of<Fs>& out) {
  static_assert(has_create<Fs>,
                "kvfs::vfs_create: this file system's inode_operations has no create; the kernel's VFS answers "
                "EACCES");
  if constexpr (has_create<Fs>) return inode_operations_of<Fs>::create(dir, name, mode, out);
  return -EACCES;
}

/// vfs_mkdir(): a new directory `name` in `dir`.
template <has_inode_operations Fs>
int vfs_mkdir(inode_of<Fs>& dir, std::string_view name, mode_t mode) {
  static_assert(has_mkdir<Fs>,
                "kvfs::vfs_mkdir: this file system's inode_operations has no mkdir; the kernel's VFS answers EPERM");
  if constexpr (has_mkdir<Fs>) return inode_operations_of<Fs>::mkdir(dir, name, mode);
  return -EPERM;
}

/// vfs_rmdir(): the empty directory `name` goes.
template <has_inode_operations Fs>
int vfs_rmdir(inode_of<Fs>& dir, std::string_view name) {
  static_assert(has_rmdir<Fs>,
                "kvfs::vfs_rmdir: this file system's inode_operations has no rmdir; the kernel's VFS answers EPERM");
  if constexpr (has_rmdir<Fs>) return inode_operations_of<Fs>::rmdir(dir, name);
  return -EPERM;
}

/// vfs_unlink(): the name `name` goes; an open file keeps its inode.
template <has_inode_operations Fs>
int vfs_unlink(inode_of<Fs>& dir, std::string_view name) {
  static_assert(has_unlink<Fs>,
                "kvfs::vfs_unlink: this file system's inode_operations has no unlink; the kernel's VFS answers EPERM");
  if constexpr (has_unlink<Fs>) return inode_operations_of<Fs>::unlink(dir, name);
  return -EPERM;
}

/// vfs_rename(): with RENAME_NOREPLACE or RENAME_EXCHANGE in `flags`.
template <has_inode_operations Fs>
int vfs_rename(inode_of<Fs>& old_dir, std::string_view old_name, inode_of<Fs>& new_dir, std::string_view new_name,
               unsigned flags = 0) {
  static_assert(has_rename<Fs>,
                "kvfs::vfs_rename: this file system's inode_operations has no rename; the kernel's VFS answers EPERM");
  if constexpr (has_rename<Fs>) return inode_operations_of<Fs>::rename(old_dir, old_name, new_dir, new_name, flags);
  return -EPERM;
}

/// vfs_link(): one more name, `name` in `dir`, for `old`.
template <has_inode_operations Fs>
int vfs_link(inode_of<Fs>& old, inode_of<Fs>& dir, std::string_view name) {
  static_assert(has_link<Fs>,
                "kvfs::vfs_link: this file system's inode_operations has no link; the kernel's VFS answers EPERM");
  if constexpr (has_link<Fs>) return inode_operations_of<Fs>::link(old, dir, name);
  return -EPERM;
}

/// vfs_symlink(): `name` in `dir`, whose contents are `target`.
template <has_inode_operations Fs>
int vfs_symlink(inode_of<Fs>& dir, std::string_view name, std::string_view target) {
  static_assert(has_symlink<Fs>,
                "kvfs::vfs_symlink: this file system's inode_operations has no symlink; the kernel's VFS answers "
                "EPERM");
  if constexpr (has_symlink<Fs>) return inode_operations_of<Fs>::symlink(dir, name, target);
  return -EPERM;
}

/// vfs_readlink() → ->get_link: a symlink's target.
template <has_inode_operations Fs>
int vfs_readlink(inode_of<Fs>& node, std::string& target) {
  static_assert(has_get_link<Fs>,
                "kvfs::vfs_readlink: this file system's inode_operations has no get_link; the kernel's VFS answers "
                "EINVAL");
  if constexpr (has_get_link<Fs>) return inode_operations_of<Fs>::get_link(node, target);
  return -EINVAL;
}

/// notify_change() → ->setattr, the times it asks for filled with now.
template <has_inode_operations Fs>
int notify_change(inode_of<Fs>& node, const iattr& attr) {
  static_assert(has_setattr<Fs>,
                "kvfs::notify_change: this file system's inode_operations has no setattr; the kernel's VFS answers "
                "EPERM");
  if constexpr (has_setattr<Fs>) return inode_operations_of<Fs>::setattr(node, with_times(attr));
  return -EPERM;
}

}  // namespace kvfs
