// SPDX-License-Identifier: BSL-1.0
// A user's own file-system type made mountable, and a user's own character
// device reached through its device node, with nothing of kvfs changed:
// both are declared here, against the concepts only, and put into a
// process through its registry.
#include <kvfs/kernel.hpp>

#include <map>

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "support.hpp"

namespace {

// countfs: every path names a counter; reading a file gives how many times
// that name was opened, as text ("3\n").
struct counter_file {
  std::string text;
  loff_t served = 0;
};

struct countfs_file_operations {
  static constexpr std::string_view name = "countfs_file_operations";
  static ssize_t read(auto& file, std::span<std::byte> buf) {
    const std::string& text = file.private_data.text;
    const auto at = static_cast<std::size_t>(file.f_pos);
    const std::size_t n = at >= text.size() ? 0 : std::min(buf.size(), text.size() - at);
    std::memcpy(buf.data(), text.data() + at, n);
    file.f_pos += static_cast<loff_t>(n);
    return static_cast<ssize_t>(n);
  }
};

struct countfs {
  static constexpr auto name = kvfs::name_c<"countfs">;
  using private_data = counter_file;
  using file_operations = countfs_file_operations;

  class super_block final : public kvfs::super_block {
   public:
    int open(std::string_view path, int flags, mode_t, kvfs::file_ref& file) override {
      if ((flags & O_ACCMODE) != O_RDONLY) return -EROFS;
      const int count = ++opens_[std::string(path)];
      file = kvfs::make_file(kvfs::descriptor<countfs>(counter_file{std::to_string(count) + "\n"}, flags));
      return 0;
    }
    int lookup(std::string_view, struct kvfs::inode& inode) override {
      inode.i_mode = S_IFREG | 0444;
      return 0;
    }
    int mkdir(std::string_view, mode_t) override { return -EROFS; }
    int lookup_dir(std::string_view path) override { return path == "/" ? 0 : -ENOTDIR; }

   private:
    std::map<std::string, int> opens_;
  };

  // The type's own mount hook: file_system_type.mount.
  static int mount(std::string_view, int, std::shared_ptr<kvfs::super_block>& sb) {
    sb = std::make_shared<super_block>();
    return 0;
  }
};

// A character device of our own: major 240 (local/experimental use), whose
// reads fill the buffer with '7'.
struct sevens_fops {
  static constexpr std::string_view name = "sevens_fops";
  static ssize_t read(auto&, std::span<std::byte> buf) {
    std::memset(buf.data(), '7', buf.size());
    return static_cast<ssize_t>(buf.size());
  }
  static int getattr(auto&, struct ::stat& st) {
    st = {};
    st.st_mode = S_IFCHR | 0444;
    st.st_rdev = makedev(240, 7);
    return 0;
  }
};

struct dev_sevens {
  static constexpr auto name = kvfs::name_c<"sevens">;
  static constexpr unsigned major = 240, minor = 7;
  struct private_data {};
  using file_operations = sevens_fops;
};

static_assert(kvfs::mountable<countfs>);
static_assert(!kvfs::mountable<kvfs::pipefs>);
static_assert(kvfs::char_device<dev_sevens>);

using my_types = kvfs::registry<kvfs::posixfs, kvfs::ramfs, countfs, kvfs::dev_null, dev_sevens>;

std::string read_all(kvfs::process& proc, int fd) {
  std::array<char, 64> buf{};
  const long n = proc.read(fd, std::as_writable_bytes(std::span(buf)));
  return n < 0 ? "error " + std::to_string(-n) : std::string(buf.data(), static_cast<std::size_t>(n));
}

}  // namespace

TEST_CASE("a user's own file-system type is mountable by name", "[mount][user]") {
  kvfs_test::no_descriptor_leak leak_check;
  kvfs_test::temp_dir dir;
  kvfs::process proc{my_types{}};
  CHECK(proc.proc_filesystems() == "\tposixfs\nnodev\tramfs\nnodev\tcountfs\n");

  REQUIRE(proc.mount("none", dir.path(), "countfs") == 0);
  for (const char* expected : {"1\n", "2\n"}) {
    const long fd = proc.open(dir / "visits", O_RDONLY);
    REQUIRE(fd >= 0);
    CHECK(read_all(proc, static_cast<int>(fd)) == expected);
    CHECK(proc.close(static_cast<int>(fd)) == 0);
  }
  CHECK(proc.open(dir / "visits", O_WRONLY) == -EROFS);  // the type's own answer
  CHECK(proc.mkdir(dir / "sub", 0755) == -EROFS);
  CHECK(proc.umount(dir.path()) == 0);

  // The default process does not know the type.
  kvfs::process plain;
  CHECK(plain.mount("none", dir.path(), "countfs") == -ENODEV);
  CHECK(plain.mount("none", dir.path(), "pipefs") == -EINVAL);  // pseudo: SB_NOUSER
}

TEST_CASE("a user's own character device answers for its device node", "[chrdev][user]") {
  kvfs_test::no_descriptor_leak leak_check;
  kvfs_test::temp_dir dir;
  kvfs::process proc{my_types{}};
  CHECK(proc.proc_devices() == "Character devices:\n1:3 null\n240:7 sevens\n");

  const auto node = dir / "sevens";
  INFO("mknod needs root (CAP_MKNOD), which these machines have");
  REQUIRE(::mknod(node.c_str(), S_IFCHR | 0644, makedev(240, 7)) == 0);
  {
    // The host has no driver for 240:7 (its open answers ENXIO); the
    // process's device table has ours.
    const long fd = proc.open(node, O_RDONLY);
    REQUIRE(fd >= 0);
    CHECK(read_all(proc, static_cast<int>(fd)).substr(0, 4) == "7777");
    struct ::stat st {};
    CHECK(proc.fstat(static_cast<int>(fd), st) == 0);
    CHECK(st.st_rdev == makedev(240, 7));
    CHECK(proc.proc_self_fd().find("-> " + node.string()) != std::string::npos);
    CHECK(proc.close(static_cast<int>(fd)) == 0);

    kvfs::process plain;  // no driver: the host's answer
    CHECK(plain.open(node, O_RDONLY) == -ENXIO);
  }

  auto d = kvfs::open_device<dev_sevens>(O_RDONLY);
  std::array<char, 3> buf{};
  CHECK(kvfs::read(d, std::span(buf)) == 3);
  CHECK(std::string(buf.data(), 3) == "777");
}
