// SPDX-License-Identifier: BSL-1.0
// Real I/O: TCP on loopback (64 B and 64 KiB messages) and a file copied to a
// TCP peer, kvfs beside the raw calls in the same run.
//
//   tcp/*       raw ::send, Asio socket.send, descriptor<sockfs<tcp>>, the table
//   copy/*      file → TCP: a read/write loop, raw sendfile(2), kvfs::copy;
//               file → file: a read/write loop, raw copy_file_range(2), kvfs::copy
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

#include <atomic>
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

void copy_read_write(benchmark::State& state) {
  draining_pair pair(placement::shared_cores);
  auto in = kvfs::open(the_file().path, O_RDONLY);
  std::vector<char> buf(65536);
  for (auto _ : state) {
    ::lseek(in.native_handle(), 0, SEEK_SET);
    for (ssize_t n; (n = ::read(in.native_handle(), buf.data(), buf.size())) > 0;) {
      for (ssize_t put = 0; put < n;)
        put += ::send(pair.client.native_handle(), buf.data() + put, static_cast<std::size_t>(n - put), MSG_NOSIGNAL);
    }
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(big_file::size));
}
void copy_sendfile(benchmark::State& state) {
  draining_pair pair(placement::shared_cores);
  auto in = kvfs::open(the_file().path, O_RDONLY);
  for (auto _ : state) {
    off_t offset = 0;
    while (::sendfile(pair.client.native_handle(), in.native_handle(), &offset, big_file::size) > 0) {
    }
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(big_file::size));
}
void copy_kvfs(benchmark::State& state) {
  draining_pair pair(placement::shared_cores);
  auto in = kvfs::open(the_file().path, O_RDONLY);
  for (auto _ : state) {
    kvfs::lseek(in, 0, SEEK_SET);
    benchmark::DoNotOptimize(kvfs::copy(in, pair.client));
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(big_file::size));
}
BENCHMARK(copy_read_write)->Unit(benchmark::kMillisecond);
BENCHMARK(copy_sendfile)->Unit(benchmark::kMillisecond);
BENCHMARK(copy_kvfs)->Unit(benchmark::kMillisecond);

// File to file: the same 64 MiB into a fresh file each time, by a 64 KiB
// read/write loop, by raw copy_file_range(2), and by kvfs::copy.
struct file_copy_target {
  file_copy_target() : path(the_file().path.string() + ".copy") {}
  ~file_copy_target() { std::filesystem::remove(path); }
  kvfs::descriptor<kvfs::posixfs> fresh() const { return kvfs::open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600); }
  std::filesystem::path path;
};
void copy_file_read_write(benchmark::State& state) {
  const file_copy_target target;
  auto in = kvfs::open(the_file().path, O_RDONLY);
  std::vector<char> buf(65536);
  for (auto _ : state) {
    auto out = target.fresh();
    ::lseek(in.native_handle(), 0, SEEK_SET);
    for (ssize_t n; (n = ::read(in.native_handle(), buf.data(), buf.size())) > 0;) {
      for (ssize_t put = 0; put < n;)
        put += ::write(out.native_handle(), buf.data() + put, static_cast<std::size_t>(n - put));
    }
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(big_file::size));
}
void copy_file_range_raw(benchmark::State& state) {
  const file_copy_target target;
  auto in = kvfs::open(the_file().path, O_RDONLY);
  for (auto _ : state) {
    auto out = target.fresh();
    loff_t offset = 0;
    while (::copy_file_range(in.native_handle(), &offset, out.native_handle(), nullptr, big_file::size, 0) > 0) {
    }
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(big_file::size));
}
void copy_file_kvfs(benchmark::State& state) {
  const file_copy_target target;
  auto in = kvfs::open(the_file().path, O_RDONLY);
  for (auto _ : state) {
    auto out = target.fresh();
    kvfs::lseek(in, 0, SEEK_SET);
    benchmark::DoNotOptimize(kvfs::copy(in, out));
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(big_file::size));
}
BENCHMARK(copy_file_read_write)->Unit(benchmark::kMillisecond);
BENCHMARK(copy_file_range_raw)->Unit(benchmark::kMillisecond);
BENCHMARK(copy_file_kvfs)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
