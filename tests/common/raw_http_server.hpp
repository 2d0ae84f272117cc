// A server answering every request with the bytes a test gives, for answers net::HttpServer
// never writes (chunked bodies, lying Content-Lengths, cut bodies). After the bytes it closes
// the connection, or holds it open until destroyed. Shared by the net and CPE agent tests.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <vector>

namespace test_support {

class RawHttpServer {
 public:
  // Serves on 127.0.0.1 (an ephemeral port) on `io`, which some thread must run.
  RawHttpServer(boost::asio::io_context& io, std::string answer, bool hold_open,
                std::string path = "/x")
      : acceptor_(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)),
        answer_(std::move(answer)),
        hold_open_(hold_open),
        path_(std::move(path)) {
    boost::asio::co_spawn(acceptor_.get_executor(), serve(), boost::asio::detached);
  }
  // Closes the listener and the held connections on the io_context's thread and waits.
  ~RawHttpServer() {
    std::promise<void> done;
    boost::asio::post(acceptor_.get_executor(), [this, &done] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      for (auto& s : held_) s->close(ignored);
      done.set_value();
    });
    done.get_future().wait();
  }
  RawHttpServer(const RawHttpServer&) = delete;
  RawHttpServer& operator=(const RawHttpServer&) = delete;

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port()) + path_; }

 private:
  using tcp = boost::asio::ip::tcp;
  static constexpr auto kUse = boost::asio::as_tuple(boost::asio::use_awaitable);

  boost::asio::awaitable<void> serve() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(kUse);
      if (ec) co_return;
      auto s = std::make_shared<tcp::socket>(std::move(socket));
      std::string request;
      auto [rec, n] = co_await boost::asio::async_read_until(
          *s, boost::asio::dynamic_buffer(request), "\r\n\r\n", kUse);
      if (rec) continue;
      co_await boost::asio::async_write(*s, boost::asio::buffer(answer_), kUse);
      if (hold_open_) {
        held_.push_back(s);
      } else {
        boost::system::error_code ignored;
        s->shutdown(tcp::socket::shutdown_both, ignored);
        s->close(ignored);
      }
    }
  }

  tcp::acceptor acceptor_;
  std::string answer_;
  bool hold_open_;
  std::string path_;
  std::vector<std::shared_ptr<tcp::socket>> held_;
};

}  // namespace test_support
