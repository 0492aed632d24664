// SPDX-License-Identifier: BSL-1.0
// kvfs/kernel/socket_calls.hpp - the socket system calls of net/socket.c:
// socket, bind, connect, listen, accept4, getsockname, setsockopt, send,
// recv and shutdown, on the process's descriptor table, and the socket
// families registered with it (sock_register).
#pragma once

#include <kvfs/any_file.hpp>
#include <kvfs/descriptor.hpp>
#include <kvfs/detail/syscall.hpp>
#include <kvfs/kernel/detail/fdget.hpp>
#include <kvfs/net/proto_ops.hpp>
#include <kvfs/net/sockfs.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace kvfs {

/// socket_file_ops as the descriptor table knows it: one table for every
/// socket, whatever its protocol.
inline constexpr const any_f_op& socket_file_ops_table = f_op_of<sockfs<any_proto>>;

/// sock_from_file(): the socket behind a file of the descriptor table, or
/// null when its f_op is not socket_file_ops (the caller answers ENOTSOCK).
inline kvfs::socket<any_proto>* sock_from_file(any_file& file) noexcept {
  if (file.f_op != &socket_file_ops_table) return nullptr;
  return &static_cast<typed_file<sockfs<any_proto>>&>(file).private_data;
}

/// The socket calls, for `Process` (CRTP).
template <class Process>
class socket_calls {
 public:
  /// How a socket of one family and type is made: the protocol's create
  /// (inet_create, unix_create) checks `protocol` and returns the new
  /// socket's number or -errno. `flags` are SOCK_NONBLOCK and SOCK_CLOEXEC.
  using socket_create = std::function<long(Process& proc, int family, int protocol, int flags)>;

  /// sock_register(): socket(family, type, ...) now makes sockets with `create`.
  void sock_register(int family, int type, socket_create create) {
    std::lock_guard guard(families_lock_);
    families_.push_back({family, type, std::move(create)});
  }

  /// socket(2), with __sock_create()'s checks: flags (EINVAL), family
  /// (EAFNOSUPPORT), type (EINVAL), then the family's create: a type it does
  /// not have is ESOCKTNOSUPPORT, a protocol EPROTONOSUPPORT.
  long socket(int family, int type, int protocol) {
    constexpr int SOCK_TYPE_MASK = 0xf;        // include/linux/net.h
    constexpr int SOCK_MAX = SOCK_PACKET + 1;  // the kernel's bound on types
    const int flags = type & ~SOCK_TYPE_MASK;
    type &= SOCK_TYPE_MASK;
    if ((flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) != 0) return -EINVAL;
    if (family < 0 || family >= AF_MAX) return -EAFNOSUPPORT;
    if (type < 0 || type >= SOCK_MAX) return -EINVAL;
    socket_create create;
    bool family_known = false;
    {
      std::lock_guard guard(families_lock_);
      for (const net_family& entry : families_) {
        if (entry.family != family) continue;
        family_known = true;
        if (entry.type == type) create = entry.create;
      }
    }
    if (!family_known) return -EAFNOSUPPORT;
    if (!create) return -ESOCKTNOSUPPORT;
    return create(self(), family, protocol, flags);
  }

  long bind(int fd, const ::sockaddr* addr, socklen_t len) {
    return with_socket(fd, "bind", [&](kvfs::socket<any_proto>& sock, any_file&) -> long {
      return any_proto::bind(sock.sk, addr, len);
    });
  }
  long connect(int fd, const ::sockaddr* addr, socklen_t len) {
    return with_socket(fd, "connect", [&](kvfs::socket<any_proto>& sock, any_file&) -> long {
      return any_proto::connect(sock.sk, addr, len);
    });
  }
  long listen(int fd, int backlog) {
    return with_socket(fd, "listen", [&](kvfs::socket<any_proto>& sock, any_file&) -> long {
      return any_proto::listen(sock.sk, backlog);
    });
  }
  /// setsockopt(2): the option is set on the host socket (sock_setsockopt).
  long setsockopt(int fd, int level, int name, const void* value, socklen_t len) {
    return with_socket(fd, "setsockopt", [&](kvfs::socket<any_proto>& sock, any_file&) -> long {
      return ::setsockopt(sock.native_handle(), level, name, value, len) < 0 ? -errno : 0;
    });
  }
  long getsockname(int fd, ::sockaddr* addr, socklen_t* len) {
    return with_socket(fd, "getsockname", [&](kvfs::socket<any_proto>& sock, any_file&) -> long {
      return any_proto::getname(sock.sk, addr, len);
    });
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
    const long result = detail::with_file(self().files(), fd, "accept4", [&](any_file& file) -> long {
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

  /// send(2) / sendto(2) without an address: sock_sendmsg().
  long send(int fd, std::span<const std::byte> buf, int flags = 0) {
    const ::iovec segment{const_cast<std::byte*>(buf.data()), buf.size()};
    return with_socket(fd, "sendto", [&](kvfs::socket<any_proto>& sock, any_file& f) {
      return sock_sendmsg(sock, {&segment, 1}, flags | nonblock_flags(f), f.trace);
    });
  }

  /// recv(2) / recvfrom(2) without an address: sock_recvmsg().
  long recv(int fd, std::span<std::byte> buf, int flags = 0) {
    const ::iovec segment{buf.data(), buf.size()};
    return with_socket(fd, "recvfrom", [&](kvfs::socket<any_proto>& sock, any_file& f) {
      return sock_recvmsg(sock, {&segment, 1}, flags | nonblock_flags(f), f.trace);
    });
  }

  /// shutdown(2): the protocol's ->shutdown.
  long shutdown(int fd, int how) {
    return with_socket(fd, "shutdown", [&](kvfs::socket<any_proto>& sock, any_file&) -> long {
      return any_proto::shutdown(sock.sk, how);
    });
  }

 private:
  Process& self() noexcept { return static_cast<Process&>(*this); }

  // sockfd_lookup(): fdget, then sock_from_file (ENOTSOCK).
  template <class Call>
  long with_socket(int fd, std::string_view name, Call call) {
    return detail::with_file(self().files(), fd, name, [&](any_file& file) -> long {
      kvfs::socket<any_proto>* sock = sock_from_file(file);
      if (sock == nullptr) return -ENOTSOCK;
      return call(*sock, file);
    });
  }

  static int nonblock_flags(const any_file& file) noexcept {
    return (file.f_flags & O_NONBLOCK) != 0 ? MSG_DONTWAIT : 0;
  }

  struct net_family {
    int family, type;
    socket_create create;
  };
  std::mutex families_lock_;
  std::vector<net_family> families_;
};

}  // namespace kvfs
