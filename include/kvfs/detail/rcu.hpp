// SPDX-License-Identifier: BSL-1.0
// kvfs/detail/rcu.hpp - read-copy-update for the descriptor table
// once threads share it: a lookup reads the table without its lock
// (rcu_read_lock), and what a writer replaces or frees (an outgrown slot
// array, the memory of a file that was in a shared table) is freed only
// after every lookup that could still see it has ended (a grace period).
//
// The read side is liburcu's memb flavour: a reader stores the grace-period
// epoch it began in with a plain store; synchronize() runs membarrier(2),
// after which each reader's mark is visible or the reader sees every store
// made before it, then advances the epoch and waits for the readers that
// began before. Frees are batched, one grace period per batch, as call_rcu
// batches them. Used only where membarrier(2) works (otherwise a shared
// table keeps its lock).
#pragma once

#include <kvfs/detail/membarrier.hpp>
#include <kvfs/detail/spinlock.hpp>

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace kvfs::detail {

/// One thread's read-side mark: 0 outside a read section, else the epoch
/// its section began in.
struct rcu_reader {
  std::atomic<std::uint64_t> epoch{0};
};

/// The process's RCU domain: its readers, its epoch and its pending frees.
class rcu_domain {
 public:
  using free_function = void (*)(void*);

  static rcu_domain& instance() noexcept {
    static rcu_domain domain;
    return domain;
  }
  rcu_domain(const rcu_domain&) = delete;
  rcu_domain& operator=(const rcu_domain&) = delete;
  ~rcu_domain() { run(std::exchange(pending_, {})); }  // at exit: no reader is left

  /// Whether readers may rely on it (membarrier(2) works here).
  static bool available() noexcept { return private_expedited_membarrier_ready(); }

  std::uint64_t epoch() const noexcept { return epoch_.load(std::memory_order_relaxed); }

  void enroll(rcu_reader* reader) {
    const spinlock::guard guard(readers_lock_);
    readers_.push_back(reader);
  }
  void leave(rcu_reader* reader) {
    const spinlock::guard guard(readers_lock_);
    readers_.erase(std::remove(readers_.begin(), readers_.end(), reader), readers_.end());
  }

  /// synchronize_rcu(): returns once every read section that began before
  /// the call has ended. Never called inside a read section.
  void synchronize() {
    const spinlock::guard grace(grace_lock_);
    private_expedited_membarrier();
    const std::uint64_t target = epoch_.fetch_add(1, std::memory_order_seq_cst) + 1;
    const spinlock::guard guard(readers_lock_);
    for (const rcu_reader* reader : readers_) {
      for (;;) {
        const std::uint64_t began = reader->epoch.load(std::memory_order_acquire);
        if (began == 0 || began >= target) break;
        ::sched_yield();
      }
    }
  }

  /// call_rcu(): `release(p)` after a grace period. Frees wait in a batch
  /// of `batch` (so a grace period costs one membarrier(2) per batch).
  void defer(free_function release, void* p) {
    std::vector<std::pair<free_function, void*>> due;
    {
      const spinlock::guard guard(pending_lock_);
      pending_.emplace_back(release, p);
      if (pending_.size() < batch) return;
      due.swap(pending_);
    }
    synchronize();
    run(std::move(due));
  }

 private:
  static constexpr std::size_t batch = 64;

  rcu_domain() = default;
  static void run(std::vector<std::pair<free_function, void*>> due) {
    for (const auto& [release, p] : due) release(p);
  }

  std::atomic<std::uint64_t> epoch_{1};
  spinlock grace_lock_;
  spinlock readers_lock_;
  std::vector<const rcu_reader*> readers_;
  spinlock pending_lock_;
  std::vector<std::pair<free_function, void*>> pending_;
};

/// This thread's reader record, enrolled on first use and gone with the thread.
class rcu_thread {
 public:
  rcu_thread() { rcu_domain::instance().enroll(&reader_); }
  ~rcu_thread() { rcu_domain::instance().leave(&reader_); }
  rcu_thread(const rcu_thread&) = delete;
  rcu_thread& operator=(const rcu_thread&) = delete;
  rcu_reader& reader() noexcept { return reader_; }

 private:
  rcu_reader reader_;
};

/// rcu_read_lock() ... rcu_read_unlock(): a read section, not nested.
class rcu_read_guard {
 public:
  rcu_read_guard() noexcept : reader_(this_reader()) {
    reader_.epoch.store(rcu_domain::instance().epoch(), std::memory_order_relaxed);
    std::atomic_signal_fence(std::memory_order_seq_cst);  // the mark, then the reads: membarrier orders them
  }
  ~rcu_read_guard() { reader_.epoch.store(0, std::memory_order_release); }
  rcu_read_guard(const rcu_read_guard&) = delete;
  rcu_read_guard& operator=(const rcu_read_guard&) = delete;

 private:
  static rcu_reader& this_reader() noexcept {
    static thread_local rcu_thread thread;
    return thread.reader();
  }
  rcu_reader& reader_;
};

}  // namespace kvfs::detail
