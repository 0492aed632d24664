// SPDX-License-Identifier: BSL-1.0
// kvfs/version.hpp - the library's version.
#pragma once

#define KVFS_VERSION_MAJOR 0
#define KVFS_VERSION_MINOR 1
#define KVFS_VERSION_PATCH 0
