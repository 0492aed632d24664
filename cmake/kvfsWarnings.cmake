# SPDX-License-Identifier: BSL-1.0
# Warnings are errors for kvfs's own code, on GCC and Clang alike.
add_library(kvfs_warnings INTERFACE)
target_compile_options(kvfs_warnings INTERFACE -Wall -Wextra -Wpedantic -Werror)
