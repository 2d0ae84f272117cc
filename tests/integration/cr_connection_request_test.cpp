// Connection requests over real sockets on 127.0.0.1: acs::ConnectionRequester against a test
// listener (net::HttpServer) playing the CPE, which checks Digest credentials with
// cwmp::auth::DigestServer. The device and its ManagementServer parameters live in an
// in-memory SQLite store, where the outcome is recorded.
#include <gtest/gtest.h>
#include <openssl/rand.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "acs/connection_request.hpp"
#include "acs/device_id.hpp"
#include "acs/metrics.hpp"
#include "cwmp/http_auth.hpp"
#include "net/http_server.hpp"
#include "store/sqlite_store.hpp"

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using namespace std::chrono_literals;
using acs::ConnectionRequestResult;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kUser = "cr-user";
constexpr std::string_view kPassword = "cr-secret";

void random_bytes(std::span<std::uint8_t> out) {
  ASSERT_EQ(RAND_bytes(out.data(), static_cast<int>(out.size())), 1);
}

// How the test CPE behaves.
enum class Cpe {
  kDigest,               // 401 + Digest challenge, then 200 for the right credentials
  kDigestCloseAfter401,  // the same, but the 401 closes the connection
  kBasicOnly,            // 401 + Basic challenge, 204 for the right credentials
  kBusy,                 // 503
  kHang,                 // never answers (within any test's timeout)
  kHangWhenAuthorized,   // 401 at once, then never answers the authorized request
};

// What the CPE saw of one request.
struct Seen {
  std::uint64_t connection_id = 0;
  std::string authorization;
  bool accepted = false;
};

class ConnectionRequestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::open_sqlite(":memory:");
    acs::declare_acs_metrics(metrics_);
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    if (server_) server_->stop(0ms);
    work_.reset();
    io_.stop();  // drops the hanging handlers' timers
    thread_.join();
    server_.reset();
    pool_.join();
  }

  // Starts the CPE's connection-request listener; returns its URL.
  std::string start_cpe(Cpe mode) {
    mode_ = mode;
    cwmp::auth::DigestServerOptions options;
    options.realm = "cpe-cr";
    digest_ = std::make_unique<cwmp::auth::DigestServer>(options, random_bytes);
    server_ = std::make_unique<net::HttpServer>(
        io_, [this](net::Request& request, const net::ConnectionInfo& info) {
          return answer(request, info);
        });
    const std::uint16_t port = server_->listen("127.0.0.1:0");
    return "http://127.0.0.1:" + std::to_string(port) + "/cr/ABC?x=1";
  }

  asio::awaitable<net::Response> answer(net::Request& request, net::ConnectionInfo info) {
    Seen seen;
    seen.connection_id = info.connection_id;
    if (auto it = request.find(http::field::authorization); it != request.end()) {
      seen.authorization = std::string(it->value());
    }
    net::Response r;
    r.message = net::HttpResponse(http::status::unauthorized, request.version());
    const bool hang =
        mode_ == Cpe::kHang || (mode_ == Cpe::kHangWhenAuthorized && !seen.authorization.empty());
    if (hang) {
      record(seen);
      asio::steady_timer timer(co_await asio::this_coro::executor, 30s);
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      co_return r;
    }
    if (mode_ == Cpe::kBusy) {
      r.message.result(http::status::service_unavailable);
    } else if (mode_ == Cpe::kBasicOnly) {
      auto basic = cwmp::auth::parse_basic_authorization(seen.authorization);
      seen.accepted = basic && cwmp::auth::basic_matches(*basic, kUser, kPassword);
      if (seen.accepted) {
        r.message.result(http::status::no_content);
      } else {
        r.message.set(http::field::www_authenticate, "Basic realm=\"cpe-cr\"");
      }
    } else {
      const auto now = std::chrono::system_clock::now();
      auto creds = cwmp::auth::parse_digest_authorization(seen.authorization);
      seen.accepted = creds && creds->username == kUser &&
                      digest_->verify(*creds, "GET", std::string(request.target()), kPassword,
                                      now) == cwmp::auth::VerifyResult::kOk;
      if (seen.accepted) {
        r.message.result(http::status::ok);
      } else {
        for (const auto& c : digest_->challenges(now)) {
          r.message.insert(http::field::www_authenticate, c);
        }
        r.close = mode_ == Cpe::kDigestCloseAfter401;
      }
    }
    record(seen);
    co_return r;
  }

  void record(const Seen& seen) {
    std::lock_guard lock(mutex_);
    seen_.push_back(seen);
  }
  std::vector<Seen> seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }

  // A device that reported its connection-request parameters under `root` in an Inform.
  std::string seed(const std::string& serial, std::string_view root, std::optional<std::string> url,
                   std::string_view password = kPassword) {
    acs::InformRecord inform;
    inform.device = {"ACME", "00D09E", "Router", serial};
    inform.device_id = acs::make_device_id(inform.device);
    inform.events.push_back({"0 BOOTSTRAP", ""});
    auto param = [&](std::string_view name, std::string value) {
      acs::ParameterUpdate p;
      p.path = std::string(root) + "ManagementServer." + std::string(name);
      p.value = std::move(value);
      p.type = cwmp::ValueType::kString;
      inform.parameters.push_back(std::move(p));
    };
    if (url) param("ConnectionRequestURL", *url);
    param("ConnectionRequestUsername", std::string(kUser));
    param("ConnectionRequestPassword", std::string(password));
    inform.remote_address = "127.0.0.1";
    inform.received = 1'700'000'000'000;
    store_->record_inform(inform);
    return inform.device_id;
  }

  acs::ConnectionRequestOutcome request(const std::string& device_id,
                                        acs::ConnectionRequestOptions options = {}) {
    acs::ConnectionRequester requester(*store_, pool_.get_executor(), std::move(options),
                                       &metrics_);
    return asio::co_spawn(io_, requester.request(device_id), asio::use_future).get();
  }

  std::optional<boost::json::object> last_record(const std::string& device_id) {
    auto doc = store_->device_document(device_id);
    if (!doc) return std::nullopt;
    const auto* record = doc->if_contains("_lastConnectionRequest");
    if (record == nullptr || !record->is_object()) return std::nullopt;
    return record->get_object();
  }

  std::uint64_t counted(std::string_view result) const {
    return metrics_.counter_value("cwmp_connection_requests_total",
                                  {{"result", std::string(result)}});
  }

  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      io_.get_executor()};
  std::thread thread_;
  asio::thread_pool pool_{1};  // the store executor
  std::unique_ptr<store::Store> store_;
  acs::Metrics metrics_;
  std::unique_ptr<net::HttpServer> server_;
  std::unique_ptr<cwmp::auth::DigestServer> digest_;
  Cpe mode_ = Cpe::kDigest;
  std::mutex mutex_;
  std::vector<Seen> seen_;
};

TEST_F(ConnectionRequestTest, DigestAcceptedOnTheSameConnectionAndRecorded) {
  const std::string id = seed("SN1", "Device.", start_cpe(Cpe::kDigest));
  const auto outcome = request(id);
  EXPECT_EQ(outcome.result, ConnectionRequestResult::kAccepted) << outcome.message;
  EXPECT_EQ(outcome.http_status, 200u);

  const auto requests = seen();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_TRUE(requests[0].authorization.empty());  // first without credentials
  EXPECT_FALSE(requests[0].accepted);
  EXPECT_TRUE(requests[1].accepted);
  auto creds = cwmp::auth::parse_digest_authorization(requests[1].authorization);
  ASSERT_TRUE(creds);
  EXPECT_EQ(creds->username, kUser);
  EXPECT_EQ(creds->uri, "/cr/ABC?x=1");
  EXPECT_EQ(creds->algorithm, cwmp::auth::DigestAlgorithm::kSha256);
  // The CPE kept the connection alive after the 401: the retry went over it.
  EXPECT_EQ(requests[0].connection_id, requests[1].connection_id);

  const auto record = last_record(id);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->at("result").as_string(), "accepted");
  EXPECT_TRUE(record->at("timestamp").is_string());
  EXPECT_EQ(counted("accepted"), 1u);
  EXPECT_EQ(counted("auth-failed"), 0u);
}

TEST_F(ConnectionRequestTest, InternetGatewayDeviceRootAndCpeClosingAfter401) {
  const std::string id =
      seed("SN2", "InternetGatewayDevice.", start_cpe(Cpe::kDigestCloseAfter401));
  const auto outcome = request(id);
  EXPECT_EQ(outcome.result, ConnectionRequestResult::kAccepted) << outcome.message;
  const auto requests = seen();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_TRUE(requests[1].accepted);
  EXPECT_NE(requests[0].connection_id, requests[1].connection_id);  // reopened
}

TEST_F(ConnectionRequestTest, WrongPasswordIsAuthFailed) {
  const std::string id = seed("SN3", "Device.", start_cpe(Cpe::kDigest), "not-the-password");
  const auto outcome = request(id);
  EXPECT_EQ(outcome.result, ConnectionRequestResult::kAuthFailed) << outcome.message;
  EXPECT_EQ(outcome.http_status, 401u);
  EXPECT_EQ(seen().size(), 2u);  // one try with credentials, no loop
  const auto record = last_record(id);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->at("result").as_string(), "auth-failed");
  EXPECT_EQ(counted("auth-failed"), 1u);
}

TEST_F(ConnectionRequestTest, BasicOnlyWhenAllowed) {
  const std::string id = seed("SN4", "Device.", start_cpe(Cpe::kBasicOnly));
  auto outcome = request(id);
  EXPECT_EQ(outcome.result, ConnectionRequestResult::kAuthFailed) << outcome.message;
  EXPECT_EQ(seen().size(), 1u);  // the password was not sent in clear

  acs::ConnectionRequestOptions options;
  options.allow_basic = true;
  outcome = request(id, options);
  EXPECT_EQ(outcome.result, ConnectionRequestResult::kAccepted) << outcome.message;
  EXPECT_EQ(outcome.http_status, 204u);
}

TEST_F(ConnectionRequestTest, NobodyListeningIsUnreachable) {
  std::uint16_t closed_port = 0;
  {
    asio::ip::tcp::acceptor probe(io_, {asio::ip::make_address("127.0.0.1"), 0});
    closed_port = probe.local_endpoint().port();
  }
  const std::string id =
      seed("SN5", "Device.", "http://127.0.0.1:" + std::to_string(closed_port) + "/");
  const auto outcome = request(id);
  EXPECT_EQ(outcome.result, ConnectionRequestResult::kUnreachable) << outcome.message;
  EXPECT_EQ(outcome.http_status, 0u);
  EXPECT_EQ(last_record(id)->at("result").as_string(), "unreachable");
  EXPECT_EQ(counted("unreachable"), 1u);
}

TEST_F(ConnectionRequestTest, SilentCpeIsTimeout) {
  const std::string id = seed("SN6", "Device.", start_cpe(Cpe::kHang));
  acs::ConnectionRequestOptions options;
  options.timeout = 200ms;
  const auto begin = Clock::now();
  const auto outcome = request(id, options);
  EXPECT_EQ(outcome.result, ConnectionRequestResult::kTimeout) << outcome.message;
  EXPECT_LT(Clock::now() - begin, 1500ms);
  EXPECT_EQ(last_record(id)->at("result").as_string(), "timeout");
  EXPECT_EQ(counted("timeout"), 1u);
}

TEST_F(ConnectionRequestTest, TimeoutCoversBothRoundTrips) {
  const std::string id = seed("SN7", "Device.", start_cpe(Cpe::kHangWhenAuthorized));
  acs::ConnectionRequestOptions options;
  options.timeout = 300ms;
  const auto begin = Clock::now();
  const auto outcome = request(id, options);
  EXPECT_EQ(outcome.result, ConnectionRequestResult::kTimeout) << outcome.message;
  EXPECT_EQ(seen().size(), 2u);  // the 401 came, the authorized request hung
  EXPECT_LT(Clock::now() - begin, 1500ms);
}

TEST_F(ConnectionRequestTest, BusyCpeIsError) {
  const std::string id = seed("SN8", "Device.", start_cpe(Cpe::kBusy));
  const auto outcome = request(id);
  EXPECT_EQ(outcome.result, ConnectionRequestResult::kError);
  EXPECT_EQ(outcome.message, "busy (503)");
  EXPECT_EQ(outcome.http_status, 503u);
  const auto record = last_record(id);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->at("result").as_string(), "error");
  EXPECT_EQ(record->at("message").as_string(), "busy (503)");
  EXPECT_EQ(counted("error"), 1u);
}

TEST_F(ConnectionRequestTest, UnknownDeviceAndDeviceWithoutUrlAreUnreachable) {
  auto outcome = request("000000-Nothing-0");
  EXPECT_EQ(outcome.result, ConnectionRequestResult::kUnreachable);
  EXPECT_NE(outcome.message.find("unknown device"), std::string::npos) << outcome.message;

  const std::string id = seed("SN9", "Device.", std::nullopt);
  outcome = request(id);
  EXPECT_EQ(outcome.result, ConnectionRequestResult::kUnreachable);
  EXPECT_NE(outcome.message.find("ConnectionRequestURL"), std::string::npos) << outcome.message;
  EXPECT_EQ(last_record(id)->at("result").as_string(), "unreachable");
  EXPECT_EQ(counted("unreachable"), 2u);
}

TEST_F(ConnectionRequestTest, HttpsUrlWithoutTlsContextIsError) {
  const std::string id = seed("SN10", "Device.", "https://127.0.0.1:1/");
  const auto outcome = request(id);
  EXPECT_EQ(outcome.result, ConnectionRequestResult::kError);
  EXPECT_FALSE(outcome.message.empty());
}

}  // namespace
