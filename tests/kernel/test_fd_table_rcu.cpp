// SPDX-License-Identifier: BSL-1.0
// Lookups on a shared descriptor table without its lock (__fget_files_rcu,
// kvfs/detail/rcu.hpp): they race closes, dup2s and the table's growth, and
// every file is still released exactly once and never used after its
// memory is gone (AddressSanitizer; ThreadSanitizer for the ordering).
#include <kvfs/kernel.hpp>

#include <catch2/catch.hpp>

#include "counted_fs.hpp"

#include <atomic>
#include <thread>
#include <vector>

namespace {

using kvfs_test::install_counted;

void make_shared(kvfs::process& proc) {
  std::thread([&] { (void)proc.fcntl(0, F_GETFD); }).join();
}

}  // namespace

TEST_CASE("lookups on a shared table race closes and dup2s: each file released once", "[table][threads][rcu]") {
  kvfs::process proc;
  std::atomic<int> releases{0};
  std::atomic<int> made{0};
  constexpr int numbers = 8;
  for (int i = 0; i < numbers; ++i) {
    install_counted(proc, releases);
    ++made;
  }
  make_shared(proc);
  REQUIRE(proc.files().shared());

  std::atomic<bool> stop{false};
  std::atomic<int> reading{0};
  std::atomic<long> wrong{0}, written{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&, t] {
      for (unsigned i = 0; !stop; ++i) {
        const long r = proc.write(static_cast<int>((i + static_cast<unsigned>(t)) % numbers), kvfs::as_bytes("x"));
        if (r == 1) {
          ++written;
        } else if (r != -EBADF) {
          ++wrong;
        }
        if (i == 0) ++reading;
      }
    });
  }
  while (reading < 2) std::this_thread::yield();
  for (int round = 0; round < 3000; ++round) {
    const int fd = round % numbers;
    proc.close(fd);
    if (install_counted(proc, releases) != fd) ++wrong;  // the lowest free number
    ++made;
    if (proc.dup2((fd + 1) % numbers, fd) != fd) ++wrong;  // displaces the file just installed
  }
  stop = true;
  for (auto& r : readers) r.join();
  for (int fd = 0; fd < numbers; ++fd) proc.close(fd);
  CHECK(wrong == 0);
  CHECK(written > 0);
  CHECK(releases == made);
}

TEST_CASE("the table grows while other threads look numbers up", "[table][threads][rcu]") {
  // Each round is a fresh table that grows from 64 to 1024 slots under a
  // reader: the outgrown arrays must outlive the lookups still reading them.
  std::atomic<int> releases{0};
  long failed = 0;
  for (int round = 0; round < 300; ++round) {
    kvfs::process proc;
    const int first = install_counted(proc, releases);
    make_shared(proc);
    std::atomic<bool> stop{false}, reading{false};
    std::atomic<long> misses{0};
    std::thread reader([&] {
      while (!stop) {
        if (proc.write(first, kvfs::as_bytes("x")) != 1) ++misses;  // never closed: always there
        reading = true;
      }
    });
    while (!reading) std::this_thread::yield();
    for (int i = 0; i < 900; ++i) (void)proc.dup(first);
    stop = true;
    reader.join();
    failed += misses;
  }  // each table's files are put when it goes
  CHECK(failed == 0);
  CHECK(releases == 300);
}

TEST_CASE("a file reached by a lookup just before its close stays whole for that call", "[table][threads][rcu]") {
  kvfs::process proc;
  std::atomic<int> releases{0};
  make_shared(proc);
  std::atomic<bool> stop{false}, reading{false};
  std::atomic<long> odd{0};
  std::thread reader([&] {
    while (!stop) {
      // A count of 0 is impossible for a file the lookup returned: it holds one.
      if (kvfs::file_ref f = proc.files().fdget(0); f && f->count() < 1) ++odd;
      reading = true;
    }
  });
  while (!reading) std::this_thread::yield();
  for (int i = 0; i < 5000; ++i) {
    REQUIRE(install_counted(proc, releases) == 0);
    proc.close(0);
  }
  stop = true;
  reader.join();
  CHECK(odd == 0);
  CHECK(releases == 5000);
}
