// The agent's pure parts: the state file, the timing rules, cookies and client auth, the
// transfer rules.
#include <gtest/gtest.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "cpe/agent/agent.hpp"
#include "cpe/agent/agent_state.hpp"
#include "cpe/agent/http_support.hpp"
#include "cpe/agent/schedule.hpp"
#include "cpe/agent/transfers.hpp"
#include "cwmp/faults.hpp"

namespace cpe::agent {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "cpe_agent_unit_XXXXXX").string();
    EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

const TimePoint kT0 = from_millis(1'700'000'000'000);

// --- state -----------------------------------------------------------------------------------

AgentState sample_state() {
  AgentState s;
  s.pending = {{"0 BOOTSTRAP", ""}, {"M Reboot", "rb"}};
  s.deferred = {{"6 CONNECTION REQUEST", ""}};
  s.scheduled_informs = {{kT0 + 30s, "si"}};
  Transfer t;
  t.id = 4;
  t.kind = TransferKind::kScheduleDownload;
  t.command_key = "k";
  t.file_type = "1 Firmware Upgrade Image";
  t.url = "http://files/fw.bin";
  t.username = "u\"ser";
  t.password = "p\\w";
  t.file_size = 123;
  t.target_file_name = "fw.bin";
  t.received = kT0;
  t.not_before = kT0 + 5s;
  t.windows = {{10, 20, "1 At Any Time", "msg", -1}};
  t.attempts = 1;
  t.state = TransferState::kCompleted;
  t.fault = {9016, "HTTP 404 Not Found"};
  t.start_time = cwmp::parse_date_time("2024-01-02T03:04:05Z").value();
  t.complete_time = cwmp::parse_date_time("2024-01-02T03:04:06.5Z").value();
  s.transfers = {t};
  s.next_transfer_id = 5;
  s.retry_count = 3;
  s.bootstrapped_url = "http://acs/";
  s.reboot_requested = true;
  s.factory_reset_requested = false;
  s.connection_request_path = "/abc";
  return s;
}

TEST(AgentState, RoundTrip) {
  const AgentState s = sample_state();
  const auto parsed = parse_state(serialize(s));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, s);
  AgentState empty;
  EXPECT_EQ(parse_state(serialize(empty)).value(), empty);
}

TEST(AgentState, RejectsWhatItDidNotWrite) {
  std::string error;
  EXPECT_FALSE(parse_state("", &error));
  EXPECT_FALSE(parse_state("[]", &error));
  EXPECT_FALSE(parse_state("{\"format\":2}", &error));
  std::string text = serialize(sample_state());
  text.replace(text.find("\"state\":3"), 9, "\"state\":9");
  EXPECT_FALSE(parse_state(text, &error));
  EXPECT_NE(error.find("state"), std::string::npos) << error;
  text = serialize(sample_state());
  text.replace(text.find("\"retry_count\":3"), 15, "\"retry_count\":-3");
  EXPECT_FALSE(parse_state(text, &error));
}

TEST(StateFile, SaveLoadAndCorruption) {
  TempDir dir;
  StateFile file(dir.path() / "s");
  EXPECT_FALSE(file.load().state);  // first start
  file.save(serialize(sample_state()));
  EXPECT_EQ(file.load().state.value(), sample_state());
  EXPECT_FALSE(fs::exists(dir.path() / "s" / "state.json.tmp"));
  EXPECT_EQ(fs::status(dir.path() / "s" / "state.json").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  std::ofstream(dir.path() / "s" / "state.json", std::ios::trunc) << "{\"format\":1";
  const auto loaded = file.load();
  EXPECT_FALSE(loaded.state);
  EXPECT_FALSE(loaded.error.empty());
  EXPECT_TRUE(fs::exists(dir.path() / "s" / "state.json.corrupt-1"));
  EXPECT_FALSE(fs::exists(dir.path() / "s" / "state.json"));
}

TEST(StateFile, SaveFailsLoudly) {
  TempDir dir;
  StateFile file(dir.path() / "s");
  fs::create_directory(dir.path() / "s" / "state.json.tmp");  // in the way
  EXPECT_THROW(file.save("x"), std::system_error);
}

// --- timing --------------------------------------------------------------------------------

TEST(Schedule, NextPhaseInstant) {
  const auto hour = std::chrono::seconds(3600);
  EXPECT_EQ(next_phase_instant(kT0, hour, kT0), kT0);
  EXPECT_EQ(next_phase_instant(kT0 + 1s, hour, kT0), kT0 + hour);
  EXPECT_EQ(next_phase_instant(kT0, hour, kT0 + 10s), kT0 + 10s);
  EXPECT_EQ(next_phase_instant(kT0, hour, kT0 + 10s - 100 * hour), kT0 + 10s);
  EXPECT_EQ(next_phase_instant(kT0, hour, kT0 + 10s + 100 * hour), kT0 + 10s);
  // A phase decades away (PeriodicInformTime in 1980) does not overflow.
  const TimePoint y1980 = from_millis(315'532'800'000);
  const TimePoint next = next_phase_instant(kT0, hour, y1980);
  EXPECT_GE(next, kT0);
  EXPECT_LT(next, kT0 + hour);
  EXPECT_EQ((next - y1980) % hour, TimePoint::duration::zero());
}

TEST(Schedule, PeriodicWithoutPhase) {
  PeriodicSchedule p;
  p.configure(true, 60, std::nullopt, kT0);
  EXPECT_EQ(p.due(), kT0 + 60s);
  p.configure(true, 60, std::nullopt, kT0 + 30s);  // unchanged settings: unchanged schedule
  EXPECT_EQ(p.due(), kT0 + 60s);
  p.fired(kT0 + 61s);  // a late wake-up keeps the cadence
  EXPECT_EQ(p.due(), kT0 + 120s);
  p.fired(kT0 + 1000s);  // far too late: the next instant of the cadence after now
  EXPECT_EQ(p.due(), kT0 + 1020s);
  p.configure(true, 10, std::nullopt, kT0 + 1001s);
  EXPECT_EQ(p.due(), kT0 + 1011s);
  p.configure(false, 10, std::nullopt, kT0 + 1002s);
  EXPECT_FALSE(p.due());
  p.configure(true, 0, std::nullopt, kT0);
  EXPECT_FALSE(p.due());
}

TEST(Schedule, PeriodicWithPhase) {
  PeriodicSchedule p;
  p.configure(true, 100, kT0 + 5s, kT0 + 50s);
  EXPECT_EQ(p.due(), kT0 + 105s);
  p.fired(kT0 + 105s);
  EXPECT_EQ(p.due(), kT0 + 205s);
}

TEST(Schedule, Throttle) {
  EXPECT_EQ(value_change_allowed_at(std::nullopt, 30), TimePoint::min());
  EXPECT_EQ(value_change_allowed_at(kT0, 30), kT0 + 30s);
  EXPECT_EQ(value_change_allowed_at(kT0, 0), kT0);
}

TEST(Schedule, TokenBucket) {
  TokenBucket b(2.0, 3.0);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(b.try_take(kT0));
  EXPECT_FALSE(b.try_take(kT0));
  EXPECT_FALSE(b.try_take(kT0 + 400ms));  // 0.8 token
  EXPECT_TRUE(b.try_take(kT0 + 500ms));   // 1 token
  EXPECT_FALSE(b.try_take(kT0 - 10s));    // the clock went back: no refill
  EXPECT_TRUE(b.try_take(kT0 + 1h));
  EXPECT_TRUE(b.try_take(kT0 + 1h));
  EXPECT_TRUE(b.try_take(kT0 + 1h));
  EXPECT_FALSE(b.try_take(kT0 + 1h));  // capped at the burst
}

// --- HTTP support --------------------------------------------------------------------------

TEST(CookieJar, StoresReplacesDeletes) {
  CookieJar jar;
  jar.store("a=1; Path=/; HttpOnly");
  jar.store("b = 2 ");
  EXPECT_EQ(jar.header(), "a=1; b=2");
  jar.store("a=3");
  EXPECT_EQ(jar.header(), "b=2; a=3");
  jar.store("b=; Max-Age=0");
  EXPECT_EQ(jar.header(), "a=3");
  jar.store("a=gone; max-age=-1");
  EXPECT_EQ(jar.header(), "");
  jar.store("novalue");
  jar.store("=x");
  EXPECT_EQ(jar.size(), 0u);
}

TEST(CookieJar, Bounded) {
  CookieJar jar;
  for (int i = 0; i < 100; ++i) jar.store("c" + std::to_string(i) + "=v");
  EXPECT_EQ(jar.size(), CookieJar::kMaxCookies);
  CookieJar big;
  big.store("a=" + std::string(600, 'x'));  // more than 512 bytes are kept
  EXPECT_EQ(big.size(), 1u);
  big.store("b=" + std::string(CookieJar::kMaxBytes, 'x'));
  EXPECT_EQ(big.size(), 1u);
}

void random_bytes(std::span<std::uint8_t> out) {
  ASSERT_EQ(RAND_bytes(out.data(), static_cast<int>(out.size())), 1);
}

TEST(ClientAuth, AnswersDigestAndKeepsSending) {
  cwmp::auth::DigestServerOptions o;
  o.realm = "acs";
  cwmp::auth::DigestServer server(o, random_bytes);
  const auto now = std::chrono::system_clock::now();
  ClientAuth auth("cpe", "pw", false, random_bytes);
  EXPECT_FALSE(auth.authorization("POST", "/acs"));
  std::string www;
  for (const auto& c : server.challenges(now)) www += (www.empty() ? "" : ", ") + c;
  EXPECT_EQ(auth.on_challenge(www, false), "");
  for (int i = 0; i < 3; ++i) {
    const auto header = auth.authorization("POST", "/acs");
    ASSERT_TRUE(header);
    auto creds = cwmp::auth::parse_digest_authorization(*header);
    ASSERT_TRUE(creds);
    EXPECT_EQ(creds->nc_value, static_cast<std::uint32_t>(i + 1));
    EXPECT_EQ(server.verify(*creds, "POST", "/acs", "pw", now), cwmp::auth::VerifyResult::kOk);
  }
  // A fresh challenge in answer to our credentials: they were wrong.
  EXPECT_EQ(auth.on_challenge(www, true), "credentials rejected");
  // A stale one: try again.
  std::string stale;
  for (const auto& c : server.challenges(now, true)) stale += (stale.empty() ? "" : ", ") + c;
  EXPECT_EQ(auth.on_challenge(stale, true), "");
}

TEST(ClientAuth, BasicOnlyWhenAllowed) {
  ClientAuth plain("u", "p", false, random_bytes);
  EXPECT_NE(plain.on_challenge("Basic realm=\"x\"", false), "");
  ClientAuth tls("u", "p", true, random_bytes);
  EXPECT_EQ(tls.on_challenge("Basic realm=\"x\"", false), "");
  EXPECT_EQ(tls.authorization("POST", "/"), cwmp::auth::basic_authorization("u", "p"));
  EXPECT_EQ(tls.on_challenge("Basic realm=\"x\"", true), "credentials rejected");
  ClientAuth none("", "", true, random_bytes);
  EXPECT_NE(none.on_challenge("Basic realm=\"x\"", false), "");
  ClientAuth garbage("u", "p", true, random_bytes);
  EXPECT_NE(garbage.on_challenge("Negotiate abc", false), "");
}

TEST(HttpSupport, Urls) {
  EXPECT_EQ(request_target("http://h:1/a/b?c=d"), "/a/b?c=d");
  EXPECT_EQ(request_target("http://h"), "/");
  EXPECT_TRUE(is_https("HTTPS://x/"));
  EXPECT_FALSE(is_http_url("ftp://x/"));
  EXPECT_EQ(origin_of("HTTP://Host.Example/x"), "http://host.example:80");
  EXPECT_EQ(origin_of("https://h:8443/"), "https://h:8443");
  EXPECT_EQ(origin_of("mailto:x"), "");
  EXPECT_EQ(resolve_reference("http://h/a/b", "c"), "http://h/a/c");
  EXPECT_EQ(resolve_reference("http://h/a/b", "https://o/"), "https://o/");
  EXPECT_EQ(resolve_reference("http://h/a/b", "ftp://o/"), "");
  EXPECT_EQ(last_path_segment("http://h/a/fw-1.2.bin?x=1"), "fw-1.2.bin");
  EXPECT_EQ(last_path_segment("fw.bin"), "fw.bin");
}

// --- transfers -----------------------------------------------------------------------------

cwmp::Download download(const std::string& url) {
  cwmp::Download d;
  d.command_key = "k";
  d.file_type = "1 Firmware Upgrade Image";
  d.url = url;
  d.delay_seconds = 7;
  return d;
}

std::uint32_t fault_of(const TransferOrFault& r) {
  const auto* f = std::get_if<cwmp::Fault>(&r);
  return f ? f->code : 0;
}

TEST(Transfers, DownloadValidation) {
  const TransferPolicy policy;
  const auto ok = make_download(download("http://f/x"), kT0, policy, {});
  ASSERT_TRUE(std::holds_alternative<Transfer>(ok));
  EXPECT_EQ(std::get<Transfer>(ok).not_before, kT0 + 7s);
  EXPECT_EQ(std::get<Transfer>(ok).id, 0u);
  EXPECT_EQ(fault_of(make_download(download("ftp://f/x"), kT0, policy, {})), 9013u);
  EXPECT_EQ(fault_of(make_download(download("tftp://f/x"), kT0, policy, {})), 9013u);
  EXPECT_EQ(fault_of(make_download(download(""), kT0, policy, {})), 9003u);
  EXPECT_EQ(fault_of(make_download(download("http://"), kT0, policy, {})), 9003u);
  cwmp::Download web = download("http://f/x");
  web.file_type = "2 Web Content";
  EXPECT_EQ(fault_of(make_download(web, kT0, policy, {})), 9003u);
  // Full queue.
  std::vector<Transfer> queue(16);
  for (std::size_t i = 0; i < queue.size(); ++i) queue[i].id = i + 1;
  EXPECT_EQ(fault_of(make_download(download("http://f/x"), kT0, policy, queue)), 9004u);
}

TEST(Transfers, SameRequestAgainIsNotQueuedTwice) {
  const TransferPolicy policy;
  Transfer queued = std::get<Transfer>(make_download(download("http://f/x"), kT0, policy, {}));
  queued.id = 9;
  const auto again = make_download(download("http://f/x"), kT0 + 5s, policy, {queued});
  ASSERT_TRUE(std::holds_alternative<Transfer>(again));
  EXPECT_EQ(std::get<Transfer>(again).id, 9u);
  cwmp::Download other = download("http://f/y");
  EXPECT_EQ(std::get<Transfer>(make_download(other, kT0, policy, {queued})).id, 0u);
  cwmp::Download no_key = download("http://f/x");
  no_key.command_key = "";
  queued.command_key = "";
  EXPECT_EQ(std::get<Transfer>(make_download(no_key, kT0, policy, {queued})).id, 0u);
}

TEST(Transfers, ScheduleDownloadWindows) {
  const TransferPolicy policy;
  cwmp::ScheduleDownload sd;
  sd.command_key = "s";
  sd.file_type = "1 Firmware Upgrade Image";
  sd.url = "http://f/x";
  sd.time_window_list = {{10, 20, "1 At Any Time", "", 1}, {100, 200, "3 When Idle", "", -1}};
  const auto r = make_schedule_download(sd, kT0, policy, {});
  ASSERT_TRUE(std::holds_alternative<Transfer>(r));
  const Transfer& t = std::get<Transfer>(r);
  EXPECT_EQ(t.not_before, kT0 + 10s);
  EXPECT_EQ(window_bounds(t, 1), std::make_pair(kT0 + 100s, kT0 + 200s));
  EXPECT_EQ(current_or_next_window(t, kT0), 0u);
  EXPECT_EQ(current_or_next_window(t, kT0 + 21s), 1u);
  EXPECT_EQ(current_or_next_window(t, kT0 + 201s), std::nullopt);
  EXPECT_EQ(max_retries(t.windows[1], policy), policy.default_max_retries);
  sd.time_window_list = {{10, 10, "1 At Any Time", "", 0}};
  EXPECT_EQ(fault_of(make_schedule_download(sd, kT0, policy, {})), 9003u);
  sd.time_window_list = {{0, 10, "X 00D09E Mine", "", 0}};
  EXPECT_EQ(fault_of(make_schedule_download(sd, kT0, policy, {})), 9003u);
  sd.time_window_list = {{0, 10, "1 At Any Time", "", -2}};
  EXPECT_EQ(fault_of(make_schedule_download(sd, kT0, policy, {})), 9003u);
  sd.time_window_list = {};
  EXPECT_EQ(fault_of(make_schedule_download(sd, kT0, policy, {})), 9003u);
}

net::ClientResult http_result(unsigned status, std::string body) {
  net::ClientResult r;
  r.response.result(status);
  r.response.body() = std::move(body);
  return r;
}

net::ClientResult failure(net::ClientError e) {
  net::ClientResult r;
  r.error = e;
  r.message = "x";
  return r;
}

TEST(Transfers, JudgeDownload) {
  EXPECT_EQ(judge_download(http_result(200, "abc"), 3, "").fault_code, 0u);
  EXPECT_EQ(judge_download(http_result(200, "abc"), 0, "").fault_code, 0u);
  EXPECT_EQ(judge_download(http_result(200, "ab"), 3, "").fault_code, 9017u);
  EXPECT_EQ(judge_download(http_result(200, "abcd"), 3, "").fault_code, 9018u);
  EXPECT_EQ(judge_download(http_result(401, ""), 0, "bad").fault_code, 9012u);
  EXPECT_EQ(judge_download(http_result(404, ""), 0, "").fault_code, 9016u);
  EXPECT_EQ(judge_download(http_result(403, ""), 0, "").fault_code, 9016u);
  EXPECT_EQ(judge_download(http_result(502, ""), 0, "").fault_code, 9010u);
  EXPECT_EQ(judge_download(failure(net::ClientError::kConnectRefused), 0, "").fault_code, 9015u);
  EXPECT_EQ(judge_download(failure(net::ClientError::kResolve), 0, "").fault_code, 9015u);
  EXPECT_EQ(judge_download(failure(net::ClientError::kTls), 0, "").fault_code, 9012u);
  EXPECT_EQ(judge_download(failure(net::ClientError::kIo), 0, "").fault_code, 9017u);
  EXPECT_EQ(judge_download(failure(net::ClientError::kProtocol), 0, "").fault_code, 9017u);
  EXPECT_EQ(judge_download(failure(net::ClientError::kBadUrl), 0, "").fault_code, 9010u);
}

TEST(Transfers, JudgeUpload) {
  EXPECT_EQ(judge_upload(http_result(201, ""), "").fault_code, 0u);
  EXPECT_EQ(judge_upload(http_result(204, ""), "").fault_code, 0u);
  EXPECT_EQ(judge_upload(http_result(401, ""), "").fault_code, 9012u);
  EXPECT_EQ(judge_upload(http_result(500, ""), "").fault_code, 9011u);
  EXPECT_EQ(judge_upload(failure(net::ClientError::kConnect), "").fault_code, 9015u);
  EXPECT_EQ(judge_upload(failure(net::ClientError::kIo), "").fault_code, 9011u);
}

TEST(Transfers, FirmwareVersion) {
  EXPECT_EQ(firmware_version("#cwmp-firmware\nmodel=x\nversion=2.1.0\n\nbinary", {}), "2.1.0");
  EXPECT_EQ(firmware_version("#cwmp-firmware\r\nversion=3.0\r\n", {"fw-1.0.bin"}), "3.0");
  // The header ends at the first blank line.
  EXPECT_EQ(firmware_version("#cwmp-firmware\n\nversion=9\n", {"fw-1.0.bin"}), "1.0");
  EXPECT_EQ(firmware_version("#cwmp-firmware\nversion=bad version\n", {"fw-1.0.bin"}),
            std::nullopt);
  EXPECT_EQ(firmware_version("binary", {"", "router-4.5.6.img"}), "4.5.6");
  EXPECT_EQ(firmware_version("binary", {"v10.20-rc1.bin"}), "10.20");
  EXPECT_EQ(firmware_version("binary", {"firmware.bin", "image"}), std::nullopt);
  EXPECT_EQ(firmware_version("binary", {"build42.bin"}), std::nullopt);
}

TEST(Transfers, SimulatedInstall) {
  TempDir dir;
  const fs::path file = dir.path() / "dl";
  std::ofstream(file) << "#cwmp-firmware\nversion=5.5\n\n";
  InstallRequest r{"1 Firmware Upgrade Image", file, "", "http://f/image", "k"};
  InstallResult result = simulated_install(r, dir.path());
  EXPECT_EQ(result.fault_code, 0u);
  EXPECT_EQ(result.software_version, "5.5");
  EXPECT_TRUE(result.reboot);
  std::ofstream(file, std::ios::trunc) << "no header";
  result = simulated_install(r, dir.path());
  EXPECT_EQ(result.fault_code, 9018u);
  r.file_type = "3 Vendor Configuration File";
  r.target_file_name = "../../etc/passwd";
  result = simulated_install(r, dir.path());
  EXPECT_EQ(result.fault_code, 0u);
  EXPECT_FALSE(result.reboot);
  EXPECT_TRUE(fs::exists(dir.path() / "vendor-config" / "passwd"));
  r.file_type = "5 Ringer File";
  EXPECT_EQ(simulated_install(r, dir.path()).fault_code, 9010u);
}

TEST(Transfers, TruncateUtf8) {
  EXPECT_EQ(truncate_utf8("abc", 5), "abc");
  EXPECT_EQ(truncate_utf8("abcdef", 3), "abc");
  EXPECT_EQ(truncate_utf8("a\xC3\xA9", 2), "a");  // never half a character
}

}  // namespace
}  // namespace cpe::agent
