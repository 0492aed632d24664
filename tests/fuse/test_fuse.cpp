// SPDX-License-Identifier: BSL-1.0
// The FUSE bridge in-process: the real kernel's system calls on a kvfs
// file system mounted through FUSE answer as on the kernel's own tmpfs
// (ramfs and posixfs alike), and a request that blocks in kvfs holds up no
// other. Exits 77 (ctest's skip) with the reason where FUSE cannot mount.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "conformance_systems.hpp"
#include "differential.hpp"
#include "support.hpp"

#include <kvfs/fuse.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <iostream>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

using kvfs_test::bytes;
using kvfs_test::observations;
using kvfs_test::real_kernel;
using kvfs_test::temp_dir;

namespace {

template <class Sys>
void stat_line(Sys& sys, observations& seen, const std::string& label, const std::string& path) {
  struct ::stat st {};
  const long r = sys.fstatat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
  seen(label, r);
  if (r < 0) return;
  seen(label + " mode", static_cast<long>(st.st_mode));
  seen(label + " nlink", static_cast<long>(st.st_nlink));
  if (!S_ISDIR(st.st_mode)) seen(label + " size", st.st_size);
}

// The names of a directory, sorted, by getdents64.
std::string listing(real_kernel& sys, const std::string& path) {
  const long fd = sys.open(path, O_RDONLY | O_DIRECTORY);
  if (fd < 0) return "error";
  std::set<std::string> names;
  std::array<std::byte, 4096> buf{};
  for (long n; (n = sys.getdents64(static_cast<int>(fd), buf)) > 0;) {
    kvfs::for_each_dirent(std::span(buf).first(static_cast<std::size_t>(n)),
                          [&](const kvfs::dirent64& d) { names.insert(std::string(d.d_name)); });
  }
  sys.close(static_cast<int>(fd));
  std::string out;
  for (const std::string& name : names) out += name + " ";
  return out;
}

// What the namespace and file calls see in directory `d`.
void scenario(const std::string& d, observations& seen) {
  real_kernel sys;
  auto make = [&](const std::string& path, std::string_view data) {
    const long fd = sys.open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    seen("create " + path.substr(d.size()), fd >= 0 ? 0 : fd);
    seen("write", sys.write(static_cast<int>(fd), bytes(data)));
    sys.close(static_cast<int>(fd));
  };
  seen("mkdir sub", sys.mkdir(d + "/sub", 0750));
  seen("mkdir sub again", sys.mkdir(d + "/sub", 0750));
  make(d + "/f", "hello");
  make(d + "/sub/g", "world!");
  seen("O_EXCL on f", sys.open(d + "/f", O_WRONLY | O_CREAT | O_EXCL, 0644));
  stat_line(sys, seen, "f", d + "/f");
  stat_line(sys, seen, "sub", d + "/sub");
  seen("link f h", sys.linkat(AT_FDCWD, d + "/f", AT_FDCWD, d + "/h", 0));
  stat_line(sys, seen, "f after link", d + "/f");
  seen("link a directory", sys.linkat(AT_FDCWD, d + "/sub", AT_FDCWD, d + "/sub2", 0));
  seen("symlink l -> f", sys.symlinkat("f", AT_FDCWD, d + "/l"));
  std::array<char, 64> target{};
  seen("readlink l", sys.readlinkat(AT_FDCWD, d + "/l", target));
  seen("readlink f", sys.readlinkat(AT_FDCWD, d + "/f", target));
  seen("symlink loop", sys.symlinkat("loop", AT_FDCWD, d + "/loop"));
  seen("open loop", sys.open(d + "/loop", O_RDONLY));
  seen("unlink a directory", sys.unlinkat(AT_FDCWD, d + "/sub", 0));
  seen("rmdir non-empty", sys.unlinkat(AT_FDCWD, d + "/sub", AT_REMOVEDIR));
  seen("rename into own child", sys.renameat2(AT_FDCWD, d + "/sub", AT_FDCWD, d + "/sub/inner", 0));
  seen("rename noreplace", sys.renameat2(AT_FDCWD, d + "/f", AT_FDCWD, d + "/h", RENAME_NOREPLACE));
  seen("rename exchange", sys.renameat2(AT_FDCWD, d + "/l", AT_FDCWD, d + "/sub/g", RENAME_EXCHANGE));
  stat_line(sys, seen, "g after exchange", d + "/sub/g");
  seen("rename over", sys.renameat2(AT_FDCWD, d + "/h", AT_FDCWD, d + "/l", 0));
  stat_line(sys, seen, "l after rename over", d + "/l");
  seen("truncate up", sys.truncate(d + "/f", 10000));
  stat_line(sys, seen, "f truncated", d + "/f");
  const long fd = sys.open(d + "/f", O_RDWR | O_APPEND);
  seen("append", sys.write(static_cast<int>(fd), bytes("tail")));
  std::array<std::byte, 8> buf{};
  seen("pread the hole", sys.pread(static_cast<int>(fd), buf, 6000));
  seen("pread the tail", sys.pread(static_cast<int>(fd), buf, 10000));
  seen.text("tail", std::string(reinterpret_cast<const char*>(buf.data()), 4));
  seen("chmod", sys.chmod(d + "/f", 0600));
  stat_line(sys, seen, "f after chmod", d + "/f");
  sys.close(static_cast<int>(fd));
  seen.text("listing", listing(sys, d));
  seen.text("sub listing", listing(sys, d + "/sub"));
  seen("unlink l", sys.unlinkat(AT_FDCWD, d + "/l", 0));
  seen("rmdir sub", sys.unlinkat(AT_FDCWD, d + "/sub", AT_REMOVEDIR));
  seen("unlink sub/g", sys.unlinkat(AT_FDCWD, d + "/sub/g", 0));
  seen("rmdir sub now", sys.unlinkat(AT_FDCWD, d + "/sub", AT_REMOVEDIR));
  seen.text("listing at the end", listing(sys, d));
}

void same_as_tmpfs(std::shared_ptr<kvfs::super_block> sb, const std::string& mountpoint) {
  observations on_tmpfs, on_kvfs;
  {
    temp_dir tmpfs("/dev/shm");
    scenario(tmpfs.path().string(), on_tmpfs);
  }
  {
    kvfs::fuse::mounted mounted(std::move(sb), mountpoint);
    scenario(mountpoint, on_kvfs);
  }
  CHECK(on_kvfs.lines() == on_tmpfs.lines());
}

}  // namespace

TEST_CASE("FUSE: the kernel's calls on kvfs-ramfs answer as on tmpfs", "[fuse]") {
  kvfs_test::no_descriptor_leak leak_check;
  temp_dir mnt;
  std::shared_ptr<kvfs::super_block> sb;
  REQUIRE(kvfs::ramfs::mount("", 0, sb) == 0);
  same_as_tmpfs(std::move(sb), mnt.path().string());
}

TEST_CASE("FUSE: the kernel's calls on kvfs-posixfs of a tmpfs directory answer as on tmpfs", "[fuse]") {
  kvfs_test::no_descriptor_leak leak_check;
  temp_dir mnt, host("/dev/shm");
  std::shared_ptr<kvfs::super_block> sb;
  REQUIRE(kvfs::posixfs::mount(host.path().string(), 0, sb) == 0);
  same_as_tmpfs(std::move(sb), mnt.path().string());
}

namespace {

// gatefs: one file, "gate", whose read waits until the gate opens (or 10 s
// pass, so that no failure can hang), and one, "free", that never waits.
struct gate {
  std::mutex lock;
  std::condition_variable opened_cv;
  bool opened = false;
  bool entered = false;
};
gate the_gate;

struct gate_node {
  int which = 0;  // 0 the root, 1 "gate", 2 "free"
  bool operator==(const gate_node&) const = default;
};

struct gatefs {
  static constexpr auto name = kvfs::name_c<"gatefs">;
  struct private_data {
    int which = 0;
  };
  using inode_type = gate_node;
  struct inode_operations {
    static constexpr std::string_view name = "gatefs_inode_operations";
    static int lookup(gate_node&, std::string_view name, gate_node& out) {
      if (name != "gate" && name != "free") return -ENOENT;
      out.which = name == "gate" ? 1 : 2;
      return 0;
    }
    static int getattr(gate_node& node, struct ::stat& st) {
      st = {};
      st.st_ino = static_cast<ino_t>(node.which + 1);
      st.st_mode = node.which == 0 ? S_IFDIR | 0755 : S_IFREG | 0444;
      st.st_nlink = node.which == 0 ? 2 : 1;
      st.st_size = 4;
      return 0;
    }
  };
  struct file_operations {
    static constexpr std::string_view name = "gatefs_file_operations";
    static ssize_t read(auto& file, std::span<std::byte> buf) {
      if (file.f_pos > 0 || buf.size() < 4) return 0;
      if (file.private_data.which == 1) {
        std::unique_lock guard(the_gate.lock);
        the_gate.entered = true;
        the_gate.opened_cv.notify_all();
        the_gate.opened_cv.wait_for(guard, std::chrono::seconds(10), [] { return the_gate.opened; });
      }
      std::memcpy(buf.data(), "open", 4);
      file.f_pos = 4;
      return 4;
    }
  };
  class super_block final : public kvfs::super_block {
   public:
    super_block() {
      kvfs::inode_ptr root;
      kvfs::policy_inode<gatefs>::make(gate_node{}, root);
      set_root(std::move(root));
    }
    int open_inode(kvfs::vfs_inode& inode, int flags, mode_t, kvfs::file_ref& file) override {
      auto& node = dynamic_cast<kvfs::policy_inode<gatefs>&>(inode).node();
      file = kvfs::make_file(kvfs::descriptor<gatefs>(private_data{node.which}, flags));
      return 0;
    }
  };
};

std::string host_read(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "error";
  std::array<char, 8> buf{};
  const ssize_t n = ::read(fd, buf.data(), buf.size());
  ::close(fd);
  return n > 0 ? std::string(buf.data(), static_cast<std::size_t>(n)) : std::string();
}

}  // namespace

TEST_CASE("FUSE: a request blocked in kvfs holds up no other request", "[fuse]") {
  temp_dir mnt;
  kvfs::fuse::mounted mounted(std::make_shared<gatefs::super_block>(), mnt.path().string());
  const std::string d = mnt.path().string();
  auto blocked = std::async(std::launch::async, [&] { return host_read(d + "/gate"); });
  {
    std::unique_lock guard(the_gate.lock);
    REQUIRE(the_gate.opened_cv.wait_for(guard, std::chrono::seconds(5), [] { return the_gate.entered; }));
  }
  // While one request waits inside kvfs, others are served: a stat, a read
  // of another file, a listing.
  struct ::stat st {};
  CHECK(::stat((d + "/free").c_str(), &st) == 0);
  CHECK(host_read(d + "/free") == "open");
  CHECK(blocked.wait_for(std::chrono::seconds(0)) == std::future_status::timeout);  // still waiting
  {
    std::lock_guard guard(the_gate.lock);
    the_gate.opened = true;
  }
  the_gate.opened_cv.notify_all();
  CHECK(blocked.get() == "open");
}

namespace {

std::size_t entries(const char* dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

}  // namespace

TEST_CASE("FUSE: an unmount leaves no thread and no descriptor behind", "[fuse]") {
  const std::size_t fds = entries("/proc/self/fd"), threads = entries("/proc/self/task");
  std::vector<int> left_open;
  {
    temp_dir mnt;
    std::shared_ptr<kvfs::super_block> sb;
    REQUIRE(kvfs::ramfs::mount("", 0, sb) == 0);
    kvfs::fuse::mounted mounted(sb, mnt.path().string());
    real_kernel sys;
    for (int i = 0; i < 20; ++i) {
      const std::string path = mnt.path().string() + "/f" + std::to_string(i);
      const long fd = sys.open(path, O_RDWR | O_CREAT, 0644);
      REQUIRE(fd >= 0);
      CHECK(sys.write(static_cast<int>(fd), bytes("some bytes")) == 10);
      // Left open on purpose for half of them: the unmount must release them.
      if (i % 2 == 0) {
        sys.close(static_cast<int>(fd));
      } else {
        left_open.push_back(static_cast<int>(fd));
      }
    }
    CHECK(entries("/proc/self/task") > threads);  // the session's threads
  }
  // The half left open are this process's own descriptors on a mount now
  // gone: closing them answers at once (the connection was aborted).
  for (int fd : left_open) ::close(fd);
  CHECK(entries("/proc/self/fd") == fds);
  CHECK(entries("/proc/self/task") == threads);
}

TEST_CASE("FUSE: a client killed mid-write loses nothing already acknowledged", "[fuse]") {
  temp_dir mnt;
  std::shared_ptr<kvfs::super_block> sb;
  REQUIRE(kvfs::ramfs::mount("", 0, sb) == 0);
  kvfs::fuse::mounted mounted(sb, mnt.path().string());
  const std::string path = mnt.path().string() + "/log";
  constexpr std::size_t chunk = 4096;
  int acks[2];
  REQUIRE(::pipe2(acks, O_CLOEXEC) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {  // the client: chunk i is filled with byte i; each acknowledged write is told
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    std::array<unsigned char, chunk> buf{};
    for (unsigned i = 0;; ++i) {
      buf.fill(static_cast<unsigned char>(i));
      if (::write(fd, buf.data(), buf.size()) != static_cast<ssize_t>(buf.size())) ::_exit(1);
      if (::write(acks[1], &i, sizeof i) != sizeof i) ::_exit(1);
    }
  }
  ::close(acks[1]);
  unsigned last = 0;
  for (unsigned got = 0; got < 200;) {  // 200 acknowledged, then SIGKILL mid-write
    REQUIRE(::read(acks[0], &last, sizeof last) == sizeof last);
    got = last + 1;
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ::close(acks[0]);
  CHECK(WIFSIGNALED(status));
  const std::string kept = [&] {
    std::string out;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    std::array<char, 65536> buf{};
    for (ssize_t n; (n = ::read(fd, buf.data(), buf.size())) > 0;) out.append(buf.data(), static_cast<std::size_t>(n));
    ::close(fd);
    return out;
  }();
  REQUIRE(kept.size() >= (last + 1) * chunk);  // every acknowledged chunk is there
  CHECK(kept.size() % chunk == 0);              // and no torn one
  bool intact = true;
  for (std::size_t i = 0; i * chunk < kept.size(); ++i) {
    intact = intact && kept[i * chunk] == static_cast<char>(i) && kept[i * chunk + chunk - 1] == static_cast<char>(i);
  }
  CHECK(intact);
}

int main(int argc, char** argv) {
  // What this machine must allow: /dev/fuse, and a FUSE mount by this process.
  if (::access("/dev/fuse", R_OK | W_OK) != 0) {
    std::cout << "SKIPPED: no usable /dev/fuse (" << std::strerror(errno) << ")\n";
    return 77;
  }
  try {
    temp_dir probe;
    std::shared_ptr<kvfs::super_block> sb;
    kvfs::ramfs::mount("", 0, sb);
    kvfs::fuse::mounted mounted(sb, probe.path().string());
  } catch (const std::exception& e) {
    std::cout << "SKIPPED: a FUSE mount is refused here (" << e.what() << ")\n";
    return 77;
  }
  return Catch::Session().run(argc, argv);
}
