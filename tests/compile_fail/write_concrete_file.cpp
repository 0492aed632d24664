// SPDX-License-Identifier: BSL-1.0
// A write that takes kvfs::file<Fs>& (one trace policy's file) instead of
// auto&: a traced descriptor and the descriptor table could not call it.
#include <kvfs/descriptor.hpp>

#include <cstddef>
#include <span>

struct concretefs;

struct concrete_ops {
#ifdef KVFS_CONTROL
  static ssize_t write(auto&, std::span<const std::byte> buf) { return static_cast<ssize_t>(buf.size()); }
#else
  static ssize_t write(kvfs::file<concretefs>&, std::span<const std::byte> buf) {
    return static_cast<ssize_t>(buf.size());
  }
#endif
};

struct concretefs {
  static constexpr auto name = kvfs::name_c<"concretefs">;
  struct private_data {};
  using file_operations = concrete_ops;
};

[[maybe_unused]] constexpr std::size_t size = sizeof(kvfs::descriptor<concretefs>);
