// Many models over one definition (issue 5 §1, docs/cpe-model.md "Many devices in one
// process"): the Schema is parsed once and shared read-only, each model keeps only what
// differs from it, and the models stay independent of each other.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cpe_model_support.hpp"

namespace cpe_model_test {
namespace {

using cpe::model::LoadStatus;
using cpe::model::Schema;

std::shared_ptr<const Schema> builtin_schema() {
  auto parsed = Schema::parse(cpe::model::builtin_model_json());
  EXPECT_TRUE(parsed.ok());
  return std::make_shared<const Schema>(std::move(parsed).value());
}

std::unique_ptr<DataModel> make_shared_model(const std::shared_ptr<const Schema>& schema,
                                             const fs::path& state_dir = {}) {
  auto m = DataModel::create(schema, options_for(state_dir, nullptr));
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error());
  return m.ok() ? std::move(m).value() : nullptr;
}

cwmp::SetParameterAttributesStruct notify(std::string name, int n) {
  cwmp::SetParameterAttributesStruct s;
  s.name = std::move(name);
  s.notification_change = true;
  s.notification = n;
  return s;
}

int notification_of(DataModel& m, const std::string& name) {
  const cwmp::Body answer = m.handle(cwmp::GetParameterAttributes{{name}});
  const auto* r = std::get_if<cwmp::GetParameterAttributesResponse>(&answer);
  return r != nullptr && r->parameter_list.size() == 1 ? r->parameter_list.front().notification
                                                       : -1;
}

std::uint32_t added_instance(const cwmp::Body& answer) {
  const auto* r = std::get_if<cwmp::AddObjectResponse>(&answer);
  return r == nullptr ? 0 : r->instance_number;
}

boost::json::object saved_values(const fs::path& dir) {
  std::ifstream in(dir / "model-state.json");
  std::stringstream text;
  text << in.rdbuf();
  const boost::json::value doc = boost::json::parse(text.str());
  return doc.at("values").as_object();
}

constexpr const char* kSerial = "Device.DeviceInfo.SerialNumber";
constexpr const char* kInterval = "Device.ManagementServer.PeriodicInformInterval";
constexpr const char* kWanEnable = "Device.IP.Interface.1.Enable";  // factory value "true"

TEST(CpeModelShared, ModelsShareTheDefinitionObject) {
  const auto schema = builtin_schema();
  auto a = make_shared_model(schema);
  auto b = make_shared_model(schema);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(a->shared_schema().get(), schema.get());
  EXPECT_EQ(b->shared_schema().get(), schema.get());
  EXPECT_EQ(&a->schema(), &b->schema());
  EXPECT_EQ(a->load_status(), LoadStatus::kNotPersistent);
  // The caller's reference and the two models'.
  EXPECT_EQ(schema.use_count(), 3);
  a.reset();
  EXPECT_EQ(schema.use_count(), 2);
}

TEST(CpeModelShared, ANullDefinitionIsAnError) {
  auto m = DataModel::create(std::shared_ptr<const Schema>(), DataModelOptions{});
  EXPECT_FALSE(m.ok());
}

TEST(CpeModelShared, ValuesAreIndependent) {
  const auto schema = builtin_schema();
  auto a = make_shared_model(schema);
  auto b = make_shared_model(schema);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  a->set_internal(kSerial, "SIM-A");
  b->set_internal(kSerial, "SIM-B");
  EXPECT_EQ(a->device_id().serial_number, "SIM-A");
  EXPECT_EQ(b->device_id().serial_number, "SIM-B");

  EXPECT_EQ(fault_code(a->handle(spv({pv(kInterval, "60", cwmp::ValueType::kUnsignedInt),
                                      pv(kWanEnable, "false", cwmp::ValueType::kBoolean)}))),
            0u);
  EXPECT_EQ(value_of(*a, kInterval), "60");
  EXPECT_EQ(value_of(*a, kWanEnable), "false");
  EXPECT_EQ(value_of(*a, "Device.ManagementServer.ParameterKey"), "key");
  EXPECT_EQ(value_of(*b, kInterval), "3600");
  EXPECT_EQ(value_of(*b, kWanEnable), "true");
  EXPECT_EQ(value_of(*b, "Device.ManagementServer.ParameterKey"), "");
}

TEST(CpeModelShared, InstancesAreIndependent) {
  const auto schema = builtin_schema();
  auto a = make_shared_model(schema);
  auto b = make_shared_model(schema);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(added_instance(a->handle(cwmp::AddObject{"Device.WiFi.SSID.", ""})), 3u);
  EXPECT_EQ(fault_code(a->handle(cwmp::DeleteObject{"Device.WiFi.SSID.1.", ""})), 0u);
  EXPECT_EQ(value_of(*a, "Device.WiFi.SSIDNumberOfEntries"), "2");
  EXPECT_EQ(value_of(*a, "Device.WiFi.SSID.1.SSID"), "<fault 9005>");
  EXPECT_EQ(value_of(*b, "Device.WiFi.SSIDNumberOfEntries"), "2");
  EXPECT_EQ(value_of(*b, "Device.WiFi.SSID.1.SSID"), "cwmp-cpe");
  EXPECT_EQ(value_of(*b, "Device.WiFi.SSID.3.SSID"), "<fault 9005>");
  // b's own numbering is its own: its first new SSID is 3 as well.
  EXPECT_EQ(added_instance(b->handle(cwmp::AddObject{"Device.WiFi.SSID.", ""})), 3u);
  EXPECT_EQ(a->add_instance("Device.Hosts.Host.", {{"HostName", "laptop"}}).value(), 1u);
  EXPECT_EQ(value_of(*a, "Device.Hosts.Host.1.HostName"), "laptop");
  EXPECT_EQ(value_of(*b, "Device.Hosts.HostNumberOfEntries"), "0");
}

TEST(CpeModelShared, AttributesAndNotificationsAreIndependent) {
  const auto schema = builtin_schema();
  auto a = make_shared_model(schema);
  auto b = make_shared_model(schema);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(fault_code(a->handle(cwmp::SetParameterAttributes{{notify(kInterval, 1)}})), 0u);
  EXPECT_EQ(notification_of(*a, kInterval), 1);
  EXPECT_EQ(notification_of(*b, kInterval), 0);

  // SoftwareVersion is forceEnabled: a change by the device is an active notification.
  a->set_internal("Device.DeviceInfo.SoftwareVersion", "2.0.0");
  EXPECT_TRUE(a->value_change_pending());
  EXPECT_FALSE(b->value_change_pending());
  EXPECT_FALSE(b->notification_pending());
  a->inform_parameters();
  a->inform_delivered();
  EXPECT_FALSE(a->notification_pending());
  b->set_internal("Device.DeviceInfo.SoftwareVersion", "3.0.0");
  EXPECT_TRUE(b->value_change_pending());
  EXPECT_FALSE(a->value_change_pending());
  EXPECT_EQ(value_of(*a, "Device.DeviceInfo.SoftwareVersion"), "2.0.0");
}

TEST(CpeModelShared, AFactoryResetLeavesTheOtherModelAlone) {
  const auto schema = builtin_schema();
  auto a = make_shared_model(schema);
  auto b = make_shared_model(schema);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  for (DataModel* m : {a.get(), b.get()}) {
    EXPECT_EQ(fault_code(m->handle(spv({pv(kWanEnable, "false", cwmp::ValueType::kBoolean)}))), 0u);
    EXPECT_EQ(added_instance(m->handle(cwmp::AddObject{"Device.WiFi.SSID.", ""})), 3u);
    EXPECT_EQ(fault_code(m->handle(cwmp::SetParameterAttributes{{notify(kInterval, 2)}})), 0u);
  }
  a->factory_reset();
  EXPECT_EQ(value_of(*a, kWanEnable), "true");
  EXPECT_EQ(value_of(*a, "Device.WiFi.SSIDNumberOfEntries"), "2");
  EXPECT_EQ(notification_of(*a, kInterval), 0);
  EXPECT_EQ(a->stored_value_count(), 0u);
  EXPECT_EQ(value_of(*b, kWanEnable), "false");
  EXPECT_EQ(value_of(*b, "Device.WiFi.SSIDNumberOfEntries"), "3");
  EXPECT_EQ(notification_of(*b, kInterval), 2);
}

// Item 2 and 3 of the brief: a device costs its differences from the definition.
TEST(CpeModelShared, AModelKeepsOnlyItsDifferences) {
  const auto schema = builtin_schema();
  auto m = make_shared_model(schema);
  ASSERT_NE(m, nullptr);
  // The factory instances' 68 values are the definition's, not copies.
  EXPECT_EQ(m->stored_value_count(), 0u);
  EXPECT_EQ(value_of(*m, "Device.IP.Interface.1.Name"), "wan");
  EXPECT_EQ(value_of(*m, "Device.IP.Interface.1.IPv4Address.1.IPAddress"), "192.0.2.10");

  m->set_internal(kSerial, "SIM00000042");
  EXPECT_EQ(m->stored_value_count(), 1u);
  EXPECT_EQ(m->device_id().serial_number, "SIM00000042");

  // A factory value changed, then changed back (an empty ParameterKey is the default).
  EXPECT_EQ(fault_code(m->handle(spv({pv(kWanEnable, "0", cwmp::ValueType::kBoolean)}, ""))), 0u);
  EXPECT_EQ(m->stored_value_count(), 2u);
  EXPECT_EQ(value_of(*m, kWanEnable), "false");
  EXPECT_EQ(fault_code(m->handle(spv({pv(kWanEnable, "1", cwmp::ValueType::kBoolean)}, ""))), 0u);
  EXPECT_EQ(value_of(*m, kWanEnable), "true");
  EXPECT_EQ(m->stored_value_count(), 1u);

  // Back to the definition's default: nothing left of its own.
  m->set_internal(kSerial, "0000000001");
  EXPECT_EQ(m->stored_value_count(), 0u);
  EXPECT_EQ(m->device_id().serial_number, "0000000001");
}

TEST(CpeModelShared, AModelOverASharedDefinitionPersistsAndReloads) {
  const auto schema = builtin_schema();
  TempDir dir;
  {
    auto m = make_shared_model(schema, dir.path());
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->load_status(), LoadStatus::kMissing);
    m->set_internal(kSerial, "SIM-PERSIST");
    EXPECT_EQ(fault_code(m->handle(spv({pv(kWanEnable, "false", cwmp::ValueType::kBoolean),
                                        pv(kInterval, "120", cwmp::ValueType::kUnsignedInt)}))),
              0u);
    EXPECT_EQ(added_instance(m->handle(cwmp::AddObject{"Device.WiFi.SSID.", ""})), 3u);
    EXPECT_EQ(fault_code(m->handle(cwmp::SetParameterAttributes{{notify(kInterval, 1)}})), 0u);
  }
  // Another model over the same definition meanwhile is not affected.
  auto other = make_shared_model(schema);
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(value_of(*other, kInterval), "3600");

  auto again = make_shared_model(schema, dir.path());
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->load_status(), LoadStatus::kLoaded);
  EXPECT_EQ(again->device_id().serial_number, "SIM-PERSIST");
  EXPECT_EQ(value_of(*again, kWanEnable), "false");
  EXPECT_EQ(value_of(*again, kInterval), "120");
  EXPECT_EQ(value_of(*again, "Device.WiFi.SSIDNumberOfEntries"), "3");
  EXPECT_EQ(value_of(*again, "Device.WiFi.SSID.1.SSID"), "cwmp-cpe");  // a factory value
  EXPECT_EQ(notification_of(*again, kInterval), 1);
  // Serial, WAN Enable, interval (the AddObject's empty ParameterKey is the default).
  EXPECT_EQ(again->stored_value_count(), 3u);
}

// The state file still carries the factory values, as it did when every model stored them:
// an older cwmp-cpe reading it gets the same values, and such a file loads here.
TEST(CpeModelShared, TheStateFileKeepsTheFactoryValuesOfExistingInstances) {
  const auto schema = builtin_schema();
  TempDir dir;
  {
    auto m = make_shared_model(schema, dir.path());
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(fault_code(m->handle(spv({pv(kWanEnable, "false", cwmp::ValueType::kBoolean)}))), 0u);
    EXPECT_EQ(fault_code(m->handle(cwmp::DeleteObject{"Device.WiFi.SSID.2.", ""})), 0u);
  }
  const boost::json::object values = saved_values(dir.path());
  EXPECT_EQ(values.at("Device.IP.Interface.1.Name").as_string(), "wan");
  EXPECT_EQ(values.at(kWanEnable).as_string(), "false");  // the change, not the factory value
  EXPECT_EQ(values.at("Device.WiFi.SSID.1.SSID").as_string(), "cwmp-cpe");
  EXPECT_FALSE(values.contains("Device.WiFi.SSID.2.SSID"));  // deleted
  EXPECT_FALSE(values.contains(kInterval));                  // a default: never saved

  auto again = make_shared_model(schema, dir.path());
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->load_status(), LoadStatus::kLoaded);
  EXPECT_EQ(again->stored_value_count(), 1u);  // WAN Enable (the last ParameterKey was "")
  EXPECT_EQ(value_of(*again, "Device.WiFi.SSID.2.SSID"), "<fault 9005>");
  EXPECT_EQ(value_of(*again, "Device.WiFi.SSID.1.SSID"), "cwmp-cpe");
}

// A file written before factory values were shared: every factory value stored explicitly,
// and a value set to the definition's default.
TEST(CpeModelShared, AnOlderStateFileLoads) {
  const auto schema = builtin_schema();
  TempDir dir;
  {
    std::ofstream out(dir.path() / "model-state.json");
    out << R"({"format": "cwmp-cpe-state/1",
      "values": {"Device.IP.Interface.1.Enable": "false", "Device.IP.Interface.1.Name": "wan",
                 "Device.IP.Interface.1.Status": "Up",
                 "Device.ManagementServer.PeriodicInformInterval": "3600",
                 "Device.ManagementServer.URL": "http://acs.example/"},
      "tables": {"Device.IP.Interface.": {"last": 1, "instances": [1]}},
      "attributes": {}, "pending": {}})";
  }
  auto m = make_shared_model(schema, dir.path());
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->load_status(), LoadStatus::kLoaded);
  EXPECT_EQ(value_of(*m, kWanEnable), "false");
  EXPECT_EQ(value_of(*m, "Device.IP.Interface.1.Name"), "wan");
  EXPECT_EQ(value_of(*m, "Device.IP.Interface.1.Status"), "Up");
  EXPECT_EQ(value_of(*m, kInterval), "3600");
  EXPECT_EQ(value_of(*m, "Device.ManagementServer.URL"), "http://acs.example/");
  EXPECT_EQ(value_of(*m, "Device.IP.InterfaceNumberOfEntries"), "1");
  // Only what differs from the definition is kept: Enable and URL.
  EXPECT_EQ(m->stored_value_count(), 2u);
}

// Volatile factory values are not saved and come back from the definition at every start.
TEST(CpeModelShared, VolatileFactoryValuesComeBackAfterARestart) {
  const std::string model = R"({"format": "cwmp-cpe-model/1", "objects": [
    {"path": "Device.", "parameters": [
      {"name": "ItemNumberOfEntries", "type": "unsignedInt", "access": "readOnly"}]},
    {"path": "Device.Item.{i}.", "access": "readWrite", "numEntriesParameter":
     "ItemNumberOfEntries", "parameters": [
      {"name": "Status", "type": "string", "access": "readOnly", "default": "Down",
       "provider": "volatile"},
      {"name": "Label", "type": "string", "access": "readWrite", "default": "item{i}"}]}],
    "instances": [{"path": "Device.Item.1.", "values": {"Status": "Up", "Label": "first"}}]})";
  auto parsed = Schema::parse(model);
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  const auto schema = std::make_shared<const Schema>(std::move(parsed).value());
  TempDir dir;
  {
    auto m = make_shared_model(schema, dir.path());
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(value_of(*m, "Device.Item.1.Status"), "Up");
    m->set_internal("Device.Item.1.Status", "Down");
    EXPECT_EQ(value_of(*m, "Device.Item.1.Status"), "Down");
    EXPECT_EQ(m->stored_value_count(), 1u);  // "Down" is the default, but not the factory value
    EXPECT_EQ(added_instance(m->handle(cwmp::AddObject{"Device.Item.", ""})), 2u);
    EXPECT_EQ(value_of(*m, "Device.Item.2.Status"), "Down");
    EXPECT_EQ(value_of(*m, "Device.Item.2.Label"), "item2");
  }
  auto again = make_shared_model(schema, dir.path());
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->load_status(), LoadStatus::kLoaded);
  EXPECT_EQ(value_of(*again, "Device.Item.1.Status"), "Up");
  EXPECT_EQ(value_of(*again, "Device.Item.1.Label"), "first");
  EXPECT_EQ(value_of(*again, "Device.Item.2.Label"), "item2");
  EXPECT_EQ(again->stored_value_count(), 0u);
}

}  // namespace
}  // namespace cpe_model_test
