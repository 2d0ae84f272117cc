// net::HttpServer over real sockets on 127.0.0.1 (ephemeral ports).
#include "net/compression.hpp"
#include "net_test_support.hpp"

namespace net_test {
namespace {

using Clock = std::chrono::steady_clock;

std::string header(const net::HttpResponse& r, std::string_view name) {
  auto it = r.find(name);
  return it == r.end() ? std::string() : std::string(it->value());
}

class HttpServerTest : public ServerFixture {};

TEST_F(HttpServerTest, RequestResponse) {
  start();
  auto r = run(net::http_request(io_.get_executor(), url("/echo"), http::verb::post,
                                 {{"Content-Type", "text/xml"}}, "hello", 2s));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.status(), 200u);
  EXPECT_EQ(r.response.body(), "hello");
  EXPECT_EQ(header(r.response, "X-Method"), "POST");
  EXPECT_EQ(header(r.response, "X-Remote"), "127.0.0.1");
  EXPECT_EQ(header(r.response, "X-Tls"), "0");
  EXPECT_EQ(header(r.response, "Server"), "cwmp-suite");
  EXPECT_NE(header(r.response, "X-Conn-Id"), "0");
}

TEST_F(HttpServerTest, KeepAliveKeepsConnectionIdAndNewConnectionGetsNewId) {
  start();
  net::HttpConnection first(io_.get_executor());
  std::string id;
  for (int i = 0; i < 3; ++i) {
    auto r = run(first.request(url("/echo"), http::verb::post, {}, std::to_string(i), 2s));
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(r.response.body(), std::to_string(i));
    EXPECT_TRUE(r.response.keep_alive());
    if (i == 0) id = header(r.response, "X-Conn-Id");
    EXPECT_EQ(header(r.response, "X-Conn-Id"), id);
  }
  EXPECT_TRUE(first.is_open());
  wait_for_connections(1);
  net::HttpConnection second(io_.get_executor());
  auto r = run(second.request(url("/echo"), http::verb::get, {}, "", 2s));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_NE(header(r.response, "X-Conn-Id"), id);
  wait_for_connections(2);
}

TEST_F(HttpServerTest, HandlerCanAskToClose) {
  start();
  net::HttpConnection c(io_.get_executor());
  auto r = run(c.request(url("/close"), http::verb::get, {}, "", 2s));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_FALSE(r.response.keep_alive());
  EXPECT_FALSE(c.is_open());
}

TEST_F(HttpServerTest, Http10WithoutKeepAliveIsAnsweredAndClosed) {
  start();
  auto raw = run(raw_connect(port_));
  ASSERT_TRUE(run(raw_send(raw, "GET /echo HTTP/1.0\r\n\r\n")));
  auto r = run(raw_read(raw));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200u);
  EXPECT_EQ(r->version(), 10u);
  EXPECT_TRUE(run(raw_wait_closed(raw, 1s)));
}

TEST_F(HttpServerTest, SloppyClientsLowerCaseHeadersNoContentLengthChunkedConnectionClose) {
  start();
  auto raw = run(raw_connect(port_));
  // A bodyless POST without Content-Length, lower-case header names.
  ASSERT_TRUE(run(raw_send(raw, "POST /echo HTTP/1.1\r\nhost: acs\r\nsoapaction: \"\"\r\n\r\n")));
  auto r = run(raw_read(raw));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200u);
  EXPECT_EQ(r->body(), "");
  // A chunked body on the same connection, then Connection: close.
  ASSERT_TRUE(run(raw_send(raw,
                           "POST /echo HTTP/1.1\r\nhost: acs\r\ntransfer-encoding: chunked\r\n"
                           "connection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")));
  r = run(raw_read(raw));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body(), "hello world");
  EXPECT_FALSE(r->keep_alive());
  EXPECT_TRUE(run(raw_wait_closed(raw, 1s)));
}

TEST_F(HttpServerTest, ExpectContinueIsHonoured) {
  start();
  auto raw = run(raw_connect(port_));
  ASSERT_TRUE(run(raw_send(raw,
                           "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
                           "Expect: 100-continue\r\n\r\n")));
  auto interim = run(raw_read(raw));  // Beast reads the 100 as a message of its own
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->result_int(), 100u);
  ASSERT_TRUE(run(raw_send(raw, "abc")));
  auto r = run(raw_read(raw));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body(), "abc");
}

TEST_F(HttpServerTest, BodyOverLimitIs413AndCloses) {
  net::ServerOptions options;
  options.body_limit = 1000;
  start(options);
  auto ok = run(net::http_request(io_.get_executor(), url("/echo"), http::verb::post, {},
                                  std::string(1000, 'x'), 2s));
  ASSERT_TRUE(ok.ok()) << ok.message;
  EXPECT_EQ(ok.status(), 200u);
  auto raw = run(raw_connect(port_));
  ASSERT_TRUE(run(raw_send(raw, "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n" +
                                    std::string(5000, 'x'))));
  auto r = run(raw_read(raw));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 413u);
  EXPECT_FALSE(r->keep_alive());
  EXPECT_TRUE(run(raw_wait_closed(raw, 2s)));
}

TEST_F(HttpServerTest, HeaderOverLimitIs431) {
  net::ServerOptions options;
  options.header_limit = 1024;
  start(options);
  auto r = run(net::http_request(io_.get_executor(), url("/echo"), http::verb::get,
                                 {{"X-Big", std::string(4000, 'h')}}, "", 2s));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.status(), 431u);
}

TEST_F(HttpServerTest, GarbageIs400) {
  start();
  auto raw = run(raw_connect(port_));
  ASSERT_TRUE(run(raw_send(raw, "GET /echo HTTP/1.1\r\nBad Header Without Colon\r\n\r\n")));
  auto r = run(raw_read(raw));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 400u);
}

TEST_F(HttpServerTest, GzipAndDeflateBodiesAreDecoded) {
  start();
  const std::string body = "<soap-env:Envelope>" + std::string(3000, 'z') + "</soap-env:Envelope>";
  for (auto [name, coding] : {std::pair{"gzip", net::ContentCoding::kGzip},
                              std::pair{"deflate", net::ContentCoding::kDeflate}}) {
    auto r = run(net::http_request(io_.get_executor(), url("/echo"), http::verb::post,
                                   {{"Content-Encoding", name}}, net::compress(body, coding), 2s));
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(r.status(), 200u) << name;
    EXPECT_EQ(r.response.body(), body) << name;
    EXPECT_EQ(header(r.response, "X-Had-Encoding"), "0") << name;
  }
  auto bad = run(net::http_request(io_.get_executor(), url("/echo"), http::verb::post,
                                   {{"Content-Encoding", "br"}}, "xx", 2s));
  EXPECT_EQ(bad.status(), 415u);
  auto corrupt = run(net::http_request(io_.get_executor(), url("/echo"), http::verb::post,
                                       {{"Content-Encoding", "gzip"}}, "not gzip", 2s));
  EXPECT_EQ(corrupt.status(), 400u);
}

TEST_F(HttpServerTest, ZipBombIs413) {
  net::ServerOptions options;
  options.decoded_body_limit = 64 * 1024;
  start(options);
  const std::string bomb =
      net::compress(std::string(10 * 1024 * 1024, '\0'), net::ContentCoding::kGzip, 9);
  ASSERT_LT(bomb.size(), options.body_limit);
  auto r = run(net::http_request(io_.get_executor(), url("/echo"), http::verb::post,
                                 {{"Content-Encoding", "gzip"}}, bomb, 2s));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.status(), 413u);
}

TEST_F(HttpServerTest, IdleConnectionTimesOut) {
  net::ServerOptions options;
  options.read_timeout = 200ms;
  start(options);
  const auto begin = Clock::now();
  auto raw = run(raw_connect(port_));
  EXPECT_TRUE(run(raw_wait_closed(raw, 2s)));
  const auto elapsed = Clock::now() - begin;
  EXPECT_GE(elapsed, 150ms);
  EXPECT_LT(elapsed, 1500ms);
  wait_for_connections(0);
}

TEST_F(HttpServerTest, SlowLorisHeaderDripIsClosed) {
  net::ServerOptions options;
  options.read_timeout = 300ms;
  start(options);
  auto raw = run(raw_connect(port_));
  const auto begin = Clock::now();
  ASSERT_TRUE(run(raw_send(raw, "GET /echo HTTP/1.1\r\n")));
  // One header line every 50 ms would keep a per-read timer alive forever; the per-request
  // deadline must not care.
  bool closed = false;
  for (int i = 0; i < 40 && !closed; ++i) {
    run(sleep_for(50ms));
    closed = !run(raw_send(raw, "X-Drip: " + std::to_string(i) + "\r\n"));
    if (server_->connection_count() == 0) closed = true;
  }
  EXPECT_TRUE(closed);
  EXPECT_LT(Clock::now() - begin, 1500ms);
}

TEST_F(HttpServerTest, ConnectionCapAnswers503WithRetryAfter) {
  net::ServerOptions options;
  options.max_connections = 2;
  options.retry_after = std::chrono::seconds(7);
  start(options);
  net::HttpConnection a(io_.get_executor());
  net::HttpConnection b(io_.get_executor());
  ASSERT_EQ(run(a.request(url("/echo"), http::verb::get, {}, "", 2s)).status(), 200u);
  ASSERT_EQ(run(b.request(url("/echo"), http::verb::get, {}, "", 2s)).status(), 200u);
  wait_for_connections(2);
  auto over = get(url("/echo"));
  ASSERT_TRUE(over.ok()) << over.message;
  EXPECT_EQ(over.status(), 503u);
  EXPECT_EQ(header(over.response, "Retry-After"), "7");
  EXPECT_FALSE(over.response.keep_alive());
  // The server is still fine: once a slot frees up, requests get through again.
  a.close();
  wait_for_connections(1);
  EXPECT_EQ(get(url("/echo")).status(), 200u);
  EXPECT_EQ(run(b.request(url("/echo"), http::verb::get, {}, "", 2s)).status(), 200u);
}

TEST_F(HttpServerTest, HandlerExceptionIs500AndServerCarriesOn) {
  start();
  net::HttpConnection c(io_.get_executor());
  auto r = run(c.request(url("/throw"), http::verb::get, {}, "", 2s));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.status(), 500u);
  r = run(c.request(url("/echo"), http::verb::post, {}, "again", 2s));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.status(), 200u);
  EXPECT_EQ(r.response.body(), "again");
}

TEST_F(HttpServerTest, GracefulStopFinishesInFlightRequestAndClosesIdle) {
  start();
  auto idle = run(raw_connect(port_));
  auto in_flight = asio::co_spawn(
      io_, net::http_request(io_.get_executor(), url("/sleep?ms=300"), http::verb::get, {}, "", 3s),
      asio::use_future);
  wait_for_connections(2);
  std::this_thread::sleep_for(50ms);  // the slow request is now in the handler
  const auto took = stop_and_wait(2s);
  auto r = in_flight.get();
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.status(), 200u);
  EXPECT_FALSE(r.response.keep_alive());
  EXPECT_LT(took, 1500ms);
  EXPECT_TRUE(run(raw_wait_closed(idle, 500ms)));
  EXPECT_EQ(get(url("/echo")).error, net::ClientError::kConnectRefused);
}

TEST_F(HttpServerTest, StopGraceDeadlineClosesSlowRequests) {
  start();
  auto in_flight = asio::co_spawn(
      io_, net::http_request(io_.get_executor(), url("/sleep?ms=800"), http::verb::get, {}, "", 3s),
      asio::use_future);
  wait_for_connections(1);
  std::this_thread::sleep_for(50ms);
  const auto begin = Clock::now();
  server_->stop(100ms);
  auto r = in_flight.get();  // the socket was closed under the handler
  EXPECT_FALSE(r.ok());
  EXPECT_LT(Clock::now() - begin, 600ms);
  stopped_ = true;
}

// --- client ---------------------------------------------------------------------------

class HttpClientTest : public ServerFixture {};

TEST_F(HttpClientTest, TimeoutAgainstServerThatNeverAnswers) {
  // A listening socket nobody accepts on: the kernel completes the handshake, then silence.
  tcp::acceptor silent(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto silent_port = silent.local_endpoint().port();
  thread_ = std::thread([this] { io_.run(); });
  const auto begin = Clock::now();
  auto r = run(net::http_request(io_.get_executor(),
                                 "http://127.0.0.1:" + std::to_string(silent_port) + "/",
                                 http::verb::get, {}, "", 200ms));
  EXPECT_EQ(r.error, net::ClientError::kTimeout) << r.message;
  EXPECT_LT(Clock::now() - begin, 1000ms);
}

TEST_F(HttpClientTest, ConnectionRefusedAndBadUrl) {
  std::uint16_t closed_port = 0;
  {
    tcp::acceptor probe(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    closed_port = probe.local_endpoint().port();
  }
  thread_ = std::thread([this] { io_.run(); });
  auto r = run(net::http_request(io_.get_executor(),
                                 "http://127.0.0.1:" + std::to_string(closed_port) + "/",
                                 http::verb::get, {}, "", 1s));
  EXPECT_EQ(r.error, net::ClientError::kConnectRefused) << r.message;
  EXPECT_EQ(r.status(), 0u);
  for (const char* bad : {"ftp://127.0.0.1/", "not a url", "/relative", "http:///nohost"}) {
    EXPECT_EQ(run(net::http_request(io_.get_executor(), bad, http::verb::get, {}, "", 1s)).error,
              net::ClientError::kBadUrl)
        << bad;
  }
  EXPECT_EQ(run(net::http_request(io_.get_executor(), "https://127.0.0.1:1/", http::verb::get, {},
                                  "", 1s))
                .error,
            net::ClientError::kBadUrl);  // no TLS context
}

TEST_F(HttpClientTest, ReconnectsWhenServerDroppedKeptAliveConnection) {
  net::ServerOptions options;
  options.read_timeout = 100ms;
  start(options);
  net::HttpConnection c(io_.get_executor());
  auto r = run(c.request(url("/echo"), http::verb::get, {}, "", 2s));
  ASSERT_EQ(r.status(), 200u);
  const std::string first_id = header(r.response, "X-Conn-Id");
  wait_for_connections(1);
  wait_for_connections(0);  // the server's idle timeout closed it
  r = run(c.request(url("/echo"), http::verb::get, {}, "", 2s));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.status(), 200u);
  EXPECT_NE(header(r.response, "X-Conn-Id"), first_id);
}

}  // namespace
}  // namespace net_test
