// SPDX-License-Identifier: BSL-1.0
// kvfs/kernel/sendmsg_calls.hpp - the transfer calls of net/socket.c:
// sendto, recvfrom, sendmsg and recvmsg (send and recv are sendto and
// recvfrom without an address), on the process's descriptor table.
// Over AF_UNIX, SCM_RIGHTS passes this process's open files (scm.hpp).
#pragma once

#include <kvfs/kernel/detail/fdget.hpp>
#include <kvfs/kernel/sockfd_lookup.hpp>
#include <kvfs/net/sockfs.hpp>

#include <sys/socket.h>
#include <sys/types.h>

#include <cstddef>
#include <span>

namespace kvfs {

/// The transfer calls, for `Process` (CRTP).
template <class Process>
class sendmsg_calls {
 public:
  /// sendto(2) as __sys_sendto(): the socket (EBADF, ENOTSOCK), the address
  /// (EINVAL), then sock_sendmsg() with O_NONBLOCK as MSG_DONTWAIT.
  long sendto(int fd, std::span<const std::byte> buf, int flags, const ::sockaddr* addr, socklen_t len) {
    return with_socket(fd, {"sendto", "__sys_sendto", "sockfd_lookup_light"},
                       [&](socket_file& file) { return sockfs<any_proto>::sendto(file, buf, flags, addr, len); });
  }
  /// send(2): sendto(2) to the connected peer.
  long send(int fd, std::span<const std::byte> buf, int flags = 0) { return sendto(fd, buf, flags, nullptr, 0); }

  /// recvfrom(2) as __sys_recvfrom(): the socket, sock_recvmsg(), then the
  /// sender's address (move_addr_to_user(): EINVAL for a negative *len
  /// after the datagram was taken).
  long recvfrom(int fd, std::span<std::byte> buf, int flags, ::sockaddr* addr, socklen_t* len) {
    return with_socket(fd, {"recvfrom", "__sys_recvfrom", "sockfd_lookup_light"},
                       [&](socket_file& file) { return sockfs<any_proto>::recvfrom(file, buf, flags, addr, len); });
  }
  /// recv(2): recvfrom(2) without the sender's address.
  long recv(int fd, std::span<std::byte> buf, int flags = 0) { return recvfrom(fd, buf, flags, nullptr, nullptr); }

  /// sendmsg(2) as __sys_sendmsg(): the socket, then ___sys_sendmsg():
  /// __copy_msghdr()'s checks (EINVAL, EMSGSIZE), the control buffer
  /// (ENOBUFS), sock_sendmsg().
  long sendmsg(int fd, const ::msghdr& msg, int flags = 0) {
    return with_socket(fd, {"sendmsg", "__sys_sendmsg", "sockfd_lookup_light"},
                       [&](socket_file& file) { return sockfs<any_proto>::sendmsg(file, msg, flags); });
  }

  /// recvmsg(2) as __sys_recvmsg(): the socket, then ___sys_recvmsg():
  /// sock_recvmsg() into `msg`, the sender's address, msg_flags and
  /// msg_controllen as the kernel writes them back.
  long recvmsg(int fd, ::msghdr& msg, int flags = 0) {
    return with_socket(fd, {"recvmsg", "__sys_recvmsg", "sockfd_lookup_light"},
                       [&](socket_file& file) { return sockfs<any_proto>::recvmsg(file, msg, flags); });
  }

 private:
  template <class Call>
  long with_socket(int fd, detail::syscall_name name, Call call) {
    return detail::with_socket(static_cast<Process&>(*this).files(), fd, name, call);
  }
};

}  // namespace kvfs
