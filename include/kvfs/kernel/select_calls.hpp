// SPDX-License-Identifier: BSL-1.0
// kvfs/kernel/select_calls.hpp - the readiness calls of fs/select.c: poll
// of one descriptor, and where an asynchronous wait on it sleeps.
#pragma once

#include <kvfs/any_file.hpp>
#include <kvfs/detail/vfs.hpp>
#include <kvfs/kernel/detail/fdget.hpp>

namespace kvfs {

/// Readiness through the table, for `Process` (CRTP).
template <class Process>
class select_calls {
 public:
  /// poll(2) of one descriptor, without waiting: the ready events (vfs_poll).
  long poll(int fd) {
    return detail::with_file(files(), fd, detail::traced_as<"poll">, [&](any_file& f) { return detail::vfs_poll(f, *f.f_op); });
  }

  /// Not a system call: the host descriptor an asynchronous wait on `fd`
  /// sleeps on (poll_wait), -1 when the file is always ready, or -EBADF.
  long poll_wait(int fd) {
    return detail::with_file(files(), fd, detail::traced_as<"poll_wait">,
                             [&](any_file& f) -> long { return detail::vfs_poll_wait(f, *f.f_op); });
  }

 private:
  fd_table& files() noexcept { return static_cast<Process&>(*this).files(); }
};

}  // namespace kvfs
