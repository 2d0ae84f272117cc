// End to end: a firmware campaign (docs/campaigns.md) run by the whole cwmp-acs in-process over
// a cwmp-sim fleet of 200 real agents, 10% of which refuse the image (--firmware-fail-percent):
// the campaign pauses itself at its failure threshold; once the failing devices are excluded
// by a tag and it is resumed, it completes with every other device confirmed on the new
// SoftwareVersion, never more than maxConcurrent devices upgrading at once.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "e2e_support.hpp"
#include "fleet.hpp"

// AddressSanitizer makes the 200 agents and the ACS several times slower.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CWMP_E2E_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define CWMP_E2E_SANITIZED 1
#endif

namespace {

#ifdef CWMP_E2E_SANITIZED
constexpr int kSlowdown = 4;
#else
constexpr int kSlowdown = 1;
#endif

using namespace e2e;

// The 200 devices; 100 under a sanitizer (the plain build runs the 200: the sanitizer
// run is there for memory errors, and 200 instrumented agents take minutes on a CI machine).
#ifdef CWMP_E2E_SANITIZED
constexpr std::uint32_t kDevices = 100;
#else
constexpr std::uint32_t kDevices = 200;
#endif
constexpr std::uint32_t kFailPercent = 10;
constexpr std::int64_t kMaxConcurrent = 20;
// Every index % 100 below kFailPercent fails: 2 x 10 of 200 (10 of 100).
constexpr std::int64_t kGood = kDevices - kDevices / 100 * kFailPercent;
constexpr std::string_view kImage = "#cwmp-firmware\nversion=2.0.0\n\nimage bytes\n";

class E2eSimCampaign : public AcsFixture {
 protected:
  json::value campaign() {
    const Reply r = get("/campaigns/fw");
    EXPECT_EQ(r.status, 200u) << r.body;
    return r.status == 200 ? r.json() : json::value();
  }
  std::int64_t count(const json::value& c, std::string_view state) {
    return int_at(c, "counts." + std::string(state));
  }
  // Polls the campaign (every 200 ms: a GET counts over the whole fleet on the store threads
  // the sessions need too) until `done` holds, tracking the most devices seen upgrading at once.
  // Under a sanitizer everything is several times slower: the limits stretch accordingly.
  bool wait_for(const std::function<bool(const json::value&)>& done, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit * kSlowdown;
    for (;;) {
      const json::value c = campaign();
      max_seen_ = std::max(max_seen_, count(c, "downloading") + count(c, "applied"));
      if (done(c)) return true;
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(200ms);
    }
  }
  // The device's document, found through the query API.
  json::value version_of(const std::string& id) {
    const json::array found = query("devices", json::object{{"_id", id}});
    EXPECT_EQ(found.size(), 1u) << id;
    return found.empty() ? json::value() : found[0];
  }
  std::int64_t max_seen_ = 0;
};

TEST_F(E2eSimCampaign, PausesAtTheFailureThresholdAndCompletesOnceTheFailingAreExcluded) {
  start_acs();
  net::Headers headers{{"fileType", "1 Firmware Upgrade Image"}, {"version", "2.0.0"}};
  ASSERT_EQ(nbi(http::verb::put, "/files/fw-2.0.0.bin", std::string(kImage), headers).status, 201u);

  sim::SimConfig c;
  c.acs_url = acs_url();
  c.acs_username = std::string(kCpeUser);
  c.acs_password = std::string(kCpePassword);
  c.devices = kDevices;
  c.serial_pattern = "CAMP%04u";
  c.periodic_interval = 1s;
  c.retry_min_wait = 1;
  c.threads = 2;
  c.http_timeout = 10s;
  c.firmware_fail_percent = kFailPercent;
  sim::Fleet fleet(c);
  fleet.start();
  ASSERT_TRUE(eventually(
      [&] {
        const Reply r = nbi(http::verb::head, "/devices/");
        return r.header("X-Total-Count") == std::to_string(kDevices);
      },
      20s * kSlowdown));

  const json::object definition{{"filter", json::object()},
                                {"file", "fw-2.0.0.bin"},
                                {"maxConcurrent", kMaxConcurrent},
                                {"failureThreshold", 0.05},
                                {"minFinished", 10}};
  Reply r = nbi(http::verb::put, "/campaigns/fw", json::serialize(definition));
  ASSERT_EQ(r.status, 201u) << r.body;

  // 1. It pauses itself, with the failures recorded, before the rollout is over.
  ASSERT_TRUE(wait_for([](const json::value& v) { return string_at(v, "state") == "paused"; }, 30s))
      << json::serialize(campaign());
  json::value now = campaign();
  EXPECT_NE(string_at(now, "reason").find("exceeds the threshold"), std::string::npos)
      << string_at(now, "reason");
  RecordProperty("paused", json::serialize(now));
  EXPECT_GT(count(now, "failed"), 0);
  EXPECT_GT(count(now, "pending"), 0) << "paused only once every device was done";

  // Paused: the devices in flight finish, nothing new starts.
  ASSERT_TRUE(wait_for(
      [&](const json::value& v) { return count(v, "downloading") + count(v, "applied") == 0; },
      20s));
  r = get("/campaigns/fw/devices?state=failed");
  ASSERT_EQ(r.status, 200u) << r.body;
  const json::value failed = r.json();
  ASSERT_TRUE(failed.is_array()) << r.body;
  for (const json::value& d : failed.as_array()) {
    EXPECT_EQ(int_at(d, "fault.code"), 9018) << json::serialize(d);
  }

  // 2. The operator excludes the devices that cannot take the image (a hardware batch: here,
  // the failing share of the fleet) and resumes.
  for (std::uint32_t i = 0; i < kDevices; ++i) {
    if (i % 100 >= kFailPercent) continue;
    ASSERT_EQ(
        nbi(http::verb::post, "/devices/" + encode(fleet.device_id(i)) + "/tags/fw-bad").status,
        200u);
  }
  json::object excluded = definition;
  excluded["filter"] = json::object{{"_tags", json::object{{"$ne", "fw-bad"}}}};
  r = nbi(http::verb::put, "/campaigns/fw", json::serialize(excluded));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(int_at(r.json(), "counts.targeted"), kGood);
  const std::int64_t failed_before = count(r.json(), "failed");
  r = nbi(http::verb::post, "/campaigns/fw/resume");
  ASSERT_EQ(r.status, 200u) << r.body;

  // 3. It completes: every targeted device confirmed on 2.0.0.
  ASSERT_TRUE(
      wait_for([](const json::value& v) { return string_at(v, "state") == "completed"; }, 40s))
      << json::serialize(campaign());
  const std::string good_id = fleet.device_id(42);
  const std::string bad_id = fleet.device_id(3);
  fleet.stop();  // (forgets the devices' ids)
  now = campaign();
  RecordProperty("completed", json::serialize(now));
  EXPECT_EQ(count(now, "confirmed"), kGood);
  EXPECT_EQ(count(now, "failed"), failed_before) << "no excluded device was started again";
  EXPECT_EQ(count(now, "pending"), 0);
  EXPECT_LE(int_at(now, "maxInFlight"), kMaxConcurrent);
  EXPECT_GT(int_at(now, "maxInFlight"), 1) << "the rollout never ran devices in parallel";
  EXPECT_LE(max_seen_, kMaxConcurrent);
  const json::value good = version_of(good_id);
  EXPECT_EQ(string_at(good, "Device.DeviceInfo.SoftwareVersion._value"), "2.0.0");
  const json::value bad = version_of(bad_id);
  EXPECT_EQ(string_at(bad, "Device.DeviceInfo.SoftwareVersion._value"), "0.1.0");
}

}  // namespace
