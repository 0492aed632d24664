// SPDX-License-Identifier: BSL-1.0
// kvfs/kernel/read_write_calls.hpp - the system calls of fs/read_write.c:
// read, write, readv, writev, pread64, pwrite64, lseek and sendfile.
#pragma once

#include <kvfs/any_file.hpp>
#include <kvfs/detail/syscall.hpp>
#include <kvfs/detail/vfs.hpp>
#include <kvfs/file.hpp>
#include <kvfs/kernel/detail/fdget.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <span>

namespace kvfs {

/// Reading and writing through the table, for `Process` (CRTP).
template <class Process>
class read_write_calls {
 public:
  /// read(2): ksys_read() → vfs_read().
  long read(int fd, std::span<std::byte> buf) {
    return call(fd, detail::traced_as<"read", "ksys_read", "fdget_pos">,
                [buf](any_file& f) { return detail::vfs_read(f, *f.f_op, buf); });
  }
  /// write(2): ksys_write() → vfs_write().
  long write(int fd, std::span<const std::byte> buf) {
    return call(fd, detail::traced_as<"write", "ksys_write", "fdget_pos">,
                [buf](any_file& f) { return detail::vfs_write(f, *f.f_op, buf); });
  }
  /// readv(2): do_readv() → vfs_readv().
  long readv(int fd, std::span<const ::iovec> iov) {
    return call(fd, detail::traced_as<"readv", "do_readv", "fdget_pos">,
                [iov](any_file& f) { return detail::vfs_readv(f, *f.f_op, iov); });
  }
  /// writev(2): do_writev() → vfs_writev().
  long writev(int fd, std::span<const ::iovec> iov) {
    return call(fd, detail::traced_as<"writev", "do_writev", "fdget_pos">,
                [iov](any_file& f) { return detail::vfs_writev(f, *f.f_op, iov); });
  }
  /// ksys_pread64(): a negative offset is EINVAL before the descriptor is looked up.
  long pread(int fd, std::span<std::byte> buf, loff_t pos) {
    if (pos < 0) return -EINVAL;
    return call(fd, detail::traced_as<"pread64", "ksys_pread64", "fdget">,
                [buf, pos](any_file& f) { return detail::vfs_pread(f, *f.f_op, buf, pos); });
  }
  /// pwrite64(2): a negative offset is EINVAL before the descriptor is looked up.
  long pwrite(int fd, std::span<const std::byte> buf, loff_t pos) {
    if (pos < 0) return -EINVAL;
    return call(fd, detail::traced_as<"pwrite64", "ksys_pwrite64", "fdget">,
                [buf, pos](any_file& f) { return detail::vfs_pwrite(f, *f.f_op, buf, pos); });
  }
  /// lseek(2): ksys_lseek() → vfs_llseek().
  long lseek(int fd, loff_t offset, int whence) {
    return call(fd, detail::traced_as<"lseek", "ksys_lseek", "fdget_pos">,
                [offset, whence](any_file& f) { return detail::vfs_llseek(f, *f.f_op, offset, whence); });
  }

  /// sendfile(2): up to `count` bytes from `in_fd` to `out_fd`. With an
  /// offset, reads there and advances it, leaving in_fd's position alone;
  /// without, reads at and advances in_fd's position. The checks are
  /// do_sendfile()'s, in its order: the input (EBADF, then ESPIPE for an
  /// offset on a stream), rw_verify_area() of the input range (EINVAL), the
  /// output (EBADF); then, into a pipe, splice_file_to_pipe()'s
  /// wait_for_space() (EPIPE without readers, EAGAIN when full and
  /// non-blocking; O_APPEND is fine), into a file, rw_verify_area() of its
  /// position, do_splice_direct()'s EINVAL for O_APPEND and for an input
  /// that cannot seek (a pipe, a socket); in both, EINVAL for an input without ->splice_read (a
  /// pipe, a directory, /dev/null), and, once there is data, for an output
  /// without ->splice_write (/dev/full).
  long sendfile(int out_fd, int in_fd, loff_t* offset, std::size_t count) {
    file_ref in = self().files().fdget(in_fd);
    if (!in || (in->f_mode & FMODE_READ) == 0) return -EBADF;
    if (offset != nullptr && (in->f_mode & FMODE_PREAD) == 0) return -ESPIPE;
    const loff_t pos = offset != nullptr ? *offset : f_pos_of(*in);
    if (const int error = detail::rw_verify_area(&pos, count); error < 0) return error;
    file_ref out = self().files().fdget(out_fd);
    if (!out || (out->f_mode & FMODE_WRITE) == 0) return -EBADF;
    const bool into_pipe = S_ISFIFO(out->f_inode.i_mode);
    if (into_pipe) {
      if (const long error = wait_for_space(*out); error < 0) return error;
    } else {
      const loff_t out_pos = out_seekable(*out) ? f_pos_of(*out) : 0;
      if (const int error = detail::rw_verify_area(&out_pos, count); error < 0) return error;
      if ((out->f_flags & O_APPEND) != 0) return -EINVAL;
      if ((in->f_mode & FMODE_LSEEK) == 0) return -EINVAL;  // splice_direct_to_actor(): a seekable input only
    }
    if (count == 0) return 0;  // do_splice_read(): nothing to read is 0 before ->splice_read is asked
    if (!in->f_op->splice_read || S_ISFIFO(in->f_inode.i_mode) || S_ISDIR(in->f_inode.i_mode)) return -EINVAL;
    count = std::min(count, detail::MAX_RW_COUNT);
    if (const long moved = host_sendfile(*in, *out, offset, count); moved != -ENOSYS) return moved;
    return copy_loop(*in, *out, offset, count);
  }

 private:
  Process& self() noexcept { return static_cast<Process&>(*this); }

  // Both files are the host's (posixfs, pipes, sockets): the host's own
  // sendfile moves the data in its kernel, with its page-sized steps and
  // its positions; EPIPE comes back without a SIGPIPE. -ENOSYS otherwise.
  static long host_sendfile(any_file& in, any_file& out, loff_t* offset, std::size_t count) {
    const int from = detail::vfs_host_fd(in, *in.f_op);
    const int to = detail::vfs_host_fd(out, *out.f_op);
    if (from < 0 || to < 0) return -ENOSYS;
    in.trace.step("host sendfile(2)");
    ::off_t pos = offset != nullptr ? *offset : 0;
    const long moved = detail::without_sigpipe(
        count, [&] { return detail::host_result(::sendfile(to, from, offset != nullptr ? &pos : nullptr, count)); });
    if (offset != nullptr) *offset = pos;
    return moved;
  }

  // The file's position: a host file keeps its own (posixfs), so it is
  // asked with llseek(0, SEEK_CUR); a stream has none (0).
  static loff_t f_pos_of(any_file& file) {
    if ((file.f_mode & FMODE_LSEEK) == 0) return file.f_pos;
    const loff_t pos = detail::vfs_llseek(file, *file.f_op, 0, SEEK_CUR);
    return pos < 0 ? file.f_pos : pos;
  }

  // wait_for_space() of fs/splice.c, asked of the pipe's ->poll.
  static long wait_for_space(any_file& pipe) {
    const short mask = detail::vfs_poll(pipe, *pipe.f_op);
    if ((mask & POLLERR) != 0) return -EPIPE;
    if ((mask & POLLOUT) == 0 && (pipe.f_flags & O_NONBLOCK) != 0) return -EAGAIN;
    return 0;
  }

  // Each call's arguments are captured by value: captured by reference,
  // they would live in memory for the traced branch, stored and loaded
  // again on every call.
  template <class Call>
  long call(int fd, const detail::syscall_name& name, Call c) {
    return detail::with_file(self().files(), fd, name, c);
  }

  // What one step of splice_direct_to_actor() moves: the internal pipe's 16
  // page slots, the first filled from `pos` to its page's end, so a file
  // copied onto itself ends as Linux leaves it.
  static constexpr std::size_t page_size = 4096;
  static constexpr std::size_t pipe_buffer_bytes = 16 * page_size;  // PIPE_DEF_BUFFERS pages
  static std::size_t splice_step(loff_t pos) noexcept {
    return pipe_buffer_bytes - static_cast<std::size_t>(pos) % page_size;
  }

  // do_splice_direct() stand-in. The input is read at `pos` (*offset or
  // its position) and the output written at `out_pos` (its position),
  // local copies that do_sendfile() stores back once something moved: the
  // output's first, then the input's (so a file sent onto itself ends at
  // the input's), unless the input's reads leave the position (/dev/zero).
  static long copy_loop(any_file& in, any_file& out, loff_t* offset, std::size_t count) {
    const bool in_seekable = (in.f_mode & FMODE_PREAD) != 0;
    const loff_t pos = offset != nullptr ? *offset : f_pos_of(in);
    const loff_t out_pos = out_seekable(out) ? f_pos_of(out) : 0;
    std::size_t total = 0;
    const long result = copy_chunks(in, out, pos, out_pos, count, total);
    if (total == 0) return result;
    const auto moved = static_cast<loff_t>(total);
    if (out_seekable(out)) detail::vfs_llseek(out, *out.f_op, out_pos + moved, SEEK_SET);
    if (!in.f_op->reads_leave_pos) {
      if (offset != nullptr) {
        *offset = pos + moved;
      } else if (in_seekable) {
        detail::vfs_llseek(in, *in.f_op, pos + moved, SEEK_SET);
      }
    }
    return static_cast<long>(total);
  }

  // A file written at a position of its own (not a pipe, a socket).
  static bool out_seekable(const any_file& out) noexcept {
    return (out.f_mode & FMODE_PWRITE) != 0 && !S_ISFIFO(out.f_inode.i_mode);
  }

  static bool same_inode(const any_file& a, const any_file& b) noexcept {
    return a.f_inode.i_ino != 0 && a.f_inode.i_ino == b.f_inode.i_ino && a.f_mnt == b.f_mnt;
  }

  // A file sent onto itself `distance` bytes ahead: the kernel's pipe holds
  // references to the page cache, not copies, so each byte written is read
  // again `distance` bytes later: the step's data is its first `distance`
  // bytes repeated, as a forward copy leaves it.
  static void overlap_forward(std::span<std::byte> step, loff_t distance) noexcept {
    if (distance <= 0 || static_cast<std::size_t>(distance) >= step.size()) return;
    const auto d = static_cast<std::size_t>(distance);
    for (std::size_t j = d; j < step.size(); ++j) step[j] = step[j - d];
  }

  // The transfer itself: `total` counts the bytes written; the result is
  // the error or end that stopped it (0 when `count` was reached).
  static long copy_chunks(any_file& in, any_file& out, loff_t pos, loff_t out_pos, std::size_t count,
                          std::size_t& total) {
    const bool in_seekable = (in.f_mode & FMODE_PREAD) != 0;
    std::array<std::byte, pipe_buffer_bytes> buffer;
    while (total < count) {
      const loff_t at = pos + static_cast<loff_t>(total);
      const loff_t to = out_pos + static_cast<loff_t>(total);
      const std::span<std::byte> chunk(buffer.data(), std::min(splice_step(at), count - total));
      const ssize_t got =
          in_seekable ? detail::vfs_pread(in, *in.f_op, chunk, at) : detail::vfs_read(in, *in.f_op, chunk);
      if (got <= 0) return got;
      // do_splice_from(): data for an output without ->splice_write (not a pipe) is EINVAL.
      if (!out.f_op->splice_write && !S_ISFIFO(out.f_inode.i_mode)) return -EINVAL;
      const std::span<std::byte> data = chunk.first(static_cast<std::size_t>(got));
      if (same_inode(in, out)) overlap_forward(data, to - at);
      std::size_t put = 0;
      while (put < data.size()) {
        const std::span<const std::byte> rest = data.subspan(put);
        const ssize_t wrote = out_seekable(out)
                                  ? detail::vfs_pwrite(out, *out.f_op, rest, to + static_cast<loff_t>(put))
                                  : detail::vfs_write(out, *out.f_op, rest);
        if (wrote <= 0) {
          total += put;
          return wrote;
        }
        put += static_cast<std::size_t>(wrote);
      }
      total += put;
    }
    return 0;
  }
};

}  // namespace kvfs
