// IPPing (TR-181 Device.IP.Diagnostics.IPPing): real ICMP echo requests.
//
// Three ways to send them, tried in order for every test:
//   1. an unprivileged ICMP datagram socket (SOCK_DGRAM, IPPROTO_ICMP): Linux allows it when
//      the process's group is in net.ipv4.ping_group_range; the kernel fills in the ICMP
//      identifier and delivers only our replies;
//   2. a raw ICMP socket (root or CAP_NET_RAW): we see every ICMP packet and filter ours;
//   3. the system `ping` command (setuid or with file capabilities), one run per request.
// None available: Error_Internal with a log line saying what to change.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "cpe/diag/probes.hpp"

extern char** environ;

namespace cpe::diag {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::microseconds;
using std::chrono::milliseconds;

constexpr milliseconds kSlice{50};  // how often a wait looks at the cancel flag

std::uint16_t internet_checksum(const std::uint8_t* data, std::size_t length) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < length; i += 2) sum += (data[i] << 8) | data[i + 1];
  if (length % 2 != 0) sum += data[length - 1] << 8;
  while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

enum class EchoStatus : std::uint8_t { kReply, kTimeout, kNoRoute, kCancelled, kFailed };
struct Echo {
  EchoStatus status = EchoStatus::kTimeout;
  microseconds rtt{0};
};

// Sleeps up to `duration`, waking early when cancelled. False when cancelled.
bool pause_for(milliseconds duration, const std::atomic<bool>& cancel) {
  const auto until = Clock::now() + duration;
  while (!cancel.load()) {
    const auto left = until - Clock::now();
    if (left <= Clock::duration::zero()) return true;
    ::poll(nullptr, 0,
           static_cast<int>(
               std::chrono::ceil<milliseconds>(std::min<Clock::duration>(left, kSlice)).count()));
  }
  return false;
}

// An ICMP socket, datagram (unprivileged) or raw.
class IcmpSocket {
 public:
  static std::optional<IcmpSocket> open(std::string& method) {
    Fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_ICMP));
    if (fd) {
      method = "ICMP datagram socket";
      return IcmpSocket(std::move(fd), false);
    }
    fd = Fd(::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP));
    if (fd) {
      method = "raw ICMP socket";
      return IcmpSocket(std::move(fd), true);
    }
    return std::nullopt;
  }

  int fd() const { return fd_.get(); }

  Echo echo(const Address& target, std::uint16_t sequence, std::uint32_t size, milliseconds timeout,
            const std::atomic<bool>& cancel) {
    std::vector<std::uint8_t> packet(sizeof(icmphdr) + size);
    for (std::size_t i = sizeof(icmphdr); i < packet.size(); ++i) {
      packet[i] = static_cast<std::uint8_t>(i);
    }
    icmphdr header{};
    header.type = ICMP_ECHO;
    header.un.echo.id = htons(id_);  // a datagram socket replaces it with its own
    header.un.echo.sequence = htons(sequence);
    std::memcpy(packet.data(), &header, sizeof header);
    const std::uint16_t sum = internet_checksum(packet.data(), packet.size());
    packet[2] = static_cast<std::uint8_t>(sum >> 8);
    packet[3] = static_cast<std::uint8_t>(sum & 0xff);

    const auto sent = Clock::now();
    if (::sendto(fd_.get(), packet.data(), packet.size(), 0, target.get(), target.length) < 0) {
      const bool no_route = errno == ENETUNREACH || errno == EHOSTUNREACH;
      return {no_route ? EchoStatus::kNoRoute : EchoStatus::kFailed, {}};
    }
    const auto deadline = sent + timeout;
    std::vector<std::uint8_t> buffer(size + 128 + 60);
    while (true) {
      if (cancel.load()) return {EchoStatus::kCancelled, {}};
      const auto left = deadline - Clock::now();
      if (left <= Clock::duration::zero()) return {EchoStatus::kTimeout, {}};
      pollfd p{fd_.get(), POLLIN, 0};
      const auto wait = std::chrono::ceil<milliseconds>(std::min<Clock::duration>(left, kSlice));
      if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) continue;
      sockaddr_storage from{};
      socklen_t from_length = sizeof from;
      const ssize_t n = ::recvfrom(fd_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT,
                                   reinterpret_cast<sockaddr*>(&from), &from_length);
      if (n <= 0) continue;
      const auto received = Clock::now();
      if (is_our_reply(buffer.data(), static_cast<std::size_t>(n), from, target, sequence)) {
        return {EchoStatus::kReply, std::chrono::duration_cast<microseconds>(received - sent)};
      }
    }
  }

 private:
  IcmpSocket(Fd fd, bool raw) : fd_(std::move(fd)), raw_(raw) {
    std::random_device random;
    id_ = static_cast<std::uint16_t>(random());
  }

  bool is_our_reply(const std::uint8_t* data, std::size_t length, const sockaddr_storage& from,
                    const Address& target, std::uint16_t sequence) const {
    if (raw_) {
      // A raw socket sees every ICMP packet with its IP header (on loopback even our own
      // echo requests): keep the replies from the target with our identifier.
      if (length < sizeof(iphdr)) return false;
      const std::size_t header_length = static_cast<std::size_t>(data[0] & 0x0f) * 4;
      if (length < header_length + sizeof(icmphdr)) return false;
      const auto& from4 = reinterpret_cast<const sockaddr_in&>(from);
      const auto& target4 = reinterpret_cast<const sockaddr_in&>(target.storage);
      if (from4.sin_addr.s_addr != target4.sin_addr.s_addr) return false;
      data += header_length;
      length -= header_length;
    }
    if (length < sizeof(icmphdr)) return false;
    icmphdr reply{};
    std::memcpy(&reply, data, sizeof reply);
    if (reply.type != ICMP_ECHOREPLY || ntohs(reply.un.echo.sequence) != sequence) return false;
    return !raw_ || ntohs(reply.un.echo.id) == id_;
  }

  Fd fd_;
  bool raw_;
  std::uint16_t id_ = 0;
};

// --- the system ping, one request per run ------------------------------------------------------

bool command_exists(const std::string& command) {
  if (command.empty()) return false;
  if (command.find('/') != std::string::npos) return ::access(command.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/bin:/bin:/usr/sbin:/sbin";
  while (!dirs.empty()) {
    const auto colon = dirs.find(':');
    const std::string dir(dirs.substr(0, colon));
    if (!dir.empty() && ::access((dir + "/" + command).c_str(), X_OK) == 0) return true;
    dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
  }
  return false;
}

// "... time=0.045 ms" -> 45 µs.
std::optional<microseconds> parse_ping_time(const std::string& output) {
  const auto at = output.find("time=");
  if (at == std::string::npos) return std::nullopt;
  char* end = nullptr;
  const double ms = std::strtod(output.c_str() + at + 5, &end);
  if (end == output.c_str() + at + 5 || !(ms >= 0)) return std::nullopt;
  return microseconds(static_cast<std::int64_t>(std::llround(ms * 1000.0)));
}

Echo command_echo(const std::string& command, const std::string& address, std::uint32_t size,
                  milliseconds timeout, const Env& env) {
  std::vector<std::string> args = {command, "-n",
                                   "-c",    "1",
                                   "-W",    std::to_string((timeout.count() + 999) / 1000),
                                   "-s",    std::to_string(size)};
  if (env.dscp != 0) args.insert(args.end(), {"-Q", std::to_string(env.dscp << 2)});
  if (!env.interface_name.empty()) args.insert(args.end(), {"-I", env.interface_name});
  args.push_back(address);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return {EchoStatus::kFailed, {}};
  Fd read_end(pipe_fds[0]);
  Fd write_end(pipe_fds[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  const int spawned = ::posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  write_end = Fd();
  if (spawned != 0) return {EchoStatus::kFailed, {}};

  std::string output;
  const auto deadline = Clock::now() + timeout + std::chrono::seconds(2);
  bool killed = false;
  while (output.size() < 16 * 1024) {
    if (env.cancel.load() || Clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      killed = true;
      break;
    }
    pollfd p{read_end.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(kSlice.count())) <= 0) continue;
    char chunk[1024];
    const ssize_t n = ::read(read_end.get(), chunk, sizeof chunk);
    if (n <= 0) break;
    output.append(chunk, static_cast<std::size_t>(n));
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (env.cancel.load()) return {EchoStatus::kCancelled, {}};
  if (killed || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return {EchoStatus::kTimeout, {}};
  const auto rtt = parse_ping_time(output);
  return rtt ? Echo{EchoStatus::kReply, *rtt} : Echo{EchoStatus::kTimeout, {}};
}

void write_results(Outcome& out, const std::string& address_used, std::uint32_t failures,
                   const std::vector<microseconds>& times) {
  microseconds sum{0};
  microseconds low{0};
  microseconds high{0};
  if (!times.empty()) {
    low = *std::min_element(times.begin(), times.end());
    high = *std::max_element(times.begin(), times.end());
    for (const microseconds t : times) sum += t;
  }
  const microseconds average =
      times.empty() ? microseconds(0) : sum / static_cast<std::int64_t>(times.size());
  out.values = {
      {"IPAddressUsed", address_used},
      {"SuccessCount", std::to_string(times.size())},
      {"FailureCount", std::to_string(failures)},
      {"AverageResponseTime", std::to_string(round_ms(average))},
      {"MinimumResponseTime", std::to_string(round_ms(low))},
      {"MaximumResponseTime", std::to_string(round_ms(high))},
      {"AverageResponseTimeDetailed", std::to_string(average.count())},
      {"MinimumResponseTimeDetailed", std::to_string(low.count())},
      {"MaximumResponseTimeDetailed", std::to_string(high.count())},
  };
}

}  // namespace

Outcome run_ping(const PingInput& input, const Env& env) {
  Outcome out;
  write_results(out, "", 0, {});  // what an error reports: zeros
  if (env.family == Family::kIPv6) {
    env.log("IPPing: ProtocolVersion IPv6 is not supported (IPv4 only)");
    out.state = "Error_Other";
    return out;
  }
  Address target;
  switch (resolve_ipv4(input.host, env.family, target)) {
    case ResolveStatus::kOk:
      break;
    case ResolveStatus::kCannotResolve:
      out.state = "Error_CannotResolveHostName";
      return out;
    case ResolveStatus::kNoIPv4:
      env.log("IPPing: " + input.host + " has no IPv4 address (IPv6 is not supported)");
      out.state = "Error_CannotResolveHostName";
      return out;
  }
  const std::string address = to_text(target);
  const std::string used = source_address_for(target, env.interface_name);

  std::string method;
  std::optional<IcmpSocket> socket = IcmpSocket::open(method);
  const bool use_command = !socket && command_exists(env.options.ping_command);
  if (!socket && !use_command) {
    env.log(
        "IPPing: no way to send ICMP echo: no ICMP datagram socket (add the agent's group to "
        "net.ipv4.ping_group_range), no raw socket (needs CAP_NET_RAW), no ping command");
    out.state = "Error_Internal";
    return out;
  }
  if (socket) {
    if (!bind_to_device(socket->fd(), env.interface_name)) {
      env.log("IPPing: cannot bind to interface " + env.interface_name + ": " +
              std::strerror(errno));
      out.state = "Error_Other";
      return out;
    }
    if (!set_dscp(socket->fd(), AF_INET, env.dscp)) {
      env.log(std::string("IPPing: cannot set DSCP: ") + std::strerror(errno));
    }
  } else {
    method = "the " + env.options.ping_command + " command";
  }
  env.log("IPPing: " + std::to_string(input.repetitions) + " echo requests to " + address +
          " through a " + method);

  std::vector<microseconds> times;
  std::uint32_t failures = 0;
  std::uint32_t no_route = 0;
  for (std::uint32_t i = 0; i < input.repetitions; ++i) {
    if (i > 0 && !pause_for(env.options.ping_interval, env.cancel)) break;
    const Echo echo = socket ? socket->echo(target, static_cast<std::uint16_t>(i + 1),
                                            input.data_block_size, input.timeout, env.cancel)
                             : command_echo(env.options.ping_command, address,
                                            input.data_block_size, input.timeout, env);
    if (echo.status == EchoStatus::kCancelled) break;
    if (echo.status == EchoStatus::kReply) {
      times.push_back(echo.rtt);
    } else {
      ++failures;
      if (echo.status == EchoStatus::kNoRoute) ++no_route;
    }
  }
  write_results(out, used, failures, times);
  if (input.repetitions > 0 && no_route == input.repetitions) out.state = "Error_NoRouteToHost";
  return out;
}

}  // namespace cpe::diag
