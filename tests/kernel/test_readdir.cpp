// SPDX-License-Identifier: BSL-1.0
// getdents64(2) against the real kernel: the records, a buffer too small
// for one, resuming, rewinding, entries added and removed between calls,
// and what is not a directory.
#include <catch2/catch.hpp>

#include "differential.hpp"

#include <dirent.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <set>
#include <string>
#include <vector>

using kvfs_test::differential;
using kvfs_test::observations;
using kvfs_test::temp_dir;

namespace {

// The names and types one getdents64 call returned, and whether the
// records are well formed (lengths 8-aligned, names NUL-terminated).
struct batch {
  long result = 0;
  std::vector<std::string> entries;  // "name:type"
  bool well_formed = true;
};

template <class Sys>
batch getdents(Sys& sys, int fd, std::size_t size) {
  std::vector<std::byte> buf(size);
  batch out;
  out.result = sys.getdents64(fd, buf);
  for (long at = 0; at < out.result;) {
    std::uint16_t reclen = 0;
    std::memcpy(&reclen, buf.data() + at + 16, 2);
    const auto type = static_cast<unsigned char>(buf[static_cast<std::size_t>(at) + 18]);
    const char* name = reinterpret_cast<const char*>(buf.data() + at + 19);
    out.well_formed = out.well_formed && reclen % 8 == 0 && reclen > 19 &&
                      std::memchr(name, 0, reclen - 19U) != nullptr;
    out.entries.push_back(std::string(name) + ":" + std::to_string(type));
    at += reclen;
  }
  return out;
}

template <class Sys>
std::set<std::string> read_dir(Sys& sys, int fd, std::size_t size) {
  std::set<std::string> all;
  for (int i = 0; i < 10000; ++i) {
    const batch b = getdents(sys, fd, size);
    if (b.result <= 0) break;
    all.insert(b.entries.begin(), b.entries.end());
  }
  return all;
}

std::string joined(const std::set<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += n + " ";
  return out;
}

}  // namespace

TEST_CASE("getdents64: records, small buffers, resuming, rewinding, non-directories", "[conformance][namespace]") {
  kvfs_test::no_descriptor_leak leak_check;
  differential([](auto& sys, const temp_dir& dir, observations& seen) {
    const std::string d = dir.path().string() + "/d";
    sys.mkdir(d, 0755);
    sys.mkdir(d + "/sub", 0755);
    for (int i = 0; i < 40; ++i) {
      const long fd = sys.open(d + "/file" + std::to_string(i), O_WRONLY | O_CREAT, 0644);
      sys.close(static_cast<int>(fd));
    }
    sys.symlinkat("file0", AT_FDCWD, d + "/link");
    const int fd = static_cast<int>(sys.open(d, O_RDONLY | O_DIRECTORY));
    const batch tiny = getdents(sys, fd, 8);
    seen("a buffer too small for one record", tiny.result);
    seen.text("everything, 100 bytes at a time", joined(read_dir(sys, fd, 100)));
    seen("at the end", getdents(sys, fd, 4096).result);
    seen("rewind", sys.lseek(fd, 0, SEEK_SET));
    const batch all = getdents(sys, fd, 65536);
    seen.fact("records well formed", all.well_formed);
    seen("entries in one call", static_cast<long>(all.entries.size()));
    // Names added and removed between calls: what was there all along is
    // seen exactly once, nothing twice.
    sys.lseek(fd, 0, SEEK_SET);
    std::multiset<std::string> once;
    for (int call = 0; call < 1000; ++call) {
      const batch b = getdents(sys, fd, 200);
      if (b.result <= 0) break;
      once.insert(b.entries.begin(), b.entries.end());
      sys.unlinkat(AT_FDCWD, d + "/file" + std::to_string(39 - call), 0);
      const long made = sys.open(d + "/new" + std::to_string(call), O_WRONLY | O_CREAT, 0644);
      sys.close(static_cast<int>(made));
    }
    bool duplicated = false;
    for (const std::string& e : once) duplicated = duplicated || once.count(e) > 1;
    seen.fact("no entry twice", !duplicated);
    seen.fact("sub seen", once.count("sub:4") == 1);
    seen.fact(". seen", once.count(".:4") == 1);
    sys.close(fd);
    const int file = static_cast<int>(sys.open(d + "/sub/../link", O_RDONLY));
    seen("getdents64 of a file", getdents(sys, file, 4096).result);
    sys.close(file);
    std::array<int, 2> p{};
    sys.pipe(p);
    seen("of a pipe", getdents(sys, p[0], 4096).result);
    sys.close(p[0]);
    sys.close(p[1]);
    seen("of a closed number", getdents(sys, p[0], 4096).result);
    const int path = static_cast<int>(sys.open(d, O_PATH));
    seen("of an O_PATH directory", getdents(sys, path, 4096).result);
    sys.close(path);
  });
}
