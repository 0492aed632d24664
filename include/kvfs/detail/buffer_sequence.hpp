// SPDX-License-Identifier: BSL-1.0
// kvfs/detail/buffer_sequence.hpp - Asio-style buffer sequences as iovecs,
// without including Asio: a buffer is anything whose data() is exactly
// `void*` or `const void*` (asio::mutable_buffer, asio::const_buffer); a
// sequence is a range of them.
#pragma once

#include <sys/uio.h>
#include <array>
#include <concepts>
#include <cstddef>
#include <iterator>

namespace kvfs::detail {

template <class B>
concept single_buffer = requires(const B& b) {
  { b.size() } -> std::convertible_to<std::size_t>;
}
&&(
    requires(const B& b) {
      { b.data() } -> std::same_as<void*>;
    } ||
    requires(const B& b) {
      { b.data() } -> std::same_as<const void*>;
    });

template <class S>
concept buffer_sequence = single_buffer<S> || requires(const S& s) {
  { *std::begin(s) } -> single_buffer;
  std::end(s);
};

/// Asio gathers at most 64 buffers per system call; so does kvfs.
inline constexpr std::size_t max_gathered_buffers = 64;
using gathered_iovecs = std::array<::iovec, max_gathered_buffers>;

template <single_buffer B>
::iovec to_iovec(const B& b) noexcept {
  return {const_cast<void*>(static_cast<const void*>(b.data())), static_cast<std::size_t>(b.size())};
}

/// Fills `out` from the sequence; returns how many segments it used.
template <buffer_sequence S>
std::size_t gather(const S& buffers, gathered_iovecs& out) noexcept {
  if constexpr (single_buffer<S>) {
    out[0] = to_iovec(buffers);
    return 1;
  } else {
    std::size_t count = 0;
    for (auto it = std::begin(buffers); it != std::end(buffers) && count < out.size(); ++it) {
      out[count++] = to_iovec(*it);
    }
    return count;
  }
}

}  // namespace kvfs::detail
