// End to end: cwmp-sim's fleet (sim::Fleet: many real agents in one process, shared schema,
// shared worker pool, one connection-request listener) against the whole cwmp-acs in-process
// on 127.0.0.1: steady periodic sessions, a boot storm under a deliberately tiny session cap
// (503 + the spec back-off must still converge), and a connection-request storm through the
// NBI that must reach every device.
#include <gtest/gtest.h>

#include <string>

#include "e2e_support.hpp"
#include "fleet.hpp"

namespace {

using namespace e2e;

class E2eSim : public AcsFixture {
 protected:
  sim::SimConfig fleet_config(std::uint32_t devices, const std::string& scenario) {
    sim::SimConfig c;
    c.acs_url = acs_url();
    c.acs_username = std::string(kCpeUser);
    c.acs_password = std::string(kCpePassword);
    c.devices = devices;
    c.scenario = scenario;
    c.serial_pattern = "E2ESIM%04u";
    c.retry_min_wait = 1;
    c.threads = 2;
    c.http_timeout = 10s;
    return c;
  }

  // HEAD /devices/ -> X-Total-Count.
  std::int64_t devices_known() {
    const Reply r = nbi(http::verb::head, "/devices/");
    return std::stoll("0" + r.header("X-Total-Count"));
  }
};

TEST_F(E2eSim, SteadyFleetCompletesPeriodicSessions) {
  start_acs();
  sim::SimConfig c = fleet_config(50, "steady");
  c.periodic_interval = 1s;  // two periodic rounds in the test's time
  sim::Fleet fleet(c);
  fleet.start();
  // Every device bootstraps, then informs periodically: 50 + 2 x 50 sessions at least.
  ASSERT_TRUE(eventually([&] { return fleet.stats().total().sessions_ok >= 150; }, 20s))
      << sim::progress_line(fleet.stats().total());
  EXPECT_EQ(fleet.device_id(7), "00D09E-SimGateway-E2ESIM0007");
  fleet.stop();
  const sim::Snapshot s = fleet.stats().total();
  EXPECT_EQ(s.sessions_failed, 0u) << sim::progress_line(s);
  EXPECT_EQ(s.online, 50u);
  EXPECT_EQ(devices_known(), 50);
}

TEST_F(E2eSim, BootStormConvergesUnderATinySessionCap) {
  acs_app::AcsConfig acs = config();
  acs.max_sessions = 4;  // most of the storm gets 503 and must back off
  start_acs(acs);
  sim::Fleet fleet(fleet_config(300, "boot-storm"));
  fleet.start();
  ASSERT_TRUE(eventually([&] { return fleet.finished(); }, 60s))
      << fleet.summary() << " / " << sim::progress_line(fleet.stats().total());
  fleet.stop();
  const sim::Snapshot s = fleet.stats().total();
  EXPECT_GT(s.failures[static_cast<std::size_t>(sim::FailureKind::kBusy)], 0u)
      << "the cap never refused anything: the test proves nothing";
  EXPECT_EQ(s.online, 300u);
  EXPECT_EQ(devices_known(), 300);
  EXPECT_NE(fleet.report(false).at("convergedAfterSeconds").as_double(), 0.0);
}

TEST_F(E2eSim, ConnectionRequestStormReachesEveryDevice) {
  start_acs();
  sim::SimConfig c = fleet_config(100, "cr-storm");
  c.cr_listen = "127.0.0.1:0";
  c.nbi_url = "http://127.0.0.1:" + std::to_string(ports_.nbi);
  sim::Fleet fleet(c);
  fleet.start();
  ASSERT_TRUE(eventually([&] { return fleet.finished(); }, 60s)) << fleet.summary();
  fleet.stop();
  const boost::json::object report = fleet.report(false);
  EXPECT_EQ(report.at("crStorm").at("accepted").as_uint64(), 100u) << fleet.summary();
  EXPECT_EQ(report.at("crStorm").at("failed").as_uint64(), 0u);
  EXPECT_EQ(fleet.stats().total().connection_requests, 100u);
}

}  // namespace
