// SPDX-License-Identifier: BSL-1.0
// The seed's steps in a process: sock_init() registers sockfs and
// kern_mount()s it (sock_mnt, in no namespace); socket(2) is __sock_create
// → sock_map_fd → sock_alloc_file → fd_install, in that order; write(2) on
// the number reaches the protocol through __sock_sendmsg.
#include <kvfs/kernel/process.hpp>
#include <kvfs/net/net_init.hpp>

#include <catch2/catch.hpp>

#include "support.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/vfs.h>

#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>

#include <sstream>
#include <string>

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A loopback listener and a connected table number.
struct connected {
  asio::io_context io;
  kvfs::tcp::acceptor listener{io, {asio::ip::make_address("127.0.0.1"), 0}};
  int connect(kvfs::process& proc, int fd) {
    ::sockaddr_in peer{};
    peer.sin_family = AF_INET;
    peer.sin_port = htons(listener.local_endpoint().port());
    peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return static_cast<int>(proc.connect(fd, reinterpret_cast<const ::sockaddr*>(&peer), sizeof peer));
  }
};

}  // namespace

TEST_CASE("boot: each type's init function registers it; pseudo types get an internal mount", "[sockfs][boot]") {
  kvfs::process proc;
  const std::string& log = proc.dmesg();
  CHECK(contains(log, "sock_init -> register_filesystem(sockfs) -> kern_mount(sockfs) = sock_mnt\n"));
  CHECK(contains(log, "init_pipe_fs -> register_filesystem(pipefs) -> kern_mount(pipefs) = pipe_mnt\n"));
  CHECK(contains(log, "init_ramfs_fs -> register_filesystem(ramfs)\n"));
  CHECK_FALSE(contains(log, "kern_mount(ramfs)"));
  CHECK(log.find("sock_init") < log.find("init_mount_tree"));

  REQUIRE(proc.file_systems().kern_mounts().size() == 2);
  CHECK(proc.file_systems().internal_mount("sockfs") != nullptr);
  CHECK(proc.file_systems().internal_mount("ramfs") == nullptr);
  // An internal mount is in no namespace, and a pseudo type cannot be mounted.
  CHECK_FALSE(contains(proc.proc_mounts(), "sockfs"));
  kvfs_test::temp_dir dir;
  CHECK(proc.mount("none", dir.path(), "sockfs") == -EINVAL);
}

TEST_CASE("socket(2) reserves a number, makes the file, installs it: in the kernel's order", "[sockfs][boot]") {
  kvfs_test::no_descriptor_leak leak_check;
  connected net;
  kvfs::process proc;
  kvfs::net_init(proc, net.io);
  std::ostringstream log;
  proc.trace_to(log);

  const int fd = static_cast<int>(proc.socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(fd >= 0);
  CHECK(log.str() ==
        "socket(AF_INET, SOCK_STREAM, 0) -> __sys_socket -> __sock_create -> inet_create -> sock_map_fd"
        " -> get_unused_fd_flags -> sock_alloc_file -> alloc_file_pseudo(f_op = &socket_file_ops)"
        " -> stream_open -> fd_install = " +
            std::to_string(fd) + "\n");
  CHECK(proc.fcntl(fd, F_GETFD) == FD_CLOEXEC);
  // The socket's file holds sockfs's internal mount, as alloc_file_pseudo() sets f_path.mnt.
  CHECK(proc.files().fdget(fd)->f_mnt == proc.file_systems().internal_mount("sockfs"));
  struct ::statfs fs {};
  CHECK(proc.fstatfs(fd, fs) == 0);
  CHECK(fs.f_type == 0x534F434B);  // SOCKFS_MAGIC, as the kernel answers for any socket

  REQUIRE(net.connect(proc, fd) == 0);
  auto peer = kvfs::tcp::accept(net.listener);
  log.str("");
  CHECK(proc.write(fd, kvfs::as_bytes("seed")) == 4);
  CHECK(log.str() == "write(fd " + std::to_string(fd) +
                         ") -> ksys_write -> fdget_pos -> vfs_write -> sockfs: socket_file_ops.write_iter"
                         " -> sock_write_iter -> __sock_sendmsg -> sock_sendmsg_nosec -> sock->ops: sendmsg"
                         " -> tcp: sendmsg -> send(2) = 4\n");
  std::array<char, 8> got{};
  CHECK(kvfs::read(peer, std::span<char>(got)) == 4);
  CHECK(proc.close(fd) == 0);
}

TEST_CASE("socket(2) with a full table is EMFILE and leaves nothing behind", "[sockfs][boot]") {
  kvfs_test::no_descriptor_leak leak_check;
  connected net;
  kvfs::process proc(1);
  kvfs::net_init(proc, net.io);
  std::ostringstream log;
  proc.trace_to(log);
  const long first = proc.socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(first == 0);
  log.str("");
  // sock_map_fd(): no number, so no file: the socket is released at once.
  CHECK(proc.socket(AF_INET, SOCK_STREAM, 0) == -EMFILE);
  CHECK(contains(log.str(), "-> get_unused_fd_flags = -1 EMFILE\n"));
  CHECK_FALSE(contains(log.str(), "sock_alloc_file"));
  CHECK(proc.close(0) == 0);
}
