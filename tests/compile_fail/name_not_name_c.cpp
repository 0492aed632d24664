// SPDX-License-Identifier: BSL-1.0
// A name declared as a const char*: the compiler says to use kvfs::name_c.
#include <kvfs/descriptor.hpp>

#include <cstddef>

struct plainfs {
#ifdef KVFS_CONTROL
  static constexpr auto name = kvfs::name_c<"plainfs">;
#else
  static constexpr const char* name = "plainfs";
#endif
  struct private_data {};
  struct file_operations {};
};

[[maybe_unused]] constexpr std::size_t size = sizeof(kvfs::descriptor<plainfs>);
