// SPDX-License-Identifier: BSL-1.0
// Datagram sockets and the message calls, differential: the real kernel and
// kvfs's process answer alike. UDP on loopback (IPv4 and IPv6), Unix
// datagram and sequenced-packet sockets; sendto/recvfrom/sendmsg/recvmsg
// with their checks in net/socket.c's order; boundaries kept, MSG_TRUNC,
// MSG_PEEK, MSG_DONTWAIT, EDESTADDRREQ, EMSGSIZE, connect filtering the
// peer and AF_UNSPEC dissolving it, ECONNREFUSED after a port unreachable,
// zero-length datagrams.
#include <catch2/catch.hpp>

#include "differential.hpp"
#include "support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

using kvfs_test::bytes;
using kvfs_test::differential;
using kvfs_test::ignore_sigpipe;
using kvfs_test::observations;
using kvfs_test::temp_dir;

namespace {

// A loopback address of `family` with port 0 (the kernel picks one).
::sockaddr_storage loopback(int family) {
  ::sockaddr_storage ss{};
  if (family == AF_INET) {
    auto& in = reinterpret_cast<::sockaddr_in&>(ss);
    in.sin_family = AF_INET;
    in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  } else {
    auto& in6 = reinterpret_cast<::sockaddr_in6&>(ss);
    in6.sin6_family = AF_INET6;
    in6.sin6_addr = in6addr_loopback;
  }
  return ss;
}

socklen_t length_of(int family) { return family == AF_INET ? sizeof(::sockaddr_in) : sizeof(::sockaddr_in6); }

::sockaddr* as_sockaddr(::sockaddr_storage& ss) { return reinterpret_cast<::sockaddr*>(&ss); }

// A UDP socket bound to loopback, and its address.
long bound_udp(auto& sys, int family, ::sockaddr_storage& addr) {
  const long fd = sys.socket(family, SOCK_DGRAM, 0);
  addr = loopback(family);
  socklen_t len = length_of(family);
  sys.bind(static_cast<int>(fd), as_sockaddr(addr), len);
  sys.getsockname(static_cast<int>(fd), as_sockaddr(addr), &len);
  return fd;
}

// The next datagram, as "length:text" (or "error N"); then the next.
std::string received(auto& sys, int fd, std::size_t size = 64, int flags = MSG_DONTWAIT) {
  std::vector<std::byte> buf(size);
  const long n = sys.recv(fd, buf, flags);
  if (n < 0) return "error " + std::to_string(-n);
  return std::to_string(n) + ":" + kvfs_test::text(std::span(buf).first(std::min<std::size_t>(n, size)));
}
std::string received_two(auto& sys, int fd) {
  std::string first = received(sys, fd);
  return first + " " + received(sys, fd);
}

void udp_scenario(auto& sys, observations& seen, int family) {
  ::sockaddr_storage a_addr{}, b_addr{}, c_addr{};
  const int a = static_cast<int>(bound_udp(sys, family, a_addr));
  const int b = static_cast<int>(bound_udp(sys, family, b_addr));
  const int c = static_cast<int>(bound_udp(sys, family, c_addr));
  const socklen_t len = length_of(family);

  seen("send on an unconnected socket", sys.send(a, bytes("lost")));
  seen("sendto b", sys.sendto(a, bytes("ab"), 0, as_sockaddr(b_addr), len));
  seen("sendto b again", sys.sendto(a, bytes("cde"), 0, as_sockaddr(b_addr), len));
  seen("a zero-length datagram", sys.sendto(a, {}, 0, as_sockaddr(b_addr), len));
  seen.text("boundaries kept", received_two(sys, b));
  seen.text("the zero-length datagram", received(sys, b));
  seen.text("nothing more (MSG_DONTWAIT)", received(sys, b));

  // recvfrom: the sender's address, cut to the caller's length.
  sys.sendto(a, bytes("from a"), 0, as_sockaddr(b_addr), len);
  ::sockaddr_storage from{};
  socklen_t from_len = sizeof from;
  std::array<std::byte, 16> buf{};
  seen("recvfrom", sys.recvfrom(b, buf, 0, as_sockaddr(from), &from_len));
  seen("recvfrom's address length", from_len);
  seen.fact("recvfrom's address is a's", std::memcmp(&from, &a_addr, len) == 0);
  sys.sendto(a, bytes("short"), 0, as_sockaddr(b_addr), len);
  ::sockaddr_storage cut{};
  socklen_t cut_len = 4;
  seen("recvfrom with a 4-byte address buffer", sys.recvfrom(b, buf, 0, as_sockaddr(cut), &cut_len));
  seen("the full length reported", cut_len);
  sys.sendto(a, bytes("taken"), 0, as_sockaddr(b_addr), len);
  socklen_t negative = static_cast<socklen_t>(-1);
  seen("recvfrom with a negative address length", sys.recvfrom(b, buf, 0, as_sockaddr(from), &negative));
  seen.text("the datagram was taken anyway", received(sys, b));

  // MSG_TRUNC and MSG_PEEK.
  sys.sendto(a, bytes("0123456789"), 0, as_sockaddr(b_addr), len);
  seen.text("MSG_PEEK", received(sys, b, 4, MSG_PEEK | MSG_DONTWAIT));
  seen("MSG_TRUNC returns the datagram's length", sys.recv(b, std::span(buf).first(4), MSG_TRUNC));
  sys.sendto(a, bytes("0123456789"), 0, as_sockaddr(b_addr), len);
  std::array<char, 4> small{};
  ::iovec segment{small.data(), small.size()};
  ::msghdr msg{};
  msg.msg_iov = &segment;
  msg.msg_iovlen = 1;
  msg.msg_name = &from;
  msg.msg_namelen = sizeof from;
  seen("recvmsg into 4 bytes", sys.recvmsg(b, msg, 0));
  seen.fact("recvmsg's msg_flags has MSG_TRUNC", (msg.msg_flags & MSG_TRUNC) != 0);
  seen("recvmsg's msg_namelen", msg.msg_namelen);
  seen.fact("recvmsg's msg_name is a's", std::memcmp(&from, &a_addr, len) == 0);

  // sendto's and sendmsg's checks.
  seen("sendto with a 200-byte address", sys.sendto(a, bytes("x"), 0, as_sockaddr(b_addr), 200));
  seen("sendto with a negative address length",
       sys.sendto(a, bytes("x"), 0, as_sockaddr(b_addr), static_cast<socklen_t>(-1)));
  const std::string huge(70'000, 'x');
  seen("sendto of 70000 bytes", sys.sendto(a, bytes(huge), 0, as_sockaddr(b_addr), len));
  std::array<char, 1> one{'z'};
  std::vector<::iovec> many(1025, ::iovec{one.data(), 1});
  ::msghdr too_many{};
  too_many.msg_iov = many.data();
  too_many.msg_iovlen = many.size();
  too_many.msg_name = &b_addr;
  too_many.msg_namelen = len;
  seen("sendmsg with 1025 segments", sys.sendmsg(a, too_many, 0));
  ::msghdr bad_name = too_many;
  bad_name.msg_iovlen = 1;
  bad_name.msg_namelen = static_cast<socklen_t>(-1);
  seen("sendmsg with a negative msg_namelen", sys.sendmsg(a, bad_name, 0));
  ::msghdr two_segments = too_many;
  two_segments.msg_iovlen = 2;
  seen("sendmsg of two segments", sys.sendmsg(a, two_segments, 0));
  seen.text("one datagram of both", received(sys, b));
  seen("listen on UDP", sys.listen(a, 1));
  seen("accept on UDP", sys.accept4(a, 0));

  // connect filters the peer; AF_UNSPEC dissolves it.
  seen("connect b to a", sys.connect(b, as_sockaddr(a_addr), len));
  seen("c sends to b", sys.sendto(c, bytes("from c"), 0, as_sockaddr(b_addr), len));
  seen("a sends to b", sys.sendto(a, bytes("from a"), 0, as_sockaddr(b_addr), len));
  seen.text("b hears a only", received_two(sys, b));
  seen("send to the connected peer", sys.send(b, bytes("reply")));
  seen.text("a hears it", received(sys, a));
  ::sockaddr unspec{};
  unspec.sa_family = AF_UNSPEC;
  seen("connect(AF_UNSPEC)", sys.connect(b, &unspec, sizeof unspec));
  seen("send after the peer is dissolved", sys.send(b, bytes("lost")));

  // A port nobody listens on: the next call reports the ICMP error.
  sys.close(c);
  seen("connect to a closed port", sys.connect(a, as_sockaddr(c_addr), len));
  seen("send to it", sys.send(a, bytes("anyone?")));
  ::usleep(20'000);  // the port unreachable comes back over loopback
  seen.text("then ECONNREFUSED", received(sys, a));
  sys.close(a);
  sys.close(b);
}

}  // namespace

TEST_CASE("UDP over IPv4 loopback: datagrams, addresses and the message calls' checks",
          "[conformance][table][sockfs][dgram]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential([](auto& sys, const temp_dir&, observations& seen) { udp_scenario(sys, seen, AF_INET); }, 0, false);
}

TEST_CASE("UDP over IPv6 loopback", "[conformance][table][sockfs][dgram]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential([](auto& sys, const temp_dir&, observations& seen) { udp_scenario(sys, seen, AF_INET6); }, 0, false);
}

TEST_CASE("socket(2) for datagram types: protocols, SOCK_RAW on AF_UNIX, SO_TYPE",
          "[conformance][table][sockfs][dgram]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential(
      [](auto& sys, const temp_dir&, observations& seen) {
        seen("AF_INET, SOCK_DGRAM, IPPROTO_TCP", sys.socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP));
        seen("AF_INET, SOCK_STREAM, IPPROTO_UDP", sys.socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
        for (const auto& [label, family, type, protocol] :
             {std::tuple{"AF_INET, SOCK_DGRAM, IPPROTO_UDP", AF_INET, SOCK_DGRAM, int{IPPROTO_UDP}},
              std::tuple{"AF_INET6, SOCK_DGRAM, 0", AF_INET6, SOCK_DGRAM, 0},
              std::tuple{"AF_UNIX, SOCK_DGRAM, 0", AF_UNIX, SOCK_DGRAM, 0},
              std::tuple{"AF_UNIX, SOCK_RAW, 0", AF_UNIX, SOCK_RAW, 0},
              std::tuple{"AF_UNIX, SOCK_SEQPACKET, 0", AF_UNIX, SOCK_SEQPACKET, 0}}) {
          const long fd = sys.socket(family, type, protocol);
          seen.fact(std::string(label) + " made", fd >= 0);
          int so_type = -1;
          socklen_t len = sizeof so_type;
          sys.getsockopt(static_cast<int>(fd), SOL_SOCKET, SO_TYPE, &so_type, &len);
          seen(std::string(label) + ": SO_TYPE", so_type);
          sys.close(static_cast<int>(fd));
        }
        seen("AF_UNIX, SOCK_DGRAM, 5", sys.socket(AF_UNIX, SOCK_DGRAM, 5));
      },
      0, false);
}

namespace {

// A Unix-domain address: a path, or (leading '@') an abstract name.
::sockaddr_un unix_address(const std::string& name, socklen_t& len) {
  ::sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, name.data(), std::min(name.size(), sizeof addr.sun_path - 1));
  if (name.front() == '@') addr.sun_path[0] = '\0';
  len = static_cast<socklen_t>(offsetof(::sockaddr_un, sun_path) + name.size() + (name.front() == '@' ? 0 : 1));
  return addr;
}

void unix_dgram_scenario(auto& sys, observations& seen, const std::string& name) {
  socklen_t len = 0;
  const ::sockaddr_un addr = unix_address(name, len);
  const auto* to = reinterpret_cast<const ::sockaddr*>(&addr);
  const int server = static_cast<int>(sys.socket(AF_UNIX, SOCK_DGRAM, 0));
  const int client = static_cast<int>(sys.socket(AF_UNIX, SOCK_DGRAM, 0));
  seen("sendto an address nobody has", sys.sendto(client, bytes("x"), 0, to, len));
  seen("bind", sys.bind(server, to, len));
  seen("bind the same address again", sys.bind(client, to, len));
  seen("send unconnected", sys.send(client, bytes("x")));
  seen("sendto", sys.sendto(client, bytes("hello"), 0, to, len));
  seen("sendto, zero bytes", sys.sendto(client, {}, 0, to, len));
  std::array<std::byte, 3> buf{};
  ::sockaddr_storage from{};
  socklen_t from_len = sizeof from;
  seen("recvfrom into 3 bytes", sys.recvfrom(server, buf, 0, reinterpret_cast<::sockaddr*>(&from), &from_len));
  seen("an unbound sender's address length", from_len);
  seen("the zero-length datagram", sys.recv(server, buf, MSG_DONTWAIT));
  seen("nothing left", sys.recv(server, buf, MSG_DONTWAIT));
  seen("connect", sys.connect(client, to, len));
  seen("send connected", sys.send(client, bytes("0123456789")));
  seen("MSG_TRUNC", sys.recv(server, buf, MSG_TRUNC));
  seen("listen on a datagram socket", sys.listen(server, 1));
  sys.close(server);
  seen("send after the peer closed", sys.send(client, bytes("x")));
  sys.close(client);
}

void seqpacket_scenario(auto& sys, observations& seen, const std::string& name) {
  socklen_t len = 0;
  const ::sockaddr_un addr = unix_address(name, len);
  const auto* to = reinterpret_cast<const ::sockaddr*>(&addr);
  const int listener = static_cast<int>(sys.socket(AF_UNIX, SOCK_SEQPACKET, 0));
  seen("bind", sys.bind(listener, to, len));
  seen("listen", sys.listen(listener, 1));
  const int client = static_cast<int>(sys.socket(AF_UNIX, SOCK_SEQPACKET, 0));
  seen("send before connect", sys.send(client, bytes("x")));
  seen("connect", sys.connect(client, to, len));
  const int server = static_cast<int>(sys.accept4(listener, SOCK_CLOEXEC));
  seen.fact("accepted", server >= 0);
  seen("send", sys.send(client, bytes("first")));
  seen("send", sys.send(client, bytes("second message")));
  std::array<std::byte, 8> buf{};
  ::iovec segment{buf.data(), buf.size()};
  ::msghdr msg{};
  msg.msg_iov = &segment;
  msg.msg_iovlen = 1;
  seen("recvmsg: the first whole", sys.recvmsg(server, msg, 0));
  seen.fact("  without MSG_TRUNC", (msg.msg_flags & MSG_TRUNC) == 0);
  seen("recvmsg: the second cut", sys.recvmsg(server, msg, 0));
  seen.fact("  with MSG_TRUNC", (msg.msg_flags & MSG_TRUNC) != 0);
  seen("write", sys.write(client, bytes("via write")));
  seen("read", sys.read(server, buf));
  sys.close(client);
  seen("read at the peer's close", sys.read(server, buf));
  sys.close(server);
  sys.close(listener);
}

std::string unique(const char* what, const char* system) {
  return std::string("@kvfs-") + what + "-" + std::to_string(::getpid()) + "-" + system;
}

}  // namespace

TEST_CASE("Unix datagram sockets, on a path and an abstract name", "[conformance][table][sockfs][dgram]") {
  kvfs_test::no_descriptor_leak leak_check;
  ignore_sigpipe no_sigpipe;
  differential(
      [](auto& sys, const temp_dir& dir, observations& seen) {
        unix_dgram_scenario(sys, seen, (dir / "dgram.sock").string());
        unix_dgram_scenario(sys, seen, unique("dgram", sys.name));
      },
      0, false);
}

TEST_CASE("Unix sequenced-packet sockets: connections that keep boundaries", "[conformance][table][sockfs][dgram]") {
  kvfs_test::no_descriptor_leak leak_check;
  ignore_sigpipe no_sigpipe;
  differential(
      [](auto& sys, const temp_dir& dir, observations& seen) {
        seqpacket_scenario(sys, seen, (dir / "seqpacket.sock").string());
        seqpacket_scenario(sys, seen, unique("seqpacket", sys.name));
        std::array<int, 2> sv{-1, -1};
        seen("socketpair(AF_UNIX, SOCK_SEQPACKET)", sys.socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv));
        seen("send", sys.send(sv[0], bytes("abc")));
        seen.text("received whole", received(sys, sv[1]));
        sys.close(sv[0]);
        sys.close(sv[1]);
        seen("socketpair(AF_UNIX, SOCK_DGRAM)", sys.socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv));
        seen("send", sys.send(sv[0], bytes("one")));
        seen("send", sys.send(sv[0], bytes("two")));
        seen.text("two datagrams", received_two(sys, sv[1]));
        sys.close(sv[0]);
        sys.close(sv[1]);
        seen("socketpair(AF_INET, SOCK_DGRAM)", sys.socketpair(AF_INET, SOCK_DGRAM, 0, sv));
      },
      0, false);
}

TEST_CASE("the message calls on what is not a socket, or no descriptor", "[conformance][table][sockfs][dgram]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential(
      [](auto& sys, const temp_dir& dir, observations& seen) {
        const int file = static_cast<int>(sys.open(dir / "f", O_RDWR | O_CREAT, 0644));
        std::array<std::byte, 4> buf{};
        ::msghdr msg{};
        ::sockaddr_storage from{};
        socklen_t len = sizeof from;
        seen("sendto a file", sys.sendto(file, bytes("x"), 0, nullptr, 0));
        seen("recvfrom a file", sys.recvfrom(file, buf, 0, reinterpret_cast<::sockaddr*>(&from), &len));
        seen("sendmsg on a file", sys.sendmsg(file, msg, 0));
        seen("recvmsg on a file", sys.recvmsg(file, msg, 0));
        seen("sendto a closed number", sys.sendto(999, bytes("x"), 0, nullptr, 0));
        seen("recvmsg on a closed number", sys.recvmsg(999, msg, 0));
        // The descriptor is looked up before the address is checked.
        seen("sendto a file with a bad address length",
             sys.sendto(file, bytes("x"), 0, reinterpret_cast<::sockaddr*>(&from), 4096));
        sys.close(file);
      },
      0, false);
}

TEST_CASE("MSG_WAITALL on a stream waits for the whole count; MSG_PEEK leaves the bytes",
          "[conformance][table][sockfs]") {
  kvfs_test::no_descriptor_leak leak_check;
  ignore_sigpipe no_sigpipe;
  differential(
      [](auto& sys, const temp_dir&, observations& seen) {
        for (const bool unix_domain : {false, true}) {
          const auto [first, second] = unix_domain ? sys.unix_pair() : sys.tcp_pair();
          const int a = static_cast<int>(first), b = static_cast<int>(second);
          seen("send the first half", sys.send(a, bytes("abc")));
          std::thread later([&sys, a] {
            ::usleep(30'000);
            sys.send(a, bytes("def"));
          });
          std::array<std::byte, 6> buf{};
          seen("MSG_PEEK sees what is there", sys.recv(b, buf, MSG_PEEK));
          seen("MSG_WAITALL waits for all 6", sys.recv(b, buf, MSG_WAITALL));
          later.join();
          seen.text("in order", kvfs_test::text(buf));
          sys.close(a);
          sys.close(b);
        }
      },
      0, false);
}
