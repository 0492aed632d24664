// SPDX-License-Identifier: BSL-1.0
// Real I/O: TCP on loopback (64 B and 64 KiB messages) and a file copied to a
// TCP peer, kvfs beside the raw calls in the same run.
//
//   tcp/*       raw ::send, Asio socket.send, descriptor<sockfs<tcp>>, the table
//   copy/*      file → TCP: a read/write loop, raw sendfile(2), kvfs::copy;
//               file → file: a read/write loop, raw copy_file_range(2), kvfs::copy;
//               each set also in turn in one benchmark (the ratio the report uses)
#include <kvfs/copy.hpp>
#include <kvfs/kernel.hpp>
#include <kvfs/net/inet.hpp>

#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>

#include <benchmark/benchmark.h>

#include <pthread.h>
#include <sched.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace {

// Runs the calling thread on one CPU (when the machine has it) until
// destroyed: sender and drainer each keep a core, so the scheduler moving
// them about does not become the measurement.
class pinned_to {
 public:
  explicit pinned_to(int cpu) {  // -1: stays where it is
    if (cpu < 0) return;
    ::pthread_getaffinity_np(::pthread_self(), sizeof before_, &before_);
    if (cpu >= CPU_COUNT(&before_) || CPU_COUNT(&before_) < 2) return;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    pinned_ = ::pthread_setaffinity_np(::pthread_self(), sizeof one, &one) == 0;
  }
  ~pinned_to() {
    if (pinned_) ::pthread_setaffinity_np(::pthread_self(), sizeof before_, &before_);
  }
  pinned_to(const pinned_to&) = delete;
  pinned_to& operator=(const pinned_to&) = delete;

 private:
  cpu_set_t before_{};
  bool pinned_ = false;
};

// Fixed socket buffers: the kernel's autotuning would otherwise grow them
// differently for each new connection.
void fix_buffers(int fd) {
  const int size = 4 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
}

// How the two ends of a benchmark connection share the machine.
enum class placement {
  // Sender and drainer on cores of their own, fixed buffers: the steadiest
  // figure for the cost of one call (the message benchmarks).
  own_cores,
  // Both wherever the scheduler puts them, default buffers: two programs on
  // one machine, where the CPU a zero-copy sender saves is throughput (the
  // copy benchmarks; with a core each, loopback is bound by the receiver's
  // copy and every mechanism moves data at the same rate).
  shared_cores,
};

// A connected pair whose server side is drained by a thread until the client closes.
struct draining_pair {
  explicit draining_pair(placement where)
      : listener(io, {asio::ip::make_address("127.0.0.1"), 0}),
        client(kvfs::tcp::connect(io, listener.local_endpoint())),
        server(kvfs::tcp::accept(listener)),
        sender(where == placement::own_cores ? 0 : -1),
        drainer([this, where] {
          pinned_to cpu(where == placement::own_cores ? 1 : -1);
          std::vector<char> buf(1 << 20);
          const int fd = server.native_handle();
          while (::recv(fd, buf.data(), buf.size(), 0) > 0) {
          }
        }) {
    if (where == placement::own_cores) {
      fix_buffers(client.native_handle());
      fix_buffers(server.native_handle());
    }
  }
  ~draining_pair() {
    ::shutdown(client.native_handle(), SHUT_WR);
    drainer.join();
  }
  asio::io_context io;
  kvfs::tcp::acceptor listener;
  kvfs::descriptor<kvfs::sockfs<kvfs::tcp>> client;
  kvfs::descriptor<kvfs::sockfs<kvfs::tcp>> server;
  pinned_to sender;
  std::thread drainer;
};

void tcp_raw(benchmark::State& state) {
  draining_pair pair(placement::own_cores);
  const std::vector<std::byte> message(static_cast<std::size_t>(state.range(0)));
  const int fd = pair.client.native_handle();
  for (auto _ : state) benchmark::DoNotOptimize(::send(fd, message.data(), message.size(), MSG_NOSIGNAL));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
void tcp_asio(benchmark::State& state) {
  draining_pair pair(placement::own_cores);
  const std::vector<std::byte> message(static_cast<std::size_t>(state.range(0)));
  auto& socket = pair.client.private_data().sk;
  std::error_code ec;
  for (auto _ : state) benchmark::DoNotOptimize(socket.send(asio::buffer(message), 0, ec));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
void tcp_static(benchmark::State& state) {
  draining_pair pair(placement::own_cores);
  const std::vector<std::byte> message(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(pair.client.vfs_write(message));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
void tcp_table(benchmark::State& state) {
  draining_pair pair(placement::own_cores);
  const std::vector<std::byte> message(static_cast<std::size_t>(state.range(0)));
  kvfs::process proc;
  const int native = pair.client.native_handle();
  const int fd = proc.fd_install(std::move(pair.client));
  for (auto _ : state) benchmark::DoNotOptimize(proc.write(fd, message));
  state.SetBytesProcessed(state.iterations() * state.range(0));
  ::shutdown(native, SHUT_WR);  // the table still owns it; let the drainer finish
}
BENCHMARK(tcp_raw)->Arg(64)->Arg(65536);
BENCHMARK(tcp_asio)->Arg(64)->Arg(65536);
BENCHMARK(tcp_static)->Arg(64)->Arg(65536);
BENCHMARK(tcp_table)->Arg(64)->Arg(65536);

// The file every copy benchmark sends: made once, removed at exit.
struct big_file {
  static constexpr std::size_t size = std::size_t{64} << 20;
  big_file() : path(std::filesystem::temp_directory_path() / ("kvfs-bench-" + std::to_string(::getpid()))) {
    auto f = kvfs::open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const std::string block(1 << 20, 'b');
    for (std::size_t i = 0; i < size / block.size(); ++i) kvfs::write_all(f, block);
  }
  ~big_file() { std::filesystem::remove(path); }
  std::filesystem::path path;
};
const big_file& the_file() {
  static const big_file file;
  return file;
}

// One copy of the file to the socket `out` by each mechanism.
void read_write_to(kvfs::descriptor<kvfs::posixfs>& in, int out) {
  static std::vector<char> buf(65536);
  ::lseek(in.native_handle(), 0, SEEK_SET);
  for (ssize_t n; (n = ::read(in.native_handle(), buf.data(), buf.size())) > 0;) {
    for (ssize_t put = 0; put < n;)
      put += ::send(out, buf.data() + put, static_cast<std::size_t>(n - put), MSG_NOSIGNAL);
  }
}
void sendfile_to(kvfs::descriptor<kvfs::posixfs>& in, int out) {
  off_t offset = 0;
  while (::sendfile(out, in.native_handle(), &offset, big_file::size) > 0) {
  }
}
template <class Dst>
void kvfs_copy_to(kvfs::descriptor<kvfs::posixfs>& in, Dst& out) {
  kvfs::lseek(in, 0, SEEK_SET);
  benchmark::DoNotOptimize(kvfs::copy(in, out));
}

void copy_read_write(benchmark::State& state) {
  draining_pair pair(placement::shared_cores);
  auto in = kvfs::open(the_file().path, O_RDONLY);
  for (auto _ : state) read_write_to(in, pair.client.native_handle());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(big_file::size));
}
void copy_sendfile(benchmark::State& state) {
  draining_pair pair(placement::shared_cores);
  auto in = kvfs::open(the_file().path, O_RDONLY);
  for (auto _ : state) sendfile_to(in, pair.client.native_handle());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(big_file::size));
}
void copy_kvfs(benchmark::State& state) {
  draining_pair pair(placement::shared_cores);
  auto in = kvfs::open(the_file().path, O_RDONLY);
  for (auto _ : state) kvfs_copy_to(in, pair.client);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(big_file::size));
}
BENCHMARK(copy_read_write)->Unit(benchmark::kMillisecond);
BENCHMARK(copy_sendfile)->Unit(benchmark::kMillisecond);
BENCHMARK(copy_kvfs)->Unit(benchmark::kMillisecond);

// File to file: the same 64 MiB into a fresh file each time, by a 64 KiB
// read/write loop, by raw copy_file_range(2), and by kvfs::copy.
struct file_copy_target {
  explicit file_copy_target(const std::string& name = "copy") : path(the_file().path.string() + "." + name) {}
  ~file_copy_target() { std::filesystem::remove(path); }
  kvfs::descriptor<kvfs::posixfs> fresh() const { return kvfs::open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600); }
  std::filesystem::path path;
};
void read_write_file(kvfs::descriptor<kvfs::posixfs>& in, const file_copy_target& target) {
  static std::vector<char> buf(65536);
  auto out = target.fresh();
  ::lseek(in.native_handle(), 0, SEEK_SET);
  for (ssize_t n; (n = ::read(in.native_handle(), buf.data(), buf.size())) > 0;) {
    for (ssize_t put = 0; put < n;)
      put += ::write(out.native_handle(), buf.data() + put, static_cast<std::size_t>(n - put));
  }
}
void copy_file_range_file(kvfs::descriptor<kvfs::posixfs>& in, const file_copy_target& target) {
  auto out = target.fresh();
  loff_t offset = 0;
  while (::copy_file_range(in.native_handle(), &offset, out.native_handle(), nullptr, big_file::size, 0) > 0) {
  }
}
void kvfs_copy_file(kvfs::descriptor<kvfs::posixfs>& in, const file_copy_target& target) {
  auto out = target.fresh();
  kvfs_copy_to(in, out);
}

void copy_file_read_write(benchmark::State& state) {
  const file_copy_target target;
  auto in = kvfs::open(the_file().path, O_RDONLY);
  for (auto _ : state) read_write_file(in, target);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(big_file::size));
}
void copy_file_range_raw(benchmark::State& state) {
  const file_copy_target target;
  auto in = kvfs::open(the_file().path, O_RDONLY);
  for (auto _ : state) copy_file_range_file(in, target);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(big_file::size));
}
void copy_file_kvfs(benchmark::State& state) {
  const file_copy_target target;
  auto in = kvfs::open(the_file().path, O_RDONLY);
  for (auto _ : state) kvfs_copy_file(in, target);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(big_file::size));
}
BENCHMARK(copy_file_read_write)->Unit(benchmark::kMillisecond);
BENCHMARK(copy_file_range_raw)->Unit(benchmark::kMillisecond);
BENCHMARK(copy_file_kvfs)->Unit(benchmark::kMillisecond);

// The three mechanisms in turn, each iteration timing one copy of each:
// every turn runs under the same load, so the ratio of their totals is
// steadier than the ratio of three benchmarks' medians, which a slow spell
// of a shared machine can move by a fifth. The order rotates, so none
// always follows the same one (a copy into a socket starts with what the
// last one left in its buffer). Each is given the turn. Counters: the
// loop's, the kernel mechanism's and kvfs::copy's seconds (the report
// compares their medians over the repetitions: the faster of the first two
// per repetition would pick the luckier one each time). `settle` runs
// after each copy, untimed.
template <class Settle, class Loop, class Kernel, class Kvfs>
void in_turn(benchmark::State& state, Settle settle, Loop loop, Kernel kernel, Kvfs kvfs_copy) {
  using clock = std::chrono::steady_clock;
  std::array<clock::duration, 3> spent{};
  std::size_t turn = 0;
  const auto run = [&](std::size_t which) {
    const auto start = clock::now();
    if (which == 0) loop(turn);
    if (which == 1) kernel(turn);
    if (which == 2) kvfs_copy(turn);
    spent[which] += clock::now() - start;
    state.PauseTiming();
    settle();
    state.ResumeTiming();
  };
  for (auto _ : state) {
    for (std::size_t i = 0; i < 3; ++i) run((turn + i) % 3);
    turn = (turn + 1) % 3;
  }
  const auto seconds = [](clock::duration d) { return std::chrono::duration<double>(d).count(); };
  state.counters["loop_s"] = seconds(spent[0]);
  state.counters["kernel_s"] = seconds(spent[1]);
  state.counters["kvfs_s"] = seconds(spent[2]);
}
void copy_in_turn(benchmark::State& state) {
  draining_pair pair(placement::shared_cores);
  auto in = kvfs::open(the_file().path, O_RDONLY);
  const int out = pair.client.native_handle();
  in_turn(
      state, [] {}, [&](std::size_t) { read_write_to(in, out); }, [&](std::size_t) { sendfile_to(in, out); },
      [&](std::size_t) { kvfs_copy_to(in, pair.client); });
}
void copy_file_in_turn(benchmark::State& state) {
  // Three destination files, each mechanism on another each turn: where
  // the file system put a file's blocks, and truncating what it held, are
  // shared alike (on ext4 here, one file could be 20 % slower to write).
  const std::array<file_copy_target, 3> targets{file_copy_target("0"), file_copy_target("1"), file_copy_target("2")};
  const auto target = [&](std::size_t mechanism, std::size_t turn) -> auto& { return targets[(mechanism + turn) % 3]; };
  auto in = kvfs::open(the_file().path, O_RDONLY);
  // Each copy's dirty pages are written back before the next, untimed:
  // left to pile up, they reach the kernel's dirty limit, and the copy that
  // happens to run then is throttled for all of them.
  in_turn(
      state, [] { ::sync(); }, [&](std::size_t turn) { read_write_file(in, target(0, turn)); },
      [&](std::size_t turn) { copy_file_range_file(in, target(1, turn)); },
      [&](std::size_t turn) { kvfs_copy_file(in, target(2, turn)); });
}
// Whole rotations only: each mechanism as often first, second and third.
BENCHMARK(copy_in_turn)->Unit(benchmark::kMillisecond)->Iterations(9);
BENCHMARK(copy_file_in_turn)->Unit(benchmark::kMillisecond)->Iterations(6);

}  // namespace

BENCHMARK_MAIN();
