// Notifications (TR-069 §3.2.1 value changes, A.3.2.4 attributes): passive vs active, what
// the Inform carries, what an ACS change does not trigger, delivery.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "cpe_model_support.hpp"

namespace cpe_model_test {
namespace {

cwmp::Body set_notification(DataModel& m, std::string name, int n) {
  cwmp::SetParameterAttributesStruct s;
  s.name = std::move(name);
  s.notification_change = true;
  s.notification = n;
  return m.handle(cwmp::SetParameterAttributes{{s}});
}

std::vector<std::string> inform_names(DataModel& m) {
  std::vector<std::string> out;
  for (const auto& p : m.inform_parameters()) out.push_back(p.name);
  return out;
}

bool has(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

const std::vector<std::string> kForced = {"Device.RootDataModelVersion",
                                          "Device.DeviceInfo.HardwareVersion",
                                          "Device.DeviceInfo.SoftwareVersion",
                                          "Device.DeviceInfo.ProvisioningCode",
                                          "Device.ManagementServer.ParameterKey",
                                          "Device.ManagementServer.ConnectionRequestURL",
                                          "Device.ManagementServer.AliasBasedAddressing"};

class CpeModelNotify : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = make_builtin(dir_.path(), &clock_);
    ASSERT_NE(model_, nullptr);
    // The agent publishes its listener at start: an active (forceDefaultEnabled) change.
    m().set_connection_request_url("http://192.0.2.10:7547/cr");
    ASSERT_TRUE(m().value_change_pending());
    m().inform_parameters();
    m().inform_delivered();
    ASSERT_FALSE(m().value_change_pending());
  }
  DataModel& m() { return *model_; }

  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<DataModel> model_;
};

TEST_F(CpeModelNotify, InformCarriesTheForcedParameters) {
  const auto params = m().inform_parameters();
  std::vector<std::string> names;
  for (const auto& p : params) names.push_back(p.name);
  EXPECT_EQ(names, kForced);
  const auto url = std::find_if(params.begin(), params.end(), [](const auto& p) {
    return p.name == "Device.ManagementServer.ConnectionRequestURL";
  });
  EXPECT_EQ(url->value, "http://192.0.2.10:7547/cr");
}

TEST_F(CpeModelNotify, PassiveChangesRideAlongWithoutASession) {
  ASSERT_EQ(fault_code(set_notification(m(), "Device.WiFi.SSID.1.SSID", 1)), 0u);
  m().set_internal("Device.WiFi.SSID.1.SSID", "renamed-on-the-lan");
  EXPECT_FALSE(m().value_change_pending());  // passive: no session of its own
  EXPECT_TRUE(m().notification_pending());   // but the next Inform says 4 VALUE CHANGE
  const auto params = m().inform_parameters();
  ASSERT_EQ(params.size(), kForced.size() + 1);
  EXPECT_EQ(params.back().name, "Device.WiFi.SSID.1.SSID");
  EXPECT_EQ(params.back().value, "renamed-on-the-lan");
  m().inform_delivered();
  EXPECT_FALSE(m().notification_pending());
  EXPECT_EQ(inform_names(m()), kForced);
}

TEST_F(CpeModelNotify, ActiveChangesAskForASession) {
  ASSERT_EQ(fault_code(set_notification(m(), "Device.Ethernet.Interface.1.Status", 2)), 0u);
  m().set_internal("Device.Ethernet.Interface.1.Status", "Down");
  EXPECT_TRUE(m().value_change_pending());
  EXPECT_TRUE(has(inform_names(m()), "Device.Ethernet.Interface.1.Status"));
  m().inform_delivered();
  EXPECT_FALSE(m().value_change_pending());
}

TEST_F(CpeModelNotify, TheAgentIsToldAboutActiveChanges) {
  int calls = 0;
  m().set_active_change_callback([&] { ++calls; });
  ASSERT_EQ(fault_code(set_notification(m(), "Device.WiFi.SSID.1.SSID", 1)), 0u);
  ASSERT_EQ(fault_code(set_notification(m(), "Device.WiFi.SSID.2.SSID", 2)), 0u);
  m().set_internal("Device.WiFi.SSID.1.SSID", "passive");
  EXPECT_EQ(calls, 0);
  m().set_internal("Device.WiFi.SSID.2.SSID", "active");
  EXPECT_EQ(calls, 1);
  m().set_internal("Device.WiFi.SSID.2.SSID", "active");  // no change
  EXPECT_EQ(calls, 1);
  ASSERT_EQ(fault_code(m().handle(spv({pv("Device.WiFi.SSID.2.SSID", "by-the-acs")}))), 0u);
  EXPECT_EQ(calls, 1);
}

TEST_F(CpeModelNotify, NoNotificationWithoutAttributeOrWithoutChange) {
  m().set_internal("Device.WiFi.SSID.1.SSID", "other");  // Notification 0
  ASSERT_EQ(fault_code(set_notification(m(), "Device.Ethernet.Interface.1.Status", 2)), 0u);
  m().set_internal("Device.Ethernet.Interface.1.Status", "Up");  // the value it had
  EXPECT_FALSE(m().value_change_pending());
  EXPECT_EQ(inform_names(m()), kForced);
}

TEST_F(CpeModelNotify, ChangesByTheAcsAreNotNotified) {
  ASSERT_EQ(fault_code(set_notification(m(), "Device.ManagementServer.PeriodicInformInterval", 2)),
            0u);
  ASSERT_EQ(fault_code(m().handle(spv({pv("Device.ManagementServer.PeriodicInformInterval", "60",
                                          cwmp::ValueType::kUnsignedInt)}))),
            0u);
  EXPECT_FALSE(m().value_change_pending());
  EXPECT_EQ(inform_names(m()), kForced);
  // ...nor its AddObject/DeleteObject through NumberOfEntries.
  ASSERT_EQ(fault_code(set_notification(m(), "Device.IP.InterfaceNumberOfEntries", 2)), 0u);
  ASSERT_EQ(fault_code(m().handle(cwmp::AddObject{"Device.IP.Interface.", ""})), 0u);
  EXPECT_FALSE(m().value_change_pending());
  // A change by the device itself is.
  ASSERT_TRUE(m().delete_instance("Device.IP.Interface.3."));
  EXPECT_TRUE(m().value_change_pending());
}

TEST_F(CpeModelNotify, AChangeAfterTheInformWasBuiltStaysPending) {
  ASSERT_EQ(fault_code(set_notification(m(), "Device.WiFi.SSID.2.SSID", 2)), 0u);
  m().set_internal("Device.WiFi.SSID.2.SSID", "first");
  m().inform_parameters();
  m().set_internal("Device.WiFi.SSID.2.SSID", "second");  // during the session
  m().inform_delivered();
  EXPECT_TRUE(m().value_change_pending());
  const auto params = m().inform_parameters();
  EXPECT_EQ(params.back().value, "second");
}

TEST_F(CpeModelNotify, ForcedActiveParametersNotifyByDefault) {
  m().set_internal("Device.DeviceInfo.SoftwareVersion", "2.0.0");  // forceEnabled
  EXPECT_TRUE(m().value_change_pending());
  m().inform_parameters();
  m().inform_delivered();
  m().set_connection_request_url("http://192.0.2.99:7547/cr");  // forceDefaultEnabled
  EXPECT_TRUE(m().value_change_pending());
  m().inform_parameters();
  m().inform_delivered();
  // The ACS may turn forceDefaultEnabled off, not forceEnabled (9009).
  ASSERT_EQ(fault_code(set_notification(m(), "Device.ManagementServer.ConnectionRequestURL", 0)),
            0u);
  m().set_connection_request_url("http://192.0.2.100:7547/cr");
  EXPECT_FALSE(m().value_change_pending());
  EXPECT_EQ(fault_code(set_notification(m(), "Device.DeviceInfo.SoftwareVersion", 1)), 9009u);
}

TEST_F(CpeModelNotify, ActiveNotificationIsRefusedWhereTheRuleDeniesIt) {
  EXPECT_EQ(fault_code(set_notification(m(), "Device.DeviceInfo.UpTime", 2)), 9009u);
  EXPECT_EQ(fault_code(set_notification(m(), "Device.Ethernet.Interface.1.Stats.BytesSent", 2)),
            9009u);
  EXPECT_EQ(fault_code(set_notification(m(), "Device.Ethernet.Interface.1.Stats.", 2)), 9009u);
  EXPECT_EQ(fault_code(set_notification(m(), "Device.Ethernet.Interface.1.Stats.", 1)), 0u);
}

TEST_F(CpeModelNotify, PolledValuesAreComparedWithTheLastOneSeen) {
  // UpTime changes by itself; passive notification is allowed on it.
  ASSERT_EQ(fault_code(set_notification(m(), "Device.DeviceInfo.UpTime", 1)), 0u);
  m().poll_value_changes();
  EXPECT_FALSE(has(inform_names(m()), "Device.DeviceInfo.UpTime"));
  clock_.now += std::chrono::seconds(30);
  m().poll_value_changes();
  EXPECT_FALSE(m().value_change_pending());
  const auto params = m().inform_parameters();
  ASSERT_TRUE(has(inform_names(m()), "Device.DeviceInfo.UpTime"));
  EXPECT_EQ(params.back().value, "30");
}

TEST_F(CpeModelNotify, HookValuesAreNotifiedWhenTheyChange) {
  struct Sensor : cpe::model::ValueHook {
    std::string value = "Up";
    cpe::model::HookResult get(const std::string&) override {
      return cpe::model::HookResult::value(value);
    }
  };
  auto sensor = std::make_shared<Sensor>();
  m().add_hook("Device.Ethernet.Interface.{i}.Status", sensor);
  ASSERT_EQ(fault_code(set_notification(m(), "Device.Ethernet.Interface.2.Status", 2)), 0u);
  m().poll_value_changes();
  EXPECT_FALSE(m().value_change_pending());
  sensor->value = "Down";
  m().poll_value_changes();
  EXPECT_TRUE(m().value_change_pending());
  const auto params = m().inform_parameters();
  EXPECT_EQ(params.back().name, "Device.Ethernet.Interface.2.Status");
  EXPECT_EQ(params.back().value, "Down");
}

TEST_F(CpeModelNotify, HiddenValuesAreEmptyInTheInform) {
  ASSERT_EQ(fault_code(set_notification(m(), "Device.ManagementServer.STUNPassword", 1)), 0u);
  m().set_internal("Device.ManagementServer.STUNPassword", "s3cret");
  const auto params = m().inform_parameters();
  EXPECT_EQ(params.back().name, "Device.ManagementServer.STUNPassword");
  EXPECT_EQ(params.back().value, "");
}

}  // namespace
}  // namespace cpe_model_test
