// SPDX-License-Identifier: BSL-1.0
// kvfs/kernel/path_calls.hpp - the system calls of fs/namei.c, fs/stat.c
// and fs/open.c that name a path without opening it: fstatat, unlinkat,
// rmdir, renameat2, linkat, symlinkat, readlinkat, chdir and getcwd, each with
// the kernel's checks in the kernel's order, through the path walk
// (namei.hpp) and the inode_operations of the file system the walk ends in.
#pragma once

#include <kvfs/inode.hpp>
#include <kvfs/kernel/namei.hpp>

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace kvfs {

/// Calls on paths, for `Process` (CRTP). A relative path starts at the
/// directory `dirfd` names, or at the working directory (AT_FDCWD).
template <class Process>
class path_calls {
 public:
  /// fstatat(2): flags AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH (the file
  /// `dirfd` itself when the path is "").
  long fstatat(int dirfd, std::string_view path, struct ::stat& st, int flags) {
    if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT)) != 0) return -EINVAL;
    if (path.empty() && (flags & AT_EMPTY_PATH) != 0) return self().fstat(dirfd, st);
    return traced_path_call("newfstatat", path, [&](ostream_trace* trace) -> long {
      walk_result at;
      at.trace = trace;
      if (trace != nullptr) trace->step("vfs_statx -> filename_lookup -> path_lookupat");
      const unsigned lookup = (flags & AT_SYMLINK_NOFOLLOW) != 0 ? 0 : LOOKUP_FOLLOW;
      if (const int error = filename_lookup(dirfd, path, lookup, at); error < 0) return error;
      if (trace != nullptr) trace->step("vfs_getattr -> ", at.inode().fs_name(), ": ", at.inode().i_op_name(), ".getattr");
      return at.inode().getattr(st);
    });
  }
  /// stat(2): fstatat() from the working directory.
  long stat(std::string_view path, struct ::stat& st) { return fstatat(AT_FDCWD, path, st, 0); }
  /// lstat(2): a last symlink is not followed.
  long lstat(std::string_view path, struct ::stat& st) { return fstatat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW); }

  /// unlinkat(2): AT_REMOVEDIR makes it rmdir.
  long unlinkat(int dirfd, std::string_view path, int flags) {
    if ((flags & ~AT_REMOVEDIR) != 0) return -EINVAL;
    return (flags & AT_REMOVEDIR) != 0 ? do_rmdir(dirfd, path) : do_unlinkat(dirfd, path);
  }
  /// unlink(2).
  long unlink(std::string_view path) { return do_unlinkat(AT_FDCWD, path); }
  /// rmdir(2).
  long rmdir(std::string_view path) { return do_rmdir(AT_FDCWD, path); }

  /// renameat2(2): RENAME_NOREPLACE, RENAME_EXCHANGE (RENAME_WHITEOUT is
  /// the file system's to refuse).
  long renameat2(int olddirfd, std::string_view oldpath, int newdirfd, std::string_view newpath, unsigned flags) {
    if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) != 0) return -EINVAL;
    if ((flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)) != 0 && (flags & RENAME_EXCHANGE) != 0) return -EINVAL;
    walk_result from, to;
    if (const int error = filename_lookup(olddirfd, oldpath, LOOKUP_PARENT, from); error < 0) return error;
    if (const int error = filename_lookup(newdirfd, newpath, LOOKUP_PARENT, to); error < 0) return error;
    if (from.mnt() != to.mnt()) return -EXDEV;
    if (from.type != last_type::norm) return -EBUSY;
    if (to.type != last_type::norm) return (flags & RENAME_NOREPLACE) != 0 ? -EEXIST : -EBUSY;
    inode_ptr old_inode, new_inode;
    if (const int error = from.inode().lookup(from.last, old_inode); error < 0) return error;
    const int found = to.inode().lookup(to.last, new_inode);
    if (found < 0 && found != -ENOENT) return found;
    if ((flags & RENAME_EXCHANGE) != 0 && !new_inode) return -ENOENT;
    if ((flags & RENAME_NOREPLACE) != 0 && new_inode) return -EEXIST;
    const bool old_dir = S_ISDIR(old_inode->i_mode);
    if (!old_dir && (from.trailing_slash || ((flags & RENAME_EXCHANGE) == 0 && to.trailing_slash))) return -ENOTDIR;
    if (new_inode && (flags & RENAME_EXCHANGE) != 0 && !S_ISDIR(new_inode->i_mode) && to.trailing_slash) return -ENOTDIR;
    if (in_stack(to.stack, *old_inode)) return -EINVAL;  // the source is an ancestor of the target
    if (new_inode && in_stack(from.stack, *new_inode)) return (flags & RENAME_EXCHANGE) != 0 ? -EINVAL : -ENOTEMPTY;
    if (new_inode && new_inode->same(*old_inode)) return 0;  // vfs_rename(): one inode, nothing to do
    if (new_inode && (flags & RENAME_EXCHANGE) == 0) {  // may_delete() of the target
      if (old_dir && !S_ISDIR(new_inode->i_mode)) return -ENOTDIR;
      if (!old_dir && S_ISDIR(new_inode->i_mode)) return -EISDIR;
    }
    if (is_mountpoint(from.stack, from.last) || (new_inode && is_mountpoint(to.stack, to.last))) return -EBUSY;
    return from.inode().rename(from.last, to.inode(), to.last, flags);
  }
  /// rename(2): renameat2() without flags.
  long rename(std::string_view oldpath, std::string_view newpath) {
    return renameat2(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0);
  }

  /// linkat(2): AT_SYMLINK_FOLLOW follows a symlink at the end of `oldpath`.
  long linkat(int olddirfd, std::string_view oldpath, int newdirfd, std::string_view newpath, int flags) {
    if ((flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) != 0) return -EINVAL;
    walk_result old_at, at;
    const unsigned lookup = (flags & AT_SYMLINK_FOLLOW) != 0 ? LOOKUP_FOLLOW : 0;
    if (const int error = filename_lookup(olddirfd, oldpath, lookup, old_at); error < 0) return error;
    if (const int error = filename_create(newdirfd, newpath, at); error < 0) return error;
    if (old_at.mnt() != at.mnt()) return -EXDEV;
    if (S_ISDIR(old_at.inode().i_mode)) return -EPERM;  // vfs_link()
    return at.inode().link(old_at.inode(), at.last);
  }
  /// link(2).
  long link(std::string_view oldpath, std::string_view newpath) { return linkat(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0); }

  /// symlinkat(2): a new name whose contents are `target` (never walked here).
  long symlinkat(std::string_view target, int newdirfd, std::string_view linkpath) {
    if (target.empty()) return -ENOENT;  // getname()
    walk_result at;
    if (const int error = filename_create(newdirfd, linkpath, at); error < 0) return error;
    return at.inode().symlink(at.last, target);
  }
  /// symlink(2).
  long symlink(std::string_view target, std::string_view linkpath) { return symlinkat(target, AT_FDCWD, linkpath); }

  /// readlinkat(2): the target, cut to the buffer; the count copied.
  long readlinkat(int dirfd, std::string_view path, std::span<char> buf) {
    if (buf.empty()) return -EINVAL;
    walk_result at;
    if (const int error = filename_lookup(dirfd, path, 0, at); error < 0) return error;
    if (!S_ISLNK(at.inode().i_mode)) return -EINVAL;  // vfs_readlink()
    std::string target;
    if (const int error = at.inode().get_link(target); error < 0) return error;
    const std::size_t n = std::min(target.size(), buf.size());
    std::memcpy(buf.data(), target.data(), n);
    return static_cast<long>(n);
  }
  /// readlink(2).
  long readlink(std::string_view path, std::span<char> buf) { return readlinkat(AT_FDCWD, path, buf); }

  /// chdir(2): a directory (ENOTDIR otherwise) becomes the working
  /// directory: the start of every relative path.
  long chdir(std::string_view path) {
    walk_result at;
    if (const int error = filename_lookup(AT_FDCWD, path, LOOKUP_FOLLOW, at); error < 0) return error;
    if (!S_ISDIR(at.inode().i_mode)) return -ENOTDIR;
    set_fs_pwd(std::move(at.stack));
    return 0;
  }

  /// fchdir(2): the directory an open descriptor (O_PATH too) names.
  long fchdir(int fd) {
    walk_result at;
    if (const int error = walk_to_file(fd, at); error < 0) return error;
    set_fs_pwd(std::move(at.stack));
    return 0;
  }

  /// getcwd(2): the working directory's path and its NUL, and that length;
  /// ERANGE when `buf` is shorter, ENOENT once the directory is removed.
  long getcwd(std::span<char> buf) {
    const walk_stack pwd = get_fs_pwd();
    struct ::stat st {};
    if (pwd.back().inode->getattr(st) < 0 || st.st_nlink == 0) return -ENOENT;  // d_unlinked()
    const std::string path = stack_path(pwd);
    if (path.size() + 1 > buf.size()) return -ERANGE;
    std::memcpy(buf.data(), path.c_str(), path.size() + 1);
    return static_cast<long>(path.size() + 1);
  }

  /// A path call traced as the kernel runs it, when the process traces:
  /// `body(trace)` gets this call's own trace (null when off), whose line
  /// starts `call("path")` and ends with the result.
  template <class Body>
  long traced_path_call(std::string_view call, std::string_view path, Body body) {
    ostream_trace trace = self().trace();  // a copy: the line is this call's alone
    if (!trace.active()) return body(static_cast<ostream_trace*>(nullptr));
    trace.begin_call(std::string(call) + "(\"" + std::string(path) + "\")");
    const long result = body(&trace);
    trace.end(result);
    return result;
  }

  /// The working directory's path, as the mount table names places.
  std::string cwd_path() const { return stack_path(get_fs_pwd()); }

  /// umask(2): the mask new files and directories lose; the old one.
  mode_t umask(mode_t mask) noexcept { return std::exchange(umask_, mask & 0777); }
  /// The process's umask (current_umask()).
  mode_t current_umask() const noexcept { return umask_; }

  /// filename_lookup(): getname() ("" is ENOENT, PATH_MAX or more
  /// ENAMETOOLONG), the start (a relative path at `dirfd`, EBADF or ENOTDIR,
  /// or at the working directory), then the walk from the root.
  int filename_lookup(int dirfd, std::string_view path, unsigned flags, walk_result& at) {
    if (path.empty()) return -ENOENT;
    if (path.size() >= PATH_MAX) return -ENAMETOOLONG;
    if (path.front() == '/') {
      if (const int error = root_stack(at.stack); error < 0) return error;
    } else if (dirfd == AT_FDCWD) {
      at.stack = get_fs_pwd();
    } else if (const int error = walk_to_file(dirfd, at); error < 0) {
      return error;
    }
    return path_walk(path, flags, mounted(), at);
  }

 protected:
  /// The working directory a process starts in: the host's, where kvfs can
  /// walk to it, else the root (as a process whose directory is gone).
  void init_fs_pwd() {
    walk_result at;
    std::error_code ec;
    const std::string host = std::filesystem::current_path(ec).string();
    if (ec || filename_lookup(AT_FDCWD, host.empty() ? "/" : host, LOOKUP_FOLLOW, at) < 0 ||
        !S_ISDIR(at.inode().i_mode)) {
      at.stack.clear();
      if (root_stack(at.stack) < 0) return;
    }
    set_fs_pwd(std::move(at.stack));
  }

 private:
  Process& self() noexcept { return static_cast<Process&>(*this); }

  // The host's umask when the process is made (read back at once).
  static mode_t host_umask() noexcept {
    const mode_t mask = ::umask(022);
    ::umask(mask);
    return mask;
  }
  mode_t umask_ = host_umask();

  // do_unlinkat(): the parent, then the name (a trailing slash is ENOENT,
  // EISDIR or ENOTDIR by what is there), then vfs_unlink().
  long do_unlinkat(int dirfd, std::string_view path) {
    return traced_path_call("unlinkat", path, [&](ostream_trace* trace) -> long {
      walk_result at;
      at.trace = trace;
      if (trace != nullptr) trace->step("do_unlinkat -> filename_parentat -> path_parentat");
      if (const int error = filename_lookup(dirfd, path, LOOKUP_PARENT, at); error < 0) return error;
      if (at.type != last_type::norm) return -EISDIR;
      inode_ptr victim;
      if (const int error = detail::traced_lookup(at.inode(), at.last, victim, trace); error < 0) return error;
      if (S_ISDIR(victim->i_mode)) return -EISDIR;
      if (at.trailing_slash) return -ENOTDIR;
      if (is_mountpoint(at.stack, at.last)) return -EBUSY;
      if (trace != nullptr) trace->step("vfs_unlink -> ", at.inode().fs_name(), ": ", at.inode().i_op_name(), ".unlink");
      return at.inode().unlink(at.last);
    });
  }

  // do_rmdir(): ".." is ENOTEMPTY, "." EINVAL, "/" EBUSY; then vfs_rmdir().
  long do_rmdir(int dirfd, std::string_view path) {
    walk_result at;
    if (const int error = filename_lookup(dirfd, path, LOOKUP_PARENT, at); error < 0) return error;
    if (at.type == last_type::dotdot) return -ENOTEMPTY;
    if (at.type == last_type::dot) return -EINVAL;
    if (at.type == last_type::root) return -EBUSY;
    inode_ptr victim;
    if (const int error = at.inode().lookup(at.last, victim); error < 0) return error;
    if (!S_ISDIR(victim->i_mode)) return -ENOTDIR;
    if (is_mountpoint(at.stack, at.last)) return -EBUSY;
    return at.inode().rmdir(at.last);
  }

  // filename_create(): the parent of a name that must not exist yet.
  int filename_create(int dirfd, std::string_view path, walk_result& at) {
    if (const int error = filename_lookup(dirfd, path, LOOKUP_PARENT, at); error < 0) return error;
    if (at.type != last_type::norm) return -EEXIST;
    inode_ptr existing;
    const int found = at.inode().lookup(at.last, existing);
    if (found == 0) return -EEXIST;
    if (found != -ENOENT) return found;
    if (at.trailing_slash) return -ENOENT;  // "you had / on the end": asking for a directory
    return 0;
  }

  bool is_mountpoint(const walk_stack& parent, const std::string& name) const {
    walk_stack child = parent;
    child.push_back({name, nullptr, nullptr});
    return static_cast<bool>(self_const().mounted_at(child));
  }
  const Process& self_const() const noexcept { return static_cast<const Process&>(*this); }

  auto mounted() {
    return [this](const walk_stack& at) { return self().mounted_at(at); };
  }

  // The namespace's root: where an absolute path starts.
  int root_stack(walk_stack& stack) {
    std::shared_ptr<super_block> root_mnt = self().mounted_at("/");
    inode_ptr root = root_mnt ? root_mnt->root_inode() : nullptr;
    if (!root) return -EOPNOTSUPP;
    stack = {path_step{"", std::move(root), std::move(root_mnt)}};
    return 0;
  }

  // The directory an open descriptor names (EBADF, ENOTDIR), as a stack:
  // its path walked from the root.
  int walk_to_file(int fd, walk_result& at) {
    std::string start;
    {
      file_ref file = self().files().fdget_raw(fd);
      if (!file) return -EBADF;
      if (!S_ISDIR(file->f_inode.i_mode)) return -ENOTDIR;
      start = file->f_path;
    }
    if (const int error = root_stack(at.stack); error < 0) return error;
    ostream_trace* const trace = std::exchange(at.trace, nullptr);  // the kernel starts at the file: no walk to tell
    const int error = path_walk(start, LOOKUP_FOLLOW, mounted(), at);
    at.trace = trace;
    at.trailing_slash = false;
    return error;
  }

  // fs_struct's pwd, under its lock: chdir in one thread while another
  // walks a relative path.
  walk_stack get_fs_pwd() const {
    std::lock_guard guard(fs_lock_);
    return pwd_;
  }
  void set_fs_pwd(walk_stack pwd) {
    std::lock_guard guard(fs_lock_);
    pwd_ = std::move(pwd);
  }

  mutable std::mutex fs_lock_;
  walk_stack pwd_;
};

}  // namespace kvfs
