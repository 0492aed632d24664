// SPDX-License-Identifier: BSL-1.0
// kvfs/kernel/detail/fdtable.hpp - struct fdtable of fs/file.c: the array
// of file pointers a descriptor table indexes, and its size (max_fds),
// published through one pointer (files->fdt) so that a lookup without the
// table's lock reads a whole, consistent array.
#pragma once

#include <kvfs/any_file.hpp>

#include <atomic>
#include <cstddef>
#include <new>

namespace kvfs::detail {

/// struct fdtable: one slot per number below max_fds, null where no file
/// is installed, in one allocation. Owns nothing: the table's references
/// are fd_table's.
class fdtable {
 public:
  /// How many numbers have a slot (fdt->max_fds).
  std::size_t max_fds() const noexcept { return max_fds_; }

  /// files_lookup_fd_raw(): the file behind `fd`, or null. A negative
  /// number, taken as unsigned as the kernel takes it, is beyond the table:
  /// one comparison checks both ends.
  any_file* lookup(int fd) const noexcept {
    const auto n = static_cast<std::size_t>(static_cast<unsigned>(fd));
    return n < max_fds_ ? slots()[n].load(std::memory_order_acquire) : nullptr;
  }

  /// The slot of number `n` (below max_fds()); stores under the table's lock.
  std::atomic<any_file*>& operator[](std::size_t n) const noexcept { return slots()[n]; }

  /// alloc_fdtable(): `size` empty slots.
  static fdtable* make(std::size_t size) {
    void* memory = ::operator new(sizeof(fdtable) + size * sizeof(std::atomic<any_file*>));
    auto* table = new (memory) fdtable(size);
    for (std::size_t n = 0; n < size; ++n) new (&table->slots()[n]) std::atomic<any_file*>(nullptr);
    return table;
  }

  /// copy_fdtable(): a table of `size` slots holding this one's files.
  fdtable* grown(std::size_t size) const {
    fdtable* bigger = make(size);
    for (std::size_t n = 0; n < max_fds_; ++n) (*bigger)[n].store((*this)[n].load(std::memory_order_relaxed));
    return bigger;
  }

  /// free_fdtable() (the empty table is static and stays).
  static void free(void* table) noexcept {
    if (table != &empty()) ::operator delete(table);
  }

  /// The table of a process that has opened nothing yet.
  static fdtable& empty() noexcept {
    static fdtable none(0);
    return none;
  }

 private:
  explicit fdtable(std::size_t size) noexcept : max_fds_(size) {}
  std::atomic<any_file*>* slots() const noexcept {
    return std::launder(reinterpret_cast<std::atomic<any_file*>*>(const_cast<fdtable*>(this) + 1));
  }

  std::size_t max_fds_;
};

}  // namespace kvfs::detail
