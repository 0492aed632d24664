// SPDX-License-Identifier: BSL-1.0
// A signal arriving while a system call blocks: without SA_RESTART the call
// fails with EINTR, with it the call goes on, on the real kernel and
// through kvfs alike (the differential harness), for a pipe and for a
// stream socket pair; the helpers that finish what they start (write_all,
// copy) go on after EINTR.
#include <catch2/catch.hpp>

#include "differential.hpp"
#include "support.hpp"

#include <kvfs/kvfs.hpp>

#include <pthread.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <string>
#include <thread>
#include <vector>

using kvfs_test::bytes;
using kvfs_test::differential;
using kvfs_test::observations;
using kvfs_test::temp_dir;

namespace {

extern "C" void return_at_once(int) {}

// SIGUSR1 handled by a function that returns, with `flags`, while it lives.
class usr1_handler {
 public:
  explicit usr1_handler(int flags) {
    struct sigaction action {};
    action.sa_handler = return_at_once;
    action.sa_flags = flags;
    REQUIRE(::sigaction(SIGUSR1, &action, &previous_) == 0);
  }
  ~usr1_handler() { ::sigaction(SIGUSR1, &previous_, nullptr); }
  usr1_handler(const usr1_handler&) = delete;
  usr1_handler& operator=(const usr1_handler&) = delete;

 private:
  struct sigaction previous_ {};
};

// Sends SIGUSR1 to `target` every 10 ms, 15 times (bounded), then runs
// `then`: a read blocked meanwhile is interrupted at least once.
template <class Then>
std::thread signal_then(pthread_t target, Then then) {
  return std::thread([target, then] {
    for (int i = 0; i < 15; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      ::pthread_kill(target, SIGUSR1);
    }
    then();
  });
}

// A read on `fds[0]` while signals arrive, then the data `fds[1]` sends
// after them: what the first read answered, and what finally came.
template <class Sys>
void read_through_signals(Sys& sys, std::array<int, 2> fds, observations& seen) {
  std::thread signaller =
      signal_then(::pthread_self(), [&sys, out = fds[1]] { sys.write(out, bytes("after the signals")); });
  std::array<std::byte, 64> buf{};
  long got = sys.read(fds[0], buf);
  seen("read while signals arrive", got);
  for (int tries = 0; got == -EINTR && tries < 100; ++tries) got = sys.read(fds[0], buf);  // later signals too
  signaller.join();
  seen.text("what came", kvfs_test::text(std::span(buf).first(got > 0 ? static_cast<std::size_t>(got) : 0)));
  sys.close(fds[0]);
  sys.close(fds[1]);
}

}  // namespace

TEST_CASE("a blocked read and a signal: EINTR without SA_RESTART, restarted with it, as Linux",
          "[conformance][table][signals]") {
  kvfs_test::no_descriptor_leak leak_check;
  for (const int flags : {0, SA_RESTART}) {
    DYNAMIC_SECTION((flags == 0 ? "without" : "with") << " SA_RESTART") {
      const usr1_handler handler(flags);
      differential(
          [](auto& sys, const temp_dir&, observations& seen) {
            std::array<int, 2> p{};
            seen("pipe", sys.pipe(p));
            read_through_signals(sys, p, seen);
            std::array<int, 2> pair{};
            seen("socketpair", sys.socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair));
            read_through_signals(sys, pair, seen);
          },
          0, false);
    }
  }
}

TEST_CASE("kvfs::read on a descriptor answers EINTR as read(2) does, and goes on with SA_RESTART",
          "[posixfs][signals]") {
  kvfs_test::no_descriptor_leak leak_check;
  for (const int flags : {0, SA_RESTART}) {
    const usr1_handler handler(flags);
    std::array<int, 2> ends{};
    REQUIRE(::pipe2(ends.data(), O_CLOEXEC) == 0);
    auto reader = kvfs::adopt(ends[0], O_RDONLY);
    auto writer = kvfs::adopt(ends[1], O_WRONLY);
    std::thread signaller = signal_then(::pthread_self(), [&writer] { kvfs::write_all(writer, "after the signals"); });
    std::array<char, 64> buf{};
    std::error_code ec;
    std::size_t n = kvfs::read(reader, std::span<char>(buf), ec);
    if (flags == 0) {
      CHECK(ec == std::errc::interrupted);
      for (int tries = 0; ec == std::errc::interrupted && tries < 100; ++tries)  // later signals too
        n = kvfs::read(reader, std::span<char>(buf), ec);
    }
    signaller.join();
    CHECK_FALSE(ec);
    CHECK(std::string(buf.data(), n) == "after the signals");
  }
}

TEST_CASE("write_all finishes through signals that interrupt its writes", "[posixfs][signals]") {
  kvfs_test::no_descriptor_leak leak_check;
  const usr1_handler handler(0);  // no SA_RESTART: a blocked write(2) fails with EINTR
  std::array<int, 2> ends{};
  REQUIRE(::pipe2(ends.data(), O_CLOEXEC) == 0);
  auto reader = kvfs::adopt(ends[0], O_RDONLY);
  auto writer = kvfs::adopt(ends[1], O_WRONLY);

  // More than the pipe holds: the writer blocks until the reader, which
  // starts after the signals, drains it.
  std::string data(1 << 20, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + i % 26);
  std::string received;
  std::thread drainer = signal_then(::pthread_self(), [&reader, &received] {
    std::array<char, 65536> buf{};
    for (std::size_t n; (n = kvfs::read(reader, std::span<char>(buf))) > 0;) received.append(buf.data(), n);
  });
  CHECK(kvfs::write_all(writer, data) == data.size());
  kvfs::close(writer);
  drainer.join();
  CHECK(received == data);
}

TEST_CASE("copy finishes through signals that interrupt its splice", "[posixfs][signals]") {
  kvfs_test::no_descriptor_leak leak_check;
  const usr1_handler handler(0);
  temp_dir dir;
  std::array<int, 2> ends{};
  REQUIRE(::pipe2(ends.data(), O_CLOEXEC) == 0);
  auto reader = kvfs::adopt(ends[0], O_RDONLY);
  auto writer = kvfs::adopt(ends[1], O_WRONLY);
  auto file = kvfs::open(dir / "copy", O_RDWR | O_CREAT | O_TRUNC, 0600);
  // The pipe stays empty while the signals arrive: the copy waits in
  // splice(2), which fails with EINTR, then gets the data and the end.
  std::thread feeder = signal_then(::pthread_self(), [&writer] {
    kvfs::write_all(writer, "after the signals");
    kvfs::close(writer);
  });
  std::error_code ec;
  const kvfs::copy_result result = kvfs::copy(reader, file, ec);
  feeder.join();
  CHECK_FALSE(ec);
  CHECK(result.mechanism == kvfs::copy_mechanism::splice);
  CHECK(result.bytes == 17);
  std::array<char, 64> buf{};
  CHECK(kvfs::pread(file, std::as_writable_bytes(std::span(buf)), 0) == 17);
  CHECK(std::string(buf.data(), 17) == "after the signals");
}
