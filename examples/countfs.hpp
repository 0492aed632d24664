// SPDX-License-Identifier: BSL-1.0
// countfs: a file system of a newcomer's own, written only against kvfs's
// concepts, whose files are counters: reading a file counts, and its
// contents are how many times it has been read ("3\n"); writing a number
// sets it. The same policy serves a kvfs::process (mount by name, then
// open/read/write through the descriptor table) and the host through FUSE
// (kvfs::fuse::mounted: cat, ls, echo > on the mount point).
#pragma once

#include <kvfs/core.hpp>

#include <dirent.h>
#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace countfs_example {

struct counter {
  explicit counter(ino_t number, mode_t permissions) : ino(number), mode(permissions) {}
  const ino_t ino;
  std::atomic<mode_t> mode;
  std::atomic<long> value{0};

  std::string text() const { return std::to_string(value.load()) + "\n"; }
};

// The one directory: its names, under its lock.
struct directory {
  std::mutex lock;
  std::map<std::string, std::shared_ptr<counter>, std::less<>> names;
  ino_t next_ino = 2;
};

// What a name leads to: the directory (file null), or one of its counters.
struct count_node {
  std::shared_ptr<directory> dir;
  std::shared_ptr<counter> file;
  bool operator==(const count_node&) const = default;
};

// An open file: its node, and the text one read started (so that a read
// in pieces sees one number).
struct count_file {
  count_node node;
  std::string text;
};

struct countfs {
  static constexpr auto name = kvfs::name_c<"countfs">;
  using private_data = count_file;
  using inode_type = count_node;

  struct inode_operations {
    static constexpr std::string_view name = "countfs_inode_operations";

    static int lookup(count_node& dir, std::string_view name, count_node& out) {
      if (dir.file) return -ENOTDIR;
      std::lock_guard guard(dir.dir->lock);
      const auto it = dir.dir->names.find(name);
      if (it == dir.dir->names.end()) return -ENOENT;
      out = {dir.dir, it->second};
      return 0;
    }
    static int getattr(count_node& node, struct ::stat& st) {
      st = {};
      if (!node.file) {
        st.st_mode = S_IFDIR | 0755;
        st.st_ino = 1;
        st.st_nlink = 2;
        return 0;
      }
      st.st_mode = S_IFREG | node.file->mode.load();
      st.st_ino = node.file->ino;
      st.st_nlink = 1;
      st.st_size = static_cast<off_t>(node.file->text().size());
      return 0;
    }
    static int create(count_node& dir, std::string_view name, mode_t mode, count_node& out) {
      std::lock_guard guard(dir.dir->lock);
      auto made = std::make_shared<counter>(dir.dir->next_ino++, mode & 0777);
      if (!dir.dir->names.emplace(std::string(name), made).second) return -EEXIST;
      out = {dir.dir, std::move(made)};
      return 0;
    }
    static int unlink(count_node& dir, std::string_view name) {
      std::lock_guard guard(dir.dir->lock);
      return dir.dir->names.erase(std::string(name)) == 1 ? 0 : -ENOENT;
    }
    // A size change (O_TRUNC, truncate) starts the count again; a mode
    // change keeps the permission bits.
    static int setattr(count_node& node, const kvfs::iattr& attr) {
      if (!node.file) return (attr.ia_valid & kvfs::ATTR_SIZE) != 0 ? -EISDIR : 0;
      if ((attr.ia_valid & kvfs::ATTR_SIZE) != 0) node.file->value = 0;
      if ((attr.ia_valid & kvfs::ATTR_MODE) != 0) node.file->mode = attr.ia_mode & 0777;
      return 0;
    }
  };

  struct file_operations {
    static constexpr std::string_view name = "countfs_file_operations";

    // A read from the start counts once; the rest of that number follows.
    static ssize_t read(auto& file, std::span<std::byte> buf) {
      count_file& f = file.private_data;
      if (!f.node.file) return -EISDIR;
      if (file.f_pos == 0) {
        ++f.node.file->value;
        f.text = f.node.file->text();
      }
      const auto at = static_cast<std::size_t>(file.f_pos);
      if (at >= f.text.size()) return 0;
      const std::size_t n = std::min(buf.size(), f.text.size() - at);
      std::memcpy(buf.data(), f.text.data() + at, n);
      file.f_pos += static_cast<kvfs::loff_t>(n);
      return static_cast<ssize_t>(n);
    }

    // A decimal number (a newline may follow) sets the counter.
    static ssize_t write(auto& file, std::span<const std::byte> buf) {
      count_file& f = file.private_data;
      if (!f.node.file) return -EISDIR;
      std::string_view text(reinterpret_cast<const char*>(buf.data()), buf.size());
      if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
      long value = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (error != std::errc{} || end != text.data() + text.size()) return -EINVAL;
      f.node.file->value = value;
      return static_cast<ssize_t>(buf.size());
    }

    // The directory's names for getdents64: ".", "..", then each name.
    static ssize_t iterate_shared(auto& file, std::span<std::byte> buf) {
      count_file& f = file.private_data;
      if (f.node.file) return -ENOTDIR;
      std::lock_guard guard(f.node.dir->lock);
      std::size_t used = 0;
      kvfs::loff_t index = 0;
      auto emit = [&](ino_t ino, unsigned char type, std::string_view name) {
        if (index++ < file.f_pos) return true;  // read before
        if (!kvfs::dir_emit(buf, used, ino, index, type, name)) return false;
        file.f_pos = index;
        return true;
      };
      if (!emit(1, DT_DIR, ".") || !emit(1, DT_DIR, "..")) return used > 0 ? static_cast<ssize_t>(used) : -EINVAL;
      for (const auto& [name, c] : f.node.dir->names) {
        if (!emit(c->ino, DT_REG, name)) return used > 0 ? static_cast<ssize_t>(used) : -EINVAL;
      }
      return static_cast<ssize_t>(used);
    }

    // Directories seek back to a place a read gave (what FUSE's readdir does).
    static kvfs::loff_t llseek(auto& file, kvfs::loff_t offset, int whence) {
      if (whence != SEEK_SET || offset < 0) return -EINVAL;
      return file.f_pos = offset;
    }

    static int getattr(auto& file, struct ::stat& st) { return inode_operations::getattr(file.private_data.node, st); }
  };

  // The mounted instance: its root, and how an inode the walk found opens.
  class super_block final : public kvfs::super_block {
   public:
    super_block() {
      kvfs::inode_ptr root;
      kvfs::policy_inode<countfs>::make(count_node{std::make_shared<directory>(), nullptr}, root);
      set_root(std::move(root));
    }
    int open_inode(kvfs::vfs_inode& inode, int flags, mode_t, kvfs::file_ref& file) override {
      auto* node = dynamic_cast<kvfs::policy_inode<countfs>*>(&inode);
      if (node == nullptr) return -EXDEV;
      file = kvfs::make_file(kvfs::descriptor<countfs>(count_file{node->node(), {}}, flags));
      return 0;
    }
  };

  static int mount(std::string_view, int, std::shared_ptr<kvfs::super_block>& sb) {
    sb = std::make_shared<super_block>();
    return 0;
  }
};

}  // namespace countfs_example
