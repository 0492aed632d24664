// SPDX-License-Identifier: BSL-1.0
// kvfs/kernel/readdir_calls.hpp - getdents64(2), as fs/readdir.c runs it:
// fdget (EBADF, an O_PATH file too), then iterate_dir() (ENOTDIR without
// ->iterate_shared), which fills struct linux_dirent64 records.
#pragma once

#include <kvfs/any_file.hpp>
#include <kvfs/detail/vfs.hpp>
#include <kvfs/kernel/detail/fdget.hpp>

#include <cstddef>
#include <span>

namespace kvfs {

/// Reading directories, for `Process` (CRTP).
template <class Process>
class readdir_calls {
 public:
  /// getdents64(2): the bytes of records filled, 0 at the end, -EINVAL
  /// when `buf` cannot hold one record.
  long getdents64(int fd, std::span<std::byte> buf) {
    return detail::with_file(static_cast<Process&>(*this).files(), fd, detail::traced_as<"getdents64">,
                             [&](any_file& f) { return detail::iterate_dir(f, *f.f_op, buf); });
  }
};

}  // namespace kvfs
