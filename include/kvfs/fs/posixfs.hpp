// SPDX-License-Identifier: BSL-1.0
// kvfs/fs/posixfs.hpp - regular files over POSIX I/O.
//
// posixfs stands for a disk file system such as ext4: its files are the host
// kernel's, opened with open(2), and every operation is the matching POSIX
// call. It includes no Asio.
//
//   auto log = kvfs::open("app.log", O_WRONLY | O_CREAT | O_APPEND, 0644);
//   kvfs::write_all(log, "started\n");
#pragma once

#include <kvfs/any_file.hpp>
#include <kvfs/descriptor.hpp>
#include <kvfs/detail/syscall.hpp>
#include <kvfs/detail/vfs.hpp>
#include <kvfs/file_system.hpp>
#include <kvfs/fs/posixfs_inode.hpp>
#include <kvfs/io.hpp>
#include <kvfs/name.hpp>
#include <kvfs/super_block.hpp>
#include <kvfs/trace.hpp>

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>
#include <cerrno>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

namespace kvfs {

/// What a posixfs file's private_data holds: the host's open file.
struct posix_file {
  /// The host descriptor (-1: none).
  int fd = -1;
  /// A FIFO, an adopted pipe end or socket raises SIGPIPE on a write
  /// without readers.
  bool may_raise_sigpipe = false;
  /// A FIFO, pipe end, socket or terminal can block, so it has a wait queue
  /// (its ->poll is pipe_poll, sock_poll, tty_poll); a regular file is
  /// always ready.
  bool pollable = false;

  /// The host descriptor.
  int native_handle() const noexcept { return fd; }
};

/// The operations of any host descriptor, seekable or not: each member is
/// the POSIX call of the same name, answering what the host answered (an
/// EINTR too: the host restarted the call if the signal's handler asked
/// for it with SA_RESTART; close excepted: Linux releases the descriptor
/// even when close(2) is interrupted). A pipe's table is exactly these
/// (pipeanon_fops).
struct posix_stream_operations {
  /// read(2) on the host descriptor.
  static ssize_t read(auto& file, std::span<std::byte> buf) noexcept {
    file.trace.step("read(2)");
    return detail::host_result(::read(file.private_data.fd, buf.data(), buf.size()));
  }

  /// write(2) on the host descriptor (never a SIGPIPE).
  static ssize_t write(auto& file, std::span<const std::byte> buf) noexcept {
    return host_write(file, "write(2)", buf.size(), [buf](int fd) { return ::write(fd, buf.data(), buf.size()); });
  }

  /// readv(2) on the host descriptor.
  static ssize_t read_iter(auto& file, std::span<const ::iovec> iov) noexcept {
    file.trace.step("readv(2)");
    return detail::host_result(::readv(file.private_data.fd, iov.data(), static_cast<int>(iov.size())));
  }

  /// writev(2) on the host descriptor (never a SIGPIPE).
  static ssize_t write_iter(auto& file, std::span<const ::iovec> iov) noexcept {
    return host_write(file, "writev(2)", detail::iov_length(iov),
                      [iov](int fd) { return ::writev(fd, iov.data(), static_cast<int>(iov.size())); });
  }

  /// ->poll of what the host file is: pipe_poll, sock_poll or tty_poll asked
  /// of the host, or DEFAULT_POLLMASK for a file that never blocks (vfs_poll()).
  static short poll(auto& file) noexcept {
    if (!file.private_data.pollable) return detail::DEFAULT_POLLMASK;
    return detail::poll_now(file.private_data.fd, POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM | POLLRDHUP);
  }

  /// The wait queue of a FIFO, socket or terminal is the host descriptor; a
  /// regular file has none (-1: always ready).
  static int poll_wait(auto& file) noexcept { return file.private_data.pollable ? file.private_data.fd : -1; }

  /// fcntl(F_SETFL) on the host descriptor: the host file is what blocks.
  static int setfl(auto& file, int flags) noexcept {
    file.trace.step("fcntl(2) F_SETFL");
    const int host = ::fcntl(file.private_data.fd, F_GETFL);
    if (host < 0) return -errno;
    constexpr int mirrored = O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME;
    return detail::host_result(::fcntl(file.private_data.fd, F_SETFL, (host & ~mirrored) | (flags & mirrored)));
  }

  /// fasync_helper() for what has a wait queue (pipe_fasync, sock_fasync,
  /// tty_fasync); a regular file has no ->fasync and keeps O_ASYNC out. The
  /// host descriptor is not told: kvfs sends no SIGIO.
  static int fasync(auto& file, bool on) noexcept {
    if (file.private_data.pollable) file.f_flags = on ? file.f_flags | FASYNC : file.f_flags & ~FASYNC;
    return 0;
  }

  /// fstat(2) of the host descriptor.
  static int getattr(auto& file, struct ::stat& st) noexcept {
    return detail::host_result(::fstat(file.private_data.fd, &st));
  }

  /// ATTR_FILE: the host file itself (ftruncate, fchmod, futimens).
  static int setattr(auto& file, const iattr& attr) noexcept {
    return detail::host_setattr(file.private_data.fd, -1, attr);
  }

  /// The host descriptor is the data: copy may splice, sendfile or copy_file_range it.
  static int host_fd(auto& file) noexcept { return file.private_data.fd; }

  /// close(2) of the host descriptor.
  static int release(auto& file) noexcept {
    file.trace.step("close(2)");
    const int fd = file.private_data.fd;
    file.private_data.fd = -1;
    return ::close(fd) < 0 && errno != EINTR ? -errno : 0;
  }

 protected:
  /// A write of `requested` bytes, `write(fd)`: the host call alone when
  /// the file is not traced and cannot raise SIGPIPE (a regular file); the
  /// trace step and the SIGPIPE guard are out of line, so the common path
  /// keeps no frame. `write` holds its arguments by value, and not the
  /// descriptor, so a one-buffer write passes to the cold path in registers.
  template <class File, class Write>
  [[gnu::always_inline]] static ssize_t host_write(File& file, std::string_view step, std::size_t requested,
                                                   Write write) noexcept {
    if (detail::trace_active(file.trace) || file.private_data.may_raise_sigpipe) [[unlikely]]
      return traced_or_guarded_write(file, step, requested, write);
    return detail::host_result(write(file.private_data.fd));
  }

 private:
  template <class File, class Write>
  [[gnu::cold, gnu::noinline]] static ssize_t traced_or_guarded_write(File& file, std::string_view step,
                                                                      std::size_t requested, Write write) noexcept {
    file.trace.step(step);
    const int fd = file.private_data.fd;
    if (!file.private_data.may_raise_sigpipe) return detail::host_result(write(fd));
    return detail::without_sigpipe(requested, [write, fd] { return detail::host_result(write(fd)); });
  }
};

/// posixfs's file_operations: a host stream's, and what a file with a
/// position has (llseek, pread, pwrite, fsync) and a directory (iterate_shared).
struct posixfs_file_operations : posix_stream_operations {
  /// The table's name.
  static constexpr std::string_view name = "posixfs_file_operations";
  static constexpr bool splice_write = true;  ///< iter_file_splice_write
  static constexpr bool splice_read = true;  ///< filemap_splice_read (a host FIFO or directory is refused by type)

  /// pread64(2) on the host descriptor.
  static ssize_t pread(auto& file, std::span<std::byte> buf, loff_t pos) noexcept {
    file.trace.step("pread64(2)");
    return detail::host_result(::pread(file.private_data.fd, buf.data(), buf.size(), pos));
  }

  /// pwrite64(2) on the host descriptor.
  static ssize_t pwrite(auto& file, std::span<const std::byte> buf, loff_t pos) noexcept {
    return host_write(file, "pwrite64(2)", buf.size(),
                      [buf, pos](int fd) { return ::pwrite(fd, buf.data(), buf.size(), pos); });
  }

  /// lseek(2) of the host descriptor: the host keeps the position.
  static loff_t llseek(auto& file, loff_t offset, int whence) noexcept {
    file.trace.step("lseek(2)");
    return detail::host_result(::lseek(file.private_data.fd, offset, whence));
  }

  /// The host's getdents64(2) on the host directory.
  static ssize_t iterate_shared(auto& file, std::span<std::byte> buf) noexcept {
    file.trace.step("getdents64(2)");
    return detail::host_result(
        static_cast<ssize_t>(::syscall(SYS_getdents64, file.private_data.fd, buf.data(), buf.size())));
  }

  /// fsync(2) of the host descriptor.
  static int fsync(auto& file) noexcept {
    file.trace.step("fsync(2)");
    return detail::host_result(::fsync(file.private_data.fd));
  }
};

/// The file-system type: regular files of the host.
struct posixfs {
  /// "posixfs" in /proc/filesystems.
  static constexpr auto name = name_c<"posixfs">;
  /// A disk file system: no "nodev".
  static constexpr unsigned fs_flags = FS_REQUIRES_DEV;
  /// An open file is a host descriptor.
  using private_data = posix_file;
  /// posixfs_file_operations
  using file_operations = posixfs_file_operations;
  /// An inode is a host O_PATH descriptor.
  using inode_type = posix_node;
  /// posixfs_inode_operations
  using inode_operations = posixfs_inode_operations;

  class super_block;
  /// mount(2): the host directory `source` ("/" when empty) under the mount
  /// point; ENOENT, ENOTDIR when it is not a directory.
  static int mount(std::string_view source, int flags, std::shared_ptr<kvfs::super_block>& sb);
};

namespace detail {
// Whether epoll takes the descriptor: a character device with a ->poll (a
// terminal) can block and be waited for; /dev/null and /dev/zero have none.
inline bool epoll_accepts(int fd) noexcept {
  const int probe = ::epoll_create1(EPOLL_CLOEXEC);
  if (probe < 0) return false;
  ::epoll_event event{};
  event.events = EPOLLIN;
  const bool accepted = ::epoll_ctl(probe, EPOLL_CTL_ADD, fd, &event) == 0;
  ::close(probe);
  return accepted;
}

// What the host file is decides its SIGPIPE guard, its wait queue and its
// position, as the inode decides the kernel's f_op: FIFOs and sockets have
// a guard and a queue and no position (stream_open(), so pread is ESPIPE
// before the access mode is checked); a character device that epoll
// accepts can block; a regular file never does. O_DIRECT is the host's to
// refuse (at open and in F_SETFL), so kvfs lets every posixfs file ask.
template <tracer Trace>
descriptor<posixfs, Trace> posixfs_file(int fd, int flags, Trace trace) noexcept {
  struct ::stat st {};
  const bool known = ::fstat(fd, &st) == 0;
  const bool pipe_like = known && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
  const bool pollable = pipe_like || (known && S_ISCHR(st.st_mode) && epoll_accepts(fd));
  descriptor<posixfs, Trace> d(posix_file{.fd = fd, .may_raise_sigpipe = pipe_like, .pollable = pollable}, flags,
                               std::move(trace));
  if ((d.file().f_mode & FMODE_PATH) != 0) return d;
  d.file().f_mode |= FMODE_CAN_ODIRECT;
  if (pipe_like) stream_open(d.file());
  return d;
}
}  // namespace detail

/// open(2) on the host: `flags` are O_RDONLY/O_WRONLY/O_RDWR with O_CREAT,
/// O_EXCL, O_TRUNC, O_APPEND, O_NONBLOCK...; `mode` applies with O_CREAT.
/// O_CLOEXEC is always added: a descriptor kvfs owns is not inherited.
template <tracer Trace = no_trace>
descriptor<posixfs, Trace> open(const std::filesystem::path& path, int flags, mode_t mode, std::error_code& ec,
                                Trace trace = {}) {
  if constexpr (Trace::enabled) {
    trace.begin("open", -1);
    trace.step("do_sys_open");
    trace.step("posixfs: open(2) \"", path.native(), "\"");
  }
  const int fd = detail::host_result(::open(path.c_str(), flags | O_CLOEXEC, mode));
  if constexpr (Trace::enabled) trace.end(fd);
  if (fd < 0) {
    ec.assign(-fd, std::system_category());
    return descriptor<posixfs, Trace>();
  }
  ec.clear();
  return detail::posixfs_file(fd, flags, std::move(trace));
}

/// open(2), throwing std::filesystem::filesystem_error (which names the path).
template <tracer Trace = no_trace>
descriptor<posixfs, Trace> open(const std::filesystem::path& path, int flags, mode_t mode = 0666, Trace trace = {}) {
  std::error_code ec;
  auto d = kvfs::open(path, flags, mode, ec, std::move(trace));
  if (ec) throw std::filesystem::filesystem_error("kvfs::open", path, ec);
  return d;
}

/// Takes ownership of a descriptor the host already opened (stdin, a pipe
/// end, an inherited file); `flags` say how it was opened. A number that is
/// not an open descriptor throws std::system_error (EBADF).
template <tracer Trace = no_trace>
descriptor<posixfs, Trace> adopt(int fd, int flags, Trace trace = {}) {
  if (::fcntl(fd, F_GETFD) < 0) throw std::system_error(errno, std::system_category(), "kvfs::adopt");
  return detail::posixfs_file(fd, flags, std::move(trace));
}

/// A host directory mounted: paths inside it are the host's, under `root`.
class posixfs::super_block final : public kvfs::super_block {
 public:
  /// The host directory `root` as a file system.
  explicit super_block(std::string root) : root_(std::move(root)) {
    posix_node node;
    inode_ptr inode;
    if (posix_node::open_dir(root_.c_str(), node) == 0 && policy_inode<posixfs>::make(std::move(node), inode) == 0) {
      set_root(std::move(inode));
    }
  }

  int open(std::string_view path, int flags, mode_t mode, file_ref& file) override {
    std::error_code ec;
    auto d = kvfs::open(host_path(path), flags, mode, ec);
    if (ec) return -ec.value();
    file = make_file(std::move(d));
    return 0;
  }

  int lookup(std::string_view path, struct inode& inode) override {
    struct ::stat st {};
    if (::stat(host_path(path).c_str(), &st) < 0) return -errno;
    inode = {st.st_mode, st.st_ino, st.st_rdev};
    return 0;
  }

  int mkdir(std::string_view path, mode_t mode) override {
    return detail::host_result(::mkdir(host_path(path).c_str(), mode));
  }

  int lookup_dir(std::string_view path) override {
    struct ::stat st {};
    if (::stat(host_path(path).c_str(), &st) < 0) return -errno;
    return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
  }

  int open_inode(vfs_inode& inode, int flags, mode_t mode, file_ref& file) override {
    auto* node = dynamic_cast<policy_inode<posixfs>*>(&inode);
    if (node == nullptr) return -EXDEV;
    const int host = node->node().fd();
    std::error_code ec;
    descriptor<posixfs> d;
    if ((flags & O_PATH) != 0) {  // a place, not a file to reopen (a symlink's too): the inode's own
      const int copy = ::fcntl(host, F_DUPFD_CLOEXEC, 0);
      if (copy < 0) return -errno;
      d = detail::posixfs_file(copy, flags, no_trace{});
    } else {  // reopened through its magic link: the host opens the inode, not a name
      d = kvfs::open(detail::proc_fd_path(host), flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_NOFOLLOW), mode, ec);
      if (ec) return -ec.value();
    }
    d.file().f_flags = flags;  // the flags the caller gave
    file = make_file(std::move(d));
    return 0;
  }

  // The host's statfs(2) of that inode (a host directory may hold other
  // host mounts).
  int statfs(vfs_inode& dentry, struct ::statfs& buf) override {
    auto* node = dynamic_cast<policy_inode<posixfs>*>(&dentry);
    if (node == nullptr) return detail::host_result(::statfs(root_.c_str(), &buf));
    return detail::host_result(::fstatfs(node->node().fd(), &buf));
  }

 private:
  std::string host_path(std::string_view path) const { return root_ == "/" ? std::string(path) : root_ + std::string(path); }
  std::string root_;
};

inline int posixfs::mount(std::string_view source, int, std::shared_ptr<kvfs::super_block>& sb) {
  std::string root(source.empty() ? "/" : source);
  struct ::stat st {};
  if (::stat(root.c_str(), &st) < 0) return -errno;
  if (!S_ISDIR(st.st_mode)) return -ENOTDIR;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  sb = std::make_shared<super_block>(std::move(root));
  return 0;
}

}  // namespace kvfs
