// SPDX-License-Identifier: BSL-1.0
// kvfs/net/proto_ops.hpp - struct proto_ops: what a socket's protocol
// provides (inet_stream_ops, unix_stream_ops), as a concept for the static
// path and as a run-time table (sock->ops) for the descriptor table.
#pragma once

#include <kvfs/trace.hpp>

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <cerrno>
#include <concepts>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>

namespace kvfs {

/// A protocol's operations (the kernel's struct proto_ops, e.g.
/// inet_stream_ops → tcp_sendmsg): what sockfs forwards to.
///
///   P::name                                   "tcp"
///   P::sock_type                              the protocol's socket object
///   P::sendmsg(sock, ::msghdr& msg, int msg_flags, trace) -> ssize_t
///   P::recvmsg(sock, ::msghdr& msg, int msg_flags, trace) -> ssize_t
///   P::shutdown(sock, int how) -> int
///   P::release(sock) -> int
///   P::native_handle(const sock) -> int
///
/// and, optionally (a protocol without them answers EOPNOTSUPP, as the
/// kernel's sock_no_bind and friends do):
///
///   P::bind(sock, const sockaddr*, socklen_t) -> int
///   P::connect(sock, const sockaddr*, socklen_t) -> int
///   P::listen(sock, int backlog) -> int
///   P::accept(sock, int flags, sock_type& accepted) -> int
///   P::getname(const sock, sockaddr*, socklen_t*) -> int
///   P::family                                 AF_UNIX: SCM_RIGHTS carries files
///
/// As the kernel's ->sendmsg, sendmsg sends msg.msg_iov to msg.msg_name
/// (null: the connected peer) with msg.msg_control's ancillary data;
/// recvmsg fills msg.msg_iov and sets msg_namelen, msg_controllen and
/// msg_flags (MSG_TRUNC, MSG_CTRUNC) as recvmsg(2) does.
template <class P>
concept proto_ops = requires(typename P::sock_type& sock, const typename P::sock_type& csock, ::msghdr& msg, int flags,
                             no_trace& trace) {
  {std::string_view(P::name)};
  { P::sendmsg(sock, msg, flags, trace) } -> std::same_as<ssize_t>;
  { P::recvmsg(sock, msg, flags, trace) } -> std::same_as<ssize_t>;
  { P::shutdown(sock, flags) } -> std::same_as<int>;
  { P::release(sock) } -> std::same_as<int>;
  { P::native_handle(csock) } -> std::convertible_to<int>;
};

/// Whether a protocol can bind, connect, listen and accept (the optional
/// members of proto_ops).
template <class P>
concept connecting_proto_ops = proto_ops<P> &&
    requires(typename P::sock_type& sock, const typename P::sock_type& csock, const ::sockaddr* addr, ::sockaddr* out,
             socklen_t len, socklen_t* out_len, int n) {
  { P::bind(sock, addr, len) } -> std::same_as<int>;
  { P::connect(sock, addr, len) } -> std::same_as<int>;
  { P::listen(sock, n) } -> std::same_as<int>;
  { P::accept(sock, n, sock) } -> std::same_as<int>;
  { P::getname(csock, out, out_len) } -> std::same_as<int>;
  // an accepted socket shares the listener's executor
  requires std::constructible_from<typename P::sock_type, decltype(sock.get_executor())>;
};

/// struct proto_ops as a run-time table, generated from a proto policy:
/// what a socket's `sock->ops` points to in the descriptor table.
struct proto_ops_table {
  /// The protocol's name in the trace ("tcp", "unix").
  std::string_view name;
  /// ->sendmsg: sends msg_iov (to msg_name, with msg_control) with MSG_* flags.
  ssize_t (*sendmsg)(void* sk, ::msghdr& msg, int flags);
  /// ->recvmsg: receives into msg_iov; sets msg_namelen, msg_controllen, msg_flags.
  ssize_t (*recvmsg)(void* sk, ::msghdr& msg, int flags);
  /// ->sendmsg of a traced socket: its steps go to `trace`. (Two entries,
  /// so an untraced call passes no trace and tests none.)
  ssize_t (*sendmsg_traced)(void* sk, ::msghdr& msg, int flags, ostream_trace& trace);
  /// ->recvmsg of a traced socket.
  ssize_t (*recvmsg_traced)(void* sk, ::msghdr& msg, int flags, ostream_trace& trace);
  /// ->shutdown: SHUT_RD, SHUT_WR, SHUT_RDWR.
  int (*shutdown)(void* sk, int how);
  /// ->release: the socket is closed.
  int (*release)(void* sk);
  /// The host socket.
  int (*native_handle)(const void* sk);
  void (*destroy)(void* sk);  ///< frees the protocol's socket object
  /// ->bind, or null (EOPNOTSUPP).
  int (*bind)(void* sk, const ::sockaddr*, socklen_t) = nullptr;
  /// ->connect, or null (EOPNOTSUPP).
  int (*connect)(void* sk, const ::sockaddr*, socklen_t) = nullptr;
  /// ->listen, or null (EOPNOTSUPP).
  int (*listen)(void* sk, int backlog) = nullptr;
  int (*accept)(void* sk, int flags, void** accepted) = nullptr;  ///< *accepted: a new socket object
  /// ->getname (getsockname), or null (EOPNOTSUPP).
  int (*getname)(const void* sk, ::sockaddr*, socklen_t*) = nullptr;
  /// ->socketpair: the two fresh sockets become one connected pair, or null
  /// (sock_no_socketpair: EOPNOTSUPP).
  int (*socketpair)(void* a, void* b) = nullptr;
  /// ->family: AF_UNIX where SCM_RIGHTS carries files (__scm_send checks it).
  int family = AF_UNSPEC;
};

/// A protocol's ->family: its `P::family`, or AF_UNSPEC.
template <class P>
constexpr int family_of() noexcept {
  if constexpr (requires { int{P::family}; })
    return P::family;
  else
    return AF_UNSPEC;
}

template <proto_ops Proto>
constexpr proto_ops_table make_proto_ops() noexcept {
  using sock = typename Proto::sock_type;
  proto_ops_table table{
      Proto::name,
      [](void* sk, ::msghdr& msg, int flags) {
        no_trace off;  // every step compiles away
        return Proto::sendmsg(*static_cast<sock*>(sk), msg, flags, off);
      },
      [](void* sk, ::msghdr& msg, int flags) {
        no_trace off;
        return Proto::recvmsg(*static_cast<sock*>(sk), msg, flags, off);
      },
      [](void* sk, ::msghdr& msg, int flags, ostream_trace& trace) {
        return Proto::sendmsg(*static_cast<sock*>(sk), msg, flags, trace);
      },
      [](void* sk, ::msghdr& msg, int flags, ostream_trace& trace) {
        return Proto::recvmsg(*static_cast<sock*>(sk), msg, flags, trace);
      },
      [](void* sk, int how) { return Proto::shutdown(*static_cast<sock*>(sk), how); },
      [](void* sk) { return Proto::release(*static_cast<sock*>(sk)); },
      [](const void* sk) { return Proto::native_handle(*static_cast<const sock*>(sk)); },
      [](void* sk) { delete static_cast<sock*>(sk); },
  };
  table.family = family_of<Proto>();
  if constexpr (connecting_proto_ops<Proto>) {
    table.bind = [](void* sk, const ::sockaddr* addr, socklen_t len) {
      return Proto::bind(*static_cast<sock*>(sk), addr, len);
    };
    table.connect = [](void* sk, const ::sockaddr* addr, socklen_t len) {
      return Proto::connect(*static_cast<sock*>(sk), addr, len);
    };
    table.listen = [](void* sk, int backlog) { return Proto::listen(*static_cast<sock*>(sk), backlog); };
    table.accept = [](void* sk, int flags, void** accepted) {
      sock& listener = *static_cast<sock*>(sk);
      auto fresh = std::make_unique<sock>(listener.get_executor());
      const int result = Proto::accept(listener, flags, *fresh);
      if (result == 0) *accepted = fresh.release();
      return result;
    };
    table.getname = [](const void* sk, ::sockaddr* addr, socklen_t* len) {
      return Proto::getname(*static_cast<const sock*>(sk), addr, len);
    };
  }
  if constexpr (requires(sock & a) { Proto::socketpair(a, a); }) {
    table.socketpair = [](void* a, void* b) {
      return Proto::socketpair(*static_cast<sock*>(a), *static_cast<sock*>(b));
    };
  }
  return table;
}

/// The run-time table of `Proto` (its inet_stream_ops, unix_stream_ops).
template <proto_ops Proto>
inline constexpr proto_ops_table proto_ops_of = make_proto_ops<Proto>();

/// A proto policy that dispatches through the socket's own table, as the
/// kernel's sock->ops does: the protocol is chosen at run time. Every socket
/// in the descriptor table is a sockfs<any_proto> file, so they all share
/// one socket_file_ops table, whatever their protocol.
struct any_proto {
  /// The indirection the trace shows.
  static constexpr std::string_view name = "sock->ops";

  /// The protocol's socket object and its table, owned.
  class sock_type {
   public:
    /// Takes over a socket of the protocol `Proto`.
    template <proto_ops Proto>
    static sock_type of(typename Proto::sock_type&& sk) {
      return sock_type(&proto_ops_of<Proto>, new typename Proto::sock_type(std::move(sk)));
    }
    /// Takes over `other`'s socket.
    sock_type(sock_type&& other) noexcept : ops_(other.ops_), sk_(std::exchange(other.sk_, nullptr)) {}
    /// Releases this socket and takes over `other`'s.
    sock_type& operator=(sock_type&& other) noexcept {
      if (this != &other) {
        reset();
        ops_ = other.ops_;
        sk_ = std::exchange(other.sk_, nullptr);
      }
      return *this;
    }
    ~sock_type() { reset(); }

    /// sock->ops: the protocol's table.
    const proto_ops_table& ops() const noexcept { return *ops_; }
    /// The protocol's own socket object.
    void* sk() const noexcept { return sk_; }

    /// Adopts a socket object that `ops` describes.
    sock_type(const proto_ops_table* ops, void* sk) noexcept : ops_(ops), sk_(sk) {}

   private:
    void reset() noexcept {
      if (sk_ != nullptr) ops_->destroy(std::exchange(sk_, nullptr));
    }
    const proto_ops_table* ops_;
    void* sk_;
  };

  /// sock->ops->sendmsg.
  template <class Trace>
  static ssize_t sendmsg(sock_type& sock, ::msghdr& msg, int flags, Trace& trace) {
    trace.step(sock.ops().name, ": sendmsg");
    if constexpr (std::is_same_v<Trace, ostream_trace>) {  // the protocol's own steps
      if (trace.active()) return sock.ops().sendmsg_traced(sock.sk(), msg, flags, trace);
    }
    return sock.ops().sendmsg(sock.sk(), msg, flags);
  }
  /// sock->ops->recvmsg.
  template <class Trace>
  static ssize_t recvmsg(sock_type& sock, ::msghdr& msg, int flags, Trace& trace) {
    trace.step(sock.ops().name, ": recvmsg");
    if constexpr (std::is_same_v<Trace, ostream_trace>) {  // the protocol's own steps
      if (trace.active()) return sock.ops().recvmsg_traced(sock.sk(), msg, flags, trace);
    }
    return sock.ops().recvmsg(sock.sk(), msg, flags);
  }
  /// sock->ops->shutdown.
  static int shutdown(sock_type& sock, int how) { return sock.ops().shutdown(sock.sk(), how); }
  /// sock->ops->release.
  static int release(sock_type& sock) { return sock.ops().release(sock.sk()); }
  /// The host socket.
  static int native_handle(const sock_type& sock) noexcept { return sock.ops().native_handle(sock.sk()); }

  /// sock->ops->bind.
  static int bind(sock_type& sock, const ::sockaddr* addr, socklen_t len) {
    return sock.ops().bind != nullptr ? sock.ops().bind(sock.sk(), addr, len) : -EOPNOTSUPP;
  }
  /// sock->ops->connect.
  static int connect(sock_type& sock, const ::sockaddr* addr, socklen_t len) {
    return sock.ops().connect != nullptr ? sock.ops().connect(sock.sk(), addr, len) : -EOPNOTSUPP;
  }
  /// sock->ops->listen.
  static int listen(sock_type& sock, int backlog) {
    return sock.ops().listen != nullptr ? sock.ops().listen(sock.sk(), backlog) : -EOPNOTSUPP;
  }
  /// sock->ops->getname.
  static int getname(const sock_type& sock, ::sockaddr* addr, socklen_t* len) {
    return sock.ops().getname != nullptr ? sock.ops().getname(sock.sk(), addr, len) : -EOPNOTSUPP;
  }
  /// sock->ops->socketpair (EOPNOTSUPP where the protocol has none).
  static int socketpair(sock_type& a, sock_type& b) {
    return a.ops().socketpair != nullptr ? a.ops().socketpair(a.sk(), b.sk()) : -EOPNOTSUPP;
  }
  /// The accepted socket shares the listener's protocol table.
  static int accept(sock_type& sock, int flags, std::optional<sock_type>& accepted) {
    if (sock.ops().accept == nullptr) return -EOPNOTSUPP;
    void* fresh = nullptr;
    const int result = sock.ops().accept(sock.sk(), flags, &fresh);
    if (result == 0) accepted.emplace(&sock.ops(), fresh);
    return result;
  }
};

}  // namespace kvfs
