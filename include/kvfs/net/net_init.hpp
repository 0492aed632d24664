// SPDX-License-Identifier: BSL-1.0
// kvfs/net/net_init.hpp - the socket families of a process: inet_init() and
// af_unix_init() register TCP and UDP (AF_INET, AF_INET6) and Unix-domain
// stream, datagram and sequenced-packet sockets (AF_UNIX), so
// process::socket() and socketpair() can make them.
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
// The family's create: an unconnected socket of `Proto`, made on the host
// (non-blocking if SOCK_NONBLOCK), into `args.sock`.
template <class Proto, class Args, class Protocol>
int create_socket(Args& args, asio::io_context& io, Protocol protocol) {
  typename Proto::sock_type sk(io);
  std::error_code ec;
  sk.open(protocol, ec);
  if (!ec && (args.flags & SOCK_NONBLOCK) != 0) sk.non_blocking(true, ec);
  if (ec) return static_cast<int>(kernel_result(0, ec));
  args.sock.emplace(any_proto::sock_type::of<Proto>(std::move(sk)));
  return 0;
}
}  // namespace detail

/// Registers the socket families kvfs implements with `proc` (inet_init(),
/// af_unix_init()); their sockets use `io`, which must outlive them.
inline void net_init(process& proc, asio::io_context& io) {
  using args = process::sock_create_args;
  // inet_create() (net/ipv4/af_inet.c): the type's entry of inetsw, whose
  // protocol must match unless 0 (EPROTONOSUPPORT).
  auto inet_stream = [&io](args& a) -> int {
    a.trace.step("inet_create");
    if (a.protocol != 0 && a.protocol != IPPROTO_TCP) return -EPROTONOSUPPORT;
    return detail::create_socket<tcp>(a, io, a.family == AF_INET6 ? asio::ip::tcp::v6() : asio::ip::tcp::v4());
  };
  auto inet_dgram = [&io](args& a) -> int {
    a.trace.step("inet_create");
    if (a.protocol != 0 && a.protocol != IPPROTO_UDP) return -EPROTONOSUPPORT;
    return detail::create_socket<udp>(a, io, a.family == AF_INET6 ? asio::ip::udp::v6() : asio::ip::udp::v4());
  };
  for (const int family : {AF_INET, AF_INET6}) {
    proc.sock_register(family, SOCK_STREAM, inet_stream);
    proc.sock_register(family, SOCK_DGRAM, inet_dgram);
  }
  // unix_create() (net/unix/af_unix.c): protocol 0 or PF_UNIX; SOCK_RAW is
  // taken as SOCK_DGRAM.
  const auto unix_create = [&io]<class Proto>(Proto) {
    return [&io](args& a) -> int {
      a.trace.step("unix_create");
      if (a.protocol != 0 && a.protocol != PF_UNIX) return -EPROTONOSUPPORT;
      return detail::create_socket<Proto>(a, io, Proto::protocol());
    };
  };
  proc.sock_register(AF_UNIX, SOCK_STREAM, unix_create(unix_stream{}));
  proc.sock_register(AF_UNIX, SOCK_DGRAM, unix_create(unix_dgram{}));
  proc.sock_register(AF_UNIX, SOCK_RAW, unix_create(unix_dgram{}));
  proc.sock_register(AF_UNIX, SOCK_SEQPACKET, unix_create(unix_seqpacket{}));
}

}  // namespace kvfs
