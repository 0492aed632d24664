// SPDX-License-Identifier: BSL-1.0
// kvfs/kernel/read_write_calls.hpp - the system calls of fs/read_write.c:
// read, write, readv, writev, pread64, pwrite64, lseek and sendfile.
#pragma once

#include <kvfs/any_file.hpp>
#include <kvfs/detail/vfs.hpp>
#include <kvfs/file.hpp>
#include <kvfs/kernel/detail/fdget.hpp>

#include <fcntl.h>
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
  /// without, reads at and advances in_fd's position.
  long sendfile(int out_fd, int in_fd, loff_t* offset, std::size_t count) {
    file_ref in = self().files().fdget(in_fd);
    if (!in || (in->f_mode & FMODE_READ) == 0) return -EBADF;
    if (offset != nullptr && in->f_op->pread == nullptr) return -ESPIPE;
    file_ref out = self().files().fdget(out_fd);
    if (!out || (out->f_mode & FMODE_WRITE) == 0) return -EBADF;
    if ((out->f_flags & O_APPEND) != 0) return -EINVAL;
    if (offset != nullptr && *offset < 0) return -EINVAL;
    return copy_loop(*in, *out, offset, std::min(count, detail::MAX_RW_COUNT));
  }

 private:
  Process& self() noexcept { return static_cast<Process&>(*this); }

  template <class Call>
  long call(int fd, std::string_view name, Call c) {
    return detail::with_file(self().files(), fd, name, c);
  }

  // do_splice_direct() stand-in: read into a buffer and write it all out.
  static long copy_loop(any_file& in, any_file& out, loff_t* offset, std::size_t count) {
    std::array<std::byte, 65536> buffer;
    std::size_t total = 0;
    while (total < count) {
      const std::span<std::byte> chunk(buffer.data(), std::min(buffer.size(), count - total));
      const ssize_t got = offset != nullptr
                              ? detail::vfs_pread(in, *in.f_op, chunk, *offset + static_cast<loff_t>(total))
                              : detail::vfs_read(in, *in.f_op, chunk);
      if (got <= 0) return total > 0 ? static_cast<long>(total) : got;
      ssize_t put = 0;
      while (put < got) {
        const ssize_t wrote = detail::vfs_write(
            out, *out.f_op, chunk.subspan(static_cast<std::size_t>(put), static_cast<std::size_t>(got - put)));
        if (wrote <= 0) {
          if (offset == nullptr && in.f_op->llseek != nullptr) detail::vfs_llseek(in, *in.f_op, put - got, SEEK_CUR);
          total += static_cast<std::size_t>(put);
          if (offset != nullptr) *offset += static_cast<loff_t>(total);
          return total > 0 ? static_cast<long>(total) : wrote;
        }
        put += wrote;
      }
      total += static_cast<std::size_t>(got);
    }
    if (offset != nullptr) *offset += static_cast<loff_t>(total);
    return static_cast<long>(total);
  }
};

}  // namespace kvfs
