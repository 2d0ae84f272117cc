// The ACS session state machine, driven with scripted CPE messages: no sockets,
// no store, no clock (the effects are checked instead).
#include "acs/session.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "cwmp/codec.hpp"
#include "cwmp/faults.hpp"

namespace {

namespace json = boost::json;
using acs::AcsSession;
using acs::Reply;
using acs::SessionState;

constexpr acs::Millis kNow = 1'800'000'000'000;

std::string envelope(cwmp::Body body, std::optional<std::string> id = "1",
                     cwmp::CwmpVersion version = cwmp::CwmpVersion::k1_2,
                     std::optional<std::string> supported = std::nullopt) {
  cwmp::Envelope env;
  env.version = version;
  env.header.id = std::move(id);
  env.header.supported_cwmp_versions = std::move(supported);
  env.body = std::move(body);
  return cwmp::encode(env).value();
}

cwmp::Inform bootstrap_inform() {
  cwmp::Inform m;
  m.device_id = {"ExampleCo", "00AABB", "HGW", "SN-1"};
  m.event = {{"0 BOOTSTRAP", ""}, {"1 BOOT", ""}};
  m.parameter_list = {{"Device.DeviceInfo.SoftwareVersion", "1.0", cwmp::ValueType::kString},
                      {"Device.ManagementServer.ConnectionRequestURL", "http://192.0.2.1/cr",
                       cwmp::ValueType::kString}};
  return m;
}

cwmp::Envelope decode_reply(const Reply& r) {
  EXPECT_EQ(r.http_status, 200u) << r.body;
  auto d = cwmp::decode(r.body);
  EXPECT_TRUE(d.ok()) << r.body;
  return d ? d->envelope : cwmp::Envelope{};
}

acs::Task task(std::int64_t id, acs::TaskType type, json::object args) {
  acs::Task t;
  t.id = id;
  t.device_id = "00AABB-HGW-SN%2D1";
  t.type = type;
  t.args = std::move(args);
  return t;
}

// Opens a session: Inform, then the empty POST that hands over to the ACS.
AcsSession opened(cwmp::CwmpVersion version = cwmp::CwmpVersion::k1_2,
                  acs::SessionConfig config = {}) {
  AcsSession s(std::move(config), "192.0.2.7");
  Reply r = s.on_post(envelope(bootstrap_inform(), "1", version), kNow);
  EXPECT_EQ(r.http_status, 200u);
  Reply empty = s.on_post("", kNow);
  EXPECT_TRUE(empty.need_task);
  return s;
}

TEST(AcsSession, InformIsAnsweredAndRecordedBeforeTheReply) {
  AcsSession s({}, "192.0.2.7");
  Reply r = s.on_post(envelope(bootstrap_inform(), "abc-42"), kNow);
  cwmp::Envelope env = decode_reply(r);
  ASSERT_TRUE(std::holds_alternative<cwmp::InformResponse>(env.body));
  EXPECT_EQ(std::get<cwmp::InformResponse>(env.body).max_envelopes, 1u);
  EXPECT_EQ(env.header.id, "abc-42");  // cwmp:ID echoed
  ASSERT_EQ(r.effects.size(), 1u);
  const auto& rec = std::get<acs::RecordInform>(r.effects[0]).record;
  EXPECT_EQ(rec.device_id, "00AABB-HGW-SN%2D1");
  EXPECT_TRUE(rec.bootstrap());
  EXPECT_TRUE(rec.boot());
  EXPECT_EQ(rec.remote_address, "192.0.2.7");
  EXPECT_EQ(rec.received, kNow);
  ASSERT_EQ(rec.parameters.size(), 2u);
  EXPECT_EQ(rec.parameters[0].path, "Device.DeviceInfo.SoftwareVersion");
  EXPECT_EQ(rec.parameters[0].value, "1.0");
  EXPECT_EQ(s.state(), SessionState::kCpeRequests);
}

TEST(AcsSession, EmptyPostWithNothingQueuedEndsWith204) {
  AcsSession s = opened();
  Reply r = s.next_task(std::nullopt, kNow);
  EXPECT_EQ(r.http_status, 204u);
  EXPECT_TRUE(r.body.empty());
  EXPECT_TRUE(r.session_over);
  EXPECT_EQ(s.state(), SessionState::kOver);
}

TEST(AcsSession, ASessionMustStartWithAnInform) {
  AcsSession empty({}, "x");
  EXPECT_EQ(empty.on_post("", kNow).http_status, 400u);
  AcsSession other({}, "x");
  Reply r = other.on_post(envelope(cwmp::TransferComplete{}), kNow);
  EXPECT_EQ(r.http_status, 400u);
  EXPECT_TRUE(r.session_over);
  AcsSession garbage({}, "x");
  EXPECT_EQ(garbage.on_post("<not-xml", kNow).http_status, 400u);
}

TEST(AcsSession, CpeRequestsAreAnsweredAndKept) {
  AcsSession s({}, "x");
  (void)s.on_post(envelope(bootstrap_inform()), kNow);
  cwmp::TransferComplete tc;
  tc.command_key = "fw-1";
  Reply r = s.on_post(envelope(tc, "7"), kNow);
  cwmp::Envelope env = decode_reply(r);
  EXPECT_TRUE(std::holds_alternative<cwmp::TransferCompleteResponse>(env.body));
  EXPECT_EQ(env.header.id, "7");
  ASSERT_EQ(r.effects.size(), 1u);
  // A TransferComplete ends its transfer task; other CPE requests are kept as such.
  EXPECT_EQ(std::get<acs::CompleteTransfer>(r.effects[0]).command_key, "fw-1");
  EXPECT_FALSE(std::get<acs::CompleteTransfer>(r.effects[0]).fault.has_value());

  cwmp::Kicked kicked;
  kicked.command = "cmd";
  kicked.referer = "r";
  kicked.arg = "a";
  kicked.next = "http://portal.example/next";
  Reply k = s.on_post(envelope(kicked, "7b"), kNow);
  ASSERT_EQ(k.effects.size(), 1u);
  EXPECT_TRUE(
      std::holds_alternative<cwmp::Kicked>(std::get<acs::RecordCpeRequest>(k.effects[0]).request));

  Reply m = s.on_post(envelope(cwmp::GetRPCMethods{}, "8"), kNow);
  env = decode_reply(m);
  ASSERT_TRUE(std::holds_alternative<cwmp::GetRPCMethodsResponse>(env.body));
  EXPECT_FALSE(std::get<cwmp::GetRPCMethodsResponse>(env.body).method_list.empty());

  Reply again = s.on_post(envelope(bootstrap_inform(), "9"), kNow);
  env = decode_reply(again);
  ASSERT_TRUE(std::holds_alternative<cwmp::Fault>(env.body));
  EXPECT_EQ(std::get<cwmp::Fault>(env.body).code, cwmp::fault::kAcsRequestDenied);
}

TEST(AcsSession, UnknownMethodGetsFault8000) {
  AcsSession s({}, "x");
  (void)s.on_post(envelope(bootstrap_inform()), kNow);
  const std::string unknown =
      "<soap-env:Envelope xmlns:soap-env=\"http://schemas.xmlsoap.org/soap/envelope/\" "
      "xmlns:cwmp=\"urn:dslforum-org:cwmp-1-2\"><soap-env:Body><cwmp:X_Frobnicate/>"
      "</soap-env:Body></soap-env:Envelope>";
  Reply r = s.on_post(unknown, kNow);
  cwmp::Envelope env = decode_reply(r);
  ASSERT_TRUE(std::holds_alternative<cwmp::Fault>(env.body));
  EXPECT_EQ(std::get<cwmp::Fault>(env.body).code, cwmp::fault::kAcsMethodNotSupported);
  // Said in the log with the device id by the endpoint.
  EXPECT_NE(r.problem.find("8000"), std::string::npos) << r.problem;
}

TEST(AcsSession, GetParameterValuesTaskRunsAndCompletes) {
  AcsSession s = opened();
  Reply r = s.next_task(task(11, acs::TaskType::kGetParameterValues,
                             {{"parameterNames", json::array{"Device.DeviceInfo."}}}),
                        kNow);
  cwmp::Envelope sent = decode_reply(r);
  ASSERT_TRUE(std::holds_alternative<cwmp::GetParameterValues>(sent.body));
  EXPECT_EQ(std::get<cwmp::GetParameterValues>(sent.body).parameter_names,
            std::vector<std::string>{"Device.DeviceInfo."});
  ASSERT_EQ(r.effects.size(), 1u);
  EXPECT_EQ(std::get<acs::MarkTaskSent>(r.effects[0]).task_id, 11);
  EXPECT_EQ(s.state(), SessionState::kAwaitResponse);

  cwmp::GetParameterValuesResponse resp;
  resp.parameter_list = {{"Device.DeviceInfo.UpTime", "42", cwmp::ValueType::kUnsignedInt}};
  Reply done = s.on_post(envelope(resp, sent.header.id), kNow);
  EXPECT_TRUE(done.need_task);
  ASSERT_EQ(done.effects.size(), 1u);
  const auto& complete = std::get<acs::CompleteTask>(done.effects[0]);
  EXPECT_EQ(complete.task_id, 11);
  ASSERT_EQ(complete.learned.size(), 1u);
  EXPECT_EQ(complete.learned[0].value, "42");
  EXPECT_EQ(complete.learned[0].type, cwmp::ValueType::kUnsignedInt);
  EXPECT_EQ(complete.result.at("parameterValues").as_array().at(0).as_array().at(2).as_string(),
            "xsd:unsignedInt");
  EXPECT_EQ(s.next_task(std::nullopt, kNow).http_status, 204u);
}

TEST(AcsSession, CpeFaultFailsTheTaskWithItsParameterFaults) {
  AcsSession s = opened();
  Reply r = s.next_task(
      task(5, acs::TaskType::kSetParameterValues,
           {{"parameterValues",
             json::array{json::value(json::array{"Device.X.Y", "1", "xsd:unsignedInt"})}},
            {"parameterKey", "k1"}}),
      kNow);
  cwmp::Envelope sent = decode_reply(r);
  const auto& spv = std::get<cwmp::SetParameterValues>(sent.body);
  EXPECT_EQ(spv.parameter_key, "k1");
  EXPECT_EQ(spv.parameter_list.at(0).type, cwmp::ValueType::kUnsignedInt);

  cwmp::Fault fault = cwmp::Fault::make(cwmp::fault::kInvalidArguments);
  fault.set_parameter_values_faults = {{"Device.X.Y", cwmp::fault::kNonWritableParameter, "ro"}};
  Reply f = s.on_post(envelope(fault, sent.header.id), kNow);
  EXPECT_TRUE(f.need_task);
  const auto& fail = std::get<acs::FailTask>(f.effects.at(0));
  EXPECT_EQ(fail.task_id, 5);
  EXPECT_EQ(fail.fault.code, cwmp::fault::kInvalidArguments);
  ASSERT_EQ(fail.fault.parameter_faults.size(), 1u);
  EXPECT_EQ(fail.fault.parameter_faults[0].fault_code, cwmp::fault::kNonWritableParameter);
}

TEST(AcsSession, RefreshObjectSendsNamesThenValuesInBatches) {
  acs::SessionConfig config;
  config.refresh_batch = 2;
  AcsSession s = opened(cwmp::CwmpVersion::k1_2, config);
  Reply r =
      s.next_task(task(9, acs::TaskType::kRefreshObject, {{"objectName", "Device.Hosts."}}), kNow);
  cwmp::Envelope gpn = decode_reply(r);
  ASSERT_TRUE(std::holds_alternative<cwmp::GetParameterNames>(gpn.body));
  EXPECT_EQ(std::get<cwmp::GetParameterNames>(gpn.body).parameter_path, "Device.Hosts.");

  cwmp::GetParameterNamesResponse names;
  names.parameter_list = {{"Device.Hosts.", false},
                          {"Device.Hosts.HostNumberOfEntries", false},
                          {"Device.Hosts.Host.", false},
                          {"Device.Hosts.Host.1.", false},
                          {"Device.Hosts.Host.1.IPAddress", false},
                          {"Device.Hosts.Host.1.HostName", false}};
  Reply r2 = s.on_post(envelope(names, gpn.header.id), kNow);
  cwmp::Envelope gpv = decode_reply(r2);
  ASSERT_TRUE(std::holds_alternative<cwmp::GetParameterValues>(gpv.body));
  // Only leaves, at most refresh_batch of them per request.
  EXPECT_EQ(std::get<cwmp::GetParameterValues>(gpv.body).parameter_names,
            (std::vector<std::string>{"Device.Hosts.HostNumberOfEntries",
                                      "Device.Hosts.Host.1.IPAddress"}));
  ASSERT_EQ(r2.effects.size(), 1u);  // names stored, task not done yet, not marked sent twice
  const auto& names_learned = std::get<acs::RecordParameters>(r2.effects[0]);
  EXPECT_EQ(names_learned.learned.size(), 6u);
  // What was stored under the subtree and is not named any more is gone.
  EXPECT_EQ(names_learned.removed_prefixes, std::vector<std::string>{"Device.Hosts."});
  EXPECT_NE(gpv.header.id, gpn.header.id);

  cwmp::GetParameterValuesResponse values;
  values.parameter_list = {
      {"Device.Hosts.HostNumberOfEntries", "1", cwmp::ValueType::kUnsignedInt},
      {"Device.Hosts.Host.1.IPAddress", "192.0.2.7", cwmp::ValueType::kString}};
  Reply r3 = s.on_post(envelope(values, gpv.header.id), kNow);
  cwmp::Envelope gpv2 = decode_reply(r3);
  ASSERT_TRUE(std::holds_alternative<cwmp::GetParameterValues>(gpv2.body));
  EXPECT_EQ(std::get<cwmp::GetParameterValues>(gpv2.body).parameter_names,
            std::vector<std::string>{"Device.Hosts.Host.1.HostName"});
  EXPECT_EQ(std::get<acs::RecordParameters>(r3.effects.at(0)).learned.size(), 2u);

  cwmp::GetParameterValuesResponse last;
  last.parameter_list = {{"Device.Hosts.Host.1.HostName", "pc", cwmp::ValueType::kString}};
  Reply r4 = s.on_post(envelope(last, gpv2.header.id), kNow);
  const auto& done = std::get<acs::CompleteTask>(r4.effects.at(0));
  EXPECT_EQ(done.task_id, 9);
  EXPECT_EQ(done.result.at("names").as_uint64(), 6u);
  EXPECT_EQ(done.result.at("values").as_uint64(), 3u);
  EXPECT_EQ(done.learned.size(), 1u);
}

TEST(AcsSession, RefreshOfAnObjectWithoutParametersEndsAfterTheNames) {
  AcsSession s = opened();
  cwmp::Envelope gpn = decode_reply(s.next_task(
      task(4, acs::TaskType::kRefreshObject, {{"objectName", "Device.NAT.PortMapping."}}), kNow));
  cwmp::GetParameterNamesResponse names;
  names.parameter_list = {{"Device.NAT.PortMapping.", true}};
  Reply r = s.on_post(envelope(names, gpn.header.id), kNow);
  const auto& done = std::get<acs::CompleteTask>(r.effects.at(0));
  EXPECT_EQ(done.removed_prefixes, std::vector<std::string>{"Device.NAT.PortMapping."});
  EXPECT_TRUE(r.need_task);
}

TEST(AcsSession, APasswordReadBackEmptyIsNotLearnedAsEmpty) {
  AcsSession s = opened();
  cwmp::Envelope gpv = decode_reply(
      s.next_task(task(3, acs::TaskType::kGetParameterValues,
                       {{"parameterNames", boost::json::array{"Device.ManagementServer."}}}),
                  kNow));
  cwmp::GetParameterValuesResponse values;
  values.parameter_list = {
      {"Device.ManagementServer.ConnectionRequestPassword", "", cwmp::ValueType::kString},
      {"Device.ManagementServer.ConnectionRequestUsername", "", cwmp::ValueType::kString}};
  Reply r = s.on_post(envelope(values, gpv.header.id), kNow);
  const auto& done = std::get<acs::CompleteTask>(r.effects.at(0));
  ASSERT_EQ(done.learned.size(), 2u);
  EXPECT_FALSE(done.learned[0].value.has_value());  // unknown, not ""
  EXPECT_EQ(done.learned[1].value, "");             // an empty username is a value
}

TEST(AcsSession, RefreshOfTheWholeModelReplacesEachRoot) {
  AcsSession s = opened();
  cwmp::Envelope gpn = decode_reply(
      s.next_task(task(5, acs::TaskType::kRefreshObject, boost::json::object{}), kNow));
  EXPECT_EQ(std::get<cwmp::GetParameterNames>(gpn.body).parameter_path, "");
  cwmp::GetParameterNamesResponse names;
  names.parameter_list = {
      {"Device.", false}, {"Device.DeviceInfo.", false}, {"Device.DeviceInfo.UpTime", false}};
  Reply r = s.on_post(envelope(names, gpn.header.id), kNow);
  EXPECT_EQ(std::get<acs::RecordParameters>(r.effects.at(0)).removed_prefixes,
            std::vector<std::string>{"Device."});
}

TEST(AcsSession, TransferTasksGetACommandKeyAndTransferCompleteFindsThem) {
  AcsSession s = opened();
  cwmp::Envelope dl = decode_reply(s.next_task(
      task(12, acs::TaskType::kDownload, {{"url", "http://acs.example/fw.bin"}, {"fileSize", 10}}),
      kNow));
  EXPECT_EQ(std::get<cwmp::Download>(dl.body).command_key, "task-12");

  // The next session: Inform, then the TransferComplete before the empty POST.
  AcsSession next({}, "192.0.2.7");
  ASSERT_EQ(next.on_post(envelope(bootstrap_inform(), "1"), kNow).http_status, 200u);
  cwmp::TransferComplete tc;
  tc.command_key = "task-12";
  tc.fault_struct = {9010, "download failed"};
  Reply r = next.on_post(envelope(tc, "77"), kNow);
  const auto& done = std::get<acs::CompleteTransfer>(r.effects.at(0));
  EXPECT_EQ(done.command_key, "task-12");
  ASSERT_TRUE(done.fault.has_value());
  EXPECT_EQ(done.fault->code, 9010u);
  EXPECT_EQ(done.outcome.at("faultString").as_string(), "download failed");
  EXPECT_TRUE(std::holds_alternative<cwmp::TransferCompleteResponse>(decode_reply(r).body));
}

TEST(AcsSession, AddAndDeleteObjectTeachTheStore) {
  AcsSession s = opened();
  cwmp::Envelope add = decode_reply(s.next_task(
      task(1, acs::TaskType::kAddObject, {{"objectName", "Device.IP.Interface."}}), kNow));
  Reply added = s.on_post(envelope(cwmp::AddObjectResponse{3, 0}, add.header.id), kNow);
  const auto& c1 = std::get<acs::CompleteTask>(added.effects.at(0));
  EXPECT_EQ(c1.result.at("instanceNumber").as_int64(), 3);
  EXPECT_EQ(c1.learned.at(0).path, "Device.IP.Interface.3.");

  cwmp::Envelope del = decode_reply(s.next_task(
      task(2, acs::TaskType::kDeleteObject, {{"objectName", "Device.IP.Interface.3."}}), kNow));
  Reply deleted = s.on_post(envelope(cwmp::DeleteObjectResponse{0}, del.header.id), kNow);
  const auto& c2 = std::get<acs::CompleteTask>(deleted.effects.at(0));
  EXPECT_EQ(c2.removed_prefixes, std::vector<std::string>{"Device.IP.Interface.3."});
}

TEST(AcsSession, AStoredTaskThatDoesNotBuildIsFailedAndTheNextAsked) {
  AcsSession s = opened();
  Reply r = s.next_task(task(4, acs::TaskType::kGetParameterValues, {{"parameterNames", 7}}), kNow);
  EXPECT_TRUE(r.need_task);
  const auto& fail = std::get<acs::FailTask>(r.effects.at(0));
  EXPECT_EQ(fail.task_id, 4);
  EXPECT_NE(fail.fault.message.find("parameterNames"), std::string::npos) << fail.fault.message;
}

TEST(AcsSession, AnAnswerOfTheWrongTypeFailsTheTask) {
  AcsSession s = opened();
  cwmp::Envelope sent =
      decode_reply(s.next_task(task(6, acs::TaskType::kReboot, {{"commandKey", "r1"}}), kNow));
  ASSERT_TRUE(std::holds_alternative<cwmp::Reboot>(sent.body));
  Reply r = s.on_post(envelope(cwmp::FactoryResetResponse{}, sent.header.id), kNow);
  EXPECT_TRUE(r.need_task);
  EXPECT_EQ(std::get<acs::FailTask>(r.effects.at(0)).task_id, 6);
}

TEST(AcsSession, AnUnreadableAnswerFailsTheTaskWithoutAFault) {
  AcsSession s = opened();
  (void)decode_reply(s.next_task(task(8, acs::TaskType::kGetRPCMethods, {}), kNow));
  Reply r = s.on_post("<soap-env:Envelope", kNow);
  EXPECT_TRUE(r.need_task);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(std::get<acs::FailTask>(r.effects.at(0)).task_id, 8);
}

TEST(AcsSession, TasksTheSessionVersionLacksAreFailed) {
  AcsSession s = opened(cwmp::CwmpVersion::k1_0);
  json::object args{
      {"url", "http://files/fw.bin"},
      {"timeWindows", json::array{json::object{{"windowStart", 0}, {"windowEnd", 3600}}}}};
  Reply r = s.next_task(task(3, acs::TaskType::kScheduleDownload, args), kNow);
  EXPECT_TRUE(r.need_task);
  EXPECT_NE(std::get<acs::FailTask>(r.effects.at(0)).fault.message.find("CWMP 1.0"),
            std::string::npos);
}

TEST(AcsSession, Cwmp14NegotiationPicksTheHighestCommonVersion) {
  AcsSession s({}, "x");
  Reply r = s.on_post(
      envelope(bootstrap_inform(), "1", cwmp::CwmpVersion::k1_4, std::string("1.0,1.2,1.4")), kNow);
  cwmp::Envelope env = decode_reply(r);
  EXPECT_EQ(env.header.use_cwmp_version, "1.4");
  EXPECT_EQ(s.version(), cwmp::CwmpVersion::k1_4);
}

TEST(AcsSession, NoCommonVersionIsFault8006) {
  acs::SessionConfig config;
  config.acs_versions = cwmp::VersionSet::parse("1.0,1.1");
  AcsSession s(config, "x");
  Reply r = s.on_post(
      envelope(bootstrap_inform(), "1", cwmp::CwmpVersion::k1_4, std::string("1.3,1.4")), kNow);
  cwmp::Envelope env = decode_reply(r);
  ASSERT_TRUE(std::holds_alternative<cwmp::Fault>(env.body));
  EXPECT_EQ(std::get<cwmp::Fault>(env.body).code, cwmp::fault::kAcsVersionIncompatible);
  EXPECT_TRUE(r.session_over);
  EXPECT_TRUE(r.effects.empty());  // nothing acknowledged, nothing stored
}

TEST(AcsSession, EmptyPostWhileAnRpcIsOutEndsTheSession) {
  AcsSession s = opened();
  (void)decode_reply(s.next_task(task(2, acs::TaskType::kGetRPCMethods, {}), kNow));
  Reply r = s.on_post("", kNow);
  EXPECT_EQ(r.http_status, 204u);
  EXPECT_TRUE(r.session_over);
  EXPECT_TRUE(r.effects.empty());  // the task stays "sent" and runs again next time
}

// ---- the caller's own RPCs (the preset engine's) ----------------------------------------------

TEST(AcsSession, OwnRpcAnswerComesBackWithWhatItTaught) {
  AcsSession s = opened();
  Reply r = s.send_rpc(cwmp::GetParameterValues{{"Device.DeviceInfo.UpTime"}});
  cwmp::Envelope sent = decode_reply(r);
  ASSERT_TRUE(std::holds_alternative<cwmp::GetParameterValues>(sent.body));
  EXPECT_TRUE(r.effects.empty());  // no task to mark sent
  EXPECT_EQ(s.state(), SessionState::kAwaitResponse);

  cwmp::GetParameterValuesResponse resp;
  resp.parameter_list = {{"Device.DeviceInfo.UpTime", "42", cwmp::ValueType::kUnsignedInt}};
  Reply answer = s.on_post(envelope(resp, sent.header.id), kNow);
  EXPECT_TRUE(answer.need_task);
  ASSERT_TRUE(answer.rpc_answer.has_value());
  EXPECT_TRUE(std::holds_alternative<cwmp::GetParameterValuesResponse>(*answer.rpc_answer));
  ASSERT_EQ(answer.effects.size(), 1u);
  const auto& learned = std::get<acs::RecordParameters>(answer.effects[0]);
  ASSERT_EQ(learned.learned.size(), 1u);
  EXPECT_EQ(learned.learned[0].value, "42");
  EXPECT_EQ(s.next_task(std::nullopt, kNow).http_status, 204u);
}

TEST(AcsSession, OwnRpcFaultsAndBadAnswersComeBackAsFaults) {
  AcsSession s = opened();
  cwmp::Envelope sent = decode_reply(s.send_rpc(cwmp::SetParameterValues{}));
  cwmp::Fault fault = cwmp::Fault::make(cwmp::fault::kInvalidArguments);
  Reply f = s.on_post(envelope(fault, sent.header.id), kNow);
  ASSERT_TRUE(f.rpc_answer.has_value());
  EXPECT_EQ(std::get<cwmp::Fault>(*f.rpc_answer).code, cwmp::fault::kInvalidArguments);
  EXPECT_TRUE(f.effects.empty());

  // An answer of the wrong type: a fault standing for it, and the session goes on.
  sent = decode_reply(s.send_rpc(cwmp::GetParameterNames{"Device.", true}));
  Reply wrong = s.on_post(envelope(cwmp::RebootResponse{}, sent.header.id), kNow);
  ASSERT_TRUE(wrong.rpc_answer.has_value());
  EXPECT_EQ(std::get<cwmp::Fault>(*wrong.rpc_answer).code, cwmp::fault::kAcsInvalidArguments);
  EXPECT_TRUE(wrong.need_task);

  // An RPC the session's CWMP version lacks is not sent.
  AcsSession v10 = opened(cwmp::CwmpVersion::k1_0);
  Reply old = v10.send_rpc(cwmp::ScheduleDownload{});
  EXPECT_TRUE(old.need_task);
  ASSERT_TRUE(old.rpc_answer.has_value());
  EXPECT_EQ(std::get<cwmp::Fault>(*old.rpc_answer).code, cwmp::fault::kAcsRequestDenied);
}

TEST(AcsTaskPlan, ArgumentsAreValidatedWhenPlanned) {
  EXPECT_FALSE(acs::plan_task(acs::TaskType::kGetParameterValues, {}).ok());
  EXPECT_FALSE(acs::plan_task(acs::TaskType::kScheduleInform, {{"delaySeconds", 0}}).ok());
  EXPECT_FALSE(acs::plan_task(acs::TaskType::kDownload, {{"fileType", "1 Firmware Upgrade Image"}})
                   .ok());  // no url
  EXPECT_FALSE(acs::plan_task(acs::TaskType::kSetParameterValues,
                              {{"parameterValues", json::array{json::value(json::array{
                                                       "Device.A", "x", "xsd:unsignedInt"})}}})
                   .ok());  // value not of its type
  EXPECT_FALSE(acs::plan_task(acs::TaskType::kAddObject, {{"objectName", "Device.NoDot"}}).ok());
  auto ok = acs::plan_task(
      acs::TaskType::kSetParameterValues,
      {{"parameterValues",
        json::array{json::value(json::array{"Device.A", true}), json::array{"Device.B", 5}}}});
  ASSERT_TRUE(ok.ok());
  const auto& spv = std::get<cwmp::SetParameterValues>(ok->rpcs.at(0));
  EXPECT_EQ(spv.parameter_list.at(0).type, cwmp::ValueType::kBoolean);
  EXPECT_EQ(spv.parameter_list.at(1).value, "5");
}

TEST(AcsTaskPlan, EveryTaskTypeBuildsFromTypicalArguments) {
  const std::vector<std::pair<acs::TaskType, json::object>> cases = {
      {acs::TaskType::kGetParameterValues, {{"parameterNames", json::array{"Device."}}}},
      {acs::TaskType::kSetParameterValues,
       {{"parameterValues", json::array{json::value(json::array{"Device.A", "v"})}}}},
      {acs::TaskType::kGetParameterNames, {{"parameterPath", "Device."}, {"nextLevel", true}}},
      {acs::TaskType::kGetParameterAttributes, {{"parameterNames", json::array{"Device.A"}}}},
      {acs::TaskType::kSetParameterAttributes,
       {{"parameterAttributes",
         json::array{json::object{{"name", "Device.A"}, {"notification", 2}}}}}},
      {acs::TaskType::kAddObject, {{"objectName", "Device.A."}}},
      {acs::TaskType::kDeleteObject, {{"objectName", "Device.A.1."}}},
      {acs::TaskType::kRefreshObject, {{"objectName", "Device."}}},
      {acs::TaskType::kReboot, {}},
      {acs::TaskType::kFactoryReset, {}},
      {acs::TaskType::kDownload, {{"url", "http://f/fw.bin"}}},
      {acs::TaskType::kUpload, {{"url", "http://f/up"}}},
      {acs::TaskType::kScheduleInform, {{"delaySeconds", 60}}},
      {acs::TaskType::kScheduleDownload,
       {{"url", "http://f/fw.bin"},
        {"timeWindows", json::array{json::object{{"windowStart", 0}, {"windowEnd", 60}}}}}},
      {acs::TaskType::kCancelTransfer, {{"commandKey", "c"}}},
      {acs::TaskType::kGetRPCMethods, {}},
      {acs::TaskType::kGetQueuedTransfers, {}},
      {acs::TaskType::kGetAllQueuedTransfers, {}},
  };
  for (const auto& [type, args] : cases) {
    auto plan = acs::plan_task(type, args);
    EXPECT_TRUE(plan.ok()) << acs::to_string(type) << ": "
                           << (plan.ok() ? "" : plan.error().message);
  }
}

}  // namespace
