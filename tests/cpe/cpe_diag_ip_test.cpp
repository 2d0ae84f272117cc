// IPPing and TraceRoute over loopback, and the DiagnosticsState life cycle (queue until the
// session ends, cancel by writing the object again, on_complete once per test).
#include <regex>

#include "cpe_diag_test_support.hpp"

namespace cpe_diag_test {
namespace {

class PingTest : public DiagFixture {
 protected:
  void SetUp() override {
    DiagFixture::SetUp();
    if (icmp_method().empty()) {
      GTEST_SKIP() << "no ICMP method for this user: no ICMP datagram socket (gid not in "
                      "net.ipv4.ping_group_range), no raw socket (no CAP_NET_RAW), no ping";
    }
  }
};

TEST_F(PingTest, LoopbackAnswersEveryRequest) {
  run("IPPing", {{"Host", "127.0.0.1"},
                 {"NumberOfRepetitions", "3"},
                 {"Timeout", "2000"},
                 {"DataBlockSize", "100"},
                 {"DSCP", "10"}});
  EXPECT_EQ(get("IPPing", "DiagnosticsState"), "Complete") << log_text();
  EXPECT_EQ(get("IPPing", "SuccessCount"), "3");
  EXPECT_EQ(get("IPPing", "FailureCount"), "0");
  EXPECT_EQ(get("IPPing", "IPAddressUsed"), "127.0.0.1");
  const auto low = number("IPPing", "MinimumResponseTimeDetailed");
  const auto average = number("IPPing", "AverageResponseTimeDetailed");
  const auto high = number("IPPing", "MaximumResponseTimeDetailed");
  EXPECT_LE(low, average);
  EXPECT_LE(average, high);
  EXPECT_GT(high, 0u);  // a real round trip takes at least a microsecond
  EXPECT_LT(high, 2'000'000u);
  EXPECT_EQ(number("IPPing", "MaximumResponseTime"), (high + 500) / 1000);
  EXPECT_EQ(completions_.load(), 1);
}

TEST_F(PingTest, UnresolvableHostIsReported) {
  run("IPPing", {{"Host", "no-such-host.invalid"}, {"NumberOfRepetitions", "1"}});
  EXPECT_EQ(get("IPPing", "DiagnosticsState"), "Error_CannotResolveHostName");
  EXPECT_EQ(get("IPPing", "SuccessCount"), "0");
  EXPECT_EQ(get("IPPing", "AverageResponseTime"), "0");
  EXPECT_EQ(completions_.load(), 1);
}

TEST_F(PingTest, SilentHostCountsFailures) {
  // 198.18.0.0/15 (RFC 2544 benchmarking) is not routed on the Internet: either nothing
  // answers, or there is no route at all.
  const auto started = std::chrono::steady_clock::now();
  run("IPPing", {{"Host", "198.18.255.254"}, {"NumberOfRepetitions", "2"}, {"Timeout", "200"}});
  const std::string state = get("IPPing", "DiagnosticsState");
  EXPECT_TRUE(state == "Complete" || state == "Error_NoRouteToHost") << state;
  EXPECT_EQ(get("IPPing", "SuccessCount"), "0");
  EXPECT_EQ(get("IPPing", "FailureCount"), "2");
  EXPECT_EQ(get("IPPing", "MinimumResponseTimeDetailed"), "0");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s) << "the timeout was not honoured";
  EXPECT_EQ(completions_.load(), 1);
}

TEST_F(PingTest, InterfaceIsTheNamedIpInterface) {
  // Device.IP.Interface.2 is "lan" in the factory model; call it lo for the test.
  model_->set_internal("Device.IP.Interface.2.Name", "lo");
  run("IPPing", {{"Host", "127.0.0.1"},
                 {"NumberOfRepetitions", "2"},
                 {"Interface", "Device.IP.Interface.2"}});
  EXPECT_EQ(get("IPPing", "DiagnosticsState"), "Complete") << log_text();
  EXPECT_EQ(get("IPPing", "SuccessCount"), "2");

  // An interface that does not exist, or a path that is no IP interface: Error_Other.
  run("IPPing", {{"Interface", "Device.IP.Interface.7"}});
  EXPECT_EQ(get("IPPing", "DiagnosticsState"), "Error_Other");
  run("IPPing", {{"Interface", "Device.DeviceInfo"}});
  EXPECT_EQ(get("IPPing", "DiagnosticsState"), "Error_Other");
  EXPECT_EQ(completions_.load(), 3);
}

TEST_F(PingTest, IPv6IsRefusedWithErrorOther) {
  run("IPPing", {{"Host", "127.0.0.1"}, {"ProtocolVersion", "IPv6"}});
  EXPECT_EQ(get("IPPing", "DiagnosticsState"), "Error_Other");
  EXPECT_NE(log_text().find("IPv6 is not supported"), std::string::npos);
}

TEST_F(DiagFixture, TraceRouteToLoopbackIsOneHop) {
  run("TraceRoute", {{"Host", "127.0.0.1"}, {"NumberOfTries", "3"}, {"Timeout", "2000"}});
  EXPECT_EQ(get("TraceRoute", "DiagnosticsState"), "Complete") << log_text();
  EXPECT_EQ(get("TraceRoute", "RouteHopsNumberOfEntries"), "1");
  EXPECT_EQ(get("TraceRoute", "IPAddressUsed"), "127.0.0.1");
  EXPECT_EQ(get("TraceRoute", "RouteHops.1.HostAddress"), "127.0.0.1");
  EXPECT_EQ(get("TraceRoute", "RouteHops.1.Host"), "127.0.0.1");  // names off in the fixture
  EXPECT_EQ(get("TraceRoute", "RouteHops.1.ErrorCode"), "0");
  EXPECT_TRUE(
      std::regex_match(get("TraceRoute", "RouteHops.1.RTTimes"), std::regex(R"(\d+,\d+,\d+)")))
      << get("TraceRoute", "RouteHops.1.RTTimes");

  // A second trace replaces the hops (instance numbers are not reused).
  run("TraceRoute", {{"Host", "127.0.0.1"}, {"NumberOfTries", "1"}});
  EXPECT_EQ(get("TraceRoute", "RouteHopsNumberOfEntries"), "1");
  EXPECT_EQ(get("TraceRoute", "RouteHops.1.HostAddress"), "<missing>");
  EXPECT_EQ(get("TraceRoute", "RouteHops.2.HostAddress"), "127.0.0.1");
  EXPECT_TRUE(std::regex_match(get("TraceRoute", "RouteHops.2.RTTimes"), std::regex(R"(\d+)")));
  EXPECT_EQ(completions_.load(), 2);
}

TEST_F(DiagFixture, TraceRouteUnresolvableHost) {
  run("TraceRoute", {{"Host", "no-such-host.invalid"}});
  EXPECT_EQ(get("TraceRoute", "DiagnosticsState"), "Error_CannotResolveHostName");
  EXPECT_EQ(get("TraceRoute", "RouteHopsNumberOfEntries"), "0");
  EXPECT_EQ(completions_.load(), 1);
}

// --- the life cycle ------------------------------------------------------------------------

TEST_F(DiagFixture, NothingRunsBeforeTheSessionEnds) {
  ASSERT_TRUE(spv("TraceRoute", {{"Host", "127.0.0.1"}, {"DiagnosticsState", "Requested"}}));
  // Queued, not started: idle() waits for the session to end.
  EXPECT_EQ(runner_->idle().wait_for(200ms), std::future_status::timeout);
  EXPECT_EQ(get("TraceRoute", "DiagnosticsState"), "Requested");
  runner_->session_ended();
  ASSERT_EQ(runner_->idle().wait_for(30s), std::future_status::ready);
  EXPECT_EQ(get("TraceRoute", "DiagnosticsState"), "Complete");
  EXPECT_EQ(completions_.load(), 1);
}

TEST_F(DiagFixture, RewritingTheObjectBeforeTheSessionEndsDropsTheRequest) {
  ASSERT_TRUE(spv("TraceRoute", {{"Host", "127.0.0.1"}, {"DiagnosticsState", "Requested"}}));
  ASSERT_TRUE(spv("TraceRoute", {{"Host", "127.0.0.2"}}));  // state back to None
  EXPECT_EQ(get("TraceRoute", "DiagnosticsState"), "None");
  ASSERT_EQ(runner_->idle().wait_for(1s), std::future_status::ready);
  runner_->session_ended();
  ASSERT_EQ(runner_->idle().wait_for(1s), std::future_status::ready);
  EXPECT_EQ(get("TraceRoute", "DiagnosticsState"), "None");
  EXPECT_EQ(get("TraceRoute", "RouteHopsNumberOfEntries"), "0");
  EXPECT_EQ(completions_.load(), 0);
}

TEST_F(DiagFixture, SeveralTestsRunOneAfterTheOtherEachCompletingOnce) {
  ASSERT_TRUE(
      spv("TraceRoute",
          {{"Host", "127.0.0.1"}, {"NumberOfTries", "1"}, {"DiagnosticsState", "Requested"}}));
  ASSERT_TRUE(spv("IPPing", {{"Host", "no-such-host.invalid"}, {"DiagnosticsState", "Requested"}}));
  runner_->session_ended();
  ASSERT_EQ(runner_->idle().wait_for(30s), std::future_status::ready);
  EXPECT_EQ(get("TraceRoute", "DiagnosticsState"), "Complete");
  EXPECT_EQ(get("IPPing", "DiagnosticsState"), "Error_CannotResolveHostName");
  EXPECT_EQ(completions_.load(), 2);
}

}  // namespace
}  // namespace cpe_diag_test
