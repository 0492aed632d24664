// SPDX-License-Identifier: BSL-1.0
// pwrite on a socket: no FMODE_PWRITE, so the kernel answers ESPIPE.
#include <kvfs/fs/posixfs.hpp>
#include <kvfs/net/inet.hpp>

#include <array>
#include <cstddef>

void write_at(kvfs::descriptor<kvfs::sockfs<kvfs::tcp>>& socket, kvfs::descriptor<kvfs::posixfs>& file) {
  const std::array<std::byte, 8> buf{};
#ifdef KVFS_CONTROL
  kvfs::pwrite(file, buf, 0);
  (void)socket;
#else
  kvfs::pwrite(socket, buf, 0);
  (void)file;
#endif
}
