// SPDX-License-Identifier: BSL-1.0
// Dispatch cost: kvfs beside the raw baseline, in one run. Report ratios to
// the baseline of the same group, never a time alone (shared machines).
//
//   devnull/*   a 1-byte write to /dev/null: raw ::write, descriptor<posixfs>,
//               the descriptor table, a hand-written virtual interface
//   memfile/*   a 64-byte write to an in-memory file: a hand-written append
//               (bare, under a spinlock, and stamping mtime from the coarse
//               clock), descriptor<ramfs>, the table,
//               the virtual interface
#include <kvfs/detail/spinlock.hpp>
#include <kvfs/fs/posixfs.hpp>
#include <kvfs/kernel.hpp>
#include <kvfs/fs/ramfs.hpp>

#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <unistd.h>
#include <array>
#include <cstddef>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

namespace {

const std::array<std::byte, 1> one_byte{};
const std::array<std::byte, 64> sixty_four{};

// The design LLFIO and gVisor use: an abstract file with virtual members.
struct virtual_file {
  virtual ~virtual_file() = default;
  virtual ssize_t write(std::span<const std::byte> buf) = 0;
};

struct virtual_posix_file final : virtual_file {
  explicit virtual_posix_file(int descriptor) : fd(descriptor) {}
  ~virtual_posix_file() override { ::close(fd); }
  ssize_t write(std::span<const std::byte> buf) override {
    const ssize_t r = ::write(fd, buf.data(), buf.size());
    return r < 0 ? -errno : r;
  }
  int fd;
};

struct memory_file {
  std::vector<std::byte> data;
  std::size_t pos = 0;
  ssize_t write(std::span<const std::byte> buf) {
    if (pos + buf.size() > data.size()) data.resize(pos + buf.size());
    std::memcpy(data.data() + pos, buf.data(), buf.size());
    pos += buf.size();
    return static_cast<ssize_t>(buf.size());
  }
};

// The same append under a lock around each write, as the kernel's i_rwsem
// and kvfs's ramfs hold one: the like-for-like baseline for the lock's cost.
struct locked_memory_file {
  kvfs::detail::spinlock lock;
  memory_file file;
  ssize_t write(std::span<const std::byte> buf) {
    std::lock_guard guard(lock);
    return file.write(buf);
  }
};

// The same append stamping its mtime and ctime from the coarse clock, as
// tmpfs's file_modified() and kvfs's ramfs do on every write: the
// like-for-like baseline for what a write must do besides the copy.
struct stamped_memory_file {
  memory_file file;
  ::timespec mtime{}, ctime{};
  ssize_t write(std::span<const std::byte> buf) {
    ::clock_gettime(CLOCK_REALTIME_COARSE, &mtime);
    ctime = mtime;
    return file.write(buf);
  }
};

struct virtual_memory_file final : virtual_file {
  ssize_t write(std::span<const std::byte> buf) override { return file.write(buf); }
  memory_file file;
};

// Keeps an in-memory file small: rewind every 4096 writes, in every variant alike.
constexpr int rewind_every = 4096;

void devnull_raw(benchmark::State& state) {
  const int fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  for (auto _ : state) benchmark::DoNotOptimize(::write(fd, one_byte.data(), one_byte.size()));
  ::close(fd);
}
void devnull_static(benchmark::State& state) {
  auto dev_null = kvfs::open("/dev/null", O_WRONLY);
  for (auto _ : state) benchmark::DoNotOptimize(dev_null.vfs_write(one_byte));
}
void devnull_table(benchmark::State& state) {
  kvfs::process proc;
  // The host's /dev/null through posixfs (not kvfs's chrdev): the same system call.
  const int fd = proc.fd_install(kvfs::open("/dev/null", O_WRONLY));
  for (auto _ : state) benchmark::DoNotOptimize(proc.write(fd, one_byte));
}
// The same after a second thread has used the table: each lookup now takes
// a reference under RCU (no lock), as the kernel's fdget() on a shared table.
void devnull_table_shared(benchmark::State& state) {
  kvfs::process proc;
  const int fd = proc.fd_install(kvfs::open("/dev/null", O_WRONLY));
  std::thread([&] { (void)proc.fcntl(fd, F_GETFD); }).join();
  for (auto _ : state) benchmark::DoNotOptimize(proc.write(fd, one_byte));
}
void devnull_virtual(benchmark::State& state) {
  std::unique_ptr<virtual_file> file = std::make_unique<virtual_posix_file>(::open("/dev/null", O_WRONLY | O_CLOEXEC));
  benchmark::DoNotOptimize(file.get());
  for (auto _ : state) benchmark::DoNotOptimize(file->write(one_byte));
}
BENCHMARK(devnull_raw);
BENCHMARK(devnull_static);
BENCHMARK(devnull_table);
BENCHMARK(devnull_table_shared);
BENCHMARK(devnull_virtual);

void memfile_raw(benchmark::State& state) {
  memory_file file;
  int n = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(file.write(sixty_four));
    if (++n % rewind_every == 0) file.pos = 0;
  }
}
void memfile_locked(benchmark::State& state) {
  locked_memory_file file;
  int n = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(file.write(sixty_four));
    if (++n % rewind_every == 0) file.file.pos = 0;
  }
}
void memfile_stamped(benchmark::State& state) {
  stamped_memory_file file;
  int n = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(file.write(sixty_four));
    if (++n % rewind_every == 0) file.file.pos = 0;
  }
}
void memfile_static(benchmark::State& state) {
  kvfs::ramfs::super_block sb;
  auto f = sb.open("/bench", O_RDWR | O_CREAT, 0644);
  int n = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.vfs_write(sixty_four));
    if (++n % rewind_every == 0) f.file().f_pos = 0;
  }
}
void memfile_table(benchmark::State& state) {
  kvfs::process proc;
  kvfs::ramfs::super_block sb;
  const int fd = proc.fd_install(sb.open("/bench", O_RDWR | O_CREAT, 0644));
  int n = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(proc.write(fd, sixty_four));
    if (++n % rewind_every == 0) proc.lseek(fd, 0, SEEK_SET);
  }
}
void memfile_virtual(benchmark::State& state) {
  auto concrete = std::make_unique<virtual_memory_file>();
  memory_file& inner = concrete->file;
  std::unique_ptr<virtual_file> file = std::move(concrete);
  benchmark::DoNotOptimize(file.get());
  int n = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(file->write(sixty_four));
    if (++n % rewind_every == 0) inner.pos = 0;
  }
}
BENCHMARK(memfile_raw);
BENCHMARK(memfile_locked);
BENCHMARK(memfile_stamped);
BENCHMARK(memfile_static);
BENCHMARK(memfile_table);
BENCHMARK(memfile_virtual);

}  // namespace

BENCHMARK_MAIN();
