// SPDX-License-Identifier: BSL-1.0
// The attribute calls against the real kernel: truncate and ftruncate,
// chmod, fchmod and fchmodat, utimensat and futimens, access and
// faccessat, statfs and fstatfs, chdir, fchdir and getcwd; and the times
// each change moves, on posixfs and ramfs alike.
#include <catch2/catch.hpp>

#include "differential.hpp"

#include <kvfs/dirent.hpp>

#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <array>
#include <filesystem>
#include <string>

using kvfs_test::bytes;
using kvfs_test::differential;
using kvfs_test::make_file;
using kvfs_test::observations;
using kvfs_test::temp_dir;

namespace {

template <class Sys>
struct ::stat stat_of(Sys& sys, const std::string& path, int flags = 0) {
  struct ::stat st {};
  sys.fstatat(AT_FDCWD, path, st, flags);
  return st;
}

template <class Sys>
void mode_of(Sys& sys, observations& seen, const std::string& label, const std::string& path, int flags = 0) {
  struct ::stat st {};
  const long r = sys.fstatat(AT_FDCWD, path, st, flags);
  seen(label + " stat", r);
  if (r == 0) seen(label + " mode", static_cast<long>(st.st_mode));
}

bool after(const ::timespec& a, const ::timespec& b) {
  return a.tv_sec > b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec > b.tv_nsec);
}
bool equal(const ::timespec& a, const ::timespec& b) { return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec; }

}  // namespace

TEST_CASE("truncate and ftruncate: check order, sizes and holes", "[conformance][attr]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential([](auto& sys, const temp_dir& dir, observations& seen) {
    const std::string d = dir.path().string();
    make_file(sys, d + "/f", "hello world");
    seen("ftruncate bad fd, bad length", sys.ftruncate(999, -1));  // the length first
    seen("ftruncate bad fd", sys.ftruncate(999, 0));
    const long ro = sys.open(d + "/f", O_RDONLY);
    seen("ftruncate read-only", sys.ftruncate(static_cast<int>(ro), 1));
    const long path_fd = sys.open(d + "/f", O_PATH);
    seen("ftruncate O_PATH", sys.ftruncate(static_cast<int>(path_fd), 1));
    const long dir_fd = sys.open(d, O_RDONLY | O_DIRECTORY);
    seen("ftruncate directory", sys.ftruncate(static_cast<int>(dir_fd), 1));
    std::array<int, 2> p{};
    sys.pipe(p);
    seen("ftruncate pipe", sys.ftruncate(p[1], 1));
    const long rw = sys.open(d + "/f", O_RDWR);
    seen("ftruncate down", sys.ftruncate(static_cast<int>(rw), 5));
    seen.text("after down", kvfs_test::read_all(sys, static_cast<int>(ro)));
    seen("ftruncate up", sys.ftruncate(static_cast<int>(rw), 8));
    seen("size after up", stat_of(sys, d + "/f").st_size);
    std::array<std::byte, 16> buf{};
    seen("pread past old end", sys.pread(static_cast<int>(ro), buf, 5));
    seen("hole is zero", buf[0] == std::byte{0} && buf[2] == std::byte{0} ? 1 : 0);
    seen("truncate directory", sys.truncate(d, 0));
    seen("truncate negative", sys.truncate(d + "/f", -1));
    seen("truncate missing", sys.truncate(d + "/missing", 0));
    seen("truncate to 2", sys.truncate(d + "/f", 2));
    seen("size after truncate", stat_of(sys, d + "/f").st_size);
    for (long fd : {ro, path_fd, dir_fd, rw}) sys.close(static_cast<int>(fd));
    sys.close(p[0]);
    sys.close(p[1]);
  });
}

TEST_CASE("chmod, fchmod, fchmodat: type bits kept, symlinks refused, O_PATH", "[conformance][attr]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential([](auto& sys, const temp_dir& dir, observations& seen) {
    const std::string d = dir.path().string();
    make_file(sys, d + "/f", "x");
    sys.mkdir(d + "/sub", 0755);
    sys.symlinkat("f", AT_FDCWD, d + "/link");
    seen("chmod", sys.chmod(d + "/f", 0600));
    mode_of(sys, seen, "f", d + "/f");
    seen("chmod with type bits", sys.chmod(d + "/f", S_IFDIR | 04751));
    mode_of(sys, seen, "f", d + "/f");
    seen("chmod dir", sys.chmod(d + "/sub", 01700));
    mode_of(sys, seen, "sub", d + "/sub");
    seen("chmod through symlink", sys.chmod(d + "/link", 0640));
    mode_of(sys, seen, "f", d + "/f");
    mode_of(sys, seen, "link", d + "/link", AT_SYMLINK_NOFOLLOW);
    seen("fchmodat nofollow symlink", sys.fchmodat(AT_FDCWD, d + "/link", 0600, AT_SYMLINK_NOFOLLOW));
    seen("fchmodat nofollow file", sys.fchmodat(AT_FDCWD, d + "/f", 0604, AT_SYMLINK_NOFOLLOW));
    seen("fchmodat bad flags", sys.fchmodat(AT_FDCWD, d + "/f", 0600, 0x8000));
    seen("chmod missing", sys.chmod(d + "/missing", 0600));
    const long fd = sys.open(d + "/f", O_RDONLY);
    seen("fchmod", sys.fchmod(static_cast<int>(fd), 0444));
    mode_of(sys, seen, "f", d + "/f");
    const long path_fd = sys.open(d + "/f", O_PATH);
    seen("fchmod O_PATH", sys.fchmod(static_cast<int>(path_fd), 0600));
    seen("fchmodat O_PATH empty path", sys.fchmodat(static_cast<int>(path_fd), "", 0660, AT_EMPTY_PATH));
    mode_of(sys, seen, "f", d + "/f");
    seen("fchmod bad fd", sys.fchmod(999, 0600));
    const long dir_fd = sys.open(d, O_RDONLY | O_DIRECTORY);
    seen("fchmodat relative", sys.fchmodat(static_cast<int>(dir_fd), "sub", 0711, 0));
    mode_of(sys, seen, "sub", d + "/sub");
    for (long x : {fd, path_fd, dir_fd}) sys.close(static_cast<int>(x));
  });
}

TEST_CASE("utimensat and futimens: given times, UTIME_OMIT, UTIME_NOW, check order", "[conformance][attr]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential([](auto& sys, const temp_dir& dir, observations& seen) {
    const std::string d = dir.path().string();
    make_file(sys, d + "/f", "x");
    sys.symlinkat("f", AT_FDCWD, d + "/link");
    const ::timespec given[2] = {{1000, 5}, {2000, 7}};
    seen("utimensat", sys.utimensat(AT_FDCWD, d + "/f", given, 0));
    struct ::stat st = stat_of(sys, d + "/f");
    seen("atime", st.st_atim.tv_sec * 1000000000L + st.st_atim.tv_nsec);
    seen("mtime", st.st_mtim.tv_sec * 1000000000L + st.st_mtim.tv_nsec);
    const ::timespec omit_atime[2] = {{0, UTIME_OMIT}, {3000, 0}};
    seen("utimensat omit atime", sys.utimensat(AT_FDCWD, d + "/f", omit_atime, 0));
    st = stat_of(sys, d + "/f");
    seen("atime kept", st.st_atim.tv_sec);
    seen("mtime set", st.st_mtim.tv_sec);
    const ::timespec both_omit[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
    seen("both omitted, missing path", sys.utimensat(AT_FDCWD, d + "/missing", both_omit, 0));
    const ::timespec bad[2] = {{0, 1000000000}, {0, 0}};
    seen("bad nsec, missing path", sys.utimensat(AT_FDCWD, d + "/missing", bad, 0));
    seen("bad nsec", sys.utimensat(AT_FDCWD, d + "/f", bad, 0));
    seen("bad flags", sys.utimensat(AT_FDCWD, d + "/f", given, 0x8000));
    seen("symlink itself", sys.utimensat(AT_FDCWD, d + "/link", given, AT_SYMLINK_NOFOLLOW));
    seen("link mtime", stat_of(sys, d + "/link", AT_SYMLINK_NOFOLLOW).st_mtim.tv_sec);
    seen("target mtime untouched", stat_of(sys, d + "/f").st_mtim.tv_sec);
    seen("now", sys.utimensat(AT_FDCWD, d + "/f", nullptr, 0));
    seen.fact("now is after 3000", stat_of(sys, d + "/f").st_mtim.tv_sec > 3000);
    const long fd = sys.open(d + "/f", O_RDONLY);
    seen("futimens", sys.futimens(static_cast<int>(fd), given));
    seen("mtime via fd", stat_of(sys, d + "/f").st_mtim.tv_sec);
    const long path_fd = sys.open(d + "/f", O_PATH);
    seen("futimens O_PATH", sys.futimens(static_cast<int>(path_fd), given));
    seen("utimensat O_PATH empty path", sys.utimensat(static_cast<int>(path_fd), "", omit_atime, AT_EMPTY_PATH));
    seen("mtime via O_PATH", stat_of(sys, d + "/f").st_mtim.tv_sec);
    seen("futimens bad fd", sys.futimens(999, given));
    sys.close(static_cast<int>(fd));
    sys.close(static_cast<int>(path_fd));
  });
}

TEST_CASE("times: what moves mtime, ctime and atime", "[conformance][attr]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential([](auto& sys, const temp_dir& dir, observations& seen) {
    const std::string d = dir.path().string();
    sys.mkdir(d + "/sub", 0755);
    make_file(sys, d + "/sub/f", "data");
    const ::timespec old[2] = {{1000, 0}, {1000, 0}};
    auto reset = [&](const std::string& path) { sys.utimensat(AT_FDCWD, path, old, AT_SYMLINK_NOFOLLOW); };
    auto report = [&](const std::string& label, const std::string& path, const struct ::stat& before) {
      const struct ::stat now = stat_of(sys, path, AT_SYMLINK_NOFOLLOW);
      seen.fact(label + ": atime moved", !equal(now.st_atim, before.st_atim));
      seen.fact(label + ": mtime moved", !equal(now.st_mtim, before.st_mtim));
      seen.fact(label + ": ctime moved", after(now.st_ctim, before.st_ctim));
    };
    const std::string f = d + "/sub/f", sub = d + "/sub";
    reset(f);
    struct ::stat before = stat_of(sys, f);
    const long fd = sys.open(f, O_RDWR);
    sys.write(static_cast<int>(fd), bytes("more"));
    report("write", f, before);
    reset(f);
    before = stat_of(sys, f);
    sys.write(static_cast<int>(fd), bytes(""));
    report("empty write", f, before);
    std::array<std::byte, 8> buf{};
    sys.pread(static_cast<int>(fd), buf, 0);
    report("read after an old atime (relatime)", f, before);
    before = stat_of(sys, f);
    sys.pread(static_cast<int>(fd), buf, 0);
    report("second read", f, before);
    before = stat_of(sys, f);
    sys.chmod(f, 0600);
    report("chmod", f, before);
    reset(f);
    before = stat_of(sys, f);
    sys.ftruncate(static_cast<int>(fd), 2);
    report("ftruncate", f, before);
    sys.close(static_cast<int>(fd));
    reset(sub);
    before = stat_of(sys, sub);
    make_file(sys, sub + "/g", "");
    report("create in dir", sub, before);
    reset(f);
    before = stat_of(sys, f);
    sys.linkat(AT_FDCWD, f, AT_FDCWD, sub + "/f2", 0);
    report("link: the inode", f, before);
    reset(f);
    reset(sub);
    const struct ::stat dir_before = stat_of(sys, sub);
    before = stat_of(sys, f);
    sys.renameat2(AT_FDCWD, f, AT_FDCWD, sub + "/f3", 0);
    report("rename: the inode", sub + "/f3", before);
    report("rename: the dir", sub, dir_before);
    reset(sub);
    const struct ::stat dir_before_unlink = stat_of(sys, sub);
    sys.unlinkat(AT_FDCWD, sub + "/g", 0);
    report("unlink: the dir", sub, dir_before_unlink);
  });
}

TEST_CASE("access and faccessat: modes, flags, root's overrides", "[conformance][attr]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential([](auto& sys, const temp_dir& dir, observations& seen) {
    const std::string d = dir.path().string();
    make_file(sys, d + "/f", "x");
    sys.chmod(d + "/f", 0644);
    make_file(sys, d + "/x", "x");
    sys.chmod(d + "/x", 0744);
    make_file(sys, d + "/none", "x");
    sys.chmod(d + "/none", 0);
    sys.mkdir(d + "/closed", 0);
    sys.symlinkat("missing", AT_FDCWD, d + "/dangling");
    for (const char* name : {"f", "x", "none", "closed", "missing", "dangling"}) {
      for (int mode : {F_OK, R_OK, W_OK, X_OK, R_OK | W_OK | X_OK}) {
        seen(std::string("access ") + name + " " + std::to_string(mode),
             sys.faccessat(AT_FDCWD, d + "/" + name, mode, 0));
      }
    }
    seen("bad mode", sys.faccessat(AT_FDCWD, d + "/missing", 8, 0));
    seen("bad flags", sys.faccessat(AT_FDCWD, d + "/f", F_OK, 0x8000));
    seen("nofollow dangling", sys.faccessat(AT_FDCWD, d + "/dangling", F_OK, AT_SYMLINK_NOFOLLOW));
    seen("eaccess", sys.faccessat(AT_FDCWD, d + "/x", X_OK, AT_EACCESS));
    const long path_fd = sys.open(d + "/x", O_PATH);
    seen("empty path on O_PATH", sys.faccessat(static_cast<int>(path_fd), "", X_OK, AT_EMPTY_PATH));
    seen("empty path without flag", sys.faccessat(static_cast<int>(path_fd), "", X_OK, 0));
    sys.close(static_cast<int>(path_fd));
  });
}

TEST_CASE("chdir, fchdir and getcwd: relative paths start there", "[conformance][attr]") {
  kvfs_test::no_descriptor_leak leak_check;
  const std::string home = std::filesystem::current_path().string();
  differential([&home](auto& sys, const temp_dir& dir, observations& seen) {
    const std::string d = dir.path().string();
    auto cwd = [&](const std::string& label) {
      std::array<char, 4096> buf{};
      const long n = sys.getcwd(buf);
      seen(label + " getcwd", n < 0 ? n : 0);
      if (n > 0) {
        std::string path(buf.data());
        seen.text(label + " cwd", path.rfind(d, 0) == 0 ? "<dir>" + path.substr(d.size()) : path);
      }
    };
    sys.mkdir(d + "/sub", 0755);
    sys.mkdir(d + "/sub/deeper", 0755);
    make_file(sys, d + "/f", "x");
    seen("chdir", sys.chdir(d + "/sub"));
    cwd("sub");
    make_file(sys, "made-here", "y");
    seen("made where cwd is", stat_of(sys, d + "/sub/made-here").st_size);
    seen("chdir relative", sys.chdir("deeper/.."));
    cwd("still sub");
    seen("chdir ..", sys.chdir(".."));
    cwd("dir");
    seen("chdir file", sys.chdir("f"));
    seen("chdir missing", sys.chdir("missing"));
    seen("chdir empty", sys.chdir(""));
    std::array<char, 4> small{};
    seen("getcwd small buffer", sys.getcwd(small));
    const long path_fd = sys.open(d + "/sub/deeper", O_PATH | O_DIRECTORY);
    seen("fchdir O_PATH", sys.fchdir(static_cast<int>(path_fd)));
    cwd("deeper");
    const long file_fd = sys.open(d + "/f", O_RDONLY);
    seen("fchdir file", sys.fchdir(static_cast<int>(file_fd)));
    seen("fchdir bad fd", sys.fchdir(999));
    seen("rmdir the cwd", sys.unlinkat(AT_FDCWD, d + "/sub/deeper", AT_REMOVEDIR));
    cwd("removed");
    seen("create in removed cwd", sys.open("new", O_WRONLY | O_CREAT, 0644));
    seen("chdir home", sys.chdir(home));
    sys.close(static_cast<int>(path_fd));
    sys.close(static_cast<int>(file_fd));
  });
  CHECK(std::filesystem::current_path().string() == home);
}

TEST_CASE("getdents64: '..' is the parent directory's inode", "[conformance][attr][readdir]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential([](auto& sys, const temp_dir& dir, observations& seen) {
    const std::string d = dir.path().string();
    sys.mkdir(d + "/a", 0755);
    sys.mkdir(d + "/a/b", 0755);
    sys.mkdir(d + "/c", 0755);
    sys.renameat2(AT_FDCWD, d + "/a/b", AT_FDCWD, d + "/c/b", 0);
    const long fd = sys.open(d + "/c/b", O_RDONLY | O_DIRECTORY);
    std::array<std::byte, 4096> buf{};
    const long n = sys.getdents64(static_cast<int>(fd), buf);
    seen.fact("read", n > 0);
    const auto parent = static_cast<std::uint64_t>(stat_of(sys, d + "/c").st_ino);
    bool found = false;
    if (n > 0) {
      kvfs::for_each_dirent(std::span(buf).first(static_cast<std::size_t>(n)), [&](const kvfs::dirent64& entry) {
        if (entry.d_name == "..") found = entry.d_ino == parent;
      });
    }
    seen.fact(".. is the new parent after rename", found);
    sys.close(static_cast<int>(fd));
  });
}

TEST_CASE("statfs and fstatfs: posixfs answers as the host", "[conformance][attr]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential(
      [](auto& sys, const temp_dir& dir, observations& seen) {
        const std::string d = dir.path().string();
        make_file(sys, d + "/f", "x");
        auto report = [&](const std::string& label, long r, const struct ::statfs& buf) {
          seen(label, r);
          if (r < 0) return;
          seen(label + " f_type", static_cast<long>(buf.f_type));
          seen(label + " f_bsize", static_cast<long>(buf.f_bsize));
          seen(label + " f_namelen", static_cast<long>(buf.f_namelen));
          seen(label + " f_flags", static_cast<long>(buf.f_flags));
        };
        struct ::statfs buf {};
        report("statfs dir", sys.statfs(d, buf), buf);
        report("statfs missing", sys.statfs(d + "/missing", buf), buf);
        const long fd = sys.open(d + "/f", O_RDONLY);
        report("fstatfs file", sys.fstatfs(static_cast<int>(fd), buf), buf);
        const long path_fd = sys.open(d + "/f", O_PATH);
        report("fstatfs O_PATH", sys.fstatfs(static_cast<int>(path_fd), buf), buf);
        std::array<int, 2> p{};
        sys.pipe(p);
        report("fstatfs pipe", sys.fstatfs(p[0], buf), buf);
        report("fstatfs bad fd", sys.fstatfs(999, buf), buf);
        for (long x : {fd, path_fd, static_cast<long>(p[0]), static_cast<long>(p[1])}) sys.close(static_cast<int>(x));
      },
      0, false);
}

TEST_CASE("statfs of ramfs answers as the kernel's ramfs", "[conformance][attr]") {
  temp_dir real_dir, kvfs_dir;
  if (::mount("none", real_dir.path().c_str(), "ramfs", 0, nullptr) < 0) {
    WARN("SKIPPED: cannot mount a real ramfs to compare with (" << std::strerror(errno) << ")");
    return;
  }
  struct ::statfs real {};
  const int r = ::statfs(real_dir.path().c_str(), &real);
  ::umount(real_dir.path().c_str());
  REQUIRE(r == 0);
  kvfs::process proc;
  REQUIRE(proc.mount("none", kvfs_dir.path(), "ramfs") == 0);
  struct ::statfs ours {};
  REQUIRE(proc.statfs(kvfs_dir.path().string(), ours) == 0);
  CHECK(ours.f_type == RAMFS_MAGIC);
  CHECK(ours.f_type == real.f_type);
  CHECK(ours.f_bsize == real.f_bsize);
  CHECK(ours.f_namelen == real.f_namelen);
  CHECK(ours.f_frsize == real.f_frsize);
  CHECK(ours.f_blocks == real.f_blocks);
  CHECK(ours.f_flags == real.f_flags);
  REQUIRE(proc.umount(kvfs_dir.path()) == 0);
}

TEST_CASE("a coarse stamp taken after a fine one is never earlier: the multigrain floor", "[attr]") {
  // Without the floor the coarse clock lags the fine one by up to a tick,
  // and a change stamped coarsely after a fine stamp would look older.
  for (int i = 0; i < 10'000; ++i) {
    const ::timespec fine = kvfs::current_time();
    const ::timespec coarse = kvfs::coarse_time();
    REQUIRE_FALSE(kvfs::time_before(coarse, fine));
  }
}
