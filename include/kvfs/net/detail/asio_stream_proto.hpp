// SPDX-License-Identifier: BSL-1.0
// kvfs/net/detail/asio_stream_proto.hpp - the proto_ops every Asio
// stream-socket protocol shares (asio::ip::tcp::socket,
// asio::local::stream_protocol::socket): Asio makes, connects and waits on
// the socket; a synchronous transfer is the kernel's call on it (send(2) for
// one buffer, sendmsg(2) for a sequence), so the socket's options apply.
#pragma once

#include <kvfs/asio/stream.hpp>
#include <kvfs/detail/buffer_sequence.hpp>
#include <kvfs/detail/syscall.hpp>
#include <kvfs/detail/vfs.hpp>
#include <kvfs/trace.hpp>

#include <asio/buffer.hpp>
#include <asio/error.hpp>
#include <asio/socket_base.hpp>

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>
#include <array>
#include <cerrno>
#include <cstddef>
#include <span>
#include <system_error>

namespace kvfs {

namespace detail {

template <class Buffer, class Iovecs>
std::span<const Buffer> to_asio_buffers(Iovecs iov, std::array<Buffer, max_gathered_buffers>& out) noexcept {
  const std::size_t count = iov.size() < out.size() ? iov.size() : out.size();
  for (std::size_t i = 0; i < count; ++i) out[i] = Buffer(iov[i].iov_base, iov[i].iov_len);
  return {out.data(), count};
}

}  // namespace detail

/// proto_ops for an Asio stream socket.
template <class AsioSocket>
struct asio_stream_proto {
  using sock_type = AsioSocket;

  /// ->sendmsg: one buffer is send(2), a sequence sendmsg(2), on the host
  /// socket (see to_kernel for when Asio's send waits instead).
  template <class Trace>
  static ssize_t sendmsg(sock_type& sk, std::span<const ::iovec> iov, int flags, Trace& trace) {
    if (to_kernel(sk, iov, flags)) {
      if (iov.size() == 1) {
        trace.step("send(2)");
        return detail::retry_eintr([&] { return ::send(native_handle(sk), iov[0].iov_base, iov[0].iov_len, flags); });
      }
      trace.step("sendmsg(2)");
      return raw_transfer(sk, iov, flags, &::sendmsg);
    }
    trace.step("asio send");
    return asio_send(sk, iov, flags);
  }

  /// ->recvmsg: one buffer is recv(2), a sequence recvmsg(2), on the host
  /// socket (see to_kernel for when Asio's receive waits instead).
  template <class Trace>
  static ssize_t recvmsg(sock_type& sk, std::span<const ::iovec> iov, int flags, Trace& trace) {
    if (to_kernel(sk, iov, flags)) {
      if (iov.size() == 1) {
        trace.step("recv(2)");
        return detail::retry_eintr([&] { return ::recv(native_handle(sk), iov[0].iov_base, iov[0].iov_len, flags); });
      }
      trace.step("recvmsg(2)");
      return raw_transfer(sk, iov, flags, &::recvmsg);
    }
    trace.step("asio receive");
    return asio_receive(sk, iov, flags);
  }

  static int shutdown(sock_type& sk, int how) {
    std::error_code ec;
    sk.shutdown(static_cast<asio::socket_base::shutdown_type>(how), ec);
    return static_cast<int>(detail::kernel_result(0, ec));
  }

  static int release(sock_type& sk) {
    std::error_code ec;
    sk.close(ec);
    return static_cast<int>(detail::kernel_result(0, ec));
  }

  static int native_handle(const sock_type& sk) noexcept {
    // Asio's native_handle() is not const; reading the number changes nothing.
    return const_cast<sock_type&>(sk).native_handle();
  }

  // bind, connect, listen, accept and getsockname are the socket calls
  // themselves on the socket's descriptor: Asio keeps no state they change.

  static int bind(sock_type& sk, const ::sockaddr* addr, socklen_t len) noexcept {
    return ::bind(native_handle(sk), addr, len) < 0 ? -errno : 0;
  }

  // connect(2) is not restarted after a signal: the kernel goes on connecting
  // and a second call would answer EALREADY.
  static int connect(sock_type& sk, const ::sockaddr* addr, socklen_t len) noexcept {
    return ::connect(native_handle(sk), addr, len) < 0 ? -errno : 0;
  }

  static int listen(sock_type& sk, int backlog) noexcept {
    return ::listen(native_handle(sk), backlog) < 0 ? -errno : 0;
  }

  static int accept(sock_type& sk, int flags, sock_type& accepted) {
    const int fd = static_cast<int>(detail::retry_eintr(
        [&] { return ::accept4(native_handle(sk), nullptr, nullptr, SOCK_CLOEXEC | (flags & SOCK_NONBLOCK)); }));
    if (fd < 0) return fd;
    std::error_code ec;
    const auto protocol = sk.local_endpoint(ec).protocol();
    if (!ec) accepted.assign(protocol, fd, ec);
    if (ec) {
      ::close(fd);
      return static_cast<int>(detail::kernel_result(0, ec));
    }
    if ((flags & SOCK_NONBLOCK) != 0) accepted.non_blocking(true, ec);
    return 0;
  }

  static int getname(const sock_type& sk, ::sockaddr* addr, socklen_t* len) noexcept {
    return ::getsockname(native_handle(sk), addr, len) < 0 ? -errno : 0;
  }

 private:
  // A transfer is the kernel's own call on the host socket, which is what
  // makes the socket's options apply as on Linux: SO_RCVTIMEO and
  // SO_SNDTIMEO end a blocking call with EAGAIN (Asio's synchronous call
  // would wait for readiness again after that EAGAIN, forever), MSG_DONTWAIT
  // and a 0-byte transfer answer with the socket's state. The one case left
  // to Asio: Asio holds the host socket non-blocking for its own
  // asynchronous operations while the file is blocking and the call did not
  // ask MSG_DONTWAIT; Asio's call then waits for readiness as a blocking
  // socket would (without the timeouts).
  static bool to_kernel(sock_type& sk, std::span<const ::iovec> iov, int flags) noexcept {
    if (!sk.native_non_blocking()) [[likely]] return true;
    if ((flags & MSG_DONTWAIT) != 0 || sk.non_blocking()) return true;
    return iov.size() == 1 ? iov[0].iov_len == 0 : detail::iov_length(iov) == 0;
  }

  // Asio's synchronous calls, out of line: their 64-buffer arrays would
  // otherwise weigh on every transfer's stack frame.
  [[gnu::noinline]] static ssize_t asio_send(sock_type& sk, std::span<const ::iovec> iov, int flags) {
    std::array<asio::const_buffer, detail::max_gathered_buffers> storage;
    const auto buffers = detail::to_asio_buffers(iov, storage);
    return retry_interrupted([&](std::error_code& ec) { return sk.send(buffers, flags, ec); });
  }
  [[gnu::noinline]] static ssize_t asio_receive(sock_type& sk, std::span<const ::iovec> iov, int flags) {
    std::array<asio::mutable_buffer, detail::max_gathered_buffers> storage;
    const auto buffers = detail::to_asio_buffers(iov, storage);
    return retry_interrupted([&](std::error_code& ec) { return sk.receive(buffers, flags, ec); });
  }

  template <class Call>
  static ssize_t raw_transfer(sock_type& sk, std::span<const ::iovec> iov, int flags, Call call) noexcept {
    ::msghdr msg{};
    msg.msg_iov = const_cast<::iovec*>(iov.data());  // sendmsg(2) does not write it
    msg.msg_iovlen = iov.size();
    return detail::retry_eintr([&] { return call(native_handle(sk), &msg, flags); });
  }

  // A transfer interrupted by a signal before it moved anything is retried,
  // as posixfs retries EINTR. Success returns before any error_code
  // comparison: that is the common case, and the comparisons are calls.
  template <class Transfer>
  static ssize_t retry_interrupted(Transfer transfer) {
    for (;;) {
      std::error_code ec;
      const std::size_t transferred = transfer(ec);
      if (!ec) [[likely]] return static_cast<ssize_t>(transferred);
      if (ec != asio::error::interrupted) return detail::kernel_result(transferred, ec);
    }
  }
};

}  // namespace kvfs
