// kvfs/detail/vfs.hpp - the VFS between a system call and a file's operations:
// the kernel's checks, in the kernel's order, then the table member it picks.
//
// The static descriptor calls these with the policy known at compile time, so
// a capability the policy lacks never reaches here (it does not compile).
#pragma once

#include <kvfs/file_system.hpp>

#include <poll.h>
#include <sys/uio.h>
#include <cerrno>
#include <climits>
#include <cstddef>
#include <numeric>
#include <span>

namespace kvfs::detail {

/// The kernel clamps every read and write to MAX_RW_COUNT (INT_MAX & PAGE_MASK).
inline constexpr std::size_t MAX_RW_COUNT = INT_MAX & ~std::size_t{4095};
/// vfs_poll() for a file without ->poll: always ready.
inline constexpr short DEFAULT_POLLMASK = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
/// SEEK_MAX: the largest whence llseek accepts (SEEK_HOLE).
inline constexpr int SEEK_MAX = 4;

inline std::size_t iov_length(std::span<const ::iovec> iov) noexcept {
  return std::accumulate(iov.begin(), iov.end(), std::size_t{0},
                         [](std::size_t total, const ::iovec& segment) { return total + segment.iov_len; });
}

template <class Buffer>
Buffer clamp_rw_count(Buffer buf) noexcept {
  return buf.size() > MAX_RW_COUNT ? buf.first(MAX_RW_COUNT) : buf;
}

template <class Fs, class File>
void trace_op(File& file, std::string_view op) {
  file.trace.step(fs_name<Fs>, ": ", f_op_name<Fs>, op);
}

/// ->read, or new_sync_read() through ->read_iter with one segment.
template <class Fs, class File>
ssize_t call_read(File& file, std::span<std::byte> buf) {
  using ops = file_operations_of<Fs>;
  if constexpr (has_read<Fs>) {
    trace_op<Fs>(file, ".read");
    return ops::read(file, buf);
  } else {
    trace_op<Fs>(file, ".read_iter");
    const ::iovec segment{buf.data(), buf.size()};
    return ops::read_iter(file, std::span<const ::iovec>(&segment, 1));
  }
}

/// ->write, or new_sync_write() through ->write_iter with one segment.
template <class Fs, class File>
ssize_t call_write(File& file, std::span<const std::byte> buf) {
  using ops = file_operations_of<Fs>;
  if constexpr (has_write<Fs>) {
    trace_op<Fs>(file, ".write");
    return ops::write(file, buf);
  } else {
    trace_op<Fs>(file, ".write_iter");
    const ::iovec segment{const_cast<std::byte*>(buf.data()), buf.size()};
    return ops::write_iter(file, std::span<const ::iovec>(&segment, 1));
  }
}

/// do_loop_readv_writev(): one call per segment, stopping at a short transfer.
template <class Call>
ssize_t loop_segments(std::span<const ::iovec> iov, Call call) {
  ssize_t total = 0;
  for (const ::iovec& segment : iov) {
    const ssize_t done = call(segment);
    if (done < 0) return total > 0 ? total : done;
    total += done;
    if (static_cast<std::size_t>(done) < segment.iov_len) break;
  }
  return total;
}

// vfs_read(): FMODE_READ, then the count clamp, then the table.
template <class Fs, class File>
ssize_t vfs_read(File& file, std::span<std::byte> buf) {
  file.trace.step("vfs_read");
  if ((file.f_mode & FMODE_READ) == 0) return -EBADF;
  return call_read<Fs>(file, clamp_rw_count(buf));
}

// vfs_write(): FMODE_WRITE, then the count clamp, then the table.
template <class Fs, class File>
ssize_t vfs_write(File& file, std::span<const std::byte> buf) {
  file.trace.step("vfs_write");
  if ((file.f_mode & FMODE_WRITE) == 0) return -EBADF;
  return call_write<Fs>(file, clamp_rw_count(buf));
}

// vfs_readv() → do_iter_read(): a total of 0 returns 0 without calling the op.
template <class Fs, class File>
ssize_t vfs_readv(File& file, std::span<const ::iovec> iov) {
  file.trace.step("vfs_readv");
  if ((file.f_mode & FMODE_READ) == 0) return -EBADF;
  if (iov.size() > UIO_MAXIOV) return -EINVAL;
  if (iov_length(iov) == 0) return 0;
  if constexpr (has_read_iter<Fs>) {
    trace_op<Fs>(file, ".read_iter");
    return file_operations_of<Fs>::read_iter(file, iov);
  } else {
    return loop_segments(iov, [&](const ::iovec& segment) {
      return call_read<Fs>(file, {static_cast<std::byte*>(segment.iov_base), segment.iov_len});
    });
  }
}

// vfs_writev() → do_iter_write(): a total of 0 returns 0 without calling the op.
template <class Fs, class File>
ssize_t vfs_writev(File& file, std::span<const ::iovec> iov) {
  file.trace.step("vfs_writev");
  if ((file.f_mode & FMODE_WRITE) == 0) return -EBADF;
  if (iov.size() > UIO_MAXIOV) return -EINVAL;
  if (iov_length(iov) == 0) return 0;
  if constexpr (has_write_iter<Fs>) {
    trace_op<Fs>(file, ".write_iter");
    return file_operations_of<Fs>::write_iter(file, iov);
  } else {
    return loop_segments(iov, [&](const ::iovec& segment) {
      return call_write<Fs>(file, {static_cast<const std::byte*>(segment.iov_base), segment.iov_len});
    });
  }
}

// ksys_pread64(): a negative offset is EINVAL before anything else.
template <class Fs, class File>
ssize_t vfs_pread(File& file, std::span<std::byte> buf, loff_t pos) {
  file.trace.step("vfs_read");
  if (pos < 0) return -EINVAL;
  if ((file.f_mode & FMODE_READ) == 0) return -EBADF;
  trace_op<Fs>(file, ".read(pos)");
  return file_operations_of<Fs>::pread(file, clamp_rw_count(buf), pos);
}

// ksys_pwrite64(): a negative offset is EINVAL before anything else.
template <class Fs, class File>
ssize_t vfs_pwrite(File& file, std::span<const std::byte> buf, loff_t pos) {
  file.trace.step("vfs_write");
  if (pos < 0) return -EINVAL;
  if ((file.f_mode & FMODE_WRITE) == 0) return -EBADF;
  trace_op<Fs>(file, ".write(pos)");
  return file_operations_of<Fs>::pwrite(file, clamp_rw_count(buf), pos);
}

// vfs_llseek() as ksys_lseek() calls it: whence is checked first.
template <class Fs, class File>
loff_t vfs_llseek(File& file, loff_t offset, int whence) {
  file.trace.step("vfs_llseek");
  if (whence < 0 || whence > SEEK_MAX) return -EINVAL;
  if ((file.f_mode & FMODE_OPENED) == 0) return -EBADF;
  trace_op<Fs>(file, ".llseek");
  return file_operations_of<Fs>::llseek(file, offset, whence);
}

// vfs_fsync()
template <class Fs, class File>
int vfs_fsync(File& file) {
  file.trace.step("vfs_fsync");
  if ((file.f_mode & FMODE_OPENED) == 0) return -EBADF;
  trace_op<Fs>(file, ".fsync");
  return file_operations_of<Fs>::fsync(file);
}

// vfs_poll(): a file without ->poll is always ready.
template <class Fs, class File>
short vfs_poll(File& file) {
  file.trace.step("vfs_poll");
  if constexpr (has_poll<Fs>) {
    trace_op<Fs>(file, ".poll");
    return file_operations_of<Fs>::poll(file);
  } else {
    return DEFAULT_POLLMASK;
  }
}

// vfs_fstat() → vfs_getattr(): the inode's attributes.
template <class Fs, class File>
int vfs_fstat(File& file, struct ::stat& st) {
  file.trace.step("vfs_fstat");
  if ((file.f_mode & FMODE_OPENED) == 0) return -EBADF;
  trace_op<Fs>(file, ".getattr");
  return file_operations_of<Fs>::getattr(file, st);
}

// __fput(): ->release once, after the last reference; the file is closed after.
template <class Fs, class File>
int fput(File& file) {
  if ((file.f_mode & FMODE_OPENED) == 0) return 0;
  file.trace.step("__fput");
  int result = 0;
  if constexpr (has_release<Fs>) {
    trace_op<Fs>(file, ".release");
    result = file_operations_of<Fs>::release(file);
  }
  file.f_mode = 0;
  return result;
}

}  // namespace kvfs::detail
