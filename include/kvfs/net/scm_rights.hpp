// SPDX-License-Identifier: BSL-1.0
// kvfs/net/scm_rights.hpp - descriptors passed over a Unix-domain socket
// (SCM_RIGHTS, net/core/scm.c), as two generic functions over sendmsg(2)
// and recvmsg(2): on a process's number (kvfs::fd) the descriptors are
// that process's numbers and the receiver gets the same open files; on a
// static descriptor<sockfs<unix_*>> they are host descriptors. Over a
// socket whose protocol is known not to be AF_UNIX (TCP, UDP) the call does
// not compile: the kernel would ignore the descriptors (__sock_cmsg_send).
//
//   kvfs::fd sock(proc, number);
//   kvfs::send_fds(sock, kvfs::as_bytes("log"), std::array{log_fd});
//   std::array<int, 4> got;
//   auto [bytes, count, truncated] = kvfs::receive_fds(peer, buf, got);
#pragma once

#include <kvfs/net/proto_ops.hpp>
#include <kvfs/socket_io.hpp>

#include <sys/socket.h>

#include <cstddef>
#include <cstring>
#include <span>
#include <system_error>
#include <vector>

namespace kvfs {

namespace detail {
// A static socket descriptor knows its protocol's family; any other handle
// (a table number) is checked at run time, as the kernel does.
template <class D>
constexpr bool may_pass_descriptors() noexcept {
  if constexpr (requires { typename D::file_system::proto; })
    return family_of<typename D::file_system::proto>() == AF_UNIX;
  else
    return true;
}
}  // namespace detail

/// A socket over which SCM_RIGHTS can carry descriptors.
template <class D>
concept descriptor_passing_socket = socket_descriptor<D> && detail::may_pass_descriptors<D>();

/// What receive_fds got: the message's bytes, how many descriptors were
/// written to the caller's span, and whether more came than it had room
/// for (MSG_CTRUNC: the rest were closed by the kernel).
struct fds_received {
  std::size_t bytes;  ///< the message's length
  std::size_t count;  ///< descriptors received
  bool truncated;     ///< MSG_CTRUNC
};

/// sendmsg(2) of `buf` with `fds` in one SCM_RIGHTS header.
template <any_descriptor D>
std::size_t send_fds(D& d, std::span<const std::byte> buf, std::span<const int> fds, std::error_code& ec) {
  static_assert(descriptor_passing_socket<D>,
                "kvfs::send_fds: SCM_RIGHTS needs an AF_UNIX socket; over this protocol the kernel ignores the "
                "descriptors (__sock_cmsg_send), and over a non-socket it answers ENOTSOCK");
  std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()));
  ::iovec segment{const_cast<std::byte*>(buf.data()), buf.size()};
  ::msghdr msg{};
  msg.msg_iov = &segment;
  msg.msg_iovlen = 1;
  if (!fds.empty()) {
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    ::cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(cmsg), fds.data(), sizeof(int) * fds.size());
  }
  if constexpr (descriptor_passing_socket<D>)
    return kvfs::sendmsg(d, msg, 0, ec);
  else
    return {};
}

/// recvmsg(2) of one message into `buf` and the descriptors it carries
/// into `fds` (FD_CLOEXEC set with `flags` = MSG_CMSG_CLOEXEC).
template <any_descriptor D>
fds_received receive_fds(D& d, std::span<std::byte> buf, std::span<int> fds, std::error_code& ec, int flags = 0) {
  static_assert(descriptor_passing_socket<D>,
                "kvfs::receive_fds: SCM_RIGHTS needs an AF_UNIX socket; over this protocol the kernel ignores the "
                "descriptors (__sock_cmsg_send), and over a non-socket it answers ENOTSOCK");
  std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()));
  ::iovec segment{buf.data(), buf.size()};
  ::msghdr msg{};
  msg.msg_iov = &segment;
  msg.msg_iovlen = 1;
  msg.msg_control = fds.empty() ? nullptr : control.data();
  msg.msg_controllen = fds.empty() ? 0 : CMSG_LEN(sizeof(int) * fds.size());  // room for exactly fds.size()
  fds_received got{0, 0, false};
  if constexpr (descriptor_passing_socket<D>) got.bytes = kvfs::recvmsg(d, msg, flags, ec);
  if (ec) return got;
  for (::cmsghdr* cmsg = CMSG_FIRSTHDR(&msg); cmsg != nullptr; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
    if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) continue;
    const std::size_t n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < n && got.count < fds.size(); ++i) {
      std::memcpy(&fds[got.count++], CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
    }
  }
  got.truncated = (msg.msg_flags & MSG_CTRUNC) != 0;
  return got;
}

/// send_fds, throwing std::system_error.
template <any_descriptor D>
std::size_t send_fds(D& d, std::span<const std::byte> buf, std::span<const int> fds) {
  std::error_code ec;
  return detail::throw_on_error(kvfs::send_fds(d, buf, fds, ec), ec, "kvfs::send_fds");
}

/// receive_fds, throwing std::system_error.
template <any_descriptor D>
fds_received receive_fds(D& d, std::span<std::byte> buf, std::span<int> fds, int flags = 0) {
  std::error_code ec;
  return detail::throw_on_error(kvfs::receive_fds(d, buf, fds, ec, flags), ec, "kvfs::receive_fds");
}

}  // namespace kvfs
