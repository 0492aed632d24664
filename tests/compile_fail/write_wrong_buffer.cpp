// SPDX-License-Identifier: BSL-1.0
// A write that takes std::span<const char>: not the kernel's shape, so the
// compiler says what the shape is, where the type is first used.
#include <kvfs/descriptor.hpp>

#include <cstddef>
#include <span>

struct chars_ops {
#ifdef KVFS_CONTROL
  static ssize_t write(auto&, std::span<const std::byte> buf) { return static_cast<ssize_t>(buf.size()); }
#else
  static ssize_t write(auto&, std::span<const char> buf) { return static_cast<ssize_t>(buf.size()); }
#endif
};

struct charsfs {
  static constexpr auto name = kvfs::name_c<"charsfs">;
  struct private_data {};
  using file_operations = chars_ops;
};

kvfs::descriptor<charsfs>* any_descriptor = nullptr;
[[maybe_unused]] constexpr std::size_t size = sizeof(kvfs::descriptor<charsfs>);
