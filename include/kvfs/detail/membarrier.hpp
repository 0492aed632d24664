// SPDX-License-Identifier: BSL-1.0
// kvfs/detail/membarrier.hpp - the asymmetric fence behind kvfs's owner-
// biased fast paths (the descriptor table's light lookups, ramfs's inode
// lock): the owner thread marks itself with plain stores, and a newcomer
// runs membarrier(2), after which every owner store made before it is
// visible (liburcu's memb flavour reads the same way).
#pragma once

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace kvfs::detail {

/// membarrier(2) with MEMBARRIER_CMD_PRIVATE_EXPEDITED, registered once per
/// program: whether owner-biased fast paths can be used at all (without it,
/// every path takes its lock).
inline bool private_expedited_membarrier_ready() noexcept {
  static const bool ready = ::syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
  return ready;
}

/// The newcomer's side: a full fence on every thread of the process.
inline void private_expedited_membarrier() noexcept {
  if (private_expedited_membarrier_ready()) ::syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
}

/// This thread's identity: its thread pointer (the %fs base on x86-64,
/// TPIDR_EL0 on arm64: one load, whatever TLS model the program uses), or
/// elsewhere the address of a thread-local byte.
inline const void* this_thread_marker() noexcept {
#if defined(__x86_64__) || defined(__aarch64__)
  return __builtin_thread_pointer();
#else
  static thread_local const char marker = 0;
  return &marker;
#endif
}

/// What an owner field holds once a second thread has come: no thread's marker.
inline const void* shared_marker() noexcept {
  static const char tag = 0;
  return &tag;
}

}  // namespace kvfs::detail
