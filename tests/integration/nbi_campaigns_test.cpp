// The NBI's /campaigns endpoint over real sockets on 127.0.0.1 (net::HttpServer + acs::Nbi on
// an in-memory SQLite store): definitions, bad bodies, state changes, per-device rows. The
// campaigns running in sessions are e2esim_campaign_test.cpp's.
#include <gtest/gtest.h>

#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <future>
#include <random>

#include "acs/device_id.hpp"
#include "acs/files.hpp"
#include "acs/metrics.hpp"
#include "acs/nbi.hpp"
#include "nbi_reply.hpp"
#include "net_test_support.hpp"
#include "store/sqlite_store.hpp"

namespace {

using namespace net_test;
namespace json = boost::json;
using Reply = test_support::NbiReply;

constexpr acs::Millis kNow = 1'795'780'800'000;  // 2026-11-27T12:00:00Z
constexpr std::string_view kFirmware = "1 Firmware Upgrade Image";

class NbiCampaigns : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device random;
    directory_ = std::filesystem::temp_directory_path() /
                 ("nbi_campaigns_test_" + std::to_string(random()) + std::to_string(random()));
    store_ = store::open_sqlite(":memory:");
    files_ = std::make_unique<acs::FileRepository>(*store_, directory_);
    for (const char* serial : {"SN1", "SN2", "SN3"}) add_device(serial);
    store_->add_tag(acs::make_device_id({"ExampleCo", "00AABB", "HGW", "SN1"}), "lab");
    files_->put("fw-2.0.bin", "#cwmp-firmware\nversion=2.0\n\n",
                {std::string(kFirmware), "", "", "2.0"}, "", kNow);
    files_->put("noversion.bin", "x", {std::string(kFirmware), "", "", ""}, "", kNow);
    files_->put("config.xml", "<x/>", {"3 Vendor Configuration File", "", "", "1"}, "", kNow);

    acs::NbiOptions options;
    options.files_base_url = "http://files.example.net:7567";
    options.clock = [] { return kNow; };
    nbi_ = std::make_unique<acs::Nbi>(
        *store_, pool_.get_executor(), *files_,
        [](std::string) -> asio::awaitable<acs::ConnectionRequestOutcome> {
          co_return acs::ConnectionRequestOutcome{};
        },
        metrics_, std::move(options));
    server_ = std::make_unique<net::HttpServer>(
        io_, [this](net::Request& request, const net::ConnectionInfo& connection) {
          return nbi_->handle(request, connection);
        });
    port_ = server_->listen("127.0.0.1:0");
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    std::promise<void> stopped;
    server_->stop(0ms, [&stopped] { stopped.set_value(); });
    stopped.get_future().wait_for(10s);
    work_.reset();
    thread_.join();
    pool_.join();
    nbi_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }

  void add_device(const std::string& serial) {
    acs::InformRecord r;
    r.device = {"ExampleCo", "00AABB", "HGW", serial};
    r.device_id = acs::make_device_id(r.device);
    r.events = {{"0 BOOTSTRAP", ""}};
    r.parameters.push_back(
        {"Device.DeviceInfo.SoftwareVersion", "1.0", cwmp::ValueType::kString, false, {}, {}});
    r.received = kNow;
    store_->record_inform(r);
  }

  Reply call(http::verb verb, const std::string& path, std::string body = {}) {
    const std::string url = "http://127.0.0.1:" + std::to_string(port_) + path;
    net::ClientResult result =
        asio::co_spawn(
            io_,
            net::http_request(io_.get_executor(), url, verb, net::Headers{}, std::move(body), 10s),
            asio::use_future)
            .get();
    EXPECT_TRUE(result.ok()) << result.message;
    Reply r;
    r.status = result.status();
    r.body = result.response.body();
    r.message = std::move(result.response);
    return r;
  }

  // The error message of a 400.
  std::string refused(const std::string& body) {
    const Reply r = call(http::verb::put, "/campaigns/fw", body);
    EXPECT_EQ(r.status, 400u) << body << " -> " << r.body;
    const json::value v = r.status == 400 ? r.json() : json::value();
    return v.is_object() && v.as_object().contains("error") ? std::string(v.at("error").as_string())
                                                            : std::string();
  }

  std::filesystem::path directory_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<acs::FileRepository> files_;
  acs::Metrics metrics_;
  asio::thread_pool pool_{2};
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      io_.get_executor()};
  std::unique_ptr<acs::Nbi> nbi_;
  std::unique_ptr<net::HttpServer> server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

TEST_F(NbiCampaigns, BadBodiesAre400WithWhereTheProblemIs) {
  EXPECT_NE(refused("{").find("not valid JSON"), std::string::npos);
  EXPECT_NE(refused("[]").find("JSON object"), std::string::npos);
  EXPECT_NE(refused(R"({"filter": {}})").find("/file"), std::string::npos);
  EXPECT_NE(refused(R"({"file": "fw-2.0.bin"})").find("/filter"), std::string::npos);
  EXPECT_NE(refused(R"({"filter": {"$or": 1}, "file": "fw-2.0.bin"})").find("/filter/$or"),
            std::string::npos);
  EXPECT_NE(refused(R"({"filter": {}, "file": "fw-2.0.bin", "maxConcurrent": -1})")
                .find("/maxConcurrent"),
            std::string::npos);
  EXPECT_NE(refused(R"({"filter": {}, "file": "fw-2.0.bin", "failureThreshold": "5%"})")
                .find("/failureThreshold"),
            std::string::npos);
  EXPECT_NE(refused(R"({"filter": {}, "file": "fw-2.0.bin", "window": "22h-4h"})").find("/window"),
            std::string::npos);
  EXPECT_NE(refused(R"({"filter": {}, "file": "fw-2.0.bin", "colour": 1})").find("/colour"),
            std::string::npos);
  EXPECT_NE(refused(R"({"filter": {}, "file": "missing.bin"})").find("no such file"),
            std::string::npos);
  EXPECT_NE(refused(R"({"filter": {}, "file": "config.xml"})").find("fileType"), std::string::npos);
  EXPECT_NE(refused(R"({"filter": {}, "file": "noversion.bin"})").find("no version"),
            std::string::npos);
  const Reply huge = call(http::verb::put, "/campaigns/fw", std::string(2 << 20, ' '));
  EXPECT_EQ(huge.status, 413u);
  EXPECT_EQ(call(http::verb::get, "/campaigns").body, "[]") << "nothing was stored";
}

TEST_F(NbiCampaigns, DefinitionStateAndDevices) {
  const std::string body =
      R"({"filter": {"_tags": {"$ne": "lab"}}, "file": "fw-2.0.bin", "maxConcurrent": 2,
          "failureThreshold": 0.2, "window": "22:00-04:00"})";
  Reply r = call(http::verb::put, "/campaigns/fw", body);
  ASSERT_EQ(r.status, 201u) << r.body;
  json::value doc = r.json();
  EXPECT_EQ(doc.at("state"), "running");
  EXPECT_EQ(doc.at("targetVersion"), "2.0");
  EXPECT_EQ(doc.at("window"), "22:00-04:00");
  EXPECT_EQ(doc.at("counts").at("targeted"), 2) << "SN1 is tagged lab";
  EXPECT_EQ(doc.at("counts").at("pending"), 2);
  EXPECT_EQ(call(http::verb::put, "/campaigns/fw", body).status, 200u) << "replaced";

  r = call(http::verb::post, "/campaigns/fw/pause");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json().at("state"), "paused");
  EXPECT_EQ(r.json().at("reason"), "paused through the NBI");
  EXPECT_EQ(call(http::verb::post, "/campaigns/fw/pause").status, 409u);
  r = call(http::verb::post, "/campaigns/fw/resume");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json().at("state"), "running");
  EXPECT_EQ(call(http::verb::post, "/campaigns/fw/resume").status, 409u);
  EXPECT_EQ(call(http::verb::get, "/campaigns/fw/pause").status, 405u);

  // A device's progress, as the sessions record it.
  const std::string sn2 = acs::make_device_id({"ExampleCo", "00AABB", "HGW", "SN2"});
  ASSERT_TRUE(store_->start_campaign_download("fw", sn2, {{"name", "download"}}, 2, kNow));
  ASSERT_TRUE(store_->update_campaign_device("fw", sn2, {"downloading"}, "failed", 9018,
                                             "corrupted", kNow));
  r = call(http::verb::get, "/campaigns/fw/devices?state=failed");
  ASSERT_EQ(r.status, 200u) << r.body;
  ASSERT_EQ(r.json().as_array().size(), 1u) << r.body;
  EXPECT_EQ(r.json().at(0).at("device"), json::value(sn2));
  EXPECT_EQ(r.json().at(0).at("fault").at("code"), 9018);
  EXPECT_EQ(r.header("X-Total-Count"), "1");
  EXPECT_EQ(call(http::verb::get, "/campaigns/fw/devices?state=confirmed").body, "[]");
  EXPECT_EQ(call(http::verb::get, "/campaigns/fw/devices?state=bogus").status, 400u);
  doc = call(http::verb::get, "/campaigns/fw").json();
  EXPECT_EQ(doc.at("counts").at("failed"), 1);
  EXPECT_EQ(doc.at("counts").at("pending"), 1);
  EXPECT_EQ(doc.at("maxInFlight"), 1);

  EXPECT_EQ(call(http::verb::post, "/campaigns/fw/devices/" + sn2 + "/retry").status, 200u);
  EXPECT_EQ(call(http::verb::post, "/campaigns/fw/devices/" + sn2 + "/retry").status, 409u);
  EXPECT_EQ(call(http::verb::get, "/campaigns/fw").json().at("counts").at("pending"), 2);

  r = call(http::verb::get, "/campaigns");
  ASSERT_EQ(r.json().as_array().size(), 1u);
  EXPECT_EQ(call(http::verb::delete_, "/campaigns/fw").status, 200u);
  EXPECT_EQ(call(http::verb::get, "/campaigns/fw").status, 404u);
  EXPECT_EQ(call(http::verb::delete_, "/campaigns/fw").status, 404u);
  EXPECT_EQ(call(http::verb::post, "/campaigns/fw/resume").status, 404u);
  EXPECT_EQ(call(http::verb::get, "/campaigns/fw/other").status, 404u);
}

}  // namespace
