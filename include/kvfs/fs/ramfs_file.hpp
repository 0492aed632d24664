// SPDX-License-Identifier: BSL-1.0
// kvfs/fs/ramfs_file.hpp - ramfs's open files and ramfs_file_operations:
// the generic page-cache file operations of mm/filemap.c and fs/libfs.c
// (generic_file_read_iter, generic_file_write_iter, generic_file_llseek,
// dcache_readdir), on memory.
#pragma once

#include <kvfs/detail/vfs.hpp>
#include <kvfs/file.hpp>
#include <kvfs/fs/detail/page_cache.hpp>
#include <kvfs/fs/ramfs_inode.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

namespace kvfs {

/// What a ramfs file's private_data holds: its inode.
struct ram_file {
  /// The open file's inode.
  std::shared_ptr<ram_inode> inode;
  std::mutex* tree_lock = nullptr;  ///< the super_block's, for a directory's entries
  std::string d_cursor;             ///< a directory read's place: the last name returned
};

/// ramfs_file_operations: the generic page-cache operations, on memory.
/// Each call holds the inode's lock, so files shared between threads (and
/// the f_pos of a duplicated descriptor) stay consistent.
struct ramfs_file_operations {
  /// The kernel table's name.
  static constexpr std::string_view name = "ramfs_file_operations";
  static constexpr bool splice_write = true;  ///< iter_file_splice_write
  static constexpr bool splice_read = true;  ///< filemap_splice_read

  /// read(2) at the position (generic_file_read_iter).
  static ssize_t read(auto& file, std::span<std::byte> buf) {
    const ::iovec segment{buf.data(), buf.size()};
    return read_iter(file, {&segment, 1});
  }
  /// write(2) at the position, or at the end with O_APPEND.
  static ssize_t write(auto& file, std::span<const std::byte> buf) {
    const ::iovec segment{const_cast<std::byte*>(buf.data()), buf.size()};
    return write_iter(file, {&segment, 1});
  }

  /// rw_verify_area() of f_pos (here, under the inode lock), then
  /// generic_file_read_iter() at f_pos; a directory is EISDIR (generic_read_dir).
  static ssize_t read_iter(auto& file, std::span<const ::iovec> iov) {
    ram_inode& inode = *file.private_data.inode;
    std::lock_guard guard(inode.i_rwsem);
    if (const int error = detail::rw_verify_area(&file.f_pos, detail::iov_length(iov)); error < 0) return error;
    if (inode.is_dir()) return -EISDIR;
    const ssize_t done = copy_out(inode, iov, file.f_pos);
    file.f_pos += done;
    if (done >= 0) inode.accessed();  // file_accessed()
    return done;
  }

  /// rw_verify_area() of f_pos (O_APPEND or not, as vfs_write() checks it),
  /// then generic_file_write_iter() at f_pos, or at the end with O_APPEND.
  static ssize_t write_iter(auto& file, std::span<const ::iovec> iov) {
    ram_inode& inode = *file.private_data.inode;
    std::lock_guard guard(inode.i_rwsem);
    if (const int error = detail::rw_verify_area(&file.f_pos, detail::iov_length(iov)); error < 0) return error;
    const loff_t pos = (file.f_flags & O_APPEND) != 0 ? static_cast<loff_t>(inode.pages.size()) : file.f_pos;
    const ssize_t done = copy_in(inode, iov, pos);
    if (done > 0) file.f_pos = pos + done;  // new_sync_write(): only a write that wrote moves it
    return done;
  }

  /// pread64(2): the bytes at `pos`.
  static ssize_t pread(auto& file, std::span<std::byte> buf, loff_t pos) {
    ram_inode& inode = *file.private_data.inode;
    std::lock_guard guard(inode.i_rwsem);
    if (inode.is_dir()) return -EISDIR;
    const ::iovec segment{buf.data(), buf.size()};
    const ssize_t done = copy_out(inode, {&segment, 1}, pos);
    if (done >= 0) inode.accessed();
    return done;
  }

  /// Linux appends with O_APPEND whatever the offset (pwrite(2), BUGS).
  static ssize_t pwrite(auto& file, std::span<const std::byte> buf, loff_t pos) {
    ram_inode& inode = *file.private_data.inode;
    std::lock_guard guard(inode.i_rwsem);
    if ((file.f_flags & O_APPEND) != 0) pos = static_cast<loff_t>(inode.pages.size());
    const ::iovec segment{const_cast<std::byte*>(buf.data()), buf.size()};
    return copy_in(inode, {&segment, 1}, pos);
  }

  /// shmem_file_llseek() for a file (SEEK_DATA and SEEK_HOLE by the pages
  /// that are there, as tmpfs answers); dcache_dir_lseek() for a
  /// directory (SEEK_SET and SEEK_CUR only). An end past LLONG_MAX or below
  /// 0 is EINVAL (vfs_setpos()).
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

  /// dcache_readdir(): ".", "..", then the names in order from the cursor.
  static ssize_t iterate_shared(auto& file, std::span<std::byte> buf) {
    ram_file& dir = file.private_data;
    if (!dir.inode->is_dir()) return -ENOTDIR;
    std::lock_guard guard(*dir.tree_lock);
    const ssize_t done = ramfs_readdir(*dir.inode, file.f_pos, dir.d_cursor, buf);
    if (done >= 0) {  // iterate_dir() → file_accessed()
      std::lock_guard inode_guard(dir.inode->i_rwsem);
      dir.inode->accessed();
    }
    return done;
  }

  /// noop_fsync(): memory is always in sync.
  static int fsync(auto&) noexcept { return 0; }  // memory is always in sync

  /// The inode as fstat(2) shows it.
  static int getattr(auto& file, struct ::stat& st) {
    file.private_data.inode->fillattr(st);
    return 0;
  }

  /// simple_setattr() of the open file's inode (ftruncate, fchmod, futimens).
  static int setattr(auto& file, const iattr& attr) {
    file.private_data.inode->setattr(attr);
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
    if (target == file.f_pos) return target;  // the cursor is there already
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
    inode.modified();  // file_modified()
    return static_cast<ssize_t>(inode.pages.write(static_cast<std::uint64_t>(pos), iov));
  }
};

}  // namespace kvfs
