// SPDX-License-Identifier: BSL-1.0
// kvfs/kernel.hpp - the kernel's dynamic model: a process (task_struct)
// with its descriptor table (fd_table.hpp: fs/file.c's files_struct), its
// mount namespace (namespace_calls.hpp: fs/namespace.c) and the system
// calls, one header per kernel file: file_calls (fs/file.c, fs/fcntl.c),
// read_write_calls (fs/read_write.c), open_calls (fs/open.c, fs/namei.c),
// path_calls (fs/namei.c, fs/stat.c: unlink, rename, link...) over the path
// walk (namei.hpp), readdir_calls (fs/readdir.c), stat_calls (fs/stat.c), sync_calls (fs/sync.c), select_calls
// (fs/select.c), pipe_calls (fs/pipe.c), socket_calls and sendmsg_calls
// (net/socket.c, with SCM_RIGHTS from net/core/scm.c).
// kvfs::fd makes a number of the table a handle for the generic functions.
// It includes no Asio.
#pragma once

#include <kvfs/kernel/fd.hpp>
#include <kvfs/kernel/fd_table.hpp>
#include <kvfs/kernel/filesystems.hpp>
#include <kvfs/kernel/process.hpp>
