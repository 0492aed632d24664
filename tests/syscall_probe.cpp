// SPDX-License-Identifier: BSL-1.0
// Runs one kind of kvfs call N times between two getppid() markers, so that
// tests/syscall_count.sh can count, under strace, the system calls the
// kernel really saw for them.
#include <kvfs/asio/async_stream.hpp>
#include <kvfs/copy.hpp>
#include <kvfs/fs/pipefs.hpp>
#include <kvfs/fs/posixfs.hpp>
#include <kvfs/kernel.hpp>
#include <kvfs/net/inet.hpp>

#include <asio/buffer.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>

#include <sys/stat.h>
#include <unistd.h>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>

namespace {

void marker() { ::getppid(); }

std::filesystem::path scratch(std::string_view name) {
  return std::filesystem::temp_directory_path() /
         ("kvfs-probe-" + std::to_string(::getpid()) + "-" + std::string(name));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: syscall_probe static_write|table_write|socket_write|copy_to_socket|pipe_write|"
                 "table_pipe_write|fifo_write|async_pipe_write N\n";
    return EXIT_FAILURE;
  }
  const std::string_view mode = argv[1];
  const int n = std::atoi(argv[2]);
  const auto byte = kvfs::as_bytes("x");
  const auto path = scratch("file");
  asio::io_context io;
  kvfs::tcp::acceptor listener(io, {asio::ip::make_address("127.0.0.1"), 0});
  auto client = kvfs::tcp::connect(io, listener.local_endpoint());
  auto server = kvfs::tcp::accept(listener);

  if (mode == "static_write") {
    auto file = kvfs::open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    marker();
    for (int i = 0; i < n; ++i) kvfs::write(file, byte);
    marker();
  } else if (mode == "table_write") {
    kvfs::process proc;
    const int fd = static_cast<int>(proc.open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600));
    marker();
    for (int i = 0; i < n; ++i) proc.write(fd, byte);
    marker();
    proc.close(fd);
  } else if (mode == "socket_write") {
    marker();
    for (int i = 0; i < n; ++i) kvfs::write(client, byte);
    marker();
  } else if (mode == "copy_to_socket") {
    {
      auto file = kvfs::open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
      kvfs::write_all(file, std::string(static_cast<std::size_t>(n), 'c'));
    }
    auto file = kvfs::open(path, O_RDONLY);
    marker();
    kvfs::copy(file, client);
    marker();
  } else if (mode == "pipe_write") {
    // A pipe may raise SIGPIPE: the first write in the thread blocks it
    // once (before the markers); the N after are N write(2) and nothing else.
    auto [reader, writer] = kvfs::pipe();
    kvfs::write(writer, byte);
    marker();
    for (int i = 0; i < n; ++i) kvfs::write(writer, byte);
    marker();
  } else if (mode == "table_pipe_write") {
    kvfs::process proc;
    std::array<int, 2> ends{};
    if (proc.pipe(ends) != 0) return EXIT_FAILURE;
    proc.write(ends[1], byte);
    marker();
    for (int i = 0; i < n; ++i) proc.write(ends[1], byte);
    marker();
    proc.close(ends[0]);
    proc.close(ends[1]);
  } else if (mode == "fifo_write") {
    const auto fifo = scratch("fifo");
    if (::mkfifo(fifo.c_str(), 0600) != 0) return EXIT_FAILURE;
    auto reader = kvfs::open(fifo, O_RDONLY | O_NONBLOCK);
    auto writer = kvfs::open(fifo, O_WRONLY);
    kvfs::write(writer, byte);
    marker();
    for (int i = 0; i < n; ++i) kvfs::write(writer, byte);
    marker();
    std::filesystem::remove(fifo);
  } else if (mode == "async_pipe_write") {
    auto [reader, writer] = kvfs::pipe();
    kvfs::async_stream<kvfs::descriptor<kvfs::pipefs>> stream(std::move(writer), io.get_executor());
    auto write_one = [&] {
      stream.async_write_some(asio::buffer("x", 1), [](std::error_code, std::size_t) {});
      io.run();
      io.restart();
    };
    write_one();
    marker();
    for (int i = 0; i < n; ++i) write_one();
    marker();
  } else {
    std::cerr << "syscall_probe: unknown mode " << mode << '\n';
    return EXIT_FAILURE;
  }
  std::filesystem::remove(path);
  return EXIT_SUCCESS;
}
