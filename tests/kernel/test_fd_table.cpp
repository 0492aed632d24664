// SPDX-License-Identifier: BSL-1.0
// The descriptor table: lowest free numbers, the limit, reference counting
// (release exactly once, after the last user), close during a blocked read,
// and many threads at once (run under ThreadSanitizer too).
#include <kvfs/kernel.hpp>
#include <kvfs/net/inet.hpp>

#include <catch2/catch.hpp>

#include "counted_fs.hpp"
#include "support.hpp"
#include "tcp_support.hpp"

#include <atomic>
#include <chrono>
#include <random>
#include <set>
#include <thread>
#include <vector>

using kvfs_test::errno_code;
using kvfs_test::install_counted;
using kvfs_test::temp_dir;

TEST_CASE("numbers are the lowest free, whatever was closed", "[table]") {
  kvfs::process proc(4096);
  std::atomic<int> releases{0};
  const int first = install_counted(proc, releases);
  REQUIRE(first == 0);
  std::set<int> open{0};
  std::mt19937 random(42);
  for (int step = 0; step < 5000; ++step) {
    if (open.size() < 2 || random() % 3 != 0) {
      int expected = 0;
      while (open.count(expected) != 0) ++expected;  // the model: lowest free
      const long fd = proc.dup(0);
      REQUIRE(fd == expected);
      open.insert(expected);
    } else {
      auto it = std::next(open.begin(), static_cast<long>(random() % (open.size() - 1)) + 1);
      REQUIRE(proc.close(*it) == 0);
      open.erase(it);
    }
  }
  CHECK(proc.files().size() == open.size());
  for (int fd : open) proc.close(fd);
  CHECK(releases == 1);  // one file, many numbers: released once, at the end
}

TEST_CASE("the limit: EMFILE for new numbers, EBADF for dup2 beyond it", "[table]") {
  kvfs::process proc(3);
  std::atomic<int> releases{0};
  CHECK(install_counted(proc, releases) == 0);
  CHECK(proc.dup(0) == 1);
  CHECK(proc.dup(0) == 2);
  CHECK(proc.dup(0) == -EMFILE);
  CHECK(proc.dup2(0, 3) == -EBADF);
  CHECK(install_counted(proc, releases) == -EMFILE);
  CHECK(releases == 1);  // the file that found no number was released at once
  proc.close(1);
  CHECK(proc.dup(2) == 1);
}

TEST_CASE("a reserved number: empty until installed, EBUSY for dup2, free again when put back", "[table]") {
  kvfs::process proc(4);
  std::atomic<int> releases{0};
  CHECK(install_counted(proc, releases) == 0);
  const int reserved = proc.files().get_unused_fd_flags(O_CLOEXEC);  // as open(2) does first
  CHECK(reserved == 1);
  CHECK(proc.read(reserved, {}) == -EBADF);  // fdget finds nothing yet
  CHECK(proc.close(reserved) == -EBADF);
  CHECK(proc.dup2(0, reserved) == -EBUSY);  // do_dup2(): an open in progress owns it
  CHECK(proc.dup(0) == 2);                  // the next free number
  proc.files().put_unused_fd(reserved);
  CHECK(proc.dup(0) == 1);
  const int second = proc.files().get_unused_fd_flags(O_CLOEXEC);
  CHECK(second == 3);
  proc.files().put_unused_fd(second);
  for (int fd : {0, 1, 2}) proc.close(fd);
  CHECK(releases == 1);
}

TEST_CASE("release runs exactly once, after the last reference", "[table]") {
  kvfs::process proc;
  std::atomic<int> releases{0};
  const int fd = install_counted(proc, releases);
  const int copy = static_cast<int>(proc.dup(fd));
  const int other = static_cast<int>(proc.dup2(fd, 10));
  CHECK(other == 10);
  {
    kvfs::file_ref held = proc.files().fdget(fd);  // a call in progress elsewhere
    proc.close(fd);
    proc.close(copy);
    proc.close(other);
    CHECK(releases == 0);
    CHECK(proc.files().size() == 0);
  }
  CHECK(releases == 1);
}

TEST_CASE("close-on-exec follows O_CLOEXEC and dup3", "[table]") {
  kvfs_test::no_descriptor_leak leak_check;
  temp_dir dir;
  kvfs::process proc;
  const int plain = static_cast<int>(proc.open(dir / "f", O_RDWR | O_CREAT, 0644));
  const int cloexec = static_cast<int>(proc.open(dir / "f", O_RDONLY | O_CLOEXEC));
  CHECK_FALSE(proc.files().close_on_exec(plain));
  CHECK(proc.files().close_on_exec(cloexec));
  CHECK(proc.dup3(plain, 20, O_CLOEXEC) == 20);
  CHECK(proc.files().close_on_exec(20));
  CHECK_FALSE(proc.files().close_on_exec(static_cast<int>(proc.dup(cloexec))));  // dup clears it
}

TEST_CASE("fd_install of a closed descriptor is EBADF", "[table]") {
  kvfs::process proc;
  kvfs::descriptor<kvfs::posixfs> closed;
  CHECK(proc.fd_install(std::move(closed)) == -EBADF);
}

TEST_CASE("the generic functions work on a number of the table", "[table]") {
  kvfs_test::no_descriptor_leak leak_check;
  temp_dir dir;
  kvfs::process proc;
  STATIC_REQUIRE(kvfs::readable_descriptor<kvfs::fd>);
  STATIC_REQUIRE(kvfs::seekable_descriptor<kvfs::fd>);
  STATIC_REQUIRE(kvfs::socket_descriptor<kvfs::fd>);  // decided at run time, as in the kernel

  kvfs::fd file(proc, static_cast<int>(proc.open(dir / "g", O_RDWR | O_CREAT, 0644)));
  CHECK(kvfs::write_all(file, "through the table") == 17);
  CHECK(kvfs::lseek(file, 8, SEEK_SET) == 8);
  std::array<char, 16> buf{};
  CHECK(std::string(buf.data(), kvfs::read(file, std::span<char>(buf))) == "the table");
  std::error_code ec;
  kvfs::shutdown(file, SHUT_WR, ec);
  CHECK(ec == errno_code(ENOTSOCK));
  kvfs::close(file);
  CHECK_FALSE(file.is_open());
  kvfs::close(file, ec);
  CHECK(ec == errno_code(EBADF));
}

TEST_CASE("/proc/self/fd lists paths, pipes and sockets", "[table]") {
  kvfs_test::no_descriptor_leak leak_check;
  temp_dir dir;
  asio::io_context io;
  kvfs::process proc;
  const int file = static_cast<int>(proc.open(dir / "listed", O_WRONLY | O_CREAT, 0644));
  std::array<int, 2> ends{};
  REQUIRE(proc.pipe(ends) == 0);
  const int null = static_cast<int>(proc.open("/dev/null", O_WRONLY));
  kvfs::tcp::acceptor listener(io, {asio::ip::make_address("127.0.0.1"), 0});
  const int sock = proc.fd_install(kvfs::tcp::connect(io, listener.local_endpoint()));
  auto peer = kvfs::tcp::accept(listener);
  struct ::stat pipe_st {
  }, sock_st{};
  proc.fstat(ends[0], pipe_st);
  proc.fstat(sock, sock_st);
  const std::string pipe_name = "pipe:[" + std::to_string(pipe_st.st_ino) + "]";
  CHECK(proc.proc_self_fd() == "l-wx------ " + std::to_string(file) + " -> " + (dir / "listed").string() + "\n" +
                                   "lr-x------ " + std::to_string(ends[0]) + " -> " + pipe_name + "\n" + "l-wx------ " +
                                   std::to_string(ends[1]) + " -> " + pipe_name + "\n" + "l-wx------ " +
                                   std::to_string(null) + " -> /dev/null\n" + "lrwx------ " + std::to_string(sock) +
                                   " -> socket:[" + std::to_string(sock_st.st_ino) + "]\n");
  for (int fd : {file, ends[0], ends[1], null, sock}) proc.close(fd);
}

TEST_CASE("close while another thread is blocked reading the socket", "[table][threads]") {
  kvfs_test::no_descriptor_leak leak_check;
  asio::io_context io;
  kvfs::process proc;
  kvfs::tcp::acceptor listener(io, {asio::ip::make_address("127.0.0.1"), 0});
  const int fd = proc.fd_install(kvfs::tcp::connect(io, listener.local_endpoint()));
  auto peer = kvfs::tcp::accept(listener);

  std::atomic<bool> reading{false};
  long got = 0;
  std::array<std::byte, 16> buf{};
  std::thread reader([&] {
    reading = true;
    got = proc.read(fd, buf);  // blocks until the peer writes
  });
  // Wait (bounded) until the reader holds its reference: the table's, the
  // reader's and this probe's make three.
  for (int i = 0; i < 5000; ++i) {
    if (reading && proc.files().fdget(fd)->count() >= 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // and is blocked in recv

  CHECK(proc.close(fd) == 0);  // the number goes at once...
  CHECK(proc.files().size() == 0);
  temp_dir dir;
  const long reused = proc.open(dir / "next", O_WRONLY | O_CREAT, 0644);
  CHECK(reused == fd);  // ...and is reused, while the reader still holds the socket

  kvfs::write_all(peer, "wake up");
  reader.join();
  CHECK(got == 7);
  // The reader's reference was the last: the socket is released now, so the peer sees end of stream.
  std::array<char, 4> tail{};
  CHECK(kvfs::read(peer, std::span<char>(tail)) == 0);
  proc.close(static_cast<int>(reused));
}

TEST_CASE("many threads open, dup, write, read and close on one table", "[table][threads]") {
  kvfs_test::no_descriptor_leak leak_check;
  temp_dir dir;
  kvfs::process proc;
  const int shared = static_cast<int>(proc.open(dir / "shared", O_RDWR | O_CREAT | O_APPEND, 0644));
  constexpr int threads = 4, rounds = 300;
  std::atomic<long> written{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::array<std::byte, 8> buf{};
      for (int i = 0; i < rounds; ++i) {
        const long copy = proc.dup(shared);
        if (copy < 0) continue;
        if (proc.write(static_cast<int>(copy),
                       kvfs::as_bytes("0123456789abcdef").first(static_cast<std::size_t>(t + 1))) > 0) {
          written += t + 1;
        }
        proc.pread(static_cast<int>(copy), buf, 0);
        std::array<int, 2> ends{};
        if (proc.pipe(ends) == 0) {
          proc.write(ends[1], kvfs::as_bytes("p"));
          proc.read(ends[0], buf);
          proc.close(ends[0]);
          proc.close(ends[1]);
        }
        proc.close(static_cast<int>(copy));
      }
    });
  }
  for (auto& w : workers) w.join();
  struct ::stat st {};
  REQUIRE(proc.fstat(shared, st) == 0);
  CHECK(st.st_size == written.load());
  CHECK(written.load() == rounds * (1 + 2 + 3 + 4));
  CHECK(proc.files().size() == 1);
  proc.close(shared);
}

TEST_CASE("a table one thread uses is read without a reference; a second thread makes it shared for good",
          "[table][threads]") {
  kvfs::process proc;
  std::atomic<int> releases{0};
  const int fd = install_counted(proc, releases);
  REQUIRE(proc.write(fd, kvfs::as_bytes("x")) == 1);
  {
    // __fget_light(): the write holds the file without a reference.
    const kvfs::fd_light light = proc.files().fdget_light(fd);
    CHECK(light->count() == 1);
  }
  CHECK_FALSE(proc.files().shared());
  std::thread([&] { CHECK(proc.fcntl(fd, F_GETFL) == O_WRONLY); }).join();
  CHECK(proc.files().shared());
  {
    const kvfs::fd_light counted_ref = proc.files().fdget_light(fd);
    CHECK(counted_ref->count() == 2);  // shared: a counted reference, as fdget
  }
  CHECK(proc.close(fd) == 0);
  CHECK(releases == 1);
}

TEST_CASE("the owner blocked in a light read: another thread closes the number and wakes it", "[table][threads]") {
  kvfs_test::no_descriptor_leak leak_check;
  kvfs::process proc;
  std::array<int, 2> ends{};
  REQUIRE(proc.pipe(ends) == 0);  // this thread owns the table
  std::atomic<bool> closed{false};
  long late_write = 0;
  std::thread other([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the owner is in read(2) by now
    // The newcomer makes the table shared without waiting for that read
    // (it waits for the writes below), closes the read end under it (the
    // table's reference is deferred: the reader still uses the file)...
    CHECK(proc.close(ends[0]) == 0);
    closed = true;
    // ...and the pipe still has its reader, so the write goes through.
    late_write = proc.write(ends[1], kvfs::as_bytes("late"));
  });
  std::array<std::byte, 8> buf{};
  const long got = proc.read(ends[0], buf);  // blocks until the other thread writes
  other.join();
  CHECK(closed);
  CHECK(got == 4);
  CHECK(late_write == 4);
  // The read was the last user of the read end: released at its end, so
  // the pipe has no reader now.
  CHECK(proc.write(ends[1], kvfs::as_bytes("x")) == -EPIPE);
  CHECK(proc.close(ends[1]) == 0);
}
