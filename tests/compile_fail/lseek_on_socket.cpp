// SPDX-License-Identifier: BSL-1.0
// lseek on a socket: sockets have no llseek, so the kernel answers ESPIPE.
#include <kvfs/fs/posixfs.hpp>
#include <kvfs/net/inet.hpp>

void seek(kvfs::descriptor<kvfs::sockfs<kvfs::tcp>>& socket, kvfs::descriptor<kvfs::posixfs>& file) {
#ifdef KVFS_CONTROL
  kvfs::lseek(file, 0, SEEK_SET);
  (void)socket;
#else
  kvfs::lseek(socket, 0, SEEK_SET);
  (void)file;
#endif
}
