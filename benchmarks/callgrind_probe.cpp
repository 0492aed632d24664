// SPDX-License-Identifier: BSL-1.0
// N calls by one path, for valgrind's callgrind to count instructions:
// scripts/bench runs it at two N and divides, so what the program does once
// cancels out.
//
//   raw|static|table N              one-byte writes to /dev/null: write(2),
//                                   descriptor::vfs_write, process::write
//   write|write-ec N                the same through the functions users call:
//                                   kvfs::write(d, buf), kvfs::write(d, buf, ec)
//   tcp-raw|tcp-asio|tcp-static|tcp-table N
//                                   64-byte sends on a loopback TCP connection
//   udp-raw|udp-asio|udp-static|udp-table N
//                                   64-byte datagrams sent to a loopback UDP
//                                   socket nobody reads (the kernel drops
//                                   them once its buffer is full)
//
// The TCP peer is drained by a child process, which callgrind does not follow
// (no --trace-children): the counts are the sender's user-space instructions
// alone, which wall time on a shared machine cannot resolve at this size.
#include <kvfs/fs/posixfs.hpp>
#include <kvfs/kernel.hpp>
#include <kvfs/net/inet.hpp>

#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>
#include <asio/ip/udp.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <iostream>
#include <string_view>
#include <system_error>
#include <utility>

namespace {

// Each loop is a function of its own, as in a user's program: what the
// compiler inlines into one loop does not depend on the others.
using dev_null_file = kvfs::descriptor<kvfs::posixfs>;
using one_byte = std::array<std::byte, 1>;

[[gnu::noinline]] void raw_loop(int fd, const one_byte& one, long n) {
  for (long i = 0; i < n; ++i) (void)::write(fd, one.data(), one.size());
}
[[gnu::noinline]] void static_loop(dev_null_file& d, const one_byte& one, long n) {
  for (long i = 0; i < n; ++i) (void)d.vfs_write(one);
}
[[gnu::noinline]] void write_loop(dev_null_file& d, const one_byte& one, long n) {
  for (long i = 0; i < n; ++i) (void)kvfs::write(d, one);
}
[[gnu::noinline]] void write_ec_loop(dev_null_file& d, const one_byte& one, long n) {
  std::error_code ec;
  for (long i = 0; i < n; ++i) (void)kvfs::write(d, one, ec);
}
[[gnu::noinline]] void table_loop(kvfs::process& proc, int fd, const one_byte& one, long n) {
  for (long i = 0; i < n; ++i) (void)proc.write(fd, one);
}

int devnull_writes(std::string_view mode, long n) {
  const one_byte one{};
  auto dev_null = kvfs::open("/dev/null", O_WRONLY);
  if (mode == "raw") {
    raw_loop(dev_null.native_handle(), one, n);
  } else if (mode == "static") {
    static_loop(dev_null, one, n);
  } else if (mode == "write") {
    write_loop(dev_null, one, n);
  } else if (mode == "write-ec") {
    write_ec_loop(dev_null, one, n);
  } else {
    kvfs::process proc;
    const int fd = proc.fd_install(std::move(dev_null));
    table_loop(proc, fd, one, n);
  }
  return EXIT_SUCCESS;
}

// A child process reads the server end to end of stream.
pid_t drain_in_child(int server_fd, int client_fd) {
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(client_fd);
    std::array<char, 65536> buf;
    while (::recv(server_fd, buf.data(), buf.size(), 0) > 0) {
    }
    ::_exit(EXIT_SUCCESS);
  }
  return child;
}

using message_bytes = std::array<std::byte, 64>;

[[gnu::noinline]] void tcp_raw_loop(int fd, const message_bytes& message, long n) {
  for (long i = 0; i < n; ++i) (void)::send(fd, message.data(), message.size(), MSG_NOSIGNAL);
}
[[gnu::noinline]] void tcp_asio_loop(asio::ip::tcp::socket& socket, const message_bytes& message, long n) {
  std::error_code ec;
  for (long i = 0; i < n; ++i) (void)socket.send(asio::buffer(message), 0, ec);
}
[[gnu::noinline]] void tcp_static_loop(kvfs::tcp::socket_descriptor<kvfs::no_trace>& d, const message_bytes& message,
                                       long n) {
  for (long i = 0; i < n; ++i) (void)d.vfs_write(message);
}
[[gnu::noinline]] void tcp_table_loop(kvfs::process& proc, int fd, const message_bytes& message, long n) {
  for (long i = 0; i < n; ++i) (void)proc.write(fd, message);
}

int tcp_sends(std::string_view mode, long n) {
  asio::io_context io;
  kvfs::tcp::acceptor listener(io, {asio::ip::make_address("127.0.0.1"), 0});
  auto client = kvfs::tcp::connect(io, listener.local_endpoint());
  pid_t drainer = -1;
  {
    auto server = kvfs::tcp::accept(listener);
    drainer = drain_in_child(server.native_handle(), client.native_handle());
  }  // the parent's copy of the server end closes here
  if (drainer < 0) return EXIT_FAILURE;

  const message_bytes message{};
  const int native = client.native_handle();
  kvfs::process proc;  // made in every mode: its cost cancels out
  if (mode == "tcp-raw") {
    tcp_raw_loop(native, message, n);
  } else if (mode == "tcp-asio") {
    tcp_asio_loop(client.private_data().sk, message, n);
  } else if (mode == "tcp-static") {
    tcp_static_loop(client, message, n);
  } else {
    const int fd = proc.fd_install(std::move(client));
    tcp_table_loop(proc, fd, message, n);
  }
  ::shutdown(native, SHUT_WR);  // still open: in `client` or in the table
  int status = 0;
  ::waitpid(drainer, &status, 0);
  return EXIT_SUCCESS;
}

using udp_descriptor = kvfs::descriptor<kvfs::sockfs<kvfs::udp>>;

[[gnu::noinline]] void udp_raw_loop(int fd, const message_bytes& m, const asio::ip::udp::endpoint& to, long n) {
  for (long i = 0; i < n; ++i) (void)::sendto(fd, m.data(), m.size(), 0, to.data(), static_cast<socklen_t>(to.size()));
}
[[gnu::noinline]] void udp_asio_loop(asio::ip::udp::socket& s, const message_bytes& m,
                                     const asio::ip::udp::endpoint& to, long n) {
  std::error_code ec;
  for (long i = 0; i < n; ++i) (void)s.send_to(asio::buffer(m), to, 0, ec);
}
[[gnu::noinline]] void udp_static_loop(udp_descriptor& d, const message_bytes& m, const asio::ip::udp::endpoint& to,
                                       long n) {
  std::error_code ec;
  for (long i = 0; i < n; ++i) (void)kvfs::sendto(d, m, 0, to, ec);
}
[[gnu::noinline]] void udp_table_loop(kvfs::process& proc, int fd, const message_bytes& m,
                                      const asio::ip::udp::endpoint& to, long n) {
  for (long i = 0; i < n; ++i) (void)proc.sendto(fd, m, 0, to.data(), static_cast<socklen_t>(to.size()));
}

int udp_sends(std::string_view mode, long n) {
  asio::io_context io;
  const asio::ip::udp::endpoint loopback{asio::ip::make_address("127.0.0.1"), 0};
  auto sink = kvfs::udp::bind(io, loopback);
  asio::ip::udp::endpoint to;
  socklen_t len = static_cast<socklen_t>(to.capacity());
  ::getsockname(sink.native_handle(), to.data(), &len);
  to.resize(len);
  auto sender = kvfs::udp::bind(io, loopback);
  const message_bytes message{};
  kvfs::process proc;  // made in every mode: its cost cancels out
  if (mode == "udp-raw") {
    udp_raw_loop(sender.native_handle(), message, to, n);
  } else if (mode == "udp-asio") {
    udp_asio_loop(sender.private_data().sk, message, to, n);
  } else if (mode == "udp-static") {
    udp_static_loop(sender, message, to, n);
  } else {
    const int fd = proc.fd_install(std::move(sender));
    udp_table_loop(proc, fd, message, to, n);
  }
  return EXIT_SUCCESS;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view mode = argc == 3 ? argv[1] : "";
  const long n = argc == 3 ? std::atol(argv[2]) : 0;
  if (mode == "raw" || mode == "static" || mode == "table" || mode == "write" || mode == "write-ec")
    return devnull_writes(mode, n);
  if (mode == "tcp-raw" || mode == "tcp-asio" || mode == "tcp-static" || mode == "tcp-table") return tcp_sends(mode, n);
  if (mode == "udp-raw" || mode == "udp-asio" || mode == "udp-static" || mode == "udp-table") return udp_sends(mode, n);
  std::cerr << "usage: callgrind_probe raw|static|table|write|write-ec|{tcp,udp}-{raw,asio,static,table} N\n";
  return EXIT_FAILURE;
}
