// SPDX-License-Identifier: BSL-1.0
// Descriptors as Asio streams: asio::read, asio::write and read_until work
// on sockets and regular files alike.
#include <kvfs/asio.hpp>
#include <kvfs/fs/posixfs.hpp>
#include <kvfs/net/inet.hpp>

#include <asio/buffer.hpp>
#include <asio/read.hpp>
#include <asio/read_until.hpp>
#include <asio/write.hpp>
#include <catch2/catch.hpp>

#include "support.hpp"
#include "tcp_support.hpp"

#include <array>
#include <string>
#include <thread>
#include <vector>

using kvfs_test::tcp_pair;
using kvfs_test::temp_dir;

namespace {
template <class D>
constexpr bool models_sync_streams = requires(D& d, asio::mutable_buffer m, asio::const_buffer c, std::error_code& ec) {
  { d.read_some(m) } -> std::same_as<std::size_t>;
  { d.read_some(m, ec) } -> std::same_as<std::size_t>;
  { d.write_some(c) } -> std::same_as<std::size_t>;
  { d.write_some(c, ec) } -> std::same_as<std::size_t>;
};
}  // namespace

TEST_CASE("descriptors model SyncReadStream and SyncWriteStream", "[asio]") {
  STATIC_REQUIRE(models_sync_streams<tcp_pair::socket_descriptor>);
  STATIC_REQUIRE(models_sync_streams<kvfs::descriptor<kvfs::posixfs>>);
}

TEST_CASE("asio::write and asio::read on a TCP descriptor, with buffer sequences", "[asio]") {
  kvfs_test::no_descriptor_leak leak_check;
  tcp_pair pair;
  const std::string head = "head:", body(100000, 'b');
  const std::vector<asio::const_buffer> out{asio::buffer(head), asio::buffer(body)};

  std::string received(head.size() + body.size(), '\0');
  std::thread peer([&] { asio::read(pair.server, asio::buffer(received)); });
  CHECK(asio::write(pair.client, out) == head.size() + body.size());
  peer.join();
  CHECK(received == head + body);

  // end of stream is asio::error::eof, with the bytes that did arrive
  asio::write(pair.client, asio::buffer(std::string("tail")));
  kvfs::shutdown(pair.client, SHUT_WR);
  std::array<char, 64> buf{};
  std::error_code ec;
  CHECK(asio::read(pair.server, asio::buffer(buf), ec) == 4);
  CHECK(ec == asio::error::eof);
}

TEST_CASE("asio::read_until on a socket descriptor", "[asio]") {
  kvfs_test::no_descriptor_leak leak_check;
  tcp_pair pair;
  kvfs::write_all(pair.client, "GET / HTTP/1.0\r\nHost: x\r\n\r\nbody");
  std::string data;
  const std::size_t header_end = asio::read_until(pair.server, asio::dynamic_buffer(data), "\r\n\r\n");
  CHECK(data.substr(0, header_end) == "GET / HTTP/1.0\r\nHost: x\r\n\r\n");
}

TEST_CASE("asio::write and asio::read on a regular file, to end of file", "[asio]") {
  kvfs_test::no_descriptor_leak leak_check;
  temp_dir dir;
  auto f = kvfs::open(dir / "asio", O_RDWR | O_CREAT | O_TRUNC, 0644);
  const std::string a = "through ", b = "asio";
  CHECK(asio::write(f, std::array{asio::buffer(a), asio::buffer(b)}) == 12);
  kvfs::lseek(f, 0, SEEK_SET);
  std::array<char, 100> buf{};
  std::error_code ec;
  CHECK(asio::read(f, asio::buffer(buf), ec) == 12);
  CHECK(ec == asio::error::eof);
  CHECK(std::string(buf.data(), 12) == "through asio");

  // A read-only file refuses the write with EBADF, through Asio's throwing form.
  auto read_only = kvfs::open(dir / "asio", O_RDONLY);
  CHECK_THROWS_AS(asio::write(read_only, asio::buffer(a)), std::system_error);
}
