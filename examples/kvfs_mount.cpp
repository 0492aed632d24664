// SPDX-License-Identifier: BSL-1.0
// kvfs-mount: a kvfs file system mounted on the host through FUSE, so that
// any program (cat, git, sqlite3, tar) runs on it; the host kernel's VFS
// sends each call to kvfs's inode_operations and file_operations.
//
//   kvfs-mount ramfs /mnt/ram &            # a fresh in-memory file system
//   kvfs-mount posixfs:/srv/data /mnt/d &  # a host directory, never above it
//   kvfs-mount --trace /tmp/t ramfs /mnt/ram
//   fusermount3 -u /mnt/ram                # or SIGINT / SIGTERM: unmounts, exits 0
#include <kvfs/fs/posixfs.hpp>
#include <kvfs/fs/ramfs.hpp>
#include <kvfs/fuse.hpp>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

namespace {

constexpr int exit_usage = 2;  // a bad SOURCE, option or mount point
constexpr int exit_fuse = 1;   // no /dev/fuse, or the mount refused

void usage(std::ostream& out) {
  out << "usage: kvfs-mount [options] SOURCE MOUNTPOINT\n"
         "Serves a kvfs file system at MOUNTPOINT (an empty directory) through FUSE,\n"
         "in the foreground, until fusermount3 -u MOUNTPOINT, SIGINT or SIGTERM.\n"
         "\n"
         "SOURCE:\n"
         "  ramfs            a fresh in-memory file system (kvfs::ramfs)\n"
         "  posixfs:DIR      the host directory DIR (kvfs::posixfs), never above it\n"
         "\n"
         "options:\n"
         "  -o ro            read-only: writes answer EROFS\n"
         "  --trace FILE     one line per request, in the kernel's names\n"
         "                   (FUSE_WRITE(ino 2) -> vfs_write -> ramfs: ramfs_file_operations.write = 4096)\n"
         "  --timeout SECS   how long the host may keep names and attributes (default 1)\n"
         "  -h, --help       this text\n";
}

int fail(int code, const std::string& message) {
  std::cerr << "kvfs-mount: " << message << '\n';
  if (code == exit_usage) std::cerr << "Try 'kvfs-mount --help'.\n";
  return code;
}

// The file system SOURCE names, or a message.
std::string make_source(std::string_view source, std::shared_ptr<kvfs::super_block>& sb) {
  if (source == "ramfs") return kvfs::ramfs::mount("", 0, sb) == 0 ? "" : "cannot make a ramfs";
  if (source.starts_with("posixfs:")) {
    const std::string dir(source.substr(8));
    if (dir.empty()) return "posixfs: needs a directory (posixfs:DIR)";
    if (const int error = kvfs::posixfs::mount(dir, 0, sb); error < 0) {
      return "posixfs:" + dir + ": " + std::strerror(-error);
    }
    return "";
  }
  return "unknown SOURCE '" + std::string(source) + "' (ramfs or posixfs:DIR)";
}

std::string check_mountpoint(const std::string& path) {
  struct ::stat st {};
  if (::stat(path.c_str(), &st) < 0) return path + ": " + std::strerror(errno);
  if (!S_ISDIR(st.st_mode)) return path + ": not a directory";
  std::error_code ec;
  if (!std::filesystem::is_empty(path, ec) || ec) return path + ": not an empty directory";
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  kvfs::fuse::options opts;
  std::string trace_path;
  std::string positional[2];
  int count = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      usage(std::cout);
      return 0;
    }
    if ((arg == "-o" || arg == "--trace" || arg == "--timeout") && i + 1 >= argc) {
      return fail(exit_usage, std::string(arg) + " needs a value");
    }
    if (arg == "-o") {
      if (std::string_view(argv[++i]) != "ro") return fail(exit_usage, "unknown -o option '" + std::string(argv[i]) + "' (ro)");
      opts.read_only = true;
    } else if (arg == "--trace") {
      trace_path = argv[++i];
    } else if (arg == "--timeout") {
      char* end = nullptr;
      opts.timeout = std::strtod(argv[++i], &end);
      if (end == argv[i] || *end != '\0' || opts.timeout < 0) return fail(exit_usage, "bad --timeout");
    } else if (arg.starts_with("-")) {
      return fail(exit_usage, "unknown option '" + std::string(arg) + "'");
    } else if (count < 2) {
      positional[count++] = std::string(arg);
    } else {
      return fail(exit_usage, "too many arguments");
    }
  }
  if (count != 2) return fail(exit_usage, "needs SOURCE and MOUNTPOINT");
  std::shared_ptr<kvfs::super_block> sb;
  if (const std::string error = make_source(positional[0], sb); !error.empty()) return fail(exit_usage, error);
  if (const std::string error = check_mountpoint(positional[1]); !error.empty()) return fail(exit_usage, error);
  if (const int fd = ::open("/dev/fuse", O_RDWR | O_CLOEXEC); fd < 0) {
    return fail(exit_fuse, std::string("cannot open /dev/fuse: ") + std::strerror(errno));
  } else {
    ::close(fd);
  }
  std::ofstream trace;
  if (!trace_path.empty()) {
    trace.open(trace_path, std::ios::app);
    if (!trace) return fail(exit_usage, "cannot write the trace to " + trace_path);
    opts.trace = &trace;
  }
  // posixfs holds each inode the host kernel knows by a descriptor (as
  // passthrough_ll does): as many as the hard limit allows.
  if (::rlimit limit{}; ::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
  opts.fsname = positional[0];
  std::cerr << "kvfs-mount: " << positional[0] << " on " << positional[1]
            << " (fusermount3 -u " << positional[1] << " or ctrl-C unmounts)\n";
  const int result = kvfs::fuse::serve(std::move(sb), positional[1], opts);
  if (result < 0) return fail(exit_fuse, std::string("mount failed: ") + std::strerror(-result));
  return 0;
}
