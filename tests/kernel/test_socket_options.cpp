// SPDX-License-Identifier: BSL-1.0
// Socket options that change blocking behaviour, socketpair(2) and
// getpeername(2), differential: the real kernel and kvfs's process answer
// alike. SO_RCVTIMEO and SO_SNDTIMEO end a blocking call with EAGAIN after
// the time; a bad timeval is EDOM; TCP, Unix stream and socketpair alike.
#include <catch2/catch.hpp>

#include "differential.hpp"
#include "support.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <array>
#include <chrono>
#include <string>

using kvfs_test::differential;
using kvfs_test::ignore_sigpipe;
using kvfs_test::observations;
using kvfs_test::temp_dir;

namespace {

constexpr long timeout_us = 50'000;

long set_timeout(auto& sys, int fd, int name, long sec, long usec, socklen_t len = sizeof(::timeval)) {
  const ::timeval tv{sec, usec};
  return sys.setsockopt(fd, SOL_SOCKET, name, &tv, len);
}

std::string timeout_of(auto& sys, int fd, int name) {
  ::timeval tv{};
  socklen_t len = sizeof tv;
  const long r = sys.getsockopt(fd, SOL_SOCKET, name, &tv, &len);
  return std::to_string(r) + ": " + std::to_string(tv.tv_sec) + " s " + std::to_string(tv.tv_usec) + " us";
}

// SO_RCVTIMEO and SO_SNDTIMEO on one connected pair of stream sockets.
void timeout_scenario(auto& sys, observations& seen, long first, long second) {
  const int a = static_cast<int>(first), b = static_cast<int>(second);
  seen("SO_RCVTIMEO 50 ms", set_timeout(sys, a, SO_RCVTIMEO, 0, timeout_us));
  seen.text("SO_RCVTIMEO read back", timeout_of(sys, a, SO_RCVTIMEO));
  std::array<std::byte, 16> buf{};
  const auto start = std::chrono::steady_clock::now();
  seen("recv with nothing to read", sys.recv(a, buf));
  seen("read with nothing to read", sys.read(a, buf));
  seen.fact("the two waited their timeout", std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(80));
  seen("SO_RCVTIMEO with tv_usec 1000000", set_timeout(sys, a, SO_RCVTIMEO, 0, 1'000'000));
  seen("SO_RCVTIMEO with tv_usec -1", set_timeout(sys, a, SO_RCVTIMEO, 0, -1));
  seen("SO_RCVTIMEO with a short optlen", set_timeout(sys, a, SO_RCVTIMEO, 0, timeout_us, 3));
  seen("SO_RCVTIMEO with tv_sec -1", set_timeout(sys, a, SO_RCVTIMEO, -1, 0));
  seen.text("a negative timeout reads back as none", timeout_of(sys, a, SO_RCVTIMEO));

  seen("SO_SNDTIMEO 50 ms", set_timeout(sys, a, SO_SNDTIMEO, 0, timeout_us));
  seen.text("SO_SNDTIMEO read back", timeout_of(sys, a, SO_SNDTIMEO));
  const std::string chunk(65536, 'x');
  long result = static_cast<long>(chunk.size());
  for (int i = 0; i < 10'000 && result == static_cast<long>(chunk.size()); ++i) {
    result = sys.write(a, kvfs_test::bytes(chunk));
  }
  seen.fact("a blocking write into a full socket ends: EAGAIN or a short count",
            result == -EAGAIN || (result >= 0 && result < static_cast<long>(chunk.size())));
  sys.close(a);
  sys.close(b);
}

}  // namespace

TEST_CASE("SO_RCVTIMEO and SO_SNDTIMEO bound blocking calls on TCP", "[conformance][table][sockfs][sockopt]") {
  kvfs_test::no_descriptor_leak leak_check;
  ignore_sigpipe no_sigpipe;
  differential(
      [](auto& sys, const temp_dir&, observations& seen) {
        auto [client, server] = sys.tcp_pair();
        timeout_scenario(sys, seen, client, server);
      },
      0, false);
}

TEST_CASE("SO_RCVTIMEO and SO_SNDTIMEO bound blocking calls on a socketpair", "[conformance][table][sockfs][sockopt]") {
  kvfs_test::no_descriptor_leak leak_check;
  ignore_sigpipe no_sigpipe;
  differential(
      [](auto& sys, const temp_dir&, observations& seen) {
        std::array<int, 2> sv{-1, -1};
        seen("socketpair(AF_UNIX, SOCK_STREAM)", sys.socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
        timeout_scenario(sys, seen, sv[0], sv[1]);
      },
      0, false);
}

TEST_CASE("socketpair(2) as __sys_socketpair: flags, family, protocol, then the pair", "[conformance][table][sockfs]") {
  kvfs_test::no_descriptor_leak leak_check;
  ignore_sigpipe no_sigpipe;
  differential(
      [](auto& sys, const temp_dir&, observations& seen) {
        std::array<int, 2> sv{-1, -1};
        seen("bad flags", sys.socketpair(AF_UNIX, SOCK_STREAM | 0x40000000, 0, sv));
        seen("unknown family", sys.socketpair(4000, SOCK_STREAM, 0, sv));
        seen("AF_INET has no socketpair", sys.socketpair(AF_INET, SOCK_STREAM, 0, sv));
        seen("AF_UNIX with protocol 7", sys.socketpair(AF_UNIX, SOCK_STREAM, 7, sv));
        seen("non-blocking pair", sys.socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv));
        std::array<std::byte, 8> buf{};
        seen("read of nothing", sys.read(sv[0], buf));
        seen("FD_CLOEXEC", sys.fcntl(sv[0], F_GETFD));
        seen.fact("O_NONBLOCK on both", (sys.fcntl(sv[0], F_GETFL) & sys.fcntl(sv[1], F_GETFL) & O_NONBLOCK) != 0);
        seen("write one end", sys.write(sv[0], kvfs_test::bytes("pair")));
        seen("read the other", sys.read(sv[1], buf));
        seen.text("what crossed", kvfs_test::text(std::span(buf).first(4)));
        ::sockaddr_storage peer{};
        socklen_t len = sizeof peer;
        seen("getpeername of a pair end", sys.getpeername(sv[0], reinterpret_cast<::sockaddr*>(&peer), &len));
        seen("its family", peer.ss_family);
        sys.close(sv[0]);
        sys.close(sv[1]);
      },
      0, false);
}

TEST_CASE("getpeername(2): the peer, ENOTCONN, ENOTSOCK, EBADF", "[conformance][table][sockfs]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential(
      [](auto& sys, const temp_dir& dir, observations& seen) {
        auto [client, server] = sys.tcp_pair();
        ::sockaddr_in peer{};
        socklen_t len = sizeof peer;
        seen("getpeername of a connected client",
             sys.getpeername(static_cast<int>(client), reinterpret_cast<::sockaddr*>(&peer), &len));
        seen("its family", peer.sin_family);
        seen.fact("its address is loopback", peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
        const int lone = static_cast<int>(sys.socket(AF_INET, SOCK_STREAM, 0));
        seen("getpeername of an unconnected socket", sys.getpeername(lone, reinterpret_cast<::sockaddr*>(&peer), &len));
        const int file = static_cast<int>(sys.open(dir / "plain", O_RDWR | O_CREAT, 0644));
        seen("getpeername of a file", sys.getpeername(file, reinterpret_cast<::sockaddr*>(&peer), &len));
        seen("getsockopt of a file", sys.getsockopt(file, SOL_SOCKET, SO_TYPE, &peer, &len));
        seen("getpeername of a bad number", sys.getpeername(999, reinterpret_cast<::sockaddr*>(&peer), &len));
        int type = 0;
        socklen_t type_len = sizeof type;
        seen("getsockopt SO_TYPE", sys.getsockopt(lone, SOL_SOCKET, SO_TYPE, &type, &type_len));
        seen("the type", type);
        for (const long fd : {client, server, static_cast<long>(lone), static_cast<long>(file)})
          sys.close(static_cast<int>(fd));
      },
      0, false);
}

TEST_CASE("SO_RCVLOWAT holds a blocking read back; SO_LINGER 0 resets on close",
          "[conformance][table][sockfs][sockopt]") {
  kvfs_test::no_descriptor_leak leak_check;
  ignore_sigpipe no_sigpipe;
  differential(
      [](auto& sys, const temp_dir&, observations& seen) {
        auto [client, server] = sys.tcp_pair();
        const int c = static_cast<int>(client), s = static_cast<int>(server);
        const int low = 4;
        seen("SO_RCVLOWAT 4", sys.setsockopt(s, SOL_SOCKET, SO_RCVLOWAT, &low, sizeof low));
        seen("SO_RCVTIMEO 50 ms", set_timeout(sys, s, SO_RCVTIMEO, 0, timeout_us));
        seen("write 2 bytes", sys.write(c, kvfs_test::bytes("ab")));
        std::array<std::byte, 16> buf{};
        const auto start = std::chrono::steady_clock::now();
        seen("a blocking read gets them when the timeout ends", sys.read(s, buf));
        seen.fact("it waited", std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(40));
        const ::linger abort_on_close{1, 0};
        seen("SO_LINGER {1, 0}", sys.setsockopt(c, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close));
        seen("close with linger 0", sys.close(c));
        seen("the peer's read: the connection was reset", sys.read(s, buf));
        sys.close(s);
      },
      0, false);
}
