// SPDX-License-Identifier: BSL-1.0
// kvfs/kernel/fd_table.hpp - the descriptor table: integers to open files
// (the kernel's struct files_struct and struct fdtable, fs/file.c).
//
// A new descriptor gets the lowest free number; a lookup takes a reference
// (fdget), so a close() on another thread only removes the number and the
// file is released when the last user drops it. A number can be reserved
// before its file exists (get_unused_fd_flags), as open(2), socket(2) and
// accept4(2) do, so a full table fails them before they act. Every member
// is thread-safe. A table only one thread has used is read by
// fdget_light() without its lock or a reference, as the kernel's
// __fget_light() does when no other task shares it (table_owner.hpp);
// once shared, a lookup takes its reference under RCU without the lock
// (__fget_files_rcu(), detail/rcu.hpp), and writers hold the lock.
#pragma once

#include <kvfs/any_file.hpp>
#include <kvfs/detail/rcu.hpp>
#include <kvfs/detail/spinlock.hpp>
#include <kvfs/kernel/detail/fd_bitmaps.hpp>
#include <kvfs/kernel/detail/fdtable.hpp>
#include <kvfs/kernel/detail/table_owner.hpp>

#include <fcntl.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <utility>

namespace kvfs {

class fd_table;

/// struct fd as __fget_light() returns it: the file for the length of one
/// system call, counted or not (fdput() when it goes).
class fd_light {
 public:
  fd_light() noexcept = default;
  /// Takes over `other`'s file.
  fd_light(fd_light&& other) noexcept
      : file_(std::exchange(other.file_, nullptr)), light_(std::exchange(other.light_, nullptr)) {}
  fd_light& operator=(fd_light&&) = delete;
  ~fd_light();

  /// The file, or null.
  any_file* get() const noexcept { return file_; }
  /// The file.
  any_file& operator*() const noexcept { return *file_; }
  /// The file's members.
  any_file* operator->() const noexcept { return file_; }
  /// Whether it refers to a file.
  explicit operator bool() const noexcept { return file_ != nullptr; }

 private:
  friend class fd_table;
  // A counted reference (light == null), or the owner's uncounted one.
  fd_light(any_file* file, const detail::table_owner* light) noexcept : file_(file), light_(light) {}
  any_file* file_ = nullptr;
  const detail::table_owner* light_ = nullptr;
};

/// struct files_struct: the descriptor numbers of a process and their files.
class fd_table {
 public:
  /// The default limit is the usual RLIMIT_NOFILE soft limit.
  static constexpr std::size_t default_max_fds = 1024;

  /// A table of at most `max_fds` numbers (RLIMIT_NOFILE).
  explicit fd_table(std::size_t max_fds = default_max_fds) : max_fds_(max_fds) {}
  fd_table(const fd_table&) = delete;
  fd_table& operator=(const fd_table&) = delete;

  /// exit_files(): every file still open is put.
  ~fd_table() {
    detail::fdtable* table = fdt_.load(std::memory_order_relaxed);
    for (std::size_t n = 0; n < table->max_fds(); ++n) file_ref{(*table)[n].load(std::memory_order_relaxed)}.reset();
    detail::fdtable::free(table);
  }

  /// The limit on numbers.
  std::size_t max_fds() const noexcept { return max_fds_; }

  /// get_unused_fd_flags(): reserves the lowest free number (O_CLOEXEC in
  /// `flags` sets its FD_CLOEXEC); -EMFILE when the table is full. The
  /// number is in use but empty (fdget finds nothing) until fd_install.
  int get_unused_fd_flags(int flags = 0) { return reserve_from(0, flags); }

  /// put_unused_fd(): gives back a reserved number whose file never came.
  void put_unused_fd(int fd) {
    const table_lock guard(*this);
    bitmaps_.clear(static_cast<std::size_t>(fd));
  }

  /// fd_install(): the reserved number `fd` now refers to `file`.
  void fd_install(int fd, file_ref file) {
    const table_lock guard(*this);
    install_locked(static_cast<std::size_t>(fd), file.release());
  }

  /// get_unused_fd_flags() + fd_install(): the lowest free number now refers
  /// to `file`; -EMFILE when the table is full (the file is then put).
  int fd_install(file_ref file, int flags = 0) {
    const table_lock guard(*this);
    const int fd = alloc_fd(0, flags);
    if (fd < 0) return fd;
    install_locked(static_cast<std::size_t>(fd), file.release());
    return fd;
  }

  /// fdget(): a counted reference to the file behind `fd`, or none; an
  /// O_PATH file is none (EBADF for I/O on it).
  file_ref fdget(int fd) const { return get_file(fd, FMODE_PATH); }

  /// __fget_light() (fdget() in the kernel): the file behind `fd` for one
  /// system call, or none (an O_PATH file too). On a table no second thread
  /// has used, neither the lock nor a reference is taken: the number cannot
  /// be closed under the caller. (So a file's operations must not close
  /// their own number, as in the kernel.)
  fd_light fdget_light(int fd) const {
    if (owner_.begin_light()) [[likely]] {
      if (any_file* file = lookup_light(fd)) [[likely]] {
        owner_.found();
        return {file, &owner_};
      }
      owner_.end_light();
      return {};
    }
    return {fdget(fd).release(), nullptr};
  }

  /// fdget(), `use(file)`, fdput(): one system call on the file behind `fd`
  /// (null for none and for an O_PATH file), as fdget_light() gets it, with
  /// nothing built in between: what every call through the table runs.
  template <class Use>
  [[gnu::always_inline]] long with_fdget(int fd, Use use) const {
    if (owner_.begin_light()) [[likely]] {
      any_file* file = lookup_light(fd);
      owner_.found();
      return owner_.light_call(use, file);
    }
    return with_counted(fd, use);
  }

  /// Whether a second thread has used the table (lookups are counted now).
  bool shared() const noexcept { return owner_.shared(); }

  /// fdget_raw(): O_PATH files too (close, dup, fcntl, fstat, *at).
  file_ref fdget_raw(int fd) const { return get_file(fd, 0); }

  /// close_fd(): the number is free at once; the file is put (and released
  /// if nobody else holds it). 0, ->release's error, or -EBADF.
  int close_fd(int fd) {
    any_file* file = nullptr;
    {
      const table_lock guard(*this);
      if (lookup_locked(fd) == nullptr) return -EBADF;
      file = remove_locked(fd);
    }
    return owner_.put_table_ref(file);
  }

  /// dup(): the lowest free number for the same file; -EBADF, -EMFILE.
  int dup(int oldfd) { return dup_from(oldfd, 0, 0); }

  /// f_dupfd() (fcntl F_DUPFD, F_DUPFD_CLOEXEC): the lowest free number
  /// >= `from`; -EINVAL when `from` is beyond the limit, -EMFILE when no
  /// number is free there.
  int f_dupfd(int oldfd, long from, int flags) {
    if (from < 0 || static_cast<std::size_t>(from) >= max_fds_) return -EINVAL;
    return dup_from(oldfd, static_cast<std::size_t>(from), flags);
  }

  /// dup2(): `newfd` refers to `oldfd`'s file, closing what it held first.
  int dup2(int oldfd, int newfd) {
    if (oldfd == newfd) {  // ksys_dup2(): checks oldfd and returns it
      return fdget_raw(oldfd) ? newfd : -EBADF;
    }
    return do_dup2(oldfd, newfd, 0);
  }

  /// dup3(): as dup2, but `old == new` and flags other than O_CLOEXEC are EINVAL.
  int dup3(int oldfd, int newfd, int flags) {
    if ((flags & ~O_CLOEXEC) != 0 || oldfd == newfd) return -EINVAL;
    return do_dup2(oldfd, newfd, flags);
  }

  /// FD_CLOEXEC of `fd` (false for a free number).
  bool close_on_exec(int fd) const {
    const table_lock guard(*this);
    return lookup_locked(fd) != nullptr && bitmaps_.close_on_exec(static_cast<std::size_t>(fd));
  }

  /// Sets or clears FD_CLOEXEC of `fd` (fcntl F_SETFD): 0, or -EBADF.
  int set_close_on_exec(int fd, bool on) {
    const table_lock guard(*this);
    if (lookup_locked(fd) == nullptr) return -EBADF;
    bitmaps_.set_close_on_exec(static_cast<std::size_t>(fd), on);
    return 0;
  }

  /// How many numbers are in use.
  std::size_t size() const {
    const table_lock guard(*this);
    return bitmaps_.count();
  }

  /// The bytes the table itself holds (the pointer array and the bitmaps),
  /// not counting the open files.
  std::size_t memory_bytes() const {
    const table_lock guard(*this);
    return fdt().max_fds() * sizeof(any_file*) + bitmaps_.memory_bytes();
  }

  /// Calls `visit(fd, file)` for each open number, lowest first, holding a
  /// reference to each file during its call.
  template <class Visit>
  void for_each(Visit visit) const {
    for (int fd = 0;; ++fd) {
      {
        const table_lock guard(*this);
        if (static_cast<std::size_t>(fd) >= fdt().max_fds()) return;
      }
      if (file_ref file = fdget_raw(fd)) visit(fd, *file);
    }
  }

 private:
  static constexpr std::size_t bits = detail::fd_bitmaps::bits;

  // files->file_lock, taken by a thread that has entered the table.
  struct table_lock {
    explicit table_lock(const fd_table& table) : lock(table.lock_) {
      table.owner_.enter();
      lock.lock();
    }
    ~table_lock() { lock.unlock(); }
    table_lock(const table_lock&) = delete;
    table_lock& operator=(const table_lock&) = delete;
    detail::spinlock& lock;
  };

  // __fget(): the file, unless its f_mode has one of the `refused` bits;
  // without the lock once threads share the table (and RCU works here).
  file_ref get_file(int fd, fmode_t refused) const {
    owner_.enter();
    if (owner_.shared() && detail::rcu_domain::available()) return get_file_rcu(fd, refused);
    const table_lock guard(*this);
    any_file* file = lookup_locked(fd);
    if (file == nullptr || (file->f_mode & refused) != 0) return {};
    file->get();
    return file_ref{file};
  }

  // files->fdt: the owner's own stores, or under the lock, or under RCU.
  detail::fdtable& fdt() const noexcept { return *fdt_.load(std::memory_order_acquire); }

  any_file* lookup_locked(int fd) const noexcept { return fdt().lookup(fd); }

  void install_locked(std::size_t n, any_file* file) noexcept { fdt()[n].store(file, std::memory_order_release); }

  // __fget_files_rcu(): the slot read under RCU, a reference taken unless
  // the file is already dying, then the slot and the array checked again
  // (a close or dup2 may have replaced the file meanwhile: put it, retry).
  file_ref get_file_rcu(int fd, fmode_t refused) const {
    for (;;) {
      any_file* file = nullptr;
      bool replaced = false;
      {
        const detail::rcu_read_guard rcu;
        const detail::fdtable* table = fdt_.load(std::memory_order_acquire);
        file = table->lookup(fd);
        if (file == nullptr) return {};
        if (!any_file::get_not_zero(file)) continue;
        replaced = (*table)[static_cast<unsigned>(fd)].load(std::memory_order_acquire) != file ||
                   fdt_.load(std::memory_order_acquire) != table;
      }
      file_ref ref{file};  // put, if at all, outside the read section
      if (replaced) continue;
      if ((file->f_mode & refused) != 0) return {};
      return ref;
    }
  }

  // free_fdtable_rcu(): an outgrown array, freed at once unless a lookup
  // without the lock may still be reading it.
  void retire(detail::fdtable* old) const {
    if (owner_.readers_may_exist() && detail::rcu_domain::available()) {
      detail::rcu_domain::instance().defer(detail::fdtable::free, old);
    } else {
      detail::fdtable::free(old);
    }
  }

  // The owner's lookup: nobody else writes its table.
  any_file* lookup_light(int fd) const noexcept {
    any_file* file = fdt().lookup(fd);
    return file != nullptr && (file->f_mode & FMODE_PATH) == 0 ? file : nullptr;
  }

  // with_fdget() on a shared table: under the lock, with a reference.
  template <class Use>
  long with_counted(int fd, Use use) const {
    const file_ref file = fdget(fd);
    return use(file.get());
  }


  // expand_files(): room for numbers below `nr`, doubling, within max_fds.
  void expand(std::size_t nr) {
    detail::fdtable& old = fdt();
    if (nr <= old.max_fds()) return;
    std::size_t size = old.max_fds() == 0 ? bits : old.max_fds();
    while (size < nr) size *= 2;
    size = std::min(size, (max_fds_ + bits - 1) / bits * bits);
    fdt_.store(old.grown(size), std::memory_order_release);
    retire(&old);
    bitmaps_.resize(size);
  }

  // alloc_fd(): reserves the lowest free number >= start, or -EMFILE.
  int alloc_fd(std::size_t start, int flags) {
    const std::size_t fd = bitmaps_.find_free(start);
    if (fd >= max_fds_) return -EMFILE;
    expand(fd + 1);
    bitmaps_.take(fd, flags, start);
    return static_cast<int>(fd);
  }

  int reserve_from(std::size_t start, int flags) {
    const table_lock guard(*this);
    return alloc_fd(start, flags);
  }

  int dup_from(int oldfd, std::size_t start, int flags) {
    const table_lock guard(*this);
    any_file* file = lookup_locked(oldfd);
    if (file == nullptr) return -EBADF;
    const int fd = alloc_fd(start, flags);
    if (fd < 0) return fd;
    file->get();
    install_locked(static_cast<std::size_t>(fd), file);
    return fd;
  }

  // The table's reference leaves with the returned pointer.
  any_file* remove_locked(int fd) {
    any_file* file = fdt()[static_cast<std::size_t>(fd)].exchange(nullptr, std::memory_order_acq_rel);
    if (file != nullptr && owner_.readers_may_exist()) file->free_after_grace_period_ = true;
    bitmaps_.clear(static_cast<std::size_t>(fd));
    return file;
  }

  bool reserved_locked(std::size_t n) const noexcept {
    return bitmaps_.is_open(n) && lookup_locked(static_cast<int>(n)) == nullptr;
  }

  // do_dup2(): newfd beyond the limit is EBADF, a number reserved by an
  // open(2) still in progress EBUSY; what newfd held is put after the table
  // lock is dropped.
  int do_dup2(int oldfd, int newfd, int flags) {
    if (newfd < 0 || static_cast<std::size_t>(newfd) >= max_fds_) return -EBADF;
    any_file* displaced = nullptr;
    {
      const table_lock guard(*this);
      any_file* file = lookup_locked(oldfd);
      if (file == nullptr) return -EBADF;
      const auto n = static_cast<std::size_t>(newfd);
      expand(n + 1);
      if (reserved_locked(n)) return -EBUSY;
      if (lookup_locked(newfd) != nullptr) displaced = remove_locked(newfd);
      file->get();
      bitmaps_.mark(n, flags);
      install_locked(n, file);
    }
    if (displaced != nullptr) owner_.put_table_ref(displaced);
    return newfd;
  }

  mutable detail::spinlock lock_;  // files->file_lock, a spinlock in the kernel too
  detail::table_owner owner_;
  std::atomic<detail::fdtable*> fdt_{&detail::fdtable::empty()};  // files->fdt
  detail::fd_bitmaps bitmaps_;  // open_fds, close_on_exec, full_fds_bits, next_fd
  std::size_t max_fds_;
};

// fdput(): a counted reference is dropped; the owner's light one ends.
inline fd_light::~fd_light() {
  if (light_ != nullptr) {
    light_->end_light();
  } else if (file_ != nullptr) {
    file_ref{file_}.reset();
  }
}

}  // namespace kvfs
