// kvfs/pipefs.hpp - pipes: pipefs over the host's pipe(2).
//
// As fs/pipe.c's pipeanon_fops: read, write, poll and release, and no
// llseek, so seeking or pread/pwrite on either end is ESPIPE. A write with
// no reader left is EPIPE and never a SIGPIPE that kills the process.
#pragma once

#include <kvfs/descriptor.hpp>
#include <kvfs/detail/syscall.hpp>
#include <kvfs/file_system.hpp>
#include <kvfs/name.hpp>
#include <kvfs/trace.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <span>
#include <string_view>
#include <system_error>
#include <utility>

namespace kvfs {

/// What a pipe end's private_data holds (the kernel's pipe_inode_info is the
/// host's pipe).
struct pipe_end {
  int fd = -1;
  int native_handle() const noexcept { return fd; }
};

/// pipeanon_fops
struct pipe_file_operations {
  static constexpr std::string_view name = "pipeanon_fops";

  static ssize_t read(auto& file, std::span<std::byte> buf) noexcept {
    file.trace.step("pipe_read");
    return detail::retry_eintr([&] { return ::read(file.private_data.fd, buf.data(), buf.size()); });
  }

  static ssize_t write(auto& file, std::span<const std::byte> buf) noexcept {
    file.trace.step("pipe_write");
    return detail::without_sigpipe(
        [&] { return detail::retry_eintr([&] { return ::write(file.private_data.fd, buf.data(), buf.size()); }); });
  }

  static ssize_t read_iter(auto& file, std::span<const ::iovec> iov) noexcept {
    file.trace.step("pipe_read");
    return detail::retry_eintr([&] { return ::readv(file.private_data.fd, iov.data(), static_cast<int>(iov.size())); });
  }

  static ssize_t write_iter(auto& file, std::span<const ::iovec> iov) noexcept {
    file.trace.step("pipe_write");
    return detail::without_sigpipe([&] {
      return detail::retry_eintr(
          [&] { return ::writev(file.private_data.fd, iov.data(), static_cast<int>(iov.size())); });
    });
  }

  static short poll(auto& file) noexcept {
    ::pollfd probe{file.private_data.fd, POLLIN | POLLOUT, 0};
    return ::poll(&probe, 1, 0) < 0 ? short{POLLERR} : probe.revents;
  }

  static int getattr(auto& file, struct ::stat& st) noexcept {
    return ::fstat(file.private_data.fd, &st) < 0 ? -errno : 0;
  }

  static int release(auto& file) noexcept {
    file.trace.step("pipe_release");
    return ::close(std::exchange(file.private_data.fd, -1)) < 0 && errno != EINTR ? -errno : 0;
  }
};

/// The pipe file system: pseudo, with an internal mount only.
struct pipefs {
  static constexpr auto name = name_c<"pipefs">;
  static constexpr unsigned fs_flags = FS_PSEUDO;
  using private_data = pipe_end;
  using file_operations = pipe_file_operations;
};

/// The two ends pipe2(2) makes: data written to `write_end` is read from
/// `read_end`, in order.
struct pipe_pair {
  descriptor<pipefs> read_end;
  descriptor<pipefs> write_end;
};

/// pipe2(2): `flags` may hold O_NONBLOCK (both ends) and O_CLOEXEC, which
/// kvfs always sets; anything else is EINVAL.
inline pipe_pair pipe(int flags, std::error_code& ec) {
  if ((flags & ~(O_NONBLOCK | O_CLOEXEC)) != 0) {
    ec.assign(EINVAL, std::system_category());
    return {};
  }
  int ends[2] = {-1, -1};
  if (::pipe2(ends, flags | O_CLOEXEC) < 0) {
    ec.assign(errno, std::system_category());
    return {};
  }
  ec.clear();
  const int status = flags & O_NONBLOCK;
  return {descriptor<pipefs>(pipe_end{ends[0]}, O_RDONLY | status),
          descriptor<pipefs>(pipe_end{ends[1]}, O_WRONLY | status)};
}

inline pipe_pair pipe(int flags = 0) {
  std::error_code ec;
  pipe_pair ends = pipe(flags, ec);
  if (ec) throw std::system_error(ec, "kvfs::pipe");
  return ends;
}

}  // namespace kvfs
