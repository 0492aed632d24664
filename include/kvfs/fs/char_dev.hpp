// SPDX-License-Identifier: BSL-1.0
// kvfs/fs/char_dev.hpp - character devices: a driver is a file-system type
// with a device number, and the device table (fs/char_dev.c's cdev_map)
// that chrdev_open() searches when a device node is opened.
//
//   struct dev_counter {                      // a driver of your own
//     static constexpr auto name = kvfs::name_c<"counter">;
//     static constexpr unsigned major = 240, minor = 0;
//     using private_data = ...;  using file_operations = ...;
//   };
//   auto d = kvfs::open_device<dev_counter>(O_RDONLY);   // static path
//   // dynamic path: put it in the process's registry; opening a node
//   // (mknod c 240 0) then reaches its file_operations.
#pragma once

#include <kvfs/any_file.hpp>
#include <kvfs/descriptor.hpp>
#include <kvfs/file_system.hpp>

#include <sys/sysmacros.h>
#include <sys/types.h>

#include <algorithm>
#include <cerrno>
#include <concepts>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace kvfs {

/// A character-device driver: a file-system type whose files are opened
/// through a device number (major, minor), with no path of their own.
template <class Dev>
concept char_device = file_system_type<Dev> && std::default_initializable<typename Dev::private_data> &&
    requires {
  { Dev::major } -> std::convertible_to<unsigned>;
  { Dev::minor } -> std::convertible_to<unsigned>;
};

/// Opens a device's driver directly, with open(2) flags (the access mode counts).
template <char_device Dev>
descriptor<Dev> open_device(int flags) {
  return descriptor<Dev>(typename Dev::private_data{}, flags);
}

/// The device table: which driver answers for a device number.
class cdev_map {
 public:
  /// cdev_add(): `Dev` answers for its number; -EBUSY when it is taken.
  template <char_device Dev>
  int add() {
    const dev_t devt = ::makedev(Dev::major, Dev::minor);
    std::lock_guard guard(lock_);
    if (find_locked(devt) != nullptr) return -EBUSY;
    entries_.push_back({devt, fs_name<Dev>, [](int flags) { return make_file(open_device<Dev>(flags)); }});
    return 0;
  }

  /// chrdev_open(): the driver's file for the device `rdev`; -ENXIO when no
  /// driver answers for it.
  int open(dev_t rdev, int flags, file_ref& file) const {
    file_ref (*open_fn)(int) = nullptr;
    {
      std::lock_guard guard(lock_);
      const entry* found = find_locked(rdev);
      if (found == nullptr) return -ENXIO;
      open_fn = found->open;
    }
    file = open_fn(flags);
    return 0;
  }

  /// Whether a driver answers for `rdev`.
  bool contains(dev_t rdev) const {
    std::lock_guard guard(lock_);
    return find_locked(rdev) != nullptr;
  }

  /// What /proc/devices lists of them: "  1 null\n", by device number.
  std::string proc_devices() const {
    std::lock_guard guard(lock_);
    std::vector<entry> sorted = entries_;
    std::sort(sorted.begin(), sorted.end(), [](const entry& a, const entry& b) { return a.devt < b.devt; });
    std::string out = "Character devices:\n";
    for (const entry& e : sorted) {
      out += std::to_string(::major(e.devt)) + ':' + std::to_string(::minor(e.devt)) + ' ' + std::string(e.name) + '\n';
    }
    return out;
  }

 private:
  struct entry {
    dev_t devt;
    std::string_view name;
    file_ref (*open)(int flags);
  };

  const entry* find_locked(dev_t devt) const noexcept {
    for (const entry& e : entries_) {
      if (e.devt == devt) return &e;
    }
    return nullptr;
  }

  mutable std::mutex lock_;
  std::vector<entry> entries_;
};

}  // namespace kvfs
