// SPDX-License-Identifier: BSL-1.0
// kvfs/detail/policy_check.hpp - what the compiler says about an ill-formed
// file-system type, before anything else: which member is missing or has
// the wrong shape, and how to declare it. descriptor<Fs> and the registry
// run these checks; the kernel's counterpart is a BUG() at boot, or worse.
#pragma once

#include <kvfs/file.hpp>
#include <kvfs/file_system.hpp>
#include <kvfs/trace.hpp>

#include <boost/hana/core/tag_of.hpp>
#include <boost/hana/string.hpp>

#include <concepts>
#include <type_traits>

namespace kvfs::detail {

// declares_<op><Ops>: whether the class has a member of that name, of any
// kind (a function template too). A class deriving from both Ops and a
// probe with an `int <op>` finds the name twice, so taking its address is
// ill-formed exactly when Ops declares it.
#define KVFS_DETAIL_MEMBER_PROBE(op)                                                   \
  struct op##_name_probe {                                                             \
    int op;                                                                            \
  };                                                                                   \
  template <class Ops>                                                                 \
  struct op##_name_lookup : Ops, op##_name_probe {};                                   \
  template <class Ops>                                                                 \
  concept declares_##op = std::is_class_v<Ops> && !std::is_final_v<Ops> && !requires { \
    &op##_name_lookup<Ops>::op;                                                        \
  };

KVFS_DETAIL_MEMBER_PROBE(read)
KVFS_DETAIL_MEMBER_PROBE(write)
KVFS_DETAIL_MEMBER_PROBE(read_iter)
KVFS_DETAIL_MEMBER_PROBE(write_iter)
KVFS_DETAIL_MEMBER_PROBE(pread)
KVFS_DETAIL_MEMBER_PROBE(pwrite)
KVFS_DETAIL_MEMBER_PROBE(llseek)
KVFS_DETAIL_MEMBER_PROBE(fsync)
KVFS_DETAIL_MEMBER_PROBE(poll)
KVFS_DETAIL_MEMBER_PROBE(poll_wait)
KVFS_DETAIL_MEMBER_PROBE(setfl)
KVFS_DETAIL_MEMBER_PROBE(fasync)
KVFS_DETAIL_MEMBER_PROBE(iterate_shared)
KVFS_DETAIL_MEMBER_PROBE(getattr)
KVFS_DETAIL_MEMBER_PROBE(setattr)
KVFS_DETAIL_MEMBER_PROBE(release)
KVFS_DETAIL_MEMBER_PROBE(host_fd)
#undef KVFS_DETAIL_MEMBER_PROBE

// The file a traced descriptor hands its operations: a second file type, so
// an operation that names one concrete file type is caught here, not deep
// inside the descriptor table's generated f_op.
template <class Fs>
using traced_probe_file = file<Fs, ostream_trace>;

// A member named like an operation must have the kernel's shape, and take
// any file (`auto& file`).
#define KVFS_DETAIL_CHECK_OP(op, has, signature)                                                               \
  static_assert(!declares_##op<Ops> || has<Fs>,                                                                \
                "kvfs: file_operations::" #op " does not have the kernel's shape; declare it as: " signature); \
  static_assert(!has<Fs> || has<Fs, traced_probe_file<Fs>>,                                                    \
                "kvfs: file_operations::" #op                                                                  \
                " takes one kind of file only; declare its first parameter "                                   \
                "`auto& file`, so that every descriptor and the descriptor table can call it");

// Every operation the policy declares, checked against the kernel's shape.
template <class Fs>
consteval bool check_file_operations() {
  using Ops = typename Fs::file_operations;
  KVFS_DETAIL_CHECK_OP(read, has_read, "static ssize_t read(auto& file, std::span<std::byte> buf)")
  KVFS_DETAIL_CHECK_OP(write, has_write, "static ssize_t write(auto& file, std::span<const std::byte> buf)")
  KVFS_DETAIL_CHECK_OP(read_iter, has_read_iter, "static ssize_t read_iter(auto& file, std::span<const ::iovec> iov)")
  KVFS_DETAIL_CHECK_OP(write_iter, has_write_iter,
                       "static ssize_t write_iter(auto& file, std::span<const ::iovec> iov)")
  KVFS_DETAIL_CHECK_OP(pread, has_pread, "static ssize_t pread(auto& file, std::span<std::byte> buf, loff_t pos)")
  KVFS_DETAIL_CHECK_OP(pwrite, has_pwrite,
                       "static ssize_t pwrite(auto& file, std::span<const std::byte> buf, loff_t pos)")
  KVFS_DETAIL_CHECK_OP(llseek, has_llseek, "static loff_t llseek(auto& file, loff_t offset, int whence)")
  KVFS_DETAIL_CHECK_OP(fsync, has_fsync, "static int fsync(auto& file)")
  KVFS_DETAIL_CHECK_OP(poll, has_poll, "static short poll(auto& file)")
  KVFS_DETAIL_CHECK_OP(poll_wait, has_poll_wait, "static int poll_wait(auto& file)")
  KVFS_DETAIL_CHECK_OP(setfl, has_setfl, "static int setfl(auto& file, int flags)")
  KVFS_DETAIL_CHECK_OP(fasync, has_fasync, "static int fasync(auto& file, bool on)")
  KVFS_DETAIL_CHECK_OP(iterate_shared, has_iterate_shared,
                       "static ssize_t iterate_shared(auto& file, std::span<std::byte> buf)")
  KVFS_DETAIL_CHECK_OP(getattr, has_getattr, "static int getattr(auto& file, struct ::stat& st)")
  KVFS_DETAIL_CHECK_OP(setattr, has_file_setattr, "static int setattr(auto& file, const kvfs::iattr& attr)")
  KVFS_DETAIL_CHECK_OP(release, has_release, "static int release(auto& file)")
  KVFS_DETAIL_CHECK_OP(host_fd, has_host_fd, "static int host_fd(auto& file)")
  return true;
}
#undef KVFS_DETAIL_CHECK_OP

template <class Fs>
concept declares_name = requires {
  Fs::name;
};
template <class Fs>
concept declares_private_data = requires {
  typename Fs::private_data;
};
template <class Fs>
concept declares_file_operations = requires {
  typename Fs::file_operations;
};

// A file-system type's three members, each with what to write when it is
// missing or ill-typed; then its operations.
template <class Fs>
consteval bool check_file_system_type() {
  static_assert(declares_name<Fs>,
                "kvfs: a file-system type needs a name: static constexpr auto name = kvfs::name_c<\"myfs\">;");
  if constexpr (declares_name<Fs>) {
    static_assert(
        std::is_same_v<boost::hana::tag_of_t<std::remove_cvref_t<decltype(Fs::name)>>, boost::hana::string_tag>,
        "kvfs: a file-system type's name is a compile-time string: static constexpr auto name = "
        "kvfs::name_c<\"myfs\">; (not a const char* or a std::string_view)");
  }
  static_assert(declares_private_data<Fs>,
                "kvfs: a file-system type needs `using private_data = ...;`: what each open file holds (struct "
                "file's private_data), e.g. a host descriptor or a pointer to its inode");
  if constexpr (declares_private_data<Fs>) {
    static_assert(std::movable<typename Fs::private_data>,
                  "kvfs: a file-system type's private_data must be movable: a descriptor moves it into the table");
  }
  static_assert(declares_file_operations<Fs>,
                "kvfs: a file-system type needs `struct file_operations { ... };`: its static read, write, ... "
                "members (it may be empty)");
  if constexpr (declares_file_operations<Fs>) {
    static_assert(std::is_class_v<typename Fs::file_operations>,
                  "kvfs: a file-system type's file_operations is a class (`struct file_operations { ... };`)");
  }
  if constexpr (file_system_type<Fs>) return check_file_operations<Fs>();
  return file_system_type<Fs>;
}

}  // namespace kvfs::detail
