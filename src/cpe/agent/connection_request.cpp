// The connection-request listener and router: see connection_request.hpp.
#include "cpe/agent/connection_request.hpp"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <boost/beast/http/field.hpp>
#include <mutex>
#include <span>
#include <stdexcept>
#include <unordered_map>

#include "cpe/agent/schedule.hpp"
#include "cwmp/http_auth.hpp"
#include "net/http_server.hpp"

namespace cpe::agent {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

void random_bytes(std::span<std::uint8_t> out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
}

std::shared_ptr<const cwmp::auth::DigestServer> make_digest_server(const std::string& realm) {
  cwmp::auth::DigestServerOptions d;
  d.realm = realm;
  d.algorithms = {cwmp::auth::DigestAlgorithm::kMd5, cwmp::auth::DigestAlgorithm::kSha256};
  return std::make_shared<const cwmp::auth::DigestServer>(d, random_bytes);
}

net::Response respond(const net::Request& request, http::status status) {
  net::Response r;
  r.message = net::HttpResponse(status, request.version());
  r.message.prepare_payload();
  return r;
}

std::string path_of(const net::Request& request) {
  const std::string_view target(request.target().data(), request.target().size());
  return std::string(target.substr(0, target.find('?')));
}

net::ServerOptions server_options(std::size_t max_connections) {
  net::ServerOptions server;
  server.header_limit = 8 * 1024;
  server.body_limit = 4 * 1024;  // the GET carries nothing (TR-069: ignore what it does)
  server.read_timeout = std::chrono::milliseconds(10'000);
  server.write_timeout = std::chrono::milliseconds(10'000);
  server.max_connections = max_connections;
  server.retry_after = std::chrono::seconds(1);
  server.server_header = "cwmp-cpe";
  return server;
}

std::string host_of(const std::string& listen) {
  const std::size_t colon = listen.rfind(':');
  return colon == std::string::npos ? std::string() : listen.substr(0, colon);
}

std::string make_url(std::string host, std::uint16_t port, const std::string& path) {
  if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(port) + path;
}

void check_path(const std::string& path) {
  if (path.empty() || path.front() != '/') {
    throw std::invalid_argument("the connection-request path must start with '/'");
  }
}

}  // namespace

bool is_wildcard_host(const std::string& host) {
  return host.empty() || host == "0.0.0.0" || host == "[::]" || host == "::";
}

// =============================================================================================
// One device: the whole decision for a request, no I/O, no waiting.

class ConnectionRequestEndpoint {
 public:
  ConnectionRequestEndpoint(std::shared_ptr<const Clock> clock, ConnectionRequestOptions options,
                            std::shared_ptr<const cwmp::auth::DigestServer> digest,
                            ConnectionRequestCredentialsSource credentials,
                            ConnectionRequestOnAccepted on_accepted)
      : clock_(std::move(clock)),
        options_(std::move(options)),
        digest_(std::move(digest)),
        credentials_(std::move(credentials)),
        on_accepted_(std::move(on_accepted)),
        bucket_(options_.rate_per_second, options_.burst) {}

  net::Response handle(const net::Request& request) {
    {
      std::lock_guard lock(mutex_);
      if (!bucket_.try_take(clock_->now())) {
        ++stats_.rate_limited;
        return respond(request, http::status::service_unavailable);
      }
    }
    if (path_of(request) != options_.path) return bad(request, http::status::not_found);
    if (request.method() != http::verb::get) return bad(request, http::status::method_not_allowed);

    const auto it = request.find(http::field::authorization);
    if (it == request.end()) return challenge(request, false);
    const std::string_view value(it->value().data(), it->value().size());
    const ConnectionRequestCredentials creds = credentials_();

    if (auto basic = cwmp::auth::parse_basic_authorization(value)) {
      if (!options_.allow_basic) return challenge(request, false);
      if (!cwmp::auth::basic_matches(*basic, creds.username, creds.password)) {
        return challenge(request, false);
      }
      return accept(request);
    }
    auto parsed = cwmp::auth::parse_digest_authorization(value);
    if (!parsed) {
      if (cwmp::auth::to_verify_result(parsed.error()) == cwmp::auth::VerifyResult::kMalformed) {
        return bad(request, http::status::bad_request);
      }
      return challenge(request, false);
    }
    if (!cwmp::auth::constant_time_equals(parsed->username, creds.username)) {
      return challenge(request, false);
    }
    const std::string target(request.target());
    switch (digest_->verify(*parsed, "GET", target, creds.password, clock_->now())) {
      case cwmp::auth::VerifyResult::kOk:
        return accept(request);
      case cwmp::auth::VerifyResult::kStale:
        return challenge(request, true);
      case cwmp::auth::VerifyResult::kMalformed:
      case cwmp::auth::VerifyResult::kUriMismatch:
        return bad(request, http::status::bad_request);
      default:
        return challenge(request, false);
    }
  }

  ConnectionRequestStats stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
  }
  const ConnectionRequestOptions& options() const { return options_; }

 private:
  net::Response challenge(const net::Request& request, bool stale) {
    net::Response r = respond(request, http::status::unauthorized);
    for (const std::string& c : digest_->challenges(clock_->now(), stale)) {
      r.message.insert(http::field::www_authenticate, c);
    }
    std::lock_guard lock(mutex_);
    ++stats_.unauthorized;
    return r;
  }

  net::Response bad(const net::Request& request, http::status status) {
    std::lock_guard lock(mutex_);
    ++stats_.bad_requests;
    return respond(request, status);
  }

  net::Response accept(const net::Request& request) {
    {
      std::lock_guard lock(mutex_);
      ++stats_.accepted;
    }
    on_accepted_();
    return respond(request, http::status::ok);
  }

  std::shared_ptr<const Clock> clock_;
  ConnectionRequestOptions options_;
  // Stateless (an HMAC secret): the router shares one between its devices, which is safe
  // because every response is checked against that device's own password.
  std::shared_ptr<const cwmp::auth::DigestServer> digest_;
  ConnectionRequestCredentialsSource credentials_;
  ConnectionRequestOnAccepted on_accepted_;
  mutable std::mutex mutex_;  // bucket and stats
  TokenBucket bucket_;
  ConnectionRequestStats stats_;
};

namespace {

net::Response gone(const net::Request& request) {
  return respond(request, http::status::service_unavailable);
}

}  // namespace

// =============================================================================================
// The listener: one server, one device.

struct ConnectionRequestListener::State {
  std::string listen;
  std::shared_ptr<ConnectionRequestEndpoint> endpoint;
  std::unique_ptr<net::HttpServer> server;
  std::uint16_t port = 0;
};

namespace {

// Coroutines with their arguments in their frames (no lambda captures to outlive).
asio::awaitable<net::Response> serve_one(std::weak_ptr<ConnectionRequestListener::State> weak,
                                         net::Request& request) {
  auto self = weak.lock();
  if (!self) co_return gone(request);
  co_return self->endpoint->handle(request);
}

}  // namespace

ConnectionRequestListener::ConnectionRequestListener(asio::io_context& io, const Clock& clock,
                                                     ConnectionRequestOptions options,
                                                     CredentialsSource credentials,
                                                     OnAccepted on_accepted)
    : state_(std::make_shared<State>()) {
  check_path(options.path);
  state_->listen = options.listen;
  // The clock outlives the listener (the caller's promise): a non-owning pointer.
  std::shared_ptr<const Clock> borrowed(std::shared_ptr<const Clock>(), &clock);
  auto digest = make_digest_server(options.realm);
  state_->endpoint = std::make_shared<ConnectionRequestEndpoint>(
      std::move(borrowed), std::move(options), std::move(digest), std::move(credentials),
      std::move(on_accepted));
  std::weak_ptr<State> weak = state_;
  state_->server = std::make_unique<net::HttpServer>(
      io,
      [weak](net::Request& request, const net::ConnectionInfo&) {
        return serve_one(weak, request);
      },
      server_options(16));
  state_->port = state_->server->listen(state_->listen);
}

ConnectionRequestListener::~ConnectionRequestListener() {
  stop();
}

std::uint16_t ConnectionRequestListener::port() const {
  return state_->port;
}

std::string ConnectionRequestListener::listen_host() const {
  return host_of(state_->listen);
}

std::string ConnectionRequestListener::url(const std::string& host) const {
  return make_url(host, state_->port, state_->endpoint->options().path);
}

ConnectionRequestStats ConnectionRequestListener::stats() const {
  return state_->endpoint->stats();
}

void ConnectionRequestListener::stop() {
  if (state_ && state_->server) state_->server->stop(std::chrono::milliseconds(0));
}

// =============================================================================================
// The router: one server, many devices, dispatched by path.

struct ConnectionRequestRouter::State {
  struct Entry {
    std::uint64_t id = 0;
    std::shared_ptr<ConnectionRequestEndpoint> endpoint;
  };

  std::shared_ptr<ConnectionRequestEndpoint> find(const std::string& path) const {
    std::lock_guard lock(mutex);
    auto it = entries.find(path);
    return it == entries.end() ? nullptr : it->second.endpoint;
  }

  net::Response handle(const net::Request& request) {
    // The endpoint is held by this request: an agent unregistering meanwhile is harmless (its
    // on_accepted holds only a weak pointer to the agent).
    if (auto endpoint = find(path_of(request))) return endpoint->handle(request);
    std::lock_guard lock(mutex);
    ++not_found;
    return respond(request, http::status::not_found);
  }

  ConnectionRequestRouterOptions options;
  std::shared_ptr<const cwmp::auth::DigestServer> digest;
  mutable std::mutex mutex;  // entries, next_id, not_found
  std::unordered_map<std::string, Entry> entries;
  std::uint64_t next_id = 1;
  std::uint64_t not_found = 0;
  std::unique_ptr<net::HttpServer> server;
  std::uint16_t port = 0;
};

namespace {

asio::awaitable<net::Response> serve_many(std::weak_ptr<ConnectionRequestRouter::State> weak,
                                          net::Request& request) {
  auto self = weak.lock();
  if (!self) co_return gone(request);
  co_return self->handle(request);
}

}  // namespace

ConnectionRequestRouter::ConnectionRequestRouter(asio::io_context& io,
                                                 ConnectionRequestRouterOptions options)
    : state_(std::make_shared<State>()) {
  state_->options = std::move(options);
  state_->digest = make_digest_server(state_->options.realm);
  std::weak_ptr<State> weak = state_;
  state_->server = std::make_unique<net::HttpServer>(
      io,
      [weak](net::Request& request, const net::ConnectionInfo&) {
        return serve_many(weak, request);
      },
      server_options(state_->options.max_connections));
  state_->port = state_->server->listen(state_->options.listen);
}

ConnectionRequestRouter::~ConnectionRequestRouter() {
  stop();
}

std::uint64_t ConnectionRequestRouter::add(std::shared_ptr<const Clock> clock,
                                           ConnectionRequestOptions options,
                                           ConnectionRequestCredentialsSource credentials,
                                           ConnectionRequestOnAccepted on_accepted) {
  check_path(options.path);
  if (!clock) throw std::invalid_argument("a connection-request endpoint needs a clock");
  options.listen = state_->options.listen;
  options.realm = state_->options.realm;
  const std::string path = options.path;
  auto endpoint = std::make_shared<ConnectionRequestEndpoint>(
      std::move(clock), std::move(options), state_->digest, std::move(credentials),
      std::move(on_accepted));
  std::lock_guard lock(state_->mutex);
  const std::uint64_t id = state_->next_id++;
  auto [it, inserted] = state_->entries.try_emplace(path, State::Entry{id, std::move(endpoint)});
  if (!inserted) {
    throw std::invalid_argument("the connection-request path " + path + " is already registered");
  }
  return id;
}

void ConnectionRequestRouter::remove(const std::string& path, std::uint64_t id) {
  std::shared_ptr<ConnectionRequestEndpoint> released;  // destroyed outside the lock
  std::lock_guard lock(state_->mutex);
  auto it = state_->entries.find(path);
  if (it == state_->entries.end() || it->second.id != id) return;
  released = std::move(it->second.endpoint);
  state_->entries.erase(it);
}

std::uint16_t ConnectionRequestRouter::port() const {
  return state_->port;
}

std::string ConnectionRequestRouter::listen_host() const {
  return host_of(state_->options.listen);
}

std::string ConnectionRequestRouter::url(const std::string& host, const std::string& path) const {
  return make_url(host, state_->port, path);
}

std::optional<ConnectionRequestStats> ConnectionRequestRouter::stats(
    const std::string& path) const {
  if (auto endpoint = state_->find(path)) return endpoint->stats();
  return std::nullopt;
}

std::size_t ConnectionRequestRouter::size() const {
  std::lock_guard lock(state_->mutex);
  return state_->entries.size();
}

std::uint64_t ConnectionRequestRouter::not_found() const {
  std::lock_guard lock(state_->mutex);
  return state_->not_found;
}

void ConnectionRequestRouter::stop() {
  if (state_ && state_->server) state_->server->stop(std::chrono::milliseconds(0));
}

}  // namespace cpe::agent
