// SPDX-License-Identifier: BSL-1.0
// kvfs/fs/posixfs_inode.hpp - posixfs's inode_operations: each member is
// the host's system call on the host inode the walk reached.
//
// A posixfs inode is a host inode held by an O_PATH descriptor (as
// libfuse's passthrough_ll holds its inodes), not a path: it stays the
// same inode when it or a directory above it is renamed, and every call
// is relative to a descriptor (openat, mkdirat, unlinkat, renameat2 ...
// on the parent's), so the host resolves one name at a time.
//
// Never above its root: kvfs's own path walk takes every component, so
// ".." stops at the mount's root and a symlink is read (readlinkat) and
// walked by kvfs, never by the host; each name is opened with O_NOFOLLOW
// relative to the directory that holds it. What openat2(RESOLVE_BENEATH)
// does inside one call, kvfs does one component per call, with nothing
// left to race: a directory swapped for a symlink after it was opened is
// still the directory kvfs holds.
#pragma once

#include <kvfs/detail/syscall.hpp>
#include <kvfs/inode.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace kvfs {

namespace detail {
// One O_PATH descriptor, closed with the last inode that holds it.
struct host_inode {
  explicit host_inode(int descriptor) noexcept : fd(descriptor) {}
  host_inode(const host_inode&) = delete;
  host_inode& operator=(const host_inode&) = delete;
  ~host_inode() { ::close(fd); }
  const int fd;
};

// The magic link that names the inode an O_PATH descriptor holds: what
// the calls that take no descriptor of their own (chmod, truncate,
// linkat, a reopen) are given.
inline std::string proc_fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

// The host's calls for what `attr` asks, on the open descriptor `fd` where
// there is one, else on the inode `path_fd` holds. The host sets ctime
// itself, and mtime on a size change.
inline int host_setattr(int fd, int path_fd, const iattr& attr) noexcept {
  const std::string inode = fd >= 0 ? std::string() : proc_fd_path(path_fd);
  if ((attr.ia_valid & ATTR_MODE) != 0) {
    if ((fd >= 0 ? ::fchmod(fd, attr.ia_mode) : ::chmod(inode.c_str(), attr.ia_mode)) < 0) return -errno;
  }
  if ((attr.ia_valid & ATTR_SIZE) != 0) {
    return host_result(fd >= 0 ? ::ftruncate(fd, attr.ia_size) : ::truncate(inode.c_str(), attr.ia_size));
  }
  if ((attr.ia_valid & (ATTR_ATIME | ATTR_MTIME)) == 0) return 0;
  auto host_time = [&](unsigned given, unsigned set, const ::timespec& value) {
    if ((attr.ia_valid & given) == 0) return ::timespec{0, UTIME_OMIT};
    return (attr.ia_valid & set) != 0 ? value : ::timespec{0, UTIME_NOW};
  };
  const ::timespec times[2] = {host_time(ATTR_ATIME, ATTR_ATIME_SET, attr.ia_atime),
                               host_time(ATTR_MTIME, ATTR_MTIME_SET, attr.ia_mtime)};
  const int r = fd >= 0 ? ::futimens(fd, times) : ::utimensat(path_fd, "", times, AT_EMPTY_PATH);
  return host_result(r);
}
}  // namespace detail

/// What a posixfs name leads to: the host inode, by an O_PATH descriptor.
struct posix_node {
  /// The host O_PATH descriptor, shared by every dentry of the inode.
  std::shared_ptr<const detail::host_inode> inode;

  /// The host O_PATH descriptor (-1: none).
  int fd() const noexcept { return inode ? inode->fd : -1; }

  /// The host directory `path` (a mount's root).
  static int open_dir(const char* path, posix_node& out) {
    const int fd = ::open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -errno;
    out.inode = std::make_shared<const detail::host_inode>(fd);
    return 0;
  }

  /// The same host inode (two descriptors may hold one).
  bool operator==(const posix_node& other) const noexcept {
    if (inode == other.inode) return true;
    struct ::stat a {}, b {};
    return ::fstat(fd(), &a) == 0 && ::fstat(other.fd(), &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
  }
};

/// posixfs's inode_operations (ext4_dir_inode_operations, answered by the
/// host), each relative to the descriptor of the directory that holds the name.
struct posixfs_inode_operations {
  /// The table's name.
  static constexpr std::string_view name = "posixfs_inode_operations";

  /// ->lookup: openat(O_PATH|O_NOFOLLOW) of the name in the host directory.
  static int lookup(posix_node& dir, std::string_view name, posix_node& out) {
    const int fd = ::openat(dir.fd(), std::string(name).c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return -errno;
    out.inode = std::make_shared<const detail::host_inode>(fd);
    return 0;
  }
  /// ->create: openat(O_CREAT|O_EXCL) in the host directory.
  static int create(posix_node& dir, std::string_view name, mode_t mode, posix_node& out) {
    const int fd = ::openat(dir.fd(), std::string(name).c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode);
    if (fd < 0) return -errno;
    ::close(fd);
    return lookup(dir, name, out);
  }
  /// ->mkdir: mkdirat(2) in the host directory.
  static int mkdir(posix_node& dir, std::string_view name, mode_t mode) {
    return detail::host_result(::mkdirat(dir.fd(), std::string(name).c_str(), mode));
  }
  /// ->rmdir: unlinkat(AT_REMOVEDIR) in the host directory.
  static int rmdir(posix_node& dir, std::string_view name) {
    return detail::host_result(::unlinkat(dir.fd(), std::string(name).c_str(), AT_REMOVEDIR));
  }
  /// ->unlink: unlinkat(2) in the host directory.
  static int unlink(posix_node& dir, std::string_view name) {
    return detail::host_result(::unlinkat(dir.fd(), std::string(name).c_str(), 0));
  }
  /// ->rename: renameat2(2) between the host directories.
  static int rename(posix_node& old_dir, std::string_view old_name, posix_node& new_dir, std::string_view new_name,
                    unsigned flags) {
    return detail::host_result(static_cast<int>(::syscall(SYS_renameat2, old_dir.fd(), std::string(old_name).c_str(),
                                                          new_dir.fd(), std::string(new_name).c_str(), flags)));
  }
  /// linkat() of the inode itself, named by its magic link (AT_EMPTY_PATH
  /// would need CAP_DAC_READ_SEARCH).
  static int link(posix_node& old, posix_node& dir, std::string_view name) {
    return detail::host_result(::linkat(AT_FDCWD, detail::proc_fd_path(old.fd()).c_str(), dir.fd(),
                                        std::string(name).c_str(), AT_SYMLINK_FOLLOW));
  }
  /// ->symlink: symlinkat(2) in the host directory.
  static int symlink(posix_node& dir, std::string_view name, std::string_view target) {
    return detail::host_result(::symlinkat(std::string(target).c_str(), dir.fd(), std::string(name).c_str()));
  }
  /// ->get_link: readlinkat(fd, "").
  static int get_link(posix_node& node, std::string& out) {
    std::vector<char> buf(PATH_MAX);
    const ssize_t n = ::readlinkat(node.fd(), "", buf.data(), buf.size());
    if (n < 0) return -errno;
    out.assign(buf.data(), static_cast<std::size_t>(n));
    return 0;
  }
  /// ->setattr: the host call for each attribute.
  static int setattr(posix_node& node, const iattr& attr) { return detail::host_setattr(-1, node.fd(), attr); }
  /// ->getattr: fstat(2) of the O_PATH descriptor.
  static int getattr(posix_node& node, struct ::stat& st) { return detail::host_result(::fstat(node.fd(), &st)); }
};

}  // namespace kvfs
