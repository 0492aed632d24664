// SPDX-License-Identifier: BSL-1.0
// fsync on a socket: socket_file_ops has no fsync, so vfs_fsync answers EINVAL.
#include <kvfs/fs/posixfs.hpp>
#include <kvfs/net/inet.hpp>

void sync(kvfs::descriptor<kvfs::sockfs<kvfs::tcp>>& socket, kvfs::descriptor<kvfs::posixfs>& file) {
#ifdef KVFS_CONTROL
  kvfs::fsync(file);
  (void)socket;
#else
  kvfs::fsync(socket);
  (void)file;
#endif
}
