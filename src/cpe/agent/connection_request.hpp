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
//
// Two front ends share that logic (one ConnectionRequestEndpoint per device):
//  - ConnectionRequestListener: one HttpServer for one agent (cwmp-cpe). The token bucket is
//    taken before the path is looked at, so a flood on any path is 503.
//  - ConnectionRequestRouter: one HttpServer for many agents in one process (cwmp-sim). Each
//    registered device has its own path, credentials, token bucket and stats; a request is
//    dispatched by path first (unknown path: 404, no bucket spent), then answered exactly as
//    the listener would answer it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
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

struct ConnectionRequestCredentials {
  std::string username;
  std::string password;
};
// Both callbacks are called on the server's threads: they must be thread-safe and quick.
using ConnectionRequestCredentialsSource = std::function<ConnectionRequestCredentials()>;
using ConnectionRequestOnAccepted = std::function<void()>;

class ConnectionRequestEndpoint;  // one device's decision logic (connection_request.cpp)

class ConnectionRequestListener {
 public:
  using Credentials = ConnectionRequestCredentials;
  using CredentialsSource = ConnectionRequestCredentialsSource;
  using OnAccepted = ConnectionRequestOnAccepted;

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

struct ConnectionRequestRouterOptions {
  std::string listen = "0.0.0.0:7547";  // "ADDR:PORT", port 0 = ephemeral
  std::string realm = "cwmp-cpe";
  // Concurrent connections for all devices together (a connection-request storm from the ACS
  // reaches many devices at once); beyond it, 503 + Retry-After.
  std::size_t max_connections = 1024;
};

// One listener, many devices: see the comment at the top of this file. Thread-safe: devices
// register and unregister from any thread while requests are served.
class ConnectionRequestRouter {
 public:
  // Binds at once (throws std::system_error when it cannot).
  ConnectionRequestRouter(boost::asio::io_context& io, ConnectionRequestRouterOptions options);
  ~ConnectionRequestRouter();
  ConnectionRequestRouter(const ConnectionRequestRouter&) = delete;
  ConnectionRequestRouter& operator=(const ConnectionRequestRouter&) = delete;

  // Registers a device at options.path ("/..."), with its own rate limit (rate_per_second,
  // burst) and allow_basic; options.listen and options.realm are the router's. Returns a
  // registration id for remove(). Throws std::invalid_argument when the path does not start
  // with '/' or is taken.
  std::uint64_t add(std::shared_ptr<const Clock> clock, ConnectionRequestOptions options,
                    ConnectionRequestCredentialsSource credentials,
                    ConnectionRequestOnAccepted on_accepted);
  // Unregisters the device of that registration (a later registration of the same path is
  // left alone). Requests already being handled may still complete.
  void remove(const std::string& path, std::uint64_t id);

  std::uint16_t port() const;
  std::string listen_host() const;
  // "http://<host>:<port><path>"; an IPv6 host is bracketed.
  std::string url(const std::string& host, const std::string& path) const;
  // A registered device's counters; nullopt when nothing is registered at `path`.
  std::optional<ConnectionRequestStats> stats(const std::string& path) const;
  std::size_t size() const;         // registered devices
  std::uint64_t not_found() const;  // requests for no registered path (404)
  void stop();

 public:
  struct State;  // implementation, public only for the request handler in the .cpp

 private:
  std::shared_ptr<State> state_;
};

// True for 0.0.0.0, [::], :: and "" (the URL needs a real address then).
bool is_wildcard_host(const std::string& host);

}  // namespace cpe::agent
