// SPDX-License-Identifier: BSL-1.0
// kvfs/kernel/detail/fdtable.hpp - struct fdtable of fs/file.c: the array
// of file pointers a descriptor table indexes, and its size (max_fds).
#pragma once

#include <kvfs/any_file.hpp>

#include <algorithm>
#include <cstddef>
#include <memory>

namespace kvfs::detail {

/// struct fdtable: one slot per number below max_fds(), null where no file
/// is installed. Owns nothing: the table's references are fd_table's.
class fdtable {
 public:
  /// How many numbers have a slot (fdt->max_fds).
  std::size_t max_fds() const noexcept { return max_fds_; }

  /// files_lookup_fd_raw(): the file behind `fd`, or null. A negative
  /// number, taken as unsigned as the kernel takes it, is beyond the table:
  /// one comparison checks both ends.
  any_file* lookup(int fd) const noexcept {
    const auto n = static_cast<std::size_t>(static_cast<unsigned>(fd));
    return n < max_fds_ ? fd_[n] : nullptr;
  }

  /// The slot of number `n` (below max_fds()).
  any_file*& operator[](std::size_t n) noexcept { return fd_[n]; }
  any_file* operator[](std::size_t n) const noexcept { return fd_[n]; }

  /// expand_fdtable(): `size` slots, the new ones empty.
  void resize(std::size_t size) {
    if (size <= max_fds_) return;
    auto grown = std::make_unique<any_file*[]>(size);  // value-initialised: null
    std::copy(fd_.get(), fd_.get() + max_fds_, grown.get());
    fd_ = std::move(grown);
    max_fds_ = size;
  }

  any_file* const* begin() const noexcept { return fd_.get(); }
  any_file* const* end() const noexcept { return fd_.get() + max_fds_; }

 private:
  std::unique_ptr<any_file*[]> fd_;
  std::size_t max_fds_ = 0;
};

}  // namespace kvfs::detail
