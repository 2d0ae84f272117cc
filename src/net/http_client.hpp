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
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
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
  kTooLarge,        // a streamed body (BodySink) is longer than the sink's limit
  kAborted,         // the BodySink refused the response or a chunk of it
};

std::string_view to_string(ClientError error);

struct ClientResult {
  ClientError error = ClientError::kNone;
  std::string message;  // human-readable detail of the error
  // Meaningful when ok(). With a BodySink, also for kTooLarge and kAborted: the status and
  // headers of the response that was refused (its body empty).
  HttpResponse response;

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

// How a response body is received when it should not be held in memory (a firmware image
// of hundreds of MB going to flash). Used with HttpConnection::request(..., BodySink).
//
//  1. The status line and headers are read first (the body not yet), and `on_header` decides:
//     kStream  the body goes to `on_data` in chunks of at most kClientChunkSize bytes, read
//              through one fixed buffer. A Content-Length above `limit` fails with kTooLarge
//              before a body byte is read; a body without one (chunked, or up to EOF) fails
//              with kTooLarge as soon as it passes `limit`.
//     kBuffer  the body is read into response.body() as without a sink, up to
//              ClientOptions::body_limit (a 401 page or a redirect: nothing to keep, and
//              the connection stays usable for the next request).
//     kAbort   the connection is closed without reading the body: kAborted.
//     A response without a body (204, 304, HEAD, Content-Length: 0) is still shown to
//     `on_header`; its decision then only matters for kAbort.
//  2. `on_data` is awaited for each chunk before the next is read, so the caller may hand it
//     to another thread (a disk write) and the socket waits meanwhile (back-pressure). The
//     view is valid until the awaitable completes. Returning false aborts: kAborted, the
//     connection closed.
// The request's deadline covers everything, the time spent in the callbacks included. An
// exception from a callback closes the connection and propagates out of request().
enum class SinkDecision { kStream, kBuffer, kAbort };
inline constexpr std::size_t kClientChunkSize = 64 * 1024;

struct BodySink {
  // `content_length`: the header's Content-Length when there is one (a validated number).
  std::function<boost::asio::awaitable<SinkDecision>(const HttpResponse& header,
                                                     std::optional<std::uint64_t> content_length)>
      on_header;
  std::function<boost::asio::awaitable<bool>(std::string_view chunk)> on_data;
  std::uint64_t limit = 64 * 1024 * 1024;  // body bytes accepted when streaming
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
  // The same with the response body streamed to `sink` (see BodySink). On success
  // response.body() holds the body only when on_header chose kBuffer. The transparent
  // reopen applies as above (before any byte of the answer came, so before on_header).
  boost::asio::awaitable<ClientResult> request(std::string url, http::verb method, Headers headers,
                                               std::string body, std::chrono::milliseconds timeout,
                                               BodySink sink);
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
