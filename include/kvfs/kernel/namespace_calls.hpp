// SPDX-License-Identifier: BSL-1.0
// kvfs/kernel/namespace_calls.hpp - the mount namespace of fs/namespace.c:
// the mount table, lookup_mnt() for the path walk, and mount(2),
// umount(2) and /proc/mounts.
#pragma once

#include <kvfs/kernel/filesystems.hpp>
#include <kvfs/kernel/namei.hpp>
#include <kvfs/super_block.hpp>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace kvfs {

namespace detail {
// The absolute, normalised form of a path, or -ENOENT for an empty one
// (getname() refuses ""), as a string without a trailing slash.
inline long absolute_path(const std::filesystem::path& path, const std::string& cwd, std::string& out) {
  if (path.empty()) return -ENOENT;
  const std::filesystem::path absolute = path.is_absolute() ? path : std::filesystem::path(cwd) / path;
  out = absolute.lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return 0;
}
}  // namespace detail

/// Where a path lands: the super_block of the mount that holds it, and the
/// path inside that file system.
struct mount_point {
  /// The mount's super block.
  std::shared_ptr<super_block> sb;
  /// The path inside it.
  std::string inside;
};

/// The mount namespace and its calls, for `Process` (CRTP).
template <class Process>
class namespace_calls {
 public:
  /// mount(2): a new instance of the type named `fstype` at `target`, as
  /// path_mount() checks: the target first (ENOENT, ENOTDIR), then the type
  /// (ENODEV unknown; EINVAL for a pseudo type or one without a mount hook),
  /// then whatever the type's mount answers.
  long mount(std::string_view source, const std::filesystem::path& target, std::string_view fstype, int flags = 0) {
    std::string where;
    if (const long error = detail::absolute_path(target, static_cast<Process&>(*this).cwd_path(), where); error < 0) return error;
    mount_point holder = lookup_mnt(where);
    if (const int error = holder.sb->lookup_dir(holder.inside); error < 0) return error;
    const fs_type_entry* type = static_cast<Process&>(*this).file_systems().get_fs_type(fstype);
    if (type == nullptr) return -ENODEV;
    if (type->info.pseudo() || type->mount == nullptr) return -EINVAL;
    /// The mount's super block.
    std::shared_ptr<super_block> sb;
    if (const int error = type->mount(source, flags, sb); error < 0) return error;
    std::lock_guard guard(lock_);
    mounts_.push_back({std::string(source.empty() ? "none" : source), where, std::string(fstype), std::move(sb)});
    mounts_beside_root_.fetch_add(1, std::memory_order_release);
    return 0;
  }

  /// umount(2) of the newest mount at `target`: ENOENT when the path is not
  /// there, EINVAL when it is no mount point, EBUSY while a file opened
  /// through it is still open (or for the root).
  long umount(const std::filesystem::path& target) {
    std::string where;
    if (const long error = detail::absolute_path(target, static_cast<Process&>(*this).cwd_path(), where); error < 0) return error;
    mount_point at = lookup_mnt(where);
    if (const int error = at.sb->lookup_dir(at.inside); error == -ENOENT) return error;
    at.sb.reset();
    std::lock_guard guard(lock_);
    for (auto it = mounts_.rbegin(); it != mounts_.rend(); ++it) {
      if (it->target != where) continue;
      if (where == "/" || it->sb.use_count() > 1 || has_child_locked(where)) return -EBUSY;  // propagate_mount_busy()
      mounts_.erase(std::next(it).base());
      mounts_beside_root_.fetch_sub(1, std::memory_order_release);
      return 0;
    }
    return -EINVAL;
  }

  /// What /proc/mounts shows: "source target fstype rw 0 0".
  std::string proc_mounts() const {
    std::lock_guard guard(lock_);
    std::string out;
    for (const mount_entry& m : mounts_) out += m.source + ' ' + m.target + ' ' + m.fstype + " rw 0 0\n";
    return out;
  }

  /// lookup_mnt() for an absolute, normalised path: the newest of the
  /// longest mount points that hold it, and the rest of the path.
  mount_point lookup_mnt(const std::string& absolute) const {
    std::lock_guard guard(lock_);
    const mount_entry* best = nullptr;
    for (const mount_entry& m : mounts_) {
      const bool covers = m.target == "/" || absolute == m.target ||
                          (absolute.rfind(m.target, 0) == 0 && absolute[m.target.size()] == '/');
      if (covers && (best == nullptr || m.target.size() >= best->target.size())) best = &m;
    }
    const std::string inside = best->target == "/" ? absolute : absolute.substr(best->target.size());
    return {best->sb, inside.empty() ? std::string("/") : inside};
  }

  /// The newest mount whose mount point is where the walk stands, or none:
  /// what path_walk asks at every component (__lookup_mnt()), so it builds
  /// no string, and takes no lock while "/" is the only mount.
  std::shared_ptr<super_block> mounted_at(const walk_stack& stack) const {
    if (stack.size() <= 1) return mounted_at(std::string("/"));
    if (mounts_beside_root_.load(std::memory_order_acquire) == 0) return nullptr;
    std::lock_guard guard(lock_);
    for (auto it = mounts_.rbegin(); it != mounts_.rend(); ++it)
      if (names(it->target, stack)) return it->sb;
    return nullptr;
  }

  /// The newest mount whose mount point is exactly `path`, or none.
  std::shared_ptr<super_block> mounted_at(const std::string& path) const {
    std::lock_guard guard(lock_);
    for (auto it = mounts_.rbegin(); it != mounts_.rend(); ++it)
      if (it->target == path) return it->sb;
    return nullptr;
  }

 protected:
  /// The root of the namespace (init_mount_tree()).
  void mount_root(std::string fstype, std::shared_ptr<super_block> sb) {
    std::lock_guard guard(lock_);
    mounts_.push_back({"/", "/", std::move(fstype), std::move(sb)});
  }

 private:
  bool has_child_locked(const std::string& where) const {
    for (const mount_entry& m : mounts_) {
      if (m.target.size() > where.size() && m.target.rfind(where, 0) == 0 && m.target[where.size()] == '/') return true;
    }
    return false;
  }

  struct mount_entry {
    std::string source, target, fstype;
    /// The mount's super block.
    std::shared_ptr<super_block> sb;
  };

  // Whether `target` ("/a/b") names the place `stack` stands at.
  static bool names(const std::string& target, const walk_stack& stack) {
    std::size_t end = target.size();
    for (std::size_t i = stack.size() - 1; i > 0; --i) {
      const std::string& name = stack[i].name;
      if (end < name.size() + 1) return false;
      const std::size_t start = end - name.size();
      if (target[start - 1] != '/' || target.compare(start, name.size(), name) != 0) return false;
      end = start - 1;
    }
    return end == 0;
  }

  mutable std::mutex lock_;  // namespace_sem
  std::atomic<std::size_t> mounts_beside_root_{0};
  std::vector<mount_entry> mounts_;
};

}  // namespace kvfs
