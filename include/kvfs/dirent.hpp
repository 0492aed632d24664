// SPDX-License-Identifier: BSL-1.0
// kvfs/dirent.hpp - struct linux_dirent64, as filldir64() of fs/readdir.c
// lays the records out in getdents64(2)'s buffer: what a file system's
// iterate_shared fills (dir_emit), and what a reader walks (for_each_dirent).
#pragma once

#include <dirent.h>  // DT_REG, DT_DIR ...: the d_type values
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace kvfs {

/// The bytes of one record: the fixed part (d_ino, d_off, d_reclen,
/// d_type), the name and its NUL, rounded up to 8.
constexpr std::size_t dirent64_reclen(std::size_t name_length) noexcept {
  constexpr std::size_t header = 8 + 8 + 2 + 1;  // offsetof(struct linux_dirent64, d_name)
  return (header + name_length + 1 + 7) & ~std::size_t{7};
}

/// dir_emit() → filldir64(): appends one record at `used` (`off` is where
/// the next one starts, what lseek gives back); false when it does not fit.
inline bool dir_emit(std::span<std::byte> buf, std::size_t& used, std::uint64_t ino, std::int64_t off,
                      unsigned char type, std::string_view name) noexcept {
  const std::size_t reclen = dirent64_reclen(name.size());
  if (reclen > buf.size() - used) return false;
  std::byte* record = buf.data() + used;
  std::memset(record, 0, reclen);
  const auto length = static_cast<std::uint16_t>(reclen);
  std::memcpy(record, &ino, 8);
  std::memcpy(record + 8, &off, 8);
  std::memcpy(record + 16, &length, 2);
  std::memcpy(record + 18, &type, 1);
  std::memcpy(record + 19, name.data(), name.size());
  used += reclen;
  return true;
}

/// One record of a getdents64(2) buffer.
struct dirent64 {
  /// The inode number.
  std::uint64_t d_ino;
  /// Where the next record starts (for lseek).
  std::int64_t d_off;
  /// DT_* type.
  unsigned char d_type;
  /// The name.
  std::string_view d_name;
};

/// Calls `fn(dirent64)` for each record of the `filled` bytes.
template <class Fn>
void for_each_dirent(std::span<const std::byte> filled, Fn fn) {
  for (std::size_t at = 0; at + 19 <= filled.size();) {
    dirent64 d{};
    std::uint16_t reclen = 0;
    std::memcpy(&d.d_ino, filled.data() + at, 8);
    std::memcpy(&d.d_off, filled.data() + at + 8, 8);
    std::memcpy(&reclen, filled.data() + at + 16, 2);
    std::memcpy(&d.d_type, filled.data() + at + 18, 1);
    if (reclen == 0 || at + reclen > filled.size()) return;
    d.d_name = std::string_view(reinterpret_cast<const char*>(filled.data() + at + 19));
    fn(d);
    at += reclen;
  }
}

}  // namespace kvfs
