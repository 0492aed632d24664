// SPDX-License-Identifier: BSL-1.0
// The sequence-level differential fuzzer: random sequences of system calls
// with valid and garbage arguments, run on the real kernel, on kvfs over
// the host's files (posixfs) and on kvfs with ramfs mounted, compared after
// every call and at the end (the files' types and contents). A sequence is
// a pure function of its seed; a divergence is shrunk to a minimal sequence
// that still diverges, printed one call per line.
#pragma once

#include "conformance_systems.hpp"
#include "support.hpp"

#include <poll.h>
#include <linux/magic.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace kvfs_test::fuzz {

enum class op_kind {
  open, read, write, pread, pwrite, readv, writev, lseek, dup, dup2, dup3,
  close, fcntl, pipe, mkdir, fstat, fsync, sendfile,
  stat, unlink, rmdir, rename, link, symlink, readlink, truncate,
  ftruncate, chmod, fchmod, access, utimensat, count_
};

inline const char* op_name(op_kind kind) {
  static constexpr std::array names{"open",   "read",    "write",    "pread",  "pwrite", "readv",  "writev",
                                    "lseek",  "dup",     "dup2",     "dup3",   "close",  "fcntl",  "pipe",
                                    "mkdir",  "fstat",   "fsync",    "sendfile", "stat", "unlink", "rmdir",
                                    "rename", "link",    "symlink",  "readlink", "truncate", "ftruncate",
                                    "chmod",  "fchmod",  "access",   "utimensat"};
  return names[static_cast<std::size_t>(kind)];
}

/// One call with its arguments. Descriptor arguments are numbers, not
/// references to earlier results, so that any subsequence is a valid
/// sequence (the shrinker removes calls freely).
struct op {
  op_kind kind{};
  int fd = -1;
  int fd2 = -1;
  int flags = 0;
  int path = 0;
  long arg = 0;
  std::size_t size = 0;
  std::int64_t offset = 0;
};

// The names a sequence works on, relative to its directory, and the
// devices; symlinks may point at any of them (or nowhere, or to
// themselves).
inline constexpr std::array<const char*, 18> paths{
    "a",  "b",    "d",         "d/e",       "d/e/f",     "a/x", "l",    "d/l2", "missing/x",
    "d/", "d/..", "d/../b",    "d/e/../..", "l/",        "",    "/dev/null", "/dev/zero", "/dev/full"};
inline constexpr std::size_t tree_paths = 8;  // the first ones can hold files
inline constexpr std::size_t devices = 3;     // the last ones are the host's devices

/// The host devices' modes: what a run must leave as it found them.
inline std::string device_modes() {
  std::string out;
  for (std::size_t i = paths.size() - devices; i < paths.size(); ++i) {
    struct ::stat st {};
    ::stat(paths[i], &st);
    out += std::string(paths[i]) + " " + std::to_string(st.st_mode) + "; ";
  }
  return out;
}

/// Random calls over the numbers a run can reach: `numbers` are the lowest
/// free ones (where new files land), plus numbers that are never valid.
class generator {
 public:
  generator(std::uint64_t seed, std::vector<int> numbers) : random_(seed), numbers_(std::move(numbers)) {}

  op next() {
    op o;
    o.kind = static_cast<op_kind>(pick(static_cast<int>(op_kind::count_)));
    o.fd = number();
    o.fd2 = number();
    o.path = pick(static_cast<int>(paths.size()));
    o.flags = open_flags();
    o.arg = argument();
    o.size = size();
    o.offset = offset();
    return o;
  }

 private:
  int pick(int n) { return static_cast<int>(random_() % static_cast<std::uint64_t>(n)); }
  bool one_in(int n) { return pick(n) == 0; }

  int number() {
    static constexpr std::array<int, 4> invalid{-1, -100, 1 << 20, std::numeric_limits<int>::max()};
    if (one_in(8)) return invalid[static_cast<std::size_t>(pick(4))];
    return numbers_[static_cast<std::size_t>(pick(static_cast<int>(numbers_.size())))];
  }

  int open_flags() {
    // O_DIRECT is left out: the real kernel's side (ext4) refuses unaligned
    // I/O that ramfs, like tmpfs, does.
    static constexpr std::array<int, 11> bits{O_CREAT, O_EXCL,  O_TRUNC,   O_APPEND,  O_NONBLOCK, O_DIRECTORY,
                                              O_CLOEXEC, O_PATH, O_DSYNC, O_NOATIME, O_NOFOLLOW};
    int flags = pick(4);  // O_RDONLY, O_WRONLY, O_RDWR, and 3
    for (int bit : bits)
      if (one_in(4)) flags |= bit;
    if (one_in(16)) flags |= 1 << (22 + pick(9));  // bits the kernel does not know, or O_PATH/O_TMPFILE's
    return flags;
  }

  long argument() {
    static constexpr std::array<long, 12> values{0,        1,          O_NONBLOCK, O_APPEND, O_APPEND | O_NONBLOCK,
                                                 FD_CLOEXEC, O_RDWR,   5,          -1,       1 << 20,
                                                 O_NOATIME, 0x7fffffff};
    return values[static_cast<std::size_t>(pick(static_cast<int>(values.size())))];
  }

  std::size_t size() {
    static constexpr std::array<std::size_t, 9> sizes{0, 1, 3, 100, 4095, 4096, 5000, 70000, SIZE_MAX};
    return sizes[static_cast<std::size_t>(pick(static_cast<int>(sizes.size())))];
  }

  std::int64_t offset() {
    constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
    static constexpr std::array<std::int64_t, 11> offsets{0, 1, 7, 4095, 4096, 100000, -1, -4096,
                                                          std::int64_t{1} << 40, max, max - 3};
    return offsets[static_cast<std::size_t>(pick(static_cast<int>(offsets.size())))];
  }

  std::mt19937_64 random_;
  std::vector<int> numbers_;
};

/// A call, readable: how a minimal failing sequence is printed.
inline std::string describe(const op& o) {
  std::string out = op_name(o.kind);
  out += "(fd=" + std::to_string(o.fd) + " fd2=" + std::to_string(o.fd2) + " path=\"" + paths[o.path] +
         "\" flags=0" + [&] {
           char buf[16];
           std::snprintf(buf, sizeof buf, "%o", static_cast<unsigned>(o.flags));
           return std::string(buf);
         }() + " arg=" + std::to_string(o.arg) + " size=" + std::to_string(o.size) +
         " offset=" + std::to_string(o.offset) + ")";
  return out;
}

inline std::string show(long result) {
  if (result >= 0) return std::to_string(result);
  const char* name = ::strerrorname_np(static_cast<int>(-result));
  return std::string("-") + (name != nullptr ? name : "E?");
}

// A 64-bit FNV-1a of what a call read: contents compare without storing them.
inline std::uint64_t digest(std::span<const std::byte> data) {
  std::uint64_t h = 1469598103934665603ULL;
  for (std::byte b : data) h = (h ^ static_cast<std::uint64_t>(b)) * 1099511628211ULL;
  return h;
}

/// Runs one sequence on `sys`; one observation per call, then the tree.
template <class Sys>
class runner {
 public:
  runner(Sys& sys, const std::filesystem::path& dir) : sys_(sys), dir_(dir) {}

  std::string run(const op& o) {
    switch (o.kind) {
      case op_kind::open: return open(o);
      case op_kind::read: return io_guarded(o.fd, [&] { return with_data(sys_.read(o.fd, in(o.size))); });
      case op_kind::write: return io_guarded(o.fd, [&] { return show(sys_.write(o.fd, out(o.size))); });
      case op_kind::pread: return io_guarded(o.fd, [&] { return with_data(sys_.pread(o.fd, in(o.size), o.offset)); });
      case op_kind::pwrite: return io_guarded(o.fd, [&] { return show(sys_.pwrite(o.fd, out(o.size), o.offset)); });
      case op_kind::readv: return io_guarded(o.fd, [&] { return with_data(sys_.readv(o.fd, segments(o.size, true))); });
      case op_kind::writev: return io_guarded(o.fd, [&] { return show(sys_.writev(o.fd, segments(o.size, false))); });
      case op_kind::lseek: return show(sys_.lseek(o.fd, o.offset, static_cast<int>(o.arg & 7) - 1));
      case op_kind::dup: return show(sys_.dup(o.fd));
      case op_kind::dup2: return show(sys_.dup2(o.fd, o.fd2));
      case op_kind::dup3: return show(sys_.dup3(o.fd, o.fd2, o.flags & (O_CLOEXEC | O_NONBLOCK)));
      case op_kind::close: return show(sys_.close(o.fd));
      case op_kind::fcntl: return fcntl(o);
      case op_kind::pipe: return pipe(o);
      case op_kind::mkdir: return show(sys_.mkdir(inside(o.path), 0755));
      case op_kind::fstat: return fstat(o.fd);
      case op_kind::fsync: return show(sys_.fsync(o.fd));
      case op_kind::sendfile: return sendfile(o);
      case op_kind::stat: return stat(o);
      case op_kind::unlink: return show(sys_.unlinkat(AT_FDCWD, inside(o.path), 0));
      case op_kind::rmdir: return show(sys_.unlinkat(AT_FDCWD, inside(o.path), AT_REMOVEDIR));
      case op_kind::rename:
        return show(sys_.renameat2(AT_FDCWD, inside(o.path), AT_FDCWD, inside(other(o)), rename_flags(o)));
      case op_kind::link:
        return show(sys_.linkat(AT_FDCWD, inside(o.path), AT_FDCWD, inside(other(o)), (o.arg & 1) != 0 ? AT_SYMLINK_FOLLOW : 0));
      case op_kind::symlink: return show(sys_.symlinkat(paths[static_cast<std::size_t>(other(o))], AT_FDCWD, inside(o.path)));
      case op_kind::readlink: return readlink(o);
      case op_kind::truncate: return show(sys_.truncate(inside(o.path), o.offset < 0 ? o.offset : o.offset % 100000));
      case op_kind::ftruncate: return show(sys_.ftruncate(o.fd, o.offset < 0 ? o.offset : o.offset % 100000));
      // Never through a last symlink: one may lead to the host's devices.
      case op_kind::chmod:
        return show(sys_.fchmodat(AT_FDCWD, inside(o.path), static_cast<mode_t>(o.arg) & 07777, AT_SYMLINK_NOFOLLOW));
      // Always 0666: the descriptor may be the host's /dev/null.
      case op_kind::fchmod: return show(sys_.fchmod(o.fd, 0666));
      case op_kind::access:
        return show(sys_.faccessat(AT_FDCWD, where(o.path), static_cast<int>(o.arg & 0xf), (o.flags & O_EXCL) != 0 ? AT_SYMLINK_NOFOLLOW : 0));
      case op_kind::utimensat: return utimensat(o);
      case op_kind::count_: break;
    }
    return "?";
  }

  /// The end state: each name's type and contents.
  std::string tree() {
    std::string out;
    for (std::size_t i = 0; i < tree_paths; ++i) {
      const long fd = sys_.open(where(static_cast<int>(i)), O_RDONLY | O_NONBLOCK);
      out += std::string(paths[i]) + ": ";
      if (fd < 0) {
        out += show(fd) + "; ";
        continue;
      }
      struct ::stat st {};
      sys_.fstat(static_cast<int>(fd), st);
      out += S_ISDIR(st.st_mode) ? "dir" : "file " + std::to_string(st.st_size) + " " + contents(static_cast<int>(fd));
      out += " nlink " + std::to_string(st.st_nlink);
      out += "; ";
      sys_.close(static_cast<int>(fd));
    }
    return out;
  }

 private:
  // A name inside the sequence's directory: what a call that changes names
  // may touch (never the host's devices, whose names the list ends with).
  std::string inside(int path) const { return where(path % static_cast<int>(paths.size() - devices)).string(); }

  std::filesystem::path where(int path) const {
    const std::string name = paths[static_cast<std::size_t>(path)];
    if (name.starts_with("/")) return name;
    if (name.empty()) return name;
    return dir_.string() + "/" + name;
  }

  static int other(const op& o) { return static_cast<int>((static_cast<unsigned>(o.fd2) + 100U) % paths.size()); }
  static unsigned rename_flags(const op& o) {
    static constexpr std::array<unsigned, 5> flags{0, 0, RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_EXCHANGE | RENAME_NOREPLACE};
    return flags[static_cast<std::size_t>(o.arg & 0xff) % flags.size()];
  }

  std::string stat(const op& o) {
    struct ::stat st {};
    const long r = sys_.fstatat(AT_FDCWD, where(o.path), st, (o.arg & 1) != 0 ? AT_SYMLINK_NOFOLLOW : 0);
    if (r < 0) return show(r);
    const char* type = S_ISREG(st.st_mode) ? "reg" : S_ISDIR(st.st_mode) ? "dir" : S_ISLNK(st.st_mode) ? "lnk" : "other";
    return std::string(type) + " nlink " + std::to_string(st.st_nlink) + " mode " + std::to_string(st.st_mode & 07777) +
           (S_ISDIR(st.st_mode) ? "" : " size " + std::to_string(st.st_size));
  }

  // Fixed times, or now (null), on a name inside the directory (never
  // through a last symlink: one may lead to the host's devices).
  std::string utimensat(const op& o) {
    const ::timespec times[2] = {{1000, 0}, {static_cast<time_t>(o.size % 5000), static_cast<long>(o.arg)}};
    const long r = sys_.utimensat(AT_FDCWD, inside(o.path), (o.flags & O_TRUNC) != 0 ? nullptr : times,
                                  AT_SYMLINK_NOFOLLOW);
    return show(r);
  }

  std::string readlink(const op& o) {
    std::array<char, 64> buf{};
    const long r = sys_.readlinkat(AT_FDCWD, where(o.path), std::span(buf).first(std::min<std::size_t>(o.size, buf.size())));
    return show(r) + (r > 0 ? " " + std::string(buf.data(), static_cast<std::size_t>(r)) : "");
  }

  std::string open(const op& o) {
    const long fd = sys_.open(where(o.path), o.flags, static_cast<mode_t>(o.arg & 0777));
    return show(fd) + (fd >= 0 ? " getfl=" + show(sys_.fcntl(static_cast<int>(fd), F_GETFL)) : "");
  }

  std::string fcntl(const op& o) {
    static constexpr std::array<int, 7> commands{F_GETFL, F_SETFL, F_GETFD, F_SETFD, F_DUPFD, F_DUPFD_CLOEXEC, 1000};
    const int cmd = commands[static_cast<std::size_t>(o.fd2 < 0 ? 6 : o.fd2 % 7)];
    long arg = o.arg;
    if (cmd == F_SETFL && is_stream(o.fd)) arg |= O_NONBLOCK;  // a pipe never blocks the fuzzer
    if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) arg = std::min(arg, 64L);
    return std::to_string(cmd) + " " + show(sys_.fcntl(o.fd, cmd, arg));
  }

  std::string pipe(const op& o) {
    std::array<int, 2> ends{-1, -1};
    const long r = sys_.pipe(ends, (o.flags & ~O_NONBLOCK & ~O_DIRECT) | O_NONBLOCK);
    return show(r) + (r == 0 ? " " + std::to_string(ends[0]) + "," + std::to_string(ends[1]) : "");
  }

  std::string fstat(int fd) {
    struct ::stat st {};
    const long r = sys_.fstat(fd, st);
    if (r < 0) return show(r);
    const char* type = S_ISREG(st.st_mode) ? "reg" : S_ISDIR(st.st_mode) ? "dir" : S_ISFIFO(st.st_mode) ? "fifo"
                       : S_ISCHR(st.st_mode) ? "chr" : "other";
    return std::string(type) + (S_ISREG(st.st_mode) ? " size " + std::to_string(st.st_size) : "");
  }

  std::string sendfile(const op& o) {
    kvfs::loff_t offset = o.offset;
    const bool with_offset = (o.arg & 1) != 0;
    return io_guarded(o.fd, [&] {
      const long r = sys_.sendfile(o.fd, o.fd2, with_offset ? &offset : nullptr, std::min<std::size_t>(o.size, 70000));
      return show(r) + (with_offset ? " offset " + std::to_string(offset) : "");
    });
  }

  // A FIFO or socket the sequence made blocking again is made non-blocking
  // before I/O (not observed: every system sees the same calls).
  bool is_stream(int fd) {
    struct ::stat st {};
    return sys_.fstat(fd, st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
  }
  template <class Call>
  std::string io_guarded(int fd, Call call) {
    if (is_stream(fd)) {
      const long flags = sys_.fcntl(fd, F_GETFL);
      if (flags >= 0 && (flags & O_NONBLOCK) == 0) sys_.fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    }
    return call();
  }

  std::span<std::byte> in(std::size_t size) {
    buffer_.assign(std::min<std::size_t>(size, 70000), std::byte{0x55});
    last_ = std::span(buffer_);
    return size == SIZE_MAX ? std::span<std::byte>(buffer_.data(), 70000) : last_;
  }
  std::span<const std::byte> out(std::size_t size) {
    data_.resize(std::min<std::size_t>(size, 70000));
    for (std::size_t i = 0; i < data_.size(); ++i) data_[i] = static_cast<std::byte>('a' + (i * 7 + counter_) % 26);
    ++counter_;
    return data_;
  }
  // Segments over the same buffer; SIZE_MAX makes one segment that length.
  std::span<const ::iovec> segments(std::size_t size, bool reading) {
    std::span<const std::byte> b = reading ? std::span<const std::byte>(in(size)) : out(size);
    void* base = const_cast<std::byte*>(b.data());
    iov_ = {::iovec{base, b.size() / 3}, ::iovec{static_cast<char*>(base) + b.size() / 3, b.size() - b.size() / 3}};
    if (size == SIZE_MAX) iov_[1].iov_len = SIZE_MAX;
    return iov_;
  }
  std::string with_data(long result) {
    if (result <= 0) return show(result);
    return show(result) + " #" + std::to_string(digest(last_.first(static_cast<std::size_t>(result))));
  }
  std::string contents(int fd) {
    std::uint64_t h = 0;
    std::array<std::byte, 4096> chunk{};
    for (int i = 0; i < 64; ++i) {  // the first 256 KiB: sparse files reach 2^40
      const long n = sys_.read(fd, chunk);
      if (n <= 0) break;
      h = h * 31 + digest(std::span(chunk).first(static_cast<std::size_t>(n)));
    }
    return "#" + std::to_string(h);
  }

  Sys& sys_;
  std::filesystem::path dir_;
  std::vector<std::byte> buffer_;
  std::vector<std::byte> data_;
  std::span<std::byte> last_;
  std::array<::iovec, 2> iov_{};
  unsigned counter_ = 0;
};

/// The numbers this process holds: kvfs's tables hold the same before a
/// run, so that "the lowest free number" is the same number everywhere.
inline std::set<int> held_numbers() {
  std::set<int> listed;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    listed.insert(std::stoi(entry.path().filename().string()));
  }
  std::set<int> held;  // without the listing's own descriptor, closed by now
  for (int fd : listed)
    if (::fcntl(fd, F_GETFD) >= 0) held.insert(fd);
  return held;
}

/// The first `n` numbers not in `held`: where a run's files land.
inline std::vector<int> free_numbers(const std::set<int>& held, std::size_t n) {
  std::vector<int> out;
  for (int fd = 0; out.size() < n; ++fd)
    if (held.count(fd) == 0) out.push_back(fd);
  return out;
}

inline void occupy(kvfs_kernel& sys, const std::set<int>& held) {
  std::vector<int> fillers;
  for (int fd = 0; fd <= *held.rbegin(); ++fd) fillers.push_back(static_cast<int>(sys.open("/dev/null", O_RDONLY)));
  for (int fd : fillers)
    if (held.count(fd) == 0) sys.close(fd);
}

/// What each system saw: one line per call, then the tree.
struct outcome {
  std::vector<std::string> linux_seen, posixfs_seen, ramfs_seen;
  /// The first call where the systems differ, or the size for the tree, or none.
  std::optional<std::size_t> divergence() const {
    const std::size_t n = std::min({linux_seen.size(), posixfs_seen.size(), ramfs_seen.size()});
    for (std::size_t i = 0; i < n; ++i)
      if (linux_seen[i] != posixfs_seen[i] || linux_seen[i] != ramfs_seen[i]) return i;
    return std::nullopt;
  }
};

template <class Sys>
std::vector<std::string> play(Sys& sys, const std::filesystem::path& dir, const std::vector<op>& ops) {
  runner<Sys> run(sys, dir);
  std::vector<std::string> seen;
  seen.reserve(ops.size() + 1);
  for (const op& o : ops) seen.push_back(run.run(o));
  seen.push_back(run.tree());
  return seen;
}

// Closes what a sequence left open (kvfs's tables close theirs when they go).
inline void close_all_but(const std::set<int>& held) {
  for (int fd : held_numbers())
    if (held.count(fd) == 0) ::close(fd);
}

/// Where the real kernel's side runs: tmpfs when /dev/shm is one, whose
/// limits (s_maxbytes, SEEK_DATA) are ramfs's; else $TMPDIR.
inline std::filesystem::path base_dir() {
  struct ::statfs fs {};
  if (::statfs("/dev/shm", &fs) == 0 && fs.f_type == TMPFS_MAGIC) return "/dev/shm";
  return std::filesystem::temp_directory_path();
}

/// Plays `ops` on the three systems, each in a fresh directory.
inline outcome play_all(const std::vector<op>& ops, const std::set<int>& held) {
  outcome result;
  {
    temp_dir dir(base_dir());
    ::chmod(dir.path().c_str(), 0755);  // as ramfs's root (mkdtemp makes 0700)
    const auto previous = std::signal(SIGPIPE, SIG_IGN);  // the real kernel's write(2) on a pipe without reader
    real_kernel linux_sys;
    result.linux_seen = play(linux_sys, dir.path(), ops);
    close_all_but(held);
    std::signal(SIGPIPE, previous);
  }
  {
    temp_dir dir(base_dir());
    ::chmod(dir.path().c_str(), 0755);
    kvfs_kernel sys;
    occupy(sys, held);
    result.posixfs_seen = play(sys, dir.path(), ops);
  }
  {
    temp_dir dir;
    kvfs_kernel sys;
    occupy(sys, held);
    if (sys.proc.mount("none", dir.path(), "ramfs") != 0) throw std::runtime_error("mount ramfs");
    result.ramfs_seen = play(sys, dir.path(), ops);
  }
  return result;
}

/// Removes calls while `diverges` (the first diverging call, or none) still
/// holds, chunks first, then single calls: what is left is needed.
template <class Diverges>
std::vector<op> shrink(std::vector<op> ops, Diverges diverges) {
  if (auto at = diverges(ops); at && *at < ops.size()) ops.resize(*at + 1);
  for (std::size_t chunk = std::max<std::size_t>(ops.size() / 2, 1);; chunk /= 2) {
    for (std::size_t start = 0; start + chunk <= ops.size();) {
      std::vector<op> fewer = ops;
      fewer.erase(fewer.begin() + static_cast<long>(start), fewer.begin() + static_cast<long>(start + chunk));
      if (!fewer.empty() && diverges(fewer)) {
        ops = std::move(fewer);
      } else {
        start += chunk;
      }
    }
    if (chunk == 1) return ops;
  }
}

/// A divergence, printed: the minimal sequence and what each system saw.
inline std::string report(std::uint64_t seed, const std::vector<op>& ops, const std::set<int>& held) {
  const outcome seen = play_all(ops, held);
  std::string out = "seed " + std::to_string(seed) + ": a minimal sequence of " + std::to_string(ops.size()) +
                    " calls diverges\n";
  for (std::size_t i = 0; i <= ops.size(); ++i) {
    out += (i < ops.size() ? describe(ops[i]) : std::string("(the tree at the end)")) + "\n";
    auto line = [&](const char* who, const std::vector<std::string>& v) {
      out += std::string("    ") + who + ": " + (i < v.size() ? v[i] : "-") + "\n";
    };
    line("linux  ", seen.linux_seen);
    line("posixfs", seen.posixfs_seen);
    line("ramfs  ", seen.ramfs_seen);
  }
  return out;
}

/// One seed: `length` random calls; empty when the systems agree, else the
/// minimal diverging sequence printed.
inline std::string check_seed(std::uint64_t seed, std::size_t length) {
  const std::set<int> held = held_numbers();
  generator gen(seed, free_numbers(held, 12));
  std::vector<op> ops;
  for (std::size_t i = 0; i < length; ++i) ops.push_back(gen.next());
  auto diverges = [&](const std::vector<op>& sequence) { return play_all(sequence, held).divergence(); };
  const outcome first = play_all(ops, held);
  const std::optional<std::size_t> at = first.divergence();
  if (!at) return {};
  if (!diverges(ops)) {  // not a function of the sequence: say where it was, not a "minimal" sequence
    auto seen = [&](const std::vector<std::string>& v) { return *at < v.size() ? v[*at] : std::string("-"); };
    return "seed " + std::to_string(seed) + ": diverged once, not when played again, at " +
           (*at < ops.size() ? describe(ops[*at]) : std::string("the tree")) + "\n    linux  : " + seen(first.linux_seen) +
           "\n    posixfs: " + seen(first.posixfs_seen) + "\n    ramfs  : " + seen(first.ramfs_seen) + "\n";
  }
  return report(seed, shrink(std::move(ops), diverges), held);
}

}  // namespace kvfs_test::fuzz
