// SPDX-License-Identifier: BSL-1.0
// kvfs/kernel/file_calls.hpp - the descriptor-table system calls of
// fs/file.c and fs/fcntl.c: fd_install, close, dup, dup2, dup3, fcntl.
#pragma once

#include <kvfs/any_file.hpp>
#include <kvfs/descriptor.hpp>
#include <kvfs/detail/vfs.hpp>
#include <kvfs/file_system.hpp>
#include <kvfs/kernel/detail/fdget.hpp>
#include <kvfs/kernel/fd_table.hpp>
#include <kvfs/trace.hpp>

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <string>
#include <string_view>
#include <utility>

namespace kvfs {

namespace detail {
// d_path() of a pseudo file: "socket:[ino]", "pipe:[ino]".
inline std::string pseudo_path(const struct inode& inode, std::string_view fallback) {
  if (S_ISSOCK(inode.i_mode)) return "socket:[" + std::to_string(inode.i_ino) + "]";
  if (S_ISFIFO(inode.i_mode)) return "pipe:[" + std::to_string(inode.i_ino) + "]";
  return std::string(fallback);
}
}  // namespace detail

/// The calls on the descriptor table itself, for `Process` (CRTP).
template <class Process>
class file_calls {
 public:
  /// fd_install(): a kvfs descriptor moves into the table and gets the
  /// lowest free number; `path` is what /proc/self/fd shows for it.
  /// -EBADF for a closed descriptor, -EMFILE when the table is full.
  template <file_system_type Fs, tracer Trace>
  int fd_install(descriptor<Fs, Trace>&& d, int flags = 0, std::string_view path = {}) {
    if (!d.is_open()) return -EBADF;
    return fd_install(make_file(std::move(d)), flags, path.empty() ? fs_name<Fs> : path);
  }

  /// fd_install() of a file the table does not hold yet: the lowest free
  /// number, or -EMFILE (the file is then put). Traced on its own line.
  int fd_install(file_ref file, int flags, std::string_view path) {
    const int fd = self().files().get_unused_fd_flags(flags);
    if (fd < 0) return fd;
    ostream_trace trace = self().trace();
    trace.begin("fd_install", fd);
    if (trace.active()) trace.step(detail::pseudo_path(file->f_inode, path), " with f_op = &", file->f_op->name);
    fd_install(fd, std::move(file), path);
    trace.end(fd);
    return fd;
  }

  /// fd_install() into a number reserved with get_unused_fd_flags(), as a
  /// step of the system call that made the file (its trace shows it). A
  /// pseudo file (a pipe, a socket) holds its type's internal mount.
  void fd_install(int fd, file_ref file, std::string_view path) {
    file->trace = self().trace();
    file->f_path = detail::pseudo_path(file->f_inode, path);
    if (!file->f_mnt) file->f_mnt = self().file_systems().internal_mount(file->f_op->fs_name);
    self().files().fd_install(fd, std::move(file));
  }

  /// close(2): the number is free at once; the file is released when its
  /// last user drops it.
  long close(int fd) { return self().files().close_fd(fd); }
  /// dup(2): the lowest free number.
  long dup(int fd) { return self().files().dup(fd); }
  /// dup2(2).
  long dup2(int oldfd, int newfd) { return self().files().dup2(oldfd, newfd); }
  /// dup3(2): O_CLOEXEC only; oldfd == newfd is EINVAL.
  long dup3(int oldfd, int newfd, int flags) { return self().files().dup3(oldfd, newfd, flags); }

  /// fcntl(2): F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD (FD_CLOEXEC),
  /// F_GETFL, F_SETFL (O_APPEND, O_NONBLOCK, O_DIRECT, O_NOATIME). Other
  /// commands are EINVAL here. An O_PATH file allows only the descriptor
  /// commands and F_GETFL (EBADF otherwise).
  long fcntl(int fd, int cmd, long arg = 0) {
    fd_table& files = self().files();
    return detail::with_file_raw(files, fd, detail::traced_as<"fcntl">, [&](any_file& f) -> long {
      if ((f.f_mode & FMODE_PATH) != 0 && !check_fcntl_cmd(cmd)) return -EBADF;
      switch (cmd) {
        case F_DUPFD:
          return files.f_dupfd(fd, static_cast<int>(arg), 0);
        case F_DUPFD_CLOEXEC:
          return files.f_dupfd(fd, static_cast<int>(arg), O_CLOEXEC);
        case F_GETFD:
          return files.close_on_exec(fd) ? FD_CLOEXEC : 0;
        case F_SETFD:
          return files.set_close_on_exec(fd, (arg & FD_CLOEXEC) != 0);
        case F_GETFL:
          return detail::getfl(f);
        case F_SETFL:
          return detail::vfs_setfl(f, *f.f_op, static_cast<int>(arg));
        default:
          return -EINVAL;
      }
    });
  }

 private:
  Process& self() noexcept { return static_cast<Process&>(*this); }

  // check_fcntl_cmd(): what fcntl may do on an O_PATH file.
  static bool check_fcntl_cmd(int cmd) noexcept {
    return cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC || cmd == F_GETFD || cmd == F_SETFD || cmd == F_GETFL;
  }
};

}  // namespace kvfs
