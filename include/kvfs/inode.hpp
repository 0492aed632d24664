// SPDX-License-Identifier: BSL-1.0
// kvfs/inode.hpp - struct inode and its inode_operations: the namespace
// half of the VFS (include/linux/fs.h), what unlink(2), rename(2), link(2),
// symlink(2), readlink(2), truncate(2) and stat(2) dispatch through.
//
// A file-system type may declare, beside `file_operations`, a policy
//
//   using inode_type = my_node;             // what a name leads to
//   struct inode_operations {
//     static int lookup(my_node& dir, std::string_view name, my_node& out);
//     static int getattr(my_node& node, struct ::stat& st);
//     ...                                   // every other member optional
//   };
//
// Each member is optional, as in the kernel: the VFS answers a missing one
// with the kernel's errno (no ->unlink: EPERM; no ->create: EACCES; no
// ->get_link: EINVAL). `policy_inode<Fs>` is the table generated from the
// policy: the object the path walk holds for each name.
#pragma once

#include <kvfs/any_file.hpp>
#include <kvfs/file.hpp>
#include <kvfs/iattr.hpp>

#include <sys/stat.h>
#include <sys/types.h>

#include <cerrno>
#include <cstdio>
#include <concepts>
#include <memory>
#include <string>
#include <string_view>

namespace kvfs {

// renameat2(2)'s flags, RENAME_NOREPLACE, RENAME_EXCHANGE and
// RENAME_WHITEOUT, are glibc's (<stdio.h>).

class vfs_inode;
using inode_ptr = std::shared_ptr<vfs_inode>;

/// struct inode with its i_op: what a name leads to, and what can be done
/// through it. (`kvfs::inode` is the snapshot an open file keeps.) Every
/// member returns 0 or -errno; a missing operation answers as Linux's VFS
/// does when the table lacks it.
class vfs_inode {
 public:
  /// An inode of this type and number.
  vfs_inode(mode_t mode, ino_t ino) : i_mode(mode), i_ino(ino) {}
  virtual ~vfs_inode() = default;

  /// Its type and permission bits.
  mode_t i_mode;
  /// Its number in its file system.
  ino_t i_ino;
  dev_t i_rdev = 0;  ///< a device node's number

  /// ->lookup: the child of that name (ENOENT), ENOTDIR on a non-directory.
  virtual int lookup(std::string_view, inode_ptr&) { return -ENOTDIR; }
  /// ->create: a new regular file of that name (open with O_CREAT).
  virtual int create(std::string_view, mode_t, inode_ptr&) { return -EACCES; }
  /// ->mkdir: a new directory of that name.
  virtual int mkdir(std::string_view, mode_t) { return -EPERM; }
  /// ->rmdir: removes the empty directory of that name.
  virtual int rmdir(std::string_view) { return -EPERM; }
  /// ->unlink: removes the name of a non-directory.
  virtual int unlink(std::string_view) { return -EPERM; }
  /// ->rename: moves a name into `new_dir` (RENAME_NOREPLACE, RENAME_EXCHANGE in the flags).
  virtual int rename(std::string_view, vfs_inode&, std::string_view, unsigned) { return -EPERM; }
  /// ->link: a new name here for an existing inode.
  virtual int link(vfs_inode&, std::string_view) { return -EPERM; }
  /// ->symlink: a new symbolic link of that name to a target.
  virtual int symlink(std::string_view, std::string_view) { return -EPERM; }
  /// ->get_link: a symbolic link's target (EINVAL for anything else).
  virtual int get_link(std::string&) { return -EINVAL; }
  /// ->setattr: what notify_change() asks (mode, size, times).
  virtual int setattr(const iattr&) { return -EPERM; }
  /// ->getattr: the inode as stat(2) shows it.
  virtual int getattr(struct ::stat&) = 0;
  /// Whether `other` is the same inode of the same file system.
  virtual bool same(const vfs_inode& other) const = 0;
  /// The name of the kernel table behind it, and of its file system, for
  /// the trace.
  virtual std::string_view i_op_name() const = 0;
  /// The file system's name, for the trace.
  virtual std::string_view fs_name() const = 0;
};

template <class Fs>
using inode_operations_of = typename Fs::inode_operations;

/// A file-system type with a namespace: an inode type and at least lookup
/// and getattr.
template <class Fs>
concept has_inode_operations = requires(typename Fs::inode_type& node, std::string_view name, struct ::stat& st) {
  { inode_operations_of<Fs>::lookup(node, name, node) } -> std::same_as<int>;
  { inode_operations_of<Fs>::getattr(node, st) } -> std::same_as<int>;
};

// One concept per optional member of struct inode_operations.
template <class Fs>
concept has_create = requires(typename Fs::inode_type& n, std::string_view name, mode_t mode) {
  { inode_operations_of<Fs>::create(n, name, mode, n) } -> std::same_as<int>;
};
template <class Fs>
concept has_mkdir = requires(typename Fs::inode_type& n, std::string_view name, mode_t mode) {
  { inode_operations_of<Fs>::mkdir(n, name, mode) } -> std::same_as<int>;
};
template <class Fs>
concept has_rmdir = requires(typename Fs::inode_type& n, std::string_view name) {
  { inode_operations_of<Fs>::rmdir(n, name) } -> std::same_as<int>;
};
template <class Fs>
concept has_unlink = requires(typename Fs::inode_type& n, std::string_view name) {
  { inode_operations_of<Fs>::unlink(n, name) } -> std::same_as<int>;
};
template <class Fs>
concept has_rename = requires(typename Fs::inode_type& n, std::string_view name, unsigned flags) {
  { inode_operations_of<Fs>::rename(n, name, n, name, flags) } -> std::same_as<int>;
};
template <class Fs>
concept has_link = requires(typename Fs::inode_type& n, std::string_view name) {
  { inode_operations_of<Fs>::link(n, n, name) } -> std::same_as<int>;
};
template <class Fs>
concept has_symlink = requires(typename Fs::inode_type& n, std::string_view name) {
  { inode_operations_of<Fs>::symlink(n, name, name) } -> std::same_as<int>;
};
template <class Fs>
concept has_get_link = requires(typename Fs::inode_type& n, std::string& out) {
  { inode_operations_of<Fs>::get_link(n, out) } -> std::same_as<int>;
};
template <class Fs>
concept has_setattr = requires(typename Fs::inode_type& n, const iattr& attr) {
  { inode_operations_of<Fs>::setattr(n, attr) } -> std::same_as<int>;
};

/// The inode_operations table generated from `Fs`'s policy: each member
/// calls the policy, or answers the kernel's errno where it has none.
/// `Fs::inode_type` must be comparable (the same inode).
template <class Fs>
requires has_inode_operations<Fs>
class policy_inode final : public vfs_inode {
  using ops = inode_operations_of<Fs>;
  using node_type = typename Fs::inode_type;

 public:
  /// The inode for the type's own node.
  policy_inode(node_type node, mode_t mode, ino_t ino) : vfs_inode(mode, ino), node_(std::move(node)) {}

  /// The inode for `node`, its type and number from ->getattr.
  static int make(node_type node, inode_ptr& out) {
    struct ::stat st {};
    if (const int error = ops::getattr(node, st); error < 0) return error;
    auto inode = std::make_shared<policy_inode>(std::move(node), st.st_mode, st.st_ino);
    inode->i_rdev = st.st_rdev;
    out = std::move(inode);
    return 0;
  }

  /// The type's own node.
  node_type& node() noexcept { return node_; }

  int lookup(std::string_view name, inode_ptr& out) override {
    node_type child{};
    if (const int error = ops::lookup(node_, name, child); error < 0) return error;
    return make(std::move(child), out);
  }
  int create(std::string_view name, mode_t mode, inode_ptr& out) override {
    if constexpr (has_create<Fs>) {
      node_type child{};
      if (const int error = ops::create(node_, name, mode, child); error < 0) return error;
      return make(std::move(child), out);
    } else {
      return vfs_inode::create(name, mode, out);
    }
  }
  int mkdir(std::string_view name, mode_t mode) override {
    if constexpr (has_mkdir<Fs>) return ops::mkdir(node_, name, mode);
    return vfs_inode::mkdir(name, mode);
  }
  int rmdir(std::string_view name) override {
    if constexpr (has_rmdir<Fs>) return ops::rmdir(node_, name);
    return vfs_inode::rmdir(name);
  }
  int unlink(std::string_view name) override {
    if constexpr (has_unlink<Fs>) return ops::unlink(node_, name);
    return vfs_inode::unlink(name);
  }
  int rename(std::string_view name, vfs_inode& new_dir, std::string_view new_name, unsigned flags) override {
    if constexpr (has_rename<Fs>) {
      auto* target = dynamic_cast<policy_inode*>(&new_dir);
      if (target == nullptr) return -EXDEV;
      return ops::rename(node_, name, target->node_, new_name, flags);
    }
    return vfs_inode::rename(name, new_dir, new_name, flags);
  }
  int link(vfs_inode& old, std::string_view name) override {
    if constexpr (has_link<Fs>) {
      auto* source = dynamic_cast<policy_inode*>(&old);
      if (source == nullptr) return -EXDEV;
      return ops::link(source->node_, node_, name);
    }
    return vfs_inode::link(old, name);
  }
  int symlink(std::string_view name, std::string_view target) override {
    if constexpr (has_symlink<Fs>) return ops::symlink(node_, name, target);
    return vfs_inode::symlink(name, target);
  }
  int get_link(std::string& out) override {
    if constexpr (has_get_link<Fs>) return ops::get_link(node_, out);
    return vfs_inode::get_link(out);
  }
  int setattr(const iattr& attr) override {
    if constexpr (has_setattr<Fs>) return ops::setattr(node_, attr);
    return vfs_inode::setattr(attr);
  }
  int getattr(struct ::stat& st) override { return ops::getattr(node_, st); }
  bool same(const vfs_inode& other) const override {
    const auto* that = dynamic_cast<const policy_inode*>(&other);
    return that != nullptr && that->node_ == node_;
  }
  std::string_view i_op_name() const override { return ops::name; }
  std::string_view fs_name() const override { return kvfs::fs_name<Fs>; }

 private:
  node_type node_;
};

}  // namespace kvfs
