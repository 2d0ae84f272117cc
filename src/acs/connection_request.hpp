// Connection requests (TR-069 §3.2.2): the ACS asks a CPE to open a session by an HTTP
// GET to the device's ConnectionRequestURL, authenticated with Digest (RFC 7616, and
// Basic when allowed) using its ConnectionRequestUsername/Password. The outcome is
// recorded on the device and counted in the metrics.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace boost::asio::ssl {
class context;
}
namespace store {
class Store;
}

namespace acs {

class Metrics;

enum class ConnectionRequestResult : std::uint8_t {
  kAccepted,     // 200 or 204: the CPE will call in
  kAuthFailed,   // 401 after our credentials (or a challenge we cannot answer)
  kUnreachable,  // refused, no route, no URL reported, DNS failure
  kTimeout,      // no answer within the timeout
  kError,        // TLS failure, another HTTP status, a broken answer
};
inline std::string_view to_string(ConnectionRequestResult result) {
  switch (result) {
    case ConnectionRequestResult::kAccepted:
      return "accepted";
    case ConnectionRequestResult::kAuthFailed:
      return "auth-failed";
    case ConnectionRequestResult::kUnreachable:
      return "unreachable";
    case ConnectionRequestResult::kTimeout:
      return "timeout";
    case ConnectionRequestResult::kError:
      break;
  }
  return "error";
}

struct ConnectionRequestOutcome {
  ConnectionRequestResult result = ConnectionRequestResult::kError;
  std::string message;
  unsigned http_status = 0;  // 0 when no HTTP answer came
};

struct ConnectionRequestOptions {
  std::chrono::milliseconds timeout{2000};         // total, covering the digest round trip
  bool allow_basic = false;                        // answer a Basic challenge (cleartext password)
  std::shared_ptr<boost::asio::ssl::context> tls;  // for https ConnectionRequestURLs
};

class ConnectionRequester {
 public:
  // Store calls run on `store_executor`; HTTP on the executor of the calling coroutine.
  ConnectionRequester(store::Store& store, boost::asio::any_io_executor store_executor,
                      ConnectionRequestOptions options, Metrics* metrics = nullptr);
  ~ConnectionRequester();

  // Looks up the device's connection-request target, sends the request, records the
  // outcome on the device. Never throws for network failures.
  boost::asio::awaitable<ConnectionRequestOutcome> request(std::string device_id);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace acs
