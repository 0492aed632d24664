// N one-byte writes to /dev/null by one path (raw, static, table), for
// valgrind's callgrind to count instructions: scripts/bench runs it at two
// N and divides, so what the program does once cancels out.
#include <kvfs/posixfs.hpp>
#include <kvfs/process.hpp>

#include <fcntl.h>
#include <unistd.h>
#include <array>
#include <cstdlib>
#include <iostream>
#include <string_view>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: callgrind_probe raw|static|table N\n";
    return EXIT_FAILURE;
  }
  const std::string_view mode = argv[1];
  const long n = std::atol(argv[2]);
  const std::array<std::byte, 1> one{};
  auto dev_null = kvfs::open("/dev/null", O_WRONLY);
  if (mode == "raw") {
    const int fd = dev_null.native_handle();
    for (long i = 0; i < n; ++i) (void)::write(fd, one.data(), one.size());
  } else if (mode == "static") {
    for (long i = 0; i < n; ++i) (void)dev_null.vfs_write(one);
  } else if (mode == "table") {
    kvfs::process proc;
    const int fd = proc.fd_install(std::move(dev_null));
    for (long i = 0; i < n; ++i) (void)proc.write(fd, one);
  } else {
    std::cerr << "callgrind_probe: unknown mode " << mode << '\n';
    return EXIT_FAILURE;
  }
  return EXIT_SUCCESS;
}
