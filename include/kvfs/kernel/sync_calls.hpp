// SPDX-License-Identifier: BSL-1.0
// kvfs/kernel/sync_calls.hpp - the system calls of fs/sync.c: fsync.
#pragma once

#include <kvfs/any_file.hpp>
#include <kvfs/detail/vfs.hpp>
#include <kvfs/kernel/detail/fdget.hpp>

namespace kvfs {

/// Syncing through the table, for `Process` (CRTP).
template <class Process>
class sync_calls {
 public:
  /// fsync(2): vfs_fsync() → ->fsync (EINVAL without one).
  long fsync(int fd) {
    return detail::with_file(static_cast<Process&>(*this).files(), fd, detail::traced_as<"fsync">,
                             [&](any_file& f) { return detail::vfs_fsync(f, *f.f_op); });
  }
};

}  // namespace kvfs
