// SPDX-License-Identifier: BSL-1.0
// The static path of the namespace half: vfs_* called directly on ramfs's
// own inodes, and on a type of one's own that lacks members (what it
// lacks is a compile error: tests/compile_fail/unlink_without_unlink_op.cpp).
#include <catch2/catch.hpp>

#include <kvfs/fs/ramfs.hpp>
#include <kvfs/inode_calls.hpp>

#include <sys/stat.h>

#include <string>

using kvfs::ramfs;

TEST_CASE("inode calls: ramfs's inode_operations, statically", "[inode][ramfs]") {
  ramfs::super_block sb;
  ramfs::inode_type root = dynamic_cast<kvfs::policy_inode<ramfs>&>(*sb.root_inode()).node();
  REQUIRE(kvfs::vfs_mkdir<ramfs>(root, "d", 0755) == 0);
  CHECK(kvfs::vfs_mkdir<ramfs>(root, "d", 0755) == -EEXIST);
  ramfs::inode_type d, f, again;
  REQUIRE(kvfs::vfs_lookup<ramfs>(root, "d", d) == 0);
  REQUIRE(kvfs::vfs_create<ramfs>(d, "f", 0644, f) == 0);
  REQUIRE(kvfs::vfs_link<ramfs>(f, root, "hard") == 0);
  struct ::stat st {};
  REQUIRE(kvfs::vfs_getattr<ramfs>(f, st) == 0);
  CHECK(st.st_nlink == 2);
  REQUIRE(kvfs::vfs_symlink<ramfs>(root, "l", "d/f") == 0);
  ramfs::inode_type l;
  REQUIRE(kvfs::vfs_lookup<ramfs>(root, "l", l) == 0);
  std::string target;
  CHECK(kvfs::vfs_readlink<ramfs>(l, target) == 0);
  CHECK(target == "d/f");
  CHECK(kvfs::vfs_rename<ramfs>(d, "f", root, "moved") == 0);
  REQUIRE(kvfs::vfs_lookup<ramfs>(root, "moved", again) == 0);
  CHECK(again == f);
  CHECK(kvfs::notify_change<ramfs>(again, {kvfs::ATTR_SIZE | kvfs::ATTR_MODE, 0600, 5000}) == 0);
  REQUIRE(kvfs::vfs_getattr<ramfs>(f, st) == 0);
  CHECK(st.st_size == 5000);
  CHECK((st.st_mode & 07777) == 0600);
  CHECK(kvfs::vfs_rmdir<ramfs>(root, "d") == 0);
  CHECK(kvfs::vfs_unlink<ramfs>(root, "moved") == 0);
  CHECK(kvfs::vfs_unlink<ramfs>(root, "moved") == -ENOENT);
}
