// SPDX-License-Identifier: BSL-1.0
// ramfs on its own (descriptor<ramfs>), and mounted through the process's
// mount table next to the host's files.
#include <kvfs/kernel.hpp>
#include <kvfs/fs/ramfs.hpp>

#include <catch2/catch.hpp>

#include "support.hpp"

#include <array>
#include <string>
#include <thread>
#include <vector>

using kvfs_test::errno_code;
using kvfs_test::temp_dir;

TEST_CASE("ramfs files: create, write, read, holes, truncate", "[ramfs]") {
  kvfs::ramfs::super_block sb;
  auto f = sb.open("/notes", O_RDWR | O_CREAT, 0640);
  CHECK(kvfs::write_all(f, "in memory") == 9);
  CHECK(kvfs::lseek(f, 20, SEEK_SET) == 20);
  kvfs::write_all(f, "!");
  const struct ::stat st = kvfs::fstat(f);
  CHECK(S_ISREG(st.st_mode));
  CHECK((st.st_mode & 07777) == 0640);
  CHECK(st.st_size == 21);
  std::array<char, 21> buf{};
  CHECK(kvfs::pread(f, std::as_writable_bytes(std::span(buf)), 0) == 21);
  CHECK(std::string(buf.data(), 9) == "in memory");
  CHECK(std::string(buf.data() + 9, 11) == std::string(11, '\0'));

  CHECK(kvfs::lseek(f, 0, SEEK_DATA) == 0);
  CHECK(kvfs::lseek(f, 3, SEEK_HOLE) == 21);
  std::error_code ec;
  kvfs::lseek(f, 21, SEEK_DATA, ec);
  CHECK(ec == errno_code(ENXIO));

  auto again = sb.open("/notes", O_WRONLY | O_TRUNC);
  CHECK(kvfs::fstat(again).st_size == 0);
  CHECK(kvfs::fstat(f).st_size == 0);  // the same inode
}

TEST_CASE("ramfs directories and bad paths get the kernel's errno", "[ramfs]") {
  kvfs::ramfs::super_block sb;
  std::error_code ec;
  CHECK(sb.mkdir("/a", 0755) == 0);
  CHECK(sb.mkdir("/a", 0755) == -EEXIST);
  CHECK(sb.mkdir("/missing/b", 0755) == -ENOENT);
  sb.open("/a/file", O_WRONLY | O_CREAT, 0644);
  CHECK(sb.mkdir("/a/file/c", 0755) == -ENOTDIR);

  sb.open("/nothing", O_RDONLY, 0, ec);
  CHECK(ec == errno_code(ENOENT));
  sb.open("/a/file", O_RDONLY | O_CREAT | O_EXCL, 0644, ec);
  CHECK(ec == errno_code(EEXIST));
  sb.open("/a", O_WRONLY, 0, ec);
  CHECK(ec == errno_code(EISDIR));
  sb.open("/a/file", O_RDONLY | O_DIRECTORY, 0, ec);
  CHECK(ec == errno_code(ENOTDIR));
  sb.open("/a/file/x", O_RDONLY, 0, ec);
  CHECK(ec == errno_code(ENOTDIR));
  CHECK_THROWS_AS(sb.open("/nothing", O_RDONLY), std::system_error);

  auto dir = sb.open("/a", O_RDONLY | O_DIRECTORY);
  std::array<std::byte, 4> buf{};
  kvfs::read(dir, buf, ec);
  CHECK(ec == errno_code(EISDIR));
  CHECK(S_ISDIR(kvfs::fstat(dir).st_mode));

  CHECK(sb.list("/a", ec) == std::vector<std::string>{"file"});
  CHECK(sb.rmdir("/a") == -ENOTEMPTY);
  CHECK(sb.unlink("/a") == -EISDIR);
  CHECK(sb.rmdir("/a/file") == -ENOTDIR);
  CHECK(sb.unlink("/a/file") == 0);
  CHECK(sb.unlink("/a/file") == -ENOENT);
  CHECK(sb.rmdir("/a") == 0);
  CHECK(sb.list("/", ec).empty());
}

TEST_CASE("an unlinked ramfs file lives until its last descriptor closes", "[ramfs]") {
  kvfs::ramfs::super_block sb;
  auto f = sb.open("/tmpfile", O_RDWR | O_CREAT, 0600);
  kvfs::write_all(f, "still here");
  CHECK(sb.unlink("/tmpfile") == 0);
  std::array<char, 10> buf{};
  CHECK(kvfs::pread(f, std::as_writable_bytes(std::span(buf)), 0) == 10);
  std::error_code ec;
  sb.open("/tmpfile", O_RDONLY, 0, ec);
  CHECK(ec == errno_code(ENOENT));
}

TEST_CASE("mount: unknown types, pseudo types and bad targets are refused", "[mount]") {
  kvfs_test::no_descriptor_leak leak_check;
  temp_dir dir;
  kvfs::process proc;
  CHECK(proc.mount("none", dir.path(), "ext4") == -ENODEV);
  CHECK(proc.mount("none", dir.path(), "sockfs") == -EINVAL);  // SB_NOUSER
  CHECK(proc.mount("none", dir.path(), "pipefs") == -EINVAL);
  CHECK(proc.mount("none", dir / "missing", "ramfs") == -ENOENT);
  kvfs::open(dir / "file", O_WRONLY | O_CREAT, 0644);
  CHECK(proc.mount("none", dir / "file", "ramfs") == -ENOTDIR);
  CHECK(proc.mount((dir / "missing").string(), dir.path(), "posixfs") == -ENOENT);
  CHECK(proc.umount(dir.path()) == -EINVAL);
  CHECK(proc.umount("/") == -EBUSY);
  CHECK(proc.proc_mounts() == "/ / posixfs rw 0 0\n");
  CHECK(proc.proc_filesystems() == "\tposixfs\nnodev\tramfs\nnodev\tpipefs\nnodev\tsockfs\n");
}

TEST_CASE("open resolves a path to the file system mounted there", "[mount]") {
  kvfs_test::no_descriptor_leak leak_check;
  temp_dir dir, host_dir;
  kvfs::process proc;
  const auto mem = dir / "mem";
  std::filesystem::create_directory(mem);
  REQUIRE(proc.mount("none", mem, "ramfs") == 0);
  REQUIRE(proc.mkdir(mem / "sub", 0755) == 0);
  REQUIRE(proc.mount(host_dir.path().string(), mem / "sub", "posixfs") == 0);  // a bind mount inside it
  CHECK(proc.proc_mounts() == "/ / posixfs rw 0 0\nnone " + mem.string() + " ramfs rw 0 0\n" +
                                  host_dir.path().string() + " " + (mem / "sub").string() + " posixfs rw 0 0\n");

  const long in_memory = proc.open(mem / "note", O_RDWR | O_CREAT, 0644);
  const long on_host = proc.open(dir / "note", O_RDWR | O_CREAT, 0644);
  const long bound = proc.open(mem / "sub" / "note", O_RDWR | O_CREAT, 0644);
  REQUIRE(in_memory >= 0);
  REQUIRE(on_host >= 0);
  REQUIRE(bound >= 0);
  proc.write(static_cast<int>(in_memory), kvfs::as_bytes("memory"));
  proc.write(static_cast<int>(on_host), kvfs::as_bytes("host"));
  proc.write(static_cast<int>(bound), kvfs::as_bytes("bound"));
  CHECK_FALSE(std::filesystem::exists(mem / "note"));  // the host never saw it
  CHECK(std::filesystem::file_size(dir / "note") == 4);
  CHECK(std::filesystem::file_size(host_dir / "note") == 5);

  // A mount with open files, or with a mount below it, is busy (EBUSY);
  // unmounted, the path leads to the host again.
  CHECK(proc.umount(mem / "sub") == -EBUSY);
  CHECK(proc.umount(mem) == -EBUSY);
  std::array<std::byte, 6> buf{};
  CHECK(proc.pread(static_cast<int>(in_memory), buf, 0) == 6);
  for (long fd : {in_memory, on_host, bound}) proc.close(static_cast<int>(fd));
  CHECK(proc.umount(mem) == -EBUSY);  // mem/sub is still mounted
  CHECK(proc.umount(mem / "sub") == 0);
  CHECK(proc.umount(mem) == 0);
  CHECK(proc.open(mem / "note", O_RDONLY) == -ENOENT);
  CHECK(proc.umount(mem) == -EINVAL);              // no longer a mount point
  CHECK(proc.umount(dir / "missing") == -ENOENT);  // not there at all
  CHECK(proc.umount("") == -ENOENT);
}

TEST_CASE("threads appending to one ramfs file through duplicates", "[ramfs][threads]") {
  kvfs::process proc;
  temp_dir dir;
  REQUIRE(proc.mount("none", dir.path(), "ramfs") == 0);
  const int fd = static_cast<int>(proc.open(dir / "log", O_RDWR | O_CREAT | O_APPEND, 0644));
  constexpr int threads = 4, rounds = 500;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      const int copy = static_cast<int>(proc.dup(fd));
      std::array<std::byte, 4> buf{};
      for (int i = 0; i < rounds; ++i) {
        proc.write(copy, kvfs::as_bytes("line\n"));
        proc.pread(copy, buf, 0);
        proc.lseek(copy, 0, SEEK_CUR);
      }
      proc.close(copy);
    });
  }
  for (auto& w : workers) w.join();
  struct ::stat st {};
  proc.fstat(fd, st);
  CHECK(st.st_size == threads * rounds * 5);
  proc.close(fd);
}
