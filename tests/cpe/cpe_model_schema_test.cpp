// The definition format (docs/cpe-model.md): what parses, what is refused and why, and how a
// value is judged against its definition.
#include <gtest/gtest.h>

#include <string>

#include "cpe/model/builtin_model.hpp"
#include "cpe/model/schema.hpp"
#include "cwmp/faults.hpp"

namespace {

using cpe::model::check_value;
using cpe::model::kNoIndex;
using cpe::model::ParamDef;
using cpe::model::Provider;
using cpe::model::Schema;

// A model whose Device. object holds `params` (a JSON array body) and `more` objects.
std::string model(const std::string& params, const std::string& more = "",
                  const std::string& extra = "") {
  return R"({"format": "cwmp-cpe-model/1", "objects": [{"path": "Device.", "parameters": [)" +
         params + "]}" + (more.empty() ? "" : "," + more) + "]" + extra + "}";
}

std::string error_of(const std::string& text) {
  const auto s = Schema::parse(text);
  return s.ok() ? "" : s.error();
}

TEST(CpeModelSchema, TheBuiltInModelParses) {
  const auto s = Schema::parse(cpe::model::builtin_model_json());
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ(s->root_path(), "Device.");
  const std::uint32_t uptime = s->find_param("Device.DeviceInfo.UpTime");
  ASSERT_NE(uptime, kNoIndex);
  EXPECT_EQ(s->param(uptime).provider, Provider::kUptime);
  const std::uint32_t table = s->find_object("Device.IP.Interface.{i}.");
  ASSERT_NE(table, kNoIndex);
  EXPECT_TRUE(s->object(table).multi_instance);
  EXPECT_TRUE(s->object(table).writable);
  EXPECT_EQ(s->object(table).name, "Interface");
  EXPECT_EQ(s->param(s->object(table).num_entries_param).path,
            "Device.IP.InterfaceNumberOfEntries");
}

TEST(CpeModelSchema, AMinimalModel) {
  const auto s = Schema::parse(model(
      R"({"name": "Count", "type": "unsignedInt", "access": "readOnly"},
         {"name": "Flag", "type": "boolean", "access": "readWrite", "default": true},
         {"name": "Level", "type": "int", "access": "readWrite", "range": [{"min": -10, "max": -1}, {"min": 5}], "default": 7})",
      R"({"path": "Device.Item.{i}.", "access": "readWrite", "numEntriesParameter": "Count", "maxEntries": 3,
          "parameters": [{"name": "Name", "type": "string", "access": "readOnly", "default": "item-{i}"}]})",
      R"(, "instances": [{"path": "Device.Item.2.", "values": {"Name": "second"}}])"));
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ(s->param(s->find_param("Device.Count")).default_value, "0");
  EXPECT_EQ(s->param(s->find_param("Device.Flag")).default_value, "true");
  EXPECT_EQ(s->object(s->find_object("Device.Item.{i}.")).max_entries, 3u);
  ASSERT_EQ(s->instances().size(), 1u);
  EXPECT_EQ(cpe::model::expand_default(s->param(s->find_param("Device.Item.{i}.Name")),
                                       "Device.Item.12.Name"),
            "item-12");
}

TEST(CpeModelSchema, RefusesWhatIsWrongAndSaysWhere) {
  const std::string p = R"({"name": "P", "type": "string", "access": "readOnly"})";
  const struct {
    std::string text;
    std::string expected;
  } cases[] = {
      {"not json", "not valid JSON"},
      {R"({"format": "other", "objects": []})", "format"},
      {R"({"format": "cwmp-cpe-model/1", "objects": []})", "non-empty"},
      {model(R"({"name": "P", "type": "string", "acces": "readOnly"})"), "unknown key \"acces\""},
      {model(R"({"name": "P", "type": "float", "access": "readOnly"})"), "unknown type"},
      {model(R"({"name": "P.Q", "type": "string", "access": "readOnly"})"),
       "not a valid parameter name"},
      {model(p + "," + p), "defined twice"},
      {model(
           R"({"name": "P", "type": "unsignedInt", "access": "readOnly", "min": 5, "default": "2"})"),
       "default \"2\" is not a valid value"},
      {model(R"({"name": "P", "type": "int", "access": "readOnly", "enumeration": ["a"]})"),
       "enumeration needs type string"},
      {model(
           R"({"name": "P", "type": "string", "access": "readWrite", "enumeration": ["a"], "writableValues": ["b"]})"),
       "writableValues"},
      {model(
           R"({"name": "P", "type": "unsignedInt", "access": "readWrite", "provider": "uptime"})"),
       "must be readOnly"},
      {model(R"({"name": "P", "type": "string", "access": "readOnly", "provider": "uptime"})"),
       "needs type unsignedInt"},
      {model(
           R"({"name": "P", "type": "unsignedInt", "access": "readOnly", "provider": "netdev:../x"})"),
       "unknown provider"},
      {model(R"({"name": "P", "type": "string", "access": "readOnly", "min": 1})"),
       "needs a number type"},
      {model(p, R"({"path": "Device.A.B.", "parameters": []})"), "parent Device.A."},
      {model(p, R"({"path": "Device.A.", "access": "readWrite"})"), "only a multi-instance object"},
      {model(p, R"({"path": "Device.T.{i}.", "numEntriesParameter": "P"})"), "numEntriesParameter"},
      {model(p, R"({"path": "Device..X."})"), "not a valid object path"},
      {R"({"format": "cwmp-cpe-model/1", "objects": [{"path": "Device.X."}]})", "the root"},
      {model(p, R"({"path": "Device.T.{i}."})", R"(, "instances": [{"path": "Device.T."}])"),
       "not an instance path"},
      {model(p, R"({"path": "Device.T.{i}."})",
             R"(, "instances": [{"path": "Device.T.1.", "values": {"Nope": "1"}}])"),
       "bad value for \"Nope\""},
      {model(p, "", R"(, "hooks": [{"pattern": "Device.P"}])"), "\"get\" is required"},
      {model(p, "", R"(, "hooks": [{"pattern": "Device.P", "get": "x", "timeoutMs": 0}])"),
       "timeoutMs"},
  };
  for (const auto& c : cases) {
    const std::string error = error_of(c.text);
    EXPECT_NE(error.find(c.expected), std::string::npos)
        << "model: " << c.text << "\nerror: " << error << "\nexpected: " << c.expected;
  }
}

ParamDef def(cwmp::ValueType type) {
  ParamDef d;
  d.type = type;
  return d;
}

TEST(CpeModelSchema, CheckValueRangesAndTypes) {
  ParamDef u = def(cwmp::ValueType::kUnsignedLong);
  u.ranges = {{0, 10}, {100, std::nullopt}};
  EXPECT_EQ(check_value(u, "5", true), 0u);
  EXPECT_EQ(check_value(u, "50", true), 9007u);
  EXPECT_EQ(check_value(u, "18446744073709551615", true), 0u);  // above INT64_MAX, no max
  u.ranges = {{0, 10}};
  EXPECT_EQ(check_value(u, "18446744073709551615", true), 9007u);
  EXPECT_EQ(check_value(u, "-1", true), 9007u);
  ParamDef i = def(cwmp::ValueType::kInt);
  i.ranges = {{-1, std::nullopt}};
  EXPECT_EQ(check_value(i, "-1", true), 0u);
  EXPECT_EQ(check_value(i, "-2", true), 9007u);
  EXPECT_EQ(check_value(i, "2147483648", true), 9007u);  // beyond xsd:int
  EXPECT_EQ(check_value(def(cwmp::ValueType::kBoolean), "1", true), 0u);
  EXPECT_EQ(check_value(def(cwmp::ValueType::kBoolean), "yes", true), 9007u);
  EXPECT_EQ(check_value(def(cwmp::ValueType::kDateTime), "2024-02-30T00:00:00Z", true), 9007u);
}

TEST(CpeModelSchema, CheckValueLengthsEnumerationsAndLists) {
  ParamDef s = def(cwmp::ValueType::kString);
  s.max_length = 3;
  EXPECT_EQ(check_value(s, "\xC3\xA9\xC3\xA9\xC3\xA9", true), 0u);  // 3 characters, 6 bytes
  EXPECT_EQ(check_value(s, "abcd", true), 9007u);
  s.min_length = 2;
  EXPECT_EQ(check_value(s, "a", true), 9007u);
  ParamDef b = def(cwmp::ValueType::kBase64);
  b.max_length = 3;
  EXPECT_EQ(check_value(b, "AAAA", true), 0u);         // 3 bytes decoded
  EXPECT_EQ(check_value(b, "AAAAAA==", true), 9007u);  // 4 bytes
  ParamDef e = def(cwmp::ValueType::kString);
  e.enumeration = {"None", "Requested", "Complete"};
  e.writable_values = {"Requested"};
  EXPECT_EQ(check_value(e, "Complete", false), 0u);
  EXPECT_EQ(check_value(e, "Complete", true), 9007u);
  EXPECT_EQ(check_value(e, "Requested", true), 0u);
  EXPECT_EQ(check_value(e, "Other", false), 9007u);
  ParamDef l = def(cwmp::ValueType::kString);
  l.list = true;
  l.enumeration = {"HTTP", "STUN", "XMPP"};
  EXPECT_EQ(check_value(l, "HTTP, STUN", true), 0u);
  EXPECT_EQ(check_value(l, "", true), 0u);
  EXPECT_EQ(check_value(l, "HTTP,FTP", true), 9007u);
  EXPECT_EQ(cpe::model::canonical_value(def(cwmp::ValueType::kBoolean), "1"), "true");
  EXPECT_EQ(cpe::model::canonical_value(def(cwmp::ValueType::kInt), " +7 "), "7");
}

}  // namespace
