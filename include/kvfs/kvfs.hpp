// kvfs/kvfs.hpp - everything: the model, the registry, and every file system.
//
// Code that uses only regular files can include <kvfs/posixfs.hpp> alone and
// pay nothing for Asio.
#pragma once

#include <kvfs/asio.hpp>
#include <kvfs/async.hpp>
#include <kvfs/chrdev.hpp>
#include <kvfs/copy.hpp>
#include <kvfs/descriptor.hpp>
#include <kvfs/f_op.hpp>
#include <kvfs/fd_table.hpp>
#include <kvfs/file.hpp>
#include <kvfs/file_system.hpp>
#include <kvfs/local.hpp>
#include <kvfs/name.hpp>
#include <kvfs/net.hpp>
#include <kvfs/open_file.hpp>
#include <kvfs/pipefs.hpp>
#include <kvfs/posixfs.hpp>
#include <kvfs/process.hpp>
#include <kvfs/ramfs.hpp>
#include <kvfs/registry.hpp>
#include <kvfs/sockfs.hpp>
#include <kvfs/tcp.hpp>
#include <kvfs/trace.hpp>
#include <kvfs/version.hpp>
