// SPDX-License-Identifier: BSL-1.0
// kvfs/io.hpp - the generic descriptor API: the concepts a descriptor
// models and the functions written once against them (kvfs::read,
// kvfs::write, kvfs::lseek ...), for a descriptor<Fs>, a kvfs::fd number of
// a process, or a user's own handle type.
#pragma once

#include <kvfs/descriptor.hpp>
#include <kvfs/file.hpp>

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

namespace kvfs {

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

/// A handle that can name the host descriptor behind its file (-1: none).
template <class D>
concept host_descriptor = any_descriptor<D> && requires(D& d) {
  { d.vfs_host_fd() } -> std::same_as<int>;
};

// ---------------------------------------------------------------------------
// The generic functions. Each has an overload that reports through a
// std::error_code and one that throws std::system_error, as Asio's and
// std::filesystem's do. Calling one the descriptor cannot do is a compile
// error naming the missing capability and the kernel's errno for it. A
// call a signal interrupts answers as Linux does: EINTR when the handler
// was installed without SA_RESTART (docs/design.md, "Signals").

/// read(2): at most `buf.size()` bytes; 0 at end of file.
template <any_descriptor D>
[[gnu::always_inline]] inline std::size_t read(D& d, std::span<std::byte> buf, std::error_code& ec) {
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
[[gnu::always_inline]] inline std::size_t write(D& d, std::span<const std::byte> buf, std::error_code& ec) {
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
[[gnu::always_inline]] inline std::size_t readv(D& d, std::span<const ::iovec> iov, std::error_code& ec) {
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
[[gnu::always_inline]] inline std::size_t writev(D& d, std::span<const ::iovec> iov, std::error_code& ec) {
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
[[gnu::always_inline]] inline std::size_t pread(D& d, std::span<std::byte> buf, loff_t pos, std::error_code& ec) {
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
[[gnu::always_inline]] inline std::size_t pwrite(D& d, std::span<const std::byte> buf, loff_t pos,
                                                 std::error_code& ec) {
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

/// fcntl(2) F_GETFL / F_SETFL (and, on a table number, F_GETFD / F_SETFD):
/// the result of the command (the flags for a GET), 0 for a SET.
template <any_descriptor D>
int fcntl(D& d, int cmd, long arg, std::error_code& ec) {
  return static_cast<int>(detail::to_size(d.vfs_fcntl(cmd, arg), ec));
}

/// close(2): releases the file; a closed descriptor stays closed.
template <any_descriptor D>
void close(D& d, std::error_code& ec) {
  if (!d.is_open()) {
    ec.assign(EBADF, std::system_category());
    return;
  }
  detail::to_size(d.release(), ec);
}

/// Writes all of `buf`, completing short writes and going on after a
/// signal interrupted a write (EINTR); on another error, returns how much
/// was written before it.
template <any_descriptor D>
std::size_t write_all(D& d, std::span<const std::byte> buf, std::error_code& ec) {
  std::size_t total = 0;
  while (total < buf.size()) {
    const std::size_t done = kvfs::write(d, buf.subspan(total), ec);
    if (ec == std::errc::interrupted) continue;
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
[[gnu::always_inline]] inline std::size_t read(D& d, std::span<char> buf, std::error_code& ec) {
  return kvfs::read(d, std::as_writable_bytes(buf), ec);
}
template <any_descriptor D>
[[gnu::always_inline]] inline std::size_t write(D& d, std::string_view text, std::error_code& ec) {
  return kvfs::write(d, kvfs::as_bytes(text), ec);
}
template <any_descriptor D>
std::size_t write_all(D& d, std::string_view text, std::error_code& ec) {
  return kvfs::write_all(d, kvfs::as_bytes(text), ec);
}

template <any_descriptor D>
[[gnu::always_inline]] inline std::size_t read(D& d, std::span<std::byte> buf) {
  std::error_code ec;
  return detail::throw_on_error(kvfs::read(d, buf, ec), ec, "kvfs::read");
}
template <any_descriptor D>
[[gnu::always_inline]] inline std::size_t read(D& d, std::span<char> buf) {
  std::error_code ec;
  return detail::throw_on_error(kvfs::read(d, buf, ec), ec, "kvfs::read");
}
template <any_descriptor D>
[[gnu::always_inline]] inline std::size_t write(D& d, std::span<const std::byte> buf) {
  std::error_code ec;
  return detail::throw_on_error(kvfs::write(d, buf, ec), ec, "kvfs::write");
}
template <any_descriptor D>
[[gnu::always_inline]] inline std::size_t write(D& d, std::string_view text) {
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
[[gnu::always_inline]] inline std::size_t readv(D& d, std::span<const ::iovec> iov) {
  std::error_code ec;
  return detail::throw_on_error(kvfs::readv(d, iov, ec), ec, "kvfs::readv");
}
template <any_descriptor D>
[[gnu::always_inline]] inline std::size_t writev(D& d, std::span<const ::iovec> iov) {
  std::error_code ec;
  return detail::throw_on_error(kvfs::writev(d, iov, ec), ec, "kvfs::writev");
}
template <any_descriptor D>
[[gnu::always_inline]] inline std::size_t pread(D& d, std::span<std::byte> buf, loff_t pos) {
  std::error_code ec;
  return detail::throw_on_error(kvfs::pread(d, buf, pos, ec), ec, "kvfs::pread");
}
template <any_descriptor D>
[[gnu::always_inline]] inline std::size_t pwrite(D& d, std::span<const std::byte> buf, loff_t pos) {
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
void close(D& d) {
  std::error_code ec;
  kvfs::close(d, ec);
  detail::throw_on_error(0, ec, "kvfs::close");
}

}  // namespace kvfs

#include <kvfs/socket_io.hpp>  // the same for sockets: shutdown, sendto, recvmsg ...
