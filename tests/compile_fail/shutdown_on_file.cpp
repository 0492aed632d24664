// SPDX-License-Identifier: BSL-1.0
// shutdown on a regular file: sock_from_file() finds no socket, ENOTSOCK.
#include <kvfs/fs/posixfs.hpp>
#include <kvfs/net/inet.hpp>

#include <sys/socket.h>

void stop(kvfs::descriptor<kvfs::sockfs<kvfs::tcp>>& socket, kvfs::descriptor<kvfs::posixfs>& file) {
#ifdef KVFS_CONTROL
  kvfs::shutdown(socket, SHUT_WR);
  (void)file;
#else
  kvfs::shutdown(file, SHUT_WR);
  (void)socket;
#endif
}
