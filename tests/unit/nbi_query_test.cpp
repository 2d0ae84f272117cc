#include <string>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "acs/query.hpp"

namespace {

namespace q = acs::query;
using q::FieldKind;
using q::Node;
using q::Op;

q::Query parse(std::string_view text) {
  auto result = q::parse_query(text);
  EXPECT_TRUE(result.ok()) << text << " -> " << (result.ok() ? "" : result.error().to_string());
  return result.ok() ? result.value() : q::Query{};
}

q::QueryError parse_error(std::string_view text) {
  auto result = q::parse_query(text);
  EXPECT_FALSE(result.ok()) << text;
  return result.ok() ? q::QueryError{} : result.error();
}

// By value: callers pass a temporary Query.
q::Condition only_condition(const q::Query& query) {
  EXPECT_EQ(query.root.kind, Node::Kind::kCondition);
  return query.root.condition;
}

constexpr std::string_view kVersion = "InternetGatewayDevice.DeviceInfo.SoftwareVersion";

// ---- Parsing ----------------------------------------------------------------------------------

TEST(NbiQueryParseTest, EmptyObjectMatchesEverything) {
  const q::Query query = parse("{}");
  EXPECT_EQ(query.root.kind, Node::Kind::kAnd);
  EXPECT_TRUE(query.root.children.empty());
}

TEST(NbiQueryParseTest, BareValueIsEquality) {
  const auto& c =
      only_condition(parse(R"({"InternetGatewayDevice.DeviceInfo.SoftwareVersion":"1.0"})"));
  EXPECT_EQ(c.field.kind, FieldKind::kParameter);
  EXPECT_EQ(c.field.path, kVersion);
  EXPECT_EQ(c.op, Op::kEq);
  ASSERT_EQ(c.operands.size(), 1u);
  EXPECT_EQ(std::get<std::string>(c.operands[0]), "1.0");
}

TEST(NbiQueryParseTest, ValueSuffixNamesTheSameParameter) {
  EXPECT_EQ(parse(R"({"A.B._value": 5})").root, parse(R"({"A.B": 5})").root);
  EXPECT_EQ(parse(R"({"A.B": {"$eq": 5}})").root, parse(R"({"A.B": 5})").root);
}

TEST(NbiQueryParseTest, EveryComparisonOperator) {
  const std::pair<const char*, Op> cases[] = {
      {"$eq", Op::kEq},   {"$ne", Op::kNe}, {"$gt", Op::kGt},
      {"$gte", Op::kGte}, {"$lt", Op::kLt}, {"$lte", Op::kLte},
  };
  for (const auto& [name, op] : cases) {
    const std::string text = std::string(R"({"A.B": {")") + name + R"(": 7.5}})";
    const auto& c = only_condition(parse(text));
    EXPECT_EQ(c.op, op) << name;
    EXPECT_EQ(q::to_string(c.op), name);
    ASSERT_EQ(c.operands.size(), 1u);
    EXPECT_EQ(std::get<double>(c.operands[0]), 7.5);
  }
}

TEST(NbiQueryParseTest, InAndNinKeepTheirLists) {
  const auto& in = only_condition(parse(R"({"A.B": {"$in": ["x", 2, true]}})"));
  EXPECT_EQ(in.op, Op::kIn);
  ASSERT_EQ(in.operands.size(), 3u);
  EXPECT_EQ(std::get<std::string>(in.operands[0]), "x");
  EXPECT_EQ(std::get<double>(in.operands[1]), 2.0);
  EXPECT_EQ(std::get<bool>(in.operands[2]), true);
  EXPECT_EQ(only_condition(parse(R"({"A.B": {"$nin": []}})")).op, Op::kNin);
}

TEST(NbiQueryParseTest, RegexWithAndWithoutOptions) {
  const auto& plain = only_condition(parse(R"({"A.B": {"$regex": "^v1\\."}})"));
  EXPECT_EQ(plain.op, Op::kRegex);
  EXPECT_EQ(plain.pattern, "^v1\\.");
  EXPECT_FALSE(plain.case_insensitive);
  // $options may come before $regex.
  const auto& icase = only_condition(parse(R"({"A.B": {"$options": "i", "$regex": "abc"}})"));
  EXPECT_TRUE(icase.case_insensitive);
}

TEST(NbiQueryParseTest, ExistsAndNull) {
  EXPECT_TRUE(only_condition(parse(R"({"A.B": {"$exists": true}})")).exists);
  EXPECT_FALSE(only_condition(parse(R"({"A.B": {"$exists": false}})")).exists);
  const auto& null_eq = only_condition(parse(R"({"A.B": null})"));
  EXPECT_EQ(null_eq.op, Op::kExists);
  EXPECT_FALSE(null_eq.exists);
  const auto& null_ne = only_condition(parse(R"({"A.B": {"$ne": null}})"));
  EXPECT_EQ(null_ne.op, Op::kExists);
  EXPECT_TRUE(null_ne.exists);
}

TEST(NbiQueryParseTest, SeveralKeysAndSeveralOperatorsAreAnded) {
  const q::Query query = parse(R"({"A.B": {"$gt": 1, "$lt": 5}, "_tags": "x"})");
  ASSERT_EQ(query.root.kind, Node::Kind::kAnd);
  ASSERT_EQ(query.root.children.size(), 3u);
  EXPECT_EQ(query.root.children[0].condition.op, Op::kGt);
  EXPECT_EQ(query.root.children[1].condition.op, Op::kLt);
  EXPECT_EQ(query.root.children[2].condition.field.kind, FieldKind::kTags);
}

TEST(NbiQueryParseTest, AndOrNest) {
  const q::Query query = parse(R"({"$or": [{"A.B": 1}, {"$and": [{"C.D": 2}, {"E.F": 3}]}]})");
  ASSERT_EQ(query.root.kind, Node::Kind::kOr);
  ASSERT_EQ(query.root.children.size(), 2u);
  EXPECT_EQ(query.root.children[0].kind, Node::Kind::kCondition);
  ASSERT_EQ(query.root.children[1].kind, Node::Kind::kAnd);
  EXPECT_EQ(query.root.children[1].children.size(), 2u);
}

TEST(NbiQueryParseTest, UnderscoreFieldsMapToColumns) {
  const std::tuple<const char*, FieldKind, q::Column> cases[] = {
      {"_id", FieldKind::kTextColumn, q::Column::kId},
      {"_deviceId._OUI", FieldKind::kTextColumn, q::Column::kOui},
      {"_deviceId._ProductClass", FieldKind::kTextColumn, q::Column::kProductClass},
      {"_deviceId._SerialNumber", FieldKind::kTextColumn, q::Column::kSerialNumber},
      {"_deviceId._Manufacturer", FieldKind::kTextColumn, q::Column::kManufacturer},
      {"_lastInform", FieldKind::kTimeColumn, q::Column::kLastInform},
      {"_lastBoot", FieldKind::kTimeColumn, q::Column::kLastBoot},
      {"_lastBootstrap", FieldKind::kTimeColumn, q::Column::kLastBootstrap},
      {"_registered", FieldKind::kTimeColumn, q::Column::kRegistered},
  };
  for (const auto& [name, kind, column] : cases) {
    const bool time = kind == FieldKind::kTimeColumn;
    const std::string text = std::string(R"({")") + name + (time ? R"(": 1000})" : R"(": "x"})");
    const auto& c = only_condition(parse(text));
    EXPECT_EQ(c.field.kind, kind) << name;
    EXPECT_EQ(c.field.column, column) << name;
  }
  EXPECT_EQ(only_condition(parse(R"({"_tags": "t"})")).field.kind, FieldKind::kTags);
}

TEST(NbiQueryParseTest, TimesAcceptDateStringsAndMilliseconds) {
  // GenieACS's documented example.
  const auto& c = only_condition(parse(R"({"_lastInform": {"$lt": "2017-12-11 13:16:23 +0000"}})"));
  EXPECT_EQ(std::get<std::int64_t>(c.operands[0]), 1512998183000);
  const auto& ms = only_condition(parse(R"({"_lastInform": {"$gte": 1512998183000}})"));
  EXPECT_EQ(std::get<std::int64_t>(ms.operands[0]), 1512998183000);
}

TEST(NbiQueryParseTest, ParseTimeFormats) {
  EXPECT_EQ(q::parse_time_ms("1970-01-01"), 0);
  EXPECT_EQ(q::parse_time_ms("1970-01-01T00:00:01Z"), 1000);
  EXPECT_EQ(q::parse_time_ms("1970-01-01T00:00:01.25Z"), 1250);
  EXPECT_EQ(q::parse_time_ms("1970-01-01T00:00:01.123456Z"), 1123);
  EXPECT_EQ(q::parse_time_ms("1970-01-01T01:00:00+01:00"), 0);
  EXPECT_EQ(q::parse_time_ms("1970-01-01T00:00:00-0130"), 5400000);
  EXPECT_EQ(q::parse_time_ms("1970-01-01 00:00"), 0);
  EXPECT_EQ(q::parse_time_ms("2000-02-29T00:00:00Z"), 951782400000);
  EXPECT_EQ(q::parse_time_ms("1969-12-31T23:59:59Z"), -1000);
  EXPECT_FALSE(q::parse_time_ms("2001-02-29"));
  EXPECT_FALSE(q::parse_time_ms("2017-13-01"));
  EXPECT_FALSE(q::parse_time_ms("2017-12-11T24:00:00Z"));
  EXPECT_FALSE(q::parse_time_ms("2017-12-11T10:00:00+2"));
  EXPECT_FALSE(q::parse_time_ms("2017-12-11T10:00:00.Z"));
  EXPECT_FALSE(q::parse_time_ms("yesterday"));
  EXPECT_FALSE(q::parse_time_ms(""));
}

TEST(NbiQueryParseTest, ParseNumber) {
  EXPECT_EQ(q::parse_number("42"), 42.0);
  EXPECT_EQ(q::parse_number("-1.5e3"), -1500.0);
  EXPECT_FALSE(q::parse_number(""));
  EXPECT_FALSE(q::parse_number("+1"));
  EXPECT_FALSE(q::parse_number(" 1"));
  EXPECT_FALSE(q::parse_number("1a"));
  EXPECT_FALSE(q::parse_number("inf"));
  EXPECT_FALSE(q::parse_number("nan"));
  EXPECT_FALSE(q::parse_number("0x10"));
}

// ---- Errors -----------------------------------------------------------------------------------

TEST(NbiQueryErrorTest, ErrorsNameThePlaceAndTheProblem) {
  struct Case {
    const char* query;
    const char* where;
    const char* message_part;
  };
  const Case cases[] = {
      {"[1]", "", "must be a JSON object"},
      {"{", "", "invalid JSON"},
      {R"({"A.B": {"$foo": 1}})", "/A.B/$foo", "unsupported operator"},
      {R"({"A.B": {"$not": {"$eq": 1}}})", "/A.B/$not", "unsupported operator"},
      {R"({"$nor": []})", "/$nor", "unsupported operator"},
      {R"({"_unknown": 1})", "/_unknown", "unknown field"},
      {R"({"A.B._writable": true})", "/A.B._writable", "not supported"},
      {R"({"A..B": 1})", "/A..B", "empty segment"},
      {R"({"A.B ": 1})", "/A.B ", "invalid character"},
      {R"({"a/b~c": 1})", "/a~1b~0c", "invalid character"},
      {R"({"A.B": {"$in": "x"}})", "/A.B/$in", "expects an array"},
      {R"({"A.B": {"$in": [1, null]}})", "/A.B/$in/1", "null"},
      {R"({"A.B": {"$regex": "("}})", "/A.B/$regex", "invalid regular expression"},
      {R"({"A.B": {"$regex": 5}})", "/A.B/$regex", "string pattern"},
      {R"({"A.B": {"$regex": "a", "$options": "m"}})", "/A.B/$options", "unsupported flag 'm'"},
      {R"({"A.B": {"$options": "i"}})", "/A.B/$options", "without $regex"},
      {R"({"$and": {"A.B": 1}})", "/$and", "array"},
      {R"({"$or": []})", "/$or", "non-empty"},
      {R"({"$or": [1]})", "/$or/0", "query object"},
      {R"({"A.B": {"$gt": 1, "x": 2}})", "/A.B/x", "cannot mix"},
      {R"({"A.B": {"x": 2}})", "/A.B", "whole object"},
      {R"({"A.B": [1, 2]})", "/A.B", "string, number or boolean"},
      {R"({"A.B": {"$gt": true}})", "/A.B/$gt", "boolean"},
      {R"({"A.B": {"$exists": 1}})", "/A.B/$exists", "true or false"},
      {R"({"_id": 5})", "/_id", "expects a string"},
      {R"({"_tags": {"$gt": "a"}})", "/_tags/$gt", "no ordering"},
      {R"({"_lastInform": "yesterday"})", "/_lastInform", "not a date"},
      {R"({"_lastInform": 1.5})", "/_lastInform", "whole number"},
      {R"({"_lastInform": {"$regex": "2017"}})", "/_lastInform/$regex", "time"},
      {R"({"$and": [{"$or": [{"A": {"$in": [1, 2, {}]}}]}]})", "/$and/0/$or/0/A/$in/2",
       "string, number or boolean"},
  };
  for (const Case& c : cases) {
    const q::QueryError error = parse_error(c.query);
    EXPECT_EQ(error.where, c.where) << c.query;
    EXPECT_NE(error.message.find(c.message_part), std::string::npos)
        << c.query << " -> " << error.message;
  }
}

TEST(NbiQueryErrorTest, ToStringJoinsPlaceAndMessage) {
  EXPECT_EQ((q::QueryError{"/A/$gt", "bad"}).to_string(), "/A/$gt: bad");
  EXPECT_EQ((q::QueryError{"", "bad"}).to_string(), "query: bad");
}

std::string nested_and(std::size_t depth, std::string inner = R"({"A": 1})") {
  std::string text;
  for (std::size_t i = 0; i < depth; ++i) text += R"({"$and": [)";
  text += inner;
  for (std::size_t i = 0; i < depth; ++i) text += "]}";
  return text;
}

TEST(NbiQueryErrorTest, DepthIsBounded) {
  EXPECT_TRUE(q::parse_query(nested_and(q::kMaxDepth)).ok());
  const auto error = parse_error(nested_and(q::kMaxDepth + 1));
  EXPECT_NE(error.message.find("nested more than 16"), std::string::npos) << error.message;
  // Far deeper input is refused by the JSON parser's own limit, without recursion.
  EXPECT_FALSE(q::parse_query(nested_and(100000)).ok());
}

TEST(NbiQueryErrorTest, NodeCountIsBounded) {
  auto make = [](std::size_t conditions) {
    std::string text = R"({"$or": [)";
    for (std::size_t i = 0; i < conditions; ++i) {
      text += (i ? "," : "") + std::string(R"({"A": )") + std::to_string(i) + "}";
    }
    return text + "]}";
  };
  // Each array entry is one condition; the $or is one more node.
  EXPECT_TRUE(q::parse_query(make(q::kMaxNodes - 1)).ok());
  const auto error = parse_error(make(q::kMaxNodes));
  EXPECT_NE(error.message.find("more than 256"), std::string::npos) << error.message;
}

TEST(NbiQueryErrorTest, InListIsBounded) {
  auto make = [](std::size_t values) {
    std::string text = R"({"A": {"$in": [)";
    for (std::size_t i = 0; i < values; ++i) text += (i ? ",\"" : "\"") + std::to_string(i) + "\"";
    return text + "]}}";
  };
  EXPECT_TRUE(q::parse_query(make(q::kMaxInValues)).ok());
  const auto error = parse_error(make(q::kMaxInValues + 1));
  EXPECT_EQ(error.where, "/A/$in");
}

TEST(NbiQueryErrorTest, RegexAndPathLengthsAreBounded) {
  const std::string long_regex = R"({"A": {"$regex": ")" + std::string(1025, 'a') + "\"}}";
  EXPECT_FALSE(q::parse_query(long_regex).ok());
  const std::string long_path = "{\"" + std::string(257, 'a') + "\": 1}";
  EXPECT_FALSE(q::parse_query(long_path).ok());
  const std::string ok_path = "{\"" + std::string(256, 'a') + "\": 1}";
  EXPECT_TRUE(q::parse_query(ok_path).ok());
}

// ---- SQL --------------------------------------------------------------------------------------

q::SqlWhere sql(std::string_view text, q::SqlDialect dialect = q::SqlDialect::kSqlite) {
  return q::to_sql_where(parse(text), dialect);
}

constexpr std::string_view kParamPrefix =
    "EXISTS (SELECT 1 FROM device_params p WHERE p.device_id = devices.id AND p.path = ? AND "
    "p.value IS NOT NULL";
constexpr std::string_view kNum =
    "CASE WHEN p.type IN ('xsd:int', 'xsd:unsignedInt', 'xsd:long', 'xsd:unsignedLong', "
    "'xsd:double') THEN CAST(p.value AS DOUBLE PRECISION) END";
constexpr std::string_view kNotNumType =
    "p.type NOT IN ('xsd:int', 'xsd:unsignedInt', 'xsd:long', 'xsd:unsignedLong', 'xsd:double')";

TEST(NbiQuerySqlTest, EmptyQuery) {
  const auto where = sql("{}");
  EXPECT_EQ(where.text, "1 = 1");
  EXPECT_TRUE(where.bindings.empty());
}

TEST(NbiQuerySqlTest, TextEqualityOnAParameter) {
  const auto where = sql(R"({"A.B": "v1"})");
  EXPECT_EQ(where.text, std::string(kParamPrefix) + " AND ((" + std::string(kNotNumType) +
                            " AND p.value = ?)))");
  ASSERT_EQ(where.bindings.size(), 2u);
  EXPECT_EQ(std::get<std::string>(where.bindings[0]), "A.B");
  EXPECT_EQ(std::get<std::string>(where.bindings[1]), "v1");
}

TEST(NbiQuerySqlTest, NumericLookingStringAlsoComparesNumerically) {
  const auto where = sql(R"({"A.B": {"$gt": "10"}})");
  EXPECT_EQ(where.text, std::string(kParamPrefix) + " AND ((" + std::string(kNotNumType) +
                            " AND p.value > ?) OR " + std::string(kNum) + " > ?))");
  ASSERT_EQ(where.bindings.size(), 3u);
  EXPECT_EQ(std::get<std::string>(where.bindings[1]), "10");
  EXPECT_EQ(std::get<double>(where.bindings[2]), 10.0);
}

TEST(NbiQuerySqlTest, NumberComparesNumericallyOnly) {
  const auto where = sql(R"({"A.B": {"$lte": 3}})");
  EXPECT_EQ(where.text, std::string(kParamPrefix) + " AND (" + std::string(kNum) + " <= ?))");
  EXPECT_EQ(std::get<double>(where.bindings[1]), 3.0);
}

TEST(NbiQuerySqlTest, BooleanAndNotEqual) {
  const auto where = sql(R"({"A.Enable": {"$ne": true}})");
  EXPECT_EQ(where.text, "NOT " + std::string(kParamPrefix) +
                            " AND ((p.type = 'xsd:boolean' AND p.value IN ('true', '1'))))");
  ASSERT_EQ(where.bindings.size(), 1u);
}

TEST(NbiQuerySqlTest, ExistsAndIn) {
  EXPECT_EQ(sql(R"({"A.B": {"$exists": false}})").text, "NOT " + std::string(kParamPrefix) + ")");
  const auto in = sql(R"({"A.B": {"$in": ["x", 2]}})");
  EXPECT_EQ(in.text, std::string(kParamPrefix) + " AND (((" + std::string(kNotNumType) +
                         " AND p.value = ?)) OR (" + std::string(kNum) + " = ?)))");
  ASSERT_EQ(in.bindings.size(), 3u);
  EXPECT_EQ(sql(R"({"A.B": {"$in": []}})").text, "1 = 0");
  EXPECT_EQ(sql(R"({"A.B": {"$nin": []}})").text, "1 = 1");
}

TEST(NbiQuerySqlTest, ColumnsAndTimes) {
  const auto where =
      sql(R"({"_deviceId._SerialNumber": {"$ne": "S1"}, "_lastInform": {"$lt": 5000}})");
  EXPECT_EQ(where.text,
            "((devices.serial_number IS NULL OR devices.serial_number <> ?) AND "
            "devices.last_inform < ?)");
  ASSERT_EQ(where.bindings.size(), 2u);
  EXPECT_EQ(std::get<std::string>(where.bindings[0]), "S1");
  EXPECT_EQ(std::get<std::int64_t>(where.bindings[1]), 5000);
  EXPECT_EQ(sql(R"({"_id": {"$in": ["a", "b"]}})").text, "devices.id IN (?, ?)");
  EXPECT_EQ(sql(R"({"_id": {"$nin": ["a"]}})").text,
            "(devices.id IS NULL OR devices.id NOT IN (?))");
  EXPECT_EQ(sql(R"({"_lastBoot": null})").text, "devices.last_boot IS NULL");
}

TEST(NbiQuerySqlTest, Tags) {
  EXPECT_EQ(sql(R"({"_tags": "x"})").text,
            "EXISTS (SELECT 1 FROM device_tags t WHERE t.device_id = devices.id AND t.tag = ?)");
  EXPECT_EQ(sql(R"({"_tags": {"$nin": ["x", "y"]}})").text,
            "NOT EXISTS (SELECT 1 FROM device_tags t WHERE t.device_id = devices.id AND t.tag IN "
            "(?, ?))");
  EXPECT_EQ(sql(R"({"_tags": {"$exists": false}})").text,
            "NOT EXISTS (SELECT 1 FROM device_tags t WHERE t.device_id = devices.id)");
}

TEST(NbiQuerySqlTest, RegexPerDialect) {
  const auto lite = sql(R"({"_id": {"$regex": "^00", "$options": "i"}})");
  EXPECT_EQ(lite.text, "devices.id REGEXP ?");
  EXPECT_EQ(std::get<std::string>(lite.bindings[0]), "(?i)^00");
  const auto spec = q::split_regex_flags(std::get<std::string>(lite.bindings[0]));
  EXPECT_EQ(spec.pattern, "^00");
  EXPECT_TRUE(spec.case_insensitive);
  EXPECT_FALSE(q::split_regex_flags("^00").case_insensitive);

  const auto pg = sql(R"({"_id": {"$regex": "^00", "$options": "i"}})", q::SqlDialect::kPostgres);
  EXPECT_EQ(pg.text, "devices.id ~* $1");
  EXPECT_EQ(std::get<std::string>(pg.bindings[0]), "^00");
  EXPECT_EQ(sql(R"({"_id": {"$regex": "^00"}})", q::SqlDialect::kPostgres).text, "devices.id ~ $1");
}

TEST(NbiQuerySqlTest, PostgresNumbersPlaceholdersAndCollatesTextOrder) {
  const auto where =
      sql(R"({"$or": [{"_id": {"$gt": "a"}}, {"A.B": {"$lt": "z"}}, {"_lastInform": {"$gt": 1}}]})",
          q::SqlDialect::kPostgres);
  EXPECT_EQ(where.text,
            "(devices.id COLLATE \"C\" > $1 OR EXISTS (SELECT 1 FROM device_params p WHERE "
            "p.device_id = devices.id AND p.path = $2 AND p.value IS NOT NULL AND ((" +
                std::string(kNotNumType) +
                " AND p.value COLLATE \"C\" < $3))) OR devices.last_inform > $4)");
  EXPECT_EQ(where.bindings.size(), 4u);
}

TEST(NbiQuerySqlTest, PlaceholderCountMatchesBindings) {
  const char* queries[] = {
      R"({"A": {"$in": ["1", "x", 3, false]}, "$or": [{"_tags": "a"}, {"B": {"$regex": "q"}}]})",
      R"({"_registered": {"$gte": "2020-01-01", "$lt": "2021-01-01"}, "C": {"$ne": "5"}})",
  };
  for (const char* text : queries) {
    const auto where = sql(text);
    std::size_t placeholders = 0;
    for (char c : where.text) placeholders += c == '?' ? 1 : 0;
    EXPECT_EQ(placeholders, where.bindings.size()) << where.text;
  }
}

// ---- Evaluation -------------------------------------------------------------------------------

const boost::json::object& sample_device() {
  static const boost::json::object device = boost::json::parse(R"({
    "_id": "202BC1-BM632w-0000000",
    "_deviceId": {"_OUI": "202BC1", "_ProductClass": "BM632w", "_SerialNumber": "0000000",
                  "_Manufacturer": "Acme"},
    "_lastInform": "2017-12-11T13:16:23.000Z",
    "_registered": 1500000000000,
    "_tags": ["lab", "Floor-2"],
    "InternetGatewayDevice": {
      "_object": true,
      "DeviceInfo": {
        "SoftwareVersion": {"_value": "1.10", "_type": "xsd:string"},
        "UpTime": {"_value": 3600, "_type": "xsd:unsignedInt"},
        "Temperature": {"_value": "-5", "_type": "xsd:int"}
      },
      "ManagementServer": {
        "PeriodicInformEnable": {"_value": true, "_type": "xsd:boolean"},
        "Legacy": {"_value": "1", "_type": "xsd:boolean"},
        "Untyped": {"_value": 2.5}
      }
    }
  })")
                                                .as_object();
  return device;
}

bool eval(std::string_view text) {
  return q::matches(parse(text), sample_device());
}

TEST(NbiQueryEvalTest, ParameterEqualityTruthTable) {
  EXPECT_TRUE(eval(R"({"InternetGatewayDevice.DeviceInfo.SoftwareVersion": "1.10"})"));
  EXPECT_FALSE(eval(R"({"InternetGatewayDevice.DeviceInfo.SoftwareVersion": "1.1"})"));
  // "1.10" is a string parameter: a number never matches it.
  EXPECT_FALSE(eval(R"({"InternetGatewayDevice.DeviceInfo.SoftwareVersion": 1.1})"));
  // Numeric parameters match numbers and numeric strings.
  EXPECT_TRUE(eval(R"({"InternetGatewayDevice.DeviceInfo.UpTime": 3600})"));
  EXPECT_TRUE(eval(R"({"InternetGatewayDevice.DeviceInfo.UpTime": "3600"})"));
  EXPECT_TRUE(eval(R"({"InternetGatewayDevice.DeviceInfo.UpTime": "3.6e3"})"));
  EXPECT_FALSE(eval(R"({"InternetGatewayDevice.DeviceInfo.UpTime": "3600s"})"));
  EXPECT_TRUE(eval(R"({"InternetGatewayDevice.DeviceInfo.UpTime._value": 3600})"));
  // Booleans.
  EXPECT_TRUE(eval(R"({"InternetGatewayDevice.ManagementServer.PeriodicInformEnable": true})"));
  EXPECT_FALSE(eval(R"({"InternetGatewayDevice.ManagementServer.PeriodicInformEnable": false})"));
  EXPECT_TRUE(eval(R"({"InternetGatewayDevice.ManagementServer.Legacy": true})"));
  // Untyped JSON numbers get a numeric type.
  EXPECT_TRUE(eval(R"({"InternetGatewayDevice.ManagementServer.Untyped": 2.5})"));
  // Objects have no value.
  EXPECT_FALSE(eval(R"({"InternetGatewayDevice": "x"})"));
}

TEST(NbiQueryEvalTest, OrderingTruthTable) {
  const std::string up = R"("InternetGatewayDevice.DeviceInfo.UpTime")";
  EXPECT_TRUE(eval("{" + up + R"(: {"$gt": 3599}})"));
  EXPECT_FALSE(eval("{" + up + R"(: {"$gt": 3600}})"));
  EXPECT_TRUE(eval("{" + up + R"(: {"$gte": 3600}})"));
  EXPECT_TRUE(eval("{" + up + R"(: {"$lt": "10000"}})"));  // numeric, not text, order
  EXPECT_FALSE(eval("{" + up + R"(: {"$lt": 3600}})"));
  EXPECT_TRUE(eval("{" + up + R"(: {"$lte": 3600}})"));
  EXPECT_TRUE(eval(R"({"InternetGatewayDevice.DeviceInfo.Temperature": {"$lt": 0}})"));
  // Text order on a string parameter: "1.10" < "1.9" bytewise.
  EXPECT_TRUE(eval(R"({"InternetGatewayDevice.DeviceInfo.SoftwareVersion": {"$lt": "1.9"}})"));
  EXPECT_FALSE(eval(R"({"InternetGatewayDevice.DeviceInfo.SoftwareVersion": {"$gt": "1.9"}})"));
  EXPECT_TRUE(eval("{" + up + R"(: {"$gt": 1, "$lt": 5000}})"));
  EXPECT_FALSE(eval("{" + up + R"(: {"$gt": 1, "$lt": 50}})"));
}

TEST(NbiQueryEvalTest, NegationsMatchMissingFields) {
  EXPECT_TRUE(eval(R"({"No.Such": {"$ne": "x"}})"));
  EXPECT_TRUE(eval(R"({"No.Such": {"$nin": ["x"]}})"));
  EXPECT_FALSE(eval(R"({"No.Such": {"$in": ["x"]}})"));
  EXPECT_FALSE(eval(R"({"No.Such": {"$gt": 0}})"));
  EXPECT_TRUE(eval(R"({"No.Such": null})"));
  EXPECT_FALSE(eval(R"({"No.Such": {"$ne": null}})"));
  EXPECT_FALSE(eval(R"({"InternetGatewayDevice.DeviceInfo.UpTime": {"$ne": 3600}})"));
  EXPECT_TRUE(eval(R"({"InternetGatewayDevice.DeviceInfo.UpTime": {"$ne": 1}})"));
}

TEST(NbiQueryEvalTest, InRegexExists) {
  const std::string sw = R"("InternetGatewayDevice.DeviceInfo.SoftwareVersion")";
  EXPECT_TRUE(eval("{" + sw + R"(: {"$in": ["1.0", "1.10"]}})"));
  EXPECT_FALSE(eval("{" + sw + R"(: {"$nin": ["1.0", "1.10"]}})"));
  EXPECT_TRUE(eval("{" + sw + R"(: {"$regex": "^1\\.1"}})"));
  EXPECT_TRUE(eval("{" + sw + R"(: {"$regex": "10$"}})"));
  EXPECT_FALSE(eval("{" + sw + R"(: {"$regex": "^2"}})"));
  EXPECT_FALSE(eval(R"({"_deviceId._Manufacturer": {"$regex": "^acme"}})"));
  EXPECT_TRUE(eval(R"({"_deviceId._Manufacturer": {"$regex": "^acme", "$options": "i"}})"));
  EXPECT_TRUE(eval("{" + sw + R"(: {"$exists": true}})"));
  EXPECT_FALSE(eval("{" + sw + R"(: {"$exists": false}})"));
  EXPECT_FALSE(eval(R"({"InternetGatewayDevice.DeviceInfo": {"$exists": true}})"));
}

TEST(NbiQueryEvalTest, ColumnsTimesAndTags) {
  EXPECT_TRUE(eval(R"({"_id": "202BC1-BM632w-0000000"})"));
  EXPECT_FALSE(eval(R"({"_id": "other"})"));
  EXPECT_TRUE(eval(R"({"_deviceId._SerialNumber": "0000000", "_deviceId._OUI": "202BC1"})"));
  EXPECT_TRUE(eval(R"({"_lastInform": {"$lt": "2017-12-12"}})"));
  EXPECT_FALSE(eval(R"({"_lastInform": {"$lt": "2017-12-11 13:16:23 +0000"}})"));
  EXPECT_TRUE(eval(R"({"_lastInform": {"$lte": "2017-12-11 13:16:23 +0000"}})"));
  EXPECT_TRUE(eval(R"({"_lastInform": 1512998183000})"));
  EXPECT_TRUE(eval(R"({"_registered": {"$gte": 1500000000000}})"));
  EXPECT_TRUE(eval(R"({"_lastBoot": {"$exists": false}})"));
  EXPECT_TRUE(eval(R"({"_lastBoot": {"$ne": 5}})"));
  EXPECT_TRUE(eval(R"({"_tags": "lab"})"));
  EXPECT_FALSE(eval(R"({"_tags": "Lab"})"));
  EXPECT_TRUE(eval(R"({"_tags": {"$ne": "prod"}})"));
  EXPECT_FALSE(eval(R"({"_tags": {"$ne": "lab"}})"));
  EXPECT_TRUE(eval(R"({"_tags": {"$in": ["prod", "Floor-2"]}})"));
  EXPECT_FALSE(eval(R"({"_tags": {"$nin": ["prod", "Floor-2"]}})"));
  EXPECT_TRUE(eval(R"({"_tags": {"$regex": "^floor", "$options": "i"}})"));
  EXPECT_TRUE(eval(R"({"_tags": {"$exists": true}})"));
}

TEST(NbiQueryEvalTest, LogicalOperators) {
  EXPECT_TRUE(eval(R"({"$or": [{"_id": "x"}, {"_tags": "lab"}]})"));
  EXPECT_FALSE(eval(R"({"$or": [{"_id": "x"}, {"_tags": "prod"}]})"));
  EXPECT_TRUE(eval(R"({"$and": [{"_tags": "lab"}, {"_tags": "Floor-2"}]})"));
  EXPECT_FALSE(eval(R"({"$and": [{"_tags": "lab"}, {"_tags": "prod"}]})"));
  EXPECT_FALSE(eval(R"({"_tags": "lab", "_id": "x"})"));
  EXPECT_TRUE(eval("{}"));
  EXPECT_TRUE(eval(nested_and(q::kMaxDepth, R"({"_tags": "lab"})")));
  EXPECT_FALSE(eval(nested_and(q::kMaxDepth, R"({"_tags": "prod"})")));
}

TEST(NbiQueryEvalTest, EmptyDocumentOnlyMatchesNegations) {
  const boost::json::object empty;
  EXPECT_FALSE(q::matches(parse(R"({"_id": "x"})"), empty));
  EXPECT_TRUE(q::matches(parse(R"({"_id": {"$ne": "x"}})"), empty));
  EXPECT_TRUE(q::matches(parse(R"({"_tags": {"$exists": false}})"), empty));
  EXPECT_FALSE(q::matches(parse(R"({"A.B": {"$regex": ""}})"), empty));
}

}  // namespace
