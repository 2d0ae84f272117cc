// net::HttpServer: a small HTTP/1.1 server (plain and TLS) on Boost.Asio/Beast coroutines.
//
// One coroutine per TCP connection, keep-alive, bounded reads (header and body limits,
// a read deadline per request that also covers the idle keep-alive wait and slow senders),
// a write deadline, a cap on concurrent connections (503 + Retry-After beyond it), gzip /
// deflate request bodies decoded before the handler runs, graceful stop. See docs/net.md.
//
// Threading: the server may run on an io_context served by one or more threads. Every
// connection runs on its own strand; the handler of one connection is never called
// concurrently with itself, but handlers of different connections may run in parallel.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "net/http_types.hpp"

namespace boost::asio {
class io_context;
namespace ssl {
class context;
}
}  // namespace boost::asio

namespace net {

struct ConnectionInfo {
  std::string remote_address;  // textual IP address
  std::uint16_t remote_port = 0;
  std::uint16_t local_port = 0;
  bool is_tls = false;
  // Unique per TCP connection within one server (never reused, starts at 1): lets an
  // ACS find the session of a CPE that drops cookies by the connection it uses.
  std::uint64_t connection_id = 0;
  // The verified client certificate's subject (RFC 2253 form); empty without one.
  std::string peer_subject;
};

// A response body streamed from a file instead of held in memory (firmware images of
// hundreds of MB served to many CPEs at once). The server sends `length` bytes from
// `offset` in chunks of kFileChunkSize, each under the write deadline.
struct FileBody {
  std::filesystem::path path;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  // Where the blocking open() and read() calls run (a thread pool), so that disk I/O stays
  // off the event loop. Empty: on the connection's own executor.
  boost::asio::any_io_executor read_executor;
};
inline constexpr std::size_t kFileChunkSize = 64 * 1024;

struct Response {
  HttpResponse message;
  // Close the connection once the response is written (the server also closes when the
  // request asked for it, on HTTP/1.0 without keep-alive, and while stopping).
  bool close = false;
  // When set, the body is the file's bytes (message.body() must be empty) and the server
  // sets Content-Length to file->length. The file is opened before the header goes out:
  // if it cannot be opened or is shorter than offset + length, the answer is a 500 and the
  // connection is closed. A read failure after the header closes the connection (the
  // client sees a short body). HEAD requests get the header only, the file untouched.
  std::optional<FileBody> file = std::nullopt;
};

// The application. Exceptions become a 500 and the server carries on.
using Handler = std::function<boost::asio::awaitable<Response>(Request&, const ConnectionInfo&)>;

struct ServerOptions {
  std::size_t header_limit = 16 * 1024;               // request line + headers; beyond: 431
  std::size_t body_limit = 8 * 1024 * 1024;           // on the wire; beyond: 413
  std::size_t decoded_body_limit = 32 * 1024 * 1024;  // after gzip/deflate; beyond: 413
  // Deadline for receiving one whole request, counted from the moment the server starts
  // waiting for it: bounds the idle keep-alive wait and slow-loris senders alike.
  std::chrono::milliseconds read_timeout{30'000};
  std::chrono::milliseconds write_timeout{30'000};
  std::chrono::milliseconds tls_handshake_timeout{10'000};
  std::size_t max_connections = 1024;  // concurrent; beyond: 503 + Retry-After, then close
  std::chrono::seconds retry_after{10};
  std::string server_header = "cwmp-suite";  // empty = no Server header
};

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, Handler handler, ServerOptions options = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Starts listening on "ADDR:PORT" (IPv4 "0.0.0.0:7547", IPv6 "[::]:7547"; port 0 picks
  // an ephemeral port). With `tls` the endpoint speaks HTTPS with that context (see
  // net/tls.hpp). Returns the bound port. Throws std::system_error when the address is
  // invalid or cannot be bound. May be called before or while the io_context runs.
  std::uint16_t listen(const std::string& address,
                       std::shared_ptr<boost::asio::ssl::context> tls = {});

  // Stops accepting, closes idle connections, lets requests being handled finish (their
  // responses carry Connection: close) for up to `grace`, then closes everything left.
  // Returns at once; `on_stopped` (if any) runs on the io_context when no connection is
  // left. Thread-safe; later calls are ignored.
  void stop(std::chrono::milliseconds grace, std::function<void()> on_stopped = {});

  // Currently open connections (thread-safe).
  std::size_t connection_count() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace net
