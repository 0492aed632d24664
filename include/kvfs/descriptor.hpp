// kvfs/descriptor.hpp - descriptor<Fs>: an open file whose type is known at
// compile time, and the generic functions written once against the
// descriptor concepts.
//
// A descriptor owns one `file` (struct file) and calls its file system's
// operations through a compile-time table of direct calls: no function
// pointer, no virtual call, no allocation. An
// operation the type lacks is a compile error that names the missing
// capability and the errno the kernel would answer.
#pragma once

#include <kvfs/detail/buffer_sequence.hpp>
#include <kvfs/detail/vfs.hpp>
#include <kvfs/f_op.hpp>
#include <kvfs/file.hpp>
#include <kvfs/file_system.hpp>
#include <kvfs/trace.hpp>

#include <poll.h>
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
// Defined by <kvfs/asio.hpp>: the Asio error a stream read reports at end of
// file. A descriptor used as an Asio stream needs that header included.
template <class Buffers>
struct asio_bridge;

inline std::size_t to_size(ssize_t result, std::error_code& ec) noexcept {
  if (result < 0) {
    ec.assign(static_cast<int>(-result), std::system_category());
    return 0;
  }
  ec.clear();
  return static_cast<std::size_t>(result);
}

template <class Result>
Result throw_on_error(Result result, const std::error_code& ec, const char* what) {
  if (ec) throw std::system_error(ec, what);
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
template <file_system_type Fs, tracer Trace = no_trace>
class descriptor {
 public:
  using file_system = Fs;
  using private_data_type = typename Fs::private_data;
  using file_type = kvfs::file<Fs, Trace>;
  using trace_type = Trace;

  /// A closed descriptor.
  descriptor() requires std::default_initializable<private_data_type>
  = default;

  /// Takes an opened file's state; `f_flags` are its open(2) flags.
  /// Stands for do_dentry_open(): f_mode comes from the flags and the table.
  descriptor(private_data_type data, int f_flags, Trace trace = {})
      : file_{std::move(data), 0, f_flags, open_fmode(f_flags) | capability_fmode<Fs>(), std::move(trace)} {}

  descriptor(const descriptor&) = delete;
  descriptor& operator=(const descriptor&) = delete;

  descriptor(descriptor&& other) noexcept : file_(std::move(other.file_)) { other.file_.f_mode = 0; }

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

  bool is_open() const noexcept { return (file_.f_mode & FMODE_OPENED) != 0; }
  explicit operator bool() const noexcept { return is_open(); }

  /// The open file itself (struct file), and what its private_data is.
  file_type& file() noexcept { return file_; }
  const file_type& file() const noexcept { return file_; }
  private_data_type& private_data() noexcept { return file_.private_data; }

  /// The host's descriptor number, where the file has one.
  int native_handle() const noexcept requires requires(const private_data_type& data) { data.native_handle(); }
  { return detail::native_fd(file_.private_data); }

  // The descriptor protocol: the system calls, answering as the kernel does
  // (a count or offset, or -errno). The generic functions below wrap them.

  ssize_t vfs_read(std::span<std::byte> buf) requires can_read<Fs> {
    return trace_call("read", [&] { return detail::vfs_read(file_, f_op, buf); });
  }
  ssize_t vfs_write(std::span<const std::byte> buf) requires can_write<Fs> {
    return trace_call("write", [&] { return detail::vfs_write(file_, f_op, buf); });
  }
  ssize_t vfs_readv(std::span<const ::iovec> iov) requires can_read<Fs> {
    return trace_call("readv", [&] { return detail::vfs_readv(file_, f_op, iov); });
  }
  ssize_t vfs_writev(std::span<const ::iovec> iov) requires can_write<Fs> {
    return trace_call("writev", [&] { return detail::vfs_writev(file_, f_op, iov); });
  }
  ssize_t vfs_pread(std::span<std::byte> buf, loff_t pos) requires has_pread<Fs> {
    return trace_call("pread64", [&] { return pos < 0 ? -EINVAL : detail::vfs_pread(file_, f_op, buf, pos); });
  }
  ssize_t vfs_pwrite(std::span<const std::byte> buf, loff_t pos) requires has_pwrite<Fs> {
    return trace_call("pwrite64", [&] { return pos < 0 ? -EINVAL : detail::vfs_pwrite(file_, f_op, buf, pos); });
  }
  loff_t vfs_llseek(loff_t offset, int whence) requires has_llseek<Fs> {
    return trace_call("lseek", [&] { return is_open() ? detail::vfs_llseek(file_, f_op, offset, whence) : -EBADF; });
  }
  int vfs_fsync() requires has_fsync<Fs> {
    return trace_call("fsync", [&] { return is_open() ? detail::vfs_fsync(file_, f_op) : -EBADF; });
  }
  int vfs_fstat(struct ::stat& st) requires has_getattr<Fs> {
    return trace_call("fstat", [&] { return is_open() ? detail::vfs_fstat(file_, f_op, st) : -EBADF; });
  }
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

  // Asio's SyncReadStream and SyncWriteStream (needs <kvfs/asio.hpp>).

  template <detail::buffer_sequence MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers, std::error_code& ec) requires can_read<Fs> {
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

  template <detail::buffer_sequence MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers) requires can_read<Fs> {
    std::error_code ec;
    return detail::throw_on_error(read_some(buffers, ec), ec, "kvfs::descriptor::read_some");
  }

  template <detail::buffer_sequence ConstBuffers>
  std::size_t write_some(const ConstBuffers& buffers, std::error_code& ec) requires can_write<Fs> {
    detail::gathered_iovecs iov;
    const std::size_t count = detail::gather(buffers, iov);
    const ssize_t result = count == 1 ? vfs_write({static_cast<const std::byte*>(iov[0].iov_base), iov[0].iov_len})
                                      : vfs_writev({iov.data(), count});
    return detail::to_size(result, ec);
  }

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
  static constexpr static_file_operations<Fs> f_op{};

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

// ---------------------------------------------------------------------------
// The descriptor concepts. Generic code is written against these; a static
// descriptor<Fs> models the ones its policy's capabilities allow.

/// Anything that is an open-file handle.
template <class D>
concept any_descriptor = requires(const D& d) {
  { d.is_open() } -> std::same_as<bool>;
};

template <class D>
concept readable_descriptor = any_descriptor<D> && requires(D& d, std::span<std::byte> buf) {
  { d.vfs_read(buf) } -> std::same_as<ssize_t>;
  { d.vfs_readv(std::span<const ::iovec>{}) } -> std::same_as<ssize_t>;
};

template <class D>
concept writable_descriptor = any_descriptor<D> && requires(D& d, std::span<const std::byte> buf) {
  { d.vfs_write(buf) } -> std::same_as<ssize_t>;
  { d.vfs_writev(std::span<const ::iovec>{}) } -> std::same_as<ssize_t>;
};

template <class D>
concept seekable_descriptor = any_descriptor<D> && requires(D& d, loff_t offset, int whence) {
  { d.vfs_llseek(offset, whence) } -> std::same_as<loff_t>;
};

template <class D>
concept positional_readable_descriptor = any_descriptor<D> && requires(D& d, std::span<std::byte> buf, loff_t pos) {
  { d.vfs_pread(buf, pos) } -> std::same_as<ssize_t>;
};

template <class D>
concept positional_writable_descriptor = any_descriptor<D> &&
    requires(D& d, std::span<const std::byte> buf, loff_t pos) {
  { d.vfs_pwrite(buf, pos) } -> std::same_as<ssize_t>;
};

template <class D>
concept syncable_descriptor = any_descriptor<D> && requires(D& d) {
  { d.vfs_fsync() } -> std::same_as<int>;
};

template <class D>
concept stat_descriptor = any_descriptor<D> && requires(D& d, struct ::stat& st) {
  { d.vfs_fstat(st) } -> std::same_as<int>;
};

template <class D>
concept socket_descriptor = any_descriptor<D> && requires(D& d, int how) {
  { d.sock_shutdown(how) } -> std::same_as<int>;
};

// ---------------------------------------------------------------------------
// The generic functions. Each has an overload that reports through a
// std::error_code and one that throws std::system_error, as Asio's and
// std::filesystem's do. Calling one the descriptor cannot do is a compile
// error naming the missing capability and the kernel's errno for it.

/// read(2): at most `buf.size()` bytes; 0 at end of file.
template <any_descriptor D>
std::size_t read(D& d, std::span<std::byte> buf, std::error_code& ec) {
  static_assert(readable_descriptor<D>,
                "kvfs::read: this file system's file_operations has neither read nor read_iter; "
                "the kernel's vfs_read answers EINVAL (FMODE_CAN_READ is not set)");
  if constexpr (readable_descriptor<D>)
    return detail::to_size(d.vfs_read(buf), ec);
  else
    return {};
}

/// write(2): may write fewer bytes than given (a short write); see write_all.
template <any_descriptor D>
std::size_t write(D& d, std::span<const std::byte> buf, std::error_code& ec) {
  static_assert(writable_descriptor<D>,
                "kvfs::write: this file system's file_operations has neither write nor write_iter; "
                "the kernel's vfs_write answers EINVAL (FMODE_CAN_WRITE is not set)");
  if constexpr (writable_descriptor<D>)
    return detail::to_size(d.vfs_write(buf), ec);
  else
    return {};
}

/// readv(2) over an array of segments.
template <any_descriptor D>
std::size_t readv(D& d, std::span<const ::iovec> iov, std::error_code& ec) {
  static_assert(readable_descriptor<D>,
                "kvfs::readv: this file system's file_operations has neither read nor read_iter; "
                "the kernel answers EINVAL (FMODE_CAN_READ is not set)");
  if constexpr (readable_descriptor<D>)
    return detail::to_size(d.vfs_readv(iov), ec);
  else
    return {};
}

/// writev(2) over an array of segments.
template <any_descriptor D>
std::size_t writev(D& d, std::span<const ::iovec> iov, std::error_code& ec) {
  static_assert(writable_descriptor<D>,
                "kvfs::writev: this file system's file_operations has neither write nor write_iter; "
                "the kernel answers EINVAL (FMODE_CAN_WRITE is not set)");
  if constexpr (writable_descriptor<D>)
    return detail::to_size(d.vfs_writev(iov), ec);
  else
    return {};
}

/// pread64(2): at an offset, leaving the file position alone.
template <any_descriptor D>
std::size_t pread(D& d, std::span<std::byte> buf, loff_t pos, std::error_code& ec) {
  static_assert(positional_readable_descriptor<D>,
                "kvfs::pread: this file has no position to read at (no FMODE_PREAD: a socket or pipe); "
                "the kernel answers ESPIPE");
  if constexpr (positional_readable_descriptor<D>)
    return detail::to_size(d.vfs_pread(buf, pos), ec);
  else
    return {};
}

/// pwrite64(2): at an offset, leaving the file position alone.
template <any_descriptor D>
std::size_t pwrite(D& d, std::span<const std::byte> buf, loff_t pos, std::error_code& ec) {
  static_assert(positional_writable_descriptor<D>,
                "kvfs::pwrite: this file has no position to write at (no FMODE_PWRITE: a socket or "
                "pipe); the kernel answers ESPIPE");
  if constexpr (positional_writable_descriptor<D>)
    return detail::to_size(d.vfs_pwrite(buf, pos), ec);
  else
    return {};
}

/// lseek(2): the new offset from the start of the file.
template <any_descriptor D>
loff_t lseek(D& d, loff_t offset, int whence, std::error_code& ec) {
  static_assert(seekable_descriptor<D>,
                "kvfs::lseek: this file system's file_operations has no llseek (FMODE_LSEEK is not "
                "set: a socket or pipe); the kernel answers ESPIPE");
  if constexpr (seekable_descriptor<D>)
    return static_cast<loff_t>(detail::to_size(d.vfs_llseek(offset, whence), ec));
  else
    return {};
}

/// fsync(2).
template <any_descriptor D>
void fsync(D& d, std::error_code& ec) {
  static_assert(syncable_descriptor<D>,
                "kvfs::fsync: this file system's file_operations has no fsync; "
                "the kernel's vfs_fsync answers EINVAL");
  if constexpr (syncable_descriptor<D>) detail::to_size(d.vfs_fsync(), ec);
}

/// fstat(2): the inode's attributes.
template <any_descriptor D>
struct ::stat fstat(D& d, std::error_code& ec) {
  static_assert(stat_descriptor<D>, "kvfs::fstat: this file system defines no getattr for its inodes");
  if constexpr (stat_descriptor<D>) {
    struct ::stat st {};
    detail::to_size(d.vfs_fstat(st), ec);
    return st;
  } else {
    return {};
  }
}

/// shutdown(2): SHUT_RD, SHUT_WR or SHUT_RDWR on a socket.
template <any_descriptor D>
void shutdown(D& d, int how, std::error_code& ec) {
  static_assert(socket_descriptor<D>,
                "kvfs::shutdown: this descriptor is not a socket (sock_from_file() finds no "
                "socket_file_ops); the kernel answers ENOTSOCK");
  if constexpr (socket_descriptor<D>) detail::to_size(d.sock_shutdown(how), ec);
}

/// close(2): releases the file; a closed descriptor stays closed.
/// fcntl(2) F_GETFL / F_SETFL (and, on a table number, F_GETFD / F_SETFD):
/// the result of the command (the flags for a GET), 0 for a SET.
template <any_descriptor D>
int fcntl(D& d, int cmd, long arg, std::error_code& ec) {
  return static_cast<int>(detail::to_size(d.vfs_fcntl(cmd, arg), ec));
}

template <any_descriptor D>
void close(D& d, std::error_code& ec) {
  if (!d.is_open()) {
    ec.assign(EBADF, std::system_category());
    return;
  }
  detail::to_size(d.release(), ec);
}

/// Writes all of `buf`, completing short writes; on an error, returns how
/// much was written before it.
template <any_descriptor D>
std::size_t write_all(D& d, std::span<const std::byte> buf, std::error_code& ec) {
  std::size_t total = 0;
  while (total < buf.size()) {
    const std::size_t done = kvfs::write(d, buf.subspan(total), ec);
    if (ec) return total;
    if (done == 0) {  // no progress on a non-empty write: give up rather than spin
      ec.assign(EIO, std::system_category());
      return total;
    }
    total += done;
  }
  ec.clear();
  return total;
}

// Convenience overloads: text, and the throwing forms.

template <any_descriptor D>
std::size_t read(D& d, std::span<char> buf, std::error_code& ec) {
  return kvfs::read(d, std::as_writable_bytes(buf), ec);
}
template <any_descriptor D>
std::size_t write(D& d, std::string_view text, std::error_code& ec) {
  return kvfs::write(d, kvfs::as_bytes(text), ec);
}
template <any_descriptor D>
std::size_t write_all(D& d, std::string_view text, std::error_code& ec) {
  return kvfs::write_all(d, kvfs::as_bytes(text), ec);
}

template <any_descriptor D>
std::size_t read(D& d, std::span<std::byte> buf) {
  std::error_code ec;
  return detail::throw_on_error(kvfs::read(d, buf, ec), ec, "kvfs::read");
}
template <any_descriptor D>
std::size_t read(D& d, std::span<char> buf) {
  std::error_code ec;
  return detail::throw_on_error(kvfs::read(d, buf, ec), ec, "kvfs::read");
}
template <any_descriptor D>
std::size_t write(D& d, std::span<const std::byte> buf) {
  std::error_code ec;
  return detail::throw_on_error(kvfs::write(d, buf, ec), ec, "kvfs::write");
}
template <any_descriptor D>
std::size_t write(D& d, std::string_view text) {
  std::error_code ec;
  return detail::throw_on_error(kvfs::write(d, text, ec), ec, "kvfs::write");
}
template <any_descriptor D>
std::size_t write_all(D& d, std::span<const std::byte> buf) {
  std::error_code ec;
  return detail::throw_on_error(kvfs::write_all(d, buf, ec), ec, "kvfs::write_all");
}
template <any_descriptor D>
std::size_t write_all(D& d, std::string_view text) {
  std::error_code ec;
  return detail::throw_on_error(kvfs::write_all(d, text, ec), ec, "kvfs::write_all");
}
template <any_descriptor D>
int fcntl(D& d, int cmd, long arg = 0) {
  std::error_code ec;
  return detail::throw_on_error(fcntl(d, cmd, arg, ec), ec, "kvfs::fcntl");
}

template <any_descriptor D>
std::size_t readv(D& d, std::span<const ::iovec> iov) {
  std::error_code ec;
  return detail::throw_on_error(kvfs::readv(d, iov, ec), ec, "kvfs::readv");
}
template <any_descriptor D>
std::size_t writev(D& d, std::span<const ::iovec> iov) {
  std::error_code ec;
  return detail::throw_on_error(kvfs::writev(d, iov, ec), ec, "kvfs::writev");
}
template <any_descriptor D>
std::size_t pread(D& d, std::span<std::byte> buf, loff_t pos) {
  std::error_code ec;
  return detail::throw_on_error(kvfs::pread(d, buf, pos, ec), ec, "kvfs::pread");
}
template <any_descriptor D>
std::size_t pwrite(D& d, std::span<const std::byte> buf, loff_t pos) {
  std::error_code ec;
  return detail::throw_on_error(kvfs::pwrite(d, buf, pos, ec), ec, "kvfs::pwrite");
}
template <any_descriptor D>
loff_t lseek(D& d, loff_t offset, int whence) {
  std::error_code ec;
  return detail::throw_on_error(kvfs::lseek(d, offset, whence, ec), ec, "kvfs::lseek");
}
template <any_descriptor D>
void fsync(D& d) {
  std::error_code ec;
  kvfs::fsync(d, ec);
  detail::throw_on_error(0, ec, "kvfs::fsync");
}
template <any_descriptor D>
struct ::stat fstat(D& d) {
  std::error_code ec;
  return detail::throw_on_error(kvfs::fstat(d, ec), ec, "kvfs::fstat");
}
template <any_descriptor D>
void shutdown(D& d, int how) {
  std::error_code ec;
  kvfs::shutdown(d, how, ec);
  detail::throw_on_error(0, ec, "kvfs::shutdown");
}
template <any_descriptor D>
void close(D& d) {
  std::error_code ec;
  kvfs::close(d, ec);
  detail::throw_on_error(0, ec, "kvfs::close");
}

}  // namespace kvfs
