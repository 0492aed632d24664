// SPDX-License-Identifier: BSL-1.0
// kvfs/detail/biased_lock.hpp - a lock that costs no atomic read-modify-
// write while only one thread has taken it: ramfs's inode lock. The
// kernel's i_rwsem is a sleeping lock whose uncontended path is one atomic;
// in user space that atomic (and its release) costs more than the 64-byte
// copy it guards, so the first thread to take the lock owns it and marks
// its holds with plain stores. A second thread revokes the bias for good:
// it publishes `shared`, runs membarrier(2) (after which the owner either
// sees `shared` or has its mark visible), waits for the owner's hold in
// progress, and from then on every thread takes the spinlock inside.
//
// Holds are short and never wait for another thread while biased, so the
// newcomer's wait is bounded; locks taken in a consistent order stay
// deadlock-free, as with a plain lock.
#pragma once

#include <kvfs/detail/membarrier.hpp>
#include <kvfs/detail/spinlock.hpp>

#include <sched.h>

#include <atomic>

namespace kvfs::detail {

class biased_lock {
 public:
  biased_lock() noexcept = default;
  biased_lock(const biased_lock&) = delete;
  biased_lock& operator=(const biased_lock&) = delete;

  void lock() noexcept {
    if (owner_.load(std::memory_order_relaxed) == this_thread_marker()) [[likely]] {
      held_.store(true, std::memory_order_relaxed);
      std::atomic_signal_fence(std::memory_order_seq_cst);  // the mark, then the check: membarrier orders them
      if (owner_.load(std::memory_order_relaxed) == this_thread_marker()) [[likely]]
        return;
      held_.store(false, std::memory_order_release);  // revoked meanwhile
    }
    lock_slow();
  }

  void unlock() noexcept {
    // Only the first owner ever sets held_, so no other thread reads it.
    if (first_owner_.load(std::memory_order_relaxed) == this_thread_marker() &&
        held_.load(std::memory_order_relaxed)) [[likely]] {
      held_.store(false, std::memory_order_release);
      return;
    }
    shared_.unlock();
  }

  /// Whether a second thread has taken the lock (it is a spinlock from now on).
  bool shared() const noexcept { return switched_.load(std::memory_order_acquire); }

 private:
  [[gnu::cold, gnu::noinline]] void lock_slow() noexcept {
    const void* me = this_thread_marker();
    const void* owner = owner_.load(std::memory_order_acquire);
    if (owner == nullptr && private_expedited_membarrier_ready() &&
        owner_.compare_exchange_strong(owner, me, std::memory_order_acq_rel)) {
      first_owner_.store(me, std::memory_order_relaxed);  // only this thread finds itself there
      held_.store(true, std::memory_order_relaxed);
      std::atomic_signal_fence(std::memory_order_seq_cst);
      if (owner_.load(std::memory_order_relaxed) == me) return;
      held_.store(false, std::memory_order_release);
    } else if (owner != shared_marker()) {
      revoke();
    }
    while (!switched_.load(std::memory_order_acquire)) ::sched_yield();
    shared_.lock();
  }

  // The second thread: the bias ends; the owner's hold in progress, if any,
  // is waited for (its release is the acquire below).
  void revoke() noexcept {
    const void* owner = owner_.load(std::memory_order_acquire);
    if (owner == shared_marker() || !owner_.compare_exchange_strong(owner, shared_marker())) return;
    private_expedited_membarrier();
    while (held_.load(std::memory_order_acquire)) ::sched_yield();
    switched_.store(true, std::memory_order_release);
  }

  std::atomic<const void*> owner_{nullptr};  // nullptr, the owner's marker, or shared_marker()
  std::atomic<const void*> first_owner_{nullptr};  // written once, by the owner, before its first hold
  std::atomic<bool> held_{false};             // the owner holds the lock, biased
  std::atomic<bool> switched_{false};         // the bias is revoked and the owner's hold is over
  spinlock shared_;
};

}  // namespace kvfs::detail
