// Providers and hooks: the C++ callback interface, the external-command provider (with its
// timeout), and an SPV through hooks staying all or nothing.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "cpe/model/hooks.hpp"
#include "cpe_model_support.hpp"
#include "cwmp/faults.hpp"

namespace cpe_model_test {
namespace {

using cpe::model::CommandHook;
using cpe::model::HookResult;
using cpe::model::ValueHook;
using namespace std::chrono_literals;

// A vendor's C++ integration: values live in "the system" (a map here).
struct FakeSystem : ValueHook {
  std::map<std::string, std::string> values;
  std::vector<std::string> sets;
  std::string refuse;  // a path whose set fails

  HookResult get(const std::string& path) override {
    const auto it = values.find(path);
    return it == values.end() ? HookResult::failure("unknown " + path)
                              : HookResult::value(it->second);
  }
  HookResult set(const std::string& path, const std::string& value) override {
    if (path == refuse) return HookResult::failure("the radio said no");
    sets.push_back(path + "=" + value);
    values[path] = value;
    return HookResult::done();
  }
  bool can_set() const override { return true; }
};

class CpeModelHooks : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = make_builtin(dir_.path(), nullptr, &log_);
    ASSERT_NE(model_, nullptr);
  }
  DataModel& m() { return *model_; }

  TempDir dir_;
  std::vector<std::string> log_;
  std::unique_ptr<DataModel> model_;
};

TEST_F(CpeModelHooks, CallbackHookSuppliesAndAppliesValues) {
  auto system = std::make_shared<FakeSystem>();
  system->values["Device.WiFi.SSID.1.SSID"] = "from-the-driver";
  system->values["Device.WiFi.SSID.2.SSID"] = "driver-5g";
  m().add_hook("Device.WiFi.SSID.{i}.SSID", system);
  EXPECT_EQ(value_of(m(), "Device.WiFi.SSID.1.SSID"), "from-the-driver");
  EXPECT_EQ(value_of(m(), "Device.WiFi.SSID.2.SSID"), "driver-5g");
  ASSERT_EQ(fault_code(m().handle(spv({pv("Device.WiFi.SSID.1.SSID", "new-name")}))), 0u);
  EXPECT_EQ(system->sets, std::vector<std::string>{"Device.WiFi.SSID.1.SSID=new-name"});
  EXPECT_EQ(value_of(m(), "Device.WiFi.SSID.1.SSID"), "new-name");
  // The model still validates before the hook sees anything.
  EXPECT_EQ(fault_code(m().handle(spv({pv("Device.WiFi.SSID.1.SSID", std::string(40, 'x'))}))),
            cwmp::fault::kInvalidArguments);
  EXPECT_EQ(system->sets.size(), 1u);
}

TEST_F(CpeModelHooks, ASubtreePatternCoversEveryParameterBelow) {
  auto system = std::make_shared<FakeSystem>();
  system->values["Device.Ethernet.Interface.1.Stats.BytesSent"] = "123456789012";
  system->values["Device.Ethernet.Interface.1.Stats.ErrorsSent"] = "7";
  m().add_hook("Device.Ethernet.Interface.1.Stats.", system);
  EXPECT_EQ(value_of(m(), "Device.Ethernet.Interface.1.Stats.BytesSent"), "123456789012");
  EXPECT_EQ(value_of(m(), "Device.Ethernet.Interface.1.Stats.ErrorsSent"), "7");
  // Not covered: instance 2.
  EXPECT_EQ(value_of(m(), "Device.Ethernet.Interface.2.Stats.ErrorsSent").find("<fault"),
            std::string::npos);
}

TEST_F(CpeModelHooks, AFailingHookKeepsGetParameterValuesAlive) {
  auto system = std::make_shared<FakeSystem>();  // knows no value: every get fails
  m().add_hook("Device.WiFi.SSID.1.SSID", system);
  EXPECT_EQ(value_of(m(), "Device.WiFi.SSID.1.SSID"), "cwmp-cpe");  // the stored value
  ASSERT_FALSE(log_.empty());
  EXPECT_NE(log_.back().find("Device.WiFi.SSID.1.SSID"), std::string::npos);
  // An invalid value from the system is not passed on either.
  system->values["Device.WiFi.SSID.1.SSID"] = std::string(50, 'x');
  EXPECT_EQ(value_of(m(), "Device.WiFi.SSID.1.SSID"), "cwmp-cpe");
}

TEST_F(CpeModelHooks, AReadOnlyHookMakesItsParametersNotWritable) {
  struct Probe : ValueHook {
    HookResult get(const std::string&) override { return HookResult::value("probe"); }
  };
  m().add_hook("Device.WiFi.SSID.1.SSID", std::make_shared<Probe>());
  const cwmp::Body a = m().handle(spv({pv("Device.WiFi.SSID.1.SSID", "x")}));
  ASSERT_NE(as_fault(a), nullptr);
  EXPECT_EQ(as_fault(a)->set_parameter_values_faults.at(0).fault_code,
            cwmp::fault::kNonWritableParameter);
  const cwmp::Body names = m().handle(gpn("Device.WiFi.SSID.1.SSID", false));
  EXPECT_FALSE(std::get<cwmp::GetParameterNamesResponse>(names).parameter_list.at(0).writable);
}

TEST_F(CpeModelHooks, AHookFailureDuringSetParameterValuesUndoesEverything) {
  auto system = std::make_shared<FakeSystem>();
  system->values["Device.WiFi.SSID.1.SSID"] = "one";
  system->values["Device.WiFi.SSID.2.SSID"] = "two";
  system->refuse = "Device.WiFi.SSID.2.SSID";
  m().add_hook("Device.WiFi.SSID.{i}.SSID", system);
  const cwmp::Body a =
      m().handle(spv({pv("Device.ManagementServer.URL", "http://new/"),
                      pv("Device.WiFi.SSID.1.SSID", "uno"), pv("Device.WiFi.SSID.2.SSID", "dos")},
                     "k"));
  EXPECT_EQ(fault_code(a), cwmp::fault::kInternalError);
  // The first hook change was put back, the persisted one never happened.
  EXPECT_EQ(system->values["Device.WiFi.SSID.1.SSID"], "one");
  EXPECT_EQ(system->sets, (std::vector<std::string>{"Device.WiFi.SSID.1.SSID=uno",
                                                    "Device.WiFi.SSID.1.SSID=one"}));
  EXPECT_EQ(value_of(m(), "Device.ManagementServer.URL"), "");
  EXPECT_EQ(value_of(m(), "Device.ManagementServer.ParameterKey"), "");
}

TEST(CpeModelCommand, RunsTheCommandWithThePathAndReadsStdout) {
  const auto r = cpe::model::run_command("echo \"value of $1\"", {"Device.X"}, 5s);
  EXPECT_TRUE(r.started);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_EQ(r.output, "value of Device.X\n");
  const auto failed = cpe::model::run_command("exit 3", {}, 5s);
  EXPECT_EQ(failed.exit_status, 3);
}

TEST(CpeModelCommand, KillsACommandThatTakesTooLong) {
  const auto start = std::chrono::steady_clock::now();
  // The shell's child keeps stdout open: the whole process group must go.
  const auto r = cpe::model::run_command("sleep 30; echo late", {}, 200ms);
  EXPECT_TRUE(r.timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST(CpeModelCommand, BoundsTheOutput) {
  const auto r = cpe::model::run_command("head -c 100000 /dev/zero", {}, 5s, 1000);
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_EQ(r.output.size(), 1000u);
}

TEST_F(CpeModelHooks, CommandHookGetAndSet) {
  const fs::path file = dir_.path() / "hostname";
  { std::ofstream(file) << "gateway-1\n"; }
  // A vendor script: the path in $1, the new value in $2.
  const std::string get = "cat '" + file.string() + "'";
  const std::string set = "printf '%s\\n' \"$2\" > '" + file.string() + "'";
  m().add_hook("Device.WiFi.SSID.1.SSID", std::make_shared<CommandHook>(get, set, 5s));
  EXPECT_EQ(value_of(m(), "Device.WiFi.SSID.1.SSID"), "gateway-1");
  ASSERT_EQ(fault_code(m().handle(spv({pv("Device.WiFi.SSID.1.SSID", "it's me")}))), 0u);
  std::string content;
  std::getline(std::ifstream(file), content);
  EXPECT_EQ(content, "it's me");
  EXPECT_EQ(value_of(m(), "Device.WiFi.SSID.1.SSID"), "it's me");
}

TEST_F(CpeModelHooks, CommandHookTimeoutFallsBackToTheStoredValue) {
  m().add_hook("Device.DeviceInfo.Description",
               std::make_shared<CommandHook>("sleep 5", "", std::chrono::milliseconds(100)));
  EXPECT_EQ(value_of(m(), "Device.DeviceInfo.Description"), "cwmp-cpe home gateway");
  ASSERT_FALSE(log_.empty());
  EXPECT_NE(log_.back().find("timed out"), std::string::npos);
}

TEST(CpeModelHooksFromTheDefinition, CommandHooksDeclaredInTheModelFile) {
  const std::string model = R"({
    "format": "cwmp-cpe-model/1",
    "objects": [
      {"path": "Device.", "parameters": [
        {"name": "Temperature", "type": "int", "access": "readOnly", "provider": "hook"},
        {"name": "Label", "type": "string", "access": "readWrite", "maxLength": 16}
      ]}
    ],
    "hooks": [
      {"pattern": "Device.Temperature", "get": "/bin/sh -c 'echo 42'", "timeoutMs": 5000}
    ]
  })";
  TempDir dir;
  auto m = DataModel::create(model, options_for(dir.path(), nullptr));
  ASSERT_TRUE(m.ok()) << m.error();
  EXPECT_EQ(value_of(**m, "Device.Temperature"), "42");
  EXPECT_EQ(value_of(**m, "Device.Label"), "");
}

TEST(CpeModelNetdev, CountersComeFromTheInterfaceStatistics) {
  TempDir dir;
  const fs::path stats = dir.path() / "net" / "eth0" / "statistics";
  fs::create_directories(stats);
  std::ofstream(stats / "tx_bytes") << "5000000000\n";
  std::ofstream(stats / "tx_errors") << "4294967301\n";  // wraps as a 32-bit counter
  auto options = options_for(dir.path() / "state", nullptr);
  fs::create_directories(dir.path() / "state");
  options.netdev_root = dir.path() / "net";
  auto m = DataModel::create(cpe::model::builtin_model_json(), options);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(value_of(**m, "Device.Ethernet.Interface.1.Stats.BytesSent"), "5000000000");
  EXPECT_EQ(value_of(**m, "Device.Ethernet.Interface.1.Stats.ErrorsSent"), "5");
  EXPECT_EQ(value_of(**m, "Device.Ethernet.Interface.1.Stats.PacketsSent"), "0");  // no file
  EXPECT_EQ(value_of(**m, "Device.Ethernet.Interface.2.Stats.BytesSent"), "0");    // no lan0
}

}  // namespace
}  // namespace cpe_model_test
