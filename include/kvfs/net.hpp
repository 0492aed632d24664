// SPDX-License-Identifier: BSL-1.0
// kvfs/net.hpp - the socket layer, as the kernel's net/ directory holds it:
// sockfs and socket_file_ops (net/socket.c), struct proto_ops
// (proto_ops.hpp), TCP and UDP over Asio (inet.hpp: net/ipv4, net/ipv6),
// Unix stream, datagram and sequenced-packet sockets over Asio (unix.hpp:
// net/unix) and net_init(), which registers those families with a process
// (inet_init, af_unix_init); scm_rights.hpp passes descriptors over Unix
// sockets (send_fds, receive_fds). The generic socket calls (kvfs::sendto,
// recvmsg ...) are <kvfs/socket_io.hpp>.
// sockfs.hpp and proto_ops.hpp include no Asio; the protocols do.
#pragma once

#include <kvfs/net/inet.hpp>
#include <kvfs/net/net_init.hpp>
#include <kvfs/net/proto_ops.hpp>
#include <kvfs/net/scm_rights.hpp>
#include <kvfs/net/sockfs.hpp>
#include <kvfs/net/unix.hpp>
