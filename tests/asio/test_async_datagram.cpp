// SPDX-License-Identifier: BSL-1.0
// Datagram sockets driven by Asio: async_send_to and async_receive_from
// with callbacks, coroutines and futures, on a static UDP descriptor and on
// a process's Unix datagram numbers; cancellation; zero-length datagrams.
#include <kvfs/asio/async_datagram.hpp>
#include <kvfs/kernel.hpp>
#include <kvfs/net.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/buffer.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>
#include <catch2/catch.hpp>

#include "support.hpp"

#include <sys/socket.h>

#include <array>
#include <chrono>
#include <string>
#include <thread>

using namespace std::chrono_literals;

namespace {

using udp_datagram = kvfs::async_datagram<kvfs::descriptor<kvfs::sockfs<kvfs::udp>>>;

asio::ip::udp::endpoint local_endpoint(udp_datagram& d) {
  asio::ip::udp::endpoint local;
  socklen_t len = static_cast<socklen_t>(local.capacity());
  REQUIRE(::getsockname(d.handle().vfs_host_fd(), local.data(), &len) == 0);
  local.resize(len);
  return local;
}

}  // namespace

TEST_CASE("async_send_to and async_receive_from: a UDP round trip in coroutines", "[async][dgram]") {
  kvfs_test::no_descriptor_leak leak_check;
  asio::io_context io;
  const asio::ip::udp::endpoint loopback{asio::ip::make_address("127.0.0.1"), 0};
  udp_datagram server(kvfs::udp::bind(io, loopback), io.get_executor());
  udp_datagram client(kvfs::udp::bind(io, loopback), io.get_executor());
  const auto server_addr = local_endpoint(server);
  std::string echoed;
  asio::ip::udp::endpoint reply_from;

  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        std::array<char, 64> buf{};
        asio::ip::udp::endpoint from;
        for (int i = 0; i < 2; ++i) {  // one datagram, then the zero-length one
          const std::size_t n = co_await server.async_receive_from(asio::buffer(buf), from, asio::use_awaitable);
          co_await server.async_send_to(asio::buffer(buf.data(), n), from, asio::use_awaitable);
        }
      },
      asio::detached);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        std::array<char, 64> buf{};
        co_await client.async_send_to(asio::buffer(std::string_view("ping")), server_addr, asio::use_awaitable);
        const std::size_t n = co_await client.async_receive_from(asio::buffer(buf), reply_from, asio::use_awaitable);
        echoed.assign(buf.data(), n);
        co_await client.async_send_to(asio::const_buffer(), server_addr, asio::use_awaitable);
        const std::size_t empty =
            co_await client.async_receive_from(asio::buffer(buf), reply_from, asio::use_awaitable);
        echoed += "|" + std::to_string(empty);
      },
      asio::detached);
  io.run_for(5s);
  CHECK(echoed == "ping|0");
  CHECK(reply_from == server_addr);
}

TEST_CASE("a waiting receive is cancelled; completion is never inline", "[async][dgram]") {
  kvfs_test::no_descriptor_leak leak_check;
  asio::io_context io;
  udp_datagram sock(kvfs::udp::bind(io, {asio::ip::make_address("127.0.0.1"), 0}), io.get_executor());
  std::array<char, 16> buf{};
  asio::ip::udp::endpoint from;
  asio::cancellation_signal cancel;
  std::error_code result;
  bool done = false;
  sock.async_receive_from(asio::buffer(buf), from,
                          asio::bind_cancellation_slot(cancel.slot(), [&](std::error_code ec, std::size_t) {
                            result = ec;
                            done = true;
                          }));
  io.run_for(20ms);
  CHECK_FALSE(done);
  cancel.emit(asio::cancellation_type::terminal);
  io.run_for(1s);
  CHECK(done);
  CHECK(result == asio::error::operation_aborted);

  // A send that can go at once still completes through the executor.
  bool sent = false;
  sock.async_send_to(asio::buffer(std::string_view("x")), local_endpoint(sock),
                     [&](std::error_code ec, std::size_t n) { sent = !ec && n == 1; });
  CHECK_FALSE(sent);
  io.restart();
  io.run_for(1s);
  CHECK(sent);
}

TEST_CASE("async_datagram on a process's numbers, with futures", "[async][dgram][table]") {
  kvfs_test::no_descriptor_leak leak_check;
  asio::io_context io;
  kvfs::process proc;
  kvfs::net_init(proc, io);
  std::array<int, 2> sv{};
  REQUIRE(proc.socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) == 0);
  {
    kvfs::async_datagram<kvfs::fd> a(kvfs::fd(proc, sv[0]), io.get_executor());
    kvfs::async_datagram<kvfs::fd> b(kvfs::fd(proc, sv[1]), io.get_executor());
    auto work = asio::make_work_guard(io);
    std::thread runner([&] { io.run(); });
    std::array<char, 16> buf{};
    auto received = b.async_receive(asio::buffer(buf), asio::use_future);
    auto sent = a.async_send(asio::buffer(std::string_view("whole")), asio::use_future);
    CHECK(sent.get() == 5);
    CHECK(received.get() == 5);
    CHECK(std::string(buf.data(), 5) == "whole");
    work.reset();
    io.stop();
    runner.join();
  }
  CHECK(proc.close(sv[0]) == 0);
  CHECK(proc.close(sv[1]) == 0);
}
