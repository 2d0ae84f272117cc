// End to end: configuration backup and restore with the cwmp-cpe agent against the whole
// cwmp-acs. An upload task without "url" gets a distinct name on the file service, the file
// service keeps the newest --backup-retention uploads of the device, and
// POST /devices/<id>/restore downloads a backup back to the device, which applies it.
//
// Asynchronous outcomes (a transfer after a session) are polled for with a deadline, never
// slept for.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "acs/device_id.hpp"
#include "cpe/agent/agent.hpp"
#include "cpe/model/data_model.hpp"
#include "cpe_app.hpp"
#include "e2e_support.hpp"

namespace {

using namespace e2e;
using cpe::agent::SessionReport;

constexpr std::string_view kInterval = "Device.ManagementServer.PeriodicInformInterval";
constexpr std::string_view kSsid = "Device.WiFi.SSID.1.SSID";

class E2eBackup : public AcsFixture {
 protected:
  void TearDown() override {
    agent_.reset();  // before the ACS: no session is left half-way
    AcsFixture::TearDown();
  }

  void start_agent(const std::string& serial) {
    cpe_app::CpeConfig c;
    c.acs_url = acs_url();
    c.acs_username = std::string(kCpeUser);
    c.acs_password = std::string(kCpePassword);
    c.state_dir = (data_dir_ / ("cpe-" + serial)).string();
    c.cr_listen = "127.0.0.1:0";
    c.serial = serial;
    c.cr_rate_per_second = 1000;  // tasks back to back
    id_ = acs::make_device_id({"cwmp-suite", "00D09E", "HomeGateway", serial});
    agent_ = std::make_unique<cpe_app::CpeApp>(std::move(c));
    agent_->start();
    ASSERT_TRUE(eventually([&] { return !sessions().empty(); }, 10s)) << "no first session";
  }

  std::vector<SessionReport> sessions() { return agent_->agent().sessions(); }

  // Waits for a session whose Inform carried `event`, after the first `after` sessions.
  bool session_with(std::string_view event, std::size_t after) {
    return eventually(
        [&] {
          const auto all = sessions();
          for (std::size_t i = after; i < all.size(); ++i) {
            if (contains(all[i].events, event)) return true;
          }
          return false;
        },
        10s);
  }

  void set(std::string_view name, const std::string& value) {
    expect_done(
        post_task(id_, {{"name", "setParameterValues"},
                        {"parameterValues", json::array{json::value(json::array{name, value})}}}));
    EXPECT_EQ(agent_->model().get(std::string(name)), value);
  }

  // An upload task without a URL; returns once the file service has the file (the task is
  // done when the CPE accepts the Upload; the transfer follows the session).
  void backup() {
    const json::value t = expect_done(
        post_task(id_, {{"name", "upload"}, {"fileType", "1 Vendor Configuration File"}}));
    const std::string url = string_at(t, "url");
    const std::string stem = "/upload/" + encode(id_) + "/1-vendor-configuration-file-";
    ASSERT_NE(url.find(stem), std::string::npos) << json::serialize(t);
    EXPECT_NE(url.find("?fileType="), std::string::npos) << url;
    // The stored name's last segment: the URL's, without the query.
    const std::size_t query = url.find('?');
    const std::size_t slash = url.rfind('/', query);
    const std::string leaf = url.substr(slash + 1, query - slash - 1);
    ASSERT_TRUE(eventually(
        [&] {
          for (const json::value& f : backups()) {
            if (string_at(f, "_id") == "upload/" + id_ + "/" + leaf) return true;
          }
          return false;
        },
        10s))
        << "no upload " << leaf;
  }

  // The device's uploads, oldest first.
  json::array backups() {
    json::array files = query("files", {{"metadata.deviceId", id_}});
    std::sort(files.begin(), files.end(), [](const json::value& a, const json::value& b) {
      return string_at(a, "uploadDate") + string_at(a, "_id") <
             string_at(b, "uploadDate") + string_at(b, "_id");
    });
    return files;
  }

  std::string id_;
  std::unique_ptr<cpe_app::CpeApp> agent_;
};

TEST_F(E2eBackup, ConfigBackupAndRestoreRoundTrip) {
  start_acs();
  start_agent("AG-BK");
  set(kInterval, "900");
  set(std::string(kSsid), "saved-ssid");
  backup();
  const json::array stored = backups();
  ASSERT_EQ(stored.size(), 1u);
  const std::string name = string_at(stored[0], "_id");
  EXPECT_EQ(name.rfind("upload/" + id_ + "/1-vendor-configuration-file-", 0), 0u) << name;
  EXPECT_EQ(string_at(stored[0], "metadata.fileType"), "1 Vendor Configuration File");

  // The configuration changes; the restore brings the backed-up values back.
  set(kInterval, "1200");
  set(std::string(kSsid), "changed-ssid");
  const std::size_t before = sessions().size();
  const Reply r = nbi(
      http::verb::post,
      "/devices/" + encode(id_) + "/restore?connection_request&timeout=" + std::to_string(kWaitMs),
      json::serialize(json::object{{"file", name}}));
  const json::value t = expect_done(r);
  EXPECT_EQ(string_at(t, "name"), "download");
  EXPECT_EQ(string_at(t, "fileType"), "3 Vendor Configuration File");
  EXPECT_EQ(string_at(t, "url").rfind(files_base() + "/upload/", 0), 0u) << json::serialize(t);
  EXPECT_EQ(string_at(t, "targetFileName"), name);
  const std::string task_id = string_at(t, "_id");
  ASSERT_TRUE(session_with("7 TRANSFER COMPLETE", before));
  ASSERT_TRUE(eventually([&] { return string_at(task(task_id), "status") == "done"; }, 10s))
      << json::serialize(task(task_id));
  EXPECT_EQ(int_at(task(task_id), "result.transferComplete.faultCode"), 0);

  EXPECT_EQ(agent_->model().get(std::string(kInterval)), "900");
  EXPECT_EQ(agent_->model().get(std::string(kSsid)), "saved-ssid");
  // And as the ACS reads it back.
  const json::value read = expect_done(post_task(
      id_, {{"name", "getParameterValues"}, {"parameterNames", json::array{kInterval, kSsid}}}));
  EXPECT_EQ(json::serialize(*at(read, "result.parameterValues")),
            R"([["Device.ManagementServer.PeriodicInformInterval","900","xsd:unsignedInt"],)"
            R"(["Device.WiFi.SSID.1.SSID","saved-ssid","xsd:string"]])");
}

TEST_F(E2eBackup, RestoreRefusesUnknownAndForeignFiles) {
  start_acs();
  start_agent("AG-RF");
  auto restore = [&](const std::string& device, const std::string& body) {
    return nbi(http::verb::post, "/devices/" + encode(device) + "/restore", body);
  };
  EXPECT_EQ(restore(id_, "").status, 404u);  // no backup yet
  EXPECT_EQ(restore("no-such-device", "").status, 404u);
  EXPECT_EQ(restore(id_, R"({"file":"upload/nope"})").status, 404u);
  EXPECT_EQ(restore(id_, R"({"file":7})").status, 400u);
  const Reply put = nbi(http::verb::put, "/files/site.cfg", "a=b\n",
                        {{"fileType", "3 Vendor Configuration File"}});
  ASSERT_EQ(put.status, 201u) << put.body;
  EXPECT_EQ(restore(id_, R"({"file":"site.cfg"})").status, 400u);  // not this device's backup

  // Without a body: the newest backup, queued (no connection request asked).
  backup();
  const Reply queued = restore(id_, "");
  EXPECT_EQ(queued.status, 202u) << queued.body;
  const json::value t = queued.json();
  EXPECT_EQ(string_at(t, "targetFileName"), string_at(backups().back(), "_id"));
  EXPECT_EQ(string_at(t, "fileType"), "3 Vendor Configuration File");
}

TEST_F(E2eBackup, RetentionKeepsTheNewestUploads) {
  acs_app::AcsConfig c = config();
  c.backup_retention = 2;
  start_acs(c);
  start_agent("AG-RT");
  std::vector<std::string> sha256;
  for (const char* interval : {"601", "602", "603"}) {
    set(kInterval, interval);  // a different configuration each time: different bytes
    backup();
    sha256.push_back(string_at(backups().back(), "metadata.sha256"));
  }
  const json::array left = backups();
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(string_at(left[0], "metadata.sha256"), sha256[1]);
  EXPECT_EQ(string_at(left[1], "metadata.sha256"), sha256[2]);
  // Three distinct names were used; the oldest file's bytes are gone, the others' are not.
  EXPECT_NE(string_at(left[0], "_id"), string_at(left[1], "_id"));
  EXPECT_FALSE(std::filesystem::exists(data_dir_ / "files" / sha256[0]));
  EXPECT_TRUE(std::filesystem::exists(data_dir_ / "files" / sha256[1]));
  EXPECT_TRUE(std::filesystem::exists(data_dir_ / "files" / sha256[2]));
}

}  // namespace
