// SPDX-License-Identifier: BSL-1.0
// countfs, a file system of one's own (countfs.hpp), twice: mounted in a
// kvfs::process by name and used through its descriptor table, then
// mounted on the host through FUSE and used by the real kernel's calls
// (what cat, ls and echo > would make). Exits 77 where FUSE cannot mount.
#include "countfs.hpp"

#include <kvfs/fuse.hpp>
#include <kvfs/kernel.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

using countfs_example::countfs;

namespace {

std::string temp_dir(const char* what) {
  std::string pattern = std::filesystem::temp_directory_path().string() + "/countfs-" + what + "-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp");
  return pattern;
}

// The host kernel's own calls on the FUSE mount: open, read, close.
std::string host_cat(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "error";
  std::array<char, 64> buf{};
  const ssize_t n = ::read(fd, buf.data(), buf.size());
  ::close(fd);
  return n <= 0 ? std::string() : std::string(buf.data(), static_cast<std::size_t>(n) - 1);  // without its newline
}

}  // namespace

int main() {
  // 1. In-process: the type is registered, mounted by name, and its files
  //    reached through the process's table.
  const std::string dir = temp_dir("proc");
  {
    kvfs::process proc(kvfs::registry<kvfs::posixfs, kvfs::ramfs, countfs>{});
    std::cout << "registered: " << proc.file_systems().get_fs_type("countfs")->info.name << '\n';
    if (proc.mount("none", dir, "countfs") != 0) return 1;
    const long fd = proc.open(dir + "/hits", O_RDWR | O_CREAT, 0644);
    std::array<std::byte, 16> buf{};
    for (int i = 0; i < 3; ++i) {
      proc.lseek(static_cast<int>(fd), 0, SEEK_SET);
      const long n = proc.read(static_cast<int>(fd), buf);
      std::cout << "in-process read " << i + 1 << ": " << std::string(reinterpret_cast<const char*>(buf.data()), static_cast<std::size_t>(n) - 1) << '\n';
    }
    proc.close(static_cast<int>(fd));
    proc.umount(dir);
  }
  std::filesystem::remove(dir);

  // 2. On the host, through FUSE: the real kernel's VFS calls the same policy.
  std::shared_ptr<kvfs::super_block> sb;
  countfs::mount("", 0, sb);
  const std::string mnt = temp_dir("fuse");
  try {
    kvfs::fuse::mounted mounted(sb, mnt);
    ::close(::open((mnt + "/visits").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    std::cout << "through FUSE: cat visits: " << host_cat(mnt + "/visits") << ", " << host_cat(mnt + "/visits")
              << ", " << host_cat(mnt + "/visits") << '\n';
    const int fd = ::open((mnt + "/visits").c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    const bool wrote = ::write(fd, "41\n", 3) == 3;
    ::close(fd);
    std::cout << "through FUSE: echo 41 > visits (" << (wrote ? "ok" : "failed") << "), cat visits: "
              << host_cat(mnt + "/visits") << '\n';
    std::cout << "through FUSE: ls:";
    for (const auto& entry : std::filesystem::directory_iterator(mnt)) std::cout << ' ' << entry.path().filename().string();
    std::cout << '\n';
  } catch (const std::exception& e) {
    std::filesystem::remove(mnt);
    std::cout << "SKIPPED: cannot mount through FUSE here (" << e.what() << ")\n";
    return 77;
  }
  std::filesystem::remove(mnt);
  return 0;
}
