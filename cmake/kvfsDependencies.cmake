# SPDX-License-Identifier: BSL-1.0
# kvfs's dependencies, all from Debian's packages: Boost (for Hana; header
# only), standalone Asio (header only, with no CMake package of its own) and
# the platform's threads.
include(CMakeFindDependencyMacro)
include(GNUInstallDirs)

find_package(Boost 1.81 CONFIG REQUIRED COMPONENTS headers)
find_package(Threads REQUIRED)

if(NOT TARGET kvfs::asio)
  find_path(KVFS_ASIO_INCLUDE_DIR asio.hpp
    DOC "Directory holding standalone Asio's asio.hpp (Debian: libasio-dev)")
  if(NOT KVFS_ASIO_INCLUDE_DIR)
    message(FATAL_ERROR "kvfs needs standalone Asio (asio.hpp); on Debian: apt-get install libasio-dev")
  endif()
  add_library(kvfs::asio INTERFACE IMPORTED)
  set_target_properties(kvfs::asio PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${KVFS_ASIO_INCLUDE_DIR}")
endif()

# libfuse3, for the optional FUSE bridge (kvfs::fuse) only: found with
# pkg-config (Debian: libfuse3-dev); kvfs::kvfs never needs it.
if(NOT TARGET PkgConfig::KVFS_FUSE3)
  find_package(PkgConfig QUIET)
  if(PkgConfig_FOUND)
    pkg_check_modules(KVFS_FUSE3 QUIET IMPORTED_TARGET GLOBAL fuse3>=3.12)
  endif()
endif()
