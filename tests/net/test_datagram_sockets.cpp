// SPDX-License-Identifier: BSL-1.0
// Datagram sockets on the static path: descriptor<sockfs<udp>>,
// unix_dgram and unix_seqpacket pairs, the generic kvfs::sendto, recvfrom,
// sendmsg and recvmsg (on a static descriptor and a process's kvfs::fd
// alike), the trace, and threads sending on one socket.
#include <kvfs/kernel.hpp>
#include <kvfs/net.hpp>

#include <catch2/catch.hpp>

#include "support.hpp"

#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>

#include <sys/socket.h>

#include <array>
#include <cstring>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using kvfs_test::bytes;

namespace {

const asio::ip::udp::endpoint any_loopback_port{asio::ip::make_address("127.0.0.1"), 0};

asio::ip::udp::endpoint local_endpoint(auto& d) {
  asio::ip::udp::endpoint local;
  socklen_t len = static_cast<socklen_t>(local.capacity());
  REQUIRE(::getsockname(d.vfs_host_fd(), local.data(), &len) == 0);
  local.resize(len);
  return local;
}

}  // namespace

TEST_CASE("UDP on the static path: sendto and recvfrom with Asio endpoints", "[sockfs][dgram]") {
  kvfs_test::no_descriptor_leak leak_check;
  asio::io_context io;
  auto a = kvfs::udp::bind(io, any_loopback_port);
  auto b = kvfs::udp::bind(io, any_loopback_port);
  STATIC_REQUIRE(kvfs::socket_descriptor<decltype(a)>);
  STATIC_REQUIRE(kvfs::datagram_descriptor<decltype(a)>);
  STATIC_REQUIRE(kvfs::datagram_descriptor<kvfs::descriptor<kvfs::sockfs<kvfs::unix_seqpacket>>>);
  STATIC_REQUIRE_FALSE(kvfs::datagram_descriptor<kvfs::descriptor<kvfs::sockfs<kvfs::tcp>>>);
  STATIC_REQUIRE(kvfs::datagram_descriptor<kvfs::fd>);  // decided at run time
  const auto b_addr = local_endpoint(b);

  CHECK(kvfs::sendto(a, bytes("first"), 0, b_addr) == 5);
  CHECK(kvfs::sendto(a, bytes("second"), 0, b_addr) == 6);
  std::array<std::byte, 32> buf{};
  asio::ip::udp::endpoint from;
  REQUIRE(kvfs::recvfrom(b, buf, 0, from) == 5);
  CHECK(kvfs_test::text(std::span(buf).first(5)) == "first");
  CHECK(from == local_endpoint(a));
  CHECK(kvfs::read(b, buf) == 6);  // read(2) takes one datagram too

  // An unconnected send has no destination: the kernel's EDESTADDRREQ.
  std::error_code ec;
  kvfs::write(a, bytes("x"), ec);
  CHECK(ec == kvfs_test::errno_code(EDESTADDRREQ));
  ec.clear();
  kvfs::sendto(a, bytes("x"), 0, nullptr, 0, ec);
  CHECK(ec == kvfs_test::errno_code(EDESTADDRREQ));
  CHECK_THROWS_AS(kvfs::sendto(a, bytes("x"), 0, nullptr, 0), std::system_error);

  // connect(2) makes write(2) a datagram to the peer.
  auto c = kvfs::udp::connect(io, b_addr);
  CHECK(kvfs::write(c, bytes("connected")) == 9);
  CHECK(kvfs::recvfrom(b, buf, 0, from) == 9);
  CHECK(from == local_endpoint(c));
}

TEST_CASE("recvmsg reports the sender, MSG_TRUNC and the ancillary data's length", "[sockfs][dgram]") {
  kvfs_test::no_descriptor_leak leak_check;
  asio::io_context io;
  auto a = kvfs::udp::bind(io, any_loopback_port);
  auto b = kvfs::udp::bind(io, any_loopback_port);
  const auto b_addr = local_endpoint(b);
  const int on = 1;
  kvfs::setsockopt(b, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);

  // sendmsg gathers two segments into one datagram.
  std::string head = "head-", tail = "tail";
  std::array<::iovec, 2> out{::iovec{head.data(), head.size()}, ::iovec{tail.data(), tail.size()}};
  ::msghdr msg{};
  msg.msg_name = const_cast<::sockaddr*>(b_addr.data());
  msg.msg_namelen = static_cast<socklen_t>(b_addr.size());
  msg.msg_iov = out.data();
  msg.msg_iovlen = out.size();
  CHECK(kvfs::sendmsg(a, msg) == 9);

  std::array<char, 4> small{};
  ::iovec in{small.data(), small.size()};
  ::sockaddr_storage from{};
  alignas(::cmsghdr) std::array<char, 256> control{};
  ::msghdr got{};
  got.msg_name = &from;
  got.msg_namelen = sizeof from;
  got.msg_iov = &in;
  got.msg_iovlen = 1;
  got.msg_control = control.data();
  got.msg_controllen = control.size();
  CHECK(kvfs::recvmsg(b, got) == 4);
  CHECK(std::string(small.data(), 4) == "head");
  CHECK((got.msg_flags & MSG_TRUNC) != 0);
  CHECK(got.msg_namelen == sizeof(::sockaddr_in));
  CHECK(std::memcmp(&from, local_endpoint(a).data(), sizeof(::sockaddr_in)) == 0);
  const ::cmsghdr* cmsg = CMSG_FIRSTHDR(&got);
  REQUIRE(cmsg != nullptr);
  CHECK(cmsg->cmsg_level == IPPROTO_IP);
  CHECK(cmsg->cmsg_type == IP_PKTINFO);
}

TEST_CASE("Unix datagram and sequenced-packet pairs keep each message whole", "[sockfs][dgram]") {
  kvfs_test::no_descriptor_leak leak_check;
  asio::io_context io;
  auto [a, b] = kvfs::unix_dgram::pair(io);
  CHECK(kvfs::write(a, bytes("one")) == 3);
  CHECK(kvfs::write(a, bytes("three")) == 5);
  std::array<std::byte, 16> buf{};
  CHECK(kvfs::read(b, buf) == 3);
  CHECK(kvfs::read(b, buf) == 5);

  auto [p, q] = kvfs::unix_seqpacket::pair(io);
  CHECK(kvfs::write(p, bytes("packet")) == 6);
  CHECK(kvfs::recvfrom(q, std::span(buf).first(2), MSG_TRUNC, nullptr, nullptr) == 6);
  kvfs::close(p);
  CHECK(kvfs::read(q, buf) == 0);  // the peer's close is end of file
}

TEST_CASE("the generic message calls work on a process's numbers too, traced", "[sockfs][dgram][table]") {
  kvfs_test::no_descriptor_leak leak_check;
  asio::io_context io;
  std::ostringstream log;
  kvfs::process proc;
  kvfs::net_init(proc, io);
  proc.trace_to(log);
  std::array<int, 2> sv{};
  REQUIRE(proc.socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) == 0);
  kvfs::fd a(proc, sv[0]), b(proc, sv[1]);
  STATIC_REQUIRE(kvfs::socket_descriptor<kvfs::fd>);
  log.str("");
  CHECK(kvfs::sendto(a, bytes("datagram"), 0, nullptr, 0) == 8);
  CHECK(log.str() == "sendto(fd " + std::to_string(sv[0]) +
                         ") -> __sys_sendto -> sockfd_lookup_light -> __sock_sendmsg -> sock_sendmsg_nosec -> "
                         "sock->ops: sendmsg -> unix_dgram: sendmsg -> send(2) = 8\n");
  std::array<std::byte, 16> buf{};
  ::iovec in{buf.data(), buf.size()};
  ::msghdr msg{};
  msg.msg_iov = &in;
  msg.msg_iovlen = 1;
  CHECK(kvfs::recvmsg(b, msg) == 8);
  CHECK(msg.msg_flags == 0);
  kvfs::close(a);
  kvfs::close(b);
}

TEST_CASE("threads sending datagrams on one socket: none lost, none duplicated, each whole",
          "[sockfs][dgram][threads]") {
  kvfs_test::no_descriptor_leak leak_check;
  asio::io_context io;
  auto pair = kvfs::unix_dgram::pair(io);  // reliable: a full queue blocks the sender
  auto& sender = pair.first;
  auto& receiver = pair.second;
  constexpr int threads = 4, per_thread = 500;
  constexpr std::size_t size = 48;
  std::set<std::string> seen;
  bool all_whole = true;
  std::thread reader([&] {
    std::array<char, 2 * size> buf{};
    for (int i = 0; i < threads * per_thread; ++i) {
      const std::size_t n = kvfs::read(receiver, std::span(buf));
      all_whole = all_whole && n == size && std::string(buf.data() + 20, size - 20) == std::string(size - 20, '.');
      seen.insert(std::string(buf.data(), 20));
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < threads; ++t) {
    writers.emplace_back([&sender, t] {
      for (int i = 0; i < per_thread; ++i) {
        std::string datagram = "t" + std::to_string(t) + " n" + std::to_string(i);
        datagram.resize(20, ' ');
        datagram.resize(size, '.');
        kvfs::sendto(sender, bytes(datagram), 0, nullptr, 0);
      }
    });
  }
  for (std::thread& w : writers) w.join();
  reader.join();
  CHECK(all_whole);
  CHECK(seen.size() == static_cast<std::size_t>(threads * per_thread));
}
