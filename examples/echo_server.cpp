// SPDX-License-Identifier: BSL-1.0
// A coroutine echo server whose connections are sockfs descriptors.
//
// Each accepted socket goes through sock_alloc_file(), so a connection is a
// descriptor<sockfs<tcp>> whose f_op is socket_file_ops, exactly as the
// kernel wraps an accepted socket in a file. kvfs::async_stream makes it an
// Asio stream: co_await asio::async_read_until and asio::async_write go
// through vfs_read/vfs_write -> socket_file_ops -> sock_recvmsg/sendmsg.
//
//   echo_server            self-test: serve, run 3 clients, check, exit
//   echo_server PORT       serve on 127.0.0.1:PORT until SIGINT/SIGTERM
//                          (try: printf 'hi\n' | nc 127.0.0.1 PORT)
#include <kvfs/kvfs.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read_until.hpp>
#include <asio/signal_set.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <charconv>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>
#include <system_error>

namespace {

using connection = kvfs::async_stream<kvfs::descriptor<kvfs::sockfs<kvfs::tcp>>>;
using asio::use_awaitable;

// accept() then sock_alloc_file(): the socket becomes a file of sockfs.
connection as_sockfs_file(asio::ip::tcp::socket socket) {
  auto executor = socket.get_executor();
  return connection(kvfs::sock_alloc_file<kvfs::tcp>(std::move(socket)), executor);
}

asio::awaitable<void> echo(connection conn) {
  std::string pending;
  try {
    for (;;) {
      const std::size_t n = co_await asio::async_read_until(conn, asio::dynamic_buffer(pending), '\n', use_awaitable);
      co_await asio::async_write(conn, asio::buffer(pending.data(), n), use_awaitable);
      pending.erase(0, n);
    }
  } catch (const std::system_error& e) {
    if (e.code() != asio::error::eof) std::cerr << "echo: " << e.code().message() << '\n';
  }
}

asio::awaitable<void> serve(asio::ip::tcp::acceptor& acceptor) {
  for (int accepted = 1;; ++accepted) {
    connection conn = as_sockfs_file(co_await acceptor.async_accept(use_awaitable));
    std::cout << "server: connection " << accepted << " is a " << kvfs::fs_name<connection::handle_type::file_system>
              << " file, f_op = " << kvfs::f_op_name<connection::handle_type::file_system> << std::endl;
    asio::co_spawn(acceptor.get_executor(), echo(std::move(conn)), asio::detached);
  }
}

// A client: connects, sends `lines` lines, and checks every echo.
asio::awaitable<void> client(asio::ip::tcp::endpoint server, int id, int lines, int& echoed) {
  asio::ip::tcp::socket socket(co_await asio::this_coro::executor);
  co_await socket.async_connect(server, use_awaitable);
  connection conn = as_sockfs_file(std::move(socket));
  std::string received;
  for (int i = 0; i < lines; ++i) {
    const std::string line = "client " + std::to_string(id) + " line " + std::to_string(i) + '\n';
    co_await asio::async_write(conn, asio::buffer(line), use_awaitable);
    const std::size_t n = co_await asio::async_read_until(conn, asio::dynamic_buffer(received), '\n', use_awaitable);
    if (received.substr(0, n) != line) throw std::runtime_error("wrong echo: " + received.substr(0, n));
    received.erase(0, n);
    ++echoed;
  }
}

int self_test() {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::co_spawn(io, serve(acceptor), asio::detached);
  constexpr int clients = 3;
  constexpr int lines = 5;
  int echoed = 0;
  int finished = 0;
  bool failed = false;
  for (int id = 1; id <= clients; ++id) {
    asio::co_spawn(io, client(acceptor.local_endpoint(), id, lines, echoed), [&](std::exception_ptr error) {
      if (error) failed = true;
      if (++finished == clients) io.stop();
    });
  }
  io.run_for(std::chrono::seconds(20));  // bounded: a broken build fails, never hangs
  std::cout << "echoed " << echoed << " of " << clients * lines << " lines through sockfs descriptors" << std::endl;
  return !failed && echoed == clients * lines ? EXIT_SUCCESS : EXIT_FAILURE;
}

int serve_forever(unsigned short port) {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), port});
  asio::signal_set stop(io, SIGINT, SIGTERM);
  stop.async_wait([&](std::error_code, int) { io.stop(); });
  std::cout << "echo server on " << acceptor.local_endpoint() << std::endl;
  asio::co_spawn(io, serve(acceptor), asio::detached);
  io.run();
  return EXIT_SUCCESS;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 1) return self_test();
  const std::string_view arg = argv[1];
  unsigned short port = 0;
  const auto [end, error] = std::from_chars(arg.data(), arg.data() + arg.size(), port);
  if (argc > 2 || error != std::errc() || end != arg.data() + arg.size()) {
    std::cerr << "usage: echo_server [PORT]\n  without PORT: serve, run 3 clients, check the echoes, exit\n";
    return 2;
  }
  try {
    return serve_forever(port);
  } catch (const std::system_error& e) {
    std::cerr << "echo_server: " << e.what() << '\n';
    return EXIT_FAILURE;
  }
}
