// SPDX-License-Identifier: BSL-1.0
// A coroutine echo server whose connections are sockfs descriptors.
//
// Each accepted socket goes through sock_alloc_file(), so a connection is a
// descriptor<sockfs<tcp>> whose f_op is socket_file_ops, exactly as the
// kernel wraps an accepted socket in a file. kvfs::async_stream makes it an
// Asio stream: co_await asio::async_read_until and asio::async_write go
// through vfs_read/vfs_write -> socket_file_ops -> sock_recvmsg/sendmsg.
//
//   echo_server            self-test: serve, run the clients below, check, exit
//   echo_server PORT       serve on 127.0.0.1:PORT until SIGINT/SIGTERM
//                          (try: printf 'hi\n' | nc 127.0.0.1 PORT)
//
// A line is at most 64 KiB (max_line): a longer one gets an error line and
// the connection closes, so one client can never grow the server's memory
// without bound; the server goes on serving the others. A last line
// without a newline is echoed when the client ends its side.
#include <kvfs/kvfs.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/read_until.hpp>
#include <asio/redirect_error.hpp>
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

constexpr std::size_t max_line = 64 * 1024;
constexpr std::string_view too_long = "echo_server: line longer than 65536 bytes; closing\n";

// Echoes line by line; the buffer never holds more than max_line bytes.
asio::awaitable<void> echo(connection conn) {
  std::string pending;
  std::error_code ec;
  for (;;) {
    const std::size_t n = co_await asio::async_read_until(conn, asio::dynamic_buffer(pending, max_line), '\n',
                                                          asio::redirect_error(use_awaitable, ec));
    if (ec == asio::error::not_found) {  // max_line bytes and no newline
      co_await asio::async_write(conn, asio::buffer(too_long), asio::redirect_error(use_awaitable, ec));
      break;
    }
    if (ec == asio::error::eof) {  // what is left is a last line without a newline
      if (!pending.empty()) co_await asio::async_write(conn, asio::buffer(pending), asio::redirect_error(use_awaitable, ec));
      break;
    }
    if (!ec) co_await asio::async_write(conn, asio::buffer(pending.data(), n), asio::redirect_error(use_awaitable, ec));
    if (ec) break;
    pending.erase(0, n);
  }
  if (ec && ec != asio::error::eof && ec != asio::error::not_found) std::cerr << "echo: " << ec.message() << '\n';
}

// -q: no line per connection (500 clients are not 500 lines).
bool quiet = false;

asio::awaitable<void> serve(asio::ip::tcp::acceptor& acceptor) {
  for (int accepted = 1;; ++accepted) {
    connection conn = as_sockfs_file(co_await acceptor.async_accept(use_awaitable));
    if (!quiet)
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

// Reads what the server sends until it closes.
asio::awaitable<std::string> read_to_end(connection& conn) {
  std::string received;
  std::error_code ec;
  co_await asio::async_read(conn, asio::dynamic_buffer(received), asio::redirect_error(use_awaitable, ec));
  if (ec != asio::error::eof) throw std::system_error(ec, "read_to_end");
  co_return received;
}

// A client whose last line has no newline: it is echoed when the client
// shuts its side down.
asio::awaitable<void> unterminated_client(asio::ip::tcp::endpoint server, bool& echoed) {
  asio::ip::tcp::socket socket(co_await asio::this_coro::executor);
  co_await socket.async_connect(server, use_awaitable);
  connection conn = as_sockfs_file(std::move(socket));
  const std::string text = "first\nlast, with no newline";
  co_await asio::async_write(conn, asio::buffer(text), use_awaitable);
  conn.handle().sock_shutdown(SHUT_WR);
  echoed = co_await read_to_end(conn) == text;
}

// A client whose line never ends: max_line bytes without a newline get the
// error line and the end of the connection; the server still serves a
// client after it.
asio::awaitable<void> endless_line_client(asio::ip::tcp::endpoint server, bool& refused, int& echoed) {
  asio::ip::tcp::socket socket(co_await asio::this_coro::executor);
  co_await socket.async_connect(server, use_awaitable);
  connection conn = as_sockfs_file(std::move(socket));
  const std::string endless(max_line, 'x');
  co_await asio::async_write(conn, asio::buffer(endless), use_awaitable);
  refused = co_await read_to_end(conn) == too_long;
  co_await client(server, 99, 1, echoed);
}

int self_test() {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::co_spawn(io, serve(acceptor), asio::detached);
  constexpr int clients = 3;
  constexpr int lines = 5;
  int echoed = 0;
  bool last_line_echoed = false;
  bool endless_line_refused = false;
  int finished = 0;
  bool failed = false;
  auto done = [&](std::exception_ptr error) {
    if (error) failed = true;
    if (++finished == clients + 2) io.stop();
  };
  for (int id = 1; id <= clients; ++id) asio::co_spawn(io, client(acceptor.local_endpoint(), id, lines, echoed), done);
  asio::co_spawn(io, unterminated_client(acceptor.local_endpoint(), last_line_echoed), done);
  asio::co_spawn(io, endless_line_client(acceptor.local_endpoint(), endless_line_refused, echoed), done);
  io.run_for(std::chrono::seconds(20));  // bounded: a broken build fails, never hangs
  const int expected = clients * lines + 1;
  std::cout << "echoed " << echoed << " of " << expected << " lines through sockfs descriptors\n"
            << "a last line without a newline: " << (last_line_echoed ? "echoed" : "LOST") << '\n'
            << "a line without end: " << (endless_line_refused ? "refused at 64 KiB" : "NOT REFUSED") << std::endl;
  return !failed && echoed == expected && last_line_echoed && endless_line_refused ? EXIT_SUCCESS : EXIT_FAILURE;
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

static int usage(std::ostream& out, int status) {
  out << "usage: echo_server [-q] [PORT]\n"
         "  PORT      serve on 127.0.0.1:PORT until SIGINT or SIGTERM\n"
         "  without PORT: serve, run 3 clients, check the echoes, exit\n"
         "  -q        quiet: no line per connection (errors are still printed)\n";
  return status;
}

int main(int argc, char** argv) {
  int at = 1;
  for (; at < argc && argv[at][0] == '-'; ++at) {
    const std::string_view option = argv[at];
    if (option == "-q") {
      quiet = true;
    } else if (option == "-h" || option == "--help") {
      return usage(std::cout, 0);
    } else {
      return usage(std::cerr, 2);
    }
  }
  if (at == argc) return self_test();
  const std::string_view arg = argv[at];
  unsigned short port = 0;
  const auto [end, error] = std::from_chars(arg.data(), arg.data() + arg.size(), port);
  if (at + 1 < argc || error != std::errc() || end != arg.data() + arg.size()) return usage(std::cerr, 2);
  try {
    return serve_forever(port);
  } catch (const std::system_error& e) {
    std::cerr << "echo_server: " << e.what() << '\n';
    return EXIT_FAILURE;
  }
}
