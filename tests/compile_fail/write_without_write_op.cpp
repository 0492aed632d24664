// SPDX-License-Identifier: BSL-1.0
// A file system whose table has read but neither write nor write_iter:
// writing to it is the kernel's EINVAL (no FMODE_CAN_WRITE).
#include <kvfs/io.hpp>

#include <cstddef>
#include <span>

struct source_ops {
  static ssize_t read(auto&, std::span<std::byte>) { return 0; }
#ifdef KVFS_CONTROL
  static ssize_t write(auto&, std::span<const std::byte> buf) { return static_cast<ssize_t>(buf.size()); }
#endif
};

struct sourcefs {
  static constexpr auto name = kvfs::name_c<"sourcefs">;
  struct private_data {};
  using file_operations = source_ops;
};

void put(kvfs::descriptor<sourcefs>& d) { kvfs::write(d, "x"); }
