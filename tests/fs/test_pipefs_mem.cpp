// SPDX-License-Identifier: BSL-1.0
// pipefs and the memory devices through the static descriptor.
#include <kvfs/fs/mem.hpp>
#include <kvfs/fs/pipefs.hpp>

#include <catch2/catch.hpp>

#include "support.hpp"

#include <pthread.h>
#include <sys/sysmacros.h>
#include <csignal>
#include <algorithm>
#include <array>
#include <sstream>
#include <thread>

using kvfs_test::errno_code;

TEST_CASE("a pipe carries bytes in order; its ends are one-way and not seekable", "[pipefs]") {
  kvfs_test::no_descriptor_leak leak_check;
  auto [reader, writer] = kvfs::pipe();
  STATIC_REQUIRE_FALSE(kvfs::seekable_descriptor<kvfs::descriptor<kvfs::pipefs>>);
  STATIC_REQUIRE_FALSE(kvfs::positional_readable_descriptor<kvfs::descriptor<kvfs::pipefs>>);
  kvfs::write_all(writer, "first,");
  kvfs::write_all(writer, "second");
  std::array<char, 32> buf{};
  CHECK(std::string(buf.data(), kvfs::read(reader, std::span<char>(buf))) == "first,second");

  std::error_code ec;
  kvfs::write(reader, "x", ec);
  CHECK(ec == errno_code(EBADF));
  kvfs::read(writer, std::span<char>(buf), ec);
  CHECK(ec == errno_code(EBADF));
  CHECK(S_ISFIFO(kvfs::fstat(reader).st_mode));

  kvfs::close(writer);
  CHECK(kvfs::read(reader, std::span<char>(buf)) == 0);
}

TEST_CASE("a pipe without readers is EPIPE, and SIGPIPE does not kill", "[pipefs][sigpipe]") {
  kvfs_test::no_descriptor_leak leak_check;
  auto [reader, writer] = kvfs::pipe();
  kvfs::close(reader);
  std::error_code ec;
  kvfs::write(writer, "nobody listens", ec);
  CHECK(ec == errno_code(EPIPE));
  CHECK_FALSE(kvfs_test::sigpipe_pending());
}

TEST_CASE("SIGPIPE is blocked once per thread; each EPIPE takes back its signal", "[pipefs][sigpipe]") {
  kvfs_test::no_descriptor_leak leak_check;
  // A thread of its own, whose mask starts as its creator's: the test
  // states what kvfs does to a thread's mask (docs/design.md).
  std::thread([] {
    sigset_t unblocked;
    sigemptyset(&unblocked);
    sigaddset(&unblocked, SIGPIPE);
    pthread_sigmask(SIG_UNBLOCK, &unblocked, nullptr);
    auto [reader, writer] = kvfs::pipe();
    kvfs::write(writer, "a reader is there");
    sigset_t mask;
    pthread_sigmask(SIG_BLOCK, nullptr, &mask);
    CHECK(sigismember(&mask, SIGPIPE) == 1);  // blocked by the first write, and left so
    kvfs::close(reader);
    for (int attempt = 0; attempt < 3; ++attempt) {
      std::error_code ec;
      kvfs::write(writer, "nobody listens", ec);
      CHECK(ec == errno_code(EPIPE));
      CHECK_FALSE(kvfs_test::sigpipe_pending());
    }
  }).join();
}

TEST_CASE("pipe flags: O_NONBLOCK gives EAGAIN, others are EINVAL", "[pipefs]") {
  kvfs_test::no_descriptor_leak leak_check;
  auto [reader, writer] = kvfs::pipe(O_NONBLOCK);
  std::array<std::byte, 4> buf{};
  std::error_code ec;
  kvfs::read(reader, buf, ec);
  CHECK(ec == errno_code(EAGAIN));
  kvfs::pipe(O_APPEND, ec);
  CHECK(ec == errno_code(EINVAL));
  CHECK_THROWS_AS(kvfs::pipe(O_APPEND), std::system_error);
}

TEST_CASE("/dev/null, /dev/zero and /dev/full behave as drivers/char/mem.c", "[chrdev]") {
  std::array<std::byte, 64> buf{};
  buf.fill(std::byte{0x55});
  auto null = kvfs::open_device<kvfs::dev_null>(O_RDWR);
  CHECK(kvfs::read(null, buf) == 0);
  CHECK(kvfs::write(null, "vanishes") == 8);
  CHECK(kvfs::lseek(null, 123, SEEK_SET) == 0);
  const struct ::stat st = kvfs::fstat(null);
  CHECK(S_ISCHR(st.st_mode));
  CHECK(st.st_rdev == makedev(1, 3));

  auto zero = kvfs::open_device<kvfs::dev_zero>(O_RDONLY);
  CHECK(kvfs::read(zero, buf) == buf.size());
  CHECK(std::all_of(buf.begin(), buf.end(), [](std::byte b) { return b == std::byte{0}; }));
  std::error_code ec;
  kvfs::write(zero, "x", ec);
  CHECK(ec == errno_code(EBADF));  // opened read-only

  std::ostringstream log;
  auto full = kvfs::traced(kvfs::open_device<kvfs::dev_full>(O_WRONLY), kvfs::ostream_trace(log));
  kvfs::write(full, "x", ec);
  CHECK(ec == errno_code(ENOSPC));
  CHECK(log.str() == "write() -> vfs_write -> full: full_fops.write = -1 ENOSPC\n");
}
