// SPDX-License-Identifier: BSL-1.0
// kvfs/copy.hpp - kvfs::copy(src, dst[, count]): moves bytes between any
// readable and any writable descriptor with the best mechanism the kernel
// has for the pair.
//
//   file → file            copy_file_range(2)   (in-kernel, may reflink)
//   file → socket          sendfile(2)
//   a pipe on either side  splice(2)
//   anything else          read/write with one reused buffer (ramfs,
//                          /dev/zero, user types, socket → socket)
//
// The host descriptor behind a kvfs file is what its policy's host_fd
// names (statically for a descriptor<Fs>, through the f_op table for a
// number of a process); a file without one (ramfs, /dev/zero, a user's own
// type) takes the read/write loop. A
// mechanism the kernel refuses for the pair (EXDEV, EINVAL, ENOSYS ...) falls
// back to the next one before any byte has moved.
#pragma once

#include <kvfs/detail/syscall.hpp>
#include <kvfs/detail/vfs.hpp>
#include <kvfs/io.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace kvfs {

/// How kvfs::copy moved the bytes.
enum class copy_mechanism { copy_file_range, sendfile, splice, read_write };

constexpr std::string_view to_string(copy_mechanism m) noexcept {
  switch (m) {
    case copy_mechanism::copy_file_range:
      return "copy_file_range";
    case copy_mechanism::sendfile:
      return "sendfile";
    case copy_mechanism::splice:
      return "splice";
    case copy_mechanism::read_write:
      return "read/write";
  }
  return "?";
}

/// What kvfs::copy did: the bytes moved and the mechanism that moved them.
struct copy_result {
  std::size_t bytes = 0;                                  ///< how many bytes moved
  copy_mechanism mechanism = copy_mechanism::read_write;  ///< how they moved
};

namespace detail {

template <class D>
std::optional<int> host_fd(D& d) {
  if constexpr (host_descriptor<D>) {
    const int fd = d.vfs_host_fd();
    if (fd >= 0) return fd;
  }
  return std::nullopt;
}

inline copy_mechanism choose(mode_t in, mode_t out) noexcept {
  if (S_ISFIFO(in) || S_ISFIFO(out)) return copy_mechanism::splice;
  if (S_ISREG(in) && S_ISREG(out)) return copy_mechanism::copy_file_range;
  if (S_ISREG(in) || S_ISBLK(in)) return copy_mechanism::sendfile;
  return copy_mechanism::read_write;
}

// One call of the mechanism: bytes moved, 0 at end of file, or -errno.
inline ssize_t transfer_once(copy_mechanism m, int in, int out, std::size_t n) noexcept {
  switch (m) {
    case copy_mechanism::copy_file_range:
      return host_result(::copy_file_range(in, nullptr, out, nullptr, n, 0));
    case copy_mechanism::sendfile:  // to a socket or pipe whose reader is gone: EPIPE, not SIGPIPE
      return without_sigpipe(n, [&] { return host_result(::sendfile(out, in, nullptr, n)); });
    case copy_mechanism::splice:
      return without_sigpipe(n, [&] { return host_result(::splice(in, nullptr, out, nullptr, n, SPLICE_F_MOVE)); });
    case copy_mechanism::read_write:
      break;
  }
  return -EINVAL;
}

// EAGAIN on a non-blocking descriptor: wait until it is ready for `events`.
inline void wait_for(int fd, short events) noexcept {
  ::pollfd end{fd, events, 0};
  while (::poll(&end, 1, -1) < 0 && errno == EINTR) {
  }
}

// EAGAIN from a transfer between two ends: wait for the non-blocking ones,
// the destination's room first, then the source's data.
inline void wait_ready(int in, int out) noexcept {
  if ((::fcntl(out, F_GETFL) & O_NONBLOCK) != 0) wait_for(out, POLLOUT);
  if ((::fcntl(in, F_GETFL) & O_NONBLOCK) != 0) wait_for(in, POLLIN);
}

// The kernel refuses a mechanism for a pair it cannot do: try the next.
inline bool refused(ssize_t result) noexcept {
  return result == -EXDEV || result == -EINVAL || result == -ENOSYS || result == -EOPNOTSUPP;
}

inline std::optional<copy_mechanism> fallback(copy_mechanism m) noexcept {
  if (m == copy_mechanism::copy_file_range) return copy_mechanism::sendfile;
  return std::nullopt;
}

}  // namespace detail

namespace detail {
// Bytes read but not written go back to the source, where it can seek.
template <class Src>
void give_back(Src& src, std::size_t unwritten) {
  if constexpr (seekable_descriptor<Src>) {
    std::error_code ignored;  // a pipe or socket cannot take them back
    kvfs::lseek(src, -static_cast<loff_t>(unwritten), SEEK_CUR, ignored);
  }
}
}  // namespace detail

namespace detail {
// The source file's trace policy records the copy and the mechanism chosen:
//   copy(fd 5) -> kvfs::copy: sendfile = 1048576
template <class Src, class Record>
void with_source_trace(Src& src, Record record) {
  if constexpr (requires { src.file().trace; }) {
    if constexpr (std::remove_cvref_t<decltype(src.file().trace)>::enabled) {
      record(src.file().trace, host_fd(src).value_or(-1));
    }
  } else if constexpr (requires { src.with_trace(record); }) {
    src.with_trace(record);  // a number of a process: its file's trace
  }
}

template <class Src, class Dst>
copy_result copy_impl(Src& src, Dst& dst, std::error_code& ec, std::size_t count);
}  // namespace detail

/// Copies up to `count` bytes (all, by default) from `src` to `dst`, until
/// the end of `src`; both positions advance as with read and write. Short
/// transfers, EINTR and EAGAIN are handled; on an error `ec` is set and the
/// result says how much had moved. The source's trace policy shows the
/// mechanism chosen.
template <readable_descriptor Src, writable_descriptor Dst>
copy_result copy(Src& src, Dst& dst, std::error_code& ec, std::size_t count = std::numeric_limits<std::size_t>::max()) {
  const copy_result result = detail::copy_impl(src, dst, ec, count);
  detail::with_source_trace(src, [&](auto& trace, int number) {
    trace.begin("copy", number);
    trace.step("kvfs::copy: ", to_string(result.mechanism));
    trace.end(ec ? -static_cast<ssize_t>(ec.value()) : static_cast<ssize_t>(result.bytes));
  });
  return result;
}

template <class Src, class Dst>
copy_result detail::copy_impl(Src& src, Dst& dst, std::error_code& ec, std::size_t count) {
  ec.clear();
  copy_result result;
  const std::optional<int> in = detail::host_fd(src), out = detail::host_fd(dst);
  if (in && out) {
    struct ::stat in_st {
    }, out_st{};
    if (::fstat(*in, &in_st) == 0 && ::fstat(*out, &out_st) == 0) {
      std::optional<copy_mechanism> mechanism = detail::choose(in_st.st_mode, out_st.st_mode);
      while (mechanism && *mechanism != copy_mechanism::read_write && result.bytes < count) {
        result.mechanism = *mechanism;
        const std::size_t chunk = std::min<std::size_t>(count - result.bytes, detail::MAX_RW_COUNT);
        const ssize_t moved = detail::transfer_once(*mechanism, *in, *out, chunk);
        if (moved > 0) {
          result.bytes += static_cast<std::size_t>(moved);
        } else if (moved == 0) {
          return result;  // end of file
        } else if (moved == -EINTR) {
          continue;  // a copy finishes what it started, as write_all does
        } else if (moved == -EAGAIN) {
          detail::wait_ready(*in, *out);
        } else if (result.bytes == 0 && detail::refused(moved)) {
          mechanism = detail::fallback(*mechanism);
        } else {
          ec.assign(static_cast<int>(-moved), std::system_category());
          return result;
        }
      }
      if (mechanism && *mechanism != copy_mechanism::read_write) return result;  // count reached
    }
  }

  // read/write with one buffer, reused for the whole copy.
  result.mechanism = copy_mechanism::read_write;
  constexpr std::size_t buffer_size = 64 * 1024;
  const auto buffer = std::make_unique<std::byte[]>(buffer_size);
  while (result.bytes < count) {
    const std::span<std::byte> chunk(buffer.get(), std::min(buffer_size, count - result.bytes));
    const std::size_t got = kvfs::read(src, chunk, ec);
    if (ec == std::errc::interrupted) {
      ec.clear();
      continue;
    }
    if (ec == std::errc::resource_unavailable_try_again && in) {
      detail::wait_for(*in, POLLIN);
      ec.clear();
      continue;
    }
    if (ec || got == 0) return result;
    std::size_t put = 0;
    while (put < got) {
      put += kvfs::write(dst, chunk.subspan(put, got - put), ec);
      if (ec == std::errc::interrupted) {
        ec.clear();
      } else if (ec == std::errc::resource_unavailable_try_again && out) {
        detail::wait_for(*out, POLLOUT);
        ec.clear();
      } else if (ec) {
        result.bytes += put;
        detail::give_back(src, got - put);
        return result;
      }
    }
    result.bytes += got;
  }
  return result;
}

template <readable_descriptor Src, writable_descriptor Dst>
copy_result copy(Src& src, Dst& dst, std::size_t count = std::numeric_limits<std::size_t>::max()) {
  std::error_code ec;
  const copy_result result = kvfs::copy(src, dst, ec, count);
  if (ec) throw std::system_error(ec, "kvfs::copy");
  return result;
}

}  // namespace kvfs
