// SPDX-License-Identifier: BSL-1.0
// countedfs: a file system whose release is counted, to see when and how
// often it runs (the descriptor-table tests share it).
#pragma once

#include <kvfs/kernel.hpp>

#include <fcntl.h>

#include <atomic>
#include <cstddef>
#include <span>

namespace kvfs_test {

struct counted {
  std::atomic<int>* releases = nullptr;
};
struct counted_ops {
  static ssize_t write(auto&, std::span<const std::byte> buf) { return static_cast<ssize_t>(buf.size()); }
  static int release(auto& file) {
    file.private_data.releases->fetch_add(1);
    return 0;
  }
};
struct countedfs {
  static constexpr auto name = kvfs::name_c<"countedfs">;
  using private_data = counted;
  using file_operations = counted_ops;
};

/// A countedfs file installed at the lowest free number of `proc`.
inline int install_counted(kvfs::process& proc, std::atomic<int>& releases) {
  return proc.fd_install(kvfs::descriptor<countedfs>(counted{&releases}, O_WRONLY));
}

}  // namespace kvfs_test
