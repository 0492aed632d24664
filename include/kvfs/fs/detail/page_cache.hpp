// SPDX-License-Identifier: BSL-1.0
// kvfs/fs/detail/page_cache.hpp - an in-memory file's bytes as the kernel's
// page cache keeps them (struct address_space): 4 KiB pages by index, only
// where something was written, so a hole costs nothing and a write at 2^40
// costs one page. Reads of a hole see zeros.
#pragma once

#include <sys/types.h>
#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <span>

namespace kvfs::detail {

class page_cache {
 public:
  static constexpr std::size_t page_size = 4096;

  /// i_size: where the file ends.
  std::uint64_t size() const noexcept { return i_size_; }

  /// The pages that hold data (for st_blocks).
  std::size_t nr_pages() const noexcept { return pages_.size(); }

  /// Copies from `pos` into the segments, up to the end of the file: the
  /// bytes copied.
  std::size_t read(std::uint64_t pos, std::span<const ::iovec> iov) const {
    std::size_t done = 0;
    for (const ::iovec& segment : iov) {
      if (pos >= i_size_) break;
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(segment.iov_len, i_size_ - pos));
      copy_out(pos, static_cast<std::byte*>(segment.iov_base), n);
      pos += n;
      done += n;
    }
    return done;
  }

  /// Copies the segments in at `pos`, growing the file: the bytes copied.
  /// The caller has checked that pos + total does not overflow.
  std::size_t write(std::uint64_t pos, std::span<const ::iovec> iov) {
    if (iov.size() == 1) [[likely]]  // write(2), pwrite(2): no loop, and the whole write inlines
      return write_segment(pos, iov[0]);
    std::size_t done = 0;
    for (const ::iovec& segment : iov) done += write_segment(pos + done, segment);
    return done;
  }

  /// mapping_seek_hole_data(): from `pos` (below the size), the first byte
  /// of data (a page that is there) or of a hole (one that is not; the end
  /// of the file is one), or the size when there is no more data.
  std::uint64_t seek_data(std::uint64_t pos) const {
    const auto it = pages_.lower_bound(pos / page_size);
    if (it == pages_.end()) return i_size_;
    return std::min(i_size_, std::max(pos, it->first * page_size));
  }
  std::uint64_t seek_hole(std::uint64_t pos) const {
    std::uint64_t index = pos / page_size;
    for (auto it = pages_.find(index); it != pages_.end() && it->first == index; ++it) ++index;
    return std::min(i_size_, std::max(pos, index * page_size));
  }

  /// truncate_pagecache() to 0 (O_TRUNC).
  void clear() noexcept { truncate(0); }

  /// truncate_setsize(): the size becomes `size`; pages wholly past it go,
  /// the tail of the last one is zeroed (growing leaves a hole).
  void truncate(std::uint64_t size) {
    if (size < i_size_) {
      pages_.erase(pages_.lower_bound((size + page_size - 1) / page_size), pages_.end());
      if (const auto it = pages_.find(size / page_size); it != pages_.end() && size % page_size != 0) {
        std::memset(it->second->data() + size % page_size, 0, page_size - size % page_size);
      }
      last_ = {};
    }
    i_size_ = size;
  }

 private:
  using page = std::array<std::byte, page_size>;

  void copy_out(std::uint64_t pos, std::byte* to, std::size_t n) const {
    while (n > 0) {
      const std::size_t offset = static_cast<std::size_t>(pos % page_size);
      const std::size_t chunk = std::min(n, page_size - offset);
      const auto it = pages_.find(pos / page_size);
      if (it == pages_.end()) {
        std::memset(to, 0, chunk);  // a hole
      } else {
        std::memcpy(to, it->second->data() + offset, chunk);
      }
      to += chunk;
      pos += chunk;
      n -= chunk;
    }
  }

  [[gnu::always_inline]] std::size_t write_segment(std::uint64_t pos, const ::iovec& segment) {
    copy_in(pos, static_cast<const std::byte*>(segment.iov_base), segment.iov_len);
    i_size_ = std::max(i_size_, pos + segment.iov_len);
    return segment.iov_len;
  }

  void copy_in(std::uint64_t pos, const std::byte* from, std::size_t n) {
    if (const auto offset = static_cast<std::size_t>(pos % page_size); n <= page_size - offset) [[likely]] {
      std::memcpy(find_or_create(pos / page_size) + offset, from, n);  // within one page: most writes
      return;
    }
    while (n > 0) {
      const std::size_t offset = static_cast<std::size_t>(pos % page_size);
      const std::size_t chunk = std::min(n, page_size - offset);
      std::memcpy(find_or_create(pos / page_size) + offset, from, chunk);
      from += chunk;
      pos += chunk;
      n -= chunk;
    }
  }

  // The page of that index, made (zeroed) if absent; appends hit the cached
  // last page without a lookup (inline: the map is out of line).
  std::byte* find_or_create(std::uint64_t index) {
    if (last_.data != nullptr && last_.index == index) [[likely]] return last_.data;
    return look_up_or_create(index);
  }

  [[gnu::noinline]] std::byte* look_up_or_create(std::uint64_t index) {
    auto& slot = pages_[index];
    if (!slot) slot = std::make_unique<page>();  // value-initialised: zeros
    last_ = {index, slot->data()};
    return last_.data;
  }

  struct cached_page {
    std::uint64_t index = 0;
    std::byte* data = nullptr;
  };

  std::map<std::uint64_t, std::unique_ptr<page>> pages_;
  cached_page last_;
  std::uint64_t i_size_ = 0;
};

}  // namespace kvfs::detail
