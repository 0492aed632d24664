// SPDX-License-Identifier: BSL-1.0
// kvfs/asio/stream.hpp - kvfs descriptors as Asio's synchronous streams,
// and the translation between Asio's errors and the kernel's.
//
// Include it to pass a descriptor of any file system to asio::read,
// asio::write and the other composed operations (a descriptor's read_some
// reports end of file as asio::error::eof, which needs this header).
// <kvfs/net/inet.hpp> and <kvfs/net/unix.hpp> include it.
#pragma once

#include <kvfs/descriptor.hpp>
#include <kvfs/trace.hpp>

#include <asio/error.hpp>

#include <sys/types.h>
#include <cerrno>
#include <cstddef>
#include <system_error>

namespace kvfs {

namespace detail {

template <class Buffers>
struct asio_bridge {
  static std::error_code eof() noexcept { return asio::error::eof; }
};

/// An Asio error as the kernel would return it: end of stream is 0 bytes,
/// a system error (Asio has a category of its own for errno values) -errno.
inline ssize_t kernel_result(std::size_t transferred, const std::error_code& ec) noexcept {
  if (!ec) return static_cast<ssize_t>(transferred);
  if (ec == asio::error::eof) return 0;
  if (ec.category() == asio::error::get_system_category() || ec.category() == std::system_category()) {
    return -ec.value();
  }
  return -EIO;
}

/// The same error in std::system_category, as every other kvfs error is.
inline std::error_code to_system_error(const std::error_code& ec) noexcept {
  const ssize_t result = kernel_result(0, ec);
  return result < 0 ? std::error_code(static_cast<int>(-result), std::system_category()) : std::error_code();
}

}  // namespace detail

}  // namespace kvfs
