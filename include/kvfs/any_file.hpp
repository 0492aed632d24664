// SPDX-License-Identifier: BSL-1.0
// kvfs/any_file.hpp - struct file for the descriptor table: an open file
// whose type is known only at run time, through its f_op pointer.
//
// The descriptor table holds integers that lead to these. Each one points to
// the f_op table generated from its file system's policy (f_op_of<Fs>), so
// the same policy code serves descriptor<Fs> and the table. A file system's
// super_block makes them (make_file) without knowing any process.
#pragma once

#include <kvfs/descriptor.hpp>
#include <kvfs/detail/rcu.hpp>
#include <kvfs/detail/vfs.hpp>
#include <kvfs/f_op.hpp>
#include <kvfs/file.hpp>
#include <kvfs/file_system.hpp>
#include <kvfs/trace.hpp>

#include <sys/stat.h>
#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <new>
#include <string>
#include <utility>

namespace kvfs {

class any_file;
class fd_table;
class file_ref;
class super_block;
class vfs_inode;

/// The f_op table as the descriptor table calls it: function pointers.
using any_f_op = basic_f_op<any_file>;

/// The parts of struct inode that kvfs models: its type, number and, for a
/// device node, the device it stands for.
struct inode {
  /// Type and permission bits.
  mode_t i_mode = 0;
  /// The inode number.
  ino_t i_ino = 0;
  /// A device node's device number.
  dev_t i_rdev = 0;
};

/// struct file: an open file description, shared by every descriptor number
/// that dup() made from the same open(), with the offset, flags and mode.
class any_file {
 public:
  any_file(const any_file&) = delete;
  any_file& operator=(const any_file&) = delete;
  virtual ~any_file() = default;

  /// The generated table of the file's type: every call goes through it.
  const any_f_op* f_op;
  /// The position, shared by every duplicate of the descriptor.
  loff_t f_pos = 0;
  /// The open(2) flags that stay: access mode, O_APPEND, O_NONBLOCK...
  int f_flags = 0;
  /// FMODE_* bits: what the file may do.
  fmode_t f_mode = 0;
  /// The inode as it was when the file was opened.
  struct inode f_inode;
  std::string f_path;   ///< what d_path() gives: a path, or "socket:[ino]"
  std::shared_ptr<super_block> f_mnt;  ///< f_path.mnt: the mount is busy while held
  std::shared_ptr<vfs_inode> f_dentry;  ///< f_path.dentry's inode, where a path walk found it (none for a pipe)
  ostream_trace trace;  ///< off unless given a stream

  /// get_file(): one more reference.
  void get() noexcept { f_count_of(this).fetch_add(1, std::memory_order_relaxed); }

  /// Drops a reference; true when it was the last one (the caller then
  /// releases the file: __fput()).
  bool put() noexcept { return f_count_of(this).fetch_sub(1, std::memory_order_acq_rel) == 1; }

  /// f_count: how many references are held now.
  long count() const noexcept { return f_count_of(this).load(std::memory_order_relaxed); }

  /// file_ref_get() of a lookup without the table's lock: one more
  /// reference, unless the last one is already gone (false: the file is
  /// being released, maybe destroyed, and its slot is empty by now). Only
  /// the count is read, which outlives the file until a grace period ends.
  static bool get_not_zero(any_file* file) noexcept {
    std::atomic<long>& f_count = f_count_of(file);
    long count = f_count.load(std::memory_order_relaxed);
    do {
      if (count == 0) return false;
    } while (!f_count.compare_exchange_weak(count, count + 1, std::memory_order_acq_rel));
    return true;
  }

  /// A file lives on the heap behind its reference count (f_ref), a
  /// separate object in the same allocation, so that a lookup without the
  /// table's lock may read the count of a file destroyed meanwhile: the
  /// kernel keeps struct file's memory typesafe through RCU the same way.
  static void* operator new(std::size_t size) {
    void* memory = ::operator new(count_prefix + size);
    new (memory) std::atomic<long>(1);
    return static_cast<std::byte*>(memory) + count_prefix;
  }
  /// Frees the file and its count together.
  static void operator delete(void* object) noexcept { ::operator delete(storage_of(object)); }

 protected:
  /// A file whose table is `ops`.
  any_file(const any_f_op* ops, int flags, fmode_t mode) : f_op(ops), f_flags(flags), f_mode(mode) {}

 private:
  friend class fd_table;
  friend class file_ref;
  static constexpr std::size_t count_prefix = alignof(std::max_align_t);

  static void* storage_of(void* object) noexcept { return static_cast<std::byte*>(object) - count_prefix; }
  // The count before the file (any_file is the first and only base of a
  // typed_file, so its address is the object's). Reached through void*,
  // never through the file, which may be destroyed already.
  static std::atomic<long>& f_count_of(const any_file* file) noexcept {
    return *std::launder(static_cast<std::atomic<long>*>(storage_of(const_cast<void*>(static_cast<const void*>(file)))));
  }

  // It was in a table that lookups read without the lock (under RCU): its
  // memory outlives its release by a grace period. Set before the table's
  // reference is dropped, so the last put sees it.
  bool free_after_grace_period_ = false;
};

template <file_system_type Fs>
class typed_file;

/// The generated f_op table of `Fs` for the descriptor table (its address
/// is what sock_from_file() compares, as the kernel does).
template <file_system_type Fs>
inline constexpr any_f_op f_op_of = generate_f_op<Fs, any_file, typed_file<Fs>>();

/// An open file of `Fs`: struct file with its private_data.
template <file_system_type Fs>
class typed_file final : public any_file {
 public:
  /// A file of `Fs` holding `data`.
  typed_file(typename Fs::private_data data, int flags, fmode_t mode)
      : any_file(&f_op_of<Fs>, flags, mode), private_data(std::move(data)) {}

  /// What the type keeps per open file.
  typename Fs::private_data private_data;
};

/// A counted reference to an open file: what fget() returns; dropping it is
/// fput(), and the last one releases the file exactly once.
class file_ref {
 public:
  file_ref() noexcept = default;
  /// Takes over one reference the caller already holds.
  explicit file_ref(any_file* file) noexcept : file_(file) {}
  /// Takes over `other`'s reference.
  file_ref(file_ref&& other) noexcept : file_(std::exchange(other.file_, nullptr)) {}
  /// Drops this reference and takes over `other`'s.
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

  /// The file, or null.
  any_file* get() const noexcept { return file_; }
  /// The file.
  any_file& operator*() const noexcept { return *file_; }
  /// The file's members.
  any_file* operator->() const noexcept { return file_; }
  /// Whether it refers to a file.
  explicit operator bool() const noexcept { return file_ != nullptr; }

  /// Gives the reference up to the caller (to store it in the table).
  any_file* release() noexcept { return std::exchange(file_, nullptr); }

  /// fput(): drops the reference; returns ->release's result if this was
  /// the last one, else 0.
  int reset() noexcept;

 private:
  any_file* file_ = nullptr;
};

inline int file_ref::reset() noexcept {
  any_file* file = std::exchange(file_, nullptr);
  if (file == nullptr || !file->put()) return 0;
  const int result = detail::fput(*file, *file->f_op);  // __fput(): ->release
  if (file->free_after_grace_period_) [[unlikely]] {
    void* storage = any_file::storage_of(dynamic_cast<void*>(file));
    file->~any_file();  // destroyed now; only the memory waits, for a late get_not_zero()
    detail::rcu_domain::instance().defer([](void* memory) { ::operator delete(memory); }, storage);
  } else {
    delete file;
  }
  return result;
}

namespace detail {
// The type a file of `Fs` is in the table: `Fs::erased` where the type
// declares one (a socket of any protocol is a sockfs<any_proto> file, its
// protocol behind sock->ops), else `Fs` itself.
template <class Fs>
struct table_type {
  using type = Fs;
};
template <class Fs>
requires requires { typename Fs::erased; }
struct table_type<Fs> {
  using type = typename Fs::erased;
};
}  // namespace detail

/// The open file of `d`, moved into a file for the descriptor table (the
/// same private_data, position and flags); `d` is left closed. The inode
/// fields come from ->getattr where the type has one.
template <file_system_type Fs, tracer Trace>
file_ref make_file(descriptor<Fs, Trace>&& d) {
  using table_fs = typename detail::table_type<Fs>::type;
  auto& f = d.file();
  typed_file<table_fs>* file = nullptr;
  if constexpr (std::is_same_v<table_fs, Fs>) {
    file = new typed_file<Fs>(std::move(f.private_data), f.f_flags, f.f_mode);
  } else {
    file = new typed_file<table_fs>(Fs::erase(std::move(f.private_data)), f.f_flags, f.f_mode);
  }
  file->f_pos = f.f_pos;
  f.f_mode = 0;  // the table owns it now: the descriptor must not release it
  struct ::stat st {};
  if (file->f_op->getattr != nullptr && file->f_op->getattr(*file, st) == 0) {
    file->f_inode = {st.st_mode, st.st_ino, st.st_rdev};
  }
  return file_ref{file};
}

}  // namespace kvfs
