// SPDX-License-Identifier: BSL-1.0
// The conformance scenarios of docs/conformance.md: each
// runs once on the real kernel and once through kvfs's process, and what
// they observe (results or errno, contents, offsets) must be equal.
#include <catch2/catch.hpp>

#include "differential.hpp"
#include "support.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

using kvfs_test::bytes;
using kvfs_test::differential;
using kvfs_test::ignore_sigpipe;
using kvfs_test::kvfs_kernel;
using kvfs_test::observations;
using kvfs_test::read_all;
using kvfs_test::real_kernel;
using kvfs_test::temp_dir;


TEST_CASE("conformance 1-4: writes of every size, NULL writes, O_APPEND, EOF", "[conformance][table]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential([](auto& sys, const temp_dir& dir, observations& seen) {
    const int fd = static_cast<int>(sys.open(dir / "f", O_RDWR | O_CREAT | O_TRUNC, 0644));
    std::string expected;
    for (std::size_t n = BUFSIZ; n >= 1; n /= 2) {
      const std::string block(n, static_cast<char>('a' + n % 26));
      seen("write " + std::to_string(n), sys.write(fd, bytes(block)));
      expected += block;
    }
    seen("write(NULL, 0)", sys.write(fd, {}));
    sys.lseek(fd, 0, SEEK_SET);
    seen.fact("contents match", read_all(sys, fd) == expected);
    std::array<std::byte, 8> buf{};
    seen("read at EOF", sys.read(fd, buf));
    sys.close(fd);

    const int a = static_cast<int>(sys.open(dir / "append", O_WRONLY | O_CREAT, 0644));
    seen("write 2K", sys.write(a, bytes(std::string(2048, 'a'))));
    sys.close(a);
    const int b = static_cast<int>(sys.open(dir / "append", O_WRONLY | O_APPEND));
    seen("append 1K", sys.write(b, bytes(std::string(1024, 'b'))));
    struct ::stat st {};
    sys.fstat(b, st);
    seen("size", st.st_size);
    seen("offset", sys.lseek(b, 0, SEEK_CUR));
    sys.close(b);
  });
}

TEST_CASE("conformance 5-7: lseek from every origin, bad offsets, holes", "[conformance][table]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential([](auto& sys, const temp_dir& dir, observations& seen) {
    const int fd = static_cast<int>(sys.open(dir / "abc", O_RDWR | O_CREAT | O_TRUNC, 0644));
    sys.write(fd, bytes("abcdefg"));
    std::array<char, 8> buf{};
    auto read_text = [&] {
      const long n = sys.read(fd, std::as_writable_bytes(std::span(buf)));
      return std::string(buf.data(), n > 0 ? static_cast<std::size_t>(n) : 0);
    };
    seen("SEEK_SET 4", sys.lseek(fd, 4, SEEK_SET));
    seen.text("read", read_text());
    seen("SEEK_CUR -2", sys.lseek(fd, -2, SEEK_CUR));
    seen.text("read", read_text());
    seen("SEEK_END -4", sys.lseek(fd, -4, SEEK_END));
    seen.text("read", read_text());
    seen("SEEK_END 0", sys.lseek(fd, 0, SEEK_END));
    seen("SEEK_SET -1", sys.lseek(fd, -1, SEEK_SET));
    seen("SEEK_CUR -100", sys.lseek(fd, -100, SEEK_CUR));
    seen("whence 5", sys.lseek(fd, 0, 5));
    seen("whence -1", sys.lseek(fd, 0, -1));
    seen("offset kept", sys.lseek(fd, 0, SEEK_CUR));
    seen("SEEK_SET 100", sys.lseek(fd, 100, SEEK_SET));
    seen("write in the hole's far side", sys.write(fd, bytes("Z")));
    std::array<std::byte, 93> hole{};
    seen("pread hole", sys.pread(fd, hole, 7));
    seen.fact("hole is zeros", std::all_of(hole.begin(), hole.end(), [](std::byte b) { return b == std::byte{0}; }));
    seen("lseek bad fd", sys.lseek(1000, 0, SEEK_SET));
    seen("lseek bad fd and whence", sys.lseek(1000, 0, 42));
    sys.close(fd);
  });
}

TEST_CASE("conformance 8-13: pread, pwrite, access modes, readv, writev, fsync", "[conformance][table]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential([](auto& sys, const temp_dir& dir, observations& seen) {
    const int fd = static_cast<int>(sys.open(dir / "p", O_RDWR | O_CREAT | O_TRUNC, 0644));
    sys.write(fd, bytes("0123456789"));
    sys.lseek(fd, 2, SEEK_SET);
    seen("pwrite at 5", sys.pwrite(fd, bytes("XY"), 5));
    seen("pwrite(NULL, 0, 0)", sys.pwrite(fd, {}, 0));
    std::array<std::byte, 4> buf{};
    seen("pread at 4", sys.pread(fd, buf, 4));
    seen.text("pread data", kvfs_test::text(buf));
    seen("offset unmoved", sys.lseek(fd, 0, SEEK_CUR));
    seen("pread at -1", sys.pread(fd, buf, -1));
    seen("pread bad fd at -1", sys.pread(1000, buf, -1));
    seen("pread bad fd", sys.pread(1000, buf, 0));

    const int ro = static_cast<int>(sys.open(dir / "p", O_RDONLY));
    const int wo = static_cast<int>(sys.open(dir / "p", O_WRONLY));
    seen("write on O_RDONLY", sys.write(ro, bytes("x")));
    seen("pwrite on O_RDONLY", sys.pwrite(ro, bytes("x"), 0));
    seen("read on O_WRONLY", sys.read(wo, buf));
    seen("readv on O_WRONLY", sys.readv(wo, std::span<const ::iovec>{}));

    std::string a = "alpha-", b = "beta-", c = "gamma";
    const std::array<::iovec, 3> out{{{a.data(), a.size()}, {b.data(), b.size()}, {c.data(), c.size()}}};
    seen("writev", sys.writev(wo, out));
    const std::array<::iovec, 2> empty{{{a.data(), 0}, {b.data(), 0}}};
    seen("writev of 0 bytes", sys.writev(wo, empty));
    std::vector<::iovec> too_many(1025, ::iovec{a.data(), 1});
    seen("writev of 1025 segments", sys.writev(wo, too_many));
    std::array<char, 3> x{};
    std::array<char, 20> y{};
    const std::array<::iovec, 2> in{{{x.data(), x.size()}, {y.data(), y.size()}}};
    seen("readv", sys.readv(ro, in));
    seen.text("readv data", std::string(x.data(), 3) + std::string(y.data(), 13));
    seen("fsync", sys.fsync(fd));
    sys.close(fd);
    sys.close(ro);
    sys.close(wo);
  });
}

TEST_CASE("conformance 14-17, 19-22: close, dup, dup2, dup3, shared offsets, reuse", "[conformance][table]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential([](auto& sys, const temp_dir& dir, observations& seen) {
    const int fd = static_cast<int>(sys.open(dir / "d", O_RDWR | O_CREAT | O_TRUNC, 0644));
    sys.write(fd, bytes("shared offset"));
    const long copy = sys.dup(fd);
    seen.fact("dup is the lowest free number (next after fd)", copy == fd + 1);
    struct ::stat st1 {
    }, st2{};
    sys.fstat(fd, st1);
    sys.fstat(static_cast<int>(copy), st2);
    seen.fact("same inode", st1.st_ino == st2.st_ino);
    seen("lseek via the original", sys.lseek(fd, 3, SEEK_SET));
    seen("offset seen via the copy", sys.lseek(static_cast<int>(copy), 0, SEEK_CUR));
    seen("dup(-1)", sys.dup(-1));
    seen("dup(1500)", sys.dup(1500));
    seen("close(-1)", sys.close(-1));

    const int ro = static_cast<int>(sys.open(dir / "d", O_RDONLY));
    const long ro_copy = sys.dup(ro);
    seen("write via a dup of O_RDONLY", sys.write(static_cast<int>(ro_copy), bytes("x")));

    // dup2 onto an open number closes what it held; onto a closed one works.
    const long target = sys.dup(fd);
    seen.fact("dup2 onto an open number returns it", sys.dup2(ro, static_cast<int>(target)) == target);
    seen("the number now reads-only", sys.write(static_cast<int>(target), bytes("x")));
    seen.fact("dup2(fd, fd) returns fd", sys.dup2(fd, fd) == fd);
    seen("dup2 from a bad fd", sys.dup2(1000, fd));
    seen("dup3(fd, fd)", sys.dup3(fd, fd, 0));
    seen("dup3 with a bad flag", sys.dup3(fd, static_cast<int>(target), O_NONBLOCK));
    seen("dup2 beyond the limit", sys.dup2(fd, 1 << 30));

    // close, then the number is reused by the next open.
    seen("close copy", sys.close(static_cast<int>(copy)));
    seen("close copy again", sys.close(static_cast<int>(copy)));
    seen.fact("the next open reuses it", sys.open(dir / "d", O_RDONLY) == copy);
    sys.close(static_cast<int>(copy));
    for (long n : {static_cast<long>(fd), static_cast<long>(ro), ro_copy, target}) sys.close(static_cast<int>(n));
  });
}

TEST_CASE("conformance 18: dup until the table is full is EMFILE", "[conformance][table]") {
  kvfs_test::no_descriptor_leak leak_check;
  temp_dir dir;
  constexpr std::size_t limit = 64;
  auto fill = [&](auto& sys) {
    const int fd = static_cast<int>(sys.open(dir / "x", O_RDONLY | O_CREAT, 0644));
    std::vector<long> dups;
    long result = 0;
    for (std::size_t i = 0; i < 2 * limit && (result = sys.dup(fd)) >= 0; ++i) dups.push_back(result);
    for (long d : dups) sys.close(static_cast<int>(d));
    sys.close(fd);
    return std::pair{result, dups.empty() ? -1 : dups.back()};
  };

  rlimit previous{};
  ::getrlimit(RLIMIT_NOFILE, &previous);
  rlimit lowered = previous;
  lowered.rlim_cur = limit;
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &lowered) == 0);
  real_kernel linux_sys;
  const auto [linux_result, linux_last] = fill(linux_sys);
  ::setrlimit(RLIMIT_NOFILE, &previous);

  kvfs_kernel kvfs_sys(limit);
  const auto [kvfs_result, kvfs_last] = fill(kvfs_sys);
  CHECK(linux_result == -EMFILE);
  CHECK(kvfs_result == -EMFILE);
  CHECK(linux_last == static_cast<long>(limit) - 1);  // the highest number allowed was handed out
  CHECK(kvfs_last == static_cast<long>(limit) - 1);
}

TEST_CASE("conformance 23-28: pipes", "[conformance][table][pipefs]") {
  kvfs_test::no_descriptor_leak leak_check;
  ignore_sigpipe no_sigpipe;
  differential([](auto& sys, const temp_dir&, observations& seen) {
    std::array<int, 2> p{};
    seen("pipe", sys.pipe(p));
    seen("write", sys.write(p[1], bytes("through the pipe")));
    std::array<std::byte, 32> buf{};
    seen("read", sys.read(p[0], std::span(buf).first(7)));
    seen.text("in order", kvfs_test::text(std::span(buf).first(7)));
    seen("write to the read end", sys.write(p[0], bytes("x")));
    seen("read from the write end", sys.read(p[1], buf));
    seen("lseek read end", sys.lseek(p[0], 0, SEEK_SET));
    seen("lseek write end", sys.lseek(p[1], 0, SEEK_CUR));
    seen("pread", sys.pread(p[0], buf, 0));
    seen("pwrite", sys.pwrite(p[1], bytes("x"), 0));
    seen("fsync", sys.fsync(p[1]));
    struct ::stat st {};
    sys.fstat(p[0], st);
    seen.fact("S_ISFIFO", S_ISFIFO(st.st_mode));
    seen("close write end", sys.close(p[1]));
    seen("drain", sys.read(p[0], buf));
    seen("read after drain", sys.read(p[0], buf));
    seen("close read end", sys.close(p[0]));

    seen("pipe again", sys.pipe(p));
    sys.close(p[0]);
    seen("write with no reader", sys.write(p[1], bytes("x")));
    sys.close(p[1]);

    seen("pipe with a bad flag", sys.pipe(p, O_APPEND));
    seen("non-blocking pipe", sys.pipe(p, O_NONBLOCK));
    seen("read empty", sys.read(p[0], buf));
    long wrote = 0;
    const std::string chunk(4096, 'x');
    for (int i = 0; i < 1000 && wrote >= 0; ++i) wrote = sys.write(p[1], bytes(chunk));
    seen("write full", wrote);
    sys.close(p[0]);
    sys.close(p[1]);
  });
}

namespace {

// Conformance 14, 29-37, for any connected pair of stream sockets.
template <class Sys, class MakePair>
void stream_socket_scenario(Sys& sys, const temp_dir& dir, observations& seen, MakePair make_pair) {
  auto [client, server] = make_pair(sys, 0);
  const int c = static_cast<int>(client), s = static_cast<int>(server);
  seen("write", sys.write(c, bytes("hello ")));
  seen("send", sys.send(c, bytes("world")));
  std::array<std::byte, 11> buf{};
  long got = 0;
  for (int i = 0; i < 100 && got < 11; ++i) {
    const long n = sys.read(s, std::span(buf).subspan(static_cast<std::size_t>(got)));
    if (n <= 0) break;
    got += n;
  }
  seen.text("received in order", kvfs_test::text(buf));
  seen("read of 0 bytes", sys.read(s, {}));
  seen("lseek", sys.lseek(c, 0, SEEK_SET));
  seen("pread", sys.pread(s, buf, 0));
  seen("pwrite", sys.pwrite(c, bytes("x"), 0));
  seen("fsync", sys.fsync(c));
  struct ::stat st {};
  sys.fstat(c, st);
  seen.fact("S_ISSOCK", S_ISSOCK(st.st_mode));

  const int file = static_cast<int>(sys.open(dir / "plain", O_RDWR | O_CREAT, 0644));
  seen("send on a file", sys.send(file, bytes("x")));
  seen("recv on a file", sys.recv(file, buf));
  seen("shutdown on a file", sys.shutdown(file, SHUT_WR));
  seen("shutdown on a bad fd", sys.shutdown(1000, SHUT_WR));
  sys.close(file);

  seen("shutdown(SHUT_WR)", sys.shutdown(c, SHUT_WR));
  seen("peer reads 0", sys.read(s, buf));
  seen("write after SHUT_WR", sys.write(c, bytes("late")));
  seen("shutdown(7)", sys.shutdown(c, 7));
  seen("recv nothing, non-blocking", sys.recv(c, buf, MSG_DONTWAIT));
  seen("close client", sys.close(c));
  seen("close server", sys.close(s));

  auto [c2, s2] = make_pair(sys, O_NONBLOCK);
  seen("non-blocking read of nothing", sys.read(static_cast<int>(c2), buf));
  sys.close(static_cast<int>(s2));
  long result = 0;
  const std::string chunk(4096, 'x');
  for (int i = 0; i < 200 && result >= 0; ++i) {
    result = sys.write(static_cast<int>(c2), bytes(chunk));
    if (result >= 0) ::usleep(1000);
  }
  seen.fact("write to a closed peer fails with EPIPE or ECONNRESET", result == -EPIPE || result == -ECONNRESET);
  sys.close(static_cast<int>(c2));
}

}  // namespace

TEST_CASE("conformance 14, 29-37: TCP sockets on loopback", "[conformance][table][sockfs]") {
  kvfs_test::no_descriptor_leak leak_check;
  ignore_sigpipe no_sigpipe;
  differential([](auto& sys, const temp_dir& dir, observations& seen) {
    stream_socket_scenario(sys, dir, seen, [](auto& s, int flags) { return s.tcp_pair(flags); });
  });
}

TEST_CASE("conformance 14, 29-37: Unix-domain stream sockets", "[conformance][table][sockfs]") {
  kvfs_test::no_descriptor_leak leak_check;
  ignore_sigpipe no_sigpipe;
  differential([](auto& sys, const temp_dir& dir, observations& seen) {
    stream_socket_scenario(sys, dir, seen, [](auto& s, int flags) { return s.unix_pair(flags); });
  });
}

TEST_CASE("fcntl: F_GETFL, F_SETFL, F_GETFD, F_SETFD on files, pipes and devices", "[conformance][table]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential([](auto& sys, const temp_dir& dir, observations& seen) {
    const int fd = static_cast<int>(sys.open(dir / "f", O_RDWR | O_CREAT | O_TRUNC, 0644));
    seen("F_GETFL of a new file", sys.fcntl(fd, F_GETFL));
    seen("F_GETFD (O_CLOEXEC at open)", sys.fcntl(fd, F_GETFD));
    seen("F_SETFD 0", sys.fcntl(fd, F_SETFD, 0));
    seen("F_GETFD after", sys.fcntl(fd, F_GETFD));
    seen("write", sys.write(fd, bytes("0123456789")));
    seen("lseek 0", sys.lseek(fd, 0, SEEK_SET));
    seen("F_SETFL O_APPEND, and access-mode bits that must be ignored",
         sys.fcntl(fd, F_SETFL, O_APPEND | O_WRONLY | O_TRUNC));
    seen("F_GETFL with O_APPEND", sys.fcntl(fd, F_GETFL));
    seen("an appending write", sys.write(fd, bytes("ab")));
    seen("position after it", sys.lseek(fd, 0, SEEK_CUR));
    seen("F_SETFL 0 clears O_APPEND", sys.fcntl(fd, F_SETFL, 0));
    seen("F_GETFL", sys.fcntl(fd, F_GETFL));
    seen("an unknown command", sys.fcntl(fd, 1000));
    seen("close", sys.close(fd));
    seen("F_GETFL of a closed number", sys.fcntl(fd, F_GETFL));
    seen("F_SETFL of a negative number", sys.fcntl(-1, F_SETFL, O_NONBLOCK));

    std::array<int, 2> p{};
    seen("pipe", sys.pipe(p));
    seen("F_GETFL read end", sys.fcntl(p[0], F_GETFL));
    seen("F_GETFL write end", sys.fcntl(p[1], F_GETFL));
    std::array<std::byte, 8> buf{};
    seen("F_SETFL O_NONBLOCK", sys.fcntl(p[0], F_SETFL, O_NONBLOCK));
    seen("F_GETFL now", sys.fcntl(p[0], F_GETFL));
    seen("an empty non-blocking read is EAGAIN", sys.read(p[0], buf));
    const int copy = static_cast<int>(sys.dup(p[0]));
    seen("the dup shares the status flags", sys.fcntl(copy, F_GETFL));
    for (int end : {p[0], p[1], copy}) sys.close(end);

    const int null = static_cast<int>(sys.open("/dev/null", O_WRONLY));
    seen("F_GETFL of /dev/null", sys.fcntl(null, F_GETFL));
    sys.close(null);
  });
}

TEST_CASE("conformance 38-39: /dev/null, /dev/zero and /dev/full", "[conformance][table][chrdev]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential([](auto& sys, const temp_dir&, observations& seen) {
    std::array<std::byte, 64> buf{};
    buf.fill(std::byte{0x55});
    const int null = static_cast<int>(sys.open("/dev/null", O_RDWR));
    seen("read /dev/null", sys.read(null, buf));
    seen("write /dev/null", sys.write(null, bytes("gone")));
    seen("lseek /dev/null", sys.lseek(null, 100, SEEK_SET));
    seen("pread /dev/null", sys.pread(null, buf, 10));
    struct ::stat st {};
    sys.fstat(null, st);
    seen.fact("S_ISCHR", S_ISCHR(st.st_mode));
    seen("rdev", static_cast<long>(st.st_rdev));
    sys.close(null);

    const int zero = static_cast<int>(sys.open("/dev/zero", O_RDWR));
    seen("read /dev/zero", sys.read(zero, buf));
    seen.fact("zeros", std::all_of(buf.begin(), buf.end(), [](std::byte b) { return b == std::byte{0}; }));
    seen("write /dev/zero", sys.write(zero, bytes("gone")));
    sys.close(zero);

    const int full = static_cast<int>(sys.open("/dev/full", O_RDWR));
    seen("write /dev/full", sys.write(full, bytes("x")));
    buf.fill(std::byte{0x55});
    seen("read /dev/full", sys.read(full, buf));
    seen.fact("zeros", std::all_of(buf.begin(), buf.end(), [](std::byte b) { return b == std::byte{0}; }));
    sys.close(full);

    const int ro = static_cast<int>(sys.open("/dev/null", O_RDONLY));
    seen("write /dev/null opened O_RDONLY", sys.write(ro, bytes("x")));
    sys.close(ro);
  });
}

TEST_CASE("conformance 40-43: sendfile", "[conformance][table]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential([](auto& sys, const temp_dir& dir, observations& seen) {
    const int in = static_cast<int>(sys.open(dir / "in", O_RDWR | O_CREAT | O_TRUNC, 0644));
    std::string data(100000, '\0');
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31 % 253);
    sys.write(in, bytes(data));
    sys.lseek(in, 10, SEEK_SET);

    const int out = static_cast<int>(sys.open(dir / "out", O_RDWR | O_CREAT | O_TRUNC, 0644));
    kvfs::loff_t offset = 0;
    seen("sendfile from 0", sys.sendfile(out, in, &offset, 1000));
    seen("offset advanced", offset);
    seen("input position untouched", sys.lseek(in, 0, SEEK_CUR));
    offset = 50000;
    seen("sendfile mid-file", sys.sendfile(out, in, &offset, 2000));
    seen("offset advanced", offset);
    seen("sendfile without offset", sys.sendfile(out, in, nullptr, 500));
    seen("input position advanced", sys.lseek(in, 0, SEEK_CUR));
    seen("sendfile at EOF", [&] {
      kvfs::loff_t end = static_cast<kvfs::loff_t>(data.size());
      return sys.sendfile(out, in, &end, 10);
    }());
    sys.lseek(out, 0, SEEK_SET);
    seen.fact("output is the input's ranges",
              read_all(sys, out) == data.substr(0, 1000) + data.substr(50000, 2000) + data.substr(10, 500));

    const int ro = static_cast<int>(sys.open(dir / "out", O_RDONLY));
    const int wo = static_cast<int>(sys.open(dir / "in", O_WRONLY));
    seen("out not writable", sys.sendfile(ro, in, nullptr, 10));
    seen("in not readable", sys.sendfile(out, wo, nullptr, 10));
    seen("bad in fd", sys.sendfile(out, 1000, nullptr, 10));
    seen("bad out fd", sys.sendfile(1000, in, nullptr, 10));
    kvfs::loff_t negative = -1;
    seen("negative offset", sys.sendfile(out, in, &negative, 10));

    std::array<int, 2> p{};
    sys.pipe(p);
    kvfs::loff_t zero = 0;
    seen("offset on a pipe", sys.sendfile(out, p[0], &zero, 10));
    sys.close(p[0]);
    sys.close(p[1]);

    auto [client, server] = sys.tcp_pair();
    offset = 0;
    seen("file to socket", sys.sendfile(static_cast<int>(client), in, &offset, data.size()));
    sys.close(static_cast<int>(client));
    std::string received;
    std::array<std::byte, 8192> buf{};
    for (int i = 0; i < 10000; ++i) {
      const long n = sys.read(static_cast<int>(server), buf);
      if (n <= 0) break;
      received += kvfs_test::text(std::span(buf).first(static_cast<std::size_t>(n)));
    }
    seen.fact("the peer got the file exactly", received == data);
    for (int fd : {in, out, ro, wo, static_cast<int>(server)}) sys.close(fd);
  });
}

TEST_CASE("socket, bind, listen, connect, accept4 as __sys_socket and friends", "[conformance][table][sockfs]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential([](auto& sys, const temp_dir& dir, observations& seen) {
    seen("bad family", sys.socket(12345, SOCK_STREAM, 0));
    seen("bad type", sys.socket(AF_INET, 13, 0));
    seen("bad type flag", sys.socket(AF_INET, SOCK_STREAM | 0x100, 0));
    seen("TCP with the UDP protocol", sys.socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
    seen("AF_UNIX with protocol 5", sys.socket(AF_UNIX, SOCK_STREAM, 5));

    const int listener = static_cast<int>(sys.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_TCP));
    seen.fact("listener made", listener >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    auto* any = reinterpret_cast<::sockaddr*>(&addr);
    seen("bind", sys.bind(listener, any, len));
    seen("bind again", sys.bind(listener, any, len));
    seen("listen", sys.listen(listener, 8));
    seen("getsockname", sys.getsockname(listener, any, &len));
    seen.fact("a port was chosen", addr.sin_port != 0);
    seen("accept4 with nothing pending", sys.accept4(listener, 0));
    seen("accept4 with a bad flag", sys.accept4(listener, O_APPEND));
    seen("accept4 with a bad flag and fd", sys.accept4(1000, O_APPEND));

    const int client = static_cast<int>(sys.socket(AF_INET, SOCK_STREAM, 0));
    seen("connect", sys.connect(client, any, len));
    seen("connect again", sys.connect(client, any, len));
    ::usleep(1000);
    const long server = sys.accept4(listener, SOCK_CLOEXEC);
    seen.fact("accepted", server >= 0);
    seen("write", sys.write(client, bytes("syscalls")));
    std::array<std::byte, 8> buf{};
    seen("read", sys.read(static_cast<int>(server), buf));
    seen("listen on a connected socket", sys.listen(client, 1));

    const int file = static_cast<int>(sys.open(dir / "plain", O_RDWR | O_CREAT, 0644));
    seen("bind a file", sys.bind(file, any, len));
    seen("connect a file", sys.connect(file, any, len));
    seen("listen on a file", sys.listen(file, 1));
    seen("accept4 on a file", sys.accept4(file, 0));
    seen("listen on a bad fd", sys.listen(1000, 1));
    sys.close(file);

    seen("close listener", sys.close(listener));
    const int late = static_cast<int>(sys.socket(AF_INET, SOCK_STREAM, 0));
    seen("connect to a closed port", sys.connect(late, any, len));
    for (long fd : {static_cast<long>(client), server, static_cast<long>(late)}) sys.close(static_cast<int>(fd));

    // The same on a Unix-domain socket bound to a path.
    sockaddr_un unix_addr{};
    unix_addr.sun_family = AF_UNIX;
    const std::string path = (dir.path() / "sock").string();
    std::memcpy(unix_addr.sun_path, path.c_str(), path.size() + 1);
    auto* named = reinterpret_cast<::sockaddr*>(&unix_addr);
    const int unix_listener = static_cast<int>(sys.socket(AF_UNIX, SOCK_STREAM, 0));
    seen("bind AF_UNIX", sys.bind(unix_listener, named, sizeof unix_addr));
    seen("listen AF_UNIX", sys.listen(unix_listener, 1));
    const int unix_client = static_cast<int>(sys.socket(AF_UNIX, SOCK_STREAM, 0));
    seen("connect AF_UNIX", sys.connect(unix_client, named, sizeof unix_addr));
    const long unix_server = sys.accept4(unix_listener, 0);
    seen("write AF_UNIX", sys.write(unix_client, bytes("local")));
    seen("read AF_UNIX", sys.read(static_cast<int>(unix_server), buf));
    for (long fd : {static_cast<long>(unix_listener), static_cast<long>(unix_client), unix_server}) {
      sys.close(static_cast<int>(fd));
    }
    ::unlink(path.c_str());
  });
}

TEST_CASE("directories: mkdir, and opening them as the kernel allows", "[conformance][table][ramfs]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential([](auto& sys, const temp_dir& dir, observations& seen) {
    seen("mkdir", sys.mkdir(dir / "d", 0755));
    seen("mkdir again", sys.mkdir(dir / "d", 0755));
    seen("mkdir under a missing one", sys.mkdir(dir / "missing" / "d", 0755));
    const int file = static_cast<int>(sys.open(dir / "d" / "f", O_WRONLY | O_CREAT, 0644));
    seen.fact("file made", file >= 0);
    seen("mkdir under a file", sys.mkdir(dir / "d" / "f" / "x", 0755));
    seen("open a directory for writing", sys.open(dir / "d", O_WRONLY));
    seen("open a directory O_RDWR", sys.open(dir / "d", O_RDWR));
    seen("O_DIRECTORY on a file", sys.open(dir / "d" / "f", O_RDONLY | O_DIRECTORY));
    seen("a path through a file", sys.open(dir / "d" / "f" / "x", O_RDONLY));
    seen("a missing file", sys.open(dir / "d" / "nothing", O_RDONLY));
    seen("O_CREAT | O_EXCL on an existing file", sys.open(dir / "d" / "f", O_WRONLY | O_CREAT | O_EXCL, 0644));
    const int d = static_cast<int>(sys.open(dir / "d", O_RDONLY | O_DIRECTORY));
    seen.fact("directory opened", d >= 0);
    std::array<std::byte, 8> buf{};
    seen("read a directory", sys.read(d, buf));
    seen("write a directory", sys.write(d, bytes("x")));
    struct ::stat st {};
    sys.fstat(d, st);
    seen.fact("S_ISDIR", S_ISDIR(st.st_mode));
    sys.close(d);
    sys.close(file);
  });
}

TEST_CASE("bad numbers, flags and offsets get the kernel's errno and change nothing", "[conformance][table]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential([](auto& sys, const temp_dir& dir, observations& seen) {
    // Three files whose numbers are named by index, so the systems compare.
    std::array<int, 3> fds{};
    fds[0] = static_cast<int>(sys.open(dir / "rw", O_RDWR | O_CREAT | O_TRUNC, 0644));
    fds[1] = static_cast<int>(sys.open(dir / "ro", O_RDONLY | O_CREAT, 0644));
    std::array<int, 2> p{};
    sys.pipe(p);
    fds[2] = p[1];
    sys.write(fds[0], bytes("0123456789"));
    sys.lseek(fds[0], 3, SEEK_SET);

    std::mt19937 random(7);
    const std::array<int, 5> bad_numbers{-1, -1000, (1 << 20) + 7, 1 << 30, INT32_MAX};
    auto pick_fd = [&]() { return random() % 2 == 0 ? fds[random() % 3] : bad_numbers[random() % 5]; };
    std::array<std::byte, 4> buf{};
    for (int i = 0; i < 400; ++i) {
      const int fd = pick_fd();
      const auto offset = static_cast<kvfs::loff_t>(static_cast<int>(random() % 40) - 20);
      const int whence = static_cast<int>(random() % 9) - 2;
      const int bits = static_cast<int>(random());
      switch (random() % 9) {
        case 0:
          seen("lseek", sys.lseek(fd, offset * 1000, whence));
          break;
        case 1:
          seen("pread", sys.pread(fd, buf, offset));
          break;
        case 2:
          seen("pwrite bad offset", sys.pwrite(fd, bytes("x"), -1 - std::abs(offset)));
          break;
        case 3:
          seen("dup3 (0: a number)", std::min(0L, sys.dup3(fd, pick_fd(), bits & (O_CLOEXEC | O_NONBLOCK))));
          break;
        case 4:
          seen("fsync", fd == fds[2] || fd >= 0 ? 0 : sys.fsync(fd));
          break;
        case 5:
          seen("read", fd == fds[2] ? 0 : sys.read(fd, std::span(buf).first(0)));
          break;
        case 6:
          seen("writev too many", sys.writev(fd, std::vector<::iovec>(1025, ::iovec{buf.data(), 1})));
          break;
        case 7:
          seen("close", fd >= 0 && fd < (1 << 20) ? 0 : sys.close(fd));
          break;
        case 8: {
          std::array<int, 2> q{};
          const long r = sys.pipe(q, bits & ~(O_NONBLOCK | O_CLOEXEC) & ~0x80000000);
          seen("pipe with bad flags", r);
          if (r == 0) {
            sys.close(q[0]);
            sys.close(q[1]);
          }
          break;
        }
      }
    }
    // Nothing changed: the contents, the offset, the numbers.
    sys.lseek(fds[0], 0, SEEK_CUR);
    std::array<std::byte, 10> all{};
    seen("contents", sys.pread(fds[0], all, 0));
    seen.text("data", kvfs_test::text(all));
    for (int fd : fds) seen("still open", sys.fsync(fd) == -EBADF ? -EBADF : 0);
    sys.close(fds[0]);
    sys.close(fds[1]);
    sys.close(p[0]);
    sys.close(p[1]);
  });
}

TEST_CASE("a full table fails open, accept4 and F_DUPFD before they act; F_DUPFD; non-blocking accept",
          "[conformance][table][sockfs]") {
  kvfs_test::no_descriptor_leak leak_check;
  constexpr std::size_t limit = 40;
  auto scenario = [](auto& sys, const temp_dir& dir, observations& seen) {
    const int listener = static_cast<int>(sys.socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    auto* any = reinterpret_cast<::sockaddr*>(&addr);
    sys.bind(listener, any, len);
    sys.listen(listener, 4);
    sys.getsockname(listener, any, &len);
    seen("F_SETFL O_NONBLOCK on a listener", sys.fcntl(listener, F_SETFL, O_NONBLOCK));
    seen("accept4, non-blocking, nothing pending", sys.accept4(listener, 0));

    const int file = static_cast<int>(sys.open(dir / "a", O_RDWR | O_CREAT, 0644));
    const long from10 = sys.fcntl(file, F_DUPFD, 30);
    seen.fact("F_DUPFD 30 gives 30 or more", from10 >= 30);
    const long cloexec = sys.fcntl(file, F_DUPFD_CLOEXEC, from10);
    seen.fact("F_DUPFD_CLOEXEC from that number gives the next", cloexec == from10 + 1);
    seen("F_GETFD of it", sys.fcntl(static_cast<int>(cloexec), F_GETFD));
    seen("F_GETFD of the F_DUPFD one", sys.fcntl(static_cast<int>(from10), F_GETFD));
    seen("F_DUPFD -1", sys.fcntl(file, F_DUPFD, -1));
    seen("F_DUPFD at the limit", sys.fcntl(file, F_DUPFD, static_cast<long>(limit)));
    seen("F_DUPFD of a bad fd", sys.fcntl(1000, F_DUPFD, 0));
    seen("dup2 onto a number past the limit", sys.dup2(file, static_cast<int>(limit)));
    sys.close(static_cast<int>(from10));
    sys.close(static_cast<int>(cloexec));

    const int client = static_cast<int>(sys.socket(AF_INET, SOCK_STREAM, 0));
    seen("connect", sys.connect(client, any, len));
    ::usleep(2000);
    std::vector<long> dups;
    long last = 0;
    while ((last = sys.dup(file)) >= 0) dups.push_back(last);
    seen("dup, full", last);
    seen("open O_CREAT, full", sys.open(dir / "new", O_RDWR | O_CREAT, 0644));
    seen.fact("the file was created", std::filesystem::exists(dir / "new"));
    seen("F_DUPFD, full", sys.fcntl(file, F_DUPFD, 0));
    seen("socket, full", sys.socket(AF_INET, SOCK_STREAM, 0));
    seen("accept4, full", sys.accept4(listener, 0));
    seen("accept4 on a file, full", sys.accept4(file, 0));
    seen("accept4 on a bad fd, full", sys.accept4(1000, 0));
    sys.close(static_cast<int>(dups.back()));
    dups.pop_back();
    const long server = sys.accept4(listener, 0);
    seen.fact("the queued connection is still there after a close", server >= 0);
    seen("write", sys.write(client, bytes("kept")));
    std::array<std::byte, 4> buf{};
    seen("read", sys.read(static_cast<int>(server), buf));
    for (long fd : dups) sys.close(static_cast<int>(fd));
    for (int fd : {listener, file, client, static_cast<int>(server)}) sys.close(fd);
  };

  differential(scenario, limit);
}

TEST_CASE("bad lengths and offsets: EINVAL, EFBIG or ENXIO as Linux, never a crash or a huge allocation",
          "[conformance][table][ramfs]") {
  kvfs_test::no_descriptor_leak leak_check;
  constexpr kvfs::loff_t big = kvfs::loff_t{1} << 40;
  constexpr kvfs::loff_t max = std::numeric_limits<kvfs::loff_t>::max();
  differential([&](auto& sys, const temp_dir& dir, observations& seen) {
    seen("open of an empty path", sys.open("", O_RDONLY));
    seen("mkdir of an empty path", sys.mkdir("", 0755));
    const int fd = static_cast<int>(sys.open(dir / "f", O_RDWR | O_CREAT, 0644));
    std::array<char, 100> data{};
    data.fill('x');
    const std::array<::iovec, 2> huge{::iovec{data.data(), SIZE_MAX}, ::iovec{data.data(), 100}};
    seen("writev with a SIZE_MAX segment", sys.writev(fd, huge));
    seen("readv with a SIZE_MAX segment", sys.readv(fd, huge));
    const std::array<::iovec, 1> negative{::iovec{data.data(), std::size_t{1} << 63}};
    seen("writev of 2^63 bytes", sys.writev(fd, negative));

    const auto chunk = std::as_bytes(std::span(data));
    seen("pwrite at 2^40", sys.pwrite(fd, chunk, big));
    struct ::stat st {};
    sys.fstat(fd, st);
    seen("size after it", st.st_size);
    seen.fact("stored sparsely (under 1 MiB)", st.st_blocks * 512 < (1 << 20));
    std::array<std::byte, 100> back{};
    seen("pread in the hole", sys.pread(fd, back, big / 2));
    seen.fact("the hole reads as zeros", std::all_of(back.begin(), back.end(), [](std::byte b) { return b == std::byte{0}; }));
    seen("pread at 2^40", sys.pread(fd, back, big));
    seen.fact("the data is back", back[99] == std::byte{'x'});
    seen("pwrite ending past LLONG_MAX", sys.pwrite(fd, chunk, max - 10));
    seen("pread ending past LLONG_MAX", sys.pread(fd, std::span(back).first(17), max));
    seen("lseek LLONG_MAX from the end", sys.lseek(fd, max, SEEK_END));
    seen("lseek to 10", sys.lseek(fd, 10, SEEK_SET));
    seen("lseek LLONG_MAX from 10", sys.lseek(fd, max, SEEK_CUR));
    seen("SEEK_DATA -1", sys.lseek(fd, -1, SEEK_DATA));
    seen("SEEK_HOLE -1", sys.lseek(fd, -1, SEEK_HOLE));
    // (Seeking to LLONG_MAX itself depends on the file system's s_maxbytes:
    // tmpfs and ramfs allow it, ext4 does not; fs/test_ramfs_mounts.cpp has it.)
    sys.close(fd);

    const int appender = static_cast<int>(sys.open(dir / "f", O_WRONLY | O_APPEND));
    seen("O_APPEND pwrite at LLONG_MAX", sys.pwrite(appender, chunk, max));
    sys.close(appender);

    const int full = static_cast<int>(sys.open("/dev/full", O_RDONLY));
    seen("readv of /dev/full with a SIZE_MAX segment", sys.readv(full, huge));
    sys.close(full);
    const int zero = static_cast<int>(sys.open("/dev/zero", O_RDWR));
    seen("writev of 2^63 bytes to /dev/zero", sys.writev(zero, negative));
    seen("pwrite to /dev/zero ending past LLONG_MAX", sys.pwrite(zero, chunk, max - 10));
    sys.close(zero);
    std::array<int, 2> ends{};
    sys.pipe(ends);
    const std::array<::iovec, 2> overflow{::iovec{data.data(), SIZE_MAX}, ::iovec{data.data(), 1}};
    seen("writev to a pipe, total past SSIZE_MAX", sys.writev(ends[1], overflow));
    sys.close(ends[0]);
    sys.close(ends[1]);
  });
}

TEST_CASE("sendfile: counts, offsets and inputs as do_sendfile checks them", "[conformance][table]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential([](auto& sys, const temp_dir& dir, observations& seen) {
    const int in = static_cast<int>(sys.open(dir / "in", O_RDWR | O_CREAT, 0644));
    sys.write(in, bytes("0123456789"));
    const int out = static_cast<int>(sys.open(dir / "out", O_RDWR | O_CREAT, 0644));
    kvfs::loff_t offset = 4;
    seen("sendfile past the end, with an offset", sys.sendfile(out, in, &offset, 100));
    seen("the offset after it", offset);
    offset = -1;
    seen("sendfile to a bad fd with offset -1", sys.sendfile(1000, in, &offset, 5));
    offset = std::numeric_limits<kvfs::loff_t>::max() - 1;
    seen("sendfile with an offset whose end overflows", sys.sendfile(out, in, &offset, 3));
    seen("sendfile of SIZE_MAX bytes", sys.sendfile(out, in, nullptr, SIZE_MAX));
    sys.mkdir(dir / "d", 0755);
    const int d = static_cast<int>(sys.open(dir / "d", O_RDONLY | O_DIRECTORY));
    seen("sendfile from a directory", sys.sendfile(out, d, nullptr, 5));
    std::array<int, 2> ends{};
    sys.pipe(ends);
    sys.write(ends[1], bytes("piped"));
    seen("sendfile from a pipe", sys.sendfile(out, ends[0], nullptr, 5));
    struct ::stat st {};
    sys.fstat(out, st);
    seen("the output holds", st.st_size);
    for (int fd : {in, out, d, ends[0], ends[1]}) sys.close(fd);
  });
}

TEST_CASE("zero-length socket I/O answers with the socket's state", "[conformance][table][sockfs]") {
  kvfs_test::no_descriptor_leak leak_check;
  ignore_sigpipe guard;
  differential([](auto& sys, const temp_dir&, observations& seen) {
    const std::array<std::byte, 1> none{};
    std::array<std::byte, 1> buf{};
    const int tcp = static_cast<int>(sys.socket(AF_INET, SOCK_STREAM, 0));
    seen("send 0 bytes, unconnected TCP", sys.send(tcp, std::span(none).first(0)));
    seen("recv 0 bytes, unconnected TCP", sys.recv(tcp, std::span(buf).first(0)));
    seen("read 0 bytes, unconnected TCP", sys.read(tcp, std::span(buf).first(0)));
    sys.close(tcp);
    const int local = static_cast<int>(sys.socket(AF_UNIX, SOCK_STREAM, 0));
    seen("send 0 bytes, unconnected Unix stream", sys.send(local, std::span(none).first(0)));
    // (Without MSG_DONTWAIT Linux waits here: unix_stream_recvmsg sleeps.)
    seen("recv 0 bytes, unconnected Unix stream, MSG_DONTWAIT", sys.recv(local, std::span(buf).first(0), MSG_DONTWAIT));
    sys.close(local);
    auto [client, server] = sys.tcp_pair();
    seen("send 0 bytes, connected", sys.send(static_cast<int>(client), std::span(none).first(0)));
    // (A blocking one waits for a byte on Linux: tcp_recvmsg's target is 1.)
    seen("recv 0 bytes, connected, MSG_DONTWAIT", sys.recv(static_cast<int>(server), std::span(buf).first(0), MSG_DONTWAIT));
    sys.close(static_cast<int>(client));
    sys.close(static_cast<int>(server));
  });
}
