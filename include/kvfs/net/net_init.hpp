// SPDX-License-Identifier: BSL-1.0
// kvfs/net/net_init.hpp - the socket families of a process: inet_init() and
// af_unix_init() register TCP (AF_INET, AF_INET6) and Unix-domain stream
// sockets (AF_UNIX), so process::socket() can make them.
//
//   asio::io_context io;             // outlives the process's sockets
//   kvfs::process proc;
//   kvfs::net_init(proc, io);
//   const long fd = proc.socket(AF_INET, SOCK_STREAM, 0);
#pragma once

#include <kvfs/asio/stream.hpp>
#include <kvfs/kernel/process.hpp>
#include <kvfs/net/inet.hpp>
#include <kvfs/net/sockfs.hpp>
#include <kvfs/net/unix.hpp>

#include <asio/io_context.hpp>

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <system_error>

namespace kvfs {

namespace detail {
// The family's create: an unconnected socket of `Proto`, installed.
template <class Proto, class Protocol>
long create_socket(process& proc, asio::io_context& io, Protocol protocol, int flags) {
  typename Proto::sock_type sk(io);
  std::error_code ec;
  sk.open(protocol, ec);
  if (!ec && (flags & SOCK_NONBLOCK) != 0) sk.non_blocking(true, ec);
  if (ec) return kernel_result(0, ec);
  return proc.fd_install(sock_alloc_file<Proto>(std::move(sk), flags & SOCK_NONBLOCK), flags & SOCK_CLOEXEC);
}
}  // namespace detail

/// Registers the socket families kvfs implements with `proc`; their
/// sockets use `io`, which must outlive them.
inline void net_init(process& proc, asio::io_context& io) {
  // inet_create(): SOCK_STREAM is TCP; protocol 0 or IPPROTO_TCP.
  auto inet = [&io](process& p, int family, int protocol, int flags) -> long {
    if (protocol != 0 && protocol != IPPROTO_TCP) return -EPROTONOSUPPORT;
    return detail::create_socket<tcp>(p, io, family == AF_INET6 ? asio::ip::tcp::v6() : asio::ip::tcp::v4(), flags);
  };
  proc.sock_register(AF_INET, SOCK_STREAM, inet);
  proc.sock_register(AF_INET6, SOCK_STREAM, inet);
  // unix_create(): protocol 0 or PF_UNIX.
  proc.sock_register(AF_UNIX, SOCK_STREAM, [&io](process& p, int, int protocol, int flags) -> long {
    if (protocol != 0 && protocol != PF_UNIX) return -EPROTONOSUPPORT;
    return detail::create_socket<unix_stream>(p, io, asio::local::stream_protocol(), flags);
  });
}

}  // namespace kvfs
