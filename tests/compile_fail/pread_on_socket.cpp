// SPDX-License-Identifier: BSL-1.0
// pread on a socket: no FMODE_PREAD, so the kernel answers ESPIPE.
#include <kvfs/fs/posixfs.hpp>
#include <kvfs/net/inet.hpp>

#include <array>
#include <cstddef>

void read_at(kvfs::descriptor<kvfs::sockfs<kvfs::tcp>>& socket, kvfs::descriptor<kvfs::posixfs>& file) {
  std::array<std::byte, 8> buf{};
#ifdef KVFS_CONTROL
  kvfs::pread(file, buf, 0);
  (void)socket;
#else
  kvfs::pread(socket, buf, 0);
  (void)file;
#endif
}
