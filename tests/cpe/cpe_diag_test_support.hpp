// Shared pieces of the cpe_diag tests: a built-in model (no state dir) wired to a
// DiagnosticsRunner the way cwmp-cpe wires them, helpers that play the ACS (SPV, then the
// session ends), and a local HTTP server for the throughput tests.
#pragma once

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cpe/diag/diagnostics.hpp"
#include "cpe/model/builtin_model.hpp"
#include "cpe/model/data_model.hpp"
#include "net/http_server.hpp"

namespace cpe_diag_test {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using namespace std::chrono_literals;
using cpe::diag::DiagnosticsOptions;
using cpe::diag::DiagnosticsRunner;
using cpe::model::DataModel;

inline const std::string kDiag = "Device.IP.Diagnostics.";

// Which ICMP method this process may use (the same order as the runner).
inline std::string icmp_method() {
  for (const int type : {SOCK_DGRAM, SOCK_RAW}) {
    const int fd = ::socket(AF_INET, type, IPPROTO_ICMP);
    if (fd >= 0) {
      ::close(fd);
      return type == SOCK_DGRAM ? "datagram" : "raw";
    }
  }
  for (const char* dir : {"/usr/bin/ping", "/bin/ping", "/usr/sbin/ping", "/sbin/ping"}) {
    if (::access(dir, X_OK) == 0) return "command";
  }
  return "";
}

class DiagFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = DataModel::create(cpe::model::builtin_model_json(), {});
    ASSERT_TRUE(created.ok()) << created.error();
    model_ = std::move(created).value();
    start_runner(fast_options());
  }

  DiagnosticsOptions fast_options() {
    DiagnosticsOptions o;
    o.ping_interval = 5ms;
    o.traceroute_hop_names = false;
    o.log = [this](std::string_view line) {
      std::lock_guard lock(log_mutex_);
      log_.emplace_back(line);
    };
    return o;
  }

  void start_runner(DiagnosticsOptions options) {
    model_->set_change_listener(nullptr);
    runner_.reset();
    runner_ = std::make_unique<DiagnosticsRunner>(
        *model_, [this] { completions_.fetch_add(1); }, std::move(options));
    model_->set_change_listener(
        [this](const std::vector<std::string>& paths) { runner_->parameters_changed(paths); });
  }

  // The ACS's SetParameterValues of `object` (relative names); true when it succeeded.
  bool spv(const std::string& object,
           const std::vector<std::pair<std::string, std::string>>& values) {
    cwmp::SetParameterValues request;
    for (const auto& [name, value] : values)
      request.parameter_list.push_back(
          {kDiag + object + "." + name, value, cwmp::ValueType::kString});
    request.parameter_key = "k";
    const cwmp::Body answer = model_->handle(request);
    return std::holds_alternative<cwmp::SetParameterValuesResponse>(answer);
  }

  // Requests the test with `values`, ends the session and waits until it ran.
  void run(const std::string& object, std::vector<std::pair<std::string, std::string>> values,
           std::chrono::seconds limit = 60s) {
    values.emplace_back("DiagnosticsState", "Requested");
    ASSERT_TRUE(spv(object, values));
    runner_->session_ended();
    ASSERT_EQ(runner_->idle().wait_for(limit), std::future_status::ready) << "the test never ended";
  }

  std::string get(const std::string& object, const std::string& name) {
    return model_->get(kDiag + object + "." + name).value_or("<missing>");
  }
  std::uint64_t number(const std::string& object, const std::string& name) {
    return std::stoull(get(object, name));
  }
  std::string log_text() {
    std::lock_guard lock(log_mutex_);
    std::string out;
    for (const auto& l : log_) out += l + "\n";
    return out;
  }

  std::unique_ptr<DataModel> model_;
  std::unique_ptr<DiagnosticsRunner> runner_;
  std::atomic<int> completions_{0};
  std::mutex log_mutex_;
  std::vector<std::string> log_;
};

// A net::HttpServer on 127.0.0.1:0 served by one background thread.
//   GET /file?size=N  -> N bytes
//   GET /stall        -> answers after 20 s (the client gives up first); `stalled` is set
//   PUT /upload       -> 204, remembers the body size
//   anything else     -> 404
class TestHttpServer {
 public:
  TestHttpServer() {
    server_ = std::make_unique<net::HttpServer>(
        io_, [this](net::Request& req, const net::ConnectionInfo&) { return handle(req); });
    port_ = server_->listen("127.0.0.1:0");
    thread_ = std::thread([this] { io_.run(); });
  }
  ~TestHttpServer() {
    server_->stop(0ms);
    work_.reset();
    io_.stop();
    thread_.join();
  }
  std::string url(const std::string& target) const {
    return "http://127.0.0.1:" + std::to_string(port_) + target;
  }
  std::atomic<std::uint64_t> uploaded{0};
  std::promise<void> stalled;

 private:
  asio::awaitable<net::Response> handle(net::Request& req) {
    net::Response res;
    const std::string target(req.target());
    res.message.result(http::status::ok);
    if (req.method() == http::verb::get && target.starts_with("/file?size=")) {
      res.message.body().assign(std::stoull(target.substr(11)), 'x');
    } else if (req.method() == http::verb::get && target == "/stall") {
      stalled.set_value();
      asio::steady_timer timer(io_, 20s);
      co_await timer.async_wait(asio::use_awaitable);
    } else if (req.method() == http::verb::put && target == "/upload") {
      uploaded = req.body().size();
      res.message.result(http::status::no_content);
    } else {
      res.message.result(http::status::not_found);
    }
    res.message.prepare_payload();
    co_return res;
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  std::unique_ptr<net::HttpServer> server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace cpe_diag_test
