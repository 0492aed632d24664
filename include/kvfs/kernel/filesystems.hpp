// SPDX-License-Identifier: BSL-1.0
// kvfs/kernel/filesystems.hpp - the run-time list of file-system types a
// process knows (fs/filesystems.c: the file_systems list, get_fs_type(),
// /proc/filesystems), made from a compile-time registry. Each entry carries
// the type's own mount hook, so nothing here names a concrete type.
#pragma once

#include <kvfs/file_system.hpp>
#include <kvfs/registry.hpp>
#include <kvfs/super_block.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace kvfs {

/// One registered type as the VFS sees it at run time.
struct fs_type_entry {
  using mount_fn = int (*)(std::string_view source, int flags, std::shared_ptr<super_block>& sb);
  fs_info info;
  mount_fn mount = nullptr;  // null: mount(2) answers EINVAL
};

/// The mount hook of `Fs`, or null for a type that cannot be mounted.
template <file_system_type Fs>
constexpr fs_type_entry::mount_fn mount_hook() noexcept {
  if constexpr (mountable<Fs>) {
    return &Fs::mount;
  } else {
    return nullptr;
  }
}

/// register_filesystem() and get_fs_type() at run time.
class filesystems {
 public:
  /// register_filesystem(): `Fs` joins the list (its name is unique: the
  /// compile-time registry proved it).
  template <file_system_type Fs>
  void register_filesystem() {
    entries_.push_back({fs_info{fs_name<Fs>, fs_flags<Fs>(), entries_.size()}, mount_hook<Fs>()});
  }

  /// get_fs_type(): the type of that name, or null (mount answers ENODEV).
  const fs_type_entry* get_fs_type(std::string_view name) const noexcept {
    for (const fs_type_entry& entry : entries_) {
      if (entry.info.name == name) return &entry;
    }
    return nullptr;
  }

  /// What /proc/filesystems shows: "nodev\tsockfs\n", "\tposixfs\n".
  std::string proc_filesystems() const {
    std::string out;
    for (const fs_type_entry& entry : entries_)
      out += (entry.info.nodev() ? "nodev\t" : "\t") + std::string(entry.info.name) + '\n';
    return out;
  }

 private:
  std::vector<fs_type_entry> entries_;
};

}  // namespace kvfs
