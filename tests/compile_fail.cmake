# SPDX-License-Identifier: BSL-1.0
# Compile-fail tests: each source must fail to compile with kvfs's own
# diagnostic (the regular expression), and must compile when KVFS_CONTROL is
# defined, which proves the file fails for that reason and no other.
set(KVFS_COMPILE_FAIL_CASES
  "lseek_on_socket|kvfs::lseek: .*no llseek.*ESPIPE"
  "lseek_on_pipe|kvfs::lseek: .*no llseek.*ESPIPE"
  "pread_on_socket|kvfs::pread: .*ESPIPE"
  "pwrite_on_socket|kvfs::pwrite: .*ESPIPE"
  "shutdown_on_file|kvfs::shutdown: .*not a socket.*ENOTSOCK"
  "setsockopt_on_file|kvfs::setsockopt: .*not a socket.*ENOTSOCK"
  "sendto_on_pipe|kvfs::sendto: .*not a socket.*ENOTSOCK"
  "scm_rights_on_tcp|kvfs::send_fds: SCM_RIGHTS needs an AF_UNIX socket.*__sock_cmsg_send"
  "write_without_write_op|kvfs::write: .*neither write nor write_iter.*EINVAL"
  "unlink_without_unlink_op|kvfs::vfs_unlink: .*no unlink.*EPERM"
  "fsync_on_socket|kvfs::fsync: .*no fsync.*EINVAL"
  "duplicate_name|file_system_name_registered_twice<'p', 'o', 's', 'i', 'x', 'f', 's'>"
  "write_wrong_buffer|file_operations::write does not have the kernel's shape. declare it as: static ssize_t write\\(auto& file, std::span<const std::byte> buf\\)"
  "write_wrong_result|file_operations::write does not have the kernel's shape. declare it as: static ssize_t write"
  "write_not_static|file_operations::write does not have the kernel's shape. declare it as: static ssize_t write"
  "write_concrete_file|file_operations::write takes one kind of file only. declare its first parameter `auto& file`"
  "name_not_name_c|name is a compile-time string: static constexpr auto name = kvfs::name_c<.+myfs"
  "missing_private_data|needs `using private_data = "
  "unknown_fs_name|no file-system type of this name is registered.*ENODEV"
)

foreach(case IN LISTS KVFS_COMPILE_FAIL_CASES)
  string(REPLACE "|" ";" parts "${case}")
  list(GET parts 0 name)
  list(GET parts 1 expected)
  set(source "${CMAKE_CURRENT_SOURCE_DIR}/compile_fail/${name}.cpp")

  add_library(compile_fail_${name} OBJECT EXCLUDE_FROM_ALL "${source}")
  target_link_libraries(compile_fail_${name} PRIVATE kvfs::kvfs kvfs_warnings)
  add_test(NAME compile_fail.${name}
    COMMAND "${CMAKE_COMMAND}" --build "${PROJECT_BINARY_DIR}" --target compile_fail_${name})
  set_tests_properties(compile_fail.${name} PROPERTIES
    PASS_REGULAR_EXPRESSION "${expected}"
    RESOURCE_LOCK kvfs_build_tree
    LABELS compile_fail)

  add_library(compile_fail_control_${name} OBJECT "${source}")
  target_compile_definitions(compile_fail_control_${name} PRIVATE KVFS_CONTROL)
  target_link_libraries(compile_fail_control_${name} PRIVATE kvfs::kvfs kvfs_warnings)
endforeach()
