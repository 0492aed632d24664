// SPDX-License-Identifier: BSL-1.0
// The namespace half against the real kernel in one run: stat(2) of a path
// N directories deep (the cost of each component is the slope between two
// depths), and getdents64(2) over a directory of 100,000 names; on tmpfs
// through the real kernel, through kvfs-posixfs over the same tmpfs
// directories, and on kvfs-ramfs.
#include <kvfs/kernel.hpp>

#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

constexpr int max_depth = 16;
constexpr int many_names = 100000;

// Where the real kernel's side lives: tmpfs, the kernel's ramfs with limits.
std::string make_base(const char* what) {
  std::string pattern = std::string("/dev/shm/kvfs-bench-") + what + "-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp in /dev/shm");
  return pattern;
}

// "d/d/…/d/f" with `depth` components.
std::string nested(int depth) {
  std::string path;
  for (int i = 1; i < depth; ++i) path += "d/";
  return path + "f";
}

// The same tree on the host (raw and posixfs) and in a ramfs mount.
struct trees {
  std::string host = make_base("host");
  std::string ram = make_base("ramfs");
  kvfs::process proc;

  trees() {
    if (proc.mount("none", ram, "ramfs") != 0) throw std::runtime_error("mount ramfs");
    for (const std::string& root : {host, ram}) {
      std::string dir = root;
      for (int i = 1; i < max_depth; ++i) {
        dir += "/d";
        proc.mkdir(dir, 0755);
      }
      for (int depth = 1; depth <= max_depth; ++depth) proc.close(static_cast<int>(proc.open(root + "/" + nested(depth), O_WRONLY | O_CREAT, 0644)));
      const std::string many = root + "/many";
      proc.mkdir(many, 0755);
      for (int i = 0; i < many_names; ++i) {
        proc.close(static_cast<int>(proc.open(many + "/name-" + std::to_string(i), O_WRONLY | O_CREAT, 0644)));
      }
    }
  }
  ~trees() {
    proc.umount(ram);
    std::error_code ignored;
    std::filesystem::remove_all(host, ignored);
    std::filesystem::remove_all(ram, ignored);
  }
};

trees& shared_trees() {
  static trees t;
  return t;
}

void namei_stat_raw(benchmark::State& state) {
  const std::string path = shared_trees().host + "/" + nested(static_cast<int>(state.range(0)));
  struct ::stat st {};
  for (auto _ : state) benchmark::DoNotOptimize(::stat(path.c_str(), &st));
}

void namei_stat_posixfs(benchmark::State& state) {
  trees& t = shared_trees();
  const std::string path = t.host + "/" + nested(static_cast<int>(state.range(0)));
  struct ::stat st {};
  if (t.proc.stat(path, st) != 0) state.SkipWithError("stat");
  for (auto _ : state) benchmark::DoNotOptimize(t.proc.stat(path, st));
}

void namei_stat_ramfs(benchmark::State& state) {
  trees& t = shared_trees();
  const std::string path = t.ram + "/" + nested(static_cast<int>(state.range(0)));
  struct ::stat st {};
  if (t.proc.stat(path, st) != 0) state.SkipWithError("stat");
  for (auto _ : state) benchmark::DoNotOptimize(t.proc.stat(path, st));
}

// Every name of the directory, from the start, in 64 KiB reads.
template <class Getdents, class Rewind>
void read_whole_dir(benchmark::State& state, Getdents getdents, Rewind rewind) {
  std::vector<std::byte> buf(65536);
  for (auto _ : state) {
    rewind();
    long n = 0;
    while ((n = getdents(buf)) > 0) benchmark::DoNotOptimize(buf.data());
    if (n < 0) state.SkipWithError("getdents64");
  }
  state.counters["names"] = many_names + 2;
}

void getdents_raw(benchmark::State& state) {
  const int fd = ::open((shared_trees().host + "/many").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  read_whole_dir(
      state, [&](std::vector<std::byte>& buf) { return ::syscall(SYS_getdents64, fd, buf.data(), buf.size()); },
      [&] { ::lseek(fd, 0, SEEK_SET); });
  ::close(fd);
}

void getdents_kvfs(benchmark::State& state, const std::string& dir) {
  kvfs::process& proc = shared_trees().proc;
  const int fd = static_cast<int>(proc.open(dir + "/many", O_RDONLY | O_DIRECTORY));
  read_whole_dir(
      state, [&](std::vector<std::byte>& buf) { return proc.getdents64(fd, buf); }, [&] { proc.lseek(fd, 0, SEEK_SET); });
  proc.close(fd);
}

void getdents_posixfs(benchmark::State& state) { getdents_kvfs(state, shared_trees().host); }
void getdents_ramfs(benchmark::State& state) { getdents_kvfs(state, shared_trees().ram); }

}  // namespace

BENCHMARK(namei_stat_raw)->Arg(1)->Arg(max_depth);
BENCHMARK(namei_stat_posixfs)->Arg(1)->Arg(max_depth);
BENCHMARK(namei_stat_ramfs)->Arg(1)->Arg(max_depth);
BENCHMARK(getdents_raw)->Unit(benchmark::kMillisecond);
BENCHMARK(getdents_posixfs)->Unit(benchmark::kMillisecond);
BENCHMARK(getdents_ramfs)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
