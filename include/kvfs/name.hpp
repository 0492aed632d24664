// SPDX-License-Identifier: BSL-1.0
// kvfs/name.hpp - compile-time names for file-system types.
#pragma once

#include <boost/hana/string.hpp>

#include <cstddef>
#include <string_view>
#include <utility>

namespace kvfs {

namespace detail {
template <std::size_t N>
struct fixed_string {
  char chars[N]{};
  constexpr fixed_string(const char (&text)[N]) {  // NOLINT: implicit by design
    for (std::size_t i = 0; i < N; ++i) chars[i] = text[i];
  }
  constexpr std::string_view view() const noexcept { return {chars, N - 1}; }
};
}  // namespace detail

/// The Hana compile-time string spelled by a literal: `name_c<"sockfs">`.
///
/// It is the same type as `BOOST_HANA_STRING("sockfs")`, but unlike that macro
/// it can initialise a static member of a class (GCC rejects the macro's
/// lambda there), which is where a file-system type declares its name.
template <detail::fixed_string Name>
inline constexpr auto name_c = []<std::size_t... I>(std::index_sequence<I...>) {
  return boost::hana::string_c<Name.chars[I]...>;
}
(std::make_index_sequence<sizeof(Name.chars) - 1>{});

/// A compile-time name as a run-time string view.
template <class HanaString>
constexpr std::string_view to_string_view(HanaString name) noexcept {
  return boost::hana::to<const char*>(name);
}

}  // namespace kvfs
