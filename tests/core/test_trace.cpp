// SPDX-License-Identifier: BSL-1.0
// The trace policy: off, it costs no space; on, it prints the path each
// call takes, in the kernel's names.
#include <kvfs/fs/posixfs.hpp>
#include <kvfs/net/inet.hpp>
#include <kvfs/trace.hpp>

#include <catch2/catch.hpp>

#include "support.hpp"
#include "tcp_support.hpp"

#include <sstream>
#include <string>

using kvfs_test::temp_dir;

TEST_CASE("an untraced descriptor is exactly its struct file", "[trace]") {
  STATIC_REQUIRE(sizeof(kvfs::descriptor<kvfs::posixfs>) == sizeof(kvfs::file<kvfs::posixfs>));
  STATIC_REQUIRE(sizeof(kvfs::file<kvfs::posixfs>) == sizeof(kvfs::file<kvfs::posixfs, kvfs::no_trace>));
  STATIC_REQUIRE(sizeof(kvfs::descriptor<kvfs::posixfs>) <= 24);
}

TEST_CASE("a socket write is traced through sockfs to the protocol's sendmsg", "[trace]") {
  kvfs_test::no_descriptor_leak leak_check;
  kvfs_test::tcp_pair pair;
  std::ostringstream log;
  auto client = kvfs::traced(std::move(pair.client), kvfs::ostream_trace(log));
  const int fd = client.native_handle();
  kvfs::write_all(client, "traced");
  const std::string expected = "write(fd " + std::to_string(fd) +
                               ") -> vfs_write -> sockfs: socket_file_ops.write_iter -> sock_write_iter"
                               " -> __sock_sendmsg -> sock_sendmsg_nosec -> tcp: sendmsg -> send(2) = 6\n";
  CHECK(log.str() == expected);

  log.str("");
  std::string a = "x", b = "y";
  const std::array<::iovec, 2> iov{{{a.data(), 1}, {b.data(), 1}}};
  kvfs::writev(client, iov);
  CHECK(log.str() == "writev(fd " + std::to_string(fd) +
                         ") -> vfs_writev -> sockfs: socket_file_ops.write_iter -> sock_write_iter"
                         " -> __sock_sendmsg -> sock_sendmsg_nosec -> tcp: sendmsg -> sendmsg(2) = 2\n");

  log.str("");
  kvfs::close(client);
  CHECK(log.str() ==
        "close(fd " + std::to_string(fd) + ") -> __fput -> sockfs: socket_file_ops.release -> sock_close = 0\n");
}

TEST_CASE("connect and accept trace the socket's creation and installation", "[trace]") {
  kvfs_test::no_descriptor_leak leak_check;
  asio::io_context io;
  kvfs::tcp::acceptor listener(io, {asio::ip::make_address("127.0.0.1"), 0});
  std::ostringstream log;
  auto client = kvfs::tcp::connect(io, listener.local_endpoint(), 0, kvfs::ostream_trace(log));
  const std::string line = log.str();
  CHECK(line.rfind("socket() -> __sock_create -> tcp: create -> asio connect 127.0.0.1:", 0) == 0);
  CHECK(line.find("-> sock_map_fd -> sock_alloc_file -> alloc_file_pseudo(f_op = &socket_file_ops) -> "
                  "stream_open -> install as descriptor<sockfs<tcp>> = " +
                  std::to_string(client.native_handle()) + "\n") != std::string::npos);
  auto server = kvfs::tcp::accept(listener);
}

TEST_CASE("a regular-file write is traced to write(2); errors print as strace does", "[trace]") {
  kvfs_test::no_descriptor_leak leak_check;
  temp_dir dir;
  std::ostringstream log;
  auto f = kvfs::open(dir / "t", O_RDONLY | O_CREAT, 0644, kvfs::ostream_trace(log));
  const std::string fd = std::to_string(f.native_handle());
  CHECK(log.str() == "open() -> do_sys_open -> posixfs: open(2) \"" + (dir / "t").string() + "\" = " + fd + "\n");

  log.str("");
  std::error_code ec;
  kvfs::write(f, "x", ec);
  CHECK(log.str() == "write(fd " + fd + ") -> vfs_write = -1 EBADF\n");

  log.str("");
  kvfs::lseek(f, 0, SEEK_END);
  CHECK(log.str() == "lseek(fd " + fd + ") -> vfs_llseek -> posixfs: posixfs_file_operations.llseek -> lseek(2) = 0\n");

  log.str("");
  kvfs::open(dir / "missing", O_RDONLY, 0, ec, kvfs::ostream_trace(log));
  CHECK(log.str() == "open() -> do_sys_open -> posixfs: open(2) \"" + (dir / "missing").string() + "\" = -1 ENOENT\n");
}
