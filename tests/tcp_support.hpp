// SPDX-License-Identifier: BSL-1.0
// A connected pair of TCP descriptors on loopback, made the way a server
// and a client would: listen, connect, accept.
#pragma once

#include <kvfs/net/inet.hpp>

#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>
#include <asio/ip/tcp.hpp>

#include <utility>

namespace kvfs_test {

struct tcp_pair {
  using socket_descriptor = kvfs::descriptor<kvfs::sockfs<kvfs::tcp>>;

  explicit tcp_pair(const char* address = "127.0.0.1", int client_flags = 0)
      : listener(io, {asio::ip::make_address(address), 0}),
        client(kvfs::tcp::connect(io, listener.local_endpoint(), client_flags)),
        server(kvfs::tcp::accept(listener)) {}

  asio::io_context io;
  kvfs::tcp::acceptor listener;
  socket_descriptor client;
  socket_descriptor server;
};

}  // namespace kvfs_test
