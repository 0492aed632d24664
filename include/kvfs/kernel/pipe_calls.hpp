// SPDX-License-Identifier: BSL-1.0
// kvfs/kernel/pipe_calls.hpp - pipe2(2), as fs/pipe.c's do_pipe2(): the
// pipe's two files first, then a number for each.
#pragma once

#include <kvfs/fs/pipefs.hpp>

#include <fcntl.h>

#include <span>
#include <system_error>
#include <utility>

namespace kvfs {

/// Making pipes in the table, for `Process` (CRTP).
template <class Process>
class pipe_calls {
 public:
  /// pipe2(2): fds[0] reads what fds[1] writes.
  long pipe(std::span<int, 2> fds, int flags = 0) {
    Process& self = static_cast<Process&>(*this);
    std::error_code ec;
    pipe_pair ends = kvfs::pipe(flags, ec);
    if (ec) return -ec.value();
    const int read_fd = self.fd_install(std::move(ends.read_end), flags & O_CLOEXEC);
    if (read_fd < 0) return read_fd;
    const int write_fd = self.fd_install(std::move(ends.write_end), flags & O_CLOEXEC);
    if (write_fd < 0) {
      self.files().close_fd(read_fd);
      return write_fd;
    }
    fds[0] = read_fd;
    fds[1] = write_fd;
    return 0;
  }
};

}  // namespace kvfs
