// SPDX-License-Identifier: BSL-1.0
// kvfs/detail/syscall.hpp - calling the host kernel the way kvfs's policies do.
#pragma once

#include <poll.h>
#include <pthread.h>
#include <sys/types.h>
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <ctime>

namespace kvfs::detail {

/// -errno: the failure path of a host call, out of line.
[[gnu::cold, gnu::noinline]] inline long minus_errno() noexcept { return -errno; }

/// A host call's result kernel-style: the count, or -errno. An EINTR stays
/// EINTR, as Linux answers it: the host kernel has already restarted the
/// call when the handler that interrupted it asked for that (SA_RESTART;
/// -ERESTARTSYS in the kernel), so what reaches kvfs is the user's answer.
/// Nothing is kept for a second call, so a success is the call and one
/// test, and a table entry can hand its arguments straight to the host.
template <class Result>
[[gnu::always_inline]] inline Result host_result(Result result) noexcept {
  if (result >= 0) [[likely]] return result;
  return static_cast<Result>(minus_errno());
}

/// What the host descriptor is ready for now, of `events` (poll(2) without
/// waiting): the answer of a file whose ->poll is the host's own.
inline short poll_now(int fd, short events) noexcept {
  ::pollfd probe{fd, events, 0};
  return ::poll(&probe, 1, 0) < 0 ? short{POLLERR} : probe.revents;
}

/// Whether kvfs has made sure SIGPIPE is blocked in this thread.
inline thread_local bool this_thread_blocks_sigpipe = false;

/// Blocks SIGPIPE in this thread, once: the first write to a pipe, FIFO or
/// sendfile target in a thread is the only one that pays a system call. (A
/// thread started afterwards from this one inherits the blocked mask.)
[[gnu::cold, gnu::noinline]] inline void block_sigpipe_in_this_thread() noexcept {
  sigset_t sigpipe_set;
  sigemptyset(&sigpipe_set);
  sigaddset(&sigpipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &sigpipe_set, nullptr);
  this_thread_blocks_sigpipe = true;
}

/// Takes back the SIGPIPE a write just raised (it is blocked, so it is
/// pending), without waiting when there is none.
[[gnu::cold, gnu::noinline]] inline void consume_sigpipe() noexcept {
  sigset_t sigpipe_set;
  sigemptyset(&sigpipe_set);
  sigaddset(&sigpipe_set, SIGPIPE);
  const timespec no_wait{};
  while (sigtimedwait(&sigpipe_set, nullptr, &no_wait) < 0 && errno == EINTR) {
  }
}

/// Runs a write of `requested` bytes that may raise SIGPIPE (a pipe or FIFO
/// with no reader, sendfile or splice into one) so that the caller sees
/// EPIPE and the process is not killed: SIGPIPE is blocked in the thread
/// once, and the signal a write raised is taken back after it, which can
/// only be after an EPIPE or a short count (the reader went mid-write): one
/// sigtimedwait(2) then (standard signals do not queue: a SIGPIPE already
/// pending in the thread is the same one, and goes too). A write that moves
/// everything, or returns 0 (the input's end, for sendfile and splice),
/// costs no system call but its own. Sockets need none of this: kvfs sends
/// on them with MSG_NOSIGNAL.
template <class Write>
[[gnu::noinline]] ssize_t without_sigpipe(std::size_t requested, Write write) noexcept {
  if (!this_thread_blocks_sigpipe) [[unlikely]] block_sigpipe_in_this_thread();
  const ssize_t result = write();
  const bool may_have_raised = result == -EPIPE || (result > 0 && static_cast<std::size_t>(result) < requested);
  if (may_have_raised) [[unlikely]] consume_sigpipe();
  return result;
}

}  // namespace kvfs::detail
