# SPDX-License-Identifier: BSL-1.0
# The layering rules of include/kvfs/, checked on every header's own
# #include lines (so they hold transitively): each area may include only the
# areas below it. Run by ctest as `cmake -DKVFS_INCLUDE_DIR=... -P layering.cmake`.
#
#   area                      may include (kvfs)                      Asio
#   core (kvfs/*.hpp)         core, detail                            no
#   detail                    core, detail                            no
#   fs/                       core, detail, fs                        no
#   net/sockfs, net/proto_ops core, detail, net/sockfs, net/proto_ops no
#     (and net/detail/msghdr, net/detail/scm_inflight: no Asio)
#   kernel/                   core, detail, fs, net/sockfs+proto_ops, kernel  no
#   asio/                     core, detail, asio                      yes
#   net/ (protocols)          anything but the umbrellas              yes
#   fuse/                     core, detail, fs, fuse                  no
# The umbrellas (kvfs.hpp, core.hpp, fs.hpp, net.hpp, kernel.hpp, asio.hpp, fuse.hpp)
# are what users include; no header of kvfs includes one.

cmake_minimum_required(VERSION 3.20)

set(core_re "^kvfs/[a-z_]+\\.hpp$")
set(umbrella_re "^kvfs/(kvfs|core|fs|net|kernel|asio|fuse)\\.hpp$")
set(detail_re "^kvfs/detail/")
set(fs_re "^kvfs/fs/")
set(sock_re "^kvfs/net/(sockfs|proto_ops|detail/msghdr|detail/scm_inflight)\\.hpp$")
set(kernel_re "^kvfs/kernel/")
set(asio_re "^kvfs/asio/")
set(fuse_re "^kvfs/fuse/")

function(area_of header out)
  if(header MATCHES "${umbrella_re}")
    set(${out} umbrella PARENT_SCOPE)
  elseif(header MATCHES "${core_re}")
    set(${out} core PARENT_SCOPE)
  elseif(header MATCHES "${detail_re}")
    set(${out} detail PARENT_SCOPE)
  elseif(header MATCHES "${fs_re}")
    set(${out} fs PARENT_SCOPE)
  elseif(header MATCHES "${sock_re}")
    set(${out} sock PARENT_SCOPE)
  elseif(header MATCHES "${kernel_re}")
    set(${out} kernel PARENT_SCOPE)
  elseif(header MATCHES "${asio_re}")
    set(${out} asio PARENT_SCOPE)
  elseif(header MATCHES "${fuse_re}")
    set(${out} fuse PARENT_SCOPE)
  else()
    set(${out} net PARENT_SCOPE)
  endif()
endfunction()

set(allowed_core core detail)
set(allowed_detail core detail)
set(allowed_fs core detail fs)
set(allowed_sock core detail sock)
set(allowed_kernel core detail fs sock kernel)
set(allowed_asio core detail asio)
set(allowed_net core detail fs sock kernel asio net)
set(allowed_fuse core detail fs fuse)
set(asio_ok_asio ON)
set(asio_ok_net ON)

get_filename_component(KVFS_INCLUDE_DIR "${KVFS_INCLUDE_DIR}" ABSOLUTE)
file(GLOB_RECURSE headers RELATIVE "${KVFS_INCLUDE_DIR}" "${KVFS_INCLUDE_DIR}/kvfs/*.hpp")
set(violations 0)
foreach(header IN LISTS headers)
  area_of("${header}" area)
  if(area STREQUAL "umbrella")
    continue()
  endif()
  file(STRINGS "${KVFS_INCLUDE_DIR}/${header}" lines REGEX "^#include <")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "^#include <([^>]+)>.*" "\\1" included "${line}")
    if(included MATCHES "^asio[/.]")
      if(NOT asio_ok_${area})
        message(SEND_ERROR "${header} (${area}) includes Asio: <${included}>")
        math(EXPR violations "${violations} + 1")
      endif()
    elseif(included MATCHES "^kvfs/")
      area_of("${included}" to)
      if(NOT to IN_LIST allowed_${area})
        message(SEND_ERROR "${header} (${area}) may not include <${included}> (${to})")
        math(EXPR violations "${violations} + 1")
      endif()
    endif()
  endforeach()
endforeach()
list(LENGTH headers count)
message(STATUS "layering: ${count} headers, ${violations} violations")
