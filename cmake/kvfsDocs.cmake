# SPDX-License-Identifier: BSL-1.0
# The API reference (Doxygen, Debian's `doxygen`): `cmake --build ... --target
# docs` writes it to <build>/docs/html. Warnings are errors. Without doxygen
# there is no target, and the test says SKIPPED.
find_package(Doxygen QUIET)
set(KVFS_DOCS_OUTPUT "${PROJECT_BINARY_DIR}/docs")
if(DOXYGEN_FOUND)
  configure_file("${PROJECT_SOURCE_DIR}/docs/Doxyfile.in" "${KVFS_DOCS_OUTPUT}/Doxyfile" @ONLY)
  add_custom_target(docs
    COMMAND Doxygen::doxygen "${KVFS_DOCS_OUTPUT}/Doxyfile"
    WORKING_DIRECTORY "${KVFS_DOCS_OUTPUT}"
    COMMENT "kvfs: the API reference (Doxygen) in ${KVFS_DOCS_OUTPUT}/html"
    VERBATIM)
else()
  message(STATUS "kvfs: doxygen not found (Debian: doxygen): no docs target")
endif()
