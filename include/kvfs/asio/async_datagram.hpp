// SPDX-License-Identifier: BSL-1.0
// kvfs/asio/async_datagram.hpp - a datagram socket (descriptor<sockfs<udp>>,
// a Unix datagram socket, or a process's number of one) driven by Asio:
// async_send_to and async_receive_from, as asio::ip::udp::socket has them,
// with any completion token, through the same path as sendmsg(2) and
// recvmsg(2).
//
//   kvfs::async_datagram sock(kvfs::udp::bind(io, {loopback, 0}), io.get_executor());
//   asio::ip::udp::endpoint from;
//   auto [ec, n] = co_await sock.async_receive_from(asio::buffer(buf), from, asio::as_tuple(asio::use_awaitable));
//
// An operation tries the kernel's call with MSG_DONTWAIT; on EAGAIN it waits
// on the socket's wait queue (async_stream's async_wait) and tries again.
// Completion is never inline; per-operation cancellation ends a waiting
// operation with asio::error::operation_aborted. A zero-length datagram
// completes with 0 bytes and no error (a datagram has no end of file).
#pragma once

#include <kvfs/asio/async_stream.hpp>
#include <kvfs/detail/buffer_sequence.hpp>
#include <kvfs/socket_io.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/compose.hpp>
#include <asio/post.hpp>

#include <sys/socket.h>
#include <cstddef>
#include <system_error>
#include <utility>

namespace kvfs {

namespace detail {

/// One datagram operation: sendmsg or recvmsg with MSG_DONTWAIT, waiting
/// for readiness on EAGAIN. `Endpoint` is an Asio endpoint (null: the
/// connected peer).
template <class Datagram, class Buffers, class Endpoint, bool Send>
class datagram_op {
 public:
  datagram_op(Datagram& socket, const Buffers& buffers, Endpoint* peer, int flags)
      : socket_(&socket), buffers_(buffers), peer_(peer), flags_(flags) {}

  template <class Self>
  void operator()(Self& self, std::error_code wait_ec = {}) {
    if (!started_) {
      started_ = true;
      self.reset_cancellation_state(asio::enable_total_cancellation());
      return attempt(self, true);
    }
    if (wait_ec) return self.complete(wait_ec, 0);
    attempt(self, false);
  }

 private:
  template <class Self>
  void attempt(Self& self, bool first) {
    const ssize_t result = transfer();
    if (result == -EAGAIN) {
      const auto what = Send ? asio::posix::descriptor_base::wait_write : asio::posix::descriptor_base::wait_read;
      return socket_->stream().async_wait(what, std::move(self));
    }
    const std::error_code ec = result_error(result);
    const std::size_t bytes = result > 0 ? static_cast<std::size_t>(result) : 0;
    if (!first) return self.complete(ec, bytes);
    // never complete inside the initiating call
    auto ex = socket_->get_executor();
    asio::post(ex, [self = std::move(self), ec, bytes]() mutable { self.complete(ec, bytes); });
  }

  ssize_t transfer() {
    gathered_iovecs iov;
    ::msghdr msg{};
    msg.msg_iov = iov.data();
    msg.msg_iovlen = gather(buffers_, iov);
    if (peer_ != nullptr) {
      msg.msg_name = peer_->data();
      msg.msg_namelen = static_cast<socklen_t>(Send ? peer_->size() : peer_->capacity());
    }
    auto& handle = socket_->stream().handle();
    if constexpr (Send) {
      return handle.sock_sendmsg(msg, flags_ | MSG_DONTWAIT);
    } else {
      const ssize_t n = handle.sock_recvmsg(msg, flags_ | MSG_DONTWAIT);
      if (n >= 0 && peer_ != nullptr) peer_->resize(msg.msg_namelen);
      return n;
    }
  }

  Datagram* socket_;
  Buffers buffers_;
  Endpoint* peer_;
  int flags_;
  bool started_ = false;
};

/// The endpoint type of an operation on the connected peer.
struct no_endpoint {
  void* data() const noexcept { return nullptr; }
  std::size_t size() const noexcept { return 0; }
  std::size_t capacity() const noexcept { return 0; }
  void resize(std::size_t) noexcept {}
};

}  // namespace detail

/// A datagram socket as an Asio datagram socket. `Handle` is a static
/// descriptor<sockfs<P>> of a datagram protocol (owned; a stream protocol
/// does not satisfy datagram_descriptor) or a kvfs::fd number of a process
/// (the process must outlive it). The file is made non-blocking.
template <datagram_descriptor Handle, class Executor = asio::any_io_executor>
class async_datagram {
 public:
  /// Asio's executor.
  using executor_type = Executor;

  /// Drives `handle` on `ex`.
  async_datagram(Handle handle, const Executor& ex) : stream_(std::move(handle), ex) {}

  /// The executor completions run on.
  executor_type get_executor() const noexcept { return stream_.get_executor(); }
  /// The descriptor.
  Handle& handle() noexcept { return stream_.handle(); }
  /// The stream that waits on the socket's wait queue.
  async_stream<Handle, Executor>& stream() noexcept { return stream_; }

  /// sendto(2) of one datagram to `to`: void(std::error_code, std::size_t).
  template <class ConstBuffers, class Endpoint, class Token = asio::default_completion_token_t<Executor>>
  requires detail::buffer_sequence<ConstBuffers>
  auto async_send_to(const ConstBuffers& buffers, const Endpoint& to, Token&& token = Token(), int flags = 0) {
    return start<true>(buffers, const_cast<Endpoint*>(&to), flags, std::forward<Token>(token));
  }

  /// recvfrom(2) of one datagram, its sender into `from`:
  /// void(std::error_code, std::size_t). `from` must outlive the operation.
  template <class MutableBuffers, class Endpoint, class Token = asio::default_completion_token_t<Executor>>
  requires detail::buffer_sequence<MutableBuffers>
  auto async_receive_from(const MutableBuffers& buffers, Endpoint& from, Token&& token = Token(), int flags = 0) {
    return start<false>(buffers, &from, flags, std::forward<Token>(token));
  }

  /// send(2) of one datagram to the connected peer.
  template <class ConstBuffers, class Token = asio::default_completion_token_t<Executor>>
  requires detail::buffer_sequence<ConstBuffers>
  auto async_send(const ConstBuffers& buffers, Token&& token = Token(), int flags = 0) {
    return start<true>(buffers, static_cast<detail::no_endpoint*>(nullptr), flags, std::forward<Token>(token));
  }

  /// recv(2) of one datagram.
  template <class MutableBuffers, class Token = asio::default_completion_token_t<Executor>>
  requires detail::buffer_sequence<MutableBuffers>
  auto async_receive(const MutableBuffers& buffers, Token&& token = Token(), int flags = 0) {
    return start<false>(buffers, static_cast<detail::no_endpoint*>(nullptr), flags, std::forward<Token>(token));
  }

 private:
  template <bool Send, class Buffers, class Endpoint, class Token>
  auto start(const Buffers& buffers, Endpoint* peer, int flags, Token&& token) {
    return asio::async_compose<Token, void(std::error_code, std::size_t)>(
        detail::datagram_op<async_datagram, Buffers, Endpoint, Send>(*this, buffers, peer, flags), token,
        stream_.get_executor());
  }

  async_stream<Handle, Executor> stream_;
};

}  // namespace kvfs
