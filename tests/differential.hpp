// SPDX-License-Identifier: BSL-1.0
// The differential harness: a scenario runs on the real kernel, on kvfs
// over the host's files (posixfs) and on kvfs with ramfs mounted, and what
// each observes (results or errno, contents, offsets) must be equal.
#pragma once

#include "conformance_systems.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <array>
#include <csignal>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kvfs_test {

// What a scenario saw, one line per observation.
class observations {
 public:
  void operator()(const std::string& label, long result) { lines_.push_back(label + " = " + show(result)); }
  void text(const std::string& label, const std::string& value) { lines_.push_back(label + " = \"" + value + "\""); }
  void fact(const std::string& label, bool value) { lines_.push_back(label + (value ? ": yes" : ": no")); }
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  static std::string show(long result) {
    if (result >= 0) return std::to_string(result);
    const char* name = ::strerrorname_np(static_cast<int>(-result));
    return std::string("-") + (name != nullptr ? name : "E?");
  }
  std::vector<std::string> lines_;
};


template <class Sys>
inline std::string read_all(Sys& sys, int fd) {
  std::string out;
  std::array<char, 4096> buf{};
  for (;;) {
    const long n = sys.read(fd, std::as_writable_bytes(std::span(buf)));
    if (n <= 0) return out;
    out.append(buf.data(), static_cast<std::size_t>(n));
  }
}

// A file of `data` at `path` (created or truncated), closed again.
template <class Sys>
void make_file(Sys& sys, const std::string& path, std::string_view data) {
  const long fd = sys.open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return;
  sys.write(static_cast<int>(fd), bytes(data));
  sys.close(static_cast<int>(fd));
}

// Runs `scenario` on the real kernel, on kvfs with the host's files
// (posixfs), and on kvfs with ramfs mounted over its directory: all three
// must see the same (a scenario that needs a host file, such as a FIFO,
// leaves ramfs out). With a `limit`, each runs with that many descriptors
// at most (RLIMIT_NOFILE on the real kernel, the table's size in kvfs).
template <class Scenario>
void differential(Scenario scenario, std::size_t limit = 0, bool on_ramfs_too = true) {
  temp_dir linux_dir, kvfs_dir, ramfs_dir;
  observations on_linux, on_kvfs, on_ramfs;
  {
    rlimit previous{};
    ::getrlimit(RLIMIT_NOFILE, &previous);
    rlimit lowered = previous;
    if (limit != 0) lowered.rlim_cur = limit;
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &lowered) == 0);
    real_kernel linux_sys;
    scenario(linux_sys, linux_dir, on_linux);
    ::setrlimit(RLIMIT_NOFILE, &previous);
  }
  const std::size_t max_files = limit != 0 ? limit : kvfs_test::rlimit_nofile();
  {
    kvfs_kernel kvfs_sys(max_files);
    scenario(kvfs_sys, kvfs_dir, on_kvfs);
  }
  if (on_ramfs_too) {
    kvfs_kernel ramfs_sys(max_files);
    REQUIRE(ramfs_sys.proc.mount("none", ramfs_dir.path(), "ramfs") == 0);
    scenario(ramfs_sys, ramfs_dir, on_ramfs);
  }
  REQUIRE_FALSE(on_linux.lines().empty());
  if (std::getenv("KVFS_SHOW_OBSERVATIONS") != nullptr) {  // what the real kernel answered, for a reader
    for (const std::string& line : on_linux.lines()) std::printf("  %s\n", line.c_str());
  }
  CHECK(on_kvfs.lines() == on_linux.lines());
  if (on_ramfs_too) CHECK(on_ramfs.lines() == on_linux.lines());
}

// SIGPIPE is ignored while a scenario runs on the real kernel's write(2).
struct ignore_sigpipe {
  ignore_sigpipe() { previous = std::signal(SIGPIPE, SIG_IGN); }
  ~ignore_sigpipe() { std::signal(SIGPIPE, previous); }
  void (*previous)(int);
};


}  // namespace kvfs_test
