// SPDX-License-Identifier: BSL-1.0
// SCM_RIGHTS over TCP: the kernel ignores the descriptors
// (__sock_cmsg_send); kvfs does not compile it.
#include <kvfs/net/inet.hpp>
#include <kvfs/net/scm_rights.hpp>
#include <kvfs/net/unix.hpp>

#include <array>

#ifdef KVFS_CONTROL
void pass(kvfs::descriptor<kvfs::sockfs<kvfs::unix_stream>>& d, int fd) {
#else
void pass(kvfs::descriptor<kvfs::sockfs<kvfs::tcp>>& d, int fd) {
#endif
  const std::array<int, 1> fds{fd};
  kvfs::send_fds(d, kvfs::as_bytes("x"), fds);
}
