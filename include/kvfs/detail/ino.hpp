// SPDX-License-Identifier: BSL-1.0
// kvfs/detail/ino.hpp - inode numbers for inodes that exist only in kvfs.
#pragma once

#include <sys/types.h>

#include <atomic>

namespace kvfs::detail {

/// get_next_ino(): a fresh number, above those the host's pseudo inodes use.
inline ino_t get_next_ino() noexcept {
  static std::atomic<ino_t> last{0x100000};
  return ++last;
}

}  // namespace kvfs::detail
