// End to end: the whole cwmp-acs (acs_app::AcsApp: store on disk, CWMP endpoint, NBI, file
// service, connection requests) in-process on 127.0.0.1 with ephemeral ports, driven the way an
// operator drives it: tasks posted to the NBI over HTTP with ?connection_request&timeout=MS,
// the ACS's connection request (Digest) reaching a scripted CPE's listener, the CPE's session
// running the task over its data model, and the outcome read back from the NBI.
//
// Every test gets its own data directory and its own ACS. The tests run synchronously on the
// test thread: coroutines (the CPE's sessions, NBI calls) run on a background io_context and
// are waited for with futures, and whatever happens asynchronously (a transfer after a
// session, an upload landing) is polled for with a deadline, never slept for.
#include <gtest/gtest.h>

#include <algorithm>
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
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "acs/device_id.hpp"
#include "app.hpp"
#include "cwmp/codec.hpp"
#include "cwmp/http_auth.hpp"
#include "cwmp/messages.hpp"
#include "net/http_client.hpp"
#include "scripted_cpe.hpp"

#include "e2e_support.hpp"

namespace {

using namespace e2e;
using scripted_cpe::ScriptedCpe;
using scripted_cpe::ScriptedCpeOptions;
using scripted_cpe::SessionReport;

constexpr std::string_view kCrUser = "cr-admin";

// A scripted CPE with its options and its device id as the ACS spells it.
struct Cpe {
  ScriptedCpeOptions options;
  std::string id;
  std::unique_ptr<ScriptedCpe> cpe;

  ScriptedCpe* operator->() const { return cpe.get(); }
};

// A CWMP session driven by hand over one HTTP connection (Digest with the shared pair, the
// session cookie sent back): for what the scripted CPE never does, such as leaving a session
// open or not answering the ACS's request.
class ManualSession {
 public:
  ManualSession(asio::io_context& io, std::string url)
      : io_(io),
        url_(std::move(url)),
        connection_(io.get_executor()),
        digest_(std::string(kCpeUser), std::string(kCpePassword), [](std::span<std::uint8_t> out) {
          std::random_device random;
          for (auto& b : out) b = static_cast<std::uint8_t>(random());
        }) {}

  // Sends an Inform of `identity` with `event`, answering the Digest challenge: the ACS's
  // answer to the authenticated Inform (200 with the InformResponse when all went well).
  net::ClientResult inform(const scripted_cpe::DeviceIdentity& identity, std::string event) {
    cwmp::Inform inform;
    inform.device_id = {identity.manufacturer, identity.oui, identity.product_class,
                        identity.serial_number};
    inform.event = {{std::move(event), ""}};
    inform.current_time = cwmp::DateTime::from_sys_time(std::chrono::system_clock::now());
    cwmp::Envelope envelope;
    envelope.header.id = "manual-1";
    envelope.body = inform;
    const auto xml = cwmp::encode(envelope);
    if (!xml) {
      ADD_FAILURE() << xml.error().message;
      return {};
    }
    net::ClientResult challenge = send(*xml, false);
    if (challenge.status() != 401) return challenge;
    std::string www;
    for (const auto& field : challenge.response) {
      if (field.name() != http::field::www_authenticate) continue;
      if (!www.empty()) www += ", ";
      www.append(field.value().data(), field.value().size());
    }
    auto selected = cwmp::auth::parse_www_authenticate(www);
    if (!selected) {
      ADD_FAILURE() << "cannot answer " << www;
      return challenge;
    }
    digest_.set_challenge(selected->digest);
    net::ClientResult informed = send(*xml, true);
    if (auto it = informed.response.find(http::field::set_cookie); it != informed.response.end()) {
      const std::string value(it->value().data(), it->value().size());
      cookie_ = value.substr(0, value.find(';'));
    }
    return informed;
  }

  // A later POST of the session ("" = the empty POST).
  net::ClientResult post(std::string body) { return send(std::move(body), true); }

 private:
  net::ClientResult send(std::string body, bool authorize) {
    net::Headers headers{{"SOAPAction", ""}};
    if (!body.empty()) headers.emplace_back("Content-Type", "text/xml; charset=\"utf-8\"");
    if (authorize) {
      headers.emplace_back("Authorization", digest_.authorization("POST", "/").value_or(""));
    }
    if (!cookie_.empty()) headers.emplace_back("Cookie", cookie_);
    return asio::co_spawn(
               io_,
               connection_.request(url_, http::verb::post, std::move(headers), std::move(body), 5s),
               asio::use_future)
        .get();
  }

  asio::io_context& io_;
  std::string url_;
  net::HttpConnection connection_;
  cwmp::auth::DigestClient digest_;
  std::string cookie_;
};

// ---- the fixture ---------------------------------------------------------------------------

class E2eAcs : public AcsFixture {
 protected:
  void TearDown() override {
    cpes_.clear();
    AcsFixture::TearDown();
  }

  // ---- CPEs ----

  // A CPE of serial `serial` (ids then carry "%2D" for its '-') with the shared credentials
  // and a connection-request listener protected by Digest.
  ScriptedCpeOptions cpe_options(const std::string& serial) const {
    ScriptedCpeOptions o;
    o.acs_url = acs_url();
    o.username = kCpeUser;
    o.password = kCpePassword;
    o.identity.serial_number = serial;
    o.connection_request_listen = "127.0.0.1:0";
    o.connection_request_username = kCrUser;
    o.connection_request_password = "cr-" + serial;
    o.timeout = 5s;
    o.transfer_timeout = 5s;
    return o;
  }

  Cpe& add_cpe(ScriptedCpeOptions options) {
    auto c = std::make_unique<Cpe>();
    const auto& i = options.identity;
    c->id = acs::make_device_id({i.manufacturer, i.oui, i.product_class, i.serial_number});
    c->options = options;
    c->cpe = std::make_unique<ScriptedCpe>(io_, std::move(options));
    cpes_.push_back(std::move(c));
    return *cpes_.back();
  }

  SessionReport session(Cpe& cpe, std::vector<std::string> events = {"2 PERIODIC"}) {
    auto f = asio::co_spawn(io_, cpe->run_session(std::move(events)), asio::use_future);
    if (f.wait_for(30s) != std::future_status::ready) {
      ADD_FAILURE() << "the session did not end";
      return {};
    }
    return f.get();
  }

  // The operator's first steps with a new device: it bootstraps, and a queued
  // setParameterValues gives it the connection-request credentials the ACS will use
  // (the CPE's factory ones, so that a factory reset keeps it reachable).
  Cpe& provisioned_cpe(const std::string& serial) {
    return provision(add_cpe(cpe_options(serial)));
  }
  Cpe& provision(Cpe& cpe) {
    const SessionReport boot = session(cpe, {"0 BOOTSTRAP", "1 BOOT"});
    EXPECT_TRUE(boot.ok()) << boot.error;
    json::object spv{
        {"name", "setParameterValues"},
        {"parameterValues",
         json::array{json::value(json::array{"Device.ManagementServer.ConnectionRequestUsername",
                                             cpe.options.connection_request_username}),
                     json::array{"Device.ManagementServer.ConnectionRequestPassword",
                                 cpe.options.connection_request_password}}}};
    const Reply queued = post_task(cpe.id, spv, false);
    EXPECT_EQ(queued.status, 202u) << queued.body;
    const SessionReport r = session(cpe);
    EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.rpcs, std::vector<std::string>{"SetParameterValues"});
    EXPECT_EQ(r.answers, std::vector<std::string>{"SetParameterValuesResponse"});
    return cpe;
  }

  // POSTs the task with ?connection_request&timeout=<wait_ms> and, when the CPE was reached,
  // waits for the session that ran it to end: the NBI answers once the task is done, which
  // can be before the session's last exchange.
  Reply run(Cpe& cpe, const json::object& task, int wait_ms = kWaitMs) {
    const std::size_t before = cpe->sessions().size();
    Reply r = post_task(cpe.id, task, true, wait_ms);
    if (r.header("X-Connection-Request").rfind("accepted", 0) == 0) {
      EXPECT_TRUE(cpe->wait_for_sessions(before + 1, 10s)) << "the session did not end";
    }
    return r;
  }

  // POST /devices/<id>/tasks?connection_request without a task: the CPE just calls in. Waits
  // until that session is over.
  void call_in(Cpe& cpe) {
    const std::size_t before = cpe->sessions().size();
    const Reply r =
        nbi(http::verb::post, "/devices/" + encode(cpe.id) + "/tasks?connection_request");
    EXPECT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(string_at(r.json(), "connectionRequest.result"), "accepted") << r.body;
    EXPECT_TRUE(cpe->wait_for_sessions(before + 1, 10s)) << "no session after the request";
  }

  std::vector<std::unique_ptr<Cpe>> cpes_;
};

// =========================================================================================
// 1. Every task type, end to end.

TEST_F(E2eAcs, ParameterTasksThroughConnectionRequests) {
  start_acs();
  Cpe& cpe = provisioned_cpe("E2E-1");
  ASSERT_EQ(cpe.id, "00C0FF-ScriptedCPE-E2E%2D1");

  // getParameterValues
  json::value t =
      expect_done(run(cpe, {{"name", "getParameterValues"},
                            {"parameterNames", json::array{"Device.DeviceInfo.SerialNumber",
                                                           "Device.WiFi.SSID.1.SSID"}}}));
  EXPECT_EQ(json::serialize(*at(t, "result.parameterValues")),
            R"([["Device.DeviceInfo.SerialNumber","E2E-1","xsd:string"],)"
            R"(["Device.WiFi.SSID.1.SSID","cwmp-suite-2g","xsd:string"]])");
  EXPECT_EQ(string_at(device(cpe.id), "Device.WiFi.SSID.1.SSID._value"), "cwmp-suite-2g");
  EXPECT_EQ(cpe->connection_requests(), 1u);
  EXPECT_TRUE(contains(cpe->sessions().back().events, "6 CONNECTION REQUEST"));

  // setParameterValues with a parameterKey: the CPE's model and the device document change.
  t = expect_done(
      run(cpe, {{"name", "setParameterValues"},
                {"parameterValues",
                 json::array{json::value(json::array{"Device.WiFi.SSID.1.SSID", "e2e-lab"}),
                             json::array{"Device.ManagementServer.PeriodicInformInterval", 900}}},
                {"parameterKey", "spv-1"}}));
  EXPECT_EQ(int_at(t, "result.status"), 0);
  EXPECT_EQ(cpe->parameter("Device.WiFi.SSID.1.SSID"), "e2e-lab");
  EXPECT_EQ(cpe->parameter("Device.ManagementServer.PeriodicInformInterval"), "900");
  EXPECT_EQ(cpe->parameter("Device.ManagementServer.ParameterKey"), "spv-1");
  json::value doc = device(cpe.id);
  EXPECT_EQ(string_at(doc, "Device.WiFi.SSID.1.SSID._value"), "e2e-lab");
  EXPECT_EQ(int_at(doc, "Device.ManagementServer.PeriodicInformInterval._value"), 900);

  // getParameterNames
  t = expect_done(
      run(cpe,
          {{"name", "getParameterNames"}, {"parameterPath", "Device.WiFi."}, {"nextLevel", true}}));
  EXPECT_EQ(json::serialize(*at(t, "result.parameterNames")),
            R"([["Device.WiFi.SSID.",true],["Device.WiFi.SSIDNumberOfEntries",false]])");

  // setParameterAttributes, then getParameterAttributes reads them back.
  t = expect_done(
      run(cpe, {{"name", "setParameterAttributes"},
                {"parameterAttributes",
                 json::array{json::object{{"name", "Device.WiFi.SSID.1.SSID"},
                                          {"notification", 1},
                                          {"accessList", json::array{"Subscriber"}}}}}}));
  const auto attributes = cpe->attributes("Device.WiFi.SSID.1.SSID");
  ASSERT_TRUE(attributes.has_value());
  EXPECT_EQ(attributes->notification, 1);
  EXPECT_EQ(attributes->access_list, std::vector<std::string>{"Subscriber"});
  EXPECT_EQ(int_at(device(cpe.id), "Device.WiFi.SSID.1.SSID._notification"), 1);

  t = expect_done(run(cpe, {{"name", "getParameterAttributes"},
                            {"parameterNames", json::array{"Device.WiFi.SSID.1.SSID"}}}));
  EXPECT_EQ(json::serialize(*at(t, "result.parameterAttributes")),
            R"([{"name":"Device.WiFi.SSID.1.SSID","notification":1,"accessList":["Subscriber"]}])");

  // addObject: the instance number in the result, the instance in the device document.
  t = expect_done(
      run(cpe,
          {{"name", "addObject"}, {"objectName", "Device.WiFi.SSID."}, {"parameterKey", "add-1"}}));
  EXPECT_EQ(int_at(t, "result.instanceNumber"), 3);
  EXPECT_TRUE(cpe->parameter("Device.WiFi.SSID.3.SSID").has_value());
  doc = device(cpe.id);
  ASSERT_NE(at(doc, "Device.WiFi.SSID.3"), nullptr) << json::serialize(doc);
  EXPECT_EQ(json::serialize(*at(doc, "Device.WiFi.SSID.3._object")), "true");

  // deleteObject: gone from the CPE and from the document.
  t = expect_done(run(cpe, {{"name", "deleteObject"},
                            {"objectName", "Device.WiFi.SSID.3."},
                            {"parameterKey", "del-1"}}));
  EXPECT_EQ(int_at(t, "result.status"), 0);
  EXPECT_FALSE(cpe->parameter("Device.WiFi.SSID.3.SSID").has_value());
  EXPECT_EQ(cpe->parameter("Device.ManagementServer.ParameterKey"), "del-1");
  EXPECT_EQ(at(device(cpe.id), "Device.WiFi.SSID.3"), nullptr);

  // getRPCMethods
  t = expect_done(run(cpe, {{"name", "getRPCMethods"}}));
  const json::value* methods = at(t, "result.methods");
  ASSERT_NE(methods, nullptr) << json::serialize(t);
  for (const char* m : {"GetParameterValues", "SetParameterValues", "Download", "Upload",
                        "ScheduleInform", "GetAllQueuedTransfers"}) {
    EXPECT_NE(std::find(methods->as_array().begin(), methods->as_array().end(), json::value(m)),
              methods->as_array().end())
        << m;
  }
  EXPECT_EQ(cpe->connection_requests(), 8u);  // one per task
  for (const SessionReport& s : cpe->sessions()) EXPECT_TRUE(s.ok()) << s.number << ": " << s.error;
}

TEST_F(E2eAcs, RefreshObjectNeedsSeveralValueBatches) {
  acs_app::AcsConfig c = config();
  c.refresh_batch = 300;
  start_acs(c);
  ScriptedCpeOptions o = cpe_options("E2E-REFRESH");
  o.extra_parameters = 2000;
  Cpe& cpe = provision(add_cpe(o));

  const json::value t =
      expect_done(run(cpe, {{"name", "refreshObject"}, {"objectName", "Device.X_Test."}}, 15000));
  // 2000 values plus ParamNumberOfEntries, in ceil(2001 / 300) = 7 batches after the names.
  EXPECT_EQ(int_at(t, "result.values"), 2001) << json::serialize(t);
  const SessionReport last = cpe->sessions().back();
  ASSERT_EQ(last.rpcs.size(), 8u);
  EXPECT_EQ(last.rpcs.front(), "GetParameterNames");
  for (std::size_t i = 1; i < last.rpcs.size(); ++i) {
    EXPECT_EQ(last.rpcs[i], "GetParameterValues");
    EXPECT_EQ(last.answers[i], "GetParameterValuesResponse");
  }

  const Reply r = get("/devices/" + encode(cpe.id) + "?projection=Device.X_Test");
  ASSERT_EQ(r.status, 200u);
  const json::value doc = r.json();
  const json::value* params = at(doc, "Device.X_Test.Param");
  ASSERT_NE(params, nullptr) << r.body.substr(0, 500);
  std::size_t with_values = 0;
  for (int i = 1; i <= 2000; ++i) {
    const std::string path = std::to_string(i) + ".Value._value";
    if (at(*params, path) != nullptr) ++with_values;
  }
  EXPECT_EQ(with_values, 2000u);
  EXPECT_EQ(int_at(doc, "Device.X_Test.ParamNumberOfEntries._value"), 2000);
}

// refreshObject also forgets what the CPE no longer has: an instance added through the ACS
// that a factory reset removed behind its back.
TEST_F(E2eAcs, RefreshObjectForgetsVanishedInstances) {
  start_acs();
  Cpe& cpe = provisioned_cpe("E2E-VANISH");
  const json::value added =
      expect_done(run(cpe, {{"name", "addObject"}, {"objectName", "Device.WiFi.SSID."}}));
  ASSERT_EQ(int_at(added, "result.instanceNumber"), 3);
  expect_done(run(cpe, {{"name", "refreshObject"}, {"objectName", "Device.WiFi."}}));
  ASSERT_NE(at(device(cpe.id), "Device.WiFi.SSID.3.SSID._value"), nullptr);

  expect_done(run(cpe, {{"name", "factoryReset"}}));
  ASSERT_TRUE(eventually([&] { return !cpe->parameter("Device.WiFi.SSID.3.SSID").has_value(); }));
  expect_done(run(cpe, {{"name", "refreshObject"}, {"objectName", "Device.WiFi."}}));
  const json::value doc = device(cpe.id);
  EXPECT_EQ(at(doc, "Device.WiFi.SSID.3"), nullptr) << json::serialize(*at(doc, "Device.WiFi"));
  EXPECT_EQ(int_at(doc, "Device.WiFi.SSIDNumberOfEntries._value"), 2);
  EXPECT_NE(at(doc, "Device.WiFi.SSID.2.SSID._value"), nullptr);
}

TEST_F(E2eAcs, RebootAndFactoryReset) {
  start_acs();
  Cpe& cpe = provisioned_cpe("E2E-BOOT");

  json::value t = expect_done(run(cpe, {{"name", "reboot"}, {"commandKey", "rb-1"}}));
  EXPECT_EQ(json::serialize(*at(t, "result")), "{}");
  // The CPE reboots once the session is over; its next session reports it.
  ASSERT_TRUE(eventually([&] {
    for (const auto& e : cpe->pending_events()) {
      if (e.event_code == "M Reboot") return true;
    }
    return false;
  }));
  call_in(cpe);
  SessionReport after = cpe->sessions().back();
  EXPECT_TRUE(after.ok()) << after.error;
  EXPECT_TRUE(contains(after.events, "1 BOOT"));
  EXPECT_TRUE(contains(after.events, "M Reboot"));
  json::value doc = device(cpe.id);
  EXPECT_NE(at(doc, "_lastBoot"), nullptr);

  // factoryReset: the SSID set by the ACS goes back to the factory value, and the next
  // session bootstraps again.
  expect_done(run(cpe, {{"name", "setParameterValues"},
                        {"parameterValues", json::array{json::value(json::array{
                                                "Device.WiFi.SSID.1.SSID", "before"})}}}));
  const std::string bootstrap_before = string_at(device(cpe.id), "_lastBootstrap");
  t = expect_done(run(cpe, {{"name", "factoryReset"}}));
  ASSERT_TRUE(eventually([&] { return cpe->parameter("Device.WiFi.SSID.1.SSID") != "before"; }));
  EXPECT_EQ(cpe->parameter("Device.WiFi.SSID.1.SSID"), "cwmp-suite-2g");
  call_in(cpe);  // the factory connection-request credentials are the ones the ACS knows
  after = cpe->sessions().back();
  EXPECT_TRUE(after.ok()) << after.error;
  EXPECT_TRUE(contains(after.events, "0 BOOTSTRAP"));
  EXPECT_TRUE(contains(after.events, "1 BOOT"));
  EXPECT_NE(string_at(device(cpe.id), "_lastBootstrap"), bootstrap_before);
}

TEST_F(E2eAcs, DownloadOfAStoredFirmwareFile) {
  start_acs();
  Cpe& cpe = provisioned_cpe("E2E-FW");

  const std::string image(64 * 1024, 'F');
  const Reply put = nbi(http::verb::put, "/files/fw-2.1.0.bin", image,
                        {{"fileType", "1 Firmware Upgrade Image"}, {"version", "2.1.0"}});
  ASSERT_EQ(put.status, 201u) << put.body;

  // Only the file's name: the NBI fills in url, fileSize, fileType and targetFileName.
  const json::value t = expect_done(run(cpe, {{"name", "download"}, {"file", "fw-2.1.0.bin"}}));
  const std::string task_id = string_at(t, "_id");
  EXPECT_EQ(string_at(t, "url"), files_base() + "/fw-2.1.0.bin");
  EXPECT_EQ(int_at(t, "fileSize"), 64 * 1024);
  EXPECT_EQ(string_at(t, "fileType"), "1 Firmware Upgrade Image");
  EXPECT_EQ(int_at(t, "result.status"), 1);  // the transfer happens after the session
  EXPECT_EQ(cpe->sessions().back().answers.back(), "DownloadResponse");

  // The CPE fetches the file from the file service.
  ASSERT_TRUE(eventually([&] { return !cpe->finished_transfers().empty(); }));
  const scripted_cpe::Transfer done = cpe->finished_transfers().front();
  EXPECT_EQ(done.fault_code, 0u) << done.fault_string;
  EXPECT_EQ(done.bytes, image.size());
  EXPECT_EQ(done.command_key, "task-" + task_id);  // the ACS's default CommandKey

  // Its next session reports the transfer; the image "installed" and rebooted the device.
  call_in(cpe);
  const SessionReport report = cpe->sessions().back();
  EXPECT_TRUE(report.ok()) << report.error;
  EXPECT_EQ(report.cpe_requests, std::vector<std::string>{"TransferComplete"});
  EXPECT_TRUE(contains(report.events, "7 TRANSFER COMPLETE"));
  EXPECT_TRUE(contains(report.events, "M Download"));
  EXPECT_TRUE(contains(report.events, "1 BOOT"));

  const json::value finished = task(task_id);
  EXPECT_EQ(string_at(finished, "status"), "done");
  EXPECT_EQ(int_at(finished, "result.transferComplete.faultCode"), 0) << json::serialize(finished);
  EXPECT_EQ(cpe->parameter("Device.DeviceInfo.SoftwareVersion"), "2.1.0");
  EXPECT_EQ(string_at(device(cpe.id), "Device.DeviceInfo.SoftwareVersion._value"), "2.1.0");
}

TEST_F(E2eAcs, DownloadOfAFileWhoseNameNeedsEncoding) {
  start_acs();
  Cpe& cpe = provisioned_cpe("E2E-FW2");
  const std::string name = "fw image 3.0.1.bin";
  const Reply put = nbi(http::verb::put, "/files/" + encode(name), std::string(1000, 'x'),
                        {{"fileType", "1 Firmware Upgrade Image"}});
  ASSERT_EQ(put.status, 201u) << put.body;
  const json::value t = expect_done(run(cpe, {{"name", "download"}, {"fileName", name}}));
  EXPECT_EQ(string_at(t, "url"), files_base() + "/fw%20image%203.0.1.bin");
  EXPECT_EQ(string_at(t, "targetFileName"), name);
  ASSERT_TRUE(eventually([&] { return !cpe->finished_transfers().empty(); }));
  EXPECT_EQ(cpe->finished_transfers().front().fault_code, 0u)
      << cpe->finished_transfers().front().fault_string;
  EXPECT_EQ(cpe->finished_transfers().front().bytes, 1000u);
  call_in(cpe);
  EXPECT_EQ(int_at(task(string_at(t, "_id")), "result.transferComplete.faultCode"), 0);
  EXPECT_EQ(string_at(device(cpe.id), "Device.DeviceInfo.SoftwareVersion._value"), "3.0.1");
}

TEST_F(E2eAcs, UploadToTheFileService) {
  start_acs();
  Cpe& cpe = provisioned_cpe("E2E-UP");

  // docs/files.md: uploads go to <files base>/upload/<device id>/<name>, the id one segment.
  const std::string url = files_base() + "/upload/" + encode(cpe.id) + "/running.cfg";
  const json::value t = expect_done(
      run(cpe, {{"name", "upload"}, {"fileType", "3 Vendor Configuration File"}, {"url", url}}));
  const std::string task_id = string_at(t, "_id");
  EXPECT_EQ(int_at(t, "result.status"), 1);

  const std::string stored = "upload/" + cpe.id + "/running.cfg";
  json::array files;
  ASSERT_TRUE(eventually([&] {
    files = query("files", {{"metadata.deviceId", cpe.id}});
    return !files.empty();
  }));
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(string_at(files[0], "filename"), stored);
  EXPECT_EQ(string_at(files[0], "metadata.fileType"), "3 Vendor Configuration File");
  EXPECT_GT(int_at(files[0], "length"), 0);
  const Reply bytes = get("/files/" + encode(stored));
  ASSERT_EQ(bytes.status, 200u);
  EXPECT_NE(bytes.body.find("Device.DeviceInfo.SerialNumber=E2E-UP"), std::string::npos)
      << bytes.body.substr(0, 300);

  ASSERT_TRUE(eventually([&] { return !cpe->finished_transfers().empty(); }));
  call_in(cpe);
  const SessionReport report = cpe->sessions().back();
  EXPECT_TRUE(contains(report.events, "M Upload"));
  EXPECT_EQ(report.cpe_requests, std::vector<std::string>{"TransferComplete"});
  EXPECT_EQ(int_at(task(task_id), "result.transferComplete.faultCode"), 0);
}

TEST_F(E2eAcs, ScheduledAndQueuedTransfersAndCancelTransfer) {
  start_acs();
  Cpe& cpe = provisioned_cpe("E2E-SCHED");
  const Reply put = nbi(http::verb::put, "/files/cfg-1.xml", "<config/>",
                        {{"fileType", "3 Vendor Configuration File"}});
  ASSERT_EQ(put.status, 201u) << put.body;

  // scheduleInform: the next session carries 3 SCHEDULED and M ScheduleInform.
  expect_done(run(cpe, {{"name", "scheduleInform"}, {"delaySeconds", 30}, {"commandKey", "si-1"}}));
  call_in(cpe);
  SessionReport report = cpe->sessions().back();
  EXPECT_TRUE(contains(report.events, "3 SCHEDULED"));
  EXPECT_TRUE(contains(report.events, "M ScheduleInform"));

  // A download queued without a request, then getQueuedTransfers / getAllQueuedTransfers
  // with one: the same session sends the download first, and the CPE lists it as queued.
  Reply queued = post_task(
      cpe.id, {{"name", "download"}, {"file", "cfg-1.xml"}, {"commandKey", "dl-q"}}, false);
  ASSERT_EQ(queued.status, 202u) << queued.body;
  json::value t = expect_done(run(cpe, {{"name", "getAllQueuedTransfers"}}));
  EXPECT_EQ(
      json::serialize(*at(t, "result.transfers")),
      R"([{"commandKey":"dl-q","state":1,"isDownload":true,)"
      R"("fileType":"3 Vendor Configuration File","fileSize":9,"targetFileName":"cfg-1.xml"}])");
  EXPECT_EQ(cpe->sessions().back().rpcs,
            (std::vector<std::string>{"Download", "GetAllQueuedTransfers"}));

  queued = post_task(cpe.id, {{"name", "download"}, {"file", "cfg-1.xml"}, {"commandKey", "dl-r"}},
                     false);
  ASSERT_EQ(queued.status, 202u) << queued.body;
  t = expect_done(run(cpe, {{"name", "getQueuedTransfers"}}));
  const json::value* transfers = at(t, "result.transfers");
  ASSERT_NE(transfers, nullptr);
  // dl-q may still be running or done (not reported yet): only dl-r is certainly queued.
  bool dl_r_queued = false;
  for (const json::value& x : transfers->as_array()) {
    if (string_at(x, "commandKey") == "dl-r" && int_at(x, "state") == 1) dl_r_queued = true;
  }
  EXPECT_TRUE(dl_r_queued) << json::serialize(*transfers);

  // scheduleDownload of the stored file, reported later with M ScheduleDownload.
  ASSERT_TRUE(eventually([&] { return cpe->finished_transfers().size() >= 2; }));
  t = expect_done(
      run(cpe, {{"name", "scheduleDownload"},
                {"file", "cfg-1.xml"},
                {"commandKey", "sd-1"},
                {"timeWindows",
                 json::array{json::object{
                     {"windowStart", 5}, {"windowEnd", 3600}, {"windowMode", "1 At Any Time"}}}}}));
  const std::string schedule_id = string_at(t, "_id");
  ASSERT_TRUE(eventually([&] { return cpe->finished_transfers().size() >= 3; }));
  call_in(cpe);
  report = cpe->sessions().back();
  EXPECT_TRUE(contains(report.events, "M ScheduleDownload"));
  EXPECT_EQ(int_at(task(schedule_id), "result.transferComplete.faultCode"), 0);

  // cancelTransfer of a key the CPE does not know: fault 9021, visible in /faults/.
  const Reply cancel = run(cpe, {{"name", "cancelTransfer"}, {"commandKey", "no-such-transfer"}});
  EXPECT_EQ(cancel.status, 202u);
  EXPECT_EQ(cancel.reason, "Task faulted");
  t = cancel.json();
  EXPECT_EQ(string_at(t, "status"), "fault");
  EXPECT_EQ(int_at(t, "fault.code"), 9021) << cancel.body;
  const json::array faults = query("faults", {{"device", cpe.id}});
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(string_at(faults[0], "code"), "cwmp.9021");
  EXPECT_EQ(string_at(faults[0], "task"), string_at(t, "_id"));
}

// =========================================================================================
// 2. CPE faults, and retrying the task.

TEST_F(E2eAcs, CpeFaultThenRetry) {
  start_acs();
  // Without connection-request credentials the CPE's listener accepts any request: the
  // injected SetParameterValues fault would otherwise also refuse the provisioning.
  ScriptedCpeOptions o = cpe_options("E2E-FAULT");
  o.connection_request_username.clear();
  o.connection_request_password.clear();
  o.faults["SetParameterValues"] = 9007;
  Cpe& faulty = add_cpe(o);
  ASSERT_TRUE(session(faulty, {"0 BOOTSTRAP", "1 BOOT"}).ok());

  const json::object spv{
      {"name", "setParameterValues"},
      {"parameterValues",
       json::array{json::value(json::array{"Device.WiFi.SSID.2.SSID", "guest"})}}};
  const Reply r = run(faulty, spv);
  EXPECT_EQ(r.status, 202u) << r.body;
  EXPECT_EQ(r.reason, "Task faulted");
  const std::string task_id = string_at(r.json(), "_id");
  json::value t = task(task_id);
  EXPECT_EQ(string_at(t, "status"), "fault");
  EXPECT_EQ(int_at(t, "fault.code"), 9007) << json::serialize(t);
  EXPECT_EQ(string_at(t, "fault.detail.0.parameterName"), "Device.WiFi.SSID.2.SSID");

  const json::array faults = query("faults", {{"device", faulty.id}});
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(string_at(faults[0], "code"), "cwmp.9007");
  EXPECT_EQ(string_at(faults[0], "_id"), faulty.id + ":task_" + task_id);
  EXPECT_EQ(int_at(faults[0], "retries"), 1);

  // The injected fault cannot be cleared in place: the same device comes back without it
  // (a fixed firmware), calls in, and the operator retries the task.
  o.faults.clear();
  cpes_.clear();
  Cpe& fixed = add_cpe(o);
  ASSERT_TRUE(session(fixed, {"1 BOOT"}).ok());  // the ACS learns the new listener URL
  const Reply retried = nbi(http::verb::post, "/tasks/" + task_id + "/retry");
  ASSERT_EQ(retried.status, 200u) << retried.body;
  EXPECT_EQ(string_at(retried.json(), "status"), "queued");
  call_in(fixed);
  t = task(task_id);
  EXPECT_EQ(string_at(t, "status"), "done") << json::serialize(t);
  EXPECT_EQ(int_at(t, "attempts"), 2);
  EXPECT_EQ(fixed->parameter("Device.WiFi.SSID.2.SSID"), "guest");
  EXPECT_TRUE(query("faults", {{"device", fixed.id}}).empty());
}

TEST_F(E2eAcs, ExpiredTaskIsNotSent) {
  start_acs();
  Cpe& cpe = provisioned_cpe("E2E-EXPIRY");
  const json::object late{{"name", "reboot"}, {"expiry", "2000-01-01T00:00:00Z"}};
  const Reply r = run(cpe, late);
  EXPECT_EQ(r.status, 202u);
  EXPECT_EQ(r.reason, "Task expired");
  EXPECT_EQ(string_at(r.json(), "status"), "expired") << r.body;
  EXPECT_TRUE(cpe->sessions().back().rpcs.empty());  // the CPE called in, nothing was sent
  const json::array faults = query("faults", {{"device", cpe.id}});
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(string_at(faults[0], "code"), "task.expired");
}

// =========================================================================================
// 3. CPE authentication.

TEST_F(E2eAcs, WrongCpePasswordRegistersNoDevice) {
  start_acs();
  ScriptedCpeOptions o = cpe_options("E2E-WRONG");
  o.password = "not-the-secret";
  Cpe& cpe = add_cpe(o);
  const SessionReport r = session(cpe, {"0 BOOTSTRAP", "1 BOOT"});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.http_statuses, (std::vector<unsigned>{401, 401}));
  EXPECT_EQ(get("/devices/" + encode(cpe.id)).status, 404u);
  const Reply count = nbi(http::verb::head, "/devices/");
  EXPECT_EQ(count.header("X-Total-Count"), "0");
}

TEST_F(E2eAcs, PerDeviceCredentialsWithoutASharedPair) {
  acs_app::AcsConfig c = config();
  c.cpe_username.clear();
  c.cpe_password.clear();
  start_acs(c);

  ScriptedCpeOptions a = cpe_options("E2E-A");
  a.username = "cpe-a";
  a.password = "secret-a";
  ScriptedCpeOptions b = cpe_options("E2E-B");
  b.username = "cpe-a";  // another device presenting A's credentials
  b.password = "secret-a";
  Cpe& cpe_a = add_cpe(a);
  Cpe& cpe_b = add_cpe(b);

  // Nobody is accepted before credentials exist.
  EXPECT_FALSE(session(cpe_a, {"0 BOOTSTRAP", "1 BOOT"}).ok());

  const json::object credentials{{"password", "secret-a"}, {"deviceId", cpe_a.id}};
  const Reply put = nbi(http::verb::put, "/cpe-credentials/cpe-a", json::serialize(credentials));
  ASSERT_EQ(put.status, 201u) << put.body;

  const SessionReport ok = session(cpe_a, {"0 BOOTSTRAP", "1 BOOT"});
  EXPECT_TRUE(ok.ok()) << ok.error;
  EXPECT_EQ(get("/devices/" + encode(cpe_a.id)).status, 200u);

  const SessionReport refused = session(cpe_b, {"0 BOOTSTRAP", "1 BOOT"});
  EXPECT_FALSE(refused.ok());
  EXPECT_EQ(refused.last_status(), 401u) << refused.error;
  EXPECT_EQ(get("/devices/" + encode(cpe_b.id)).status, 404u);
}

// =========================================================================================
// 4. Connection-request outcomes seen through the NBI.

TEST_F(E2eAcs, ConnectionRequestAuthFailedAndUnreachable) {
  start_acs();
  ScriptedCpeOptions o = cpe_options("E2E-CR");
  Cpe& first = provision(add_cpe(o));
  const std::string id = first.id;
  const json::object gpv{{"name", "getParameterValues"},
                         {"parameterNames", json::array{"Device.DeviceInfo.UpTime"}}};
  expect_done(run(first, gpv));
  EXPECT_EQ(string_at(device(id), "_lastConnectionRequest.result"), "accepted");

  // The device is replaced by one whose connection-request password the ACS does not know.
  o.connection_request_password = "changed-behind-the-acs";
  cpes_.clear();
  Cpe& changed = add_cpe(o);
  ASSERT_TRUE(session(changed, {"1 BOOT"}).ok());  // the ACS learns the new listener URL
  Reply r = post_task(id, gpv, true, 2000);
  EXPECT_EQ(r.status, 202u);
  EXPECT_EQ(r.reason, "Task queued but not processed");
  EXPECT_EQ(r.header("X-Connection-Request").rfind("auth-failed", 0), 0u)
      << r.header("X-Connection-Request");
  EXPECT_EQ(string_at(r.json(), "status"), "queued");
  EXPECT_EQ(string_at(device(id), "_lastConnectionRequest.result"), "auth-failed");
  EXPECT_EQ(changed->connection_requests(), 0u);

  // The listener is gone: unreachable.
  cpes_.clear();
  r = post_task(id, gpv, true, 2000);
  EXPECT_EQ(r.status, 202u);
  EXPECT_EQ(r.reason, "Task queued but not processed");
  EXPECT_EQ(r.header("X-Connection-Request").rfind("unreachable", 0), 0u)
      << r.header("X-Connection-Request");
  EXPECT_EQ(string_at(device(id), "_lastConnectionRequest.result"), "unreachable");
  EXPECT_EQ(query("tasks", {{"device", id}, {"status", "queued"}}).size(), 2u);
}

// =========================================================================================
// 5. A restart keeps the queue.

TEST_F(E2eAcs, QueuedTasksSurviveARestart) {
  start_acs();
  Cpe& cpe = add_cpe(cpe_options("E2E-RESTART"));
  ASSERT_TRUE(session(cpe, {"0 BOOTSTRAP", "1 BOOT"}).ok());

  const json::object spv{
      {"name", "setParameterValues"},
      {"parameterValues",
       json::array{json::value(json::array{"Device.WiFi.SSID.1.SSID", "after-restart"})}},
      {"parameterKey", "restart-1"}};
  const json::object add{{"name", "addObject"}, {"objectName", "Device.WiFi.SSID."}};
  const json::object gpv{{"name", "getParameterValues"},
                         {"parameterNames", json::array{"Device.WiFi.SSID.1.SSID"}}};
  std::vector<std::string> ids;
  for (const json::object* body : {&spv, &add, &gpv}) {
    const Reply r = post_task(cpe.id, *body, false);
    ASSERT_EQ(r.status, 202u) << r.body;
    ids.push_back(string_at(r.json(), "_id"));
  }

  restart_acs();
  EXPECT_EQ(query("tasks", {{"device", cpe.id}, {"status", "queued"}}).size(), 3u);

  const SessionReport r = session(cpe);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.rpcs,
            (std::vector<std::string>{"SetParameterValues", "AddObject", "GetParameterValues"}));
  const json::value spv_task = task(ids[0]);
  const json::value add_task = task(ids[1]);
  const json::value gpv_task = task(ids[2]);
  EXPECT_EQ(string_at(spv_task, "status"), "done");
  EXPECT_EQ(int_at(add_task, "result.instanceNumber"), 3);
  EXPECT_EQ(json::serialize(*at(gpv_task, "result.parameterValues")),
            R"([["Device.WiFi.SSID.1.SSID","after-restart","xsd:string"]])");
  EXPECT_EQ(string_at(device(cpe.id), "Device.WiFi.SSID.1.SSID._value"), "after-restart");
}

TEST_F(E2eAcs, TaskSentButNotAnsweredIsSentAgainAfterARestart) {
  start_acs();
  Cpe& cpe = add_cpe(cpe_options("E2E-RESEND"));
  ASSERT_TRUE(session(cpe, {"0 BOOTSTRAP", "1 BOOT"}).ok());
  const json::object gpv{{"name", "getParameterValues"},
                         {"parameterNames", json::array{"Device.DeviceInfo.SerialNumber"}}};
  const Reply queued = post_task(cpe.id, gpv, false);
  ASSERT_EQ(queued.status, 202u);
  const std::string id = string_at(queued.json(), "_id");
  {
    // A session that gets the task's RPC and never answers it: the ACS goes down meanwhile.
    ManualSession manual(io_, acs_url());
    ASSERT_EQ(manual.inform(cpe.options.identity, "2 PERIODIC").status(), 200u);
    const net::ClientResult request = manual.post("");
    ASSERT_EQ(request.status(), 200u) << request.message;
    EXPECT_NE(request.response.body().find("GetParameterValues"), std::string::npos);
    EXPECT_EQ(string_at(task(id), "status"), "sent");
    const auto begin = std::chrono::steady_clock::now();
    restart_acs();
    // Nothing was in progress (the manual connection is idle): no reason to wait the 5 s
    // grace period.
    EXPECT_LT(std::chrono::steady_clock::now() - begin, 3s);
  }
  const SessionReport r = session(cpe);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.rpcs, std::vector<std::string>{"GetParameterValues"});
  const json::value t = task(id);
  EXPECT_EQ(string_at(t, "status"), "done");
  EXPECT_EQ(int_at(t, "attempts"), 2);
  EXPECT_EQ(string_at(t, "result.parameterValues.0.1"), "E2E-RESEND");
}

// =========================================================================================
// 6. A CPE without cookies; one session per device.

TEST_F(E2eAcs, CookielessCpeCompletesSessions) {
  start_acs();
  ScriptedCpeOptions o = cpe_options("E2E-NOCOOKIE");
  o.cookies = false;
  Cpe& cpe = provision(add_cpe(o));
  expect_done(run(cpe, {{"name", "setParameterValues"},
                        {"parameterValues",
                         json::array{json::value(json::array{"Device.WiFi.SSID.1.SSID", "nc"})}}}));
  // Two tasks in one session: the ACS follows the CPE by its TCP connection.
  ASSERT_EQ(post_task(cpe.id, {{"name", "getRPCMethods"}}, false).status, 202u);
  const json::value t =
      expect_done(run(cpe, {{"name", "getParameterValues"},
                            {"parameterNames", json::array{"Device.WiFi.SSID.1."}}}));
  EXPECT_EQ(cpe->sessions().back().rpcs,
            (std::vector<std::string>{"GetRPCMethods", "GetParameterValues"}));
  EXPECT_EQ(cpe->parameter("Device.WiFi.SSID.1.SSID"), "nc");
  for (const SessionReport& s : cpe->sessions()) EXPECT_TRUE(s.ok()) << s.number << ": " << s.error;
}

TEST_F(E2eAcs, Cwmp14CpeRunsTasks) {
  start_acs();
  ScriptedCpeOptions o = cpe_options("E2E-14");
  o.cwmp_version = cwmp::CwmpVersion::k1_4;
  Cpe& cpe = provision(add_cpe(o));
  const json::value t =
      expect_done(run(cpe, {{"name", "getParameterValues"},
                            {"parameterNames", json::array{"Device.RootDataModelVersion"}}}));
  EXPECT_EQ(string_at(t, "result.parameterValues.0.1"), "2.17");
  EXPECT_EQ(cpe->sessions().back().version, cwmp::CwmpVersion::k1_4);
}

// A CPE in autonomous mode calls in by itself after the transfer: no second connection
// request is needed for the TransferComplete.
TEST_F(E2eAcs, AutonomousCpeReportsADownloadOnItsOwn) {
  start_acs();
  ScriptedCpeOptions o = cpe_options("E2E-AUTO");
  o.autonomous = true;
  o.periodic_inform_enable = false;
  Cpe& cpe = provision(add_cpe(o));
  const Reply put = nbi(http::verb::put, "/files/fw-4.0.0.bin", std::string(4096, 'a'),
                        {{"fileType", "1 Firmware Upgrade Image"}});
  ASSERT_EQ(put.status, 201u) << put.body;
  const json::value t = expect_done(run(cpe, {{"name", "download"}, {"file", "fw-4.0.0.bin"}}));
  const std::string id = string_at(t, "_id");
  json::value finished;
  ASSERT_TRUE(eventually([&] {
    finished = task(id);
    return at(finished, "result.transferComplete") != nullptr;
  })) << json::serialize(finished);
  EXPECT_EQ(int_at(finished, "result.transferComplete.faultCode"), 0);
  EXPECT_TRUE(eventually([&] {
    return string_at(device(cpe.id), "Device.DeviceInfo.SoftwareVersion._value") == "4.0.0";
  }));
  EXPECT_EQ(cpe->connection_requests(), 1u);
}

TEST_F(E2eAcs, SecondConcurrentSessionOfADeviceIsRefused) {
  start_acs();
  Cpe& cpe = add_cpe(cpe_options("E2E-BUSY"));
  ASSERT_TRUE(session(cpe, {"0 BOOTSTRAP", "1 BOOT"}).ok());

  // A session of the same device opened by hand: Inform, answered, never finished.
  ManualSession manual(io_, acs_url());
  const net::ClientResult informed = manual.inform(cpe.options.identity, "2 PERIODIC");
  ASSERT_EQ(informed.status(), 200u) << informed.message << informed.response.body();

  // The CPE's own session while that one lives: 503.
  const SessionReport refused = session(cpe);
  EXPECT_FALSE(refused.ok());
  EXPECT_TRUE(std::find(refused.http_statuses.begin(), refused.http_statuses.end(), 503u) !=
              refused.http_statuses.end())
      << refused.error;

  // The manual session ends (empty POST -> 204); the CPE gets through afterwards.
  const net::ClientResult ended = manual.post("");
  EXPECT_EQ(ended.status(), 204u) << ended.response.body();
  const SessionReport again = session(cpe);
  EXPECT_TRUE(again.ok()) << again.error;

  const Reply metrics = get("/metrics");
  EXPECT_EQ(metric(metrics.body, "cwmp_sessions_total", {{"outcome", "refused-busy"}}), 1.0);
}

TEST_F(E2eAcs, ConcurrentOperatorsOnSeveralDevices) {
  start_acs();
  std::vector<Cpe*> cpes;
  for (int i = 0; i < 4; ++i) cpes.push_back(&provisioned_cpe("E2E-MANY" + std::to_string(i)));

  // Three tasks per device posted at once, each with its own connection request: a request
  // that comes during a session makes the CPE call in again after it, so every task runs.
  const std::vector<std::string> paths = {"Device.WiFi.SSID.1.SSID", "Device.WiFi.SSID.2.SSID",
                                          "Device.DeviceInfo.ProvisioningCode"};
  std::vector<std::future<net::ClientResult>> calls;
  for (Cpe* c : cpes) {
    for (const std::string& path : paths) {
      const json::object spv{
          {"name", "setParameterValues"},
          {"parameterValues",
           json::array{json::value(json::array{path, c->options.identity.serial_number})}}};
      calls.push_back(post_task_async(c->id, spv));
    }
  }
  for (auto& call : calls) {
    const net::ClientResult r = call.get();
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(r.status(), 200u) << r.response.reason() << " " << r.response.body();
  }
  for (Cpe* c : cpes) {
    for (const std::string& path : paths) {
      EXPECT_EQ((*c)->parameter(path), c->options.identity.serial_number) << path;
    }
  }
  const json::object not_done{{"status", json::object{{"$ne", "done"}}}};
  EXPECT_EQ(query("tasks", not_done).size(), 0u);
  EXPECT_EQ(query("tasks", {{"status", "done"}}).size(), 4u * (1 + paths.size()));
}

// =========================================================================================
// 7. Metrics after a few sessions.

TEST_F(E2eAcs, MetricsCountSessionsInformsRequestsAndTasks) {
  start_acs();
  Cpe& cpe = provisioned_cpe("E2E-METRICS");  // sessions 1 (BOOTSTRAP) and 2 (PERIODIC)
  expect_done(run(cpe, {{"name", "getParameterValues"},
                        {"parameterNames", json::array{"Device.DeviceInfo.UpTime"}}}));
  ASSERT_EQ(post_task(cpe.id, {{"name", "reboot"}}, false).status, 202u);  // stays queued

  const Reply r = get("/metrics");
  ASSERT_EQ(r.status, 200u);
  const std::string& m = r.body;
  EXPECT_EQ(metric(m, "cwmp_sessions_total", {{"outcome", "completed"}}), 3.0) << m;
  EXPECT_EQ(metric(m, "cwmp_informs_total", {{"event", "0 BOOTSTRAP"}}), 1.0);
  EXPECT_EQ(metric(m, "cwmp_informs_total", {{"event", "1 BOOT"}}), 1.0);
  EXPECT_EQ(metric(m, "cwmp_informs_total", {{"event", "2 PERIODIC"}}), 1.0);
  EXPECT_EQ(metric(m, "cwmp_informs_total", {{"event", "6 CONNECTION REQUEST"}}), 1.0);
  EXPECT_EQ(metric(m, "cwmp_connection_requests_total", {{"result", "accepted"}}), 1.0);
  EXPECT_EQ(metric(m, "cwmp_tasks", {{"type", "setParameterValues"}, {"state", "done"}}), 1.0);
  EXPECT_EQ(metric(m, "cwmp_tasks", {{"type", "getParameterValues"}, {"state", "done"}}), 1.0);
  EXPECT_EQ(metric(m, "cwmp_tasks", {{"type", "reboot"}, {"state", "queued"}}), 1.0);
  EXPECT_EQ(metric(m, "cwmp_devices", {}), 1.0);
  EXPECT_EQ(metric(m, "cwmp_active_sessions", {}), 0.0);
}

}  // namespace
