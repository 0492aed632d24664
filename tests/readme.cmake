# SPDX-License-Identifier: BSL-1.0
# The README's C++ sample is compiled and run, so it cannot rot.
file(READ "${PROJECT_SOURCE_DIR}/README.md" readme)
string(REGEX MATCH "```cpp\n(.*)\n```" sample "${readme}")
set(sample "${CMAKE_MATCH_1}")
string(FIND "${sample}" "\n```" sample_end)
string(SUBSTRING "${sample}" 0 ${sample_end} sample)
file(CONFIGURE OUTPUT "${CMAKE_CURRENT_BINARY_DIR}/readme_sample.cpp" CONTENT "${sample}\n" @ONLY)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/README.md")

add_executable(readme_sample "${CMAKE_CURRENT_BINARY_DIR}/readme_sample.cpp")
target_link_libraries(readme_sample PRIVATE kvfs::kvfs kvfs_warnings)
add_test(NAME readme.sample COMMAND readme_sample WORKING_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}")
set_tests_properties(readme.sample PROPERTIES
  LABELS example
  PASS_REGULAR_EXPRESSION "socket peer got 6 bytes, file holds 6 bytes")
