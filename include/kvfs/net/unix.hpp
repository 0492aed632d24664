// SPDX-License-Identifier: BSL-1.0
// kvfs/net/unix.hpp - sockfs over Unix-domain stream sockets (AF_UNIX,
// SOCK_STREAM; net/unix/af_unix.c), backed by standalone Asio's
// local::stream_protocol.
//
//   asio::io_context io;
//   auto [a, b] = kvfs::unix_stream::pair(io);   // socketpair(2)
//   kvfs::write_all(a, "over AF_UNIX");
//
// The io_context must outlive the descriptors made with it.
#pragma once

#include <kvfs/net/detail/asio_stream_socket.hpp>

#include <asio/local/connect_pair.hpp>
#include <asio/local/stream_protocol.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>
#include <system_error>
#include <utility>

namespace kvfs {

/// The Unix-domain stream protocol (the kernel's unix_stream_ops).
struct unix_stream : detail::asio_stream_socket<unix_stream, asio::local::stream_protocol> {
  /// "unix" in the trace.
  static constexpr std::string_view name = "unix";

  /// ->socketpair (unix_socketpair()): the two sockets become one connected
  /// pair (here: a host socketpair(2) replaces them), keeping their
  /// non-blocking state.
  static int socketpair(sock_type& a, sock_type& b) {
    int fds[2] = {-1, -1};
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0) return -errno;
    const bool non_blocking = a.non_blocking();
    std::error_code ec;
    a.close(ec);
    b.close(ec);
    a.assign(asio::local::stream_protocol(), fds[0], ec);
    if (ec) {
      ::close(fds[0]);
      ::close(fds[1]);
      return -ec.value();
    }
    b.assign(asio::local::stream_protocol(), fds[1], ec);
    if (ec) {
      ::close(fds[1]);
      return -ec.value();
    }
    if (non_blocking) {
      a.non_blocking(true, ec);
      b.non_blocking(true, ec);
    }
    return ec ? -ec.value() : 0;
  }

  /// socketpair(AF_UNIX, SOCK_STREAM): two connected descriptors.
  static std::pair<socket_descriptor<no_trace>, socket_descriptor<no_trace>> pair(asio::io_context& io, int flags = 0) {
    sock_type first(io), second(io);
    std::error_code ec;
    asio::local::connect_pair(first, second, ec);
    if (ec) throw std::system_error(detail::to_system_error(ec), "kvfs::unix_stream::pair");
    auto a = install(std::move(first), ec, flags, no_trace{});
    auto b = install(std::move(second), ec, flags, no_trace{});
    if (ec) throw std::system_error(ec, "kvfs::unix_stream::pair");
    return {std::move(a), std::move(b)};
  }
};

}  // namespace kvfs
