// SPDX-License-Identifier: BSL-1.0
// kvfs/detail/vfs.hpp - the VFS between a system call and a file's
// operations table: the kernel's checks, in the kernel's order, then the
// table member it picks (fs/read_write.c).
//
// Every function takes the open file and its table. The static descriptor
// passes static_f_op<Fs>, whose member tests are compile-time
// constants and whose calls are direct; the descriptor table passes
// `*file.f_op`, a table of function pointers.
#pragma once

#include <kvfs/f_op.hpp>
#include <kvfs/file.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstddef>
#include <numeric>
#include <span>
#include <string_view>

namespace kvfs::detail {

/// The kernel clamps every read and write to MAX_RW_COUNT (INT_MAX & PAGE_MASK).
inline constexpr std::size_t MAX_RW_COUNT = INT_MAX & ~std::size_t{4095};
/// vfs_poll() for a file without ->poll: always ready.
inline constexpr short DEFAULT_POLLMASK = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
/// SEEK_MAX: the largest whence llseek accepts (SEEK_HOLE).
inline constexpr int SEEK_MAX = 4;

inline std::size_t iov_length(std::span<const ::iovec> iov) noexcept {
  if (iov.size() == 1) return iov[0].iov_len;  // write(2) through ->write_iter
  return std::accumulate(iov.begin(), iov.end(), std::size_t{0},
                         [](std::size_t total, const ::iovec& segment) { return total + segment.iov_len; });
}

/// import_iovec(): at most UIO_MAXIOV segments, each no longer than
/// SSIZE_MAX (EINVAL), and a total clamped to MAX_RW_COUNT by shortening the
/// segments that pass it, into `out` (which then holds the segments to use).
/// The total, or -EINVAL.
inline ssize_t import_iovec(std::span<const ::iovec> iov, std::array<::iovec, UIO_MAXIOV>& storage,
                            std::span<const ::iovec>& out) noexcept {
  if (iov.size() > UIO_MAXIOV) return -EINVAL;
  std::size_t total = 0;
  bool clamped = false;
  for (const ::iovec& segment : iov) {
    if (segment.iov_len > static_cast<std::size_t>(SSIZE_MAX)) return -EINVAL;
    if (segment.iov_len > MAX_RW_COUNT - total) clamped = true;
    total += std::min(segment.iov_len, MAX_RW_COUNT - total);
  }
  out = iov;
  if (clamped) {
    std::size_t left = MAX_RW_COUNT;
    for (std::size_t i = 0; i < iov.size(); ++i) {
      storage[i] = {iov[i].iov_base, std::min(iov[i].iov_len, left)};
      left -= storage[i].iov_len;
    }
    out = {storage.data(), iov.size()};
  }
  return static_cast<ssize_t>(total);
}

/// rw_verify_area(): a count negative as ssize_t, a negative position, or
/// one whose end overflows loff_t is EINVAL. `pos` is null for a stream
/// (FMODE_STREAM: no position to check).
inline int rw_verify_area(const loff_t* pos, std::size_t count) noexcept {
  if (count > static_cast<std::size_t>(SSIZE_MAX)) return -EINVAL;
  if (pos == nullptr) return 0;
  loff_t end = 0;
  if (*pos < 0 || __builtin_add_overflow(*pos, static_cast<loff_t>(count), &end)) return -EINVAL;
  return 0;
}


template <class Buffer>
Buffer clamp_rw_count(Buffer buf) noexcept {
  return buf.size() > MAX_RW_COUNT ? buf.first(MAX_RW_COUNT) : buf;
}

template <class File, class Table>
void trace_op(File& file, const Table& f_op, std::string_view op) {
  file.trace.step(f_op.fs_name, ": ", f_op.name, op);
}

/// ->read, or new_sync_read() through ->read_iter with one segment.
template <class File, class Table>
[[gnu::always_inline]] inline ssize_t call_read(File& file, const Table& f_op, std::span<std::byte> buf) {
  if (f_op.read != nullptr) {
    trace_op(file, f_op, ".read");
    return f_op.read(file, buf);
  }
  trace_op(file, f_op, ".read_iter");
  const ::iovec segment{buf.data(), buf.size()};
  return f_op.read_iter(file, std::span<const ::iovec>(&segment, 1));
}

/// ->write, or new_sync_write() through ->write_iter with one segment.
template <class File, class Table>
[[gnu::always_inline]] inline ssize_t call_write(File& file, const Table& f_op, std::span<const std::byte> buf) {
  if (f_op.write != nullptr) {
    trace_op(file, f_op, ".write");
    return f_op.write(file, buf);
  }
  trace_op(file, f_op, ".write_iter");
  const ::iovec segment{const_cast<std::byte*>(buf.data()), buf.size()};
  return f_op.write_iter(file, std::span<const ::iovec>(&segment, 1));
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

// vfs_read(): FMODE_READ (EBADF), FMODE_CAN_READ (EINVAL), the count clamp.
template <class File, class Table>
[[gnu::always_inline]] inline ssize_t vfs_read(File& file, const Table& f_op, std::span<std::byte> buf) {
  file.trace.step("vfs_read");
  if ((file.f_mode & FMODE_READ) == 0) return -EBADF;
  if (f_op.read == nullptr && f_op.read_iter == nullptr) return -EINVAL;
  if (const int error = rw_verify_area(nullptr, buf.size()); error < 0) return error;  // f_pos: the fs, under its lock
  return call_read(file, f_op, clamp_rw_count(buf));
}

// vfs_write(): FMODE_WRITE (EBADF), FMODE_CAN_WRITE (EINVAL), the count clamp.
template <class File, class Table>
[[gnu::always_inline]] inline ssize_t vfs_write(File& file, const Table& f_op, std::span<const std::byte> buf) {
  file.trace.step("vfs_write");
  if ((file.f_mode & FMODE_WRITE) == 0) return -EBADF;
  if (f_op.write == nullptr && f_op.write_iter == nullptr) return -EINVAL;
  if (const int error = rw_verify_area(nullptr, buf.size()); error < 0) return error;  // f_pos: the fs, under its lock
  return call_write(file, f_op, clamp_rw_count(buf));
}

// vfs_readv() → import_iovec() (EINVAL), rw_verify_area(), then a total
// of 0 returns 0 without calling the table.
template <class File, class Table>
ssize_t vfs_readv(File& file, const Table& f_op, std::span<const ::iovec> iov) {
  file.trace.step("vfs_readv");
  if ((file.f_mode & FMODE_READ) == 0) return -EBADF;
  if (f_op.read == nullptr && f_op.read_iter == nullptr) return -EINVAL;
  std::array<::iovec, UIO_MAXIOV> storage;
  const ssize_t total = import_iovec(iov, storage, iov);
  if (total < 0) return total;
  if (const int error = rw_verify_area(nullptr, static_cast<std::size_t>(total)); error < 0) return error;
  if (total == 0) return 0;
  if (f_op.read_iter != nullptr) {
    trace_op(file, f_op, ".read_iter");
    return f_op.read_iter(file, iov);
  }
  return loop_segments(iov, [&](const ::iovec& segment) {
    return call_read(file, f_op, {static_cast<std::byte*>(segment.iov_base), segment.iov_len});
  });
}

// vfs_writev(), as vfs_readv().
template <class File, class Table>
ssize_t vfs_writev(File& file, const Table& f_op, std::span<const ::iovec> iov) {
  file.trace.step("vfs_writev");
  if ((file.f_mode & FMODE_WRITE) == 0) return -EBADF;
  if (f_op.write == nullptr && f_op.write_iter == nullptr) return -EINVAL;
  std::array<::iovec, UIO_MAXIOV> storage;
  const ssize_t total = import_iovec(iov, storage, iov);
  if (total < 0) return total;
  if (const int error = rw_verify_area(nullptr, static_cast<std::size_t>(total)); error < 0) return error;
  if (total == 0) return 0;
  if (f_op.write_iter != nullptr) {
    trace_op(file, f_op, ".write_iter");
    return f_op.write_iter(file, iov);
  }
  return loop_segments(iov, [&](const ::iovec& segment) {
    return call_write(file, f_op, {static_cast<const std::byte*>(segment.iov_base), segment.iov_len});
  });
}

// ksys_pread64() after its offset check: FMODE_PREAD (ESPIPE) comes before
// vfs_read()'s FMODE_READ (EBADF).
template <class File, class Table>
[[gnu::always_inline]] inline ssize_t vfs_pread(File& file, const Table& f_op, std::span<std::byte> buf, loff_t pos) {
  file.trace.step("vfs_read");
  if ((file.f_mode & FMODE_PREAD) == 0 || f_op.pread == nullptr) return -ESPIPE;
  if ((file.f_mode & FMODE_READ) == 0) return -EBADF;
  if (const int error = rw_verify_area(&pos, buf.size()); error < 0) return error;
  trace_op(file, f_op, ".read(pos)");
  return f_op.pread(file, clamp_rw_count(buf), pos);
}

// ksys_pwrite64() after its offset check: FMODE_PWRITE (ESPIPE) comes before
// vfs_write()'s FMODE_WRITE (EBADF).
template <class File, class Table>
[[gnu::always_inline]] inline ssize_t vfs_pwrite(File& file, const Table& f_op, std::span<const std::byte> buf, loff_t pos) {
  file.trace.step("vfs_write");
  if ((file.f_mode & FMODE_PWRITE) == 0 || f_op.pwrite == nullptr) return -ESPIPE;
  if ((file.f_mode & FMODE_WRITE) == 0) return -EBADF;
  if (const int error = rw_verify_area(&pos, buf.size()); error < 0) return error;
  trace_op(file, f_op, ".write(pos)");
  return f_op.pwrite(file, clamp_rw_count(buf), pos);
}

// vfs_llseek() as ksys_lseek() calls it: whence first, then FMODE_LSEEK.
template <class File, class Table>
loff_t vfs_llseek(File& file, const Table& f_op, loff_t offset, int whence) {
  file.trace.step("vfs_llseek");
  if (whence < 0 || whence > SEEK_MAX) return -EINVAL;
  if ((file.f_mode & FMODE_LSEEK) == 0 || f_op.llseek == nullptr) return -ESPIPE;
  trace_op(file, f_op, ".llseek");
  return f_op.llseek(file, offset, whence);
}

// iterate_dir(): a file without ->iterate_shared is ENOTDIR.
template <class File, class Table>
ssize_t iterate_dir(File& file, const Table& f_op, std::span<std::byte> buf) {
  file.trace.step("iterate_dir");
  if (f_op.iterate_shared == nullptr) return -ENOTDIR;
  trace_op(file, f_op, ".iterate_shared");
  return f_op.iterate_shared(file, buf);
}

// vfs_fsync(): a file without ->fsync is EINVAL.
template <class File, class Table>
int vfs_fsync(File& file, const Table& f_op) {
  file.trace.step("vfs_fsync");
  if (f_op.fsync == nullptr) return -EINVAL;
  trace_op(file, f_op, ".fsync");
  return f_op.fsync(file);
}

// vfs_poll(): a file without ->poll is always ready.
template <class File, class Table>
short vfs_poll(File& file, const Table& f_op) {
  file.trace.step("vfs_poll");
  if (f_op.poll == nullptr) return DEFAULT_POLLMASK;
  trace_op(file, f_op, ".poll");
  return f_op.poll(file);
}

// poll_wait(): the host descriptor an asynchronous wait sleeps on, or -1
// for a file that is always ready (no ->poll_wait).
template <class File, class Table>
int vfs_poll_wait(File& file, const Table& f_op) {
  if (f_op.poll_wait == nullptr) return -1;
  return f_op.poll_wait(file);
}

// The host descriptor behind the file (->host_fd), or -1 when it has none.
template <class File, class Table>
int vfs_host_fd(File& file, const Table& f_op) {
  if (f_op.host_fd == nullptr) return -1;
  return f_op.host_fd(file);
}

/// The kernel's O_LARGEFILE, which open(2) on a 64-bit kernel adds to every
/// file's flags (force_o_largefile()); glibc's O_LARGEFILE is 0 there.
#if defined(__aarch64__) || defined(__arm__)
inline constexpr int force_o_largefile = 0400000;
#else
inline constexpr int force_o_largefile = 0100000;  // asm-generic, x86
#endif

/// The flags open(2) knows (VALID_OPEN_FLAGS); build_open_how() drops the rest.
inline constexpr int VALID_OPEN_FLAGS = O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK |
                                        O_DSYNC | O_SYNC | FASYNC | O_DIRECT | force_o_largefile | O_DIRECTORY |
                                        O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_PATH | O_TMPFILE;

/// __O_TMPFILE, the kernel's bit (glibc's O_TMPFILE adds O_DIRECTORY).
inline constexpr int kernel_tmpfile = 020000000;

/// The flags an O_PATH open keeps (O_PATH_FLAGS).
inline constexpr int O_PATH_FLAGS = O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC;

/// build_open_how() and build_open_flags() for open(2) on a 64-bit kernel:
/// unknown bits dropped, O_LARGEFILE forced, O_SYNC implying O_DSYNC, an
/// O_PATH open keeping only O_PATH_FLAGS, O_CLOEXEC left to the caller;
/// the file's f_flags, or -EINVAL for O_CREAT | O_DIRECTORY and for an
/// O_TMPFILE the kernel refuses.
inline int build_open_flags(int flags) noexcept {
  constexpr int kernel_o_sync = 04000000;  // __O_SYNC (glibc's O_SYNC adds O_DSYNC)
  flags = (flags | force_o_largefile) & VALID_OPEN_FLAGS;
  if ((flags & O_PATH) != 0) flags &= O_PATH_FLAGS;
  if ((flags & (O_CREAT | O_DIRECTORY)) == (O_CREAT | O_DIRECTORY)) return -EINVAL;  // since Linux 6.4
  if ((flags & kernel_o_sync) != 0) flags |= O_DSYNC;
  if ((flags & kernel_tmpfile) != 0) {
    if ((flags & (kernel_tmpfile | O_DIRECTORY | O_CREAT)) != (kernel_tmpfile | O_DIRECTORY)) return -EINVAL;
    if ((flags & O_ACCMODE) == O_RDONLY) return -EINVAL;  // O_TMPFILE needs MAY_WRITE
  }
  return flags & ~O_CLOEXEC;  // the table's bit, never the file's
}

/// The end of do_dentry_open(): O_DIRECT on a file whose file system cannot
/// do it is EINVAL (the file is then put).
template <class File>
int check_odirect(const File& file) noexcept {
  return (file.f_flags & O_DIRECT) != 0 && (file.f_mode & (FMODE_CAN_ODIRECT | FMODE_PATH)) == 0 ? -EINVAL : 0;
}

/// fcntl(F_GETFL): the open file's flags, without those that only act at
/// open time.
template <class File>
int getfl(const File& file) noexcept {
  return file.f_flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC);
}

/// The status flags fcntl(F_SETFL) may change (the kernel's SETFL_MASK).
inline constexpr int SETFL_MASK = O_APPEND | O_NONBLOCK | O_NDELAY | O_DIRECT | O_NOATIME;

// setfl() of fs/fcntl.c: O_DIRECT needs a file that can do it (a pipe's
// is packet mode, which pipefs allows); O_ASYNC goes to ->fasync, which
// keeps FASYNC (outside SETFL_MASK); the file system mirrors the rest
// first, so a refusal leaves f_flags as they were.
template <class File, class Table>
int vfs_setfl(File& file, const Table& f_op, int flags) {
  file.trace.step("setfl");
  if ((flags & O_DIRECT) != 0 && (file.f_mode & FMODE_CAN_ODIRECT) == 0) return -EINVAL;
  if (((flags ^ file.f_flags) & FASYNC) != 0 && f_op.fasync != nullptr) {
    trace_op(file, f_op, ".fasync");
    if (const int error = f_op.fasync(file, (flags & FASYNC) != 0); error < 0) return error;
  }
  const int next = (flags & SETFL_MASK) | (file.f_flags & ~SETFL_MASK);
  if (f_op.setfl != nullptr) {
    trace_op(file, f_op, ".setfl");
    if (const int result = f_op.setfl(file, next); result < 0) return result;
  }
  file.f_flags = next;
  return 0;
}

// vfs_fstat() → vfs_getattr(): the inode's attributes.
template <class File, class Table>
int vfs_fstat(File& file, const Table& f_op, struct ::stat& st) {
  file.trace.step("vfs_fstat");
  if (f_op.getattr == nullptr) return -EINVAL;
  trace_op(file, f_op, ".getattr");
  return f_op.getattr(file, st);
}

// __fput(): ->release once, after the last reference; the file is then closed.
template <class File, class Table>
int fput(File& file, const Table& f_op) {
  if ((file.f_mode & FMODE_OPENED) == 0) return 0;
  file.trace.step("__fput");
  int result = 0;
  if (f_op.release != nullptr) {
    trace_op(file, f_op, ".release");
    result = f_op.release(file);
  }
  file.f_mode = 0;
  return result;
}

}  // namespace kvfs::detail
