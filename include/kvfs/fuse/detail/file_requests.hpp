// SPDX-License-Identifier: BSL-1.0
// kvfs/fuse/detail/file_requests.hpp - the bridge's handlers that move a
// file's data or make one: FUSE_CREATE (->create, then the open),
// FUSE_READ (vfs_read, or a splice from a host file) and FUSE_WRITE.
#pragma once

#include <kvfs/fuse/bridge.hpp>

#include <kvfs/detail/vfs.hpp>

#include <fcntl.h>
#include <sys/stat.h>

#include <cstddef>
#include <span>
#include <vector>

namespace kvfs::fuse {

// FUSE_CREATE → ->create, then open_inode.
inline void bridge::create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, fuse_file_info* fi) {
  detail::request_trace tr(sink_, "FUSE_CREATE", parent);
  inode_ptr dir = nodes_.get(parent), child;
  if (!dir) return fail(req, tr, -ESTALE);
  tr.step("vfs_create -> ", dir->fs_name(), ": ", dir->i_op_name(), ".create");
  if (const int error = dir->create(name, mode & 07777, child); error < 0) return fail(req, tr, error);
  file_ref file;
  if (const int error = dentry_open(child, fi->flags, file, tr); error < 0) return fail(req, tr, error);
  struct ::stat st {};
  if (const int error = child->getattr(st); error < 0) return fail(req, tr, error);
  fuse_entry_param entry = entry_of(nodes_.remember(child, st), st);
  set_handle(fi, std::move(file));
  tr.end(0);
  if (fuse_reply_create(req, &entry, fi) != 0) release_handle(fi);
}

// FUSE_READ → vfs_pread/vfs_read, or a splice from a host file.
inline void bridge::read(fuse_req_t req, fuse_ino_t ino, std::size_t size, off_t off, fuse_file_info* fi) {
  detail::request_trace tr(sink_, "FUSE_READ", ino);
  any_file& file = *handle(fi);
  const bool positional = (file.f_mode & FMODE_PREAD) != 0;
  if (positional && (file.f_mode & FMODE_READ) != 0 && file.f_op->host_fd != nullptr) {
    // A host file: the host moves its pages into the reply (splice),
    // as kvfs::copy does between host descriptors.
    if (const int error = kvfs::detail::rw_verify_area(&off, size); error < 0) return fail(req, tr, error);
    tr.step("vfs_read -> ", file.f_op->fs_name, ": ", file.f_op->name, ".host_fd -> splice");
    fuse_bufvec data{};  // FUSE_BUFVEC_INIT(size), which is C
    data.count = 1;
    data.buf[0].size = size;
    data.buf[0].flags = static_cast<fuse_buf_flags>(FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK);
    data.buf[0].fd = file.f_op->host_fd(file);
    data.buf[0].pos = off;
    tr.end(static_cast<long>(size));
    fuse_reply_data(req, &data, FUSE_BUF_SPLICE_MOVE);
    return;
  }
  std::vector<std::byte> buf(size);
  tr.step("vfs_read -> ", file.f_op->fs_name, ": ", file.f_op->name, ".read");
  const ssize_t n =
      positional ? kvfs::detail::vfs_pread(file, *file.f_op, buf, off) : kvfs::detail::vfs_read(file, *file.f_op, buf);
  if (n < 0) return fail(req, tr, static_cast<int>(n));
  tr.end(n);
  fuse_reply_buf(req, reinterpret_cast<const char*>(buf.data()), static_cast<std::size_t>(n));
}

// FUSE_WRITE → vfs_pwrite/vfs_write.
inline void bridge::write(fuse_req_t req, fuse_ino_t ino, const char* data, std::size_t size, off_t off,
                          fuse_file_info* fi) {
  detail::request_trace tr(sink_, "FUSE_WRITE", ino);
  any_file& file = *handle(fi);
  const std::span<const std::byte> buf(reinterpret_cast<const std::byte*>(data), size);
  tr.step("vfs_write -> ", file.f_op->fs_name, ": ", file.f_op->name, ".write");
  const ssize_t n = (file.f_mode & FMODE_PWRITE) != 0 ? kvfs::detail::vfs_pwrite(file, *file.f_op, buf, off)
                                                      : kvfs::detail::vfs_write(file, *file.f_op, buf);
  if (n < 0) return fail(req, tr, static_cast<int>(n));
  tr.end(n);
  fuse_reply_write(req, static_cast<std::size_t>(n));
}

}  // namespace kvfs::fuse
