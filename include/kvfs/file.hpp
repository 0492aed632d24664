// SPDX-License-Identifier: BSL-1.0
// kvfs/file.hpp - struct file: one open file, as the kernel keeps it.
#pragma once

#include <kvfs/trace.hpp>

#include <fcntl.h>
#include <cstdint>

namespace kvfs {

/// The kernel's loff_t: a signed 64-bit file offset.
using loff_t = std::int64_t;

/// The kernel's fmode_t: what an open file may do (FMODE_* bits).
using fmode_t = unsigned;

// The FMODE_* bits kvfs models, with the kernel's values (include/linux/fs.h).
inline constexpr fmode_t FMODE_READ = 0x1;           // opened for reading
inline constexpr fmode_t FMODE_WRITE = 0x2;          // opened for writing
inline constexpr fmode_t FMODE_LSEEK = 0x4;          // llseek is allowed
inline constexpr fmode_t FMODE_PREAD = 0x8;          // pread is allowed
inline constexpr fmode_t FMODE_PWRITE = 0x10;        // pwrite is allowed
inline constexpr fmode_t FMODE_PATH = 0x4000;        // O_PATH: a place in the tree, no I/O
inline constexpr fmode_t FMODE_CAN_READ = 0x20000;   // f_op has read or read_iter
inline constexpr fmode_t FMODE_CAN_WRITE = 0x40000;  // f_op has write or write_iter
inline constexpr fmode_t FMODE_OPENED = 0x80000;     // the file is open (cleared on release)
inline constexpr fmode_t FMODE_STREAM = 0x200000;    // no position: set by stream_open()
inline constexpr fmode_t FMODE_CAN_ODIRECT = 0x400000;  // O_DIRECT allowed: the file system's ->open says so

/// The access bits of open(2) flags, as the kernel's OPEN_FMODE() computes them.
constexpr fmode_t open_fmode(int flags) noexcept { return static_cast<fmode_t>((flags + 1) & O_ACCMODE); }

/// stream_open() of fs/open.c: the file has no position (a FIFO, a socket),
/// so lseek, pread and pwrite are ESPIPE whatever its table holds.
template <class File>
void stream_open(File& file) noexcept {
  file.f_mode &= ~(FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE);
  file.f_mode |= FMODE_STREAM;
}

/// struct file: what `private_data` points to, the position, the flags the
/// file was opened with, its capabilities, and the trace policy.
///
/// Operations receive a `file&` exactly as the kernel's `file_operations`
/// receive a `struct file *`, so a policy reaches its state through
/// `file.private_data` and its position through `file.f_pos`.
template <class Fs, class Trace = no_trace>
struct file {
  /// What the type keeps per open file.
  typename Fs::private_data private_data{};
  /// The position.
  loff_t f_pos = 0;
  /// The open(2) flags that stay.
  int f_flags = 0;
  /// FMODE_* bits.
  fmode_t f_mode = 0;
  /// The trace policy (no space when off).
  [[no_unique_address]] Trace trace{};
};

}  // namespace kvfs
