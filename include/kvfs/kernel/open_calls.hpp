// SPDX-License-Identifier: BSL-1.0
// kvfs/kernel/open_calls.hpp - open(2) and mkdir(2), as fs/open.c and
// fs/namei.c run them: reserve a number, walk the path to its mount, let
// the file system open the file, give a device node its driver
// (chrdev_open), then install.
#pragma once

#include <kvfs/any_file.hpp>
#include <kvfs/detail/vfs.hpp>
#include <kvfs/fs/char_dev.hpp>
#include <kvfs/inode.hpp>
#include <kvfs/kernel/namei.hpp>
#include <kvfs/kernel/namespace_calls.hpp>

#include <fcntl.h>
#include <sys/stat.h>

#include <climits>
#include <filesystem>
#include <string>

namespace kvfs {

/// Opening and making files by path, for `Process` (CRTP).
template <class Process>
class open_calls {
 public:
  /// open(2), as do_sys_openat2(): the flags are checked (EINVAL) and the
  /// path copied (ENOENT for "", ENAMETOOLONG), then the number is reserved
  /// (a full table is EMFILE before anything is looked up or created), then
  /// do_filp_open() through the path walk, then fd_install().
  long openat(int dirfd, const std::filesystem::path& path, int flags, mode_t mode = 0) {
    const int f_flags = detail::build_open_flags(flags);
    if (f_flags < 0) return f_flags;
    const std::string& name = path.native();
    if (name.empty()) return -ENOENT;
    if (name.size() >= PATH_MAX) return -ENAMETOOLONG;
    return self().traced_path_call("openat", name, [&](ostream_trace* trace) -> long {
      const int fd = self().files().get_unused_fd_flags(flags & O_CLOEXEC);
      if (fd < 0) return fd;
      file_ref file;
      std::string f_path;
      if (trace != nullptr) trace->step("do_sys_openat2 -> get_unused_fd_flags -> do_filp_open -> path_openat");
      if (const int error = do_filp_open(dirfd, name, f_flags, mode, file, f_path, trace); error < 0) {
        self().files().put_unused_fd(fd);
        return error;
      }
      if (trace != nullptr) trace->step("fd_install");
      self().fd_install(fd, std::move(file), f_path);
      return fd;
    });
  }
  /// open(2): openat() from the working directory.
  long open(const std::filesystem::path& path, int flags, mode_t mode = 0) { return openat(AT_FDCWD, path, flags, mode); }

  /// mkdirat(2): filename_create() (EEXIST for an existing name or for
  /// ".", ".." and "/"), then vfs_mkdir() with the umask applied.
  long mkdirat(int dirfd, const std::filesystem::path& path, mode_t mode) {
    const std::string& name = path.native();
    if (uses_old_names(dirfd, name)) return old_mkdir(name, mode);
    return self().traced_path_call("mkdirat", name, [&](ostream_trace* trace) -> long {
      walk_result at;
      at.trace = trace;
      if (trace != nullptr) trace->step("do_mkdirat -> filename_create -> path_parentat");
      if (const int error = self().filename_lookup(dirfd, name, LOOKUP_PARENT, at); error < 0) return error;
      if (at.type != last_type::norm) return -EEXIST;
      inode_ptr existing;
      const int found = detail::traced_lookup(at.inode(), at.last, existing, trace);
      if (found == 0) return -EEXIST;
      if (found != -ENOENT) return found;
      if (trace != nullptr) trace->step("vfs_mkdir -> ", at.inode().fs_name(), ": ", at.inode().i_op_name(), ".mkdir");
      return at.inode().mkdir(at.last, mode & 01777 & ~self().current_umask());  // S_IRWXUGO | S_ISVTX
    });
  }
  /// mkdir(2).
  long mkdir(const std::filesystem::path& path, mode_t mode) { return mkdirat(AT_FDCWD, path, mode); }

 private:
  Process& self() noexcept { return static_cast<Process&>(*this); }

  // do_filp_open() → path_openat(): the parent, the last name
  // (open_last_lookups()), then do_open().
  int do_filp_open(int dirfd, const std::string& name, int flags, mode_t mode, file_ref& file, std::string& f_path,
                   ostream_trace* trace) {
    if (uses_old_names(dirfd, name)) return old_filp_open(name, flags, mode, file, f_path);
    walk_result at;
    at.trace = trace;
    if ((flags & detail::kernel_tmpfile) != 0) return do_tmpfile(dirfd, name, flags, mode, file, f_path);
    if (trace != nullptr) trace->step("link_path_walk");
    if (const int error = self().filename_lookup(dirfd, name, LOOKUP_PARENT, at); error < 0) return error;
    inode_ptr inode;
    bool created = false;
    if (trace != nullptr) trace->step("open_last_lookups");
    if (const int error = open_last_lookups(at, flags, mode, inode, created); error < 0) return error;
    f_path = stack_path(at.stack);
    if (at.type == last_type::norm) f_path += (f_path == "/" ? "" : "/") + at.last;
    std::shared_ptr<super_block> sb = at.mnt();
    if (std::shared_ptr<super_block> covering = self().mounted_at(f_path)) {  // a mount point: its root
      inode = covering->root_inode();
      sb = std::move(covering);
      if (!inode) return -EOPNOTSUPP;
    }
    if (at.trace != nullptr) at.trace->step("do_open -> vfs_open -> ", inode->fs_name(), ": open");
    if (const int error = do_open(*inode, sb, flags, created, at.trailing_slash, file); error < 0) return error;
    file->f_dentry = std::move(inode);
    return 0;
  }

  // do_tmpfile(): the directory (a last symlink followed unless O_NOFOLLOW),
  // then a new unnamed file in it.
  int do_tmpfile(int dirfd, const std::string& name, int flags, mode_t mode, file_ref& file, std::string& f_path) {
    walk_result at;
    const unsigned follow = (flags & O_NOFOLLOW) != 0 ? 0 : LOOKUP_FOLLOW;
    if (const int error = self().filename_lookup(dirfd, name, follow, at); error < 0) return error;
    if (!S_ISDIR(at.inode().i_mode)) return -ENOTDIR;
    f_path = stack_path(at.stack);
    if (const int error = at.mnt()->open_inode(at.inode(), flags, mode & 07777 & ~self().current_umask(), file);
        error < 0) {
      return error;
    }
    file->f_mnt = at.mnt();
    return 0;  // no f_dentry: the file has no name to change through
  }

  // open_last_lookups(): the last name, created under O_CREAT when missing
  // (EEXIST with O_EXCL, even for a symlink; EISDIR for "name/"); a
  // symlink followed unless O_NOFOLLOW (then do_open() has the link: ELOOP,
  // or the link itself for O_PATH).
  int open_last_lookups(walk_result& at, int flags, mode_t mode, inode_ptr& inode, bool& created) {
    auto mounted = [this](const walk_stack& stack) { return self().mounted_at(stack); };
    for (int links = 0;;) {
      if (at.type != last_type::norm) {  // handle_dots(): do_open() has the O_CREAT answers
        if (at.type == last_type::dotdot && at.stack.size() > 1) at.stack.pop_back();
        inode = at.stack.back().inode;
        return 0;
      }
      if ((flags & O_CREAT) != 0 && at.trailing_slash) return -EISDIR;  // before the name is even looked up
      const int found = detail::traced_lookup(at.inode(), at.last, inode, at.trace);
      if (found == 0) {
        if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) return -EEXIST;
        if (!S_ISLNK(inode->i_mode)) return 0;
        if ((flags & O_NOFOLLOW) != 0 && !at.trailing_slash) return 0;  // the link itself: do_open() decides
        if (++links > MAXSYMLINKS) return -ELOOP;
        std::string target;
        if (const int error = inode->get_link(target); error < 0) return error;
        const bool slash = at.trailing_slash;
        if (const int error = path_walk(target, LOOKUP_PARENT, mounted, at); error < 0) return error;
        at.trailing_slash = at.trailing_slash || slash;
        continue;
      }
      if (found != -ENOENT) return found;
      if ((flags & O_CREAT) == 0) return -ENOENT;
      created = true;
      if (at.trace != nullptr) at.trace->step("lookup_open -> ", at.inode().fs_name(), ": ", at.inode().i_op_name(), ".create");
      return at.inode().create(at.last, mode & 07777 & ~self().current_umask(), inode);
    }
  }

  // do_open() and may_open(): EISDIR for O_CREAT on a directory or any
  // write access to one (O_TRUNC and O_ACCMODE 3 ask for it too), ENOTDIR
  // for O_DIRECTORY or a trailing slash on anything else, ELOOP for a
  // symlink; a device node goes to its driver (chrdev_open()); O_DIRECT is
  // checked on the file (do_dentry_open()); then O_TRUNC (handle_truncate()).
  int do_open(vfs_inode& inode, const std::shared_ptr<super_block>& sb, int flags, bool created, bool trailing_slash,
              file_ref& file) {
    const bool dir = S_ISDIR(inode.i_mode);
    if ((flags & O_PATH) == 0) {
      if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL) && !created) return -EEXIST;
      if ((flags & O_CREAT) != 0 && dir) return -EISDIR;
      if (((flags & O_DIRECTORY) != 0 || trailing_slash) && !dir) return -ENOTDIR;
      if (dir && ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) != 0)) return -EISDIR;
      if (S_ISLNK(inode.i_mode)) return -ELOOP;
    } else if (((flags & O_DIRECTORY) != 0 || trailing_slash) && !dir) {
      return -ENOTDIR;
    }
    int error = 0;
    if (S_ISCHR(inode.i_mode) && (flags & O_PATH) == 0 && self().cdevs().contains(inode.i_rdev)) {
      error = self().cdevs().open(inode.i_rdev, flags, file);
    } else {
      error = sb->open_inode(inode, flags, 0, file);
    }
    if (error < 0) return error;
    if (const int odirect = detail::check_odirect(*file); odirect < 0) return odirect;
    if (!created && (flags & (O_TRUNC | O_PATH)) == O_TRUNC && S_ISREG(inode.i_mode)) {
      const iattr truncate = with_times({ATTR_SIZE | ATTR_MTIME | ATTR_CTIME, 0, 0});  // handle_truncate()
      if (const int truncated = inode.setattr(truncate); truncated < 0) return truncated;
    }
    file->f_mnt = sb;
    return 0;
  }

  // A path in a mount whose file system has no inode_operations (a user's
  // type with only open and mkdir) is opened the old way: the mount's
  // super_block gets the rest of the path.
  bool uses_old_names(int dirfd, const std::string& name) {
    if (dirfd != AT_FDCWD || name.empty()) return false;
    std::string absolute;
    if (detail::absolute_path(name, self().cwd_path(), absolute) < 0) return false;
    return !self().lookup_mnt(absolute).sb->root_inode();
  }

  long old_mkdir(const std::string& name, mode_t mode) {
    std::string absolute;
    if (const long error = detail::absolute_path(name, self().cwd_path(), absolute); error < 0) return error;
    mount_point at = self().lookup_mnt(absolute);
    return at.sb->mkdir(at.inside, mode);
  }

  int old_filp_open(const std::string& name, int flags, mode_t mode, file_ref& file, std::string& f_path) {
    if (const long error = detail::absolute_path(name, self().cwd_path(), f_path); error < 0) return static_cast<int>(error);
    mount_point at = self().lookup_mnt(f_path);
    if (const int error = at.sb->open(at.inside, flags, mode, file); error < 0) return error;
    file->f_mnt = std::move(at.sb);
    return detail::check_odirect(*file);
  }
};

}  // namespace kvfs
