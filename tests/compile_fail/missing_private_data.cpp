// SPDX-License-Identifier: BSL-1.0
// A type without private_data: the compiler says what it is and how to
// declare it.
#include <kvfs/registry.hpp>

struct bare_fs {
  static constexpr auto name = kvfs::name_c<"barefs">;
#ifdef KVFS_CONTROL
  struct private_data {};
#endif
  struct file_operations {};
};

constexpr auto file_systems = kvfs::registry<>{}.register_filesystem<bare_fs>();
static_assert(file_systems.size() == 1);
