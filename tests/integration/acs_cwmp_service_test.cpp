// The CWMP endpoint over real sockets on 127.0.0.1: a scripted CPE built from
// libcwmp talks HTTP to net::HttpServer + acs::CwmpService. The store is an
// in-memory fake of store::Store that records what was applied.
#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>
#include <mutex>

#include "acs/cwmp_service.hpp"
#include "acs/metrics.hpp"
#include "cwmp/codec.hpp"
#include "cwmp/http_auth.hpp"
#include "net_test_support.hpp"
#include "store/store.hpp"

namespace {

using namespace net_test;

class FakeStore final : public store::Store {
 public:
  void record_inform(const acs::InformRecord& inform) override {
    std::lock_guard lock(mutex);
    informs.push_back(inform);
  }
  std::optional<acs::Task> next_task(std::string_view device_id, acs::Millis) override {
    std::lock_guard lock(mutex);
    for (auto& t : tasks) {
      if (t.device_id == device_id &&
          (t.state == acs::TaskState::kQueued || t.state == acs::TaskState::kSent)) {
        return t;
      }
    }
    return std::nullopt;
  }
  void mark_task_sent(std::int64_t id, acs::Millis) override {
    std::lock_guard lock(mutex);
    find(id).state = acs::TaskState::kSent;
  }
  void complete_task(std::int64_t id, const boost::json::value& result,
                     const std::vector<acs::ParameterUpdate>& learned_now,
                     const std::vector<std::string>&, acs::Millis) override {
    std::lock_guard lock(mutex);
    find(id).state = acs::TaskState::kDone;
    find(id).result = result;
    learned.insert(learned.end(), learned_now.begin(), learned_now.end());
  }
  void record_parameters(std::string_view, const std::vector<acs::ParameterUpdate>&,
                         const std::vector<std::string>&, acs::Millis) override {}
  void fail_task(std::int64_t id, const acs::TaskFault& fault, acs::Millis) override {
    std::lock_guard lock(mutex);
    find(id).state = acs::TaskState::kFault;
    find(id).fault = fault;
  }
  std::int64_t add_task(std::string_view device_id, acs::TaskType type,
                        const boost::json::object& args, acs::Millis, acs::Millis) override {
    std::lock_guard lock(mutex);
    acs::Task t;
    t.id = static_cast<std::int64_t>(tasks.size() + 1);
    t.device_id = std::string(device_id);
    t.type = type;
    t.args = args;
    tasks.push_back(t);
    return t.id;
  }
  std::optional<acs::Task> get_task(std::int64_t id) override {
    std::lock_guard lock(mutex);
    return find(id);
  }
  // Not used by the CWMP endpoint.
  std::vector<acs::Task> list_tasks(const store::TaskFilter&) override { return {}; }
  bool delete_task(std::int64_t) override { return false; }
  bool retry_task(std::int64_t, acs::Millis) override { return false; }
  bool device_exists(std::string_view) override { return false; }
  std::optional<boost::json::object> device_document(std::string_view,
                                                     const std::vector<std::string>&) override {
    return std::nullopt;
  }
  std::vector<boost::json::object> find_devices(const acs::query::Query&,
                                                const store::FindOptions&) override {
    return {};
  }
  std::uint64_t count_devices(const acs::query::Query&) override { return 0; }
  bool delete_device(std::string_view) override { return false; }
  bool add_tag(std::string_view, std::string_view) override { return false; }
  bool remove_tag(std::string_view, std::string_view) override { return false; }
  std::vector<cwmp::EventStruct> recent_events(std::string_view, std::size_t) override {
    return {};
  }
  std::optional<std::int64_t> complete_transfer(std::string_view, std::string_view,
                                                const boost::json::object&,
                                                const std::optional<acs::TaskFault>&,
                                                acs::Millis) override {
    return std::nullopt;
  }
  std::optional<store::CpeCredentials> cpe_credentials(std::string_view username) override {
    std::lock_guard lock(mutex);
    for (const auto& c : credentials) {
      if (c.username == username) return c;
    }
    return std::nullopt;
  }
  void put_cpe_credentials(const store::CpeCredentials& c) override {
    std::lock_guard lock(mutex);
    credentials.push_back(c);
  }
  bool delete_cpe_credentials(std::string_view) override { return false; }
  std::vector<store::CpeCredentials> list_cpe_credentials() override { return {}; }
  std::optional<store::ConnectionRequestTarget> connection_request_target(
      std::string_view) override {
    return std::nullopt;
  }
  void record_connection_request(std::string_view, const store::ConnectionRequestRecord&) override {
  }
  void put_file(const store::FileInfo&) override {}
  std::optional<store::FileInfo> get_file(std::string_view) override { return std::nullopt; }
  bool delete_file(std::string_view) override { return false; }
  std::vector<store::FileInfo> list_files() override { return {}; }
  void put_preset(const store::StoredPreset&) override {}
  std::optional<store::StoredPreset> get_preset(std::string_view) override { return {}; }
  bool delete_preset(std::string_view) override { return false; }
  std::vector<store::StoredPreset> list_presets() override { return {}; }
  std::int64_t presets_revision() override { return 0; }
  std::vector<acs::presets::PresetFault> preset_faults(std::string_view) override { return {}; }
  void put_preset_fault(const acs::presets::PresetFault&) override {}
  bool delete_preset_fault(std::string_view, std::string_view) override { return false; }
  std::vector<store::PresetTransfer> preset_transfers(std::string_view) override { return {}; }
  void put_preset_transfer(const store::PresetTransfer&) override {}
  std::optional<store::PresetTransfer> complete_preset_transfer(std::string_view, std::string_view,
                                                                bool, acs::Millis) override {
    return {};
  }
  std::vector<std::string> preset_listed_tables(std::string_view) override { return {}; }
  void add_preset_listed_tables(std::string_view, const std::vector<std::string>&,
                                acs::Millis) override {}
  // campaigns
  void put_campaign(const store::StoredCampaign&, bool) override {}
  std::optional<store::StoredCampaign> get_campaign(std::string_view) override {
    return std::nullopt;
  }
  std::vector<store::StoredCampaign> list_campaigns() override { return {}; }
  bool delete_campaign(std::string_view) override { return false; }
  std::int64_t campaigns_revision() override { return 0; }
  bool set_campaign_state(std::string_view, const std::vector<std::string>&, std::string_view,
                          std::string_view, bool, acs::Millis) override {
    return false;
  }
  store::CampaignCounts campaign_counts(std::string_view) override { return {}; }
  std::vector<store::CampaignDevice> campaign_devices_of(std::string_view) override { return {}; }
  std::optional<store::CampaignDevice> campaign_device_by_task(std::int64_t) override {
    return std::nullopt;
  }
  std::vector<store::CampaignDevice> list_campaign_devices(std::string_view,
                                                           std::string_view) override {
    return {};
  }
  std::optional<std::int64_t> start_campaign_download(std::string_view, std::string_view,
                                                      const boost::json::object&, std::uint32_t,
                                                      acs::Millis) override {
    return std::nullopt;
  }
  std::optional<store::StoredCampaign> add_campaign_device(const store::CampaignDevice&) override {
    return std::nullopt;
  }
  std::optional<store::StoredCampaign> update_campaign_device(std::string_view, std::string_view,
                                                              const std::vector<std::string>&,
                                                              std::string_view, std::uint32_t,
                                                              std::string_view,
                                                              acs::Millis) override {
    return std::nullopt;
  }
  bool retry_campaign_device(std::string_view, std::string_view) override { return false; }
  std::vector<std::pair<std::string, acs::Millis>> preset_runs(std::string_view) override {
    return {};
  }
  void put_preset_run(std::string_view, std::string_view, acs::Millis) override {}
  std::vector<store::TaskCount> task_counts() override { return {}; }

  acs::Task& find(std::int64_t id) { return tasks.at(static_cast<std::size_t>(id - 1)); }

  std::mutex mutex;
  std::vector<acs::InformRecord> informs;
  std::vector<acs::Task> tasks;
  std::vector<acs::ParameterUpdate> learned;
  std::vector<store::CpeCredentials> credentials;
};

cwmp::Header header_with_id(std::optional<std::string> id) {
  cwmp::Header h;
  h.id = std::move(id);
  return h;
}

std::string inform_body(const std::string& serial) {
  cwmp::Inform m;
  m.device_id = {"ExampleCo", "00AABB", "HGW", serial};
  m.event = {{"2 PERIODIC", ""}};
  m.parameter_list = {{"Device.DeviceInfo.SoftwareVersion", "1.0", cwmp::ValueType::kString}};
  return cwmp::encode(cwmp::Envelope{cwmp::CwmpVersion::k1_2, header_with_id("1"), m}).value();
}

cwmp::Envelope decode(const net::ClientResult& r) {
  auto d = cwmp::decode(r.response.body());
  EXPECT_TRUE(d.ok()) << r.response.body();
  return d ? d->envelope : cwmp::Envelope{};
}

class CwmpServiceTest : public ::testing::Test {
 protected:
  void start(acs::CwmpServiceOptions options) {
    options.clock = [] { return acs::Millis{1'800'000'000'000}; };
    service_ = std::make_unique<acs::CwmpService>(store_, pool_.get_executor(), options);
    server_ = std::make_unique<net::HttpServer>(
        io_, [this](net::Request& req, const net::ConnectionInfo& info) {
          return service_->handle(req, info);
        });
    port_ = server_->listen("127.0.0.1:0");
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    if (server_) {
      std::promise<void> done;
      server_->stop(0ms, [&done] { done.set_value(); });
      done.get_future().wait_for(5s);
    }
    work_.reset();
    if (thread_.joinable()) thread_.join();
    pool_.join();
  }

  // One POST on a kept-alive connection.
  net::ClientResult post(net::HttpConnection& c, std::string body, net::Headers headers = {}) {
    return asio::co_spawn(
               io_, c.request(url(), http::verb::post, std::move(headers), std::move(body), 2s),
               asio::use_future)
        .get();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }
  static std::string cookie(const net::ClientResult& r) {
    const auto it = r.response.find(http::field::set_cookie);
    if (it == r.response.end()) return {};
    const std::string v(it->value());
    return v.substr(0, v.find(';'));
  }

  FakeStore store_;
  asio::thread_pool pool_{1};
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      io_.get_executor()};
  std::thread thread_;
  std::unique_ptr<acs::CwmpService> service_;
  std::unique_ptr<net::HttpServer> server_;
  std::uint16_t port_ = 0;
};

acs::CwmpServiceOptions no_auth() {
  acs::CwmpServiceOptions o;
  o.auth = acs::CpeAuth::kNone;
  return o;
}

TEST_F(CwmpServiceTest, FullSessionRunsAQueuedTask) {
  start(no_auth());
  store_.add_task("00AABB-HGW-SN1", acs::TaskType::kGetParameterValues,
                  {{"parameterNames", boost::json::array{"Device.DeviceInfo.UpTime"}}}, 0, 0);
  net::HttpConnection c(io_.get_executor());

  auto inform = post(c, inform_body("SN1"));
  ASSERT_EQ(inform.status(), 200u) << inform.message;
  EXPECT_TRUE(std::holds_alternative<cwmp::InformResponse>(decode(inform).body));
  const std::string session_cookie = cookie(inform);
  ASSERT_FALSE(session_cookie.empty());
  {
    std::lock_guard lock(store_.mutex);
    ASSERT_EQ(store_.informs.size(), 1u);  // stored before the InformResponse came back
    EXPECT_EQ(store_.informs[0].device_id, "00AABB-HGW-SN1");
  }
  EXPECT_EQ(service_->active_sessions(), 1u);

  auto rpc = post(c, "", {{"Cookie", session_cookie}});
  ASSERT_EQ(rpc.status(), 200u);
  cwmp::Envelope gpv = decode(rpc);
  ASSERT_TRUE(std::holds_alternative<cwmp::GetParameterValues>(gpv.body));

  cwmp::GetParameterValuesResponse answer;
  answer.parameter_list = {{"Device.DeviceInfo.UpTime", "99", cwmp::ValueType::kUnsignedInt}};
  auto end = post(
      c,
      cwmp::encode(cwmp::Envelope{cwmp::CwmpVersion::k1_2, header_with_id(gpv.header.id), answer})
          .value(),
      {{"Cookie", session_cookie}});
  EXPECT_EQ(end.status(), 204u);
  EXPECT_EQ(store_.find(1).state, acs::TaskState::kDone);
  ASSERT_EQ(store_.learned.size(), 1u);
  EXPECT_EQ(store_.learned[0].value, "99");
  EXPECT_EQ(service_->active_sessions(), 0u);
  EXPECT_EQ(service_->stats().sessions_completed, 1u);
}

TEST_F(CwmpServiceTest, CookielessCpeIsFollowedByItsConnection) {
  start(no_auth());
  net::HttpConnection c(io_.get_executor());
  ASSERT_EQ(post(c, inform_body("SN2")).status(), 200u);
  auto end = post(c, "");  // no Cookie header
  EXPECT_EQ(end.status(), 204u);
  EXPECT_EQ(service_->stats().sessions_completed, 1u);
}

TEST_F(CwmpServiceTest, SecondSessionOfTheSameDeviceIsRefused) {
  start(no_auth());
  net::HttpConnection first(io_.get_executor());
  net::HttpConnection second(io_.get_executor());
  ASSERT_EQ(post(first, inform_body("SN3")).status(), 200u);
  auto refused = post(second, inform_body("SN3"));
  EXPECT_EQ(refused.status(), 503u);
  EXPECT_NE(refused.response.find(http::field::retry_after), refused.response.end());
  {
    std::lock_guard lock(store_.mutex);
    EXPECT_EQ(store_.informs.size(), 1u);  // nothing of the refused one was stored
  }
  EXPECT_EQ(post(first, "").status(), 204u);
  // Once the first session is over the device may open another.
  EXPECT_EQ(post(second, inform_body("SN3")).status(), 200u);
}

TEST_F(CwmpServiceTest, OverloadIsAnswered503WithRetryAfter) {
  acs::CwmpServiceOptions o = no_auth();
  o.max_sessions = 1;
  start(o);
  net::HttpConnection a(io_.get_executor());
  net::HttpConnection b(io_.get_executor());
  ASSERT_EQ(post(a, inform_body("A")).status(), 200u);
  auto busy = post(b, inform_body("B"));
  EXPECT_EQ(busy.status(), 503u);
  EXPECT_EQ(std::string(busy.response[http::field::retry_after]), "30");
  EXPECT_EQ(service_->stats().sessions_refused, 1u);
}

TEST_F(CwmpServiceTest, IdleSessionsExpire) {
  start(no_auth());
  net::HttpConnection c(io_.get_executor());
  ASSERT_EQ(post(c, inform_body("SN4")).status(), 200u);
  EXPECT_EQ(service_->expire(1'800'000'000'000 + 1'000), 0u);
  EXPECT_EQ(service_->expire(1'800'000'000'000 + 31'000), 1u);
  EXPECT_EQ(service_->active_sessions(), 0u);
}

TEST_F(CwmpServiceTest, DigestAuthenticationOfTheCpe) {
  acs::CwmpServiceOptions o;
  o.auth = acs::CpeAuth::kDigest;
  o.username = "cpe";
  o.password = "secret";
  start(o);
  net::HttpConnection c(io_.get_executor());

  auto challenge = post(c, inform_body("SN5"));
  ASSERT_EQ(challenge.status(), 401u);
  const std::string www(challenge.response[http::field::www_authenticate]);
  auto parsed = cwmp::auth::parse_www_authenticate(www);
  ASSERT_TRUE(parsed) << www;

  auto attempt = [&](const std::string& password) {
    cwmp::auth::DigestClient client("cpe", password, [](std::span<std::uint8_t> out) {
      for (auto& b : out) b = 0x42;
    });
    client.set_challenge(parsed->digest);
    return post(c, inform_body("SN5"),
                {{"Authorization", client.authorization("POST", "/").value_or("")}});
  };
  EXPECT_EQ(attempt("wrong").status(), 401u);
  // The bare first request is the normal start of a Digest handshake, not a
  // failure; the wrong password is.
  EXPECT_EQ(service_->stats().auth_failures, 1u);
  auto ok = attempt("secret");
  ASSERT_EQ(ok.status(), 200u) << ok.response.body();
  EXPECT_TRUE(std::holds_alternative<cwmp::InformResponse>(decode(ok).body));
}

class CwmpServiceAuthTest : public CwmpServiceTest {
 protected:
  net::ClientResult attempt(net::HttpConnection& c, const std::string& user,
                            const std::string& password, const std::string& serial) {
    auto challenge = post(c, inform_body(serial));
    if (challenge.status() != 401) return challenge;
    const std::string www(challenge.response[http::field::www_authenticate]);
    auto parsed = cwmp::auth::parse_www_authenticate(www);
    EXPECT_TRUE(parsed) << www;
    cwmp::auth::DigestClient client(user, password, [](std::span<std::uint8_t> out) {
      for (auto& b : out) b = 0x42;
    });
    client.set_challenge(parsed->digest);
    net::Headers headers;
    headers.emplace_back("Authorization", client.authorization("POST", "/").value_or(""));
    return post(c, inform_body(serial), headers);
  }
};

TEST_F(CwmpServiceAuthTest, PerDeviceCredentialsAreBoundToTheirDevice) {
  acs::CwmpServiceOptions o;
  o.auth = acs::CpeAuth::kDigest;  // no shared pair: per-device credentials only
  // inform_body() uses OUI 00AABB, product class HGW.
  store_.put_cpe_credentials({"dev-7", "pw-7", "00AABB-HGW-SN7"});
  start(o);
  net::HttpConnection c(io_.get_executor());
  auto ok = attempt(c, "dev-7", "pw-7", "SN7");
  ASSERT_EQ(ok.status(), 200u) << ok.response.body();

  // The same credentials in another device's Inform: refused, nothing stored.
  net::HttpConnection other(io_.get_executor());
  const std::size_t informs = store_.informs.size();
  EXPECT_EQ(attempt(other, "dev-7", "pw-7", "SN8").status(), 401u);
  EXPECT_EQ(store_.informs.size(), informs);
  // A username nobody has: refused.
  net::HttpConnection third(io_.get_executor());
  EXPECT_EQ(attempt(third, "cpe", "secret", "SN9").status(), 401u);
}

TEST_F(CwmpServiceAuthTest, FailuresAreRateLimitedPerSource) {
  acs::CwmpServiceOptions o;
  o.auth = acs::CpeAuth::kDigest;
  o.username = "cpe";
  o.password = "secret";
  o.max_auth_failures = 3;
  acs::Metrics metrics;
  acs::declare_acs_metrics(metrics);
  o.metrics = &metrics;
  start(o);
  net::HttpConnection c(io_.get_executor());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(attempt(c, "cpe", "wrong", "SN1").status(), 401u);
  // Beyond the limit even the right password waits for the window to pass.
  auto limited = post(c, inform_body("SN1"));
  EXPECT_EQ(limited.status(), 503u);
  EXPECT_FALSE(limited.response[http::field::retry_after].empty());
  EXPECT_EQ(service_->stats().auth_failures, 3u);
  EXPECT_EQ(service_->stats().auth_rate_limited, 1u);
  EXPECT_EQ(metrics.counter_value("cwmp_auth_failures_total"), 3u);
  EXPECT_EQ(metrics.counter_value("cwmp_auth_rate_limited_total"), 1u);
}

TEST_F(CwmpServiceTest, NotCwmpIsA400) {
  start(no_auth());
  net::HttpConnection c(io_.get_executor());
  auto r = post(c, "<html/>");
  EXPECT_EQ(r.status(), 400u);
  EXPECT_EQ(service_->active_sessions(), 0u);
}

}  // namespace
