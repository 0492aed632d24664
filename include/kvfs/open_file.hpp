// kvfs/open_file.hpp - struct file for the descriptor table: an open file
// whose type is known only at run time, through its f_op pointer.
//
// The descriptor table holds integers that lead to these. Each one points to
// the operations table generated from its file system's policy (f_op_table),
// so the same policy code serves descriptor<Fs> and the table.
#pragma once

#include <kvfs/detail/vfs.hpp>
#include <kvfs/f_op.hpp>
#include <kvfs/file.hpp>
#include <kvfs/file_system.hpp>
#include <kvfs/trace.hpp>

#include <sys/stat.h>
#include <sys/types.h>

#include <atomic>
#include <string>
#include <utility>

namespace kvfs {

class open_file;

/// struct file_operations as the descriptor table calls it.
using file_operations = basic_file_operations<open_file>;

/// The parts of struct inode that kvfs models: its type and number.
struct inode {
  mode_t i_mode = 0;
  ino_t i_ino = 0;
};

/// struct file: an open file description, shared by every descriptor number
/// that dup() made from the same open(), with the offset, flags and mode.
class open_file {
 public:
  open_file(const open_file&) = delete;
  open_file& operator=(const open_file&) = delete;
  virtual ~open_file() = default;

  const file_operations* f_op;
  loff_t f_pos = 0;
  int f_flags = 0;
  fmode_t f_mode = 0;
  struct inode f_inode;
  std::string f_path;   // what d_path() gives: a path, or "socket:[ino]"
  ostream_trace trace;  // off unless given a stream

  /// get_file(): one more reference.
  void get() noexcept { f_count_.fetch_add(1, std::memory_order_relaxed); }

  /// Drops a reference; true when it was the last one (the caller then
  /// releases the file: __fput()).
  bool put() noexcept { return f_count_.fetch_sub(1, std::memory_order_acq_rel) == 1; }

  long count() const noexcept { return f_count_.load(std::memory_order_relaxed); }

 protected:
  open_file(const file_operations* ops, int flags, fmode_t mode, ostream_trace tracer)
      : f_op(ops), f_flags(flags), f_mode(mode), trace(std::move(tracer)) {}

 private:
  std::atomic<long> f_count_{1};
};

template <file_system_type Fs>
class typed_file;

/// The generated table of `Fs` for the descriptor table (its address is
/// what sock_from_file() compares, as the kernel does).
template <file_system_type Fs>
inline constexpr file_operations f_op_table = generate_f_op<Fs, open_file, typed_file<Fs>>();

/// An open file of `Fs`: struct file with its private_data.
template <file_system_type Fs>
class typed_file final : public open_file {
 public:
  typed_file(typename Fs::private_data data, int flags, fmode_t mode, ostream_trace tracer = {})
      : open_file(&f_op_table<Fs>, flags, mode, std::move(tracer)), private_data(std::move(data)) {}

  typename Fs::private_data private_data;
};

/// A counted reference to an open file: what fget() returns; dropping it is
/// fput(), and the last one releases the file exactly once.
class file_ref {
 public:
  file_ref() noexcept = default;
  /// Takes over one reference the caller already holds.
  explicit file_ref(open_file* file) noexcept : file_(file) {}
  file_ref(file_ref&& other) noexcept : file_(std::exchange(other.file_, nullptr)) {}
  file_ref& operator=(file_ref&& other) noexcept {
    if (this != &other) {
      reset();
      file_ = std::exchange(other.file_, nullptr);
    }
    return *this;
  }
  file_ref(const file_ref&) = delete;
  file_ref& operator=(const file_ref&) = delete;
  ~file_ref() { reset(); }

  open_file* get() const noexcept { return file_; }
  open_file& operator*() const noexcept { return *file_; }
  open_file* operator->() const noexcept { return file_; }
  explicit operator bool() const noexcept { return file_ != nullptr; }

  /// Gives the reference up to the caller (to store it in the table).
  open_file* release() noexcept { return std::exchange(file_, nullptr); }

  /// fput(): drops the reference; returns ->release's result if this was
  /// the last one, else 0.
  int reset() noexcept;

 private:
  open_file* file_ = nullptr;
};

inline int file_ref::reset() noexcept {
  open_file* file = std::exchange(file_, nullptr);
  if (file == nullptr || !file->put()) return 0;
  const int result = detail::fput(*file, *file->f_op);  // __fput(): ->release
  delete file;
  return result;
}

}  // namespace kvfs
