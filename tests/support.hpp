// SPDX-License-Identifier: BSL-1.0
// Helpers shared by the tests: a temporary directory, a loopback TCP pair,
// and a check that a test closes every descriptor it opens.
#pragma once

#include <catch2/catch.hpp>

#include <csignal>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

namespace kvfs_test {

/// A fresh directory under $TMPDIR (or `base`), removed with everything in it.
class temp_dir {
 public:
  temp_dir() : temp_dir(std::filesystem::temp_directory_path()) {}
  explicit temp_dir(const std::filesystem::path& base) {
    std::string pattern = (base / "kvfs-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::system_error(errno, std::system_category(), "mkdtemp");
    path_ = pattern;
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// How many descriptors this process has open.
inline std::size_t open_descriptor_count() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++count;
  return count;
}

/// Fails the test if it leaves more descriptors open than it found.
class no_descriptor_leak {
 public:
  no_descriptor_leak() : before_(open_descriptor_count()) {}
  no_descriptor_leak(const no_descriptor_leak&) = delete;
  no_descriptor_leak& operator=(const no_descriptor_leak&) = delete;
  ~no_descriptor_leak() { CHECK(open_descriptor_count() == before_); }

 private:
  std::size_t before_;
};

inline std::span<const std::byte> bytes(std::string_view text) { return std::as_bytes(std::span(text)); }

inline std::string text(std::span<const std::byte> data) {
  return {reinterpret_cast<const char*>(data.data()), data.size()};
}

inline std::error_code errno_code(int value) { return {value, std::system_category()}; }

/// Whether a SIGPIPE waits for this thread: a write kvfs guarded must have
/// taken back the signal it raised, not left it pending.
inline bool sigpipe_pending() {
  sigset_t pending;
  sigpending(&pending);
  return sigismember(&pending, SIGPIPE) == 1;
}

}  // namespace kvfs_test
