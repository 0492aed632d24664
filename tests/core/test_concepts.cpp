// SPDX-License-Identifier: BSL-1.0
// The concepts: which capabilities each policy has, what the descriptor
// concepts say of each descriptor, and the VFS's fallbacks for a user's own
// file-system type (read_iter through read, write through write_iter).
#include <kvfs/io.hpp>
#include <kvfs/fs/posixfs.hpp>
#include <kvfs/net/inet.hpp>

#include <catch2/catch.hpp>

#include "support.hpp"

#include <sys/uio.h>
#include <algorithm>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace {

using tcp_socket = kvfs::descriptor<kvfs::sockfs<kvfs::tcp>>;
using regular_file = kvfs::descriptor<kvfs::posixfs>;

// A user's file system: an in-memory log with read and write_iter only, and
// a read that returns at most `chunk` bytes, to force short transfers.
struct memlog {
  std::string data;
  std::size_t read_at = 0;
  std::size_t chunk = 3;
  int write_iter_calls = 0;
};

struct memlog_ops {
  static ssize_t read(auto& file, std::span<std::byte> buf) {
    memlog& log = file.private_data;
    const std::size_t n = std::min({buf.size(), log.chunk, log.data.size() - log.read_at});
    std::copy_n(reinterpret_cast<const std::byte*>(log.data.data()) + log.read_at, n, buf.data());
    log.read_at += n;
    return static_cast<ssize_t>(n);
  }
  static ssize_t write_iter(auto& file, std::span<const ::iovec> iov) {
    memlog& log = file.private_data;
    ++log.write_iter_calls;
    ssize_t total = 0;
    for (const ::iovec& segment : iov) {
      const std::size_t n = std::min(segment.iov_len, log.chunk);  // short writes
      log.data.append(static_cast<const char*>(segment.iov_base), n);
      total += static_cast<ssize_t>(n);
      if (n < segment.iov_len) break;
    }
    return total;
  }
};

struct memlogfs {
  static constexpr auto name = kvfs::name_c<"memlogfs">;
  using private_data = memlog;
  using file_operations = memlog_ops;
};

using memlog_file = kvfs::descriptor<memlogfs>;

// Written once against the concepts, used with every descriptor below.
template <kvfs::writable_descriptor D>
std::size_t greet(D& d) {
  return kvfs::write_all(d, "hello, descriptor\n");
}

}  // namespace

TEST_CASE("file-system types satisfy the concept; other types do not", "[concepts]") {
  STATIC_REQUIRE(kvfs::file_system_type<kvfs::posixfs>);
  STATIC_REQUIRE(kvfs::file_system_type<kvfs::sockfs<kvfs::tcp>>);
  STATIC_REQUIRE(kvfs::file_system_type<memlogfs>);
  STATIC_REQUIRE_FALSE(kvfs::file_system_type<int>);
  STATIC_REQUIRE_FALSE(kvfs::file_system_type<memlog>);
  STATIC_REQUIRE(kvfs::proto_ops<kvfs::tcp>);
}

TEST_CASE("capabilities follow the kernel's tables", "[concepts]") {
  using sockfs = kvfs::sockfs<kvfs::tcp>;
  // socket_file_ops: read_iter, write_iter, poll, release; no llseek, read, write, fsync.
  STATIC_REQUIRE(kvfs::has_read_iter<sockfs>);
  STATIC_REQUIRE(kvfs::has_write_iter<sockfs>);
  STATIC_REQUIRE(kvfs::has_poll<sockfs>);
  STATIC_REQUIRE(kvfs::has_release<sockfs>);
  STATIC_REQUIRE_FALSE(kvfs::has_llseek<sockfs>);
  STATIC_REQUIRE_FALSE(kvfs::has_read<sockfs>);
  STATIC_REQUIRE_FALSE(kvfs::has_write<sockfs>);
  STATIC_REQUIRE_FALSE(kvfs::has_fsync<sockfs>);
  STATIC_REQUIRE_FALSE(kvfs::has_pread<sockfs>);

  constexpr kvfs::fmode_t socket_mode = kvfs::capability_fmode<sockfs>();
  STATIC_REQUIRE((socket_mode & kvfs::FMODE_STREAM) != 0);
  STATIC_REQUIRE((socket_mode & (kvfs::FMODE_LSEEK | kvfs::FMODE_PREAD | kvfs::FMODE_PWRITE)) == 0);
  STATIC_REQUIRE((socket_mode & (kvfs::FMODE_CAN_READ | kvfs::FMODE_CAN_WRITE)) ==
                 (kvfs::FMODE_CAN_READ | kvfs::FMODE_CAN_WRITE));

  constexpr kvfs::fmode_t file_mode = kvfs::capability_fmode<kvfs::posixfs>();
  STATIC_REQUIRE((file_mode & kvfs::FMODE_STREAM) == 0);
  STATIC_REQUIRE((file_mode & kvfs::FMODE_LSEEK) != 0);
  STATIC_REQUIRE((file_mode & kvfs::FMODE_PREAD) != 0);

  // A type with read and write_iter can read and write, and nothing else.
  STATIC_REQUIRE(kvfs::can_read<memlogfs>);
  STATIC_REQUIRE(kvfs::can_write<memlogfs>);
  STATIC_REQUIRE_FALSE(kvfs::has_llseek<memlogfs>);
}

TEST_CASE("descriptor concepts describe what each descriptor can do", "[concepts]") {
  STATIC_REQUIRE(kvfs::readable_descriptor<regular_file>);
  STATIC_REQUIRE(kvfs::writable_descriptor<regular_file>);
  STATIC_REQUIRE(kvfs::seekable_descriptor<regular_file>);
  STATIC_REQUIRE(kvfs::positional_readable_descriptor<regular_file>);
  STATIC_REQUIRE(kvfs::syncable_descriptor<regular_file>);
  STATIC_REQUIRE_FALSE(kvfs::socket_descriptor<regular_file>);

  STATIC_REQUIRE(kvfs::readable_descriptor<tcp_socket>);
  STATIC_REQUIRE(kvfs::writable_descriptor<tcp_socket>);
  STATIC_REQUIRE(kvfs::socket_descriptor<tcp_socket>);
  STATIC_REQUIRE_FALSE(kvfs::seekable_descriptor<tcp_socket>);
  STATIC_REQUIRE_FALSE(kvfs::positional_readable_descriptor<tcp_socket>);
  STATIC_REQUIRE_FALSE(kvfs::positional_writable_descriptor<tcp_socket>);
  STATIC_REQUIRE_FALSE(kvfs::syncable_descriptor<tcp_socket>);

  STATIC_REQUIRE(kvfs::writable_descriptor<memlog_file>);
  STATIC_REQUIRE_FALSE(kvfs::seekable_descriptor<memlog_file>);
  STATIC_REQUIRE_FALSE(kvfs::stat_descriptor<memlog_file>);

  // Move-only, as an owned open file must be.
  STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<regular_file>);
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<regular_file>);
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<tcp_socket>);
}

TEST_CASE("a user's type: write goes through write_iter, write_all completes short writes", "[concepts]") {
  memlog_file log(memlog{}, O_RDWR);
  CHECK(greet(log) == 18);
  CHECK(log.private_data().data == "hello, descriptor\n");
  CHECK(log.private_data().write_iter_calls == 6);  // 18 bytes, 3 at a time
}

TEST_CASE("a user's type: readv without read_iter loops over read and stops at a short read", "[concepts]") {
  memlog_file log(memlog{"abcdefgh", 0, 3, 0}, O_RDWR);
  std::array<char, 2> first{};
  std::array<char, 8> second{};
  const std::array<::iovec, 2> iov{{{first.data(), first.size()}, {second.data(), second.size()}}};
  // Segment one takes 2 bytes in full; segment two gets a short read of 3 and the loop stops.
  CHECK(kvfs::readv(log, iov) == 5);
  CHECK(std::string(first.data(), 2) == "ab");
  CHECK(std::string(second.data(), 3) == "cde");
}

TEST_CASE("the VFS checks the access mode before calling the table", "[concepts]") {
  memlog_file read_only(memlog{"abc", 0, 3, 0}, O_RDONLY);
  std::error_code ec;
  CHECK(kvfs::write(read_only, "x", ec) == 0);
  CHECK(ec == kvfs_test::errno_code(EBADF));
  CHECK(read_only.private_data().write_iter_calls == 0);

  memlog_file write_only(memlog{"abc", 0, 3, 0}, O_WRONLY);
  std::array<std::byte, 4> buf{};
  CHECK(kvfs::read(write_only, buf, ec) == 0);
  CHECK(ec == kvfs_test::errno_code(EBADF));
  CHECK(write_only.private_data().read_at == 0);

  // A total of zero returns 0 without calling the table, as do_iter_write() does.
  CHECK(kvfs::writev(write_only, std::span<const ::iovec>{}) == 0);
  CHECK(write_only.private_data().write_iter_calls == 0);
}

TEST_CASE("a closed or moved-from descriptor answers EBADF", "[concepts]") {
  memlog_file log(memlog{}, O_RDWR);
  memlog_file moved = std::move(log);
  CHECK(moved.is_open());
  CHECK_FALSE(log.is_open());  // NOLINT(bugprone-use-after-move): the point of the test
  std::error_code ec;
  kvfs::write(log, "x", ec);
  CHECK(ec == kvfs_test::errno_code(EBADF));
  kvfs::close(moved);
  kvfs::close(moved, ec);
  CHECK(ec == kvfs_test::errno_code(EBADF));
  CHECK_THROWS_AS(kvfs::close(moved), std::system_error);
}
