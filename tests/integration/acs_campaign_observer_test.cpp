// The CampaignObserver (src/acs/campaign_observer.hpp) on an in-memory SQLite store, driven as
// cwmp_service drives it (Inform stored, then on_inform; TransferComplete stored, then
// on_transfer_complete): slots, confirmation, failures, the pause, the window, completion.
#include "acs/campaign_observer.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "acs/campaigns.hpp"
#include "acs/device_id.hpp"
#include "store/sqlite_store.hpp"

namespace {

namespace json = boost::json;

constexpr acs::Millis kNoon = 1'795'780'800'000;  // 2026-11-27T12:00:00Z

class CampaignObserverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::FileInfo f;
    f.name = "fw-2.0.bin";
    f.file_type = "1 Firmware Upgrade Image";
    f.version = "2.0";
    f.size = 1234;
    s->put_file(f);
  }

  static std::string id(int n) {
    return acs::make_device_id({"ACME", "00D09E", "HGW", "SN" + std::to_string(n)});
  }

  acs::InformRecord inform(int n, const std::string& version, bool boot) {
    acs::InformRecord r;
    r.device = {"ACME", "00D09E", "HGW", "SN" + std::to_string(n)};
    r.device_id = id(n);
    r.events.push_back({boot ? "1 BOOT" : "2 PERIODIC", ""});
    r.parameters.push_back(
        {"Device.DeviceInfo.SoftwareVersion", version, cwmp::ValueType::kString, false, {}, {}});
    r.received = kNoon;
    return r;
  }

  // As cwmp_service does: store, then tell the observer.
  void session(int n, const std::string& version, bool boot = false) {
    const acs::InformRecord r = inform(n, version, boot);
    s->record_inform(r);
    observer.on_inform(r, kNoon);
  }

  void transfer_complete(int n, const std::optional<acs::TaskFault>& fault) {
    const auto task = s->complete_transfer(id(n), "campaign:fw", json::object(), fault, kNoon);
    observer.on_transfer_complete(id(n), "campaign:fw", task, fault, kNoon);
  }

  void create(const std::string& body) {
    auto d = acs::campaigns::parse_definition("fw", json::parse(body));
    ASSERT_TRUE(d.ok()) << d.error().to_string();
    store::StoredCampaign c;
    c.name = "fw";
    c.definition = json::serialize(acs::campaigns::to_json(*d));
    c.target_version = "2.0";
    s->put_campaign(c, false);
  }

  std::string state_of(int n) {
    for (const auto& row : s->campaign_devices_of(id(n))) return row.state;
    return "pending";
  }

  std::unique_ptr<store::Store> s = store::open_sqlite(":memory:");
  acs::CampaignObserver observer{*s, [] { return std::string("http://acs.example:7567"); }, 0};
};

TEST_F(CampaignObserverTest, StartsWithinTheSlotsAndConfirmsOnTheNewVersion) {
  create(R"({"filter": {}, "file": "fw-2.0.bin", "maxConcurrent": 2})");
  session(1, "1.0");
  session(2, "1.0");
  session(3, "1.0");  // no slot left
  session(4, "2.0");  // already there
  EXPECT_EQ(state_of(1), "downloading");
  EXPECT_EQ(state_of(2), "downloading");
  EXPECT_EQ(state_of(3), "pending");
  EXPECT_EQ(state_of(4), "confirmed");

  const auto task = s->next_task(id(1), kNoon);
  ASSERT_TRUE(task);
  EXPECT_EQ(task->type, acs::TaskType::kDownload);
  EXPECT_EQ(task->args.at("url"), "http://acs.example:7567/fw-2.0.bin");
  EXPECT_EQ(task->args.at("fileSize"), 1234);
  EXPECT_EQ(task->args.at("commandKey"), "campaign:fw");

  // Device 1: TransferComplete, then the boot on 2.0. Device 2: boot Inform first (it comes
  // before the TransferComplete in one session).
  transfer_complete(1, std::nullopt);
  EXPECT_EQ(state_of(1), "applied");
  session(1, "2.0", true);
  EXPECT_EQ(state_of(1), "confirmed");
  session(2, "2.0", true);
  EXPECT_EQ(state_of(2), "confirmed");
  transfer_complete(2, std::nullopt);
  EXPECT_EQ(state_of(2), "confirmed");

  session(3, "1.0");  // a slot is free now
  EXPECT_EQ(state_of(3), "downloading");
  EXPECT_EQ(s->get_campaign("fw")->state, "running");
  session(3, "2.0", true);
  const auto c = s->get_campaign("fw");
  EXPECT_EQ(c->state, "completed") << c->reason;
  EXPECT_EQ(c->reason, "4 of 4 targeted devices confirmed on 2.0");
  EXPECT_EQ(c->max_in_flight, 2u);
}

TEST_F(CampaignObserverTest, PausesAboveTheFailureThresholdAndCountsFromTheResume) {
  create(R"({"filter": {}, "file": "fw-2.0.bin", "maxConcurrent": 10, "failureThreshold": 0.3,
             "minFinished": 3})");
  for (int n = 1; n <= 6; ++n) session(n, "1.0");
  transfer_complete(1, acs::TaskFault{9018, "file corrupted", {}});
  EXPECT_EQ(state_of(1), "failed");
  EXPECT_EQ(s->get_campaign("fw")->state, "running") << "1 finished: too few to judge";
  session(2, "2.0", true);
  transfer_complete(3, std::nullopt);
  session(3, "1.0", true);  // applied, rebooted on the old version: the image did not take
  EXPECT_EQ(state_of(3), "failed");
  auto c = s->get_campaign("fw");
  EXPECT_EQ(c->state, "paused");
  EXPECT_NE(c->reason.find("2 of 3"), std::string::npos) << c->reason;
  const auto failed = s->list_campaign_devices("fw", "failed");
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_EQ(failed[0].fault_code, 9018u);
  EXPECT_EQ(failed[1].fault_code, 9010u);

  session(7, "1.0");
  EXPECT_EQ(state_of(7), "pending") << "paused: nothing starts";
  session(4, "2.0", true);
  EXPECT_EQ(state_of(4), "confirmed") << "devices in flight are still followed";

  ASSERT_TRUE(s->set_campaign_state("fw", {"paused"}, "running", "", true, kNoon));
  session(5, "2.0", true);
  session(6, "2.0", true);
  session(7, "1.0");
  EXPECT_EQ(state_of(7), "downloading");
  c = s->get_campaign("fw");
  EXPECT_EQ(c->finished_since_resume, 2u);
  EXPECT_EQ(c->failed_since_resume, 0u);
}

TEST_F(CampaignObserverTest, FilterAndWindowDecideWhoStarts) {
  s->record_inform(inform(1, "1.0", false));
  s->add_tag(id(1), "lab");
  create(R"({"filter": {"_tags": {"$ne": "lab"}}, "file": "fw-2.0.bin"})");
  session(1, "1.0");
  session(2, "1.0");
  EXPECT_EQ(state_of(1), "pending");
  EXPECT_EQ(state_of(2), "downloading");

  create(R"({"filter": {}, "file": "fw-2.0.bin", "window": "22:00-04:00"})");  // afresh
  session(3, "1.0");                                                           // noon: outside
  EXPECT_EQ(state_of(3), "pending");
}

TEST_F(CampaignObserverTest, AFileForAnotherProductClassIsNeverSent) {
  store::FileInfo f = *s->get_file("fw-2.0.bin");
  f.oui = "00D09E";
  f.product_class = "ONT";  // the devices are HGW
  s->put_file(f);
  create(R"({"filter": {}, "file": "fw-2.0.bin", "maxConcurrent": 2})");
  session(1, "1.0");
  EXPECT_EQ(state_of(1), "failed");
  EXPECT_FALSE(s->next_task(id(1), kNoon).has_value());  // no Download queued
  const auto rows = s->campaign_devices_of(id(1));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_NE(rows[0].fault_message.find("product class 'ONT'"), std::string::npos)
      << rows[0].fault_message;
}

}  // namespace
