// Presets: the JSON form (parse, validation errors, serialization round trip).
#include <string>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "acs/presets.hpp"

namespace {

namespace p = acs::presets;

constexpr std::string_view kFull = R"({
  "name": "bootstrap",
  "weight": 10,
  "precondition": {"_deviceId._ProductClass": "HG8245", "_tags": {"$ne": "lab"}},
  "events": ["0 BOOTSTRAP", "1 BOOT"],
  "schedule": "0 3 * * *",
  "parameters": {
    "InternetGatewayDevice.ManagementServer.PeriodicInformEnable": true,
    "InternetGatewayDevice.ManagementServer.PeriodicInformInterval": 300,
    "InternetGatewayDevice.ManagementServer.PeriodicInformTime":
        {"value": "2026-01-01T03:00:00Z", "type": "dateTime"},
    "InternetGatewayDevice.WANDevice.*.WANConnectionDevice.*.WANIPConnection.*.Enable": true
  },
  "objects": [
    {"path": "InternetGatewayDevice.Layer3Forwarding.Forwarding.", "count": 2,
     "parameters": {"Enable": true}},
    {"path": "InternetGatewayDevice.LANDevice.1.WLANConfiguration.", "key": "SSID",
     "delete_others": true,
     "instances": [{"key": "home", "parameters": {"Enable": true}}, {"key": "guest"}]}
  ],
  "attributes": [
    {"path": "InternetGatewayDevice.DeviceInfo.SoftwareVersion", "notification": 2},
    {"path": "InternetGatewayDevice.LANDevice.*.Hosts.HostNumberOfEntries",
     "notification": 1, "access_list": ["Subscriber"]}
  ],
  "downloads": [
    {"file_type": "1 Firmware Upgrade Image", "url": "http://acs/files/fw-2.0.bin",
     "version": "2.0", "file_size": 1024},
    {"url": "http://acs/files/base.cfg", "command_key": "cfg-base"}
  ],
  "upload": {"url": "http://acs/upload/backup"},
  "reboot": "if_changed"
})";

p::Preset parse_ok(std::string_view text) {
  auto result = p::parse_preset_text(text);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().to_string());
  return result.ok() ? std::move(result.value()) : p::Preset{};
}

p::PresetError parse_error(std::string_view text) {
  auto result = p::parse_preset_text(text);
  EXPECT_FALSE(result.ok()) << text;
  return result.ok() ? p::PresetError{} : result.error();
}

TEST(PresetJsonTest, ParsesEveryField) {
  const p::Preset preset = parse_ok(kFull);
  EXPECT_EQ(preset.name, "bootstrap");
  EXPECT_EQ(preset.weight, 10);
  EXPECT_EQ(preset.events, (std::vector<std::string>{"0 BOOTSTRAP", "1 BOOT"}));
  EXPECT_EQ(preset.schedule, "0 3 * * *");
  ASSERT_EQ(preset.parameters.size(), 4u);
  const p::DeclaredValue& enable = preset.parameters[0];
  EXPECT_EQ(enable.value, "true");
  EXPECT_EQ(enable.kind, p::ValueKind::kBoolean);
  EXPECT_EQ(preset.parameters[1].value, "300");
  EXPECT_EQ(preset.parameters[1].kind, p::ValueKind::kNumber);
  EXPECT_EQ(preset.parameters[2].type, cwmp::ValueType::kDateTime);
  ASSERT_EQ(preset.objects.size(), 2u);
  EXPECT_EQ(preset.objects[0].count, 2u);
  EXPECT_EQ(preset.objects[0].parameters[0].path, "Enable");
  EXPECT_EQ(preset.objects[1].key, "SSID");
  EXPECT_TRUE(preset.objects[1].delete_others);
  ASSERT_EQ(preset.objects[1].instances.size(), 2u);
  EXPECT_EQ(preset.objects[1].instances[1].key_value, "guest");
  ASSERT_EQ(preset.attributes.size(), 2u);
  EXPECT_EQ(preset.attributes[0].notification, 2);
  EXPECT_EQ(preset.attributes[1].access_list, (std::vector<std::string>{"Subscriber"}));
  ASSERT_EQ(preset.downloads.size(), 2u);
  EXPECT_EQ(preset.downloads[0].version, "2.0");
  EXPECT_EQ(preset.downloads[1].file_type, "3 Vendor Configuration File");
  ASSERT_TRUE(preset.upload.has_value());
  EXPECT_EQ(preset.upload->file_type, "1 Vendor Configuration File");
  EXPECT_EQ(preset.reboot, p::RebootMode::kIfChanged);
}

TEST(PresetJsonTest, SerializationRoundTrips) {
  const p::Preset preset = parse_ok(kFull);
  const boost::json::object json = p::to_json(preset);
  const p::Preset again = parse_ok(boost::json::serialize(json));
  EXPECT_EQ(p::to_json(again), json);
  EXPECT_EQ(again.parameters, preset.parameters);
  EXPECT_EQ(again.objects, preset.objects);
  EXPECT_EQ(again.attributes, preset.attributes);
  EXPECT_EQ(again.downloads, preset.downloads);
  EXPECT_EQ(again.precondition.root, preset.precondition.root);
  // JSON kinds survive: a number stays a number, a boolean a boolean.
  const auto& params = json.at("parameters").as_object();
  EXPECT_TRUE(
      params.at("InternetGatewayDevice.ManagementServer.PeriodicInformInterval").is_int64());
  EXPECT_TRUE(params.at("InternetGatewayDevice.ManagementServer.PeriodicInformEnable").is_bool());
}

TEST(PresetJsonTest, MinimalPresetDefaults) {
  const p::Preset preset = parse_ok(R"({"name": "a", "events": ["*"]})");
  EXPECT_EQ(preset.weight, 0);
  EXPECT_TRUE(preset.precondition.root.children.empty());  // {} matches every device
  EXPECT_EQ(preset.reboot, p::RebootMode::kNever);
  EXPECT_FALSE(preset.upload.has_value());
}

TEST(PresetJsonTest, NameFromTheUrlOverridesTheBody) {
  auto result = p::parse_preset_text(R"({"name": "x", "events": ["*"]})", "from-url");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->name, "from-url");
  auto without = p::parse_preset_text(R"({"events": ["*"]})", "only-url");
  ASSERT_TRUE(without.ok());
  EXPECT_EQ(without->name, "only-url");
}

TEST(PresetJsonTest, GenieAcsEmptyStringPreconditionMeansEveryDevice) {
  const p::Preset preset = parse_ok(R"({"name": "a", "events": ["*"], "precondition": ""})");
  EXPECT_TRUE(preset.precondition.root.children.empty());
}

TEST(PresetJsonTest, ScheduleAloneIsATrigger) {
  const p::Preset preset = parse_ok(R"({"name": "nightly", "schedule": "0 3 * * *"})");
  EXPECT_TRUE(preset.events.empty());
}

struct BadCase {
  const char* text;
  const char* where;
};

class PresetJsonErrorTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(PresetJsonErrorTest, NamesTheOffendingPart) {
  const p::PresetError error = parse_error(GetParam().text);
  EXPECT_EQ(error.where, GetParam().where) << error.to_string();
  EXPECT_FALSE(error.message.empty());
}

INSTANTIATE_TEST_SUITE_P(
    PresetBad, PresetJsonErrorTest,
    ::testing::Values(
        BadCase{R"([1, 2])", ""}, BadCase{R"({"name": "a", "events": [)", ""},
        BadCase{R"({"name": "a", "events": ["*"], "color": 1})", "/color"},
        BadCase{R"({"name": "a/b", "events": ["*"]})", "/name"},
        BadCase{R"({"events": ["*"]})", "/name"},
        BadCase{R"({"name": "a", "events": ["*"], "weight": 1.5})", "/weight"},
        BadCase{R"({"name": "a", "events": ["*"], "weight": 2000000})", "/weight"},
        BadCase{R"({"name": "a", "events": ["*"], "precondition": {"X.Y": {"$foo": 1}}})",
                "/precondition/X.Y/$foo"},
        BadCase{R"({"name": "a"})", "/events"},
        BadCase{R"({"name": "a", "events": "1 BOOT"})", "/events"},
        BadCase{R"({"name": "a", "events": [""]})", "/events/0"},
        BadCase{R"({"name": "a", "events": ["*"], "parameters": {"A..B": 1}})", "/parameters/A..B"},
        BadCase{R"({"name": "a", "events": ["*"], "parameters": {"A.B.": 1}})", "/parameters/A.B."},
        BadCase{R"({"name": "a", "events": ["*"], "parameters": {"A.B": null}})",
                "/parameters/A.B"},
        BadCase{R"({"name": "a", "events": ["*"], "parameters": {"A.B": [1]}})", "/parameters/A.B"},
        BadCase{R"({"name": "a", "events": ["*"],
                    "parameters": {"A.B": {"value": "x", "type": "unsignedInt"}}})",
                "/parameters/A.B/value"},
        BadCase{R"({"name": "a", "events": ["*"],
                    "parameters": {"A.B": {"value": "x", "type": "color"}}})",
                "/parameters/A.B/type"},
        BadCase{R"({"name": "a", "events": ["*"], "objects": [{"path": "A.*.B.", "count": 1}]})",
                "/objects/0/path"},
        BadCase{R"({"name": "a", "events": ["*"], "objects": [{"path": "A.B", "count": 1}]})",
                "/objects/0/path"},
        BadCase{R"({"name": "a", "events": ["*"],
                    "objects": [{"path": "A.B.", "count": 1, "key": "Name"}]})",
                "/objects/0"},
        BadCase{R"({"name": "a", "events": ["*"], "objects": [{"path": "A.B.", "count": 65}]})",
                "/objects/0/count"},
        BadCase{R"({"name": "a", "events": ["*"],
                    "objects": [{"path": "A.B.", "key": "N", "instances": [{"key": "x"},
                                {"key": "x"}]}]})",
                "/objects/0/instances/1/key"},
        BadCase{R"({"name": "a", "events": ["*"], "attributes": [{"path": "A.B"}]})",
                "/attributes/0"},
        BadCase{R"({"name": "a", "events": ["*"],
                    "attributes": [{"path": "A.B", "notification": 7}]})",
                "/attributes/0/notification"},
        BadCase{R"({"name": "a", "events": ["*"], "downloads": [{"file_type": "1 X"}]})",
                "/downloads/0/url"},
        BadCase{R"({"name": "a", "events": ["*"],
                    "downloads": [{"url": "u", "command_key": "0123456789012345678901234567890123"}]})",
                "/downloads/0/command_key"},
        BadCase{R"({"name": "a", "events": ["*"], "upload": {"url": 7}})", "/upload/url"},
        BadCase{R"({"name": "a", "events": ["*"], "reboot": "sometimes"})", "/reboot"}));

TEST(PresetJsonTest, RefusesTooManyEntries) {
  std::string events = R"({"name": "a", "events": [)";
  for (std::size_t i = 0; i <= p::kMaxEvents; ++i)
    events += (i ? ",\"e" : "\"e") + std::to_string(i) + "\"";
  events += "]}";
  EXPECT_EQ(parse_error(events).where, "/events");

  std::string params = R"({"name": "a", "events": ["*"], "parameters": {)";
  for (std::size_t i = 0; i <= p::kMaxParameters; ++i) {
    params += (i ? ",\"A.P" : "\"A.P") + std::to_string(i) + "\": 1";
  }
  params += "}}";
  EXPECT_EQ(parse_error(params).where, "/parameters");
}

TEST(PresetJsonTest, RefusesOversizedTextAndValues) {
  const std::string huge(p::kMaxPresetJsonBytes + 1, ' ');
  EXPECT_NE(parse_error(huge).message.find("larger than"), std::string::npos);
  const std::string long_value = R"({"name": "a", "events": ["*"], "parameters": {"A.B": ")" +
                                 std::string(p::kMaxValueLength + 1, 'x') + "\"}}";
  EXPECT_EQ(parse_error(long_value).where, "/parameters/A.B");
}

TEST(PresetJsonTest, ValidNames) {
  EXPECT_TRUE(p::valid_preset_name("Bootstrap config v1.2"));
  EXPECT_TRUE(p::valid_preset_name(std::string(p::kMaxNameLength, 'a')));
  EXPECT_FALSE(p::valid_preset_name(""));
  EXPECT_FALSE(p::valid_preset_name(std::string(p::kMaxNameLength + 1, 'a')));
  EXPECT_FALSE(p::valid_preset_name("a?b"));
}

}  // namespace
