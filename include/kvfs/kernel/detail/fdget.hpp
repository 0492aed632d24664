// SPDX-License-Identifier: BSL-1.0
// kvfs/kernel/detail/fdget.hpp - fdget(), then one system call on the
// file, traced as that call: what every per-descriptor system call shares.
#pragma once

#include <kvfs/any_file.hpp>
#include <kvfs/kernel/fd_table.hpp>

#include <cerrno>
#include <string_view>

namespace kvfs::detail {

template <class Call>
long with_file(fd_table& files, int fd, std::string_view name, Call call) {
  file_ref file = files.fdget(fd);
  if (!file) return -EBADF;
  file->trace.begin(name, fd);
  file->trace.step("fdget");
  const long result = call(*file);
  file->trace.end(result);
  return result;
}

}  // namespace kvfs::detail
