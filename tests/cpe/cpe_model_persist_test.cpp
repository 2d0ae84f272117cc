// Persistence (issue 4 §7): what survives a restart, a corrupt or missing file, a factory
// reset, and a kill -9 in the middle of writing.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cpe/model/durable_file.hpp"
#include "cpe_model_support.hpp"
#include "cwmp/faults.hpp"

namespace cpe_model_test {
namespace {

using cpe::model::LoadStatus;

cwmp::SetParameterAttributesStruct notify(std::string name, int n) {
  cwmp::SetParameterAttributesStruct s;
  s.name = std::move(name);
  s.notification_change = true;
  s.notification = n;
  return s;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(CpeModelPersist, FirstStartIsMissingThenLoaded) {
  TempDir dir;
  std::vector<std::string> log;
  {
    auto m = make_builtin(dir.path(), nullptr, &log);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->load_status(), LoadStatus::kMissing);
    EXPECT_FALSE(log.empty());
  }
  // The factory state was written at once, so the next start is a normal one.
  EXPECT_TRUE(fs::exists(dir.path() / "model-state.json"));
  auto again = make_builtin(dir.path());
  EXPECT_EQ(again->load_status(), LoadStatus::kLoaded);
}

TEST(CpeModelPersist, TheStateDirectoryIsCreated) {
  TempDir dir;
  auto m = make_builtin(dir.path() / "a" / "b");
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE(fs::exists(dir.path() / "a" / "b" / "model-state.json"));
}

TEST(CpeModelPersist, FactoryInstancesMustFollowTheirParents) {
  const std::string model = R"({"format": "cwmp-cpe-model/1", "objects": [
      {"path": "Device.", "parameters": []},
      {"path": "Device.T.{i}.", "parameters": []},
      {"path": "Device.T.{i}.S.{i}.", "parameters": []}],
    "instances": [{"path": "Device.T.1.S.1."}, {"path": "Device.T.1."}]})";
  const auto m = DataModel::create(model, options_for({}, nullptr));
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().find("Device.T.1.S.1."), std::string::npos) << m.error();
}

TEST(CpeModelPersist, EverythingAcknowledgedSurvivesARestart) {
  TempDir dir;
  {
    auto m = make_builtin(dir.path());
    ASSERT_EQ(fault_code(m->handle(spv({pv("Device.ManagementServer.URL", "http://acs/"),
                                        pv("Device.WiFi.SSID.1.SSID", "saved")},
                                       "key-7"))),
              0u);
    ASSERT_EQ(fault_code(m->handle(cwmp::AddObject{"Device.IP.Interface.", "key-8"})), 0u);  // 3
    ASSERT_EQ(fault_code(m->handle(cwmp::AddObject{"Device.IP.Interface.3.IPv4Address.", ""})), 0u);
    ASSERT_EQ(fault_code(m->handle(
                  spv({pv("Device.IP.Interface.3.IPv4Address.1.IPAddress", "10.1.1.1")}, "key-9"))),
              0u);
    ASSERT_EQ(fault_code(m->handle(cwmp::DeleteObject{"Device.IP.Interface.2.", "key-10"})), 0u);
    ASSERT_EQ(fault_code(m->handle(
                  cwmp::SetParameterAttributes{{notify("Device.WiFi.SSID.1.SSID", 2),
                                                notify("Device.Hosts.HostNumberOfEntries", 1)}})),
              0u);
    m->set_internal("Device.WiFi.SSID.1.SSID", "changed-locally");  // pending active
    ASSERT_TRUE(m->add_instance("Device.Hosts.Host.").ok());        // pending passive
    m->set_internal("Device.Ethernet.Interface.1.Status", "Down");  // volatile: not saved
  }
  auto m = make_builtin(dir.path());
  ASSERT_EQ(m->load_status(), LoadStatus::kLoaded);
  EXPECT_EQ(value_of(*m, "Device.ManagementServer.URL"), "http://acs/");
  EXPECT_EQ(value_of(*m, "Device.WiFi.SSID.1.SSID"), "changed-locally");
  EXPECT_EQ(value_of(*m, "Device.ManagementServer.ParameterKey"), "key-10");
  EXPECT_EQ(value_of(*m, "Device.IP.Interface.3.IPv4Address.1.IPAddress"), "10.1.1.1");
  EXPECT_EQ(value_of(*m, "Device.IP.Interface.2.Name"), "<fault 9005>");
  EXPECT_EQ(value_of(*m, "Device.IP.InterfaceNumberOfEntries"), "2");
  EXPECT_EQ(value_of(*m, "Device.Ethernet.Interface.1.Status"), "Up");  // the factory value again
  EXPECT_EQ(value_of(*m, "Device.Ethernet.Interface.1.Name"), "eth0");
  // Attributes and the pending notifications.
  const cwmp::Body a = m->handle(cwmp::GetParameterAttributes{{"Device.WiFi.SSID.1.SSID"}});
  EXPECT_EQ(std::get<cwmp::GetParameterAttributesResponse>(a).parameter_list.at(0).notification, 2);
  EXPECT_TRUE(m->value_change_pending());
  std::vector<std::string> names;
  for (const auto& p : m->inform_parameters()) names.push_back(p.name);
  EXPECT_NE(std::find(names.begin(), names.end(), "Device.WiFi.SSID.1.SSID"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "Device.Hosts.HostNumberOfEntries"), names.end());
  m->inform_delivered();
  // ...and their delivery too.
  m.reset();
  m = make_builtin(dir.path());
  EXPECT_FALSE(m->value_change_pending());
}

TEST(CpeModelPersist, InstanceNumbersAreNeverReusedAcrossRestarts) {
  TempDir dir;
  {
    auto m = make_builtin(dir.path());
    const cwmp::Body a = m->handle(cwmp::AddObject{"Device.WiFi.SSID.", ""});
    ASSERT_EQ(std::get<cwmp::AddObjectResponse>(a).instance_number, 3u);
    ASSERT_EQ(fault_code(m->handle(cwmp::DeleteObject{"Device.WiFi.SSID.3.", ""})), 0u);
  }
  auto m = make_builtin(dir.path());
  const cwmp::Body a = m->handle(cwmp::AddObject{"Device.WiFi.SSID.", ""});
  EXPECT_EQ(std::get<cwmp::AddObjectResponse>(a).instance_number, 4u);
}

TEST(CpeModelPersist, ACorruptFileFallsBackToDefaultsAndIsReported) {
  TempDir dir;
  {
    auto m = make_builtin(dir.path());
    ASSERT_EQ(fault_code(m->handle(spv({pv("Device.ManagementServer.URL", "http://acs/")}))), 0u);
  }
  for (const char* garbage : {"{\"format\": \"cwmp-cpe-state/1\", \"values\": {", "\x01\x02", "[]",
                              "{\"format\": \"something-else\"}", ""}) {
    {
      std::ofstream out(dir.path() / "model-state.json", std::ios::trunc);
      out << garbage;
    }
    std::vector<std::string> log;
    auto m = make_builtin(dir.path(), nullptr, &log);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->load_status(), LoadStatus::kCorrupt) << garbage;
    EXPECT_EQ(value_of(*m, "Device.ManagementServer.URL"), "");
    EXPECT_EQ(value_of(*m, "Device.IP.InterfaceNumberOfEntries"), "2");
    EXPECT_FALSE(log.empty());
    EXPECT_TRUE(fs::exists(dir.path() / "model-state.json.corrupt"));
  }
}

TEST(CpeModelPersist, EntriesTheModelDoesNotKnowAreDropped) {
  TempDir dir;
  {
    std::ofstream out(dir.path() / "model-state.json");
    out << R"({"format": "cwmp-cpe-state/1",
      "values": {"Device.ManagementServer.URL": "http://kept/", "Device.Gone.Param": "x",
                 "Device.ManagementServer.PeriodicInformInterval": "0",
                 "Device.IP.Interface.7.Name": "no such instance"},
      "tables": {"Device.IP.Interface.": {"last": 9, "instances": [1, 9, 12]},
                 "Device.Nope.": {"last": 1, "instances": [1]}},
      "attributes": {"Device.ManagementServer.URL": {"notification": 1, "accessList": []},
                     "Device.ManagementServer.Username": {"notification": 9}},
      "pending": {"Device.ManagementServer.URL": "active"}})";
  }
  std::vector<std::string> log;
  auto m = make_builtin(dir.path(), nullptr, &log);
  ASSERT_EQ(m->load_status(), LoadStatus::kLoaded);
  EXPECT_EQ(value_of(*m, "Device.ManagementServer.URL"), "http://kept/");
  EXPECT_EQ(value_of(*m, "Device.ManagementServer.PeriodicInformInterval"), "3600");
  EXPECT_EQ(names_of(m->handle(gpn("Device.IP.Interface.", true))),
            (std::vector<std::string>{"Device.IP.Interface.1.", "Device.IP.Interface.9."}));
  EXPECT_TRUE(m->value_change_pending());
  EXPECT_EQ(
      std::get<cwmp::AddObjectResponse>(m->handle(cwmp::AddObject{"Device.IP.Interface.", ""}))
          .instance_number,
      10u);
  ASSERT_FALSE(log.empty());
  EXPECT_NE(log.back().find("dropped"), std::string::npos);
}

TEST(CpeModelPersist, FactoryResetWipesTheState) {
  TempDir dir;
  auto m = make_builtin(dir.path());
  ASSERT_EQ(fault_code(m->handle(spv({pv("Device.ManagementServer.URL", "http://acs/")}, "k"))),
            0u);
  ASSERT_EQ(fault_code(m->handle(cwmp::AddObject{"Device.IP.Interface.", ""})), 0u);
  ASSERT_EQ(fault_code(m->handle(
                cwmp::SetParameterAttributes{{notify("Device.ManagementServer.URL", 2)}})),
            0u);
  m->factory_reset();
  EXPECT_EQ(value_of(*m, "Device.ManagementServer.URL"), "");
  EXPECT_EQ(value_of(*m, "Device.ManagementServer.ParameterKey"), "");
  EXPECT_EQ(value_of(*m, "Device.IP.InterfaceNumberOfEntries"), "2");
  const cwmp::Body a = m->handle(cwmp::GetParameterAttributes{{"Device.ManagementServer.URL"}});
  EXPECT_EQ(std::get<cwmp::GetParameterAttributesResponse>(a).parameter_list.at(0).notification, 0);
  EXPECT_FALSE(fs::exists(dir.path() / "model-state.json"));
  m.reset();
  m = make_builtin(dir.path());
  EXPECT_EQ(m->load_status(), LoadStatus::kMissing);  // so the agent bootstraps
  EXPECT_EQ(
      std::get<cwmp::AddObjectResponse>(m->handle(cwmp::AddObject{"Device.IP.Interface.", ""}))
          .instance_number,
      3u);
}

TEST(CpeModelPersist, AFailedSaveLeavesTheModelUnchanged) {
  TempDir dir;
  auto m = make_builtin(dir.path());
  ASSERT_EQ(fault_code(m->handle(spv({pv("Device.ManagementServer.URL", "http://old/")}, "k1"))),
            0u);
  // A directory where the temporary file goes makes every save fail.
  fs::create_directory(dir.path() / "model-state.json.tmp");
  EXPECT_EQ(fault_code(m->handle(spv({pv("Device.ManagementServer.URL", "http://new/")}, "k2"))),
            cwmp::fault::kInternalError);
  EXPECT_EQ(fault_code(m->handle(cwmp::AddObject{"Device.IP.Interface.", "k3"})),
            cwmp::fault::kInternalError);
  EXPECT_EQ(fault_code(m->handle(cwmp::DeleteObject{"Device.IP.Interface.1.", "k4"})),
            cwmp::fault::kInternalError);
  EXPECT_EQ(fault_code(m->handle(
                cwmp::SetParameterAttributes{{notify("Device.ManagementServer.URL", 1)}})),
            cwmp::fault::kInternalError);
  EXPECT_EQ(value_of(*m, "Device.ManagementServer.URL"), "http://old/");
  EXPECT_EQ(value_of(*m, "Device.ManagementServer.ParameterKey"), "k1");
  EXPECT_EQ(value_of(*m, "Device.IP.InterfaceNumberOfEntries"), "2");
  fs::remove(dir.path() / "model-state.json.tmp");
  // The failed AddObject did not consume an instance number either.
  EXPECT_EQ(
      std::get<cwmp::AddObjectResponse>(m->handle(cwmp::AddObject{"Device.IP.Interface.", ""}))
          .instance_number,
      3u);
}

// A child process changes the model as fast as it can and is killed with SIGKILL at an
// arbitrary moment, several times: every restart must load a consistent state (never
// corrupt) that holds at least what had been acknowledged.
TEST(CpeModelPersist, SurvivesKillMinusNine) {
  TempDir dir;
  { make_builtin(dir.path()); }
  const fs::path acked = dir.path() / "acked";
  for (int round = 0; round < 5; ++round) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      auto m = make_builtin(dir.path());
      for (int i = 0;; ++i) {
        const std::string key = "r" + std::to_string(round) + "-" + std::to_string(i);
        const cwmp::Body a = m->handle(spv({pv("Device.ManagementServer.Username", key)}, key));
        if (fault_code(a) != 0) ::_exit(3);
        m->handle(cwmp::AddObject{"Device.DHCPv4.Server.Pool.1.StaticAddress.", key});
        // Recorded only after the model acknowledged it (a durable write of our own).
        std::string error;
        cpe::model::write_file_durably(acked, key, error);
      }
    }
    ::usleep(static_cast<useconds_t>(30'000 + round * 17'000));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status));
    std::vector<std::string> log;
    auto m = make_builtin(dir.path(), nullptr, &log);
    ASSERT_EQ(m->load_status(), LoadStatus::kLoaded) << (log.empty() ? "" : log.back());
    const std::string last_acked = read_file(acked);
    if (last_acked.empty()) continue;
    // One SPV sets Username and ParameterKey together: never one without the other.
    const std::string key = value_of(*m, "Device.ManagementServer.ParameterKey");
    EXPECT_EQ(value_of(*m, "Device.ManagementServer.Username"), key);
    // The saved key is the last acknowledged one or, killed between the model's write and
    // ours, the one after it: never an older one.
    const auto parse = [](const std::string& k) {
      return std::pair{std::stoi(k.substr(1, k.find('-') - 1)),
                       std::stoi(k.substr(k.find('-') + 1))};
    };
    const auto [r, i] = parse(last_acked);
    const auto saved = parse(key);
    EXPECT_TRUE(saved == std::pair(r, i) || saved == std::pair(r, i + 1) ||
                saved == std::pair(round, 0))
        << "acknowledged " << last_acked << ", saved " << key;
  }
  EXPECT_FALSE(read_file(acked).empty()) << "the child never got an SPV acknowledged";
}

}  // namespace
}  // namespace cpe_model_test
