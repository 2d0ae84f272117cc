// Per-device connection-request credentials on the session side: the generator (with an
// injected random source), the setParameterValues task it becomes, the data-model root of
// an Inform, and the session asking for them on 0 BOOTSTRAP only, then recording the CPE's
// answer like any task's (docs/connection-requests.md).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdint>
#include <random>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "acs/session.hpp"
#include "acs/task_rpc.hpp"
#include "cwmp/codec.hpp"
#include "cwmp/faults.hpp"

namespace {

namespace json = boost::json;
using acs::AcsSession;
using acs::Reply;

constexpr acs::Millis kNow = 1'800'000'000'000;

// A deterministic stand-in for RAND_bytes.
acs::RandomBytes seeded(std::uint32_t seed) {
  auto engine = std::make_shared<std::mt19937>(seed);
  return [engine](std::span<std::uint8_t> out) {
    for (std::uint8_t& b : out) b = static_cast<std::uint8_t>((*engine)() & 0xFF);
  };
}

bool all_of_alphabet(std::string_view text, std::string_view alphabet) {
  return text.find_first_not_of(alphabet) == std::string_view::npos;
}

std::string envelope(cwmp::Body body, std::string id = "1") {
  cwmp::Envelope env;
  env.version = cwmp::CwmpVersion::k1_2;
  env.header.id = std::move(id);
  env.body = std::move(body);
  return cwmp::encode(env).value();
}

cwmp::Inform inform(std::vector<std::string> events, std::string root = "Device.") {
  cwmp::Inform m;
  m.device_id = {"ExampleCo", "00AABB", "HGW", "SN-1"};
  for (std::string& e : events) m.event.push_back({std::move(e), ""});
  m.parameter_list = {
      {root + "DeviceInfo.SoftwareVersion", "1.0", cwmp::ValueType::kString},
      {root + "ManagementServer.ConnectionRequestURL", "http://192.0.2.1/cr",
       cwmp::ValueType::kString},
      {root + "ManagementServer.ConnectionRequestUsername", "factory", cwmp::ValueType::kString}};
  return m;
}

acs::SessionConfig per_device() {
  acs::SessionConfig c;
  c.per_device_cr_credentials = true;
  return c;
}

const acs::QueueCrCredentials* queued(const Reply& r) {
  for (const acs::Effect& e : r.effects) {
    if (const auto* q = std::get_if<acs::QueueCrCredentials>(&e)) return q;
  }
  return nullptr;
}

TEST(CrCredentials, UsernameAndPasswordAreLongAndReadable) {
  const acs::CrCredentials c = acs::make_cr_credentials(seeded(1));
  ASSERT_EQ(c.username.size(), 19u) << c.username;
  EXPECT_EQ(c.username.substr(0, 3), "cr-");
  EXPECT_TRUE(all_of_alphabet(c.username.substr(3), "23456789abcdefghijkmnpqrstuvwxyz"))
      << c.username;
  ASSERT_EQ(c.password.size(), 24u) << c.password;
  EXPECT_TRUE(
      all_of_alphabet(c.password, "23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"))
      << c.password;
}

TEST(CrCredentials, EveryCallDrawsAnew) {
  const acs::RandomBytes random = seeded(7);
  std::set<std::string> usernames;
  std::set<std::string> passwords;
  for (int i = 0; i < 50; ++i) {
    const acs::CrCredentials c = acs::make_cr_credentials(random);
    usernames.insert(c.username);
    passwords.insert(c.password);
  }
  EXPECT_EQ(usernames.size(), 50u);
  EXPECT_EQ(passwords.size(), 50u);
}

TEST(CrCredentials, BytesBeyondTheLastWholeAlphabetAreDrawnAgain) {
  // The password's 56 letters fit 4 times in a byte: 224..255 would favour the first 32
  // letters, so they are rejected (the username's 32 letters divide 256: none is).
  int calls = 0;
  const acs::RandomBytes random = [&calls](std::span<std::uint8_t> out) {
    ++calls;
    for (std::size_t i = 0; i < out.size(); ++i) {
      out[i] = calls == 2 ? 250 : static_cast<std::uint8_t>(i);
    }
  };
  const acs::CrCredentials c = acs::make_cr_credentials(random);
  EXPECT_EQ(c.username, "cr-23456789abcdefgh");  // call 1: bytes 0..15
  // Call 2 (all 250) is wholly rejected; call 3 gives bytes 0..23.
  EXPECT_EQ(c.password, "23456789abcdefghijkmnpqr");
  EXPECT_EQ(calls, 3);
}

TEST(CrCredentials, TheTaskIsAValidSetParameterValuesUnderTheRoot) {
  const acs::CrCredentials c{"cr-user", "pass-word"};
  for (const std::string root : {"Device.", "InternetGatewayDevice."}) {
    const json::object args = acs::cr_credentials_task(root, c);
    EXPECT_EQ(args.at("name").as_string(), "setParameterValues");
    auto plan = acs::plan_task(acs::TaskType::kSetParameterValues, args);
    ASSERT_TRUE(plan.ok()) << plan.error().message;
    ASSERT_EQ(plan->rpcs.size(), 1u);
    const auto& spv = std::get<cwmp::SetParameterValues>(plan->rpcs[0]);
    ASSERT_EQ(spv.parameter_list.size(), 2u);
    EXPECT_EQ(spv.parameter_list[0].name, root + "ManagementServer.ConnectionRequestUsername");
    EXPECT_EQ(spv.parameter_list[0].value, "cr-user");
    EXPECT_EQ(spv.parameter_list[1].name, root + "ManagementServer.ConnectionRequestPassword");
    EXPECT_EQ(spv.parameter_list[1].value, "pass-word");
  }
}

TEST(CrCredentials, DataModelRootOfAnInform) {
  const auto param = [](std::string path) {
    acs::ParameterUpdate u;
    u.path = std::move(path);
    return u;
  };
  EXPECT_EQ(acs::data_model_root({param("Device.DeviceInfo.SoftwareVersion")}), "Device.");
  EXPECT_EQ(acs::data_model_root({param("InternetGatewayDevice.DeviceInfo.SoftwareVersion")}),
            "InternetGatewayDevice.");
  // A TR-098 device that also reports a Device. parameter: ManagementServer's root wins.
  EXPECT_EQ(acs::data_model_root({param("Device.DeviceSummary"),
                                  param("InternetGatewayDevice.ManagementServer.URL")}),
            "InternetGatewayDevice.");
  EXPECT_EQ(acs::data_model_root({param("Devices.X"), param("Other.Y")}), "");
  EXPECT_EQ(acs::data_model_root({}), "");
}

TEST(CrCredentials, ABootstrapAsksForThemAfterTheInformIsRecorded) {
  AcsSession s(per_device(), "192.0.2.7");
  const Reply r = s.on_post(envelope(inform({"0 BOOTSTRAP", "1 BOOT"})), kNow);
  ASSERT_EQ(r.effects.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<acs::RecordInform>(r.effects[0]));
  const auto* q = queued(r);
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->device_id, "00AABB-HGW-SN%2D1");
  EXPECT_EQ(q->root, "Device.");

  AcsSession igd(per_device(), "192.0.2.7");
  const Reply r2 = igd.on_post(envelope(inform({"0 BOOTSTRAP"}, "InternetGatewayDevice.")), kNow);
  ASSERT_NE(queued(r2), nullptr);
  EXPECT_EQ(queued(r2)->root, "InternetGatewayDevice.");
}

TEST(CrCredentials, NotWithoutBootstrapNorWhenOffNorWithoutARoot) {
  AcsSession boot(per_device(), "x");
  EXPECT_EQ(queued(boot.on_post(envelope(inform({"1 BOOT", "2 PERIODIC"})), kNow)), nullptr);
  AcsSession off({}, "x");
  EXPECT_EQ(queued(off.on_post(envelope(inform({"0 BOOTSTRAP"})), kNow)), nullptr);
  AcsSession rootless(per_device(), "x");
  cwmp::Inform m = inform({"0 BOOTSTRAP"});
  m.parameter_list.clear();
  EXPECT_EQ(queued(rootless.on_post(envelope(m), kNow)), nullptr);
}

// Drives the credentials task through a session up to the CPE's answer.
Reply answer_credentials_task(const cwmp::Body& answer) {
  AcsSession s(per_device(), "x");
  (void)s.on_post(envelope(inform({"0 BOOTSTRAP"})), kNow);
  EXPECT_TRUE(s.on_post("", kNow).need_task);
  acs::Task t;
  t.id = 5;
  t.device_id = "00AABB-HGW-SN%2D1";
  t.type = acs::TaskType::kSetParameterValues;
  t.args = acs::cr_credentials_task("Device.", {"cr-abc", "secret-xyz"});
  const Reply sent = s.next_task(t, kNow);
  auto env = cwmp::decode(sent.body);
  EXPECT_TRUE(env.ok()) << sent.body;
  EXPECT_TRUE(std::holds_alternative<cwmp::SetParameterValues>(env->envelope.body));
  return s.on_post(envelope(answer, env->envelope.header.id.value_or("")), kNow);
}

TEST(CrCredentials, WhenTheCpeTakesThemTheStoreLearnsThePasswordTheAcsSet) {
  for (const int status : {0, 1}) {
    const Reply r = answer_credentials_task(cwmp::SetParameterValuesResponse{status});
    EXPECT_TRUE(r.need_task);
    ASSERT_EQ(r.effects.size(), 1u);
    const auto& done = std::get<acs::CompleteTask>(r.effects[0]);
    EXPECT_EQ(done.task_id, 5);
    ASSERT_EQ(done.learned.size(), 2u);
    EXPECT_EQ(done.learned[0].value, "cr-abc");
    // Not "" as a CPE reads it back: what connection requests need.
    EXPECT_EQ(done.learned[1].path, "Device.ManagementServer.ConnectionRequestPassword");
    EXPECT_EQ(done.learned[1].value, "secret-xyz");
  }
}

TEST(CrCredentials, AFaultFailsTheTaskAndTeachesNothing) {
  cwmp::Fault fault = cwmp::Fault::make(9003, "Invalid arguments");
  fault.set_parameter_values_faults.push_back(
      {"Device.ManagementServer.ConnectionRequestUsername", 9008, "not writable"});
  const Reply r = answer_credentials_task(fault);
  EXPECT_TRUE(r.need_task);
  ASSERT_EQ(r.effects.size(), 1u);
  const auto& failed = std::get<acs::FailTask>(r.effects[0]);
  EXPECT_EQ(failed.task_id, 5);
  EXPECT_EQ(failed.fault.code, 9003u);
}

}  // namespace
