// SPDX-License-Identifier: BSL-1.0
// kvfs/socket_io.hpp - the generic socket functions: shutdown, setsockopt,
// getsockopt, sendto, recvfrom, sendmsg and recvmsg, written once against
// the socket_descriptor concept, for a descriptor<sockfs<P>>, a kvfs::fd
// of a process, or a user's own handle. Each has a std::error_code form and
// a throwing one, as <kvfs/io.hpp>'s; on a descriptor that is not a socket
// each is a compile error naming the kernel's ENOTSOCK.
//
//   auto sock = kvfs::udp::bind(io, {asio::ip::make_address("127.0.0.1"), 0});
//   kvfs::sendto(sock, kvfs::as_bytes("ping"), 0, peer);
//   asio::ip::udp::endpoint from;
//   const std::size_t n = kvfs::recvfrom(sock, buf, 0, from);
#pragma once

#include <kvfs/io.hpp>

#include <sys/socket.h>
#include <sys/types.h>
#include <cstddef>
#include <span>
#include <system_error>
#include <utility>

namespace kvfs {

/// A socket: shutdown, socket options and messages with addresses and
/// ancillary data (the socket calls sock_from_file() lets through).
template <class D>
concept socket_descriptor = any_descriptor<D> && requires(D& d, int how, void* value, socklen_t* len) {
  { d.sock_shutdown(how) } -> std::same_as<int>;
  { d.sock_setsockopt(how, how, value, *len) } -> std::same_as<int>;
  { d.sock_getsockopt(how, how, value, len) } -> std::same_as<int>;
  {
    d.sock_sendto(std::span<const std::byte>{}, how, std::declval<const ::sockaddr*>(), *len)
    } -> std::same_as<ssize_t>;
  { d.sock_recvfrom(std::span<std::byte>{}, how, std::declval<::sockaddr*>(), len) } -> std::same_as<ssize_t>;
  { d.sock_sendmsg(std::declval<const ::msghdr&>(), how) } -> std::same_as<ssize_t>;
  { d.sock_recvmsg(std::declval<::msghdr&>(), how) } -> std::same_as<ssize_t>;
};

namespace detail {
// A static socket descriptor knows its protocol's type; a table number
// (kvfs::fd) learns it at run time.
template <class D>
constexpr bool may_be_datagram() noexcept {
  if constexpr (requires { D::file_system::proto::type; })
    return D::file_system::proto::type != SOCK_STREAM;
  else
    return true;
}
}  // namespace detail

/// A socket that keeps message boundaries (SOCK_DGRAM, SOCK_SEQPACKET), or
/// a handle whose type is known only at run time.
template <class D>
concept datagram_descriptor = socket_descriptor<D> && detail::may_be_datagram<D>();

/// shutdown(2): SHUT_RD, SHUT_WR or SHUT_RDWR on a socket.
template <any_descriptor D>
void shutdown(D& d, int how, std::error_code& ec) {
  static_assert(socket_descriptor<D>,
                "kvfs::shutdown: this descriptor is not a socket (sock_from_file() finds no "
                "socket_file_ops); the kernel answers ENOTSOCK");
  if constexpr (socket_descriptor<D>) detail::to_size(d.sock_shutdown(how), ec);
}

/// setsockopt(2) on a socket: SO_RCVTIMEO and SO_SNDTIMEO (a `timeval`)
/// bound blocking reads and writes (EAGAIN after the time), as on Linux.
template <any_descriptor D>
void setsockopt(D& d, int level, int name, const void* value, socklen_t len, std::error_code& ec) {
  static_assert(socket_descriptor<D>, "kvfs::setsockopt: this descriptor is not a socket; the kernel answers ENOTSOCK");
  if constexpr (socket_descriptor<D>) detail::to_size(d.sock_setsockopt(level, name, value, len), ec);
}

/// getsockopt(2) on a socket: the option's value into `value`, its size
/// into `*len`.
template <any_descriptor D>
void getsockopt(D& d, int level, int name, void* value, socklen_t* len, std::error_code& ec) {
  static_assert(socket_descriptor<D>, "kvfs::getsockopt: this descriptor is not a socket; the kernel answers ENOTSOCK");
  if constexpr (socket_descriptor<D>) detail::to_size(d.sock_getsockopt(level, name, value, len), ec);
}

/// sendto(2): one datagram (or stream bytes) to `addr` (null: the
/// connected peer; EDESTADDRREQ on an unconnected datagram socket).
template <any_descriptor D>
std::size_t sendto(D& d, std::span<const std::byte> buf, int flags, const ::sockaddr* addr, socklen_t len,
                   std::error_code& ec) {
  static_assert(socket_descriptor<D>, "kvfs::sendto: this descriptor is not a socket; the kernel answers ENOTSOCK");
  if constexpr (socket_descriptor<D>)
    return detail::to_size(d.sock_sendto(buf, flags, addr, len), ec);
  else
    return {};
}

/// recvfrom(2): one datagram (cut to `buf`, the rest dropped; MSG_TRUNC
/// returns its full length) and its sender's address in `addr`/`*len`.
template <any_descriptor D>
std::size_t recvfrom(D& d, std::span<std::byte> buf, int flags, ::sockaddr* addr, socklen_t* len, std::error_code& ec) {
  static_assert(socket_descriptor<D>, "kvfs::recvfrom: this descriptor is not a socket; the kernel answers ENOTSOCK");
  if constexpr (socket_descriptor<D>)
    return detail::to_size(d.sock_recvfrom(buf, flags, addr, len), ec);
  else
    return {};
}

/// sendmsg(2): msg_iov to msg_name (null: the peer) with msg_control's
/// ancillary data (SCM_RIGHTS over AF_UNIX).
template <any_descriptor D>
std::size_t sendmsg(D& d, const ::msghdr& msg, int flags, std::error_code& ec) {
  static_assert(socket_descriptor<D>, "kvfs::sendmsg: this descriptor is not a socket; the kernel answers ENOTSOCK");
  if constexpr (socket_descriptor<D>)
    return detail::to_size(d.sock_sendmsg(msg, flags), ec);
  else
    return {};
}

/// recvmsg(2): into msg_iov; sets msg_name/msg_namelen, msg_controllen and
/// msg_flags (MSG_TRUNC, MSG_CTRUNC) as the kernel does.
template <any_descriptor D>
std::size_t recvmsg(D& d, ::msghdr& msg, int flags, std::error_code& ec) {
  static_assert(socket_descriptor<D>, "kvfs::recvmsg: this descriptor is not a socket; the kernel answers ENOTSOCK");
  if constexpr (socket_descriptor<D>)
    return detail::to_size(d.sock_recvmsg(msg, flags), ec);
  else
    return {};
}

/// sendto(2) to an Asio endpoint (asio::ip::udp::endpoint...).
template <any_descriptor D, class Endpoint>
std::size_t sendto(D& d, std::span<const std::byte> buf, int flags, const Endpoint& to,
                   std::error_code& ec) requires requires {
  to.data();
  to.size();
}
{ return kvfs::sendto(d, buf, flags, to.data(), static_cast<socklen_t>(to.size()), ec); }

/// recvfrom(2) with the sender as an Asio endpoint.
template <any_descriptor D, class Endpoint>
std::size_t recvfrom(D& d, std::span<std::byte> buf, int flags, Endpoint& from, std::error_code& ec) requires requires {
  from.data();
  from.capacity();
  from.resize(std::size_t{});
}
{
  socklen_t len = static_cast<socklen_t>(from.capacity());
  const std::size_t n = kvfs::recvfrom(d, buf, flags, from.data(), &len, ec);
  if (!ec) from.resize(len);
  return n;
}

// The throwing forms.

/// setsockopt(2), throwing std::system_error.
template <any_descriptor D>
void setsockopt(D& d, int level, int name, const void* value, socklen_t len) {
  std::error_code ec;
  kvfs::setsockopt(d, level, name, value, len, ec);
  detail::throw_on_error(0, ec, "kvfs::setsockopt");
}
/// getsockopt(2), throwing std::system_error.
template <any_descriptor D>
void getsockopt(D& d, int level, int name, void* value, socklen_t* len) {
  std::error_code ec;
  kvfs::getsockopt(d, level, name, value, len, ec);
  detail::throw_on_error(0, ec, "kvfs::getsockopt");
}
template <any_descriptor D>
void shutdown(D& d, int how) {
  std::error_code ec;
  kvfs::shutdown(d, how, ec);
  detail::throw_on_error(0, ec, "kvfs::shutdown");
}
/// sendto(2), throwing std::system_error.
template <any_descriptor D>
std::size_t sendto(D& d, std::span<const std::byte> buf, int flags, const ::sockaddr* addr, socklen_t len) {
  std::error_code ec;
  return detail::throw_on_error(kvfs::sendto(d, buf, flags, addr, len, ec), ec, "kvfs::sendto");
}
/// sendto(2) to an Asio endpoint, throwing std::system_error.
template <any_descriptor D, class Endpoint>
std::size_t sendto(D& d, std::span<const std::byte> buf, int flags, const Endpoint& to) requires requires {
  to.data();
  to.size();
}
{
  std::error_code ec;
  return detail::throw_on_error(kvfs::sendto(d, buf, flags, to, ec), ec, "kvfs::sendto");
}
/// recvfrom(2), throwing std::system_error.
template <any_descriptor D>
std::size_t recvfrom(D& d, std::span<std::byte> buf, int flags, ::sockaddr* addr, socklen_t* len) {
  std::error_code ec;
  return detail::throw_on_error(kvfs::recvfrom(d, buf, flags, addr, len, ec), ec, "kvfs::recvfrom");
}
/// recvfrom(2) with the sender as an Asio endpoint, throwing std::system_error.
template <any_descriptor D, class Endpoint>
std::size_t recvfrom(D& d, std::span<std::byte> buf, int flags, Endpoint& from) requires requires {
  from.data();
  from.capacity();
}
{
  std::error_code ec;
  return detail::throw_on_error(kvfs::recvfrom(d, buf, flags, from, ec), ec, "kvfs::recvfrom");
}
/// sendmsg(2), throwing std::system_error.
template <any_descriptor D>
std::size_t sendmsg(D& d, const ::msghdr& msg, int flags = 0) {
  std::error_code ec;
  return detail::throw_on_error(kvfs::sendmsg(d, msg, flags, ec), ec, "kvfs::sendmsg");
}
/// recvmsg(2), throwing std::system_error.
template <any_descriptor D>
std::size_t recvmsg(D& d, ::msghdr& msg, int flags = 0) {
  std::error_code ec;
  return detail::throw_on_error(kvfs::recvmsg(d, msg, flags, ec), ec, "kvfs::recvmsg");
}

}  // namespace kvfs
