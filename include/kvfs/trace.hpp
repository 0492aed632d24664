// SPDX-License-Identifier: BSL-1.0
// kvfs/trace.hpp - trace policies: the path a call takes, in the kernel's names.
//
// A trace policy is a member of every kvfs `file` (as ftrace's function graph
// is a property of the running kernel). `no_trace`, the default, has empty
// inline members and takes no space, so an untraced descriptor pays nothing.
// `ostream_trace` prints one line per system call:
//
//   write(fd 5) -> vfs_write -> sockfs: socket_file_ops.write_iter -> sock_write_iter
//       -> __sock_sendmsg -> sock_sendmsg_nosec -> tcp: sendmsg -> send(2) = 24
#pragma once

#include <sys/types.h>
#include <concepts>
#include <cstddef>
#include <cstring>
#include <initializer_list>
#include <ostream>
#include <string>
#include <string_view>

namespace kvfs {

/// What a trace policy provides: `begin` a system call on a descriptor
/// number (-1 when the file has none), add `step`s, `end` with the result.
template <class T>
concept tracer = std::movable<T> && requires(T& t, std::string_view part, int fd, ssize_t result) {
  { T::enabled } -> std::convertible_to<bool>;
  t.begin(part, fd);
  t.step(part);
  t.step(part, part, part);
  t.end(result);
};

/// The default policy: tracing compiled out.
struct no_trace {
  /// Tracing is compiled out.
  static constexpr bool enabled = false;
  /// Nothing.
  constexpr void begin(std::string_view, int) const noexcept {}
  /// Nothing.
  template <class... Parts>
  constexpr void step(const Parts&...) const noexcept {}
  /// Nothing.
  constexpr void end(ssize_t) const noexcept {}
};

/// Prints each call's path on one line of an output stream.
class ostream_trace {
 public:
  /// Tracing is compiled in.
  static constexpr bool enabled = true;

  /// Traces nothing until given a stream: each member is then one branch.
  ostream_trace() noexcept = default;
  /// Prints to `out`.
  explicit ostream_trace(std::ostream& out) noexcept : out_(&out) {}

  /// Whether it has a stream to print to.
  bool active() const noexcept { return out_ != nullptr; }

  /// Each member is one inline test when there is no stream; the printing
  /// is out of line, so a file that is not traced pays only that test.
  void begin(std::string_view call, int fd) {
    if (out_ != nullptr) [[unlikely]]
      start_line(call, fd);
  }

  /// A call that names a path, not a descriptor: `text` is the whole
  /// head of the line (`openat("a/f", O_RDONLY)`).
  void begin_call(std::string_view text) {
    if (out_ != nullptr) [[unlikely]]
      line_.assign(text);
  }

  /// One step of the path: its parts joined.
  template <class... Parts>
  void step(const Parts&... parts) {
    if (out_ != nullptr) [[unlikely]]
      append({std::string_view(parts)...});
  }

  /// Like strace: a count, or `-1 EPIPE` for a kernel-style `-errno`.
  void end(ssize_t result) {
    if (out_ != nullptr) [[unlikely]]
      finish_line(result);
  }

 private:
  [[gnu::noinline]] void start_line(std::string_view call, int fd) {
    line_.assign(call);
    line_ += fd >= 0 ? "(fd " + std::to_string(fd) + ")" : std::string("()");
  }

  [[gnu::noinline]] void append(std::initializer_list<std::string_view> parts) {
    line_ += " -> ";
    for (std::string_view part : parts) line_.append(part);
  }

  [[gnu::noinline]] void finish_line(ssize_t result) {
    *out_ << line_ << " = ";
    if (result < 0) {
      const char* name = ::strerrorname_np(static_cast<int>(-result));
      *out_ << "-1 " << (name != nullptr ? name : "E?");
    } else {
      *out_ << result;
    }
    *out_ << '\n';
    line_.clear();
  }

  std::ostream* out_ = nullptr;
  std::string line_;
};

namespace detail {
/// Whether `trace` prints now: its active() where it has one, else
/// whether it is compiled in (false, at compile time, for no_trace).
template <class Trace>
constexpr bool trace_active(const Trace& trace) noexcept {
  if constexpr (requires { trace.active(); }) {
    return trace.active();
  } else {
    return Trace::enabled;
  }
}
}  // namespace detail

static_assert(tracer<no_trace>);
static_assert(tracer<ostream_trace>);

}  // namespace kvfs
