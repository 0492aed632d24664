// SPDX-License-Identifier: BSL-1.0
// kvfs/kernel/process.hpp - the kernel's dynamic model: a process with a
// descriptor table, a mount namespace, socket families and devices, and
// the system calls on them.
//
// Each call returns what the system call returns at the kernel boundary: a
// count, offset or descriptor number, or -errno. The checks are the kernel's,
// in the kernel's order, so the errno is the kernel's. Every open file is a
// file of a kvfs file system, reached through the f_op table generated from
// its policy. The calls live by kernel file, one header each (file_calls.hpp
// is fs/file.c, read_write_calls.hpp fs/read_write.c ...); this class puts
// them together and holds the state they share.
//
//   kvfs::process proc;
//   const int fd = proc.open("notes.txt", O_RDWR | O_CREAT, 0644);
//   proc.write(fd, kvfs::as_bytes("hello"));   // fdget → vfs_write → f_op->write
//   proc.close(fd);
#pragma once

#include <kvfs/file_system.hpp>
#include <kvfs/fs/char_dev.hpp>
#include <kvfs/fs/mem.hpp>
#include <kvfs/fs/pipefs.hpp>
#include <kvfs/fs/posixfs.hpp>
#include <kvfs/fs/ramfs.hpp>
#include <kvfs/kernel/attr_calls.hpp>
#include <kvfs/kernel/fd_table.hpp>
#include <kvfs/kernel/file_calls.hpp>
#include <kvfs/kernel/filesystems.hpp>
#include <kvfs/kernel/namespace_calls.hpp>
#include <kvfs/kernel/open_calls.hpp>
#include <kvfs/kernel/path_calls.hpp>
#include <kvfs/kernel/pipe_calls.hpp>
#include <kvfs/kernel/read_write_calls.hpp>
#include <kvfs/kernel/readdir_calls.hpp>
#include <kvfs/kernel/select_calls.hpp>
#include <kvfs/kernel/sendmsg_calls.hpp>
#include <kvfs/kernel/socket_calls.hpp>
#include <kvfs/kernel/stat_calls.hpp>
#include <kvfs/kernel/sync_calls.hpp>
#include <kvfs/net/sockfs.hpp>
#include <kvfs/registry.hpp>
#include <kvfs/trace.hpp>

#include <cstddef>
#include <memory>
#include <ostream>
#include <string>

namespace kvfs {

/// The types a process knows by default: the file systems of a small
/// kernel, and the memory devices (drivers/char/mem.c's devlist).
using default_file_systems = registry<posixfs, ramfs, pipefs, sockfs<any_proto>, dev_null, dev_zero, dev_full>;

/// A process: its descriptor table (files_struct), mount namespace, socket
/// families and device table, and the system calls on them.
class process : public file_calls<process>,
                public read_write_calls<process>,
                public stat_calls<process>,
                public sync_calls<process>,
                public select_calls<process>,
                public open_calls<process>,
                public namespace_calls<process>,
                public path_calls<process>,
                public attr_calls<process>,
                public readdir_calls<process>,
                public pipe_calls<process>,
                public socket_calls<process>,
                public sendmsg_calls<process> {
 public:
  /// A process that knows the types of `types` (each file system is
  /// mountable by name if it has a mount hook; each character device
  /// answers for its number), with the host's root mounted at "/" (posixfs).
  template <file_system_type... Fs>
  explicit process(registry<Fs...>, std::size_t max_files = fd_table::default_max_fds) : files_(max_files) {
    (register_type<Fs>(), ...);
    std::shared_ptr<super_block> root;
    posixfs::mount("/", 0, root);
    mount_root("posixfs", std::move(root));
    printk("init_mount_tree -> mount_root(posixfs) on /");
    init_fs_pwd();
  }

  /// A process that knows default_file_systems.
  explicit process(std::size_t max_files = fd_table::default_max_fds) : process(default_file_systems{}, max_files) {}

  process(const process&) = delete;
  process& operator=(const process&) = delete;

  /// The descriptor table (current->files).
  fd_table& files() noexcept { return files_; }
  /// The descriptor table (current->files).
  const fd_table& files() const noexcept { return files_; }

  /// The registered file-system types (the kernel's file_systems list).
  const filesystems& file_systems() const noexcept { return file_systems_; }

  /// The character devices: which driver answers for which number.
  cdev_map& cdevs() noexcept { return cdevs_; }

  /// Traces every call on files installed from now on, to `out`.
  void trace_to(std::ostream& out) { trace_ = ostream_trace(out); }
  /// The trace given to files installed from now on.
  const ostream_trace& trace() const noexcept { return trace_; }

  /// What /proc/filesystems shows for this process's file systems.
  std::string proc_filesystems() const { return file_systems_.proc_filesystems(); }

  /// What the kernel logged while this process's "kernel" booted, one line
  /// per step: each type's init function (register_filesystem, and
  /// kern_mount for a pseudo type), the devices, the root mount.
  const std::string& dmesg() const noexcept { return dmesg_; }

  /// What /proc/devices shows of its character devices.
  std::string proc_devices() const { return cdevs_.proc_devices(); }

  /// What `ls -l /proc/self/fd` shows: the link's mode (r and w from the
  /// file's access mode, as proc_fd_link sets it), the number and d_path():
  /// "lrwx------ 3 -> /tmp/notes.txt", "lrwx------ 4 -> socket:[1234]".
  std::string proc_self_fd() const {
    std::string out;
    files_.for_each([&](int fd, const any_file& file) {
      const bool r = (file.f_mode & FMODE_READ) != 0, w = (file.f_mode & FMODE_WRITE) != 0;
      out += std::string("l") + (r ? 'r' : '-') + (w ? 'w' : '-') + "x------ " + std::to_string(fd) + " -> " +
             file.f_path + '\n';
    });
    return out;
  }

 private:
  // A character device joins the device table; anything else is a file
  // system, registered by its init function.
  template <file_system_type Fs>
  void register_type() {
    if constexpr (char_device<Fs>) {
      cdevs_.add<Fs>();
      printk("chr_dev_init -> register ", fs_name<Fs>);
    } else {
      printk(file_systems_.init_fs<Fs>());
    }
  }

  template <class... Parts>
  void printk(const Parts&... parts) {
    ((dmesg_ += parts), ...);
    dmesg_ += '\n';
  }

  fd_table files_;
  ostream_trace trace_;
  filesystems file_systems_;
  cdev_map cdevs_;
  std::string dmesg_;
};

}  // namespace kvfs
