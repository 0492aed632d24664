// SPDX-License-Identifier: BSL-1.0
// kvfs/kernel/detail/table_owner.hpp - when a descriptor table may be read
// without its lock: the kernel's __fget_light() takes no reference and no
// lock while files->count is 1 (no other task shares the table, so nobody
// can close a number under the caller). kvfs's equivalent: the first thread
// that uses a table owns it, and its lookups are light until a second
// thread uses the table, which makes it shared for good.
//
// The hand-over is an asymmetric Dekker handshake, as liburcu's memb flavour
// reads: the owner marks itself with plain stores and reads `shared` with no
// fence; the newcomer sets `shared` and runs membarrier(2), after which the
// owner either saw `shared` or has its mark visible. The newcomer then waits
// only for the owner's lookup itself (a few loads: the table's array may be
// reallocated next), never for the owner's system call, which may block on
// what the newcomer is about to do. The file the owner holds uncounted
// stays alive: while the owner's call may be in flight, a reference the
// table drops is deferred, and released when that call ends (a grace
// period of one reader, as RCU would give).
#pragma once

#include <kvfs/any_file.hpp>
#include <kvfs/detail/membarrier.hpp>
#include <kvfs/detail/spinlock.hpp>

#include <atomic>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace kvfs::detail {

/// Who may read a table without its lock, and the table references dropped
/// while the owner's light call may still use their file.
class table_owner {
 public:
  table_owner() noexcept = default;
  table_owner(const table_owner&) = delete;
  table_owner& operator=(const table_owner&) = delete;
  ~table_owner() { drain(); }

  /// Before any access under the table's lock: the first thread becomes
  /// the owner; any other makes the table shared before it goes on, and
  /// goes on only once the hand-over is complete (seeing `shared_tag` is
  /// not enough: the thread that stored it may not have run membarrier(2)
  /// yet, and the owner may still be reading the table).
  void enter() const noexcept {
    const void* me = this_thread();
    if (switched_.load(std::memory_order_acquire)) [[likely]]
      return;
    const void* owner = owner_.load(std::memory_order_relaxed);
    if (owner == me) return;
    if (owner == nullptr && private_expedited_membarrier_ready() &&
        owner_.compare_exchange_strong(owner, me, std::memory_order_acq_rel)) {
      return;
    }
    make_shared();  // also without membarrier(2): no thread ever reads light then
  }

  /// The owner, on a table nobody else has used, starts a light lookup:
  /// true when it may read the table without the lock; then found() or
  /// end_light() follows.
  bool begin_light() const noexcept {
    const void* me = this_thread();
    if (owner_.load(std::memory_order_relaxed) != me) return false;
    state_.store(looking_up, std::memory_order_relaxed);
    std::atomic_signal_fence(std::memory_order_seq_cst);  // the mark, then the check: membarrier orders them
    if (owner_.load(std::memory_order_relaxed) == me) [[likely]]
      return true;
    end_light();
    return false;
  }

  /// The lookup is done: the owner holds its file, uncounted, until end_light().
  void found() const noexcept { state_.store(holding, std::memory_order_release); }

  /// `use(file)` as the owner's light call, ended (end_light()) when it
  /// returns or throws. Not an RAII guard: that would be an object stored
  /// on every call, for the exception's sake.
  template <class Use>
  [[gnu::always_inline]] long light_call(Use& use, any_file* file) const {
    long result;
    try {
      result = use(file);
    } catch (...) {
      end_light();
      throw;
    }
    end_light();
    return result;
  }

  /// The owner's light call is over; references deferred meanwhile go now.
  void end_light() const noexcept {
    state_.store(idle, std::memory_order_release);
    if (owner_.load(std::memory_order_relaxed) == shared_tag()) [[unlikely]] {
      std::atomic_thread_fence(std::memory_order_seq_cst);
      drain();
    }
  }

  /// Whether another thread may be reading the table without its lock:
  /// it has announced itself (membarrier(2) orders its announcement against
  /// this thread's stores made before the call, as in begin_light()).
  bool readers_may_exist() const noexcept {
    std::atomic_signal_fence(std::memory_order_seq_cst);
    return owner_.load(std::memory_order_relaxed) == shared_tag();
  }

  /// Whether a second thread has used the table.
  bool shared() const noexcept { return switched_.load(std::memory_order_acquire); }

  /// fput() of a reference the table held: at once, unless the owner's
  /// light call may be using the file; then when that call ends. (Once the
  /// table is shared and the owner idle, it stays idle: no light call
  /// starts again, so the common case puts at once, allocating nothing.)
  int put_table_ref(any_file* file) const {
    if (!shared()) return file_ref{file}.reset();  // the owner's own close: no light call is in flight
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (state_.load(std::memory_order_relaxed) == idle) return file_ref{file}.reset();
    {
      std::lock_guard guard(deferred_lock_);
      deferred_.push_back(file);
      deferred_count_.fetch_add(1, std::memory_order_relaxed);
    }
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (state_.load(std::memory_order_relaxed) == idle) drain();
    return 0;
  }

 private:
  enum : int { idle, looking_up, holding };

  static const void* this_thread() noexcept { return this_thread_marker(); }
  // owner_ once a second thread has used the table.
  static const void* shared_tag() noexcept { return shared_marker(); }

  // A second thread: every lookup is locked and counted from now on; the
  // owner's lookup in progress, if any, is waited for (not its call).
  [[gnu::cold, gnu::noinline]] void make_shared() const noexcept {
    owner_.store(shared_tag(), std::memory_order_seq_cst);
    private_expedited_membarrier();
    while (state_.load(std::memory_order_acquire) == looking_up) std::this_thread::yield();
    switched_.store(true, std::memory_order_release);
  }

  // The deferred references, released outside the lock (a release may
  // close more numbers).
  void drain() const {
    if (deferred_count_.load(std::memory_order_relaxed) == 0) return;
    std::vector<any_file*> released;
    {
      std::lock_guard guard(deferred_lock_);
      released.swap(deferred_);
      deferred_count_.store(0, std::memory_order_relaxed);
    }
    for (any_file* file : released) file_ref{file}.reset();
  }

  // nullptr (unused), the owner thread's marker, or shared_tag().
  mutable std::atomic<const void*> owner_{nullptr};
  mutable std::atomic<int> state_{idle};
  mutable std::atomic<bool> switched_{false};  // the hand-over is complete
  mutable spinlock deferred_lock_;
  mutable std::vector<any_file*> deferred_;
  mutable std::atomic<std::size_t> deferred_count_{0};
};

}  // namespace kvfs::detail
