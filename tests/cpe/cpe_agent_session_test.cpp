// The agent against a scripted ACS over real sockets: every Inform trigger, the retry back-off
// with the injected clock, HoldRequests, redirects, cookies, authentication, CWMP 1.4.
#include "cpe_agent_test_support.hpp"
#include "cwmp/retry_policy.hpp"

namespace cpe_agent_test {
namespace {

using Session = AgentFixture;

TEST_F(Session, FirstStartIsBootstrapAndBootWithTheInformArguments) {
  start();
  ASSERT_EQ(acs_->session_count(), 1u);
  const AcsSession s = acs_->last();
  EXPECT_EQ(s.events(), (std::vector<std::string>{"0 BOOTSTRAP", "1 BOOT"}));
  EXPECT_TRUE(s.completed);
  const cwmp::Inform& inform = s.body();
  EXPECT_EQ(inform.device_id.serial_number, "SN-0001");
  EXPECT_EQ(inform.max_envelopes, 1u);
  EXPECT_EQ(inform.retry_count, 0u);
  EXPECT_EQ(cwmp::format_date_time(inform.current_time),
            cwmp::format_date_time(cwmp::DateTime::from_sys_time(clock_->now())));
  // The forced-inform parameters, ConnectionRequestURL published before the Inform.
  const std::string cr_url = agent_->status().connection_request_url;
  EXPECT_TRUE(cr_url.starts_with("http://127.0.0.1:")) << cr_url;
  bool found = false;
  for (const auto& p : inform.parameter_list) {
    if (p.name == "Device.ManagementServer.ConnectionRequestURL") found = p.value == cr_url;
  }
  EXPECT_TRUE(found);
  // CWMP 1.2 by default: no 1.4 headers.
  EXPECT_FALSE(s.inform.header.supported_cwmp_versions);
  EXPECT_EQ(s.timeline, (std::vector<std::string>{"Inform", "(empty)"}));
  EXPECT_EQ(device_.inform_delivered_count(), 1);
  EXPECT_TRUE(agent_->status().pending_events.empty());
}

TEST_F(Session, RestartIsBootOnlyAndKeepsTheConnectionRequestUrl) {
  start();
  const std::string path = agent_->status().connection_request_url;
  const std::string old_path = path.substr(path.find('/', 8));
  agent_.reset();
  start();
  ASSERT_EQ(acs_->session_count(), 2u);
  EXPECT_EQ(acs_->last().events(), std::vector<std::string>{"1 BOOT"});
  const std::string now_url = agent_->status().connection_request_url;
  EXPECT_EQ(now_url.substr(now_url.find('/', 8)), old_path);
}

TEST_F(Session, AcsUrlChangeRaisesBootstrap) {
  start();
  const std::string new_url = acs_->url("/other");
  device_.set_management([&](cpe::ManagementSettings& m) { m.url = new_url; });
  agent_->value_changed();
  settle();
  ASSERT_EQ(acs_->session_count(), 2u);
  EXPECT_EQ(acs_->last().events(), std::vector<std::string>{"0 BOOTSTRAP"});
  // Delivered: not raised again.
  advance(1h);
  EXPECT_EQ(acs_->session_count(), 2u);
}

TEST_F(Session, AcsUrlChangedBySetParameterValuesBootstrapsTheNewAcs) {
  start();
  cwmp::SetParameterValues spv;
  spv.parameter_list = {
      {"Device.ManagementServer.URL", acs_->url("/new"), cwmp::ValueType::kString}};
  spv.parameter_key = "k1";
  acs_->queue(spv);
  agent_->value_changed();  // nothing changed: no session
  settle();
  EXPECT_EQ(acs_->session_count(), 1u);
  // The SPV goes in the next session; the session after it bootstraps the new URL.
  device_.change("Device.Test.Value", "b", true);
  agent_->value_changed();
  settle();
  ASSERT_EQ(acs_->session_count(), 3u);
  EXPECT_EQ(acs_->sessions()[1].answers.size(), 1u);
  EXPECT_EQ(acs_->last().events(), std::vector<std::string>{"0 BOOTSTRAP"});
}

TEST_F(Session, PeriodicInformEveryInterval) {
  device_.set_management([](cpe::ManagementSettings& m) {
    m.periodic_inform_enable = true;
    m.periodic_inform_interval = 60;
  });
  start();
  ASSERT_EQ(acs_->session_count(), 1u);
  advance(59s);
  EXPECT_EQ(acs_->session_count(), 1u);
  advance(1s);
  ASSERT_EQ(acs_->session_count(), 2u);
  EXPECT_EQ(acs_->last().events(), std::vector<std::string>{"2 PERIODIC"});
  advance(60s);
  ASSERT_EQ(acs_->session_count(), 3u);
  EXPECT_EQ(acs_->last().events(), std::vector<std::string>{"2 PERIODIC"});
}

TEST_F(Session, PeriodicInformTimeSetsThePhase) {
  const TimePoint phase = clock_->now() + 10s - 3600s * 5;  // in the past, 10 s off the hour
  device_.set_management([&](cpe::ManagementSettings& m) {
    m.periodic_inform_enable = true;
    m.periodic_inform_interval = 3600;
    m.periodic_inform_time = phase;
  });
  start();
  advance(9s);
  EXPECT_EQ(acs_->session_count(), 1u);
  advance(1s);
  ASSERT_EQ(acs_->session_count(), 2u);
  EXPECT_EQ(acs_->last().events(), std::vector<std::string>{"2 PERIODIC"});
  EXPECT_EQ(agent_->status().next_periodic, clock_->now() + 3600s);
}

TEST_F(Session, PeriodicDisabledMeansNoSession) {
  start();
  advance(24h);
  EXPECT_EQ(acs_->session_count(), 1u);
}

TEST_F(Session, ValueChangeWithActiveNotification) {
  start();
  device_.change("Device.Test.Value", "b", /*active=*/true);
  agent_->value_changed();
  settle();
  ASSERT_EQ(acs_->session_count(), 2u);
  const AcsSession s = acs_->last();
  EXPECT_EQ(s.events(), std::vector<std::string>{"4 VALUE CHANGE"});
  bool carried = false;
  for (const auto& p : s.body().parameter_list) carried |= p.name == "Device.Test.Value";
  EXPECT_TRUE(carried);
  EXPECT_FALSE(device_.value_change_pending());
}

TEST_F(Session, PassiveChangeWaitsForTheNextInform) {
  start();
  device_.change("Device.Test.Value", "b", /*active=*/false);
  agent_->value_changed();
  settle();
  EXPECT_EQ(acs_->session_count(), 1u);
  agent_->diagnostics_complete();
  settle();
  ASSERT_EQ(acs_->session_count(), 2u);
  const AcsSession last = acs_->last();
  bool carried = false;
  for (const auto& p : last.body().parameter_list) carried |= p.name == "Device.Test.Value";
  EXPECT_TRUE(carried);
  // The passive change rides along, so the Inform says why (passive notification, CWMP-FACTS §7).
  EXPECT_EQ(last.events(), (std::vector<std::string>{"8 DIAGNOSTICS COMPLETE", "4 VALUE CHANGE"}));
}

TEST_F(Session, ActiveNotificationThrottle) {
  device_.set_management(
      [](cpe::ManagementSettings& m) { m.default_active_notification_throttle = 30; });
  start();  // a session just ended
  advance(10s);
  device_.change("Device.Test.Value", "b", true);
  agent_->value_changed();
  settle();
  EXPECT_EQ(acs_->session_count(), 1u);  // 20 s of throttle left
  advance(19s);
  EXPECT_EQ(acs_->session_count(), 1u);
  advance(1s);
  ASSERT_EQ(acs_->session_count(), 2u);
  EXPECT_EQ(acs_->last().events(), std::vector<std::string>{"4 VALUE CHANGE"});
}

TEST_F(Session, DiagnosticsComplete) {
  start();
  agent_->diagnostics_complete();
  settle();
  ASSERT_EQ(acs_->session_count(), 2u);
  EXPECT_EQ(acs_->last().events(), std::vector<std::string>{"8 DIAGNOSTICS COMPLETE"});
}

TEST_F(Session, ScheduleInformRaisesScheduledWithItsCommandKey) {
  cwmp::ScheduleInform si;
  si.delay_seconds = 30;
  si.command_key = "later";
  acs_->queue(si);
  start();
  ASSERT_EQ(acs_->last().answers.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<cwmp::ScheduleInformResponse>(acs_->last().answers[0].body));
  advance(29s);
  EXPECT_EQ(acs_->session_count(), 1u);
  advance(1s);
  ASSERT_EQ(acs_->session_count(), 2u);
  EXPECT_TRUE(acs_->last().has_event("3 SCHEDULED"));
  EXPECT_TRUE(acs_->last().has_event("M ScheduleInform", "later"));
}

// TR-069 §3.2.1.1: after the n-th consecutive failure the wait is in
// [m·(k/1000)^(n-1), m·(k/1000)^n], from n = 10 on that of n = 10; RetryCount counts them.
TEST_F(Session, RetryBackOffFollowsTheSpecWindowsAtTheirLowerBound) {
  acs_->set_inform_fault(cwmp::fault::kAcsRetryRequest);
  random_unit_ = 0.0;
  start();
  const cwmp::RetryPolicy policy{5, 2000};
  for (std::uint32_t n = 1; n <= 12; ++n) {
    ASSERT_EQ(acs_->session_count(), n);
    EXPECT_EQ(acs_->last().body().retry_count, n - 1);
    const auto window = cwmp::retry_window(n, policy);
    EXPECT_EQ(window.min, std::chrono::seconds(5) * (1 << (std::min<std::uint32_t>(n, 10) - 1)));
    const auto status = agent_->status();
    EXPECT_EQ(status.retry_count, n);
    ASSERT_TRUE(status.next_retry);
    EXPECT_EQ(*status.next_retry - clock_->now(), window.min) << "retry " << n;
    advance(window.min - 1ms);
    EXPECT_EQ(acs_->session_count(), n) << "too early at retry " << n;
    advance(1ms);
  }
  // The 13th attempt failed too (RetryCount 12); the 14th succeeds and resets the count.
  ASSERT_EQ(acs_->session_count(), 13u);
  EXPECT_EQ(acs_->last().body().retry_count, 12u);
  acs_->set_inform_fault(std::nullopt);
  advance(cwmp::retry_window(13, policy).min);
  ASSERT_EQ(acs_->session_count(), 14u);
  EXPECT_EQ(acs_->last().body().retry_count, 13u);
  EXPECT_EQ(agent_->status().retry_count, 0u);
  EXPECT_FALSE(agent_->status().next_retry);
}

TEST_F(Session, RetryBackOffAtTheUpperBoundWithOtherSettings) {
  device_.set_management([](cpe::ManagementSettings& m) {
    m.retry_minimum_wait_interval = 3;
    m.retry_interval_multiplier = 1500;
  });
  acs_->set_inform_fault(cwmp::fault::kAcsRetryRequest);
  random_unit_ = std::nextafter(1.0, 0.0);
  start();
  const cwmp::RetryPolicy policy{3, 1500};
  for (std::uint32_t n = 1; n <= 11; ++n) {
    ASSERT_EQ(acs_->session_count(), n);
    const auto window = cwmp::retry_window(n, policy);
    const auto status = agent_->status();
    ASSERT_TRUE(status.next_retry);
    EXPECT_EQ(*status.next_retry - clock_->now(), window.max) << "retry " << n;
    advance(window.max - 1ms);
    EXPECT_EQ(acs_->session_count(), n);
    advance(1ms);
  }
}

TEST_F(Session, FailedSessionKeepsEventsButDropsConnectionRequest) {
  acs_->set_inform_fault(cwmp::fault::kAcsRetryRequest);
  start();
  const std::string url = agent_->status().connection_request_url;
  const auto answer = connection_request(url, "", "");
  EXPECT_EQ(answer.status(), 200u);
  settle();  // the CR skips the back-off: a session at once, failed again
  ASSERT_EQ(acs_->session_count(), 2u);
  EXPECT_TRUE(acs_->last().has_event("6 CONNECTION REQUEST"));
  EXPECT_TRUE(acs_->last().has_event("0 BOOTSTRAP"));
  acs_->set_inform_fault(std::nullopt);
  advance(1h);
  ASSERT_EQ(acs_->session_count(), 3u);
  EXPECT_EQ(acs_->last().events(), (std::vector<std::string>{"0 BOOTSTRAP", "1 BOOT"}));
}

TEST_F(Session, UndeliveredEventsSurviveARestartByTheRetentionRules) {
  device_.set_management([](cpe::ManagementSettings& m) {
    m.periodic_inform_enable = true;
    m.periodic_inform_interval = 60;
  });
  acs_->set_inform_fault(cwmp::fault::kAcsRetryRequest);
  random_unit_ = 0.0;
  start();                         // fails: 0 BOOTSTRAP, 1 BOOT kept
  agent_->diagnostics_complete();  // kept after a failure, not across a reboot
  advance(60s);                    // the retry and 2 PERIODIC: one session, failed again
  ASSERT_EQ(acs_->session_count(), 2u);
  EXPECT_TRUE(acs_->last().has_event("2 PERIODIC"));
  EXPECT_TRUE(acs_->last().has_event("8 DIAGNOSTICS COMPLETE"));
  const std::uint32_t failures = agent_->status().retry_count;
  agent_.reset();
  acs_->set_inform_fault(std::nullopt);
  start();
  const AcsSession boot = acs_->last();
  EXPECT_EQ(boot.events(), (std::vector<std::string>{"0 BOOTSTRAP", "1 BOOT", "2 PERIODIC"}));
  EXPECT_EQ(boot.body().retry_count, failures);  // a reboot does not reset the count
}

TEST_F(Session, UnreachableAcsIsAFailedSession) {
  acs_->stop();
  start();
  const auto sessions = agent_->sessions();
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_FALSE(sessions[0].ok);
  EXPECT_NE(sessions[0].error.find("refused"), std::string::npos) << sessions[0].error;
  EXPECT_EQ(agent_->status().retry_count, 1u);
}

TEST_F(Session, HoldRequestsDelaysTheCpesRequests) {
  // A finished download gives the CPE a TransferComplete to send in the session after it.
  files_->put("/fw-2.0.0.bin", {200, "image", "", ""});
  cwmp::Download d;
  d.command_key = "dl";
  d.file_type = "1 Firmware Upgrade Image";
  d.url = files_->url("/fw-2.0.0.bin");
  d.delay_seconds = 10;
  acs_->queue(d);
  start();
  ASSERT_EQ(acs_->session_count(), 1u);
  // In that session the ACS holds the CPE's requests: HoldRequests on the InformResponse and
  // on the first GPV; the TransferComplete goes after the ACS's empty response.
  acs_->set_hold_requests(true);
  cwmp::GetParameterValues gpv;
  gpv.parameter_names = {"Device.Test.Value"};
  acs_->queue(gpv);
  acs_->queue(gpv);
  advance(10s);
  ASSERT_EQ(acs_->session_count(), 2u);
  const AcsSession last = acs_->last();
  ASSERT_TRUE(last.has_event("M Download", "dl"));
  EXPECT_EQ(last.timeline, (std::vector<std::string>{
                               "Inform", "(empty)", "GetParameterValuesResponse",
                               "GetParameterValuesResponse", "TransferComplete", "(empty)"}));
  EXPECT_TRUE(last.completed);
  EXPECT_TRUE(agent_->status().transfers.empty());
}

TEST_F(Session, WithoutHoldRequestsTheCpesRequestsComeFirst) {
  files_->put("/fw-2.0.0.bin", {200, "image", "", ""});
  cwmp::Download d;
  d.command_key = "dl";
  d.file_type = "1 Firmware Upgrade Image";
  d.url = files_->url("/fw-2.0.0.bin");
  d.delay_seconds = 10;
  acs_->queue(d);
  start();
  cwmp::GetParameterValues gpv;
  gpv.parameter_names = {"Device.Test.Value"};
  acs_->queue(gpv);
  advance(10s);
  ASSERT_EQ(acs_->session_count(), 2u);
  EXPECT_EQ(acs_->last().timeline,
            (std::vector<std::string>{"Inform", "TransferComplete", "(empty)",
                                      "GetParameterValuesResponse"}));
}

TEST_F(Session, RedirectIsFollowedForTheSession) {
  const std::string target = acs_->url("/moved");
  acs_->set_hook([target](const net::Request& r,
                          const std::optional<cwmp::Envelope>&) -> std::optional<net::Response> {
    if (r.target() != "/acs") return std::nullopt;
    net::Response res = status_response(http::status::temporary_redirect);
    res.message.set(http::field::location, "/moved");  // relative: resolved against /acs
    return res;
  });
  start();
  const auto reports = agent_->sessions();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_TRUE(reports[0].ok) << reports[0].error;
  // The ACS saw the Inform twice: at /acs (redirected) and at /moved, where the session ran.
  ASSERT_EQ(acs_->session_count(), 2u);
  EXPECT_TRUE(acs_->last().completed);
  EXPECT_EQ(acs_->last().timeline, (std::vector<std::string>{"Inform", "(empty)"}));
}

TEST_F(Session, MoreThanFiveRedirectsFailTheSession) {
  acs_->set_hook([](const net::Request& r,
                    const std::optional<cwmp::Envelope>&) -> std::optional<net::Response> {
    const std::string target(r.target());
    const int n = target == "/acs" ? 0 : std::stoi(target.substr(2));
    net::Response res = status_response(http::status::found);
    res.message.set(http::field::location, "/r" + std::to_string(n + 1));
    return res;
  });
  start();
  const auto reports = agent_->sessions();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_FALSE(reports[0].ok);
  EXPECT_NE(reports[0].error.find("redirects"), std::string::npos) << reports[0].error;
  // Six Informs: the first and five redirected ones.
  EXPECT_EQ(acs_->session_count(), 6u);
}

TEST_F(Session, CookiesAreSentBackWithinTheSessionOnly) {
  cwmp::GetParameterValues gpv;
  gpv.parameter_names = {"Device.Test.Value"};
  acs_->queue(gpv);
  start();
  AcsSession s = acs_->last();
  ASSERT_EQ(s.cookies.size(), 3u);  // Inform, empty POST, GPVResponse
  EXPECT_EQ(s.cookies[0], "");
  EXPECT_EQ(s.cookies[1], "acs-session=s1");
  EXPECT_EQ(s.cookies[2], "acs-session=s1");
  agent_->diagnostics_complete();
  settle();
  s = acs_->last();
  ASSERT_EQ(s.cookies.size(), 2u);
  EXPECT_EQ(s.cookies[0], "");  // a new session starts without the old cookie
  EXPECT_EQ(s.cookies[1], "acs-session=s2");
}

TEST_F(Session, DigestAuthenticationToTheAcs) {
  acs_->require_digest("cpe", "secret");
  device_.set_management([](cpe::ManagementSettings& m) {
    m.username = "cpe";
    m.password = "secret";
  });
  cwmp::GetParameterValues gpv;
  gpv.parameter_names = {"Device.Test.Value"};
  acs_->queue(gpv);
  start();
  ASSERT_EQ(acs_->session_count(), 1u);
  EXPECT_TRUE(acs_->last().completed);
  // One challenge, then credentials on every POST of the session (nc going up).
  EXPECT_EQ(acs_->unauthorized(), 1u);
}

TEST_F(Session, WrongAcsPasswordFailsTheSession) {
  acs_->require_digest("cpe", "secret");
  device_.set_management([](cpe::ManagementSettings& m) {
    m.username = "cpe";
    m.password = "wrong";
  });
  start();
  const auto reports = agent_->sessions();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_FALSE(reports[0].ok);
  EXPECT_NE(reports[0].error.find("credentials rejected"), std::string::npos) << reports[0].error;
  EXPECT_EQ(acs_->session_count(), 0u);
}

TEST_F(Session, BasicOverPlainHttpOnlyWhenConfigured) {
  acs_->require_basic("cpe", "secret");
  device_.set_management([](cpe::ManagementSettings& m) {
    m.username = "cpe";
    m.password = "secret";
  });
  start();
  auto reports = agent_->sessions();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_FALSE(reports[0].ok);
  EXPECT_NE(reports[0].error.find("Basic"), std::string::npos) << reports[0].error;
  agent_.reset();

  AgentOptions o = options();
  o.basic_over_http = true;
  start(o);
  reports = agent_->sessions();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_TRUE(reports[0].ok) << reports[0].error;
}

TEST_F(Session, Cwmp14NegotiatesTheVersion) {
  acs_->set_use_version("1.4");
  AgentOptions o = options();
  o.cwmp_version = cwmp::CwmpVersion::k1_4;
  start(o);
  const AcsSession s = acs_->last();
  ASSERT_TRUE(s.inform.header.supported_cwmp_versions);
  EXPECT_EQ(*s.inform.header.supported_cwmp_versions, "1.0,1.1,1.2,1.3,1.4");
  EXPECT_TRUE(s.inform.header.session_timeout);
  EXPECT_TRUE(s.completed);
}

TEST_F(Session, Cwmp14RefusesAVersionItDidNotOffer) {
  acs_->set_use_version("2.0");
  AgentOptions o = options();
  o.cwmp_version = cwmp::CwmpVersion::k1_4;
  start(o);
  const auto reports = agent_->sessions();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_FALSE(reports[0].ok);
}

TEST_F(Session, FaultToInformIsAFailedSession) {
  acs_->set_inform_fault(cwmp::fault::kAcsRetryRequest);
  start();
  const auto reports = agent_->sessions();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_FALSE(reports[0].ok);
  EXPECT_NE(reports[0].error.find("8005"), std::string::npos);
  // Undelivered: still pending.
  const auto status = agent_->status();
  EXPECT_EQ(status.pending_events.size(), 2u);
}

}  // namespace
}  // namespace cpe_agent_test
