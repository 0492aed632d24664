# SPDX-License-Identifier: BSL-1.0
# Every public header compiles on its own: one generated source per header
# that includes only that header, built warning-free with the project's flags.
file(GLOB_RECURSE KVFS_PUBLIC_HEADERS RELATIVE "${PROJECT_SOURCE_DIR}/include"
  CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/include/kvfs/*.hpp")

set(header_sources "")
set(fuse_header_sources "")
foreach(header IN LISTS KVFS_PUBLIC_HEADERS)
  string(MAKE_C_IDENTIFIER "${header}" id)
  set(source "${CMAKE_CURRENT_BINARY_DIR}/headers/${id}.cpp")
  file(CONFIGURE OUTPUT "${source}" CONTENT "#include <${header}>\n#include <${header}>  // and twice\n")
  if(header MATCHES "^kvfs/fuse")  # the FUSE bridge's need libfuse3 (kvfs::fuse)
    list(APPEND fuse_header_sources "${source}")
  else()
    list(APPEND header_sources "${source}")
  endif()
endforeach()

# An object library: each header is compiled alone, nothing is linked.
add_library(kvfs_header_check OBJECT ${header_sources})
target_link_libraries(kvfs_header_check PRIVATE kvfs::kvfs kvfs_warnings)
if(TARGET kvfs::fuse)
  add_library(kvfs_fuse_header_check OBJECT ${fuse_header_sources})
  target_link_libraries(kvfs_fuse_header_check PRIVATE kvfs::fuse kvfs_warnings)
  add_dependencies(kvfs_header_check kvfs_fuse_header_check)
endif()

add_test(NAME headers.self_contained
  COMMAND "${CMAKE_COMMAND}" --build "${PROJECT_BINARY_DIR}" --target kvfs_header_check)
set_tests_properties(headers.self_contained PROPERTIES LABELS headers RESOURCE_LOCK kvfs_build_tree)
