// SPDX-License-Identifier: BSL-1.0
// Code that uses only regular files pays nothing for Asio: these headers
// must not include any of it.
#include <kvfs/io.hpp>
#include <kvfs/file_system.hpp>
#include <kvfs/fs/posixfs.hpp>
#include <kvfs/registry.hpp>
#include <kvfs/net/sockfs.hpp>
#include <kvfs/trace.hpp>

#ifdef ASIO_VERSION
#error "a kvfs header for regular files included Asio"
#endif

#include <catch2/catch.hpp>

#include "support.hpp"

TEST_CASE("regular files work without Asio in the translation unit", "[posixfs]") {
  kvfs_test::no_descriptor_leak leak_check;
  kvfs_test::temp_dir dir;
  auto f = kvfs::open(dir / "plain", O_RDWR | O_CREAT, 0644);
  CHECK(kvfs::write_all(f, "no asio here") == 12);
  std::array<char, 12> buf{};
  CHECK(kvfs::pread(f, std::as_writable_bytes(std::span(buf)), 0) == 12);
  CHECK(std::string(buf.data(), 12) == "no asio here");
}
