// SPDX-License-Identifier: BSL-1.0
// kvfs/fuse.hpp - the FUSE bridge: any kvfs file system mounted on the
// host, so that real programs run on it. It stands for the daemon side of
// fs/fuse/ (the kernel's FUSE client turns each VFS call on the mount into
// a request on /dev/fuse; kvfs answers it with the same inode_operations
// and file_operations it runs in-process). Needs libfuse3: link
// kvfs::fuse, not only kvfs::kvfs.
#pragma once

#include <kvfs/fuse/bridge.hpp>
#include <kvfs/fuse/node_table.hpp>
#include <kvfs/fuse/session.hpp>
