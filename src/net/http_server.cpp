#include "net/http_server.hpp"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <charconv>
#include <limits>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "net/compression.hpp"

namespace net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr auto kUse = asio::as_tuple(asio::use_awaitable);
// After an error response the peer may still be sending the request we refused; reading
// (and dropping) a little of it before closing keeps the kernel from answering with a
// RST that would destroy our response in the peer's receive buffer.
constexpr std::chrono::milliseconds kLingerTime{500};
constexpr std::size_t kLingerBytes = 1024 * 1024;
constexpr std::chrono::milliseconds kTlsShutdownTime{1000};
constexpr std::chrono::milliseconds kStopPoll{10};
// Handlers may ignore the closed socket for a while; stop() stops waiting for them after this.
constexpr std::chrono::milliseconds kStopExtra{1000};

// The streams of one connection. Shared by the connection coroutine and the closures
// stop() posts to the connection's strand, so closing never touches a destroyed socket.
struct Connection {
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  bool busy = false;  // between a complete request and its written response

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
  void close() {
    error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().socket().close(ec);
  }
};

// The peer's certificate, a reference the caller frees. OpenSSL 3 calls it get1; wolfSSL's
// get_peer_certificate (5.x) returns a copy the caller frees too.
X509* peer_certificate(SSL* ssl) {
#if defined(CWMP_TLS_WOLFSSL)
  return SSL_get_peer_certificate(ssl);
#else
  return SSL_get1_peer_certificate(ssl);
#endif
}

#if defined(CWMP_TLS_WOLFSSL)
// wolfSSL prints RFC 2253 names with ", " between the RDNs; OpenSSL (and RFC 2253 §2.1) with
// ",". A space after an unescaped comma can only be that separator's: a value starting with a
// space is escaped ("\ ").
void drop_separator_spaces(std::string& name) {
  std::string out;
  out.reserve(name.size());
  bool escaped = false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    out += c;
    if (c == ',' && !escaped && i + 1 < name.size() && name[i + 1] == ' ') ++i;
    escaped = c == '\\' && !escaped;
  }
  name = std::move(out);
}
#endif

std::string peer_subject(SSL* ssl) {
  X509* cert = peer_certificate(ssl);
  if (cert == nullptr) return {};
  std::string out;
  if (SSL_get_verify_result(ssl) == X509_V_OK) {
    if (BIO* bio = BIO_new(BIO_s_mem())) {
      if (X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0) {
        char* data = nullptr;
        const long len = BIO_get_mem_data(bio, &data);
        if (len > 0) out.assign(data, static_cast<std::size_t>(len));
      }
      BIO_free(bio);
    }
  }
  X509_free(cert);
#if defined(CWMP_TLS_WOLFSSL)
  drop_separator_spaces(out);
#endif
  return out;
}

// An open file descriptor, closed when it goes out of scope.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Opens the file of a FileBody for reading, checking that the range to send exists: the
// Content-Length goes out before the bytes, so a short file must be noticed first.
int open_file_range(const FileBody& body) {
  if (body.length > std::numeric_limits<std::uint64_t>::max() - body.offset) return -1;
  const int fd = ::open(body.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<std::uint64_t>(st.st_size) < body.offset + body.length) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Reads exactly `size` bytes at `offset`; false on an error or an early end of file (the
// file was truncated while being sent).
bool read_at(int fd, char* out, std::size_t size, std::uint64_t offset) {
  while (size > 0) {
    const ssize_t n = ::pread(fd, out, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    out += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
  return true;
}

// Runs the blocking `f` on `executor` (a thread pool) and resumes on the caller's executor;
// inline when no executor is given.
template <class F>
asio::awaitable<std::invoke_result_t<F&>> run_blocking(const asio::any_io_executor& executor, F f) {
  using R = std::invoke_result_t<F&>;
  if (!executor) co_return f();
  co_return co_await asio::co_spawn(
      executor, [&f]() -> asio::awaitable<R> { co_return f(); }, asio::use_awaitable);
}

HttpResponse make_error(http::status status, unsigned version, std::string_view text) {
  HttpResponse res{status, version};
  res.set(http::field::content_type, "text/plain");
  res.body() = std::string(text) + "\n";
  return res;
}

tcp::endpoint parse_endpoint(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size()) {
    throw std::system_error(std::make_error_code(std::errc::invalid_argument),
                            "listen address must be ADDR:PORT: '" + text + "'");
  }
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned port = 0;
  const char* first = text.data() + colon + 1;
  const char* last = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(first, last, port);
  if (ec != std::errc() || ptr != last || port > 65535) {
    throw std::system_error(std::make_error_code(std::errc::invalid_argument),
                            "bad port in listen address '" + text + "'");
  }
  error_code addr_ec;
  const auto address = asio::ip::make_address(host, addr_ec);
  if (addr_ec) throw std::system_error(addr_ec, "bad listen address '" + text + "'");
  return {address, static_cast<std::uint16_t>(port)};
}

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<Impl> {
  struct Entry {
    asio::any_io_executor executor;
    std::weak_ptr<Connection> connection;
  };

  Impl(asio::io_context& io_in, Handler handler_in, ServerOptions options_in)
      : io(io_in),
        strand(asio::make_strand(io_in)),
        handler(std::move(handler_in)),
        options(std::move(options_in)) {}

  asio::io_context& io;
  asio::strand<asio::io_context::executor_type> strand;  // acceptors and stop
  Handler handler;
  ServerOptions options;

  mutable std::mutex mutex;
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors;
  std::unordered_map<std::uint64_t, Entry> connections;
  std::size_t active = 0;     // connections served normally
  std::size_t rejecting = 0;  // connections being answered 503
  std::atomic<bool> stopping{false};
  std::uint64_t next_id = 1;

  // Connections that get a 503 are bounded too, or a flood would still exhaust descriptors.
  std::size_t reject_cap() const { return options.max_connections / 4 + 16; }

  void unregister(std::uint64_t id, bool rejected) {
    std::lock_guard lock(mutex);
    connections.erase(id);
    --(rejected ? rejecting : active);
  }

  // Posts `f(connection)` to every live connection's strand.
  template <class F>
  void for_each_connection(F f) {
    std::lock_guard lock(mutex);
    for (auto& [id, entry] : connections) {
      asio::post(entry.executor, [weak = entry.connection, f] {
        if (auto c = weak.lock()) f(*c);
      });
    }
  }

  // Static with `self` as a parameter: the frame owns the Impl from its creation on.
  static asio::awaitable<void> accept_loop(std::shared_ptr<Impl> self,
                                           std::shared_ptr<tcp::acceptor> acceptor,
                                           std::shared_ptr<ssl::context> tls) {
    Impl& me = *self;
    for (;;) {
      auto [ec, socket] = co_await acceptor->async_accept(asio::make_strand(me.io), kUse);
      if (me.stopping || !acceptor->is_open()) co_return;
      if (ec) {
        // Out of descriptors and the like: back off instead of spinning.
        asio::steady_timer timer(me.strand, std::chrono::milliseconds(50));
        co_await timer.async_wait(kUse);
        continue;
      }
      bool rejected = false;
      std::uint64_t id = 0;
      {
        std::lock_guard lock(me.mutex);
        rejected = me.active >= me.options.max_connections;
        if (rejected && me.rejecting >= me.reject_cap()) continue;  // the socket closes here
        ++(rejected ? me.rejecting : me.active);
        id = me.next_id++;
      }
      auto executor = socket.get_executor();
      asio::co_spawn(executor,
                     run_connection(self, tcp::socket(std::move(socket)), tls, id, rejected),
                     asio::detached);
    }
  }

  static asio::awaitable<void> run_connection(std::shared_ptr<Impl> self, tcp::socket socket,
                                              std::shared_ptr<ssl::context> tls, std::uint64_t id,
                                              bool rejected) {
    ConnectionInfo info;
    info.connection_id = id;
    info.is_tls = tls != nullptr;
    error_code ec;
    if (auto remote = socket.remote_endpoint(ec); !ec) {
      info.remote_address = remote.address().to_string();
      info.remote_port = remote.port();
    }
    if (auto local = socket.local_endpoint(ec); !ec) info.local_port = local.port();

    auto conn = std::make_shared<Connection>();
    if (tls) {
      conn->tls.emplace(std::move(socket), *tls);
    } else {
      conn->plain.emplace(std::move(socket));
    }
    {
      std::lock_guard lock(self->mutex);
      self->connections[id] = {conn->lowest().get_executor(), conn};
    }
    // stop() may have run between accept and registration.
    if (self->stopping) conn->close();

    try {
      if (conn->tls) {
        conn->lowest().expires_after(self->options.tls_handshake_timeout);
        auto [hs_ec] = co_await conn->tls->async_handshake(ssl::stream_base::server, kUse);
        if (!hs_ec) {
          info.peer_subject = peer_subject(conn->tls->native_handle());
          if (co_await self->serve(*conn->tls, *conn, info, rejected)) {
            conn->lowest().expires_after(kTlsShutdownTime);
            co_await conn->tls->async_shutdown(kUse);
          }
        }
      } else if (co_await self->serve(*conn->plain, *conn, info, rejected)) {
        conn->plain->socket().shutdown(tcp::socket::shutdown_send, ec);
      }
    } catch (const std::exception&) {
      // Nothing in here should throw; if it does, this connection ends, not the server.
    }
    conn->close();
    self->unregister(id, rejected);
  }

  // Serves requests until the connection should end. Returns true when the stream is in
  // a state where an orderly (TLS) shutdown makes sense.
  template <class Stream>
  asio::awaitable<bool> serve(Stream& stream, Connection& conn, const ConnectionInfo& info,
                              bool rejected) {
    beast::flat_buffer buffer;
    for (;;) {
      if (stopping) co_return true;
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
      parser.body_limit(options.body_limit);
      // One deadline for the whole request: idle wait, headers and body alike.
      conn.lowest().expires_after(options.read_timeout);
      auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, kUse);
      if (!ec && parser.get()[http::field::expect] == "100-continue" && !rejected) {
        // curl and some agents wait for this before sending a body.
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        auto [wec, wn] = co_await asio::async_write(
            stream, asio::buffer(kContinue.data(), kContinue.size()), kUse);
        ec = wec;
      }
      if (!ec && !parser.is_done()) {
        auto [bec, bn] = co_await http::async_read(stream, buffer, parser, kUse);
        ec = bec;
      }
      if (ec) co_return co_await on_read_error(stream, conn, ec);

      conn.busy = true;
      Request request = parser.release();
      const bool keep_alive = request.keep_alive();
      const bool head = request.method() == http::verb::head;
      Response response = co_await respond(request, info, rejected);
      bool close = response.close || !keep_alive || rejected || stopping;
      const bool written =
          co_await write_response(stream, conn, response, request.version(), head, close);
      conn.busy = false;
      if (!written) co_return false;
      if (close) co_return true;
    }
  }

  // Writes the response: the message as it is, its header only (HEAD), or the header
  // followed by a file streamed in chunks. False when the connection must end at once.
  template <class Stream>
  asio::awaitable<bool> write_response(Stream& stream, Connection& conn, Response& response,
                                       unsigned version, bool head, bool& close) {
    std::optional<FileDescriptor> file;
    if (response.file && !head) {
      const int fd = co_await run_blocking(
          response.file->read_executor, [&body = *response.file] { return open_file_range(body); });
      if (fd >= 0) {
        file.emplace(fd);
      } else {
        response = Response{
            make_error(http::status::internal_server_error, version, "file unavailable"), true};
        close = true;
      }
    }
    // The Content-Length of a body the message does not hold: the file's, or the one a
    // handler states in answer to HEAD (what GET would have sent).
    bool length_set = false;
    if (response.file) {
      response.message.body().clear();
      response.message.content_length(response.file->length);
      length_set = true;
    } else if (head && response.message.body().empty() && response.message.has_content_length()) {
      length_set = true;
    }
    finish(response.message, version, close, length_set);
    conn.lowest().expires_after(options.write_timeout);
    if (!head && !file) {
      auto [wec, wn] = co_await http::async_write(stream, response.message, kUse);
      co_return !wec;
    }
    http::response_serializer<http::string_body> serializer(response.message);
    auto [hec, hn] = co_await http::async_write_header(stream, serializer, kUse);
    if (hec) co_return false;
    if (!file) co_return true;  // HEAD: no body (RFC 9110 §9.3.2)
    co_return co_await send_file(stream, conn, file->get(), *response.file);
  }

  // The file's bytes, one chunk at a time: memory stays at one chunk per connection however
  // large the file, and a stalled reader hits the write deadline of a chunk.
  template <class Stream>
  asio::awaitable<bool> send_file(Stream& stream, Connection& conn, int fd, const FileBody& body) {
    std::vector<char> chunk(
        static_cast<std::size_t>(std::min<std::uint64_t>(kFileChunkSize, body.length)));
    std::uint64_t offset = body.offset;
    std::uint64_t remaining = body.length;
    while (remaining > 0) {
      const auto size = static_cast<std::size_t>(std::min<std::uint64_t>(remaining, chunk.size()));
      const bool read = co_await run_blocking(
          body.read_executor, [&] { return read_at(fd, chunk.data(), size, offset); });
      if (!read) co_return false;  // the client sees a short body and the connection close
      conn.lowest().expires_after(options.write_timeout);
      auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(chunk.data(), size), kUse);
      if (wec) co_return false;
      offset += size;
      remaining -= size;
    }
    co_return true;
  }

  asio::awaitable<Response> respond(Request& request, const ConnectionInfo& info, bool rejected) {
    if (rejected) {
      Response r{
          make_error(http::status::service_unavailable, request.version(), "too many connections"),
          true};
      r.message.set(http::field::retry_after, std::to_string(options.retry_after.count()));
      co_return r;
    }
    if (auto error = decode_body(request)) co_return Response{std::move(*error), true};
    try {
      co_return co_await handler(request, info);
    } catch (const std::exception&) {
    }
    co_return Response{
        make_error(http::status::internal_server_error, request.version(), "internal error"),
        false};
  }

  // Replaces a gzip/deflate body by its decoding; an error response if that fails.
  std::optional<HttpResponse> decode_body(Request& request) const {
    const auto it = request.find(http::field::content_encoding);
    if (it == request.end()) return std::nullopt;
    const auto coding =
        parse_content_coding(std::string_view(it->value().data(), it->value().size()));
    if (!coding) {
      return make_error(http::status::unsupported_media_type, request.version(),
                        "unsupported Content-Encoding");
    }
    if (*coding != ContentCoding::kIdentity) {
      auto decoded = decompress(request.body(), *coding, options.decoded_body_limit);
      if (decoded.status == DecompressStatus::kTooLarge) {
        return make_error(http::status::payload_too_large, request.version(),
                          "decoded body too large");
      }
      if (decoded.status == DecompressStatus::kCorrupt) {
        return make_error(http::status::bad_request, request.version(), "corrupt body encoding");
      }
      request.body() = std::move(decoded.data);
    }
    request.erase(http::field::content_encoding);
    request.content_length(request.body().size());
    return std::nullopt;
  }

  // length_set: Content-Length is already right and the body is not in the message.
  void finish(HttpResponse& message, unsigned version, bool close, bool length_set = false) const {
    message.version(version);
    message.keep_alive(!close);
    if (!options.server_header.empty() && message.find(http::field::server) == message.end()) {
      message.set(http::field::server, options.server_header);
    }
    if (length_set) return;
    try {
      message.prepare_payload();
    } catch (const std::exception&) {
      // A body on a 1xx/204/304: the handler's bug; send the status without the body.
      message.body().clear();
      message.prepare_payload();
    }
  }

  template <class Stream>
  asio::awaitable<bool> on_read_error(Stream& stream, Connection& conn, error_code ec) {
    std::optional<http::status> status;
    if (ec == http::error::body_limit) {
      status = http::status::payload_too_large;
    } else if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
      status = http::status::request_header_fields_too_large;
    } else if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
               ec != http::error::end_of_stream && ec != http::error::partial_message) {
      status = http::status::bad_request;
    }
    if (!status) co_return ec == http::error::end_of_stream;  // timeout, reset, EOF mid-request

    HttpResponse res = make_error(*status, 11, http::obsolete_reason(*status));
    finish(res, 11, true);
    conn.lowest().expires_after(options.write_timeout);
    auto [wec, wn] = co_await http::async_write(stream, res, kUse);
    if (wec) co_return false;
    // Linger: half-close, then drop what the peer still sends, briefly (see kLingerTime).
    error_code ignored;
    conn.lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    conn.lowest().expires_after(kLingerTime);
    std::vector<char> sink(16384);
    std::size_t drained = 0;
    while (drained < kLingerBytes) {
      auto [rec, rn] = co_await conn.lowest().async_read_some(asio::buffer(sink), kUse);
      if (rec) break;
      drained += rn;
    }
    co_return false;
  }

  static asio::awaitable<void> stop_sequence(std::shared_ptr<Impl> self,
                                             std::chrono::milliseconds grace,
                                             std::function<void()> on_stopped) {
    self->stop_now();
    const auto deadline = std::chrono::steady_clock::now() + grace;
    asio::steady_timer timer(self->strand);
    while (self->count() > 0 && std::chrono::steady_clock::now() < deadline) {
      timer.expires_after(kStopPoll);
      co_await timer.async_wait(kUse);
    }
    self->for_each_connection([](Connection& c) { c.close(); });
    const auto hard_deadline = std::chrono::steady_clock::now() + kStopExtra;
    while (self->count() > 0 && std::chrono::steady_clock::now() < hard_deadline) {
      timer.expires_after(kStopPoll);
      co_await timer.async_wait(kUse);
    }
    if (on_stopped) on_stopped();
  }

  // Closes the acceptors and the idle connections (those waiting for a request); busy
  // ones finish their response, which then closes the connection.
  void stop_now() {
    {
      std::lock_guard lock(mutex);
      for (auto& acceptor : acceptors) {
        error_code ec;
        acceptor->close(ec);
      }
    }
    for_each_connection([](Connection& c) {
      if (!c.busy) c.close();
    });
  }

  std::size_t count() const {
    std::lock_guard lock(mutex);
    return connections.size();
  }
};

HttpServer::HttpServer(asio::io_context& io, Handler handler, ServerOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(handler), std::move(options))) {}

HttpServer::~HttpServer() {
  stop(std::chrono::milliseconds(0));
}

std::uint16_t HttpServer::listen(const std::string& address, std::shared_ptr<ssl::context> tls) {
  if (impl_->stopping) throw std::logic_error("HttpServer::listen after stop");
  const tcp::endpoint endpoint = parse_endpoint(address);
  auto acceptor = std::make_shared<tcp::acceptor>(impl_->strand);
  error_code ec;
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec && endpoint.address().is_v6()) acceptor->set_option(asio::ip::v6_only(false), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::system_error(ec, "cannot listen on " + address);
  const std::uint16_t port = acceptor->local_endpoint().port();
  {
    std::lock_guard lock(impl_->mutex);
    impl_->acceptors.push_back(acceptor);
  }
  asio::co_spawn(impl_->strand, Impl::accept_loop(impl_, acceptor, std::move(tls)), asio::detached);
  return port;
}

void HttpServer::stop(std::chrono::milliseconds grace, std::function<void()> on_stopped) {
  bool expected = false;
  if (!impl_->stopping.compare_exchange_strong(expected, true)) return;
  asio::co_spawn(impl_->strand, Impl::stop_sequence(impl_, grace, std::move(on_stopped)),
                 asio::detached);
}

std::size_t HttpServer::connection_count() const {
  return impl_->count();
}

}  // namespace net
