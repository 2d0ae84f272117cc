// End to end: presets (docs/presets.md) with the whole cwmp-acs and the cwmp-cpe agent,
// in-process on 127.0.0.1. A fresh agent is fully configured per preset within its bootstrap
// session (ManagementServer values, an SSID table by key, notification attributes, a
// configuration file, a backup upload); its next session sends nothing; a changed preset
// reaches it at its next periodic Inform; a value the device refuses becomes a preset fault
// in the NBI's /faults and waits for its retry instead of being sent every session.
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

// The RPCs the ACS sent in a session (the agent's trace: "< X" lines are the ACS's messages).
std::vector<std::string> acs_rpcs(const SessionReport& report) {
  std::vector<std::string> out;
  for (const std::string& line : report.trace) {
    if (!line.starts_with("< ")) continue;
    const std::string what = line.substr(2);
    if (what.starts_with("InformResponse") || what.starts_with("(empty)") ||
        what.starts_with("TransferCompleteResponse")) {
      continue;
    }
    out.push_back(what);
  }
  return out;
}

bool has_event(const SessionReport& r, std::string_view code) {
  return std::find(r.events.begin(), r.events.end(), code) != r.events.end();
}

class E2ePresets : public AcsFixture {
 protected:
  void TearDown() override {
    agent_.reset();
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
    c.cr_rate_per_second = 1000;
    id_ = acs::make_device_id({"cwmp-suite", "00D09E", "HomeGateway", serial});
    agent_ = std::make_unique<cpe_app::CpeApp>(std::move(c));
    agent_->start();
  }

  std::vector<SessionReport> sessions() const { return agent_->agent().sessions(); }
  std::string value(const std::string& path) const {
    return agent_->model().get(path).value_or("<absent>");
  }

  void put_preset(const std::string& name, const std::string& body, unsigned expected = 0) {
    const Reply r = nbi(http::verb::put, "/presets/" + name, body);
    if (expected != 0) {
      EXPECT_EQ(r.status, expected) << r.body;
    } else {
      EXPECT_TRUE(r.status == 200 || r.status == 201) << r.status << " " << r.body;
    }
  }

  // The first session after `count` sessions whose events include `event`.
  std::optional<SessionReport> session_after(std::size_t count, std::string_view event,
                                             std::chrono::seconds wait) {
    std::optional<SessionReport> found;
    eventually(
        [&] {
          const auto all = sessions();
          for (std::size_t i = count; i < all.size(); ++i) {
            if (has_event(all[i], event)) {
              found = all[i];
              return true;
            }
          }
          return false;
        },
        wait);
    return found;
  }

  std::string id_;
  std::unique_ptr<cpe_app::CpeApp> agent_;
};

// The bootstrap configuration of the issue: ManagementServer values, connection-request
// credentials, a keyed SSID table, notification attributes and a configuration file.
std::string bootstrap_preset(const std::string& acs_url, const std::string& files) {
  json::object p{
      {"weight", 0},
      {"events", json::array{"0 BOOTSTRAP", "1 BOOT", "2 PERIODIC"}},
      {"parameters",
       json::object{
           {"Device.ManagementServer.URL", acs_url},
           {"Device.ManagementServer.Username", std::string(kCpeUser)},
           {"Device.ManagementServer.Password", std::string(kCpePassword)},
           {"Device.ManagementServer.PeriodicInformEnable", true},
           {"Device.ManagementServer.PeriodicInformInterval", 1},
           {"Device.ManagementServer.PeriodicInformTime", "2026-01-01T00:00:00Z"},
           {"Device.ManagementServer.ConnectionRequestUsername", "cr-preset"},
           {"Device.ManagementServer.ConnectionRequestPassword", "cr-preset-secret"},
       }},
      {"objects",
       json::array{json::object{
           {"path", "Device.WiFi.SSID."},
           {"key", "SSID"},
           {"delete_others", true},
           {"instances",
            json::array{
                json::object{{"key", "home"}, {"parameters", json::object{{"Enable", true}}}},
                json::object{{"key", "guest"},
                             {"parameters", json::object{{"Enable", false}}}}}}}}},
      {"attributes",
       json::array{json::object{{"path", "Device.WiFi.SSID.*.SSID"}, {"notification", 2}}}},
      {"downloads", json::array{json::object{{"file_type", "3 Vendor Configuration File"},
                                             {"url", files + "/site.cfg"},
                                             {"target_file_name", "site.cfg"}}}},
  };
  return json::serialize(p);
}

TEST_F(E2ePresets, FreshAgentIsConfiguredInItsFirstSessionAndTheNextSendsNothing) {
  start_acs();
  const Reply file = nbi(http::verb::put, "/files/site.cfg", "dns=192.0.2.53\n",
                         {{"fileType", "3 Vendor Configuration File"}});
  ASSERT_TRUE(file.status == 200 || file.status == 201) << file.body;
  put_preset("bootstrap", bootstrap_preset(acs_url(), files_base()));
  // A backup at bootstrap only, to the ACS's own file service (no URL given).
  put_preset("backup", R"({"weight": 10, "events": ["0 BOOTSTRAP"], "upload": {}})");

  start_agent("PRESET-1");
  ASSERT_TRUE(eventually([&] { return !sessions().empty(); }, 10s));
  const SessionReport first = sessions().front();
  ASSERT_TRUE(first.ok) << first.error;
  ASSERT_TRUE(has_event(first, "0 BOOTSTRAP"));
  const std::vector<std::string> rpcs = acs_rpcs(first);
  const auto sent = [&](std::string_view method) {
    return std::count_if(rpcs.begin(), rpcs.end(),
                         [&](const std::string& r) { return r.starts_with(method); });
  };
  EXPECT_GE(sent("SetParameterValues"), 1) << ::testing::PrintToString(rpcs);
  EXPECT_EQ(sent("AddObject"), 2) << ::testing::PrintToString(rpcs);
  EXPECT_EQ(sent("SetParameterAttributes"), 1) << ::testing::PrintToString(rpcs);
  EXPECT_EQ(sent("Download"), 1) << ::testing::PrintToString(rpcs);
  EXPECT_EQ(sent("Upload"), 1) << ::testing::PrintToString(rpcs);

  // Configured within that first session.
  EXPECT_EQ(value("Device.ManagementServer.PeriodicInformEnable"), "true");
  EXPECT_EQ(value("Device.ManagementServer.PeriodicInformInterval"), "1");
  EXPECT_EQ(value("Device.ManagementServer.PeriodicInformTime"), "2026-01-01T00:00:00Z");
  EXPECT_EQ(value("Device.ManagementServer.ConnectionRequestUsername"), "cr-preset");
  std::vector<std::string> ssids;
  for (int i = 1; i <= 8; ++i) {
    const std::string s = value("Device.WiFi.SSID." + std::to_string(i) + ".SSID");
    if (s != "<absent>") ssids.push_back(s);
  }
  std::sort(ssids.begin(), ssids.end());
  EXPECT_EQ(ssids, (std::vector<std::string>{"guest", "home"}));

  // The configuration file and the backup arrive through their TransferCompletes; then
  // periodic sessions ask nothing more: the device holds what the presets declare.
  ASSERT_TRUE(eventually(
      [&] {
        const auto all = sessions();
        std::size_t quiet = 0;
        for (std::size_t i = 1; i < all.size(); ++i) {
          if (has_event(all[i], "2 PERIODIC") && acs_rpcs(all[i]).empty()) ++quiet;
        }
        return quiet >= 2;
      },
      20s));
  for (const SessionReport& s : sessions()) {
    if (&s == &sessions().front()) continue;
    EXPECT_TRUE(s.ok) << s.error;
  }
  // Every session after the first: nothing but, at most, a TransferComplete's bookkeeping.
  const auto all = sessions();
  for (std::size_t i = 1; i < all.size(); ++i) {
    EXPECT_TRUE(acs_rpcs(all[i]).empty())
        << "session " << i << ": " << ::testing::PrintToString(acs_rpcs(all[i]));
  }
  EXPECT_TRUE(query("faults", {{"device", id_}}).empty());
  // The backup is in the file repository under the device.
  const json::array files = query("files", {{"metadata.deviceId", id_}});
  EXPECT_EQ(files.size(), 1u);

  // A changed preset reaches the device at its next periodic Inform.
  json::value changed = json::parse(bootstrap_preset(acs_url(), files_base()));
  changed.as_object()["parameters"].as_object()["Device.ManagementServer.PeriodicInformInterval"] =
      2;
  changed.as_object()["objects"]
      .as_array()[0]
      .as_object()["instances"]
      .as_array()[1]
      .as_object()["parameters"]
      .as_object()["Enable"] = true;
  const std::size_t before = sessions().size();
  put_preset("bootstrap", json::serialize(changed), 200);
  const auto next = session_after(before, "2 PERIODIC", 10s);
  ASSERT_TRUE(next.has_value());
  EXPECT_TRUE(eventually(
      [&] { return value("Device.ManagementServer.PeriodicInformInterval") == "2"; }, 10s));
  std::string guest_enable;
  for (int i = 1; i <= 8; ++i) {
    if (value("Device.WiFi.SSID." + std::to_string(i) + ".SSID") == "guest") {
      guest_enable = value("Device.WiFi.SSID." + std::to_string(i) + ".Enable");
    }
  }
  EXPECT_EQ(guest_enable, "true");
}

TEST_F(E2ePresets, ARefusedValueIsAPresetFaultThatWaitsForItsRetry) {
  start_acs();
  put_preset("periodic", R"({"events": ["0 BOOTSTRAP", "2 PERIODIC"], "parameters": {
      "Device.ManagementServer.PeriodicInformEnable": true,
      "Device.ManagementServer.PeriodicInformInterval": 1}})");
  // Device.DeviceInfo.SerialNumber is read-only: the device refuses the SetParameterValues.
  put_preset("broken", R"({"weight": 5, "events": ["*"], "parameters": {
      "Device.DeviceInfo.ProvisioningCode": "ok",
      "Device.DeviceInfo.SerialNumber": "not-allowed"}})");
  start_agent("PRESET-2");
  ASSERT_TRUE(eventually([&] { return sessions().size() >= 4; }, 20s));
  const json::array faults = query("faults", {{"device", id_}});
  ASSERT_EQ(faults.size(), 1u) << json::serialize(faults);
  EXPECT_EQ(string_at(faults[0], "channel"), "preset_broken");
  // 9003 Invalid arguments, naming the parameter with 9008 (set a non-writable parameter).
  EXPECT_EQ(string_at(faults[0], "code"), "cwmp.9003");
  EXPECT_NE(string_at(faults[0], "message").find("SerialNumber: 9008"), std::string::npos)
      << json::serialize(faults[0]);
  // The periodic preset is not held back by the other's fault.
  EXPECT_EQ(value("Device.ManagementServer.PeriodicInformInterval"), "1");
  // The broken preset waits for its retry (a minute at first): later sessions send nothing.
  const auto all = sessions();
  for (std::size_t i = 2; i < all.size(); ++i) {
    EXPECT_TRUE(acs_rpcs(all[i]).empty())
        << "session " << i << ": " << ::testing::PrintToString(acs_rpcs(all[i]));
  }
  // Fixed and its fault cleared by the operator: it runs clean at the next session.
  put_preset("broken", R"({"weight": 5, "events": ["*"], "parameters": {
      "Device.DeviceInfo.ProvisioningCode": "ok"}})");
  const Reply cleared = nbi(http::verb::delete_, "/faults/" + encode(id_ + ":preset_broken"));
  EXPECT_EQ(cleared.status, 200u) << cleared.body;
  EXPECT_TRUE(eventually([&] { return value("Device.DeviceInfo.ProvisioningCode") == "ok"; }, 10s));
  EXPECT_TRUE(query("faults", {{"device", id_}}).empty());
}

TEST_F(E2ePresets, AScheduledPresetRunsOnceThenWaitsForItsTime) {
  start_acs();
  // Never ran on the device: runs at its first session; then only at midnight on 1 January.
  put_preset("yearly", R"({"schedule": "0 0 1 1 *", "parameters": {
      "Device.DeviceInfo.ProvisioningCode": "yearly-1",
      "Device.ManagementServer.PeriodicInformEnable": true,
      "Device.ManagementServer.PeriodicInformInterval": 1}})");
  start_agent("PRESET-3");
  ASSERT_TRUE(eventually([&] { return sessions().size() >= 2; }, 10s));
  EXPECT_EQ(value("Device.DeviceInfo.ProvisioningCode"), "yearly-1");
  // The operator changes it: the scheduled preset does not put it back before its time.
  expect_done(post_task(
      id_,
      {{"name", "setParameterValues"},
       {"parameterValues", json::array{json::value(json::array{"Device.DeviceInfo.ProvisioningCode",
                                                               "manual", "xsd:string"})}}}));
  const std::size_t before = sessions().size();
  ASSERT_TRUE(eventually([&] { return sessions().size() >= before + 2; }, 10s));
  EXPECT_EQ(value("Device.DeviceInfo.ProvisioningCode"), "manual");
  const auto all = sessions();
  for (std::size_t i = 1; i < all.size(); ++i) {
    for (const std::string& rpc : acs_rpcs(all[i])) {
      EXPECT_TRUE(rpc.starts_with("SetParameterValues") &&
                  has_event(all[i], "6 CONNECTION REQUEST"))
          << "session " << i << ": " << rpc;
    }
  }
}

}  // namespace
