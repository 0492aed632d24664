// SPDX-License-Identifier: BSL-1.0
// kvfs/net/detail/asio_socket.hpp - what every Asio socket protocol
// shares: how a socket of it becomes a sockfs descriptor (connect; accept
// for connection types; bind for datagrams). kvfs::tcp, kvfs::udp and the
// Unix-domain protocols derive from it.
#pragma once

#include <kvfs/asio/stream.hpp>
#include <kvfs/descriptor.hpp>
#include <kvfs/net/detail/asio_socket_proto.hpp>
#include <kvfs/net/sockfs.hpp>
#include <kvfs/trace.hpp>

#include <asio/io_context.hpp>

#include <fcntl.h>

#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace kvfs::detail {

/// `Proto` is the derived protocol (CRTP); `Protocol` is Asio's; `Type` is
/// the socket type: SOCK_STREAM and SOCK_SEQPACKET connect and accept,
/// SOCK_DGRAM sockets are bound (or connected) and exchange datagrams.
template <class Proto, class Protocol, int Type>
struct asio_socket : asio_socket_proto<typename Protocol::socket, Type> {
  using sock_type = typename Protocol::socket;
  using endpoint = typename Protocol::endpoint;
  template <class Trace>
  using socket_descriptor = descriptor<sockfs<Proto>, Trace>;
  // The proto_ops members of the same names (on a socket object) stay visible.
  using asio_socket_proto<sock_type, Type>::connect;
  using asio_socket_proto<sock_type, Type>::accept;
  using asio_socket_proto<sock_type, Type>::bind;

  /// socket(2) + connect(2): a connected descriptor. `flags` may hold
  /// O_NONBLOCK (SOCK_NONBLOCK) for a non-blocking socket.
  template <tracer Trace = no_trace>
  static socket_descriptor<Trace> connect(asio::io_context& io, const endpoint& peer, std::error_code& ec,
                                          int flags = 0, Trace trace = {}) {
    trace.begin("socket", -1);
    trace.step("__sock_create");
    trace.step(Proto::name, ": create");
    sock_type sk(io);
    sk.connect(peer, ec);
    trace.step("asio connect ", endpoint_name(peer));
    return install(std::move(sk), ec, flags, std::move(trace));
  }

  template <tracer Trace = no_trace>
  static socket_descriptor<Trace> connect(asio::io_context& io, const endpoint& peer, int flags = 0, Trace trace = {}) {
    std::error_code ec;
    auto d = connect(io, peer, ec, flags, std::move(trace));
    if (ec) throw std::system_error(ec, std::string("kvfs connect to ") + endpoint_name(peer));
    return d;
  }

  /// socket(2) + bind(2): a datagram socket with the local address `local`
  /// (port 0: the kernel picks one; getsockname tells).
  template <tracer Trace = no_trace>
  static socket_descriptor<Trace> bind(asio::io_context& io, const endpoint& local, std::error_code& ec, int flags = 0,
                                       Trace trace = {}) requires(Type == SOCK_DGRAM) {
    trace.begin("socket", -1);
    trace.step("__sock_create");
    trace.step(Proto::name, ": create");
    sock_type sk(io);
    sk.open(local.protocol(), ec);
    if (!ec) sk.bind(local, ec);
    trace.step("asio bind ", endpoint_name(local));
    return install(std::move(sk), ec, flags, std::move(trace));
  }

  template <tracer Trace = no_trace>
  static socket_descriptor<Trace> bind(asio::io_context& io, const endpoint& local, int flags = 0,
                                       Trace trace = {}) requires(Type == SOCK_DGRAM) {
    std::error_code ec;
    auto d = bind(io, local, ec, flags, std::move(trace));
    if (ec) throw std::system_error(ec, std::string("kvfs bind to ") + endpoint_name(local));
    return d;
  }

  /// accept4(2): the next connection of a listening acceptor.
  template <tracer Trace = no_trace, class P = Protocol>
  static socket_descriptor<Trace> accept(typename P::acceptor& listener, std::error_code& ec, int flags = 0,
                                         Trace trace = {}) requires(Type != SOCK_DGRAM) {
    trace.begin("accept4", static_cast<int>(listener.native_handle()));
    trace.step("__sys_accept4");
    trace.step(Proto::name, ": accept");
    sock_type sk(listener.get_executor());
    listener.accept(sk, ec);
    return install(std::move(sk), ec, flags, std::move(trace));
  }

  template <tracer Trace = no_trace, class P = Protocol>
  static socket_descriptor<Trace> accept(typename P::acceptor& listener, int flags = 0,
                                         Trace trace = {}) requires(Type != SOCK_DGRAM) {
    std::error_code ec;
    auto d = accept(listener, ec, flags, std::move(trace));
    if (ec) throw std::system_error(ec, "kvfs accept");
    return d;
  }

  // sock_map_fd(): on success the socket becomes a file; on failure it is
  // released and the caller gets a closed descriptor.
  template <class Trace>
  static socket_descriptor<Trace> install(sock_type sk, std::error_code& ec, int flags, Trace trace) {
    if (!ec && (flags & O_NONBLOCK) != 0) sk.non_blocking(true, ec);
    ec = to_system_error(ec);
    if (ec) {
      trace.end(-ec.value());
      socket_descriptor<Trace> failed(socket<Proto>{std::move(sk)}, O_RDWR);
      failed.release();  // __sock_release()
      return failed;
    }
    trace.step("sock_map_fd");
    const int fd = sk.native_handle();
    auto d = sock_alloc_file<Proto>(std::move(sk), flags, std::move(trace));
    d.file().trace.step("install as descriptor<sockfs<", Proto::name, ">>");
    d.file().trace.end(fd);
    return d;
  }

 private:
  static std::string endpoint_name(const endpoint& peer) {
    std::ostringstream name;
    name << peer;
    return name.str();
  }
};

}  // namespace kvfs::detail
