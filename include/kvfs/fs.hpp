// SPDX-License-Identifier: BSL-1.0
// kvfs/fs.hpp - the file systems, as the kernel's fs/ directory holds them:
// posixfs (the host's files, standing for a disk file system such as ext4),
// ramfs (fs/ramfs), pipefs (fs/pipe.c), the character-device table
// (fs/char_dev.c) and the memory devices null, zero and full
// (drivers/char/mem.c). Each includes only the core; none includes Asio or
// the process model.
#pragma once

#include <kvfs/fs/char_dev.hpp>
#include <kvfs/fs/mem.hpp>
#include <kvfs/fs/pipefs.hpp>
#include <kvfs/fs/posixfs.hpp>
#include <kvfs/fs/ramfs.hpp>
