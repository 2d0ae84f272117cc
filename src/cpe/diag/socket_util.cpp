// Helpers shared by the ICMP, UDP and HTTP tests: name resolution, binding to an interface,
// DSCP marking, the source address the routing would pick.
#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cpe/diag/probes.hpp"

namespace cpe::diag {

std::optional<Family> parse_family(std::string_view text) {
  if (text == "Any" || text.empty()) return Family::kAny;
  if (text == "IPv4") return Family::kIPv4;
  if (text == "IPv6") return Family::kIPv6;
  return std::nullopt;
}

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

std::string to_text(const sockaddr* address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address->sa_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, text,
                sizeof text);
  } else if (address->sa_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, text,
                sizeof text);
  }
  return text;
}

std::string to_text(const Address& address) {
  return to_text(address.get());
}

ResolveStatus resolve_ipv4(const std::string& host, Family family, Address& out) {
  if (host.empty() || host.size() > 255) return ResolveStatus::kCannotResolve;
  addrinfo hints{};
  // Any: look at every family so that an IPv6-only name is told apart from an unknown one.
  hints.ai_family = family == Family::kIPv4 ? AF_INET : AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* list = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &list) != 0 || list == nullptr) {
    return ResolveStatus::kCannotResolve;
  }
  ResolveStatus status = ResolveStatus::kNoIPv4;
  for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family == AF_INET && ai->ai_addrlen <= sizeof out.storage) {
      std::memcpy(&out.storage, ai->ai_addr, ai->ai_addrlen);
      out.length = ai->ai_addrlen;
      status = ResolveStatus::kOk;
      break;
    }
  }
  ::freeaddrinfo(list);
  return status;
}

bool bind_to_device(int fd, const std::string& interface_name) {
  if (interface_name.empty()) return true;
  if (interface_name.size() >= IFNAMSIZ) {
    errno = ENODEV;
    return false;
  }
  return ::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, interface_name.c_str(),
                      static_cast<socklen_t>(interface_name.size() + 1)) == 0;
}

bool set_dscp(int fd, int family, std::uint32_t dscp) {
  if (dscp == 0) return true;
  const int tos = static_cast<int>(dscp << 2);  // DSCP is the upper 6 bits of the TOS byte
  if (family == AF_INET6) {
    return ::setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof tos) == 0;
  }
  return ::setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos) == 0;
}

std::string source_address_for(const Address& target, const std::string& interface_name) {
  Fd fd(::socket(target.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) return {};
  bind_to_device(fd.get(), interface_name);
  // Connecting a UDP socket only chooses the route and the source address; the port must
  // not be 0, whichever it is.
  Address peer = target;
  if (peer.family() == AF_INET) {
    reinterpret_cast<sockaddr_in*>(&peer.storage)->sin_port = htons(9);
  } else if (peer.family() == AF_INET6) {
    reinterpret_cast<sockaddr_in6*>(&peer.storage)->sin6_port = htons(9);
  }
  if (::connect(fd.get(), peer.get(), peer.length) != 0) return {};
  Address local;
  local.length = sizeof local.storage;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&local.storage), &local.length) != 0) {
    return {};
  }
  return to_text(local);
}

std::uint64_t round_ms(std::chrono::microseconds us) {
  return static_cast<std::uint64_t>((us.count() + 500) / 1000);
}

}  // namespace cpe::diag
