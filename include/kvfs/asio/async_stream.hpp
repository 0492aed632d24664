// SPDX-License-Identifier: BSL-1.0
// kvfs/asio/async_stream.hpp - any kvfs descriptor as an Asio AsyncReadStream and
// AsyncWriteStream: co_await a write to a socket, a pipe, a file or a
// number of the descriptor table, through the same VFS path as write(2).
//
//   asio::io_context io;
//   kvfs::async_stream out(kvfs::tcp::connect(io, peer), io.get_executor());
//   co_await asio::async_write(out, asio::buffer(text), asio::use_awaitable);
//
// How an operation runs (the kernel's non-blocking I/O plus poll):
//  - The stream sets O_NONBLOCK on a file that can block (one with
//    poll_wait: sockets, pipes), as fcntl(F_SETFL) would. An operation first
//    tries the transfer; on EAGAIN it sleeps on the file's wait queue (the
//    host descriptor poll_wait names, watched by Asio's reactor) and tries
//    again when the reactor says ready.
//  - A file that is always ready (regular files, ramfs, /dev/null and the
//    other chrdev files: no poll_wait, DEFAULT_POLLMASK) is read or written
//    from a handler posted to the executor.
//  - Completion is never inline: a transfer that succeeds at once is
//    delivered through the executor.
//  - Per-operation cancellation (terminal, partial or total): a waiting
//    operation ends with asio::error::operation_aborted and moves no bytes.
//  - A read of 0 bytes into a non-empty buffer is asio::error::eof.
//  - Like an Asio socket, one async_stream is used from one thread or one
//    strand at a time; at most one read and one write are outstanding.
//  - An operation in flight refers to its stream: the stream must not be
//    moved until it completes (asserted in debug builds).
#pragma once

#include <kvfs/asio/stream.hpp>
#include <kvfs/descriptor.hpp>
#include <kvfs/detail/buffer_sequence.hpp>
#include <kvfs/detail/vfs.hpp>
#include <kvfs/io.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/cancellation_type.hpp>
#include <asio/compose.hpp>
#include <asio/error.hpp>
#include <asio/posix/basic_stream_descriptor.hpp>
#include <asio/post.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>
#include <atomic>
#include <cassert>
#include <cerrno>
#include <cstddef>
#include <memory>
#include <span>
#include <system_error>
#include <type_traits>
#include <utility>

namespace kvfs {

namespace detail {

/// A file's wait queue as the reactor sees it: a duplicate of the host
/// descriptor poll_wait names, registered with Asio's reactor. The
/// duplicate has a registration of its own, so it never collides with the
/// Asio socket that may already watch the original number. One per
/// direction, so waking the read side never disturbs a waiting write.
template <class Executor>
class wait_queue {
 public:
  explicit wait_queue(const Executor& ex) : queue_(ex) {}

  /// Watches `host_fd`, reusing the registration while it is the same file.
  std::error_code watch(int host_fd) {
    struct ::stat st {};
    if (::fstat(host_fd, &st) < 0) return {errno, std::system_category()};
    if (queue_.is_open() && st.st_dev == dev_ && st.st_ino == ino_) return {};
    std::error_code ec;
    queue_.close(ec);
    const int copy = ::fcntl(host_fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) return {errno, std::system_category()};
    queue_.assign(copy, ec);
    if (ec) {
      ::close(copy);
      return ec;
    }
    dev_ = st.st_dev;
    ino_ = st.st_ino;
    return {};
  }

  asio::posix::basic_stream_descriptor<Executor>& queue() noexcept { return queue_; }

  // Set when the stream itself woke a waiting operation (see wake_if_ready);
  // an aborted wait without it was cancelled by the user or by destruction.
  std::atomic<bool> woken{false};
  std::atomic<bool> stream_gone{false};

 private:
  asio::posix::basic_stream_descriptor<Executor> queue_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
};

enum class async_kind { read, write, wait };

inline std::error_code result_error(ssize_t result) noexcept {
  return result < 0 ? std::error_code(static_cast<int>(-result), std::system_category()) : std::error_code();
}

/// One asynchronous operation: try, and on EAGAIN wait on the wait queue
/// and try again. `Stream` is the async_stream; `Buffers` the user's.
template <class Stream, class Buffers, async_kind Kind>
class async_op {
  using queue_type = wait_queue<typename Stream::executor_type>;
  enum class phase { start, posted_ready, posted_result, waiting };

 public:
  async_op(Stream& stream, const Buffers& buffers, bool read_side)
      : stream_(&stream), buffers_(buffers), read_side_(read_side) {
    ++stream.in_flight_;
  }

  template <class Self>
  void operator()(Self& self, std::error_code wait_ec = {}) {
    switch (phase_) {
      case phase::start:
        self.reset_cancellation_state(asio::enable_total_cancellation());
        if (!stream_->pollable()) {  // always ready: run from the executor
          phase_ = phase::posted_ready;
          return post(self);
        }
        return attempt(self);
      case phase::posted_ready:
        if (cancelled(self)) return finish(self, asio::error::operation_aborted, 0);
        return finish_with(self, stream_->template transfer<Kind>(buffers_, read_side_));
      case phase::posted_result:
        return finish(self, result_ec_, result_bytes_);
      case phase::waiting: {
        const bool woken = queue_->woken.exchange(false);
        if (queue_->stream_gone || cancelled(self) || (wait_ec && !woken)) {
          return finish(self, wait_ec && !woken ? wait_ec : asio::error::operation_aborted, 0);
        }
        queue_.reset();
        return attempt(self);
      }
    }
  }

 private:
  template <class Self>
  void attempt(Self& self) {
    const ssize_t result = stream_->template transfer<Kind>(buffers_, read_side_);
    if (result == -EAGAIN) return wait(self);
    if (phase_ == phase::start) {  // never complete inside the initiating call
      store(result);
      phase_ = phase::posted_result;
      return post(self);
    }
    finish_with(self, result);
  }

  template <class Self>
  void wait(Self& self) {
    const int host_fd = stream_->poll_wait_fd();
    if (host_fd < 0) return fail(self, host_fd == -1 ? -EAGAIN : host_fd);
    queue_ = stream_->wait_queue_for(read_side_);
    if (const std::error_code ec = queue_->watch(host_fd)) return fail(self, -ec.value());
    auto& queue = queue_->queue();
    const auto kind = read_side_ ? asio::posix::descriptor_base::wait_read : asio::posix::descriptor_base::wait_write;
    const short events = read_side_ ? POLLIN : POLLOUT;
    std::shared_ptr<queue_type> keep = queue_;
    phase_ = phase::waiting;
    queue.async_wait(kind, std::move(self));  // `this` is moved from now on
    wake_if_ready(*keep, host_fd, events);
  }

  // Asio's reactor is edge-triggered: readiness that arrived between the
  // failed attempt and the wait may already have been reported to nobody.
  // One poll(2) after queueing the wait closes that window.
  static void wake_if_ready(queue_type& queue, int host_fd, short events) {
    ::pollfd probe{host_fd, events, 0};
    if (::poll(&probe, 1, 0) > 0) {
      queue.woken = true;
      queue.queue().cancel();
    }
  }

  template <class Self>
  void fail(Self& self, ssize_t error) {
    store(error);
    if (phase_ == phase::start) {
      phase_ = phase::posted_result;
      return post(self);
    }
    finish(self, result_ec_, 0);
  }

  template <class Self>
  void post(Self& self) {
    auto ex = stream_->get_executor();
    asio::post(ex, std::move(self));
  }

  template <class Self>
  static bool cancelled(Self& self) {
    return self.get_cancellation_state().cancelled() != asio::cancellation_type::none;
  }

  void store(ssize_t result) noexcept {
    result_ec_ = result_error(result);
    result_bytes_ = result > 0 ? static_cast<std::size_t>(result) : 0;
    if (result == 0 && Kind == async_kind::read && !Stream::empty(buffers_)) result_ec_ = asio::error::eof;
  }

  template <class Self>
  void finish_with(Self& self, ssize_t result) {
    store(result);
    finish(self, result_ec_, result_bytes_);
  }

  template <class Self>
  void finish(Self& self, std::error_code ec, std::size_t bytes) {
    // Before the handler, which may destroy the stream; a stream already
    // destroyed (the wait was aborted by it) has nothing to count.
    if (!(queue_ && queue_->stream_gone)) --stream_->in_flight_;
    if constexpr (Kind == async_kind::wait) {
      self.complete(ec);
    } else {
      self.complete(ec, bytes);
    }
  }

  Stream* stream_;
  Buffers buffers_;
  bool read_side_;
  phase phase_ = phase::start;
  std::shared_ptr<queue_type> queue_;
  std::error_code result_ec_;
  std::size_t result_bytes_ = 0;
};

}  // namespace detail

/// A descriptor as an Asio asynchronous stream. `Handle` is a static
/// descriptor<Fs> (owned by the stream) or a kvfs::fd number of a process
/// (a handle: the process must outlive the stream, and closing the number
/// stays the caller's job).
template <class Handle, class Executor = asio::any_io_executor>
class async_stream {
 public:
  /// Asio's executor.
  using executor_type = Executor;
  /// The descriptor it drives.
  using handle_type = Handle;

  /// Binds `handle` to `ex`; a file that can block becomes O_NONBLOCK (for
  /// every number sharing the open file, as fcntl(F_SETFL) would).
  async_stream(Handle handle, const Executor& ex, std::error_code& ec) : handle_(std::move(handle)), ex_(ex) {
    ec = detail::result_error(make_nonblocking());
  }

  /// Drives `handle` on `ex` (the file is made non-blocking).
  async_stream(Handle handle, const Executor& ex) : handle_(std::move(handle)), ex_(ex) {
    const std::error_code ec = detail::result_error(make_nonblocking());
    if (ec) throw std::system_error(ec, "kvfs::async_stream: fcntl(F_SETFL, O_NONBLOCK)");
  }

  /// Moves the stream; no operation may be in flight on `other` (it holds
  /// a pointer to it), nor on this stream for the assignment.
  async_stream(async_stream&& other) noexcept
      : handle_(std::move(other.handle_)),
        ex_(std::move(other.ex_)),
        read_queue_(std::move(other.read_queue_)),
        write_queue_(std::move(other.write_queue_)) {
    assert(other.in_flight_ == 0 && "kvfs::async_stream moved with an operation in flight");
  }
  /// Takes over `other`'s descriptor.
  async_stream& operator=(async_stream&& other) noexcept {
    assert(in_flight_ == 0 && other.in_flight_ == 0 && "kvfs::async_stream moved with an operation in flight");
    handle_ = std::move(other.handle_);
    ex_ = std::move(other.ex_);
    read_queue_ = std::move(other.read_queue_);
    write_queue_ = std::move(other.write_queue_);
    return *this;
  }
  async_stream(const async_stream&) = delete;
  async_stream& operator=(const async_stream&) = delete;

  // A waiting operation ends with operation_aborted, as with an Asio socket.
  ~async_stream() {
    for (auto* queue : {read_queue_.get(), write_queue_.get()}) {
      if (queue == nullptr) continue;
      queue->stream_gone = true;
      std::error_code ignored;
      queue->queue().close(ignored);
    }
  }

  /// The executor completions run on.
  executor_type get_executor() const noexcept { return ex_; }

  /// The descriptor (now non-blocking if it can block).
  Handle& handle() noexcept { return handle_; }
  /// The descriptor.
  const Handle& handle() const noexcept { return handle_; }

  /// Reads some bytes: completion signature void(std::error_code, std::size_t).
  template <class MutableBuffers, class Token = asio::default_completion_token_t<Executor>>
  requires readable_descriptor<Handle> && detail::buffer_sequence<MutableBuffers>
  auto async_read_some(const MutableBuffers& buffers, Token&& token = Token()) {
    return asio::async_compose<Token, void(std::error_code, std::size_t)>(
        detail::async_op<async_stream, MutableBuffers, detail::async_kind::read>(*this, buffers, true),
        token, ex_);
  }

  /// Writes some bytes: completion signature void(std::error_code, std::size_t).
  template <class ConstBuffers, class Token = asio::default_completion_token_t<Executor>>
  requires writable_descriptor<Handle> && detail::buffer_sequence<ConstBuffers>
  auto async_write_some(const ConstBuffers& buffers, Token&& token = Token()) {
    return asio::async_compose<Token, void(std::error_code, std::size_t)>(
        detail::async_op<async_stream, ConstBuffers, detail::async_kind::write>(*this, buffers, false),
        token, ex_);
  }

  /// Waits until the file is ready to read or to write, as poll(2) reports
  /// it: completion signature void(std::error_code).
  template <class Token = asio::default_completion_token_t<Executor>>
  auto async_wait(asio::posix::descriptor_base::wait_type what, Token&& token = Token()) {
    const bool read_side = what == asio::posix::descriptor_base::wait_read;
    return asio::async_compose<Token, void(std::error_code)>(
        detail::async_op<async_stream, no_buffers, detail::async_kind::wait>(*this, {}, read_side),
        token, ex_);
  }

 private:
  template <class, class, detail::async_kind>
  friend class detail::async_op;
  struct no_buffers {};

  // fcntl(F_SETFL, flags | O_NONBLOCK) on a file that can block: 0 or -errno.
  int make_nonblocking() {
    if (!pollable()) return 0;
    const int flags = handle_.vfs_fcntl(F_GETFL, 0);
    return flags < 0 ? flags : handle_.vfs_fcntl(F_SETFL, flags | O_NONBLOCK);
  }

  bool pollable() { return handle_.vfs_poll_wait() != -1; }
  int poll_wait_fd() { return handle_.vfs_poll_wait(); }

  template <class Buffers>
  static bool empty(const Buffers& buffers) {
    if constexpr (std::is_same_v<Buffers, no_buffers>) {
      return true;
    } else {
      detail::gathered_iovecs iov;
      return detail::iov_length({iov.data(), detail::gather(buffers, iov)}) == 0;
    }
  }

  // One try, as the kernel answers it: a count, or -errno (-EAGAIN: wait).
  template <detail::async_kind Kind, class Buffers>
  ssize_t transfer(const Buffers& buffers, bool read_side) {
    if constexpr (Kind == detail::async_kind::wait) {
      const short wanted = read_side ? POLLIN | POLLHUP | POLLERR : POLLOUT | POLLERR;
      const short ready = handle_.vfs_poll();
      if ((ready & POLLNVAL) != 0) return -EBADF;
      return (ready & wanted) != 0 ? 0 : -EAGAIN;
    } else {
      detail::gathered_iovecs iov;
      const std::size_t count = detail::gather(buffers, iov);
      if (detail::iov_length({iov.data(), count}) == 0) return 0;  // Asio: nothing to move is a no-op
      if constexpr (Kind == detail::async_kind::read) {
        return count == 1 ? handle_.vfs_read({static_cast<std::byte*>(iov[0].iov_base), iov[0].iov_len})
                          : handle_.vfs_readv({iov.data(), count});
      } else {
        return count == 1 ? handle_.vfs_write({static_cast<const std::byte*>(iov[0].iov_base), iov[0].iov_len})
                          : handle_.vfs_writev({iov.data(), count});
      }
    }
  }

  std::shared_ptr<detail::wait_queue<Executor>> wait_queue_for(bool read_side) {
    auto& queue = read_side ? read_queue_ : write_queue_;
    if (!queue) queue = std::make_shared<detail::wait_queue<Executor>>(ex_);
    return queue;
  }

  Handle handle_;
  Executor ex_;
  std::shared_ptr<detail::wait_queue<Executor>> read_queue_;
  std::shared_ptr<detail::wait_queue<Executor>> write_queue_;
  int in_flight_ = 0;  // operations begun and not completed
};

}  // namespace kvfs
