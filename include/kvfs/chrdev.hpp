// kvfs/chrdev.hpp - the memory character devices /dev/null, /dev/zero and
// /dev/full, in user space, as drivers/char/mem.c implements them.
//
// Reached by kvfs::open_device() or, through the descriptor table, by
// opening the host's device node: chrdev_open() finds the driver by the
// node's device number (1:3, 1:5, 1:7) and the file gets its table.
#pragma once

#include <kvfs/descriptor.hpp>
#include <kvfs/detail/vfs.hpp>
#include <kvfs/file_system.hpp>
#include <kvfs/name.hpp>

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <span>
#include <string_view>

namespace kvfs {

namespace detail {
// get_next_ino(): numbers for inodes that exist only in kvfs.
inline ino_t get_next_ino() noexcept {
  static std::atomic<ino_t> last{0x100000};
  return ++last;
}

inline ssize_t fill_zeros(std::span<const ::iovec> iov) noexcept {
  for (const ::iovec& segment : iov) std::memset(segment.iov_base, 0, segment.iov_len);
  return static_cast<ssize_t>(iov_length(iov));
}
}  // namespace detail

/// What a memory device file's private_data holds: its inode.
struct mem_device_file {
  ino_t ino = detail::get_next_ino();
};

/// What the three devices share: llseek sets the position to 0 (null_lseek),
/// and the inode is a character device of major 1.
template <unsigned Minor>
struct mem_fops_base {
  static loff_t llseek(auto& file, loff_t, int) noexcept { return file.f_pos = 0; }

  static int getattr(auto& file, struct ::stat& st) noexcept {
    st = {};
    st.st_mode = S_IFCHR | 0666;
    st.st_rdev = makedev(1, Minor);
    st.st_ino = file.private_data.ino;
    st.st_nlink = 1;
    st.st_blksize = 4096;
    return 0;
  }
};

/// null_fops: reads find end of file, writes succeed and vanish.
struct null_fops : mem_fops_base<3> {
  static constexpr std::string_view name = "null_fops";
  static ssize_t read(auto&, std::span<std::byte>) noexcept { return 0; }
  static ssize_t write(auto&, std::span<const std::byte> buf) noexcept { return static_cast<ssize_t>(buf.size()); }
  static ssize_t read_iter(auto&, std::span<const ::iovec>) noexcept { return 0; }
  static ssize_t write_iter(auto&, std::span<const ::iovec> iov) noexcept {
    return static_cast<ssize_t>(detail::iov_length(iov));
  }
  static ssize_t pread(auto&, std::span<std::byte>, loff_t) noexcept { return 0; }
  static ssize_t pwrite(auto&, std::span<const std::byte> buf, loff_t) noexcept {
    return static_cast<ssize_t>(buf.size());
  }
};

/// zero_fops: reads fill zeros, writes succeed and vanish.
struct zero_fops : mem_fops_base<5> {
  static constexpr std::string_view name = "zero_fops";
  static ssize_t read(auto&, std::span<std::byte> buf) noexcept {
    std::fill(buf.begin(), buf.end(), std::byte{0});
    return static_cast<ssize_t>(buf.size());
  }
  static ssize_t write(auto&, std::span<const std::byte> buf) noexcept { return static_cast<ssize_t>(buf.size()); }
  static ssize_t read_iter(auto&, std::span<const ::iovec> iov) noexcept { return detail::fill_zeros(iov); }
  static ssize_t write_iter(auto&, std::span<const ::iovec> iov) noexcept {
    return static_cast<ssize_t>(detail::iov_length(iov));
  }
  static ssize_t pread(auto& file, std::span<std::byte> buf, loff_t) noexcept { return read(file, buf); }
  static ssize_t pwrite(auto&, std::span<const std::byte> buf, loff_t) noexcept {
    return static_cast<ssize_t>(buf.size());
  }
};

/// full_fops: reads fill zeros, every write is ENOSPC.
struct full_fops : mem_fops_base<7> {
  static constexpr std::string_view name = "full_fops";
  static ssize_t read_iter(auto&, std::span<const ::iovec> iov) noexcept { return detail::fill_zeros(iov); }
  static ssize_t write(auto&, std::span<const std::byte>) noexcept { return -ENOSPC; }
  static ssize_t pread(auto&, std::span<std::byte> buf, loff_t) noexcept {
    std::fill(buf.begin(), buf.end(), std::byte{0});
    return static_cast<ssize_t>(buf.size());
  }
  static ssize_t pwrite(auto&, std::span<const std::byte>, loff_t) noexcept { return -ENOSPC; }
};

/// A memory character device as a file-system type: its inode lives on
/// devtmpfs, its table is the driver's.
template <class Fops>
struct chrdev {
  static constexpr auto name = name_c<"devtmpfs">;
  using private_data = mem_device_file;
  using file_operations = Fops;
};

using dev_null = chrdev<null_fops>;
using dev_zero = chrdev<zero_fops>;
using dev_full = chrdev<full_fops>;

/// Opens a memory device with open(2) flags (the access mode counts).
template <class Device>
descriptor<Device> open_device(int flags) {
  return descriptor<Device>(mem_device_file{}, flags);
}

}  // namespace kvfs
