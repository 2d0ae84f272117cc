// Firmware campaigns, the pure part (src/acs/campaigns.hpp): definitions, windows, thresholds,
// per-device transitions.
#include "acs/campaigns.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace {

namespace json = boost::json;
namespace cp = acs::campaigns;
using cp::DeviceState;

constexpr acs::Millis kMinute = 60'000;
constexpr acs::Millis kDay = 24 * 60 * kMinute;
// 2026-11-28T00:00:00Z
constexpr acs::Millis kMidnight = 1'795'824'000'000;

acs::Millis at(int hours, int minutes) {
  return kMidnight + (hours * 60 + minutes) * kMinute;
}

cp::Definition parse_ok(std::string_view body) {
  auto d = cp::parse_definition("fw", json::parse(body));
  EXPECT_TRUE(d.ok()) << (d ? "" : d.error().to_string());
  return d ? *d : cp::Definition{};
}

std::string parse_error(std::string_view body) {
  auto d = cp::parse_definition("fw", json::parse(body));
  EXPECT_FALSE(d.ok()) << body;
  return d ? std::string() : d.error().to_string();
}

TEST(CampaignDefinition, ParsesEveryFieldAndRoundTrips) {
  const cp::Definition d = parse_ok(
      R"({"filter": {"_tags": {"$ne": "lab"}}, "file": "fw-2.0.bin", "maxConcurrent": 20,
          "failureThreshold": 0.05, "minFinished": 5, "successThreshold": 0.9,
          "window": "22:00-04:00"})");
  EXPECT_EQ(d.name, "fw");
  EXPECT_EQ(d.file, "fw-2.0.bin");
  EXPECT_EQ(d.max_concurrent, 20u);
  EXPECT_DOUBLE_EQ(d.failure_threshold, 0.05);
  EXPECT_EQ(d.min_finished, 5u);
  EXPECT_DOUBLE_EQ(d.success_threshold, 0.9);
  ASSERT_TRUE(d.window);
  EXPECT_EQ(cp::to_string(*d.window), "22:00-04:00");
  auto again = cp::parse_definition("fw", cp::to_json(d));
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_EQ(cp::to_json(*again), cp::to_json(d));
}

TEST(CampaignDefinition, DefaultsApply) {
  const cp::Definition d = parse_ok(R"({"filter": {}, "file": "f"})");
  EXPECT_EQ(d.max_concurrent, 10u);
  EXPECT_DOUBLE_EQ(d.failure_threshold, 0.1);
  EXPECT_EQ(d.min_finished, 10u);
  EXPECT_DOUBLE_EQ(d.success_threshold, 1.0);
  EXPECT_FALSE(d.window);
}

TEST(CampaignDefinition, RefusesBadBodiesWithAPointer) {
  EXPECT_EQ(parse_error(R"({"filter": {}})"), "/file: is required");
  EXPECT_EQ(parse_error(R"({"file": "f"})"), "/filter: is required ({} selects every device)");
  EXPECT_EQ(parse_error(R"({"filter": {}, "file": "f", "maxConcurrent": 0})").substr(0, 15),
            "/maxConcurrent:");
  EXPECT_EQ(parse_error(R"({"filter": {}, "file": "f", "maxConcurrent": 2.5})").substr(0, 15),
            "/maxConcurrent:");
  EXPECT_EQ(parse_error(R"({"filter": {}, "file": "f", "failureThreshold": 1.5})").substr(0, 18),
            "/failureThreshold:");
  EXPECT_EQ(parse_error(R"({"filter": {}, "file": "f", "successThreshold": 0})").substr(0, 18),
            "/successThreshold:");
  EXPECT_EQ(parse_error(R"({"filter": {}, "file": "f", "window": "25:00-01:00"})").substr(0, 8),
            "/window:");
  EXPECT_EQ(parse_error(R"({"filter": {}, "file": "f", "window": "01:00-01:00"})").substr(0, 8),
            "/window:");
  EXPECT_EQ(parse_error(R"({"filter": {}, "file": "f", "maxConcurent": 3})").substr(0, 14),
            "/maxConcurent:");
  EXPECT_EQ(parse_error(R"({"filter": {"$and": 3}, "file": "f"})").substr(0, 12), "/filter/$and");
  EXPECT_EQ(parse_error(R"([1])"), "body: the body must be a JSON object");
  EXPECT_FALSE(cp::parse_definition("a/b", json::parse(R"({"filter": {}, "file": "f"})")).ok());
  EXPECT_FALSE(
      cp::parse_definition(std::string(129, 'x'), json::parse(R"({"filter": {}, "file": "f"})"))
          .ok());
}

TEST(CampaignWindow, PlainWindow) {
  std::string error;
  const auto w = cp::parse_window("09:30-17:00", error);
  ASSERT_TRUE(w) << error;
  EXPECT_FALSE(cp::in_window(w, at(9, 29)));
  EXPECT_TRUE(cp::in_window(w, at(9, 30)));
  EXPECT_TRUE(cp::in_window(w, at(16, 59)));
  EXPECT_FALSE(cp::in_window(w, at(17, 0)));
  EXPECT_TRUE(cp::in_window(w, at(12, 0) + 5 * kDay));  // any day
}

TEST(CampaignWindow, WrapsMidnight) {
  std::string error;
  const auto w = cp::parse_window("22:00-04:00", error);
  ASSERT_TRUE(w) << error;
  EXPECT_TRUE(cp::in_window(w, at(22, 0)));
  EXPECT_TRUE(cp::in_window(w, at(23, 59)));
  EXPECT_TRUE(cp::in_window(w, at(0, 0)));
  EXPECT_TRUE(cp::in_window(w, at(3, 59)));
  EXPECT_FALSE(cp::in_window(w, at(4, 0)));
  EXPECT_FALSE(cp::in_window(w, at(12, 0)));
  EXPECT_FALSE(cp::in_window(w, at(21, 59)));
  EXPECT_TRUE(cp::in_window(std::nullopt, at(12, 0)));
  for (const char* bad : {"", "2200-0400", "22:00", "22:00-4:00", "24:00-01:00", "10:60-11:00",
                          "aa:bb-cc:dd", "22:00-04:00 "}) {
    EXPECT_FALSE(cp::parse_window(bad, error)) << bad;
  }
}

TEST(CampaignDecisions, StartsOnlyWhenRunningAndInTheWindow) {
  cp::Definition d;
  std::string error;
  d.window = cp::parse_window("01:00-02:00", error);
  EXPECT_TRUE(cp::may_start(d, cp::State::kRunning, at(1, 30)));
  EXPECT_FALSE(cp::may_start(d, cp::State::kRunning, at(2, 30)));
  EXPECT_FALSE(cp::may_start(d, cp::State::kPaused, at(1, 30)));
  EXPECT_FALSE(cp::may_start(d, cp::State::kCompleted, at(1, 30)));
}

TEST(CampaignDecisions, FailureThresholdWaitsForMinFinished) {
  cp::Definition d;
  d.failure_threshold = 0.05;
  d.min_finished = 10;
  EXPECT_FALSE(cp::pause_reason(d, 0, 0));
  EXPECT_FALSE(cp::pause_reason(d, 9, 5)) << "too few finished to judge";
  EXPECT_FALSE(cp::pause_reason(d, 20, 1)) << "5% is not above 5%";
  const auto reason = cp::pause_reason(d, 20, 2);
  ASSERT_TRUE(reason);
  EXPECT_NE(reason->find("10.0%"), std::string::npos) << *reason;
  EXPECT_NE(reason->find("2 of 20"), std::string::npos) << *reason;
  d.failure_threshold = 0.0;  // no failure tolerated
  EXPECT_TRUE(cp::pause_reason(d, 10, 1));
  EXPECT_FALSE(cp::pause_reason(d, 10, 0));
}

TEST(CampaignDecisions, SuccessThreshold) {
  cp::Definition d;
  EXPECT_FALSE(cp::is_complete(d, 0, 0)) << "nothing targeted is not a success";
  EXPECT_FALSE(cp::is_complete(d, 180, 179));
  EXPECT_TRUE(cp::is_complete(d, 180, 180));
  EXPECT_TRUE(cp::is_complete(d, 180, 200));
  d.success_threshold = 0.9;
  EXPECT_TRUE(cp::is_complete(d, 10, 9));
  EXPECT_FALSE(cp::is_complete(d, 10, 8));
}

TEST(CampaignTransitions, InformConfirmsOrFails) {
  // The boot Inform after the image comes before its TransferComplete: confirmed directly.
  auto t = cp::after_inform(DeviceState::kDownloading, true, "2.0", "2.0");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->to, DeviceState::kConfirmed);
  t = cp::after_inform(DeviceState::kApplied, false, "2.0", "2.0");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->to, DeviceState::kConfirmed);
  // Still downloading on the old version: wait.
  EXPECT_FALSE(cp::after_inform(DeviceState::kDownloading, true, "1.0", "2.0"));
  EXPECT_FALSE(cp::after_inform(DeviceState::kApplied, false, "1.0", "2.0"));
  // Applied, rebooted, old version: the image did not take.
  t = cp::after_inform(DeviceState::kApplied, true, "1.0", "2.0");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->to, DeviceState::kFailed);
  EXPECT_NE(t->fault_message.find("'1.0'"), std::string::npos);
  // Finished devices stay finished.
  EXPECT_FALSE(cp::after_inform(DeviceState::kConfirmed, true, "1.0", "2.0"));
  EXPECT_FALSE(cp::after_inform(DeviceState::kFailed, true, "2.0", "2.0"));
}

TEST(CampaignTransitions, TransferCompleteAndTaskFault) {
  auto t = cp::after_transfer_complete(DeviceState::kDownloading, std::nullopt);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->to, DeviceState::kApplied);
  EXPECT_FALSE(cp::after_transfer_complete(DeviceState::kApplied, std::nullopt));
  EXPECT_FALSE(cp::after_transfer_complete(DeviceState::kConfirmed, std::nullopt));
  const acs::TaskFault corrupted{9018, "file corrupted", {}};
  t = cp::after_transfer_complete(DeviceState::kDownloading, corrupted);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->to, DeviceState::kFailed);
  EXPECT_EQ(t->fault_code, 9018u);
  EXPECT_EQ(t->fault_message, "file corrupted");
  t = cp::after_task_fault(DeviceState::kDownloading, acs::TaskFault{9003, "bad args", {}});
  ASSERT_TRUE(t);
  EXPECT_EQ(t->fault_code, 9003u);
  EXPECT_FALSE(cp::after_task_fault(DeviceState::kConfirmed, corrupted));
}

TEST(CampaignTransitions, StateNamesRoundTrip) {
  for (const auto s : {DeviceState::kPending, DeviceState::kDownloading, DeviceState::kApplied,
                       DeviceState::kConfirmed, DeviceState::kFailed}) {
    EXPECT_EQ(cp::parse_device_state(cp::to_string(s)), s);
  }
  for (const auto s : {cp::State::kRunning, cp::State::kPaused, cp::State::kCompleted}) {
    EXPECT_EQ(cp::parse_state(cp::to_string(s)), s);
  }
  EXPECT_FALSE(cp::parse_state("stopped"));
  EXPECT_TRUE(cp::in_flight(DeviceState::kApplied));
  EXPECT_FALSE(cp::in_flight(DeviceState::kPending));
}

TEST(CampaignTransitions, SoftwareVersionFromEitherRoot) {
  acs::InformRecord inform;
  EXPECT_FALSE(cp::software_version(inform));
  inform.parameters.push_back(
      {"InternetGatewayDevice.DeviceInfo.SoftwareVersion", "3.1", {}, {}, {}, {}});
  EXPECT_EQ(cp::software_version(inform), "3.1");
  inform.parameters.front().path = "Device.DeviceInfo.SoftwareVersion";
  EXPECT_EQ(cp::software_version(inform), "3.1");
}

}  // namespace
