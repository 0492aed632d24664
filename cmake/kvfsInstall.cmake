# SPDX-License-Identifier: BSL-1.0
# cmake --install: the headers, and a package that find_package(kvfs) finds.
include(CMakePackageConfigHelpers)

install(TARGETS kvfs EXPORT kvfsTargets)
install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/kvfs" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")

set(KVFS_CONFIG_DIR "${CMAKE_INSTALL_DATADIR}/cmake/kvfs")
install(EXPORT kvfsTargets NAMESPACE kvfs:: DESTINATION "${KVFS_CONFIG_DIR}")
if(TARGET kvfs_fuse)  # its own export set: a consumer without libfuse3 still finds kvfs::kvfs
  install(TARGETS kvfs_fuse EXPORT kvfsFuseTargets)
  install(EXPORT kvfsFuseTargets NAMESPACE kvfs:: DESTINATION "${KVFS_CONFIG_DIR}")
endif()

configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/kvfsConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/kvfsConfig.cmake"
  INSTALL_DESTINATION "${KVFS_CONFIG_DIR}")
write_basic_package_version_file("${PROJECT_BINARY_DIR}/kvfsConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
install(FILES
  "${PROJECT_BINARY_DIR}/kvfsConfig.cmake"
  "${PROJECT_BINARY_DIR}/kvfsConfigVersion.cmake"
  "${PROJECT_SOURCE_DIR}/cmake/kvfsDependencies.cmake"
  DESTINATION "${KVFS_CONFIG_DIR}")
install(FILES "${PROJECT_SOURCE_DIR}/LICENSE" DESTINATION "${CMAKE_INSTALL_DATADIR}/doc/kvfs")
