// SPDX-License-Identifier: BSL-1.0
// kvfs/kernel/detail/fdget.hpp - fdget(), then one system call on the
// file, traced as that call: what every per-descriptor system call shares.
#pragma once

#include <kvfs/any_file.hpp>
#include <kvfs/kernel/fd_table.hpp>

#include <cerrno>
#include <string_view>

namespace kvfs::detail {

// The call on `file`, traced as system call `name` on `fd`; -EBADF for none.
template <class Call>
long call_traced(file_ref file, int fd, std::string_view name, Call call) {
  if (!file) return -EBADF;
  file->trace.begin(name, fd);
  file->trace.step("fdget");
  const long result = call(*file);
  file->trace.end(result);
  return result;
}

// The call on fdget()'s file, or -EBADF (an O_PATH file too).
template <class Call>
long with_file(fd_table& files, int fd, std::string_view name, Call call) {
  return call_traced(files.fdget(fd), fd, name, call);
}

// The call on fdget_raw()'s file: the calls an O_PATH file allows.
template <class Call>
long with_file_raw(fd_table& files, int fd, std::string_view name, Call call) {
  return call_traced(files.fdget_raw(fd), fd, name, call);
}

}  // namespace kvfs::detail
