// SPDX-License-Identifier: BSL-1.0
// kvfs/fuse/detail/request.hpp - what every FUSE request handler shares:
// the trace line of one request, and the conversions between the kernel's
// FUSE structures and kvfs's (struct statfs → struct statvfs, SETATTR's
// bits → struct iattr).
#pragma once

#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 312
#endif
#include <fuse_lowlevel.h>

#include <kvfs/iattr.hpp>
#include <kvfs/trace.hpp>

#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>

#include <mutex>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>

namespace kvfs::fuse::detail {

/// Where request lines go: one whole line at a time, whatever thread
/// served the request.
class trace_sink {
 public:
  explicit trace_sink(std::ostream* out) noexcept : out_(out) {}
  bool active() const noexcept { return out_ != nullptr; }
  void write(const std::string& line) {
    std::lock_guard guard(lock_);
    *out_ << line << std::flush;
  }

 private:
  std::ostream* out_;
  std::mutex lock_;
};

/// One request's trace: `FUSE_WRITE(ino 5) -> vfs_write -> ramfs:
/// ramfs_file_operations.write = 4096`, written when the request ends.
/// Untraced, it is one test per step: the line's stream is made only when
/// there is a sink.
class request_trace {
 public:
  request_trace(trace_sink& sink, std::string_view opcode, std::uint64_t ino) : sink_(sink) {
    if (!sink_.active()) return;
    line_.emplace();
    trace_ = ostream_trace(*line_);
    trace_.begin_call(std::string(opcode) + "(ino " + std::to_string(ino) + ")");
  }
  request_trace(const request_trace&) = delete;
  request_trace& operator=(const request_trace&) = delete;

  bool active() const noexcept { return sink_.active(); }

  template <class... Parts>
  void step(const Parts&... parts) {
    if (active()) trace_.step(parts...);
  }

  /// The result (a count, or -errno), which ends the line.
  long end(long result) {
    if (!active()) return result;
    trace_.end(result);
    sink_.write(line_->str());
    return result;
  }

 private:
  trace_sink& sink_;
  std::optional<std::ostringstream> line_;
  ostream_trace trace_;
};

/// statfs(2)'s answer as FUSE's STATFS reply carries it.
inline struct ::statvfs to_statvfs(const struct ::statfs& in) noexcept {
  struct ::statvfs out {};
  out.f_bsize = static_cast<unsigned long>(in.f_bsize);
  out.f_frsize = static_cast<unsigned long>(in.f_frsize != 0 ? in.f_frsize : in.f_bsize);
  out.f_blocks = in.f_blocks;
  out.f_bfree = in.f_bfree;
  out.f_bavail = in.f_bavail;
  out.f_files = in.f_files;
  out.f_ffree = in.f_ffree;
  out.f_favail = in.f_ffree;
  out.f_namemax = static_cast<unsigned long>(in.f_namelen);
  return out;
}

/// SETATTR's `to_set` bits as struct iattr (notify_change()'s times filled
/// in); false for what kvfs cannot change (the owner).
inline bool to_iattr(const struct ::stat& attr, int to_set, const struct ::stat& now, iattr& out) {
  if ((to_set & FUSE_SET_ATTR_UID) != 0 && attr.st_uid != now.st_uid) return false;
  if ((to_set & FUSE_SET_ATTR_GID) != 0 && attr.st_gid != now.st_gid) return false;
  out.ia_valid = ATTR_CTIME;
  if ((to_set & FUSE_SET_ATTR_MODE) != 0) {
    out.ia_valid |= ATTR_MODE;
    out.ia_mode = (attr.st_mode & 07777) | (now.st_mode & S_IFMT);
  }
  if ((to_set & FUSE_SET_ATTR_SIZE) != 0) {
    out.ia_valid |= ATTR_SIZE | ATTR_MTIME;
    out.ia_size = attr.st_size;
  }
  if ((to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_ATIME_NOW)) != 0) {
    out.ia_valid |= ATTR_ATIME;
    if ((to_set & FUSE_SET_ATTR_ATIME_NOW) == 0) {
      out.ia_valid |= ATTR_ATIME_SET;
      out.ia_atime = attr.st_atim;
    }
  }
  if ((to_set & (FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_MTIME_NOW)) != 0) {
    out.ia_valid |= ATTR_MTIME;
    if ((to_set & FUSE_SET_ATTR_MTIME_NOW) == 0) {
      out.ia_valid |= ATTR_MTIME_SET;
      out.ia_mtime = attr.st_mtim;
    }
  }
  out = with_times(out);
  return true;
}

}  // namespace kvfs::fuse::detail
