// TraceRoute (TR-181 Device.IP.Diagnostics.TraceRoute): UDP probes with increasing TTL, the
// way traceroute(8) does by default, without privilege: with IP_RECVERR the kernel queues
// the ICMP errors the probes provoke (time exceeded from a router, port unreachable from the
// destination) on the probing socket's error queue, with the address of the node that sent
// them. One socket per probe, so a late answer can never be taken for another probe's.
#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "cpe/diag/probes.hpp"

namespace cpe::diag {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::microseconds;
using std::chrono::milliseconds;

constexpr milliseconds kSlice{50};
constexpr std::uint16_t kBasePort = 33434;  // traceroute(8)'s first destination port

enum class ProbeStatus : std::uint8_t {
  kTimeout,
  kHop,          // ICMP time exceeded from a router on the way
  kReached,      // the destination answered (port unreachable, or a UDP reply)
  kUnreachable,  // another ICMP destination unreachable: the route ends there
  kNoRoute,      // our own routing table has no route
  kCancelled,
  kFailed,
};

struct Probe {
  ProbeStatus status = ProbeStatus::kTimeout;
  std::string from;  // the answering node's address
  std::uint32_t icmp_code = 0;
  microseconds rtt{0};
};

// Reads one ICMP error from the socket's error queue.
Probe read_error_queue(int fd, Clock::time_point sent) {
  Probe probe;
  char payload[512];
  iovec iov{payload, sizeof payload};
  char control[512];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  if (::recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
    probe.status = ProbeStatus::kFailed;
    return probe;
  }
  probe.rtt = std::chrono::duration_cast<microseconds>(Clock::now() - sent);
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_IP || c->cmsg_type != IP_RECVERR) continue;
    sock_extended_err error{};
    std::memcpy(&error, CMSG_DATA(c), sizeof error);
    if (error.ee_origin != SO_EE_ORIGIN_ICMP) continue;
    // The offender's address follows the structure in the control message.
    sockaddr_in offender{};
    std::memcpy(&offender, CMSG_DATA(c) + sizeof error, sizeof offender);
    probe.from = to_text(reinterpret_cast<const sockaddr*>(&offender));
    probe.icmp_code = error.ee_code;
    if (error.ee_type == ICMP_TIME_EXCEEDED) {
      probe.status = ProbeStatus::kHop;
    } else if (error.ee_type == ICMP_DEST_UNREACH && error.ee_code == ICMP_PORT_UNREACH) {
      probe.status = ProbeStatus::kReached;
      probe.icmp_code = 0;
    } else if (error.ee_type == ICMP_DEST_UNREACH) {
      probe.status = ProbeStatus::kUnreachable;
    } else {
      probe.status = ProbeStatus::kFailed;
    }
    return probe;
  }
  probe.status = ProbeStatus::kFailed;
  return probe;
}

Probe send_probe(const Address& target, std::uint32_t ttl, std::uint16_t port,
                 const TraceRouteInput& input, const Env& env, Clock::time_point hard_deadline) {
  Probe probe;
  Fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  const int on = 1;
  const int ttl_value = static_cast<int>(ttl);
  if (!fd || ::setsockopt(fd.get(), SOL_IP, IP_RECVERR, &on, sizeof on) != 0 ||
      ::setsockopt(fd.get(), SOL_IP, IP_TTL, &ttl_value, sizeof ttl_value) != 0 ||
      !bind_to_device(fd.get(), env.interface_name)) {
    probe.status = ProbeStatus::kFailed;
    return probe;
  }
  set_dscp(fd.get(), AF_INET, env.dscp);
  Address peer = target;
  reinterpret_cast<sockaddr_in*>(&peer.storage)->sin_port = htons(port);
  if (::connect(fd.get(), peer.get(), peer.length) != 0) {
    probe.status = (errno == ENETUNREACH || errno == EHOSTUNREACH) ? ProbeStatus::kNoRoute
                                                                   : ProbeStatus::kFailed;
    return probe;
  }
  const std::vector<char> payload(input.data_block_size, '@');
  const auto sent = Clock::now();
  if (::send(fd.get(), payload.data(), payload.size(), 0) < 0) {
    probe.status = (errno == ENETUNREACH || errno == EHOSTUNREACH) ? ProbeStatus::kNoRoute
                                                                   : ProbeStatus::kFailed;
    return probe;
  }
  const auto deadline = std::min(sent + input.timeout, hard_deadline);
  while (true) {
    if (env.cancel.load()) return {ProbeStatus::kCancelled, {}, 0, {}};
    const auto left = deadline - Clock::now();
    if (left <= Clock::duration::zero()) return probe;  // timeout
    pollfd p{fd.get(), POLLIN, 0};
    const auto wait = std::chrono::ceil<milliseconds>(std::min<Clock::duration>(left, kSlice));
    if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) continue;
    if ((p.revents & POLLERR) != 0) return read_error_queue(fd.get(), sent);
    if ((p.revents & POLLIN) != 0) {
      // Something listens on the destination port and answered: we got there too.
      char reply[512];
      if (::recv(fd.get(), reply, sizeof reply, MSG_DONTWAIT) >= 0) {
        return {ProbeStatus::kReached, to_text(target), 0,
                std::chrono::duration_cast<microseconds>(Clock::now() - sent)};
      }
    }
  }
}

std::string host_name(const std::string& address, const Env& env) {
  if (!env.options.traceroute_hop_names || address.empty()) return address;
  sockaddr_in in{};
  in.sin_family = AF_INET;
  if (::inet_pton(AF_INET, address.c_str(), &in.sin_addr) != 1) return address;
  char name[NI_MAXHOST];
  if (::getnameinfo(reinterpret_cast<const sockaddr*>(&in), sizeof in, name, sizeof name, nullptr,
                    0, NI_NAMEREQD) != 0) {
    return address;
  }
  return name;
}

}  // namespace

Outcome run_traceroute(const TraceRouteInput& input, const Env& env) {
  Outcome out;
  out.replace_hops = true;
  out.values = {{"IPAddressUsed", ""}, {"ResponseTime", "0"}};
  if (env.family == Family::kIPv6) {
    env.log("TraceRoute: ProtocolVersion IPv6 is not supported (IPv4 only)");
    out.state = "Error_Other";
    return out;
  }
  Address target;
  if (resolve_ipv4(input.host, env.family, target) != ResolveStatus::kOk) {
    out.state = "Error_CannotResolveHostName";
    return out;
  }
  out.values[0].second = source_address_for(target, env.interface_name);
  const auto hard_deadline = Clock::now() + env.options.max_traceroute_total;
  std::uint16_t port = kBasePort;
  for (std::uint32_t ttl = 1; ttl <= input.max_hops; ++ttl) {
    RouteHop hop;
    std::vector<microseconds> times;
    bool reached = false;
    bool unreachable = false;
    for (std::uint32_t attempt = 0; attempt < input.tries; ++attempt) {
      const Probe probe = send_probe(target, ttl, port++, input, env, hard_deadline);
      switch (probe.status) {
        case ProbeStatus::kCancelled:
          out.state = "Error_Other";
          return out;
        case ProbeStatus::kNoRoute:
          out.state = "Error_NoRouteToHost";
          return out;
        case ProbeStatus::kFailed:
          env.log(std::string("TraceRoute: probe failed: ") + std::strerror(errno));
          if (!env.interface_name.empty()) {
            out.state = "Error_Other";
            return out;
          }
          break;
        case ProbeStatus::kTimeout:
          break;
        case ProbeStatus::kHop:
        case ProbeStatus::kReached:
        case ProbeStatus::kUnreachable:
          if (hop.host_address.empty()) hop.host_address = probe.from;
          if (probe.status == ProbeStatus::kUnreachable) hop.error_code = probe.icmp_code;
          reached = reached || probe.status == ProbeStatus::kReached;
          unreachable = unreachable || probe.status == ProbeStatus::kUnreachable;
          times.push_back(probe.rtt);
          break;
      }
      if (Clock::now() >= hard_deadline) break;
    }
    for (const microseconds t : times) {
      if (!hop.rt_times.empty()) hop.rt_times += ",";
      hop.rt_times += std::to_string(round_ms(t));
    }
    hop.host = host_name(hop.host_address, env);
    out.hops.push_back(hop);
    if (reached || unreachable) {
      if (!times.empty()) {
        microseconds sum{0};
        for (const microseconds t : times) sum += t;
        out.values[1].second =
            std::to_string(round_ms(sum / static_cast<std::int64_t>(times.size())));
      }
      if (unreachable && !reached) out.state = "Error_NoRouteToHost";
      return out;
    }
    if (Clock::now() >= hard_deadline) {
      env.log("TraceRoute: the whole trace took longer than the limit; stopped");
      out.state = "Error_Other";
      return out;
    }
  }
  out.state = "Error_MaxHopCountExceeded";
  return out;
}

}  // namespace cpe::diag
