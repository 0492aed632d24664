// SPDX-License-Identifier: BSL-1.0
// kvfs/kernel/detail/permission.hpp - generic_permission() of
// fs/namei.c: the owner, group and other bits against the caller's ids,
// and what CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH let root do anyway.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace kvfs {

// The kernel's MAY_* bits: the same values as R_OK, W_OK and X_OK.
inline constexpr int MAY_EXEC = 1;
inline constexpr int MAY_WRITE = 2;
inline constexpr int MAY_READ = 4;

namespace detail {

inline constexpr long ST_VALID_FLAG = 0x0020;  // statfs f_flags: they are valid (linux/statfs.h ST_VALID)

// The ids a permission check uses: the effective ones, or for access(2)
// the real ones (access_override_creds(): root's capabilities only when
// the real uid is 0).
struct credentials {
  uid_t uid;
  gid_t gid;
  bool capable;  // CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH

  static credentials current(bool effective) noexcept {
    const uid_t uid = effective ? ::geteuid() : ::getuid();
    return {uid, effective ? ::getegid() : ::getgid(), uid == 0};
  }

  // in_group_p(): the primary group or a supplementary one.
  bool in_group(gid_t group) const {
    if (group == gid) return true;
    const int count = ::getgroups(0, nullptr);
    if (count <= 0) return false;
    std::vector<gid_t> groups(static_cast<std::size_t>(count));
    const int got = ::getgroups(count, groups.data());
    for (int i = 0; i < got; ++i)
      if (groups[static_cast<std::size_t>(i)] == group) return true;
    return false;
  }
};

// generic_permission(): acl_permission_check() on the mode's class of the
// caller, then the capabilities: a directory may always be read and
// searched, and written with CAP_DAC_OVERRIDE; a file read or written,
// and executed when one of its x bits is set.
inline int generic_permission(const struct ::stat& st, int mask, const credentials& cred) {
  mask &= MAY_READ | MAY_WRITE | MAY_EXEC;
  mode_t bits = st.st_mode;
  if (st.st_uid == cred.uid) {
    bits >>= 6;
  } else if (cred.in_group(st.st_gid)) {
    bits >>= 3;
  }
  if ((static_cast<mode_t>(mask) & ~bits & 7) == 0) return 0;
  if (!cred.capable) return -EACCES;
  if (S_ISDIR(st.st_mode)) return 0;
  if ((mask & MAY_EXEC) == 0 || (st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) != 0) return 0;
  return -EACCES;
}

}  // namespace detail
}  // namespace kvfs
