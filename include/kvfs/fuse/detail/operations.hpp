// SPDX-License-Identifier: BSL-1.0
// kvfs/fuse/detail/operations.hpp - bridge::readdir (linux_dirent64
// records turned into FUSE's, resumable at each record's d_off) and the
// fuse_lowlevel_ops table whose members call the bridge's handlers.
#pragma once

#include <kvfs/dirent.hpp>
#include <kvfs/fuse/bridge.hpp>

#include <dirent.h>

#include <cstdint>
#include <cstring>
#include <vector>

namespace kvfs::fuse {

namespace detail {
// A handler of `bridge`, as a function libfuse can call: the bridge is the
// session's userdata.
template <auto Handler>
struct trampoline;

template <class... Args, void (bridge::*Handler)(fuse_req_t, Args...)>
struct trampoline<Handler> {
  static void call(fuse_req_t req, Args... args) {
    (static_cast<bridge*>(fuse_req_userdata(req))->*Handler)(req, args...);
  }
};
}  // namespace detail

// iterate_dir() from the position the kernel asks for (its last d_off):
// each linux_dirent64 record becomes a FUSE dirent until the reply is full.
inline void bridge::readdir(fuse_req_t req, fuse_ino_t ino, std::size_t size, off_t off, fuse_file_info* fi) {
  detail::request_trace tr(sink_, "FUSE_READDIR", ino);
  any_file& dir = *handle(fi);
  tr.step("vfs_llseek");  // the kernel's last d_off: where this read starts
  if (const loff_t r = kvfs::detail::vfs_llseek(dir, *dir.f_op, off, SEEK_SET); r < 0) {
    return fail(req, tr, static_cast<int>(r));
  }
  // A FUSE record is at most 4/3 of a linux_dirent64 one (24 + name against
  // 19 + name + NUL, each rounded to 8): 3/4 of the reply's size in records
  // always fits, so the position left is the last d_off sent.
  std::vector<std::byte> records(size * 3 / 4);
  std::vector<char> reply(size);
  tr.step("iterate_dir -> ", dir.f_op->fs_name, ": ", dir.f_op->name, ".iterate_shared");
  const ssize_t got = kvfs::detail::iterate_dir(dir, *dir.f_op, records);
  if (got < 0) return fail(req, tr, static_cast<int>(got));
  std::size_t used = 0;
  for_each_dirent(std::span(records).first(static_cast<std::size_t>(got)), [&](const dirent64& d) {
    struct ::stat st {};
    st.st_ino = d.d_ino;
    st.st_mode = static_cast<mode_t>(DTTOIF(d.d_type));
    const std::string name(d.d_name);
    const std::size_t need = fuse_add_direntry(req, reply.data() + used, size - used, name.c_str(), &st, d.d_off);
    if (need <= size - used) used += need;  // always (see above)
  });
  tr.end(static_cast<long>(used));
  fuse_reply_buf(req, reply.data(), used);
}

inline const fuse_lowlevel_ops& bridge::operations() noexcept {
  static const fuse_lowlevel_ops ops = [] {
    fuse_lowlevel_ops o{};
    o.lookup = detail::trampoline<&bridge::lookup>::call;
    o.forget = detail::trampoline<&bridge::forget>::call;
    o.forget_multi = detail::trampoline<&bridge::forget_multi>::call;
    o.getattr = detail::trampoline<&bridge::getattr>::call;
    o.setattr = detail::trampoline<&bridge::setattr>::call;
    o.readlink = detail::trampoline<&bridge::readlink>::call;
    o.mknod = detail::trampoline<&bridge::mknod>::call;
    o.mkdir = detail::trampoline<&bridge::mkdir>::call;
    o.unlink = detail::trampoline<&bridge::unlink>::call;
    o.rmdir = detail::trampoline<&bridge::rmdir>::call;
    o.symlink = detail::trampoline<&bridge::symlink>::call;
    o.rename = detail::trampoline<&bridge::rename>::call;
    o.link = detail::trampoline<&bridge::link>::call;
    o.open = detail::trampoline<&bridge::open>::call;
    o.read = detail::trampoline<&bridge::read>::call;
    o.write = detail::trampoline<&bridge::write>::call;
    o.flush = detail::trampoline<&bridge::flush>::call;
    o.release = detail::trampoline<&bridge::release>::call;
    o.fsync = detail::trampoline<&bridge::fsync>::call;
    o.opendir = detail::trampoline<&bridge::opendir>::call;
    o.readdir = detail::trampoline<&bridge::readdir>::call;
    o.releasedir = detail::trampoline<&bridge::release>::call;
    o.fsyncdir = detail::trampoline<&bridge::fsyncdir>::call;
    o.statfs = detail::trampoline<&bridge::statfs>::call;
    o.create = detail::trampoline<&bridge::create>::call;
    return o;
  }();
  return ops;
}

}  // namespace kvfs::fuse
