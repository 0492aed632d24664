// SPDX-License-Identifier: BSL-1.0
// kvfs/core.hpp - the core: what include/linux/fs.h declares and
// fs/read_write.c runs, for any file system. A file-system type and its
// file_operations policy (file_system.hpp), the compile-time registry
// (registry.hpp, fs/filesystems.c), struct file (file.hpp for a known type,
// any_file.hpp for the descriptor table), the generated f_op tables
// (f_op.hpp), struct inode and the inode_operations policy (inode.hpp)
// with its static calls (inode_calls.hpp),
// struct iattr (iattr.hpp), the linux_dirent64 records a directory's
// iterate_shared fills (dirent.hpp), super_block and the mount hook
// (super_block.hpp), the static
// descriptor<Fs> (descriptor.hpp), the generic functions written against it
// (io.hpp, copy.hpp) and the trace policies (trace.hpp). It names no
// concrete file system and includes no Asio.
#pragma once

#include <kvfs/any_file.hpp>
#include <kvfs/copy.hpp>
#include <kvfs/descriptor.hpp>
#include <kvfs/dirent.hpp>
#include <kvfs/f_op.hpp>
#include <kvfs/file.hpp>
#include <kvfs/file_system.hpp>
#include <kvfs/iattr.hpp>
#include <kvfs/inode.hpp>
#include <kvfs/inode_calls.hpp>
#include <kvfs/io.hpp>
#include <kvfs/name.hpp>
#include <kvfs/registry.hpp>
#include <kvfs/socket_io.hpp>
#include <kvfs/super_block.hpp>
#include <kvfs/trace.hpp>
#include <kvfs/version.hpp>
