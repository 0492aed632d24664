// SPDX-License-Identifier: BSL-1.0
// kvfs/fs/ramfs.hpp - an in-memory file system (fs/ramfs): regular files
// and directories that live in the process, with the semantics of tmpfs's
// regular files (offsets, sparse holes that read as zeros and cost nothing,
// O_APPEND, O_TRUNC, O_EXCL).
//
//   kvfs::ramfs::super_block sb;                  // a mount of its own
//   sb.mkdir("/notes", 0755);
//   auto f = sb.open("/notes/today", O_RDWR | O_CREAT, 0644);
//   kvfs::write_all(f, "in memory");
#pragma once

#include <kvfs/any_file.hpp>
#include <kvfs/descriptor.hpp>
#include <kvfs/detail/ino.hpp>
#include <kvfs/detail/spinlock.hpp>
#include <kvfs/detail/vfs.hpp>
#include <kvfs/file_system.hpp>
#include <kvfs/inode.hpp>
#include <kvfs/fs/detail/page_cache.hpp>
#include <kvfs/fs/ramfs_inode.hpp>
#include <kvfs/io.hpp>
#include <kvfs/name.hpp>
#include <kvfs/super_block.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace kvfs {

/// What a ramfs file's private_data holds: its inode.
struct ram_file {
  std::shared_ptr<ram_inode> inode;
  std::mutex* tree_lock = nullptr;  // the super_block's, for a directory's entries
  std::string d_cursor;             // a directory read's place: the last name returned
};

/// ramfs_file_operations: the generic page-cache operations, on memory.
/// Each call holds the inode's lock, so files shared between threads (and
/// the f_pos of a duplicated descriptor) stay consistent.
struct ramfs_file_operations {
  static constexpr std::string_view name = "ramfs_file_operations";
  static constexpr bool splice_write = true;  // iter_file_splice_write
  static constexpr bool splice_read = true;  // filemap_splice_read

  static ssize_t read(auto& file, std::span<std::byte> buf) {
    const ::iovec segment{buf.data(), buf.size()};
    return read_iter(file, {&segment, 1});
  }
  static ssize_t write(auto& file, std::span<const std::byte> buf) {
    const ::iovec segment{const_cast<std::byte*>(buf.data()), buf.size()};
    return write_iter(file, {&segment, 1});
  }

  // rw_verify_area() of f_pos (here, under the inode lock), then
  // generic_file_read_iter() at f_pos; a directory is EISDIR (generic_read_dir).
  static ssize_t read_iter(auto& file, std::span<const ::iovec> iov) {
    ram_inode& inode = *file.private_data.inode;
    std::lock_guard guard(inode.i_rwsem);
    if (const int error = detail::rw_verify_area(&file.f_pos, detail::iov_length(iov)); error < 0) return error;
    if (inode.is_dir()) return -EISDIR;
    const ssize_t done = copy_out(inode, iov, file.f_pos);
    file.f_pos += done;
    return done;
  }

  // rw_verify_area() of f_pos (O_APPEND or not, as vfs_write() checks it),
  // then generic_file_write_iter() at f_pos, or at the end with O_APPEND.
  static ssize_t write_iter(auto& file, std::span<const ::iovec> iov) {
    ram_inode& inode = *file.private_data.inode;
    std::lock_guard guard(inode.i_rwsem);
    if (const int error = detail::rw_verify_area(&file.f_pos, detail::iov_length(iov)); error < 0) return error;
    const loff_t pos = (file.f_flags & O_APPEND) != 0 ? static_cast<loff_t>(inode.pages.size()) : file.f_pos;
    const ssize_t done = copy_in(inode, iov, pos);
    if (done > 0) file.f_pos = pos + done;  // new_sync_write(): only a write that wrote moves it
    return done;
  }

  static ssize_t pread(auto& file, std::span<std::byte> buf, loff_t pos) {
    ram_inode& inode = *file.private_data.inode;
    std::lock_guard guard(inode.i_rwsem);
    if (inode.is_dir()) return -EISDIR;
    const ::iovec segment{buf.data(), buf.size()};
    return copy_out(inode, {&segment, 1}, pos);
  }

  // Linux appends with O_APPEND whatever the offset (pwrite(2), BUGS).
  static ssize_t pwrite(auto& file, std::span<const std::byte> buf, loff_t pos) {
    ram_inode& inode = *file.private_data.inode;
    std::lock_guard guard(inode.i_rwsem);
    if ((file.f_flags & O_APPEND) != 0) pos = static_cast<loff_t>(inode.pages.size());
    const ::iovec segment{const_cast<std::byte*>(buf.data()), buf.size()};
    return copy_in(inode, {&segment, 1}, pos);
  }

  // shmem_file_llseek() for a file (SEEK_DATA and SEEK_HOLE by the pages
  // that are there, as tmpfs answers); dcache_dir_lseek() for a
  // directory (SEEK_SET and SEEK_CUR only). An end past LLONG_MAX or below
  // 0 is EINVAL (vfs_setpos()).
  static loff_t llseek(auto& file, loff_t offset, int whence) {
    ram_inode& inode = *file.private_data.inode;
    if (inode.is_dir()) return dir_llseek(file, offset, whence);
    std::lock_guard guard(inode.i_rwsem);
    const auto size = static_cast<loff_t>(inode.pages.size());
    loff_t target = 0;
    switch (whence) {
      case SEEK_SET:
        target = offset;
        break;
      case SEEK_CUR:
        if (__builtin_add_overflow(file.f_pos, offset, &target)) return -EINVAL;
        break;
      case SEEK_END:
        if (__builtin_add_overflow(size, offset, &target)) return -EINVAL;
        break;
      case SEEK_DATA:
      case SEEK_HOLE:
        if (offset < 0 || offset >= size) return -ENXIO;  // compared unsigned, as the kernel does
        target = static_cast<loff_t>(whence == SEEK_DATA ? inode.pages.seek_data(static_cast<std::uint64_t>(offset))
                                                         : inode.pages.seek_hole(static_cast<std::uint64_t>(offset)));
        if (whence == SEEK_DATA && target == size) return -ENXIO;
        break;
      default:
        return -EINVAL;
    }
    if (target < 0) return -EINVAL;
    return file.f_pos = target;
  }

  // dcache_readdir(): ".", "..", then the names in order from the cursor.
  static ssize_t iterate_shared(auto& file, std::span<std::byte> buf) {
    ram_file& dir = file.private_data;
    if (!dir.inode->is_dir()) return -ENOTDIR;
    std::lock_guard guard(*dir.tree_lock);
    return ramfs_readdir(*dir.inode, file.f_pos, dir.d_cursor, buf);
  }

  static int fsync(auto&) noexcept { return 0; }  // memory is always in sync

  static int getattr(auto& file, struct ::stat& st) {
    file.private_data.inode->fillattr(st);
    return 0;
  }

 private:
  // dcache_dir_lseek(), under the tree lock as reads of the directory are:
  // SEEK_SET and SEEK_CUR, the cursor after the `pos`-th entry ("." and
  // ".." are 0 and 1).
  static loff_t dir_llseek(auto& file, loff_t offset, int whence) {
    ram_file& dir = file.private_data;
    std::lock_guard guard(*dir.tree_lock);
    loff_t target = offset;
    if (whence == SEEK_CUR && __builtin_add_overflow(file.f_pos, offset, &target)) return -EINVAL;
    if ((whence != SEEK_SET && whence != SEEK_CUR) || target < 0) return -EINVAL;
    dir.d_cursor.clear();
    auto it = dir.inode->children.begin();
    for (loff_t i = 2; i < target && it != dir.inode->children.end(); ++i, ++it) dir.d_cursor = it->first;
    return file.f_pos = target;
  }

  static ssize_t copy_out(const ram_inode& inode, std::span<const ::iovec> iov, loff_t pos) {
    if (pos < 0) return -EINVAL;
    return static_cast<ssize_t>(inode.pages.read(static_cast<std::uint64_t>(pos), iov));
  }

  // generic_write_checks(): nothing to write is 0; a position at or past
  // s_maxbytes (LLONG_MAX) is EFBIG, and the count is cut to end there.
  static ssize_t copy_in(ram_inode& inode, std::span<const ::iovec> iov, loff_t pos) {
    if (inode.is_dir()) return -EISDIR;
    if (pos < 0) return -EINVAL;
    const std::size_t total = detail::iov_length(iov);
    if (total == 0) return 0;
    if (pos == std::numeric_limits<loff_t>::max()) return -EFBIG;
    const auto room = static_cast<std::size_t>(std::numeric_limits<loff_t>::max() - pos);
    if (total > room) return -EINVAL;  // rw_verify_area()'s answer, checked here under the inode lock
    return static_cast<ssize_t>(inode.pages.write(static_cast<std::uint64_t>(pos), iov));
  }
};

/// The in-memory file-system type.
struct ramfs {
  static constexpr auto name = name_c<"ramfs">;
  using private_data = ram_file;
  using file_operations = ramfs_file_operations;
  using inode_type = ram_node;
  using inode_operations = ramfs_inode_operations;

  class super_block;
  /// mount(2): a fresh, empty instance (the source is ignored, as ramfs's).
  static int mount(std::string_view source, int flags, std::shared_ptr<kvfs::super_block>& sb);
};

/// One mounted ramfs: a tree of inodes rooted at "/".
class ramfs::super_block final : public kvfs::super_block {
 public:
  super_block() : root_(std::make_shared<ram_inode>(S_IFDIR | 0755, detail::get_next_ino())) {}

  /// open(2) inside this file system: O_CREAT, O_EXCL, O_TRUNC, O_APPEND,
  /// O_DIRECTORY; a directory opens read-only (EISDIR otherwise).
  descriptor<ramfs> open(std::string_view path, int flags, mode_t mode, std::error_code& ec) {
    std::shared_ptr<ram_inode> inode;
    const int error = open_inode(path, flags, mode, inode);
    if (error != 0) {
      ec.assign(error, std::system_category());
      return {};
    }
    const bool regular = S_ISREG(inode->i_mode);
    descriptor<ramfs> d(ram_file{std::move(inode), &tree_lock_, {}}, flags);
    if (regular) d.file().f_mode |= FMODE_CAN_ODIRECT;  // as tmpfs: the page cache is the storage
    if (const int odirect = detail::check_odirect(d.file()); odirect < 0) {
      ec.assign(-odirect, std::system_category());
      return {};
    }
    ec.clear();
    return d;
  }

  descriptor<ramfs> open(std::string_view path, int flags, mode_t mode = 0666) {
    std::error_code ec;
    auto d = open(path, flags, mode, ec);
    if (ec) throw std::system_error(ec, "kvfs::ramfs::open " + std::string(path));
    return d;
  }

  /// open(2) for the descriptor table: the file, or -errno.
  int open(std::string_view path, int flags, mode_t mode, file_ref& file) override {
    std::error_code ec;
    auto d = open(path, flags, mode, ec);
    if (ec) return -ec.value();
    file = make_file(std::move(d));
    return 0;
  }

  int lookup(std::string_view path, struct inode& inode) override {
    std::lock_guard guard(tree_lock_);
    std::shared_ptr<ram_inode> found;
    if (const int error = lookup(path, found); error != 0) return -error;
    inode = {found->i_mode, found->i_ino, 0};
    return 0;
  }

  inode_ptr root_inode() override {
    inode_ptr root;
    policy_inode<ramfs>::make(ram_node{root_, &tree_lock_}, root);
    return root;
  }

  int open_inode(vfs_inode& inode, int flags, mode_t mode, file_ref& file) override {
    auto* node = dynamic_cast<policy_inode<ramfs>*>(&inode);
    if (node == nullptr) return -EXDEV;
    std::shared_ptr<ram_inode> target = node->node().inode;
    if ((flags & detail::kernel_tmpfile) != 0) {  // ramfs_tmpfile(): an inode no name links
      target = std::make_shared<ram_inode>(S_IFREG | (mode & 07777), detail::get_next_ino());
      target->i_nlink = 0;
    }
    descriptor<ramfs> d(ram_file{std::move(target), node->node().tree_lock, {}}, flags);
    if (!S_ISDIR(d.file().private_data.inode->i_mode)) d.file().f_mode |= FMODE_CAN_ODIRECT;  // as tmpfs
    file = make_file(std::move(d));
    return 0;
  }

  int lookup_dir(std::string_view path) override {
    std::error_code ec;
    list(path, ec);
    return ec ? -ec.value() : 0;
  }

  /// mkdir(2): 0 or -errno (EEXIST, ENOENT, ENOTDIR).
  int mkdir(std::string_view path, mode_t mode) override {
    std::lock_guard guard(tree_lock_);
    auto [parent, leaf, error] = walk_parent(path);
    if (error != 0) return -error;
    if (leaf.empty() || parent->children.count(leaf) != 0) return -EEXIST;
    parent->children.emplace(std::string(leaf),
                             std::make_shared<ram_inode>(S_IFDIR | (mode & 07777), detail::get_next_ino()));
    ++parent->i_nlink;
    return 0;
  }

  /// unlink(2): the name goes; open files keep the inode until closed.
  int unlink(std::string_view path) { return remove(path, false); }

  /// rmdir(2): an empty directory only (ENOTEMPTY).
  int rmdir(std::string_view path) { return remove(path, true); }

  /// The names in a directory, sorted; empty with ENOENT/ENOTDIR as `ec`.
  std::vector<std::string> list(std::string_view path, std::error_code& ec) const {
    std::lock_guard guard(tree_lock_);
    std::shared_ptr<ram_inode> dir;
    const int error = lookup(path, dir);
    std::vector<std::string> names;
    if (error == 0 && !dir->is_dir()) {
      ec.assign(ENOTDIR, std::system_category());
      return names;
    }
    if (error != 0) {
      ec.assign(error, std::system_category());
      return names;
    }
    ec.clear();
    for (const auto& [name, child] : dir->children) names.push_back(name);
    return names;
  }

  /// open(2) as the descriptor table needs it: the inode, or an errno.
  int open_inode(std::string_view path, int flags, mode_t mode, std::shared_ptr<ram_inode>& out) {
    std::lock_guard guard(tree_lock_);
    constexpr int kernel_tmpfile = 020000000;  // __O_TMPFILE: do_tmpfile() walks to the directory,
    if ((flags & kernel_tmpfile) != 0) {       // then ramfs_tmpfile() makes an inode no name links
      std::shared_ptr<ram_inode> dir;
      if (const int error = lookup(path, dir); error != 0) return error;
      if (!dir->is_dir()) return ENOTDIR;
      out = std::make_shared<ram_inode>(S_IFREG | (mode & 07777), detail::get_next_ino());
      return 0;
    }
    auto [parent, leaf, error] = walk_parent(path);
    if (error != 0) return error;
    bool created = false;
    if (leaf.empty()) {  // the root itself
      out = root_;
    } else if (auto it = parent->children.find(leaf); it != parent->children.end()) {
      if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) return EEXIST;
      out = it->second;
    } else {
      if ((flags & O_CREAT) == 0) return ENOENT;
      if ((flags & O_DIRECTORY) != 0) return EINVAL;
      out = std::make_shared<ram_inode>(S_IFREG | (mode & 07777), detail::get_next_ino());
      parent->children.emplace(std::string(leaf), out);
      created = true;
    }
    return do_open(*out, flags, created);
  }

  // do_open() of fs/namei.c on what the walk found: O_CREAT on a directory
  // is EISDIR; O_DIRECTORY needs one (ENOTDIR); may_open() refuses a
  // directory any write access, which O_TRUNC and O_ACCMODE 3 ask for too;
  // O_TRUNC truncates an existing regular file whatever the access mode.
  static int do_open(ram_inode& inode, int flags, bool created) {
    if ((flags & O_PATH) != 0) return (flags & O_DIRECTORY) != 0 && !inode.is_dir() ? ENOTDIR : 0;
    if ((flags & O_CREAT) != 0 && inode.is_dir()) return EISDIR;
    if ((flags & O_DIRECTORY) != 0 && !inode.is_dir()) return ENOTDIR;
    const bool may_write = (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) != 0;
    if (inode.is_dir() && may_write) return EISDIR;
    if (!created && (flags & O_TRUNC) != 0 && S_ISREG(inode.i_mode)) {
      std::lock_guard inode_guard(inode.i_rwsem);
      inode.pages.clear();
    }
    return 0;
  }

 private:
  struct parent_walk {
    std::shared_ptr<ram_inode> parent;
    std::string_view leaf;
    int error;
  };

  // path_parentat(): the directory that holds the last component.
  parent_walk walk_parent(std::string_view path) const {
    std::shared_ptr<ram_inode> dir = root_;
    std::vector<std::string_view> parts;
    for (std::size_t at = 0; at < path.size();) {
      const std::size_t end = std::min(path.find('/', at), path.size());
      const std::string_view part = path.substr(at, end - at);
      if (!part.empty() && part != ".") parts.push_back(part);
      at = end + 1;
    }
    if (parts.empty()) return {root_, {}, 0};
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      if (parts[i] == "..") return {nullptr, {}, EINVAL};  // kept simple: no parent walks
      auto it = dir->children.find(parts[i]);
      if (it == dir->children.end()) return {nullptr, {}, ENOENT};
      if (!it->second->is_dir()) return {nullptr, {}, ENOTDIR};
      dir = it->second;
    }
    if (parts.back() == "..") return {nullptr, {}, EINVAL};
    return {dir, parts.back(), 0};
  }

  int lookup(std::string_view path, std::shared_ptr<ram_inode>& out) const {
    auto [parent, leaf, error] = walk_parent(path);
    if (error != 0) return error;
    if (leaf.empty()) {
      out = root_;
      return 0;
    }
    auto it = parent->children.find(leaf);
    if (it == parent->children.end()) return ENOENT;
    out = it->second;
    return 0;
  }

  int remove(std::string_view path, bool directory) {
    std::lock_guard guard(tree_lock_);
    auto [parent, leaf, error] = walk_parent(path);
    if (error != 0) return -error;
    if (leaf.empty()) return -EBUSY;
    auto it = parent->children.find(leaf);
    if (it == parent->children.end()) return -ENOENT;
    if (directory && !it->second->is_dir()) return -ENOTDIR;
    if (!directory && it->second->is_dir()) return -EISDIR;
    if (directory && !it->second->children.empty()) return -ENOTEMPTY;
    if (directory) --parent->i_nlink;
    it->second->i_nlink = directory ? 0U : it->second->i_nlink - 1;
    parent->children.erase(it);
    return 0;
  }

  mutable std::mutex tree_lock_;  // the dcache's rename lock, in short
  std::shared_ptr<ram_inode> root_;
};

inline int ramfs::mount(std::string_view, int, std::shared_ptr<kvfs::super_block>& sb) {
  sb = std::make_shared<super_block>();
  return 0;
}

}  // namespace kvfs
