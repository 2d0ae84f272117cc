// The NBI when the store fails: every store call throws (a broken disk, a locked database).
// Store failures are the only 500s; /healthz turns 503; the server carries on.
#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <random>
#include <stdexcept>

#include "acs/files.hpp"
#include "acs/metrics.hpp"
#include "acs/nbi.hpp"
#include "net_test_support.hpp"
#include "store/store.hpp"

namespace {

using namespace net_test;

[[noreturn]] void broken() {
  throw std::runtime_error("disk I/O error");
}

class BrokenStore final : public store::Store {
 public:
  void record_inform(const acs::InformRecord&) override { broken(); }
  std::optional<acs::Task> next_task(std::string_view, acs::Millis) override { broken(); }
  void mark_task_sent(std::int64_t, acs::Millis) override { broken(); }
  void complete_task(std::int64_t, const boost::json::value&,
                     const std::vector<acs::ParameterUpdate>&, const std::vector<std::string>&,
                     acs::Millis) override {
    broken();
  }
  void record_parameters(std::string_view, const std::vector<acs::ParameterUpdate>&,
                         const std::vector<std::string>&, acs::Millis) override {
    broken();
  }
  void fail_task(std::int64_t, const acs::TaskFault&, acs::Millis) override { broken(); }
  std::int64_t add_task(std::string_view, acs::TaskType, const boost::json::object&, acs::Millis,
                        acs::Millis) override {
    broken();
  }
  std::optional<acs::Task> get_task(std::int64_t) override { broken(); }
  std::vector<acs::Task> list_tasks(const store::TaskFilter&) override { broken(); }
  bool delete_task(std::int64_t) override { broken(); }
  bool retry_task(std::int64_t, acs::Millis) override { broken(); }
  bool device_exists(std::string_view) override { broken(); }
  std::optional<boost::json::object> device_document(std::string_view,
                                                     const std::vector<std::string>&) override {
    broken();
  }
  std::vector<boost::json::object> find_devices(const acs::query::Query&,
                                                const store::FindOptions&) override {
    broken();
  }
  std::uint64_t count_devices(const acs::query::Query&) override { broken(); }
  bool delete_device(std::string_view) override { broken(); }
  bool add_tag(std::string_view, std::string_view) override { broken(); }
  bool remove_tag(std::string_view, std::string_view) override { broken(); }
  std::vector<cwmp::EventStruct> recent_events(std::string_view, std::size_t) override { broken(); }
  std::optional<std::int64_t> complete_transfer(std::string_view, std::string_view,
                                                const boost::json::object&,
                                                const std::optional<acs::TaskFault>&,
                                                acs::Millis) override {
    broken();
  }
  std::optional<store::CpeCredentials> cpe_credentials(std::string_view) override { broken(); }
  void put_cpe_credentials(const store::CpeCredentials&) override { broken(); }
  bool delete_cpe_credentials(std::string_view) override { broken(); }
  std::vector<store::CpeCredentials> list_cpe_credentials() override { broken(); }
  std::optional<store::ConnectionRequestTarget> connection_request_target(
      std::string_view) override {
    broken();
  }
  void record_connection_request(std::string_view, const store::ConnectionRequestRecord&) override {
    broken();
  }
  void put_file(const store::FileInfo&) override { broken(); }
  std::optional<store::FileInfo> get_file(std::string_view) override { broken(); }
  bool delete_file(std::string_view) override { broken(); }
  std::vector<store::FileInfo> list_files() override { broken(); }
  void put_preset(const store::StoredPreset&) override { broken(); }
  std::optional<store::StoredPreset> get_preset(std::string_view) override { broken(); }
  bool delete_preset(std::string_view) override { broken(); }
  std::vector<store::StoredPreset> list_presets() override { broken(); }
  std::int64_t presets_revision() override { broken(); }
  std::vector<acs::presets::PresetFault> preset_faults(std::string_view) override { broken(); }
  void put_preset_fault(const acs::presets::PresetFault&) override { broken(); }
  bool delete_preset_fault(std::string_view, std::string_view) override { broken(); }
  std::vector<store::PresetTransfer> preset_transfers(std::string_view) override { broken(); }
  void put_preset_transfer(const store::PresetTransfer&) override { broken(); }
  std::optional<store::PresetTransfer> complete_preset_transfer(std::string_view, std::string_view,
                                                                bool, acs::Millis) override {
    broken();
  }
  std::vector<std::string> preset_listed_tables(std::string_view) override { broken(); }
  void add_preset_listed_tables(std::string_view, const std::vector<std::string>&,
                                acs::Millis) override {
    broken();
  }
  // campaigns
  void put_campaign(const store::StoredCampaign&, bool) override { broken(); }
  std::optional<store::StoredCampaign> get_campaign(std::string_view) override { broken(); }
  std::vector<store::StoredCampaign> list_campaigns() override { broken(); }
  bool delete_campaign(std::string_view) override { broken(); }
  std::int64_t campaigns_revision() override { broken(); }
  bool set_campaign_state(std::string_view, const std::vector<std::string>&, std::string_view,
                          std::string_view, bool, acs::Millis) override {
    broken();
  }
  store::CampaignCounts campaign_counts(std::string_view) override { broken(); }
  std::vector<store::CampaignDevice> campaign_devices_of(std::string_view) override { broken(); }
  std::optional<store::CampaignDevice> campaign_device_by_task(std::int64_t) override { broken(); }
  std::vector<store::CampaignDevice> list_campaign_devices(std::string_view,
                                                           std::string_view) override {
    broken();
  }
  std::optional<std::int64_t> start_campaign_download(std::string_view, std::string_view,
                                                      const boost::json::object&, std::uint32_t,
                                                      acs::Millis) override {
    broken();
  }
  std::optional<store::StoredCampaign> add_campaign_device(const store::CampaignDevice&) override {
    broken();
  }
  std::optional<store::StoredCampaign> update_campaign_device(std::string_view, std::string_view,
                                                              const std::vector<std::string>&,
                                                              std::string_view, std::uint32_t,
                                                              std::string_view,
                                                              acs::Millis) override {
    broken();
  }
  bool retry_campaign_device(std::string_view, std::string_view) override { broken(); }
  std::vector<std::pair<std::string, acs::Millis>> preset_runs(std::string_view) override {
    broken();
  }
  void put_preset_run(std::string_view, std::string_view, acs::Millis) override { broken(); }
  std::vector<store::TaskCount> task_counts() override { broken(); }
};

class NbiStoreFailure : public ServerFixture {
 protected:
  void SetUp() override {
    std::random_device random;
    directory_ = std::filesystem::temp_directory_path() /
                 ("nbi_store_failure_test_" + std::to_string(random()) + std::to_string(random()));
    files_ = std::make_unique<acs::FileRepository>(store_, directory_);
    acs::declare_acs_metrics(metrics_);
    nbi_ = std::make_unique<acs::Nbi>(store_, pool_.get_executor(), *files_,
                                      acs::ConnectionRequestFn{}, metrics_, acs::NbiOptions{});
    server_ = std::make_unique<net::HttpServer>(
        io_, [this](net::Request& request, const net::ConnectionInfo& connection) {
          return nbi_->handle(request, connection);
        });
    port_ = server_->listen("127.0.0.1:0");
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    ServerFixture::TearDown();
    pool_.join();
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }

  net::ClientResult send(http::verb verb, const std::string& path, std::string body = {}) {
    return run(net::http_request(io_.get_executor(), url(path), verb, {}, std::move(body), 5s));
  }

  BrokenStore store_;
  std::filesystem::path directory_;
  std::unique_ptr<acs::FileRepository> files_;
  acs::Metrics metrics_;
  asio::thread_pool pool_{1};
  std::unique_ptr<acs::Nbi> nbi_;
};

TEST_F(NbiStoreFailure, StoreErrorsAre500Json) {
  for (const auto& [verb, path, body] :
       std::vector<std::tuple<http::verb, std::string, std::string>>{
           {http::verb::get, "/devices/", ""},
           {http::verb::head, "/devices/", ""},
           {http::verb::post, "/devices/00AABB-HGW-SN1/tasks", R"({"name": "reboot"})"},
           {http::verb::get, "/tasks/", ""},
           {http::verb::get, "/faults/", ""},
           {http::verb::get, "/files/", ""},
           {http::verb::put, "/files/a.bin", "bytes"},
           {http::verb::get, "/cpe-credentials/", ""},
           {http::verb::get, "/metrics", ""},
       }) {
    const net::ClientResult r = send(verb, path, body);
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(r.status(), 500u) << path;
    if (verb != http::verb::head) {
      const boost::json::value v = boost::json::parse(r.response.body());
      EXPECT_EQ(v.at("status").as_int64(), 500) << path;
      EXPECT_NE(std::string(v.at("error").as_string()).find("disk I/O error"), std::string::npos);
    }
  }
  // Bad input is still refused before the store is asked.
  EXPECT_EQ(send(http::verb::get, "/devices/?query=%7B").status(), 400u);
  EXPECT_EQ(send(http::verb::post, "/devices/x/tasks", R"({"name": "nope"})").status(), 400u);
  EXPECT_EQ(metrics_.counter_value("cwmp_nbi_requests_total", {{"method", "GET"}, {"code", "5xx"}}),
            6u);
}

TEST_F(NbiStoreFailure, HealthzIs503) {
  const net::ClientResult r = send(http::verb::get, "/healthz");
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.status(), 503u);
  EXPECT_EQ(boost::json::parse(r.response.body()).at("status").as_string(), "error");
}

}  // namespace
