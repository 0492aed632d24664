// SPDX-License-Identifier: BSL-1.0
// kvcat: copies one address to another through kvfs's descriptor table,
// like `socat -u`, or both ways at once with -b, like socat's default. Each
// address becomes a number of a kvfs::process (open, socket + connect,
// socket + bind + listen + accept4). One way, kvfs::copy moves the bytes with
// the kernel's best mechanism for the pair: sendfile for a file to a socket,
// splice when a pipe is on either side, copy_file_range between files, one
// reused buffer otherwise. Both ways, two coroutines relay through
// kvfs::async_stream on the table's numbers, on one thread.
#include <kvfs/kvfs.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::string_view usage = R"(usage: kvcat [-v] [--trace] [-n COUNT] SOURCE DESTINATION
       kvcat -b [-t SECONDS] [-v] [--trace] ADDRESS ADDRESS

Copies SOURCE to DESTINATION, one way (like socat -u), through kvfs's
descriptor table. The kernel's zero-copy path is used when the pair has one:
sendfile (file to socket or pipe), splice (a pipe on either side),
copy_file_range (file to file); otherwise one reused 64 KiB buffer.

With -b, copies both ways at once, as socat does by default: what either
address reads is written to the other. When one direction reaches its end,
the other side's socket is shut down for writing, and the other direction
has 0.5 seconds (-t) to finish before kvcat stops it. -b takes socket and
standard addresses, not file:.

A datagram DESTINATION gets the data in datagrams of at most 8 KiB (as
socat's block size); a datagram SOURCE ends at a zero-length datagram (or
-n COUNT).

Addresses:
  file:PATH                 a file; as DESTINATION it is created or truncated
  tcp:HOST:PORT             connect over TCP (HOST: a name, IPv4, or [IPv6])
  tcp-listen:[HOST:]PORT    accept one TCP connection (HOST: 127.0.0.1 unless
                            given; PORT 0: the kernel picks, -v prints it)
  unix:PATH                 connect to a Unix-domain stream socket
  unix-listen:PATH          accept one connection on a new Unix socket at PATH
  udp:HOST:PORT             send datagrams to (and hear only) HOST:PORT
  udp-listen:[HOST:]PORT    bind, wait for the first datagram, then talk with
                            its sender only (HOST: 127.0.0.1 unless given)
  unix-dgram:PATH           SOURCE: receive datagrams on a new Unix datagram
                            socket at PATH; DESTINATION: send them to PATH
  -                         standard input (SOURCE) or output (DESTINATION)

Options:
  -b          both ways at once (see above)
  -t SECONDS  with -b: how long the second direction may go on after the
              first ended (default 0.5, as socat's -t)
  -v          print where kvcat listens and what it copied, to stderr
  --trace     print the kernel path of every call kvfs makes, to stderr
  -n COUNT    copy at most COUNT bytes
  -h, --help  this text

Exit status: 0 when the copy finished, 1 when a call failed, 2 for bad usage.
)";

// A failure the user must read: what kvcat was doing, and the kernel's answer.
struct failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct bad_usage : std::runtime_error {
  using std::runtime_error::runtime_error;
};

long check(long result, const std::string& what) {
  if (result < 0) throw failure(what + ": " + std::strerror(static_cast<int>(-result)));
  return result;
}

enum class role { source, destination };

struct options {
  bool both_ways = false;
  std::chrono::duration<double> linger{0.5};
  bool verbose = false;
  bool trace = false;
  std::size_t count = static_cast<std::size_t>(-1);
  std::string source, destination;
};

std::size_t parse_count(std::string_view text) {
  std::size_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size())
    throw bad_usage("-n needs a byte count, got '" + std::string(text) + "'");
  return value;
}

double parse_seconds(std::string_view text) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !(value >= 0) || value > 1e6) {
    throw bad_usage("-t needs a number of seconds, got '" + std::string(text) + "'");
  }
  return value;
}

options parse(int argc, char** argv) {
  options opts;
  std::vector<std::string> addresses;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::cout << usage;
      std::exit(EXIT_SUCCESS);
    } else if (arg == "-b") {
      opts.both_ways = true;
    } else if (arg == "-t") {
      if (++i == argc) throw bad_usage("-t needs a number of seconds");
      opts.linger = std::chrono::duration<double>(parse_seconds(argv[i]));
    } else if (arg == "-v") {
      opts.verbose = true;
    } else if (arg == "--trace") {
      opts.trace = true;
    } else if (arg == "-n") {
      if (++i == argc) throw bad_usage("-n needs a byte count");
      opts.count = parse_count(argv[i]);
    } else if (arg.size() > 1 && arg[0] == '-' && arg != "-") {
      throw bad_usage("unknown option '" + std::string(arg) + "'");
    } else {
      addresses.emplace_back(arg);
    }
  }
  if (addresses.size() != 2)
    throw bad_usage("expected SOURCE and DESTINATION, got " + std::to_string(addresses.size()) + " address(es)");
  opts.source = addresses[0];
  opts.destination = addresses[1];
  if (opts.both_ways && opts.count != static_cast<std::size_t>(-1))
    throw bad_usage("-n copies one way; it does not go with -b");
  for (const std::string& address : addresses) {
    if (opts.both_ways && address.starts_with("file:"))
      throw bad_usage("-b needs stream addresses; '" + address + "' is a file");
  }
  return opts;
}

unsigned short parse_port(std::string_view text, const std::string& address) {
  unsigned port = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || port > 65535) {
    throw bad_usage("bad port '" + std::string(text) + "' in '" + address + "'");
  }
  return static_cast<unsigned short>(port);
}

// HOST:PORT, where HOST may be [v6]; `default_host` when only PORT is given.
std::pair<std::string, unsigned short> host_port(std::string_view rest, const std::string& address,
                                                 std::optional<std::string_view> default_host) {
  const std::size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos) {
    if (!default_host) throw bad_usage("'" + address + "' needs HOST:PORT");
    return {std::string(*default_host), parse_port(rest, address)};
  }
  std::string_view host = rest.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) throw bad_usage("'" + address + "' has an empty HOST");
  return {std::string(host), parse_port(rest.substr(colon + 1), address)};
}

// The socket files kvcat made, kept where a signal handler may read them
// (fixed storage; unlink(2) is async-signal-safe), so that Ctrl-C or a
// SIGTERM removes them as an ordinary exit does, as socat does.
std::array<std::array<char, sizeof(::sockaddr_un::sun_path)>, 2> made_sockets{};
std::atomic<int> made_count{0};

extern "C" void remove_sockets_and_die(int sig) {
  for (int i = 0; i < made_count.load(); ++i) ::unlink(made_sockets[static_cast<std::size_t>(i)].data());
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void remember_socket(const std::string& path) {
  const int slot = made_count.load();
  if (slot >= static_cast<int>(made_sockets.size()) || path.size() >= made_sockets[0].size()) return;
  std::memcpy(made_sockets[static_cast<std::size_t>(slot)].data(), path.c_str(), path.size() + 1);
  made_count.store(slot + 1);
}

void remove_sockets_on_signals() {
  struct ::sigaction action {};
  action.sa_handler = remove_sockets_and_die;
  sigemptyset(&action.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &action, nullptr);
}

class session {
 public:
  explicit session(const options& opts) : opts_(opts) {
    kvfs::net_init(proc_, io_);
    if (opts.trace) proc_.trace_to(std::cerr);
  }

  ~session() {
    for (int number : open_) proc_.close(number);
    for (const std::string& path : sockets_made_) ::unlink(path.c_str());
  }

  session(const session&) = delete;
  session& operator=(const session&) = delete;

  /// The address as a number of the table, opened for `r`.
  int open(const std::string& address, role r) {
    const std::size_t colon = address.find(':');
    const std::string_view kind = address == "-" ? "-" : std::string_view(address).substr(0, colon);
    const std::string_view rest = colon == std::string::npos ? "" : std::string_view(address).substr(colon + 1);
    if (kind == "-") return keep(stdio(r));
    if (colon == std::string::npos || rest.empty()) throw bad_usage("bad address '" + address + "'");
    if (kind == "file") return keep(open_path(std::string(rest), r));
    if (kind == "tcp") return keep(connect_ip<asio::ip::tcp>(host_port(rest, address, std::nullopt), address));
    if (kind == "tcp-listen") return keep(listen_tcp(host_port(rest, address, "127.0.0.1"), address));
    if (kind == "unix") return keep(connect_unix(std::string(rest), address));
    if (kind == "unix-listen") return keep(listen_unix(std::string(rest), address));
    if (kind == "udp")
      return keep(datagram(connect_ip<asio::ip::udp>(host_port(rest, address, std::nullopt), address)));
    if (kind == "udp-listen") return keep(datagram(listen_udp(host_port(rest, address, "127.0.0.1"), address)));
    if (kind == "unix-dgram") return keep(datagram(unix_dgram(std::string(rest), address, r)));
    throw bad_usage("unknown address type '" + std::string(kind) + "' in '" + address + "'");
  }

  int run() { return opts_.both_ways ? run_both_ways() : run_one_way(); }

 private:
  int run_one_way() {
    const int in = open(opts_.source, role::source);
    const int out = open(opts_.destination, role::destination);
    kvfs::fd src(proc_, in), dst(proc_, out);
    if (datagrams_.contains(out)) return send_datagrams(src, dst);
    std::error_code ec;
    const kvfs::copy_result copied = kvfs::copy(src, dst, ec, opts_.count);
    if (opts_.verbose) {
      std::cerr << "kvcat: " << copied.bytes << " bytes from " << opts_.source << " to " << opts_.destination
                << " with " << kvfs::to_string(copied.mechanism) << '\n';
    }
    if (ec) throw failure("copy " + opts_.source + " to " + opts_.destination + ": " + ec.message());
    // The peer of a socket destination sees the end of the stream now (a
    // file answers ENOTSOCK, which is nothing to do).
    proc_.shutdown(out, SHUT_WR);
    return EXIT_SUCCESS;
  }

  // A datagram destination: each read of the source (at most 8 KiB: UDP
  // refuses a 64 KiB datagram with EMSGSIZE) is sent as one datagram.
  int send_datagrams(kvfs::fd& src, kvfs::fd& dst) {
    std::vector<std::byte> buf(datagram_size);
    std::size_t total = 0;
    while (total < opts_.count) {
      const std::size_t n = kvfs::read(src, std::span(buf).first(std::min(buf.size(), opts_.count - total)));
      if (n == 0) break;
      kvfs::write(dst, std::span(buf).first(n));
      total += n;
    }
    if (opts_.verbose) {
      std::cerr << "kvcat: " << total << " bytes from " << opts_.source << " to " << opts_.destination
                << " in datagrams\n";
    }
    return EXIT_SUCCESS;
  }

  static constexpr std::size_t datagram_size = 8192;

  using stream = kvfs::async_stream<kvfs::fd>;

  // The numbers an address is read from and written to: one socket, or
  // standard input and output.
  struct address_ends {
    int read = -1, write = -1;
  };

  address_ends open_both(const std::string& address) {
    if (address == "-") return {open(address, role::source), open(address, role::destination)};
    const int number = open(address, role::source);
    return {number, number};
  }

  // What one direction of -b did.
  struct direction {
    std::string name;
    std::size_t bytes = 0;
    std::error_code error;
    bool done = false;
  };

  // One direction of -b: what `from` reads is written to `to` until the end
  // of the stream, an error, or cancellation; then the peer behind `to` sees
  // the end too (shutdown; standard output answers ENOTSOCK: nothing to do).
  asio::awaitable<void> relay(stream& from, stream& to, direction& d) {
    std::vector<char> buffer(datagrams_.contains(to.handle().number()) ? datagram_size : 65536);
    for (;;) {
      std::error_code ec;
      const std::size_t got =
          co_await from.async_read_some(asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (ec != asio::error::eof) d.error = ec;
        break;
      }
      co_await asio::async_write(to, asio::buffer(buffer.data(), got), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        d.error = ec;
        break;
      }
      d.bytes += got;
    }
    proc_.shutdown(to.handle().number(), SHUT_WR);
    d.done = true;
  }

  int run_both_ways() {
    const address_ends a = open_both(opts_.source);
    const address_ends b = open_both(opts_.destination);
    const status_flags_kept kept(proc_, {a.read, a.write, b.read, b.write});
    const auto ex = io_.get_executor();
    stream a_in(kvfs::fd(proc_, a.read), ex), a_out(kvfs::fd(proc_, a.write), ex);
    stream b_in(kvfs::fd(proc_, b.read), ex), b_out(kvfs::fd(proc_, b.write), ex);
    std::array<direction, 2> ways;
    ways[0].name = opts_.source + " to " + opts_.destination;
    ways[1].name = opts_.destination + " to " + opts_.source;
    std::array<asio::cancellation_signal, 2> stop;
    asio::steady_timer linger(io_);
    // When one direction ends, the other has opts_.linger to finish.
    auto spawn = [&](stream& from, stream& to, std::size_t way) {
      asio::co_spawn(
          io_, relay(from, to, ways[way]),
          asio::bind_cancellation_slot(stop[way].slot(), [&, way](std::exception_ptr failed) {
            if (failed) std::rethrow_exception(failed);
            if (ways[1 - way].done) {
              linger.cancel();
              return;
            }
            linger.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(opts_.linger));
            linger.async_wait([&, other = 1 - way](std::error_code ec) {
              if (!ec) stop[other].emit(asio::cancellation_type::terminal);
            });
          }));
    };
    spawn(a_in, b_out, 0);
    spawn(b_in, a_out, 1);
    io_.run();
    for (const direction& way : ways) {
      if (opts_.verbose) std::cerr << "kvcat: " << way.bytes << " bytes from " << way.name << '\n';
      if (way.error && way.error != asio::error::operation_aborted) {
        throw failure("relay " + way.name + ": " + way.error.message());
      }
    }
    return EXIT_SUCCESS;
  }

  // The status flags of numbers an async_stream makes O_NONBLOCK, put back
  // at the end: standard input may be a terminal the shell shares.
  class status_flags_kept {
   public:
    status_flags_kept(kvfs::process& proc, std::initializer_list<int> numbers) : proc_(proc) {
      for (int number : numbers) saved_.emplace_back(number, static_cast<int>(proc.fcntl(number, F_GETFL)));
    }
    ~status_flags_kept() {
      for (const auto& [number, flags] : saved_) proc_.fcntl(number, F_SETFL, flags);
    }
    status_flags_kept(const status_flags_kept&) = delete;
    status_flags_kept& operator=(const status_flags_kept&) = delete;

   private:
    kvfs::process& proc_;
    std::vector<std::pair<int, int>> saved_;
  };

  int keep(int number) {
    open_.push_back(number);
    return number;
  }

  int stdio(role r) {
    const int host = ::fcntl(r == role::source ? STDIN_FILENO : STDOUT_FILENO, F_DUPFD_CLOEXEC, 0);
    if (host < 0)
      throw failure(std::string("standard ") + (r == role::source ? "input" : "output") + ": " + std::strerror(errno));
    return static_cast<int>(proc_.fd_install(kvfs::adopt(host, r == role::source ? O_RDONLY : O_WRONLY), O_CLOEXEC,
                                             r == role::source ? "/dev/stdin" : "/dev/stdout"));
  }

  int open_path(const std::string& path, role r) {
    const int flags = r == role::source ? O_RDONLY : O_WRONLY | O_CREAT | O_TRUNC;
    return static_cast<int>(check(proc_.open(path, flags | O_CLOEXEC, 0666), "open " + path));
  }

  // socket(2) + connect(2) to HOST:PORT over `Protocol` (tcp: SOCK_STREAM,
  // udp: SOCK_DGRAM), trying each address the name resolves to.
  template <class Protocol>
  int connect_ip(const std::pair<std::string, unsigned short>& where, const std::string& address) {
    typename Protocol::resolver resolver(io_);
    std::error_code ec;
    const auto endpoints = resolver.resolve(where.first, std::to_string(where.second), ec);
    if (ec) throw failure("resolve " + where.first + ": " + ec.message());
    long last_error = -EHOSTUNREACH;
    for (const auto& entry : endpoints) {
      const auto peer = entry.endpoint();
      const int sock =
          static_cast<int>(check(proc_.socket(peer.protocol().family(), peer.protocol().type(), 0), "socket"));
      last_error = proc_.connect(sock, peer.data(), static_cast<socklen_t>(peer.size()));
      if (last_error == 0) return sock;
      proc_.close(sock);
    }
    check(last_error, "connect " + address);
    return -1;
  }

  // socket(2) + bind(2) on a numeric HOST:PORT over `Protocol`, with
  // SO_REUSEADDR; -v prints the address bound.
  template <class Protocol>
  int bind_ip(const std::pair<std::string, unsigned short>& where, const std::string& address) {
    std::error_code ec;
    const auto host = asio::ip::make_address(where.first, ec);
    if (ec) throw bad_usage("'" + address + "' needs a numeric HOST, got '" + where.first + "'");
    const typename Protocol::endpoint local(host, where.second);
    const int sock =
        keep(static_cast<int>(check(proc_.socket(local.protocol().family(), local.protocol().type(), 0), "socket")));
    const int reuse = 1;
    check(proc_.setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof reuse), "setsockopt SO_REUSEADDR");
    check(proc_.bind(sock, local.data(), static_cast<socklen_t>(local.size())), "bind " + address);
    if (opts_.verbose) {
      typename Protocol::endpoint bound;
      socklen_t len = static_cast<socklen_t>(bound.capacity());
      check(proc_.getsockname(sock, bound.data(), &len), "getsockname");
      bound.resize(len);
      std::ostringstream where;
      where << bound;
      say_listening(where.str());
    }
    return sock;
  }

  int listen_tcp(const std::pair<std::string, unsigned short>& where, const std::string& address) {
    const int sock = bind_ip<asio::ip::tcp>(where, address);
    check(proc_.listen(sock, 1), "listen " + address);
    return static_cast<int>(check(proc_.accept4(sock, SOCK_CLOEXEC), "accept " + address));
  }

  static ::sockaddr_un unix_address(const std::string& path, const std::string& address) {
    ::sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    if (path.size() >= sizeof sun.sun_path) throw bad_usage("socket path too long in '" + address + "'");
    std::memcpy(sun.sun_path, path.c_str(), path.size() + 1);
    return sun;
  }

  int connect_unix(const std::string& path, const std::string& address) {
    const ::sockaddr_un sun = unix_address(path, address);
    const int sock = keep(static_cast<int>(check(proc_.socket(AF_UNIX, SOCK_STREAM, 0), "socket")));
    check(proc_.connect(sock, reinterpret_cast<const ::sockaddr*>(&sun), sizeof sun), "connect " + address);
    return sock;
  }

  int listen_unix(const std::string& path, const std::string& address) {
    const ::sockaddr_un sun = unix_address(path, address);
    const int sock = keep(static_cast<int>(check(proc_.socket(AF_UNIX, SOCK_STREAM, 0), "socket")));
    check(proc_.bind(sock, reinterpret_cast<const ::sockaddr*>(&sun), sizeof sun), "bind " + address);
    sockets_made_.push_back(path);
    remember_socket(path);
    check(proc_.listen(sock, 1), "listen " + address);
    if (opts_.verbose) say_listening(path);
    return static_cast<int>(check(proc_.accept4(sock, SOCK_CLOEXEC), "accept " + address));
  }

  // One write for the whole line (std::cerr writes each << at once): a
  // script waiting for "listening" then always finds the address with it.
  static void say_listening(const std::string& where) {
    const std::string line = "kvcat: listening on " + where + "\n";
    std::cerr.write(line.data(), static_cast<std::streamsize>(line.size()));
    std::cerr.flush();
  }

  int datagram(int number) {
    datagrams_.insert(number);
    return number;
  }

  // socat's UDP-LISTEN: bind, peek at the first datagram for its sender,
  // and connect to it (the datagram itself is read by the copy).
  int listen_udp(const std::pair<std::string, unsigned short>& where, const std::string& address) {
    const int sock = bind_ip<asio::ip::udp>(where, address);
    asio::ip::udp::endpoint peer;
    socklen_t len = static_cast<socklen_t>(peer.capacity());
    std::byte first{};
    check(proc_.recvfrom(sock, {&first, 1}, MSG_PEEK, peer.data(), &len), "recvfrom " + address);
    check(proc_.connect(sock, peer.data(), len), "connect to the first sender");
    return sock;
  }

  // A Unix datagram socket: bound at PATH to receive, connected to it to send.
  int unix_dgram(const std::string& path, const std::string& address, role r) {
    const ::sockaddr_un sun = unix_address(path, address);
    const auto* to = reinterpret_cast<const ::sockaddr*>(&sun);
    const int sock = static_cast<int>(check(proc_.socket(AF_UNIX, SOCK_DGRAM, 0), "socket"));
    if (r == role::destination) {
      check(proc_.connect(sock, to, sizeof sun), "connect " + address);
      return sock;
    }
    check(proc_.bind(sock, to, sizeof sun), "bind " + address);
    sockets_made_.push_back(path);
    remember_socket(path);
    if (opts_.verbose) say_listening(path);
    return sock;
  }

  const options& opts_;
  asio::io_context io_;  // before the process: its sockets use it
  kvfs::process proc_;
  std::vector<int> open_;
  std::set<int> datagrams_;  // the numbers of datagram sockets
  std::vector<std::string> sockets_made_;
};

}  // namespace

int main(int argc, char** argv) {
  try {
    const options opts = parse(argc, argv);
    remove_sockets_on_signals();
    session s(opts);
    return s.run();
  } catch (const bad_usage& e) {
    std::cerr << "kvcat: " << e.what() << "\n(kvcat --help lists the addresses)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "kvcat: " << e.what() << '\n';
    return EXIT_FAILURE;
  }
}
