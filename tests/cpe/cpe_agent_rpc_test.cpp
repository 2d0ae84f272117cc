// The agent's RPCs over a real session: GetRPCMethods, the data-model pass-through, Reboot,
// FactoryReset, ScheduleInform, Download/Upload/ScheduleDownload against a local file server,
// CancelTransfer, Get(All)QueuedTransfers, and the 9000 for the rest.
#include "cpe_agent_test_support.hpp"

namespace cpe_agent_test {
namespace {

using Rpc = AgentFixture;

// Queues `rpc` for the next session, opens one and returns the CPE's answer.
cwmp::Body ask(ScriptedAcs& acs, Agent& agent, cwmp::Body rpc) {
  acs.queue(std::move(rpc));
  const std::size_t before = acs.session_count();
  agent.diagnostics_complete();  // any reason for a session will do
  auto settled = agent.settle();
  EXPECT_EQ(settled.wait_for(20s), std::future_status::ready);
  const auto sessions = acs.sessions();
  EXPECT_GT(sessions.size(), before);
  if (sessions.size() <= before || sessions[before].answers.empty()) return cwmp::Fault{};
  return sessions[before].answers.front().body;
}

std::uint32_t fault_code(const cwmp::Body& body) {
  const auto* f = std::get_if<cwmp::Fault>(&body);
  return f ? f->code : 0;
}

cwmp::Download download(const std::string& key, const std::string& url,
                        const std::string& type = "1 Firmware Upgrade Image") {
  cwmp::Download d;
  d.command_key = key;
  d.file_type = type;
  d.url = url;
  return d;
}

TEST_F(Rpc, GetRPCMethodsListsEverythingSupported) {
  start();
  const cwmp::Body answer = ask(*acs_, *agent_, cwmp::GetRPCMethods{});
  const auto* r = std::get_if<cwmp::GetRPCMethodsResponse>(&answer);
  ASSERT_TRUE(r);
  for (const char* m :
       {"GetRPCMethods", "SetParameterValues", "GetParameterValues", "GetParameterNames",
        "SetParameterAttributes", "GetParameterAttributes", "AddObject", "DeleteObject", "Reboot",
        "Download", "Upload", "FactoryReset", "ScheduleInform", "GetQueuedTransfers",
        "GetAllQueuedTransfers", "ScheduleDownload", "CancelTransfer"}) {
    EXPECT_NE(std::find(r->method_list.begin(), r->method_list.end(), m), r->method_list.end())
        << m;
  }
  EXPECT_EQ(r->method_list.size(), 17u);
}

TEST_F(Rpc, DataModelRpcsGoToTheDevice) {
  start();
  cwmp::GetParameterValues gpv;
  gpv.parameter_names = {"Device.Test.Value"};
  cwmp::Body answer = ask(*acs_, *agent_, gpv);
  const auto* r = std::get_if<cwmp::GetParameterValuesResponse>(&answer);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->parameter_list.size(), 1u);
  EXPECT_EQ(r->parameter_list[0].value, "a");
  // The device's fault goes back as it is, SetParameterValuesFault entries included.
  cwmp::SetParameterValues spv;
  spv.parameter_list = {{"Device.Nope", "1", cwmp::ValueType::kString}};
  answer = ask(*acs_, *agent_, spv);
  const auto* f = std::get_if<cwmp::Fault>(&answer);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->code, 9003u);
  ASSERT_EQ(f->set_parameter_values_faults.size(), 1u);
  EXPECT_EQ(f->set_parameter_values_faults[0].fault_code, 9005u);
  const auto handled = device_.handled();
  EXPECT_EQ(handled, (std::vector<std::string>{"GetParameterValues", "SetParameterValues"}));
}

TEST_F(Rpc, UnsupportedRpcsAre9000) {
  start();
  EXPECT_EQ(fault_code(ask(*acs_, *agent_, cwmp::GetOptions{})), 9000u);
  cwmp::SetVouchers sv;
  sv.voucher_list = {"v"};
  EXPECT_EQ(fault_code(ask(*acs_, *agent_, sv)), 9000u);
}

TEST_F(Rpc, RebootRunsTheHookAfterTheSessionThenBootWithMReboot) {
  std::atomic<int> reboots{0};
  AgentOptions o = options();
  o.hooks.reboot = [&reboots] { ++reboots; };  // returns: the agent reboots in process
  start(o);
  cwmp::Reboot reboot;
  reboot.command_key = "rb1";
  const cwmp::Body answer = ask(*acs_, *agent_, reboot);
  EXPECT_TRUE(std::holds_alternative<cwmp::RebootResponse>(answer));
  EXPECT_EQ(reboots.load(), 1);
  const AcsSession last = acs_->last();
  EXPECT_EQ(last.events(), (std::vector<std::string>{"1 BOOT", "M Reboot"}));
  EXPECT_TRUE(last.has_event("M Reboot", "rb1"));
}

TEST_F(Rpc, RebootAcrossARealRestart) {
  // A real reboot hook does not return: the process goes down right after the state is saved
  // ("rebooting"), and the next start is the boot.
  AgentOptions o = options();
  std::atomic<int> reboots{0};
  o.hooks.reboot = [&reboots] { ++reboots; };
  o.crash_at = [](std::string_view point) { return point == "rebooting"; };
  start(o);
  acs_->queue(cwmp::Reboot{"rb2"});
  agent_->diagnostics_complete();
  settle();
  EXPECT_TRUE(agent_->status().dead);
  agent_.reset();
  start();
  const AcsSession last = acs_->last();
  EXPECT_EQ(last.events(), (std::vector<std::string>{"1 BOOT", "M Reboot"}));
  EXPECT_TRUE(last.has_event("M Reboot", "rb2"));
}

TEST_F(Rpc, AFailingRebootHookStillBoots) {
  AgentOptions o = options();
  o.hooks.reboot = [] { throw std::runtime_error("no permission"); };
  start(o);
  ask(*acs_, *agent_, cwmp::Reboot{"rb3"});
  EXPECT_EQ(acs_->last().events(), (std::vector<std::string>{"1 BOOT", "M Reboot"}));
}

TEST_F(Rpc, FactoryResetWipesAndBootstraps) {
  std::atomic<int> vendor_resets{0};
  AgentOptions o = options();
  o.hooks.factory_reset = [&] { ++vendor_resets; };
  start(o);
  cwmp::ScheduleInform si;
  si.delay_seconds = 3600;
  si.command_key = "gone";
  ask(*acs_, *agent_, si);
  ASSERT_EQ(agent_->status().scheduled_informs.size(), 1u);
  const cwmp::Body answer = ask(*acs_, *agent_, cwmp::FactoryReset{});
  EXPECT_TRUE(std::holds_alternative<cwmp::FactoryResetResponse>(answer));
  EXPECT_EQ(device_.factory_resets(), 1);
  EXPECT_EQ(vendor_resets.load(), 1);
  const AcsSession last = acs_->last();
  EXPECT_EQ(last.events(), (std::vector<std::string>{"0 BOOTSTRAP", "1 BOOT"}));
  EXPECT_TRUE(agent_->status().scheduled_informs.empty());
  // The model was reset: the ConnectionRequestURL was published again.
  EXPECT_EQ(device_.value("Device.ManagementServer.ConnectionRequestURL"),
            agent_->status().connection_request_url);
  advance(2h);  // the scheduled inform went with the reset
  EXPECT_FALSE(acs_->last().has_event("3 SCHEDULED"));
}

TEST_F(Rpc, ScheduleInformFaults) {
  start();
  cwmp::ScheduleInform si;
  si.delay_seconds = 0;
  EXPECT_EQ(fault_code(ask(*acs_, *agent_, si)), 9003u);
}

TEST_F(Rpc, TwoScheduleInformsEachReportTheirKey) {
  start();
  cwmp::ScheduleInform a;
  a.delay_seconds = 10;
  a.command_key = "a";
  cwmp::ScheduleInform b = a;
  b.command_key = "b";
  acs_->queue(a);
  ask(*acs_, *agent_, b);
  advance(10s);
  const AcsSession last = acs_->last();
  EXPECT_TRUE(last.has_event("3 SCHEDULED"));
  EXPECT_TRUE(last.has_event("M ScheduleInform", "a"));
  EXPECT_TRUE(last.has_event("M ScheduleInform", "b"));
  EXPECT_EQ(last.events().size(), 3u);  // 3 SCHEDULED once: it is single
}

// --- downloads ---------------------------------------------------------------------------

TEST_F(Rpc, FirmwareDownloadInstallsRebootsAndReports) {
  files_->put("/images/router-2.4.1.bin", {200, std::string(1000, 'x'), "", ""});
  start();
  cwmp::Download d = download("fw1", files_->url("/images/router-2.4.1.bin"));
  d.file_size = 1000;
  const cwmp::Body answer = ask(*acs_, *agent_, d);
  const auto* r = std::get_if<cwmp::DownloadResponse>(&answer);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 1);
  EXPECT_TRUE(r->start_time.is_unknown());
  // Downloaded, installed (version from the file name), rebooted in process, reported.
  EXPECT_EQ(device_.value("Device.DeviceInfo.SoftwareVersion"), "2.4.1");
  const AcsSession last = acs_->last();
  EXPECT_TRUE(last.has_event("1 BOOT"));
  EXPECT_TRUE(last.has_event("7 TRANSFER COMPLETE"));
  EXPECT_TRUE(last.has_event("M Download", "fw1"));
  const auto tcs = last.transfer_completes();
  ASSERT_EQ(tcs.size(), 1u);
  EXPECT_EQ(tcs[0].command_key, "fw1");
  EXPECT_EQ(tcs[0].fault_struct.fault_code, 0u);
  EXPECT_FALSE(tcs[0].start_time.is_unknown());
  EXPECT_TRUE(agent_->status().transfers.empty());
  // Acknowledged: never again.
  advance(1h);
  agent_->diagnostics_complete();
  settle();
  EXPECT_TRUE(acs_->last().transfer_completes().empty());
}

TEST_F(Rpc, FirmwareVersionFromTheImageMetadata) {
  files_->put("/image.bin", {200, "#cwmp-firmware\nversion=7.1-beta\n\npayload", "", ""});
  start();
  ask(*acs_, *agent_, download("fw", files_->url("/image.bin")));
  EXPECT_EQ(device_.value("Device.DeviceInfo.SoftwareVersion"), "7.1-beta");
  ASSERT_EQ(acs_->last().transfer_completes().size(), 1u);
  EXPECT_EQ(acs_->last().transfer_completes()[0].fault_struct.fault_code, 0u);
}

struct DownloadFaultCase {
  std::string name;
  FileServer::File file;
  std::uint32_t file_size;
  std::string username;
  std::string password;
  std::uint32_t expected;
};

TEST_F(Rpc, DownloadFaultsInTransferComplete) {
  const std::vector<DownloadFaultCase> cases = {
      {"missing", {404, "", "", ""}, 0, "", "", 9016},
      {"forbidden", {403, "", "", ""}, 0, "", "", 9016},
      {"server error", {500, "", "", ""}, 0, "", "", 9010},
      {"short", {200, "12345", "", ""}, 10, "", "", 9017},
      {"long", {200, "123456789012", "", ""}, 10, "", "", 9018},
      {"no version", {200, "image", "", ""}, 0, "", "", 9018},
      {"bad password", {200, "x", "u", "p"}, 0, "u", "wrong", 9012},
      {"no credentials", {200, "x", "u", "p"}, 0, "", "", 9012},
  };
  start();
  int n = 0;
  for (const auto& c : cases) {
    const std::string path = "/case" + std::to_string(++n);  // no version in the name
    files_->put(path, c.file);
    cwmp::Download d = download("k" + std::to_string(n), files_->url(path));
    d.file_size = c.file_size;
    d.username = c.username;
    d.password = c.password;
    ask(*acs_, *agent_, d);
    const auto tcs = acs_->last().transfer_completes();
    ASSERT_EQ(tcs.size(), 1u) << c.name;
    EXPECT_EQ(tcs[0].fault_struct.fault_code, c.expected)
        << c.name << ": " << tcs[0].fault_struct.fault_string;
    EXPECT_FALSE(tcs[0].fault_struct.fault_string.empty()) << c.name;
  }
  EXPECT_EQ(device_.value("Device.DeviceInfo.SoftwareVersion"), "1.0.0");
}

TEST_F(Rpc, DownloadWithDigestCredentials) {
  files_->put("/secure/fw-3.0.bin", {200, "image", "user", "pass"});
  start();
  cwmp::Download d = download("auth", files_->url("/secure/fw-3.0.bin"));
  d.username = "user";
  d.password = "pass";
  ask(*acs_, *agent_, d);
  ASSERT_EQ(acs_->last().transfer_completes().size(), 1u);
  EXPECT_EQ(acs_->last().transfer_completes()[0].fault_struct.fault_code, 0u);
  EXPECT_EQ(device_.value("Device.DeviceInfo.SoftwareVersion"), "3.0");
}

TEST_F(Rpc, DownloadWithBasicOnlyWhenAllowedOverPlainHttp) {
  files_->put("/fw-3.1.bin", {200, "image", "user", "pass", /*basic=*/true});
  start();
  cwmp::Download d = download("basic", files_->url("/fw-3.1.bin"));
  d.username = "user";
  d.password = "pass";
  ask(*acs_, *agent_, d);
  ASSERT_EQ(acs_->last().transfer_completes().size(), 1u);
  EXPECT_EQ(acs_->last().transfer_completes()[0].fault_struct.fault_code, 9012u);
  agent_.reset();
  AgentOptions o = options();
  o.basic_over_http = true;
  start(o);
  d.command_key = "basic2";
  ask(*acs_, *agent_, d);
  ASSERT_EQ(acs_->last().transfer_completes().size(), 1u);
  EXPECT_EQ(acs_->last().transfer_completes()[0].fault_struct.fault_code, 0u);
  EXPECT_EQ(device_.value("Device.DeviceInfo.SoftwareVersion"), "3.1");
}

TEST_F(Rpc, DownloadFromAnUnreachableServerIs9015) {
  start();
  const std::string url = files_->url("/fw-1.2.bin");
  files_->stop();
  ask(*acs_, *agent_, download("gone", url));
  ASSERT_EQ(acs_->last().transfer_completes().size(), 1u);
  EXPECT_EQ(acs_->last().transfer_completes()[0].fault_struct.fault_code, 9015u);
}

TEST_F(Rpc, DownloadRequestFaults) {
  start();
  EXPECT_EQ(fault_code(ask(*acs_, *agent_, download("ftp", "ftp://10.0.0.1/fw.bin"))), 9013u);
  EXPECT_EQ(fault_code(ask(*acs_, *agent_, download("web", files_->url("/x"), "2 Web Content"))),
            9003u);
  // The queue holds 16.
  for (int i = 0; i < 16; ++i) {
    cwmp::Download d = download("q" + std::to_string(i), files_->url("/x"));
    d.delay_seconds = 3600;
    acs_->queue(d);
  }
  cwmp::Download extra = download("extra", files_->url("/x"));
  extra.delay_seconds = 3600;
  ask(*acs_, *agent_, extra);
  const AcsSession last = acs_->last();
  ASSERT_EQ(last.answers.size(), 17u);
  EXPECT_EQ(to_string(last.answers[15].body), "DownloadResponse");
  EXPECT_EQ(to_string(last.answers[16].body), "Fault 9004");
}

TEST_F(Rpc, DelaySecondsAndTheQueue) {
  files_->put("/fw-5.0.bin", {200, "image", "", ""});
  start();
  cwmp::Download d = download("later", files_->url("/fw-5.0.bin"));
  d.delay_seconds = 60;
  d.file_size = 5;
  d.target_file_name = "fw.bin";
  ask(*acs_, *agent_, d);
  cwmp::Body answer = ask(*acs_, *agent_, cwmp::GetQueuedTransfers{});
  auto* queued = std::get_if<cwmp::GetQueuedTransfersResponse>(&answer);
  ASSERT_TRUE(queued);
  ASSERT_EQ(queued->transfer_list.size(), 1u);
  EXPECT_EQ(queued->transfer_list[0].command_key, "later");
  EXPECT_EQ(queued->transfer_list[0].state, 1);
  answer = ask(*acs_, *agent_, cwmp::GetAllQueuedTransfers{});
  auto* all = std::get_if<cwmp::GetAllQueuedTransfersResponse>(&answer);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->transfer_list.size(), 1u);
  EXPECT_TRUE(all->transfer_list[0].is_download);
  EXPECT_EQ(all->transfer_list[0].file_type, "1 Firmware Upgrade Image");
  EXPECT_EQ(all->transfer_list[0].file_size, 5u);
  EXPECT_EQ(all->transfer_list[0].target_file_name, "fw.bin");
  EXPECT_EQ(files_->gets(), 0u);
  advance(59s);
  EXPECT_EQ(files_->gets(), 0u);
  advance(1s);
  EXPECT_EQ(files_->gets(), 1u);
  EXPECT_EQ(device_.value("Device.DeviceInfo.SoftwareVersion"), "5.0");
}

TEST_F(Rpc, VendorConfigurationFileGoesThroughTheHook) {
  files_->put("/cfg.xml", {200, "<config/>", "", ""});
  std::mutex m;
  std::vector<std::string> installed;
  AgentOptions o = options();
  o.hooks.install = [&](const cpe::agent::InstallRequest& r) {
    std::ifstream in(r.file);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::lock_guard lock(m);
    installed.push_back(r.file_type + ":" + content);
    return cpe::agent::InstallResult{};
  };
  start(o);
  ask(*acs_, *agent_, download("cfg", files_->url("/cfg.xml"), "3 Vendor Configuration File"));
  {
    std::lock_guard lock(m);
    EXPECT_EQ(installed, std::vector<std::string>{"3 Vendor Configuration File:<config/>"});
  }
  ASSERT_EQ(acs_->last().transfer_completes().size(), 1u);
  EXPECT_EQ(acs_->last().transfer_completes()[0].fault_struct.fault_code, 0u);
  EXPECT_FALSE(acs_->last().has_event("1 BOOT"));  // no reboot for a configuration file
}

TEST_F(Rpc, InstallHookFaultsAreReported) {
  files_->put("/fw-9.bin", {200, "signed badly", "", ""});
  AgentOptions o = options();
  o.hooks.install = [](const cpe::agent::InstallRequest&) {
    cpe::agent::InstallResult r;
    r.fault_code = 9019;
    r.fault_string = "bad signature";
    return r;
  };
  start(o);
  ask(*acs_, *agent_, download("sig", files_->url("/fw-9.bin")));
  ASSERT_EQ(acs_->last().transfer_completes().size(), 1u);
  EXPECT_EQ(acs_->last().transfer_completes()[0].fault_struct.fault_code, 9019u);
  EXPECT_EQ(acs_->last().transfer_completes()[0].fault_struct.fault_string, "bad signature");
}

TEST_F(Rpc, DefaultVendorConfigurationIsKept) {
  files_->put("/cfg/site.conf", {200, "a=b\n", "", ""});
  start();
  ask(*acs_, *agent_,
      download("cfg", files_->url("/cfg/site.conf"), "3 Vendor Configuration File"));
  ASSERT_EQ(acs_->last().transfer_completes().size(), 1u);
  EXPECT_EQ(acs_->last().transfer_completes()[0].fault_struct.fault_code, 0u);
  std::ifstream in(dir_ / "state" / "vendor-config" / "site.conf");
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "a=b\n");
}

// --- uploads -------------------------------------------------------------------------------

TEST_F(Rpc, UploadConfigurationAndLog) {
  start();
  cwmp::Upload up;
  up.command_key = "up1";
  up.file_type = "1 Vendor Configuration File";
  up.url = files_->url("/uploads/config");
  const cwmp::Body answer = ask(*acs_, *agent_, up);
  const auto* r = std::get_if<cwmp::UploadResponse>(&answer);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 1);
  auto uploads = files_->uploads();
  ASSERT_EQ(uploads.size(), 1u);
  EXPECT_EQ(uploads[0].first, "/uploads/config");
  EXPECT_NE(uploads[0].second.find("Device.Test.Value=a"), std::string::npos) << uploads[0].second;
  AcsSession last = acs_->last();
  EXPECT_TRUE(last.has_event("M Upload", "up1"));
  ASSERT_EQ(last.transfer_completes().size(), 1u);
  EXPECT_EQ(last.transfer_completes()[0].fault_struct.fault_code, 0u);

  up.command_key = "up2";
  up.file_type = "2 Vendor Log File";
  up.url = files_->url("/uploads/log");
  ask(*acs_, *agent_, up);
  uploads = files_->uploads();
  ASSERT_EQ(uploads.size(), 2u);
  EXPECT_NE(uploads[1].second.find("session 1"), std::string::npos) << uploads[1].second;
}

TEST_F(Rpc, UploadContentFromTheHookAndFailures) {
  AgentOptions o = options();
  o.hooks.upload_content = [](const cpe::agent::UploadRequest& r) -> std::optional<std::string> {
    return "vendor " + r.file_type;
  };
  start(o);
  cwmp::Upload up;
  up.command_key = "up";
  up.file_type = "2 Vendor Log File";
  up.url = files_->url("/u");
  ask(*acs_, *agent_, up);
  ASSERT_EQ(files_->uploads().size(), 1u);
  EXPECT_EQ(files_->uploads()[0].second, "vendor 2 Vendor Log File");

  files_->set_upload_status(500);
  up.command_key = "up-fail";
  ask(*acs_, *agent_, up);
  ASSERT_EQ(acs_->last().transfer_completes().size(), 1u);
  EXPECT_EQ(acs_->last().transfer_completes()[0].fault_struct.fault_code, 9011u);

  up.file_type = "X 00D09E Something";
  EXPECT_EQ(fault_code(ask(*acs_, *agent_, up)), 9003u);
}

// --- ScheduleDownload, CancelTransfer -----------------------------------------------------

TEST_F(Rpc, ScheduleDownloadWaitsForItsWindow) {
  files_->put("/fw-6.0.bin", {200, "image", "", ""});
  start();
  cwmp::ScheduleDownload sd;
  sd.command_key = "sd";
  sd.file_type = "1 Firmware Upgrade Image";
  sd.url = files_->url("/fw-6.0.bin");
  sd.time_window_list = {{60, 120, "1 At Any Time", "", -1}};
  const cwmp::Body answer = ask(*acs_, *agent_, sd);
  EXPECT_TRUE(std::holds_alternative<cwmp::ScheduleDownloadResponse>(answer));
  advance(59s);
  EXPECT_EQ(files_->gets(), 0u);
  advance(1s);
  EXPECT_EQ(files_->gets(), 1u);
  const AcsSession last = acs_->last();
  EXPECT_TRUE(last.has_event("M ScheduleDownload", "sd"));
  ASSERT_EQ(last.transfer_completes().size(), 1u);
  EXPECT_EQ(last.transfer_completes()[0].fault_struct.fault_code, 0u);
}

TEST_F(Rpc, ScheduleDownloadRetriesInTheWindowThenReports) {
  files_->put("/fw-6.1.bin", {404, "", "", ""});
  AgentOptions o = options();
  o.schedule_download_retry_delay = 10s;
  start(o);
  cwmp::ScheduleDownload sd;
  sd.command_key = "sd";
  sd.file_type = "1 Firmware Upgrade Image";
  sd.url = files_->url("/fw-6.1.bin");
  sd.time_window_list = {{0, 100, "2 Immediately", "", 2}};
  ask(*acs_, *agent_, sd);
  EXPECT_EQ(files_->gets(), 1u);
  advance(10s);
  EXPECT_EQ(files_->gets(), 2u);
  advance(10s);
  EXPECT_EQ(files_->gets(), 3u);  // MaxRetries 2: three attempts, then the result
  advance(10s);
  EXPECT_EQ(files_->gets(), 3u);
  ASSERT_EQ(acs_->last().transfer_completes().size(), 1u);
  EXPECT_EQ(acs_->last().transfer_completes()[0].fault_struct.fault_code, 9016u);
}

TEST_F(Rpc, ScheduleDownloadWindowsThatPassedAre9020) {
  files_->put("/fw-6.2.bin", {200, "image", "", ""});
  start();
  cwmp::ScheduleDownload sd;
  sd.command_key = "late";
  sd.file_type = "1 Firmware Upgrade Image";
  sd.url = files_->url("/fw-6.2.bin");
  sd.time_window_list = {{60, 70, "1 At Any Time", "", 0}};
  ask(*acs_, *agent_, sd);
  advance(2h);  // the device "slept" through the window
  EXPECT_EQ(files_->gets(), 0u);
  ASSERT_EQ(acs_->last().transfer_completes().size(), 1u);
  EXPECT_EQ(acs_->last().transfer_completes()[0].fault_struct.fault_code, 9020u);
}

TEST_F(Rpc, ScheduleDownloadRequestFaults) {
  start();
  cwmp::ScheduleDownload sd;
  sd.command_key = "sd";
  sd.file_type = "1 Firmware Upgrade Image";
  sd.url = files_->url("/x");
  sd.time_window_list = {{100, 50, "1 At Any Time", "", 0}};
  EXPECT_EQ(fault_code(ask(*acs_, *agent_, sd)), 9003u);
  sd.time_window_list = {{0, 100, "1 At Any Time", "", 0}, {50, 200, "1 At Any Time", "", 0}};
  EXPECT_EQ(fault_code(ask(*acs_, *agent_, sd)), 9003u);
  sd.time_window_list = {{0, 100, "4 Confirmation Needed", "", 0}};
  EXPECT_EQ(fault_code(ask(*acs_, *agent_, sd)), 9003u);
}

TEST_F(Rpc, CancelTransfer) {
  start();
  cwmp::Download d = download("cancel-me", files_->url("/fw-1.1.bin"));
  d.delay_seconds = 600;
  ask(*acs_, *agent_, d);
  ASSERT_EQ(agent_->status().transfers.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<cwmp::CancelTransferResponse>(
      ask(*acs_, *agent_, cwmp::CancelTransfer{"cancel-me"})));
  EXPECT_TRUE(agent_->status().transfers.empty());
  advance(1h);
  EXPECT_EQ(files_->gets(), 0u);
  EXPECT_EQ(fault_code(ask(*acs_, *agent_, cwmp::CancelTransfer{"cancel-me"})), 9021u);
  EXPECT_EQ(fault_code(ask(*acs_, *agent_, cwmp::CancelTransfer{"unknown"})), 9021u);
}

TEST_F(Rpc, TransferCompleteRefusedWith8005IsKeptAndRetried) {
  files_->put("/fw-4.0.bin", {200, "image", "", ""});
  acs_->set_transfer_complete_fault(cwmp::fault::kAcsRetryRequest);
  random_unit_ = 0.0;
  start();
  ask(*acs_, *agent_, download("refused", files_->url("/fw-4.0.bin")));
  const std::size_t sessions = acs_->session_count();
  EXPECT_EQ(acs_->last().cpe_requests.size(), 1u);
  ASSERT_EQ(agent_->status().transfers.size(), 1u);
  // Backed off like a failed session: 5 s later, again.
  acs_->set_transfer_complete_fault(std::nullopt);
  advance(5s);
  ASSERT_EQ(acs_->session_count(), sessions + 1);
  EXPECT_TRUE(acs_->last().has_event("M Download", "refused"));
  ASSERT_EQ(acs_->last().transfer_completes().size(), 1u);
  EXPECT_TRUE(agent_->status().transfers.empty());
}

}  // namespace
}  // namespace cpe_agent_test
