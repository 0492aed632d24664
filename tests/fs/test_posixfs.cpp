// SPDX-License-Identifier: BSL-1.0
// posixfs on real files in a temporary directory. Where a scenario comes
// from conformance.md, the raw system calls run beside kvfs and must agree.
#include <kvfs/fs/posixfs.hpp>

#include <catch2/catch.hpp>

#include "support.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <array>
#include <csignal>
#include <cstddef>
#include <cstdlib>
#include <string>

using kvfs_test::bytes;
using kvfs_test::errno_code;
using kvfs_test::temp_dir;
using kvfs_test::text;

namespace {

std::string contents(const std::filesystem::path& path) {
  auto f = kvfs::open(path, O_RDONLY);
  std::string out;
  std::array<char, 4096> buf{};
  while (const std::size_t n = kvfs::read(f, std::span<char>(buf))) out.append(buf.data(), n);
  return out;
}

// The raw kernel's answer: the result, or -errno.
long raw(long result) { return result < 0 ? -errno : result; }

}  // namespace

TEST_CASE("open reports a clear error and opens nothing on bad input", "[posixfs]") {
  kvfs_test::no_descriptor_leak leak_check;
  temp_dir dir;
  std::error_code ec;

  auto missing = kvfs::open(dir / "missing", O_RDONLY, 0, ec);
  CHECK(ec == errno_code(ENOENT));
  CHECK_FALSE(missing.is_open());

  try {
    kvfs::open(dir / "missing", O_RDONLY);
    FAIL("open of a missing file did not throw");
  } catch (const std::filesystem::filesystem_error& e) {
    CHECK(e.code() == errno_code(ENOENT));
    CHECK(e.path1() == dir / "missing");
  }

  kvfs::open(dir / "exists", O_WRONLY | O_CREAT, 0600);
  kvfs::open(dir / "exists", O_WRONLY | O_CREAT | O_EXCL, 0600, ec);
  CHECK(ec == errno_code(EEXIST));

  kvfs::open(dir.path(), O_WRONLY, 0, ec);  // a directory cannot be opened for writing
  CHECK(ec == errno_code(EISDIR));

  CHECK_THROWS_AS(kvfs::adopt(-1, O_RDONLY), std::system_error);
}

TEST_CASE("conformance 1-2, 4: writes of every size, NULL writes, read to EOF", "[posixfs][conformance]") {
  kvfs_test::no_descriptor_leak leak_check;
  temp_dir dir;
  std::string expected;
  {
    auto f = kvfs::open(dir / "sizes", O_RDWR | O_CREAT | O_TRUNC, 0644);
    const int raw_fd = ::open((dir / "raw").c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
    std::string block(BUFSIZ, 'x');
    for (std::size_t n = BUFSIZ; n >= 1; n /= 2) {
      block.assign(n, static_cast<char>('a' + n % 26));
      CHECK(kvfs::write(f, block) == n);
      CHECK(raw(::write(raw_fd, block.data(), n)) == static_cast<long>(n));
      expected += block;
    }
    CHECK(kvfs::write(f, std::span<const std::byte>()) == 0);
    CHECK(raw(::write(raw_fd, nullptr, 0)) == 0);

    kvfs::lseek(f, 0, SEEK_SET);
    std::string back(expected.size(), '\0');
    CHECK(kvfs::read(f, std::span<char>(back)) == expected.size());
    CHECK(back == expected);
    std::array<char, 16> more{};
    CHECK(kvfs::read(f, std::span<char>(more)) == 0);  // at EOF
    ::close(raw_fd);
  }
  CHECK(contents(dir / "sizes") == expected);
}

TEST_CASE("conformance 3: O_APPEND writes at the end", "[posixfs][conformance]") {
  kvfs_test::no_descriptor_leak leak_check;
  temp_dir dir;
  {
    auto f = kvfs::open(dir / "log", O_WRONLY | O_CREAT, 0644);
    kvfs::write_all(f, std::string(2048, 'a'));
  }
  auto f = kvfs::open(dir / "log", O_WRONLY | O_APPEND);
  kvfs::write_all(f, std::string(1024, 'b'));
  CHECK(kvfs::fstat(f).st_size == 3072);
  CHECK(kvfs::lseek(f, 0, SEEK_CUR) == 3072);
  CHECK((f.file().f_flags & O_APPEND) != 0);
}

TEST_CASE("conformance 5-7: lseek positions, bad offsets and holes agree with the kernel", "[posixfs][conformance]") {
  kvfs_test::no_descriptor_leak leak_check;
  temp_dir dir;
  auto f = kvfs::open(dir / "abc", O_RDWR | O_CREAT | O_TRUNC, 0644);
  const int raw_fd = ::open((dir / "abc").c_str(), O_RDWR);
  kvfs::write_all(f, "abcdefg");

  struct seek_case {
    kvfs::loff_t offset;
    int whence;
    long expect;
  };
  // Each pair of calls starts from offset 7 (after the write, re-set each time).
  for (const seek_case c :
       {seek_case{4, SEEK_SET, 4}, seek_case{-2, SEEK_CUR, 5}, seek_case{-4, SEEK_END, 3}, seek_case{0, SEEK_END, 7},
        seek_case{-1, SEEK_SET, -EINVAL}, seek_case{-8, SEEK_END, -EINVAL}, seek_case{0, 42, -EINVAL}}) {
    CAPTURE(c.offset, c.whence);
    kvfs::lseek(f, 7, SEEK_SET);
    ::lseek(raw_fd, 7, SEEK_SET);
    std::error_code ec;
    const kvfs::loff_t got = kvfs::lseek(f, c.offset, c.whence, ec);
    const long kernel = raw(::lseek(raw_fd, c.offset, c.whence));
    CHECK(kernel == c.expect);
    CHECK((ec ? -ec.value() : got) == kernel);
  }

  kvfs::lseek(f, 4, SEEK_SET);
  std::array<char, 8> buf{};
  CHECK(text(std::as_bytes(std::span(buf.data(), kvfs::read(f, std::span<char>(buf))))) == "efg");

  // A write past the end leaves a hole that reads as zeros.
  CHECK(kvfs::lseek(f, 100, SEEK_SET) == 100);
  kvfs::write_all(f, "Z");
  CHECK(kvfs::fstat(f).st_size == 101);
  std::array<std::byte, 93> hole{};
  hole.fill(std::byte{0xff});
  CHECK(kvfs::pread(f, hole, 7) == 93);
  CHECK(std::all_of(hole.begin(), hole.end(), [](std::byte b) { return b == std::byte{0}; }));
  ::close(raw_fd);
}

TEST_CASE("conformance 8-9, 11: pread and pwrite leave the offset alone", "[posixfs][conformance]") {
  kvfs_test::no_descriptor_leak leak_check;
  temp_dir dir;
  auto f = kvfs::open(dir / "p", O_RDWR | O_CREAT | O_TRUNC, 0644);
  kvfs::write_all(f, "0123456789");
  kvfs::lseek(f, 2, SEEK_SET);

  CHECK(kvfs::pwrite(f, bytes("XY"), 5) == 2);
  CHECK(kvfs::pwrite(f, std::span<const std::byte>(), 0) == 0);
  std::array<std::byte, 4> buf{};
  CHECK(kvfs::pread(f, buf, 4) == 4);
  CHECK(text(buf) == "4XY7");
  CHECK(kvfs::lseek(f, 0, SEEK_CUR) == 2);

  std::error_code ec;
  kvfs::pread(f, buf, -1, ec);
  CHECK(ec == errno_code(EINVAL));
  kvfs::pwrite(f, bytes("x"), -1, ec);
  CHECK(ec == errno_code(EINVAL));

  auto read_only = kvfs::open(dir / "p", O_RDONLY);
  kvfs::pwrite(read_only, bytes("x"), 0, ec);
  CHECK(ec == errno_code(EBADF));
  // The kernel checks the offset before the descriptor: EINVAL wins over EBADF.
  kvfs::pwrite(read_only, bytes("x"), -1, ec);
  CHECK(ec == errno_code(EINVAL));
  CHECK(raw(::pwrite(read_only.native_handle(), "x", 1, -1)) == -EINVAL);
}

TEST_CASE("conformance 10: the access mode is enforced like the kernel's", "[posixfs][conformance]") {
  kvfs_test::no_descriptor_leak leak_check;
  temp_dir dir;
  kvfs::open(dir / "m", O_WRONLY | O_CREAT, 0644);
  auto read_only = kvfs::open(dir / "m", O_RDONLY);
  auto write_only = kvfs::open(dir / "m", O_WRONLY);
  std::error_code ec;
  std::array<std::byte, 4> buf{};

  kvfs::write(read_only, "x", ec);
  CHECK(ec == errno_code(EBADF));
  CHECK(raw(::write(read_only.native_handle(), "x", 1)) == -EBADF);

  kvfs::read(write_only, buf, ec);
  CHECK(ec == errno_code(EBADF));
  CHECK(raw(::read(write_only.native_handle(), buf.data(), buf.size())) == -EBADF);
  CHECK(kvfs::fstat(read_only).st_size == 0);  // nothing was written
}

TEST_CASE("conformance 12-13: readv, writev and fsync", "[posixfs][conformance]") {
  kvfs_test::no_descriptor_leak leak_check;
  temp_dir dir;
  auto f = kvfs::open(dir / "v", O_RDWR | O_CREAT | O_TRUNC, 0644);
  std::string a = "alpha-", b = "beta-", c = "gamma";
  const std::array<::iovec, 3> out{{{a.data(), a.size()}, {b.data(), b.size()}, {c.data(), c.size()}}};
  CHECK(kvfs::writev(f, out) == 16);
  const std::array<::iovec, 2> empty{{{a.data(), 0}, {b.data(), 0}}};
  CHECK(kvfs::writev(f, empty) == 0);

  kvfs::lseek(f, 0, SEEK_SET);
  std::array<char, 3> x{};
  std::array<char, 20> y{};
  const std::array<::iovec, 2> in{{{x.data(), x.size()}, {y.data(), y.size()}}};
  CHECK(kvfs::readv(f, in) == 16);
  CHECK(std::string(x.data(), 3) + std::string(y.data(), 13) == "alpha-beta-gamma");

  std::vector<::iovec> too_many(1025, ::iovec{a.data(), 1});
  std::error_code ec;
  kvfs::writev(f, too_many, ec);
  CHECK(ec == errno_code(EINVAL));
  CHECK(raw(::writev(f.native_handle(), too_many.data(), 1025)) == -EINVAL);

  CHECK_NOTHROW(kvfs::fsync(f));
  CHECK(S_ISREG(kvfs::fstat(f).st_mode));
}

TEST_CASE("close releases once; a second close is EBADF; the destructor closes", "[posixfs]") {
  kvfs_test::no_descriptor_leak leak_check;
  temp_dir dir;
  const std::size_t before = kvfs_test::open_descriptor_count();
  {
    auto f = kvfs::open(dir / "c", O_WRONLY | O_CREAT, 0644);
    CHECK(kvfs_test::open_descriptor_count() == before + 1);
    auto moved = std::move(f);
    CHECK(kvfs_test::open_descriptor_count() == before + 1);
  }
  CHECK(kvfs_test::open_descriptor_count() == before);

  auto f = kvfs::open(dir / "c", O_RDONLY);
  const int fd = f.native_handle();
  kvfs::close(f);
  CHECK(::fcntl(fd, F_GETFD) == -1);
  std::error_code ec;
  kvfs::close(f, ec);
  CHECK(ec == errno_code(EBADF));
  std::array<std::byte, 1> buf{};
  kvfs::read(f, buf, ec);
  CHECK(ec == errno_code(EBADF));
  kvfs::lseek(f, 0, SEEK_SET, ec);
  CHECK(ec == errno_code(EBADF));
}

TEST_CASE("short writes are reported and write_all stops at the error with the count", "[posixfs]") {
  kvfs_test::no_descriptor_leak leak_check;
  std::array<int, 2> ends{};
  REQUIRE(::pipe2(ends.data(), O_CLOEXEC | O_NONBLOCK) == 0);
  auto reader = kvfs::adopt(ends[0], O_RDONLY | O_NONBLOCK);
  auto writer = kvfs::adopt(ends[1], O_WRONLY | O_NONBLOCK);
  const auto capacity = static_cast<std::size_t>(::fcntl(ends[1], F_GETPIPE_SZ));

  const std::string big(capacity * 2, 'p');
  std::error_code ec;
  CHECK(kvfs::write(writer, big, ec) == capacity);  // a short write, no error
  CHECK_FALSE(ec);
  CHECK(kvfs::write_all(writer, big, ec) == 0);  // full: EAGAIN at once
  CHECK(ec == errno_code(EAGAIN));

  std::array<std::byte, 1> one{};
  std::size_t drained = 0;
  while (kvfs::read(reader, one, ec) == 1) ++drained;
  CHECK(drained == capacity);
  CHECK(ec == errno_code(EAGAIN));  // conformance 28: empty non-blocking pipe
}

TEST_CASE("writing to a FIFO with no reader is EPIPE, and SIGPIPE does not kill", "[posixfs][sigpipe]") {
  kvfs_test::no_descriptor_leak leak_check;
  temp_dir dir;
  const auto fifo = dir / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  auto reader = kvfs::open(fifo, O_RDONLY | O_NONBLOCK);
  auto writer = kvfs::open(fifo, O_WRONLY);
  kvfs::write_all(writer, "one");
  kvfs::close(reader);

  std::error_code ec;
  CHECK(kvfs::write(writer, "two", ec) == 0);
  CHECK(ec == errno_code(EPIPE));
  const std::array<::iovec, 2> iov{{{const_cast<char*>("a"), 1}, {const_cast<char*>("b"), 1}}};
  kvfs::writev(writer, iov, ec);
  CHECK(ec == errno_code(EPIPE));

  CHECK_FALSE(kvfs_test::sigpipe_pending());  // taken back, not left pending
}

TEST_CASE("a socket adopted into posixfs: EPIPE on a closed peer, and SIGPIPE does not kill", "[posixfs][sigpipe]") {
  kvfs_test::no_descriptor_leak leak_check;
  std::array<int, 2> ends{};
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends.data()) == 0);
  auto sock = kvfs::adopt(ends[0], O_RDWR);
  REQUIRE(::close(ends[1]) == 0);
  std::error_code ec;
  CHECK(kvfs::write(sock, "to nobody", ec) == 0);
  CHECK(ec == errno_code(EPIPE));
  CHECK_FALSE(kvfs_test::sigpipe_pending());
}

TEST_CASE("vfs_poll: a regular file is always ready, a FIFO answers pipe_poll", "[posixfs][poll]") {
  kvfs_test::no_descriptor_leak leak_check;
  temp_dir dir;
  auto file = kvfs::open(dir / "regular", O_RDWR | O_CREAT);
  CHECK(file.vfs_poll() == (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM));  // DEFAULT_POLLMASK
  CHECK(file.vfs_poll_wait() == -1);

  const auto fifo = dir / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  auto reader = kvfs::open(fifo, O_RDONLY | O_NONBLOCK);
  auto writer = kvfs::open(fifo, O_WRONLY);
  CHECK((reader.vfs_poll() & POLLIN) == 0);  // empty: not readable yet
  CHECK((writer.vfs_poll() & POLLOUT) != 0);
  CHECK(reader.vfs_poll_wait() == reader.native_handle());
  kvfs::write_all(writer, "x");
  CHECK((reader.vfs_poll() & POLLIN) != 0);
}

TEST_CASE("vfs_poll_wait: a terminal can be waited for, /dev/null cannot", "[posixfs][poll]") {
  kvfs_test::no_descriptor_leak leak_check;
  CHECK(kvfs::open("/dev/null", O_RDWR).vfs_poll_wait() == -1);  // epoll refuses it: always ready

  const int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) {
    if (master >= 0) ::close(master);
    WARN("no pseudo-terminals here: the terminal half is not checked");
    return;
  }
  auto terminal = kvfs::open(::ptsname(master), O_RDWR | O_NOCTTY);
  CHECK(terminal.vfs_poll_wait() == terminal.native_handle());
  CHECK((terminal.vfs_poll() & POLLIN) == 0);  // nothing typed yet
  REQUIRE(::write(master, "typed\n", 6) == 6);
  pollfd ready{terminal.native_handle(), POLLIN, 0};
  REQUIRE(::poll(&ready, 1, 5000) == 1);
  CHECK((terminal.vfs_poll() & POLLIN) != 0);
  ::close(master);
}
