// SPDX-License-Identifier: BSL-1.0
// kvfs/net/unix.hpp - sockfs over Unix-domain sockets (AF_UNIX;
// net/unix/af_unix.c): streams, datagrams and sequenced packets, backed by
// standalone Asio's local and generic protocols.
//
//   asio::io_context io;
//   auto [a, b] = kvfs::unix_stream::pair(io);   // socketpair(2)
//   kvfs::write_all(a, "over AF_UNIX");
//   auto [c, d] = kvfs::unix_dgram::pair(io);    // each write one datagram
//
// The io_context must outlive the descriptors made with it.
#pragma once

#include <kvfs/net/detail/asio_socket.hpp>
#include <kvfs/net/detail/scm_inflight.hpp>

#include <asio/generic/seq_packet_protocol.hpp>
#include <asio/local/datagram_protocol.hpp>
#include <asio/local/stream_protocol.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>
#include <system_error>
#include <utility>

namespace kvfs {

namespace detail {

/// What the Unix-domain protocols share: ->family, ->socketpair and pair().
template <class Proto, class Protocol, int Type>
struct unix_socket : asio_socket<Proto, Protocol, Type> {
  using typename asio_socket<Proto, Protocol, Type>::sock_type;
  /// ->family: SCM_RIGHTS carries files over these sockets.
  static constexpr int family = AF_UNIX;

  /// ->recvmsg: kvfs files whose tokens the host dropped unread (a
  /// message read without room for its descriptors) are released.
  template <class Trace>
  static ssize_t recvmsg(sock_type& sk, ::msghdr& msg, int flags, Trace& trace) {
    const ssize_t n = asio_socket_proto<sock_type, Type>::recvmsg(sk, msg, flags, trace);
    scm_inflight::instance().sweep();
    return n;
  }

  /// ->release (unix_release_sock()): the queue goes with the socket, and
  /// with it the kvfs files in flight there, released once.
  static int release(sock_type& sk) {
    const int result = asio_socket_proto<sock_type, Type>::release(sk);
    scm_inflight::instance().sweep();
    return result;
  }

  /// ->socketpair (unix_socketpair()): the two sockets become one connected
  /// pair (here: a host socketpair(2) replaces them), keeping their
  /// non-blocking state.
  static int socketpair(sock_type& a, sock_type& b) {
    int fds[2] = {-1, -1};
    if (::socketpair(AF_UNIX, Type | SOCK_CLOEXEC, 0, fds) < 0) return -errno;
    const bool non_blocking = a.non_blocking();
    std::error_code ec;
    a.close(ec);
    b.close(ec);
    a.assign(Proto::protocol(), fds[0], ec);
    if (ec) {
      ::close(fds[0]);
      ::close(fds[1]);
      return -ec.value();
    }
    b.assign(Proto::protocol(), fds[1], ec);
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

  /// socketpair(AF_UNIX, Type): two connected descriptors.
  static auto pair(asio::io_context& io, int flags = 0) {
    using socket_descriptor = descriptor<sockfs<Proto>, no_trace>;
    sock_type first(io), second(io);
    if (const int error = socketpair(first, second); error < 0) {
      throw std::system_error(-error, std::system_category(), "kvfs pair of " + std::string(Proto::name));
    }
    std::error_code ec;
    auto a = asio_socket<Proto, Protocol, Type>::install(std::move(first), ec, flags, no_trace{});
    auto b = asio_socket<Proto, Protocol, Type>::install(std::move(second), ec, flags, no_trace{});
    if (ec) throw std::system_error(ec, "kvfs pair of " + std::string(Proto::name));
    return std::pair<socket_descriptor, socket_descriptor>{std::move(a), std::move(b)};
  }
};

}  // namespace detail

/// The Unix-domain stream protocol (the kernel's unix_stream_ops).
struct unix_stream : detail::unix_socket<unix_stream, asio::local::stream_protocol, SOCK_STREAM> {
  /// "unix" in the trace.
  static constexpr std::string_view name = "unix";
  /// A listening socket, whose accept() makes sockfs<unix_stream> descriptors.
  using acceptor = asio::local::stream_protocol::acceptor;
  /// Asio's protocol object.
  static asio::local::stream_protocol protocol() noexcept { return {}; }
};

/// The Unix-domain datagram protocol (the kernel's unix_dgram_ops):
/// datagrams kept whole, reliable and in order.
struct unix_dgram : detail::unix_socket<unix_dgram, asio::local::datagram_protocol, SOCK_DGRAM> {
  /// "unix_dgram" in the trace.
  static constexpr std::string_view name = "unix_dgram";
  /// Asio's protocol object.
  static asio::local::datagram_protocol protocol() noexcept { return {}; }
};

/// The Unix-domain sequenced-packet protocol (the kernel's
/// unix_seqpacket_ops): connections that keep each message's boundaries.
struct unix_seqpacket : detail::unix_socket<unix_seqpacket, asio::generic::seq_packet_protocol, SOCK_SEQPACKET> {
  /// "unix_seqpacket" in the trace.
  static constexpr std::string_view name = "unix_seqpacket";
  /// Asio's protocol object: AF_UNIX, SOCK_SEQPACKET.
  static asio::generic::seq_packet_protocol protocol() noexcept { return {AF_UNIX, 0}; }
};

}  // namespace kvfs
