// SPDX-License-Identifier: BSL-1.0
// open(2)'s flags as build_open_flags() and do_dentry_open() treat them,
// O_PATH descriptors, O_DIRECT, and what has no position (named FIFOs):
// each scenario against the real kernel.
#include <catch2/catch.hpp>

#include "differential.hpp"

#include <sys/mman.h>
#include <sys/stat.h>

#include <array>
#include <cstddef>
#include <span>

using kvfs_test::bytes;
using kvfs_test::differential;
using kvfs_test::observations;
using kvfs_test::temp_dir;

TEST_CASE("open flags: unknown bits dropped, O_LARGEFILE and O_DSYNC added, O_ACCMODE 3", "[conformance][table]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential([](auto& sys, const temp_dir& dir, observations& seen) {
    const int made = static_cast<int>(sys.open(dir / "f", O_RDWR | O_CREAT | O_EXCL, 0644));
    seen("F_GETFL after O_CREAT | O_EXCL", sys.fcntl(made, F_GETFL));
    sys.close(made);
    for (const int garbage : {0x40000000, 0x4000000, 0x2000000, static_cast<int>(0x80000000U)}) {
      const int fd = static_cast<int>(sys.open(dir / "f", O_RDWR | garbage));
      seen("F_GETFL with an unknown bit", sys.fcntl(fd, F_GETFL));
      sys.close(fd);
    }
    const int sync = static_cast<int>(sys.open(dir / "f", O_RDWR | O_SYNC));
    seen("F_GETFL with O_SYNC", sys.fcntl(sync, F_GETFL));
    sys.close(sync);
    const int kernel_sync = static_cast<int>(sys.open(dir / "f", O_RDWR | 04000000));
    seen("F_GETFL with __O_SYNC alone (O_DSYNC added)", sys.fcntl(kernel_sync, F_GETFL));
    sys.close(kernel_sync);
    const int trunc = static_cast<int>(sys.open(dir / "f", O_WRONLY | O_TRUNC | O_NOCTTY));
    seen("F_GETFL drops O_TRUNC and O_NOCTTY", sys.fcntl(trunc, F_GETFL));
    sys.close(trunc);

    const int neither = static_cast<int>(sys.open(dir / "f", O_ACCMODE));
    std::array<std::byte, 4> buf{};
    seen("F_GETFL of O_ACCMODE", sys.fcntl(neither, F_GETFL));
    seen("read with neither mode", sys.read(neither, buf));
    seen("write with neither mode", sys.write(neither, bytes("x")));
    seen("lseek with neither mode", sys.lseek(neither, 0, SEEK_SET));
    sys.close(neither);
    seen("O_TMPFILE read-only", sys.open(dir.path(), O_TMPFILE | O_RDONLY, 0600));
  });
}

TEST_CASE("O_PATH: a place in the tree, no I/O, only the descriptor fcntls", "[conformance][table]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential([](auto& sys, const temp_dir& dir, observations& seen) {
    const int made = static_cast<int>(sys.open(dir / "f", O_RDWR | O_CREAT, 0644));
    sys.write(made, bytes("data"));
    sys.close(made);
    const int path = static_cast<int>(sys.open(dir / "f", O_PATH | O_RDWR | O_APPEND | O_TRUNC | O_NOFOLLOW));
    seen.fact("opened", path >= 0);
    std::array<std::byte, 4> buf{};
    seen("read", sys.read(path, buf));
    seen("write", sys.write(path, bytes("x")));
    seen("pread", sys.pread(path, buf, 0));
    seen("lseek", sys.lseek(path, 0, SEEK_SET));
    seen("fsync", sys.fsync(path));
    seen("F_GETFL keeps O_PATH and O_NOFOLLOW only", sys.fcntl(path, F_GETFL));
    seen("F_SETFL", sys.fcntl(path, F_SETFL, O_NONBLOCK));
    seen("an unknown command", sys.fcntl(path, 1000));
    seen("F_SETFD", sys.fcntl(path, F_SETFD, 0));
    seen("F_GETFD", sys.fcntl(path, F_GETFD));
    const int copy = static_cast<int>(sys.fcntl(path, F_DUPFD_CLOEXEC, 0));
    seen.fact("F_DUPFD_CLOEXEC", copy > path);
    struct ::stat st {};
    seen("fstat", sys.fstat(path, st));
    seen("its size", st.st_size);
    seen("O_TRUNC was ignored: the data is there", sys.pread(copy, buf, 0));
    sys.close(copy);
    seen("close", sys.close(path));
    seen("O_PATH | O_DIRECTORY on a file", sys.open(dir / "f", O_PATH | O_DIRECTORY));
    const int device = static_cast<int>(sys.open("/dev/zero", O_PATH | O_RDONLY));
    seen("O_PATH on a device runs no driver: read", sys.read(device, buf));
    sys.close(device);
  });
}

TEST_CASE("O_DIRECT: only where the file system can do it, at open and in F_SETFL", "[conformance][table]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential([](auto& sys, const temp_dir& dir, observations& seen) {
    // (A regular file takes it here: the real kernel's side is ext4 or
    // tmpfs, and kvfs's ramfs answers as tmpfs.)
    const int file = static_cast<int>(sys.open(dir / "f", O_RDWR | O_CREAT | O_DIRECT, 0644));
    seen("F_GETFL of an O_DIRECT file", sys.fcntl(file, F_GETFL));
    seen("F_SETFL O_DIRECT off", sys.fcntl(file, F_SETFL, 0));
    seen("F_SETFL O_DIRECT on", sys.fcntl(file, F_SETFL, O_DIRECT));
    sys.close(file);
    sys.mkdir(dir / "d", 0755);
    seen("a directory", sys.open(dir / "d", O_RDONLY | O_DIRECT));
    seen("/dev/null", sys.open("/dev/null", O_RDWR | O_DIRECT));
    const int zero = static_cast<int>(sys.open("/dev/zero", O_RDONLY));
    seen("F_SETFL O_DIRECT on /dev/zero", sys.fcntl(zero, F_SETFL, O_DIRECT | O_NONBLOCK));
    seen("F_GETFL unchanged", sys.fcntl(zero, F_GETFL));
    sys.close(zero);
    const int sock = static_cast<int>(sys.socket(AF_INET, SOCK_STREAM, 0));
    seen("F_SETFL O_DIRECT on a socket", sys.fcntl(sock, F_SETFL, O_DIRECT));
    sys.close(sock);
  });
}

TEST_CASE("pipe2(O_DIRECT): a packet pipe, each write one read", "[conformance][table][pipefs]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential([](auto& sys, const temp_dir&, observations& seen) {
    std::array<int, 2> p{};
    seen("pipe2 O_DIRECT", sys.pipe(p, O_DIRECT));
    seen("F_GETFL read end", sys.fcntl(p[0], F_GETFL));
    seen("F_GETFL write end", sys.fcntl(p[1], F_GETFL));
    seen("write ab", sys.write(p[1], bytes("ab")));
    seen("write cde", sys.write(p[1], bytes("cde")));
    std::array<std::byte, 16> buf{};
    seen("one read is one packet", sys.read(p[0], buf));
    seen("a short read takes a packet", sys.read(p[0], std::span(buf).first(1)));
    seen("F_SETFL O_NONBLOCK", sys.fcntl(p[0], F_SETFL, O_NONBLOCK));
    seen("the rest of the packet is gone", sys.read(p[0], buf));
    seen("F_SETFL O_DIRECT off the write end", sys.fcntl(p[1], F_SETFL, 0));
    seen("write ab", sys.write(p[1], bytes("ab")));
    seen("write cd", sys.write(p[1], bytes("cd")));
    seen("a stream again", sys.read(p[0], buf));
    for (const int end : p) sys.close(end);
    seen("pipe2 with O_APPEND", sys.pipe(p, O_APPEND));
  });
}

TEST_CASE("a named FIFO has no position: ESPIPE before EBADF", "[conformance][table]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential(
      [](auto& sys, const temp_dir& dir, observations& seen) {
        REQUIRE(::mkfifo((dir / "fifo").c_str(), 0644) == 0);
        const int reader = static_cast<int>(sys.open(dir / "fifo", O_RDONLY | O_NONBLOCK));
        const int both = static_cast<int>(sys.open(dir / "fifo", O_RDWR));
        std::array<std::byte, 4> buf{};
        seen("pwrite on the read end", sys.pwrite(reader, bytes("x"), 0));
        seen("pread on the read end", sys.pread(reader, buf, 0));
        seen("pread at -1", sys.pread(reader, buf, -1));
        seen("lseek", sys.lseek(both, 0, SEEK_SET));
        seen("write", sys.write(both, bytes("abc")));
        seen("read", sys.read(reader, buf));
        seen("F_SETFL O_DIRECT (packet mode)", sys.fcntl(both, F_SETFL, O_DIRECT));
        sys.close(reader);
        sys.close(both);
      },
      0, false);  // ramfs has no mknod yet: a FIFO is the host's
}

TEST_CASE("readv and writev totals are cut at MAX_RW_COUNT", "[conformance][table][chrdev]") {
  kvfs_test::no_descriptor_leak leak_check;
  constexpr std::size_t gib = std::size_t{1} << 30;
  // One 1 GiB mapping behind every segment: the kernel clamps the total,
  // not the memory; /dev/null's write never touches it.
  void* const area = ::mmap(nullptr, gib, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  REQUIRE(area != MAP_FAILED);
  const std::array<::iovec, 3> three{::iovec{area, gib}, ::iovec{area, gib}, ::iovec{area, gib}};
  differential([&](auto& sys, const temp_dir&, observations& seen) {
    const int null = static_cast<int>(sys.open("/dev/null", O_WRONLY));
    seen("writev of 3 GiB to /dev/null", sys.writev(null, three));
    sys.close(null);
    const int zero = static_cast<int>(sys.open("/dev/zero", O_RDONLY));
    seen("readv of 3 GiB from /dev/zero", sys.readv(zero, three));
    sys.close(zero);
  });
  ::munmap(area, gib);
}
