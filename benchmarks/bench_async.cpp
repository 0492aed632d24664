// SPDX-License-Identifier: BSL-1.0
// Asynchronous I/O: a 64-byte write and read through one pipe, completed on
// one io_context, per iteration. Asio's own posix::stream_descriptor is the
// baseline; kvfs::async_stream over a static descriptor<pipefs> and over a
// number of the descriptor table go through the VFS path instead.
#include <kvfs/asio/async_stream.hpp>
#include <kvfs/fs/pipefs.hpp>
#include <kvfs/kernel.hpp>

#include <asio/buffer.hpp>
#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>

#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cstddef>
#include <stdexcept>

namespace {

constexpr std::size_t message = 64;

// One iteration: start a write and a read, run both to completion.
template <class Reader, class Writer>
void round_trips(benchmark::State& state, asio::io_context& io, Reader& reader, Writer& writer) {
  std::array<std::byte, message> out{}, in{};
  std::size_t moved = 0;
  for (auto _ : state) {
    writer.async_write_some(asio::buffer(out), [&](std::error_code ec, std::size_t n) {
      if (ec) throw std::system_error(ec);
      moved += n;
    });
    reader.async_read_some(asio::buffer(in), [&](std::error_code ec, std::size_t n) {
      if (ec) throw std::system_error(ec);
      moved += n;
    });
    io.run();
    io.restart();
  }
  if (moved != 2 * message * state.iterations()) state.SkipWithError("short transfer");
  state.SetBytesProcessed(static_cast<std::int64_t>(message * state.iterations()));
}

void async_pipe_asio(benchmark::State& state) {
  asio::io_context io;
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC | O_NONBLOCK) < 0) throw std::runtime_error("pipe2");
  asio::posix::stream_descriptor reader(io, ends[0]), writer(io, ends[1]);
  round_trips(state, io, reader, writer);
}

void async_pipe_static(benchmark::State& state) {
  asio::io_context io;
  auto [read_end, write_end] = kvfs::pipe();
  kvfs::async_stream reader(std::move(read_end), io.get_executor());
  kvfs::async_stream writer(std::move(write_end), io.get_executor());
  round_trips(state, io, reader, writer);
}

void async_pipe_table(benchmark::State& state) {
  asio::io_context io;
  kvfs::process proc;
  std::array<int, 2> ends{};
  if (proc.pipe(ends) < 0) throw std::runtime_error("pipe");
  {
    kvfs::async_stream reader(kvfs::fd(proc, ends[0]), io.get_executor());
    kvfs::async_stream writer(kvfs::fd(proc, ends[1]), io.get_executor());
    round_trips(state, io, reader, writer);
  }
  proc.close(ends[0]);
  proc.close(ends[1]);
}

}  // namespace

BENCHMARK(async_pipe_asio);
BENCHMARK(async_pipe_static);
BENCHMARK(async_pipe_table);

BENCHMARK_MAIN();
