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
#include <kvfs/ramfs.hpp>
#include <kvfs/registry.hpp>
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
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

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
    kvfs::socket<any_proto> sock{any_proto::sock_type::of<proto>(std::move(f.private_data.sk))};
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

class process;

/// A mounted file system as the path walk sees it (the kernel's
/// super_block with its root): paths inside it are relative to its root.
class mounted_fs {
 public:
  virtual ~mounted_fs() = default;
  /// open(2) of `path` inside this file system; installs the file in
  /// `proc` with `shown` as its name; the number or -errno.
  virtual long open(process& proc, std::string_view path, const std::string& shown, int flags, mode_t mode) = 0;
  /// mkdir(2) inside this file system: 0 or -errno.
  virtual long mkdir(std::string_view path, mode_t mode) = 0;
  /// Whether `path` is a directory here: 0, -ENOENT or -ENOTDIR.
  virtual long lookup_dir(std::string_view path) = 0;
};

/// The types a process knows by default: /proc/filesystems of a small kernel.
using default_file_systems = registry<posixfs, ramfs, pipefs, sockfs<any_proto>>;

/// A process: its descriptor table (files_struct) and the system calls on it.
class process {
 public:
  /// A process whose file-system types are those of `file_systems`, with
  /// the host's root mounted at "/" (posixfs).
  template <file_system_type... Fs>
  explicit process(registry<Fs...> file_systems, std::size_t max_files = fd_table::default_max_fds);

  explicit process(std::size_t max_files = fd_table::default_max_fds) : process(default_file_systems{}, max_files) {}

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

  /// open(2): the path walk finds the file system mounted there (the
  /// longest mount point that is a prefix of the path) and opens the rest
  /// of the path inside it.
  long open(const std::filesystem::path& path, int flags, mode_t mode = 0) {
    const std::string absolute = std::filesystem::absolute(path).lexically_normal().string();
    auto [fs, inside] = path_walk(absolute);
    const long fd = fs->open(*this, inside, absolute, flags, mode);
    if (file_ref file = fd >= 0 ? files_.fdget(static_cast<int>(fd)) : file_ref{}) {
      file->f_flags |= detail::force_o_largefile;  // as do_sys_open on a 64-bit kernel
    }
    return fd;
  }

  /// mkdir(2), through the mount that holds the path.
  long mkdir(const std::filesystem::path& path, mode_t mode) {
    auto [fs, inside] = path_walk(std::filesystem::absolute(path).lexically_normal().string());
    return fs->mkdir(inside, mode);
  }

  /// mount(2): a new instance of the type named `fstype` at `target`, an
  /// existing directory. ENODEV for an unknown type; EINVAL for a pseudo
  /// type (sockfs, pipefs: SB_NOUSER) or one that cannot be mounted.
  long mount(std::string_view source, const std::filesystem::path& target, std::string_view fstype) {
    const auto type = std::find_if(file_systems_.begin(), file_systems_.end(),
                                   [&](const fs_entry& entry) { return entry.info.name == fstype; });
    if (type == file_systems_.end()) return -ENODEV;
    if (type->info.pseudo() || type->mount == nullptr) return -EINVAL;
    const std::string where = std::filesystem::absolute(target).lexically_normal().string();
    auto [holder, inside] = path_walk(where);
    if (const long error = holder->lookup_dir(inside); error < 0) return error;
    long error = 0;
    std::shared_ptr<mounted_fs> fs = type->mount(source, error);
    if (!fs) return error;
    std::lock_guard guard(mounts_lock_);
    mounts_.push_back({std::string(source), trim_slash(where), std::string(fstype), std::move(fs)});
    return 0;
  }

  /// umount(2) of the newest mount at `target`: EINVAL if none is there.
  long umount(const std::filesystem::path& target) {
    const std::string where = trim_slash(std::filesystem::absolute(target).lexically_normal().string());
    std::lock_guard guard(mounts_lock_);
    for (auto it = mounts_.rbegin(); it != mounts_.rend(); ++it) {
      if (it->target != where) continue;
      if (where == "/") return -EBUSY;
      mounts_.erase(std::next(it).base());
      return 0;
    }
    return -EINVAL;
  }

  /// What /proc/mounts shows: "source target fstype rw 0 0".
  std::string proc_mounts() const {
    std::lock_guard guard(mounts_lock_);
    std::string out;
    for (const mount_entry& m : mounts_) out += m.source + ' ' + m.target + ' ' + m.fstype + " rw 0 0\n";
    return out;
  }

  /// What /proc/filesystems shows for this process's types.
  std::string proc_filesystems() const {
    std::string out;
    for (const fs_entry& entry : file_systems_)
      out += (entry.info.nodev() ? "nodev\t" : "\t") + std::string(entry.info.name) + '\n';
    return out;
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
  /// fcntl(2): F_GETFD, F_SETFD (FD_CLOEXEC), F_GETFL, F_SETFL (O_APPEND,
  /// O_NONBLOCK, O_DIRECT, O_NOATIME). Other commands are EINVAL here.
  long fcntl(int fd, int cmd, long arg = 0) {
    return with_file(fd, "fcntl", [&](open_file& f) -> long {
      switch (cmd) {
        case F_GETFD:
          return files_.close_on_exec(fd) ? FD_CLOEXEC : 0;
        case F_SETFD:
          return files_.set_close_on_exec(fd, (arg & FD_CLOEXEC) != 0);
        case F_GETFL:
          return detail::getfl(f);
        case F_SETFL:
          return detail::vfs_setfl(f, *f.f_op, static_cast<int>(arg));
        default:
          return -EINVAL;
      }
    });
  }
  /// Not a system call: the host descriptor an asynchronous wait on `fd`
  /// sleeps on (poll_wait), -1 when the file is always ready, or -EBADF.
  long poll_wait(int fd) {
    return with_file(fd, "poll_wait", [&](open_file& f) -> long { return detail::vfs_poll_wait(f, *f.f_op); });
  }

  long close(int fd) { return files_.close_fd(fd); }
  long dup(int fd) { return files_.dup(fd); }
  long dup2(int oldfd, int newfd) { return files_.dup2(oldfd, newfd); }
  long dup3(int oldfd, int newfd, int flags) { return files_.dup3(oldfd, newfd, flags); }

  /// send(2) / sendto(2) without an address: sock_sendmsg().
  long send(int fd, std::span<const std::byte> buf, int flags = 0) {
    const ::iovec segment{const_cast<std::byte*>(buf.data()), buf.size()};
    return with_socket(fd, "sendto", [&](kvfs::socket<any_proto>& sock, open_file& f) {
      return sock_sendmsg(sock, {&segment, 1}, flags | nonblock_flags(f), f.trace);
    });
  }

  /// recv(2) / recvfrom(2) without an address: sock_recvmsg().
  long recv(int fd, std::span<std::byte> buf, int flags = 0) {
    const ::iovec segment{buf.data(), buf.size()};
    return with_socket(fd, "recvfrom", [&](kvfs::socket<any_proto>& sock, open_file& f) {
      return sock_recvmsg(sock, {&segment, 1}, flags | nonblock_flags(f), f.trace);
    });
  }

  /// shutdown(2): the protocol's ->shutdown.
  long shutdown(int fd, int how) {
    return with_socket(fd, "shutdown", [&](kvfs::socket<any_proto>& sock, open_file&) -> long {
      return any_proto::shutdown(sock.sk, how);
    });
  }

  /// How a socket of one family and type is made: the protocol's create
  /// (inet_create, unix_create) checks `protocol` and returns the new
  /// socket's number or -errno. `flags` are SOCK_NONBLOCK and SOCK_CLOEXEC.
  using socket_create = std::function<long(process& proc, int family, int protocol, int flags)>;

  /// sock_register(): socket(family, type, ...) now makes sockets with `create`.
  void sock_register(int family, int type, socket_create create) {
    std::lock_guard guard(mounts_lock_);
    net_families_.push_back({family, type, std::move(create)});
  }

  /// socket(2), with __sock_create()'s checks: flags (EINVAL), family
  /// (EAFNOSUPPORT), type (EINVAL), then the family's create: a type it does
  /// not have is ESOCKTNOSUPPORT, a protocol EPROTONOSUPPORT.
  long socket(int family, int type, int protocol) {
    constexpr int SOCK_TYPE_MASK = 0xf;        // include/linux/net.h
    constexpr int SOCK_MAX = SOCK_PACKET + 1;  // the kernel's bound on types
    const int flags = type & ~SOCK_TYPE_MASK;
    type &= SOCK_TYPE_MASK;
    if ((flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) != 0) return -EINVAL;
    if (family < 0 || family >= AF_MAX) return -EAFNOSUPPORT;
    if (type < 0 || type >= SOCK_MAX) return -EINVAL;
    socket_create create;
    bool family_known = false;
    {
      std::lock_guard guard(mounts_lock_);
      for (const net_family& entry : net_families_) {
        if (entry.family != family) continue;
        family_known = true;
        if (entry.type == type) create = entry.create;
      }
    }
    if (!family_known) return -EAFNOSUPPORT;
    if (!create) return -ESOCKTNOSUPPORT;
    return create(*this, family, protocol, flags);
  }

  long bind(int fd, const ::sockaddr* addr, socklen_t len) {
    return with_socket(fd, "bind", [&](kvfs::socket<any_proto>& sock, open_file&) -> long {
      return any_proto::bind(sock.sk, addr, len);
    });
  }
  long connect(int fd, const ::sockaddr* addr, socklen_t len) {
    return with_socket(fd, "connect", [&](kvfs::socket<any_proto>& sock, open_file&) -> long {
      return any_proto::connect(sock.sk, addr, len);
    });
  }
  long listen(int fd, int backlog) {
    return with_socket(fd, "listen", [&](kvfs::socket<any_proto>& sock, open_file&) -> long {
      return any_proto::listen(sock.sk, backlog);
    });
  }
  /// setsockopt(2): the option is set on the host socket (sock_setsockopt).
  long setsockopt(int fd, int level, int name, const void* value, socklen_t len) {
    return with_socket(fd, "setsockopt", [&](kvfs::socket<any_proto>& sock, open_file&) -> long {
      return ::setsockopt(sock.native_handle(), level, name, value, len) < 0 ? -errno : 0;
    });
  }
  long getsockname(int fd, ::sockaddr* addr, socklen_t* len) {
    return with_socket(fd, "getsockname", [&](kvfs::socket<any_proto>& sock, open_file&) -> long {
      return any_proto::getname(sock.sk, addr, len);
    });
  }

  /// accept4(2): as __sys_accept4() → do_accept(): the descriptor (EBADF),
  /// then the flags (only SOCK_NONBLOCK and SOCK_CLOEXEC, else EINVAL),
  /// then the socket (ENOTSOCK). The new socket gets the lowest free number.
  long accept4(int fd, int flags = 0) {
    std::optional<any_proto::sock_type> accepted;
    const long result = with_file(fd, "accept4", [&](open_file& file) -> long {
      if ((flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) != 0) return -EINVAL;
      kvfs::socket<any_proto>* sock = sock_from_file(file);
      if (sock == nullptr) return -ENOTSOCK;
      return any_proto::accept(sock->sk, flags, accepted);
    });
    if (result < 0) return result;
    return fd_install(
        descriptor<sockfs<any_proto>>(kvfs::socket<any_proto>{std::move(*accepted)}, O_RDWR | (flags & SOCK_NONBLOCK)),
        flags & SOCK_CLOEXEC);
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

  /// What `ls -l /proc/self/fd` shows: the link's mode (r and w from the
  /// file's access mode, as proc_fd_link sets it), the number and d_path():
  /// "lrwx------ 3 -> /tmp/notes.txt", "lrwx------ 4 -> socket:[1234]".
  std::string proc_self_fd() const {
    std::string out;
    files_.for_each([&](int fd, const open_file& file) {
      const bool r = (file.f_mode & FMODE_READ) != 0, w = (file.f_mode & FMODE_WRITE) != 0;
      out += std::string("l") + (r ? 'r' : '-') + (w ? 'w' : '-') + "x------ " + std::to_string(fd) + " -> " +
             file.f_path + '\n';
    });
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
      kvfs::socket<any_proto>* sock = sock_from_file(file);
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

  using mount_fn = std::shared_ptr<mounted_fs> (*)(std::string_view source, long& error);
  struct fs_entry {
    fs_info info;
    mount_fn mount;  // null: the type cannot be mounted
  };
  struct mount_entry {
    std::string source, target, fstype;
    std::shared_ptr<mounted_fs> fs;
  };

  static std::string trim_slash(std::string path) {
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    return path;
  }

  // The mount that holds `absolute` (the newest of the longest matching
  // mount points) and the path inside it.
  std::pair<std::shared_ptr<mounted_fs>, std::string> path_walk(const std::string& absolute) const {
    std::lock_guard guard(mounts_lock_);
    const mount_entry* best = nullptr;
    for (const mount_entry& m : mounts_) {
      const bool covers = m.target == "/" || absolute == m.target ||
                          (absolute.rfind(m.target, 0) == 0 && absolute[m.target.size()] == '/');
      if (covers && (best == nullptr || m.target.size() >= best->target.size())) best = &m;
    }
    const std::string inside = best->target == "/" ? absolute : absolute.substr(best->target.size());
    return {best->fs, inside.empty() ? std::string("/") : inside};
  }

  struct net_family {
    int family, type;
    socket_create create;
  };

  template <file_system_type Fs>
  static mount_fn mount_function() noexcept;

  fd_table files_;
  ostream_trace trace_;
  std::vector<fs_entry> file_systems_;
  mutable std::mutex mounts_lock_;  // namespace_sem, and net_families' lock
  std::vector<mount_entry> mounts_;
  std::vector<net_family> net_families_;
};

/// A descriptor number of a process: the generic descriptor functions work
/// on it through the table (a handle, not an owner: close it with kvfs::close).
class fd {
 public:
  fd(process& proc, int number) noexcept : proc_(&proc), number_(number) {}

  int number() const noexcept { return number_; }
  process& owner() const noexcept { return *proc_; }
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
  int vfs_fcntl(int cmd, long arg) { return static_cast<int>(proc_->fcntl(number_, cmd, arg)); }
  int vfs_poll_wait() { return static_cast<int>(proc_->poll_wait(number_)); }
  int sock_shutdown(int how) { return static_cast<int>(proc_->shutdown(number_, how)); }
  int release() { return static_cast<int>(proc_->close(number_)); }

 private:
  process* proc_;
  int number_;
};

namespace detail {

// posixfs mounted at a point: `source` is the host directory it shows.
class posixfs_mount final : public mounted_fs {
 public:
  explicit posixfs_mount(std::string source) : root_(std::move(source)) {}

  long open(process& proc, std::string_view path, const std::string& shown, int flags, mode_t mode) override {
    std::error_code ec;
    auto file = kvfs::open(host_path(path), flags, mode, ec);
    if (ec) return -ec.value();
    const int cloexec = flags & O_CLOEXEC;
    // chrdev_open(): a memory device node gets kvfs's own driver.
    struct ::stat st {};
    if (file.vfs_fstat(st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 1) {
      switch (minor(st.st_rdev)) {
        case 3:
          return proc.fd_install(open_device<dev_null>(flags), cloexec, shown);
        case 5:
          return proc.fd_install(open_device<dev_zero>(flags), cloexec, shown);
        case 7:
          return proc.fd_install(open_device<dev_full>(flags), cloexec, shown);
        default:
          break;
      }
    }
    return proc.fd_install(std::move(file), cloexec, shown);
  }

  long mkdir(std::string_view path, mode_t mode) override {
    return ::mkdir(host_path(path).c_str(), mode) < 0 ? -errno : 0;
  }

  long lookup_dir(std::string_view path) override {
    struct ::stat st {};
    if (::stat(host_path(path).c_str(), &st) < 0) return -errno;
    return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
  }

 private:
  std::string host_path(std::string_view path) const {
    if (root_ == "/") return std::string(path);
    return root_ + std::string(path);
  }
  std::string root_;
};

// A ramfs instance mounted at a point.
class ramfs_mount final : public mounted_fs {
 public:
  long open(process& proc, std::string_view path, const std::string& shown, int flags, mode_t mode) override {
    std::error_code ec;
    auto file = sb_.open(path, flags, mode, ec);
    if (ec) return -ec.value();
    return proc.fd_install(std::move(file), flags & O_CLOEXEC, shown);
  }
  long mkdir(std::string_view path, mode_t mode) override { return sb_.mkdir(path, mode); }
  long lookup_dir(std::string_view path) override {
    std::error_code ec;
    sb_.list(path, ec);
    return ec ? -ec.value() : 0;
  }

 private:
  ramfs::super_block sb_;
};

}  // namespace detail

template <file_system_type Fs>
process::mount_fn process::mount_function() noexcept {
  if constexpr (std::is_same_v<Fs, posixfs>) {
    return [](std::string_view source, long& error) -> std::shared_ptr<mounted_fs> {
      struct ::stat st {};
      const std::string root(source.empty() ? "/" : source);
      if (::stat(root.c_str(), &st) < 0) {
        error = -errno;
        return nullptr;
      }
      if (!S_ISDIR(st.st_mode)) {
        error = -ENOTDIR;
        return nullptr;
      }
      return std::make_shared<detail::posixfs_mount>(root == "/" ? root : trim_slash(root));
    };
  } else if constexpr (std::is_same_v<Fs, ramfs>) {
    return
        [](std::string_view, long&) -> std::shared_ptr<mounted_fs> { return std::make_shared<detail::ramfs_mount>(); };
  } else {
    return nullptr;
  }
}

template <file_system_type... Fs>
process::process(registry<Fs...> file_systems, std::size_t max_files) : files_(max_files) {
  (file_systems_.push_back({*file_systems.find(fs_name<Fs>), mount_function<Fs>()}), ...);
  long error = 0;
  mounts_.push_back({"/", "/", "posixfs", mount_function<posixfs>()("/", error)});
}

}  // namespace kvfs
