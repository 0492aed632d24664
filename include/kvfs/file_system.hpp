// SPDX-License-Identifier: BSL-1.0
// kvfs/file_system.hpp - what a file-system type is, and what its
// file_operations policy can do.
//
// A file-system type (the kernel's `struct file_system_type`) is a class with
//
//   static constexpr auto name = kvfs::name_c<"myfs">;  // compile-time name
//   using private_data = ...;       // per-open-file state (file->private_data)
//   using file_operations = ...;    // the policy: static member functions
//   static constexpr unsigned fs_flags = ...;  // optional: FS_REQUIRES_DEV, FS_PSEUDO
//
// Every operation of the policy is optional, as every member of the kernel's
// `struct file_operations` is. Which ones it defines is the type's capability
// set, checked here at compile time. Each operation takes the open `file`
// first, as the kernel's take a `struct file *`; write them as templates over
// it (`static ssize_t write(auto& file, std::span<const std::byte>)`) so they
// serve a traced and an untraced file alike. They return what the kernel's
// do: a count or offset, or a negative errno.
//
//   operation                                   kernel member   if absent
//   read(file, span<byte>) -> ssize_t           read            read_iter, else EINVAL
//   write(file, span<const byte>) -> ssize_t    write           write_iter, else EINVAL
//   read_iter(file, span<const iovec>)          read_iter       read per segment
//   write_iter(file, span<const iovec>)         write_iter      write per segment
//   pread(file, span<byte>, loff_t)             read + *pos     ESPIPE
//   pwrite(file, span<const byte>, loff_t)      write + *pos    ESPIPE
//   llseek(file, loff_t, int whence) -> loff_t  llseek          ESPIPE
//   fsync(file) -> int                          fsync           EINVAL
//   poll(file) -> short                         poll            DEFAULT_POLLMASK
//   getattr(file, struct stat&) -> int          i_op->getattr   EINVAL
//   release(file) -> int                        release         nothing to do
//   host_fd(file) -> int                        (kvfs only)     no host descriptor
//
// host_fd names the host descriptor that carries the file's data, so that
// kvfs::copy can ask the host kernel for splice(2), sendfile(2) or
// copy_file_range(2); the kernel has no such member (its splice_read and
// splice_write play that part inside one kernel).
//
// A type may also own the hooks the rest of kvfs calls, each optional:
//   static int mount(std::string_view source, int flags,
//                    std::shared_ptr<kvfs::super_block>& sb);  // <kvfs/super_block.hpp>
//   static constexpr unsigned major = 1, minor = 3;  // a character device (fs/char_dev.hpp)
//   using erased = ...; static erased::private_data erase(private_data&&);
//       // what its files become in the descriptor table (sockfs<tcp> -> sockfs<any_proto>)
#pragma once

#include <kvfs/file.hpp>
#include <kvfs/iattr.hpp>
#include <kvfs/name.hpp>
#include <kvfs/trace.hpp>

#include <boost/hana/core/tag_of.hpp>
#include <boost/hana/string.hpp>

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <concepts>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

namespace kvfs {

// file_system_type.fs_flags: FS_REQUIRES_DEV has the kernel's value;
// FS_PSEUDO stands for what init_pseudo() gives a pseudo file system
// (SB_NOUSER: it has an internal mount only, and mount(2) refuses it).
inline constexpr unsigned FS_REQUIRES_DEV = 1;
inline constexpr unsigned FS_PSEUDO = 1u << 30;

/// A file-system type: a compile-time name, a per-open-file state and a
/// file_operations policy class.
template <class Fs>
concept file_system_type = requires {
  Fs::name;
  typename Fs::private_data;
  typename Fs::file_operations;
}
&&std::is_same_v<boost::hana::tag_of_t<std::remove_cvref_t<decltype(Fs::name)>>, boost::hana::string_tag>&&
    std::is_class_v<typename Fs::file_operations>&& std::movable<typename Fs::private_data>;

/// The open file an operation of `Fs` receives when kvfs checks a capability.
template <class Fs>
using probe_file = file<Fs, no_trace>;

template <class Fs>
using file_operations_of = typename Fs::file_operations;

// One concept per operation: does the policy define it, with the kernel's shape?
template <class Fs, class File = probe_file<Fs>>
concept has_read = requires(File& f, std::span<std::byte> buf) {
  { file_operations_of<Fs>::read(f, buf) } -> std::same_as<ssize_t>;
};
template <class Fs, class File = probe_file<Fs>>
concept has_write = requires(File& f, std::span<const std::byte> buf) {
  { file_operations_of<Fs>::write(f, buf) } -> std::same_as<ssize_t>;
};
template <class Fs, class File = probe_file<Fs>>
concept has_read_iter = requires(File& f, std::span<const ::iovec> iov) {
  { file_operations_of<Fs>::read_iter(f, iov) } -> std::same_as<ssize_t>;
};
template <class Fs, class File = probe_file<Fs>>
concept has_write_iter = requires(File& f, std::span<const ::iovec> iov) {
  { file_operations_of<Fs>::write_iter(f, iov) } -> std::same_as<ssize_t>;
};
template <class Fs, class File = probe_file<Fs>>
concept has_pread = requires(File& f, std::span<std::byte> buf, loff_t pos) {
  { file_operations_of<Fs>::pread(f, buf, pos) } -> std::same_as<ssize_t>;
};
template <class Fs, class File = probe_file<Fs>>
concept has_pwrite = requires(File& f, std::span<const std::byte> buf, loff_t pos) {
  { file_operations_of<Fs>::pwrite(f, buf, pos) } -> std::same_as<ssize_t>;
};
template <class Fs, class File = probe_file<Fs>>
concept has_llseek = requires(File& f, loff_t offset, int whence) {
  { file_operations_of<Fs>::llseek(f, offset, whence) } -> std::same_as<loff_t>;
};
template <class Fs, class File = probe_file<Fs>>
concept has_fsync = requires(File& f) {
  { file_operations_of<Fs>::fsync(f) } -> std::same_as<int>;
};
template <class Fs, class File = probe_file<Fs>>
concept has_poll = requires(File& f) {
  { file_operations_of<Fs>::poll(f) } -> std::same_as<short>;
};
/// poll_wait(): the host descriptor whose readiness wakes the file's wait
/// queue (kvfs's stand-in for the kernel's poll_wait(file, &wq, p)): where an
/// asynchronous operation waits when the file is not ready. A file without
/// it is always ready, as the kernel's DEFAULT_POLLMASK says.
template <class Fs, class File = probe_file<Fs>>
concept has_poll_wait = requires(File& f) {
  { file_operations_of<Fs>::poll_wait(f) } -> std::same_as<int>;
};
/// setfl(): mirrors a change of the status flags (fcntl F_SETFL: O_NONBLOCK,
/// O_APPEND) onto what backs the file, as the kernel's setfl() changes
/// f_flags; a file without it keeps the flags in f_flags only.
template <class Fs, class File = probe_file<Fs>>
concept has_setfl = requires(File& f, int flags) {
  { file_operations_of<Fs>::setfl(f, flags) } -> std::same_as<int>;
};
/// fasync(): the file can signal readiness (O_ASYNC); it sets or clears
/// FASYNC in f_flags, as fasync_helper() does, and returns 0 or -errno. A
/// file without it keeps F_SETFL's O_ASYNC out of its flags, as Linux does.
template <class Fs, class File = probe_file<Fs>>
concept has_fasync = requires(File& f, bool on) {
  { file_operations_of<Fs>::fasync(f, on) } -> std::same_as<int>;
};
/// iterate_shared(): a directory's entries as getdents64(2) records
/// (struct linux_dirent64) from the file's position; the bytes filled, 0 at
/// the end, -EINVAL when not even one record fits. A file without it is
/// not a directory one can read (ENOTDIR).
template <class Fs, class File = probe_file<Fs>>
concept has_iterate_shared = requires(File& f, std::span<std::byte> buf) {
  { file_operations_of<Fs>::iterate_shared(f, buf) } -> std::same_as<ssize_t>;
};
template <class Fs, class File = probe_file<Fs>>
concept has_getattr = requires(File& f, struct ::stat& st) {
  { file_operations_of<Fs>::getattr(f, st) } -> std::same_as<int>;
};
/// setattr: an open file's inode changed through the file (ftruncate,
/// fchmod, futimens: the kernel's ATTR_FILE), so a file system can use
/// what the file holds (a host descriptor, where the name may be gone).
template <class Fs, class File = probe_file<Fs>>
concept has_file_setattr = requires(File& f, const iattr& attr) {
  { file_operations_of<Fs>::setattr(f, attr) } -> std::same_as<int>;
};
template <class Fs, class File = probe_file<Fs>>
concept has_release = requires(File& f) {
  { file_operations_of<Fs>::release(f) } -> std::same_as<int>;
};
template <class Fs, class File = probe_file<Fs>>
concept has_host_fd = requires(File& f) {
  { file_operations_of<Fs>::host_fd(f) } -> std::same_as<int>;
};

/// splice_read: the file can feed a pipe, so it can be sendfile(2)'s input
/// (the kernel's ->splice_read; kvfs copies through read, so the policy
/// only says it: `static constexpr bool splice_read = true;`). Pipes,
/// directories and /dev/null have none: sendfile from them is EINVAL.
template <class Fs>
concept has_splice_read = requires {
  requires file_operations_of<Fs>::splice_read;
};

/// splice_write: the file can take a pipe's pages, so it can be
/// sendfile(2)'s output when that is not a pipe (the kernel's
/// ->splice_write): `static constexpr bool splice_write = true;`. /dev/full
/// has none: sendfile of data to it is EINVAL.
template <class Fs>
concept has_splice_write = requires {
  requires file_operations_of<Fs>::splice_write;
};

/// reads_leave_pos: reading does not move the position (read_iter_zero()
/// leaves kiocb->ki_pos alone), so sendfile(2) from the file leaves its
/// *offset where it was: `static constexpr bool reads_leave_pos = true;`.
template <class Fs>
concept has_reads_leave_pos = requires {
  requires file_operations_of<Fs>::reads_leave_pos;
};

// The capabilities the VFS derives from the table (FMODE_CAN_READ/WRITE).
template <class Fs>
concept can_read = has_read<Fs> || has_read_iter<Fs>;
template <class Fs>
concept can_write = has_write<Fs> || has_write_iter<Fs>;

/// The file_system_type.fs_flags of `Fs` (0 when it declares none).
template <file_system_type Fs>
constexpr unsigned fs_flags() noexcept {
  if constexpr (requires { Fs::fs_flags; }) {
    return Fs::fs_flags;
  } else {
    return 0;
  }
}

/// The type's name as a run-time string.
template <file_system_type Fs>
inline constexpr std::string_view fs_name = to_string_view(Fs::name);

/// The name of the type's operations table (`socket_file_ops`); policies
/// without a `name` member are shown as `file_operations`.
template <file_system_type Fs>
inline constexpr std::string_view f_op_name = [] {
  if constexpr (requires { std::string_view(file_operations_of<Fs>::name); }) {
    return std::string_view(file_operations_of<Fs>::name);
  } else {
    return std::string_view("file_operations");
  }
}();

/// The FMODE_* capability bits a file of `Fs` gets when it is opened: the
/// kernel derives them from which members the table sets (do_dentry_open).
template <file_system_type Fs>
constexpr fmode_t capability_fmode() noexcept {
  fmode_t mode = FMODE_OPENED;
  if constexpr (can_read<Fs>) mode |= FMODE_CAN_READ;
  if constexpr (can_write<Fs>) mode |= FMODE_CAN_WRITE;
  if constexpr (has_llseek<Fs>) mode |= FMODE_LSEEK;
  if constexpr (has_pread<Fs>) mode |= FMODE_PREAD;
  if constexpr (has_pwrite<Fs>) mode |= FMODE_PWRITE;
  if constexpr (!has_llseek<Fs> && !has_pread<Fs> && !has_pwrite<Fs>) mode |= FMODE_STREAM;
  return mode;
}

/// A file's f_mode as do_dentry_open() sets it: an O_PATH file is only a
/// place in the tree (FMODE_PATH, no I/O, ->open never runs); any other has
/// its access bits and its table's capabilities.
template <file_system_type Fs>
constexpr fmode_t dentry_open_fmode(int f_flags) noexcept {
  if ((f_flags & O_PATH) != 0) return FMODE_PATH | FMODE_OPENED;
  return open_fmode(f_flags) | capability_fmode<Fs>();
}

/// The operations the type's table defines, space-separated, in the order
/// of the kernel's struct file_operations.
template <file_system_type Fs>
std::string capabilities() {
  std::string out;
  auto add = [&out](bool present, std::string_view op) {
    if (!present) return;
    if (!out.empty()) out += ' ';
    out += op;
  };
  add(has_llseek<Fs>, "llseek");
  add(has_read<Fs>, "read");
  add(has_write<Fs>, "write");
  add(has_read_iter<Fs>, "read_iter");
  add(has_write_iter<Fs>, "write_iter");
  add(has_pread<Fs>, "pread");
  add(has_pwrite<Fs>, "pwrite");
  add(has_poll<Fs>, "poll");
  add(has_poll_wait<Fs>, "poll_wait");
  add(has_setfl<Fs>, "setfl");
  add(has_fasync<Fs>, "fasync");
  add(has_iterate_shared<Fs>, "iterate_shared");
  add(has_fsync<Fs>, "fsync");
  add(has_getattr<Fs>, "getattr");
  add(has_file_setattr<Fs>, "setattr");
  add(has_release<Fs>, "release");
  add(has_splice_write<Fs>, "splice_write");
  add(has_splice_read<Fs>, "splice_read");
  add(has_host_fd<Fs>, "host_fd");
  return out;
}

}  // namespace kvfs
