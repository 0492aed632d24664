// SPDX-License-Identifier: BSL-1.0
// Descriptors as Asio asynchronous streams: every completion-token kind, on
// sockets, pipes, regular files, ramfs and chrdev files, through a static
// descriptor and through the descriptor table; cancellation; end of file.
#include <kvfs/asio/async_stream.hpp>
#include <kvfs/fs/mem.hpp>
#include <kvfs/net/net_init.hpp>
#include <kvfs/fs/pipefs.hpp>
#include <kvfs/fs/posixfs.hpp>
#include <kvfs/kernel.hpp>
#include <kvfs/net/inet.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/buffer.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/deferred.hpp>
#include <asio/io_context.hpp>
#include <asio/read.hpp>
#include <asio/read_until.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>
#include <asio/write.hpp>
#include <catch2/catch.hpp>

#include "support.hpp"
#include "tcp_support.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using kvfs_test::tcp_pair;
using kvfs_test::temp_dir;
using namespace std::chrono_literals;

namespace {

template <class S>
constexpr bool models_async_streams = requires(S& s, asio::mutable_buffer m, asio::const_buffer c) {
  s.get_executor();
  s.async_read_some(m, [](std::error_code, std::size_t) {});
  s.async_write_some(c, [](std::error_code, std::size_t) {});
};

using pipe_stream = kvfs::async_stream<kvfs::descriptor<kvfs::pipefs>>;
using socket_stream = kvfs::async_stream<tcp_pair::socket_descriptor>;
using table_stream = kvfs::async_stream<kvfs::fd>;

std::string pattern(std::size_t size) {
  std::string data(size, '\0');
  for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  return data;
}

// Runs the context until `done` or a bounded time: a broken test fails, never hangs.
template <class Done>
void run_until(asio::io_context& io, Done done) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.run_for(20ms);
    io.restart();
  }
  REQUIRE(done());
}

// Sends `size` bytes from `writer` to `reader` with asio::async_write and
// asio::async_read running at once, and checks they arrive byte-exact.
template <class Reader, class Writer>
void transfer_and_check(asio::io_context& io, Reader& reader, Writer& writer, std::size_t size) {
  const std::string sent = pattern(size);
  std::string received(sent.size(), '\0');
  std::optional<std::error_code> read_done, write_done;
  asio::async_read(reader, asio::buffer(received), [&](std::error_code ec, std::size_t) { read_done = ec; });
  asio::async_write(writer, asio::buffer(sent), [&](std::error_code ec, std::size_t) { write_done = ec; });
  run_until(io, [&] { return read_done && write_done; });
  CHECK_FALSE(*read_done);
  CHECK_FALSE(*write_done);
  CHECK(received == sent);
}

}  // namespace

TEST_CASE("every descriptor kind models AsyncReadStream and AsyncWriteStream", "[async]") {
  STATIC_REQUIRE(models_async_streams<pipe_stream>);
  STATIC_REQUIRE(models_async_streams<socket_stream>);
  STATIC_REQUIRE(models_async_streams<kvfs::async_stream<kvfs::descriptor<kvfs::posixfs>>>);
  STATIC_REQUIRE(models_async_streams<kvfs::async_stream<kvfs::descriptor<kvfs::dev_zero>>>);
  STATIC_REQUIRE(models_async_streams<table_stream>);
}

TEST_CASE("a pipe read waits in the reactor and completes through the executor, never inline", "[async]") {
  kvfs_test::no_descriptor_leak leak_check;
  asio::io_context io;
  auto [read_end, write_end] = kvfs::pipe();
  pipe_stream reader(std::move(read_end), io.get_executor());
  pipe_stream writer(std::move(write_end), io.get_executor());
  CHECK((kvfs::fcntl(reader.handle(), F_GETFL) & O_NONBLOCK) != 0);

  std::array<char, 16> buf{};
  bool initiated = false;
  std::optional<std::size_t> got;
  reader.async_read_some(asio::buffer(buf), [&](std::error_code ec, std::size_t n) {
    CHECK(initiated);  // not called from inside async_read_some
    CHECK_FALSE(ec);
    got = n;
  });
  initiated = true;
  io.poll();
  CHECK_FALSE(got);  // nothing written yet: the read is waiting

  bool wrote = false;
  writer.async_write_some(asio::buffer("hello", 5), [&](std::error_code ec, std::size_t n) {
    CHECK_FALSE(ec);
    CHECK(n == 5);
    wrote = true;
  });
  run_until(io, [&] { return got && wrote; });
  CHECK(*got == 5);
  CHECK(std::string(buf.data(), 5) == "hello");
}

TEST_CASE("asio::async_write and async_read move a megabyte through a pipe, byte-exact", "[async]") {
  kvfs_test::no_descriptor_leak leak_check;
  asio::io_context io;
  auto [read_end, write_end] = kvfs::pipe();
  pipe_stream reader(std::move(read_end), io.get_executor());
  pipe_stream writer(std::move(write_end), io.get_executor());
  transfer_and_check(io, reader, writer, 1 << 20);  // far more than the pipe holds: the writer waits too
}

TEST_CASE("a FIFO opened through posixfs waits in the reactor like a pipe", "[async]") {
  kvfs_test::no_descriptor_leak leak_check;
  asio::io_context io;
  temp_dir dir;
  const auto fifo = dir / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  using fifo_stream = kvfs::async_stream<kvfs::descriptor<kvfs::posixfs>>;
  fifo_stream reader(kvfs::open(fifo, O_RDONLY | O_NONBLOCK), io.get_executor());
  fifo_stream writer(kvfs::open(fifo, O_WRONLY), io.get_executor());
  CHECK((kvfs::fcntl(writer.handle(), F_GETFL, 0) & O_NONBLOCK) != 0);  // the stream set it
  transfer_and_check(io, reader, writer, 1 << 20);
}

TEST_CASE("a terminal read waits in the reactor instead of blocking the executor", "[async]") {
  kvfs_test::no_descriptor_leak leak_check;
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) {
    if (master >= 0) ::close(master);
    WARN("no pseudo-terminals here: not checked");
    return;
  }
  asio::io_context io;
  kvfs::async_stream terminal(kvfs::open(::ptsname(master), O_RDWR | O_NOCTTY), io.get_executor());
  REQUIRE(terminal.handle().vfs_poll_wait() != -1);  // else the read below would block the test
  std::array<char, 16> buf{};
  std::optional<std::size_t> got;
  terminal.async_read_some(asio::buffer(buf), [&](std::error_code ec, std::size_t n) {
    CHECK_FALSE(ec);
    got = n;
  });
  io.poll();  // a blocking read here would hang the test
  CHECK_FALSE(got);
  REQUIRE(::write(master, "line\n", 5) == 5);
  run_until(io, [&] { return got.has_value(); });
  CHECK(std::string(buf.data(), *got) == "line\n");
  ::close(master);
}

TEST_CASE("use_future on a TCP descriptor with the context on another thread", "[async]") {
  kvfs_test::no_descriptor_leak leak_check;
  tcp_pair pair;
  socket_stream client(std::move(pair.client), pair.io.get_executor());
  socket_stream server(std::move(pair.server), pair.io.get_executor());
  auto guard = asio::make_work_guard(pair.io);
  std::thread runner([&] { pair.io.run(); });

  std::array<char, 32> buf{};
  auto read = server.async_read_some(asio::buffer(buf), asio::use_future);
  auto written = asio::async_write(client, asio::buffer("ping\n", 5), asio::use_future);
  REQUIRE(written.wait_for(10s) == std::future_status::ready);
  REQUIRE(read.wait_for(10s) == std::future_status::ready);
  CHECK(written.get() == 5);
  const std::size_t n = read.get();
  CHECK(std::string(buf.data(), n) == "ping\n");
  guard.reset();
  runner.join();
}

TEST_CASE("co_await asio::async_write and async_read_until on sockfs descriptors", "[async]") {
  kvfs_test::no_descriptor_leak leak_check;
  tcp_pair pair;
  socket_stream client(std::move(pair.client), pair.io.get_executor());
  socket_stream server(std::move(pair.server), pair.io.get_executor());
  std::string echoed;
  bool finished = false;

  auto echo_once = [&]() -> asio::awaitable<void> {
    std::string line;
    const std::size_t n = co_await asio::async_read_until(server, asio::dynamic_buffer(line), '\n', asio::use_awaitable);
    co_await asio::async_write(server, asio::buffer(line.data(), n), asio::use_awaitable);
  };
  auto talk = [&]() -> asio::awaitable<void> {
    co_await asio::async_write(client, asio::buffer(std::string("first line\n")), asio::use_awaitable);
    const std::size_t n =
        co_await asio::async_read_until(client, asio::dynamic_buffer(echoed), '\n', asio::use_awaitable);
    echoed.resize(n);
    finished = true;
  };
  asio::co_spawn(pair.io, echo_once(), asio::detached);
  asio::co_spawn(pair.io, talk(), asio::detached);
  run_until(pair.io, [&] { return finished; });
  CHECK(echoed == "first line\n");
}

TEST_CASE("deferred operations run when invoked", "[async]") {
  kvfs_test::no_descriptor_leak leak_check;
  asio::io_context io;
  auto [read_end, write_end] = kvfs::pipe();
  pipe_stream reader(std::move(read_end), io.get_executor());
  pipe_stream writer(std::move(write_end), io.get_executor());
  auto write_op = writer.async_write_some(asio::buffer("deferred", 8), asio::experimental::deferred);
  io.poll();
  CHECK(kvfs::descriptor<kvfs::pipefs>::file_system::name == kvfs::name_c<"pipefs">);
  CHECK((reader.handle().vfs_poll() & POLLIN) == 0);  // not started yet

  std::optional<std::size_t> wrote;
  std::move(write_op)([&](std::error_code ec, std::size_t n) {
    CHECK_FALSE(ec);
    wrote = n;
  });
  run_until(io, [&] { return wrote.has_value(); });
  CHECK(*wrote == 8);
  CHECK((reader.handle().vfs_poll() & POLLIN) != 0);
}

TEST_CASE("regular files, ramfs and chrdev files complete through the executor", "[async]") {
  kvfs_test::no_descriptor_leak leak_check;
  temp_dir dir;
  asio::io_context io;

  SECTION("a regular file written then read, static descriptor") {
    kvfs::async_stream file(kvfs::open(dir.path() / "data", O_RDWR | O_CREAT, 0600), io.get_executor());
    CHECK((kvfs::fcntl(file.handle(), F_GETFL) & O_NONBLOCK) == 0);  // always ready: left as it was
    const std::string sent = pattern(100'000);
    std::optional<std::error_code> done;
    bool initiated = false;
    asio::async_write(file, asio::buffer(sent), [&](std::error_code ec, std::size_t n) {
      CHECK(initiated);
      CHECK(n == sent.size());
      done = ec;
    });
    initiated = true;
    run_until(io, [&] { return done.has_value(); });
    CHECK_FALSE(*done);
    kvfs::lseek(file.handle(), 0, SEEK_SET);
    std::string back(sent.size(), '\0');
    done.reset();
    asio::async_read(file, asio::buffer(back), [&](std::error_code ec, std::size_t) { done = ec; });
    run_until(io, [&] { return done.has_value(); });
    CHECK_FALSE(*done);
    CHECK(back == sent);

    std::array<char, 4> more{};  // at end of file: eof
    done.reset();
    file.async_read_some(asio::buffer(more), [&](std::error_code ec, std::size_t) { done = ec; });
    run_until(io, [&] { return done.has_value(); });
    CHECK(*done == asio::error::eof);
  }

  SECTION("/dev/zero and /dev/full") {
    kvfs::async_stream zero(kvfs::open_device<kvfs::dev_zero>(O_RDONLY), io.get_executor());
    std::array<char, 64> buf;
    buf.fill('x');
    std::optional<std::size_t> got;
    zero.async_read_some(asio::buffer(buf), [&](std::error_code ec, std::size_t n) {
      CHECK_FALSE(ec);
      got = n;
    });
    run_until(io, [&] { return got.has_value(); });
    CHECK(*got == buf.size());
    CHECK(std::count(buf.begin(), buf.end(), '\0') == 64);

    kvfs::async_stream full(kvfs::open_device<kvfs::dev_full>(O_WRONLY), io.get_executor());
    std::optional<std::error_code> error;
    full.async_write_some(asio::buffer("x", 1), [&](std::error_code ec, std::size_t) { error = ec; });
    run_until(io, [&] { return error.has_value(); });
    CHECK(*error == kvfs_test::errno_code(ENOSPC));
  }

  SECTION("a ramfs file through the descriptor table") {
    kvfs::process proc;
    REQUIRE(proc.mount("none", dir.path(), "ramfs") == 0);
    const int number = static_cast<int>(proc.open(dir.path() / "f", O_RDWR | O_CREAT, 0644));
    REQUIRE(number >= 0);
    table_stream file(kvfs::fd(proc, number), io.get_executor());
    std::optional<std::error_code> done;
    const std::string text = "in memory";
    asio::async_write(file, asio::buffer(text), [&](std::error_code ec, std::size_t) { done = ec; });
    run_until(io, [&] { return done.has_value(); });
    CHECK_FALSE(*done);
    std::array<char, 16> back{};
    CHECK(proc.pread(number, std::as_writable_bytes(std::span(back)), 0) == 9);
    CHECK(std::string(back.data(), 9) == "in memory");
    CHECK(proc.close(number) == 0);
  }
}

TEST_CASE("table numbers: a pipe and a socket of the process, asynchronously", "[async]") {
  kvfs_test::no_descriptor_leak leak_check;
  asio::io_context io;
  kvfs::process proc;

  SECTION("pipe") {
    std::array<int, 2> ends{};
    REQUIRE(proc.pipe(ends) == 0);
    table_stream reader(kvfs::fd(proc, ends[0]), io.get_executor());
    table_stream writer(kvfs::fd(proc, ends[1]), io.get_executor());
    CHECK((proc.fcntl(ends[0], F_GETFL) & O_NONBLOCK) != 0);
    transfer_and_check(io, reader, writer, 300'000);
    CHECK(proc.close(ends[0]) == 0);
    CHECK(proc.close(ends[1]) == 0);
  }

  SECTION("TCP socket made with socket(2), connect(2)") {
    kvfs::net_init(proc, io);
    asio::ip::tcp::acceptor listener(io, {asio::ip::make_address("127.0.0.1"), 0});
    const int sock = static_cast<int>(proc.socket(AF_INET, SOCK_STREAM, 0));
    REQUIRE(sock >= 0);
    const auto peer = listener.local_endpoint();
    REQUIRE(proc.connect(sock, peer.data(), static_cast<socklen_t>(peer.size())) == 0);
    asio::ip::tcp::socket accepted = listener.accept();

    table_stream stream(kvfs::fd(proc, sock), io.get_executor());
    std::string line;
    std::optional<std::error_code> done;
    asio::async_read_until(stream, asio::dynamic_buffer(line), '\n', [&](std::error_code ec, std::size_t) { done = ec; });
    io.poll();
    CHECK_FALSE(done);  // waiting for the peer
    asio::write(accepted, asio::buffer(std::string("from the peer\n")));
    run_until(io, [&] { return done.has_value(); });
    CHECK_FALSE(*done);
    CHECK(line == "from the peer\n");
    CHECK(proc.close(sock) == 0);
  }
}

TEST_CASE("cancellation: a waiting read ends with operation_aborted and loses nothing", "[async]") {
  kvfs_test::no_descriptor_leak leak_check;
  asio::io_context io;
  auto [read_end, write_end] = kvfs::pipe();
  pipe_stream reader(std::move(read_end), io.get_executor());
  asio::cancellation_signal cancel;
  std::array<char, 8> buf{};
  std::optional<std::error_code> result;
  std::size_t moved = 99;
  reader.async_read_some(asio::buffer(buf), asio::bind_cancellation_slot(cancel.slot(), [&](std::error_code ec, std::size_t n) {
                           result = ec;
                           moved = n;
                         }));
  io.poll();
  REQUIRE_FALSE(result);
  cancel.emit(asio::cancellation_type::terminal);
  run_until(io, [&] { return result.has_value(); });
  CHECK(*result == asio::error::operation_aborted);
  CHECK(moved == 0);

  // The stream still works, and the bytes written after the cancellation are all there.
  kvfs::write_all(write_end, "after");
  std::optional<std::size_t> got;
  reader.async_read_some(asio::buffer(buf), [&](std::error_code ec, std::size_t n) {
    CHECK_FALSE(ec);
    got = n;
  });
  run_until(io, [&] { return got.has_value(); });
  CHECK(std::string(buf.data(), *got) == "after");
}

TEST_CASE("cancellation of a file operation before it runs", "[async]") {
  kvfs_test::no_descriptor_leak leak_check;
  asio::io_context io;
  kvfs::async_stream zero(kvfs::open_device<kvfs::dev_zero>(O_RDONLY), io.get_executor());
  asio::cancellation_signal cancel;
  std::array<char, 8> buf{};
  std::optional<std::error_code> result;
  zero.async_read_some(asio::buffer(buf), asio::bind_cancellation_slot(cancel.slot(), [&](std::error_code ec, std::size_t) {
                         result = ec;
                       }));
  cancel.emit(asio::cancellation_type::total);
  run_until(io, [&] { return result.has_value(); });
  CHECK(*result == asio::error::operation_aborted);
}

TEST_CASE("end of stream and readiness", "[async]") {
  kvfs_test::no_descriptor_leak leak_check;
  asio::io_context io;
  auto [read_end, write_end] = kvfs::pipe();
  pipe_stream reader(std::move(read_end), io.get_executor());

  std::optional<std::error_code> ready;
  reader.async_wait(asio::posix::descriptor_base::wait_read, [&](std::error_code ec) { ready = ec; });
  io.poll();
  CHECK_FALSE(ready);
  kvfs::write_all(write_end, "x");
  run_until(io, [&] { return ready.has_value(); });
  CHECK_FALSE(*ready);

  std::array<char, 8> buf{};
  std::optional<std::size_t> got;
  reader.async_read_some(asio::buffer(buf), [&](std::error_code, std::size_t n) { got = n; });
  run_until(io, [&] { return got.has_value(); });
  CHECK(*got == 1);

  kvfs::close(write_end);
  std::optional<std::error_code> end;
  reader.async_read_some(asio::buffer(buf), [&](std::error_code ec, std::size_t) { end = ec; });
  run_until(io, [&] { return end.has_value(); });
  CHECK(*end == asio::error::eof);
}

TEST_CASE("destroying a stream with a waiting operation aborts it", "[async]") {
  kvfs_test::no_descriptor_leak leak_check;
  asio::io_context io;
  auto [read_end, write_end] = kvfs::pipe();
  std::optional<std::error_code> result;
  std::array<char, 8> buf{};
  {
    pipe_stream reader(std::move(read_end), io.get_executor());
    reader.async_read_some(asio::buffer(buf), [&](std::error_code ec, std::size_t) { result = ec; });
    io.poll();
    REQUIRE_FALSE(result);
  }
  run_until(io, [&] { return result.has_value(); });
  CHECK(*result == asio::error::operation_aborted);
}
