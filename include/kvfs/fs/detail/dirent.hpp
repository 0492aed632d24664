// SPDX-License-Identifier: BSL-1.0
// kvfs/fs/detail/dirent.hpp - struct linux_dirent64, as filldir64() of
// fs/readdir.c lays the records out in getdents64(2)'s buffer.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace kvfs::detail {

/// The bytes of one record: the fixed part (d_ino, d_off, d_reclen,
/// d_type), the name and its NUL, rounded up to 8.
constexpr std::size_t dirent64_reclen(std::size_t name_length) noexcept {
  constexpr std::size_t header = 8 + 8 + 2 + 1;  // offsetof(struct linux_dirent64, d_name)
  return (header + name_length + 1 + 7) & ~std::size_t{7};
}

/// filldir64(): appends one record at `used`; false when it does not fit.
inline bool filldir64(std::span<std::byte> buf, std::size_t& used, std::uint64_t ino, std::int64_t off,
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

}  // namespace kvfs::detail
