// SPDX-License-Identifier: BSL-1.0
// A file system whose inode_operations has lookup and getattr but no
// unlink: unlinking on it is the kernel's EPERM, a compile error on the
// static path.
#include <kvfs/inode_calls.hpp>

#include <sys/stat.h>

#include <string_view>

struct keep_node {
  bool operator==(const keep_node&) const = default;
};

struct keep_inode_ops {
  static constexpr std::string_view name = "keepfs_inode_operations";
  static int lookup(keep_node&, std::string_view, keep_node&) { return -ENOENT; }
  static int getattr(keep_node&, struct ::stat& st) {
    st = {};
    st.st_mode = S_IFDIR | 0755;
    return 0;
  }
#ifdef KVFS_CONTROL
  static int unlink(keep_node&, std::string_view) { return 0; }
#endif
};

struct keepfs {
  static constexpr auto name = kvfs::name_c<"keepfs">;
  struct private_data {};
  struct file_operations {};
  using inode_type = keep_node;
  using inode_operations = keep_inode_ops;
};

int remove(keep_node& dir) { return kvfs::vfs_unlink<keepfs>(dir, "x"); }
