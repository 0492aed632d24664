// SPDX-License-Identifier: BSL-1.0
// kvfs/net/sockfs.hpp - the socket file system: a socket dressed as a file.
//
// As in net/socket.c, every socket's file has the same operations table,
// socket_file_ops, whatever its protocol; the table forwards reads and writes
// to the protocol's proto_ops (sendmsg/recvmsg). Here the protocol is a
// template parameter, so a descriptor<sockfs<tcp>> reaches tcp's sendmsg
// through socket_file_ops with no indirect call. This header is
// protocol-neutral and includes neither Asio nor the process model;
// <kvfs/net/inet.hpp> brings the TCP protocol, <kvfs/net/unix.hpp> Unix
// stream sockets.
#pragma once

#include <kvfs/descriptor.hpp>
#include <kvfs/detail/syscall.hpp>
#include <kvfs/detail/vfs.hpp>
#include <kvfs/file_system.hpp>
#include <kvfs/io.hpp>
#include <kvfs/name.hpp>
#include <kvfs/net/detail/msghdr.hpp>
#include <kvfs/net/proto_ops.hpp>
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
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>

namespace kvfs {

/// struct socket: what a socket file's private_data holds.
template <proto_ops Proto>
struct socket {
  /// The protocol's socket (struct sock).
  typename Proto::sock_type sk;

  /// The host socket.
  int native_handle() const noexcept { return Proto::native_handle(sk); }
};

/// sock_sendmsg(): where write(2), send(2) and sendmsg(2) meet, the kernel's
/// __sock_sendmsg() → sock_sendmsg_nosec() → sock->ops->sendmsg (net/socket.c;
/// C++ reserves the name with two underscores).
template <proto_ops Proto, class Trace>
ssize_t sock_sendmsg(socket<Proto>& sock, ::msghdr& msg, int flags, Trace& trace) {
  trace.step("__sock_sendmsg");
  trace.step("sock_sendmsg_nosec");
  trace.step(Proto::name, ": sendmsg");
  return Proto::sendmsg(sock.sk, msg, flags | MSG_NOSIGNAL, trace);
}

/// sock_recvmsg(): where read(2), recv(2) and recvmsg(2) meet: the kernel's
/// sock_recvmsg() → sock_recvmsg_nosec() → sock->ops->recvmsg (net/socket.c).
template <proto_ops Proto, class Trace>
ssize_t sock_recvmsg(socket<Proto>& sock, ::msghdr& msg, int flags, Trace& trace) {
  trace.step("sock_recvmsg");
  trace.step("sock_recvmsg_nosec");
  trace.step(Proto::name, ": recvmsg");
  return Proto::recvmsg(sock.sk, msg, flags, trace);
}

/// socket_file_ops: read_iter, write_iter, poll and release (O_NONBLOCK
/// lives in f_flags and becomes MSG_DONTWAIT, as in sock_write_iter), and no llseek,
/// read, write or fsync, as in net/socket.c.
template <proto_ops Proto>
struct socket_file_ops {
  /// The kernel table's name.
  static constexpr std::string_view name = "socket_file_ops";
  static constexpr bool splice_write = true;  ///< splice_to_socket
  static constexpr bool splice_read = true;   ///< sock_splice_read

  /// sock_read_iter(): a zero-length read returns 0 at once. A file that
  /// is not traced takes the no_trace path, where the steps compile away.
  static ssize_t read_iter(auto& file, std::span<const ::iovec> iov) {
    if (detail::iov_length(iov) == 0) return 0;
    ::msghdr msg = detail::msghdr_of(iov);
    if (no_trace off; !detail::trace_active(file.trace)) [[likely]]
      return sock_recvmsg(file.private_data, msg, msg_flags(file), off);
    return traced_read_iter(file, msg);
  }

  /// sock_write_iter(); untraced, as read_iter.
  static ssize_t write_iter(auto& file, std::span<const ::iovec> iov) {
    ::msghdr msg = detail::msghdr_of(iov);
    if (no_trace off; !detail::trace_active(file.trace)) [[likely]]
      return sock_sendmsg(file.private_data, msg, msg_flags(file), off);
    return traced_write_iter(file, msg);
  }

  /// sock_poll(): what the socket is ready for, now.
  static short poll(auto& file) noexcept {
    return detail::poll_now(file.private_data.native_handle(), POLLIN | POLLOUT | POLLRDHUP);
  }

  /// sock_poll_wait(): the host socket is the wait queue.
  static int poll_wait(auto& file) noexcept { return file.private_data.native_handle(); }

  /// The host socket carries the data: copy may sendfile or splice to it.
  static int host_fd(auto& file) noexcept { return file.private_data.native_handle(); }

  /// The inode: S_IFSOCK, as sock_alloc() makes it.
  /// sock_fasync(): FASYNC kept in f_flags (kvfs sends no SIGIO).
  static int fasync(auto& file, bool on) noexcept {
    file.f_flags = on ? file.f_flags | FASYNC : file.f_flags & ~FASYNC;
    return 0;
  }

  /// The socket inode: fstat(2) of the host socket (S_IFSOCK).
  static int getattr(auto& file, struct ::stat& st) noexcept {
    return detail::host_result(::fstat(file.private_data.native_handle(), &st));
  }

  /// sock_close() → __sock_release() → the protocol's ->release.
  static int release(auto& file) {
    file.trace.step("sock_close");
    return Proto::release(file.private_data.sk);
  }

  /// O_NONBLOCK in f_flags is MSG_DONTWAIT for every transfer.
  static int msg_flags(const auto& file) noexcept { return (file.f_flags & O_NONBLOCK) != 0 ? MSG_DONTWAIT : 0; }

 private:
  // The traced calls, out of line: the untraced ones keep no frame for them.
  [[gnu::noinline]] static ssize_t traced_read_iter(auto& file, ::msghdr& msg) {
    file.trace.step("sock_read_iter");
    return sock_recvmsg(file.private_data, msg, msg_flags(file), file.trace);
  }
  [[gnu::noinline]] static ssize_t traced_write_iter(auto& file, ::msghdr& msg) {
    file.trace.step("sock_write_iter");
    return sock_sendmsg(file.private_data, msg, msg_flags(file), file.trace);
  }
};

template <class Proto>
struct sockfs;

namespace detail {
// A sendmsg/recvmsg without a descriptor table: ancillary data goes to the
// host as it is (SCM_RIGHTS carries host descriptors).
struct no_scm {
  template <class Transfer>
  ssize_t operator()(::msghdr&, Transfer transfer) const {
    return transfer();
  }
};

// In the descriptor table every socket is a sockfs<any_proto> file: its
// protocol goes behind sock->ops, so all sockets share one socket_file_ops.
template <class Proto>
struct sock_erasure {
  using erased = sockfs<any_proto>;
  static socket<any_proto> erase(socket<Proto>&& sock) {
    return socket<any_proto>{any_proto::sock_type::of<Proto>(std::move(sock.sk))};
  }
};
template <>
struct sock_erasure<any_proto> {};
}  // namespace detail

/// The socket file system, bound at compile time to one protocol.
// Checked inside rather than in the template head, so a protocol can name
// sockfs<itself> while it is still being defined (kvfs::tcp does).
template <class Proto>
struct sockfs : detail::sock_erasure<Proto> {
  static_assert(proto_ops<Proto>, "kvfs::sockfs<Proto>: Proto does not provide the proto_ops members");
  /// "nodev sockfs" in /proc/filesystems.
  static constexpr auto name = name_c<"sockfs">;
  static constexpr unsigned fs_flags = FS_PSEUDO;            ///< kern_mount()ed: sock_mnt
  static constexpr std::string_view initcall = "sock_init";  ///< net/socket.c
  /// The protocol (sock->ops).
  using proto = Proto;
  /// A socket file's private_data is its struct socket.
  using private_data = socket<Proto>;
  /// socket_file_ops, for every socket.
  using file_operations = socket_file_ops<Proto>;

  /// sock_from_file(): the socket behind a sockfs file.
  template <class File>
  static socket<Proto>& sock_from_file(File& file) noexcept {
    return file.private_data;
  }

  /// setsockopt(2) on a socket file: sock_setsockopt() of the host socket
  /// (SO_RCVTIMEO and SO_SNDTIMEO then bound blocking transfers; a bad
  /// timeval is EDOM).
  template <class File>
  static int setsockopt(File& file, int level, int name, const void* value, socklen_t len) {
    file.trace.step("sock_setsockopt");
    return detail::host_result(::setsockopt(sock_from_file(file).native_handle(), level, name, value, len));
  }

  /// getsockopt(2) on a socket file: sock_getsockopt() of the host socket.
  template <class File>
  static int getsockopt(File& file, int level, int name, void* value, socklen_t* len) {
    file.trace.step("sock_getsockopt");
    return detail::host_result(::getsockopt(sock_from_file(file).native_handle(), level, name, value, len));
  }

  /// sendto(2) on a socket file (__sys_sendto()): the address (EINVAL if
  /// its length is negative or beyond a sockaddr_storage), then
  /// sock_sendmsg(). A null `addr`: the connected peer (send(2)).
  template <class File>
  static ssize_t sendto(File& file, std::span<const std::byte> buf, int flags, const ::sockaddr* addr, socklen_t len) {
    ::iovec segment{const_cast<std::byte*>(buf.data()), buf.size()};
    ::msghdr msg = detail::msghdr_of({&segment, 1});
    if (addr != nullptr) {
      if (const int error = detail::move_addr_to_kernel(len); error < 0) return error;
      msg.msg_name = const_cast<::sockaddr*>(addr);
      msg.msg_namelen = len;
    }
    return sock_sendmsg(sock_from_file(file), msg, flags | file_operations::msg_flags(file), file.trace);
  }

  /// recvfrom(2) on a socket file (__sys_recvfrom()): sock_recvmsg(), then
  /// the sender's address cut to *len and its length in *len
  /// (move_addr_to_user(): EINVAL for a negative *len, the data taken).
  template <class File>
  static ssize_t recvfrom(File& file, std::span<std::byte> buf, int flags, ::sockaddr* addr, socklen_t* len) {
    ::iovec segment{buf.data(), buf.size()};
    ::msghdr msg = detail::msghdr_of({&segment, 1});
    ::sockaddr_storage kaddr;
    if (addr != nullptr) {
      msg.msg_name = &kaddr;
      msg.msg_namelen = sizeof kaddr;
    }
    const ssize_t n = sock_recvmsg(sock_from_file(file), msg, flags | file_operations::msg_flags(file), file.trace);
    if (n < 0 || addr == nullptr) return n;
    const int error = detail::move_addr_to_user(kaddr, msg.msg_namelen, addr, len);
    return error < 0 ? error : n;
  }

  /// sendmsg(2) on a socket file (___sys_sendmsg()): __copy_msghdr()'s
  /// checks, ENOBUFS for a control buffer over INT_MAX, then sock_sendmsg().
  /// `scm_send(kmsg, send)` runs the send, with the kernel's copy of the
  /// message (a process turns its SCM_RIGHTS numbers into files there).
  template <class File, class ScmSend = detail::no_scm>
  static ssize_t sendmsg(File& file, const ::msghdr& msg, int flags, ScmSend scm_send = {}) {
    ::msghdr kmsg;
    if (const int error = detail::copy_msghdr(msg, kmsg); error < 0) return error;
    if (const int error = detail::check_control_length(kmsg); error < 0) return error;
    file.trace.step("____sys_sendmsg");
    const int sock_flags = flags | file_operations::msg_flags(file);
    return scm_send(kmsg, [&] { return sock_sendmsg(sock_from_file(file), kmsg, sock_flags, file.trace); });
  }

  /// recvmsg(2) on a socket file (___sys_recvmsg()): sock_recvmsg() into
  /// `msg`'s segments and control buffer, then the sender's address
  /// (move_addr_to_user() into msg_name/msg_namelen), msg_flags (MSG_TRUNC,
  /// MSG_CTRUNC...) and msg_controllen. `scm_recv(kmsg, receive)` runs the
  /// receive (a process turns received files into its numbers there).
  template <class File, class ScmRecv = detail::no_scm>
  static ssize_t recvmsg(File& file, ::msghdr& msg, int flags, ScmRecv scm_recv = {}) {
    ::msghdr kmsg;
    if (const int error = detail::copy_msghdr(msg, kmsg); error < 0) return error;
    ::sockaddr_storage kaddr;
    kmsg.msg_name = msg.msg_name != nullptr ? &kaddr : nullptr;
    kmsg.msg_namelen = msg.msg_name != nullptr ? sizeof kaddr : 0;
    kmsg.msg_flags = 0;
    file.trace.step("____sys_recvmsg");
    const int sock_flags = flags | file_operations::msg_flags(file);
    const ssize_t n = scm_recv(kmsg, [&] { return sock_recvmsg(sock_from_file(file), kmsg, sock_flags, file.trace); });
    if (n < 0) return n;
    if (msg.msg_name != nullptr) {
      const int error =
          detail::move_addr_to_user(kaddr, kmsg.msg_namelen, static_cast<::sockaddr*>(msg.msg_name), &msg.msg_namelen);
      if (error < 0) return error;
    }
    msg.msg_flags = kmsg.msg_flags;
    msg.msg_controllen = kmsg.msg_controllen;
    return n;
  }

  // __sys_shutdown_sock() → the protocol's ->shutdown.
  /// shutdown(2) on a socket file.
  template <class File>
  static int shutdown(File& file, int how) {
    file.trace.step("__sys_shutdown_sock");
    file.trace.step(Proto::name, ": shutdown");
    return Proto::shutdown(sock_from_file(file).sk, how);
  }
};

namespace detail {
// What sock_alloc_file() does, as its trace shows it.
template <class Proto, class Trace>
void trace_sock_alloc_file(Trace& trace) {
  trace.step("sock_alloc_file");
  trace.step("alloc_file_pseudo(f_op = &", f_op_name<sockfs<Proto>>, ")");
  trace.step("stream_open");
}
}  // namespace detail

/// sock_alloc_file(): wraps a protocol socket in a file of sockfs whose f_op
/// is socket_file_ops. A socket is always O_RDWR; of `flags` only O_NONBLOCK
/// counts (the protocol's socket must already be non-blocking to match).
template <proto_ops Proto, tracer Trace = no_trace>
descriptor<sockfs<Proto>, Trace> sock_alloc_file(typename Proto::sock_type sk, int flags = 0, Trace trace = {}) {
  detail::trace_sock_alloc_file<Proto>(trace);
  return descriptor<sockfs<Proto>, Trace>(socket<Proto>{std::move(sk)}, O_RDWR | (flags & O_NONBLOCK),
                                          std::move(trace));
}

}  // namespace kvfs
