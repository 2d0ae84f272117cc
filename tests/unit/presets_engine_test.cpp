// Presets: the engine (active presets, wildcard expansion, fetch/apply planning, convergence,
// conflicts, values that do not stick) and fault records. A small fake CPE answers the planned
// RPCs, so whole sessions can be run the way the ACS will run them.
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "acs/presets.hpp"

namespace {

namespace p = acs::presets;
using cwmp::ValueType;

constexpr std::string_view kMs = "InternetGatewayDevice.ManagementServer.";
const std::string kInterval = std::string(kMs) + "PeriodicInformInterval";
const std::string kEnable = std::string(kMs) + "PeriodicInformEnable";
const std::string kUrl = std::string(kMs) + "URL";
const std::string kCrPassword = std::string(kMs) + "ConnectionRequestPassword";
const std::string kVersion = "InternetGatewayDevice.DeviceInfo.SoftwareVersion";
const std::string kForwarding = "InternetGatewayDevice.Layer3Forwarding.Forwarding.";
const std::string kWlan = "InternetGatewayDevice.LANDevice.1.WLANConfiguration.";

p::Preset preset(std::string_view json) {
  auto result = p::parse_preset_text(json);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().to_string());
  return result.ok() ? std::move(result.value()) : p::Preset{};
}

// A CPE data model: answers the engine's RPCs like a device would.
struct FakeCpe {
  struct Param {
    std::string value;
    ValueType type = ValueType::kString;
    bool writable = true;
    std::int32_t notification = 0;
  };
  std::map<std::string, Param> params;
  std::set<std::string> objects;  // "X.Y.1."
  std::set<std::string> not_sticking;
  bool lenient_gpv = false;  // GetParameterValues skips unknown names instead of faulting
  // Parameters each new instance of a table gets: table -> name -> default value.
  std::map<std::string, std::map<std::string, std::string>> templates;
  std::map<std::string, std::uint32_t> next_instance;
  std::vector<std::string> rpc_names;  // everything received, in order

  void set(const std::string& path, std::string value, ValueType type = ValueType::kString,
           bool writable = true) {
    params[path] = Param{std::move(value), type, writable, 0};
    // Register every object on the way ("A.B.1." for "A.B.1.C").
    for (std::size_t dot = path.find('.'); dot != std::string::npos;
         dot = path.find('.', dot + 1)) {
      objects.insert(path.substr(0, dot + 1));
    }
  }

  static cwmp::Body fault(std::uint32_t code) { return cwmp::Fault::make(code); }

  cwmp::Body answer(const cwmp::Body& request) {
    rpc_names.emplace_back(std::visit([](const auto& m) { return std::string(m.kName); }, request));
    if (const auto* gpv = std::get_if<cwmp::GetParameterValues>(&request)) {
      cwmp::GetParameterValuesResponse r;
      for (const std::string& name : gpv->parameter_names) {
        auto it = params.find(name);
        if (it == params.end() && lenient_gpv) continue;
        if (it == params.end()) return fault(9005);
        const bool hidden = name.ends_with("Password");
        r.parameter_list.push_back({name, hidden ? "" : it->second.value, it->second.type});
      }
      return r;
    }
    if (const auto* gpn = std::get_if<cwmp::GetParameterNames>(&request)) {
      const std::string& base = gpn->parameter_path;
      if (!objects.contains(base)) return fault(9005);
      cwmp::GetParameterNamesResponse r;
      std::set<std::string> children;
      const auto child = [&](const std::string& path) {
        if (!path.starts_with(base) || path == base) return;
        const std::size_t dot = path.find('.', base.size());
        children.insert(dot == std::string::npos ? path : path.substr(0, dot + 1));
      };
      for (const auto& [path, param] : params) child(path);
      for (const std::string& object : objects) child(object);
      for (const std::string& c : children) r.parameter_list.push_back({c, true});
      return r;
    }
    if (const auto* spv = std::get_if<cwmp::SetParameterValues>(&request)) {
      for (const cwmp::ParameterValue& pv : spv->parameter_list) {
        auto it = params.find(pv.name);
        if (it == params.end()) return fault(9005);
        if (!it->second.writable) return fault(9008);
      }
      for (const cwmp::ParameterValue& pv : spv->parameter_list) {
        if (!not_sticking.contains(pv.name)) params[pv.name].value = pv.value;
      }
      return cwmp::SetParameterValuesResponse{0};
    }
    if (const auto* gpa = std::get_if<cwmp::GetParameterAttributes>(&request)) {
      cwmp::GetParameterAttributesResponse r;
      for (const std::string& name : gpa->parameter_names) {
        r.parameter_list.push_back({name, params[name].notification, {}});
      }
      return r;
    }
    if (const auto* spa = std::get_if<cwmp::SetParameterAttributes>(&request)) {
      for (const auto& s : spa->parameter_list) {
        if (s.notification_change) params[s.name].notification = s.notification;
      }
      return cwmp::SetParameterAttributesResponse{};
    }
    if (const auto* add = std::get_if<cwmp::AddObject>(&request)) {
      std::uint32_t& next = next_instance[add->object_name];
      if (next == 0) next = 100;
      const std::string instance = add->object_name + std::to_string(next++) + ".";
      objects.insert(instance);
      for (const auto& [name, value] : templates[add->object_name]) set(instance + name, value);
      cwmp::AddObjectResponse r;
      r.instance_number = next - 1;
      return r;
    }
    if (const auto* del = std::get_if<cwmp::DeleteObject>(&request)) {
      std::erase_if(params, [&](const auto& kv) { return kv.first.starts_with(del->object_name); });
      std::erase_if(objects, [&](const auto& o) { return o.starts_with(del->object_name); });
      return cwmp::DeleteObjectResponse{0};
    }
    if (std::holds_alternative<cwmp::Download>(request)) {
      cwmp::DownloadResponse r;
      r.status = 1;
      return r;
    }
    if (std::holds_alternative<cwmp::Upload>(request)) {
      cwmp::UploadResponse r;
      r.status = 1;
      return r;
    }
    if (std::holds_alternative<cwmp::Reboot>(request)) return cwmp::RebootResponse{};
    return fault(9000);
  }
};

struct SessionRun {
  std::vector<p::Step> steps;
  p::PresetSession progress;
  std::vector<p::PresetFault> faults;
  std::size_t rpc_count() const {
    std::size_t n = 0;
    for (const p::Step& s : steps) n += s.rpcs.size();
    return n;
  }
};

// Runs one CWMP session's preset work against the fake CPE (bounded by the engine itself).
SessionRun run_session(const std::vector<p::Preset>& presets, p::DeviceState& state, FakeCpe& cpe,
                       std::vector<std::string> events, std::uint32_t max_rounds = 8) {
  p::SessionContext context;
  context.events = std::move(events);
  context.max_rounds = max_rounds;
  SessionRun run;
  for (int guard = 0; guard < 100; ++guard) {
    p::Step step = p::next_step(presets, state, context, run.progress);
    if (step.kind == p::StepKind::kDone) return run;
    for (const p::PlannedRpc& planned : step.rpcs) {
      const cwmp::Body response = cpe.answer(planned.rpc);
      if (const auto* fault = std::get_if<cwmp::Fault>(&response)) {
        p::record_rpc_fault(context.faults, planned, *fault, "dev", context.now);
        run.faults = context.faults;
      }
      p::learn(state, planned.rpc, response);
    }
    run.steps.push_back(std::move(step));
  }
  ADD_FAILURE() << "the engine did not finish";
  return run;
}

p::SessionContext context_of(std::vector<std::string> events) {
  p::SessionContext c;
  c.events = std::move(events);
  return c;
}

template <typename T>
const T& only_rpc(const p::Step& step) {
  EXPECT_EQ(step.rpcs.size(), 1u);
  static const T empty{};
  if (step.rpcs.empty()) return empty;
  const T* rpc = std::get_if<T>(&step.rpcs.front().rpc);
  EXPECT_NE(rpc, nullptr);
  return rpc != nullptr ? *rpc : empty;
}

void know(p::DeviceState& state, const std::string& path, std::string value,
          ValueType type = ValueType::kString) {
  p::KnownParameter& k = state.parameters[path];
  k.value = std::move(value);
  k.type = type;
  k.writable = true;
}

// ---- Active presets: triggers, preconditions, faults ---------------------------------------

constexpr acs::Millis kScheduleT0 = 1795780800000;  // 2026-11-27T12:00:00Z, a Friday

TEST(PresetTriggerTest, SelectsByEvent) {
  const std::vector<p::Preset> presets{preset(R"({"name": "boot", "events": ["0 BOOTSTRAP"]})"),
                                       preset(R"({"name": "periodic", "events": ["2 PERIODIC"]})"),
                                       preset(R"({"name": "any", "events": ["*"]})"),
                                       preset(R"({"name": "nightly", "schedule": "0 3 * * *"})")};
  const p::DeviceState state;
  const auto names = [&](std::vector<std::string> events) {
    std::vector<std::string> out;
    p::SessionContext c = context_of(std::move(events));
    c.now = kScheduleT0;
    c.last_scheduled_runs["nightly"] = kScheduleT0 - 60'000;  // ran a minute ago
    for (const p::Preset* a : p::active_presets(presets, state, c)) {
      out.push_back(a->name);
    }
    return out;
  };
  EXPECT_EQ(names({"0 BOOTSTRAP", "1 BOOT"}), (std::vector<std::string>{"any", "boot"}));
  EXPECT_EQ(names({"2 PERIODIC"}), (std::vector<std::string>{"any", "periodic"}));
  EXPECT_EQ(names({"6 CONNECTION REQUEST"}), (std::vector<std::string>{"any"}));
  EXPECT_TRUE(names({}).empty());  // no event, no session: nothing triggers
}

TEST(PresetTriggerTest, OrdersByWeightThenName) {
  const std::vector<p::Preset> presets{preset(R"({"name": "b", "weight": 5, "events": ["*"]})"),
                                       preset(R"({"name": "c", "weight": -1, "events": ["*"]})"),
                                       preset(R"({"name": "a", "weight": 5, "events": ["*"]})")};
  const auto active = p::active_presets(presets, {}, context_of({"1 BOOT"}));
  ASSERT_EQ(active.size(), 3u);
  EXPECT_EQ(active[0]->name, "c");
  EXPECT_EQ(active[1]->name, "a");
  EXPECT_EQ(active[2]->name, "b");
}

TEST(PresetPreconditionTest, MatchesParametersDeviceIdAndTags) {
  const std::vector<p::Preset> presets{
      preset(R"({"name": "old-fw", "events": ["*"], "precondition":
                 {"InternetGatewayDevice.DeviceInfo.SoftwareVersion": {"$ne": "2.0"}}})"),
      preset(R"({"name": "hg", "events": ["*"], "precondition":
                 {"_deviceId._ProductClass": "HG8245", "_tags": "lab"}})"),
      preset(R"({"name": "interval", "events": ["*"], "precondition":
                 {"InternetGatewayDevice.ManagementServer.PeriodicInformInterval": {"$gt": 100}}})")};
  p::DeviceState state;
  state.identity["_deviceId"] = boost::json::object{{"_ProductClass", "HG8245"}};
  state.identity["_tags"] = boost::json::array{"lab"};
  know(state, kVersion, "1.0");
  know(state, kInterval, "300", ValueType::kUnsignedInt);
  auto active = p::active_presets(presets, state, context_of({"1 BOOT"}));
  EXPECT_EQ(active.size(), 3u);

  know(state, kVersion, "2.0");
  know(state, kInterval, "60", ValueType::kUnsignedInt);
  state.identity["_tags"] = boost::json::array{"prod"};
  EXPECT_TRUE(p::active_presets(presets, state, context_of({"1 BOOT"})).empty());
}

TEST(PresetPreconditionTest, QueryDocumentHasGenieAcsShape) {
  p::DeviceState state;
  state.identity["_id"] = "OUI-PC-SN";
  know(state, kInterval, "300", ValueType::kUnsignedInt);
  state.parameters["InternetGatewayDevice.LANDevice."];  // an object: no _value
  const boost::json::object doc = p::query_document(state);
  EXPECT_EQ(doc.at("_id").as_string(), "OUI-PC-SN");
  const auto& leaf =
      doc.at("InternetGatewayDevice").at("ManagementServer").at("PeriodicInformInterval");
  EXPECT_EQ(leaf.at("_value").as_string(), "300");
  EXPECT_EQ(leaf.at("_type").as_string(), "xsd:unsignedInt");
}

TEST(PresetPreconditionTest, StateFromStoreDocument) {
  const auto doc = boost::json::parse(R"({
    "_id": "X", "_tags": ["a"],
    "InternetGatewayDevice": {"_object": true,
      "ManagementServer": {"_object": true,
        "PeriodicInformInterval": {"_value": 300, "_type": "xsd:unsignedInt",
                                   "_writable": true, "_notification": 2,
                                   "_timestamp": "1970-01-01T00:00:01.500Z"}},
      "LANDevice": {"_object": true, "1": {"_object": true}}}})")
                       .as_object();
  const p::DeviceState state = p::state_from_document(doc, true);
  EXPECT_EQ(state.identity.at("_id").as_string(), "X");
  const p::KnownParameter& k = state.parameters.at(kInterval);
  EXPECT_EQ(k.value, "300");
  EXPECT_EQ(k.type, ValueType::kUnsignedInt);
  EXPECT_EQ(k.writable, true);
  EXPECT_EQ(k.notification, 2);
  EXPECT_EQ(k.timestamp, 1500);
  EXPECT_TRUE(state.listed.contains("InternetGatewayDevice.LANDevice."));
  EXPECT_EQ(p::instances_of(state, "InternetGatewayDevice.LANDevice."),
            (std::vector<std::uint32_t>{1}));
  EXPECT_TRUE(p::state_from_document(doc, false).listed.empty());
}

TEST(PresetFaultTest, RetryDelayIsExponentialAndCapped) {
  const p::RetryPolicy policy{1000, 10'000};
  EXPECT_EQ(p::retry_delay(0, policy), 0);
  EXPECT_EQ(p::retry_delay(1, policy), 1000);
  EXPECT_EQ(p::retry_delay(2, policy), 2000);
  EXPECT_EQ(p::retry_delay(4, policy), 8000);
  EXPECT_EQ(p::retry_delay(5, policy), 10'000);
  EXPECT_EQ(p::retry_delay(1'000'000, policy), 10'000);  // no overflow
}

TEST(PresetFaultTest, RecordCountsFaultsInARow) {
  const p::PresetFault first = p::record_fault(std::nullopt, "a", "dev", 9002, "boom", 5000);
  EXPECT_EQ(first.retries, 1u);
  EXPECT_EQ(first.timestamp, 5000);
  const p::PresetFault second = p::record_fault(first, "a", "dev", 9003, "again", 9000);
  EXPECT_EQ(second.retries, 2u);
  EXPECT_EQ(second.code, 9003u);
  EXPECT_EQ(second.message, "again");
}

TEST(PresetFaultTest, FaultedPresetWaitsForItsDelay) {
  const std::vector<p::Preset> presets{preset(R"({"name": "a", "events": ["*"]})"),
                                       preset(R"({"name": "b", "events": ["*"]})")};
  p::SessionContext context = context_of({"2 PERIODIC"});
  context.retry = {1000, 60'000};
  context.faults.push_back(p::record_fault(std::nullopt, "a", "dev", 9002, "x", 10'000));
  context.faults.push_back(p::record_fault(context.faults.back(), "a", "dev", 9002, "x", 20'000));
  context.now = 21'999;  // second fault at 20 s: 2 s delay
  auto active = p::active_presets(presets, {}, context);
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0]->name, "b");
  context.now = 22'000;
  EXPECT_EQ(p::active_presets(presets, {}, context).size(), 2u);
}

// ---- Wildcards and fetch planning -----------------------------------------------------------

TEST(PresetWildcardTest, ExpandsOverKnownInstancesInNumericOrder) {
  p::DeviceState state;
  state.listed.insert("A.B.");
  state.parameters["A.B.10."];
  state.parameters["A.B.2.C"];
  state.parameters["A.B.2.X."];
  state.listed.insert("A.B.2.X.");
  state.parameters["A.B.2.X.1.Y"];
  EXPECT_EQ(p::instances_of(state, "A.B."), (std::vector<std::uint32_t>{2, 10}));
  EXPECT_EQ(p::expand_wildcards("A.B.*.C", state),
            (std::vector<std::string>{"A.B.2.C", "A.B.10.C"}));
  std::vector<std::string> unlisted;
  EXPECT_EQ(p::expand_wildcards("A.B.*.X.*.Y", state, &unlisted),
            (std::vector<std::string>{"A.B.2.X.1.Y"}));
  EXPECT_EQ(unlisted, (std::vector<std::string>{"A.B.10.X."}));
  EXPECT_EQ(p::expand_wildcards("A.B.C", state), (std::vector<std::string>{"A.B.C"}));
}

TEST(PresetWildcardTest, ExpansionIsBounded) {
  p::DeviceState state;
  state.listed.insert("A.T.");
  for (std::size_t i = 1; i <= p::kMaxExpandedPaths + 10; ++i) {
    state.parameters["A.T." + std::to_string(i) + "."];
  }
  EXPECT_EQ(p::expand_wildcards("A.T.*.X", state).size(), p::kMaxExpandedPaths);
}

TEST(PresetFetchTest, AsksOnlyForUnknownValuesInOneRpc) {
  const std::vector<p::Preset> presets{preset(R"({"name": "ms", "events": ["*"], "parameters": {
      "InternetGatewayDevice.ManagementServer.PeriodicInformInterval": 300,
      "InternetGatewayDevice.ManagementServer.PeriodicInformEnable": true,
      "InternetGatewayDevice.ManagementServer.URL": "http://acs"}})")};
  p::DeviceState state;
  know(state, kUrl, "http://acs");
  p::PresetSession progress;
  const p::Step step = p::next_step(presets, state, context_of({"1 BOOT"}), progress);
  EXPECT_EQ(step.kind, p::StepKind::kFetch);
  const auto& gpv = only_rpc<cwmp::GetParameterValues>(step);
  EXPECT_EQ(gpv.parameter_names, (std::vector<std::string>{kEnable, kInterval}));
  EXPECT_EQ(step.rpcs[0].presets, (std::vector<std::string>{"ms"}));
}

TEST(PresetFetchTest, NothingToFetchWhenEverythingIsKnown) {
  const std::vector<p::Preset> presets{preset(R"({"name": "ms", "events": ["*"], "parameters": {
      "InternetGatewayDevice.ManagementServer.PeriodicInformInterval": 300}})")};
  p::DeviceState state;
  know(state, kInterval, "300", ValueType::kUnsignedInt);
  p::PresetSession progress;
  const p::Step step = p::next_step(presets, state, context_of({"1 BOOT"}), progress);
  EXPECT_EQ(step.kind, p::StepKind::kDone);
  EXPECT_TRUE(step.rpcs.empty());
  EXPECT_EQ(progress.rounds, 0u);
}

TEST(PresetFetchTest, ListsUnlistedTablesUnderAWildcard) {
  const std::vector<p::Preset> presets{preset(R"({"name": "w", "events": ["*"], "parameters": {
      "InternetGatewayDevice.WANDevice.*.WANConnectionDevice.*.WANIPConnection.*.Enable": true}})")};
  FakeCpe cpe;
  cpe.set("InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.Enable",
          "false", ValueType::kBoolean);
  cpe.set("InternetGatewayDevice.WANDevice.1.WANConnectionDevice.2.WANIPConnection.1.Enable",
          "true", ValueType::kBoolean);
  p::DeviceState state;
  SessionRun run = run_session(presets, state, cpe, {"1 BOOT"});
  // Three levels of GetParameterNames (one per table level; the second level's two tables
  // together), one GetParameterValues of both, one SetParameterValues, one read back.
  std::vector<std::string> expected{"GetParameterNames", "GetParameterNames",  "GetParameterNames",
                                    "GetParameterNames", "GetParameterValues", "SetParameterValues",
                                    "GetParameterValues"};
  EXPECT_EQ(cpe.rpc_names, expected);
  ASSERT_GE(run.steps.size(), 4u);
  const auto& spv = only_rpc<cwmp::SetParameterValues>(run.steps[4]);
  ASSERT_EQ(spv.parameter_list.size(), 1u);
  EXPECT_EQ(spv.parameter_list[0].name,
            "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.Enable");
  EXPECT_EQ(spv.parameter_list[0].type, ValueType::kBoolean);
  EXPECT_TRUE(run.progress.reports.empty());
}

TEST(PresetFetchTest, StaleValuesAreReadAgainOncePerSession) {
  const std::vector<p::Preset> presets{preset(R"({"name": "ms", "events": ["*"], "parameters": {
      "InternetGatewayDevice.ManagementServer.PeriodicInformInterval": 300}})")};
  p::DeviceState state;
  know(state, kInterval, "300", ValueType::kUnsignedInt);
  state.parameters[kInterval].timestamp = 1000;
  p::SessionContext context = context_of({"2 PERIODIC"});
  context.now = 100'000;
  context.value_max_age = 50'000;
  p::PresetSession progress;
  const p::Step step = p::next_step(presets, state, context, progress);
  EXPECT_EQ(only_rpc<cwmp::GetParameterValues>(step).parameter_names,
            (std::vector<std::string>{kInterval}));
  // The device changed it behind the ACS's back: read, then set.
  cwmp::GetParameterValuesResponse r;
  r.parameter_list.push_back({kInterval, "60", ValueType::kUnsignedInt});
  p::learn(state, step.rpcs[0].rpc, r, context.now);
  EXPECT_EQ(state.parameters[kInterval].timestamp, context.now);
  const p::Step set = p::next_step(presets, state, context, progress);
  EXPECT_EQ(only_rpc<cwmp::SetParameterValues>(set).parameter_list[0].value, "300");
  // Fresh values are trusted.
  know(state, kInterval, "300", ValueType::kUnsignedInt);
  state.parameters[kInterval].timestamp = 90'000;
  p::PresetSession next;
  EXPECT_EQ(p::next_step(presets, state, context, next).kind, p::StepKind::kDone);
}

TEST(PresetFetchTest, MissingParameterIsReportedNotAskedAgain) {
  const std::vector<p::Preset> presets{
      preset(R"({"name": "m", "events": ["*"], "parameters": {"X.Nope": 1}})")};
  FakeCpe cpe;
  cpe.lenient_gpv = true;  // answers without the names it does not have
  p::DeviceState state;
  SessionRun run = run_session(presets, state, cpe, {"1 BOOT"});
  EXPECT_EQ(cpe.rpc_names, (std::vector<std::string>{"GetParameterValues"}));
  ASSERT_EQ(run.progress.reports.size(), 1u);
  EXPECT_EQ(run.progress.reports[0].kind, p::ReportKind::kMissing);
  EXPECT_EQ(run.progress.reports[0].path, "X.Nope");
}

TEST(PresetFetchTest, FetchFaultIsAPresetFault) {
  // Most CPEs fault a whole GetParameterValues (9005) for one unknown name.
  const std::vector<p::Preset> presets{
      preset(R"({"name": "m", "events": ["*"], "parameters": {"X.Nope": 1}})")};
  FakeCpe cpe;
  p::DeviceState state;
  SessionRun run = run_session(presets, state, cpe, {"1 BOOT"});
  EXPECT_EQ(cpe.rpc_names, (std::vector<std::string>{"GetParameterValues"}));
  ASSERT_EQ(run.faults.size(), 1u);
  EXPECT_EQ(run.faults[0].preset, "m");
  EXPECT_EQ(run.faults[0].code, 9005u);
}

// ---- Apply planning ---------------------------------------------------------------------------

TEST(PresetApplyTest, BatchesAllValuesOfAllPresetsInOneSetParameterValues) {
  const std::vector<p::Preset> presets{preset(R"({"name": "a", "events": ["*"], "parameters": {
          "InternetGatewayDevice.ManagementServer.PeriodicInformInterval": 300,
          "InternetGatewayDevice.ManagementServer.PeriodicInformEnable": true}})"),
                                       preset(R"({"name": "b", "events": ["*"], "parameters": {
          "InternetGatewayDevice.ManagementServer.URL": "http://acs.example"}})")};
  p::DeviceState state;
  know(state, kInterval, "60", ValueType::kUnsignedInt);
  know(state, kEnable, "0", ValueType::kBoolean);
  know(state, kUrl, "http://old");
  p::PresetSession progress;
  const p::Step step = p::next_step(presets, state, context_of({"2 PERIODIC"}), progress);
  EXPECT_EQ(step.kind, p::StepKind::kApply);
  const auto& spv = only_rpc<cwmp::SetParameterValues>(step);
  ASSERT_EQ(spv.parameter_list.size(), 3u);
  EXPECT_EQ(spv.parameter_list[0], (cwmp::ParameterValue{kEnable, "true", ValueType::kBoolean}));
  EXPECT_EQ(spv.parameter_list[1],
            (cwmp::ParameterValue{kInterval, "300", ValueType::kUnsignedInt}));
  EXPECT_EQ(spv.parameter_list[2],
            (cwmp::ParameterValue{kUrl, "http://acs.example", ValueType::kString}));
  EXPECT_EQ(step.rpcs[0].presets, (std::vector<std::string>{"a", "b"}));
}

TEST(PresetApplyTest, BooleanOneIsTrue) {
  const std::vector<p::Preset> presets{preset(R"({"name": "a", "events": ["*"], "parameters": {
      "InternetGatewayDevice.ManagementServer.PeriodicInformEnable": true}})")};
  p::DeviceState state;
  know(state, kEnable, "1", ValueType::kBoolean);
  p::PresetSession progress;
  EXPECT_EQ(p::next_step(presets, state, context_of({"1 BOOT"}), progress).kind,
            p::StepKind::kDone);
}

TEST(PresetApplyTest, DeclaredTypeWinsOverTheDevicesAndInference) {
  const std::vector<p::Preset> presets{preset(R"({"name": "a", "events": ["*"], "parameters": {
      "X.A": {"value": "5", "type": "int"}, "X.B": 7, "X.C": -7, "X.D": "text"}})")};
  p::DeviceState state;
  know(state, "X.A", "1", ValueType::kUnsignedInt);
  know(state, "X.B", "1", ValueType::kUnsignedLong);
  know(state, "X.C", "1", ValueType::kUnspecified);
  know(state, "X.D", "1", ValueType::kUnspecified);
  p::PresetSession progress;
  const p::Step step = p::next_step(presets, state, context_of({"1 BOOT"}), progress);
  const auto& spv = only_rpc<cwmp::SetParameterValues>(step);
  ASSERT_EQ(spv.parameter_list.size(), 4u);
  EXPECT_EQ(spv.parameter_list[0].type, ValueType::kInt);           // declared
  EXPECT_EQ(spv.parameter_list[1].type, ValueType::kUnsignedLong);  // the device's
  EXPECT_EQ(spv.parameter_list[2].type, ValueType::kInt);           // inferred: negative
  EXPECT_EQ(spv.parameter_list[3].type, ValueType::kString);
}

TEST(PresetApplyTest, NotWritableIsReported) {
  const std::vector<p::Preset> presets{
      preset(R"({"name": "a", "events": ["*"], "parameters": {"X.A": "new"}})")};
  p::DeviceState state;
  know(state, "X.A", "old");
  state.parameters["X.A"].writable = false;
  p::PresetSession progress;
  EXPECT_EQ(p::next_step(presets, state, context_of({"1 BOOT"}), progress).kind,
            p::StepKind::kDone);
  ASSERT_EQ(progress.reports.size(), 1u);
  EXPECT_EQ(progress.reports[0].kind, p::ReportKind::kNotWritable);
}

TEST(PresetObjectTest, AddsToReachTheCountThenSetsTheirParameters) {
  const std::vector<p::Preset> presets{preset(R"({"name": "fw", "events": ["*"], "objects": [
      {"path": "InternetGatewayDevice.Layer3Forwarding.Forwarding.", "count": 3,
       "parameters": {"Enable": true}}]})")};
  FakeCpe cpe;
  cpe.set(kForwarding + "1.Enable", "true", ValueType::kBoolean);
  cpe.templates[kForwarding] = {{"Enable", "false"}};
  p::DeviceState state;
  SessionRun run = run_session(presets, state, cpe, {"1 BOOT"});
  // List, read the existing instance, two AddObjects in one step, read the new instances,
  // set them in one SetParameterValues, read back.
  EXPECT_EQ(cpe.rpc_names, (std::vector<std::string>{"GetParameterNames", "GetParameterValues",
                                                     "AddObject", "AddObject", "GetParameterValues",
                                                     "SetParameterValues", "GetParameterValues"}));
  ASSERT_EQ(run.steps.size(), 6u);
  EXPECT_EQ(only_rpc<cwmp::GetParameterNames>(run.steps[0]).parameter_path, kForwarding);
  ASSERT_EQ(run.steps[2].rpcs.size(), 2u);
  EXPECT_EQ(std::get<cwmp::AddObject>(run.steps[2].rpcs[0].rpc).object_name, kForwarding);
  EXPECT_EQ(p::instances_of(state, kForwarding), (std::vector<std::uint32_t>{1, 100, 101}));
  EXPECT_EQ(cpe.params[kForwarding + "100.Enable"].value, "true");
  EXPECT_EQ(cpe.params[kForwarding + "101.Enable"].value, "true");
  EXPECT_TRUE(run.progress.reports.empty());
  // Idempotent: the next session sends nothing.
  cpe.rpc_names.clear();
  EXPECT_EQ(run_session(presets, state, cpe, {"2 PERIODIC"}).rpc_count(), 0u);
}

TEST(PresetObjectTest, DeletesTheHighestInstancesAboveTheCount) {
  const std::vector<p::Preset> presets{preset(R"({"name": "fw", "events": ["*"], "objects": [
      {"path": "InternetGatewayDevice.Layer3Forwarding.Forwarding.", "count": 1}]})")};
  p::DeviceState state;
  state.listed.insert(kForwarding);
  state.parameters[kForwarding + "2."];
  state.parameters[kForwarding + "10."];
  state.parameters[kForwarding + "3."];
  p::PresetSession progress;
  const p::Step step = p::next_step(presets, state, context_of({"1 BOOT"}), progress);
  EXPECT_EQ(step.kind, p::StepKind::kApply);
  ASSERT_EQ(step.rpcs.size(), 2u);
  EXPECT_EQ(std::get<cwmp::DeleteObject>(step.rpcs[0].rpc).object_name, kForwarding + "3.");
  EXPECT_EQ(std::get<cwmp::DeleteObject>(step.rpcs[1].rpc).object_name, kForwarding + "10.");
}

TEST(PresetObjectTest, KeyedInstancesAreMatchedAddedAndPruned) {
  const std::vector<p::Preset> presets{preset(R"({"name": "wifi", "events": ["*"], "objects": [
      {"path": "InternetGatewayDevice.LANDevice.1.WLANConfiguration.", "key": "SSID",
       "delete_others": true, "instances": [
         {"key": "home", "parameters": {"Enable": true}},
         {"key": "guest", "parameters": {"Enable": false}}]}]})")};
  FakeCpe cpe;
  cpe.set(kWlan + "1.SSID", "home");
  cpe.set(kWlan + "1.Enable", "false", ValueType::kBoolean);
  cpe.set(kWlan + "2.SSID", "old");
  cpe.set(kWlan + "2.Enable", "true", ValueType::kBoolean);
  cpe.templates[kWlan] = {{"SSID", ""}, {"Enable", "true"}};
  p::DeviceState state;
  SessionRun run = run_session(presets, state, cpe, {"1 BOOT"});
  EXPECT_TRUE(run.progress.reports.empty());
  EXPECT_EQ(cpe.params[kWlan + "1.Enable"].value, "true");
  EXPECT_FALSE(cpe.params.contains(kWlan + "2.SSID"));  // "old" is gone
  EXPECT_EQ(cpe.params[kWlan + "100.SSID"].value, "guest");
  EXPECT_EQ(cpe.params[kWlan + "100.Enable"].value, "false");
  EXPECT_EQ(std::count(cpe.rpc_names.begin(), cpe.rpc_names.end(), "AddObject"), 1);
  EXPECT_EQ(std::count(cpe.rpc_names.begin(), cpe.rpc_names.end(), "DeleteObject"), 1);
  // Idempotent: the next session sends nothing.
  EXPECT_EQ(run_session(presets, state, cpe, {"2 PERIODIC"}).rpc_count(), 0u);
}

TEST(PresetAttributeTest, ReadsUnknownAttributesThenSetsOnlyTheDifferentOnes) {
  const std::vector<p::Preset> presets{preset(R"({"name": "notify", "events": ["*"],
      "attributes": [{"path": "InternetGatewayDevice.DeviceInfo.SoftwareVersion", "notification": 2},
                     {"path": "X.Same", "notification": 1}]})")};
  FakeCpe cpe;
  cpe.set(kVersion, "1.0");
  cpe.set("X.Same", "v");
  cpe.params["X.Same"].notification = 1;
  p::DeviceState state;
  SessionRun run = run_session(presets, state, cpe, {"1 BOOT"});
  ASSERT_EQ(run.steps.size(), 2u);
  EXPECT_EQ(only_rpc<cwmp::GetParameterAttributes>(run.steps[0]).parameter_names,
            (std::vector<std::string>{kVersion, "X.Same"}));
  const auto& spa = only_rpc<cwmp::SetParameterAttributes>(run.steps[1]);
  ASSERT_EQ(spa.parameter_list.size(), 1u);
  EXPECT_EQ(spa.parameter_list[0].name, kVersion);
  EXPECT_TRUE(spa.parameter_list[0].notification_change);
  EXPECT_EQ(spa.parameter_list[0].notification, 2);
  EXPECT_FALSE(spa.parameter_list[0].access_list_change);
  EXPECT_EQ(cpe.params[kVersion].notification, 2);
  EXPECT_EQ(run_session(presets, state, cpe, {"2 PERIODIC"}).rpc_count(), 0u);
}

// ---- Files, backups, reboot -----------------------------------------------------------------

constexpr std::string_view kFirmware = R"({"name": "fw2", "events": ["*"], "downloads": [
    {"file_type": "1 Firmware Upgrade Image", "url": "http://acs/fw-2.0.bin", "version": "2.0",
     "file_size": 4096}]})";

TEST(PresetDownloadTest, FirmwareIsSentOnlyWhenTheVersionDiffers) {
  const std::vector<p::Preset> presets{preset(kFirmware)};
  p::DeviceState state;
  know(state, kVersion, "2.0");
  p::PresetSession same;
  EXPECT_EQ(p::next_step(presets, state, context_of({"1 BOOT"}), same).kind, p::StepKind::kDone);

  know(state, kVersion, "1.9");
  p::PresetSession differs;
  const p::Step step = p::next_step(presets, state, context_of({"1 BOOT"}), differs);
  const auto& download = only_rpc<cwmp::Download>(step);
  EXPECT_EQ(download.file_type, "1 Firmware Upgrade Image");
  EXPECT_EQ(download.url, "http://acs/fw-2.0.bin");
  EXPECT_EQ(download.file_size, 4096u);
  EXPECT_EQ(download.command_key, p::command_key_of(presets[0], presets[0].downloads[0]));
  EXPECT_LE(download.command_key.size(), 32u);
  // Once per session, and not while its transfer is pending.
  EXPECT_EQ(p::next_step(presets, state, context_of({"1 BOOT"}), differs).kind, p::StepKind::kDone);
  state.transfers[download.command_key] = p::TransferStatus::kPending;
  p::PresetSession later;
  EXPECT_EQ(p::next_step(presets, state, context_of({"2 PERIODIC"}), later).kind,
            p::StepKind::kDone);
  // Completed but the version did not change: reported, not resent.
  state.transfers[download.command_key] = p::TransferStatus::kCompleted;
  p::PresetSession after;
  EXPECT_EQ(p::next_step(presets, state, context_of({"2 PERIODIC"}), after).kind,
            p::StepKind::kDone);
  ASSERT_EQ(after.reports.size(), 1u);
  EXPECT_EQ(after.reports[0].kind, p::ReportKind::kFirmwareMismatch);
  // Failed: sent again (the caller's fault record spaces the attempts).
  state.transfers[download.command_key] = p::TransferStatus::kFailed;
  p::PresetSession retry;
  EXPECT_EQ(p::next_step(presets, state, context_of({"2 PERIODIC"}), retry).kind,
            p::StepKind::kApply);
}

TEST(PresetDownloadTest, FetchesTheVersionWhenUnknownOnTheDevicesRoot) {
  const std::vector<p::Preset> presets{preset(kFirmware)};
  p::DeviceState state;
  know(state, "Device.ManagementServer.URL", "http://acs");  // a TR-181 device
  p::PresetSession progress;
  const p::Step step = p::next_step(presets, state, context_of({"1 BOOT"}), progress);
  EXPECT_EQ(only_rpc<cwmp::GetParameterValues>(step).parameter_names,
            (std::vector<std::string>{"Device.DeviceInfo.SoftwareVersion"}));
}

TEST(PresetDownloadTest, NewTargetVersionGivesANewCommandKey) {
  const p::Preset a = preset(kFirmware);
  p::Preset b = a;
  b.downloads[0].version = "2.1";
  EXPECT_NE(p::command_key_of(a, a.downloads[0]), p::command_key_of(b, b.downloads[0]));
  b.downloads[0].command_key = "mine";
  EXPECT_EQ(p::command_key_of(b, b.downloads[0]), "mine");
}

TEST(PresetDownloadTest, ConfigFileIsSentOnce) {
  const std::vector<p::Preset> presets{preset(R"({"name": "cfg", "events": ["*"], "downloads": [
      {"url": "http://acs/base.cfg", "command_key": "cfg-1"}]})")};
  p::DeviceState state;
  p::PresetSession first;
  const p::Step step = p::next_step(presets, state, context_of({"0 BOOTSTRAP"}), first);
  const auto& download = only_rpc<cwmp::Download>(step);
  EXPECT_EQ(download.file_type, "3 Vendor Configuration File");
  state.transfers["cfg-1"] = p::TransferStatus::kCompleted;
  p::PresetSession second;
  EXPECT_EQ(p::next_step(presets, state, context_of({"1 BOOT"}), second).kind, p::StepKind::kDone);
}

TEST(PresetUploadTest, BackupOncePerTriggeredSession) {
  const std::vector<p::Preset> presets{preset(R"({"name": "backup", "events": ["1 BOOT"],
      "upload": {"url": "http://acs/upload"}})")};
  FakeCpe cpe;
  p::DeviceState state;
  EXPECT_EQ(run_session(presets, state, cpe, {"1 BOOT"}).rpc_count(), 1u);
  EXPECT_EQ(cpe.rpc_names, (std::vector<std::string>{"Upload"}));
  EXPECT_EQ(run_session(presets, state, cpe, {"2 PERIODIC"}).rpc_count(), 0u);
}

TEST(PresetRebootTest, IfChangedRebootsLastAndOnlyAfterAChange) {
  const std::vector<p::Preset> presets{preset(R"({"name": "r", "events": ["*"], "reboot":
      "if_changed", "parameters": {"InternetGatewayDevice.ManagementServer.URL": "http://new"}})")};
  FakeCpe cpe;
  cpe.set(kUrl, "http://old");
  p::DeviceState state;
  run_session(presets, state, cpe, {"1 BOOT"});
  EXPECT_EQ(cpe.rpc_names, (std::vector<std::string>{"GetParameterValues", "SetParameterValues",
                                                     "GetParameterValues", "Reboot"}));
  cpe.rpc_names.clear();
  EXPECT_EQ(run_session(presets, state, cpe, {"1 BOOT"}).rpc_count(), 0u);
}

TEST(PresetRebootTest, AlwaysRebootsOncePerSession) {
  const std::vector<p::Preset> presets{
      preset(R"({"name": "r", "events": ["X REBOOT ME"], "reboot": "always"})")};
  FakeCpe cpe;
  p::DeviceState state;
  EXPECT_EQ(run_session(presets, state, cpe, {"X REBOOT ME"}).rpc_count(), 1u);
  EXPECT_EQ(cpe.rpc_names, (std::vector<std::string>{"Reboot"}));
}

TEST(PresetRebootTest, BackupIsNoChangeSoNoRebootLoop) {
  const std::vector<p::Preset> presets{preset(R"({"name": "r", "events": ["1 BOOT"],
      "reboot": "if_changed", "upload": {"url": "http://acs/upload"},
      "downloads": [{"url": "http://acs/base.cfg"}]})")};
  FakeCpe cpe;
  p::DeviceState state;
  run_session(presets, state, cpe, {"1 BOOT"});
  EXPECT_EQ(cpe.rpc_names, (std::vector<std::string>{"Download", "Upload"}));
}

TEST(PresetApplyTest, OneStepInProtocolOrder) {
  const std::vector<p::Preset> presets{preset(R"({"name": "all", "events": ["*"],
      "reboot": "if_changed",
      "objects": [{"path": "A.Del.", "count": 0}, {"path": "A.Add.", "count": 1}],
      "parameters": {"A.V": "new"},
      "attributes": [{"path": "A.V", "notification": 2}],
      "downloads": [{"url": "http://acs/base.cfg"}],
      "upload": {"url": "http://acs/upload"}})")};
  p::DeviceState state;
  state.listed.insert("A.Del.");
  state.listed.insert("A.Add.");
  state.parameters["A.Del.1."];
  know(state, "A.V", "old");
  state.parameters["A.V"].notification = 0;
  p::PresetSession progress;
  const p::Step step = p::next_step(presets, state, context_of({"1 BOOT"}), progress);
  std::vector<std::string> names;
  for (const p::PlannedRpc& planned : step.rpcs) {
    names.emplace_back(std::visit([](const auto& m) { return std::string(m.kName); }, planned.rpc));
  }
  EXPECT_EQ(names, (std::vector<std::string>{"DeleteObject", "AddObject", "SetParameterValues",
                                             "SetParameterAttributes", "Download", "Upload"}));
  // The reboot waits for a later step, after the values were read back.
  EXPECT_TRUE(progress.one_shots.contains("upload:all"));
  EXPECT_FALSE(progress.one_shots.contains("reboot"));
}

TEST(PresetObjectTest, KeyedWithoutDeleteOthersKeepsForeignInstances) {
  const std::vector<p::Preset> presets{preset(R"({"name": "wifi", "events": ["*"], "objects": [
      {"path": "InternetGatewayDevice.LANDevice.1.WLANConfiguration.", "key": "SSID",
       "instances": [{"key": "home"}]}]})")};
  FakeCpe cpe;
  cpe.set(kWlan + "1.SSID", "mine");
  cpe.set(kWlan + "2.SSID", "home");
  p::DeviceState state;
  SessionRun run = run_session(presets, state, cpe, {"1 BOOT"});
  EXPECT_EQ(cpe.rpc_names, (std::vector<std::string>{"GetParameterNames", "GetParameterValues"}));
  EXPECT_TRUE(cpe.params.contains(kWlan + "1.SSID"));
}

TEST(PresetAttributeTest, WildcardAttributesCoverEveryInstance) {
  const std::vector<p::Preset> presets{preset(R"({"name": "n", "events": ["*"], "attributes": [
      {"path": "A.T.*.Status", "notification": 2}]})")};
  FakeCpe cpe;
  cpe.set("A.T.1.Status", "Up");
  cpe.set("A.T.3.Status", "Down");
  p::DeviceState state;
  run_session(presets, state, cpe, {"1 BOOT"});
  EXPECT_EQ(cpe.rpc_names, (std::vector<std::string>{"GetParameterNames", "GetParameterAttributes",
                                                     "SetParameterAttributes"}));
  EXPECT_EQ(cpe.params["A.T.1.Status"].notification, 2);
  EXPECT_EQ(cpe.params["A.T.3.Status"].notification, 2);
}

// ---- Whole sessions: idempotence, conflicts, bounds -----------------------------------------

const char* const kBootstrap = R"({
  "name": "bootstrap", "weight": 0, "events": ["0 BOOTSTRAP", "1 BOOT", "2 PERIODIC"],
  "parameters": {
    "InternetGatewayDevice.ManagementServer.URL": "https://acs.example.net:7547/",
    "InternetGatewayDevice.ManagementServer.Username": "cpe",
    "InternetGatewayDevice.ManagementServer.Password": "secret",
    "InternetGatewayDevice.ManagementServer.PeriodicInformEnable": true,
    "InternetGatewayDevice.ManagementServer.PeriodicInformInterval": 3600,
    "InternetGatewayDevice.ManagementServer.PeriodicInformTime":
        {"value": "2026-01-01T03:00:00Z", "type": "dateTime"},
    "InternetGatewayDevice.ManagementServer.ConnectionRequestUsername": "cr",
    "InternetGatewayDevice.ManagementServer.ConnectionRequestPassword": "crsecret"},
  "attributes": [{"path": "InternetGatewayDevice.DeviceInfo.SoftwareVersion", "notification": 2}]
})";

FakeCpe fresh_device() {
  FakeCpe cpe;
  cpe.set(kUrl, "http://factory");
  cpe.set(std::string(kMs) + "Username", "factory");
  cpe.set(std::string(kMs) + "Password", "factory");
  cpe.set(kEnable, "false", ValueType::kBoolean);
  cpe.set(kInterval, "86400", ValueType::kUnsignedInt);
  cpe.set(std::string(kMs) + "PeriodicInformTime", "0001-01-01T00:00:00Z", ValueType::kDateTime);
  cpe.set(std::string(kMs) + "ConnectionRequestUsername", "factory");
  cpe.set(kCrPassword, "factory");
  cpe.set(kVersion, "1.0");
  return cpe;
}

TEST(PresetSessionTest, BootstrapConfiguresThenSecondSessionSendsNothing) {
  const std::vector<p::Preset> presets{preset(kBootstrap)};
  FakeCpe cpe = fresh_device();
  p::DeviceState state;
  SessionRun first = run_session(presets, state, cpe, {"0 BOOTSTRAP", "1 BOOT"});
  EXPECT_TRUE(first.progress.reports.empty());
  EXPECT_LE(first.steps.size(), 3u);  // fetch, apply, read back
  EXPECT_EQ(std::count(cpe.rpc_names.begin(), cpe.rpc_names.end(), "SetParameterValues"), 1);
  EXPECT_EQ(cpe.params[kUrl].value, "https://acs.example.net:7547/");
  EXPECT_EQ(cpe.params[kInterval].value, "3600");
  EXPECT_EQ(cpe.params[kInterval].type, ValueType::kUnsignedInt);
  EXPECT_EQ(cpe.params[kEnable].value, "true");
  EXPECT_EQ(cpe.params[kCrPassword].value, "crsecret");
  EXPECT_EQ(cpe.params[kVersion].notification, 2);
  // Passwords read back as "" and were never asked for.
  for (const p::Step& step : first.steps) {
    for (const p::PlannedRpc& planned : step.rpcs) {
      if (const auto* gpv = std::get_if<cwmp::GetParameterValues>(&planned.rpc)) {
        for (const std::string& name : gpv->parameter_names) {
          EXPECT_FALSE(name.ends_with("Password")) << name;
        }
      }
    }
  }

  cpe.rpc_names.clear();
  SessionRun second = run_session(presets, state, cpe, {"2 PERIODIC"});
  EXPECT_EQ(second.rpc_count(), 0u);
  EXPECT_TRUE(cpe.rpc_names.empty());
  EXPECT_TRUE(second.progress.reports.empty());
}

TEST(PresetSessionTest, ChangedPresetReachesTheDeviceNextSession) {
  std::vector<p::Preset> presets{preset(kBootstrap)};
  FakeCpe cpe = fresh_device();
  p::DeviceState state;
  run_session(presets, state, cpe, {"0 BOOTSTRAP"});
  presets[0].parameters[4].value = "600";  // PeriodicInformInterval
  cpe.rpc_names.clear();
  run_session(presets, state, cpe, {"2 PERIODIC"});
  EXPECT_EQ(cpe.rpc_names, (std::vector<std::string>{"SetParameterValues", "GetParameterValues"}));
  EXPECT_EQ(cpe.params[kInterval].value, "600");
}

TEST(PresetConflictTest, HigherWeightWinsAndTheConflictIsReported) {
  const std::vector<p::Preset> presets{
      preset(R"({"name": "low", "weight": 1, "events": ["*"], "parameters": {
          "InternetGatewayDevice.ManagementServer.PeriodicInformInterval": 300}})"),
      preset(R"({"name": "high", "weight": 2, "events": ["*"], "parameters": {
          "InternetGatewayDevice.ManagementServer.PeriodicInformInterval": 900}})")};
  FakeCpe cpe = fresh_device();
  p::DeviceState state;
  SessionRun run = run_session(presets, state, cpe, {"1 BOOT"});
  EXPECT_EQ(cpe.params[kInterval].value, "900");
  EXPECT_EQ(std::count(cpe.rpc_names.begin(), cpe.rpc_names.end(), "SetParameterValues"), 1);
  ASSERT_EQ(run.progress.reports.size(), 1u);
  EXPECT_EQ(run.progress.reports[0].kind, p::ReportKind::kConflict);
  EXPECT_EQ(run.progress.reports[0].preset, "low");
  EXPECT_EQ(run.progress.reports[0].path, kInterval);
  // The next session does not fight either: nothing to send.
  EXPECT_EQ(run_session(presets, state, cpe, {"2 PERIODIC"}).rpc_count(), 0u);
}

TEST(PresetConflictTest, SamePresetSameValueIsNoConflict) {
  const std::vector<p::Preset> presets{
      preset(R"({"name": "a", "events": ["*"], "parameters": {"X.A": 1}})"),
      preset(R"({"name": "b", "events": ["*"], "parameters": {"X.A": 1}})")};
  p::DeviceState state;
  know(state, "X.A", "0", ValueType::kUnsignedInt);
  p::PresetSession progress;
  const p::Step step = p::next_step(presets, state, context_of({"1 BOOT"}), progress);
  EXPECT_EQ(only_rpc<cwmp::SetParameterValues>(step).parameter_list.size(), 1u);
  EXPECT_TRUE(progress.reports.empty());
}

TEST(PresetStickTest, ValueThatDoesNotStickIsReportedAndNotRetried) {
  const std::vector<p::Preset> presets{preset(R"({"name": "a", "events": ["*"], "parameters": {
      "InternetGatewayDevice.ManagementServer.PeriodicInformInterval": 300,
      "InternetGatewayDevice.ManagementServer.URL": "http://new"}})")};
  FakeCpe cpe = fresh_device();
  cpe.not_sticking.insert(kInterval);
  p::DeviceState state;
  SessionRun run = run_session(presets, state, cpe, {"1 BOOT"});
  EXPECT_EQ(std::count(cpe.rpc_names.begin(), cpe.rpc_names.end(), "SetParameterValues"), 1);
  EXPECT_EQ(cpe.params[kUrl].value, "http://new");
  ASSERT_EQ(run.progress.reports.size(), 1u);
  EXPECT_EQ(run.progress.reports[0].kind, p::ReportKind::kNotSticking);
  EXPECT_EQ(run.progress.reports[0].path, kInterval);
}

TEST(PresetBoundTest, StopsAfterTheRoundLimitWithAReport) {
  const std::vector<p::Preset> presets{preset(kBootstrap)};
  FakeCpe cpe = fresh_device();
  p::DeviceState state;
  SessionRun run = run_session(presets, state, cpe, {"0 BOOTSTRAP"}, 1);
  EXPECT_EQ(run.steps.size(), 1u);
  ASSERT_FALSE(run.progress.reports.empty());
  EXPECT_EQ(run.progress.reports.back().kind, p::ReportKind::kRoundLimit);
  EXPECT_TRUE(run.progress.finished);
  p::Step after = p::next_step(presets, state, context_of({"0 BOOTSTRAP"}), run.progress);
  EXPECT_EQ(after.kind, p::StepKind::kDone);  // finished stays finished
}

TEST(PresetBoundTest, EndlessDeviceStillConverges) {
  // A device whose AddObject never shows up in a listing: the engine must still stop.
  const std::vector<p::Preset> presets{preset(R"({"name": "n", "events": ["*"], "objects": [
      {"path": "A.T.", "count": 2}]})")};
  p::DeviceState state;
  state.listed.insert("A.T.");
  p::SessionContext context = context_of({"1 BOOT"});
  p::PresetSession progress;
  std::size_t steps = 0;
  while (p::next_step(presets, state, context, progress).kind != p::StepKind::kDone) {
    ++steps;  // answers are never learned: the device state never changes
    ASSERT_LE(steps, 8u);
  }
  EXPECT_EQ(steps, 8u);
  EXPECT_EQ(progress.reports.back().kind, p::ReportKind::kRoundLimit);
}

TEST(PresetConflictTest, ObjectTablesAttributesAndFirmwareHaveOneWinner) {
  const std::vector<p::Preset> presets{preset(R"({"name": "low", "weight": 1, "events": ["*"],
          "objects": [{"path": "A.T.", "count": 1}],
          "attributes": [{"path": "A.V", "notification": 1}],
          "downloads": [{"file_type": "1 Firmware Upgrade Image", "url": "http://fw/1.5",
                         "version": "1.5", "version_parameter": "A.V"}]})"),
                                       preset(R"({"name": "high", "weight": 2, "events": ["*"],
          "objects": [{"path": "A.T.", "count": 2}],
          "attributes": [{"path": "A.V", "notification": 2}],
          "downloads": [{"file_type": "1 Firmware Upgrade Image", "url": "http://fw/2.0",
                         "version": "2.0", "version_parameter": "A.V"}]})")};
  p::DeviceState state;
  state.listed.insert("A.T.");
  state.parameters["A.T.1."];
  know(state, "A.V", "1.0");
  state.parameters["A.V"].notification = 0;
  p::PresetSession progress;
  const p::Step step = p::next_step(presets, state, context_of({"1 BOOT"}), progress);
  ASSERT_EQ(step.kind, p::StepKind::kApply);
  std::vector<std::string> names;
  for (const p::PlannedRpc& planned : step.rpcs) {
    names.emplace_back(std::visit([](const auto& m) { return std::string(m.kName); }, planned.rpc));
    EXPECT_EQ(planned.presets, (std::vector<std::string>{"high"}));
  }
  EXPECT_EQ(names, (std::vector<std::string>{"AddObject", "SetParameterAttributes", "Download"}));
  EXPECT_EQ(std::get<cwmp::SetParameterAttributes>(step.rpcs[1].rpc).parameter_list[0].notification,
            2);
  EXPECT_EQ(std::get<cwmp::Download>(step.rpcs[2].rpc).url, "http://fw/2.0");
  ASSERT_EQ(progress.reports.size(), 3u);
  for (const p::Report& r : progress.reports) {
    EXPECT_EQ(r.kind, p::ReportKind::kConflict);
    EXPECT_EQ(r.preset, "low");
  }
}

TEST(PresetFaultTest, FaultedRpcRecordsItsPresetsWhichSitOutTheSession) {
  const std::vector<p::Preset> presets{
      preset(R"({"name": "a", "events": ["*"], "parameters": {"X.Locked": "new"}})"),
      preset(R"({"name": "b", "events": ["*"], "parameters": {"X.Other": "new"}})")};
  FakeCpe cpe;
  cpe.set("X.Locked", "old", ValueType::kString, /*writable=*/false);  // SPV answers 9008
  cpe.set("X.Other", "old");
  p::DeviceState state;
  SessionRun run = run_session(presets, state, cpe, {"1 BOOT"});
  // One batched SetParameterValues faults for both presets; neither is retried this session.
  EXPECT_EQ(cpe.rpc_names, (std::vector<std::string>{"GetParameterValues", "SetParameterValues"}));
  ASSERT_EQ(run.faults.size(), 2u);
  EXPECT_EQ(run.faults[0].preset, "a");
  EXPECT_EQ(run.faults[0].code, 9008u);
  EXPECT_EQ(run.faults[0].retries, 1u);
  EXPECT_EQ(run.faults[0].device_id, "dev");

  std::vector<p::PresetFault> faults = run.faults;
  p::PlannedRpc planned{cwmp::SetParameterValues{}, {"a"}};
  p::record_rpc_fault(faults, planned, cwmp::Fault::make(9002), "dev", 1000);
  ASSERT_EQ(faults.size(), 2u);  // replaced, not added
  EXPECT_EQ(faults[0].retries, 2u);
  EXPECT_EQ(faults[0].code, 9002u);
  EXPECT_EQ(faults[0].timestamp, 1000);
}

// ---- learn() ----------------------------------------------------------------------------------

TEST(PresetLearnTest, NextLevelListingForgetsVanishedInstances) {
  p::DeviceState state;
  state.parameters["A.T.1.X"].value = "1";
  state.parameters["A.T.2.X"].value = "2";
  cwmp::GetParameterNamesResponse r;
  r.parameter_list.push_back({"A.T.2.", false});
  p::learn(state, cwmp::GetParameterNames{"A.T.", true}, r);
  EXPECT_EQ(p::instances_of(state, "A.T."), (std::vector<std::uint32_t>{2}));
  EXPECT_TRUE(state.listed.contains("A.T."));
}

TEST(PresetLearnTest, TransfersAndObjects) {
  p::DeviceState state;
  cwmp::Download download;
  download.command_key = "k1";
  cwmp::DownloadResponse done;
  done.status = 0;  // applied before the response
  p::learn(state, download, done);
  EXPECT_EQ(state.transfers.at("k1"), p::TransferStatus::kCompleted);
  download.command_key = "k2";
  cwmp::DownloadResponse later;
  later.status = 1;
  p::learn(state, download, later);
  EXPECT_EQ(state.transfers.at("k2"), p::TransferStatus::kPending);

  cwmp::AddObjectResponse added;
  added.instance_number = 7;
  p::learn(state, cwmp::AddObject{"A.T.", ""}, added);
  EXPECT_EQ(p::instances_of(state, "A.T."), (std::vector<std::uint32_t>{7}));
  state.parameters["A.T.7.X"].value = "1";
  p::learn(state, cwmp::DeleteObject{"A.T.7.", ""}, cwmp::DeleteObjectResponse{0});
  EXPECT_TRUE(p::instances_of(state, "A.T.").empty());
  EXPECT_FALSE(state.parameters.contains("A.T.7.X"));
}

TEST(PresetLearnTest, SetForgetsValuesButRemembersPasswords) {
  p::DeviceState state;
  know(state, "A.B", "old");
  p::learn(state,
           cwmp::SetParameterValues{
               {{"A.B", "new", ValueType::kString}, {"A.Password", "pw", ValueType::kString}}, ""},
           cwmp::SetParameterValuesResponse{0});
  EXPECT_FALSE(state.parameters["A.B"].value.has_value());
  EXPECT_EQ(state.parameters["A.Password"].value, "pw");
  // A password read back as "" does not overwrite it.
  cwmp::GetParameterValuesResponse r;
  r.parameter_list.push_back({"A.Password", "", ValueType::kString});
  p::learn(state, cwmp::GetParameterValues{{"A.Password"}}, r);
  EXPECT_EQ(state.parameters["A.Password"].value, "pw");
}

TEST(PresetLearnTest, FaultChangesNothing) {
  p::DeviceState state;
  know(state, "A.B", "1");
  p::learn(state, cwmp::SetParameterValues{{{"A.B", "2", ValueType::kString}}, ""},
           cwmp::Fault::make(9002));
  EXPECT_EQ(state.parameters["A.B"].value, "1");
}

}  // namespace

// ---- Schedules ---------------------------------------------------------------------------------

TEST(PresetScheduleTest, CronExpressionsParseOrSayWhy) {
  std::string error;
  const auto every15 = p::parse_cron("*/15 * * * *", error);
  ASSERT_TRUE(every15.has_value()) << error;
  EXPECT_EQ(every15->minutes, (1ULL << 0) | (1ULL << 15) | (1ULL << 30) | (1ULL << 45));
  const auto weekdays = p::parse_cron("30 2  * * 1-5", error);
  ASSERT_TRUE(weekdays.has_value()) << error;
  EXPECT_EQ(weekdays->weekdays, 0b0111110);
  EXPECT_FALSE(weekdays->any_weekday);
  const auto sunday = p::parse_cron("0 0 * * 7", error);
  ASSERT_TRUE(sunday.has_value()) << error;
  EXPECT_EQ(sunday->weekdays, 1);  // 7 is Sunday, like 0
  for (const char* bad :
       {"", "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *",
        "5-1 * * * *", "*/0 * * * *", "a * * * *", "1,,2 * * * *", "1, * * * *"}) {
    EXPECT_FALSE(p::parse_cron(bad, error).has_value()) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
  // A preset with a bad schedule is refused where it is wrong.
  auto refused = p::parse_preset_text(R"({"name": "x", "schedule": "every day"})");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().where, "/schedule");
}

TEST(PresetScheduleTest, FiresBetweenFindsTheNextTime) {
  std::string error;
  const auto nightly = *p::parse_cron("0 3 * * *", error);
  constexpr acs::Millis kHour = 3'600'000;
  // 2026-11-27 12:00 -> 2026-11-28 02:59: no 03:00 in between; -> 03:00 exactly: yes.
  EXPECT_FALSE(p::fires_between(nightly, kScheduleT0, kScheduleT0 + 15 * kHour - 60'000));
  EXPECT_TRUE(p::fires_between(nightly, kScheduleT0, kScheduleT0 + 15 * kHour));
  // (after, until]: a run at 03:00 itself does not fire again until the next night.
  EXPECT_FALSE(p::fires_between(nightly, kScheduleT0 + 15 * kHour, kScheduleT0 + 38 * kHour));
  EXPECT_TRUE(p::fires_between(nightly, kScheduleT0 + 15 * kHour, kScheduleT0 + 39 * kHour));
  // Mondays only (2026-11-30 is a Monday): not over the weekend.
  const auto monday = *p::parse_cron("0 9 * * 1", error);
  EXPECT_FALSE(
      p::fires_between(monday, kScheduleT0, kScheduleT0 + 3 * 24 * kHour - 3 * kHour - 60'000));
  EXPECT_TRUE(p::fires_between(monday, kScheduleT0, kScheduleT0 + 3 * 24 * kHour - 3 * kHour));
  // Both day fields restricted: either matches (the 1st of the month, or a Monday).
  const auto either = *p::parse_cron("0 0 1 * 1", error);
  EXPECT_TRUE(p::fires_between(either, kScheduleT0, kScheduleT0 + 3 * 24 * kHour));
  // A gap of years still answers, with bounded work.
  EXPECT_TRUE(p::fires_between(nightly, 0, kScheduleT0));
  EXPECT_FALSE(p::fires_between(nightly, kScheduleT0, kScheduleT0));
}

TEST(PresetScheduleTest, AScheduledPresetRunsWhenItsTimeCameSinceItsLastRun) {
  const std::vector<p::Preset> presets{preset(R"({"name": "nightly", "schedule": "0 3 * * *"})")};
  const p::DeviceState state;
  p::SessionContext c = context_of({"2 PERIODIC"});
  c.now = kScheduleT0;
  EXPECT_EQ(p::active_presets(presets, state, c).size(), 1u);  // never ran: runs now
  c.last_scheduled_runs["nightly"] = kScheduleT0 - 3'600'000;
  EXPECT_TRUE(p::active_presets(presets, state, c).empty());  // ran at 11:00, next at 03:00
  c.now = kScheduleT0 + 15 * 3'600'000;
  EXPECT_EQ(p::active_presets(presets, state, c).size(), 1u);
  c.events.clear();  // no session, nothing runs
  EXPECT_TRUE(p::active_presets(presets, state, c).empty());
}
