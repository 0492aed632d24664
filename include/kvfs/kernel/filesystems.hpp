// SPDX-License-Identifier: BSL-1.0
// kvfs/kernel/filesystems.hpp - the run-time list of file-system types a
// process knows (fs/filesystems.c: the file_systems list, get_fs_type(),
// /proc/filesystems), made from a compile-time registry, and the internal
// mounts of the pseudo types (kern_mount(): sock_mnt, pipe_mnt). Each entry
// carries the type's own mount hook, so nothing here names a concrete type.
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
  /// file_system_type.mount: a super block, or -errno.
  using mount_fn = int (*)(std::string_view source, int flags, std::shared_ptr<super_block>& sb);
  /// The name and flags.
  fs_info info;
  mount_fn mount = nullptr;  ///< null: mount(2) answers EINVAL
};

/// The name of the init function that registers `Fs` (`sock_init` for
/// sockfs, else `init_<name>_fs` as init_ramfs_fs): an optional
/// `static constexpr std::string_view initcall` in the type.
template <file_system_type Fs>
constexpr std::string_view initcall_name() noexcept {
  if constexpr (requires { std::string_view(Fs::initcall); }) {
    return Fs::initcall;
  } else {
    return {};
  }
}

/// The mount hook of `Fs`, or null for a type that cannot be mounted.
template <file_system_type Fs>
constexpr fs_type_entry::mount_fn mount_hook() noexcept {
  if constexpr (mountable<Fs>) {
    return &Fs::mount;
  } else {
    return nullptr;
  }
}

/// An internal mount (struct vfsmount of kern_mount()): in no namespace, so
/// /proc/mounts never lists it; the pseudo files of its type hold it.
struct kern_mount_entry {
  /// The type mounted.
  std::string_view fstype;
  std::string name;  ///< the kernel's variable: sock_mnt, pipe_mnt
  /// Its super block.
  std::shared_ptr<super_block> sb;
};

/// register_filesystem(), kern_mount() and get_fs_type() at run time.
class filesystems {
 public:
  /// The type's init function, as the kernel's initcall runs it:
  /// register_filesystem(), then, for a pseudo type, kern_mount(). Returns
  /// the line the kernel log shows for it ("sock_init -> register_filesystem
  /// (sockfs) -> kern_mount(sockfs) = sock_mnt").
  template <file_system_type Fs>
  std::string init_fs() {
    const std::string name(fs_name<Fs>);
    const std::string_view initcall = initcall_name<Fs>();
    std::string line = initcall.empty() ? "init_" + name + "_fs" : std::string(initcall);
    register_filesystem<Fs>();
    line += " -> register_filesystem(" + name + ")";
    if ((fs_flags<Fs>() & FS_PSEUDO) != 0) line += " -> kern_mount(" + name + ") = " + kern_mount(fs_name<Fs>).name;
    return line;
  }

  /// register_filesystem(): `Fs` joins the list (its name is unique: the
  /// compile-time registry proved it).
  template <file_system_type Fs>
  void register_filesystem() {
    entries_.push_back({fs_info{fs_name<Fs>, fs_flags<Fs>(), entries_.size()}, mount_hook<Fs>()});
  }

  /// kern_mount(): the internal mount of a pseudo type (vfs_kern_mount with
  /// SB_KERNMOUNT), named as the kernel's variable: "sockfs" → sock_mnt.
  const kern_mount_entry& kern_mount(std::string_view fstype) {
    std::string name(fstype.ends_with("fs") ? fstype.substr(0, fstype.size() - 2) : fstype);
    kern_mounts_.push_back({fstype, name + "_mnt", std::make_shared<super_block>()});
    return kern_mounts_.back();
  }

  /// The internal mount of `fstype`, or null for a type that has none.
  std::shared_ptr<super_block> internal_mount(std::string_view fstype) const noexcept {
    for (const kern_mount_entry& m : kern_mounts_)
      if (m.fstype == fstype) return m.sb;
    return nullptr;
  }

  /// Every internal mount, in the order they were made.
  const std::vector<kern_mount_entry>& kern_mounts() const noexcept { return kern_mounts_; }

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
  std::vector<kern_mount_entry> kern_mounts_;
};

}  // namespace kvfs
