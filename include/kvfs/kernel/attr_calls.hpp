// SPDX-License-Identifier: BSL-1.0
// kvfs/kernel/attr_calls.hpp - the system calls that change or ask an
// inode's attributes, as fs/open.c, fs/utimes.c and fs/statfs.c run them:
// truncate, ftruncate, chmod, fchmod, fchmodat, utimensat, futimens,
// access, faccessat, statfs and fstatfs. Each change goes through
// notify_change() (the times it asks for filled with now) to the inode's
// ->setattr, or, for an open file, to its file system's ->setattr of the
// file (ATTR_FILE), which may use what the file holds.
#pragma once

#include <kvfs/any_file.hpp>
#include <kvfs/detail/syscall.hpp>
#include <kvfs/detail/vfs.hpp>
#include <kvfs/iattr.hpp>
#include <kvfs/inode.hpp>
#include <kvfs/kernel/detail/permission.hpp>
#include <kvfs/kernel/namei.hpp>
#include <kvfs/super_block.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <string_view>

namespace kvfs {

/// Calls on inode attributes, for `Process` (CRTP).
template <class Process>
class attr_calls {
 public:
  /// truncate(2): do_sys_truncate() → vfs_truncate(): a directory is
  /// EISDIR, anything else not regular EINVAL, then write permission.
  long truncate(std::string_view path, loff_t length) {
    if (length < 0) return -EINVAL;
    walk_result at;
    if (const int error = self().filename_lookup(AT_FDCWD, path, LOOKUP_FOLLOW, at); error < 0) return error;
    const mode_t mode = at.inode().i_mode;
    if (S_ISDIR(mode)) return -EISDIR;
    if (!S_ISREG(mode)) return -EINVAL;
    if (const int error = inode_permission(at.inode(), MAY_WRITE); error < 0) return error;
    return at.inode().setattr(with_times({ATTR_SIZE | ATTR_MTIME | ATTR_CTIME, 0, length}));
  }

  /// ftruncate(2): do_sys_ftruncate(): the length, then the descriptor,
  /// then a regular file open for writing (EINVAL otherwise).
  long ftruncate(int fd, loff_t length) {
    if (length < 0) return -EINVAL;
    file_ref file = self().files().fdget(fd);
    if (!file) return -EBADF;
    if (!S_ISREG(file->f_inode.i_mode) || (file->f_mode & FMODE_WRITE) == 0) return -EINVAL;
    return notify_change(*file, {ATTR_SIZE | ATTR_MTIME | ATTR_CTIME, 0, length});
  }

  /// fchmodat(2) with fchmodat2's flags (AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH):
  /// chmod_common() keeps the type bits; a symlink's mode is EOPNOTSUPP.
  long fchmodat(int dirfd, std::string_view path, mode_t mode, int flags = 0) {
    if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) != 0) return -EINVAL;
    if (path.empty() && (flags & AT_EMPTY_PATH) != 0) return chmod_file(self().files().fdget_raw(dirfd), mode);
    walk_result at;
    const unsigned lookup = (flags & AT_SYMLINK_NOFOLLOW) != 0 ? 0 : LOOKUP_FOLLOW;
    if (const int error = self().filename_lookup(dirfd, path, lookup, at); error < 0) return error;
    const mode_t old = at.inode().i_mode;
    if (S_ISLNK(old)) return -EOPNOTSUPP;  // notify_change()
    return at.inode().setattr(with_times({ATTR_MODE | ATTR_CTIME, chmod_mode(old, mode), 0}));
  }
  /// chmod(2).
  long chmod(std::string_view path, mode_t mode) { return fchmodat(AT_FDCWD, path, mode, 0); }

  /// fchmod(2): vfs_fchmod() on the open file (not an O_PATH one: EBADF).
  long fchmod(int fd, mode_t mode) { return chmod_file(self().files().fdget(fd), mode); }

  /// utimensat(2): `times` null is "now" for both; UTIME_NOW and
  /// UTIME_OMIT as documented. Both omitted does nothing, before even the
  /// path; the flags, then the path, then each tv_nsec (EINVAL), in
  /// do_utimes_path() → vfs_utimes() order.
  long utimensat(int dirfd, std::string_view path, const ::timespec* times, int flags) {
    if (both_omitted(times)) return 0;
    if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) != 0) return -EINVAL;
    if (path.empty() && (flags & AT_EMPTY_PATH) != 0) return utimes_file(self().files().fdget_raw(dirfd), times);
    walk_result at;
    const unsigned lookup = (flags & AT_SYMLINK_NOFOLLOW) != 0 ? 0 : LOOKUP_FOLLOW;
    if (const int error = self().filename_lookup(dirfd, path, lookup, at); error < 0) return error;
    iattr attr;
    if (const int error = utimes_attr(times, attr); error < 0) return error;
    return at.inode().setattr(with_times(attr));
  }

  /// futimens(3), utimensat(fd, NULL, times, 0): do_utimes_fd().
  long futimens(int fd, const ::timespec* times) {
    if (both_omitted(times)) return 0;
    return utimes_file(self().files().fdget(fd), times);
  }

  /// faccessat(2) with faccessat2's flags: the mode is F_OK or R_OK|W_OK|X_OK
  /// (EINVAL otherwise), checked with the real ids unless AT_EACCESS.
  long faccessat(int dirfd, std::string_view path, int mode, int flags = 0) {
    if ((mode & ~S_IRWXO) != 0) return -EINVAL;
    if ((flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) != 0) return -EINVAL;
    const detail::credentials cred = detail::credentials::current((flags & AT_EACCESS) != 0);
    struct ::stat st {};
    if (path.empty() && (flags & AT_EMPTY_PATH) != 0) {
      file_ref file = self().files().fdget_raw(dirfd);
      if (!file) return -EBADF;
      if (const int error = detail::vfs_fstat(*file, *file->f_op, st); error < 0) return error;
    } else {
      walk_result at;
      const unsigned lookup = (flags & AT_SYMLINK_NOFOLLOW) != 0 ? 0 : LOOKUP_FOLLOW;
      if (const int error = self().filename_lookup(dirfd, path, lookup, at); error < 0) return error;
      if (const int error = at.inode().getattr(st); error < 0) return error;
    }
    return detail::generic_permission(st, mode, cred);
  }
  /// access(2): with the real ids.
  long access(std::string_view path, int mode) { return faccessat(AT_FDCWD, path, mode, 0); }

  /// statfs(2): user_statfs() → vfs_statfs() of the mount the path is in.
  long statfs(std::string_view path, struct ::statfs& buf) {
    walk_result at;
    if (const int error = self().filename_lookup(AT_FDCWD, path, LOOKUP_FOLLOW, at); error < 0) return error;
    return vfs_statfs(*at.mnt(), at.inode(), buf);
  }

  /// fstatfs(2): fd_statfs() (an O_PATH descriptor too). A file with no
  /// name in a kvfs mount (a pipe, a socket) is the host's object: the
  /// host answers for its pseudo file system.
  long fstatfs(int fd, struct ::statfs& buf) {
    file_ref file = self().files().fdget_raw(fd);
    if (!file) return -EBADF;
    if (file->f_mnt && file->f_dentry) return vfs_statfs(*file->f_mnt, *file->f_dentry, buf);
    const int host = detail::vfs_host_fd(*file, *file->f_op);
    if (host < 0) return -ENOSYS;  // no s_op->statfs
    return detail::host_result(::fstatfs(host, &buf));
  }

 private:
  Process& self() noexcept { return static_cast<Process&>(*this); }

  // inode_permission() of a name the walk found, with the effective ids.
  static int inode_permission(vfs_inode& inode, int mask) {
    struct ::stat st {};
    if (const int error = inode.getattr(st); error < 0) return error;
    return detail::generic_permission(st, mask, detail::credentials::current(true));
  }

  // notify_change() through an open file: its file system's ->setattr of
  // the file, else the inode's (a device node's is its file system's). An
  // O_PATH file does no I/O, its file system's included: the inode's.
  static int notify_change(any_file& file, iattr attr) {
    attr = with_times(attr);
    const bool path_only = (file.f_mode & FMODE_PATH) != 0 && file.f_dentry;
    if (file.f_op->setattr != nullptr && !path_only) return file.f_op->setattr(file, attr);
    if (file.f_dentry) return file.f_dentry->setattr(attr);
    return -EPERM;
  }

  static mode_t chmod_mode(mode_t old, mode_t mode) noexcept { return (mode & 07777) | (old & S_IFMT); }

  static int chmod_file(const file_ref& file, mode_t mode) {
    if (!file) return -EBADF;
    if (S_ISLNK(file->f_inode.i_mode)) return -EOPNOTSUPP;
    return notify_change(*file, {ATTR_MODE | ATTR_CTIME, chmod_mode(file->f_inode.i_mode, mode), 0});
  }

  static int utimes_file(const file_ref& file, const ::timespec* times) {
    if (!file) return -EBADF;
    iattr attr;
    if (const int error = utimes_attr(times, attr); error < 0) return error;
    return notify_change(*file, attr);
  }

  static bool both_omitted(const ::timespec* times) noexcept {
    return times != nullptr && times[0].tv_nsec == UTIME_OMIT && times[1].tv_nsec == UTIME_OMIT;
  }

  // vfs_utimes(): which times change, and to what (ATTR_*_SET: the
  // caller's; otherwise now). EINVAL for a tv_nsec out of range.
  static int utimes_attr(const ::timespec* times, iattr& attr) noexcept {
    attr.ia_valid = ATTR_CTIME | ATTR_MTIME | ATTR_ATIME;
    if (times == nullptr) return 0;
    auto valid = [](long nsec) { return nsec == UTIME_OMIT || nsec == UTIME_NOW || (nsec >= 0 && nsec <= 999999999); };
    if (!valid(times[0].tv_nsec) || !valid(times[1].tv_nsec)) return -EINVAL;
    auto take = [&](const ::timespec& t, unsigned which, unsigned set, ::timespec& out) {
      if (t.tv_nsec == UTIME_OMIT) {
        attr.ia_valid &= ~which;
      } else if (t.tv_nsec != UTIME_NOW) {
        out = t;
        attr.ia_valid |= set;
      }
    };
    take(times[0], ATTR_ATIME, ATTR_ATIME_SET, attr.ia_atime);
    take(times[1], ATTR_MTIME, ATTR_MTIME_SET, attr.ia_mtime);
    return 0;
  }

  // vfs_statfs(): the file system's answer, f_frsize defaulting to
  // f_bsize, and f_flags from the mount where the file system left them
  // (ST_VALID, and relatime: how kvfs mounts).
  static int vfs_statfs(super_block& sb, vfs_inode& dentry, struct ::statfs& buf) {
    if (const int error = sb.statfs(dentry, buf); error < 0) return error;
    if (buf.f_frsize == 0) buf.f_frsize = buf.f_bsize;
    if (buf.f_flags == 0) buf.f_flags = detail::ST_VALID_FLAG | ST_RELATIME;
    return 0;
  }
};

}  // namespace kvfs
