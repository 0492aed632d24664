# SPDX-License-Identifier: BSL-1.0
# Packaging, tested both ways a consumer uses kvfs: find_package() against a
# fresh install prefix, and add_subdirectory() of the source tree. Each
# consumer is configured, built and run by ctest --build-and-test.
set(package_dir "${CMAKE_CURRENT_BINARY_DIR}/package")
set(consumer_options
  -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER}
  -DCMAKE_BUILD_TYPE=Release)

add_test(NAME package.install
  COMMAND "${CMAKE_COMMAND}" --install "${PROJECT_BINARY_DIR}" --prefix "${package_dir}/prefix")
set_tests_properties(package.install PROPERTIES FIXTURES_SETUP kvfs_installed LABELS package)

add_test(NAME package.find_package
  COMMAND "${CMAKE_CTEST_COMMAND}"
    --build-and-test "${CMAKE_CURRENT_SOURCE_DIR}/package/find_package" "${package_dir}/find_package"
    --build-generator "${CMAKE_GENERATOR}"
    --build-options ${consumer_options} "-DCMAKE_PREFIX_PATH=${package_dir}/prefix"
    --test-command consumer)
set_tests_properties(package.find_package PROPERTIES
  FIXTURES_REQUIRED kvfs_installed
  LABELS package
  PASS_REGULAR_EXPRESSION "consumer: kvfs [0-9.]+ through find_package: \tposixfs\nnodev\tsockfs")

add_test(NAME package.add_subdirectory
  COMMAND "${CMAKE_CTEST_COMMAND}"
    --build-and-test "${CMAKE_CURRENT_SOURCE_DIR}/package/add_subdirectory" "${package_dir}/add_subdirectory"
    --build-generator "${CMAKE_GENERATOR}"
    --build-options ${consumer_options} "-DKVFS_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
    --test-command consumer)
set_tests_properties(package.add_subdirectory PROPERTIES
  LABELS package
  PASS_REGULAR_EXPRESSION "consumer: kvfs [0-9.]+ through add_subdirectory: \tposixfs\nnodev\tsockfs")
