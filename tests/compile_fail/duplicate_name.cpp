// SPDX-License-Identifier: BSL-1.0
// Two types named "posixfs": register_filesystem() refuses the second (EBUSY).
#include <kvfs/fs/posixfs.hpp>
#include <kvfs/registry.hpp>

struct impostor {
#ifdef KVFS_CONTROL
  static constexpr auto name = kvfs::name_c<"impostor">;
#else
  static constexpr auto name = kvfs::name_c<"posixfs">;
#endif
  struct private_data {};
  struct file_operations {};
};

constexpr auto file_systems = kvfs::registry<kvfs::posixfs>{}.register_filesystem<impostor>();
static_assert(file_systems.size() == 2);
