// The connection-request listener (TR-069 §3.2.2, CWMP-FACTS §6.1): an HTTP server on which
// the ACS asks the CPE to open a session.
//
//  - GET on a random path ("/<32 hex>"), which the agent keeps across restarts; any other
//    path is 404, any other method 405.
//  - HTTP Digest with ConnectionRequestUsername/Password (read at every request, so a change
//    by SetParameterValues applies at once). MD5 is offered before SHA-256 because many
//    ACSes answer the first challenge they see; clients that know better pick SHA-256.
//    Basic is refused (401 with a Digest challenge) unless allowed by configuration: over
//    plain HTTP it puts the password on the wire.
//  - Rate-limited: a token bucket over every request (the two requests of one Digest round
//    included); beyond it, 503 and nothing else is done. Floods cost a few microseconds each
//    and never reach the agent.
//  - Answered at once with 200 and no body (TR-069: before the session starts); the agent is
//    only notified (on_accepted), so the listener never waits for it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "cpe/agent/clock.hpp"

namespace cpe::agent {

struct ConnectionRequestOptions {
  std::string listen = "0.0.0.0:7547";  // "ADDR:PORT", port 0 = ephemeral
  std::string path;                     // "/<random>"
  bool allow_basic = false;
  double rate_per_second = 4.0;
  double burst = 10.0;
  std::string realm = "cwmp-cpe";
};

struct ConnectionRequestStats {
  std::uint64_t accepted = 0;
  std::uint64_t unauthorized = 0;  // 401 answers (the first round of every Digest included)
  std::uint64_t rate_limited = 0;  // 503
  std::uint64_t bad_requests = 0;  // 400, 404, 405
};

class ConnectionRequestListener {
 public:
  struct Credentials {
    std::string username;
    std::string password;
  };
  // Both callbacks are called on the server's threads: they must be thread-safe and quick.
  using CredentialsSource = std::function<Credentials()>;
  using OnAccepted = std::function<void()>;

  // Binds at once (throws std::system_error when it cannot).
  ConnectionRequestListener(boost::asio::io_context& io, const Clock& clock,
                            ConnectionRequestOptions options, CredentialsSource credentials,
                            OnAccepted on_accepted);
  ~ConnectionRequestListener();
  ConnectionRequestListener(const ConnectionRequestListener&) = delete;
  ConnectionRequestListener& operator=(const ConnectionRequestListener&) = delete;

  std::uint16_t port() const;
  // The address part of `listen` ("0.0.0.0", "[::]", "192.0.2.1").
  std::string listen_host() const;
  // "http://<host>:<port><path>"; an IPv6 host is bracketed.
  std::string url(const std::string& host) const;
  ConnectionRequestStats stats() const;
  void stop();

 public:
  struct State;  // implementation, public only for the request handler in the .cpp

 private:
  std::shared_ptr<State> state_;
};

// True for 0.0.0.0, [::], :: and "" (the URL needs a real address then).
bool is_wildcard_host(const std::string& host);

}  // namespace cpe::agent
