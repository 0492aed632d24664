// SPDX-License-Identifier: BSL-1.0
// SCM_RIGHTS over Unix-domain sockets: the received number refers to the
// same open file (one offset, one set of status flags), between two
// processes of one program and for any kvfs file (ramfs, a user's own
// type); files in flight are released exactly once when nobody reads them;
// the checks of __scm_send, differential against the real kernel.
#include <kvfs/kernel.hpp>
#include <kvfs/net.hpp>

#include <catch2/catch.hpp>

#include "differential.hpp"
#include "support.hpp"

#include <asio/io_context.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

using kvfs_test::bytes;
using kvfs_test::differential;
using kvfs_test::observations;
using kvfs_test::temp_dir;

namespace {

// A message of `payload` carrying `fds` in one SCM_RIGHTS header.
struct rights_message {
  explicit rights_message(std::vector<int> fds, std::string text = "m")
      : payload(std::move(text)), control(CMSG_SPACE(sizeof(int) * fds.size())) {
    segment = {payload.data(), payload.size()};
    msg.msg_iov = &segment;
    msg.msg_iovlen = 1;
    if (fds.empty()) return;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    ::cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(cmsg), fds.data(), sizeof(int) * fds.size());
  }
  std::string payload;
  std::vector<char> control;
  ::iovec segment{};
  ::msghdr msg{};
};

// A receive with room for exactly `room` descriptors (CMSG_LEN: CMSG_SPACE
// would round up to room for one more); `fds()` are those it got.
struct received_message {
  explicit received_message(std::size_t room) : control(CMSG_SPACE(sizeof(int) * room)) {
    segment = {buf.data(), buf.size()};
    msg.msg_iov = &segment;
    msg.msg_iovlen = 1;
    msg.msg_control = room == 0 ? nullptr : control.data();
    msg.msg_controllen = room == 0 ? 0 : CMSG_LEN(sizeof(int) * room);
  }
  std::vector<int> fds() const {
    std::vector<int> out;
    for (const ::cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr;
         c = CMSG_NXTHDR(const_cast<::msghdr*>(&msg), const_cast<::cmsghdr*>(c))) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      const std::size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (std::size_t i = 0; i < n; ++i) {
        int fd;
        std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
        out.push_back(fd);
      }
    }
    return out;
  }
  std::array<char, 64> buf{};
  std::vector<char> control;
  ::iovec segment{};
  ::msghdr msg{};
};

std::string read_text(auto& sys, int fd, std::size_t n) {
  std::vector<std::byte> buf(n);
  const long got = sys.read(fd, buf);
  return got < 0 ? "error " + std::to_string(-got)
                 : kvfs_test::text(std::span(buf).first(static_cast<std::size_t>(got)));
}

// tallyfs: a user's own type whose files count their releases.
std::atomic<int> tally_releases{0};
struct tally_operations {
  static constexpr std::string_view name = "tally_operations";
  static ssize_t read(auto&, std::span<std::byte>) { return 0; }
  static int release(auto&) {
    ++tally_releases;
    return 0;
  }
};
struct tallyfs {
  static constexpr auto name = kvfs::name_c<"tallyfs">;
  struct private_data {};
  using file_operations = tally_operations;
};

// Two processes of one program joined by a Unix socketpair: a's end is in
// the first, b's in the second.
struct two_processes {
  explicit two_processes(int type = SOCK_STREAM) {
    kvfs::net_init(first, io);
    kvfs::net_init(second, io);
    if (type == SOCK_STREAM) {
      auto [x, y] = kvfs::unix_stream::pair(io);
      a = static_cast<int>(first.fd_install(std::move(x), O_CLOEXEC));
      b = static_cast<int>(second.fd_install(std::move(y), O_CLOEXEC));
    } else {
      auto [x, y] = kvfs::unix_dgram::pair(io);
      a = static_cast<int>(first.fd_install(std::move(x), O_CLOEXEC));
      b = static_cast<int>(second.fd_install(std::move(y), O_CLOEXEC));
    }
  }
  asio::io_context io;
  kvfs::process first, second;
  int a = -1, b = -1;
};

}  // namespace

TEST_CASE("a ramfs file passed to another process is the same open file", "[scm][table]") {
  kvfs_test::no_descriptor_leak leak_check;
  temp_dir dir;
  two_processes procs;
  kvfs::process& sender = procs.first;
  kvfs::process& receiver = procs.second;
  REQUIRE(sender.mount("none", dir.path(), "ramfs") == 0);
  const int file = static_cast<int>(sender.open(dir / "shared", O_RDWR | O_CREAT, 0644));
  REQUIRE(file >= 0);
  REQUIRE(sender.write(file, bytes("0123456789")) == 10);
  REQUIRE(sender.lseek(file, 0, SEEK_SET) == 0);

  rights_message out({file}, "here");
  REQUIRE(sender.sendmsg(procs.a, out.msg) == 4);
  CHECK(kvfs::detail::scm_inflight::instance().in_flight() == 1);
  received_message in(1);
  REQUIRE(receiver.recvmsg(procs.b, in.msg, MSG_CMSG_CLOEXEC) == 4);
  CHECK(kvfs::detail::scm_inflight::instance().in_flight() == 0);
  const std::vector<int> got = in.fds();
  REQUIRE(got.size() == 1);
  const int copy = got[0];
  CHECK((in.msg.msg_flags & MSG_CTRUNC) == 0);
  CHECK(receiver.fcntl(copy, F_GETFD) == FD_CLOEXEC);

  // One offset: each read moves it for both.
  CHECK(read_text(sender, file, 4) == "0123");
  CHECK(read_text(receiver, copy, 4) == "4567");
  CHECK(sender.lseek(file, 0, SEEK_CUR) == 8);
  // One set of status flags.
  REQUIRE(receiver.fcntl(copy, F_SETFL, O_APPEND) == 0);
  CHECK((sender.fcntl(file, F_GETFL) & O_APPEND) != 0);
  // The sender's close leaves the receiver's file open.
  CHECK(sender.close(file) == 0);
  CHECK(read_text(receiver, copy, 8) == "89");
  CHECK(receiver.close(copy) == 0);
  CHECK(sender.close(procs.a) == 0);
  CHECK(receiver.close(procs.b) == 0);
}

TEST_CASE("files in flight are released exactly once when nobody reads them", "[scm][table]") {
  kvfs_test::no_descriptor_leak leak_check;
  const auto send_tally = [](two_processes& procs) {
    const int fd = static_cast<int>(procs.first.fd_install(kvfs::descriptor<tallyfs>({}, O_RDONLY)));
    rights_message out({fd});
    REQUIRE(procs.first.sendmsg(procs.a, out.msg) == 1);
    REQUIRE(procs.first.close(fd) == 0);  // in flight only now
  };
  tally_releases = 0;

  SECTION("the receiving socket closes with the file queued") {
    two_processes procs;
    send_tally(procs);
    CHECK(tally_releases == 0);
    CHECK(procs.second.close(procs.b) == 0);
    CHECK(tally_releases == 1);
    CHECK(procs.first.close(procs.a) == 0);
  }
  SECTION("a read without room for descriptors drops it") {
    two_processes procs(SOCK_DGRAM);
    send_tally(procs);
    std::array<std::byte, 8> buf{};
    CHECK(procs.second.read(procs.b, buf) == 1);
    CHECK(tally_releases == 1);
    CHECK(procs.second.close(procs.b) == 0);
    CHECK(procs.first.close(procs.a) == 0);
  }
  SECTION("room for one of three: MSG_CTRUNC, the other two released") {
    two_processes procs(SOCK_DGRAM);
    std::vector<int> fds;
    for (int i = 0; i < 3; ++i)
      fds.push_back(static_cast<int>(procs.first.fd_install(kvfs::descriptor<tallyfs>({}, O_RDONLY))));
    rights_message out(fds);
    REQUIRE(procs.first.sendmsg(procs.a, out.msg) == 1);
    for (const int fd : fds) procs.first.close(fd);
    received_message in(1);
    REQUIRE(procs.second.recvmsg(procs.b, in.msg) == 1);
    CHECK((in.msg.msg_flags & MSG_CTRUNC) != 0);
    REQUIRE(in.fds().size() == 1);
    CHECK(tally_releases == 2);
    CHECK(procs.second.close(in.fds()[0]) == 0);
    CHECK(tally_releases == 3);
    CHECK(procs.second.close(procs.b) == 0);
    CHECK(procs.first.close(procs.a) == 0);
  }
  SECTION("a failed send keeps the file in the sender only") {
    two_processes procs(SOCK_DGRAM);
    CHECK(procs.second.close(procs.b) == 0);
    const int fd = static_cast<int>(procs.first.fd_install(kvfs::descriptor<tallyfs>({}, O_RDONLY)));
    rights_message out({fd});
    CHECK(procs.first.sendmsg(procs.a, out.msg) == -ECONNREFUSED);
    CHECK(kvfs::detail::scm_inflight::instance().in_flight() == 0);
    CHECK(tally_releases == 0);
    CHECK(procs.first.close(fd) == 0);
    CHECK(tally_releases == 1);
    CHECK(procs.first.close(procs.a) == 0);
  }
}

TEST_CASE("SCM_RIGHTS as the kernel checks and delivers it", "[scm][conformance][table]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential([](auto& sys, const temp_dir& dir, observations& seen) {
    std::array<int, 2> sv{-1, -1};
    sys.socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv);
    const int file = static_cast<int>(sys.open(dir / "f", O_RDWR | O_CREAT, 0644));
    sys.write(file, bytes("abcdef"));
    sys.lseek(file, 0, SEEK_SET);

    rights_message one({file});
    seen("sendmsg with the file", sys.sendmsg(sv[0], one.msg, 0));
    received_message in(2);
    seen("recvmsg", sys.recvmsg(sv[1], in.msg, 0));
    const std::vector<int> got = in.fds();
    seen("descriptors received", static_cast<long>(got.size()));
    seen.fact("MSG_CTRUNC", (in.msg.msg_flags & MSG_CTRUNC) != 0);
    seen("msg_controllen", static_cast<long>(in.msg.msg_controllen));
    if (!got.empty()) {
      seen.text("read 2 through the file", read_text(sys, file, 2));
      seen.text("read 2 through the received number", read_text(sys, got[0], 2));
      seen("the file's offset", sys.lseek(file, 0, SEEK_CUR));
      seen("FD_CLOEXEC without MSG_CMSG_CLOEXEC", sys.fcntl(got[0], F_GETFD));
      sys.close(got[0]);
    }

    rights_message two({file, file});
    seen("two numbers of one file", sys.sendmsg(sv[0], two.msg, 0));
    received_message short_room(1);
    seen("recvmsg with room for one", sys.recvmsg(sv[1], short_room.msg, MSG_CMSG_CLOEXEC));
    seen("  received", static_cast<long>(short_room.fds().size()));
    seen.fact("  MSG_CTRUNC", (short_room.msg.msg_flags & MSG_CTRUNC) != 0);
    for (const int fd : short_room.fds()) {
      seen("  FD_CLOEXEC with MSG_CMSG_CLOEXEC", sys.fcntl(fd, F_GETFD));
      sys.close(fd);
    }

    std::array<std::byte, 8> buf{};
    rights_message bad({file, 999});
    seen("a number that is not open", sys.sendmsg(sv[0], bad.msg, 0));
    seen("  nothing was sent", sys.recv(sv[1], buf, MSG_DONTWAIT));
    rights_message too_many(std::vector<int>(254, file));
    seen("254 numbers", sys.sendmsg(sv[0], too_many.msg, 0));
    rights_message most(std::vector<int>(253, file));
    seen("253 numbers", sys.sendmsg(sv[0], most.msg, 0));
    received_message none(0);
    seen("read without room: the numbers are dropped", sys.recvmsg(sv[1], none.msg, 0));
    seen.fact("  MSG_CTRUNC", (none.msg.msg_flags & MSG_CTRUNC) != 0);
    rights_message short_header({file});
    CMSG_FIRSTHDR(&short_header.msg)->cmsg_len = sizeof(::cmsghdr) - 1;
    seen("a header shorter than cmsghdr", sys.sendmsg(sv[0], short_header.msg, 0));
    rights_message long_header({file});
    CMSG_FIRSTHDR(&long_header.msg)->cmsg_len = long_header.control.size() + 8;
    seen("a header longer than the buffer", sys.sendmsg(sv[0], long_header.msg, 0));
    rights_message unknown({file});
    CMSG_FIRSTHDR(&unknown.msg)->cmsg_type = 77;
    seen("an unknown SOL_SOCKET type", sys.sendmsg(sv[0], unknown.msg, 0));
    rights_message other_level({file});
    CMSG_FIRSTHDR(&other_level.msg)->cmsg_level = IPPROTO_IP;
    CMSG_FIRSTHDR(&other_level.msg)->cmsg_type = 77;
    seen("another level's header is skipped", sys.sendmsg(sv[0], other_level.msg, 0));
    seen("  sent", sys.recv(sv[1], buf, MSG_DONTWAIT));
    rights_message empty_rights({file});
    CMSG_FIRSTHDR(&empty_rights.msg)->cmsg_len = CMSG_LEN(0);
    seen("SCM_RIGHTS with no numbers", sys.sendmsg(sv[0], empty_rights.msg, 0));
    received_message nothing(1);
    seen("  received", sys.recvmsg(sv[1], nothing.msg, 0));
    seen("  descriptors", static_cast<long>(nothing.fds().size()));

    // SCM_CREDENTIALS goes to the host, which checks and delivers it.
    const int on = 1;
    seen("SO_PASSCRED", sys.setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on));
    rights_message creds({});
    alignas(::cmsghdr) std::array<char, CMSG_SPACE(sizeof(::ucred))> cred_control{};
    creds.msg.msg_control = cred_control.data();
    creds.msg.msg_controllen = cred_control.size();
    ::cmsghdr* cred = CMSG_FIRSTHDR(&creds.msg);
    cred->cmsg_level = SOL_SOCKET;
    cred->cmsg_type = SCM_CREDENTIALS;
    cred->cmsg_len = CMSG_LEN(sizeof(::ucred));
    const ::ucred mine{::getpid(), ::getuid(), ::getgid()};
    std::memcpy(CMSG_DATA(cred), &mine, sizeof mine);
    seen("sendmsg with SCM_CREDENTIALS", sys.sendmsg(sv[0], creds.msg, 0));
    alignas(::cmsghdr) std::array<char, CMSG_SPACE(sizeof(::ucred))> got_control{};
    received_message with_creds(0);
    with_creds.msg.msg_control = got_control.data();
    with_creds.msg.msg_controllen = got_control.size();
    seen("recvmsg", sys.recvmsg(sv[1], with_creds.msg, 0));
    const ::cmsghdr* got_cred = CMSG_FIRSTHDR(&with_creds.msg);
    ::ucred theirs{};
    if (got_cred != nullptr && got_cred->cmsg_type == SCM_CREDENTIALS)
      std::memcpy(&theirs, CMSG_DATA(got_cred), sizeof theirs);
    seen.fact("  the sender's pid, uid and gid",
              theirs.pid == mine.pid && theirs.uid == mine.uid && theirs.gid == mine.gid);

    // Over TCP the kernel ignores SCM_RIGHTS (__sock_cmsg_send).
    auto [client, server] = sys.tcp_pair();
    rights_message over_tcp({file});
    seen("SCM_RIGHTS over TCP", sys.sendmsg(static_cast<int>(client), over_tcp.msg, 0));
    received_message tcp_in(1);
    seen("  received", sys.recvmsg(static_cast<int>(server), tcp_in.msg, 0));
    seen("  descriptors", static_cast<long>(tcp_in.fds().size()));
    sys.close(static_cast<int>(client));
    sys.close(static_cast<int>(server));
    sys.close(file);
    sys.close(sv[0]);
    sys.close(sv[1]);
  });
}

TEST_CASE("send_fds and receive_fds: table numbers between processes, host descriptors on the static path",
          "[scm][table]") {
  kvfs_test::no_descriptor_leak leak_check;
  temp_dir dir;
  two_processes procs;
  REQUIRE(procs.first.mount("none", dir.path(), "ramfs") == 0);
  const int file = static_cast<int>(procs.first.open(dir / "f", O_RDWR | O_CREAT, 0644));
  kvfs::fd a(procs.first, procs.a), b(procs.second, procs.b);
  CHECK(kvfs::send_fds(a, bytes("two"), std::array{file, file}) == 3);
  std::array<std::byte, 8> buf{};
  std::array<int, 1> room{};
  const kvfs::fds_received got = kvfs::receive_fds(b, buf, room);
  CHECK(got.bytes == 3);
  CHECK(got.count == 1);
  CHECK(got.truncated);
  CHECK(procs.first.write(file, bytes("abc")) == 3);
  CHECK(procs.second.lseek(room[0], 0, SEEK_CUR) == 3);  // the same open file
  CHECK(procs.second.close(room[0]) == 0);
  CHECK(procs.first.close(file) == 0);
  CHECK(procs.first.close(procs.a) == 0);
  CHECK(procs.second.close(procs.b) == 0);

  // The static path passes host descriptors: a pipe's read end here.
  asio::io_context io;
  auto [x, y] = kvfs::unix_stream::pair(io);
  int ends[2];
  REQUIRE(::pipe2(ends, O_CLOEXEC) == 0);
  CHECK(kvfs::send_fds(x, bytes("p"), std::array{ends[0]}) == 1);
  std::array<int, 2> host{};
  const kvfs::fds_received on_host = kvfs::receive_fds(y, buf, host, MSG_CMSG_CLOEXEC);
  REQUIRE(on_host.count == 1);
  CHECK(::write(ends[1], "!", 1) == 1);
  char c = 0;
  CHECK(::read(host[0], &c, 1) == 1);
  CHECK(c == '!');
  for (const int fd : {ends[0], ends[1], host[0]}) ::close(fd);
}

TEST_CASE("SCM_RIGHTS in the trace: scm_send on the way out, scm_detach_fds on the way in", "[scm][trace]") {
  kvfs_test::no_descriptor_leak leak_check;
  asio::io_context io;
  kvfs::process sender, receiver;
  std::ostringstream log;
  sender.trace_to(log);
  receiver.trace_to(log);
  auto [x, y] = kvfs::unix_dgram::pair(io);
  kvfs::fd a(sender, static_cast<int>(sender.fd_install(std::move(x), O_CLOEXEC)));
  kvfs::fd b(receiver, static_cast<int>(receiver.fd_install(std::move(y), O_CLOEXEC)));
  const int null = static_cast<int>(sender.open("/dev/null", O_WRONLY | O_CLOEXEC));
  REQUIRE(null >= 0);
  CHECK(kvfs::send_fds(a, bytes("x"), std::array{null}) == 1);
  std::array<std::byte, 4> buf{};
  std::array<int, 1> got{};
  REQUIRE(kvfs::receive_fds(b, buf, got).count == 1);
  CHECK(log.str().find("-> scm_send(SCM_RIGHTS: 1 files) -> unix_inflight -> __sock_sendmsg") != std::string::npos);
  CHECK(log.str().find("-> scm_detach_fds(1) -> receive_fd") != std::string::npos);
  CHECK(receiver.close(got[0]) == 0);
  CHECK(sender.close(null) == 0);
  kvfs::close(a);
  kvfs::close(b);
}
