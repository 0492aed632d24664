// kvfs/f_op.hpp - the operations table generated from a policy at compile
// time: the kernel's `static const struct file_operations socket_file_ops`.
//
// One generator serves both paths. A descriptor<Fs> uses the table of its
// own file type as a compile-time constant, so every member test folds away
// and every call is direct; the descriptor table (fd_table) keeps a pointer
// to the table of each open file and calls through it, as the kernel does.
// A member the policy lacks is a null pointer, which the VFS turns into the
// kernel's answer (no write: EINVAL; no llseek: ESPIPE).
#pragma once

#include <kvfs/file.hpp>
#include <kvfs/file_system.hpp>

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <cstddef>
#include <span>
#include <string_view>

namespace kvfs {

/// struct file_operations for files of type `File`: one function pointer per
/// operation, null where the policy does not define it.
template <class File>
struct basic_file_operations {
  std::string_view fs_name;  // the owner: file_system_type.name
  std::string_view name;     // the table's own name, e.g. socket_file_ops
  loff_t (*llseek)(File&, loff_t, int) = nullptr;
  ssize_t (*read)(File&, std::span<std::byte>) = nullptr;
  ssize_t (*write)(File&, std::span<const std::byte>) = nullptr;
  ssize_t (*read_iter)(File&, std::span<const ::iovec>) = nullptr;
  ssize_t (*write_iter)(File&, std::span<const ::iovec>) = nullptr;
  ssize_t (*pread)(File&, std::span<std::byte>, loff_t) = nullptr;
  ssize_t (*pwrite)(File&, std::span<const std::byte>, loff_t) = nullptr;
  short (*poll)(File&) = nullptr;
  int (*fsync)(File&) = nullptr;
  int (*getattr)(File&, struct ::stat&) = nullptr;
  int (*release)(File&) = nullptr;
};

/// Generates the table of `Fs` for files of type `File`; each entry casts
/// the file to `Concrete`, the type the policy's operations receive.
template <file_system_type Fs, class File, class Concrete = File>
constexpr basic_file_operations<File> generate_f_op() noexcept {
  using ops = file_operations_of<Fs>;
  basic_file_operations<File> table{fs_name<Fs>, f_op_name<Fs>};
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
  if constexpr (has_fsync<Fs>) {
    table.fsync = [](File& f) { return ops::fsync(static_cast<Concrete&>(f)); };
  }
  if constexpr (has_getattr<Fs>) {
    table.getattr = [](File& f, struct ::stat& st) { return ops::getattr(static_cast<Concrete&>(f), st); };
  }
  if constexpr (has_release<Fs>) {
    table.release = [](File& f) { return ops::release(static_cast<Concrete&>(f)); };
  }
  return table;
}

/// The table a descriptor<Fs, Trace> calls, as a compile-time constant.
template <file_system_type Fs, class Trace>
inline constexpr basic_file_operations<file<Fs, Trace>> static_f_op = generate_f_op<Fs, file<Fs, Trace>>();

}  // namespace kvfs
