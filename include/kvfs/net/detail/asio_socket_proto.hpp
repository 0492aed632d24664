// SPDX-License-Identifier: BSL-1.0
// kvfs/net/detail/asio_socket_proto.hpp - the proto_ops every Asio socket
// protocol shares (tcp::socket, udp::socket, the local and seq_packet
// sockets): Asio makes, connects and waits on the socket; a transfer is the
// kernel's own call on it (send(2)/sendto(2) for one buffer, recv(2) for
// one stream buffer, sendmsg(2)/recvmsg(2) for ancillary data, several
// segments or a datagram's flags), so the socket's options and the
// protocol's semantics are the host kernel's.
#pragma once

#include <kvfs/detail/syscall.hpp>
#include <kvfs/trace.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>
#include <cerrno>
#include <system_error>

namespace kvfs::detail {

/// proto_ops for an Asio socket of the type `Type` (SOCK_STREAM,
/// SOCK_DGRAM, SOCK_SEQPACKET).
template <class AsioSocket, int Type>
struct asio_socket_proto {
  using sock_type = AsioSocket;
  /// sock->type
  static constexpr int type = Type;

  /// ->sendmsg: sendto(2) for one buffer (send(2) without an address),
  /// else sendmsg(2).
  template <class Trace>
  static ssize_t sendmsg(sock_type& sk, ::msghdr& msg, int flags, Trace& trace) {
    const int fd = native_handle(sk);
    const bool waits = waits_for_asio(sk, flags);
    if (msg.msg_controllen == 0 && msg.msg_iovlen == 1) {
      if (msg.msg_name == nullptr) {  // two steps, so an untraced call computes no name
        trace.step("send(2)");
      } else {
        trace.step("sendto(2)");
      }
      const ::iovec one = msg.msg_iov[0];
      const auto* to = static_cast<const ::sockaddr*>(msg.msg_name);
      if (waits) [[unlikely]]
        return sendto_when_ready(fd, one.iov_base, one.iov_len, flags, to, msg.msg_namelen);
      return host_result(::sendto(fd, one.iov_base, one.iov_len, flags, to, msg.msg_namelen));
    }
    trace.step("sendmsg(2)");
    if (waits) [[unlikely]]
      return sendmsg_when_ready(fd, &msg, flags);
    return host_result(::sendmsg(fd, &msg, flags));
  }

  /// ->recvmsg: recv(2) for one stream buffer, else recvmsg(2), which
  /// reports the sender, the ancillary data and MSG_TRUNC/MSG_CTRUNC.
  template <class Trace>
  static ssize_t recvmsg(sock_type& sk, ::msghdr& msg, int flags, Trace& trace) {
    const int fd = native_handle(sk);
    const bool waits = waits_for_asio(sk, flags);
    // A byte stream has no message flags to report: one buffer may be recv(2).
    if (Type == SOCK_STREAM && msg.msg_name == nullptr && msg.msg_controllen == 0 && msg.msg_iovlen == 1 &&
        (flags & (MSG_OOB | MSG_ERRQUEUE)) == 0) {
      trace.step("recv(2)");
      msg.msg_flags = 0;  // what tcp_recvmsg and unix_stream_recvmsg report here
      const ::iovec one = msg.msg_iov[0];
      if (waits) [[unlikely]]
        return recv_when_ready(fd, one.iov_base, one.iov_len, flags);
      return host_result(::recv(fd, one.iov_base, one.iov_len, flags));
    }
    trace.step("recvmsg(2)");
    if (waits) [[unlikely]]
      return recvmsg_when_ready(fd, &msg, flags);
    return host_result(::recvmsg(fd, &msg, flags));
  }

  /// ->shutdown
  static int shutdown(sock_type& sk, int how) noexcept { return host_result(::shutdown(native_handle(sk), how)); }

  /// ->release: Asio closes the socket (and cancels its waits).
  static int release(sock_type& sk) {
    std::error_code ec;
    sk.close(ec);
    return ec ? -ec.value() : 0;
  }

  /// The host socket.
  static int native_handle(const sock_type& sk) noexcept {
    // Asio's native_handle() is not const; reading the number changes nothing.
    return const_cast<sock_type&>(sk).native_handle();
  }

  // bind, connect, listen, accept and getsockname are the socket calls
  // themselves on the socket's descriptor: Asio keeps no state they change.

  /// ->bind
  static int bind(sock_type& sk, const ::sockaddr* addr, socklen_t len) noexcept {
    return host_result(::bind(native_handle(sk), addr, len));
  }

  /// ->connect (not restarted after a signal: the kernel goes on connecting
  /// and a second call would answer EALREADY). On a datagram socket it sets
  /// the peer, and AF_UNSPEC dissolves it.
  static int connect(sock_type& sk, const ::sockaddr* addr, socklen_t len) noexcept {
    return host_result(::connect(native_handle(sk), addr, len));
  }

  /// ->listen (EOPNOTSUPP on a datagram socket, as sock_no_listen).
  static int listen(sock_type& sk, int backlog) noexcept { return host_result(::listen(native_handle(sk), backlog)); }

  /// ->accept: the next connection, adopted by a socket of the listener's executor.
  static int accept(sock_type& sk, int flags, sock_type& accepted) {
    const int fd = host_result(::accept4(native_handle(sk), nullptr, nullptr, SOCK_CLOEXEC | (flags & SOCK_NONBLOCK)));
    if (fd < 0) return fd;
    std::error_code ec;
    const auto protocol = sk.local_endpoint(ec).protocol();
    if (!ec) accepted.assign(protocol, fd, ec);
    if (ec) {
      ::close(fd);
      return -ec.value();
    }
    if ((flags & SOCK_NONBLOCK) != 0) accepted.non_blocking(true, ec);
    return 0;
  }

  /// ->getname (getsockname)
  static int getname(const sock_type& sk, ::sockaddr* addr, socklen_t* len) noexcept {
    return host_result(::getsockname(native_handle(sk), addr, len));
  }

 private:
  // A transfer is the kernel's call, answering what the host answers, an
  // EINTR too (a blocking host socket was restarted by the host when the
  // handler had SA_RESTART). Only a blocking call on a socket Asio holds
  // non-blocking for its own asynchronous operations waits for readiness
  // after EAGAIN and tries again, as a blocking socket would (without
  // SO_RCVTIMEO/SO_SNDTIMEO then). That is known before the call, so the
  // common path keeps nothing for a second one; the waiting calls are out
  // of line, the one-buffer ones given their arguments as values, so a
  // message built on the caller's stack stays in registers.
  [[gnu::noinline]] static ssize_t sendto_when_ready(int fd, const void* buf, std::size_t len, int flags,
                                                     const ::sockaddr* to, socklen_t to_len) {
    return when_ready(fd, POLLOUT, [=] { return ::sendto(fd, buf, len, flags, to, to_len); });
  }
  [[gnu::noinline]] static ssize_t sendmsg_when_ready(int fd, const ::msghdr* msg, int flags) {
    return when_ready(fd, POLLOUT, [=] { return ::sendmsg(fd, msg, flags); });
  }
  [[gnu::noinline]] static ssize_t recv_when_ready(int fd, void* buf, std::size_t len, int flags) {
    return when_ready(fd, POLLIN, [=] { return ::recv(fd, buf, len, flags); });
  }
  [[gnu::noinline]] static ssize_t recvmsg_when_ready(int fd, ::msghdr* msg, int flags) {
    return when_ready(fd, POLLIN, [=] { return ::recvmsg(fd, msg, flags); });
  }

  template <class Call>
  static ssize_t when_ready(int fd, short events, Call call) {
    for (;;) {
      const ssize_t result = call();
      if (result >= 0) return result;
      if (errno != EAGAIN) return -errno;
      wait_ready(fd, events);
    }
  }

  static bool waits_for_asio(sock_type& sk, int flags) noexcept {
    return (flags & MSG_DONTWAIT) == 0 && sk.native_non_blocking() && !sk.non_blocking();
  }

  // The wait a blocking socket does in the kernel (sk_wait_data). poll(2)
  // is never restarted by the host, and cannot say whether the handler
  // that interrupted it asked for a restart: the wait goes on, as Linux
  // does for a handler installed with SA_RESTART.
  [[gnu::cold, gnu::noinline]] static void wait_ready(int fd, short events) noexcept {
    ::pollfd ready{fd, events, 0};
    while (::poll(&ready, 1, -1) < 0 && errno == EINTR) {
    }
  }
};

}  // namespace kvfs::detail
