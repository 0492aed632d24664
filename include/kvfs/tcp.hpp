// kvfs/tcp.hpp - sockfs over TCP, backed by standalone Asio.
//
//   asio::io_context io;
//   auto sock = kvfs::tcp::connect(io, {asio::ip::make_address("127.0.0.1"), port});
//   kvfs::write_all(sock, "hello\n");   // vfs_write → socket_file_ops.write_iter
//                                       //   → sock_sendmsg → tcp: sendmsg → send(2)
#pragma once

#include <kvfs/asio.hpp>
#include <kvfs/descriptor.hpp>
#include <kvfs/sockfs.hpp>
#include <kvfs/trace.hpp>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include <fcntl.h>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace kvfs {

/// The TCP protocol (the kernel's inet_stream_ops and tcp_prot), and how a
/// connected TCP socket becomes a descriptor.
struct tcp : asio_stream_proto<asio::ip::tcp::socket> {
  static constexpr std::string_view name = "tcp";
  using endpoint = asio::ip::tcp::endpoint;
  using acceptor = asio::ip::tcp::acceptor;

  /// socket(2) + connect(2): a connected descriptor. `flags` may hold
  /// O_NONBLOCK (SOCK_NONBLOCK) for a non-blocking socket.
  template <tracer Trace = no_trace>
  static descriptor<sockfs<tcp>, Trace> connect(asio::io_context& io, const endpoint& peer, std::error_code& ec,
                                                int flags = 0, Trace trace = {}) {
    trace.begin("socket", -1);
    trace.step("__sock_create");
    trace.step("tcp: create");
    sock_type sk(io);
    sk.connect(peer, ec);
    trace.step("asio connect ", peer_name(peer));
    return install(std::move(sk), ec, flags, std::move(trace));
  }

  template <tracer Trace = no_trace>
  static descriptor<sockfs<tcp>, Trace> connect(asio::io_context& io, const endpoint& peer, int flags = 0,
                                                Trace trace = {}) {
    std::error_code ec;
    auto d = connect(io, peer, ec, flags, std::move(trace));
    if (ec) throw std::system_error(ec, "kvfs::tcp::connect to " + peer_name(peer));
    return d;
  }

  /// accept4(2): the next connection of a listening acceptor.
  template <tracer Trace = no_trace>
  static descriptor<sockfs<tcp>, Trace> accept(acceptor& listener, std::error_code& ec, int flags = 0,
                                               Trace trace = {}) {
    trace.begin("accept4", static_cast<int>(listener.native_handle()));
    trace.step("__sys_accept4");
    trace.step("tcp: accept");
    sock_type sk(listener.get_executor());
    listener.accept(sk, ec);
    return install(std::move(sk), ec, flags, std::move(trace));
  }

  template <tracer Trace = no_trace>
  static descriptor<sockfs<tcp>, Trace> accept(acceptor& listener, int flags = 0, Trace trace = {}) {
    std::error_code ec;
    auto d = accept(listener, ec, flags, std::move(trace));
    if (ec) throw std::system_error(ec, "kvfs::tcp::accept");
    return d;
  }

 private:
  static std::string peer_name(const endpoint& peer) {
    return peer.address().to_string() + ":" + std::to_string(peer.port());
  }

  // sock_map_fd(): on success the socket becomes a file; on failure it is
  // released and nothing is installed.
  template <class Trace>
  static descriptor<sockfs<tcp>, Trace> install(sock_type sk, std::error_code& ec, int flags, Trace trace) {
    if (!ec && (flags & O_NONBLOCK) != 0) sk.non_blocking(true, ec);
    ec = detail::to_system_error(ec);
    if (ec) {
      trace.end(-ec.value());
      descriptor<sockfs<tcp>, Trace> failed(socket<tcp>{std::move(sk)}, O_RDWR);
      failed.release();  // __sock_release(): the caller gets a closed descriptor
      return failed;
    }
    trace.step("sock_map_fd");
    const int fd = sk.native_handle();
    auto d = sock_alloc_file<tcp>(std::move(sk), flags, std::move(trace));
    d.file().trace.step("install as descriptor<sockfs<tcp>>");
    d.file().trace.end(fd);
    return d;
  }
};

}  // namespace kvfs
