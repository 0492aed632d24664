// SPDX-License-Identifier: BSL-1.0
// kvfs/kernel/detail/scm.hpp - the ancillary data of a message, as
// net/core/scm.c walks it: each cmsghdr checked (CMSG_OK), SCM_RIGHTS'
// numbers taken as files of the sender's table (scm_fp_copy()).
#pragma once

#include <kvfs/any_file.hpp>
#include <kvfs/kernel/fd_table.hpp>

#include <sys/socket.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <vector>

namespace kvfs::detail {

/// SCM_MAX_FD: the most descriptors one message may carry.
inline constexpr std::size_t scm_max_fd = 253;

/// The descriptor slots of one SCM_RIGHTS cmsghdr: where they start in the
/// control buffer and how many there are.
struct scm_rights_slots {
  std::size_t offset;
  std::size_t count;
};

/// for_each_cmsghdr() with CMSG_OK(): calls `visit(cmsghdr, offset)` for
/// each header of msg_control (read with memcpy: a user's buffer need not
/// be aligned); EINVAL for one whose length is too short or runs past the
/// buffer; `visit`'s -errno stops the walk.
template <class Visit>
int for_each_cmsg(const ::msghdr& msg, Visit visit) {
  const auto* base = static_cast<const char*>(msg.msg_control);
  std::size_t offset = 0;
  while (base != nullptr && msg.msg_controllen >= offset + sizeof(::cmsghdr)) {
    ::cmsghdr cmsg;
    std::memcpy(&cmsg, base + offset, sizeof cmsg);
    if (cmsg.cmsg_len < sizeof(::cmsghdr) || cmsg.cmsg_len > msg.msg_controllen - offset) return -EINVAL;
    if (const int error = visit(cmsg, offset); error < 0) return error;
    offset += CMSG_ALIGN(cmsg.cmsg_len);
  }
  return 0;
}

/// The SCM_RIGHTS headers of a control buffer, in order.
inline int scm_rights_of(const ::msghdr& msg, std::vector<scm_rights_slots>& rights) {
  return for_each_cmsg(msg, [&](const ::cmsghdr& cmsg, std::size_t offset) {
    if (cmsg.cmsg_level == SOL_SOCKET && cmsg.cmsg_type == SCM_RIGHTS) {
      rights.push_back({offset + CMSG_LEN(0), (cmsg.cmsg_len - CMSG_LEN(0)) / sizeof(int)});
    }
    return 0;
  });
}

inline int slot(const ::msghdr& msg, std::size_t offset, std::size_t i) noexcept {
  int value;
  std::memcpy(&value, static_cast<const char*>(msg.msg_control) + offset + i * sizeof(int), sizeof value);
  return value;
}

inline void set_slot(::msghdr& msg, std::size_t offset, std::size_t i, int value) noexcept {
  std::memcpy(static_cast<char*>(msg.msg_control) + offset + i * sizeof(int), &value, sizeof value);
}

/// __scm_send()'s walk and scm_fp_copy(): every header well formed
/// (EINVAL), only SCM_RIGHTS and SCM_CREDENTIALS at SOL_SOCKET (EINVAL), at
/// most SCM_MAX_FD numbers in all (EINVAL), each an open file of `files`
/// (fget_raw(): EBADF). The files, in order, into `fp`.
inline int scm_fp_copy(const fd_table& files, const ::msghdr& msg, std::vector<file_ref>& fp) {
  return for_each_cmsg(msg, [&](const ::cmsghdr& cmsg, std::size_t offset) {
    if (cmsg.cmsg_level != SOL_SOCKET) return 0;
    if (cmsg.cmsg_type == SCM_CREDENTIALS) return 0;  // the host checks them
    if (cmsg.cmsg_type != SCM_RIGHTS) return -EINVAL;
    const std::size_t count = (cmsg.cmsg_len - CMSG_LEN(0)) / sizeof(int);
    if (fp.size() + count > scm_max_fd) return -EINVAL;
    for (std::size_t i = 0; i < count; ++i) {
      file_ref file = files.fdget_raw(slot(msg, offset + CMSG_LEN(0), i));
      if (!file) return -EBADF;
      fp.push_back(std::move(file));
    }
    return 0;
  });
}

}  // namespace kvfs::detail
