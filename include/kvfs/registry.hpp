// SPDX-License-Identifier: BSL-1.0
// kvfs/registry.hpp - the compile-time list of registered file-system types.
//
// The kernel keeps a run-time list (`file_systems`) that register_filesystem()
// appends to and get_fs_type() searches. kvfs builds the same list at compile
// time as a Boost.Hana map from name to type, so a duplicate name is a compile
// error instead of -EBUSY, a compile-time name gives the type itself, and a
// run-time name is looked up in a constexpr table unpacked from the map.
//
//   constexpr auto file_systems = kvfs::registry<>{}
//       .register_filesystem<kvfs::posixfs>()
//       .register_filesystem<kvfs::sockfs<kvfs::tcp>>();
//   using tcp_fs = decltype(file_systems.get_fs_type(BOOST_HANA_STRING("sockfs")))::type;
//   file_systems.find("sockfs");      // std::optional<fs_info>
//   file_systems.proc_filesystems();  // "\tposixfs\nnodev\tsockfs\n"
#pragma once

#include <kvfs/detail/policy_check.hpp>
#include <kvfs/file_system.hpp>

#include <boost/hana/at_key.hpp>
#include <boost/hana/contains.hpp>
#include <boost/hana/map.hpp>
#include <boost/hana/pair.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/type.hpp>

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace kvfs {

/// What the registry knows of a type at run time.
struct fs_info {
  /// The type's name.
  std::string_view name;
  /// file_system_type.fs_flags.
  unsigned fs_flags = 0;
  std::size_t index = 0;  ///< position in registration order

  /// /proc/filesystems says "nodev" for a type that needs no block device.
  constexpr bool nodev() const noexcept { return (fs_flags & FS_REQUIRES_DEV) == 0; }
  /// Pseudo types (sockfs, pipefs) have an internal mount only.
  constexpr bool pseudo() const noexcept { return (fs_flags & FS_PSEUDO) != 0; }
};

namespace error {
/// Named in the compiler's message when two registered types share the
/// name spelled by `Name`.
template <char... Name>
struct file_system_name_registered_twice {
  static constexpr bool value = false;
};
}  // namespace error

namespace detail {
template <class Name>
struct duplicate_name;
template <char... C>
struct duplicate_name<boost::hana::string<C...>> {
  static_assert(
      error::file_system_name_registered_twice<C...>::value,
      "kvfs::registry: two file-system types share the name spelled out in file_system_name_registered_twice<...>; the "
      "kernel's register_filesystem() refuses the second with EBUSY");
};

// Whether `Name` is the name of only one of `Fs`; if not, the compiler says
// which name it is.
template <class Name, class... Fs>
constexpr bool name_is_unique() {
  constexpr std::size_t count = (std::size_t{std::is_same_v<std::remove_cvref_t<decltype(Fs::name)>, Name>} + ...);
  if constexpr (count > 1) return sizeof(duplicate_name<Name>) == 0;
  return true;
}
}  // namespace detail

/// The registered file-system types, in registration order.
template <class... Fs>
class registry {
  static_assert((detail::check_file_system_type<Fs>() && ...));
  static_assert((detail::name_is_unique<std::remove_cvref_t<decltype(Fs::name)>, Fs...>() && ...));

 public:
  /// Name -> type, as a Hana map (the kernel's `file_systems` list).
  static constexpr auto types = boost::hana::make_map(boost::hana::make_pair(Fs::name, boost::hana::type_c<Fs>)...);

  /// Every registered type, for the run-time lookup and listings.
  static constexpr std::array<fs_info, sizeof...(Fs)> entries = [] {
    std::array<fs_info, sizeof...(Fs)> table{};
    std::size_t index = 0;
    ((table[index] = fs_info{fs_name<Fs>, kvfs::fs_flags<Fs>(), index}, ++index), ...);
    return table;
  }();

  /// How many types are registered.
  static constexpr std::size_t size() noexcept { return sizeof...(Fs); }

  /// register_filesystem(): the registry with `F` appended.
  template <class F>
  constexpr registry<Fs..., F> register_filesystem() const noexcept {
    return {};
  }

  /// Whether a type of this compile-time name is registered.
  template <class Name>
  static constexpr auto contains(Name name) noexcept {
    return boost::hana::contains(types, name);
  }

  /// get_fs_type() by a compile-time name: the type, as a `hana::type`.
  template <class Name>
  static constexpr auto get_fs_type(Name name) noexcept {
    static_assert(decltype(boost::hana::contains(types, name))::value,
                  "kvfs::registry::get_fs_type: no file-system type of this name is registered "
                  "(the kernel's get_fs_type() returns NULL; mount(2) answers ENODEV)");
    return boost::hana::at_key(types, name);
  }

  /// get_fs_type() by a run-time name.
  static constexpr std::optional<fs_info> find(std::string_view name) noexcept {
    for (const fs_info& entry : entries) {
      if (entry.name == name) return entry;
    }
    return std::nullopt;
  }

  /// The listing /proc/filesystems gives: "nodev\tsockfs\n", "\text4\n".
  static std::string proc_filesystems() {
    std::string out;
    for (const fs_info& entry : entries) {
      out += entry.nodev() ? "nodev\t" : "\t";
      out += entry.name;
      out += '\n';
    }
    return out;
  }
};

}  // namespace kvfs
