// kvfs/process.hpp - the kernel's dynamic model: a process with a descriptor
// table, and the system calls on it.
//
// Each call returns what the system call returns at the kernel boundary: a
// count, offset or descriptor number, or -errno. The checks are the kernel's,
// in the kernel's order (fs/read_write.c, fs/file.c, net/socket.c), so the
// errno is the kernel's. Every open file is a file of a kvfs file system,
// reached through the operations table generated from its policy.
//
//   kvfs::process proc;
//   const int fd = proc.open("notes.txt", O_RDWR | O_CREAT, 0644);
//   proc.write(fd, kvfs::as_bytes("hello"));   // fdget → vfs_write → f_op->write
//   proc.close(fd);
#pragma once

#include <kvfs/chrdev.hpp>
#include <kvfs/descriptor.hpp>
#include <kvfs/detail/vfs.hpp>
#include <kvfs/fd_table.hpp>
#include <kvfs/open_file.hpp>
#include <kvfs/pipefs.hpp>
#include <kvfs/posixfs.hpp>
#include <kvfs/sockfs.hpp>
#include <kvfs/trace.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

namespace kvfs {

namespace detail {
// A socket bound to its protocol at compile time (sockfs<tcp>, not sockfs<any_proto>).
template <class Fs>
struct is_static_sockfs : std::false_type {};
template <class Proto>
struct is_static_sockfs<sockfs<Proto>> : std::bool_constant<!std::is_same_v<Proto, any_proto>> {};

// The file the table keeps for a descriptor's file: the same private_data;
// a socket of any protocol becomes a sockfs<any_proto> file (sock->ops).
template <file_system_type Fs, class Trace>
std::unique_ptr<open_file> table_file_from(descriptor<Fs, Trace>& d, ostream_trace trace) {
  auto& f = d.file();
  std::unique_ptr<open_file> file;
  if constexpr (is_static_sockfs<Fs>::value) {
    using proto = typename Fs::proto;
    socket<any_proto> sock{any_proto::sock_type::of<proto>(std::move(f.private_data.sk))};
    file = std::make_unique<typed_file<sockfs<any_proto>>>(std::move(sock), f.f_flags, f.f_mode, std::move(trace));
  } else {
    file = std::make_unique<typed_file<Fs>>(std::move(f.private_data), f.f_flags, f.f_mode, std::move(trace));
  }
  file->f_pos = f.f_pos;
  f.f_mode = 0;  // the table owns it now: the descriptor must not release it
  return file;
}

// d_path() of a pseudo file: "socket:[ino]", "pipe:[ino]".
inline std::string pseudo_path(const struct inode& inode, std::string_view fallback) {
  if (S_ISSOCK(inode.i_mode)) return "socket:[" + std::to_string(inode.i_ino) + "]";
  if (S_ISFIFO(inode.i_mode)) return "pipe:[" + std::to_string(inode.i_ino) + "]";
  return std::string(fallback);
}
}  // namespace detail

/// A process: its descriptor table (files_struct) and the system calls on it.
class process {
 public:
  explicit process(std::size_t max_files = fd_table::default_max_fds) : files_(max_files) {}

  fd_table& files() noexcept { return files_; }
  const fd_table& files() const noexcept { return files_; }

  /// Traces every call on files installed from now on, to `out`.
  void trace_to(std::ostream& out) { trace_ = ostream_trace(out); }

  /// fd_install(): a kvfs descriptor moves into the table and gets the
  /// lowest free number; `path` is what /proc/self/fd shows for it.
  /// -EBADF for a closed descriptor, -EMFILE when the table is full.
  template <file_system_type Fs, tracer Trace>
  int fd_install(descriptor<Fs, Trace>&& d, int flags = 0, std::string_view path = {}) {
    if (!d.is_open()) return -EBADF;
    std::unique_ptr<open_file> file = detail::table_file_from(d, trace_);
    struct ::stat st {};
    if (file->f_op->getattr != nullptr && file->f_op->getattr(*file, st) == 0) {
      file->f_inode = {st.st_mode, st.st_ino};
    }
    file->f_path = detail::pseudo_path(file->f_inode, path.empty() ? fs_name<Fs> : path);
    const int fd = files_.fd_install(file_ref{file.release()}, flags);
    if (!trace_.active() || fd < 0) return fd;
    file_ref installed = files_.fdget(fd);
    installed->trace.begin("fd_install", fd);
    installed->trace.step(installed->f_path, " with f_op = &", installed->f_op->name);
    installed->trace.end(fd);
    return fd;
  }

  /// open(2) on the host's files (posixfs). A memory device node (1:3, 1:5,
  /// 1:7) gets kvfs's own driver instead, as chrdev_open() replaces f_op.
  long open(const std::filesystem::path& path, int flags, mode_t mode = 0) {
    std::error_code ec;
    auto file = kvfs::open(path, flags, mode, ec);
    if (ec) return -ec.value();
    const std::string shown = std::filesystem::absolute(path).lexically_normal().string();
    const int cloexec = flags & O_CLOEXEC;
    struct ::stat st {};
    if (file.vfs_fstat(st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 1) {
      switch (minor(st.st_rdev)) {
        case 3:
          return fd_install(open_device<dev_null>(flags), cloexec, shown);
        case 5:
          return fd_install(open_device<dev_zero>(flags), cloexec, shown);
        case 7:
          return fd_install(open_device<dev_full>(flags), cloexec, shown);
        default:
          break;
      }
    }
    return fd_install(std::move(file), cloexec, shown);
  }

  /// pipe2(2): fds[0] reads what fds[1] writes.
  long pipe(std::span<int, 2> fds, int flags = 0) {
    std::error_code ec;
    pipe_pair ends = kvfs::pipe(flags, ec);
    if (ec) return -ec.value();
    const int read_fd = fd_install(std::move(ends.read_end), flags & O_CLOEXEC);
    if (read_fd < 0) return read_fd;
    const int write_fd = fd_install(std::move(ends.write_end), flags & O_CLOEXEC);
    if (write_fd < 0) {
      files_.close_fd(read_fd);
      return write_fd;
    }
    fds[0] = read_fd;
    fds[1] = write_fd;
    return 0;
  }

  long read(int fd, std::span<std::byte> buf) {
    return with_file(fd, "read", [&](open_file& f) { return detail::vfs_read(f, *f.f_op, buf); });
  }
  long write(int fd, std::span<const std::byte> buf) {
    return with_file(fd, "write", [&](open_file& f) { return detail::vfs_write(f, *f.f_op, buf); });
  }
  long readv(int fd, std::span<const ::iovec> iov) {
    return with_file(fd, "readv", [&](open_file& f) { return detail::vfs_readv(f, *f.f_op, iov); });
  }
  long writev(int fd, std::span<const ::iovec> iov) {
    return with_file(fd, "writev", [&](open_file& f) { return detail::vfs_writev(f, *f.f_op, iov); });
  }
  // ksys_pread64(): a negative offset is EINVAL before the descriptor is looked up.
  long pread(int fd, std::span<std::byte> buf, loff_t pos) {
    if (pos < 0) return -EINVAL;
    return with_file(fd, "pread64", [&](open_file& f) { return detail::vfs_pread(f, *f.f_op, buf, pos); });
  }
  long pwrite(int fd, std::span<const std::byte> buf, loff_t pos) {
    if (pos < 0) return -EINVAL;
    return with_file(fd, "pwrite64", [&](open_file& f) { return detail::vfs_pwrite(f, *f.f_op, buf, pos); });
  }
  long lseek(int fd, loff_t offset, int whence) {
    return with_file(fd, "lseek", [&](open_file& f) { return detail::vfs_llseek(f, *f.f_op, offset, whence); });
  }
  long fsync(int fd) {
    return with_file(fd, "fsync", [&](open_file& f) { return detail::vfs_fsync(f, *f.f_op); });
  }
  long fstat(int fd, struct ::stat& st) {
    return with_file(fd, "fstat", [&](open_file& f) { return detail::vfs_fstat(f, *f.f_op, st); });
  }
  /// poll(2) of one descriptor, without waiting: the ready events.
  long poll(int fd) {
    return with_file(fd, "poll", [&](open_file& f) { return detail::vfs_poll(f, *f.f_op); });
  }

  long close(int fd) { return files_.close_fd(fd); }
  long dup(int fd) { return files_.dup(fd); }
  long dup2(int oldfd, int newfd) { return files_.dup2(oldfd, newfd); }
  long dup3(int oldfd, int newfd, int flags) { return files_.dup3(oldfd, newfd, flags); }

  /// send(2) / sendto(2) without an address: sock_sendmsg().
  long send(int fd, std::span<const std::byte> buf, int flags = 0) {
    const ::iovec segment{const_cast<std::byte*>(buf.data()), buf.size()};
    return with_socket(fd, "sendto", [&](socket<any_proto>& sock, open_file& f) {
      return sock_sendmsg(sock, {&segment, 1}, flags | nonblock_flags(f), f.trace);
    });
  }

  /// recv(2) / recvfrom(2) without an address: sock_recvmsg().
  long recv(int fd, std::span<std::byte> buf, int flags = 0) {
    const ::iovec segment{buf.data(), buf.size()};
    return with_socket(fd, "recvfrom", [&](socket<any_proto>& sock, open_file& f) {
      return sock_recvmsg(sock, {&segment, 1}, flags | nonblock_flags(f), f.trace);
    });
  }

  /// shutdown(2): the protocol's ->shutdown.
  long shutdown(int fd, int how) {
    return with_socket(fd, "shutdown",
                       [&](socket<any_proto>& sock, open_file&) -> long { return any_proto::shutdown(sock.sk, how); });
  }

  /// sendfile(2): up to `count` bytes from `in_fd` to `out_fd`. With an
  /// offset, reads there and advances it, leaving in_fd's position alone;
  /// without, reads at and advances in_fd's position.
  long sendfile(int out_fd, int in_fd, loff_t* offset, std::size_t count) {
    file_ref in = files_.fdget(in_fd);
    if (!in || (in->f_mode & FMODE_READ) == 0) return -EBADF;
    if (offset != nullptr && in->f_op->pread == nullptr) return -ESPIPE;
    file_ref out = files_.fdget(out_fd);
    if (!out || (out->f_mode & FMODE_WRITE) == 0) return -EBADF;
    if ((out->f_flags & O_APPEND) != 0) return -EINVAL;
    if (offset != nullptr && *offset < 0) return -EINVAL;
    return copy_loop(*in, *out, offset, std::min(count, detail::MAX_RW_COUNT));
  }

  /// What `ls -l /proc/self/fd` shows: "3 -> /tmp/notes.txt", "4 -> socket:[1234]".
  std::string proc_self_fd() const {
    std::string out;
    files_.for_each([&](int fd, const open_file& file) { out += std::to_string(fd) + " -> " + file.f_path + '\n'; });
    return out;
  }

 private:
  // fdget(), then the call, traced as one system call.
  template <class Call>
  long with_file(int fd, std::string_view name, Call call) {
    file_ref file = files_.fdget(fd);
    if (!file) return -EBADF;
    file->trace.begin(name, fd);
    file->trace.step("fdget");
    const long result = call(*file);
    file->trace.end(result);
    return result;
  }

  // sockfd_lookup(): fdget, then sock_from_file (ENOTSOCK).
  template <class Call>
  long with_socket(int fd, std::string_view name, Call call) {
    return with_file(fd, name, [&](open_file& file) -> long {
      socket<any_proto>* sock = sock_from_file(file);
      if (sock == nullptr) return -ENOTSOCK;
      return call(*sock, file);
    });
  }

  static int nonblock_flags(const open_file& file) noexcept {
    return (file.f_flags & O_NONBLOCK) != 0 ? MSG_DONTWAIT : 0;
  }

  // do_splice_direct() stand-in: read into a buffer and write it all out.
  static long copy_loop(open_file& in, open_file& out, loff_t* offset, std::size_t count) {
    std::array<std::byte, 65536> buffer;
    std::size_t total = 0;
    while (total < count) {
      const std::span<std::byte> chunk(buffer.data(), std::min(buffer.size(), count - total));
      const ssize_t got = offset != nullptr
                              ? detail::vfs_pread(in, *in.f_op, chunk, *offset + static_cast<loff_t>(total))
                              : detail::vfs_read(in, *in.f_op, chunk);
      if (got <= 0) return total > 0 ? static_cast<long>(total) : got;
      ssize_t put = 0;
      while (put < got) {
        const ssize_t wrote = detail::vfs_write(
            out, *out.f_op, chunk.subspan(static_cast<std::size_t>(put), static_cast<std::size_t>(got - put)));
        if (wrote <= 0) {
          if (offset == nullptr && in.f_op->llseek != nullptr) detail::vfs_llseek(in, *in.f_op, put - got, SEEK_CUR);
          total += static_cast<std::size_t>(put);
          if (offset != nullptr) *offset += static_cast<loff_t>(total);
          return total > 0 ? static_cast<long>(total) : wrote;
        }
        put += wrote;
      }
      total += static_cast<std::size_t>(got);
    }
    if (offset != nullptr) *offset += static_cast<loff_t>(total);
    return static_cast<long>(total);
  }

  fd_table files_;
  ostream_trace trace_;
};

/// A descriptor number of a process: the generic descriptor functions work
/// on it through the table (a handle, not an owner: close it with kvfs::close).
class fd {
 public:
  fd(process& proc, int number) noexcept : proc_(&proc), number_(number) {}

  int number() const noexcept { return number_; }
  bool is_open() const { return static_cast<bool>(proc_->files().fdget(number_)); }

  ssize_t vfs_read(std::span<std::byte> buf) { return proc_->read(number_, buf); }
  ssize_t vfs_write(std::span<const std::byte> buf) { return proc_->write(number_, buf); }
  ssize_t vfs_readv(std::span<const ::iovec> iov) { return proc_->readv(number_, iov); }
  ssize_t vfs_writev(std::span<const ::iovec> iov) { return proc_->writev(number_, iov); }
  ssize_t vfs_pread(std::span<std::byte> buf, loff_t pos) { return proc_->pread(number_, buf, pos); }
  ssize_t vfs_pwrite(std::span<const std::byte> buf, loff_t pos) { return proc_->pwrite(number_, buf, pos); }
  loff_t vfs_llseek(loff_t offset, int whence) { return proc_->lseek(number_, offset, whence); }
  int vfs_fsync() { return static_cast<int>(proc_->fsync(number_)); }
  int vfs_fstat(struct ::stat& st) { return static_cast<int>(proc_->fstat(number_, st)); }
  short vfs_poll() { return static_cast<short>(proc_->poll(number_)); }
  int sock_shutdown(int how) { return static_cast<int>(proc_->shutdown(number_, how)); }
  int release() { return static_cast<int>(proc_->close(number_)); }

 private:
  process* proc_;
  int number_;
};

}  // namespace kvfs
