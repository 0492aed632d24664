// SPDX-License-Identifier: BSL-1.0
// kvfs/detail/syscall.hpp - calling the host kernel the way kvfs's policies do.
#pragma once

#include <poll.h>
#include <pthread.h>
#include <sys/types.h>
#include <cerrno>
#include <csignal>
#include <ctime>

namespace kvfs::detail {

/// Runs a system call and returns its result kernel-style (a count, or
/// -errno), calling it again when a signal interrupted it (EINTR).
template <class Call>
auto retry_eintr(Call call) noexcept -> decltype(call()) {
  for (;;) {
    auto result = call();
    if (result >= 0) return result;
    if (errno != EINTR) return -errno;
  }
}

/// What the host descriptor is ready for now, of `events` (poll(2) without
/// waiting): the answer of a file whose ->poll is the host's own.
inline short poll_now(int fd, short events) noexcept {
  ::pollfd probe{fd, events, 0};
  return ::poll(&probe, 1, 0) < 0 ? short{POLLERR} : probe.revents;
}

/// Runs a write that may raise SIGPIPE (a pipe or FIFO with no reader)
/// with SIGPIPE blocked in this thread, and takes back the signal it raised,
/// so the caller sees EPIPE and the process is not killed. Sockets need none
/// of this: kvfs sends on them with MSG_NOSIGNAL.
template <class Write>
ssize_t without_sigpipe(Write write) noexcept {
  sigset_t sigpipe_set;
  sigemptyset(&sigpipe_set);
  sigaddset(&sigpipe_set, SIGPIPE);

  sigset_t pending;
  sigpending(&pending);
  const bool already_pending = sigismember(&pending, SIGPIPE) == 1;

  sigset_t previous;
  pthread_sigmask(SIG_BLOCK, &sigpipe_set, &previous);
  const ssize_t result = write();
  // The signal may come with a partial count too (sendfile and splice
  // report the bytes moved before the peer went, not the EPIPE): take back
  // whatever this call raised, whatever it returned.
  if (!already_pending) {
    const timespec no_wait{};
    while (sigtimedwait(&sigpipe_set, nullptr, &no_wait) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return result;
}

}  // namespace kvfs::detail
