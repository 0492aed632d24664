// SPDX-License-Identifier: BSL-1.0
// kvfs/kernel/read_write_calls.hpp - the system calls of fs/read_write.c:
// read, write, readv, writev, pread64, pwrite64, lseek and sendfile.
#pragma once

#include <kvfs/any_file.hpp>
#include <kvfs/detail/vfs.hpp>
#include <kvfs/file.hpp>
#include <kvfs/kernel/detail/fdget.hpp>

#include <fcntl.h>
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
  long read(int fd, std::span<std::byte> buf) {
    return call(fd, "read", [&](any_file& f) { return detail::vfs_read(f, *f.f_op, buf); });
  }
  long write(int fd, std::span<const std::byte> buf) {
    return call(fd, "write", [&](any_file& f) { return detail::vfs_write(f, *f.f_op, buf); });
  }
  long readv(int fd, std::span<const ::iovec> iov) {
    return call(fd, "readv", [&](any_file& f) { return detail::vfs_readv(f, *f.f_op, iov); });
  }
  long writev(int fd, std::span<const ::iovec> iov) {
    return call(fd, "writev", [&](any_file& f) { return detail::vfs_writev(f, *f.f_op, iov); });
  }
  // ksys_pread64(): a negative offset is EINVAL before the descriptor is looked up.
  long pread(int fd, std::span<std::byte> buf, loff_t pos) {
    if (pos < 0) return -EINVAL;
    return call(fd, "pread64", [&](any_file& f) { return detail::vfs_pread(f, *f.f_op, buf, pos); });
  }
  long pwrite(int fd, std::span<const std::byte> buf, loff_t pos) {
    if (pos < 0) return -EINVAL;
    return call(fd, "pwrite64", [&](any_file& f) { return detail::vfs_pwrite(f, *f.f_op, buf, pos); });
  }
  long lseek(int fd, loff_t offset, int whence) {
    return call(fd, "lseek", [&](any_file& f) { return detail::vfs_llseek(f, *f.f_op, offset, whence); });
  }

  /// sendfile(2): up to `count` bytes from `in_fd` to `out_fd`. With an
  /// offset, reads there and advances it, leaving in_fd's position alone;
  /// without, reads at and advances in_fd's position. The checks are
  /// do_sendfile()'s, in its order: the input (EBADF, then ESPIPE for an
  /// offset on a stream), rw_verify_area() of the input range (EINVAL), the
  /// output (EBADF), then do_splice_direct()'s (EINVAL for an O_APPEND
  /// output, or an input that has no splice_read: a pipe or a directory).
  long sendfile(int out_fd, int in_fd, loff_t* offset, std::size_t count) {
    file_ref in = self().files().fdget(in_fd);
    if (!in || (in->f_mode & FMODE_READ) == 0) return -EBADF;
    if (offset != nullptr && (in->f_mode & FMODE_PREAD) == 0) return -ESPIPE;
    const loff_t pos = offset != nullptr ? *offset : in->f_pos;
    if (const int error = detail::rw_verify_area(&pos, count); error < 0) return error;
    file_ref out = self().files().fdget(out_fd);
    if (!out || (out->f_mode & FMODE_WRITE) == 0) return -EBADF;
    if ((out->f_flags & O_APPEND) != 0) return -EINVAL;
    if (S_ISFIFO(in->f_inode.i_mode) || S_ISDIR(in->f_inode.i_mode)) return -EINVAL;
    if (count == 0) return 0;
    return copy_loop(*in, *out, offset, std::min(count, detail::MAX_RW_COUNT));
  }

 private:
  Process& self() noexcept { return static_cast<Process&>(*this); }

  template <class Call>
  long call(int fd, std::string_view name, Call c) {
    return detail::with_file(self().files(), fd, name, c);
  }

  // do_splice_direct() stand-in: read into a buffer and write it all out.
  // With an offset, *offset ends advanced by what was written.
  static long copy_loop(any_file& in, any_file& out, loff_t* offset, std::size_t count) {
    std::size_t total = 0;
    const long result = copy_chunks(in, out, offset, count, total);
    if (offset != nullptr) *offset += static_cast<loff_t>(total);
    return total > 0 ? static_cast<long>(total) : result;
  }

  // The transfer itself: `total` counts the bytes written; the result is
  // the error or end that stopped it (0 when `count` was reached).
  static long copy_chunks(any_file& in, any_file& out, const loff_t* offset, std::size_t count, std::size_t& total) {
    std::array<std::byte, 65536> buffer;
    while (total < count) {
      const std::span<std::byte> chunk(buffer.data(), std::min(buffer.size(), count - total));
      const ssize_t got = offset != nullptr
                              ? detail::vfs_pread(in, *in.f_op, chunk, *offset + static_cast<loff_t>(total))
                              : detail::vfs_read(in, *in.f_op, chunk);
      if (got <= 0) return got;
      ssize_t put = 0;
      while (put < got) {
        const ssize_t wrote = detail::vfs_write(
            out, *out.f_op, chunk.subspan(static_cast<std::size_t>(put), static_cast<std::size_t>(got - put)));
        if (wrote <= 0) {
          // Bytes read but not written go back to the input's position.
          if (offset == nullptr && in.f_op->llseek != nullptr) detail::vfs_llseek(in, *in.f_op, put - got, SEEK_CUR);
          total += static_cast<std::size_t>(put);
          return wrote;
        }
        put += wrote;
      }
      total += static_cast<std::size_t>(got);
    }
    return 0;
  }
};

}  // namespace kvfs
