// SPDX-License-Identifier: BSL-1.0
// The sequence-level differential fuzzer, bounded for ctest: a fixed set
// of seeds, each a random sequence run on the real kernel, kvfs-posixfs
// and kvfs-ramfs (tests/fuzz.hpp). `scripts/fuzz N` runs N calls.
#include <catch2/catch.hpp>

#include "fuzz.hpp"

#include <chrono>
#include <iostream>

TEST_CASE("fuzz: random call sequences answer as the real kernel does", "[fuzz][conformance]") {
  kvfs_test::no_descriptor_leak leak_check;
  const std::string devices_before = kvfs_test::fuzz::device_modes();
  constexpr std::uint64_t seeds = 40;
  constexpr std::size_t length = 120;
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
    const std::string divergence = kvfs_test::fuzz::check_seed(seed, length);
    INFO(divergence);
    CHECK(divergence.empty());
  }
  CHECK(kvfs_test::fuzz::device_modes() == devices_before);  // the host's devices are never changed
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  std::cout << "fuzz: " << seeds * length << " calls on each of 3 systems, "
            << static_cast<long>(static_cast<double>(seeds * length) / took.count()) << " calls/s\n";
}

TEST_CASE("fuzz: a divergence shrinks to the calls it needs", "[fuzz]") {
  // A stand-in for the three systems: the sequence "diverges" at the first
  // fstat that follows both a pipe and a close of fd 7.
  using kvfs_test::fuzz::op;
  using kvfs_test::fuzz::op_kind;
  auto diverges = [](const std::vector<op>& ops) -> std::optional<std::size_t> {
    bool piped = false, closed = false;
    for (std::size_t i = 0; i < ops.size(); ++i) {
      piped = piped || ops[i].kind == op_kind::pipe;
      closed = closed || (ops[i].kind == op_kind::close && ops[i].fd == 7);
      if (piped && closed && ops[i].kind == op_kind::fstat) return i;
    }
    return std::nullopt;
  };
  kvfs_test::fuzz::generator gen(3, {5, 6, 7});
  std::vector<op> ops;
  while (!diverges(ops) || ops.size() < 50) ops.push_back(gen.next());
  const auto minimal = kvfs_test::fuzz::shrink(ops, diverges);
  REQUIRE(minimal.size() == 3);
  CHECK(diverges(minimal) == 2);
  CHECK(minimal[2].kind == op_kind::fstat);
}
