// SPDX-License-Identifier: BSL-1.0
// kvfs/kernel/stat_calls.hpp - the system calls of fs/stat.c: fstat.
#pragma once

#include <kvfs/any_file.hpp>
#include <kvfs/detail/vfs.hpp>
#include <kvfs/kernel/detail/fdget.hpp>

#include <sys/stat.h>

namespace kvfs {

/// An inode's attributes through the table, for `Process` (CRTP).
template <class Process>
class stat_calls {
 public:
  /// fstat(2): vfs_fstat() → ->getattr.
  long fstat(int fd, struct ::stat& st) {
    return detail::with_file_raw(static_cast<Process&>(*this).files(), fd, detail::traced_as<"fstat">,
                             [&](any_file& f) { return detail::vfs_fstat(f, *f.f_op, st); });
  }
};

}  // namespace kvfs
