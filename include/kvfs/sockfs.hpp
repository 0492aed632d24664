// kvfs/sockfs.hpp - the socket file system: a socket dressed as a file.
//
// As in net/socket.c, every socket's file has the same operations table,
// socket_file_ops, whatever its protocol; the table forwards reads and writes
// to the protocol's proto_ops (sendmsg/recvmsg). Here the protocol is a
// template parameter, so a descriptor<sockfs<tcp>> reaches tcp's sendmsg
// through socket_file_ops with no indirect call. This header is
// protocol-neutral and includes no Asio; <kvfs/tcp.hpp> brings the TCP proto.
#pragma once

#include <kvfs/descriptor.hpp>
#include <kvfs/detail/vfs.hpp>
#include <kvfs/file_system.hpp>
#include <kvfs/name.hpp>
#include <kvfs/trace.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <cerrno>
#include <concepts>
#include <cstddef>
#include <span>
#include <string_view>
#include <utility>

namespace kvfs {

/// A protocol's operations (the kernel's struct proto_ops, e.g.
/// inet_stream_ops → tcp_sendmsg): what sockfs forwards to.
///
///   P::name                                   "tcp"
///   P::sock_type                              the protocol's socket object
///   P::sendmsg(sock, span<const iovec>, int msg_flags, trace) -> ssize_t
///   P::recvmsg(sock, span<const iovec>, int msg_flags, trace) -> ssize_t
///   P::shutdown(sock, int how) -> int
///   P::release(sock) -> int
///   P::native_handle(const sock) -> int
template <class P>
concept proto_ops = requires(typename P::sock_type& sock, const typename P::sock_type& csock,
                             std::span<const ::iovec> iov, int flags, no_trace& trace) {
  {std::string_view(P::name)};
  { P::sendmsg(sock, iov, flags, trace) } -> std::same_as<ssize_t>;
  { P::recvmsg(sock, iov, flags, trace) } -> std::same_as<ssize_t>;
  { P::shutdown(sock, flags) } -> std::same_as<int>;
  { P::release(sock) } -> std::same_as<int>;
  { P::native_handle(csock) } -> std::convertible_to<int>;
};

/// struct socket: what a socket file's private_data holds.
template <proto_ops Proto>
struct socket {
  typename Proto::sock_type sk;

  int native_handle() const noexcept { return Proto::native_handle(sk); }
};

// sock_sendmsg(): the socket layer's entry to the protocol's ->sendmsg.
template <proto_ops Proto, class Trace>
ssize_t sock_sendmsg(socket<Proto>& sock, std::span<const ::iovec> iov, int flags, Trace& trace) {
  trace.step("sock_sendmsg");
  trace.step(Proto::name, ": sendmsg");
  return Proto::sendmsg(sock.sk, iov, flags | MSG_NOSIGNAL, trace);
}

// sock_recvmsg(): the socket layer's entry to the protocol's ->recvmsg.
template <proto_ops Proto, class Trace>
ssize_t sock_recvmsg(socket<Proto>& sock, std::span<const ::iovec> iov, int flags, Trace& trace) {
  trace.step("sock_recvmsg");
  trace.step(Proto::name, ": recvmsg");
  return Proto::recvmsg(sock.sk, iov, flags, trace);
}

/// socket_file_ops: read_iter, write_iter, poll and release, and no llseek,
/// read, write or fsync, as in net/socket.c.
template <proto_ops Proto>
struct socket_file_ops {
  static constexpr std::string_view name = "socket_file_ops";

  // sock_read_iter(): a zero-length read returns 0 at once.
  static ssize_t read_iter(auto& file, std::span<const ::iovec> iov) {
    if (detail::iov_length(iov) == 0) return 0;
    return sock_recvmsg(file.private_data, iov, msg_flags(file), file.trace);
  }

  // sock_write_iter()
  static ssize_t write_iter(auto& file, std::span<const ::iovec> iov) {
    return sock_sendmsg(file.private_data, iov, msg_flags(file), file.trace);
  }

  // sock_poll(): what the socket is ready for, now.
  static short poll(auto& file) noexcept {
    ::pollfd probe{file.private_data.native_handle(), POLLIN | POLLOUT | POLLRDHUP, 0};
    return ::poll(&probe, 1, 0) < 0 ? short{POLLERR} : probe.revents;
  }

  // The inode: S_IFSOCK, as sock_alloc() makes it.
  static int getattr(auto& file, struct ::stat& st) noexcept {
    return ::fstat(file.private_data.native_handle(), &st) < 0 ? -errno : 0;
  }

  // sock_close() → __sock_release() → the protocol's ->release.
  static int release(auto& file) {
    file.trace.step("sock_close");
    return Proto::release(file.private_data.sk);
  }

 private:
  static int msg_flags(const auto& file) noexcept { return (file.f_flags & O_NONBLOCK) != 0 ? MSG_DONTWAIT : 0; }
};

/// The socket file system, bound at compile time to one protocol.
template <proto_ops Proto>
struct sockfs {
  static constexpr auto name = name_c<"sockfs">;
  static constexpr unsigned fs_flags = FS_PSEUDO;
  using proto = Proto;
  using private_data = socket<Proto>;
  using file_operations = socket_file_ops<Proto>;

  /// sock_from_file(): the socket behind a sockfs file.
  template <class File>
  static socket<Proto>& sock_from_file(File& file) noexcept {
    return file.private_data;
  }

  // __sys_shutdown_sock() → the protocol's ->shutdown.
  template <class File>
  static int shutdown(File& file, int how) {
    file.trace.step("__sys_shutdown_sock");
    file.trace.step(Proto::name, ": shutdown");
    return Proto::shutdown(sock_from_file(file).sk, how);
  }
};

/// sock_alloc_file(): wraps a protocol socket in a file of sockfs whose f_op
/// is socket_file_ops. A socket is always O_RDWR; of `flags` only O_NONBLOCK
/// counts (the protocol's socket must already be non-blocking to match).
template <proto_ops Proto, tracer Trace = no_trace>
descriptor<sockfs<Proto>, Trace> sock_alloc_file(typename Proto::sock_type sk, int flags = 0, Trace trace = {}) {
  trace.step("sock_alloc_file");
  trace.step("alloc_file_pseudo(f_op = &", f_op_name<sockfs<Proto>>, ")");
  trace.step("stream_open");
  return descriptor<sockfs<Proto>, Trace>(socket<Proto>{std::move(sk)}, O_RDWR | (flags & O_NONBLOCK),
                                          std::move(trace));
}

}  // namespace kvfs
