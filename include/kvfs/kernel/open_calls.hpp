// SPDX-License-Identifier: BSL-1.0
// kvfs/kernel/open_calls.hpp - open(2) and mkdir(2), as fs/open.c and
// fs/namei.c run them: reserve a number, walk the path to its mount, let
// the file system open the file, give a device node its driver
// (chrdev_open), then install.
#pragma once

#include <kvfs/any_file.hpp>
#include <kvfs/detail/vfs.hpp>
#include <kvfs/fs/char_dev.hpp>
#include <kvfs/kernel/namespace_calls.hpp>

#include <fcntl.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

namespace kvfs {

/// Opening and making files by path, for `Process` (CRTP).
template <class Process>
class open_calls {
 public:
  /// open(2), as do_sys_openat2(): the flags are checked (EINVAL) and the
  /// path copied (ENOENT for ""), then the number is reserved (a full
  /// table is EMFILE before anything is looked up or created), then
  /// do_filp_open() in the file system mounted there, then fd_install().
  long open(const std::filesystem::path& path, int flags, mode_t mode = 0) {
    const int f_flags = detail::build_open_flags(flags);
    if (f_flags < 0) return f_flags;
    std::string absolute;
    if (const long error = detail::absolute_path(path, absolute); error < 0) return error;
    const int fd = self().files().get_unused_fd_flags(flags & O_CLOEXEC);
    if (fd < 0) return fd;
    file_ref file;
    if (const int error = do_filp_open(absolute, f_flags, mode, file); error < 0) {
      self().files().put_unused_fd(fd);
      return error;
    }
    self().fd_install(fd, std::move(file), absolute);
    return fd;
  }

  /// mkdir(2), through the mount that holds the path.
  long mkdir(const std::filesystem::path& path, mode_t mode) {
    std::string absolute;
    if (const long error = detail::absolute_path(path, absolute); error < 0) return error;
    mount_point at = self().lookup_mnt(absolute);
    return at.sb->mkdir(at.inside, mode);
  }

 private:
  Process& self() noexcept { return static_cast<Process&>(*this); }

  // do_filp_open(): the file system opens the file; a character device
  // node whose number a driver answers for gets the driver's file instead
  // (init_special_inode() → def_chr_fops → chrdev_open()), unless it is
  // opened O_PATH, which runs no ->open. A node the host has no driver for
  // (ENXIO, ENODEV) is looked up, not opened. O_DIRECT is checked last, as
  // do_dentry_open() does.
  int do_filp_open(const std::string& absolute, int flags, mode_t mode, file_ref& file) {
    mount_point at = self().lookup_mnt(absolute);
    struct inode node;
    int error = at.sb->open(at.inside, flags, mode, file);
    if (error == 0) {
      node = file->f_inode;
    } else if (error != -ENXIO && error != -ENODEV) {
      return error;
    } else if (at.sb->lookup(at.inside, node) < 0) {
      return error;
    }
    if (S_ISCHR(node.i_mode) && (flags & O_PATH) == 0 && self().cdevs().contains(node.i_rdev)) {
      file.reset();  // the host's file of the node, if it opened one
      if (const int driver_error = self().cdevs().open(node.i_rdev, flags, file); driver_error < 0) return driver_error;
    } else if (error < 0) {
      return error;
    }
    file->f_mnt = std::move(at.sb);
    return detail::check_odirect(*file);
  }
};

}  // namespace kvfs
