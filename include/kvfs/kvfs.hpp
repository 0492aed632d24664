// SPDX-License-Identifier: BSL-1.0
// kvfs/kvfs.hpp - everything: the core, the file systems, the socket layer,
// the process model and the Asio integration. Each area has its own
// umbrella (<kvfs/core.hpp>, <kvfs/fs.hpp>, <kvfs/net.hpp>,
// <kvfs/kernel.hpp>, <kvfs/asio.hpp>); code that uses only regular files
// can include <kvfs/fs/posixfs.hpp> alone and pay nothing for Asio.
#pragma once

#include <kvfs/asio.hpp>
#include <kvfs/core.hpp>
#include <kvfs/fs.hpp>
#include <kvfs/kernel.hpp>
#include <kvfs/net.hpp>
