// SPDX-License-Identifier: BSL-1.0
// sendfile(2) as do_sendfile() runs it, the cases the fuzzer found: pipe
// outputs (wait_for_space first), inputs that cannot seek or splice,
// outputs that cannot take a splice, positions stored back, and a file
// sent onto itself.
#include <catch2/catch.hpp>

#include "differential.hpp"

#include <array>
#include <string>

using kvfs_test::bytes;
using kvfs_test::differential;
using kvfs_test::ignore_sigpipe;
using kvfs_test::observations;
using kvfs_test::temp_dir;

TEST_CASE("sendfile: pipes, devices and unseekable inputs in do_sendfile's order", "[conformance][table]") {
  kvfs_test::no_descriptor_leak leak_check;
  ignore_sigpipe guard;
  differential([](auto& sys, const temp_dir& dir, observations& seen) {
    const int file = static_cast<int>(sys.open(dir / "f", O_RDWR | O_CREAT | O_TRUNC, 0644));
    sys.write(file, bytes("hello world"));
    sys.lseek(file, 0, SEEK_SET);
    const int null = static_cast<int>(sys.open("/dev/null", O_RDWR));
    const int zero = static_cast<int>(sys.open("/dev/zero", O_RDONLY));
    const int full = static_cast<int>(sys.open("/dev/full", O_WRONLY));
    std::array<int, 2> in_pipe{}, out_pipe{};
    sys.pipe(in_pipe);
    sys.pipe(out_pipe, O_NONBLOCK);
    sys.write(in_pipe[1], bytes("xy"));
    seen("pipe input, file output, 0 bytes", sys.sendfile(null, in_pipe[0], nullptr, 0));
    seen("pipe input, pipe output, 0 bytes", sys.sendfile(out_pipe[1], in_pipe[0], nullptr, 0));
    seen("pipe input, pipe output", sys.sendfile(out_pipe[1], in_pipe[0], nullptr, 2));
    seen("/dev/null input, 0 bytes", sys.sendfile(null, null, nullptr, 0));
    seen("/dev/null input", sys.sendfile(null, null, nullptr, 5));
    kvfs::loff_t at = 100;
    seen("/dev/zero into a file", sys.sendfile(file, zero, &at, 3));
    seen("the offset on /dev/zero stays", at);
    seen("data into /dev/full", sys.sendfile(full, file, nullptr, 3));
    seen("nothing moved: the position", sys.lseek(file, 0, SEEK_CUR));
    seen("nothing into /dev/full", sys.sendfile(full, file, nullptr, 0));
    seen("O_APPEND pipe output is fine", sys.fcntl(out_pipe[1], F_SETFL, O_APPEND | O_NONBLOCK));
    seen("file into the pipe", sys.sendfile(out_pipe[1], file, nullptr, 4));
    seen("position after it", sys.lseek(file, 0, SEEK_CUR));
    sys.close(out_pipe[0]);
    seen("a pipe without readers: EPIPE before the input is asked", sys.sendfile(out_pipe[1], in_pipe[0], nullptr, 0));
    kvfs::loff_t off = 1;
    seen("EPIPE with an offset", sys.sendfile(out_pipe[1], file, &off, 3));
    seen("the offset stays", off);
    for (int fd : {file, null, zero, full, in_pipe[0], in_pipe[1], out_pipe[1]}) sys.close(fd);
  });
}

TEST_CASE("sendfile: a file onto itself ends as Linux leaves it", "[conformance][table]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential([](auto& sys, const temp_dir& dir, observations& seen) {
    const int fd = static_cast<int>(sys.open(dir / "f", O_RDWR | O_CREAT | O_TRUNC, 0644));
    std::string data;
    for (int i = 0; i < 20000; ++i) data += static_cast<char>('a' + i % 23);
    sys.write(fd, bytes(data));
    sys.lseek(fd, 7, SEEK_SET);
    kvfs::loff_t from = 0;
    seen("7 bytes ahead, with an offset", sys.sendfile(fd, fd, &from, 70000));
    seen("offset", from);
    seen("position", sys.lseek(fd, 0, SEEK_CUR));
    seen("the shared position: from it, onto it", sys.sendfile(fd, fd, nullptr, 5000));
    seen("position after", sys.lseek(fd, 0, SEEK_CUR));
    kvfs::loff_t back = 9000;
    sys.lseek(fd, 100, SEEK_SET);
    seen("behind the input", sys.sendfile(fd, fd, &back, 30000));
    struct ::stat st {};
    sys.fstat(fd, st);
    seen("size", st.st_size);
    std::string all(static_cast<std::size_t>(st.st_size), '\0');
    sys.pread(fd, std::as_writable_bytes(std::span(all)), 0);
    seen.text("contents", all);
    sys.close(fd);
  });
}
