// SPDX-License-Identifier: BSL-1.0
// kvfs/kernel/namei.hpp - the path walk of fs/namei.c: a path taken one
// component at a time through each directory's ->lookup, with "." and ".."
// (never above the namespace's root), trailing slashes, symlinks followed
// (ELOOP after 40), ENAMETOOLONG, ENOTDIR for a file in the middle, and
// mount points crossed both ways.
#pragma once

#include <kvfs/inode.hpp>
#include <kvfs/super_block.hpp>
#include <kvfs/trace.hpp>

#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace kvfs {

/// One name the walk went through: its inode and the mount it is in.
struct path_step {
  std::string name;  ///< "" for the root
  /// Where the walk stands.
  inode_ptr inode;
  /// The mount it is in.
  std::shared_ptr<super_block> mnt;
};

/// struct nameidata's position: the steps from the root to where the walk
/// is, so ".." is a pop and crossing back out of a mount comes for free.
using walk_stack = std::vector<path_step>;

/// What kind of name ends a path (nameidata.last_type).
enum class last_type { norm, root, dot, dotdot };

/// How to walk (the kernel's LOOKUP_* flags).
inline constexpr unsigned LOOKUP_FOLLOW = 1;  // follow a symlink at the end
inline constexpr unsigned LOOKUP_PARENT = 2;  // stop at the directory that holds the last name

/// Where a walk ended: the stack (to the object, or to the parent with
/// LOOKUP_PARENT) and, with LOOKUP_PARENT, the last name.
struct walk_result {
  /// Every step from the root, for "..".
  walk_stack stack;
  /// The last component, not walked (LOOKUP_PARENT).
  std::string last;
  /// What the last component is: a name, ".", "..".
  last_type type = last_type::norm;
  /// The path ended with "/".
  bool trailing_slash = false;
  ostream_trace* trace = nullptr;  ///< where each step is told, when traced

  /// The inode the walk ended at.
  vfs_inode& inode() const { return *stack.back().inode; }
  /// The mount the walk ended in.
  const std::shared_ptr<super_block>& mnt() const { return stack.back().mnt; }
};

inline constexpr int MAXSYMLINKS = 40;

/// The path a stack stands for ("/a/b").
inline std::string stack_path(const walk_stack& stack) {
  if (stack.size() <= 1) return "/";
  std::string out;
  for (std::size_t i = 1; i < stack.size(); ++i) out += "/" + stack[i].name;
  return out;
}

/// Whether `inode` is one of the directories of `stack` (an ancestor).
inline bool in_stack(const walk_stack& stack, const vfs_inode& inode) {
  for (const path_step& step : stack)
    if (step.inode->same(inode)) return true;
  return false;
}

namespace detail {
// ->lookup of `name` in `dir`, told to the trace as the kernel's
// lookup_slow() → i_op->lookup.
inline int traced_lookup(vfs_inode& dir, const std::string& name, inode_ptr& out, ostream_trace* trace) {
  if (trace != nullptr) trace->step("lookup \"", name, "\" -> ", dir.fs_name(), ": ", dir.i_op_name(), ".lookup");
  return dir.lookup(name, out);
}

inline void split_path(std::string_view path, std::deque<std::string>& parts, bool at_front) {
  std::vector<std::string> found;
  for (std::size_t at = 0; at < path.size();) {
    const std::size_t end = std::min(path.find('/', at), path.size());
    if (end > at) found.emplace_back(path.substr(at, end - at));
    at = end + 1;
  }
  if (at_front) {
    parts.insert(parts.begin(), found.begin(), found.end());
  } else {
    parts.insert(parts.end(), found.begin(), found.end());
  }
}
}  // namespace detail

/// link_path_walk() and the last component: walks `path` from `result.stack`
/// (its root for an absolute path). `mounted(stack)` is the newest mount at
/// that path, or none. 0 or -errno.
template <class Mounted>
int path_walk(std::string_view path, unsigned flags, Mounted mounted, walk_result& result) {
  walk_stack& stack = result.stack;
  if (path.empty()) return -ENOENT;
  if (path.front() == '/') stack.resize(1);
  std::deque<std::string> todo;
  detail::split_path(path, todo, false);
  result.trailing_slash = path.back() == '/' && !todo.empty();
  int links = 0;
  if (todo.empty()) {
    result.type = last_type::root;
    return 0;
  }
  while (!todo.empty()) {
    const std::string name = std::move(todo.front());
    todo.pop_front();
    const bool is_last = todo.empty();
    if (name.size() > NAME_MAX) return -ENAMETOOLONG;
    if (!S_ISDIR(stack.back().inode->i_mode)) return -ENOTDIR;
    if (is_last && (flags & LOOKUP_PARENT) != 0) {
      result.last = name;
      result.type = name == "." ? last_type::dot : name == ".." ? last_type::dotdot : last_type::norm;
      return 0;
    }
    if (name == ".") continue;
    if (name == "..") {  // follow_dotdot(): up, never above the root
      if (stack.size() > 1) stack.pop_back();
      continue;
    }
    inode_ptr child;
    if (const int error = detail::traced_lookup(*stack.back().inode, name, child, result.trace); error < 0) return error;
    if (S_ISLNK(child->i_mode) && (!is_last || (flags & LOOKUP_FOLLOW) != 0 || result.trailing_slash)) {
      if (++links > MAXSYMLINKS) return -ELOOP;  // pick_link()
      if (result.trace != nullptr) result.trace->step("pick_link -> ", child->i_op_name(), ".get_link");
      std::string target;
      if (const int error = child->get_link(target); error < 0) return error;
      if (target.empty()) return -ENOENT;
      if (target.front() == '/') stack.resize(1);
      if (is_last && target.back() == '/') result.trailing_slash = true;  // "l -> f/" must be a directory
      detail::split_path(target, todo, true);
      if (todo.empty() && (flags & LOOKUP_PARENT) != 0) result.type = last_type::root;
      continue;
    }
    path_step step{name, std::move(child), stack.back().mnt};
    stack.push_back(std::move(step));
    // follow_managed(): a mount here covers the directory with its root.
    if (std::shared_ptr<super_block> sb = mounted(stack)) {
      inode_ptr root = sb->root_inode();
      if (!root) return -EOPNOTSUPP;
      if (result.trace != nullptr) result.trace->step("follow_managed -> ", root->fs_name(), " root");
      stack.back().inode = std::move(root);
      stack.back().mnt = std::move(sb);
    }
  }
  if (result.trailing_slash && !S_ISDIR(stack.back().inode->i_mode)) return -ENOTDIR;
  return 0;
}

}  // namespace kvfs
