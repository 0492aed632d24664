// SPDX-License-Identifier: BSL-1.0
// kvfs/descriptor.hpp - descriptor<Fs>: an open file whose type is known at
// compile time. The generic functions written against it (kvfs::read,
// kvfs::write ...) are in <kvfs/io.hpp>.
//
// A descriptor owns one `file` (struct file) and calls its file system's
// operations through a compile-time table of direct calls: no function
// pointer, no virtual call, no allocation. An
// operation the type lacks is a compile error that names the missing
// capability and the errno the kernel would answer.
#pragma once

#include <kvfs/detail/buffer_sequence.hpp>
#include <kvfs/detail/policy_check.hpp>
#include <kvfs/detail/vfs.hpp>
#include <kvfs/f_op.hpp>
#include <kvfs/file.hpp>
#include <kvfs/file_system.hpp>
#include <kvfs/trace.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <cerrno>
#include <concepts>
#include <cstddef>
#include <span>
#include <string_view>
#include <system_error>
#include <utility>

namespace kvfs {

/// The bytes of a string, for the calls that take bytes.
inline std::span<const std::byte> as_bytes(std::string_view text) noexcept {
  return std::as_bytes(std::span<const char>(text.data(), text.size()));
}

namespace detail {
// Asio's end-of-file error, which a SyncReadStream's read_some must report,
// exists only with Asio: <kvfs/asio/stream.hpp> defines this, and read_some
// asks for that header by name when it is missing (see below).
template <class Buffers>
struct asio_bridge;

template <class T>
concept complete_type = requires {
  sizeof(T);
};

// A count, or 0 with `ec` set. Success leaves a clear `ec` untouched:
// clearing it would call std::system_category() out of line on every call.
[[gnu::always_inline]] inline std::size_t to_size(ssize_t result, std::error_code& ec) noexcept {
  if (result < 0) [[unlikely]] {
    ec.assign(static_cast<int>(-result), std::system_category());
    return 0;
  }
  if (ec) [[unlikely]]
    ec.clear();
  return static_cast<std::size_t>(result);
}

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_error(const std::error_code& ec, const char* what) {
  throw std::system_error(ec, what);
}

template <class Result>
[[gnu::always_inline]] inline Result throw_on_error(Result result, const std::error_code& ec, const char* what) {
  if (ec) [[unlikely]]
    throw_error(ec, what);
  return result;
}

template <class PrivateData>
int native_fd(const PrivateData& data) noexcept {
  if constexpr (requires {
                  { data.native_handle() } -> std::convertible_to<int>;
                }) {
    return static_cast<int>(data.native_handle());
  } else {
    return -1;
  }
}
}  // namespace detail

/// An open file of the file-system type `Fs`, owned: move-only, released on
/// destruction (the kernel's fput() → ->release, as close(2) or sock_close).
template <class Fs, tracer Trace = no_trace>
class descriptor {
  // An ill-formed type is told what to fix before anything else is said.
  static_assert(detail::check_file_system_type<Fs>());

 public:
  /// The file-system type.
  using file_system = Fs;
  /// What the type keeps per open file.
  using private_data_type = typename Fs::private_data;
  /// The struct file it owns.
  using file_type = kvfs::file<Fs, Trace>;
  /// The trace policy.
  using trace_type = Trace;

  /// A closed descriptor.
  descriptor() requires std::default_initializable<private_data_type>
  = default;

  /// Takes an opened file's state; `f_flags` are its open(2) flags.
  /// Stands for do_dentry_open(): f_mode comes from the flags and the table,
  /// so the access mode matters: `0` is O_RDONLY (a write is EBADF); pass
  /// O_RDWR or O_WRONLY for a file to write to.
  descriptor(private_data_type data, int f_flags, Trace trace = {})
      : file_{std::move(data), 0, f_flags, dentry_open_fmode<Fs>(f_flags), std::move(trace)} {}

  descriptor(const descriptor&) = delete;
  descriptor& operator=(const descriptor&) = delete;

  /// Takes over `other`'s file; `other` is closed.
  descriptor(descriptor&& other) noexcept : file_(std::move(other.file_)) { other.file_.f_mode = 0; }

  /// Releases this file and takes over `other`'s.
  descriptor& operator=(descriptor&& other) noexcept {
    if (this != &other) {
      release();
      file_ = std::move(other.file_);
      other.file_.f_mode = 0;
    }
    return *this;
  }

  ~descriptor() { release(); }

  /// Releases the file now (close(2)); returns 0 or -errno, as ->release does.
  int release() noexcept {
    if (!is_open()) return 0;
    return trace_call("close", [&] { return detail::fput(file_, f_op); });
  }

  /// Whether it holds an open file.
  bool is_open() const noexcept { return (file_.f_mode & FMODE_OPENED) != 0; }
  /// Whether it holds an open file.
  explicit operator bool() const noexcept { return is_open(); }

  /// The open file itself (struct file), and what its private_data is.
  file_type& file() noexcept { return file_; }
  /// The struct file.
  const file_type& file() const noexcept { return file_; }
  /// The file's private_data.
  private_data_type& private_data() noexcept { return file_.private_data; }

  /// The host's descriptor number, where the file has one.
  int native_handle() const noexcept requires requires(const private_data_type& data) { data.native_handle(); }
  { return detail::native_fd(file_.private_data); }

  // The descriptor protocol: the system calls, answering as the kernel does
  // (a count or offset, or -errno). The generic functions below wrap them.

  /// vfs_read(): a count or -errno.
  ssize_t vfs_read(std::span<std::byte> buf) requires can_read<Fs> {
    return trace_call("read", [&] { return detail::vfs_read(file_, f_op, buf); });
  }
  /// vfs_write(): a count or -errno.
  ssize_t vfs_write(std::span<const std::byte> buf) requires can_write<Fs> {
    return trace_call("write", [&] { return detail::vfs_write(file_, f_op, buf); });
  }
  /// vfs_readv(): a count or -errno.
  ssize_t vfs_readv(std::span<const ::iovec> iov) requires can_read<Fs> {
    return trace_call("readv", [&] { return detail::vfs_readv(file_, f_op, iov); });
  }
  /// vfs_writev(): a count or -errno.
  ssize_t vfs_writev(std::span<const ::iovec> iov) requires can_write<Fs> {
    return trace_call("writev", [&] { return detail::vfs_writev(file_, f_op, iov); });
  }
  /// vfs_read() at `pos` (pread64): a count or -errno.
  ssize_t vfs_pread(std::span<std::byte> buf, loff_t pos) requires has_pread<Fs> {
    return trace_call("pread64", [&] { return pos < 0 ? -EINVAL : detail::vfs_pread(file_, f_op, buf, pos); });
  }
  /// vfs_write() at `pos` (pwrite64): a count or -errno.
  ssize_t vfs_pwrite(std::span<const std::byte> buf, loff_t pos) requires has_pwrite<Fs> {
    return trace_call("pwrite64", [&] { return pos < 0 ? -EINVAL : detail::vfs_pwrite(file_, f_op, buf, pos); });
  }
  /// vfs_llseek(): the new position or -errno.
  loff_t vfs_llseek(loff_t offset, int whence) requires has_llseek<Fs> {
    return trace_call("lseek", [&] { return is_open() ? detail::vfs_llseek(file_, f_op, offset, whence) : -EBADF; });
  }
  /// vfs_fsync(): 0 or -errno.
  int vfs_fsync() requires has_fsync<Fs> {
    return trace_call("fsync", [&] { return is_open() ? detail::vfs_fsync(file_, f_op) : -EBADF; });
  }
  /// vfs_fstat(): 0 or -errno.
  int vfs_fstat(struct ::stat& st) requires has_getattr<Fs> {
    return trace_call("fstat", [&] { return is_open() ? detail::vfs_fstat(file_, f_op, st) : -EBADF; });
  }
  /// vfs_poll(): POLL* bits; POLLNVAL when closed.
  short vfs_poll() { return is_open() ? detail::vfs_poll(file_, f_op) : short{POLLNVAL}; }
  /// fcntl(2) F_GETFL and F_SETFL (the status flags of the open file); any
  /// other command is EINVAL: a static descriptor has no table entry whose
  /// FD_CLOEXEC could change.
  int vfs_fcntl(int cmd, long arg) {
    return trace_call("fcntl", [&] {
      if (!is_open()) return -EBADF;
      if (cmd == F_GETFL) return detail::getfl(file_);
      if (cmd == F_SETFL) return detail::vfs_setfl(file_, f_op, static_cast<int>(arg));
      return -EINVAL;
    });
  }
  /// The host descriptor an asynchronous wait sleeps on, -1 when the file is
  /// always ready (kvfs's poll_wait; see <kvfs/async.hpp>).
  int vfs_poll_wait() { return is_open() ? detail::vfs_poll_wait(file_, f_op) : -1; }

  /// shutdown(2): only a socket's file system provides it (sock_from_file).
  int sock_shutdown(int how) requires requires(file_type& f) { Fs::shutdown(f, how); }
  {
    return trace_call("shutdown", [&] { return is_open() ? Fs::shutdown(file_, how) : -EBADF; });
  }

  /// setsockopt(2): only a socket's file system provides it.
  int sock_setsockopt(int level, int name, const void* value, socklen_t len) requires requires(file_type& f) {
    Fs::setsockopt(f, level, name, value, len);
  }
  {
    return trace_call("setsockopt",
                      [&] { return is_open() ? Fs::setsockopt(file_, level, name, value, len) : -EBADF; });
  }
  /// getsockopt(2): only a socket's file system provides it.
  int sock_getsockopt(int level, int name, void* value, socklen_t* len) requires requires(file_type& f) {
    Fs::getsockopt(f, level, name, value, len);
  }
  {
    return trace_call("getsockopt",
                      [&] { return is_open() ? Fs::getsockopt(file_, level, name, value, len) : -EBADF; });
  }

  /// sendto(2): only a socket's file system provides it (a null `addr`:
  /// the connected peer).
  ssize_t sock_sendto(std::span<const std::byte> buf, int flags, const ::sockaddr* addr, socklen_t len) requires
      requires(file_type& f) {
    Fs::sendto(f, buf, flags, addr, len);
  }
  {
    return trace_call("sendto", [&] { return is_open() ? Fs::sendto(file_, buf, flags, addr, len) : -EBADF; });
  }
  /// recvfrom(2): the sender's address into `addr` (null: not wanted).
  ssize_t sock_recvfrom(std::span<std::byte> buf, int flags, ::sockaddr* addr, socklen_t* len) requires
      requires(file_type& f) {
    Fs::recvfrom(f, buf, flags, addr, len);
  }
  {
    return trace_call("recvfrom", [&] { return is_open() ? Fs::recvfrom(file_, buf, flags, addr, len) : -EBADF; });
  }
  /// sendmsg(2): segments, address and ancillary data in one message.
  ssize_t sock_sendmsg(const ::msghdr& msg, int flags) requires requires(file_type& f) { Fs::sendmsg(f, msg, flags); }
  {
    return trace_call("sendmsg", [&] { return is_open() ? Fs::sendmsg(file_, msg, flags) : -EBADF; });
  }
  /// recvmsg(2): fills `msg` as the kernel does (msg_namelen, msg_flags,
  /// msg_controllen).
  ssize_t sock_recvmsg(::msghdr& msg, int flags) requires requires(file_type& f) { Fs::recvmsg(f, msg, flags); }
  {
    return trace_call("recvmsg", [&] { return is_open() ? Fs::recvmsg(file_, msg, flags) : -EBADF; });
  }

  /// The host descriptor that carries the file's data (kvfs::copy's
  /// zero-copy paths), or -1 for a file that has none (ramfs, chrdev).
  int vfs_host_fd() { return is_open() ? detail::vfs_host_fd(file_, f_op) : -1; }

  // Asio's SyncReadStream and SyncWriteStream. write_some needs nothing of
  // Asio; read_some reports end of file as asio::error::eof, so it needs
  // <kvfs/asio/stream.hpp> (<kvfs/asio.hpp>) included.

  /// Asio SyncReadStream: reads into `buffers`; 0 and asio::error::eof at the end.
  template <detail::buffer_sequence MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers, std::error_code& ec) requires can_read<Fs> {
    static_assert(detail::complete_type<detail::asio_bridge<MutableBuffers>>,
                  "kvfs::descriptor::read_some reports end of file as asio::error::eof: "
                  "include <kvfs/asio/stream.hpp> (or <kvfs/asio.hpp>)");
    detail::gathered_iovecs iov;
    const std::size_t count = detail::gather(buffers, iov);
    const std::span<const ::iovec> segments(iov.data(), count);
    if (detail::iov_length(segments) == 0) {  // Asio: reading nothing is a no-op
      ec.clear();
      return 0;
    }
    const ssize_t result =
        count == 1 ? vfs_read({static_cast<std::byte*>(iov[0].iov_base), iov[0].iov_len}) : vfs_readv(segments);
    if (result == 0) {
      ec = detail::asio_bridge<MutableBuffers>::eof();
      return 0;
    }
    return detail::to_size(result, ec);
  }

  /// Asio SyncReadStream: reads into `buffers`; throws on error.
  template <detail::buffer_sequence MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers) requires can_read<Fs> {
    std::error_code ec;
    return detail::throw_on_error(read_some(buffers, ec), ec, "kvfs::descriptor::read_some");
  }

  /// Asio SyncWriteStream: writes from `buffers`.
  template <detail::buffer_sequence ConstBuffers>
  std::size_t write_some(const ConstBuffers& buffers, std::error_code& ec) requires can_write<Fs> {
    detail::gathered_iovecs iov;
    const std::size_t count = detail::gather(buffers, iov);
    const ssize_t result = count == 1 ? vfs_write({static_cast<const std::byte*>(iov[0].iov_base), iov[0].iov_len})
                                      : vfs_writev({iov.data(), count});
    return detail::to_size(result, ec);
  }

  /// Asio SyncWriteStream: writes from `buffers`; throws on error.
  template <detail::buffer_sequence ConstBuffers>
  std::size_t write_some(const ConstBuffers& buffers) requires can_write<Fs> {
    std::error_code ec;
    return detail::throw_on_error(write_some(buffers, ec), ec, "kvfs::descriptor::write_some");
  }

 private:
  // Wraps one system call in the trace policy's begin/end; free when off.
  template <class Call>
  auto trace_call(std::string_view name, Call call) {
    if constexpr (Trace::enabled) {
      file_.trace.begin(name, detail::native_fd(file_.private_data));
      auto result = call();
      file_.trace.end(result);
      return result;
    } else {
      return call();
    }
  }

  // The operations table, known at compile time: every call through it is direct.
  static constexpr static_f_op<Fs> f_op{};

  file_type file_;
};

/// The same open file, now traced by `trace`.
template <file_system_type Fs, tracer From, tracer To>
descriptor<Fs, To> traced(descriptor<Fs, From>&& d, To trace) {
  auto& f = d.file();
  descriptor<Fs, To> result(std::move(f.private_data), f.f_flags, std::move(trace));
  result.file().f_pos = f.f_pos;
  f.f_mode = 0;  // ownership moved: the source must not release it
  return result;
}

}  // namespace kvfs
