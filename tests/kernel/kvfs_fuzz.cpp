// SPDX-License-Identifier: BSL-1.0
// kvfs_fuzz CALLS [FIRST_SEED]: the differential fuzzer for long runs
// (scripts/fuzz builds it with ASan+UBSan and runs it). Runs sequences of
// 120 calls from FIRST_SEED (default 1) on until CALLS calls have run on
// each of the real kernel, kvfs-posixfs and kvfs-ramfs; prints calls per
// second; on a divergence prints the minimal sequence and exits 1.
#include "fuzz.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::cerr << "usage: kvfs_fuzz CALLS [FIRST_SEED]\n";
    return 2;
  }
  const std::uint64_t calls = std::strtoull(argv[1], nullptr, 10);
  std::uint64_t seed = argc == 3 ? std::strtoull(argv[2], nullptr, 10) : 1;
  constexpr std::size_t length = 120;
  const auto start = std::chrono::steady_clock::now();
  auto rate = [&](std::uint64_t done) {
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    return static_cast<long>(static_cast<double>(done) / std::max(took.count(), 1e-9));
  };
  std::uint64_t done = 0;
  const std::string devices = kvfs_test::fuzz::device_modes();
  for (; done < calls; done += length, ++seed) {
    std::string divergence = kvfs_test::fuzz::check_seed(seed, length);
    if (kvfs_test::fuzz::device_modes() != devices) divergence += "seed " + std::to_string(seed) + " changed a host device's mode\n";
    if (!divergence.empty()) {
      std::cout << divergence << "kvfs_fuzz: divergence after " << done << " calls\n";
      return 1;
    }
    if ((seed % 500) == 0) std::cout << "kvfs_fuzz: " << done + length << " calls, " << rate(done + length) << " calls/s\n" << std::flush;
  }
  std::cout << "kvfs_fuzz: " << done << " calls on each of 3 systems (seeds to " << seed - 1 << "), no divergence, "
            << rate(done) << " calls/s\n";
  return 0;
}
