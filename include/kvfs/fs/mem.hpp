// SPDX-License-Identifier: BSL-1.0
// kvfs/fs/mem.hpp - the memory character devices /dev/null, /dev/zero and
// /dev/full, in user space, as drivers/char/mem.c implements them.
//
// Reached by kvfs::open_device<kvfs::dev_null>() or, through the descriptor
// table, by opening the host's device node: the process's cdev_map knows
// their numbers (1:3, 1:5, 1:7) because they are in its registry, and
// chrdev_open() gives the file their table.
#pragma once

#include <kvfs/descriptor.hpp>
#include <kvfs/detail/ino.hpp>
#include <kvfs/detail/vfs.hpp>
#include <kvfs/file_system.hpp>
#include <kvfs/fs/char_dev.hpp>
#include <kvfs/name.hpp>

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <span>
#include <string_view>

namespace kvfs {

/// MEM_MAJOR: the memory devices' major number.
inline constexpr unsigned MEM_MAJOR = 1;

namespace detail {
inline ssize_t fill_zeros(std::span<const ::iovec> iov) noexcept {
  for (const ::iovec& segment : iov) std::memset(segment.iov_base, 0, segment.iov_len);
  return static_cast<ssize_t>(iov_length(iov));
}
}  // namespace detail

/// What a memory device file's private_data holds: its inode.
struct mem_device_file {
  /// The device inode's number (get_next_ino()).
  ino_t ino = detail::get_next_ino();
};

/// What the three devices share: llseek sets the position to 0 (null_lseek),
/// reads leave the position where it is, and the inode is a character device of major 1.
template <unsigned Minor>
struct mem_fops_base {
  static constexpr bool reads_leave_pos = true;  ///< read_iter_zero(), read_iter_null(): ki_pos stays
  /// null_lseek(), zero_lseek(), full_lseek(): the position is 0, whatever is asked.
  static loff_t llseek(auto& file, loff_t, int) noexcept { return file.f_pos = 0; }

  /// The device inode: S_IFCHR, rdev 1:Minor.
  static int getattr(auto& file, struct ::stat& st) noexcept {
    st = {};
    st.st_mode = S_IFCHR | 0666;
    st.st_rdev = makedev(MEM_MAJOR, Minor);
    st.st_ino = file.private_data.ino;
    st.st_nlink = 1;
    st.st_blksize = 4096;
    return 0;
  }
};

/// null_fops: reads find end of file, writes succeed and vanish.
struct null_fops : mem_fops_base<3> {
  /// The kernel table's name.
  static constexpr std::string_view name = "null_fops";
  static constexpr bool splice_write = true;  ///< splice_write_null
  /// read_null(): always end of file.
  static ssize_t read(auto&, std::span<std::byte>) noexcept { return 0; }
  /// write_null(), write_zero(): everything is written, nowhere.
  static ssize_t write(auto&, std::span<const std::byte> buf) noexcept { return static_cast<ssize_t>(buf.size()); }
  /// read_iter_null(): always end of file.
  static ssize_t read_iter(auto&, std::span<const ::iovec>) noexcept { return 0; }
  /// write_iter_null(), write_iter_zero(): everything is written, nowhere.
  static ssize_t write_iter(auto&, std::span<const ::iovec> iov) noexcept {
    return static_cast<ssize_t>(detail::iov_length(iov));
  }
  /// read_null() at a position: end of file.
  static ssize_t pread(auto&, std::span<std::byte>, loff_t) noexcept { return 0; }
  /// write_null() at a position: everything is written.
  static ssize_t pwrite(auto&, std::span<const std::byte> buf, loff_t) noexcept {
    return static_cast<ssize_t>(buf.size());
  }
};

/// zero_fops: reads fill zeros, writes succeed and vanish.
struct zero_fops : mem_fops_base<5> {
  /// The kernel table's name.
  static constexpr std::string_view name = "zero_fops";
  static constexpr bool splice_write = true;  ///< splice_write_zero
  static constexpr bool splice_read = true;  ///< copy_splice_read
  /// read_zero(): the buffer filled with zeros.
  static ssize_t read(auto&, std::span<std::byte> buf) noexcept {
    std::fill(buf.begin(), buf.end(), std::byte{0});
    return static_cast<ssize_t>(buf.size());
  }
  /// write_null(), write_zero(): everything is written, nowhere.
  static ssize_t write(auto&, std::span<const std::byte> buf) noexcept { return static_cast<ssize_t>(buf.size()); }
  /// read_iter_zero(): every segment filled with zeros.
  static ssize_t read_iter(auto&, std::span<const ::iovec> iov) noexcept { return detail::fill_zeros(iov); }
  /// write_iter_null(), write_iter_zero(): everything is written, nowhere.
  static ssize_t write_iter(auto&, std::span<const ::iovec> iov) noexcept {
    return static_cast<ssize_t>(detail::iov_length(iov));
  }
  /// read_zero() at a position: zeros.
  static ssize_t pread(auto& file, std::span<std::byte> buf, loff_t) noexcept { return read(file, buf); }
  /// write_null() at a position: everything is written.
  static ssize_t pwrite(auto&, std::span<const std::byte> buf, loff_t) noexcept {
    return static_cast<ssize_t>(buf.size());
  }
};

/// full_fops: reads fill zeros, every write is ENOSPC.
struct full_fops : mem_fops_base<7> {
  /// The kernel table's name.
  static constexpr std::string_view name = "full_fops";
  static constexpr bool splice_read = true;  ///< copy_splice_read
  /// read_iter_zero(): every segment filled with zeros.
  static ssize_t read_iter(auto&, std::span<const ::iovec> iov) noexcept { return detail::fill_zeros(iov); }
  /// write_full(): the device is full (ENOSPC).
  static ssize_t write(auto&, std::span<const std::byte>) noexcept { return -ENOSPC; }
  /// read_iter_zero() at a position: zeros.
  static ssize_t pread(auto&, std::span<std::byte> buf, loff_t) noexcept {
    std::fill(buf.begin(), buf.end(), std::byte{0});
    return static_cast<ssize_t>(buf.size());
  }
  /// write_full() at a position: ENOSPC.
  static ssize_t pwrite(auto&, std::span<const std::byte>, loff_t) noexcept { return -ENOSPC; }
};

/// A memory device as a driver: its major, its minor in mem.c's devlist[],
/// and its file_operations. Its inode lives on devtmpfs; its table is the
/// driver's.
template <unsigned Minor, class Fops>
struct mem_device {
  /// MEM_MAJOR (1).
  static constexpr unsigned major = MEM_MAJOR;
  /// The minor in devlist[].
  static constexpr unsigned minor = Minor;
  /// An open device file holds its inode number.
  using private_data = mem_device_file;
  /// The driver's table.
  using file_operations = Fops;
};

/// devlist[] of drivers/char/mem.c, by the names /dev shows.
struct dev_null : mem_device<3, null_fops> {
  /// /dev/null
  static constexpr auto name = name_c<"null">;
};
/// /dev/zero: reads zeros, writes vanish.
struct dev_zero : mem_device<5, zero_fops> {
  /// /dev/zero
  static constexpr auto name = name_c<"zero">;
};
/// /dev/full: reads zeros, writes are ENOSPC.
struct dev_full : mem_device<7, full_fops> {
  /// /dev/full
  static constexpr auto name = name_c<"full">;
};

}  // namespace kvfs
