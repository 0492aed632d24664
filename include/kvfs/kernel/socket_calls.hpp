// SPDX-License-Identifier: BSL-1.0
// kvfs/kernel/socket_calls.hpp - the socket system calls of net/socket.c
// that make, name and connect sockets: socket, socketpair, bind, connect,
// listen, accept4, getsockname, getpeername, setsockopt, getsockopt and
// shutdown, on the process's descriptor table, and the socket families
// registered with it (sock_register). The transfers are sendmsg_calls.hpp.
#pragma once

#include <kvfs/any_file.hpp>
#include <kvfs/descriptor.hpp>
#include <kvfs/detail/syscall.hpp>
#include <kvfs/kernel/detail/fdget.hpp>
#include <kvfs/kernel/sockfd_lookup.hpp>
#include <kvfs/net/proto_ops.hpp>
#include <kvfs/net/sockfs.hpp>
#include <kvfs/trace.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kvfs {

/// The socket calls, for `Process` (CRTP).
template <class Process>
class socket_calls {
 public:
  /// What a family's create (inet_create, unix_create) is given, and the
  /// socket it makes: `flags` are SOCK_NONBLOCK and SOCK_CLOEXEC; `trace`
  /// is the socket(2) call's line.
  struct sock_create_args {
    int family;    ///< socket(2)'s family (AF_INET...)
    int protocol;  ///< socket(2)'s protocol (0: the family's default)
    int flags;     ///< SOCK_NONBLOCK and SOCK_CLOEXEC
    /// The socket(2) call's trace line.
    ostream_trace& trace;
    /// The socket the create makes.
    std::optional<any_proto::sock_type> sock;
  };

  /// The family's create: checks `protocol` (EPROTONOSUPPORT), makes the
  /// socket into `args.sock` and returns 0, or returns -errno.
  using socket_create = std::function<int(sock_create_args& args)>;

  /// sock_register(): socket(family, type, ...) now makes sockets with `create`.
  void sock_register(int family, int type, socket_create create) {
    std::lock_guard guard(families_lock_);
    families_.push_back({family, type, std::move(create)});
  }

  /// socket(2) as __sys_socket(): the flags (EINVAL), then __sock_create()'s
  /// checks: family (EAFNOSUPPORT), type (EINVAL), then the family's create
  /// (a type it does not have is ESOCKTNOSUPPORT, a protocol
  /// EPROTONOSUPPORT); then sock_map_fd() makes the file and installs it.
  long socket(int family, int type, int protocol) {
    const int flags = split_type_flags(type);
    ostream_trace trace = self().trace();
    if (trace.active()) trace.begin_call(socket_call_text(family, type, protocol));
    trace.step("__sys_socket");
    if ((flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) != 0) return traced_end(trace, -EINVAL);
    sock_create_args args{family, protocol, flags, trace, std::nullopt};
    if (const int error = sock_create(type, args); error < 0) return traced_end(trace, error);
    return traced_end(trace, sock_map_fd(std::move(*args.sock), flags, trace));
  }

  /// bind(2): the protocol's ->bind.
  long bind(int fd, const ::sockaddr* addr, socklen_t len) {
    return detail::with_socket(
        self().files(), fd, detail::traced_as<"bind", "__sys_bind", "sockfd_lookup_light">,
        [&](socket_file& file) -> long { return any_proto::bind(file.private_data.sk, addr, len); });
  }
  /// connect(2): the protocol's ->connect.
  long connect(int fd, const ::sockaddr* addr, socklen_t len) {
    return detail::with_socket(
        self().files(), fd, detail::traced_as<"connect", "__sys_connect", "sockfd_lookup_light">,
        [&](socket_file& file) -> long { return any_proto::connect(file.private_data.sk, addr, len); });
  }
  /// listen(2): the protocol's ->listen.
  long listen(int fd, int backlog) {
    return detail::with_socket(
        self().files(), fd, detail::traced_as<"listen", "__sys_listen", "sockfd_lookup_light">,
        [&](socket_file& file) -> long { return any_proto::listen(file.private_data.sk, backlog); });
  }
  /// socketpair(2) as __sys_socketpair(): the flags (EINVAL), two numbers
  /// (EMFILE: nothing made), written to `sv` at once, then two sockets
  /// (__sock_create()'s checks), the protocol's ->socketpair (EOPNOTSUPP
  /// but for AF_UNIX), the two files, and fd_install() of both. 0 or -errno.
  long socketpair(int family, int type, int protocol, std::span<int, 2> sv) {
    const int flags = split_type_flags(type);
    ostream_trace trace = self().trace();
    if (trace.active()) trace.begin_call("socketpair(" + std::to_string(family) + ", " + std::to_string(type) + ")");
    trace.step("__sys_socketpair");
    if ((flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) != 0) return traced_end(trace, -EINVAL);
    fd_table& files = self().files();
    const int fd1 = files.get_unused_fd_flags(flags & SOCK_CLOEXEC);
    if (fd1 < 0) return traced_end(trace, fd1);
    const int fd2 = files.get_unused_fd_flags(flags & SOCK_CLOEXEC);
    if (fd2 < 0) {
      files.put_unused_fd(fd1);
      return traced_end(trace, fd2);
    }
    sv[0] = fd1;
    sv[1] = fd2;
    sock_create_args first{family, protocol, flags, trace, std::nullopt};
    sock_create_args second{family, protocol, flags, trace, std::nullopt};
    int error = sock_create(type, first);
    if (error == 0) error = sock_create(type, second);
    if (error == 0) {
      trace.step("sock->ops: socketpair");
      error = any_proto::socketpair(*first.sock, *second.sock);
    }
    if (error < 0) {
      files.put_unused_fd(fd1);
      files.put_unused_fd(fd2);
      return traced_end(trace, error);
    }
    install_socket(fd1, std::move(*first.sock), flags, trace);
    install_socket(fd2, std::move(*second.sock), flags, trace);
    return traced_end(trace, 0);
  }

  /// setsockopt(2): the option is set on the host socket (sock_setsockopt).
  long setsockopt(int fd, int level, int name, const void* value, socklen_t len) {
    return detail::with_socket(
        self().files(), fd, detail::traced_as<"setsockopt", "__sys_setsockopt", "sockfd_lookup_light">,
        [&](socket_file& file) -> long { return sockfs<any_proto>::setsockopt(file, level, name, value, len); });
  }
  /// getsockopt(2): the host socket's option (sock_getsockopt), e.g. the
  /// SO_RCVTIMEO a setsockopt(2) set, as the kernel rounded it.
  long getsockopt(int fd, int level, int name, void* value, socklen_t* len) {
    return detail::with_socket(
        self().files(), fd, detail::traced_as<"getsockopt", "__sys_getsockopt", "sockfd_lookup_light">,
        [&](socket_file& file) -> long { return sockfs<any_proto>::getsockopt(file, level, name, value, len); });
  }
  /// getpeername(2): the protocol's ->getname(peer), the host socket's peer
  /// (ENOTCONN when it has none).
  long getpeername(int fd, ::sockaddr* addr, socklen_t* len) {
    return detail::with_socket(
        self().files(), fd, detail::traced_as<"getpeername", "__sys_getpeername", "sockfd_lookup_light">,
        [&](socket_file& file) -> long {
          return detail::host_result(::getpeername(file.private_data.native_handle(), addr, len));
        });
  }
  /// getsockname(2): the protocol's ->getname.
  long getsockname(int fd, ::sockaddr* addr, socklen_t* len) {
    return detail::with_socket(
        self().files(), fd, detail::traced_as<"getsockname", "__sys_getsockname", "sockfd_lookup_light">,
        [&](socket_file& file) -> long { return any_proto::getname(file.private_data.sk, addr, len); });
  }

  /// accept4(2), as __sys_accept4(): the descriptor (EBADF), the flags
  /// (only SOCK_NONBLOCK and SOCK_CLOEXEC, else EINVAL), a number for the
  /// new socket (EMFILE: the pending connection stays queued), the socket
  /// (ENOTSOCK), then do_accept(): EAGAIN at once on a non-blocking
  /// listener with nothing pending. The new socket gets the reserved number.
  long accept4(int fd, int flags = 0) {
    if (!self().files().fdget(fd)) return -EBADF;
    if ((flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) != 0) return -EINVAL;
    const int newfd = self().files().get_unused_fd_flags(flags & SOCK_CLOEXEC);
    if (newfd < 0) return newfd;
    std::optional<any_proto::sock_type> accepted;
    const long result = detail::with_file(self().files(), fd, detail::traced_as<"accept4">, [&](any_file& file) -> long {
      kvfs::socket<any_proto>* sock = sock_from_file(file);
      if (sock == nullptr) return -ENOTSOCK;
      if ((file.f_flags & O_NONBLOCK) != 0 && (detail::poll_now(sock->native_handle(), POLLIN) & POLLIN) == 0) {
        return -EAGAIN;
      }
      return any_proto::accept(sock->sk, flags, accepted);
    });
    if (result < 0) {
      self().files().put_unused_fd(newfd);
      return result;
    }
    descriptor<sockfs<any_proto>> d(kvfs::socket<any_proto>{std::move(*accepted)}, O_RDWR | (flags & SOCK_NONBLOCK));
    self().fd_install(newfd, make_file(std::move(d)), "socket");
    return newfd;
  }

  /// shutdown(2): the protocol's ->shutdown.
  long shutdown(int fd, int how) {
    return detail::with_socket(
        self().files(), fd, detail::traced_as<"shutdown", "__sys_shutdown", "sockfd_lookup_light">,
        [&](socket_file& file) -> long { return any_proto::shutdown(file.private_data.sk, how); });
  }

 private:
  Process& self() noexcept { return static_cast<Process&>(*this); }

  // __sock_create(): the family and type checks, then the family's create.
  int sock_create(int type, sock_create_args& args) {
    constexpr int SOCK_MAX = SOCK_PACKET + 1;  // the kernel's bound on types
    args.trace.step("__sock_create");
    if (args.family < 0 || args.family >= AF_MAX) return -EAFNOSUPPORT;
    if (type < 0 || type >= SOCK_MAX) return -EINVAL;
    socket_create create;
    bool family_known = false;
    {
      std::lock_guard guard(families_lock_);
      for (const net_family& entry : families_) {
        if (entry.family != args.family) continue;
        family_known = true;
        if (entry.type == type) create = entry.create;
      }
    }
    if (!family_known) return -EAFNOSUPPORT;
    if (!create) return -ESOCKTNOSUPPORT;
    return create(args);
  }

  // sock_map_fd(): a number first (on failure the socket is released),
  // then sock_alloc_file(), then fd_install() (net/socket.c).
  long sock_map_fd(any_proto::sock_type sock, int flags, ostream_trace& trace) {
    trace.step("sock_map_fd");
    trace.step("get_unused_fd_flags");
    const int fd = self().files().get_unused_fd_flags(flags & SOCK_CLOEXEC);
    if (fd < 0) return fd;
    install_socket(fd, std::move(sock), flags, trace);
    return fd;
  }

  // sock_alloc_file() of `sock`, then fd_install() at the reserved `fd`.
  void install_socket(int fd, any_proto::sock_type sock, int flags, ostream_trace& trace) {
    detail::trace_sock_alloc_file<any_proto>(trace);
    descriptor<sockfs<any_proto>> file(kvfs::socket<any_proto>{std::move(sock)}, O_RDWR | (flags & SOCK_NONBLOCK));
    trace.step("fd_install");
    self().fd_install(fd, make_file(std::move(file)), "socket");
  }

  // socket(2)'s `type` carries SOCK_NONBLOCK and SOCK_CLOEXEC above the
  // type itself (SOCK_TYPE_MASK, include/linux/net.h): keeps the type in
  // `type` and returns the flags.
  static int split_type_flags(int& type) noexcept {
    constexpr int SOCK_TYPE_MASK = 0xf;
    const int flags = type & ~SOCK_TYPE_MASK;
    type &= SOCK_TYPE_MASK;
    return flags;
  }

  static long traced_end(ostream_trace& trace, long result) {
    trace.end(result);
    return result;
  }

  static std::string socket_call_text(int family, int type, int protocol) {
    const auto known = [](int value, std::initializer_list<std::pair<int, const char*>> names) {
      for (const auto& [number, name] : names)
        if (number == value) return std::string(name);
      return std::to_string(value);
    };
    return "socket(" + known(family, {{AF_UNIX, "AF_UNIX"}, {AF_INET, "AF_INET"}, {AF_INET6, "AF_INET6"}}) + ", " +
           known(type, {{SOCK_STREAM, "SOCK_STREAM"}, {SOCK_DGRAM, "SOCK_DGRAM"}, {SOCK_SEQPACKET, "SOCK_SEQPACKET"}}) +
           ", " + std::to_string(protocol) + ")";
  }

  struct net_family {
    int family, type;
    socket_create create;
  };
  std::mutex families_lock_;
  std::vector<net_family> families_;
};

}  // namespace kvfs
