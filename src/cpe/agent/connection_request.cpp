// The connection-request listener: see connection_request.hpp.
#include "cpe/agent/connection_request.hpp"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <boost/beast/http/field.hpp>
#include <mutex>
#include <span>
#include <stdexcept>

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

}  // namespace

bool is_wildcard_host(const std::string& host) {
  return host.empty() || host == "0.0.0.0" || host == "[::]" || host == "::";
}

struct ConnectionRequestListener::State {
  State(const Clock& c, ConnectionRequestOptions o, CredentialsSource cs, OnAccepted oa)
      : clock(c),
        options(std::move(o)),
        credentials(std::move(cs)),
        on_accepted(std::move(oa)),
        bucket(options.rate_per_second, options.burst),
        digest(make_digest_options(options.realm), random_bytes) {}

  static cwmp::auth::DigestServerOptions make_digest_options(const std::string& realm) {
    cwmp::auth::DigestServerOptions d;
    d.realm = realm;
    d.algorithms = {cwmp::auth::DigestAlgorithm::kMd5, cwmp::auth::DigestAlgorithm::kSha256};
    return d;
  }

  net::Response respond(const net::Request& request, http::status status) {
    net::Response r;
    r.message = net::HttpResponse(status, request.version());
    r.message.prepare_payload();
    return r;
  }

  net::Response challenge(const net::Request& request, bool stale) {
    net::Response r = respond(request, http::status::unauthorized);
    for (const std::string& c : digest.challenges(clock.now(), stale)) {
      r.message.insert(http::field::www_authenticate, c);
    }
    std::lock_guard lock(mutex);
    ++stats.unauthorized;
    return r;
  }

  net::Response bad(const net::Request& request, http::status status) {
    std::lock_guard lock(mutex);
    ++stats.bad_requests;
    return respond(request, status);
  }

  // The whole decision; no I/O, no waiting.
  net::Response handle(const net::Request& request) {
    {
      std::lock_guard lock(mutex);
      if (!bucket.try_take(clock.now())) {
        ++stats.rate_limited;
        return respond(request, http::status::service_unavailable);
      }
    }
    const std::string target(request.target());
    if (target.substr(0, target.find('?')) != options.path) {
      return bad(request, http::status::not_found);
    }
    if (request.method() != http::verb::get) return bad(request, http::status::method_not_allowed);

    const auto it = request.find(http::field::authorization);
    if (it == request.end()) return challenge(request, false);
    const std::string_view value(it->value().data(), it->value().size());
    const Credentials creds = credentials();

    if (auto basic = cwmp::auth::parse_basic_authorization(value)) {
      if (!options.allow_basic) return challenge(request, false);
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
    switch (digest.verify(*parsed, "GET", target, creds.password, clock.now())) {
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

  net::Response accept(const net::Request& request) {
    {
      std::lock_guard lock(mutex);
      ++stats.accepted;
    }
    on_accepted();
    return respond(request, http::status::ok);
  }

  const Clock& clock;
  ConnectionRequestOptions options;
  CredentialsSource credentials;
  OnAccepted on_accepted;
  std::mutex mutex;  // bucket and stats
  TokenBucket bucket;
  ConnectionRequestStats stats;
  cwmp::auth::DigestServer digest;
  std::unique_ptr<net::HttpServer> server;
  std::uint16_t port = 0;
};

namespace {

// A coroutine with its arguments in its frame (no lambda captures to outlive).
asio::awaitable<net::Response> serve(std::weak_ptr<ConnectionRequestListener::State> weak,
                                     net::Request& request) {
  auto self = weak.lock();
  if (!self) {
    net::Response gone;
    gone.message = net::HttpResponse(http::status::service_unavailable, request.version());
    gone.message.prepare_payload();
    co_return gone;
  }
  co_return self->handle(request);
}

}  // namespace

ConnectionRequestListener::ConnectionRequestListener(asio::io_context& io, const Clock& clock,
                                                     ConnectionRequestOptions options,
                                                     CredentialsSource credentials,
                                                     OnAccepted on_accepted)
    : state_(std::make_shared<State>(clock, std::move(options), std::move(credentials),
                                     std::move(on_accepted))) {
  if (state_->options.path.empty() || state_->options.path.front() != '/') {
    throw std::invalid_argument("the connection-request path must start with '/'");
  }
  net::ServerOptions server;
  server.header_limit = 8 * 1024;
  server.body_limit = 4 * 1024;  // the GET carries nothing (TR-069: ignore what it does)
  server.read_timeout = std::chrono::milliseconds(10'000);
  server.write_timeout = std::chrono::milliseconds(10'000);
  server.max_connections = 16;
  server.retry_after = std::chrono::seconds(1);
  server.server_header = "cwmp-cpe";
  std::weak_ptr<State> weak = state_;
  state_->server = std::make_unique<net::HttpServer>(
      io,
      [weak](net::Request& request, const net::ConnectionInfo&) { return serve(weak, request); },
      server);
  state_->port = state_->server->listen(state_->options.listen);
}

ConnectionRequestListener::~ConnectionRequestListener() {
  stop();
}

std::uint16_t ConnectionRequestListener::port() const {
  return state_->port;
}

std::string ConnectionRequestListener::listen_host() const {
  const std::string& listen = state_->options.listen;
  const std::size_t colon = listen.rfind(':');
  return colon == std::string::npos ? std::string() : listen.substr(0, colon);
}

std::string ConnectionRequestListener::url(const std::string& host) const {
  std::string h = host;
  if (h.find(':') != std::string::npos && h.front() != '[') h = "[" + h + "]";
  return "http://" + h + ":" + std::to_string(state_->port) + state_->options.path;
}

ConnectionRequestStats ConnectionRequestListener::stats() const {
  std::lock_guard lock(state_->mutex);
  return state_->stats;
}

void ConnectionRequestListener::stop() {
  if (state_ && state_->server) state_->server->stop(std::chrono::milliseconds(0));
}

}  // namespace cpe::agent
