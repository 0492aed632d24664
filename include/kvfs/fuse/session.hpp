// SPDX-License-Identifier: BSL-1.0
// kvfs/fuse/session.hpp - mounting a kvfs file system on the host through
// FUSE: serve() in the foreground until it is unmounted (fusermount3 -u,
// SIGINT, SIGTERM), or a `mounted` object that serves from its own
// threads for as long as it lives (what tests and programs that keep
// working use).
//
//   std::shared_ptr<kvfs::super_block> sb;
//   kvfs::ramfs::mount("", 0, sb);
//   kvfs::fuse::mounted m(sb, "/mnt/ram");   // cat, git, sqlite3 ... run on it now
#pragma once

#include <kvfs/fuse/bridge.hpp>

#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace kvfs::fuse {

namespace detail {
// The FUSE session of one mount: fuse_session_new() with the bridge's
// table and the mount options, then fuse_session_mount().
class session {
 public:
  session(bridge& b, const std::string& mountpoint, const options& opts) {
    std::vector<std::string> args{"kvfs", "-o", "default_permissions,fsname=" + escaped(opts.fsname) + ",subtype=kvfs"};
    if (opts.read_only) args.insert(args.end(), {"-o", "ro"});
    if (::geteuid() == 0) args.insert(args.end(), {"-o", "allow_other"});  // every user sees it, as a kernel mount
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    fuse_args fargs = FUSE_ARGS_INIT(static_cast<int>(argv.size()), argv.data());
    se_ = fuse_session_new(&fargs, &bridge::operations(), sizeof(fuse_lowlevel_ops), &b);
    fuse_opt_free_args(&fargs);  // what libfuse added to them
    if (se_ == nullptr) throw std::system_error(EINVAL, std::generic_category(), "fuse_session_new");
    if (fuse_session_mount(se_, mountpoint.c_str()) != 0) {
      fuse_session_destroy(se_);
      throw std::system_error(EIO, std::generic_category(), "fuse_session_mount " + mountpoint);
    }
  }
  session(const session&) = delete;
  session& operator=(const session&) = delete;
  ~session() {
    fuse_session_unmount(se_);
    fuse_session_destroy(se_);
  }

  // fuse_session_loop_mt(): a thread per request in flight, so a request
  // that blocks (a FIFO read) never holds up another file's.
  int loop() {
    fuse_loop_config* config = fuse_loop_cfg_create();
    fuse_loop_cfg_set_max_threads(config, 64);
    fuse_loop_cfg_set_idle_threads(config, 4);
    const int result = fuse_session_loop_mt(se_, config);
    fuse_loop_cfg_destroy(config);
    return result;
  }

  fuse_session* get() const noexcept { return se_; }

 private:
  // An option value as fuse_opt_parse() reads it: ',' and '\\' escaped.
  static std::string escaped(const std::string& value) {
    std::string out;
    for (char c : value) {
      if (c == ',' || c == '\\') out += '\\';
      out += c;
    }
    return out;
  }

  fuse_session* se_ = nullptr;
};
}  // namespace detail

/// Serves `sb` at `mountpoint` until it is unmounted or the process gets
/// SIGINT, SIGTERM or SIGHUP; then unmounts. 0, or -errno.
inline int serve(std::shared_ptr<super_block> sb, const std::string& mountpoint, const options& opts = {}) {
  if (!sb || !sb->root_inode()) return -EOPNOTSUPP;  // no inode_operations: nothing to look up
  bridge b(std::move(sb), opts);
  try {
    detail::session s(b, mountpoint, opts);
    if (fuse_set_signal_handlers(s.get()) != 0) return -EIO;
    const int result = s.loop();
    fuse_remove_signal_handlers(s.get());
    return result < 0 ? result : 0;
  } catch (const std::system_error& e) {
    return -e.code().value();
  }
}

/// A file system mounted on the host for as long as this object lives,
/// served by its own threads; the destructor unmounts (files still open on
/// it then answer ENOTCONN) and waits for them.
class mounted {
 public:
  /// Mounts `sb` at `mountpoint` and serves it on a thread.
  mounted(std::shared_ptr<super_block> sb, std::string mountpoint, const options& opts = {})
      : mountpoint_(std::move(mountpoint)) {
    if (!sb || !sb->root_inode()) throw std::system_error(EOPNOTSUPP, std::generic_category(), "kvfs::fuse::mounted");
    bridge_ = std::make_unique<bridge>(std::move(sb), opts);
    session_ = std::make_unique<detail::session>(*bridge_, mountpoint_, opts);
    thread_ = std::thread([this] { session_->loop(); });
  }
  mounted(const mounted&) = delete;
  mounted& operator=(const mounted&) = delete;
  ~mounted() { unmount(); }

  /// Unmounts now and stops serving. MNT_FORCE first: FUSE's umount_begin
  /// aborts the connection, so a file still open on the mount (even one of
  /// this process's) cannot keep the session's threads waiting; then
  /// MNT_DETACH for a mount still busy, as fusermount3 -u -z (which a
  /// process without CAP_SYS_ADMIN falls back to).
  void unmount() {
    if (!thread_.joinable()) return;
    fuse_session_exit(session_->get());
    ::umount2(mountpoint_.c_str(), MNT_FORCE);
    if (::umount2(mountpoint_.c_str(), MNT_DETACH) != 0 && errno != EINVAL) {
      const std::string command = "fusermount3 -u -z '" + mountpoint_ + "' 2>/dev/null";
      [[maybe_unused]] const int ignored = std::system(command.c_str());
    }
    thread_.join();
    session_.reset();
  }

  /// Where it is mounted.
  const std::string& mountpoint() const noexcept { return mountpoint_; }
  /// The request handlers (how many node ids the host holds, for tests).
  const bridge& handlers() const noexcept { return *bridge_; }

 private:
  std::string mountpoint_;
  std::unique_ptr<bridge> bridge_;
  std::unique_ptr<detail::session> session_;
  std::thread thread_;
};

}  // namespace kvfs::fuse
