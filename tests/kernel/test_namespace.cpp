// SPDX-License-Identifier: BSL-1.0
// The namespace half against the real kernel: the path walk (".", "..",
// trailing slashes, symlinks, long names) and the calls that change names
// (unlink, rmdir, rename, link, symlink, readlink, truncate, fstatat), on
// posixfs and ramfs alike.
#include <catch2/catch.hpp>

#include "differential.hpp"

#include <sys/stat.h>

#include <array>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using kvfs_test::bytes;
using kvfs_test::differential;
using kvfs_test::make_file;
using kvfs_test::observations;
using kvfs_test::temp_dir;

namespace {

// What stat shows that every file system defines alike: the type, and for
// a regular file or symlink its size; the link count.
template <class Sys>
void stat_of(Sys& sys, observations& seen, const std::string& label, const std::string& path, int flags = 0) {
  struct ::stat st {};
  const long r = sys.fstatat(AT_FDCWD, path, st, flags);
  seen(label, r);
  if (r < 0) return;
  const char* type = S_ISREG(st.st_mode) ? "file" : S_ISDIR(st.st_mode) ? "dir" : S_ISLNK(st.st_mode) ? "link" : "other";
  seen.text(label + " type", type);
  seen(label + " nlink", static_cast<long>(st.st_nlink));
  if (!S_ISDIR(st.st_mode)) seen(label + " size", st.st_size);
}

}  // namespace

TEST_CASE("path walk: dot, dot-dot, trailing slashes, long names", "[conformance][namespace]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential([](auto& sys, const temp_dir& dir, observations& seen) {
    const std::string d = dir.path().string();
    sys.mkdir(d + "/sub", 0755);
    make_file(sys, d + "/f", "hello");
    stat_of(sys, seen, "f", d + "/f");
    stat_of(sys, seen, "f/", d + "/f/");
    stat_of(sys, seen, "f/.", d + "/f/.");
    stat_of(sys, seen, "f/../f", d + "/f/../f");
    stat_of(sys, seen, "missing/../f", d + "/missing/../f");
    stat_of(sys, seen, "sub/../f", d + "/sub/../f");
    stat_of(sys, seen, "sub/./../sub/", d + "/sub/./../sub/");
    stat_of(sys, seen, "sub nlink", d + "/sub");
    stat_of(sys, seen, "a name of 256", d + "/" + std::string(256, 'n'));
    stat_of(sys, seen, "a name of 255", d + "/" + std::string(255, 'n'));
    stat_of(sys, seen, "a path of 4096", "/" + std::string(4095, '/'));
    stat_of(sys, seen, "empty", "");
  });
}

TEST_CASE("symlinks: followed, not followed, dangling, loops, readlink", "[conformance][namespace]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential([](auto& sys, const temp_dir& dir, observations& seen) {
    const std::string d = dir.path().string();
    sys.mkdir(d + "/sub", 0755);
    make_file(sys, d + "/sub/f", "data");
    seen("symlink to a relative target", sys.symlinkat("sub/f", AT_FDCWD, d + "/rel"));
    seen("symlink to a directory", sys.symlinkat("sub", AT_FDCWD, d + "/dirlink"));
    seen("symlink dangling", sys.symlinkat("nowhere", AT_FDCWD, d + "/dangling"));
    seen("symlink over an existing name", sys.symlinkat("x", AT_FDCWD, d + "/rel"));
    seen("symlink with an empty target", sys.symlinkat("", AT_FDCWD, d + "/empty"));
    seen("symlink a/b/ (trailing slash)", sys.symlinkat("x", AT_FDCWD, d + "/new/"));
    seen("loop a -> b", sys.symlinkat("loop_b", AT_FDCWD, d + "/loop_a"));
    seen("loop b -> a", sys.symlinkat("loop_a", AT_FDCWD, d + "/loop_b"));
    stat_of(sys, seen, "stat rel", d + "/rel");
    stat_of(sys, seen, "lstat rel", d + "/rel", AT_SYMLINK_NOFOLLOW);
    stat_of(sys, seen, "through dirlink", d + "/dirlink/f");
    stat_of(sys, seen, "dirlink/ lstat (the slash follows)", d + "/dirlink/", AT_SYMLINK_NOFOLLOW);
    stat_of(sys, seen, "dirlink/.. is the parent of sub", d + "/dirlink/../rel", AT_SYMLINK_NOFOLLOW);
    stat_of(sys, seen, "dangling", d + "/dangling");
    stat_of(sys, seen, "dangling, lstat", d + "/dangling", AT_SYMLINK_NOFOLLOW);
    stat_of(sys, seen, "a loop", d + "/loop_a");
    stat_of(sys, seen, "a loop in the middle", d + "/loop_a/x", AT_SYMLINK_NOFOLLOW);
    stat_of(sys, seen, "rel/ (a file behind a slash)", d + "/rel/");
    std::array<char, 64> buf{};
    const long n = sys.readlinkat(AT_FDCWD, d + "/rel", buf);
    seen("readlink", n);
    seen.text("target", std::string(buf.data(), static_cast<std::size_t>(std::max(0L, n))));
    seen("readlink cut to 3", sys.readlinkat(AT_FDCWD, d + "/rel", std::span(buf).first(3)));
    seen("readlink with no room", sys.readlinkat(AT_FDCWD, d + "/rel", std::span(buf).first(0)));
    seen("readlink of a file", sys.readlinkat(AT_FDCWD, d + "/sub/f", buf));
    seen("readlink of dirlink/", sys.readlinkat(AT_FDCWD, d + "/dirlink/", buf));
    // A chain of 41 links is ELOOP; of 40 it resolves.
    for (int i = 0; i < 41; ++i) {
      sys.symlinkat(i == 0 ? "sub/f" : "c" + std::to_string(i - 1), AT_FDCWD, d + "/c" + std::to_string(i));
    }
    stat_of(sys, seen, "40 links", d + "/c39");
    stat_of(sys, seen, "41 links", d + "/c40");
  });
}

TEST_CASE("unlink, rmdir and link as the kernel checks them", "[conformance][namespace]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential([](auto& sys, const temp_dir& dir, observations& seen) {
    const std::string d = dir.path().string();
    sys.mkdir(d + "/sub", 0755);
    sys.mkdir(d + "/sub/inner", 0755);
    make_file(sys, d + "/f", "abc");
    seen("link", sys.linkat(AT_FDCWD, d + "/f", AT_FDCWD, d + "/g", 0));
    stat_of(sys, seen, "f after link", d + "/f");
    seen("link to a directory", sys.linkat(AT_FDCWD, d + "/sub", AT_FDCWD, d + "/subl", 0));
    seen("link onto an existing name", sys.linkat(AT_FDCWD, d + "/f", AT_FDCWD, d + "/g", 0));
    seen("link of a missing file", sys.linkat(AT_FDCWD, d + "/none", AT_FDCWD, d + "/h", 0));
    seen("link to name/", sys.linkat(AT_FDCWD, d + "/f", AT_FDCWD, d + "/h/", 0));
    seen("link with a bad flag", sys.linkat(AT_FDCWD, d + "/f", AT_FDCWD, d + "/h", 0x8000));
    seen("unlink a directory", sys.unlinkat(AT_FDCWD, d + "/sub", 0));
    seen("unlink f/", sys.unlinkat(AT_FDCWD, d + "/f/", 0));
    seen("unlink missing/", sys.unlinkat(AT_FDCWD, d + "/missing/", 0));
    seen("unlink .", sys.unlinkat(AT_FDCWD, d + "/sub/.", 0));
    seen("unlink f", sys.unlinkat(AT_FDCWD, d + "/f", 0));
    stat_of(sys, seen, "g after unlink of f", d + "/g");
    const long open_g = sys.open(d + "/g", O_RDONLY);
    seen("unlink g while open", sys.unlinkat(AT_FDCWD, d + "/g", 0));
    std::array<std::byte, 8> buf{};
    seen("read the unlinked file", sys.read(static_cast<int>(open_g), buf));
    sys.close(static_cast<int>(open_g));
    seen("rmdir non-empty", sys.unlinkat(AT_FDCWD, d + "/sub", AT_REMOVEDIR));
    seen("rmdir .", sys.unlinkat(AT_FDCWD, d + "/sub/.", AT_REMOVEDIR));
    seen("rmdir ..", sys.unlinkat(AT_FDCWD, d + "/sub/inner/..", AT_REMOVEDIR));
    seen("rmdir a file", sys.unlinkat(AT_FDCWD, d + "/g", AT_REMOVEDIR));
    seen("rmdir inner/", sys.unlinkat(AT_FDCWD, d + "/sub/inner/", AT_REMOVEDIR));
    stat_of(sys, seen, "sub after", d + "/sub");
    seen("unlinkat with a bad flag", sys.unlinkat(AT_FDCWD, d + "/sub", 1));
  });
}

TEST_CASE("rename: over files, directories, into itself, NOREPLACE, EXCHANGE", "[conformance][namespace]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential([](auto& sys, const temp_dir& dir, observations& seen) {
    const std::string d = dir.path().string();
    auto rename = [&](const std::string& label, const std::string& a, const std::string& b, unsigned flags = 0) {
      seen(label, sys.renameat2(AT_FDCWD, d + "/" + a, AT_FDCWD, d + "/" + b, flags));
    };
    sys.mkdir(d + "/a", 0755);
    sys.mkdir(d + "/a/b", 0755);
    sys.mkdir(d + "/e", 0755);
    sys.mkdir(d + "/full", 0755);
    make_file(sys, d + "/full/x", "x");
    make_file(sys, d + "/f", "one");
    make_file(sys, d + "/g", "two");
    rename("a directory into its own child", "a", "a/b/c");
    rename("a directory onto itself", "a", "a");
    rename("onto its parent", "a/b", "a");
    rename("over a non-empty directory", "e", "full");
    rename("a file over a directory", "f", "e");
    rename("a directory over a file", "e", "f");
    rename("f over g", "f", "g");
    stat_of(sys, seen, "g now", d + "/g");
    stat_of(sys, seen, "f now", d + "/f");
    rename("a missing source", "f", "h");
    rename("NOREPLACE onto a name", "g", "full/x", RENAME_NOREPLACE);
    rename("EXCHANGE with nothing", "g", "none", RENAME_EXCHANGE);
    rename("EXCHANGE a file and a directory", "g", "e", RENAME_EXCHANGE);
    stat_of(sys, seen, "g after exchange", d + "/g");
    stat_of(sys, seen, "e after exchange", d + "/e");
    rename("EXCHANGE | NOREPLACE", "g", "e", RENAME_EXCHANGE | RENAME_NOREPLACE);
    rename("unknown flags", "g", "e", 0x100);
    rename("a file with a trailing slash", "e/", "z");
    rename("the directory across", "g", "a/b/moved");
    stat_of(sys, seen, "a after the move", d + "/a");
    stat_of(sys, seen, "a/b after the move", d + "/a/b");
    rename(". as the source", "a/.", "y");
    rename(".. as the target", "e", "a/..");
    rename("an empty directory over an empty one", "a/b/moved", "e");
    stat_of(sys, seen, "e now", d + "/e");
  });
}

TEST_CASE("truncate and fstatat by path", "[conformance][namespace]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential([](auto& sys, const temp_dir& dir, observations& seen) {
    const std::string d = dir.path().string();
    make_file(sys, d + "/f", "0123456789");
    sys.mkdir(d + "/sub", 0755);
    sys.symlinkat("f", AT_FDCWD, d + "/link");
    seen("truncate down", sys.truncate(d + "/f", 4));
    stat_of(sys, seen, "f", d + "/f");
    seen("truncate up through a symlink", sys.truncate(d + "/link", 100000));
    stat_of(sys, seen, "f", d + "/f");
    std::array<std::byte, 8> buf{};
    const long fd = sys.open(d + "/f", O_RDONLY);
    seen("read past the old end", sys.pread(static_cast<int>(fd), buf, 4));
    seen.text("zeros", kvfs_test::text(buf) == std::string(8, '\0') ? "yes" : "no");
    sys.close(static_cast<int>(fd));
    seen("truncate a directory", sys.truncate(d + "/sub", 0));
    seen("truncate negative", sys.truncate(d + "/f", -1));
    seen("truncate missing", sys.truncate(d + "/none", 0));
    struct ::stat st {};
    seen("fstatat with a bad flag", sys.fstatat(AT_FDCWD, d + "/f", st, 0x1));
    const long dfd = sys.open(d + "/sub", O_RDONLY | O_DIRECTORY);
    make_file(sys, d + "/sub/in", "in");
    seen("fstatat relative to a directory descriptor", sys.fstatat(static_cast<int>(dfd), "in", st, 0));
    seen("its size", st.st_size);
    seen("relative to ../f", sys.fstatat(static_cast<int>(dfd), "../f", st, 0));
    seen("unlinkat relative", sys.unlinkat(static_cast<int>(dfd), "in", 0));
    const long file = sys.open(d + "/f", O_RDONLY);
    seen("relative to a file descriptor", sys.fstatat(static_cast<int>(file), "x", st, 0));
    seen("relative to a bad descriptor", sys.fstatat(999, "x", st, 0));
    seen("AT_EMPTY_PATH", sys.fstatat(static_cast<int>(file), "", st, AT_EMPTY_PATH));
    sys.close(static_cast<int>(file));
    sys.close(static_cast<int>(dfd));
  });
}

TEST_CASE("open through the path walk: names, slashes, symlinks, O_CREAT, O_TRUNC, the umask",
          "[conformance][namespace]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential([](auto& sys, const temp_dir& dir, observations& seen) {
    const std::string d = dir.path().string();
    make_file(sys, d + "/f", "0123456789");
    sys.mkdir(d + "/sub", 0777);
    auto try_open = [&](const std::string& label, const std::string& path, int flags, mode_t mode = 0666) {
      const long fd = sys.open(path, flags, mode);
      seen(label, fd < 0 ? fd : 0);
      if (fd >= 0) sys.close(static_cast<int>(fd));
    };
    try_open("f/../f", d + "/f/../f", O_RDONLY);
    try_open("missing/../f", d + "/missing/../f", O_RDONLY);
    try_open("f/", d + "/f/", O_RDONLY);
    try_open("f/.", d + "/f/.", O_RDONLY);
    try_open("sub/../f", d + "/sub/../f", O_RDONLY);
    try_open("new/ with O_CREAT", d + "/new/", O_WRONLY | O_CREAT);
    try_open("O_CREAT on a directory", d + "/sub", O_RDONLY | O_CREAT);
    try_open("O_CREAT on sub/.", d + "/sub/.", O_RDONLY | O_CREAT);
    try_open("O_RDONLY on sub/..", d + "/sub/..", O_RDONLY);
    try_open("O_WRONLY on a directory", d + "/sub", O_WRONLY);
    try_open("O_TRUNC on a directory", d + "/sub", O_RDONLY | O_TRUNC);
    try_open("O_RDONLY | O_TRUNC", d + "/f", O_RDONLY | O_TRUNC);
    struct ::stat st {};
    sys.fstatat(AT_FDCWD, d + "/f", st, 0);
    seen("size after O_RDONLY | O_TRUNC", st.st_size);
    sys.symlinkat("f", AT_FDCWD, d + "/link");
    sys.symlinkat("target", AT_FDCWD, d + "/dangling");
    try_open("O_NOFOLLOW on a symlink", d + "/link", O_RDONLY | O_NOFOLLOW);
    try_open("O_NOFOLLOW | O_PATH on a symlink", d + "/link", O_PATH | O_NOFOLLOW);
    try_open("O_NOFOLLOW with a trailing slash", d + "/link/", O_RDONLY | O_NOFOLLOW);
    try_open("O_CREAT | O_EXCL on a dangling symlink", d + "/dangling", O_WRONLY | O_CREAT | O_EXCL);
    try_open("O_CREAT on a dangling symlink", d + "/dangling", O_WRONLY | O_CREAT, 0600);
    seen("it made the target", sys.fstatat(AT_FDCWD, d + "/target", st, 0));
    seen("with the mode", static_cast<long>(st.st_mode & 07777));
    try_open("O_CREAT with mode 0777 (the umask applies)", d + "/m", O_WRONLY | O_CREAT, 0777);
    sys.fstatat(AT_FDCWD, d + "/m", st, 0);
    seen("its mode", static_cast<long>(st.st_mode & 07777));
    seen("mkdir 0777", sys.mkdir(d + "/md", 0777));
    sys.fstatat(AT_FDCWD, d + "/md", st, 0);
    seen("its mode", static_cast<long>(st.st_mode & 07777));
    seen("mkdir with a trailing slash", sys.mkdir(d + "/md2/", 0755));
    seen("mkdir .", sys.mkdir(d + "/md/.", 0755));
    seen("mkdir over a symlink", sys.mkdir(d + "/link", 0755));
    const long dfd = sys.open(d + "/sub", O_RDONLY | O_DIRECTORY);
    const long rel = sys.openat(static_cast<int>(dfd), "../f", O_RDONLY);
    seen.fact("openat relative to a directory", rel >= 0);
    if (rel >= 0) sys.close(static_cast<int>(rel));
    const long file = sys.open(d + "/f", O_RDONLY);
    seen("openat relative to a file", sys.openat(static_cast<int>(file), "x", O_RDONLY));
    sys.close(static_cast<int>(file));
    sys.close(static_cast<int>(dfd));
  });
}

TEST_CASE("threads making, renaming and unlinking names in one ramfs directory lose none", "[namespace][threads]") {
  kvfs_test::no_descriptor_leak leak_check;
  temp_dir dir;
  kvfs::process proc;
  REQUIRE(proc.mount("none", dir.path(), "ramfs") == 0);
  const std::string d = dir.path().string();
  constexpr int threads = 4;
  constexpr int names = 200;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int k = 0; k < names; ++k) {
        const std::string made = d + "/t" + std::to_string(t) + "_" + std::to_string(k);
        const long fd = proc.open(made, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd >= 0) proc.close(static_cast<int>(fd));
        const std::string renamed = d + "/r" + std::to_string(t) + "_" + std::to_string(k);
        proc.rename(made, renamed);
        if (k % 2 == 0) proc.unlink(renamed);
        proc.rename(d + "/shared", d + "/shared2");  // contended: one name, moved back and forth
        proc.rename(d + "/shared2", d + "/shared");
      }
    });
  }
  for (std::thread& w : workers) w.join();
  int present = 0, absent = 0;
  for (int t = 0; t < threads; ++t) {
    for (int k = 0; k < names; ++k) {
      struct ::stat st {};
      const std::string suffix = std::to_string(t) + "_" + std::to_string(k);
      CHECK(proc.stat(d + "/t" + suffix, st) == -ENOENT);
      const long r = proc.stat(d + "/r" + suffix, st);
      (k % 2 == 0 ? absent : present) += (k % 2 == 0 ? r == -ENOENT : r == 0) ? 1 : 0;
    }
  }
  CHECK(present == threads * names / 2);
  CHECK(absent == threads * names / 2);
  struct ::stat st {};
  CHECK(proc.stat(d, st) == 0);
  CHECK(st.st_nlink == 2);
}

TEST_CASE("the trace tells the path walk in the kernel's names", "[namespace][trace]") {
  kvfs_test::no_descriptor_leak leak_check;
  temp_dir dir;
  kvfs::process proc;
  REQUIRE(proc.mount("none", dir.path(), "ramfs") == 0);
  const std::string d = dir.path().string();
  REQUIRE(proc.mkdir(d + "/sub", 0755) == 0);
  std::ostringstream out;
  proc.trace_to(out);
  const long fd = proc.open(d + "/sub/f", O_WRONLY | O_CREAT, 0644);
  REQUIRE(fd >= 0);
  struct ::stat st {};
  CHECK(proc.stat(d + "/sub/f", st) == 0);
  CHECK(proc.unlink(d + "/sub/missing") == -ENOENT);
  CHECK(proc.close(static_cast<int>(fd)) == 0);
  const std::string trace = out.str();
  const std::string first = d.substr(1, d.find('/', 1) - 1);  // the temp dir's first component
  INFO(trace);
  // Each host directory by posixfs, the mount point crossed into ramfs,
  // then ramfs's own tables.
  CHECK_THAT(trace, Catch::Contains("openat(\"" + d + "/sub/f\") -> do_sys_openat2 -> get_unused_fd_flags -> "
                                    "do_filp_open -> path_openat -> link_path_walk -> lookup \"" + first + "\" -> posixfs: "
                                    "posixfs_inode_operations.lookup"));
  CHECK_THAT(trace, Catch::Contains("-> follow_managed -> ramfs root -> lookup \"sub\" -> ramfs: "
                                    "ramfs_dir_inode_operations.lookup -> open_last_lookups -> lookup \"f\" -> ramfs: "
                                    "ramfs_dir_inode_operations.lookup -> lookup_open -> ramfs: "
                                    "ramfs_dir_inode_operations.create -> do_open -> vfs_open -> ramfs: open -> "
                                    "fd_install = "));
  CHECK_THAT(trace, Catch::Contains("newfstatat(\"" + d + "/sub/f\") -> vfs_statx -> filename_lookup -> path_lookupat"));
  CHECK_THAT(trace, Catch::Contains("-> vfs_getattr -> ramfs: ramfs_dir_inode_operations.getattr = 0"));
  CHECK_THAT(trace, Catch::Contains("unlinkat(\"" + d + "/sub/missing\") -> do_unlinkat -> filename_parentat"));
  CHECK_THAT(trace, Catch::Contains("lookup \"missing\" -> ramfs: ramfs_dir_inode_operations.lookup = -1 ENOENT"));
}
