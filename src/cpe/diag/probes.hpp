// Internal to cpe_diag: the tests themselves, as plain functions from their inputs (read
// from the data model by the runner) to an Outcome (the values to write back). They block
// the runner's thread, check `cancel` at least every 50 ms, and never touch the model.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cpe/diag/diagnostics.hpp"

namespace cpe::diag {

// TR-181 ProtocolVersion.
enum class Family : std::uint8_t { kAny, kIPv4, kIPv6 };
std::optional<Family> parse_family(std::string_view text);

// What every test shares: where it runs and how its packets are marked.
struct Env {
  const DiagnosticsOptions& options;
  const std::atomic<bool>& cancel;
  std::function<void(std::string_view)> log;
  std::string interface_name;  // Linux device for SO_BINDTODEVICE; empty = routing decides
  Family family = Family::kAny;
  std::uint32_t dscp = 0;
};

struct RouteHop {
  std::string host;
  std::string host_address;
  std::uint32_t error_code = 0;
  std::string rt_times;  // comma-separated ms
};

// The final DiagnosticsState and the result parameters (names relative to the test's
// object), plus TraceRoute's hops.
struct Outcome {
  std::string state = "Complete";
  std::vector<std::pair<std::string, std::string>> values;
  std::vector<RouteHop> hops;
  bool replace_hops = false;
};

struct PingInput {
  std::string host;
  std::uint32_t repetitions = 3;
  std::chrono::milliseconds timeout{1000};
  std::uint32_t data_block_size = 64;
};
Outcome run_ping(const PingInput& input, const Env& env);

struct TraceRouteInput {
  std::string host;
  std::uint32_t tries = 3;
  std::chrono::milliseconds timeout{5000};
  std::uint32_t data_block_size = 38;
  std::uint32_t max_hops = 30;
};
Outcome run_traceroute(const TraceRouteInput& input, const Env& env);

struct TransferInput {
  bool upload = false;
  std::string url;
  std::uint64_t length = 0;  // upload: TestFileLength
};
Outcome run_transfer(const TransferInput& input, const Env& env);

// --- shared helpers (socket_util.cpp) ---------------------------------------------------------

struct Address {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family() const { return storage.ss_family; }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};
std::string to_text(const Address& address);
std::string to_text(const sockaddr* address);

enum class ResolveStatus : std::uint8_t { kOk, kCannotResolve, kNoIPv4 };
// getaddrinfo (blocking: the runner's own thread) restricted to IPv4 for the ICMP/UDP tests.
ResolveStatus resolve_ipv4(const std::string& host, Family family, Address& out);

// SO_BINDTODEVICE and the DSCP (IP_TOS) on a socket; false (errno set) when refused.
bool bind_to_device(int fd, const std::string& interface_name);
bool set_dscp(int fd, int family, std::uint32_t dscp);

// The source address the kernel picks for `target` (a connected UDP socket, no packet sent).
std::string source_address_for(const Address& target, const std::string& interface_name);

// Whole milliseconds, rounded to nearest.
std::uint64_t round_ms(std::chrono::microseconds us);

// A file descriptor closed on scope exit.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept;
  ~Fd();
  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_;
};

}  // namespace cpe::diag
