// SPDX-License-Identifier: BSL-1.0
// kvfs/net/detail/scm_inflight.hpp - kvfs files in flight over Unix-domain
// sockets (the kernel's unix_inflight()/unix_notinflight() and the skb's
// reference on each file). A host socket can only carry host descriptors,
// so each kvfs file travels as a token: the write end of a fresh pipe, sent
// with SCM_RIGHTS in the file's place. The registry keeps the pipe's read
// end and the file, keyed by the pipe's inode. The receiver's process
// trades the token back for the file (the same open file: one offset, one
// set of status flags). When the host drops a token unread (the receiving
// socket closed with it queued, a read without room for it), the last write
// end closes, the read end sees POLLHUP, and sweep() releases the file:
// exactly once, as the kernel's skb destructor does.
#pragma once

#include <kvfs/any_file.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

namespace kvfs::detail {

class scm_inflight {
 public:
  /// The program's registry: files pass between the processes of one program.
  static scm_inflight& instance() {
    static scm_inflight registry;
    return registry;
  }

  /// unix_inflight(): `file` goes on its way. Returns the host descriptor to
  /// send in its place (the caller closes it after the send), or -errno.
  int attach(file_ref file) {
    sweep();
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) < 0) return -errno;
    struct ::stat st {};
    ::fstat(ends[0], &st);
    std::lock_guard guard(lock_);
    files_.emplace(st.st_ino, entry{ends[0], std::move(file)});
    count_.fetch_add(1, std::memory_order_relaxed);
    return ends[1];
  }

  /// unix_notinflight() on arrival (or on a failed send): the file whose
  /// token `host_fd` is, taken out of the registry; null for a descriptor
  /// kvfs did not send (a host program's).
  file_ref detach(int host_fd) {
    struct ::stat st {};
    if (::fstat(host_fd, &st) < 0 || !S_ISFIFO(st.st_mode)) return {};
    entry taken;
    {
      std::lock_guard guard(lock_);
      const auto it = files_.find(st.st_ino);
      if (it == files_.end()) return {};
      taken = std::move(it->second);
      files_.erase(it);
      count_.fetch_sub(1, std::memory_order_relaxed);
    }
    ::close(taken.read_end);
    return std::move(taken.file);
  }

  /// The files whose token no socket holds any more are released.
  void sweep() {
    if (count_.load(std::memory_order_relaxed) == 0) return;
    std::vector<file_ref> dropped;  // released outside the lock: a release may send or sweep
    {
      std::lock_guard guard(lock_);
      for (auto it = files_.begin(); it != files_.end();) {
        ::pollfd hangup{it->second.read_end, POLLIN, 0};
        if (::poll(&hangup, 1, 0) == 1 && (hangup.revents & POLLHUP) != 0) {
          ::close(it->second.read_end);
          dropped.push_back(std::move(it->second.file));
          it = files_.erase(it);
          count_.fetch_sub(1, std::memory_order_relaxed);
        } else {
          ++it;
        }
      }
    }
  }

  /// How many files are in flight.
  std::size_t in_flight() const noexcept { return count_.load(std::memory_order_relaxed); }

  scm_inflight(const scm_inflight&) = delete;
  scm_inflight& operator=(const scm_inflight&) = delete;

 private:
  scm_inflight() = default;
  ~scm_inflight() {
    for (auto& [ino, e] : files_) ::close(e.read_end);
  }

  struct entry {
    int read_end = -1;
    file_ref file;
  };
  std::mutex lock_;
  std::map<ino_t, entry> files_;
  std::atomic<std::size_t> count_{0};
};

}  // namespace kvfs::detail
