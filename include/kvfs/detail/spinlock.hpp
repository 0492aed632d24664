// SPDX-License-Identifier: BSL-1.0
// kvfs/detail/spinlock.hpp - the kernel's spinlock_t, in user space: for
// critical sections of a few instructions (the descriptor table's
// file_lock), where a mutex's system-call-ready path costs more than the
// work it guards. A waiter yields its core after a short spin.
#pragma once

#include <sched.h>

#include <atomic>

namespace kvfs::detail {

class spinlock {
 public:
  void lock() noexcept {
    for (int spins = 0; locked_.exchange(true, std::memory_order_acquire); ++spins) {
      while (locked_.load(std::memory_order_relaxed)) {
        if (++spins > 64) ::sched_yield();
      }
    }
  }
  bool try_lock() noexcept { return !locked_.exchange(true, std::memory_order_acquire); }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

  /// Holds the lock for a scope (std::lock_guard without <mutex>).
  class guard {
   public:
    explicit guard(spinlock& lock) noexcept : lock_(lock) { lock_.lock(); }
    ~guard() { lock_.unlock(); }
    guard(const guard&) = delete;
    guard& operator=(const guard&) = delete;

   private:
    spinlock& lock_;
  };

 private:
  std::atomic<bool> locked_{false};
};

}  // namespace kvfs::detail
