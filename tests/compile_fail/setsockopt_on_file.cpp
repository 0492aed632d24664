// SPDX-License-Identifier: BSL-1.0
// setsockopt(2) on a regular file: the kernel answers ENOTSOCK; kvfs does
// not compile it.
#include <kvfs/fs/posixfs.hpp>
#include <kvfs/net/inet.hpp>

#include <sys/socket.h>
#include <sys/time.h>

#ifdef KVFS_CONTROL
void tune(kvfs::tcp::socket_descriptor<kvfs::no_trace>& d) {
#else
void tune(kvfs::descriptor<kvfs::posixfs>& d) {
#endif
  const ::timeval tv{1, 0};
  kvfs::setsockopt(d, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}
