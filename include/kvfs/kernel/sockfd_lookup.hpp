// SPDX-License-Identifier: BSL-1.0
// kvfs/kernel/sockfd_lookup.hpp - the socket behind a descriptor of the
// table (net/socket.c's sock_from_file() and sockfd_lookup_light()): what
// every socket system call starts with.
#pragma once

#include <kvfs/any_file.hpp>
#include <kvfs/kernel/detail/fdget.hpp>
#include <kvfs/kernel/fd_table.hpp>
#include <kvfs/net/proto_ops.hpp>
#include <kvfs/net/sockfs.hpp>

#include <cerrno>

namespace kvfs {

/// socket_file_ops as the descriptor table knows it: one table for every
/// socket, whatever its protocol.
inline constexpr const any_f_op& socket_file_ops_table = f_op_of<sockfs<any_proto>>;

/// A socket's file in the descriptor table.
using socket_file = typed_file<sockfs<any_proto>>;

/// sock_from_file(): the socket behind a file of the descriptor table, or
/// null when its f_op is not socket_file_ops (the caller answers ENOTSOCK).
inline kvfs::socket<any_proto>* sock_from_file(any_file& file) noexcept {
  if (file.f_op != &socket_file_ops_table) return nullptr;
  return &static_cast<socket_file&>(file).private_data;
}

namespace detail {
/// sockfd_lookup_light(): fdget (EBADF), then sock_from_file (ENOTSOCK),
/// then `call(socket_file&)`, traced as the system call `name`.
template <class Call>
long with_socket(fd_table& files, int fd, const syscall_name& name, Call call) {
  return with_file(files, fd, name, [&](any_file& file) -> long {
    if (sock_from_file(file) == nullptr) return -ENOTSOCK;
    return call(static_cast<socket_file&>(file));
  });
}
}  // namespace detail

}  // namespace kvfs
