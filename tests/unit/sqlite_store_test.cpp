// store::open_sqlite: the Store contract on SQLite (in-memory, plus one file database for
// durability), with the NBI query cross-checked against acs::query::matches().
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <thread>

#include <boost/json.hpp>

#include "acs/device_id.hpp"
#include "acs/query.hpp"
#include "store/sqlite_store.hpp"

namespace {

namespace json = boost::json;
using acs::ParameterUpdate;
using acs::TaskState;
using acs::TaskType;
using cwmp::ValueType;

constexpr acs::Millis kT0 = 1795780800000;  // 2026-11-27T12:00:00.000Z

ParameterUpdate param(std::string path, std::string value, ValueType type = ValueType::kString,
                      std::optional<bool> writable = std::nullopt) {
  ParameterUpdate p;
  p.path = std::move(path);
  p.value = std::move(value);
  p.type = type;
  p.writable = writable;
  return p;
}

ParameterUpdate object(std::string path, std::optional<bool> writable = std::nullopt) {
  ParameterUpdate p;
  p.path = std::move(path);
  p.writable = writable;
  return p;
}

acs::InformRecord inform(const std::string& serial, std::vector<std::string> events,
                         std::vector<ParameterUpdate> params, acs::Millis at = kT0) {
  acs::InformRecord r;
  r.device = {"ACME", "00D09E", "Router", serial};
  r.device_id = acs::make_device_id(r.device);
  for (auto& e : events) r.events.push_back({std::move(e), ""});
  r.parameters = std::move(params);
  r.remote_address = "192.0.2.1";
  r.received = at;
  return r;
}

std::string id_of(const std::string& serial) {
  return acs::make_device_id({"ACME", "00D09E", "Router", serial});
}

const json::value* at_path(const json::object& doc, std::initializer_list<std::string_view> keys) {
  const json::object* node = &doc;
  const json::value* v = nullptr;
  for (std::string_view k : keys) {
    if (node == nullptr) return nullptr;
    v = node->if_contains(k);
    if (v == nullptr) return nullptr;
    node = v->is_object() ? &v->get_object() : nullptr;
  }
  return v;
}

acs::query::Query q(std::string_view text) {
  auto parsed = acs::query::parse_query(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << (parsed.ok() ? "" : parsed.error().to_string());
  return parsed.ok() ? parsed.value() : acs::query::Query{};
}

class SqliteStore : public ::testing::Test {
 protected:
  std::unique_ptr<store::Store> s = store::open_sqlite(":memory:");
};

TEST_F(SqliteStore, InformIsRecordedInGenieAcsShape) {
  s->record_inform(inform(
      "SN1", {"0 BOOTSTRAP", "1 BOOT"},
      {object("Device.", false), param("Device.DeviceInfo.SoftwareVersion", "1.0"),
       param("Device.DeviceInfo.UpTime", "0042", ValueType::kUnsignedInt),
       param("Device.ManagementServer.PeriodicInformEnable", "1", ValueType::kBoolean, true)}));
  const std::string id = id_of("SN1");
  EXPECT_TRUE(s->device_exists(id));
  EXPECT_FALSE(s->device_exists("nope"));
  auto doc = s->device_document(id);
  ASSERT_TRUE(doc);
  const json::object& d = *doc;
  EXPECT_EQ(d.at("_id"), json::value(id));
  EXPECT_EQ(d.at("_deviceId"), (json::object{{"_OUI", "00D09E"},
                                             {"_ProductClass", "Router"},
                                             {"_SerialNumber", "SN1"},
                                             {"_Manufacturer", "ACME"}}));
  EXPECT_EQ(d.at("_lastInform"), json::value("2026-11-27T12:00:00.000Z"));
  EXPECT_EQ(d.at("_lastBoot"), json::value("2026-11-27T12:00:00.000Z"));
  EXPECT_EQ(d.at("_lastBootstrap"), json::value("2026-11-27T12:00:00.000Z"));
  EXPECT_EQ(d.at("_registered"), json::value("2026-11-27T12:00:00.000Z"));
  EXPECT_EQ(d.at("_tags"), json::array());
  EXPECT_EQ(
      *at_path(d, {"Device", "DeviceInfo", "SoftwareVersion"}),
      (json::object{
          {"_value", "1.0"}, {"_type", "xsd:string"}, {"_timestamp", "2026-11-27T12:00:00.000Z"}}));
  // Canonical numbers and booleans, shown as JSON numbers/booleans like GenieACS.
  EXPECT_EQ(*at_path(d, {"Device", "DeviceInfo", "UpTime", "_value"}), json::value(42));
  EXPECT_EQ(*at_path(d, {"Device", "DeviceInfo", "UpTime", "_type"}),
            json::value("xsd:unsignedInt"));
  const json::value* pie = at_path(d, {"Device", "ManagementServer", "PeriodicInformEnable"});
  ASSERT_TRUE(pie);
  EXPECT_EQ(pie->at("_value"), json::value(true));
  EXPECT_EQ(pie->at("_writable"), json::value(true));
  EXPECT_EQ(*at_path(d, {"Device", "_object"}), json::value(true));
  EXPECT_EQ(*at_path(d, {"Device", "_writable"}), json::value(false));
  EXPECT_EQ(*at_path(d, {"Device", "DeviceInfo", "_object"}), json::value(true));

  // A second Inform: last inform moves, registration and last boot stay; merge keeps _writable.
  s->record_inform(
      inform("SN1", {"2 PERIODIC"},
             {param("Device.ManagementServer.PeriodicInformEnable", "false", ValueType::kBoolean)},
             kT0 + 1500));
  doc = s->device_document(id);
  EXPECT_EQ(doc->at("_lastInform"), json::value("2026-11-27T12:00:01.500Z"));
  EXPECT_EQ(doc->at("_lastBoot"), json::value("2026-11-27T12:00:00.000Z"));
  EXPECT_EQ(doc->at("_registered"), json::value("2026-11-27T12:00:00.000Z"));
  pie = at_path(*doc, {"Device", "ManagementServer", "PeriodicInformEnable"});
  EXPECT_EQ(pie->at("_value"), json::value(false));
  EXPECT_EQ(pie->at("_writable"), json::value(true));
  EXPECT_EQ(pie->at("_timestamp"), json::value("2026-11-27T12:00:01.500Z"));

  const auto events = s->recent_events(id, 10);
  ASSERT_EQ(events.size(), 3U);
  EXPECT_EQ(events[0].event_code, "2 PERIODIC");
  EXPECT_EQ(events[2].event_code, "0 BOOTSTRAP");
}

TEST_F(SqliteStore, ProjectionKeepsOnlyListedSubtrees) {
  s->record_inform(inform("SN1", {"1 BOOT"},
                          {param("Device.DeviceInfo.SoftwareVersion", "1.0"),
                           param("Device.DeviceInfo.HardwareVersion", "hw"),
                           param("Device.LAN.IPAddress", "10.0.0.1")}));
  auto doc = s->device_document(
      id_of("SN1"), {"Device.DeviceInfo.SoftwareVersion", "_lastBoot", "_deviceId._SerialNumber"});
  ASSERT_TRUE(doc);
  EXPECT_TRUE(doc->contains("_id"));
  EXPECT_TRUE(doc->contains("_lastBoot"));
  EXPECT_FALSE(doc->contains("_lastInform"));
  EXPECT_FALSE(doc->contains("_tags"));
  EXPECT_EQ(doc->at("_deviceId"), (json::object{{"_SerialNumber", "SN1"}}));
  EXPECT_TRUE(at_path(*doc, {"Device", "DeviceInfo", "SoftwareVersion", "_value"}));
  EXPECT_FALSE(at_path(*doc, {"Device", "DeviceInfo", "HardwareVersion"}));
  EXPECT_FALSE(at_path(*doc, {"Device", "LAN"}));
  EXPECT_FALSE(s->device_document("missing"));
}

TEST_F(SqliteStore, BootstrapWipesParametersButKeepsTagsAndTasks) {
  const std::string id = id_of("SN1");
  s->record_inform(inform("SN1", {"1 BOOT"}, {param("Device.A", "a"), param("Device.B", "b")}));
  ASSERT_TRUE(s->add_tag(id, "lab"));
  const auto task = s->add_task(id, TaskType::kReboot, {{"name", "reboot"}}, kT0, 0);
  s->record_inform(inform("SN1", {"0 BOOTSTRAP"}, {param("Device.C", "c")}, kT0 + 10));
  const auto doc = s->device_document(id);
  EXPECT_FALSE(at_path(*doc, {"Device", "A"}));
  EXPECT_FALSE(at_path(*doc, {"Device", "B"}));
  EXPECT_EQ(*at_path(*doc, {"Device", "C", "_value"}), json::value("c"));
  EXPECT_EQ(doc->at("_tags"), (json::array{"lab"}));
  EXPECT_EQ(doc->at("_lastBootstrap"), json::value("2026-11-27T12:00:00.010Z"));
  ASSERT_TRUE(s->get_task(task));
  EXPECT_EQ(s->get_task(task)->state, TaskState::kQueued);
  // Without 0 BOOTSTRAP nothing is wiped.
  s->record_inform(inform("SN1", {"2 PERIODIC"}, {param("Device.D", "d")}, kT0 + 20));
  EXPECT_TRUE(at_path(*s->device_document(id), {"Device", "C"}));
}

TEST_F(SqliteStore, EventHistoryIsBounded) {
  const std::string id = id_of("SN1");
  for (int i = 0; i < 70; ++i) {
    s->record_inform(inform("SN1", {"2 PERIODIC", "M Reboot"}, {}, kT0 + i));
  }
  EXPECT_EQ(s->recent_events(id, 1000).size(), store::kMaxEventsPerDevice);
  EXPECT_EQ(s->recent_events(id, 3).size(), 3U);
}

TEST_F(SqliteStore, TaskLifecycleDoneWithResultAndLearnedParameters) {
  const std::string id = id_of("SN1");
  s->record_inform(inform("SN1", {"1 BOOT"}, {param("Device.X", "old")}));
  const json::object args{{"name", "getParameterValues"},
                          {"parameterNames", json::array{"Device."}}};
  const auto t1 = s->add_task(id, TaskType::kGetParameterValues, args, kT0 + 1, 0);
  const auto t2 = s->add_task(id, TaskType::kReboot, {{"name", "reboot"}}, kT0 + 2, 0);
  EXPECT_LT(t1, t2);

  auto next = s->next_task(id, kT0 + 5);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->id, t1);
  EXPECT_EQ(next->type, TaskType::kGetParameterValues);
  EXPECT_EQ(next->args, args);
  EXPECT_EQ(next->state, TaskState::kQueued);
  EXPECT_EQ(next->created, kT0 + 1);

  s->mark_task_sent(t1, kT0 + 6);
  next = s->next_task(id, kT0 + 7);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->id, t1);  // in order: the sent one still blocks the next
  EXPECT_EQ(next->state, TaskState::kSent);
  EXPECT_EQ(next->attempts, 1U);

  const json::value result = {{"Device.X", "new"}};
  s->complete_task(t1, result, {param("Device.X", "new"), param("Device.Y", "7", ValueType::kInt)},
                   {}, kT0 + 8);
  const auto done = s->get_task(t1);
  EXPECT_EQ(done->state, TaskState::kDone);
  EXPECT_EQ(done->result, result);
  EXPECT_EQ(done->updated, kT0 + 8);
  EXPECT_FALSE(done->fault);
  const auto doc = s->device_document(id);
  EXPECT_EQ(*at_path(*doc, {"Device", "X", "_value"}), json::value("new"));
  EXPECT_EQ(*at_path(*doc, {"Device", "Y", "_value"}), json::value(7));

  next = s->next_task(id, kT0 + 9);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->id, t2);
  s->mark_task_sent(t2, kT0 + 10);
  s->complete_task(t2, nullptr, {}, {}, kT0 + 11);
  EXPECT_FALSE(s->next_task(id, kT0 + 12));
  EXPECT_FALSE(s->retry_task(t2, kT0 + 13));  // done is not retryable
}

TEST_F(SqliteStore, TaskFaultRetryExpiryAndPerDeviceOrder) {
  const std::string a = id_of("A");
  const std::string b = id_of("B");
  s->record_inform(inform("A", {"1 BOOT"}, {}));
  s->record_inform(inform("B", {"1 BOOT"}, {}));
  const auto ta =
      s->add_task(a, TaskType::kSetParameterValues, {{"name", "setParameterValues"}}, kT0, 0);
  const auto tb = s->add_task(b, TaskType::kReboot, {{"name", "reboot"}}, kT0, kT0 + 100);
  const auto ta2 = s->add_task(a, TaskType::kReboot, {{"name", "reboot"}}, kT0, 0);
  EXPECT_EQ(s->next_task(b, kT0 + 1)->id, tb);
  EXPECT_EQ(s->next_task(a, kT0 + 1)->id, ta);

  acs::TaskFault fault;
  fault.code = 9003;
  fault.message = "Invalid arguments";
  fault.parameter_faults = {{"Device.X", 9007, "Invalid parameter value"}};
  s->mark_task_sent(ta, kT0 + 2);
  s->fail_task(ta, fault, kT0 + 3);
  auto got = s->get_task(ta);
  EXPECT_EQ(got->state, TaskState::kFault);
  ASSERT_TRUE(got->fault);
  EXPECT_EQ(*got->fault, fault);
  // A faulted task no longer blocks the device's queue.
  EXPECT_EQ(s->next_task(a, kT0 + 4)->id, ta2);
  EXPECT_EQ(
      s->list_tasks({.device_id = std::nullopt, .state = TaskState::kFault, .limit = 0}).size(),
      1U);

  ASSERT_TRUE(s->retry_task(ta, kT0 + 5));
  got = s->get_task(ta);
  EXPECT_EQ(got->state, TaskState::kQueued);
  EXPECT_FALSE(got->fault);
  EXPECT_EQ(got->attempts, 1U);
  EXPECT_EQ(s->next_task(a, kT0 + 6)->id, ta);  // older id first again
  EXPECT_FALSE(s->retry_task(ta, kT0 + 7));     // queued: not retryable

  // Expiry: at its expiry time the task is marked expired and skipped.
  EXPECT_FALSE(s->next_task(b, kT0 + 100));
  EXPECT_EQ(s->get_task(tb)->state, TaskState::kExpired);
  ASSERT_TRUE(s->retry_task(tb, kT0 + 200));
  got = s->get_task(tb);
  EXPECT_EQ(got->state, TaskState::kQueued);
  EXPECT_EQ(got->expires, kT0 + 300);  // its original lifetime again
  EXPECT_EQ(s->next_task(b, kT0 + 201)->id, tb);

  const auto all_a = s->list_tasks({.device_id = a, .state = std::nullopt, .limit = 0});
  ASSERT_EQ(all_a.size(), 2U);
  EXPECT_EQ(all_a[0].id, ta);
  EXPECT_EQ(all_a[1].id, ta2);
  EXPECT_EQ(s->list_tasks({.device_id = std::nullopt, .state = std::nullopt, .limit = 2}).size(),
            2U);
  EXPECT_TRUE(s->delete_task(ta2));
  EXPECT_FALSE(s->delete_task(ta2));
  EXPECT_FALSE(s->get_task(ta2));
  // A task deleted mid-session: completing it stores nothing and does not throw.
  EXPECT_NO_THROW(s->complete_task(ta2, nullptr, {param("Device.Z", "z")}, {}, kT0 + 300));
  EXPECT_FALSE(at_path(*s->device_document(a), {"Device", "Z"}));
  // Ids are never reused.
  EXPECT_GT(s->add_task(a, TaskType::kReboot, {{"name", "reboot"}}, kT0, 0), ta2);
  // A task for an unknown device is refused by the foreign key.
  EXPECT_THROW(s->add_task("nope", TaskType::kReboot, {}, kT0, 0), store::StoreError);
}

TEST_F(SqliteStore, RemovedPrefixesDeleteWholeSubtrees) {
  const std::string id = id_of("SN1");
  s->record_inform(
      inform("SN1", {"1 BOOT"},
             {object("Device.IP.Interface.1."), param("Device.IP.Interface.1.Name", "a"),
              object("Device.IP.Interface.10."), param("Device.IP.Interface.10.Name", "b"),
              param("Device.IP.Interface.1Name", "sibling")}));
  const auto task = s->add_task(id, TaskType::kDeleteObject, {{"name", "deleteObject"}}, kT0, 0);
  s->complete_task(task, json::object{{"status", 0}}, {}, {"Device.IP.Interface.1."}, kT0 + 1);
  auto doc = s->device_document(id);
  EXPECT_FALSE(at_path(*doc, {"Device", "IP", "Interface", "1"}));
  EXPECT_TRUE(at_path(*doc, {"Device", "IP", "Interface", "10", "Name"}));
  EXPECT_TRUE(at_path(*doc, {"Device", "IP", "Interface", "1Name"}));
  // record_parameters: learned and removed in one step, without a task.
  s->record_parameters(id, {param("Device.IP.Interface.2.Name", "c")}, {"Device.IP.Interface.10"},
                       kT0 + 2);
  doc = s->device_document(id);
  EXPECT_FALSE(at_path(*doc, {"Device", "IP", "Interface", "10"}));
  EXPECT_EQ(*at_path(*doc, {"Device", "IP", "Interface", "2", "Name", "_value"}), json::value("c"));
}

TEST_F(SqliteStore, TagsAndDeleteDeviceCascade) {
  const std::string id = id_of("SN1");
  EXPECT_FALSE(s->add_tag(id, "x"));  // unknown device
  s->record_inform(inform("SN1", {"1 BOOT"}, {param("Device.A", "a")}));
  s->record_inform(inform("SN2", {"1 BOOT"}, {param("Device.A", "a")}));
  EXPECT_TRUE(s->add_tag(id, "b"));
  EXPECT_TRUE(s->add_tag(id, "a"));
  EXPECT_FALSE(s->add_tag(id, "a"));
  EXPECT_EQ(s->device_document(id)->at("_tags"), (json::array{"a", "b"}));
  EXPECT_TRUE(s->remove_tag(id, "b"));
  EXPECT_FALSE(s->remove_tag(id, "b"));
  EXPECT_EQ(s->device_document(id)->at("_tags"), (json::array{"a"}));
  const auto task = s->add_task(id, TaskType::kReboot, {{"name", "reboot"}}, kT0, 0);

  EXPECT_TRUE(s->delete_device(id));
  EXPECT_FALSE(s->delete_device(id));
  EXPECT_FALSE(s->device_exists(id));
  EXPECT_FALSE(s->get_task(task));
  EXPECT_TRUE(s->recent_events(id, 10).empty());
  EXPECT_EQ(s->count_devices(q(R"({"_tags": "a"})")), 0U);
  EXPECT_EQ(s->count_devices(q(R"({"Device.A": "a"})")), 1U);
  // Re-registering starts from nothing.
  s->record_inform(inform("SN1", {"2 PERIODIC"}, {}));
  EXPECT_EQ(s->device_document(id)->at("_tags"), json::array());
  EXPECT_FALSE(at_path(*s->device_document(id), {"Device", "A"}));
}

// A small fleet with varied values, used for the query table.
void add_fleet(store::Store& s) {
  s.record_inform(inform("S1", {"0 BOOTSTRAP", "1 BOOT"},
                         {param("Device.DeviceInfo.SoftwareVersion", "1.0.9"),
                          param("Device.DeviceInfo.UpTime", "100", ValueType::kUnsignedInt),
                          param("Device.WiFi.Enable", "1", ValueType::kBoolean),
                          param("Device.DeviceInfo.ModelName", "AlphaBox")},
                         kT0));
  s.record_inform(inform("S2", {"1 BOOT"},
                         {param("Device.DeviceInfo.SoftwareVersion", "2.1"),
                          param("Device.DeviceInfo.UpTime", "25", ValueType::kUnsignedInt),
                          param("Device.WiFi.Enable", "false", ValueType::kBoolean),
                          param("Device.DeviceInfo.ModelName", "alphabox-pro")},
                         kT0 + 60'000));
  s.record_inform(inform("S3", {"2 PERIODIC"},
                         {param("Device.DeviceInfo.SoftwareVersion", "10"),
                          param("Device.DeviceInfo.UpTime", "3000", ValueType::kUnsignedInt),
                          param("Device.DeviceInfo.ModelName", "Beta")},
                         kT0 + 120'000));
  s.record_inform(inform("S4", {"2 PERIODIC"}, {object("Device.DeviceInfo.")}, kT0 + 180'000));
  s.add_tag(id_of("S1"), "lab");
  s.add_tag(id_of("S2"), "lab");
  s.add_tag(id_of("S2"), "prod");
}

TEST_F(SqliteStore, FindAgreesWithTheEvaluator) {
  add_fleet(*s);
  const std::vector<std::string> all_ids = {id_of("S1"), id_of("S2"), id_of("S3"), id_of("S4")};
  std::vector<json::object> docs;
  for (const auto& id : all_ids) docs.push_back(*s->device_document(id));

  const char* queries[] = {
      R"({})",
      R"({"_id": "00D09E-Router-S2"})",
      R"({"_deviceId._SerialNumber": {"$in": ["S1", "S3"]}})",
      R"({"_deviceId._SerialNumber": {"$nin": ["S1", "S3"]}})",
      R"({"_deviceId._Manufacturer": {"$ne": "ACME"}})",
      R"({"_lastInform": {"$gte": "2026-11-27T12:01:00Z"}})",
      R"({"_lastInform": {"$lt": 1795780860000}})",
      R"({"_lastBootstrap": {"$exists": true}})",
      R"({"_lastBoot": {"$exists": false}})",
      R"({"_tags": "lab"})",
      R"({"_tags": {"$ne": "lab"}})",
      R"({"_tags": {"$in": ["prod", "none"]}})",
      R"({"_tags": {"$exists": false}})",
      R"({"_tags": {"$regex": "^pr"}})",
      R"({"Device.DeviceInfo.SoftwareVersion": "2.1"})",
      R"({"Device.DeviceInfo.SoftwareVersion._value": "10"})",
      R"({"Device.DeviceInfo.SoftwareVersion": {"$gt": "1"}})",
      R"({"Device.DeviceInfo.SoftwareVersion": {"$ne": "2.1"}})",
      R"({"Device.DeviceInfo.UpTime": {"$gt": 50}})",
      R"({"Device.DeviceInfo.UpTime": {"$lte": "100"}})",
      R"({"Device.DeviceInfo.UpTime": {"$in": [25, "3000"]}})",
      R"({"Device.DeviceInfo.UpTime": {"$nin": [25]}})",
      R"({"Device.DeviceInfo.UpTime": "100"})",
      R"({"Device.WiFi.Enable": true})",
      R"({"Device.WiFi.Enable": false})",
      R"({"Device.WiFi.Enable": {"$ne": true}})",
      R"({"Device.DeviceInfo.ModelName": {"$regex": "^alpha"}})",
      R"({"Device.DeviceInfo.ModelName": {"$regex": "^alpha", "$options": "i"}})",
      R"({"Device.DeviceInfo.ModelName": {"$regex": "box$|^B"}})",
      R"({"Device.DeviceInfo.ModelName": {"$exists": true}})",
      R"({"Device.DeviceInfo": {"$exists": true}})",
      R"({"Device.DeviceInfo.ModelName": null})",
      R"({"$or": [{"_tags": "prod"}, {"Device.DeviceInfo.UpTime": {"$gte": 3000}}]})",
      R"({"$and": [{"_tags": "lab"}, {"Device.WiFi.Enable": true}]})",
      R"({"_tags": "lab", "Device.DeviceInfo.SoftwareVersion": {"$regex": "\\."}})",
      R"({"Device.DeviceInfo.UpTime": {"$gt": 20, "$lt": 200}})",
  };
  for (const char* text : queries) {
    SCOPED_TRACE(text);
    const auto query = q(text);
    std::vector<std::string> expected;
    for (std::size_t i = 0; i < docs.size(); ++i) {
      if (acs::query::matches(query, docs[i])) expected.push_back(all_ids[i]);
    }
    std::vector<std::string> got;
    for (const auto& doc : s->find_devices(query, {})) {
      got.emplace_back(doc.at("_id").get_string());
    }
    EXPECT_EQ(got, expected);  // both in id order (the default sort)
    EXPECT_EQ(s->count_devices(query), expected.size());
  }
  // Spot checks that the table is not vacuous.
  EXPECT_EQ(s->count_devices(q(R"({"Device.DeviceInfo.UpTime": {"$gt": 50}})")), 2U);
  EXPECT_EQ(s->count_devices(q(R"({"Device.DeviceInfo.ModelName": {"$regex": "^alpha",
                                   "$options": "i"}})")),
            2U);
  EXPECT_EQ(s->count_devices(q(R"({"Device.WiFi.Enable": true})")), 1U);
}

TEST_F(SqliteStore, FindSortsSkipsLimitsAndProjects) {
  add_fleet(*s);
  auto ids = [](const std::vector<json::object>& docs) {
    std::vector<std::string> out;
    for (const auto& d : docs) out.emplace_back(d.at("_id").get_string());
    return out;
  };
  store::FindOptions by_uptime;
  by_uptime.sort = {{"Device.DeviceInfo.UpTime", -1}};
  // Numeric order (3000 > 100 > 25), missing last when descending.
  EXPECT_EQ(ids(s->find_devices({}, by_uptime)),
            (std::vector<std::string>{id_of("S3"), id_of("S1"), id_of("S2"), id_of("S4")}));
  store::FindOptions by_inform;
  by_inform.sort = {{"_lastInform", -1}};
  by_inform.skip = 1;
  by_inform.limit = 2;
  by_inform.projection = {"_lastInform"};
  const auto page = s->find_devices({}, by_inform);
  EXPECT_EQ(ids(page), (std::vector<std::string>{id_of("S3"), id_of("S2")}));
  EXPECT_EQ(page[0].size(), 2U);  // _id and _lastInform only
  store::FindOptions by_model;
  by_model.sort = {{"Device.DeviceInfo.ModelName._value", 1}};
  EXPECT_EQ(
      ids(s->find_devices(q(R"({"Device.DeviceInfo.ModelName": {"$exists": true}})"), by_model)),
      (std::vector<std::string>{id_of("S1"), id_of("S3"), id_of("S2")}));
}

// A refreshObject removes what the CPE no longer names under the subtree and keeps what it
// still names, with the values known (a password the ACS set reads back as "").
TEST_F(SqliteStore, RefreshKeepsWhatIsStillNamedAndDropsTheRest) {
  const std::string ms = "Device.ManagementServer.";
  s->record_inform(inform("SN1", {"1 BOOT"},
                          {param(ms + "ConnectionRequestPassword", "set-by-acs"),
                           param(ms + "X_Gone", "1"), param(ms + "URL", "http://acs/")}));
  const std::string id = id_of("SN1");
  ParameterUpdate password_name = object(ms + "ConnectionRequestPassword", true);
  s->record_parameters(id, {object(ms, false), password_name, object(ms + "URL", true)}, {ms},
                       kT0 + 1);
  auto target = s->connection_request_target(id);
  ASSERT_TRUE(target);
  EXPECT_EQ(target->password, "set-by-acs");
  auto doc = s->device_document(id);
  EXPECT_EQ(at_path(*doc, {"Device", "ManagementServer", "X_Gone"}), nullptr);
  EXPECT_EQ(*at_path(*doc, {"Device", "ManagementServer", "URL", "_value"}),
            json::value("http://acs/"));
  // Without learned names the whole subtree goes (DeleteObject).
  s->record_parameters(id, {}, {ms}, kT0 + 2);
  EXPECT_EQ(at_path(*s->device_document(id), {"Device", "ManagementServer"}), nullptr);
}

TEST_F(SqliteStore, TransferCompleteEndsTheTaskWithItsCommandKey) {
  s->record_inform(inform("SN1", {"1 BOOT"}, {}));
  const std::string id = id_of("SN1");
  const auto named = s->add_task(
      id, TaskType::kDownload, json::object{{"url", "http://f/a"}, {"commandKey", "fw-7"}}, kT0, 0);
  const auto unnamed =
      s->add_task(id, TaskType::kUpload, json::object{{"url", "http://f/u"}}, kT0, 0);
  s->complete_task(named, json::object{{"status", 1}}, {}, {}, kT0 + 1);

  const json::object outcome{{"faultCode", 0}, {"faultString", ""}};
  EXPECT_EQ(s->complete_transfer(id, "fw-7", outcome, std::nullopt, kT0 + 2), named);
  auto t = s->get_task(named);
  EXPECT_EQ(t->state, TaskState::kDone);
  EXPECT_EQ(t->result.at("status").as_int64(), 1);  // the DownloadResponse's result is kept
  EXPECT_EQ(t->result.at("transferComplete").at("faultCode").as_int64(), 0);

  // Without a commandKey argument the ACS used "task-<id>"; a fault fails the task.
  const acs::TaskFault fault{9010, "download failure", {}};
  EXPECT_EQ(s->complete_transfer(id, "task-" + std::to_string(unnamed), outcome, fault, kT0 + 3),
            unnamed);
  t = s->get_task(unnamed);
  EXPECT_EQ(t->state, TaskState::kFault);
  EXPECT_EQ(t->fault->code, 9010u);

  EXPECT_FALSE(s->complete_transfer(id, "nobody", outcome, std::nullopt, kT0));
  EXPECT_FALSE(s->complete_transfer("other-device", "fw-7", outcome, std::nullopt, kT0));
}

TEST_F(SqliteStore, CpeCredentialsArePutFoundAndDeleted) {
  EXPECT_FALSE(s->cpe_credentials("cpe1"));
  s->put_cpe_credentials({"cpe1", "pw1", "DEV-1"});
  s->put_cpe_credentials({"cpe0", "pw0", ""});
  s->put_cpe_credentials({"cpe1", "pw2", "DEV-1"});  // replaces
  EXPECT_EQ(s->cpe_credentials("cpe1"), (store::CpeCredentials{"cpe1", "pw2", "DEV-1"}));
  EXPECT_EQ(s->list_cpe_credentials().size(), 2u);
  EXPECT_TRUE(s->delete_cpe_credentials("cpe1"));
  EXPECT_FALSE(s->delete_cpe_credentials("cpe1"));
  EXPECT_FALSE(s->cpe_credentials("cpe1"));
}

TEST_F(SqliteStore, ConnectionRequestTargetComesFromEitherRoot) {
  s->record_inform(
      inform("SN1", {"1 BOOT"},
             {param("Device.ManagementServer.ConnectionRequestURL", "http://h:7547/cr"),
              param("Device.ManagementServer.ConnectionRequestUsername", "u")}));
  s->record_inform(
      inform("SN2", {"1 BOOT"},
             {param("InternetGatewayDevice.ManagementServer.ConnectionRequestURL", "http://g/")}));
  s->record_inform(inform("SN3", {"1 BOOT"}, {}));
  auto t1 = s->connection_request_target(id_of("SN1"));
  ASSERT_TRUE(t1);
  EXPECT_EQ(t1->url, "http://h:7547/cr");
  EXPECT_EQ(t1->username, "u");
  EXPECT_EQ(s->connection_request_target(id_of("SN2"))->url, "http://g/");
  EXPECT_EQ(s->connection_request_target(id_of("SN3"))->url, "");
  EXPECT_FALSE(s->connection_request_target("nobody"));

  s->record_connection_request(id_of("SN1"), {"timeout", "no answer in 2000 ms", kT0});
  auto doc = s->device_document(id_of("SN1"));
  EXPECT_EQ(doc->at("_lastConnectionRequest").at("result").as_string(), "timeout");
}

TEST_F(SqliteStore, FilesAndTaskCounts) {
  store::FileInfo f;
  f.name = "fw/1.0.bin";
  f.file_type = "1 Firmware Upgrade Image";
  f.size = 3;
  f.sha256 = "abc";
  f.storage = "abc";
  s->put_file(f);
  EXPECT_EQ(s->get_file("fw/1.0.bin"), f);
  EXPECT_EQ(s->list_files().size(), 1u);
  EXPECT_TRUE(s->delete_file("fw/1.0.bin"));
  EXPECT_FALSE(s->get_file("fw/1.0.bin"));

  s->record_inform(inform("SN1", {"1 BOOT"}, {}));
  s->add_task(id_of("SN1"), TaskType::kReboot, {}, kT0, 0);
  s->add_task(id_of("SN1"), TaskType::kReboot, {}, kT0, 0);
  const auto counts = s->task_counts();
  ASSERT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts[0].type, TaskType::kReboot);
  EXPECT_EQ(counts[0].state, TaskState::kQueued);
  EXPECT_EQ(counts[0].count, 2u);
}

TEST_F(SqliteStore, InvalidRegexIsAnErrorNotACrash) {
  add_fleet(*s);
  acs::query::Query query;
  query.root.kind = acs::query::Node::Kind::kCondition;
  query.root.condition.field.path = "Device.DeviceInfo.ModelName";
  query.root.condition.op = acs::query::Op::kRegex;
  query.root.condition.pattern = "(";  // the parser would refuse it; the store must still cope
  EXPECT_THROW(s->count_devices(query), store::StoreError);
  EXPECT_EQ(s->count_devices({}), 4U);  // the connection is still usable
}

TEST(SqliteStoreFile, DataSurvivesReopen) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("sqlite_store_test_" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "acs.db").string();
  std::int64_t task = 0;
  {
    auto s = store::open_sqlite(path);
    s->record_inform(inform("SN1", {"1 BOOT"}, {param("Device.A", "a")}));
    s->add_tag(id_of("SN1"), "kept");
    task = s->add_task(id_of("SN1"), TaskType::kReboot, {{"name", "reboot"}}, kT0, 0);
  }
  {
    auto s = store::open_sqlite(path);  // migrations are not re-applied
    const auto doc = s->device_document(id_of("SN1"));
    ASSERT_TRUE(doc);
    EXPECT_EQ(*at_path(*doc, {"Device", "A", "_value"}), json::value("a"));
    EXPECT_EQ(doc->at("_tags"), (json::array{"kept"}));
    const auto next = s->next_task(id_of("SN1"), kT0 + 1);
    ASSERT_TRUE(next);
    EXPECT_EQ(next->id, task);
  }
  {
    // The file is in WAL mode (a persistent property of the database) at the current schema
    // version.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    const auto single = [&](const char* sql) {
      sqlite3_stmt* stmt = nullptr;
      EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), SQLITE_OK);
      EXPECT_EQ(sqlite3_step(stmt), SQLITE_ROW);
      std::string out(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
      sqlite3_finalize(stmt);
      return out;
    };
    EXPECT_EQ(single("PRAGMA journal_mode"), "wal");
    EXPECT_EQ(single("SELECT version FROM schema_version"), "4");
    sqlite3_close_v2(db);
  }
  std::filesystem::remove_all(dir);
}

TEST(SqliteStoreFile, ConcurrentCallersAreSerialised) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("sqlite_store_mt_" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  {
    auto s = store::open_sqlite((dir / "acs.db").string());
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 10; ++i) {
          const std::string serial = "T" + std::to_string(t) + "_" + std::to_string(i);
          s->record_inform(inform(serial, {"1 BOOT"}, {param("Device.A", serial)}));
          s->add_task(id_of(serial), TaskType::kReboot, {{"name", "reboot"}}, kT0, 0);
          EXPECT_EQ(s->count_devices(q(R"({"Device.A": {"$regex": "^T"}})")) > 0, true);
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(s->count_devices({}), 40U);
    EXPECT_EQ(s->list_tasks({}).size(), 40U);
  }
  std::filesystem::remove_all(dir);
}

// Concurrent writes share commits (group commit); a write that fails is rolled back alone,
// its caller gets the error, and the writes batched with it are stored.
TEST(SqliteStoreFile, GroupCommitIsolatesAFailingWrite) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("sqlite_store_gc_" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  {
    auto s = store::open_sqlite((dir / "acs.db").string());
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 25; ++i) {
          const std::string serial = "G" + std::to_string(t) + "_" + std::to_string(i);
          s->record_inform(inform(serial, {"2 PERIODIC"}, {param("Device.A", serial)}));
          try {
            // Unknown device: the foreign key refuses it.
            s->add_task("no-such-device", TaskType::kReboot, {{"name", "reboot"}}, kT0, 0);
          } catch (const store::StoreError&) {
            ++failures;
          }
          s->add_task(id_of(serial), TaskType::kReboot, {{"name", "reboot"}}, kT0, 0);
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(failures.load(), 200);
    EXPECT_EQ(s->count_devices({}), 200U);
    EXPECT_EQ(s->list_tasks({}).size(), 200U);
  }
  std::filesystem::remove_all(dir);
}

TEST(SqliteStoreFile, RefusesAFileThatIsNotADatabase) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("sqlite_store_bad_" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  const auto path = dir / "junk.db";
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fputs("this is not an SQLite database, just some text long enough to matter........", f);
    std::fclose(f);
  }
  EXPECT_THROW(store::open_sqlite(path.string()), store::StoreError);
  std::filesystem::remove_all(dir);
}

}  // namespace

// ---- presets ----------------------------------------------------------------------------------

TEST_F(SqliteStore, PresetsArePutListedAndDeletedWithTheirFaults) {
  const std::int64_t r0 = s->presets_revision();
  s->put_preset({"b", R"({"weight":1})", kT0});
  s->put_preset({"a", R"({"weight":0})", kT0 + 1});
  EXPECT_GT(s->presets_revision(), r0);
  const auto all = s->list_presets();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "a");
  EXPECT_EQ(all[1].json, R"({"weight":1})");
  s->put_preset({"a", R"({"weight":5})", kT0 + 2});  // replaced
  EXPECT_EQ(s->get_preset("a")->json, R"({"weight":5})");

  s->record_inform(inform("SN1", {"2 PERIODIC"}, {}));
  s->put_preset_fault({"a", id_of("SN1"), 9002, "internal", 1, kT0});
  s->put_preset_fault({"b", id_of("SN1"), 9003, "bad", 2, kT0});
  ASSERT_EQ(s->preset_faults(id_of("SN1")).size(), 2u);
  const std::int64_t r1 = s->presets_revision();
  EXPECT_TRUE(s->delete_preset("a"));
  EXPECT_FALSE(s->delete_preset("a"));
  EXPECT_GT(s->presets_revision(), r1);
  EXPECT_FALSE(s->get_preset("a"));
  const auto faults = s->preset_faults("");
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0], (acs::presets::PresetFault{"b", id_of("SN1"), 9003, "bad", 2, kT0}));
  EXPECT_TRUE(s->delete_preset_fault(id_of("SN1"), "b"));
  EXPECT_TRUE(s->preset_faults("").empty());
}

TEST_F(SqliteStore, PresetTransfersCompleteAndAreForgottenAtBootstrap) {
  using acs::presets::TransferStatus;
  s->record_inform(inform("SN1", {"0 BOOTSTRAP"}, {}));
  const std::string id = id_of("SN1");
  s->put_preset_transfer({id, "p-1", "fw", TransferStatus::kPending, kT0});
  s->put_preset_transfer({id, "p-2", "cfg", TransferStatus::kPending, kT0});
  s->put_preset_fault({"fw", id, 9010, "x", 1, kT0});
  EXPECT_FALSE(s->complete_preset_transfer(id, "nope", true, kT0 + 1));
  const auto done = s->complete_preset_transfer(id, "p-1", false, kT0 + 1);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->preset, "fw");
  EXPECT_EQ(done->status, TransferStatus::kFailed);
  ASSERT_TRUE(s->complete_preset_transfer(id, "p-2", true, kT0 + 1));
  auto transfers = s->preset_transfers(id);
  ASSERT_EQ(transfers.size(), 2u);
  EXPECT_EQ(transfers[1].status, TransferStatus::kCompleted);

  s->record_inform(inform("SN1", {"1 BOOT"}, {}, kT0 + 2));
  EXPECT_EQ(s->preset_transfers(id).size(), 2u);
  s->record_inform(inform("SN1", {"0 BOOTSTRAP"}, {}, kT0 + 3));
  EXPECT_TRUE(s->preset_transfers(id).empty());
  EXPECT_TRUE(s->preset_faults(id).empty());
}

TEST_F(SqliteStore, PresetListedTablesAreForgottenAtBootstrap) {
  s->record_inform(inform("SN1", {"0 BOOTSTRAP"}, {}));
  const std::string id = id_of("SN1");
  s->add_preset_listed_tables(id, {"Device.WiFi.SSID.", "Device.Hosts.Host."}, kT0);
  s->add_preset_listed_tables(id, {"Device.WiFi.SSID."}, kT0 + 1);
  EXPECT_EQ(s->preset_listed_tables(id),
            (std::vector<std::string>{"Device.Hosts.Host.", "Device.WiFi.SSID."}));
  s->record_inform(inform("SN1", {"0 BOOTSTRAP"}, {}, kT0 + 2));
  EXPECT_TRUE(s->preset_listed_tables(id).empty());
}

// ---- campaigns ------------------------------------------------------------------------------

store::StoredCampaign campaign(const std::string& name, const std::string& version = "2.0") {
  store::StoredCampaign c;
  c.name = name;
  c.definition = R"({"filter":{},"file":"fw.bin"})";
  c.target_version = version;
  c.created = kT0;
  c.updated = kT0;
  return c;
}

TEST_F(SqliteStore, CampaignsArePutListedAndDeletedWithTheirDevices) {
  s->record_inform(inform("SN1", {"1 BOOT"}, {}));
  const std::int64_t r0 = s->campaigns_revision();
  s->put_campaign(campaign("b"), false);
  s->put_campaign(campaign("a"), false);
  EXPECT_GT(s->campaigns_revision(), r0);
  ASSERT_EQ(s->list_campaigns().size(), 2u);
  EXPECT_EQ(s->list_campaigns()[0].name, "a");
  EXPECT_EQ(s->get_campaign("a"), campaign("a"));
  EXPECT_FALSE(s->get_campaign("c"));

  const auto task = s->start_campaign_download("a", id_of("SN1"), {{"name", "download"}}, 5, kT0);
  ASSERT_TRUE(task);
  EXPECT_EQ(s->get_task(*task)->type, TaskType::kDownload);
  // Keeping progress: a new filter leaves the device row in place.
  store::StoredCampaign changed = campaign("a");
  changed.definition = R"({"filter":{"_tags":"x"},"file":"fw.bin"})";
  s->put_campaign(changed, true);
  EXPECT_EQ(s->get_campaign("a")->definition, changed.definition);
  EXPECT_EQ(s->list_campaign_devices("a", "").size(), 1u);
  // Not keeping it (another file): the rows go.
  s->put_campaign(changed, false);
  EXPECT_TRUE(s->list_campaign_devices("a", "").empty());

  ASSERT_TRUE(s->start_campaign_download("b", id_of("SN1"), {{"name", "download"}}, 5, kT0));
  EXPECT_TRUE(s->delete_campaign("b"));
  EXPECT_FALSE(s->delete_campaign("b"));
  EXPECT_TRUE(s->campaign_devices_of(id_of("SN1")).empty());
}

TEST_F(SqliteStore, CampaignSlotsStateAndCounters) {
  for (const char* sn : {"S1", "S2", "S3"}) s->record_inform(inform(sn, {"1 BOOT"}, {}));
  s->put_campaign(campaign("fw"), false);
  const json::object args{{"name", "download"}};
  const auto t1 = s->start_campaign_download("fw", id_of("S1"), args, 2, kT0);
  ASSERT_TRUE(t1);
  EXPECT_FALSE(s->start_campaign_download("fw", id_of("S1"), args, 2, kT0)) << "already started";
  ASSERT_TRUE(s->start_campaign_download("fw", id_of("S2"), args, 2, kT0));
  EXPECT_FALSE(s->start_campaign_download("fw", id_of("S3"), args, 2, kT0)) << "no free slot";
  EXPECT_EQ(s->get_campaign("fw")->max_in_flight, 2u);

  const auto by_task = s->campaign_device_by_task(*t1);
  ASSERT_TRUE(by_task);
  EXPECT_EQ(by_task->device_id, id_of("S1"));
  EXPECT_EQ(by_task->state, "downloading");

  // Conditional transitions count finished and failed devices.
  EXPECT_FALSE(s->update_campaign_device("fw", id_of("S1"), {"applied"}, "confirmed", 0, "", kT0));
  auto after = s->update_campaign_device("fw", id_of("S1"), {"downloading"}, "failed", 9018,
                                         "corrupted", kT0 + 1);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->finished_since_resume, 1u);
  EXPECT_EQ(after->failed_since_resume, 1u);
  after = s->update_campaign_device("fw", id_of("S2"), {"downloading"}, "confirmed", 0, "", kT0);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->finished_since_resume, 2u);
  EXPECT_EQ(after->failed_since_resume, 1u);
  const store::CampaignCounts counts = s->campaign_counts("fw");
  EXPECT_EQ(counts.confirmed, 1u);
  EXPECT_EQ(counts.failed, 1u);
  EXPECT_EQ(counts.downloading, 0u);
  const auto failed = s->list_campaign_devices("fw", "failed");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].fault_code, 9018u);
  EXPECT_EQ(failed[0].fault_message, "corrupted");

  // Paused: nothing starts; resumed: the counters start again from zero.
  EXPECT_TRUE(s->set_campaign_state("fw", {"running"}, "paused", "too many", false, kT0));
  EXPECT_FALSE(s->set_campaign_state("fw", {"running"}, "paused", "again", false, kT0));
  EXPECT_FALSE(s->start_campaign_download("fw", id_of("S3"), args, 2, kT0));
  EXPECT_EQ(s->get_campaign("fw")->reason, "too many");
  EXPECT_TRUE(s->set_campaign_state("fw", {"paused"}, "running", "", true, kT0));
  EXPECT_EQ(s->get_campaign("fw")->finished_since_resume, 0u);
  EXPECT_EQ(s->get_campaign("fw")->failed_since_resume, 0u);

  // A failed device can be retried (back to pending: no row); a confirmed one cannot.
  EXPECT_FALSE(s->retry_campaign_device("fw", id_of("S2")));
  EXPECT_TRUE(s->retry_campaign_device("fw", id_of("S1")));
  EXPECT_EQ(s->list_campaign_devices("fw", "").size(), 1u);

  // Already on the target: recorded once, counted as finished.
  store::CampaignDevice on_target{"fw", id_of("S3"), "confirmed", 0, 0, "", kT0, kT0};
  ASSERT_TRUE(s->add_campaign_device(on_target));
  EXPECT_FALSE(s->add_campaign_device(on_target));
  EXPECT_EQ(s->get_campaign("fw")->finished_since_resume, 1u);
  EXPECT_EQ(s->campaign_devices_of(id_of("S3")).size(), 1u);

  // Deleting the device drops its rows.
  EXPECT_TRUE(s->delete_device(id_of("S3")));
  EXPECT_TRUE(s->campaign_devices_of(id_of("S3")).empty());
}

TEST(SqliteStoreFile, CampaignSlotsHoldUnderConcurrency) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("sqlite_store_camp_" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  {
    auto s = store::open_sqlite((dir / "acs.db").string());
    for (int i = 0; i < 40; ++i) s->record_inform(inform("C" + std::to_string(i), {"1 BOOT"}, {}));
    s->put_campaign(campaign("fw"), false);
    std::atomic<int> started{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = t; i < 40; i += 4) {
          const json::object args{{"name", "download"}};
          if (s->start_campaign_download("fw", id_of("C" + std::to_string(i)), args, 7, kT0)) {
            ++started;
          }
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(started.load(), 7);
    EXPECT_EQ(s->campaign_counts("fw").downloading, 7u);
    EXPECT_EQ(s->get_campaign("fw")->max_in_flight, 7u);
  }
  std::filesystem::remove_all(dir);
}

TEST_F(SqliteStore, PresetRunsAreKeptPerDeviceAndPreset) {
  s->record_inform(inform("SN1", {"0 BOOTSTRAP"}, {}));
  const std::string id = id_of("SN1");
  s->put_preset_run(id, "nightly", kT0);
  s->put_preset_run(id, "nightly", kT0 + 5);
  s->put_preset_run(id, "weekly", kT0 + 1);
  const auto runs = s->preset_runs(id);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0], (std::pair<std::string, acs::Millis>{"nightly", kT0 + 5}));
  EXPECT_TRUE(s->preset_runs(id_of("SN2")).empty());
}
