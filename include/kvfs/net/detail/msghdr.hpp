// SPDX-License-Identifier: BSL-1.0
// kvfs/net/detail/msghdr.hpp - what net/socket.c checks of a socket call's
// addresses and message header before the protocol sees them:
// move_addr_to_kernel(), move_addr_to_user(), __copy_msghdr().
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <span>

namespace kvfs::detail {

/// UIO_MAXIOV: the most segments a msghdr may have (EMSGSIZE beyond).
inline constexpr std::size_t uio_maxiov = 1024;

/// move_addr_to_kernel(): an address of `len` bytes, where the kernel takes
/// `len` as an int: EINVAL if negative or larger than a sockaddr_storage.
inline int move_addr_to_kernel(socklen_t len) noexcept {
  const int klen = static_cast<int>(len);
  return klen < 0 || klen > static_cast<int>(sizeof(::sockaddr_storage)) ? -EINVAL : 0;
}

/// move_addr_to_user(): the kernel's `klen`-byte address, cut to the
/// caller's *ulen (read as an int: EINVAL if negative, after the data was
/// taken), and the full length stored back in *ulen.
inline int move_addr_to_user(const ::sockaddr_storage& kaddr, socklen_t klen, ::sockaddr* uaddr,
                             socklen_t* ulen) noexcept {
  if (ulen == nullptr) return -EFAULT;  // get_user()
  int len = static_cast<int>(*ulen);
  if (len > static_cast<int>(klen)) len = static_cast<int>(klen);
  if (len < 0) return -EINVAL;
  if (len > 0) std::memcpy(uaddr, &kaddr, static_cast<std::size_t>(len));
  *ulen = klen;
  return 0;
}

/// __copy_msghdr() and import_iovec(): the kernel's copy of a user msghdr.
/// A null name has no length; a negative length is EINVAL, one beyond a
/// sockaddr_storage is cut to it; more than UIO_MAXIOV segments is
/// EMSGSIZE, a negative segment length EINVAL.
inline int copy_msghdr(const ::msghdr& user, ::msghdr& kmsg) noexcept {
  kmsg = user;
  if (kmsg.msg_name == nullptr) kmsg.msg_namelen = 0;
  if (static_cast<int>(kmsg.msg_namelen) < 0) return -EINVAL;
  if (kmsg.msg_namelen > sizeof(::sockaddr_storage)) kmsg.msg_namelen = sizeof(::sockaddr_storage);
  if (kmsg.msg_namelen == 0) kmsg.msg_name = nullptr;
  if (kmsg.msg_iovlen > uio_maxiov) return -EMSGSIZE;
  for (std::size_t i = 0; i < kmsg.msg_iovlen; ++i) {
    if (static_cast<ssize_t>(kmsg.msg_iov[i].iov_len) < 0) return -EINVAL;
  }
  return 0;
}

/// A message of `iov` to or from the connected peer, without ancillary data
/// (what read(2), write(2), send(2) and recv(2) hand the protocol).
inline ::msghdr msghdr_of(std::span<const ::iovec> iov) noexcept {
  ::msghdr msg{};
  msg.msg_iov = const_cast<::iovec*>(iov.data());  // a send does not write it
  msg.msg_iovlen = iov.size();
  return msg;
}

/// ____sys_sendmsg(): a control buffer over INT_MAX bytes is ENOBUFS.
inline int check_control_length(const ::msghdr& kmsg) noexcept { return kmsg.msg_controllen > INT_MAX ? -ENOBUFS : 0; }

}  // namespace kvfs::detail
