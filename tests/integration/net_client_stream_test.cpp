// net::HttpConnection with a BodySink: the body streamed in bounded chunks, the header shown
// first, kBuffer / kAbort decisions, the byte cap (up front from Content-Length, counted for
// chunked bodies), cut bodies, a sink that stops or throws, keep-alive after a streamed body.
#include <unistd.h>

#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

#include "../common/raw_http_server.hpp"
#include "net_test_support.hpp"

namespace net_test {
namespace {

namespace fs = std::filesystem;

std::string pattern(std::size_t size) {
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<char>('a' + (i * 7 + i / 991) % 26);
  return out;
}

// What a sink saw.
struct Seen {
  std::vector<unsigned> statuses;  // of every on_header call
  std::vector<std::optional<std::uint64_t>> lengths;
  std::string data;
  std::size_t chunks = 0;
  std::size_t largest_chunk = 0;
  bool data_before_header = false;
};

net::BodySink recording_sink(std::shared_ptr<Seen> seen, net::SinkDecision decision,
                             std::uint64_t limit = 1 << 30, std::size_t stop_after_chunks = 0) {
  net::BodySink sink;
  sink.limit = limit;
  sink.on_header = [seen, decision](
                       const net::HttpResponse& header,
                       std::optional<std::uint64_t> length) -> asio::awaitable<net::SinkDecision> {
    seen->statuses.push_back(header.result_int());
    seen->lengths.push_back(length);
    co_return decision;
  };
  sink.on_data = [seen, stop_after_chunks](std::string_view chunk) -> asio::awaitable<bool> {
    if (seen->statuses.empty()) seen->data_before_header = true;
    seen->data.append(chunk);
    ++seen->chunks;
    seen->largest_chunk = std::max(seen->largest_chunk, chunk.size());
    co_return stop_after_chunks == 0 || seen->chunks < stop_after_chunks;
  };
  return sink;
}

using RawServer = test_support::RawHttpServer;

class ClientStream : public ::testing::Test {
 protected:
  void SetUp() override {
    body_ = pattern(1024 * 1024 + 123);
    std::string tmpl = (fs::temp_directory_path() / "net_stream_XXXXXX").string();
    const int fd = mkstemp(tmpl.data());
    ASSERT_GE(fd, 0);
    ::close(fd);
    file_path_ = tmpl;
    file_body_ = pattern(3 * 1024 * 1024 + 5);
    std::ofstream(file_path_, std::ios::binary) << file_body_;

    auto handler = [this](net::Request& req,
                          const net::ConnectionInfo& info) -> asio::awaitable<net::Response> {
      net::Response res;
      res.message.set("X-Conn-Id", std::to_string(info.connection_id));
      const std::string target(req.target());
      if (target == "/big") {
        res.message.result(http::status::ok);
        res.message.body() = body_;
      } else if (target == "/file") {
        res.message.result(http::status::ok);
        res.file = net::FileBody{file_path_, 0, file_body_.size(), {}};
      } else if (target == "/auth") {
        res.message.result(http::status::unauthorized);
        res.message.set(http::field::www_authenticate, "Basic realm=\"x\"");
        res.message.body() = "please authenticate";
      } else if (target == "/empty") {
        res.message.result(http::status::no_content);
      } else {
        res.message.result(http::status::not_found);
      }
      co_return res;
    };
    server_ = std::make_unique<net::HttpServer>(io_, handler);
    port_ = server_->listen("127.0.0.1:0");
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    if (server_) {
      std::promise<void> done;
      server_->stop(0ms, [&done] { done.set_value(); });
      done.get_future().wait_for(5s);
    }
    raw_.reset();
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
    std::error_code ignored;
    fs::remove(file_path_, ignored);
  }

  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

  // One request through `connection` with `sink`, run on the io_context.
  net::ClientResult fetch(net::HttpConnection& connection, const std::string& u, net::BodySink sink,
                          http::verb verb = http::verb::get) {
    auto call = [&connection, u, sink = std::move(sink),
                 verb]() mutable -> asio::awaitable<net::ClientResult> {
      net::Headers headers;
      std::string body;
      co_return co_await connection.request(u, verb, std::move(headers), std::move(body), 5s,
                                            std::move(sink));
    };
    return asio::co_spawn(io_, call(), asio::use_future).get();
  }

  void start_raw(std::string answer, bool hold_open) {
    raw_ = std::make_unique<RawServer>(io_, std::move(answer), hold_open);
  }

  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      io_.get_executor()};
  std::thread thread_;
  std::unique_ptr<net::HttpServer> server_;
  std::unique_ptr<RawServer> raw_;
  std::uint16_t port_ = 0;
  std::string body_;
  fs::path file_path_;
  std::string file_body_;
};

TEST_F(ClientStream, BodyArrivesInBoundedChunksAfterTheHeader) {
  net::HttpConnection connection(io_.get_executor());
  auto seen = std::make_shared<Seen>();
  const net::ClientResult r =
      fetch(connection, url("/big"), recording_sink(seen, net::SinkDecision::kStream));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.status(), 200u);
  EXPECT_TRUE(r.response.body().empty());  // streamed, not held
  ASSERT_EQ(seen->statuses.size(), 1u);
  ASSERT_TRUE(seen->lengths[0].has_value());
  EXPECT_EQ(*seen->lengths[0], body_.size());
  EXPECT_FALSE(seen->data_before_header);
  EXPECT_EQ(seen->data, body_);
  EXPECT_LE(seen->largest_chunk, net::kClientChunkSize);
  EXPECT_GE(seen->chunks, body_.size() / net::kClientChunkSize);

  // The connection stays usable after a streamed body: the next request reuses it.
  const std::string first_connection(r.response["X-Conn-Id"]);
  auto again = std::make_shared<Seen>();
  const net::ClientResult r2 =
      fetch(connection, url("/big"), recording_sink(again, net::SinkDecision::kStream));
  ASSERT_TRUE(r2.ok()) << r2.message;
  EXPECT_EQ(std::string(r2.response["X-Conn-Id"]), first_connection);
  EXPECT_EQ(again->data, body_);
}

TEST_F(ClientStream, FileBodiesStreamThrough) {
  net::HttpConnection connection(io_.get_executor());
  auto seen = std::make_shared<Seen>();
  const net::ClientResult r =
      fetch(connection, url("/file"), recording_sink(seen, net::SinkDecision::kStream));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(seen->data.size(), file_body_.size());
  EXPECT_TRUE(seen->data == file_body_);
  EXPECT_LE(seen->largest_chunk, net::kClientChunkSize);
}

TEST_F(ClientStream, BufferDecisionReadsTheBodyIntoTheResponse) {
  net::HttpConnection connection(io_.get_executor());
  auto seen = std::make_shared<Seen>();
  const net::ClientResult r =
      fetch(connection, url("/auth"), recording_sink(seen, net::SinkDecision::kBuffer));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.status(), 401u);
  EXPECT_EQ(r.response.body(), "please authenticate");
  EXPECT_EQ(std::string(r.response[http::field::www_authenticate]), "Basic realm=\"x\"");
  EXPECT_EQ(seen->chunks, 0u);
  EXPECT_TRUE(connection.is_open());  // kept alive for the next round
}

TEST_F(ClientStream, BufferDecisionKeepsTheClientBodyLimit) {
  net::ClientOptions options;
  options.body_limit = 1000;
  net::HttpConnection connection(io_.get_executor(), options);
  auto seen = std::make_shared<Seen>();
  const net::ClientResult r =
      fetch(connection, url("/big"), recording_sink(seen, net::SinkDecision::kBuffer));
  EXPECT_EQ(r.error, net::ClientError::kProtocol) << r.message;
  EXPECT_EQ(seen->chunks, 0u);
}

TEST_F(ClientStream, AbortClosesWithoutReadingAndKeepsTheHeader) {
  net::HttpConnection connection(io_.get_executor());
  auto seen = std::make_shared<Seen>();
  const net::ClientResult r =
      fetch(connection, url("/big"), recording_sink(seen, net::SinkDecision::kAbort));
  EXPECT_EQ(r.error, net::ClientError::kAborted);
  EXPECT_EQ(r.response.result_int(), 200u);
  EXPECT_EQ(seen->chunks, 0u);
  EXPECT_FALSE(connection.is_open());
  // The next request opens a new connection and works.
  auto again = std::make_shared<Seen>();
  const net::ClientResult r2 =
      fetch(connection, url("/big"), recording_sink(again, net::SinkDecision::kStream));
  ASSERT_TRUE(r2.ok()) << r2.message;
  EXPECT_EQ(again->data, body_);
}

TEST_F(ClientStream, ASinkThatStopsAborts) {
  net::HttpConnection connection(io_.get_executor());
  auto seen = std::make_shared<Seen>();
  const net::ClientResult r =
      fetch(connection, url("/big"), recording_sink(seen, net::SinkDecision::kStream, 1 << 30, 2));
  EXPECT_EQ(r.error, net::ClientError::kAborted) << r.message;
  EXPECT_EQ(seen->chunks, 2u);
  EXPECT_LT(seen->data.size(), body_.size());
  EXPECT_FALSE(connection.is_open());
}

TEST_F(ClientStream, ASinkThatThrowsClosesAndPropagates) {
  net::HttpConnection connection(io_.get_executor());
  net::BodySink sink;
  sink.on_header = [](const net::HttpResponse&,
                      std::optional<std::uint64_t>) -> asio::awaitable<net::SinkDecision> {
    co_return net::SinkDecision::kStream;
  };
  sink.on_data = [](std::string_view) -> asio::awaitable<bool> {
    throw std::runtime_error("disk on fire");
    co_return true;
  };
  EXPECT_THROW(fetch(connection, url("/big"), std::move(sink)), std::runtime_error);
  EXPECT_FALSE(connection.is_open());
}

TEST_F(ClientStream, ResponsesWithoutABodyAreShownToTheSinkOnly) {
  net::HttpConnection connection(io_.get_executor());
  auto seen = std::make_shared<Seen>();
  net::ClientResult r =
      fetch(connection, url("/empty"), recording_sink(seen, net::SinkDecision::kStream));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.status(), 204u);
  EXPECT_EQ(seen->statuses, std::vector<unsigned>{204});
  EXPECT_EQ(seen->chunks, 0u);
  // HEAD: the header's Content-Length describes a body that does not come.
  auto head = std::make_shared<Seen>();
  r = fetch(connection, url("/big"), recording_sink(head, net::SinkDecision::kStream),
            http::verb::head);
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(head->chunks, 0u);
  EXPECT_TRUE(connection.is_open());
}

TEST_F(ClientStream, AContentLengthOverTheLimitFailsBeforeReading) {
  // 1 TB announced, nothing sent, the connection held open: reading would wait for the
  // deadline (kTimeout); the limit refuses at once.
  start_raw("HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n", /*hold_open=*/true);
  net::HttpConnection connection(io_.get_executor());
  auto seen = std::make_shared<Seen>();
  const net::ClientResult r =
      fetch(connection, raw_->url(), recording_sink(seen, net::SinkDecision::kStream, 1 << 20));
  EXPECT_EQ(r.error, net::ClientError::kTooLarge) << r.message;
  EXPECT_NE(r.message.find("1000000000000"), std::string::npos) << r.message;
  EXPECT_EQ(r.response.result_int(), 200u);
  EXPECT_EQ(seen->chunks, 0u);
  EXPECT_FALSE(connection.is_open());
}

std::string chunked_answer(std::size_t chunks, std::size_t chunk_size) {
  std::string out = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  char size_line[32];
  std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk_size);
  for (std::size_t i = 0; i < chunks; ++i) {
    out += size_line;
    out += std::string(chunk_size, static_cast<char>('A' + i));
    out += "\r\n";
  }
  return out + "0\r\n\r\n";
}

TEST_F(ClientStream, ChunkedBodiesStreamAndAreCountedAgainstTheLimit) {
  start_raw(chunked_answer(3, 40 * 1024), /*hold_open=*/false);
  {
    net::HttpConnection connection(io_.get_executor());
    auto seen = std::make_shared<Seen>();
    const net::ClientResult r =
        fetch(connection, raw_->url(), recording_sink(seen, net::SinkDecision::kStream));
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_FALSE(seen->lengths[0].has_value());
    EXPECT_EQ(seen->data, std::string(40 * 1024, 'A') + std::string(40 * 1024, 'B') +
                              std::string(40 * 1024, 'C'));
  }
  {
    net::HttpConnection connection(io_.get_executor());
    auto seen = std::make_shared<Seen>();
    const net::ClientResult r = fetch(connection, raw_->url(),
                                      recording_sink(seen, net::SinkDecision::kStream, 100 * 1024));
    EXPECT_EQ(r.error, net::ClientError::kTooLarge) << r.message;
    EXPECT_LE(seen->data.size(), 100u * 1024);  // nothing past the limit reached the sink
  }
}

TEST_F(ClientStream, ABodyCutShortIsAnIoError) {
  start_raw("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + std::string(500, 'x'),
            /*hold_open=*/false);
  net::HttpConnection connection(io_.get_executor());
  auto seen = std::make_shared<Seen>();
  const net::ClientResult r =
      fetch(connection, raw_->url(), recording_sink(seen, net::SinkDecision::kStream));
  EXPECT_EQ(r.error, net::ClientError::kIo) << r.message;
  // Whatever reached the sink is a prefix of what was sent (whether the bytes that came with
  // the cut are handed over depends on how the reads fell; a receiver discards them anyway).
  EXPECT_LE(seen->data.size(), 500u);
  EXPECT_EQ(seen->data, std::string(seen->data.size(), 'x'));
}

}  // namespace
}  // namespace net_test
