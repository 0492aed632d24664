// SPDX-License-Identifier: BSL-1.0
// get_fs_type() of a name nobody registered: the kernel's mount answers ENODEV.
#include <kvfs/fs/posixfs.hpp>
#include <kvfs/registry.hpp>

#include <boost/hana/string.hpp>

constexpr kvfs::registry<kvfs::posixfs> file_systems{};
#ifdef KVFS_CONTROL
constexpr auto wanted = BOOST_HANA_STRING("posixfs");
#else
constexpr auto wanted = BOOST_HANA_STRING("ext4");
#endif
using found = decltype(file_systems.get_fs_type(wanted))::type;
static_assert(sizeof(found) > 0);
