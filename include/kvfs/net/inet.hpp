// SPDX-License-Identifier: BSL-1.0
// kvfs/net/inet.hpp - sockfs over TCP and UDP (net/ipv4, net/ipv6), backed
// by standalone Asio.
//
//   asio::io_context io;
//   auto sock = kvfs::tcp::connect(io, {asio::ip::make_address("127.0.0.1"), port});
//   kvfs::write_all(sock, "hello\n");   // vfs_write → socket_file_ops.write_iter
//                                       //   → __sock_sendmsg → tcp: sendmsg → send(2)
//
//   auto udp = kvfs::udp::bind(io, {asio::ip::make_address("127.0.0.1"), 0});
//   kvfs::sendto(udp, datagram, 0, peer);   // __sys_sendto → udp: sendmsg → sendmsg(2)
//
// The io_context must outlive the descriptors made with it.
#pragma once

#include <kvfs/net/detail/asio_socket.hpp>

#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>

#include <sys/socket.h>

#include <string_view>

namespace kvfs {

/// The TCP protocol (the kernel's inet_stream_ops and tcp_prot): its
/// sendmsg/recvmsg, and connect/accept that make sockfs<tcp> descriptors.
struct tcp : detail::asio_socket<tcp, asio::ip::tcp, SOCK_STREAM> {
  /// "tcp" in the trace.
  static constexpr std::string_view name = "tcp";
  /// ->family (inet_stream_ops.family).
  static constexpr int family = AF_INET;
  /// A listening socket, whose accept() makes sockfs<tcp> descriptors.
  using acceptor = asio::ip::tcp::acceptor;
};

/// The UDP protocol (the kernel's inet_dgram_ops and udp_prot): datagrams,
/// each sent and received whole; bind/connect make sockfs<udp> descriptors.
struct udp : detail::asio_socket<udp, asio::ip::udp, SOCK_DGRAM> {
  /// "udp" in the trace.
  static constexpr std::string_view name = "udp";
  /// ->family (inet_dgram_ops.family).
  static constexpr int family = AF_INET;
};

}  // namespace kvfs
