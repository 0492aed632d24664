// SPDX-License-Identifier: BSL-1.0
// kvfs/fuse/bridge.hpp - the daemon side of FUSE for a kvfs file system:
// each request the host kernel's FUSE client (fs/fuse/) sends through
// /dev/fuse becomes the kvfs call the kernel's VFS would have made on a
// file system of its own: LOOKUP → ->lookup, CREATE → ->create then
// do_dentry_open, READ → vfs_read → f_op->read ... and every -errno goes
// back unchanged. libfuse's low-level API (fuse_lowlevel_ops) carries the
// requests: node ids for inodes (node_table.hpp), file handles for open
// files.
#pragma once

#include <kvfs/fuse/detail/request.hpp>
#include <kvfs/fuse/node_table.hpp>

#include <kvfs/any_file.hpp>
#include <kvfs/detail/vfs.hpp>
#include <kvfs/inode.hpp>
#include <kvfs/super_block.hpp>

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace kvfs::fuse {

/// How a file system is served.
struct options {
  bool read_only = false;         ///< mounted ro: the host kernel answers EROFS
  std::ostream* trace = nullptr;  ///< one line per request, in the kernel's names
  double timeout = 1.0;           ///< seconds the host may keep names and attributes
  std::string fsname = "kvfs";    ///< what /proc/mounts shows as the source
};

/// The request handlers for one mounted kvfs file system (its super_block,
/// which must have inode_operations: a root inode).
class bridge {
 public:
  /// Serves the file system of `sb`.
  bridge(std::shared_ptr<super_block> sb, const options& opts)
      : sb_(std::move(sb)), nodes_(sb_->root_inode()), opts_(opts), sink_(opts.trace) {}
  bridge(const bridge&) = delete;
  bridge& operator=(const bridge&) = delete;

  /// The files the kernel never released (a connection cut by a lazy
  /// unmount drops its pending RELEASEs) are released here, once.
  ~bridge() {
    for (any_file* file : open_) file_ref{file}.reset();
  }

  /// The table libfuse calls, each member a handler of this class.
  static const fuse_lowlevel_ops& operations() noexcept;

  /// How many node ids the host kernel holds now (the root included).
  std::size_t nodes_held() const { return nodes_.size(); }

  /// The handlers, one per request (fuse_lowlevel_ops' members).
  void lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
    detail::request_trace tr(sink_, "FUSE_LOOKUP", parent);
    inode_ptr dir = nodes_.get(parent), child;
    if (!dir) return fail(req, tr, -ESTALE);
    tr.step("lookup \"", name, "\" -> ", dir->fs_name(), ": ", dir->i_op_name(), ".lookup");
    if (const int error = dir->lookup(name, child); error < 0) return fail(req, tr, error);
    reply_entry(req, tr, std::move(child));
  }

  /// FUSE_FORGET: the host dropped `nlookup` lookups of the node.
  void forget(fuse_req_t req, fuse_ino_t ino, std::uint64_t nlookup) {
    nodes_.forget(ino, nlookup);
    fuse_reply_none(req);
  }

  /// FUSE_BATCH_FORGET.
  void forget_multi(fuse_req_t req, std::size_t count, fuse_forget_data* forgets) {
    for (std::size_t i = 0; i < count; ++i) nodes_.forget(forgets[i].ino, forgets[i].nlookup);
    fuse_reply_none(req);
  }

  /// FUSE_GETATTR → ->getattr (of the open file when there is one).
  void getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    detail::request_trace tr(sink_, "FUSE_GETATTR", ino);
    struct ::stat st {};
    if (const int error = attributes(ino, fi, st, tr); error < 0) return fail(req, tr, error);
    tr.end(0);
    fuse_reply_attr(req, &st, opts_.timeout);
  }

  /// notify_change(): through the open file where there is one (ATTR_FILE).
  void setattr(fuse_req_t req, fuse_ino_t ino, struct ::stat* attr, int to_set, fuse_file_info* fi) {
    detail::request_trace tr(sink_, "FUSE_SETATTR", ino);
    inode_ptr inode = nodes_.get(ino);
    if (!inode) return fail(req, tr, -ESTALE);
    struct ::stat now {};
    if (const int error = attributes(ino, fi, now, tr); error < 0) return fail(req, tr, error);
    iattr change;
    if (!detail::to_iattr(*attr, to_set, now, change)) return fail(req, tr, -EPERM);
    any_file* file = fi != nullptr ? handle(fi) : nullptr;
    int error = 0;
    if (file != nullptr && file->f_op->setattr != nullptr) {
      tr.step("notify_change -> ", file->f_op->fs_name, ": ", file->f_op->name, ".setattr");
      error = file->f_op->setattr(*file, change);
    } else {
      tr.step("notify_change -> ", inode->fs_name(), ": ", inode->i_op_name(), ".setattr");
      error = inode->setattr(change);
    }
    if (error < 0) return fail(req, tr, error);
    tr.end(0);
    getattr(req, ino, fi);  // the reply is the new attributes (its own trace line)
  }

  /// FUSE_READLINK → ->get_link.
  void readlink(fuse_req_t req, fuse_ino_t ino) {
    detail::request_trace tr(sink_, "FUSE_READLINK", ino);
    inode_ptr inode = nodes_.get(ino);
    if (!inode) return fail(req, tr, -ESTALE);
    tr.step("vfs_readlink -> ", inode->fs_name(), ": ", inode->i_op_name(), ".get_link");
    std::string target;
    if (const int error = inode->get_link(target); error < 0) return fail(req, tr, error);
    tr.end(static_cast<long>(target.size()));
    fuse_reply_readlink(req, target.c_str());
  }

  /// vfs_mknod(): a regular file is ->create's; kvfs has no other ->mknod.
  void mknod(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, dev_t) {
    detail::request_trace tr(sink_, "FUSE_MKNOD", parent);
    inode_ptr dir = nodes_.get(parent), child;
    if (!dir) return fail(req, tr, -ESTALE);
    if (!S_ISREG(mode)) return fail(req, tr, -EPERM);
    tr.step("vfs_create -> ", dir->fs_name(), ": ", dir->i_op_name(), ".create");
    if (const int error = dir->create(name, mode & 07777, child); error < 0) return fail(req, tr, error);
    reply_entry(req, tr, std::move(child));
  }

  /// FUSE_MKDIR → ->mkdir, then ->lookup.
  void mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
    detail::request_trace tr(sink_, "FUSE_MKDIR", parent);
    inode_ptr dir = nodes_.get(parent), child;
    if (!dir) return fail(req, tr, -ESTALE);
    tr.step("vfs_mkdir -> ", dir->fs_name(), ": ", dir->i_op_name(), ".mkdir");
    if (const int error = dir->mkdir(name, mode & 01777); error < 0) return fail(req, tr, error);
    if (const int error = dir->lookup(name, child); error < 0) return fail(req, tr, error);
    reply_entry(req, tr, std::move(child));
  }

  /// FUSE_UNLINK → ->unlink.
  void unlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
    detail::request_trace tr(sink_, "FUSE_UNLINK", parent);
    inode_ptr dir = nodes_.get(parent);
    if (!dir) return fail(req, tr, -ESTALE);
    tr.step("vfs_unlink -> ", dir->fs_name(), ": ", dir->i_op_name(), ".unlink");
    fail(req, tr, dir->unlink(name));
  }

  /// FUSE_RMDIR → ->rmdir.
  void rmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
    detail::request_trace tr(sink_, "FUSE_RMDIR", parent);
    inode_ptr dir = nodes_.get(parent);
    if (!dir) return fail(req, tr, -ESTALE);
    tr.step("vfs_rmdir -> ", dir->fs_name(), ": ", dir->i_op_name(), ".rmdir");
    fail(req, tr, dir->rmdir(name));
  }

  /// FUSE_SYMLINK → ->symlink, then ->lookup.
  void symlink(fuse_req_t req, const char* target, fuse_ino_t parent, const char* name) {
    detail::request_trace tr(sink_, "FUSE_SYMLINK", parent);
    inode_ptr dir = nodes_.get(parent), child;
    if (!dir) return fail(req, tr, -ESTALE);
    tr.step("vfs_symlink -> ", dir->fs_name(), ": ", dir->i_op_name(), ".symlink");
    if (const int error = dir->symlink(name, target); error < 0) return fail(req, tr, error);
    if (const int error = dir->lookup(name, child); error < 0) return fail(req, tr, error);
    reply_entry(req, tr, std::move(child));
  }

  /// FUSE_RENAME2 → ->rename with its flags.
  void rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t newparent, const char* newname,
              unsigned flags) {
    detail::request_trace tr(sink_, "FUSE_RENAME2", parent);
    inode_ptr from = nodes_.get(parent), to = nodes_.get(newparent);
    if (!from || !to) return fail(req, tr, -ESTALE);
    tr.step("vfs_rename -> ", from->fs_name(), ": ", from->i_op_name(), ".rename");
    fail(req, tr, from->rename(name, *to, newname, flags));
  }

  /// FUSE_LINK → ->link, then ->lookup.
  void link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char* newname) {
    detail::request_trace tr(sink_, "FUSE_LINK", ino);
    inode_ptr inode = nodes_.get(ino), dir = nodes_.get(newparent), child;
    if (!inode || !dir) return fail(req, tr, -ESTALE);
    tr.step("vfs_link -> ", dir->fs_name(), ": ", dir->i_op_name(), ".link");
    if (const int error = dir->link(*inode, newname); error < 0) return fail(req, tr, error);
    if (const int error = dir->lookup(newname, child); error < 0) return fail(req, tr, error);
    reply_entry(req, tr, std::move(child));
  }

  /// FUSE_OPEN → open_inode: a kvfs file behind the handle.
  void open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) { open_file(req, ino, fi, "FUSE_OPEN", fi->flags); }

  /// FUSE_OPENDIR → open_inode with O_DIRECTORY.
  void opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    open_file(req, ino, fi, "FUSE_OPENDIR", O_RDONLY | O_DIRECTORY);
  }

  /// FUSE_CREATE → ->create, then open_inode.
  void create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, fuse_file_info* fi);

  /// FUSE_READ → vfs_pread/vfs_read, or a splice from a host file.
  void read(fuse_req_t req, fuse_ino_t ino, std::size_t size, off_t off, fuse_file_info* fi);

  /// FUSE_WRITE → vfs_pwrite/vfs_write.
  void write(fuse_req_t req, fuse_ino_t ino, const char* data, std::size_t size, off_t off, fuse_file_info* fi);

  /// One descriptor of the file closed (filp_close()); the file lives on.
  void flush(fuse_req_t req, fuse_ino_t, fuse_file_info*) { fuse_reply_err(req, 0); }

  /// The last reference: __fput() → ->release.
  void release(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    detail::request_trace tr(sink_, "FUSE_RELEASE", ino);
    tr.step("__fput -> ->release");
    tr.end(release_handle(fi));
    fuse_reply_err(req, 0);
  }

  /// FUSE_FSYNC → vfs_fsync.
  void fsync(fuse_req_t req, fuse_ino_t ino, int, fuse_file_info* fi) {
    detail::request_trace tr(sink_, "FUSE_FSYNC", ino);
    any_file& file = *handle(fi);
    tr.step("vfs_fsync -> ", file.f_op->fs_name, ": ", file.f_op->name, ".fsync");
    fail(req, tr, kvfs::detail::vfs_fsync(file, *file.f_op));
  }

  /// FUSE_READDIR → iterate_dir from the kernel's d_off.
  void readdir(fuse_req_t req, fuse_ino_t ino, std::size_t size, off_t off, fuse_file_info* fi);

  /// FUSE_FSYNCDIR: nothing to write back.
  void fsyncdir(fuse_req_t req, fuse_ino_t, int, fuse_file_info*) { fuse_reply_err(req, 0); }

  /// FUSE_STATFS → super_operations::statfs.
  void statfs(fuse_req_t req, fuse_ino_t ino) {
    detail::request_trace tr(sink_, "FUSE_STATFS", ino);
    inode_ptr inode = nodes_.get(ino);
    if (!inode) inode = sb_->root_inode();
    tr.step("vfs_statfs -> ", inode->fs_name(), ": statfs");
    struct ::statfs st {};
    if (const int error = sb_->statfs(*inode, st); error < 0) return fail(req, tr, error);
    const struct ::statvfs out = detail::to_statvfs(st);
    tr.end(0);
    fuse_reply_statfs(req, &out);
  }

 private:
  static any_file* handle(fuse_file_info* fi) noexcept { return reinterpret_cast<any_file*>(fi->fh); }
  void set_handle(fuse_file_info* fi, file_ref file) {
    std::lock_guard guard(open_lock_);
    open_.insert(file.get());
    fi->fh = reinterpret_cast<std::uint64_t>(file.release());
  }
  int release_handle(fuse_file_info* fi) {
    file_ref file(handle(fi));
    fi->fh = 0;
    {
      std::lock_guard guard(open_lock_);
      open_.erase(file.get());
    }
    return file.reset();
  }

  // The reply of a request that answers only 0 or -errno (and of any that failed).
  static void fail(fuse_req_t req, detail::request_trace& tr, int result) {
    fuse_reply_err(req, -static_cast<int>(tr.end(result)));
  }

  fuse_entry_param entry_of(std::uint64_t id, const struct ::stat& st) const {
    fuse_entry_param entry{};
    entry.ino = id;
    entry.attr = st;
    entry.attr_timeout = opts_.timeout;
    entry.entry_timeout = opts_.timeout;
    return entry;
  }

  // A name the kernel will now hold: its attributes and one more lookup reference.
  void reply_entry(fuse_req_t req, detail::request_trace& tr, inode_ptr inode) {
    struct ::stat st {};
    if (const int error = inode->getattr(st); error < 0) return fail(req, tr, error);
    const fuse_entry_param entry = entry_of(nodes_.remember(std::move(inode), st), st);
    tr.end(0);
    if (fuse_reply_entry(req, &entry) != 0) nodes_.forget(entry.ino, 1);
  }

  int attributes(fuse_ino_t ino, fuse_file_info* fi, struct ::stat& st, detail::request_trace& tr) {
    if (fi != nullptr && fi->fh != 0) {
      any_file& file = *handle(fi);
      tr.step("vfs_fstat -> ", file.f_op->fs_name, ": ", file.f_op->name, ".getattr");
      return kvfs::detail::vfs_fstat(file, *file.f_op, st);
    }
    inode_ptr inode = nodes_.get(ino);
    if (!inode) return -ESTALE;
    tr.step("vfs_getattr -> ", inode->fs_name(), ": ", inode->i_op_name(), ".getattr");
    return inode->getattr(st);
  }

  // do_dentry_open() through the file system's open_inode, then O_TRUNC
  // (handle_truncate()), as do_open() runs them.
  int dentry_open(const inode_ptr& inode, int flags, file_ref& file, detail::request_trace& tr) {
    tr.step("do_dentry_open -> ", inode->fs_name(), ": open");
    if (const int error = sb_->open_inode(*inode, flags & ~(O_CREAT | O_EXCL | O_TRUNC), 0, file); error < 0) {
      return error;
    }
    file->f_mnt = sb_;
    file->f_dentry = inode;
    if ((flags & O_TRUNC) != 0 && S_ISREG(inode->i_mode))
      return inode->setattr(with_times({ATTR_SIZE | ATTR_MTIME | ATTR_CTIME, 0, 0}));
    return 0;
  }

  void open_file(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi, const char* opcode, int flags) {
    detail::request_trace tr(sink_, opcode, ino);
    inode_ptr inode = nodes_.get(ino);
    if (!inode) return fail(req, tr, -ESTALE);
    file_ref file;
    if (const int error = dentry_open(inode, flags, file, tr); error < 0) return fail(req, tr, error);
    // A file without a position (a FIFO, a socket), without positional
    // reads, or whose size says nothing of its contents is read and written
    // as it comes, uncached.
    const bool positional = (file->f_mode & FMODE_PREAD) != 0;
    if (!positional || (file->f_mode & FMODE_STREAM) != 0 || (!S_ISREG(inode->i_mode) && !S_ISDIR(inode->i_mode))) {
      fi->direct_io = 1;
      fi->nonseekable = (file->f_mode & FMODE_LSEEK) == 0;
    }
    set_handle(fi, std::move(file));
    tr.end(0);
    if (fuse_reply_open(req, fi) != 0) release_handle(fi);
  }

  std::shared_ptr<super_block> sb_;
  node_table nodes_;
  options opts_;
  detail::trace_sink sink_;
  std::mutex open_lock_;
  std::set<any_file*> open_;  // the file handles the kernel holds
};

}  // namespace kvfs::fuse

#include <kvfs/fuse/detail/file_requests.hpp>
#include <kvfs/fuse/detail/operations.hpp>
