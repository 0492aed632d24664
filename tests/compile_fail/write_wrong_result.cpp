// SPDX-License-Identifier: BSL-1.0
// A write that returns int, not ssize_t: the compiler gives the kernel's shape.
#include <kvfs/descriptor.hpp>

#include <cstddef>
#include <span>

struct int_ops {
#ifdef KVFS_CONTROL
  static ssize_t write(auto&, std::span<const std::byte> buf) { return static_cast<ssize_t>(buf.size()); }
#else
  static int write(auto&, std::span<const std::byte> buf) { return static_cast<int>(buf.size()); }
#endif
};

struct intfs {
  static constexpr auto name = kvfs::name_c<"intfs">;
  struct private_data {};
  using file_operations = int_ops;
};

[[maybe_unused]] constexpr std::size_t size = sizeof(kvfs::descriptor<intfs>);
