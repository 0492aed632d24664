// SPDX-License-Identifier: BSL-1.0
// sockfs over TCP on loopback: the bytes arrive in order, end of stream is
// a read of 0, a gone peer is EPIPE or ECONNRESET and never a SIGPIPE.
#include <kvfs/net/unix.hpp>
#include <kvfs/net/inet.hpp>

#include <catch2/catch.hpp>

#include "support.hpp"
#include "tcp_support.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <array>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

using kvfs_test::bytes;
using kvfs_test::errno_code;
using kvfs_test::tcp_pair;

namespace {

std::string read_exactly(tcp_pair::socket_descriptor& d, std::size_t n) {
  std::string out(n, '\0');
  std::size_t got = 0;
  while (got < n) {
    const std::size_t r = kvfs::read(d, std::span<char>(out).subspan(got));
    if (r == 0) break;
    got += r;
  }
  out.resize(got);
  return out;
}

}  // namespace

TEST_CASE("conformance 29-30: writes arrive in order; a peer's shutdown reads as 0", "[sockfs][conformance]") {
  kvfs_test::no_descriptor_leak leak_check;
  tcp_pair pair;
  kvfs::write_all(pair.client, "first ");
  kvfs::write_all(pair.client, "second ");
  kvfs::write_all(pair.client, "third");
  CHECK(read_exactly(pair.server, 18) == "first second third");

  kvfs::shutdown(pair.client, SHUT_WR);
  std::array<char, 8> buf{};
  CHECK(kvfs::read(pair.server, std::span<char>(buf)) == 0);
}

TEST_CASE("a megabyte crosses in order while the peer reads concurrently", "[sockfs]") {
  kvfs_test::no_descriptor_leak leak_check;
  tcp_pair pair;
  std::string payload(1 << 20, '\0');
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i * 7 % 251);

  std::string received;
  std::thread peer([&] { received = read_exactly(pair.server, payload.size()); });
  CHECK(kvfs::write_all(pair.client, payload) == payload.size());
  peer.join();
  CHECK(received == payload);
}

TEST_CASE("writev and readv use the protocol's sendmsg and recvmsg", "[sockfs]") {
  kvfs_test::no_descriptor_leak leak_check;
  tcp_pair pair;
  std::string a = "scatter ", b = "and ", c = "gather";
  const std::array<::iovec, 3> out{{{a.data(), a.size()}, {b.data(), b.size()}, {c.data(), c.size()}}};
  CHECK(kvfs::writev(pair.client, out) == 18);

  std::array<char, 8> x{};
  std::array<char, 10> y{};
  const std::array<::iovec, 2> in{{{x.data(), x.size()}, {y.data(), y.size()}}};
  std::size_t got = 0;
  for (int i = 0; i < 100 && got < 18; ++i) got += kvfs::readv(pair.server, in);  // loopback: one read suffices
  CHECK(got == 18);
  CHECK(std::string(x.data(), 8) + std::string(y.data(), 10) == "scatter and gather");
}

TEST_CASE("conformance 32-33: a zero-length read is 0; a socket is O_RDWR and a stream", "[sockfs][conformance]") {
  kvfs_test::no_descriptor_leak leak_check;
  tcp_pair pair;
  CHECK(kvfs::read(pair.server, std::span<std::byte>()) == 0);
  const auto& file = pair.client.file();
  CHECK((file.f_flags & O_ACCMODE) == O_RDWR);
  CHECK((file.f_mode & (kvfs::FMODE_READ | kvfs::FMODE_WRITE)) == (kvfs::FMODE_READ | kvfs::FMODE_WRITE));
  CHECK((file.f_mode & kvfs::FMODE_STREAM) != 0);
  CHECK((file.f_mode & kvfs::FMODE_LSEEK) == 0);
  CHECK(S_ISSOCK(kvfs::fstat(pair.client).st_mode));
}

TEST_CASE("conformance 34: writing to a closed peer is EPIPE or ECONNRESET, never SIGPIPE",
          "[sockfs][sigpipe][conformance]") {
  kvfs_test::no_descriptor_leak leak_check;
  tcp_pair pair;
  kvfs::close(pair.server);

  // The first write may succeed (the peer's RST comes back after it); within
  // a bounded number of writes the error must appear.
  std::error_code ec;
  const std::string chunk(4096, 'x');
  for (int i = 0; i < 200 && !ec; ++i) {
    kvfs::write(pair.client, chunk, ec);
    if (!ec) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  CHECK((ec == errno_code(EPIPE) || ec == errno_code(ECONNRESET)));
  CHECK_FALSE(kvfs_test::sigpipe_pending());
}

TEST_CASE("conformance 36: after shutdown(SHUT_WR) the peer reads 0 and a write is EPIPE", "[sockfs][conformance]") {
  kvfs_test::no_descriptor_leak leak_check;
  tcp_pair pair;
  kvfs::shutdown(pair.client, SHUT_WR);
  std::array<char, 4> buf{};
  CHECK(kvfs::read(pair.server, std::span<char>(buf)) == 0);
  std::error_code ec;
  kvfs::write(pair.client, "late", ec);
  CHECK(ec == errno_code(EPIPE));
  kvfs::shutdown(pair.client, 7, ec);  // no such direction
  CHECK(ec == errno_code(EINVAL));
}

TEST_CASE("conformance 37: a non-blocking socket with nothing to read is EAGAIN", "[sockfs][conformance]") {
  kvfs_test::no_descriptor_leak leak_check;
  tcp_pair pair("127.0.0.1", O_NONBLOCK);
  CHECK((pair.client.file().f_flags & O_NONBLOCK) != 0);
  std::array<std::byte, 16> buf{};
  std::error_code ec;
  CHECK(kvfs::read(pair.client, buf, ec) == 0);
  CHECK(ec == errno_code(EAGAIN));

  // and a write to a full socket is EAGAIN too, after a bounded number of writes
  const std::string chunk(1 << 16, 'f');
  for (int i = 0; i < 10000 && !ec; ++i) kvfs::write(pair.client, chunk, ec);
  ec.clear();
  for (int i = 0; i < 10000 && !ec; ++i) kvfs::write(pair.client, chunk, ec);
  CHECK(ec == errno_code(EAGAIN));
}

TEST_CASE("poll reports what the socket is ready for", "[sockfs]") {
  kvfs_test::no_descriptor_leak leak_check;
  tcp_pair pair;
  CHECK((pair.server.vfs_poll() & POLLIN) == 0);
  CHECK((pair.server.vfs_poll() & POLLOUT) != 0);
  kvfs::write_all(pair.client, "ping");
  short events = 0;
  for (int i = 0; i < 1000 && (events & POLLIN) == 0; ++i) {
    events = pair.server.vfs_poll();
    if ((events & POLLIN) == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  CHECK((events & POLLIN) != 0);
}

TEST_CASE("connect to a port nobody listens on is ECONNREFUSED", "[sockfs]") {
  kvfs_test::no_descriptor_leak leak_check;
  asio::io_context io;
  asio::ip::tcp::endpoint unused;
  {
    kvfs::tcp::acceptor probe(io, {asio::ip::make_address("127.0.0.1"), 0});
    unused = probe.local_endpoint();
  }  // closed: the port is free again
  std::error_code ec;
  auto d = kvfs::tcp::connect(io, unused, ec);
  CHECK(ec == errno_code(ECONNREFUSED));
  CHECK_FALSE(d.is_open());
  CHECK_THROWS_AS(kvfs::tcp::connect(io, unused), std::system_error);
}

TEST_CASE("TCP over IPv6 loopback", "[sockfs]") {
  kvfs_test::no_descriptor_leak leak_check;
  asio::io_context io;
  std::error_code ec;
  kvfs::tcp::acceptor listener(io);
  listener.open(asio::ip::tcp::v6(), ec);
  if (!ec) listener.bind({asio::ip::make_address("::1"), 0}, ec);
  if (ec) {
    WARN("no IPv6 loopback on this machine: " << ec.message());
    return;
  }
  listener.listen();
  auto client = kvfs::tcp::connect(io, listener.local_endpoint());
  auto server = kvfs::tcp::accept(listener);
  kvfs::write_all(client, "over ::1");
  std::array<char, 16> buf{};
  CHECK(std::string(buf.data(), kvfs::read(server, std::span<char>(buf))) == "over ::1");
}

TEST_CASE("Unix-domain stream sockets: a named socket and a socketpair", "[sockfs][unix]") {
  kvfs_test::no_descriptor_leak leak_check;
  kvfs_test::temp_dir dir;
  asio::io_context io;
  const auto path = (dir / "kvfs.sock").string();
  kvfs::unix_stream::acceptor listener(io, kvfs::unix_stream::endpoint(path));
  auto client = kvfs::unix_stream::connect(io, kvfs::unix_stream::endpoint(path));
  auto server = kvfs::unix_stream::accept(listener);
  kvfs::write_all(client, "over AF_UNIX");
  std::array<char, 32> buf{};
  CHECK(std::string(buf.data(), kvfs::read(server, std::span<char>(buf))) == "over AF_UNIX");
  CHECK(S_ISSOCK(kvfs::fstat(server).st_mode));

  auto [a, b] = kvfs::unix_stream::pair(io);
  kvfs::write_all(b, "pair");
  CHECK(std::string(buf.data(), kvfs::read(a, std::span<char>(buf))) == "pair");

  std::error_code ec;
  kvfs::unix_stream::connect(io, kvfs::unix_stream::endpoint((dir / "nobody").string()), ec);
  CHECK(ec == errno_code(ENOENT));
}

TEST_CASE("SO_RCVTIMEO on a static socket descriptor: EAGAIN after the time; a bad timeval is EDOM",
          "[sockfs][sockopt]") {
  kvfs_test::no_descriptor_leak leak_check;
  tcp_pair pair;
  const ::timeval tv{0, 30'000};
  kvfs::setsockopt(pair.server, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::timeval back{};
  socklen_t len = sizeof back;
  kvfs::getsockopt(pair.server, SOL_SOCKET, SO_RCVTIMEO, &back, &len);
  CHECK((back.tv_sec == 0 && back.tv_usec >= 30'000 && back.tv_usec < 100'000));
  std::array<char, 8> buf{};
  std::error_code ec;
  const auto start = std::chrono::steady_clock::now();
  CHECK(kvfs::read(pair.server, std::span<char>(buf), ec) == 0);
  CHECK(ec == errno_code(EAGAIN));
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(25));
  const ::timeval bad{0, 1'000'000};
  kvfs::setsockopt(pair.server, SOL_SOCKET, SO_RCVTIMEO, &bad, sizeof bad, ec);
  CHECK(ec == errno_code(EDOM));
  CHECK_THROWS_AS(kvfs::setsockopt(pair.server, SOL_SOCKET, SO_RCVTIMEO, &bad, sizeof bad), std::system_error);
  // The data still arrives once there is some.
  kvfs::write(pair.client, "late");
  CHECK(kvfs::read(pair.server, std::span<char>(buf)) == 4);
}
