// SPDX-License-Identifier: BSL-1.0
// UDP on loopback: a 64-byte and a 1400-byte datagram sent and its echo
// received (one round trip per iteration), by raw sendto/recvfrom, Asio's
// udp::socket, descriptor<sockfs<udp>> through kvfs::sendto/recvfrom, and
// the descriptor table; the echo is a thread with raw calls, the same for
// all four.
#include <kvfs/kernel.hpp>
#include <kvfs/net.hpp>

#include <asio/buffer.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>
#include <asio/ip/udp.hpp>

#include <benchmark/benchmark.h>

#include <sys/socket.h>

#include <array>
#include <thread>
#include <vector>

namespace {

const asio::ip::udp::endpoint loopback{asio::ip::make_address("127.0.0.1"), 0};

asio::ip::udp::endpoint local_endpoint(int fd) {
  asio::ip::udp::endpoint local;
  socklen_t len = static_cast<socklen_t>(local.capacity());
  ::getsockname(fd, local.data(), &len);
  local.resize(len);
  return local;
}

// A client socket and an echo thread on a socket of its own; the echo ends
// at a zero-length datagram.
struct echo_pair {
  echo_pair()
      : client(kvfs::udp::bind(io, loopback)),
        echo(kvfs::udp::bind(io, loopback)),
        echo_addr(local_endpoint(echo.native_handle())),
        echoer([this] {
          std::array<char, 2048> buf{};
          const int fd = echo.native_handle();
          for (;;) {
            ::sockaddr_storage from{};
            socklen_t len = sizeof from;
            const ssize_t n = ::recvfrom(fd, buf.data(), buf.size(), 0, reinterpret_cast<::sockaddr*>(&from), &len);
            if (n <= 0) return;
            ::sendto(fd, buf.data(), static_cast<std::size_t>(n), 0, reinterpret_cast<::sockaddr*>(&from), len);
          }
        }) {}
  ~echo_pair() {
    ::sendto(client.native_handle(), nullptr, 0, 0, echo_addr.data(), static_cast<socklen_t>(echo_addr.size()));
    echoer.join();
  }
  asio::io_context io;
  kvfs::descriptor<kvfs::sockfs<kvfs::udp>> client;
  kvfs::descriptor<kvfs::sockfs<kvfs::udp>> echo;
  asio::ip::udp::endpoint echo_addr;
  std::thread echoer;
};

void udp_raw(benchmark::State& state) {
  echo_pair pair;
  std::vector<std::byte> message(static_cast<std::size_t>(state.range(0))), reply(2048);
  const int fd = pair.client.native_handle();
  for (auto _ : state) {
    ::sendto(fd, message.data(), message.size(), 0, pair.echo_addr.data(),
             static_cast<socklen_t>(pair.echo_addr.size()));
    ::sockaddr_storage from{};
    socklen_t len = sizeof from;
    benchmark::DoNotOptimize(::recvfrom(fd, reply.data(), reply.size(), 0, reinterpret_cast<::sockaddr*>(&from), &len));
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
void udp_asio(benchmark::State& state) {
  echo_pair pair;
  std::vector<std::byte> message(static_cast<std::size_t>(state.range(0))), reply(2048);
  auto& socket = pair.client.private_data().sk;
  asio::ip::udp::endpoint from;
  std::error_code ec;
  for (auto _ : state) {
    socket.send_to(asio::buffer(message), pair.echo_addr, 0, ec);
    benchmark::DoNotOptimize(socket.receive_from(asio::buffer(reply), from, 0, ec));
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
void udp_static(benchmark::State& state) {
  echo_pair pair;
  std::vector<std::byte> message(static_cast<std::size_t>(state.range(0))), reply(2048);
  asio::ip::udp::endpoint from;
  std::error_code ec;
  for (auto _ : state) {
    kvfs::sendto(pair.client, message, 0, pair.echo_addr, ec);
    benchmark::DoNotOptimize(kvfs::recvfrom(pair.client, reply, 0, from, ec));
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
void udp_table(benchmark::State& state) {
  echo_pair pair;
  std::vector<std::byte> message(static_cast<std::size_t>(state.range(0))), reply(2048);
  kvfs::process proc;
  const int fd = proc.fd_install(kvfs::udp::bind(pair.io, loopback));  // the echo answers whoever sent
  for (auto _ : state) {
    proc.sendto(fd, message, 0, pair.echo_addr.data(), static_cast<socklen_t>(pair.echo_addr.size()));
    ::sockaddr_storage from{};
    socklen_t len = sizeof from;
    benchmark::DoNotOptimize(proc.recvfrom(fd, reply, 0, reinterpret_cast<::sockaddr*>(&from), &len));
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

}  // namespace

BENCHMARK(udp_raw)->Arg(64)->Arg(1400);
BENCHMARK(udp_asio)->Arg(64)->Arg(1400);
BENCHMARK(udp_static)->Arg(64)->Arg(1400);
BENCHMARK(udp_table)->Arg(64)->Arg(1400);

BENCHMARK_MAIN();
