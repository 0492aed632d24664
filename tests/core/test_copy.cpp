// SPDX-License-Identifier: BSL-1.0
// kvfs::copy between every kind of source and destination: byte-exact,
// large and small, with the mechanism the kernel offers for the pair.
#include <kvfs/fs/mem.hpp>
#include <kvfs/copy.hpp>
#include <kvfs/net/net_init.hpp>
#include <kvfs/fs/pipefs.hpp>
#include <kvfs/fs/posixfs.hpp>
#include <kvfs/kernel.hpp>
#include <kvfs/fs/ramfs.hpp>
#include <kvfs/net/inet.hpp>

#include <catch2/catch.hpp>

#include "support.hpp"
#include "tcp_support.hpp"

#include <algorithm>
#include <array>
#include <csignal>
#include <sstream>
#include <string>
#include <thread>

using kvfs::copy_mechanism;
using kvfs_test::temp_dir;

namespace {

std::string pattern(std::size_t size) {
  std::string data(size, '\0');
  for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<char>((i * 131 + i / 4096) % 251);
  return data;
}

template <class D>
std::string drain(D& d) {
  std::string out;
  std::array<char, 65536> buf{};
  while (const std::size_t n = kvfs::read(d, std::span<char>(buf))) out.append(buf.data(), n);
  return out;
}

kvfs::descriptor<kvfs::posixfs> file_with(const temp_dir& dir, const std::string& name, const std::string& data) {
  auto f = kvfs::open(dir / name, O_RDWR | O_CREAT | O_TRUNC, 0644);
  kvfs::write_all(f, data);
  kvfs::lseek(f, 0, SEEK_SET);
  return f;
}

}  // namespace

TEST_CASE("file to file uses copy_file_range", "[copy]") {
  kvfs_test::no_descriptor_leak leak_check;
  temp_dir dir;
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{4095}, std::size_t{3} << 20}) {
    CAPTURE(size);
    const std::string data = pattern(size);
    auto in = file_with(dir, "in", data);
    auto out = kvfs::open(dir / "out", O_RDWR | O_CREAT | O_TRUNC, 0644);
    const kvfs::copy_result r = kvfs::copy(in, out);
    CHECK(r.bytes == size);
    CHECK(r.mechanism == copy_mechanism::copy_file_range);
    CHECK(kvfs::lseek(in, 0, SEEK_CUR) == static_cast<kvfs::loff_t>(size));  // positions advance
    kvfs::lseek(out, 0, SEEK_SET);
    CHECK(drain(out) == data);
  }
}

TEST_CASE("a count stops the copy; the rest stays for the next read", "[copy]") {
  kvfs_test::no_descriptor_leak leak_check;
  temp_dir dir;
  const std::string data = pattern(10000);
  auto in = file_with(dir, "in", data);
  auto out = kvfs::open(dir / "out", O_RDWR | O_CREAT | O_TRUNC, 0644);
  CHECK(kvfs::copy(in, out, 1234).bytes == 1234);
  CHECK(kvfs::copy(in, out).bytes == 10000 - 1234);
  kvfs::lseek(out, 0, SEEK_SET);
  CHECK(drain(out) == data);
}

TEST_CASE("file to TCP socket uses sendfile, byte-exact", "[copy][sockfs]") {
  kvfs_test::no_descriptor_leak leak_check;
  temp_dir dir;
  kvfs_test::tcp_pair pair;
  const std::string data = pattern(5 << 20);
  auto in = file_with(dir, "in", data);
  std::string received;
  std::thread peer([&] { received = drain(pair.server); });
  const kvfs::copy_result r = kvfs::copy(in, pair.client);
  kvfs::close(pair.client);
  peer.join();
  CHECK(r.bytes == data.size());
  CHECK(r.mechanism == copy_mechanism::sendfile);
  CHECK(received == data);
}

TEST_CASE("a pipe on either side uses splice", "[copy][pipefs]") {
  kvfs_test::no_descriptor_leak leak_check;
  temp_dir dir;
  const std::string data = pattern(1 << 20);
  auto in = file_with(dir, "in", data);
  kvfs::pipe_pair ends = kvfs::pipe();  // named members: Clang 14 cannot capture structured bindings
  auto out = kvfs::open(dir / "out", O_RDWR | O_CREAT | O_TRUNC, 0644);

  kvfs::copy_result into_pipe, out_of_pipe;
  std::thread producer([&] {
    into_pipe = kvfs::copy(in, ends.write_end);  // file → pipe
    kvfs::close(ends.write_end);
  });
  out_of_pipe = kvfs::copy(ends.read_end, out);  // pipe → file
  producer.join();
  CHECK(into_pipe.mechanism == copy_mechanism::splice);
  CHECK(out_of_pipe.mechanism == copy_mechanism::splice);
  CHECK(into_pipe.bytes == data.size());
  CHECK(out_of_pipe.bytes == data.size());
  kvfs::lseek(out, 0, SEEK_SET);
  CHECK(drain(out) == data);
}

TEST_CASE("a non-blocking pipe: EAGAIN is waited out, not returned", "[copy][pipefs]") {
  kvfs_test::no_descriptor_leak leak_check;
  temp_dir dir;
  const std::string data = pattern(1 << 20);  // far more than the pipe holds
  auto in = file_with(dir, "in", data);
  kvfs::pipe_pair ends = kvfs::pipe(O_NONBLOCK);
  std::string received;
  std::thread consumer([&] {
    std::array<char, 4096> buf{};
    std::error_code ec;
    while (received.size() < data.size()) {
      const std::size_t n = kvfs::read(ends.read_end, std::span<char>(buf), ec);
      if (ec == std::errc::resource_unavailable_try_again) {
        std::this_thread::sleep_for(std::chrono::microseconds(100));
        continue;
      }
      if (ec || n == 0) break;
      received.append(buf.data(), n);
    }
  });
  const kvfs::copy_result r = kvfs::copy(in, ends.write_end);
  consumer.join();
  CHECK(r.bytes == data.size());
  CHECK(received == data);
}

TEST_CASE("without host descriptors on both sides, one buffer is read and written", "[copy][ramfs]") {
  kvfs_test::no_descriptor_leak leak_check;
  temp_dir dir;
  kvfs::ramfs::super_block sb;
  const std::string data = pattern(300000);
  auto host = file_with(dir, "in", data);
  auto memory = sb.open("/copy", O_RDWR | O_CREAT, 0644);

  const kvfs::copy_result to_memory = kvfs::copy(host, memory);
  CHECK(to_memory.mechanism == copy_mechanism::read_write);
  CHECK(to_memory.bytes == data.size());
  kvfs::lseek(memory, 0, SEEK_SET);
  auto back = kvfs::open(dir / "back", O_RDWR | O_CREAT | O_TRUNC, 0644);
  CHECK(kvfs::copy(memory, back).bytes == data.size());
  kvfs::lseek(back, 0, SEEK_SET);
  CHECK(drain(back) == data);

  auto zero = kvfs::open_device<kvfs::dev_zero>(O_RDONLY);
  auto null = kvfs::open_device<kvfs::dev_null>(O_WRONLY);
  CHECK(kvfs::copy(zero, null, 1 << 20).bytes == std::size_t{1} << 20);
}

TEST_CASE("copy through table numbers finds the host descriptors by f_op", "[copy][table]") {
  kvfs_test::no_descriptor_leak leak_check;
  temp_dir dir, mem;
  asio::io_context io;
  kvfs::process proc;
  kvfs::net_init(proc, io);
  REQUIRE(proc.mount("none", mem.path(), "ramfs") == 0);
  const std::string data = pattern(2 << 20);
  { auto f = file_with(dir, "in", data); }

  kvfs::fd in(proc, static_cast<int>(proc.open(dir / "in", O_RDONLY)));
  kvfs::fd out(proc, static_cast<int>(proc.open(dir / "out", O_WRONLY | O_CREAT, 0644)));
  CHECK(kvfs::copy(in, out).mechanism == copy_mechanism::copy_file_range);
  proc.lseek(in.number(), 0, SEEK_SET);
  kvfs::fd memory(proc, static_cast<int>(proc.open(mem / "m", O_RDWR | O_CREAT, 0644)));
  const kvfs::copy_result to_memory = kvfs::copy(in, memory);
  CHECK(to_memory.mechanism == copy_mechanism::read_write);
  CHECK(to_memory.bytes == data.size());
  CHECK(std::filesystem::file_size(dir / "out") == data.size());
  for (kvfs::fd* d : {&in, &out, &memory}) kvfs::close(*d);
}

TEST_CASE("copy errors: a read-only destination", "[copy]") {
  kvfs_test::no_descriptor_leak leak_check;
  temp_dir dir;
  auto in = file_with(dir, "in", "abc");
  auto out = kvfs::open(dir / "in", O_RDONLY);
  std::error_code ec;
  const kvfs::copy_result r = kvfs::copy(in, out, ec);
  CHECK(ec == kvfs_test::errno_code(EBADF));
  CHECK(r.bytes == 0);
  CHECK(kvfs::lseek(in, 0, SEEK_CUR) == 0);  // nothing was lost from the source
  CHECK_THROWS_AS(kvfs::copy(in, out), std::system_error);
}

TEST_CASE("the trace policy shows the mechanism kvfs::copy chose", "[copy][trace]") {
  kvfs_test::no_descriptor_leak leak_check;
  temp_dir dir;
  const std::string data = pattern(100'000);

  SECTION("static descriptors: file to socket is sendfile") {
    kvfs_test::tcp_pair pair;
    std::ostringstream log;
    auto in = kvfs::traced(file_with(dir, "in", data), kvfs::ostream_trace(log));
    std::string received;
    std::thread peer([&] { received = drain(pair.server); });
    kvfs::copy(in, pair.client);
    kvfs::close(pair.client);
    peer.join();
    CHECK(received == data);
    CHECK_THAT(log.str(), Catch::Contains("copy(fd " + std::to_string(in.native_handle()) +
                                          ") -> kvfs::copy: sendfile = 100000"));
  }

  SECTION("table numbers: file to file is copy_file_range") {
    kvfs::process proc;
    std::ostringstream log;
    proc.trace_to(log);
    { auto f = file_with(dir, "in", data); }
    kvfs::fd in(proc, static_cast<int>(proc.open(dir / "in", O_RDONLY)));
    kvfs::fd out(proc, static_cast<int>(proc.open(dir / "out", O_WRONLY | O_CREAT, 0644)));
    kvfs::copy(in, out);
    CHECK_THAT(log.str(), Catch::Contains("copy(fd " + std::to_string(in.number()) +
                                          ") -> kvfs::copy: copy_file_range = 100000"));
    kvfs::close(in);
    kvfs::close(out);
  }
}

// A peer that goes away mid-copy: every mechanism answers EPIPE or
// ECONNRESET, and the process, with SIGPIPE at its default disposition
// (which would kill it), lives on.
TEST_CASE("copy to a vanished peer: an error, never a SIGPIPE, on every path", "[copy][sigpipe]") {
  kvfs_test::no_descriptor_leak leak_check;
  const auto previous = std::signal(SIGPIPE, SIG_DFL);
  temp_dir dir;
  const std::string data = pattern(8 << 20);
  auto vanished = [](std::error_code ec) {
    return ec == std::errc::broken_pipe || ec == std::errc::connection_reset;
  };

  SECTION("sendfile: file to a TCP socket whose peer closed") {
    kvfs_test::tcp_pair pair;
    kvfs::close(pair.server);
    auto in = file_with(dir, "in", data);
    std::error_code ec;
    const kvfs::copy_result r = kvfs::copy(in, pair.client, ec);
    CHECK(r.mechanism == copy_mechanism::sendfile);
    CHECK(vanished(ec));
  }
  SECTION("splice: file to a pipe whose reader closed") {
    kvfs::pipe_pair ends = kvfs::pipe();
    kvfs::close(ends.read_end);
    auto in = file_with(dir, "in", data);
    std::error_code ec;
    const kvfs::copy_result r = kvfs::copy(in, ends.write_end, ec);
    CHECK(r.mechanism == copy_mechanism::splice);
    CHECK(ec == std::errc::broken_pipe);
  }
  SECTION("read/write: ramfs to a TCP socket whose peer closed") {
    kvfs::ramfs::super_block sb;
    auto in = sb.open("/in", O_RDWR | O_CREAT, 0644);
    kvfs::write_all(in, data);
    kvfs::lseek(in, 0, SEEK_SET);
    kvfs_test::tcp_pair pair;
    kvfs::close(pair.server);
    std::error_code ec;
    const kvfs::copy_result r = kvfs::copy(in, pair.client, ec);
    CHECK(r.mechanism == copy_mechanism::read_write);
    CHECK(vanished(ec));
  }
  CHECK_FALSE(kvfs_test::sigpipe_pending());
  std::signal(SIGPIPE, previous);
}

// Read `n` bytes of what arrives, then go away (the peer of a transfer in
// progress).
template <class D>
void read_then_close(D& d, std::size_t n) {
  std::array<std::byte, 65536> buf{};
  for (std::size_t got = 0; got < n;) {
    const ssize_t r = d.vfs_read(std::span(buf).first(std::min(buf.size(), n - got)));
    if (r <= 0) break;
    got += static_cast<std::size_t>(r);
  }
  kvfs::close(d);
}

// The same, with the peer leaving mid-transfer: the first megabyte has
// arrived. (copy_file_range, file to file, has no peer to lose.)
TEST_CASE("a peer that leaves mid-transfer: a count or an error, never a SIGPIPE, on every path",
          "[copy][sigpipe]") {
  kvfs_test::no_descriptor_leak leak_check;
  const auto previous = std::signal(SIGPIPE, SIG_DFL);
  temp_dir dir;
  const std::string data = pattern(64 << 20);  // more than any socket or pipe buffers
  constexpr std::size_t first = 1 << 20;
  auto ended = [&](const kvfs::copy_result& r, std::error_code ec) {
    const bool vanished = ec == std::errc::broken_pipe || ec == std::errc::connection_reset;
    return vanished && r.bytes >= first && r.bytes < data.size();
  };

  SECTION("sendfile: file to TCP") {
    kvfs_test::tcp_pair pair;
    auto in = file_with(dir, "in", data);
    std::thread peer([&] { read_then_close(pair.server, first); });
    std::error_code ec;
    const kvfs::copy_result r = kvfs::copy(in, pair.client, ec);
    peer.join();
    CHECK(r.mechanism == copy_mechanism::sendfile);
    CHECK(ended(r, ec));
  }
  SECTION("splice: file to a pipe") {
    kvfs::pipe_pair ends = kvfs::pipe();
    auto in = file_with(dir, "in", data);
    std::thread peer([&] { read_then_close(ends.read_end, first); });
    std::error_code ec;
    const kvfs::copy_result r = kvfs::copy(in, ends.write_end, ec);
    peer.join();
    CHECK(r.mechanism == copy_mechanism::splice);
    CHECK(ended(r, ec));
  }
  SECTION("read/write: ramfs to TCP") {
    kvfs::ramfs::super_block sb;
    auto in = sb.open("/in", O_RDWR | O_CREAT, 0644);
    kvfs::write_all(in, data);
    kvfs::lseek(in, 0, SEEK_SET);
    kvfs_test::tcp_pair pair;
    std::thread peer([&] { read_then_close(pair.server, first); });
    std::error_code ec;
    const kvfs::copy_result r = kvfs::copy(in, pair.client, ec);
    peer.join();
    CHECK(r.mechanism == copy_mechanism::read_write);
    CHECK(ended(r, ec));
  }
  SECTION("sendfile(2) through the table: the host's sendfile to a pipe") {
    kvfs::process proc;
    const int in = static_cast<int>(proc.open(dir / "table-in", O_RDWR | O_CREAT, 0644));
    REQUIRE(proc.write(in, kvfs::as_bytes(data)) == static_cast<long>(data.size()));
    proc.lseek(in, 0, SEEK_SET);
    std::array<int, 2> ends{};
    REQUIRE(proc.pipe(ends) == 0);
    std::thread peer([&] {
      std::array<std::byte, 65536> buf{};
      for (std::size_t got = 0; got < first;) {
        const long r = proc.read(ends[0], buf);
        if (r <= 0) break;
        got += static_cast<std::size_t>(r);
      }
      proc.close(ends[0]);
    });
    long total = 0;
    long r = 0;
    while ((r = proc.sendfile(ends[1], in, nullptr, data.size())) > 0) total += r;
    peer.join();
    CHECK(r == -EPIPE);
    CHECK(total >= static_cast<long>(first));
    proc.close(ends[1]);
    proc.close(in);
  }
  CHECK_FALSE(kvfs_test::sigpipe_pending());
  std::signal(SIGPIPE, previous);
}
