// SPDX-License-Identifier: BSL-1.0
// The compile-time registry: register_filesystem, get_fs_type by a
// compile-time and a run-time name, and the /proc/filesystems listing.
#include <kvfs/fs/pipefs.hpp>
#include <kvfs/fs/posixfs.hpp>
#include <kvfs/registry.hpp>
#include <kvfs/net/inet.hpp>

#include <boost/hana/string.hpp>
#include <catch2/catch.hpp>

#include <type_traits>

namespace {

struct notesfs_ops {
  static ssize_t read(auto&, std::span<std::byte>) { return 0; }
};
struct notesfs {
  static constexpr auto name = kvfs::name_c<"notesfs">;
  struct private_data {};
  using file_operations = notesfs_ops;
};

using tcp_sockfs = kvfs::sockfs<kvfs::tcp>;

// sock_init() and friends: the boot sequence, at compile time.
constexpr auto file_systems = kvfs::registry<>{}
                                  .register_filesystem<kvfs::posixfs>()
                                  .register_filesystem<tcp_sockfs>()
                                  .register_filesystem<notesfs>();

}  // namespace

TEST_CASE("register_filesystem appends in order and equals the spelled-out registry", "[registry]") {
  STATIC_REQUIRE(
      std::is_same_v<std::remove_const_t<decltype(file_systems)>, kvfs::registry<kvfs::posixfs, tcp_sockfs, notesfs>>);
  STATIC_REQUIRE(file_systems.size() == 3);
  STATIC_REQUIRE(kvfs::registry<>::size() == 0);
}

TEST_CASE("get_fs_type by compile-time name gives the registered type", "[registry]") {
  constexpr auto sockfs_name = BOOST_HANA_STRING("sockfs");
  using found = decltype(file_systems.get_fs_type(sockfs_name))::type;
  STATIC_REQUIRE(std::is_same_v<found, tcp_sockfs>);
  STATIC_REQUIRE(decltype(file_systems.contains(kvfs::name_c<"notesfs">))::value);
  STATIC_REQUIRE_FALSE(decltype(file_systems.contains(kvfs::name_c<"ext4">))::value);
}

TEST_CASE("get_fs_type by run-time name", "[registry]") {
  const auto sockfs = file_systems.find("sockfs");
  REQUIRE(sockfs.has_value());
  CHECK(sockfs->name == "sockfs");
  CHECK(sockfs->index == 1);
  CHECK(sockfs->nodev());
  CHECK(sockfs->pseudo());

  const auto posixfs = file_systems.find("posixfs");
  REQUIRE(posixfs.has_value());
  CHECK(posixfs->index == 0);
  CHECK_FALSE(posixfs->nodev());
  CHECK_FALSE(posixfs->pseudo());

  CHECK_FALSE(file_systems.find("ext4").has_value());
  CHECK_FALSE(file_systems.find("").has_value());
  CHECK_FALSE(file_systems.find("sockfs ").has_value());
  CHECK_FALSE(file_systems.find("SOCKFS").has_value());

  // The run-time lookup is usable in constant expressions too.
  STATIC_REQUIRE(file_systems.find("notesfs")->index == 2);
}

TEST_CASE("the listing has /proc/filesystems' format", "[registry]") {
  CHECK(file_systems.proc_filesystems() == "\tposixfs\nnodev\tsockfs\nnodev\tnotesfs\n");
  CHECK(kvfs::registry<>::proc_filesystems().empty());
}

TEST_CASE("capabilities list the members each table sets", "[registry][concepts]") {
  CHECK(kvfs::capabilities<tcp_sockfs>() == "read_iter write_iter poll poll_wait fasync getattr release splice_write splice_read host_fd");
  CHECK(kvfs::capabilities<kvfs::posixfs>() ==
        "llseek read write read_iter write_iter pread pwrite poll poll_wait setfl fasync iterate_shared fsync getattr setattr release splice_write splice_read host_fd");
  CHECK(kvfs::capabilities<kvfs::pipefs>() == "read write read_iter write_iter poll poll_wait setfl fasync getattr setattr release host_fd");
  CHECK(kvfs::capabilities<notesfs>() == "read");
}
