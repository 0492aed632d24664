// SPDX-License-Identifier: BSL-1.0
// The owner-biased lock behind ramfs's i_rwsem (kvfs/detail/biased_lock.hpp):
// mutual exclusion holds across the hand-over from the owner's plain-store
// holds to the spinlock, whichever thread comes second and whenever.
#include <kvfs/detail/biased_lock.hpp>
#include <kvfs/fs/ramfs.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

namespace {

TEST_CASE("a biased lock stays biased while one thread takes it", "[biased_lock]") {
  kvfs::detail::biased_lock lock;
  for (int i = 0; i < 1000; ++i) {
    const std::lock_guard guard(lock);
  }
  // Without membarrier(2) nothing is biased: the first lock is the spinlock's.
  CHECK(lock.shared() == !kvfs::detail::private_expedited_membarrier_ready());
  std::thread([&] { const std::lock_guard guard(lock); }).join();
  CHECK(lock.shared());
  const std::lock_guard guard(lock);  // the first owner, now through the spinlock
}

TEST_CASE("a newcomer waits for the owner's biased hold", "[biased_lock][threads]") {
  kvfs::detail::biased_lock lock;
  std::atomic<bool> owner_holds{false}, newcomer_in{false};
  lock.lock();  // biased: this thread owns it
  owner_holds = true;
  std::thread newcomer([&] {
    const std::lock_guard guard(lock);
    newcomer_in = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK_FALSE(newcomer_in.load());  // still held by the owner
  lock.unlock();
  newcomer.join();
  CHECK(newcomer_in.load());
  CHECK(lock.shared());
}

TEST_CASE("the owner keeps counting while others arrive: no increment lost", "[biased_lock][threads]") {
  kvfs::detail::biased_lock lock;
  long counter = 0;  // guarded by `lock` only
  constexpr int per_thread = 20000, newcomers = 3;
  std::atomic<bool> started{false};
  std::thread owner([&] {
    for (int i = 0; i < per_thread; ++i) {
      const std::lock_guard guard(lock);
      ++counter;
      if (i == 100) started = true;  // the bias is taken: newcomers revoke it mid-run
    }
  });
  while (!started) std::this_thread::yield();
  std::vector<std::thread> others;
  for (int t = 0; t < newcomers; ++t) {
    others.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i) {
        const std::lock_guard guard(lock);
        ++counter;
      }
    });
  }
  owner.join();
  for (auto& t : others) t.join();
  const std::lock_guard guard(lock);
  CHECK(counter == long{per_thread} * (newcomers + 1));
}

TEST_CASE("a ramfs file written by its first thread, then by a second, keeps every write whole",
          "[biased_lock][ramfs][threads]") {
  kvfs::ramfs::super_block sb;
  auto first = sb.open("/log", O_RDWR | O_CREAT | O_APPEND, 0644);
  auto second = sb.open("/log", O_WRONLY | O_APPEND);
  std::array<std::byte, 64> a{}, b{};
  a.fill(std::byte{'a'});
  b.fill(std::byte{'b'});
  constexpr int rounds = 3000;
  std::atomic<bool> started{false};
  std::atomic<int> short_writes{0};  // Catch2's CHECK is for the main thread only
  std::thread writer([&] {
    for (int i = 0; i < rounds; ++i) {
      if (first.vfs_write(a) != 64) ++short_writes;
      if (i == 100) started = true;
    }
  });
  while (!started) std::this_thread::yield();
  for (int i = 0; i < rounds; ++i) {
    if (second.vfs_write(b) != 64) ++short_writes;
  }
  writer.join();
  CHECK(short_writes == 0);
  std::vector<std::byte> all(2 * rounds * 64 + 1);
  CHECK(first.vfs_pread(all, 0) == 2 * rounds * 64);
  for (std::size_t record = 0; record < 2 * rounds; ++record) {  // 64 equal bytes each: nothing interleaved
    const std::byte* r = all.data() + record * 64;
    REQUIRE(std::all_of(r, r + 64, [r](std::byte x) { return x == r[0]; }));
  }
}

}  // namespace
