// SPDX-License-Identifier: BSL-1.0
// kvfs/fs/pipefs.hpp - pipes: pipefs over the host's pipe(2).
//
// As fs/pipe.c's pipeanon_fops: read, write, poll and release, and no
// llseek, so seeking or pread/pwrite on either end is ESPIPE. A write with
// no reader left is EPIPE and never a SIGPIPE that kills the process.
#pragma once

#include <kvfs/descriptor.hpp>
#include <kvfs/file_system.hpp>
#include <kvfs/fs/posixfs.hpp>
#include <kvfs/name.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>
#include <system_error>

namespace kvfs {

/// pipe2(2)'s flag for a notification pipe (include/uapi/linux/watch_queue.h).
inline constexpr int O_NOTIFICATION_PIPE = O_EXCL;

/// pipeanon_fops: a pipe end is a host descriptor, read and written with the
/// same calls as posixfs's files (always with the SIGPIPE guard), with poll
/// and without llseek, pread, pwrite or fsync: a host stream's operations.
struct pipeanon_fops : posix_stream_operations {
  /// The kernel table's name.
  static constexpr std::string_view name = "pipeanon_fops";
};

/// The pipe file system: pseudo, with an internal mount only.
struct pipefs {
  /// "nodev pipefs" in /proc/filesystems.
  static constexpr auto name = name_c<"pipefs">;
  static constexpr unsigned fs_flags = FS_PSEUDO;  ///< kern_mount()ed: pipe_mnt
  static constexpr std::string_view initcall = "init_pipe_fs";  ///< fs/pipe.c
  using private_data = posix_file;  ///< the host pipe end; may raise SIGPIPE
  /// pipeanon_fops
  using file_operations = pipeanon_fops;
};

/// The two ends pipe2(2) makes: data written to `write_end` is read from
/// `read_end`, in order.
struct pipe_pair {
  /// Where the data comes out.
  descriptor<pipefs> read_end;
  /// Where the data goes in.
  descriptor<pipefs> write_end;
};

/// pipe2(2): `flags` may hold O_NONBLOCK (both ends), O_DIRECT (a packet
/// pipe: each write is one read) and O_CLOEXEC, which kvfs always sets;
/// O_NOTIFICATION_PIPE is ENOPKG (kvfs has no watch queues); anything else
/// is EINVAL. As create_pipe_files(), the write end's flags
/// show O_DIRECT and the read end's do not.
inline pipe_pair pipe(int flags, std::error_code& ec) {
  if ((flags & ~(O_NONBLOCK | O_DIRECT | O_CLOEXEC | O_NOTIFICATION_PIPE)) != 0) {
    ec.assign(EINVAL, std::system_category());
    return {};
  }
  if ((flags & O_NOTIFICATION_PIPE) != 0) {  // watch_queue_init() of a kernel without CONFIG_WATCH_QUEUE
    ec.assign(ENOPKG, std::system_category());
    return {};
  }
  int ends[2] = {-1, -1};
  if (::pipe2(ends, flags | O_CLOEXEC) < 0) {
    ec.assign(errno, std::system_category());
    return {};
  }
  ec.clear();
  // A pipe's O_DIRECT is packet mode, which setfl() allows any FIFO.
  auto end = [](int fd, int f_flags) {
    descriptor<pipefs> d(posix_file{.fd = fd, .may_raise_sigpipe = true, .pollable = true}, f_flags);
    d.file().f_mode |= FMODE_CAN_ODIRECT;
    return d;
  };
  return {end(ends[0], O_RDONLY | (flags & O_NONBLOCK)), end(ends[1], O_WRONLY | (flags & (O_NONBLOCK | O_DIRECT)))};
}

inline pipe_pair pipe(int flags = 0) {
  std::error_code ec;
  pipe_pair ends = pipe(flags, ec);
  if (ec) throw std::system_error(ec, "kvfs::pipe");
  return ends;
}

}  // namespace kvfs
