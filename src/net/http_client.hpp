// A minimal async HTTP/1.1 client (plain and TLS) for connection requests and test clients.
//
// Every failure is a typed result, never an exception: the caller (the ACS recording the
// outcome of a connection request, for instance) needs to tell "refused" from "timed out"
// from "TLS failed" from "the device said 401". One total deadline covers resolve,
// connect, handshake, write and read.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/http_types.hpp"

namespace boost::asio::ssl {
class context;
}

namespace net {

enum class ClientError {
  kNone,
  kBadUrl,          // not an absolute http/https URL, or https without a TLS context
  kResolve,         // the host name does not resolve
  kConnectRefused,  // nobody listens there
  kConnect,         // other connect failures (unreachable network, ...)
  kTimeout,         // the deadline passed, whatever the step
  kTls,             // handshake failed: certificate not trusted, wrong host name, ...
  kIo,              // connection reset or closed mid-exchange
  kProtocol,        // the peer's answer is not valid HTTP or exceeds the limits
};

std::string_view to_string(ClientError error);

struct ClientResult {
  ClientError error = ClientError::kNone;
  std::string message;    // human-readable detail of the error
  HttpResponse response;  // meaningful only when ok()

  bool ok() const { return error == ClientError::kNone; }
  // The HTTP status when a response came, 0 otherwise.
  unsigned status() const { return ok() ? response.result_int() : 0; }
};

using Headers = std::vector<std::pair<std::string, std::string>>;

struct ClientOptions {
  // Needed for https URLs (see net/tls.hpp: CA verification, optional client certificate).
  // The host name (or IP address) of the URL is checked against the certificate.
  std::shared_ptr<boost::asio::ssl::context> tls;
  std::size_t body_limit = 8 * 1024 * 1024;  // of the response
  std::string user_agent = "cwmp-suite";
};

// A connection to one origin, kept alive between requests. A request to another origin,
// or after the server closed, opens a new connection. A reused connection that turns out
// to be closed by the server is reopened once, transparently. One request at a time.
class HttpConnection {
 public:
  HttpConnection(boost::asio::any_io_executor executor, ClientOptions options = {});
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // `headers` are added as given (Host, User-Agent and Content-Length are set unless
  // present). `timeout` is the total deadline for this call. Arguments are taken by value
  // (the coroutine starts later); the connection must outlive the returned awaitable.
  boost::asio::awaitable<ClientResult> request(std::string url, http::verb method, Headers headers,
                                               std::string body, std::chrono::milliseconds timeout);
  bool is_open() const;
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  friend boost::asio::awaitable<ClientResult> http_request(boost::asio::any_io_executor,
                                                           std::string, http::verb, Headers,
                                                           std::string, std::chrono::milliseconds,
                                                           ClientOptions);
};

// One request on a fresh connection, closed afterwards.
boost::asio::awaitable<ClientResult> http_request(boost::asio::any_io_executor executor,
                                                  std::string url, http::verb method,
                                                  Headers headers, std::string body,
                                                  std::chrono::milliseconds timeout,
                                                  ClientOptions options = {});

}  // namespace net
