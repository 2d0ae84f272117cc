// Shared by the end-to-end tests (e2e_*.cpp: cwmp-acs with scripted CPEs; e2ecpe_*.cpp:
// cwmp-acs with the cwmp-cpe agent): the whole cwmp-acs (acs_app::AcsApp) in-process on
// 127.0.0.1 with ephemeral ports and a data directory of its own, driven through its NBI over
// HTTP the way an operator drives it, and small helpers to read JSON and metrics.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "app.hpp"
#include "nbi_reply.hpp"
#include "net/http_client.hpp"

namespace e2e {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;
using namespace std::chrono_literals;

constexpr std::string_view kCpeUser = "cpe";
constexpr std::string_view kCpePassword = "cpe-secret";
constexpr int kWaitMs = 5000;  // ?timeout= of the NBI calls that wait for a task

// ---- small helpers -------------------------------------------------------------------------

inline bool contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// Percent-encodes everything but the unreserved characters (RFC 3986 §2.3): a device id
// ("...E2E%2D1") or a file name with '/' becomes one path segment.
inline std::string encode(std::string_view text) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto b = static_cast<unsigned char>(c);
    if (std::isalnum(b) || b == '-' || b == '_' || b == '.' || b == '~') {
      out.push_back(c);
    } else {
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 0xF];
    }
  }
  return out;
}

// Polls `condition` every 10 ms until it holds or `limit` passes.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds limit = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
}

// A free port on 127.0.0.1. The file service's URL must name its port before the ACS starts
// (AcsConfig::files_url), so that port is chosen here rather than by the listener.
inline std::uint16_t free_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io,
                                   asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

// The value at a dotted path of a JSON document ("Device.WiFi.SSID.1.SSID._value",
// "result.parameterValues"), or null.
inline const json::value* at(const json::value& root, std::string_view path) {
  const json::value* v = &root;
  while (!path.empty()) {
    const std::size_t dot = path.find('.');
    const std::string_view key = path.substr(0, dot);
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    if (v->is_object()) {
      v = v->as_object().if_contains(key);
    } else if (v->is_array() && !key.empty() && std::isdigit(static_cast<unsigned char>(key[0]))) {
      const std::size_t i = std::stoul(std::string(key));
      v = i < v->as_array().size() ? &v->as_array()[i] : nullptr;
    } else {
      v = nullptr;
    }
    if (v == nullptr) return nullptr;
  }
  return v;
}

inline std::string string_at(const json::value& root, std::string_view path) {
  const json::value* v = at(root, path);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

inline std::int64_t int_at(const json::value& root, std::string_view path,
                           std::int64_t fallback = -1) {
  const json::value* v = at(root, path);
  if (v == nullptr) return fallback;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  return fallback;
}

// The sum of the samples of `name` whose labels include every `labels` pair, from the
// Prometheus text format; nullopt when no sample matches.
inline std::optional<double> metric(
    const std::string& text, std::string_view name,
    const std::vector<std::pair<std::string, std::string>>& labels) {
  std::optional<double> sum;
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    const std::string_view line(text.data() + begin, end - begin);
    begin = end + 1;
    if (line.substr(0, name.size()) != name) continue;
    const std::string_view rest = line.substr(name.size());
    if (rest.empty() || (rest[0] != '{' && rest[0] != ' ')) continue;  // another metric
    const std::size_t space = rest.rfind(' ');
    const std::string_view label_text = rest.substr(0, space);
    bool match = true;
    for (const auto& [key, value] : labels) {
      if (label_text.find(key + "=\"" + value + "\"") == std::string_view::npos) match = false;
    }
    if (match) sum = sum.value_or(0) + std::stod(std::string(rest.substr(space + 1)));
  }
  return sum;
}

using Reply = test_support::NbiReply;

class AcsFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(spdlog::level::warn);
    std::random_device random;
    data_dir_ = std::filesystem::temp_directory_path() /
                ("e2e_test_" + std::to_string(random()) + std::to_string(random()));
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
  }

  void TearDown() override {
    app_.reset();  // stops the listeners and joins the ACS's threads
    work_.reset();
    for (std::thread& t : threads_) t.join();
    std::error_code ignored;
    std::filesystem::remove_all(data_dir_, ignored);
  }

  // ---- the ACS ----

  // Listeners on 127.0.0.1 (ephemeral ports but for the file service, whose URL is in the
  // configuration), Digest with a shared CPE pair.
  acs_app::AcsConfig config() {
    acs_app::AcsConfig c;
    c.data_dir = data_dir_.string();
    c.cwmp_listen = "127.0.0.1:0";
    c.nbi_listen = "127.0.0.1:0";
    const std::uint16_t files = free_port();
    c.files_listen = "127.0.0.1:" + std::to_string(files);
    c.files_url = "http://127.0.0.1:" + std::to_string(files);
    c.cpe_username = kCpeUser;
    c.cpe_password = kCpePassword;
    c.cr_timeout = 2000ms;
    // These tests give devices their connection-request credentials themselves (or check
    // what a bootstrap leaves): no per-device credentials from the ACS unless a test asks.
    c.cr_credentials = "keep";
    c.threads = 2;
    c.store_threads = 2;
    return c;
  }

  void start_acs(acs_app::AcsConfig c) {
    config_ = c;
    app_ = std::make_unique<acs_app::AcsApp>(std::move(c));
    ports_ = app_->start();
  }
  void start_acs() { start_acs(config()); }

  // Stops and destroys the ACS, then starts a new one on the same data directory and the
  // same ports (the CPEs keep their ManagementServer.URL, as after a real restart).
  void restart_acs() {
    app_->stop();
    app_->wait();
    app_.reset();
    acs_app::AcsConfig c = config_;
    c.cwmp_listen = "127.0.0.1:" + std::to_string(ports_.cwmp);
    c.nbi_listen = "127.0.0.1:" + std::to_string(ports_.nbi);
    start_acs(std::move(c));
  }

  std::string acs_url() const { return "http://127.0.0.1:" + std::to_string(ports_.cwmp) + "/"; }
  std::string files_base() const { return config_.files_url; }

  // ---- the NBI ----

  Reply nbi(http::verb verb, const std::string& path, std::string body = {},
            net::Headers headers = {}) {
    const std::string url = "http://127.0.0.1:" + std::to_string(ports_.nbi) + path;
    net::ClientResult result =
        asio::co_spawn(io_,
                       net::http_request(io_.get_executor(), url, verb, std::move(headers),
                                         std::move(body), 20s),
                       asio::use_future)
            .get();
    EXPECT_TRUE(result.ok()) << path << ": " << result.message;
    Reply r;
    r.status = result.status();
    r.reason = std::string(result.response.reason());
    r.body = result.response.body();
    r.message = std::move(result.response);
    return r;
  }
  Reply get(const std::string& path) { return nbi(http::verb::get, path); }

  // POST /devices/<id>/tasks, with ?connection_request&timeout=<wait_ms> when `request`.
  Reply post_task(const std::string& device, const json::object& task, bool request = true,
                  int wait_ms = kWaitMs) {
    std::string path = "/devices/" + encode(device) + "/tasks";
    if (request) path += "?connection_request&timeout=" + std::to_string(wait_ms);
    return nbi(http::verb::post, path, json::serialize(task));
  }

  // post_task without waiting for the answer, for concurrent operators.
  std::future<net::ClientResult> post_task_async(const std::string& device,
                                                 const json::object& task) {
    const std::string url = "http://127.0.0.1:" + std::to_string(ports_.nbi) + "/devices/" +
                            encode(device) +
                            "/tasks?connection_request&timeout=" + std::to_string(kWaitMs * 2);
    net::Headers no_headers;
    return asio::co_spawn(io_,
                          net::http_request(io_.get_executor(), url, http::verb::post,
                                            std::move(no_headers), json::serialize(task), 20s),
                          asio::use_future);
  }

  json::value device(const std::string& id) {
    const Reply r = get("/devices/" + encode(id));
    EXPECT_EQ(r.status, 200u) << r.body;
    return r.status == 200 ? r.json() : json::value();
  }
  json::value task(const std::string& id) {
    const Reply r = get("/tasks/" + id);
    EXPECT_EQ(r.status, 200u) << r.body;
    return r.status == 200 ? r.json() : json::value();
  }
  json::array query(const std::string& collection, const json::object& filter) {
    const Reply r = get("/" + collection + "/?query=" + encode(json::serialize(filter)));
    EXPECT_EQ(r.status, 200u) << r.body;
    json::value v = r.json();
    return v.is_array() ? v.as_array() : json::array();
  }

  // Expects the NBI to have answered 200 with the task done through an accepted connection
  // request; returns the task document.
  json::value expect_done(const Reply& r) {
    EXPECT_EQ(r.status, 200u) << r.reason << " " << r.body;
    EXPECT_EQ(r.header("X-Connection-Request").rfind("accepted", 0), 0u)
        << r.header("X-Connection-Request");
    json::value t = r.json();
    EXPECT_EQ(string_at(t, "status"), "done") << r.body;
    return t;
  }

  std::filesystem::path data_dir_;
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      io_.get_executor()};
  std::vector<std::thread> threads_;
  acs_app::AcsConfig config_;
  std::unique_ptr<acs_app::AcsApp> app_;
  acs_app::BoundPorts ports_;
};

}  // namespace e2e
