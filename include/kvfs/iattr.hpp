// SPDX-License-Identifier: BSL-1.0
// kvfs/iattr.hpp - struct iattr (include/linux/fs.h): what a setattr
// changes, for truncate(2), chmod(2) and utimensat(2) and their f* forms.
#pragma once

#include <kvfs/file.hpp>

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <ctime>

namespace kvfs {

/// struct iattr: what setattr changes. The VFS (notify_change()) fills
/// the times it asks for with the current time, unless ATTR_ATIME_SET or
/// ATTR_MTIME_SET says the caller gave one (utimensat).
struct iattr {
  /// ATTR_* bits: which members are set.
  unsigned ia_valid = 0;
  /// ATTR_MODE
  mode_t ia_mode = 0;
  /// ATTR_SIZE
  loff_t ia_size = 0;
  /// ATTR_ATIME
  ::timespec ia_atime{};
  /// ATTR_MTIME
  ::timespec ia_mtime{};
  /// ATTR_CTIME
  ::timespec ia_ctime{};
};
// The kernel's ATTR_* bits (include/linux/fs.h).
inline constexpr unsigned ATTR_MODE = 1;
inline constexpr unsigned ATTR_SIZE = 8;
inline constexpr unsigned ATTR_ATIME = 16;
inline constexpr unsigned ATTR_MTIME = 32;
inline constexpr unsigned ATTR_CTIME = 64;
inline constexpr unsigned ATTR_ATIME_SET = 128;  // ia_atime is the caller's, not "now"
inline constexpr unsigned ATTR_MTIME_SET = 256;  // ia_mtime is the caller's, not "now"

namespace detail {
/// The multigrain floor (kernel/time/timekeeping.c's mg_floor): the latest
/// fine-grained stamp handed out, in nanoseconds since the epoch.
inline std::atomic<std::int64_t> mg_floor{0};

constexpr std::int64_t to_ns(const ::timespec& t) noexcept { return t.tv_sec * 1'000'000'000LL + t.tv_nsec; }
constexpr ::timespec from_ns(std::int64_t ns) noexcept {
  return {static_cast<time_t>(ns / 1'000'000'000LL), static_cast<long>(ns % 1'000'000'000LL)};
}
}  // namespace detail

/// current_time() at full resolution (ktime_get_real_ts64_mg()): the clock
/// read, and the multigrain floor raised to it, so that no coarse stamp
/// handed out later is earlier.
inline ::timespec current_time() noexcept {
  ::timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  const std::int64_t ns = detail::to_ns(now);
  std::int64_t floor = detail::mg_floor.load(std::memory_order_relaxed);
  while (floor < ns && !detail::mg_floor.compare_exchange_weak(floor, ns, std::memory_order_relaxed)) {
  }
  return now;
}

/// ktime_get_coarse_real_ts64_mg(): the same clock at the tick's
/// resolution, what a change no one has looked at yet is stamped with
/// (cheap: no clock read, the last tick's value), but never before the
/// multigrain floor: a coarse stamp taken after a fine one is not earlier
/// than it, as on Linux since 6.13.
inline ::timespec coarse_time() noexcept {
  ::timespec now{};
  ::clock_gettime(CLOCK_REALTIME_COARSE, &now);
  const std::int64_t floor = detail::mg_floor.load(std::memory_order_relaxed);
  return detail::to_ns(now) < floor ? detail::from_ns(floor) : now;
}

/// Whether `a` is before `b`.
constexpr bool time_before(const ::timespec& a, const ::timespec& b) noexcept {
  return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec);
}

/// notify_change()'s times: ia_ctime is now; ia_atime and ia_mtime too,
/// unless the caller set them.
inline iattr with_times(iattr attr) noexcept {
  const ::timespec now = current_time();
  attr.ia_ctime = now;
  if ((attr.ia_valid & ATTR_ATIME_SET) == 0) attr.ia_atime = now;
  if ((attr.ia_valid & ATTR_MTIME_SET) == 0) attr.ia_mtime = now;
  return attr;
}

}  // namespace kvfs
