// SPDX-License-Identifier: BSL-1.0
// The descriptor table at scale: with N numbers open (1e3 to 1e6), the time
// of dup + close and of a write through the table, and the table's bytes
// per open number. Within 1.5x from 1e3 to 1e6 is the target.
#include <kvfs/fs/mem.hpp>
#include <kvfs/kernel.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>

namespace {

// A process with `n` numbers open, all leading to one /dev/null file.
struct filled_process {
  explicit filled_process(std::size_t n) : proc(n + 64) {
    proc.fd_install(kvfs::open_device<kvfs::dev_null>(O_WRONLY));
    for (std::size_t i = 1; i < n; ++i) proc.dup(0);
  }
  kvfs::process proc;
};

void table_dup_close(benchmark::State& state) {
  filled_process filled(static_cast<std::size_t>(state.range(0)));
  const int middle = static_cast<int>(state.range(0) / 2);
  filled.proc.close(middle);  // a hole in the middle: dup must find it, not the end
  for (auto _ : state) {
    const long fd = filled.proc.dup(0);
    benchmark::DoNotOptimize(fd);
    filled.proc.close(static_cast<int>(fd));
  }
  state.counters["bytes_per_number"] =
      static_cast<double>(filled.proc.files().memory_bytes()) / static_cast<double>(state.range(0));
}
BENCHMARK(table_dup_close)->RangeMultiplier(10)->Range(1000, 1000000);

void table_write(benchmark::State& state) {
  filled_process filled(static_cast<std::size_t>(state.range(0)));
  const std::array<std::byte, 1> one{};
  const int last = static_cast<int>(state.range(0) - 1);
  for (auto _ : state) benchmark::DoNotOptimize(filled.proc.write(last, one));
}
BENCHMARK(table_write)->RangeMultiplier(10)->Range(1000, 1000000);

}  // namespace

BENCHMARK_MAIN();
