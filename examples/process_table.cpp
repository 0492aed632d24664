// SPDX-License-Identifier: BSL-1.0
// A small "process" in the kernel's dynamic model: it opens a regular file, a
// TCP socket, a pipe, /dev/null and a file in an in-memory mount, dups one,
// writes to each through the same generic function, and prints its
// descriptor table the way `ls -l /proc/self/fd` would.
//
// Here the descriptors are integers, as in the kernel: each leads through
// the table to a struct file and its generated operations table.
#include <kvfs/kvfs.hpp>

#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>

#include <unistd.h>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>

namespace {

// The same generic function the static example uses, now on table numbers.
template <kvfs::writable_descriptor Descriptor>
void say(Descriptor& d, std::string_view message) {
  kvfs::write_all(d, message);
}

}  // namespace

int main() {
  const auto work = std::filesystem::temp_directory_path() / ("kvfs-process-" + std::to_string(::getpid()));
  std::filesystem::create_directories(work / "mem");

  asio::io_context io;  // outlives the sockets in the table
  kvfs::tcp::acceptor listener(io, {asio::ip::make_address("127.0.0.1"), 0});
  {
    kvfs::process proc;
    std::cout << "== /proc/filesystems\n" << proc.proc_filesystems();

    std::cout << "\n== mount -t ramfs none " << (work / "mem").string() << '\n';
    if (proc.mount("none", work / "mem", "ramfs") != 0) return EXIT_FAILURE;
    std::cout << proc.proc_mounts();

    std::cout << "\n== open, socket, pipe, dup: each call traced\n";
    proc.trace_to(std::cout);
    kvfs::fd file(proc, static_cast<int>(proc.open(work / "notes.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644)));
    kvfs::fd socket(proc, proc.fd_install(kvfs::tcp::connect(io, listener.local_endpoint())));
    auto peer = kvfs::tcp::accept(listener);
    std::array<int, 2> ends{};
    if (proc.pipe(ends) != 0) return EXIT_FAILURE;
    kvfs::fd pipe_in(proc, ends[1]);
    kvfs::fd null(proc, static_cast<int>(proc.open("/dev/null", O_WRONLY)));
    kvfs::fd memory(proc, static_cast<int>(proc.open(work / "mem" / "scratch", O_RDWR | O_CREAT, 0600)));
    kvfs::fd copy(proc, static_cast<int>(proc.dup(file.number())));

    std::cout << "\n== write(2) to each through one generic function\n";
    for (kvfs::fd* d : {&file, &socket, &pipe_in, &null, &memory, &copy}) say(*d, "hello\n");

    std::cout << "\n== ls -l /proc/self/fd\n" << proc.proc_self_fd();

    std::array<char, 16> received{};
    const std::size_t n = kvfs::read(peer, std::span<char>(received));
    std::cout << "\nthe TCP peer received " << n << " bytes; " << (work / "notes.txt").string() << " holds "
              << std::filesystem::file_size(work / "notes.txt") << " bytes (two writes through dup'd numbers)\n";
  }  // exit_files(): the table closes what is still open
  std::filesystem::remove_all(work);
  return EXIT_SUCCESS;
}
