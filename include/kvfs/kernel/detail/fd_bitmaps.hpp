// SPDX-License-Identifier: BSL-1.0
// kvfs/kernel/detail/fd_bitmaps.hpp - the number bitmaps of struct fdtable
// (fs/file.c): which numbers are in use (open_fds), which close on exec
// (close_on_exec), which words of open_fds are full (full_fds_bits), and
// where the lowest free number may be (files->next_fd). Read and written
// under the table's lock only.
#pragma once

#include <fcntl.h>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace kvfs::detail {

class fd_bitmaps {
 public:
  static constexpr std::size_t bits = 64;

  /// Numbers in use.
  std::size_t count() const noexcept { return open_count_; }

  /// The bytes the bitmaps hold.
  std::size_t memory_bytes() const noexcept {
    return (open_fds_.capacity() + close_on_exec_.capacity() + full_fds_bits_.capacity()) * sizeof(std::uint64_t);
  }

  /// Room for `size` numbers (a multiple of 64), the new ones free.
  void resize(std::size_t size) {
    open_fds_.resize(size / bits, 0);
    close_on_exec_.resize(size / bits, 0);
    full_fds_bits_.resize((size / bits + bits - 1) / bits, 0);
  }

  /// The lowest number >= `start` that may be free (files->next_fd taken into account).
  std::size_t find_free(std::size_t start) const noexcept { return find_next_fd(std::max(start, next_fd_)); }

  /// alloc_fd(): number `n`, found searching from `start`, is taken; the
  /// next search from below it starts after it.
  void take(std::size_t n, int flags, std::size_t start) {
    if (start <= next_fd_) next_fd_ = n + 1;
    mark(n, flags);
  }

  /// __set_open_fd() and the close-on-exec bit: number `n` is in use.
  void mark(std::size_t n, int flags) {
    open_fds_[n / bits] |= std::uint64_t{1} << (n % bits);
    if (open_fds_[n / bits] == ~std::uint64_t{0}) full_fds_bits_[n / bits / bits] |= std::uint64_t{1} << (n / bits % bits);
    set_close_on_exec(n, (flags & O_CLOEXEC) != 0);
    ++open_count_;
  }

  /// __put_unused_fd(): number `n` is free again.
  void clear(std::size_t n) {
    open_fds_[n / bits] &= ~(std::uint64_t{1} << (n % bits));
    full_fds_bits_[n / bits / bits] &= ~(std::uint64_t{1} << (n / bits % bits));
    close_on_exec_[n / bits] &= ~(std::uint64_t{1} << (n % bits));
    if (n < next_fd_) next_fd_ = n;
    --open_count_;
  }

  /// Whether number `n` is in use (installed or reserved).
  bool is_open(std::size_t n) const noexcept { return test_bit(open_fds_, n); }

  /// FD_CLOEXEC of number `n`.
  bool close_on_exec(std::size_t n) const noexcept { return test_bit(close_on_exec_, n); }
  void set_close_on_exec(std::size_t n, bool on) noexcept {
    const std::uint64_t bit = std::uint64_t{1} << (n % bits);
    close_on_exec_[n / bits] = on ? close_on_exec_[n / bits] | bit : close_on_exec_[n / bits] & ~bit;
  }

 private:
  static bool test_bit(const std::vector<std::uint64_t>& map, std::size_t n) noexcept {
    return n / bits < map.size() && ((map[n / bits] >> (n % bits)) & 1U) != 0;
  }

  // find_next_fd(): the first clear bit from `start`, skipping full words
  // through full_fds_bits as the kernel does.
  std::size_t find_next_fd(std::size_t start) const noexcept {
    std::size_t word = start / bits;
    if (word < open_fds_.size()) {
      const std::uint64_t free_here = ~open_fds_[word] & (~std::uint64_t{0} << (start % bits));
      if (free_here != 0) return word * bits + static_cast<std::size_t>(std::countr_zero(free_here));
    }
    for (++word; word < open_fds_.size();) {
      const std::size_t summary = word / bits;
      const std::uint64_t not_full = ~full_fds_bits_[summary] & (~std::uint64_t{0} << (word % bits));
      if (not_full == 0) {
        word = (summary + 1) * bits;
        continue;
      }
      word = summary * bits + static_cast<std::size_t>(std::countr_zero(not_full));
      if (word >= open_fds_.size()) break;
      return word * bits + static_cast<std::size_t>(std::countr_zero(~open_fds_[word]));
    }
    return open_fds_.size() * bits;
  }

  std::vector<std::uint64_t> open_fds_;
  std::vector<std::uint64_t> close_on_exec_;
  std::vector<std::uint64_t> full_fds_bits_;
  std::size_t next_fd_ = 0;
  std::size_t open_count_ = 0;
};

}  // namespace kvfs::detail
