// SPDX-License-Identifier: BSL-1.0
// The flagship example: why write(fd, buf, n) on a socket sends TCP traffic.
//
// It plays the kernel's story on loopback, in one program, each step traced
// under the kernel's own function names (docs/seed-walkthrough.md explains
// every line):
//   1. boot: sock_init() registers sockfs and kern_mount()s it (sock_mnt).
//   2. socket(2): __sock_create() makes the socket, sock_map_fd() reserves a
//      number, sock_alloc_file() dresses the socket as a file whose f_op is
//      socket_file_ops, fd_install() puts it in the process's table.
//   3. write(2) on that number: ksys_write → vfs_write → sock_write_iter →
//      __sock_sendmsg → tcp's sendmsg. The peer prints what it received.
//   4. The same write through a static descriptor<sockfs<tcp>>: no table,
//      no indirect call, same steps.
//   5. open(2) and write(2) of a regular file: same VFS, other table.
//   6. ls -l /proc/self/fd: the socket beside the file.
//   7. exit: every socket is released like any file (sock_close).
#include <kvfs/kvfs.hpp>

#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>

#include <netinet/in.h>
#include <unistd.h>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>

namespace {

// Written once against the concept: it knows nothing of sockets, files or
// descriptor tables.
template <kvfs::writable_descriptor Descriptor>
void say(Descriptor& d, std::string_view message) {
  kvfs::write_all(d, message);
}

void section(std::string_view title) { std::cout << "\n== " << title << '\n'; }

// What the peer got, as one line.
template <kvfs::readable_descriptor Descriptor>
void show_received(Descriptor& peer) {
  std::array<char, 64> received{};
  const std::size_t n = kvfs::read(peer, std::span<char>(received));
  std::cout << "peer received: \"" << std::string_view(received.data(), n - 1) << "\\n\" (" << n << " bytes)\n";
}

// connect(2) of table number `fd` to the listener.
int connect_to(kvfs::process& proc, int fd, const kvfs::tcp::acceptor& listener) {
  ::sockaddr_in peer{};
  peer.sin_family = AF_INET;
  peer.sin_port = htons(listener.local_endpoint().port());
  peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return static_cast<int>(proc.connect(fd, reinterpret_cast<const ::sockaddr*>(&peer), sizeof peer));
}

}  // namespace

int main() {
  asio::io_context io;  // outlives every socket below
  kvfs::tcp::acceptor listener(io, {asio::ip::make_address("127.0.0.1"), 0});
  const kvfs::ostream_trace trace(std::cout);
  const auto path = std::filesystem::temp_directory_path() / ("kvfs-demo-" + std::to_string(::getpid()) + ".txt");

  std::cout << "kvfs: how write(2) on a socket becomes TCP, in Linux 6.6's names\n";
  section("boot: each file system's init function (dmesg)");
  kvfs::process proc;  // its table starts empty: the first number is 0
  kvfs::net_init(proc, io);
  std::cout << proc.dmesg() << "-- /proc/filesystems\n" << proc.proc_filesystems();
  std::cout << "-- /proc/mounts (an internal mount is in no namespace)\n" << proc.proc_mounts();
  std::cout << "sockfs's socket_file_ops sets: " << kvfs::capabilities<kvfs::sockfs<kvfs::tcp>>() << '\n';

  proc.trace_to(std::cout);
  section("socket(2): a socket becomes a file and gets a number");
  const int sock = static_cast<int>(proc.socket(AF_INET, SOCK_STREAM, 0));
  std::cout << "socket(2) returned " << sock << '\n';
  if (sock < 0 || connect_to(proc, sock, listener) != 0) return EXIT_FAILURE;
  auto peer = kvfs::tcp::accept(listener);

  section("write(" + std::to_string(sock) + ", ...): the number leads through the table to TCP");
  kvfs::fd socket_fd(proc, sock);
  say(socket_fd, "hello from kvfs\n");
  show_received(peer);

  section("the same with a static descriptor<sockfs<tcp>>: no table, no indirect call");
  auto client = kvfs::tcp::connect(io, listener.local_endpoint(), 0, trace);
  auto second_peer = kvfs::tcp::accept(listener);
  say(client, "hello from kvfs\n");
  show_received(second_peer);

  section("open(2) of a regular file: the same generic write, another f_op");
  kvfs::fd file(proc, static_cast<int>(proc.open(path.string(), O_WRONLY | O_CREAT | O_TRUNC, 0644)));
  say(file, "hello from kvfs\n");

  section("ls -l /proc/self/fd");
  std::cout << proc.proc_self_fd();

  section("exit: the table's files and the static descriptor are released");
  kvfs::close(socket_fd);
  kvfs::close(file);
  std::filesystem::remove(path);
  return EXIT_SUCCESS;
}
