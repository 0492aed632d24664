// SPDX-License-Identifier: BSL-1.0
// kvfs/fs/posixfs_inode.hpp - posixfs's inode_operations: each member is
// the host's system call on the host path the walk reached.
//
// Never above its root: kvfs's own path walk takes every component, so
// ".." stops at the mount's root and a symlink is read (readlink) and
// walked by kvfs, never by the host; the host only ever sees a path of
// directories it has just reported as directories (lstat), and calls that
// do not follow a last symlink (lstat, unlink, rmdir, rename, link,
// readlink) or whose last component kvfs resolved (truncate). What
// openat2(RESOLVE_BENEATH) does inside one call, kvfs does across calls;
// a directory swapped for a symlink between two calls is the race it
// leaves (RESOLVE_BENEATH's would close it).
#pragma once

#include <kvfs/inode.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <string_view>
#include <vector>

namespace kvfs {

namespace detail {
// The host's calls for what `attr` asks, on the descriptor `fd` where there
// is one (the name may be gone), else on `path` (a last symlink not
// followed: the VFS refused a mode change on one already). The host sets
// ctime itself, and mtime on a size change.
inline int host_setattr(int fd, const char* path, const iattr& attr) noexcept {
  if ((attr.ia_valid & ATTR_MODE) != 0) {
    if ((fd >= 0 ? ::fchmod(fd, attr.ia_mode) : ::chmod(path, attr.ia_mode)) < 0) return -errno;
  }
  if ((attr.ia_valid & ATTR_SIZE) != 0) {
    return (fd >= 0 ? ::ftruncate(fd, attr.ia_size) : ::truncate(path, attr.ia_size)) < 0 ? -errno : 0;
  }
  if ((attr.ia_valid & (ATTR_ATIME | ATTR_MTIME)) == 0) return 0;
  auto host_time = [&](unsigned given, unsigned set, const ::timespec& value) {
    if ((attr.ia_valid & given) == 0) return ::timespec{0, UTIME_OMIT};
    return (attr.ia_valid & set) != 0 ? value : ::timespec{0, UTIME_NOW};
  };
  const ::timespec times[2] = {host_time(ATTR_ATIME, ATTR_ATIME_SET, attr.ia_atime),
                               host_time(ATTR_MTIME, ATTR_MTIME_SET, attr.ia_mtime)};
  const int r = fd >= 0 ? ::futimens(fd, times) : ::utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW);
  return r < 0 ? -errno : 0;
}
}  // namespace detail

/// What a posixfs name leads to: the host path ("" for the host's "/").
struct posix_node {
  std::string host_path;

  std::string child(std::string_view name) const { return host_path + "/" + std::string(name); }
  const char* c_str() const noexcept { return host_path.empty() ? "/" : host_path.c_str(); }
  bool operator==(const posix_node&) const = default;
};

/// posixfs's inode_operations (ext4_dir_inode_operations, answered by the
/// host).
struct posixfs_inode_operations {
  static constexpr std::string_view name = "posixfs_inode_operations";

  static int lookup(posix_node& dir, std::string_view name, posix_node& out) {
    posix_node child{dir.child(name)};
    struct ::stat st {};
    if (::lstat(child.c_str(), &st) < 0) return -errno;
    out = std::move(child);
    return 0;
  }
  static int create(posix_node& dir, std::string_view name, mode_t mode, posix_node& out) {
    posix_node child{dir.child(name)};
    const int fd = ::open(child.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode);
    if (fd < 0) return -errno;
    ::close(fd);
    out = std::move(child);
    return 0;
  }
  static int mkdir(posix_node& dir, std::string_view name, mode_t mode) {
    return result(::mkdir(dir.child(name).c_str(), mode));
  }
  static int rmdir(posix_node& dir, std::string_view name) { return result(::rmdir(dir.child(name).c_str())); }
  static int unlink(posix_node& dir, std::string_view name) { return result(::unlink(dir.child(name).c_str())); }
  static int rename(posix_node& old_dir, std::string_view old_name, posix_node& new_dir, std::string_view new_name,
                    unsigned flags) {
    return result(static_cast<int>(::syscall(SYS_renameat2, AT_FDCWD, old_dir.child(old_name).c_str(), AT_FDCWD,
                                             new_dir.child(new_name).c_str(), flags)));
  }
  static int link(posix_node& old, posix_node& dir, std::string_view name) {
    return result(::linkat(AT_FDCWD, old.c_str(), AT_FDCWD, dir.child(name).c_str(), 0));
  }
  static int symlink(posix_node& dir, std::string_view name, std::string_view target) {
    return result(::symlink(std::string(target).c_str(), dir.child(name).c_str()));
  }
  static int get_link(posix_node& node, std::string& out) {
    std::vector<char> buf(4096);
    const ssize_t n = ::readlink(node.c_str(), buf.data(), buf.size());
    if (n < 0) return -errno;
    out.assign(buf.data(), static_cast<std::size_t>(n));
    return 0;
  }
  static int setattr(posix_node& node, const iattr& attr) { return detail::host_setattr(-1, node.c_str(), attr); }
  static int getattr(posix_node& node, struct ::stat& st) { return result(::lstat(node.c_str(), &st)); }

 private:
  static int result(int r) noexcept { return r < 0 ? -errno : 0; }
};

}  // namespace kvfs
