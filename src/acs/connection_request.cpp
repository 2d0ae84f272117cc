#include "acs/connection_request.hpp"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/url/parse.hpp>
#include <optional>
#include <span>
#include <stdexcept>
#include <utility>

#include "acs/metrics.hpp"
#include "cwmp/http_auth.hpp"
#include "net/http_client.hpp"
#include "store/store.hpp"

namespace acs {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;
using Result = ConnectionRequestResult;

namespace {

// A CPE's answer to a connection request is empty (TR-069 §3.2.2); anything big is wrong.
constexpr std::size_t kResponseBodyLimit = 64 * 1024;

void random_bytes(std::span<std::uint8_t> out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
}

Millis system_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

ConnectionRequestOutcome outcome(Result result, std::string message, unsigned status = 0) {
  return ConnectionRequestOutcome{result, std::move(message), status};
}

// The request-target HttpConnection puts on the request line, which the Digest "uri"
// parameter must repeat exactly (RFC 7616 §3.4).
std::string request_target(std::string_view url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return "/";
  std::string target(parsed->encoded_target());
  if (target.empty() || target.front() != '/') target.insert(0, "/");
  return target;
}

// All WWW-Authenticate fields of a response as one list (RFC 9110 §5.3).
std::string www_authenticate(const net::HttpResponse& response) {
  std::string joined;
  for (auto [it, end] = response.equal_range(http::field::www_authenticate); it != end; ++it) {
    if (!joined.empty()) joined += ", ";
    joined.append(it->value().data(), it->value().size());
  }
  return joined;
}

// What a network failure means for the operator.
ConnectionRequestOutcome from_client_error(const net::ClientResult& r) {
  std::string message = std::string(net::to_string(r.error)) + ": " + r.message;
  switch (r.error) {
    case net::ClientError::kConnectRefused:
    case net::ClientError::kConnect:
    case net::ClientError::kResolve:
      return outcome(Result::kUnreachable, std::move(message));
    case net::ClientError::kTimeout:
      return outcome(Result::kTimeout, std::move(message));
    default:
      return outcome(Result::kError, std::move(message));
  }
}

// What an HTTP status other than 401 means (TR-069 §3.2.2: the CPE answers 200 or 204).
ConnectionRequestOutcome from_status(unsigned status) {
  if (status == 200 || status == 204) return outcome(Result::kAccepted, "", status);
  // 503: the CPE is busy (in a session already, or rate-limiting connection requests).
  if (status == 503) return outcome(Result::kError, "busy (503)", status);
  return outcome(Result::kError, "HTTP " + std::to_string(status), status);
}

}  // namespace

struct ConnectionRequester::Impl {
  store::Store& store;
  asio::any_io_executor store_executor;
  ConnectionRequestOptions options;
  Metrics* metrics;

  asio::awaitable<std::optional<store::ConnectionRequestTarget>> lookup(
      const std::string& device_id) {
    co_return co_await asio::co_spawn(
        store_executor,
        [this, &device_id]() -> asio::awaitable<std::optional<store::ConnectionRequestTarget>> {
          co_return store.connection_request_target(device_id);
        },
        asio::use_awaitable);
  }

  asio::awaitable<ConnectionRequestOutcome> send(const store::ConnectionRequestTarget& target);
  asio::awaitable<void> record(const std::string& device_id, const std::string& url,
                               const ConnectionRequestOutcome& result);
};

// The GET, then on 401 the same GET with credentials, within one total deadline.
asio::awaitable<ConnectionRequestOutcome> ConnectionRequester::Impl::send(
    const store::ConnectionRequestTarget& target) {
  const auto deadline = Clock::now() + options.timeout;
  auto remaining = [deadline] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  };
  net::ClientOptions client_options;
  client_options.tls = options.tls;
  client_options.body_limit = kResponseBodyLimit;
  // One connection for both round trips: a CPE that keeps it alive after the 401 gets the
  // retry on it; one that closes gets a new one (HttpConnection reopens transparently).
  net::HttpConnection connection(co_await asio::this_coro::executor, client_options);

  net::ClientResult r =
      co_await connection.request(target.url, http::verb::get, {}, "", options.timeout);
  if (!r.ok()) co_return from_client_error(r);
  if (r.status() != 401) co_return from_status(r.status());

  cwmp::auth::DigestClient digest(target.username, target.password, random_bytes);
  const std::string uri = request_target(target.url);
  // Answer the challenge; once more if the CPE says our nonce went stale (RFC 7616 §3.3).
  for (int attempt = 0; attempt < 2; ++attempt) {
    const auto selected = cwmp::auth::parse_www_authenticate(www_authenticate(r.response));
    if (!selected) {
      co_return outcome(
          Result::kAuthFailed,
          "401 with no usable challenge: " + std::string(cwmp::auth::to_string(selected.error())),
          401);
    }
    std::string authorization;
    if (selected->scheme == cwmp::auth::SelectedChallenge::Scheme::kBasic) {
      if (attempt > 0) co_return outcome(Result::kAuthFailed, "credentials rejected (401)", 401);
      if (!options.allow_basic) {
        co_return outcome(Result::kAuthFailed, "the CPE asks for Basic, which is not allowed", 401);
      }
      authorization = cwmp::auth::basic_authorization(target.username, target.password);
    } else {
      if (attempt > 0 && !selected->digest.stale) {
        co_return outcome(Result::kAuthFailed, "credentials rejected (401)", 401);
      }
      digest.set_challenge(selected->digest);
      auto header = digest.authorization("GET", uri);
      if (!header)
        co_return outcome(Result::kAuthFailed, "cannot compute the Digest response", 401);
      authorization = std::move(*header);
    }
    const auto left = remaining();
    if (left.count() <= 0) co_return outcome(Result::kTimeout, "timeout: before the retry");
    net::Headers headers;
    headers.emplace_back("Authorization", std::move(authorization));
    r = co_await connection.request(target.url, http::verb::get, std::move(headers), "", left);
    if (!r.ok()) co_return from_client_error(r);
    if (r.status() != 401) co_return from_status(r.status());
  }
  co_return outcome(Result::kAuthFailed, "credentials rejected (401)", 401);
}

// Stores the outcome on the device, counts it and logs it. Never throws: the outcome is
// what the caller asked for, a failure to record it is only logged.
asio::awaitable<void> ConnectionRequester::Impl::record(const std::string& device_id,
                                                        const std::string& url,
                                                        const ConnectionRequestOutcome& result) {
  const std::string_view name = to_string(result.result);
  if (result.result == Result::kAccepted) {
    spdlog::info("connection request device={} url={} result={}", device_id, url, name);
  } else {
    spdlog::warn("connection request device={} url={} result={} message={}", device_id, url, name,
                 result.message);
  }
  if (metrics != nullptr) {
    metrics->add("cwmp_connection_requests_total", {{"result", std::string(name)}});
  }
  const store::ConnectionRequestRecord entry{std::string(name), result.message, system_now()};
  try {
    co_await asio::co_spawn(
        store_executor,
        [this, &device_id, &entry]() -> asio::awaitable<void> {
          store.record_connection_request(device_id, entry);
          co_return;
        },
        asio::use_awaitable);
  } catch (const std::exception& e) {
    spdlog::error("connection request device={}: cannot record the outcome: {}", device_id,
                  e.what());
  }
}

ConnectionRequester::ConnectionRequester(store::Store& store, asio::any_io_executor store_executor,
                                         ConnectionRequestOptions options, Metrics* metrics)
    : impl_(std::make_unique<Impl>(
          Impl{store, std::move(store_executor), std::move(options), metrics})) {}

ConnectionRequester::~ConnectionRequester() = default;

asio::awaitable<ConnectionRequestOutcome> ConnectionRequester::request(std::string device_id) {
  Impl& im = *impl_;
  std::optional<store::ConnectionRequestTarget> target;
  std::string store_error;
  try {
    target = co_await im.lookup(device_id);
  } catch (const std::exception& e) {
    store_error = e.what();
  }

  ConnectionRequestOutcome result;
  if (!store_error.empty()) {
    result = outcome(Result::kError, "store: " + store_error);
  } else if (!target) {
    result = outcome(Result::kUnreachable, "unknown device");
  } else if (target->url.empty()) {
    result = outcome(Result::kUnreachable, "the device reported no ConnectionRequestURL");
  } else {
    result = co_await im.send(*target);
  }
  // A named local, not a ?: temporary in the co_await: GCC 12 destroys such temporaries twice.
  std::string url;
  if (target) url = target->url;
  co_await im.record(device_id, url, result);
  co_return result;
}

}  // namespace acs
