// SPDX-License-Identifier: BSL-1.0
// The two systems every conformance scenario runs on: the real kernel
// (raw system calls) and kvfs's process. Both answer kernel-style: a
// count, offset or number, or -errno.
#pragma once

#include <kvfs/kernel.hpp>
#include <kvfs/net/inet.hpp>
#include <kvfs/net/net_init.hpp>
#include <kvfs/net/unix.hpp>

#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <utility>

namespace kvfs_test {

inline long raw_result(long result) { return result < 0 ? -errno : result; }

struct real_kernel {
  static constexpr const char* name = "linux";

  long open(const std::filesystem::path& p, int flags, mode_t mode = 0) {
    return raw_result(::open(p.c_str(), flags | O_CLOEXEC, mode));
  }
  long openat(int dirfd, const std::filesystem::path& p, int flags, mode_t mode = 0) {
    return raw_result(::openat(dirfd, p.c_str(), flags | O_CLOEXEC, mode));
  }
  long read(int fd, std::span<std::byte> b) { return raw_result(::read(fd, b.data(), b.size())); }
  long write(int fd, std::span<const std::byte> b) { return raw_result(::write(fd, b.data(), b.size())); }
  long readv(int fd, std::span<const ::iovec> v) {
    return raw_result(::readv(fd, v.data(), static_cast<int>(v.size())));
  }
  long writev(int fd, std::span<const ::iovec> v) {
    return raw_result(::writev(fd, v.data(), static_cast<int>(v.size())));
  }
  long pread(int fd, std::span<std::byte> b, kvfs::loff_t pos) {
    return raw_result(::pread(fd, b.data(), b.size(), pos));
  }
  long pwrite(int fd, std::span<const std::byte> b, kvfs::loff_t pos) {
    return raw_result(::pwrite(fd, b.data(), b.size(), pos));
  }
  long lseek(int fd, kvfs::loff_t off, int whence) { return raw_result(::lseek(fd, off, whence)); }
  long fsync(int fd) { return raw_result(::fsync(fd)); }
  long fstat(int fd, struct ::stat& st) { return raw_result(::fstat(fd, &st)); }
  long close(int fd) { return raw_result(::close(fd)); }
  long fcntl(int fd, int cmd, long arg = 0) { return raw_result(::fcntl(fd, cmd, arg)); }
  long dup(int fd) { return raw_result(::fcntl(fd, F_DUPFD_CLOEXEC, 0)); }
  long dup2(int a, int b) { return raw_result(::dup2(a, b)); }
  long dup3(int a, int b, int flags) { return raw_result(::dup3(a, b, flags)); }
  long pipe(std::span<int, 2> fds, int flags = 0) { return raw_result(::pipe2(fds.data(), flags | O_CLOEXEC)); }
  long send(int fd, std::span<const std::byte> b, int flags = 0) {
    return raw_result(::send(fd, b.data(), b.size(), flags | MSG_NOSIGNAL));
  }
  long recv(int fd, std::span<std::byte> b, int flags = 0) { return raw_result(::recv(fd, b.data(), b.size(), flags)); }
  long sendto(int fd, std::span<const std::byte> b, int flags, const ::sockaddr* a, socklen_t len) {
    return raw_result(::sendto(fd, b.data(), b.size(), flags | MSG_NOSIGNAL, a, len));
  }
  long recvfrom(int fd, std::span<std::byte> b, int flags, ::sockaddr* a, socklen_t* len) {
    return raw_result(::recvfrom(fd, b.data(), b.size(), flags, a, len));
  }
  long sendmsg(int fd, const ::msghdr& m, int flags) { return raw_result(::sendmsg(fd, &m, flags | MSG_NOSIGNAL)); }
  long recvmsg(int fd, ::msghdr& m, int flags) { return raw_result(::recvmsg(fd, &m, flags)); }
  long shutdown(int fd, int how) { return raw_result(::shutdown(fd, how)); }
  long mkdir(const std::filesystem::path& p, mode_t mode) { return raw_result(::mkdir(p.c_str(), mode)); }
  long fstatat(int dirfd, const std::string& p, struct ::stat& st, int flags) {
    return raw_result(::fstatat(dirfd, p.c_str(), &st, flags));
  }
  long unlinkat(int dirfd, const std::string& p, int flags) { return raw_result(::unlinkat(dirfd, p.c_str(), flags)); }
  long renameat2(int od, const std::string& o, int nd, const std::string& n, unsigned flags) {
    return raw_result(::renameat2(od, o.c_str(), nd, n.c_str(), flags));
  }
  long linkat(int od, const std::string& o, int nd, const std::string& n, int flags) {
    return raw_result(::linkat(od, o.c_str(), nd, n.c_str(), flags));
  }
  long symlinkat(const std::string& target, int nd, const std::string& n) {
    return raw_result(::symlinkat(target.c_str(), nd, n.c_str()));
  }
  long readlinkat(int dirfd, const std::string& p, std::span<char> buf) {
    return raw_result(::readlinkat(dirfd, p.c_str(), buf.data(), buf.size()));
  }
  long truncate(const std::string& p, kvfs::loff_t length) { return raw_result(::truncate(p.c_str(), length)); }
  long getdents64(int fd, std::span<std::byte> buf) {
    return raw_result(static_cast<long>(::syscall(SYS_getdents64, fd, buf.data(), buf.size())));
  }
  long socket(int family, int type, int protocol) {
    return raw_result(::socket(family, type | SOCK_CLOEXEC, protocol));
  }
  long bind(int fd, const ::sockaddr* a, socklen_t len) { return raw_result(::bind(fd, a, len)); }
  long connect(int fd, const ::sockaddr* a, socklen_t len) { return raw_result(::connect(fd, a, len)); }
  long listen(int fd, int backlog) { return raw_result(::listen(fd, backlog)); }
  long accept4(int fd, int flags) { return raw_result(::accept4(fd, nullptr, nullptr, flags)); }
  long getsockname(int fd, ::sockaddr* a, socklen_t* len) { return raw_result(::getsockname(fd, a, len)); }
  long getpeername(int fd, ::sockaddr* a, socklen_t* len) { return raw_result(::getpeername(fd, a, len)); }
  long setsockopt(int fd, int level, int name, const void* v, socklen_t len) {
    return raw_result(::setsockopt(fd, level, name, v, len));
  }
  long getsockopt(int fd, int level, int name, void* v, socklen_t* len) {
    return raw_result(::getsockopt(fd, level, name, v, len));
  }
  long socketpair(int family, int type, int protocol, std::span<int, 2> sv) {
    return raw_result(::socketpair(family, type, protocol, sv.data()));
  }
  long ftruncate(int fd, kvfs::loff_t length) { return raw_result(::ftruncate(fd, length)); }
  long chmod(const std::string& p, mode_t mode) { return raw_result(::chmod(p.c_str(), mode)); }
  long fchmod(int fd, mode_t mode) { return raw_result(::fchmod(fd, mode)); }
  // fchmodat2(2) (Linux 6.6: the flags), else glibc's fchmodat.
  long fchmodat(int dirfd, const std::string& p, mode_t mode, int flags) {
    constexpr long sys_fchmodat2 = 452;  // x86_64, asm-generic: newer than these headers
    const long r = raw_result(::syscall(sys_fchmodat2, dirfd, p.c_str(), mode, flags));
    return r != -ENOSYS ? r : raw_result(::fchmodat(dirfd, p.c_str(), mode, flags));
  }
  long utimensat(int dirfd, const std::string& p, const ::timespec* times, int flags) {
    return raw_result(::utimensat(dirfd, p.c_str(), times, flags));
  }
  long futimens(int fd, const ::timespec* times) { return raw_result(::futimens(fd, times)); }
  long faccessat(int dirfd, const std::string& p, int mode, int flags) {
    return raw_result(::syscall(SYS_faccessat2, dirfd, p.c_str(), mode, flags));
  }
  long statfs(const std::string& p, struct ::statfs& buf) { return raw_result(::statfs(p.c_str(), &buf)); }
  long fstatfs(int fd, struct ::statfs& buf) { return raw_result(::fstatfs(fd, &buf)); }
  // chdir and fchdir change this test process's directory: the scenario
  // that calls them puts it back (cwd_guard).
  long chdir(const std::string& p) { return raw_result(::chdir(p.c_str())); }
  long fchdir(int fd) { return raw_result(::fchdir(fd)); }
  long getcwd(std::span<char> buf) { return raw_result(::syscall(SYS_getcwd, buf.data(), buf.size())); }
  long sendfile(int out, int in, kvfs::loff_t* off, std::size_t count) {
    off_t pos = off != nullptr ? *off : 0;
    const long r = raw_result(::sendfile(out, in, off != nullptr ? &pos : nullptr, count));
    if (off != nullptr) *off = pos;
    return r;
  }

  /// A connected TCP pair on loopback: {client, server}; -errno on failure.
  std::pair<long, long> tcp_pair(int client_flags = 0) {
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    ::bind(listener, reinterpret_cast<sockaddr*>(&addr), len);
    ::listen(listener, 1);
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
    const int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ::connect(client, reinterpret_cast<sockaddr*>(&addr), len);
    if ((client_flags & O_NONBLOCK) != 0) ::fcntl(client, F_SETFL, O_NONBLOCK);
    const int server = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    ::close(listener);
    return {client, server};
  }

  /// socketpair(AF_UNIX, SOCK_STREAM): {first, second}.
  std::pair<long, long> unix_pair(int first_flags = 0) {
    int fds[2] = {-1, -1};
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0) return {-errno, -errno};
    if ((first_flags & O_NONBLOCK) != 0) ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
    return {fds[0], fds[1]};
  }
};

inline std::size_t rlimit_nofile() {
  ::rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  return static_cast<std::size_t>(limit.rlim_cur);
}

struct kvfs_kernel {
  static constexpr const char* name = "kvfs";
  /// By default the same limit as this process has on the real kernel.
  explicit kvfs_kernel(std::size_t max_files = rlimit_nofile()) : proc(max_files) { kvfs::net_init(proc, io); }

  asio::io_context io;  // outlives the sockets in the table: declared first
  kvfs::process proc;

  // O_CLOEXEC as real_kernel opens (so that no test descriptor leaks into a child).
  long open(const std::filesystem::path& p, int flags, mode_t mode = 0) {
    return proc.open(p, flags | O_CLOEXEC, mode);
  }
  long openat(int dirfd, const std::filesystem::path& p, int flags, mode_t mode = 0) {
    return proc.openat(dirfd, p, flags | O_CLOEXEC, mode);
  }
  long read(int fd, std::span<std::byte> b) { return proc.read(fd, b); }
  long write(int fd, std::span<const std::byte> b) { return proc.write(fd, b); }
  long readv(int fd, std::span<const ::iovec> v) { return proc.readv(fd, v); }
  long writev(int fd, std::span<const ::iovec> v) { return proc.writev(fd, v); }
  long pread(int fd, std::span<std::byte> b, kvfs::loff_t pos) { return proc.pread(fd, b, pos); }
  long pwrite(int fd, std::span<const std::byte> b, kvfs::loff_t pos) { return proc.pwrite(fd, b, pos); }
  long lseek(int fd, kvfs::loff_t off, int whence) { return proc.lseek(fd, off, whence); }
  long fsync(int fd) { return proc.fsync(fd); }
  long fstat(int fd, struct ::stat& st) { return proc.fstat(fd, st); }
  long close(int fd) { return proc.close(fd); }
  long fcntl(int fd, int cmd, long arg = 0) { return proc.fcntl(fd, cmd, arg); }
  long dup(int fd) { return proc.fcntl(fd, F_DUPFD_CLOEXEC, 0); }  // as real_kernel's
  long dup2(int a, int b) { return proc.dup2(a, b); }
  long dup3(int a, int b, int flags) { return proc.dup3(a, b, flags); }
  long pipe(std::span<int, 2> fds, int flags = 0) { return proc.pipe(fds, flags | O_CLOEXEC); }
  long send(int fd, std::span<const std::byte> b, int flags = 0) { return proc.send(fd, b, flags); }
  long recv(int fd, std::span<std::byte> b, int flags = 0) { return proc.recv(fd, b, flags); }
  long sendto(int fd, std::span<const std::byte> b, int flags, const ::sockaddr* a, socklen_t len) {
    return proc.sendto(fd, b, flags, a, len);
  }
  long recvfrom(int fd, std::span<std::byte> b, int flags, ::sockaddr* a, socklen_t* len) {
    return proc.recvfrom(fd, b, flags, a, len);
  }
  long sendmsg(int fd, const ::msghdr& m, int flags) { return proc.sendmsg(fd, m, flags); }
  long recvmsg(int fd, ::msghdr& m, int flags) { return proc.recvmsg(fd, m, flags); }
  long shutdown(int fd, int how) { return proc.shutdown(fd, how); }
  long sendfile(int out, int in, kvfs::loff_t* off, std::size_t count) { return proc.sendfile(out, in, off, count); }
  long mkdir(const std::filesystem::path& p, mode_t mode) { return proc.mkdir(p, mode); }
  long fstatat(int dirfd, const std::string& p, struct ::stat& st, int flags) {
    return proc.fstatat(dirfd, p, st, flags);
  }
  long unlinkat(int dirfd, const std::string& p, int flags) { return proc.unlinkat(dirfd, p, flags); }
  long renameat2(int od, const std::string& o, int nd, const std::string& n, unsigned flags) {
    return proc.renameat2(od, o, nd, n, flags);
  }
  long linkat(int od, const std::string& o, int nd, const std::string& n, int flags) {
    return proc.linkat(od, o, nd, n, flags);
  }
  long symlinkat(const std::string& target, int nd, const std::string& n) { return proc.symlinkat(target, nd, n); }
  long readlinkat(int dirfd, const std::string& p, std::span<char> buf) { return proc.readlinkat(dirfd, p, buf); }
  long truncate(const std::string& p, kvfs::loff_t length) { return proc.truncate(p, length); }
  long getdents64(int fd, std::span<std::byte> buf) { return proc.getdents64(fd, buf); }
  long ftruncate(int fd, kvfs::loff_t length) { return proc.ftruncate(fd, length); }
  long chmod(const std::string& p, mode_t mode) { return proc.chmod(p, mode); }
  long fchmod(int fd, mode_t mode) { return proc.fchmod(fd, mode); }
  long fchmodat(int dirfd, const std::string& p, mode_t mode, int flags) {
    return proc.fchmodat(dirfd, p, mode, flags);
  }
  long utimensat(int dirfd, const std::string& p, const ::timespec* times, int flags) {
    return proc.utimensat(dirfd, p, times, flags);
  }
  long futimens(int fd, const ::timespec* times) { return proc.futimens(fd, times); }
  long faccessat(int dirfd, const std::string& p, int mode, int flags) { return proc.faccessat(dirfd, p, mode, flags); }
  long statfs(const std::string& p, struct ::statfs& buf) { return proc.statfs(p, buf); }
  long fstatfs(int fd, struct ::statfs& buf) { return proc.fstatfs(fd, buf); }
  long chdir(const std::string& p) { return proc.chdir(p); }
  long fchdir(int fd) { return proc.fchdir(fd); }
  long getcwd(std::span<char> buf) { return proc.getcwd(buf); }
  long socket(int family, int type, int protocol) { return proc.socket(family, type | SOCK_CLOEXEC, protocol); }
  long bind(int fd, const ::sockaddr* a, socklen_t len) { return proc.bind(fd, a, len); }
  long connect(int fd, const ::sockaddr* a, socklen_t len) { return proc.connect(fd, a, len); }
  long listen(int fd, int backlog) { return proc.listen(fd, backlog); }
  long accept4(int fd, int flags) { return proc.accept4(fd, flags); }
  long getsockname(int fd, ::sockaddr* a, socklen_t* len) { return proc.getsockname(fd, a, len); }
  long getpeername(int fd, ::sockaddr* a, socklen_t* len) { return proc.getpeername(fd, a, len); }
  long setsockopt(int fd, int level, int name, const void* v, socklen_t len) {
    return proc.setsockopt(fd, level, name, v, len);
  }
  long getsockopt(int fd, int level, int name, void* v, socklen_t* len) {
    return proc.getsockopt(fd, level, name, v, len);
  }
  long socketpair(int family, int type, int protocol, std::span<int, 2> sv) {
    return proc.socketpair(family, type, protocol, sv);
  }

  std::pair<long, long> tcp_pair(int client_flags = 0) {
    kvfs::tcp::acceptor listener(io, {asio::ip::make_address("127.0.0.1"), 0});
    auto client = kvfs::tcp::connect(io, listener.local_endpoint(), client_flags);
    auto server = kvfs::tcp::accept(listener);
    const long c = proc.fd_install(std::move(client));
    const long s = proc.fd_install(std::move(server));
    return {c, s};
  }

  std::pair<long, long> unix_pair(int first_flags = 0) {
    auto [first, second] = kvfs::unix_stream::pair(io);
    if ((first_flags & O_NONBLOCK) != 0) {
      first = kvfs::unix_stream::install(std::move(first.private_data().sk), ec_, first_flags, kvfs::no_trace{});
    }
    return {proc.fd_install(std::move(first)), proc.fd_install(std::move(second))};
  }

 private:
  std::error_code ec_;
};

}  // namespace kvfs_test
