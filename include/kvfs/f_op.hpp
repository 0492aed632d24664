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
  int (*poll_wait)(File&) = nullptr;
  int (*setfl)(File&, int) = nullptr;
  int (*fasync)(File&, bool) = nullptr;
  ssize_t (*iterate_shared)(File&, std::span<std::byte>) = nullptr;
  int (*fsync)(File&) = nullptr;
  int (*getattr)(File&, struct ::stat&) = nullptr;
  int (*setattr)(File&, const iattr&) = nullptr;
  int (*release)(File&) = nullptr;
  int (*host_fd)(File&) = nullptr;
  bool splice_write = false;     // can be sendfile's output (->splice_write)
  bool splice_read = false;      // can be sendfile's input (->splice_read)
  bool reads_leave_pos = false;  // a read does not move the position (/dev/zero)
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

/// The table a descriptor<Fs> calls: the same members, but each one a call
/// the compiler sees through (no function pointer), and a member the
/// policy lacks compares equal to nullptr at compile time. The VFS code is
/// shared with the descriptor table, which passes a basic_f_op.
template <file_system_type Fs>
struct static_f_op {
  using ops = file_operations_of<Fs>;
  static constexpr std::string_view fs_name = kvfs::fs_name<Fs>;
  static constexpr std::string_view name = f_op_name<Fs>;
  static constexpr bool splice_write = has_splice_write<Fs>;
  static constexpr bool splice_read = has_splice_read<Fs>;
  static constexpr bool reads_leave_pos = has_reads_leave_pos<Fs>;

  // One member: present (callable) or absent (== nullptr, never called).
  template <bool Present, class Call>
  struct entry {
    friend constexpr bool operator==(entry, std::nullptr_t) noexcept { return !Present; }
    template <class File, class... Args>
    decltype(auto) operator()(File& file, Args&&... args) const {
      return Call::call(file, std::forward<Args>(args)...);
    }
  };

  struct llseek_call {
    static loff_t call(auto& file, loff_t offset, int whence) {
      if constexpr (has_llseek<Fs>) {
        return ops::llseek(file, offset, whence);
      } else {
        return -ESPIPE;
      }
    }
  };
  static constexpr entry<has_llseek<Fs>, llseek_call> llseek{};

  struct read_call {
    static ssize_t call(auto& file, std::span<std::byte> buf) {
      if constexpr (has_read<Fs>) {
        return ops::read(file, buf);
      } else {
        return -EINVAL;
      }
    }
  };
  static constexpr entry<has_read<Fs>, read_call> read{};

  struct write_call {
    static ssize_t call(auto& file, std::span<const std::byte> buf) {
      if constexpr (has_write<Fs>) {
        return ops::write(file, buf);
      } else {
        return -EINVAL;
      }
    }
  };
  static constexpr entry<has_write<Fs>, write_call> write{};

  struct read_iter_call {
    static ssize_t call(auto& file, std::span<const ::iovec> iov) {
      if constexpr (has_read_iter<Fs>) {
        return ops::read_iter(file, iov);
      } else {
        return -EINVAL;
      }
    }
  };
  static constexpr entry<has_read_iter<Fs>, read_iter_call> read_iter{};

  struct write_iter_call {
    static ssize_t call(auto& file, std::span<const ::iovec> iov) {
      if constexpr (has_write_iter<Fs>) {
        return ops::write_iter(file, iov);
      } else {
        return -EINVAL;
      }
    }
  };
  static constexpr entry<has_write_iter<Fs>, write_iter_call> write_iter{};

  struct pread_call {
    static ssize_t call(auto& file, std::span<std::byte> buf, loff_t pos) {
      if constexpr (has_pread<Fs>) {
        return ops::pread(file, buf, pos);
      } else {
        return -ESPIPE;
      }
    }
  };
  static constexpr entry<has_pread<Fs>, pread_call> pread{};

  struct pwrite_call {
    static ssize_t call(auto& file, std::span<const std::byte> buf, loff_t pos) {
      if constexpr (has_pwrite<Fs>) {
        return ops::pwrite(file, buf, pos);
      } else {
        return -ESPIPE;
      }
    }
  };
  static constexpr entry<has_pwrite<Fs>, pwrite_call> pwrite{};

  struct poll_call {
    static short call(auto& file) {
      if constexpr (has_poll<Fs>) {
        return ops::poll(file);
      } else {
        return short{0};
      }
    }
  };
  static constexpr entry<has_poll<Fs>, poll_call> poll{};

  struct poll_wait_call {
    static int call(auto& file) {
      if constexpr (has_poll_wait<Fs>) {
        return ops::poll_wait(file);
      } else {
        return -1;
      }
    }
  };
  static constexpr entry<has_poll_wait<Fs>, poll_wait_call> poll_wait{};

  struct setfl_call {
    static int call(auto& file, int flags) {
      if constexpr (has_setfl<Fs>) {
        return ops::setfl(file, flags);
      } else {
        return 0;
      }
    }
  };
  static constexpr entry<has_setfl<Fs>, setfl_call> setfl{};

  struct fasync_call {
    static int call(auto& file, bool on) {
      if constexpr (has_fasync<Fs>) {
        return ops::fasync(file, on);
      } else {
        return 0;
      }
    }
  };
  static constexpr entry<has_fasync<Fs>, fasync_call> fasync{};

  struct iterate_shared_call {
    static ssize_t call(auto& file, std::span<std::byte> buf) {
      if constexpr (has_iterate_shared<Fs>) {
        return ops::iterate_shared(file, buf);
      } else {
        return -ENOTDIR;
      }
    }
  };
  static constexpr entry<has_iterate_shared<Fs>, iterate_shared_call> iterate_shared{};

  struct fsync_call {
    static int call(auto& file) {
      if constexpr (has_fsync<Fs>) {
        return ops::fsync(file);
      } else {
        return -EINVAL;
      }
    }
  };
  static constexpr entry<has_fsync<Fs>, fsync_call> fsync{};

  struct getattr_call {
    static int call(auto& file, struct ::stat& st) {
      if constexpr (has_getattr<Fs>) {
        return ops::getattr(file, st);
      } else {
        return -EINVAL;
      }
    }
  };
  static constexpr entry<has_getattr<Fs>, getattr_call> getattr{};

  struct release_call {
    static int call(auto& file) {
      if constexpr (has_release<Fs>) {
        return ops::release(file);
      } else {
        return 0;
      }
    }
  };
  static constexpr entry<has_release<Fs>, release_call> release{};

  struct host_fd_call {
    static int call(auto& file) {
      if constexpr (has_host_fd<Fs>) {
        return ops::host_fd(file);
      } else {
        return -1;
      }
    }
  };
  static constexpr entry<has_host_fd<Fs>, host_fd_call> host_fd{};
};

}  // namespace kvfs
