// The static path's cost: a 1-byte write to /dev/null through
// descriptor<posixfs>, beside the raw ::write it stands on, in one run.
// Report the ratio of the two, not either time alone.
#include <kvfs/posixfs.hpp>

#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <unistd.h>
#include <array>
#include <cstddef>

namespace {

const std::array<std::byte, 1> one_byte{};

void raw_write_dev_null(benchmark::State& state) {
  const int fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  for (auto _ : state) benchmark::DoNotOptimize(::write(fd, one_byte.data(), one_byte.size()));
  ::close(fd);
}
BENCHMARK(raw_write_dev_null);

void descriptor_write_dev_null(benchmark::State& state) {
  auto dev_null = kvfs::open("/dev/null", O_WRONLY);
  for (auto _ : state) benchmark::DoNotOptimize(dev_null.vfs_write(one_byte));
}
BENCHMARK(descriptor_write_dev_null);

}  // namespace

BENCHMARK_MAIN();
