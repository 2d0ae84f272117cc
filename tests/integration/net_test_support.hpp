// Shared fixture of the net integration tests: an HttpServer on 127.0.0.1:0 run by one
// background thread, an echo handler, and small coroutine helpers for raw connections.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "net/http_client.hpp"
#include "net/http_server.hpp"

namespace net_test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
constexpr auto kUse = asio::as_tuple(asio::use_awaitable);

// Echoes the request and what the server knew about the connection.
//   /throw      -> the handler throws
//   /close      -> asks the server to close after the response
//   /sleep?ms=N -> answers after N ms
inline asio::awaitable<net::Response> echo_handler(net::Request& req,
                                                   const net::ConnectionInfo& info) {
  const std::string target(req.target());
  if (target == "/throw") throw std::runtime_error("handler failure");
  if (target.rfind("/sleep?ms=", 0) == 0) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    timer.expires_after(std::chrono::milliseconds(std::stoi(target.substr(10))));
    co_await timer.async_wait(asio::use_awaitable);
  }
  net::Response res;
  res.message.result(http::status::ok);
  res.message.set("X-Conn-Id", std::to_string(info.connection_id));
  res.message.set("X-Tls", info.is_tls ? "1" : "0");
  res.message.set("X-Subject", info.peer_subject);
  res.message.set("X-Remote", info.remote_address);
  res.message.set("X-Method", std::string(req.method_string()));
  res.message.set("X-Had-Encoding",
                  req.find(http::field::content_encoding) != req.end() ? "1" : "0");
  res.message.body() = req.body();
  res.close = target == "/close";
  co_return res;
}

class ServerFixture : public ::testing::Test {
 protected:
  void start(net::ServerOptions options = {}, std::shared_ptr<asio::ssl::context> tls = {}) {
    server_ = std::make_unique<net::HttpServer>(io_, echo_handler, std::move(options));
    port_ = server_->listen("127.0.0.1:0", std::move(tls));
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    if (server_) stop_and_wait(0ms);
    work_.reset();
    if (thread_.joinable()) thread_.join();
  }

  // Returns how long the stop took.
  std::chrono::milliseconds stop_and_wait(std::chrono::milliseconds grace) {
    if (stopped_) return 0ms;
    stopped_ = true;
    const auto begin = std::chrono::steady_clock::now();
    std::promise<void> done;
    server_->stop(grace, [&done] { done.set_value(); });
    if (done.get_future().wait_for(10s) != std::future_status::ready) {
      ADD_FAILURE() << "server did not stop";
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 begin);
  }

  template <class T>
  T run(asio::awaitable<T> a) {
    return asio::co_spawn(io_, std::move(a), asio::use_future).get();
  }

  std::string url(std::string_view path, bool tls = false) const {
    return std::string(tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) +
           std::string(path);
  }

  net::ClientResult get(const std::string& u, net::ClientOptions options = {}) {
    return run(
        net::http_request(io_.get_executor(), u, http::verb::get, {}, "", 2s, std::move(options)));
  }

  void wait_for_connections(std::size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + 2s;
    while (server_->connection_count() != n && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);
    }
    ASSERT_EQ(server_->connection_count(), n);
  }

  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      io_.get_executor()};
  std::thread thread_;
  std::unique_ptr<net::HttpServer> server_;
  std::uint16_t port_ = 0;
  bool stopped_ = false;
};

// A raw client connection for requests the HTTP client would never send.
struct Raw {
  explicit Raw(asio::any_io_executor ex) : stream(ex) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
};
using RawPtr = std::shared_ptr<Raw>;

inline asio::awaitable<RawPtr> raw_connect(std::uint16_t port) {
  auto raw = std::make_shared<Raw>(co_await asio::this_coro::executor);
  raw->stream.expires_after(2s);
  co_await raw->stream.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                                     asio::use_awaitable);
  co_return raw;
}

inline asio::awaitable<bool> raw_send(RawPtr raw, std::string data) {
  raw->stream.expires_after(2s);
  auto [ec, n] = co_await asio::async_write(raw->stream, asio::buffer(data), kUse);
  co_return !ec;
}

inline asio::awaitable<std::optional<net::HttpResponse>> raw_read(RawPtr raw) {
  raw->stream.expires_after(2s);
  net::HttpResponse res;
  auto [ec, n] = co_await http::async_read(raw->stream, raw->buffer, res, kUse);
  if (ec) co_return std::nullopt;
  co_return res;
}

// True when the server closes the connection within `limit` (data before EOF is skipped).
inline asio::awaitable<bool> raw_wait_closed(RawPtr raw, std::chrono::milliseconds limit) {
  raw->stream.expires_after(limit);
  char sink[4096];
  for (;;) {
    auto [ec, n] = co_await raw->stream.async_read_some(asio::buffer(sink), kUse);
    if (ec) co_return ec != beast::error::timeout;
  }
}

inline asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  co_await timer.async_wait(asio::use_awaitable);
}

}  // namespace net_test
