// SPDX-License-Identifier: BSL-1.0
// kvfs/kernel/detail/fdget.hpp - fdget(), then one system call on the
// file, traced as that call: what every per-descriptor system call shares.
#pragma once

#include <kvfs/any_file.hpp>
#include <kvfs/kernel/fd_table.hpp>
#include <kvfs/name.hpp>

#include <cerrno>
#include <string_view>

namespace kvfs::detail {

// How a system call's trace starts: its name, the kernel function it runs
// (ksys_write), and how that gets the file (fdget, or fdget_pos where the
// call uses the file's position). Only traced_as<...> makes one.
struct syscall_name {
  std::string_view name, ksys, getter;
  explicit constexpr syscall_name(std::string_view call, std::string_view via, std::string_view get) noexcept
      : name(call), ksys(via), getter(get) {}
};

// The names of system call `Name`, an object of static storage: a call
// passes its address, so an untraced call builds no names (only a traced
// one reads them).
template <fixed_string Name, fixed_string Ksys = "", fixed_string Getter = "fdget">
inline constexpr syscall_name traced_as{Name.view(), Ksys.view(), Getter.view()};

// The call on a traced file, out of line: `call` comes by value, so the
// untraced path keeps the call's arguments in registers.
template <class Call>
[[gnu::noinline]] long call_with_trace(any_file& file, int fd, const syscall_name& sys, Call call) {
  file.trace.begin(sys.name, fd);
  if (!sys.ksys.empty()) file.trace.step(sys.ksys);
  file.trace.step(sys.getter);
  const long result = call(file);
  file.trace.end(result);
  return result;
}

// The call on `file` (a pointer, file_ref or fd_light), traced as system
// call `sys` on `fd`; -EBADF for none.
// An untraced file tests its trace once, not at every step.
template <class File, class Call>
[[gnu::always_inline]] inline long call_traced(const File& file, int fd, const syscall_name& sys, Call call) {
  if (!file) return -EBADF;
  if (!file->trace.active()) [[likely]] return call(*file);
  return call_with_trace(*file, fd, sys, call);
}

// The call on fdget()'s file (__fget_light(): uncounted while one thread
// has the table), or -EBADF (an O_PATH file too).
template <class Call>
[[gnu::always_inline]] inline long with_file(fd_table& files, int fd, const syscall_name& name, Call call) {
  return files.with_fdget(fd, [&call, fd, &name](any_file* file) { return call_traced(file, fd, name, call); });
}

// The call on fdget_raw()'s file: the calls an O_PATH file allows.
template <class Call>
long with_file_raw(fd_table& files, int fd, const syscall_name& name, Call call) {
  return call_traced(files.fdget_raw(fd), fd, name, call);
}

}  // namespace kvfs::detail
