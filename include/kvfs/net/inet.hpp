// SPDX-License-Identifier: BSL-1.0
// kvfs/net/inet.hpp - sockfs over TCP (net/ipv4, net/ipv6), backed by
// standalone Asio.
//
//   asio::io_context io;
//   auto sock = kvfs::tcp::connect(io, {asio::ip::make_address("127.0.0.1"), port});
//   kvfs::write_all(sock, "hello\n");   // vfs_write → socket_file_ops.write_iter
//                                       //   → __sock_sendmsg → tcp: sendmsg → send(2)
//
// The io_context must outlive the descriptors made with it.
#pragma once

#include <kvfs/net/detail/asio_stream_socket.hpp>

#include <asio/ip/tcp.hpp>

#include <string_view>

namespace kvfs {

/// The TCP protocol (the kernel's inet_stream_ops and tcp_prot): its
/// sendmsg/recvmsg, and connect/accept that make sockfs<tcp> descriptors.
struct tcp : detail::asio_stream_socket<tcp, asio::ip::tcp> {
  /// "tcp" in the trace.
  static constexpr std::string_view name = "tcp";
};

}  // namespace kvfs
