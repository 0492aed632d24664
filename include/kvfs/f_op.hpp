// SPDX-License-Identifier: BSL-1.0
// kvfs/f_op.hpp - the operations table generated from a policy at compile
// time: the kernel's `static const struct file_operations socket_file_ops`.
//
// Names: `file_operations` is only ever the policy a type declares; `f_op`
// is a table generated from it. Two shapes of one table, both read by the
// same VFS code: the descriptor table (fd_table) keeps a pointer to each
// open file's basic_f_op and calls through its function pointers, as the
// kernel does; a descriptor<Fs> uses static_f_op<Fs>, whose
// members are direct calls and whose absent members compare equal to
// nullptr at compile time, so every test folds away. A member the policy
// lacks is null, which the VFS turns into the kernel's answer (no write:
// EINVAL; no llseek: ESPIPE).
#pragma once

#include <kvfs/file.hpp>
#include <kvfs/file_system.hpp>

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstddef>
#include <span>
#include <string_view>
#include <utility>

namespace kvfs {

/// struct file_operations for files of type `File`: one function pointer per
/// operation, null where the policy does not define it.
template <class File>
struct basic_f_op {
  std::string_view fs_name;  ///< the owner: file_system_type.name
  std::string_view name;     ///< the table's own name, e.g. socket_file_ops
  // The operations: the policy's member of that name, or null where it has
  // none (the VFS then answers with the kernel's errno).
  loff_t (*llseek)(File&, loff_t, int) = nullptr;                 ///< ->llseek: lseek(2): the new position
  ssize_t (*read)(File&, std::span<std::byte>) = nullptr;         ///< ->read: read(2) into one buffer
  ssize_t (*write)(File&, std::span<const std::byte>) = nullptr;  ///< ->write: write(2) from one buffer
  ssize_t (*read_iter)(File&,
                       std::span<const ::iovec>) = nullptr;  ///< ->read_iter: readv(2), and read(2) without ->read
  ssize_t (*write_iter)(File&,
                        std::span<const ::iovec>) = nullptr;  ///< ->write_iter: writev(2), and write(2) without ->write
  ssize_t (*pread)(File&, std::span<std::byte>, loff_t) = nullptr;         ///< ->pread: pread64(2) at a position
  ssize_t (*pwrite)(File&, std::span<const std::byte>, loff_t) = nullptr;  ///< ->pwrite: pwrite64(2) at a position
  short (*poll)(File&) = nullptr;                                          ///< ->poll: what the file is ready for now
  int (*poll_wait)(File&) = nullptr;     ///< ->poll_wait: the host descriptor to wait on
  int (*setfl)(File&, int) = nullptr;    ///< ->setfl: fcntl(F_SETFL) mirrored onto what backs the file
  int (*fasync)(File&, bool) = nullptr;  ///< ->fasync: O_ASYNC on or off
  ssize_t (*iterate_shared)(File&, std::span<std::byte>) =
      nullptr;                                      ///< ->iterate_shared: getdents64(2) records from the position
  int (*fsync)(File&) = nullptr;                    ///< ->fsync: fsync(2)
  int (*getattr)(File&, struct ::stat&) = nullptr;  ///< ->getattr: fstat(2)
  int (*setattr)(File&, const iattr&) = nullptr;  ///< ->setattr: an attribute change through the open file (ATTR_FILE)
  int (*release)(File&) = nullptr;                ///< ->release: the last close (__fput)
  int (*host_fd)(File&) = nullptr;  ///< ->host_fd: the host descriptor carrying the data, for splice and sendfile
  bool splice_write = false;        ///< can be sendfile's output (->splice_write)
  bool splice_read = false;         ///< can be sendfile's input (->splice_read)
  bool reads_leave_pos = false;     ///< a read does not move the position (/dev/zero)
};

/// Generates the table of `Fs` for files of type `File`; each entry casts
/// the file to `Concrete`, the type the policy's operations receive.
template <file_system_type Fs, class File, class Concrete = File>
constexpr basic_f_op<File> generate_f_op() noexcept {
  using ops = file_operations_of<Fs>;
  basic_f_op<File> table{fs_name<Fs>, f_op_name<Fs>};
  if constexpr (has_llseek<Fs>) {
    table.llseek = [](File& f, loff_t offset, int whence) {
      return ops::llseek(static_cast<Concrete&>(f), offset, whence);
    };
  }
  if constexpr (has_read<Fs>) {
    table.read = [](File& f, std::span<std::byte> buf) { return ops::read(static_cast<Concrete&>(f), buf); };
  }
  if constexpr (has_write<Fs>) {
    table.write = [](File& f, std::span<const std::byte> buf) { return ops::write(static_cast<Concrete&>(f), buf); };
  }
  if constexpr (has_read_iter<Fs>) {
    table.read_iter = [](File& f, std::span<const ::iovec> iov) {
      return ops::read_iter(static_cast<Concrete&>(f), iov);
    };
  }
  if constexpr (has_write_iter<Fs>) {
    table.write_iter = [](File& f, std::span<const ::iovec> iov) {
      return ops::write_iter(static_cast<Concrete&>(f), iov);
    };
  }
  if constexpr (has_pread<Fs>) {
    table.pread = [](File& f, std::span<std::byte> buf, loff_t pos) {
      return ops::pread(static_cast<Concrete&>(f), buf, pos);
    };
  }
  if constexpr (has_pwrite<Fs>) {
    table.pwrite = [](File& f, std::span<const std::byte> buf, loff_t pos) {
      return ops::pwrite(static_cast<Concrete&>(f), buf, pos);
    };
  }
  if constexpr (has_poll<Fs>) {
    table.poll = [](File& f) { return ops::poll(static_cast<Concrete&>(f)); };
  }
  if constexpr (has_poll_wait<Fs>) {
    table.poll_wait = [](File& f) { return ops::poll_wait(static_cast<Concrete&>(f)); };
  }
  if constexpr (has_setfl<Fs>) {
    table.setfl = [](File& f, int flags) { return ops::setfl(static_cast<Concrete&>(f), flags); };
  }
  if constexpr (has_fasync<Fs>) {
    table.fasync = [](File& f, bool on) { return ops::fasync(static_cast<Concrete&>(f), on); };
  }
  if constexpr (has_iterate_shared<Fs>) {
    table.iterate_shared = [](File& f, std::span<std::byte> buf) {
      return ops::iterate_shared(static_cast<Concrete&>(f), buf);
    };
  }
  if constexpr (has_fsync<Fs>) {
    table.fsync = [](File& f) { return ops::fsync(static_cast<Concrete&>(f)); };
  }
  if constexpr (has_getattr<Fs>) {
    table.getattr = [](File& f, struct ::stat& st) { return ops::getattr(static_cast<Concrete&>(f), st); };
  }
  if constexpr (has_file_setattr<Fs>) {
    table.setattr = [](File& f, const iattr& attr) { return ops::setattr(static_cast<Concrete&>(f), attr); };
  }
  if constexpr (has_release<Fs>) {
    table.release = [](File& f) { return ops::release(static_cast<Concrete&>(f)); };
  }
  if constexpr (has_host_fd<Fs>) {
    table.host_fd = [](File& f) { return ops::host_fd(static_cast<Concrete&>(f)); };
  }
  table.splice_write = has_splice_write<Fs>;
  table.splice_read = has_splice_read<Fs>;
  table.reads_leave_pos = has_reads_leave_pos<Fs>;
  return table;
}

namespace detail {
// One member: present (callable) or absent (== nullptr, never called).
template <bool Present, class Call>
struct f_op_entry {
  friend constexpr bool operator==(f_op_entry, std::nullptr_t) noexcept { return !Present; }
  template <class File, class... Args>
  decltype(auto) operator()(File& file, Args&&... args) const {
    return Call::call(file, std::forward<Args>(args)...);
  }
};

// Each member of static_f_op: the policy's operation, or the errno the VFS
// gives when the table has none (never called: the entry is == nullptr).
template <class Fs>
struct llseek_call {
  using ops = file_operations_of<Fs>;
  static loff_t call(auto& file, loff_t offset, int whence) {
    if constexpr (has_llseek<Fs>) {
      return ops::llseek(file, offset, whence);
    } else {
      return -ESPIPE;
    }
  }
};

template <class Fs>
struct read_call {
  using ops = file_operations_of<Fs>;
  static ssize_t call(auto& file, std::span<std::byte> buf) {
    if constexpr (has_read<Fs>) {
      return ops::read(file, buf);
    } else {
      return -EINVAL;
    }
  }
};

template <class Fs>
struct write_call {
  using ops = file_operations_of<Fs>;
  static ssize_t call(auto& file, std::span<const std::byte> buf) {
    if constexpr (has_write<Fs>) {
      return ops::write(file, buf);
    } else {
      return -EINVAL;
    }
  }
};

template <class Fs>
struct read_iter_call {
  using ops = file_operations_of<Fs>;
  static ssize_t call(auto& file, std::span<const ::iovec> iov) {
    if constexpr (has_read_iter<Fs>) {
      return ops::read_iter(file, iov);
    } else {
      return -EINVAL;
    }
  }
};

template <class Fs>
struct write_iter_call {
  using ops = file_operations_of<Fs>;
  static ssize_t call(auto& file, std::span<const ::iovec> iov) {
    if constexpr (has_write_iter<Fs>) {
      return ops::write_iter(file, iov);
    } else {
      return -EINVAL;
    }
  }
};

template <class Fs>
struct pread_call {
  using ops = file_operations_of<Fs>;
  static ssize_t call(auto& file, std::span<std::byte> buf, loff_t pos) {
    if constexpr (has_pread<Fs>) {
      return ops::pread(file, buf, pos);
    } else {
      return -ESPIPE;
    }
  }
};

template <class Fs>
struct pwrite_call {
  using ops = file_operations_of<Fs>;
  static ssize_t call(auto& file, std::span<const std::byte> buf, loff_t pos) {
    if constexpr (has_pwrite<Fs>) {
      return ops::pwrite(file, buf, pos);
    } else {
      return -ESPIPE;
    }
  }
};

template <class Fs>
struct poll_call {
  using ops = file_operations_of<Fs>;
  static short call(auto& file) {
    if constexpr (has_poll<Fs>) {
      return ops::poll(file);
    } else {
      return short{0};
    }
  }
};

template <class Fs>
struct poll_wait_call {
  using ops = file_operations_of<Fs>;
  static int call(auto& file) {
    if constexpr (has_poll_wait<Fs>) {
      return ops::poll_wait(file);
    } else {
      return -1;
    }
  }
};

template <class Fs>
struct setfl_call {
  using ops = file_operations_of<Fs>;
  static int call(auto& file, int flags) {
    if constexpr (has_setfl<Fs>) {
      return ops::setfl(file, flags);
    } else {
      return 0;
    }
  }
};

template <class Fs>
struct fasync_call {
  using ops = file_operations_of<Fs>;
  static int call(auto& file, bool on) {
    if constexpr (has_fasync<Fs>) {
      return ops::fasync(file, on);
    } else {
      return 0;
    }
  }
};

template <class Fs>
struct iterate_shared_call {
  using ops = file_operations_of<Fs>;
  static ssize_t call(auto& file, std::span<std::byte> buf) {
    if constexpr (has_iterate_shared<Fs>) {
      return ops::iterate_shared(file, buf);
    } else {
      return -ENOTDIR;
    }
  }
};

template <class Fs>
struct fsync_call {
  using ops = file_operations_of<Fs>;
  static int call(auto& file) {
    if constexpr (has_fsync<Fs>) {
      return ops::fsync(file);
    } else {
      return -EINVAL;
    }
  }
};

template <class Fs>
struct getattr_call {
  using ops = file_operations_of<Fs>;
  static int call(auto& file, struct ::stat& st) {
    if constexpr (has_getattr<Fs>) {
      return ops::getattr(file, st);
    } else {
      return -EINVAL;
    }
  }
};

template <class Fs>
struct release_call {
  using ops = file_operations_of<Fs>;
  static int call(auto& file) {
    if constexpr (has_release<Fs>) {
      return ops::release(file);
    } else {
      return 0;
    }
  }
};

template <class Fs>
struct host_fd_call {
  using ops = file_operations_of<Fs>;
  static int call(auto& file) {
    if constexpr (has_host_fd<Fs>) {
      return ops::host_fd(file);
    } else {
      return -1;
    }
  }
};
}  // namespace detail

/// The table a descriptor<Fs> calls: the same members, but each one a call
/// the compiler sees through (no function pointer), and a member the
/// policy lacks compares equal to nullptr at compile time. The VFS code is
/// shared with the descriptor table, which passes a basic_f_op.
template <file_system_type Fs>
struct static_f_op {
  using ops = file_operations_of<Fs>;                               ///< the policy
  static constexpr std::string_view fs_name = kvfs::fs_name<Fs>;    ///< the owner: file_system_type.name
  static constexpr std::string_view name = f_op_name<Fs>;           ///< the table's own name, e.g. socket_file_ops
  static constexpr bool splice_write = has_splice_write<Fs>;        ///< can be sendfile's output
  static constexpr bool splice_read = has_splice_read<Fs>;          ///< can be sendfile's input
  static constexpr bool reads_leave_pos = has_reads_leave_pos<Fs>;  ///< a read does not move the position
  // The operations: each calls the policy's member of that name, or
  // compares equal to nullptr when the policy has none.
  static constexpr detail::f_op_entry<has_llseek<Fs>, detail::llseek_call<Fs>> llseek{};  ///< ->llseek, or == nullptr
  static constexpr detail::f_op_entry<has_read<Fs>, detail::read_call<Fs>> read{};        ///< ->read, or == nullptr
  static constexpr detail::f_op_entry<has_write<Fs>, detail::write_call<Fs>> write{};     ///< ->write, or == nullptr
  static constexpr detail::f_op_entry<has_read_iter<Fs>, detail::read_iter_call<Fs>>
      read_iter{};  ///< ->read_iter, or == nullptr
  static constexpr detail::f_op_entry<has_write_iter<Fs>, detail::write_iter_call<Fs>>
      write_iter{};                                                                    ///< ->write_iter, or == nullptr
  static constexpr detail::f_op_entry<has_pread<Fs>, detail::pread_call<Fs>> pread{};  ///< ->pread, or == nullptr
  static constexpr detail::f_op_entry<has_pwrite<Fs>, detail::pwrite_call<Fs>> pwrite{};  ///< ->pwrite, or == nullptr
  static constexpr detail::f_op_entry<has_poll<Fs>, detail::poll_call<Fs>> poll{};        ///< ->poll, or == nullptr
  static constexpr detail::f_op_entry<has_poll_wait<Fs>, detail::poll_wait_call<Fs>>
      poll_wait{};                                                                     ///< ->poll_wait, or == nullptr
  static constexpr detail::f_op_entry<has_setfl<Fs>, detail::setfl_call<Fs>> setfl{};  ///< ->setfl, or == nullptr
  static constexpr detail::f_op_entry<has_fasync<Fs>, detail::fasync_call<Fs>> fasync{};  ///< ->fasync, or == nullptr
  static constexpr detail::f_op_entry<has_iterate_shared<Fs>, detail::iterate_shared_call<Fs>>
      iterate_shared{};  ///< ->iterate_shared, or == nullptr
  static constexpr detail::f_op_entry<has_fsync<Fs>, detail::fsync_call<Fs>> fsync{};  ///< ->fsync, or == nullptr
  static constexpr detail::f_op_entry<has_getattr<Fs>, detail::getattr_call<Fs>>
      getattr{};  ///< ->getattr, or == nullptr
  static constexpr detail::f_op_entry<has_release<Fs>, detail::release_call<Fs>>
      release{};  ///< ->release, or == nullptr
  static constexpr detail::f_op_entry<has_host_fd<Fs>, detail::host_fd_call<Fs>>
      host_fd{};  ///< ->host_fd, or == nullptr
};

}  // namespace kvfs
