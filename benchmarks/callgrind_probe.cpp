// SPDX-License-Identifier: BSL-1.0
// N calls by one path, for valgrind's callgrind to count instructions:
// scripts/bench runs it at two N and divides, so what the program does once
// cancels out.
//
//   raw|static|table N              one-byte writes to /dev/null
//   tcp-raw|tcp-asio|tcp-static|tcp-table N
//                                   64-byte sends on a loopback TCP connection
//
// The TCP peer is drained by a child process, which callgrind does not follow
// (no --trace-children): the counts are the sender's user-space instructions
// alone, which wall time on a shared machine cannot resolve at this size.
#include <kvfs/fs/posixfs.hpp>
#include <kvfs/kernel.hpp>
#include <kvfs/net/inet.hpp>

#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <iostream>
#include <string_view>
#include <utility>

namespace {

int devnull_writes(std::string_view mode, long n) {
  const std::array<std::byte, 1> one{};
  auto dev_null = kvfs::open("/dev/null", O_WRONLY);
  if (mode == "raw") {
    const int fd = dev_null.native_handle();
    for (long i = 0; i < n; ++i) (void)::write(fd, one.data(), one.size());
  } else if (mode == "static") {
    for (long i = 0; i < n; ++i) (void)dev_null.vfs_write(one);
  } else {
    kvfs::process proc;
    const int fd = proc.fd_install(std::move(dev_null));
    for (long i = 0; i < n; ++i) (void)proc.write(fd, one);
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

  const std::array<std::byte, 64> message{};
  const int native = client.native_handle();
  kvfs::process proc;  // made in every mode: its cost cancels out
  if (mode == "tcp-raw") {
    for (long i = 0; i < n; ++i) (void)::send(native, message.data(), message.size(), MSG_NOSIGNAL);
  } else if (mode == "tcp-asio") {
    std::error_code ec;
    auto& socket = client.private_data().sk;
    for (long i = 0; i < n; ++i) (void)socket.send(asio::buffer(message), 0, ec);
  } else if (mode == "tcp-static") {
    for (long i = 0; i < n; ++i) (void)client.vfs_write(message);
  } else {
    const int fd = proc.fd_install(std::move(client));
    for (long i = 0; i < n; ++i) (void)proc.write(fd, message);
  }
  ::shutdown(native, SHUT_WR);  // still open: in `client` or in the table
  int status = 0;
  ::waitpid(drainer, &status, 0);
  return EXIT_SUCCESS;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view mode = argc == 3 ? argv[1] : "";
  const long n = argc == 3 ? std::atol(argv[2]) : 0;
  if (mode == "raw" || mode == "static" || mode == "table") return devnull_writes(mode, n);
  if (mode == "tcp-raw" || mode == "tcp-asio" || mode == "tcp-static" || mode == "tcp-table") return tcp_sends(mode, n);
  std::cerr << "usage: callgrind_probe raw|static|table|tcp-raw|tcp-asio|tcp-static|tcp-table N\n";
  return EXIT_FAILURE;
}
