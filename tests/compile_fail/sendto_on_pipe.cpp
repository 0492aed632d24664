// SPDX-License-Identifier: BSL-1.0
// sendto(2) on a pipe: the kernel answers ENOTSOCK; kvfs does not compile it.
#include <kvfs/fs/pipefs.hpp>
#include <kvfs/net/inet.hpp>

#include <asio/ip/udp.hpp>

#ifdef KVFS_CONTROL
void ping(kvfs::descriptor<kvfs::sockfs<kvfs::udp>>& d, const asio::ip::udp::endpoint& to) {
#else
void ping(kvfs::descriptor<kvfs::pipefs>& d, const asio::ip::udp::endpoint& to) {
#endif
  kvfs::sendto(d, kvfs::as_bytes("ping"), 0, to);
}
