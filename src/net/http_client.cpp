#include "net/http_client.hpp"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <optional>
#include <vector>

namespace net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
namespace urls = boost::urls;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

constexpr auto kUse = asio::as_tuple(asio::use_awaitable);

struct Target {
  bool tls = false;
  std::string host;  // for connecting, SNI and the certificate check (no brackets)
  std::string port;
  std::string host_port;  // the Host header
  std::string path;       // origin-form request target
  std::string origin() const { return (tls ? "https://" : "http://") + host_port; }
};

std::optional<Target> parse_target(std::string_view text) {
  auto parsed = urls::parse_absolute_uri(text);
  if (!parsed) return std::nullopt;
  const urls::url_view& u = *parsed;
  Target t;
  if (u.scheme_id() == urls::scheme::https) {
    t.tls = true;
  } else if (u.scheme_id() != urls::scheme::http) {
    return std::nullopt;
  }
  if (!u.has_authority() || u.encoded_host().empty()) return std::nullopt;
  t.host = u.host_type() == urls::host_type::name ? std::string(u.host())
                                                  : std::string(u.encoded_host_address());
  if (t.host.size() >= 2 && t.host.front() == '[') t.host = t.host.substr(1, t.host.size() - 2);
  t.port = u.has_port() ? std::string(u.port()) : (t.tls ? "443" : "80");
  t.host_port = std::string(u.encoded_host_and_port());
  t.path = std::string(u.encoded_target());
  if (t.path.empty() || t.path.front() != '/') t.path.insert(0, "/");
  return t;
}

ClientResult failure(ClientError error, std::string message) {
  ClientResult r;
  r.error = error;
  r.message = std::move(message);
  return r;
}

bool is_ssl_error(const error_code& ec) {
  return ec.category() == asio::error::get_ssl_category() ||
         ec.category() == ssl::error::get_stream_category();
}

ClientError classify_exchange(const error_code& ec) {
  if (ec == beast::error::timeout) return ClientError::kTimeout;
  if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
      ec != http::error::end_of_stream && ec != http::error::partial_message) {
    return ClientError::kProtocol;
  }
  if (is_ssl_error(ec) && ec != ssl::error::stream_truncated) return ClientError::kTls;
  return ClientError::kIo;
}

// A failure on a reused connection that means "the server had closed it meanwhile".
bool is_stale(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::eof ||
         ec == ssl::error::stream_truncated;
}

}  // namespace

std::string_view to_string(ClientError error) {
  switch (error) {
    case ClientError::kNone:
      return "ok";
    case ClientError::kBadUrl:
      return "bad url";
    case ClientError::kResolve:
      return "resolve failed";
    case ClientError::kConnectRefused:
      return "connection refused";
    case ClientError::kConnect:
      return "connect failed";
    case ClientError::kTimeout:
      return "timeout";
    case ClientError::kTls:
      return "tls error";
    case ClientError::kIo:
      return "i/o error";
    case ClientError::kProtocol:
      return "protocol error";
    case ClientError::kTooLarge:
      return "body too large";
    case ClientError::kAborted:
      return "refused by the receiver";
  }
  return "unknown";
}

struct HttpConnection::Impl {
  asio::any_io_executor executor;
  ClientOptions options;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  std::string origin;  // of the open connection
  beast::flat_buffer buffer;

  bool open() const {
    return secure ? beast::get_lowest_layer(*secure).socket().is_open()
                  : plain && plain->socket().is_open();
  }
  beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }

  void close() {
    if (plain || secure) {
      error_code ec;
      lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
      lowest().socket().close(ec);
    }
    secure.reset();
    plain.reset();
    origin.clear();
    buffer.clear();
  }

  asio::awaitable<ClientResult> connect(const Target& t, Clock::time_point deadline) {
    close();
    auto resolver = std::make_shared<tcp::resolver>(executor);
    asio::steady_timer timer(executor, deadline);
    // The resolver has no deadline of its own.
    timer.async_wait([resolver](error_code ec) {
      if (!ec) resolver->cancel();
    });
    auto [rec, endpoints] = co_await resolver->async_resolve(t.host, t.port, kUse);
    timer.cancel();
    if (rec) {
      if (Clock::now() >= deadline) co_return failure(ClientError::kTimeout, "resolving " + t.host);
      co_return failure(ClientError::kResolve, t.host + ": " + rec.message());
    }

    beast::tcp_stream stream(executor);
    stream.expires_at(deadline);
    auto [cec, ep] = co_await stream.async_connect(endpoints, kUse);
    if (cec) {
      if (cec == beast::error::timeout) co_return failure(ClientError::kTimeout, "connecting");
      if (cec == asio::error::connection_refused) {
        co_return failure(ClientError::kConnectRefused, t.host_port + ": " + cec.message());
      }
      co_return failure(ClientError::kConnect, t.host_port + ": " + cec.message());
    }
    error_code ignored;
    stream.socket().set_option(tcp::no_delay(true), ignored);

    if (t.tls) {
      secure.emplace(std::move(stream), *options.tls);
      error_code addr_ec;
      asio::ip::make_address(t.host, addr_ec);
      // SNI is for names only (RFC 6066 §3).
      if (addr_ec) SSL_set_tlsext_host_name(secure->native_handle(), t.host.c_str());
      secure->set_verify_callback(ssl::host_name_verification(t.host));
      auto [hec] = co_await secure->async_handshake(ssl::stream_base::client, kUse);
      if (hec) {
        close();
        if (hec == beast::error::timeout) co_return failure(ClientError::kTimeout, "TLS handshake");
        co_return failure(ClientError::kTls,
                          "TLS handshake with " + t.host_port + ": " + hec.message());
      }
    } else {
      plain.emplace(std::move(stream));
    }
    origin = t.origin();
    co_return ClientResult{};
  }

  // Sends the request and reads the answer into `result` (through `sink` when there is one).
  // Returns the I/O error and whether any part of the response had arrived. A refusal by
  // the sink or its limit is no I/O error: `result.error` says it, and the caller closes.
  template <class Stream>
  asio::awaitable<std::pair<error_code, bool>> exchange(Stream& stream, Request& request,
                                                        ClientResult& result, BodySink* sink) {
    auto [wec, wn] = co_await http::async_write(stream, request, kUse);
    if (wec) co_return std::pair{wec, false};
    if (sink != nullptr) co_return co_await exchange_with_sink(stream, request, result, *sink);
    http::response_parser<http::string_body> parser;
    parser.body_limit(options.body_limit);
    if (request.method() == http::verb::head) parser.skip(true);
    const std::size_t before = buffer.size();
    auto [rec, rn] = co_await http::async_read(stream, buffer, parser, kUse);
    if (rec) co_return std::pair{rec, rn > 0 || buffer.size() != before};
    result.response = parser.release();
    co_return std::pair{error_code{}, true};
  }

  // The header first (no body limit yet: the decision sets it), then the body as the sink
  // decides. Beast lets a parser change its body type between the header and the body.
  template <class Stream>
  asio::awaitable<std::pair<error_code, bool>> exchange_with_sink(Stream& stream, Request& request,
                                                                  ClientResult& result,
                                                                  BodySink& sink) {
    http::response_parser<http::empty_body> head;
    head.body_limit(boost::none);
    if (request.method() == http::verb::head) head.skip(true);
    const std::size_t before = buffer.size();
    auto [hec, hn] = co_await http::async_read_header(stream, buffer, head, kUse);
    if (hec) co_return std::pair{hec, hn > 0 || buffer.size() != before};
    result.response.base() = head.get().base();

    std::optional<std::uint64_t> length;
    if (head.content_length()) length = *head.content_length();
    const SinkDecision decision = co_await sink.on_header(result.response, length);
    if (decision == SinkDecision::kAbort) {
      result.error = ClientError::kAborted;
      result.message = "HTTP " + std::to_string(result.response.result_int()) + " refused";
      co_return std::pair{error_code{}, true};
    }
    if (head.is_done()) co_return std::pair{error_code{}, true};

    if (decision == SinkDecision::kBuffer) {
      if (length && *length > options.body_limit) {
        co_return std::pair{error_code(http::error::body_limit), true};
      }
      http::response_parser<http::string_body> parser(std::move(head));
      parser.body_limit(options.body_limit);
      auto [rec, rn] = co_await http::async_read(stream, buffer, parser, kUse);
      if (rec) co_return std::pair{rec, true};
      result.response = parser.release();
      co_return std::pair{error_code{}, true};
    }

    if (length && *length > sink.limit) {
      result.error = ClientError::kTooLarge;
      result.message = "Content-Length " + std::to_string(*length) + " above the limit of " +
                       std::to_string(sink.limit) + " bytes";
      co_return std::pair{error_code{}, true};
    }
    http::response_parser<http::buffer_body> parser(std::move(head));
    std::vector<char> chunk(kClientChunkSize);
    std::uint64_t received = 0;
    while (!parser.is_done()) {
      parser.get().body().data = chunk.data();
      parser.get().body().size = chunk.size();
      auto [rec, rn] = co_await http::async_read(stream, buffer, parser, kUse);
      if (rec == http::error::need_buffer) rec = {};  // the chunk is full: hand it over
      const std::size_t n = chunk.size() - parser.get().body().size;
      received += n;
      if (received > sink.limit) {
        result.error = ClientError::kTooLarge;
        result.message = "body above the limit of " + std::to_string(sink.limit) + " bytes";
        co_return std::pair{error_code{}, true};
      }
      // Bytes the parser took before an error (the connection cut) are handed over too.
      bool more = true;
      if (n > 0) {
        const std::string_view data(chunk.data(), n);
        more = co_await sink.on_data(data);
      }
      if (rec) co_return std::pair{rec, true};
      if (!more) {
        result.error = ClientError::kAborted;
        result.message = "the receiver stopped after " + std::to_string(received) + " bytes";
        co_return std::pair{error_code{}, true};
      }
    }
    result.response.base() = parser.get().base();  // with the trailer's fields, if any
    co_return std::pair{error_code{}, true};
  }

  asio::awaitable<ClientResult> request(std::string url, http::verb method, Headers headers,
                                        std::string body, std::chrono::milliseconds timeout,
                                        bool keep_alive, std::optional<BodySink> sink) {
    const auto deadline = Clock::now() + timeout;
    const auto target = parse_target(url);
    if (!target) co_return failure(ClientError::kBadUrl, "not an http(s) URL: " + std::string(url));
    if (target->tls && !options.tls) {
      co_return failure(ClientError::kBadUrl, "https URL but no TLS context configured");
    }

    Request req{method, target->path, 11};
    for (const auto& [name, value] : headers) req.insert(name, value);
    if (req.find(http::field::host) == req.end()) req.set(http::field::host, target->host_port);
    if (req.find(http::field::user_agent) == req.end() && !options.user_agent.empty()) {
      req.set(http::field::user_agent, options.user_agent);
    }
    req.body() = std::move(body);
    if (req.find(http::field::content_length) == req.end()) req.prepare_payload();
    req.keep_alive(keep_alive);
    BodySink* sink_ptr = sink ? &*sink : nullptr;

    for (int attempt = 0; attempt < 2; ++attempt) {
      const bool reused = open() && origin == target->origin();
      if (!reused) {
        auto connected = co_await connect(*target, deadline);
        if (!connected.ok()) co_return connected;
      }
      lowest().expires_at(deadline);
      ClientResult result;
      std::pair<error_code, bool> outcome;
      // Plain statements, not `?:` around the co_awaits: GCC 12 miscompiles that form
      // inside a try block.
      try {
        if (secure) {
          outcome = co_await exchange(*secure, req, result, sink_ptr);
        } else {
          outcome = co_await exchange(*plain, req, result, sink_ptr);
        }
      } catch (...) {
        close();  // a sink threw: the rest of the response is unread
        throw;
      }
      const auto [ec, got_some] = outcome;
      if (!ec && result.ok()) {
        if (!keep_alive || !result.response.keep_alive()) close();
        co_return result;
      }
      close();
      if (!ec) co_return result;                          // refused by the sink, or over its limit
      if (reused && !got_some && is_stale(ec)) continue;  // the server had dropped it
      co_return failure(classify_exchange(ec), ec.message());
    }
    co_return failure(ClientError::kIo, "connection closed by the server");
  }
};

HttpConnection::HttpConnection(asio::any_io_executor executor, ClientOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->executor = std::move(executor);
  impl_->options = std::move(options);
}

HttpConnection::~HttpConnection() = default;

asio::awaitable<ClientResult> HttpConnection::request(std::string url, http::verb method,
                                                      Headers headers, std::string body,
                                                      std::chrono::milliseconds timeout) {
  return impl_->request(std::move(url), method, std::move(headers), std::move(body), timeout, true,
                        std::nullopt);
}

asio::awaitable<ClientResult> HttpConnection::request(std::string url, http::verb method,
                                                      Headers headers, std::string body,
                                                      std::chrono::milliseconds timeout,
                                                      BodySink sink) {
  return impl_->request(std::move(url), method, std::move(headers), std::move(body), timeout, true,
                        std::move(sink));
}

bool HttpConnection::is_open() const {
  return impl_->open();
}

void HttpConnection::close() {
  impl_->close();
}

asio::awaitable<ClientResult> http_request(asio::any_io_executor executor, std::string url,
                                           http::verb method, Headers headers, std::string body,
                                           std::chrono::milliseconds timeout,
                                           ClientOptions options) {
  HttpConnection::Impl impl;
  impl.executor = std::move(executor);
  impl.options = std::move(options);
  std::optional<BodySink> no_sink;
  co_return co_await impl.request(std::move(url), method, std::move(headers), std::move(body),
                                  timeout, false, std::move(no_sink));
}

}  // namespace net
