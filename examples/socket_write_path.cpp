// SPDX-License-Identifier: BSL-1.0
// The flagship example: why write(fd, buf, n) on a socket sends TCP traffic.
//
// It plays the kernel's story on loopback, in one program:
//   1. boot: sock_init() registers sockfs, and posixfs stands for a disk
//      file system; the registry is printed as /proc/filesystems.
//   2. socket(2) + connect(2): a TCP socket becomes a file of sockfs whose
//      f_op is socket_file_ops, and is installed as a descriptor.
//   3. One generic function writes through the descriptor with tracing on:
//      vfs_write -> socket_file_ops.write_iter -> sock_sendmsg -> tcp sendmsg.
//   4. The peer prints what it received.
//   5. The same generic function writes to a regular file: same VFS, other table.
#include <kvfs/kvfs.hpp>

#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>

#include <unistd.h>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>

namespace {

// Written once against the concept: it knows nothing of sockets or files.
template <kvfs::writable_descriptor Descriptor>
void say(Descriptor& d, std::string_view message) {
  kvfs::write_all(d, message);
}

// 1. Boot: the compile-time registry of file-system types.
constexpr auto file_systems =
    kvfs::registry<>{}.register_filesystem<kvfs::posixfs>().register_filesystem<kvfs::sockfs<kvfs::tcp>>();

void section(std::string_view title) { std::cout << "\n== " << title << '\n'; }

}  // namespace

int main() {
  section("boot: register_filesystem, then /proc/filesystems");
  std::cout << file_systems.proc_filesystems();
  std::cout << "sockfs's socket_file_ops sets: " << kvfs::capabilities<kvfs::sockfs<kvfs::tcp>>() << '\n';

  const kvfs::ostream_trace trace(std::cout);
  asio::io_context io;
  kvfs::tcp::acceptor listener(io, {asio::ip::make_address("127.0.0.1"), 0});

  section("socket(2) + connect(2): a socket becomes a file and is installed");
  auto client = kvfs::tcp::connect(io, listener.local_endpoint(), 0, trace);
  auto peer = kvfs::tcp::accept(listener);

  section("write(2) on the socket descriptor, through a generic function");
  say(client, "hello from kvfs\n");

  std::array<char, 64> received{};
  const std::size_t n = kvfs::read(peer, std::span<char>(received));
  std::cout << "peer received: \"" << std::string_view(received.data(), n - 1) << "\\n\" (" << n << " bytes)\n";

  section("the same generic function on a regular file");
  const auto path = std::filesystem::temp_directory_path() / ("kvfs-demo-" + std::to_string(::getpid()) + ".txt");
  {
    auto file = kvfs::open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644, trace);
    say(file, "hello from kvfs\n");
  }
  std::filesystem::remove(path);

  section("and the socket is released like any file");
  kvfs::close(client);
  return EXIT_SUCCESS;
}
