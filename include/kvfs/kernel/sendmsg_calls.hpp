// SPDX-License-Identifier: BSL-1.0
// kvfs/kernel/sendmsg_calls.hpp - the transfer calls of net/socket.c:
// sendto, recvfrom, sendmsg and recvmsg (send and recv are sendto and
// recvfrom without an address), on the process's descriptor table.
// Over AF_UNIX, SCM_RIGHTS passes this process's open files to another
// process of the program: the receiver's new number refers to the same open
// file (net/core/scm.c: scm_fp_copy() → unix_inflight() → ... →
// scm_detach_fds() → receive_fd()), whatever its file system.
#pragma once

#include <kvfs/fs/posixfs.hpp>
#include <kvfs/kernel/detail/fdget.hpp>
#include <kvfs/kernel/detail/scm.hpp>
#include <kvfs/kernel/sockfd_lookup.hpp>
#include <kvfs/net/detail/scm_inflight.hpp>
#include <kvfs/net/sockfs.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <span>
#include <string>
#include <vector>

namespace kvfs {

/// The transfer calls, for `Process` (CRTP).
template <class Process>
class sendmsg_calls {
 public:
  /// sendto(2) as __sys_sendto(): the socket (EBADF, ENOTSOCK), the address
  /// (EINVAL), then sock_sendmsg() with O_NONBLOCK as MSG_DONTWAIT.
  long sendto(int fd, std::span<const std::byte> buf, int flags, const ::sockaddr* addr, socklen_t len) {
    return with_socket(fd, detail::traced_as<"sendto", "__sys_sendto", "sockfd_lookup_light">,
                       [&](socket_file& file) { return sockfs<any_proto>::sendto(file, buf, flags, addr, len); });
  }
  /// send(2): sendto(2) to the connected peer.
  long send(int fd, std::span<const std::byte> buf, int flags = 0) { return sendto(fd, buf, flags, nullptr, 0); }

  /// recvfrom(2) as __sys_recvfrom(): the socket, sock_recvmsg(), then the
  /// sender's address (move_addr_to_user(): EINVAL for a negative *len
  /// after the datagram was taken).
  long recvfrom(int fd, std::span<std::byte> buf, int flags, ::sockaddr* addr, socklen_t* len) {
    return with_socket(fd, detail::traced_as<"recvfrom", "__sys_recvfrom", "sockfd_lookup_light">,
                       [&](socket_file& file) { return sockfs<any_proto>::recvfrom(file, buf, flags, addr, len); });
  }
  /// recv(2): recvfrom(2) without the sender's address.
  long recv(int fd, std::span<std::byte> buf, int flags = 0) { return recvfrom(fd, buf, flags, nullptr, nullptr); }

  /// sendmsg(2) as __sys_sendmsg(): the socket, then ___sys_sendmsg():
  /// __copy_msghdr()'s checks (EINVAL, EMSGSIZE), the control buffer
  /// (ENOBUFS), sock_sendmsg().
  long sendmsg(int fd, const ::msghdr& msg, int flags = 0) {
    return with_socket(fd, detail::traced_as<"sendmsg", "__sys_sendmsg", "sockfd_lookup_light">,
                       [&](socket_file& file) { return sockfs<any_proto>::sendmsg(file, msg, flags, scm_send(file)); });
  }

  /// recvmsg(2) as __sys_recvmsg(): the socket, then ___sys_recvmsg():
  /// sock_recvmsg() into `msg`, the sender's address, msg_flags and
  /// msg_controllen as the kernel writes them back.
  long recvmsg(int fd, ::msghdr& msg, int flags = 0) {
    return with_socket(fd, detail::traced_as<"recvmsg", "__sys_recvmsg", "sockfd_lookup_light">, [&](socket_file& file) {
      return sockfs<any_proto>::recvmsg(file, msg, flags, scm_recv(file, flags));
    });
  }

 private:
  Process& self() noexcept { return static_cast<Process&>(*this); }

  static bool carries_files(const socket_file& file) noexcept { return file.private_data.sk.ops().family == AF_UNIX; }

  // scm_send() over AF_UNIX: SCM_RIGHTS' numbers become files
  // (scm_fp_copy(): EINVAL, EBADF before anything is sent), each sent as a
  // token in its place (unix_inflight()); on a failed send they come back.
  // Other families' control goes to the host as it is (inet ignores
  // SCM_RIGHTS, as __sock_cmsg_send does).
  auto scm_send(socket_file& file) {
    return [this, &file](::msghdr& kmsg, auto send) -> ssize_t {
      if (!carries_files(file) || kmsg.msg_controllen == 0) return send();
      std::vector<file_ref> fp;
      if (const int error = detail::scm_fp_copy(self().files(), kmsg, fp); error < 0) return error;
      if (fp.empty()) return send();
      if (file.trace.active())
        file.trace.step("scm_send(SCM_RIGHTS: ", std::to_string(fp.size()), " files) -> unix_inflight");
      std::vector<char> control(static_cast<const char*>(kmsg.msg_control),
                                static_cast<const char*>(kmsg.msg_control) + kmsg.msg_controllen);
      void* const user_control = kmsg.msg_control;
      kmsg.msg_control = control.data();
      std::vector<int> tokens;
      const ssize_t attached = attach_files(kmsg, fp, tokens);
      const ssize_t result = attached < 0 ? attached : send();
      kmsg.msg_control = user_control;
      auto& inflight = detail::scm_inflight::instance();
      for (const int token : tokens) {
        if (result < 0) inflight.detach(token);  // unix_notinflight(): the files stay here
        ::close(token);
      }
      return result;
    };
  }

  // Each SCM_RIGHTS slot of `kmsg` (a copy of the user's control) gets the
  // token of its file.
  static ssize_t attach_files(::msghdr& kmsg, std::vector<file_ref>& fp, std::vector<int>& tokens) {
    std::vector<detail::scm_rights_slots> rights;
    detail::scm_rights_of(kmsg, rights);
    std::size_t next = 0;
    for (const detail::scm_rights_slots& slots : rights) {
      for (std::size_t i = 0; i < slots.count; ++i) {
        const int token = detail::scm_inflight::instance().attach(std::move(fp[next++]));
        if (token < 0) return token;
        tokens.push_back(token);
        detail::set_slot(kmsg, slots.offset, i, token);
      }
    }
    return 0;
  }

  // scm_recv() over AF_UNIX: each token received becomes its file again
  // (scm_detach_fds()). (The files of tokens the host dropped, MSG_CTRUNC,
  // were released by the Unix protocol's recvmsg.)
  auto scm_recv(socket_file& file, int flags) {
    return [this, &file, flags](::msghdr& kmsg, auto receive) -> ssize_t {
      const ssize_t n = receive();
      if (n >= 0 && kmsg.msg_controllen > 0 && carries_files(file)) scm_detach_fds(kmsg, flags, file.trace);
      return n;
    };
  }

  // scm_detach_fds(): each file at the lowest free number (receive_fd():
  // FD_CLOEXEC with MSG_CMSG_CLOEXEC), written over its token. A full
  // table stops it: the files not installed are released, the header says
  // how many were, and msg_flags gets MSG_CTRUNC.
  void scm_detach_fds(::msghdr& kmsg, int flags, ostream_trace& trace) {
    std::vector<detail::scm_rights_slots> rights;
    detail::scm_rights_of(kmsg, rights);
    for (const detail::scm_rights_slots& slots : rights) {
      if (trace.active()) trace.step("scm_detach_fds(", std::to_string(slots.count), ") -> receive_fd");
      for (std::size_t i = 0; i < slots.count; ++i) {
        file_ref received = take_received(detail::slot(kmsg, slots.offset, i));
        const int fd = self().files().get_unused_fd_flags((flags & MSG_CMSG_CLOEXEC) != 0 ? O_CLOEXEC : 0);
        if (fd < 0) {
          for (std::size_t j = i + 1; j < slots.count; ++j) take_received(detail::slot(kmsg, slots.offset, j));
          cut_rights(kmsg, slots, i);
          break;
        }
        self().files().fd_install(fd, std::move(received));  // the same open file: its path and trace stay
        detail::set_slot(kmsg, slots.offset, i, fd);
      }
    }
  }

  // The file a received host descriptor stands for: a kvfs file in flight,
  // or a host program's descriptor, adopted as a posixfs file.
  static file_ref take_received(int host_fd) {
    if (file_ref file = detail::scm_inflight::instance().detach(host_fd)) {
      ::close(host_fd);
      return file;
    }
    const int status = ::fcntl(host_fd, F_GETFL);
    return make_file(kvfs::adopt(host_fd, status & (O_ACCMODE | O_APPEND | O_NONBLOCK)));
  }

  // Only `installed` numbers of the header made it: its length says so.
  static void cut_rights(::msghdr& kmsg, const detail::scm_rights_slots& slots, std::size_t installed) {
    const std::size_t header = slots.offset - CMSG_LEN(0);
    ::cmsghdr cmsg;
    std::memcpy(&cmsg, static_cast<char*>(kmsg.msg_control) + header, sizeof cmsg);
    cmsg.cmsg_len = CMSG_LEN(installed * sizeof(int));
    std::memcpy(static_cast<char*>(kmsg.msg_control) + header, &cmsg, sizeof cmsg);
    kmsg.msg_flags |= MSG_CTRUNC;
  }

  template <class Call>
  long with_socket(int fd, const detail::syscall_name& name, Call call) {
    return detail::with_socket(self().files(), fd, name, call);
  }
};

}  // namespace kvfs
