// SPDX-License-Identifier: BSL-1.0
// A program outside the kvfs tree: it reaches kvfs only through its CMake
// package, writes through a descriptor and prints the registry.
#include <kvfs/kvfs.hpp>

#include <array>
#include <cstdio>
#include <iostream>
#include <span>
#include <stdexcept>
#include <string>

int main() {
  constexpr auto file_systems = kvfs::registry<kvfs::posixfs, kvfs::sockfs<kvfs::tcp>>{};
  const std::string path = std::string(KVFS_CONSUMER_DIR) + "/consumer.out";
  auto out = kvfs::open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
  kvfs::write_all(out, "ok");
  std::array<char, 2> back{};
  if (kvfs::pread(out, std::as_writable_bytes(std::span(back)), 0) != 2) throw std::runtime_error("short read");
  std::remove(path.c_str());
  std::cout << "consumer: kvfs " << KVFS_VERSION_MAJOR << '.' << KVFS_VERSION_MINOR << '.' << KVFS_VERSION_PATCH
            << " through " << KVFS_CONSUMER_HOW << ": " << file_systems.proc_filesystems();
}
