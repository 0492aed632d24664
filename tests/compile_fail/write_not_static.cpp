// SPDX-License-Identifier: BSL-1.0
// A write that is not static: the table calls file_operations::write(file,
// buf) with no object, so the compiler gives the kernel's shape.
#include <kvfs/descriptor.hpp>

#include <cstddef>
#include <span>

struct member_ops {
#ifdef KVFS_CONTROL
  static ssize_t write(auto&, std::span<const std::byte> buf) { return static_cast<ssize_t>(buf.size()); }
#else
  ssize_t write(auto&, std::span<const std::byte> buf) { return static_cast<ssize_t>(buf.size()); }
#endif
};

struct memberfs {
  static constexpr auto name = kvfs::name_c<"memberfs">;
  struct private_data {};
  using file_operations = member_ops;
};

[[maybe_unused]] constexpr std::size_t size = sizeof(kvfs::descriptor<memberfs>);
