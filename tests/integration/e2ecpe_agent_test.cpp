// End to end: the cwmp-cpe agent (cpe_app::CpeApp: the TR-181 data model, the session layer,
// state on disk) against the whole cwmp-acs (acs_app::AcsApp), both in-process on 127.0.0.1
// with ephemeral ports, driven through the ACS's NBI the way an operator drives it: the
// device bootstraps, gets its connection-request credentials, runs a task of every type,
// downloads and installs a firmware image and reboots, uploads its configuration, reboots
// and factory-resets on request, reports an active notification, and restarts from disk.
//
// Asynchronous outcomes (a transfer after a session, the session a reboot starts) are polled
// for with a deadline, never slept for.
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

constexpr std::string_view kCrUser = "cr-admin";

class E2eCpe : public AcsFixture {
 protected:
  void TearDown() override {
    agent_.reset();  // before the ACS: no session is left half-way
    AcsFixture::TearDown();
  }

  cpe_app::CpeConfig agent_config(const std::string& serial) {
    cpe_app::CpeConfig c;
    c.acs_url = acs_url();
    c.acs_username = std::string(kCpeUser);
    c.acs_password = std::string(kCpePassword);
    c.state_dir = (data_dir_ / ("cpe-" + serial)).string();
    c.cr_listen = "127.0.0.1:0";
    c.serial = serial;
    c.cr_rate_per_second = 1000;  // tasks back to back: more than a device's flood limit
    return c;
  }

  // Starts the agent (no restart function: reboots happen in process) and waits for its
  // first session.
  void start_agent(cpe_app::CpeConfig c) {
    serial_ = c.serial;
    id_ = acs::make_device_id({"cwmp-suite", "00D09E", "HomeGateway", c.serial});
    agent_ = std::make_unique<cpe_app::CpeApp>(std::move(c));
    agent_->start();
    ASSERT_TRUE(wait_for_sessions(1)) << "no first session";
  }

  std::vector<SessionReport> sessions() { return agent_->agent().sessions(); }

  bool wait_for_sessions(std::size_t count) {
    return eventually([&] { return sessions().size() >= count; }, 10s);
  }

  // The operator's first step with a new device: connection-request credentials of its own
  // (the factory agent has none, which the ACS's empty credentials match).
  void provision() {
    const Reply r = post_task(
        id_, {{"name", "setParameterValues"},
              {"parameterValues",
               json::array{json::value(json::array{
                               "Device.ManagementServer.ConnectionRequestUsername", kCrUser}),
                           json::array{"Device.ManagementServer.ConnectionRequestPassword",
                                       "cr-" + serial_}}}});
    expect_done(r);
    EXPECT_EQ(agent_->model().get("Device.ManagementServer.ConnectionRequestUsername"), kCrUser);
  }

  // POSTs the task with a connection request and waits for the agent's session to end.
  Reply run(const json::object& task) {
    const std::size_t before = sessions().size();
    Reply r = post_task(id_, task);
    if (r.header("X-Connection-Request").rfind("accepted", 0) == 0) {
      EXPECT_TRUE(wait_for_sessions(before + 1)) << "the session did not end";
    }
    return r;
  }

  // Waits for a session whose Inform carried `event`, after the first `after` sessions.
  std::optional<SessionReport> session_with(std::string_view event, std::size_t after) {
    std::optional<SessionReport> found;
    eventually(
        [&] {
          const auto all = sessions();
          for (std::size_t i = after; i < all.size(); ++i) {
            if (contains(all[i].events, event)) found = all[i];
          }
          return found.has_value();
        },
        10s);
    return found;
  }

  std::string serial_;
  std::string id_;
  std::unique_ptr<cpe_app::CpeApp> agent_;
};

TEST_F(E2eCpe, BootstrapThenEveryParameterTask) {
  start_acs();
  start_agent(agent_config("AG-1"));
  const SessionReport first = sessions().front();
  EXPECT_TRUE(first.ok) << first.error;
  EXPECT_TRUE(contains(first.events, "0 BOOTSTRAP"));
  EXPECT_TRUE(contains(first.events, "1 BOOT"));
  json::value doc = device(id_);
  EXPECT_NE(at(doc, "_lastBootstrap"), nullptr);
  EXPECT_EQ(string_at(doc, "_deviceId._SerialNumber"), "AG-1");
  provision();

  json::value t = expect_done(
      run({{"name", "getParameterValues"},
           {"parameterNames", json::array{"Device.DeviceInfo.SerialNumber",
                                          "Device.ManagementServer.PeriodicInformInterval"}}}));
  EXPECT_EQ(json::serialize(*at(t, "result.parameterValues")),
            R"([["Device.DeviceInfo.SerialNumber","AG-1","xsd:string"],)"
            R"(["Device.ManagementServer.PeriodicInformInterval","3600","xsd:unsignedInt"]])");
  EXPECT_TRUE(contains(sessions().back().events, "6 CONNECTION REQUEST"));

  t = expect_done(
      run({{"name", "setParameterValues"},
           {"parameterValues",
            json::array{json::value(json::array{"Device.WiFi.SSID.1.SSID", "e2e-agent"}),
                        json::array{"Device.ManagementServer.PeriodicInformInterval", 900}}},
           {"parameterKey", "spv-1"}}));
  EXPECT_EQ(int_at(t, "result.status"), 0);
  EXPECT_EQ(agent_->model().get("Device.WiFi.SSID.1.SSID"), "e2e-agent");
  EXPECT_EQ(agent_->model().get("Device.ManagementServer.ParameterKey"), "spv-1");
  EXPECT_EQ(int_at(device(id_), "Device.ManagementServer.PeriodicInformInterval._value"), 900);

  // A value the model refuses: the task faults with the CPE's SetParameterValuesFault.
  const Reply refused =
      run({{"name", "setParameterValues"},
           {"parameterValues",
            json::array{json::value(json::array{"Device.DeviceInfo.SerialNumber", "x"})}}});
  EXPECT_EQ(refused.status, 202u) << refused.body;  // not done: GenieACS's answer
  EXPECT_EQ(string_at(refused.json(), "status"), "fault") << refused.body;
  EXPECT_EQ(agent_->model().get("Device.DeviceInfo.SerialNumber"), "AG-1");

  t = expect_done(
      run({{"name", "getParameterNames"}, {"parameterPath", "Device.WiFi."}, {"nextLevel", true}}));
  const std::string names = json::serialize(*at(t, "result.parameterNames"));
  EXPECT_NE(names.find(R"(["Device.WiFi.SSID.",true])"), std::string::npos) << names;
  // Radios are the device's own: a table the ACS cannot add to (TR-106 object access).
  EXPECT_NE(names.find(R"(["Device.WiFi.Radio.",false])"), std::string::npos) << names;

  expect_done(run({{"name", "setParameterAttributes"},
                   {"parameterAttributes",
                    json::array{json::object{{"name", "Device.WiFi.SSID.1.SSID"},
                                             {"notification", 1},
                                             {"accessList", json::array{"Subscriber"}}}}}}));
  t = expect_done(run({{"name", "getParameterAttributes"},
                       {"parameterNames", json::array{"Device.WiFi.SSID.1.SSID"}}}));
  EXPECT_EQ(json::serialize(*at(t, "result.parameterAttributes")),
            R"([{"name":"Device.WiFi.SSID.1.SSID","notification":1,"accessList":["Subscriber"]}])");

  t = expect_done(
      run({{"name", "addObject"}, {"objectName", "Device.WiFi.SSID."}, {"parameterKey", "add-1"}}));
  const std::int64_t instance = int_at(t, "result.instanceNumber");
  ASSERT_GT(instance, 0) << json::serialize(t);
  const std::string added = "Device.WiFi.SSID." + std::to_string(instance) + ".";
  EXPECT_TRUE(agent_->model().get(added + "SSID").has_value());
  expect_done(run({{"name", "deleteObject"}, {"objectName", added}, {"parameterKey", "del-1"}}));
  EXPECT_FALSE(agent_->model().get(added + "SSID").has_value());
  EXPECT_EQ(at(device(id_), "Device.WiFi.SSID." + std::to_string(instance)), nullptr);

  t = expect_done(run({{"name", "refreshObject"}, {"objectName", "Device.DeviceInfo."}}));
  EXPECT_EQ(string_at(device(id_), "Device.DeviceInfo.ModelName._value"),
            *agent_->model().get("Device.DeviceInfo.ModelName"));

  t = expect_done(run({{"name", "getRPCMethods"}}));
  const json::value* methods = at(t, "result.methods");
  ASSERT_NE(methods, nullptr);
  EXPECT_EQ(methods->as_array().size(), 17u) << json::serialize(*methods);

  expect_done(run({{"name", "scheduleInform"}, {"delaySeconds", 1}, {"commandKey", "si-1"}}));
  const auto scheduled = session_with("M ScheduleInform", sessions().size());
  ASSERT_TRUE(scheduled.has_value());
  EXPECT_TRUE(contains(scheduled->events, "3 SCHEDULED"));

  for (const SessionReport& s : sessions()) EXPECT_TRUE(s.ok) << s.number << ": " << s.error;
}

TEST_F(E2eCpe, FirmwareDownloadInstallsAndReboots) {
  start_acs();
  start_agent(agent_config("AG-FW"));
  provision();
  // A simulated image: the agent's default installer reads the version from its header.
  const std::string image = "#cwmp-firmware\nversion=3.2.1\n\n" + std::string(256 * 1024, 'F');
  const Reply put = nbi(http::verb::put, "/files/gw-3.2.1.bin", image,
                        {{"fileType", "1 Firmware Upgrade Image"}, {"version", "3.2.1"}});
  ASSERT_EQ(put.status, 201u) << put.body;

  const std::size_t before = sessions().size();
  const json::value t = expect_done(run({{"name", "download"}, {"file", "gw-3.2.1.bin"}}));
  const std::string task_id = string_at(t, "_id");
  EXPECT_EQ(int_at(t, "result.status"), 1);  // the transfer happens after the session

  // The agent downloads, installs, reboots (in process here) and reports in the boot session.
  const auto report = session_with("7 TRANSFER COMPLETE", before + 1);
  ASSERT_TRUE(report.has_value()) << "no TransferComplete session";
  EXPECT_TRUE(report->ok) << report->error;
  EXPECT_TRUE(contains(report->events, "M Download"));
  EXPECT_TRUE(contains(report->events, "1 BOOT"));
  EXPECT_EQ(agent_->model().get("Device.DeviceInfo.SoftwareVersion"), "3.2.1");
  ASSERT_TRUE(eventually([&] { return string_at(task(task_id), "status") == "done"; }));
  EXPECT_EQ(int_at(task(task_id), "result.transferComplete.faultCode"), 0);
  EXPECT_EQ(string_at(device(id_), "Device.DeviceInfo.SoftwareVersion._value"), "3.2.1");
}

TEST_F(E2eCpe, FirmwareWithoutAVersionFailsWith9018) {
  start_acs();
  start_agent(agent_config("AG-BAD"));
  provision();
  const Reply put = nbi(http::verb::put, "/files/garbage.bin", std::string(1000, 'x'),
                        {{"fileType", "1 Firmware Upgrade Image"}});
  ASSERT_EQ(put.status, 201u) << put.body;
  const std::size_t before = sessions().size();
  // The NBI may see the task already faulted (the transfer is quick): no expect_done.
  const Reply r = run({{"name", "download"}, {"file", "garbage.bin"}});
  const json::value t = r.json();
  const auto report = session_with("7 TRANSFER COMPLETE", before + 1);
  ASSERT_TRUE(report.has_value());
  EXPECT_FALSE(contains(report->events, "1 BOOT"));  // nothing installed, no reboot
  const std::string task_id = string_at(t, "_id");
  ASSERT_TRUE(eventually([&] { return string_at(task(task_id), "status") == "fault"; }));
  EXPECT_EQ(int_at(task(task_id), "fault.code"), 9018) << json::serialize(task(task_id));
}

TEST_F(E2eCpe, ConfigurationUploadToTheFileService) {
  start_acs();
  start_agent(agent_config("AG-UP"));
  provision();
  const std::string url = files_base() + "/upload/" + encode(id_) + "/backup.cfg";
  const std::size_t before = sessions().size();
  const json::value t = expect_done(
      run({{"name", "upload"}, {"fileType", "1 Vendor Configuration File"}, {"url", url}}));
  ASSERT_TRUE(session_with("M Upload", before + 1).has_value());
  const std::string stored = "upload/" + id_ + "/backup.cfg";
  const Reply bytes = get("/files/" + encode(stored));
  ASSERT_EQ(bytes.status, 200u) << bytes.body;
  EXPECT_NE(bytes.body.find("Device.DeviceInfo.SerialNumber=AG-UP"), std::string::npos)
      << bytes.body.substr(0, 300);
  ASSERT_TRUE(eventually([&] { return string_at(task(string_at(t, "_id")), "status") == "done"; }));
}

TEST_F(E2eCpe, RebootAndFactoryReset) {
  start_acs();
  start_agent(agent_config("AG-RB"));
  provision();

  std::size_t before = sessions().size();
  expect_done(run({{"name", "reboot"}, {"commandKey", "rb-1"}}));
  auto booted = session_with("M Reboot", before + 1);
  ASSERT_TRUE(booted.has_value());
  EXPECT_TRUE(contains(booted->events, "1 BOOT"));
  EXPECT_FALSE(contains(booted->events, "0 BOOTSTRAP"));

  // A factory reset forgets what the ACS set, keeps the locally given ACS URL and
  // credentials (the device finds its ACS again) and bootstraps.
  expect_done(run({{"name", "setParameterValues"},
                   {"parameterValues",
                    json::array{json::value(json::array{"Device.WiFi.SSID.1.SSID", "x"})}}}));
  before = sessions().size();
  expect_done(run({{"name", "factoryReset"}}));
  const auto bootstrap = session_with("0 BOOTSTRAP", before + 1);
  ASSERT_TRUE(bootstrap.has_value());
  EXPECT_TRUE(bootstrap->ok) << bootstrap->error;
  EXPECT_NE(agent_->model().get("Device.WiFi.SSID.1.SSID"), "x");
  EXPECT_EQ(agent_->model().get("Device.ManagementServer.URL"), acs_url());
  EXPECT_EQ(agent_->model().get("Device.ManagementServer.ConnectionRequestUsername"), "");
}

TEST_F(E2eCpe, ActiveNotificationOpensASession) {
  start_acs();
  start_agent(agent_config("AG-VC"));
  provision();
  expect_done(run({{"name", "setParameterAttributes"},
                   {"parameterAttributes", json::array{json::object{
                                               {"name", "Device.WiFi.SSID.1.SSID"},
                                               {"notification", 2},
                                           }}}}));
  const std::size_t before = sessions().size();
  agent_->model().set_internal("Device.WiFi.SSID.1.SSID", "changed-on-the-lan");
  const auto report = session_with("4 VALUE CHANGE", before);
  ASSERT_TRUE(report.has_value());
  ASSERT_TRUE(eventually([&] {
    return string_at(device(id_), "Device.WiFi.SSID.1.SSID._value") == "changed-on-the-lan";
  }));
}

TEST_F(E2eCpe, DownloadDiagnosticsAgainstTheFileService) {
  start_acs();
  start_agent(agent_config("AG-DIAG"));
  provision();
  const std::string payload(512 * 1024, 'd');
  ASSERT_EQ(nbi(http::verb::put, "/files/speedtest.bin", payload).status, 201u);

  // TR-143: the ACS sets the test up and requests it; the agent runs it after the session
  // and calls back with 8 DIAGNOSTICS COMPLETE; the ACS then reads the results.
  const std::size_t before = sessions().size();
  const std::string object = "Device.IP.Diagnostics.DownloadDiagnostics.";
  expect_done(run(
      {{"name", "setParameterValues"},
       {"parameterValues", json::array{json::value(json::array{object + "DownloadURL",
                                                               files_base() + "/speedtest.bin"}),
                                       json::array{object + "DiagnosticsState", "Requested"}}}}));
  const auto report = session_with("8 DIAGNOSTICS COMPLETE", before + 1);
  ASSERT_TRUE(report.has_value()) << "no DIAGNOSTICS COMPLETE session";
  EXPECT_TRUE(report->ok) << report->error;
  const json::value t =
      expect_done(run({{"name", "getParameterValues"},
                       {"parameterNames",
                        json::array{object + "DiagnosticsState", object + "TestBytesReceived"}}}));
  EXPECT_EQ(string_at(t, "result.parameterValues.0.1"), "Complete") << json::serialize(t);
  // TR-181: the bytes of the HTTP transaction between BOM and EOM, headers included.
  const std::string received = string_at(t, "result.parameterValues.1.1");
  ASSERT_FALSE(received.empty()) << json::serialize(t);
  EXPECT_GE(std::stoull(received), payload.size());
  EXPECT_LT(std::stoull(received), payload.size() + 1024);
}

TEST_F(E2eCpe, RestartFromDiskIsABootNotABootstrap) {
  start_acs();
  start_agent(agent_config("AG-RS"));
  provision();
  agent_.reset();  // as a power cut: what was acknowledged is on disk
  start_agent(agent_config("AG-RS"));
  const SessionReport first = sessions().front();
  EXPECT_TRUE(first.ok) << first.error;
  EXPECT_TRUE(contains(first.events, "1 BOOT"));
  EXPECT_FALSE(contains(first.events, "0 BOOTSTRAP"));
  // The listener's new ephemeral port changed ConnectionRequestURL (forced active
  // notification), so "4 VALUE CHANGE" may ride along; nothing else does.
  // The credentials the ACS set survive, so connection requests still work.
  expect_done(run({{"name", "getParameterValues"},
                   {"parameterNames", json::array{"Device.DeviceInfo.UpTime"}}}));
}

TEST_F(E2eCpe, ACommandLineUrlChangeBootstrapsButTheAcsUrlSurvivesRestarts) {
  start_acs();
  cpe_app::CpeConfig c = agent_config("AG-URL");
  start_agent(c);
  provision();
  // The ACS moves the device to another URL spelling of itself; a restart with the same
  // command line keeps the ACS's choice.
  const std::string moved = "http://localhost:" + std::to_string(ports_.cwmp) + "/";
  const std::size_t before = sessions().size();
  expect_done(run({{"name", "setParameterValues"},
                   {"parameterValues",
                    json::array{json::value(json::array{"Device.ManagementServer.URL", moved})}}}));
  ASSERT_TRUE(session_with("0 BOOTSTRAP", before + 1).has_value());  // a new ACS URL
  agent_.reset();
  start_agent(c);
  EXPECT_EQ(agent_->model().get("Device.ManagementServer.URL"), moved);
  EXPECT_TRUE(contains(sessions().front().events, "1 BOOT"));
  EXPECT_FALSE(contains(sessions().front().events, "0 BOOTSTRAP"));

  // A new URL on the command line wins, and bootstraps.
  agent_.reset();
  c.acs_url = "http://127.0.0.1:" + std::to_string(ports_.cwmp) + "/cwmp";
  start_agent(c);
  EXPECT_EQ(agent_->model().get("Device.ManagementServer.URL"), c.acs_url);
  EXPECT_TRUE(contains(sessions().front().events, "0 BOOTSTRAP"));
}

}  // namespace
