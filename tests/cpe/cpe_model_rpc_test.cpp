// The data-model RPCs over the built-in model (TR-069 Annex A.3.2): happy paths and every
// fault, atomic SetParameterValues, NextLevel, instance numbers.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "cpe_model_support.hpp"
#include "cwmp/codec.hpp"
#include "cwmp/faults.hpp"

namespace cpe_model_test {
namespace {

using cwmp::ValueType;

class CpeModelRpc : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = make_builtin(dir_.path(), &clock_);
    ASSERT_NE(model_, nullptr);
  }
  DataModel& m() { return *model_; }

  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<DataModel> model_;
};

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// --- GetParameterValues -------------------------------------------------------------------

TEST_F(CpeModelRpc, GetParameterValuesFullNamesAreTypedAndInOrder) {
  const cwmp::Body answer =
      m().handle(gpv({"Device.DeviceInfo.UpTime", "Device.DeviceInfo.Manufacturer",
                      "Device.ManagementServer.PeriodicInformEnable"}));
  const auto& list = std::get<cwmp::GetParameterValuesResponse>(answer).parameter_list;
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].name, "Device.DeviceInfo.UpTime");
  EXPECT_EQ(list[0].type, ValueType::kUnsignedInt);
  EXPECT_EQ(list[1].value, "cwmp-suite");
  EXPECT_EQ(list[1].type, ValueType::kString);
  EXPECT_EQ(list[2].value, "true");
  EXPECT_EQ(list[2].type, ValueType::kBoolean);
}

TEST_F(CpeModelRpc, GetParameterValuesPartialPathIsTheWholeSubtree) {
  const auto names = names_of(m().handle(gpv({"Device.IP.Interface.1."})));
  EXPECT_TRUE(contains(names, "Device.IP.Interface.1.Name"));
  EXPECT_TRUE(contains(names, "Device.IP.Interface.1.IPv4Address.1.IPAddress"));
  EXPECT_TRUE(contains(names, "Device.IP.Interface.1.Stats.BytesSent"));
  EXPECT_FALSE(contains(names, "Device.IP.Interface.2.Name"));
  for (const auto& n : names) EXPECT_TRUE(n.starts_with("Device.IP.Interface.1.")) << n;
  EXPECT_EQ(value_of(m(), "Device.IP.Interface.1.IPv4Address.1.IPAddress"), "192.0.2.10");
}

TEST_F(CpeModelRpc, GetParameterValuesEmptyPathIsTheWholeModel) {
  const auto all = names_of(m().handle(gpv({""})));
  EXPECT_EQ(all, names_of(m().handle(gpv({"Device."}))));
  EXPECT_TRUE(contains(all, "Device.RootDataModelVersion"));
  EXPECT_TRUE(contains(all, "Device.WiFi.AccessPoint.2.Security.ModeEnabled"));
  EXPECT_TRUE(contains(all, "Device.IP.Diagnostics.UploadDiagnostics.DiagnosticsState"));
  EXPECT_GT(all.size(), 300u);
}

TEST_F(CpeModelRpc, GetParameterValuesUnknownOrMalformedNamesFault9005) {
  for (const std::string& name : std::vector<std::string>{
           "Device.Nope", "Device.DeviceInfo.Manufacturer.", "Device.IP.Interface.9.Name",
           "Device.IP.Interface.*.Name", "Device.IP.Interface.[wan].Name", "Device..IP.",
           "InternetGatewayDevice.", "Device.IP.Interface.{i}.Name", "Device.IP.Interface.01.Name",
           std::string(300, 'a')}) {
    EXPECT_EQ(fault_code(m().handle(gpv({"Device.DeviceInfo.UpTime", name}))),
              cwmp::fault::kInvalidParameterName)
        << name;
  }
}

TEST_F(CpeModelRpc, HiddenParametersReadBackEmpty) {
  ASSERT_EQ(fault_code(m().handle(spv({pv("Device.ManagementServer.Password", "secret")}))), 0u);
  EXPECT_EQ(value_of(m(), "Device.ManagementServer.Password"), "");
  EXPECT_EQ(m().management().password, "secret");
}

TEST_F(CpeModelRpc, HostileGetParameterValuesIsBounded) {
  EXPECT_EQ(
      fault_code(m().handle(gpv(std::vector<std::string>(100'000, "Device.DeviceInfo.UpTime")))),
      cwmp::fault::kResourcesExceeded);
  // Few enough names, but each the whole model: the answer would be huge.
  EXPECT_EQ(fault_code(m().handle(gpv(std::vector<std::string>(4000, "Device.")))),
            cwmp::fault::kResourcesExceeded);
}

// --- SetParameterValues -----------------------------------------------------------------

TEST_F(CpeModelRpc, SetParameterValuesAppliesAndSetsTheParameterKey) {
  std::vector<std::string> seen;
  m().set_change_listener([&](const std::vector<std::string>& paths) { seen = paths; });
  const cwmp::Body answer = m().handle(
      spv({pv("Device.ManagementServer.PeriodicInformInterval", "300", ValueType::kUnsignedInt),
           pv("Device.ManagementServer.URL", "http://acs.example:7547/"),
           pv("Device.WiFi.SSID.1.SSID", "home")},
          "key-1"));
  ASSERT_TRUE(std::holds_alternative<cwmp::SetParameterValuesResponse>(answer));
  EXPECT_EQ(std::get<cwmp::SetParameterValuesResponse>(answer).status, 0);
  EXPECT_EQ(value_of(m(), "Device.ManagementServer.PeriodicInformInterval"), "300");
  EXPECT_EQ(value_of(m(), "Device.WiFi.SSID.1.SSID"), "home");
  EXPECT_EQ(value_of(m(), "Device.ManagementServer.ParameterKey"), "key-1");
  EXPECT_EQ(m().management().url, "http://acs.example:7547/");
  EXPECT_EQ(m().management().periodic_inform_interval, 300u);
  EXPECT_EQ(seen,
            (std::vector<std::string>{"Device.ManagementServer.PeriodicInformInterval",
                                      "Device.ManagementServer.URL", "Device.WiFi.SSID.1.SSID"}));
}

TEST_F(CpeModelRpc, SetParameterValuesIsAllOrNothingWithAFaultPerParameter) {
  ASSERT_EQ(fault_code(m().handle(spv({pv("Device.ManagementServer.URL", "http://old/")}, "k0"))),
            0u);
  const cwmp::Body answer = m().handle(spv(
      {pv("Device.ManagementServer.URL", "http://new/"),                                    // fine
       pv("Device.ManagementServer.PeriodicInformInterval", "0", ValueType::kUnsignedInt),  // range
       pv("Device.Nope", "x"),                        // unknown
       pv("Device.DeviceInfo.Manufacturer", "evil"),  // read-only
       pv("Device.ManagementServer.PeriodicInformEnable", "2020-01-01T00:00:00Z",
          ValueType::kDateTime),                                  // type
       pv("Device.Ethernet.Interface.1.DuplexMode", "Sideways"),  // enum
       pv("Device.WiFi.SSID.1.SSID", std::string(33, 's'))},      // length
      "k1"));
  const cwmp::Fault* f = as_fault(answer);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->code, cwmp::fault::kInvalidArguments);
  std::vector<std::pair<std::string, std::uint32_t>> got;
  for (const auto& e : f->set_parameter_values_faults)
    got.emplace_back(e.parameter_name, e.fault_code);
  const std::vector<std::pair<std::string, std::uint32_t>> want = {
      {"Device.ManagementServer.PeriodicInformInterval", 9007},
      {"Device.Nope", 9005},
      {"Device.DeviceInfo.Manufacturer", 9008},
      {"Device.ManagementServer.PeriodicInformEnable", 9006},
      {"Device.Ethernet.Interface.1.DuplexMode", 9007},
      {"Device.WiFi.SSID.1.SSID", 9007}};
  EXPECT_EQ(got, want);
  // Nothing changed, not even the valid parameter, and the ParameterKey stayed.
  EXPECT_EQ(value_of(m(), "Device.ManagementServer.URL"), "http://old/");
  EXPECT_EQ(value_of(m(), "Device.ManagementServer.ParameterKey"), "k0");
}

TEST_F(CpeModelRpc, SetParameterValuesTypeRules) {
  const auto code = [&](const cwmp::ParameterValue& p) {
    const cwmp::Body a = m().handle(spv({p}));
    const cwmp::Fault* f = as_fault(a);
    return f == nullptr ? 0u : f->set_parameter_values_faults.at(0).fault_code;
  };
  const std::string interval = "Device.ManagementServer.PeriodicInformInterval";
  EXPECT_EQ(code(pv(interval, "600", ValueType::kString)), 0u);  // string text that fits
  EXPECT_EQ(code(pv(interval, "700", ValueType::kUnspecified)), 0u);
  EXPECT_EQ(code(pv(interval, "800", ValueType::kInt)), 0u);  // another integer type that fits
  EXPECT_EQ(value_of(m(), interval), "800");
  EXPECT_EQ(code(pv(interval, " 900 ", ValueType::kUnsignedInt)), 0u);
  EXPECT_EQ(value_of(m(), interval), "900");  // stored in canonical form
  EXPECT_EQ(code(pv(interval, "abc", ValueType::kString)), 9006u);
  EXPECT_EQ(code(pv(interval, "-5", ValueType::kInt)), 9006u);
  EXPECT_EQ(code(pv(interval, "abc", ValueType::kUnsignedInt)), 9007u);
  EXPECT_EQ(code(pv(interval, "true", ValueType::kBoolean)), 9006u);
  EXPECT_EQ(code(pv("Device.ManagementServer.STUNMaximumKeepAlivePeriod", "-1", ValueType::kInt)),
            0u);
  EXPECT_EQ(code(pv("Device.ManagementServer.STUNMaximumKeepAlivePeriod", "-2", ValueType::kInt)),
            9007u);
  EXPECT_EQ(
      code(pv("Device.ManagementServer.PeriodicInformTime", "yesterday", ValueType::kDateTime)),
      9007u);
  EXPECT_EQ(code(pv("Device.ManagementServer.PeriodicInformTime", "2024-05-01T10:00:00Z",
                    ValueType::kDateTime)),
            0u);
  EXPECT_TRUE(m().management().periodic_inform_time.has_value());
  EXPECT_EQ(code(pv("Device.WiFi.AccessPoint.1.Security.KeyPassphrase", "short")), 9007u);
  EXPECT_EQ(
      code(pv("Device.WiFi.AccessPoint.1.Security.PreSharedKey", "zz", ValueType::kHexBinary)),
      9007u);
  EXPECT_EQ(code(pv("Device.IP.InterfaceNumberOfEntries", "5", ValueType::kUnsignedInt)), 9008u);
  EXPECT_EQ(code(pv("Device.IP.Interface.1.", "x")), 9005u);
  EXPECT_EQ(code(pv("Device.ManagementServer.URL", std::string(70'000, 'u'))), 9007u);
}

TEST_F(CpeModelRpc, SetParameterValuesNamingAParameterTwiceFaults) {
  const cwmp::Body answer = m().handle(spv({pv("Device.ManagementServer.URL", "http://a/"),
                                            pv("Device.ManagementServer.URL", "http://b/")}));
  const cwmp::Fault* f = as_fault(answer);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->code, cwmp::fault::kInvalidArguments);
  ASSERT_EQ(f->set_parameter_values_faults.size(), 1u);
  EXPECT_EQ(f->set_parameter_values_faults[0].fault_code, cwmp::fault::kInvalidArguments);
  EXPECT_EQ(value_of(m(), "Device.ManagementServer.URL"), "");
}

TEST_F(CpeModelRpc, SetParameterValuesStatusOneWhenARebootIsNeeded) {
  const cwmp::Body answer =
      m().handle(spv({pv("Device.WiFi.Radio.1.Enable", "false", ValueType::kBoolean)}));
  ASSERT_TRUE(std::holds_alternative<cwmp::SetParameterValuesResponse>(answer));
  EXPECT_EQ(std::get<cwmp::SetParameterValuesResponse>(answer).status, 1);
}

TEST_F(CpeModelRpc, SetParameterValuesBoundsTheRequest) {
  std::vector<cwmp::ParameterValue> many(5000, pv("Device.ManagementServer.URL", "x"));
  EXPECT_EQ(fault_code(m().handle(spv(many))), cwmp::fault::kResourcesExceeded);
  EXPECT_EQ(
      fault_code(m().handle(spv({pv("Device.ManagementServer.URL", "x")}, std::string(33, 'k')))),
      cwmp::fault::kInvalidArguments);
  EXPECT_EQ(value_of(m(), "Device.ManagementServer.URL"), "");
}

TEST_F(CpeModelRpc, DiagnosticsStateFollowsTheTr181Rules) {
  const std::string state = "Device.IP.Diagnostics.IPPing.DiagnosticsState";
  // Only Requested and Canceled may be written.
  EXPECT_EQ(fault_code(m().handle(spv({pv(state, "Complete")}))), cwmp::fault::kInvalidArguments);
  ASSERT_EQ(fault_code(m().handle(spv(
                {pv("Device.IP.Diagnostics.IPPing.Host", "192.0.2.1"), pv(state, "Requested")}))),
            0u);
  EXPECT_EQ(value_of(m(), state), "Requested");
  // Writing another test parameter alone returns the state to None.
  ASSERT_EQ(fault_code(m().handle(spv({pv("Device.IP.Diagnostics.IPPing.NumberOfRepetitions", "5",
                                          ValueType::kUnsignedInt)}))),
            0u);
  EXPECT_EQ(value_of(m(), state), "None");
  ASSERT_EQ(fault_code(m().handle(spv({pv(state, "Requested")}))), 0u);
  ASSERT_EQ(fault_code(m().handle(spv({pv(state, "Canceled")}))), 0u);
  EXPECT_EQ(value_of(m(), state), "None");
  // The agent reports results internally; they are not saved.
  m().set_internal(state, "Complete");
  m().set_internal("Device.IP.Diagnostics.IPPing.SuccessCount", "5");
  EXPECT_EQ(value_of(m(), "Device.IP.Diagnostics.IPPing.SuccessCount"), "5");
}

// --- GetParameterNames ------------------------------------------------------------------

TEST_F(CpeModelRpc, GetParameterNamesEmptyPath) {
  const cwmp::Body next = m().handle(gpn("", true));
  const auto& list = std::get<cwmp::GetParameterNamesResponse>(next).parameter_list;
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].name, "Device.");
  EXPECT_FALSE(list[0].writable);

  const cwmp::Body all = m().handle(gpn("", false));
  const auto& entries = std::get<cwmp::GetParameterNamesResponse>(all).parameter_list;
  ASSERT_FALSE(entries.empty());
  EXPECT_EQ(entries.front().name, "Device.");
  const auto find = [&](const std::string& n) {
    return std::find_if(entries.begin(), entries.end(), [&](const auto& e) { return e.name == n; });
  };
  ASSERT_NE(find("Device.IP.Interface."), entries.end());
  EXPECT_TRUE(find("Device.IP.Interface.")->writable);    // AddObject allowed
  EXPECT_TRUE(find("Device.IP.Interface.1.")->writable);  // DeleteObject allowed
  EXPECT_FALSE(find("Device.Ethernet.Interface.")->writable);
  EXPECT_FALSE(find("Device.Ethernet.Interface.1.")->writable);
  EXPECT_FALSE(find("Device.DeviceInfo.")->writable);
  EXPECT_TRUE(find("Device.ManagementServer.URL")->writable);
  EXPECT_FALSE(find("Device.ManagementServer.ParameterKey")->writable);
  EXPECT_FALSE(find("Device.IP.InterfaceNumberOfEntries")->writable);
  // Objects come before what they hold.
  EXPECT_LT(find("Device.IP.Interface.1."), find("Device.IP.Interface.1.Name"));
  EXPECT_LT(find("Device.IP.Interface."), find("Device.IP.Interface.1."));
  // Its parameters are exactly what GetParameterValues of "" returns.
  std::vector<std::string> params;
  for (const auto& e : entries) {
    if (!e.name.ends_with('.')) params.push_back(e.name);
  }
  EXPECT_EQ(params, names_of(m().handle(gpv({""}))));
}

TEST_F(CpeModelRpc, GetParameterNamesNextLevelListsOnlyTheChildren) {
  EXPECT_EQ(names_of(m().handle(gpn("Device.IP.", true))),
            (std::vector<std::string>{"Device.IP.IPv4Capable", "Device.IP.IPv4Enable",
                                      "Device.IP.IPv4Status", "Device.IP.InterfaceNumberOfEntries",
                                      "Device.IP.Interface.", "Device.IP.Diagnostics."}));
  EXPECT_EQ(names_of(m().handle(gpn("Device.IP.Interface.", true))),
            (std::vector<std::string>{"Device.IP.Interface.1.", "Device.IP.Interface.2."}));
  const auto instance = names_of(m().handle(gpn("Device.IP.Interface.1.", true)));
  EXPECT_TRUE(contains(instance, "Device.IP.Interface.1.Enable"));
  EXPECT_TRUE(contains(instance, "Device.IP.Interface.1.IPv4Address."));
  EXPECT_TRUE(contains(instance, "Device.IP.Interface.1.Stats."));
  EXPECT_FALSE(contains(instance, "Device.IP.Interface.1.IPv4Address.1."));
  EXPECT_FALSE(contains(instance, "Device.IP.Interface.1."));
}

TEST_F(CpeModelRpc, GetParameterNamesWithoutNextLevelListsTheSubtree) {
  const auto names = names_of(m().handle(gpn("Device.IP.Interface.", false)));
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names.front(), "Device.IP.Interface.");
  EXPECT_TRUE(contains(names, "Device.IP.Interface.2.IPv4Address.1.SubnetMask"));
  EXPECT_TRUE(contains(names, "Device.IP.Interface.1.IPv4Address."));
}

TEST_F(CpeModelRpc, GetParameterNamesOfAParameter) {
  const cwmp::Body one = m().handle(gpn("Device.ManagementServer.URL", false));
  const auto& list = std::get<cwmp::GetParameterNamesResponse>(one).parameter_list;
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].name, "Device.ManagementServer.URL");
  EXPECT_TRUE(list[0].writable);
  EXPECT_EQ(fault_code(m().handle(gpn("Device.ManagementServer.URL", true))),
            cwmp::fault::kInvalidArguments);
  EXPECT_EQ(fault_code(m().handle(gpn("Device.Nope.", false))), cwmp::fault::kInvalidParameterName);
  EXPECT_EQ(fault_code(m().handle(gpn("Device.IP.Interface.7.", true))),
            cwmp::fault::kInvalidParameterName);
}

// --- Get/SetParameterAttributes -------------------------------------------------------------

cwmp::SetParameterAttributesStruct notify(std::string name, int n) {
  cwmp::SetParameterAttributesStruct s;
  s.name = std::move(name);
  s.notification_change = true;
  s.notification = n;
  return s;
}

std::vector<cwmp::ParameterAttribute> attributes(DataModel& m, std::vector<std::string> names) {
  const cwmp::Body a = m.handle(cwmp::GetParameterAttributes{std::move(names)});
  if (const auto* r = std::get_if<cwmp::GetParameterAttributesResponse>(&a))
    return r->parameter_list;
  ADD_FAILURE() << "GetParameterAttributes faulted " << fault_code(a);
  return {};
}

TEST_F(CpeModelRpc, AttributesHaveTr106Defaults) {
  const auto a = attributes(
      m(), {"Device.ManagementServer.URL", "Device.ManagementServer.ConnectionRequestURL",
            "Device.DeviceInfo.SoftwareVersion"});
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].notification, 0);
  EXPECT_TRUE(a[0].access_list.empty());
  EXPECT_EQ(a[1].notification, 2);  // forceDefaultEnabled
  EXPECT_EQ(a[2].notification, 2);  // forceEnabled
}

TEST_F(CpeModelRpc, SetParameterAttributesNotificationAndAccessList) {
  auto s = notify("Device.ManagementServer.URL", 1);
  s.access_list_change = true;
  s.access_list = {"Subscriber"};
  ASSERT_EQ(fault_code(m().handle(cwmp::SetParameterAttributes{{s, notify("Device.Time.", 1)}})),
            0u);
  const auto a = attributes(m(), {"Device.ManagementServer.URL", "Device.Time."});
  ASSERT_GE(a.size(), 2u);
  EXPECT_EQ(a[0].notification, 1);
  EXPECT_EQ(a[0].access_list, std::vector<std::string>{"Subscriber"});
  for (std::size_t i = 1; i < a.size(); ++i) {
    EXPECT_TRUE(a[i].name.starts_with("Device.Time.")) << a[i].name;
    EXPECT_EQ(a[i].notification, 1) << a[i].name;
  }
  // Back to the defaults.
  auto reset = notify("Device.ManagementServer.URL", 0);
  reset.access_list_change = true;
  ASSERT_EQ(fault_code(m().handle(cwmp::SetParameterAttributes{{reset}})), 0u);
  EXPECT_EQ(attributes(m(), {"Device.ManagementServer.URL"}).at(0).notification, 0);
  EXPECT_TRUE(attributes(m(), {"Device.ManagementServer.URL"}).at(0).access_list.empty());
}

TEST_F(CpeModelRpc, SetParameterAttributesRefusals) {
  const auto code = [&](std::vector<cwmp::SetParameterAttributesStruct> list) {
    return fault_code(m().handle(cwmp::SetParameterAttributes{std::move(list)}));
  };
  EXPECT_EQ(code({notify("Device.DeviceInfo.UpTime", 2)}), 9009u);  // canDeny
  EXPECT_EQ(code({notify("Device.ManagementServer.ParameterKey", 2)}), 9009u);
  EXPECT_EQ(code({notify("Device.DeviceInfo.SoftwareVersion", 0)}), 9009u);  // forceEnabled
  EXPECT_EQ(code({notify("Device.ManagementServer.URL", 4)}), 9009u);        // lightweight
  EXPECT_EQ(code({notify("Device.ManagementServer.URL", 7)}), 9003u);
  EXPECT_EQ(code({notify("Device.Nope", 1)}), 9005u);
  auto bad_list = notify("Device.ManagementServer.URL", 1);
  bad_list.access_list_change = true;
  bad_list.access_list = {"Everyone"};
  EXPECT_EQ(code({bad_list}), 9003u);
  // All or nothing: a refused entry leaves the valid one unapplied, also via a partial path.
  EXPECT_EQ(code({notify("Device.ManagementServer.URL", 1), notify("Device.DeviceInfo.", 2)}),
            9009u);
  EXPECT_EQ(attributes(m(), {"Device.ManagementServer.URL"}).at(0).notification, 0);
  EXPECT_EQ(attributes(m(), {"Device.DeviceInfo.Manufacturer"}).at(0).notification, 0);
  // The refusal may be lifted by asking for passive notification.
  EXPECT_EQ(code({notify("Device.DeviceInfo.UpTime", 1)}), 0u);
}

TEST_F(CpeModelRpc, GetParameterAttributesFaults) {
  EXPECT_EQ(fault_code(m().handle(cwmp::GetParameterAttributes{{"Device.Nope"}})), 9005u);
  EXPECT_EQ(fault_code(m().handle(cwmp::GetParameterAttributes{
                std::vector<std::string>(100'000, "Device.ManagementServer.URL")})),
            9004u);
}

// --- AddObject / DeleteObject ------------------------------------------------------------

cwmp::Body add(DataModel& m, std::string path, std::string key = "add") {
  return m.handle(cwmp::AddObject{std::move(path), std::move(key)});
}
cwmp::Body del(DataModel& m, std::string path, std::string key = "del") {
  return m.handle(cwmp::DeleteObject{std::move(path), std::move(key)});
}
std::uint32_t instance_of(const cwmp::Body& answer) {
  const auto* r = std::get_if<cwmp::AddObjectResponse>(&answer);
  return r == nullptr ? 0 : r->instance_number;
}

TEST_F(CpeModelRpc, AddObjectCreatesAnInstanceWithDefaults) {
  std::vector<std::string> seen;
  m().set_change_listener([&](const std::vector<std::string>& p) { seen = p; });
  const cwmp::Body answer = add(m(), "Device.IP.Interface.", "k-add");
  ASSERT_EQ(instance_of(answer), 3u);
  EXPECT_EQ(std::get<cwmp::AddObjectResponse>(answer).status, 0);
  EXPECT_EQ(seen, std::vector<std::string>{"Device.IP.Interface.3."});
  EXPECT_EQ(value_of(m(), "Device.IP.InterfaceNumberOfEntries"), "3");
  EXPECT_EQ(value_of(m(), "Device.IP.Interface.3.Name"), "ip3");
  EXPECT_EQ(value_of(m(), "Device.IP.Interface.3.Enable"), "false");
  EXPECT_EQ(value_of(m(), "Device.IP.Interface.3.MaxMTUSize"), "1500");
  EXPECT_EQ(value_of(m(), "Device.IP.Interface.3.IPv4AddressNumberOfEntries"), "0");
  EXPECT_EQ(value_of(m(), "Device.ManagementServer.ParameterKey"), "k-add");
  // Nested tables of the new instance.
  EXPECT_EQ(instance_of(add(m(), "Device.IP.Interface.3.IPv4Address.")), 1u);
  EXPECT_EQ(value_of(m(), "Device.IP.Interface.3.IPv4AddressNumberOfEntries"), "1");
  EXPECT_EQ(fault_code(
                m().handle(spv({pv("Device.IP.Interface.3.IPv4Address.1.IPAddress", "10.0.0.1")}))),
            0u);
}

TEST_F(CpeModelRpc, InstanceNumbersAreNeverReused) {
  EXPECT_EQ(instance_of(add(m(), "Device.IP.Interface.")), 3u);
  ASSERT_EQ(fault_code(del(m(), "Device.IP.Interface.3.")), 0u);
  EXPECT_EQ(value_of(m(), "Device.IP.InterfaceNumberOfEntries"), "2");
  EXPECT_EQ(instance_of(add(m(), "Device.IP.Interface.")), 4u);
  ASSERT_EQ(fault_code(del(m(), "Device.IP.Interface.2.")), 0u);
  EXPECT_EQ(instance_of(add(m(), "Device.IP.Interface.")), 5u);
  EXPECT_EQ(names_of(m().handle(gpn("Device.IP.Interface.", true))),
            (std::vector<std::string>{"Device.IP.Interface.1.", "Device.IP.Interface.4.",
                                      "Device.IP.Interface.5."}));
}

TEST_F(CpeModelRpc, DeleteObjectRemovesTheWholeSubtree) {
  auto s = notify("Device.IP.Interface.1.Name", 1);
  ASSERT_EQ(fault_code(m().handle(cwmp::SetParameterAttributes{{s}})), 0u);
  ASSERT_EQ(fault_code(del(m(), "Device.IP.Interface.1.", "k-del")), 0u);
  EXPECT_EQ(value_of(m(), "Device.ManagementServer.ParameterKey"), "k-del");
  EXPECT_EQ(fault_code(m().handle(gpv({"Device.IP.Interface.1."}))), 9005u);
  EXPECT_EQ(fault_code(m().handle(gpv({"Device.IP.Interface.1.IPv4Address.1.IPAddress"}))), 9005u);
  EXPECT_EQ(fault_code(m().handle(cwmp::GetParameterAttributes{{"Device.IP.Interface.1.Name"}})),
            9005u);
  EXPECT_EQ(value_of(m(), "Device.IP.InterfaceNumberOfEntries"), "1");
}

TEST_F(CpeModelRpc, AddAndDeleteObjectFaults) {
  ASSERT_EQ(fault_code(m().handle(spv({}, "before"))), 0u);
  EXPECT_EQ(fault_code(add(m(), "Device.Ethernet.Interface.")), 9001u);  // read-only table
  EXPECT_EQ(fault_code(add(m(), "Device.DeviceInfo.")), 9005u);          // not a table
  EXPECT_EQ(fault_code(add(m(), "Device.IP.Interface.1.")), 9005u);      // an instance
  EXPECT_EQ(fault_code(add(m(), "Device.IP.Interface")), 9005u);         // not an object path
  EXPECT_EQ(fault_code(add(m(), "Device.Nope.")), 9005u);
  EXPECT_EQ(fault_code(add(m(), "")), 9005u);
  EXPECT_EQ(fault_code(add(m(), "Device.IP.Interface.9.IPv4Address.")), 9005u);
  EXPECT_EQ(fault_code(add(m(), "Device.IP.Interface.", std::string(40, 'k'))), 9003u);
  EXPECT_EQ(fault_code(del(m(), "Device.Ethernet.Interface.1.")), 9001u);
  EXPECT_EQ(fault_code(del(m(), "Device.IP.Interface.")), 9005u);
  EXPECT_EQ(fault_code(del(m(), "Device.IP.Interface.99.")), 9005u);
  EXPECT_EQ(fault_code(del(m(), "Device.IP.Interface.1.Name")), 9005u);
  EXPECT_EQ(value_of(m(), "Device.ManagementServer.ParameterKey"), "before");
  EXPECT_EQ(value_of(m(), "Device.IP.InterfaceNumberOfEntries"), "2");
}

TEST_F(CpeModelRpc, AddObjectRespectsMaxEntries) {
  // DHCPv4.Server.Pool allows 4 and has 1.
  for (int i = 0; i < 3; ++i) EXPECT_NE(instance_of(add(m(), "Device.DHCPv4.Server.Pool.")), 0u);
  EXPECT_EQ(fault_code(add(m(), "Device.DHCPv4.Server.Pool.")), cwmp::fault::kResourcesExceeded);
  EXPECT_EQ(value_of(m(), "Device.DHCPv4.Server.PoolNumberOfEntries"), "4");
}

TEST_F(CpeModelRpc, OtherMethodsAreNotSupportedHere) {
  EXPECT_EQ(fault_code(m().handle(cwmp::Reboot{"x"})), cwmp::fault::kMethodNotSupported);
  EXPECT_EQ(fault_code(m().handle(cwmp::GetRPCMethods{})), cwmp::fault::kMethodNotSupported);
  EXPECT_EQ(fault_code(m().handle(cwmp::Download{})), cwmp::fault::kMethodNotSupported);
}

TEST_F(CpeModelRpc, DeviceIdAndManagementSettingsComeFromTheModel) {
  const cwmp::DeviceId id = m().device_id();
  EXPECT_EQ(id.manufacturer, "cwmp-suite");
  EXPECT_EQ(id.oui, "00D09E");
  EXPECT_EQ(id.product_class, "HomeGateway");
  EXPECT_EQ(id.serial_number, "0000000001");
  const cpe::ManagementSettings ms = m().management();
  EXPECT_TRUE(ms.periodic_inform_enable);
  EXPECT_EQ(ms.periodic_inform_interval, 3600u);
  EXPECT_FALSE(ms.periodic_inform_time.has_value());  // the Unknown Time
  EXPECT_EQ(ms.retry_minimum_wait_interval, 5u);
  EXPECT_EQ(ms.retry_interval_multiplier, 2000u);
  m().set_internal("Device.DeviceInfo.SerialNumber", "SN-42");
  EXPECT_EQ(m().device_id().serial_number, "SN-42");
}

TEST_F(CpeModelRpc, ComputedValuesFollowTheInjectedClock) {
  EXPECT_EQ(value_of(m(), "Device.DeviceInfo.UpTime"), "0");
  clock_.now += std::chrono::seconds(125);
  EXPECT_EQ(value_of(m(), "Device.DeviceInfo.UpTime"), "125");
  EXPECT_EQ(value_of(m(), "Device.Time.CurrentLocalTime"), "2023-11-14T22:13:20Z");
  EXPECT_THROW(m().set_internal("Device.DeviceInfo.UpTime", "5"), std::invalid_argument);
  EXPECT_THROW(m().set_internal("Device.Nope", "5"), std::invalid_argument);
  EXPECT_THROW(m().set_internal("Device.ManagementServer.PeriodicInformInterval", "x"),
               std::invalid_argument);
}

TEST_F(CpeModelRpc, InternalInstancesForDeviceManagedTables) {
  auto n = m().add_instance(
      "Device.Hosts.Host.",
      {{"PhysAddress", "02:11:22:33:44:55"}, {"HostName", "laptop"}, {"Active", "true"}});
  ASSERT_TRUE(n.ok()) << n.error();
  EXPECT_EQ(*n, 1u);
  EXPECT_EQ(value_of(m(), "Device.Hosts.HostNumberOfEntries"), "1");
  EXPECT_EQ(value_of(m(), "Device.Hosts.Host.1.HostName"), "laptop");
  EXPECT_FALSE(m().add_instance("Device.Hosts.Host.", {{"Nope", "x"}}).ok());
  EXPECT_FALSE(m().add_instance("Device.Hosts.", {}).ok());
  EXPECT_TRUE(m().delete_instance("Device.Hosts.Host.1."));
  EXPECT_FALSE(m().delete_instance("Device.Hosts.Host.1."));
  EXPECT_EQ(*m().add_instance("Device.Hosts.Host."), 2u);
  // The ACS still cannot add or delete there.
  EXPECT_EQ(fault_code(add(m(), "Device.Hosts.Host.")), 9001u);
}

}  // namespace
}  // namespace cpe_model_test

namespace cpe_model_test {
namespace {

// What the model answers must go on the wire as it is: the strict encoder (schema checks)
// accepts every answer, faults with per-parameter entries included.
TEST_F(CpeModelRpc, EveryAnswerEncodes) {
  cwmp::SetParameterAttributesStruct attr;
  attr.name = "Device.ManagementServer.URL";
  attr.notification_change = true;
  attr.notification = 1;
  const std::vector<cwmp::Body> requests = {
      gpv({""}),
      gpv({"Device.Nope\xC3\xA9<&>"}),
      gpn("", false),
      gpn("Device.WiFi.", true),
      spv({pv("Device.ManagementServer.URL", "http://a/"), pv("Device.Nope", "x"),
           pv("Device.DeviceInfo.UpTime", "1", ValueType::kUnsignedInt)}),
      spv({pv("Device.ManagementServer.URL", "http://a/")}),
      cwmp::GetParameterAttributes{{"Device."}},
      cwmp::SetParameterAttributes{{attr}},
      cwmp::AddObject{"Device.IP.Interface.", "k"},
      cwmp::DeleteObject{"Device.IP.Interface.3.", "k"},
      cwmp::DeleteObject{"Device.IP.Interface.3.", "k"},
      cwmp::Reboot{"k"}};
  for (const cwmp::Body& request : requests) {
    cwmp::Envelope envelope;
    envelope.header.id = "1";
    envelope.body = m().handle(request);
    const auto encoded = cwmp::encode(envelope);
    EXPECT_TRUE(encoded.ok()) << cwmp::method_name(request) << ": "
                              << (encoded.ok() ? "" : encoded.error().message);
  }
}

}  // namespace
}  // namespace cpe_model_test
