# SPDX-License-Identifier: BSL-1.0
# The tutorial (docs/your-own-file-system.md) cannot drift: its C++ blocks,
# joined in order, are one program, compiled with the project's warnings
# and run; what it prints must be the page's own output block.
set(tutorial "${PROJECT_SOURCE_DIR}/docs/your-own-file-system.md")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${tutorial}")
file(READ "${tutorial}" page)

# Each fenced block of `kind`, joined (string(FIND) keeps the code's
# semicolons, which a CMake list would split on).
function(fenced_blocks text kind out)
  set(joined "")
  set(rest "${text}")
  while(TRUE)
    string(FIND "${rest}" "```${kind}\n" open)
    if(open EQUAL -1)
      break()
    endif()
    string(LENGTH "```${kind}\n" fence)
    math(EXPR start "${open} + ${fence}")
    string(SUBSTRING "${rest}" ${start} -1 rest)
    string(FIND "${rest}" "```" close)
    string(SUBSTRING "${rest}" 0 ${close} block)
    string(APPEND joined "${block}")  # it ends with its newline
    math(EXPR after "${close} + 3")
    string(SUBSTRING "${rest}" ${after} -1 rest)
  endwhile()
  set(${out} "${joined}" PARENT_SCOPE)
endfunction()

fenced_blocks("${page}" "cpp" program)
fenced_blocks("${page}" "text" expected)
file(CONFIGURE OUTPUT "${CMAKE_CURRENT_BINARY_DIR}/your_own_file_system.cpp" CONTENT "${program}" @ONLY)
file(CONFIGURE OUTPUT "${CMAKE_CURRENT_BINARY_DIR}/your_own_file_system.expected" CONTENT "${expected}" @ONLY)

add_executable(tutorial_your_own_file_system "${CMAKE_CURRENT_BINARY_DIR}/your_own_file_system.cpp")
target_link_libraries(tutorial_your_own_file_system PRIVATE kvfs::kvfs kvfs_warnings)
add_test(NAME docs.your_own_file_system
  COMMAND sh -c "\"$0\" | diff -u \"$1\" -" $<TARGET_FILE:tutorial_your_own_file_system>
          "${CMAKE_CURRENT_BINARY_DIR}/your_own_file_system.expected")
set_tests_properties(docs.your_own_file_system PROPERTIES LABELS example TIMEOUT 30)

# docs/seed-walkthrough.md shows the flagship demo's output: a real run must
# print it (numbers that change from run to run are normalised).
if(KVFS_BUILD_EXAMPLES)  # the demo is one of the examples
  add_test(NAME docs.seed_walkthrough
    COMMAND "${CMAKE_CURRENT_SOURCE_DIR}/seed_walkthrough_test.sh" $<TARGET_FILE:socket_write_path>
            "${PROJECT_SOURCE_DIR}/docs/seed-walkthrough.md")
  set_tests_properties(docs.seed_walkthrough PROPERTIES LABELS example TIMEOUT 30)
endif()

# The API reference builds without a warning: every public name documented.
if(DOXYGEN_FOUND)
  add_test(NAME docs.api_reference COMMAND Doxygen::doxygen "${KVFS_DOCS_OUTPUT}/Doxyfile"
    WORKING_DIRECTORY "${KVFS_DOCS_OUTPUT}")
  set_tests_properties(docs.api_reference PROPERTIES LABELS docs TIMEOUT 120 RESOURCE_LOCK kvfs_api_docs)
else()
  add_test(NAME docs.api_reference COMMAND sh -c "echo 'SKIPPED: doxygen is not installed (Debian: doxygen)'; exit 77")
  set_tests_properties(docs.api_reference PROPERTIES LABELS docs SKIP_RETURN_CODE 77)
endif()
