// SPDX-License-Identifier: BSL-1.0
// kvfs/kernel/fd.hpp - kvfs::fd: a descriptor number of a process, as a
// handle the generic descriptor functions (<kvfs/io.hpp>) work on.
#pragma once

#include <kvfs/any_file.hpp>
#include <kvfs/detail/vfs.hpp>
#include <kvfs/file.hpp>
#include <kvfs/kernel/process.hpp>

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <cstddef>
#include <span>

namespace kvfs {

/// A descriptor number of a process: the generic descriptor functions work
/// on it through the table (a handle, not an owner: close it with kvfs::close).
class fd {
 public:
  /// Number `number` of `proc`'s table.
  fd(process& proc, int number) noexcept : proc_(&proc), number_(number) {}

  /// The descriptor number.
  int number() const noexcept { return number_; }
  /// The process whose table it is in.
  process& owner() const noexcept { return *proc_; }
  /// Whether the number refers to a file now.
  bool is_open() const { return static_cast<bool>(proc_->files().fdget_raw(number_)); }

  /// read(2) on the number.
  ssize_t vfs_read(std::span<std::byte> buf) { return proc_->read(number_, buf); }
  /// write(2) on the number.
  ssize_t vfs_write(std::span<const std::byte> buf) { return proc_->write(number_, buf); }
  /// readv(2) on the number.
  ssize_t vfs_readv(std::span<const ::iovec> iov) { return proc_->readv(number_, iov); }
  /// writev(2) on the number.
  ssize_t vfs_writev(std::span<const ::iovec> iov) { return proc_->writev(number_, iov); }
  /// pread64(2) on the number.
  ssize_t vfs_pread(std::span<std::byte> buf, loff_t pos) { return proc_->pread(number_, buf, pos); }
  /// pwrite64(2) on the number.
  ssize_t vfs_pwrite(std::span<const std::byte> buf, loff_t pos) { return proc_->pwrite(number_, buf, pos); }
  /// lseek(2) on the number.
  loff_t vfs_llseek(loff_t offset, int whence) { return proc_->lseek(number_, offset, whence); }
  /// fsync(2) on the number.
  int vfs_fsync() { return static_cast<int>(proc_->fsync(number_)); }
  /// fstat(2) on the number.
  int vfs_fstat(struct ::stat& st) { return static_cast<int>(proc_->fstat(number_, st)); }
  /// What the file is ready for now.
  short vfs_poll() { return static_cast<short>(proc_->poll(number_)); }
  /// fcntl(2) on the number.
  int vfs_fcntl(int cmd, long arg) { return static_cast<int>(proc_->fcntl(number_, cmd, arg)); }
  /// The host descriptor to wait on.
  int vfs_poll_wait() { return static_cast<int>(proc_->poll_wait(number_)); }
  /// shutdown(2) on the number.
  int sock_shutdown(int how) { return static_cast<int>(proc_->shutdown(number_, how)); }
  /// setsockopt(2) on the number.
  int sock_setsockopt(int level, int name, const void* value, socklen_t len) {
    return static_cast<int>(proc_->setsockopt(number_, level, name, value, len));
  }
  /// getsockopt(2) on the number.
  int sock_getsockopt(int level, int name, void* value, socklen_t* len) {
    return static_cast<int>(proc_->getsockopt(number_, level, name, value, len));
  }
  /// sendto(2) on the number.
  ssize_t sock_sendto(std::span<const std::byte> buf, int flags, const ::sockaddr* addr, socklen_t len) {
    return proc_->sendto(number_, buf, flags, addr, len);
  }
  /// recvfrom(2) on the number.
  ssize_t sock_recvfrom(std::span<std::byte> buf, int flags, ::sockaddr* addr, socklen_t* len) {
    return proc_->recvfrom(number_, buf, flags, addr, len);
  }
  /// sendmsg(2) on the number (SCM_RIGHTS: numbers of this process).
  ssize_t sock_sendmsg(const ::msghdr& msg, int flags) { return proc_->sendmsg(number_, msg, flags); }
  /// recvmsg(2) on the number (SCM_RIGHTS: files installed here).
  ssize_t sock_recvmsg(::msghdr& msg, int flags) { return proc_->recvmsg(number_, msg, flags); }
  /// close(2) of the number.
  int release() { return static_cast<int>(proc_->close(number_)); }

  /// The host descriptor behind the number's file (-1: none, or closed).
  int vfs_host_fd() {
    file_ref file = proc_->files().fdget(number_);
    return file ? detail::vfs_host_fd(*file, *file->f_op) : -1;
  }

  /// Calls `record(trace, number)` with the trace of the number's file.
  template <class Record>
  void with_trace(Record record) {
    if (file_ref file = proc_->files().fdget(number_)) record(file->trace, number_);
  }

 private:
  process* proc_;
  int number_;
};

}  // namespace kvfs
