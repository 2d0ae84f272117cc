// Tests of src/cwmp/values.cpp: typed parameter values.
#include "cwmp/values.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <string_view>

namespace cwmp {
namespace {

using namespace std::string_view_literals;
using std::chrono::nanoseconds;
using TimePoint = std::chrono::sys_time<nanoseconds>;

// ---------------------------------------------------------------------------
// Type names

TEST(ValuesTypeNames, XsiTypeNames) {
  EXPECT_EQ(xsi_type_name(ValueType::kUnspecified), "xsd:string");
  EXPECT_EQ(xsi_type_name(ValueType::kString), "xsd:string");
  EXPECT_EQ(xsi_type_name(ValueType::kInt), "xsd:int");
  EXPECT_EQ(xsi_type_name(ValueType::kUnsignedInt), "xsd:unsignedInt");
  EXPECT_EQ(xsi_type_name(ValueType::kLong), "xsd:long");
  EXPECT_EQ(xsi_type_name(ValueType::kUnsignedLong), "xsd:unsignedLong");
  EXPECT_EQ(xsi_type_name(ValueType::kBoolean), "xsd:boolean");
  EXPECT_EQ(xsi_type_name(ValueType::kDateTime), "xsd:dateTime");
  // xsd:base64 is not an XML Schema type.
  EXPECT_EQ(xsi_type_name(ValueType::kBase64), "xsd:base64Binary");
  EXPECT_EQ(xsi_type_name(ValueType::kHexBinary), "xsd:hexBinary");
  EXPECT_EQ(xsi_type_name(ValueType::kDecimal), "xsd:decimal");
}

TEST(ValuesTypeNames, ShortNamesRoundTrip) {
  const ValueType all[] = {ValueType::kUnspecified, ValueType::kString,   ValueType::kInt,
                           ValueType::kUnsignedInt, ValueType::kLong,     ValueType::kUnsignedLong,
                           ValueType::kBoolean,     ValueType::kDateTime, ValueType::kBase64,
                           ValueType::kHexBinary,   ValueType::kDecimal};
  for (const ValueType t : all) {
    const auto parsed = parse_value_type_name(to_string(t));
    ASSERT_TRUE(parsed.has_value()) << to_string(t);
    EXPECT_EQ(*parsed, t);
  }
  EXPECT_EQ(to_string(ValueType::kUnspecified), "unspecified");
  EXPECT_EQ(to_string(ValueType::kUnsignedInt), "unsignedInt");
  EXPECT_EQ(to_string(ValueType::kBase64), "base64");
  EXPECT_EQ(to_string(ValueType::kDateTime), "dateTime");
}

TEST(ValuesTypeNames, ParseShortNameRejectsUnknown) {
  EXPECT_FALSE(parse_value_type_name("").has_value());
  EXPECT_FALSE(parse_value_type_name("xsd:int").has_value());
  EXPECT_FALSE(parse_value_type_name("integer32").has_value());
  EXPECT_EQ(parse_value_type_name("base64Binary"), ValueType::kBase64);
}

TEST(ValuesTypeNames, XsiAnyPrefix) {
  EXPECT_EQ(value_type_from_xsi("xsd:int"), ValueType::kInt);
  EXPECT_EQ(value_type_from_xsi("xs:int"), ValueType::kInt);
  EXPECT_EQ(value_type_from_xsi("int"), ValueType::kInt);
  EXPECT_EQ(value_type_from_xsi("foo:unsignedInt"), ValueType::kUnsignedInt);
  EXPECT_EQ(value_type_from_xsi(" xsd:string "), ValueType::kString);
  EXPECT_EQ(value_type_from_xsi("xsd:long"), ValueType::kLong);
  EXPECT_EQ(value_type_from_xsi("xsd:unsignedLong"), ValueType::kUnsignedLong);
  EXPECT_EQ(value_type_from_xsi("xsd:boolean"), ValueType::kBoolean);
  EXPECT_EQ(value_type_from_xsi("xsd:dateTime"), ValueType::kDateTime);
  EXPECT_EQ(value_type_from_xsi("xsd:hexBinary"), ValueType::kHexBinary);
  EXPECT_EQ(value_type_from_xsi("xsd:decimal"), ValueType::kDecimal);
}

TEST(ValuesTypeNames, XsiBase64Spellings) {
  EXPECT_EQ(value_type_from_xsi("xsd:base64Binary"), ValueType::kBase64);
  EXPECT_EQ(value_type_from_xsi("base64Binary"), ValueType::kBase64);
  EXPECT_EQ(value_type_from_xsi("soap-enc:base64"), ValueType::kBase64);
  EXPECT_EQ(value_type_from_xsi("SOAP-ENC:base64"), ValueType::kBase64);
  EXPECT_EQ(value_type_from_xsi("xsd:base64"), ValueType::kBase64);
  EXPECT_EQ(value_type_from_xsi("base64"), ValueType::kBase64);
}

TEST(ValuesTypeNames, XsiRelatedTypes) {
  EXPECT_EQ(value_type_from_xsi("xsd:short"), ValueType::kInt);
  EXPECT_EQ(value_type_from_xsi("xsd:byte"), ValueType::kInt);
  EXPECT_EQ(value_type_from_xsi("xsd:unsignedShort"), ValueType::kUnsignedInt);
  EXPECT_EQ(value_type_from_xsi("xsd:unsignedByte"), ValueType::kUnsignedInt);
  EXPECT_EQ(value_type_from_xsi("xsd:integer"), ValueType::kLong);
  EXPECT_EQ(value_type_from_xsi("xsd:double"), ValueType::kDecimal);
  EXPECT_EQ(value_type_from_xsi("xsd:float"), ValueType::kDecimal);
  // Wrong case is tolerated (seen from some CPEs).
  EXPECT_EQ(value_type_from_xsi("xsd:unsignedint"), ValueType::kUnsignedInt);
}

TEST(ValuesTypeNames, XsiUnknown) {
  EXPECT_FALSE(value_type_from_xsi("").has_value());
  EXPECT_FALSE(value_type_from_xsi("xsd:").has_value());
  EXPECT_FALSE(value_type_from_xsi("xsd:QName").has_value());
  EXPECT_FALSE(value_type_from_xsi("cwmp:ParameterValueStruct").has_value());
  EXPECT_FALSE(value_type_from_xsi("unspecified").has_value());
}

// ---------------------------------------------------------------------------
// Integers

TEST(ValuesInt, Boundaries) {
  EXPECT_EQ(parse_int("-2147483648"), std::numeric_limits<std::int32_t>::min());
  EXPECT_EQ(parse_int("2147483647"), std::numeric_limits<std::int32_t>::max());
  EXPECT_FALSE(parse_int("2147483648").has_value());
  EXPECT_FALSE(parse_int("-2147483649").has_value());
  EXPECT_FALSE(parse_int("99999999999999999999999").has_value());
}

TEST(ValuesInt, LexicalForms) {
  EXPECT_EQ(parse_int("0"), 0);
  EXPECT_EQ(parse_int("-0"), 0);
  EXPECT_EQ(parse_int("+5"), 5);
  EXPECT_EQ(parse_int("-5"), -5);
  EXPECT_EQ(parse_int(" 7 "), 7);
  EXPECT_EQ(parse_int("\t\r\n42\n"), 42);
  EXPECT_EQ(parse_int("007"), 7);
  EXPECT_EQ(parse_int("-0002147483648"), std::numeric_limits<std::int32_t>::min());
}

TEST(ValuesInt, RejectsOutsideLexicalSpace) {
  for (const std::string_view bad :
       {""sv, " "sv, "+"sv, "-"sv, "1e3"sv, "0x10"sv, "1.0"sv, "1."sv, "++1"sv, "+-1"sv, "--1"sv,
        "1 2"sv, "12a"sv, "a12"sv, "\v1"sv, "１"sv, "1,000"sv, " - 1"sv}) {
    EXPECT_FALSE(parse_int(bad).has_value()) << "'" << bad << "'";
    EXPECT_FALSE(parse_long(bad).has_value()) << "'" << bad << "'";
    EXPECT_FALSE(parse_unsigned_int(bad).has_value()) << "'" << bad << "'";
    EXPECT_FALSE(parse_unsigned_long(bad).has_value()) << "'" << bad << "'";
  }
}

TEST(ValuesInt, SignIsNotReadOutsideTheView) {
  // The signed parser hands from_chars the '-' that precedes the digits; make
  // sure a '-' just before the view is never taken as part of it.
  const std::string buffer = "-5";
  EXPECT_EQ(parse_int(std::string_view(buffer).substr(1)), 5);
  EXPECT_EQ(parse_long(std::string_view(buffer).substr(1)), 5);
}

TEST(ValuesUnsignedInt, Boundaries) {
  EXPECT_EQ(parse_unsigned_int("0"), 0u);
  EXPECT_EQ(parse_unsigned_int("4294967295"), std::numeric_limits<std::uint32_t>::max());
  EXPECT_FALSE(parse_unsigned_int("4294967296").has_value());
  EXPECT_EQ(parse_unsigned_int("+4294967295"), 4294967295u);
  EXPECT_EQ(parse_unsigned_int(" 7 "), 7u);
}

TEST(ValuesUnsignedInt, NegativeOnlyForZero) {
  EXPECT_FALSE(parse_unsigned_int("-1").has_value());
  EXPECT_FALSE(parse_unsigned_long("-1").has_value());
  // XSD §3.3.20: a lexical zero may carry a '-' sign.
  EXPECT_EQ(parse_unsigned_int("-0"), 0u);
  EXPECT_EQ(parse_unsigned_long("-000"), 0u);
}

TEST(ValuesLong, Boundaries) {
  EXPECT_EQ(parse_long("-9223372036854775808"), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(parse_long("9223372036854775807"), std::numeric_limits<std::int64_t>::max());
  EXPECT_FALSE(parse_long("9223372036854775808").has_value());
  EXPECT_FALSE(parse_long("-9223372036854775809").has_value());
  EXPECT_EQ(parse_long("+5"), 5);
  EXPECT_EQ(parse_long("4294967296"), 4294967296LL);
}

TEST(ValuesUnsignedLong, Boundaries) {
  EXPECT_EQ(parse_unsigned_long("18446744073709551615"), std::numeric_limits<std::uint64_t>::max());
  EXPECT_FALSE(parse_unsigned_long("18446744073709551616").has_value());
  EXPECT_EQ(parse_unsigned_long("4294967296"), 4294967296ULL);
  EXPECT_EQ(parse_unsigned_long(" +00018446744073709551615\n"),
            std::numeric_limits<std::uint64_t>::max());
}

TEST(ValuesBoolean, LexicalForms) {
  EXPECT_EQ(parse_boolean("true"), true);
  EXPECT_EQ(parse_boolean("false"), false);
  EXPECT_EQ(parse_boolean("1"), true);
  EXPECT_EQ(parse_boolean("0"), false);
  EXPECT_EQ(parse_boolean(" true\n"), true);
  EXPECT_EQ(parse_boolean("\t0 "), false);
  for (const std::string_view bad : {""sv, "TRUE"sv, "True"sv, "yes"sv, "no"sv, "2"sv, "01"sv,
                                     "-1"sv, "+1"sv, "t"sv, "truee"sv}) {
    EXPECT_FALSE(parse_boolean(bad).has_value()) << bad;
  }
}

// ---------------------------------------------------------------------------
// DateTime parsing

TEST(ValuesDateTime, ParsesUtc) {
  const auto v = parse_date_time("2023-06-15T12:34:56Z");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->year, 2023);
  EXPECT_EQ(v->month, 6);
  EXPECT_EQ(v->day, 15);
  EXPECT_EQ(v->hour, 12);
  EXPECT_EQ(v->minute, 34);
  EXPECT_EQ(v->second, 56);
  EXPECT_EQ(v->nanosecond, 0u);
  EXPECT_EQ(v->fraction_digits, 0);
  EXPECT_EQ(v->zone, DateTime::Zone::kUtc);
}

TEST(ValuesDateTime, ParsesFractions) {
  auto v = parse_date_time("2008-04-09T15:01:05.123456Z");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->nanosecond, 123456000u);
  EXPECT_EQ(v->fraction_digits, 6);

  v = parse_date_time("2008-04-09T15:01:05.5Z");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->nanosecond, 500000000u);
  EXPECT_EQ(v->fraction_digits, 1);

  v = parse_date_time("2008-04-09T15:01:05.000Z");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->nanosecond, 0u);
  EXPECT_EQ(v->fraction_digits, 3);

  v = parse_date_time("2008-04-09T15:01:05.123456789Z");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->nanosecond, 123456789u);
  EXPECT_EQ(v->fraction_digits, 9);
}

TEST(ValuesDateTime, ExtraFractionDigitsAreTruncated) {
  const auto v = parse_date_time("2008-04-09T15:01:05.1234567899999Z");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->nanosecond, 123456789u);
  EXPECT_EQ(v->fraction_digits, 9);
  EXPECT_EQ(format_date_time(*v), "2008-04-09T15:01:05.123456789Z");
}

TEST(ValuesDateTime, ParsesZones) {
  auto v = parse_date_time("2023-06-15T12:34:56");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->zone, DateTime::Zone::kNone);

  v = parse_date_time("2023-06-15T12:34:56+02:00");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->zone, DateTime::Zone::kOffset);
  EXPECT_EQ(v->offset_minutes, 120);

  v = parse_date_time("2023-06-15T12:34:56-05:30");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->zone, DateTime::Zone::kOffset);
  EXPECT_EQ(v->offset_minutes, -330);

  v = parse_date_time("2023-06-15T12:34:56+14:00");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->offset_minutes, 840);

  v = parse_date_time("2023-06-15T12:34:56-14:00");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->offset_minutes, -840);

  v = parse_date_time("2023-06-15T12:34:56.25-00:00");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->zone, DateTime::Zone::kOffset);
  EXPECT_EQ(v->offset_minutes, 0);
}

TEST(ValuesDateTime, SurroundingWhitespace) {
  const auto v = parse_date_time("\n  2023-06-15T12:34:56Z \t");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(format_date_time(*v), "2023-06-15T12:34:56Z");
}

TEST(ValuesDateTime, LeapYears) {
  EXPECT_TRUE(parse_date_time("2024-02-29T00:00:00Z").has_value());
  EXPECT_TRUE(parse_date_time("2000-02-29T00:00:00Z").has_value());
  EXPECT_TRUE(parse_date_time("2400-02-29T00:00:00Z").has_value());
  EXPECT_FALSE(parse_date_time("2023-02-29T00:00:00Z").has_value());
  EXPECT_FALSE(parse_date_time("1900-02-29T00:00:00Z").has_value());
  EXPECT_FALSE(parse_date_time("2100-02-29T00:00:00Z").has_value());
  EXPECT_FALSE(parse_date_time("2024-02-30T00:00:00Z").has_value());
}

TEST(ValuesDateTime, DayOfMonthLimits) {
  EXPECT_TRUE(parse_date_time("2023-01-31T00:00:00Z").has_value());
  EXPECT_TRUE(parse_date_time("2023-12-31T00:00:00Z").has_value());
  EXPECT_TRUE(parse_date_time("2023-04-30T00:00:00Z").has_value());
  EXPECT_FALSE(parse_date_time("2023-04-31T00:00:00Z").has_value());
  EXPECT_FALSE(parse_date_time("2023-06-31T00:00:00Z").has_value());
  EXPECT_FALSE(parse_date_time("2023-09-31T00:00:00Z").has_value());
  EXPECT_FALSE(parse_date_time("2023-11-31T00:00:00Z").has_value());
  EXPECT_FALSE(parse_date_time("2023-01-32T00:00:00Z").has_value());
  EXPECT_FALSE(parse_date_time("2023-01-00T00:00:00Z").has_value());
  EXPECT_FALSE(parse_date_time("2023-00-01T00:00:00Z").has_value());
  EXPECT_FALSE(parse_date_time("2023-13-01T00:00:00Z").has_value());
}

TEST(ValuesDateTime, TimeOfDayLimits) {
  EXPECT_TRUE(parse_date_time("2023-01-01T23:59:59Z").has_value());
  EXPECT_FALSE(parse_date_time("2023-01-01T25:00:00Z").has_value());
  EXPECT_FALSE(parse_date_time("2023-01-01T23:60:00Z").has_value());
  EXPECT_FALSE(parse_date_time("2023-01-01T23:59:60Z").has_value());  // no leap seconds
  EXPECT_FALSE(parse_date_time("2023-01-01T24:00:01Z").has_value());
  EXPECT_FALSE(parse_date_time("2023-01-01T24:01:00Z").has_value());
  EXPECT_FALSE(parse_date_time("2023-01-01T24:00:00.1Z").has_value());
}

TEST(ValuesDateTime, EndOfDayHour24) {
  const auto v = parse_date_time("2023-12-31T24:00:00Z");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->hour, 24);
  EXPECT_EQ(format_date_time(*v), "2023-12-31T24:00:00Z");
  const auto next = parse_date_time("2024-01-01T00:00:00Z");
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(v->to_sys_time(), next->to_sys_time());
  EXPECT_TRUE(parse_date_time("2023-12-31T24:00:00.000Z").has_value());
}

TEST(ValuesDateTime, Years) {
  auto v = parse_date_time("12345-01-01T00:00:00Z");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->year, 12345);
  EXPECT_EQ(format_date_time(*v), "12345-01-01T00:00:00Z");
  v = parse_date_time("999999999-12-31T23:59:59Z");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->year, 999999999);

  EXPECT_FALSE(parse_date_time("0000-01-01T00:00:00Z").has_value());
  EXPECT_FALSE(parse_date_time("-2023-01-01T00:00:00Z").has_value());
  EXPECT_FALSE(parse_date_time("-0001-01-01T00:00:00Z").has_value());
  EXPECT_FALSE(parse_date_time("023-01-01T00:00:00Z").has_value());
  EXPECT_FALSE(parse_date_time("02023-01-01T00:00:00Z").has_value());  // leading zero, > 4 digits
  EXPECT_FALSE(parse_date_time("1000000000-01-01T00:00:00Z").has_value());  // 10 digits
  EXPECT_FALSE(parse_date_time("+2023-01-01T00:00:00Z").has_value());
}

TEST(ValuesDateTime, RejectsMalformed) {
  for (const std::string_view bad : {
           ""sv,
           "2023-06-15"sv,
           "2023-06-15T12:34"sv,
           "2023-06-15 12:34:56Z"sv,
           "2023-06-15t12:34:56Z"sv,
           "2023-6-15T12:34:56Z"sv,
           "2023-06-5T12:34:56Z"sv,
           "2023-06-15T1:34:56Z"sv,
           "2023-06-15T12:34:5Z"sv,
           "2023/06/15T12:34:56Z"sv,
           "2023-06-15T12:34:56z"sv,
           "2023-06-15T12:34:56.Z"sv,
           "2023-06-15T12:34:56."sv,
           "2023-06-15T12:34:56,5Z"sv,
           "2023-06-15T12:34:56ZZ"sv,
           "2023-06-15T12:34:56Z "sv
           "x",
           "2023-06-15T12:34:56+2:00"sv,
           "2023-06-15T12:34:56+0200"sv,
           "2023-06-15T12:34:56+02"sv,
           "2023-06-15T12:34:56+14:01"sv,
           "2023-06-15T12:34:56-15:00"sv,
           "2023-06-15T12:34:56+02:60"sv,
           "2023-06-15T12:34:56 Z"sv,
           "2023-06-15T12:34:56Z+02:00"sv,
           "20230615T123456Z"sv,
           "2023-06-15T12:34:56.12a"sv,
       }) {
    EXPECT_FALSE(parse_date_time(bad).has_value()) << "'" << bad << "'";
  }
}

// ---------------------------------------------------------------------------
// DateTime formatting

TEST(ValuesDateTime, CanonicalRoundTrip) {
  for (const std::string_view text : {
           "2023-06-15T12:34:56Z"sv,
           "2023-06-15T12:34:56"sv,
           "2023-06-15T12:34:56.1Z"sv,
           "2023-06-15T12:34:56.120Z"sv,
           "2008-04-09T15:01:05.123456Z"sv,
           "2008-04-09T15:01:05.000000001Z"sv,
           "2023-06-15T12:34:56+02:00"sv,
           "2023-06-15T12:34:56-05:30"sv,
           "2023-06-15T12:34:56.5-14:00"sv,
           "2023-06-15T12:34:56+00:00"sv,
           "0001-01-01T00:00:00Z"sv,
           "9999-12-31T23:59:59Z"sv,
           "1969-12-31T23:59:59.999Z"sv,
       }) {
    const auto v = parse_date_time(text);
    ASSERT_TRUE(v.has_value()) << text;
    EXPECT_EQ(format_date_time(*v), text);
  }
}

TEST(ValuesDateTime, MinusZeroOffsetFormatsAsPlus) {
  const auto v = parse_date_time("2023-06-15T12:34:56-00:00");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(format_date_time(*v), "2023-06-15T12:34:56+00:00");
}

TEST(ValuesDateTime, AppendDoesNotTouchExistingText) {
  std::string out = "<Time>";
  const auto v = parse_date_time("2023-06-15T12:34:56.789Z");
  ASSERT_TRUE(v.has_value());
  append_date_time(out, *v);
  out += "</Time>";
  EXPECT_EQ(out, "<Time>2023-06-15T12:34:56.789Z</Time>");
}

TEST(ValuesDateTime, FormatsHandBuiltValues) {
  DateTime v;
  v.year = 2023;
  v.month = 1;
  v.day = 2;
  v.hour = 3;
  v.minute = 4;
  v.second = 5;
  EXPECT_EQ(format_date_time(v), "2023-01-02T03:04:05Z");  // default zone is UTC
  v.year = 42;
  EXPECT_EQ(format_date_time(v), "0042-01-02T03:04:05Z");
  v.nanosecond = 7;
  v.fraction_digits = 9;
  EXPECT_EQ(format_date_time(v), "0042-01-02T03:04:05.000000007Z");
  v.nanosecond = 123456789;
  v.fraction_digits = 2;  // as many digits as asked for
  EXPECT_EQ(format_date_time(v), "0042-01-02T03:04:05.12Z");
  v.fraction_digits = 0;  // no silent loss of precision
  EXPECT_EQ(format_date_time(v), "0042-01-02T03:04:05.123456789Z");
  v.nanosecond = 250000000;
  EXPECT_EQ(format_date_time(v), "0042-01-02T03:04:05.250Z");
  v.zone = DateTime::Zone::kOffset;
  v.offset_minutes = -90;
  v.nanosecond = 0;
  EXPECT_EQ(format_date_time(v), "0042-01-02T03:04:05-01:30");
  v.zone = DateTime::Zone::kNone;
  EXPECT_EQ(format_date_time(v), "0042-01-02T03:04:05");
}

// ---------------------------------------------------------------------------
// Sentinels

TEST(ValuesDateTime, UnknownTime) {
  const DateTime u = DateTime::unknown();
  EXPECT_TRUE(u.is_unknown());
  EXPECT_FALSE(u.is_infinite());
  EXPECT_EQ(format_date_time(u), "0001-01-01T00:00:00Z");
  const auto parsed = parse_date_time("0001-01-01T00:00:00Z");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, u);
  // Other spellings of the same instant are still the unknown time.
  for (const std::string_view text :
       {"0001-01-01T00:00:00"sv, "0001-01-01T00:00:00.000Z"sv, "0001-01-01T00:00:00+00:00"sv}) {
    const auto v = parse_date_time(text);
    ASSERT_TRUE(v.has_value()) << text;
    EXPECT_TRUE(v->is_unknown()) << text;
  }
  for (const std::string_view text :
       {"0001-01-01T00:00:01Z"sv, "0001-01-01T00:00:00.001Z"sv, "0001-01-01T00:00:00+01:00"sv,
        "0001-01-02T00:00:00Z"sv, "2023-01-01T00:00:00Z"sv}) {
    const auto v = parse_date_time(text);
    ASSERT_TRUE(v.has_value()) << text;
    EXPECT_FALSE(v->is_unknown()) << text;
  }
}

TEST(ValuesDateTime, InfiniteTime) {
  const DateTime inf = DateTime::infinite();
  EXPECT_TRUE(inf.is_infinite());
  EXPECT_FALSE(inf.is_unknown());
  EXPECT_EQ(format_date_time(inf), "9999-12-31T23:59:59Z");
  const auto parsed = parse_date_time("9999-12-31T23:59:59Z");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, inf);
  const auto no_zone = parse_date_time("9999-12-31T23:59:59");
  ASSERT_TRUE(no_zone.has_value());
  EXPECT_TRUE(no_zone->is_infinite());
  const auto later = parse_date_time("9999-12-31T23:59:59.5Z");
  ASSERT_TRUE(later.has_value());
  EXPECT_FALSE(later->is_infinite());
  const auto shifted = parse_date_time("9999-12-31T23:59:59-01:00");
  ASSERT_TRUE(shifted.has_value());
  EXPECT_FALSE(shifted->is_infinite());
}

// ---------------------------------------------------------------------------
// sys_time conversions

TEST(ValuesDateTime, ToSysTimeEpoch) {
  const auto v = parse_date_time("1970-01-01T00:00:00Z");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->to_sys_time().time_since_epoch().count(), 0);
}

TEST(ValuesDateTime, ToSysTimeKnownInstants) {
  using std::chrono::seconds;
  const auto check = [](std::string_view text, std::int64_t unix_seconds, std::int64_t ns) {
    const auto v = parse_date_time(text);
    ASSERT_TRUE(v.has_value()) << text;
    EXPECT_EQ(v->to_sys_time(), TimePoint{seconds{unix_seconds}} + nanoseconds{ns}) << text;
  };
  check("2000-01-01T00:00:00Z", 946684800, 0);
  check("2000-03-01T00:00:00Z", 951868800, 0);  // after a leap day
  check("2023-06-15T12:34:56Z", 1686832496, 0);
  check("2038-01-19T03:14:08Z", 2147483648LL, 0);
  check("2008-04-09T15:01:05.123456Z", 1207753265, 123456000);
  check("1969-12-31T23:59:59.5Z", -1, 500000000);
  check("1900-01-01T00:00:00Z", -2208988800LL, 0);
  // Zone-less is taken as UTC; an offset is subtracted to get UTC.
  check("2023-06-15T12:34:56", 1686832496, 0);
  check("2023-06-15T14:34:56+02:00", 1686832496, 0);
  check("2023-06-15T07:04:56-05:30", 1686832496, 0);
  check("2023-06-16T02:34:56+14:00", 1686832496, 0);
}

TEST(ValuesDateTime, FromSysTime) {
  using std::chrono::seconds;
  DateTime v = DateTime::from_sys_time(TimePoint{seconds{1686832496}});
  EXPECT_EQ(format_date_time(v), "2023-06-15T12:34:56Z");
  EXPECT_EQ(v.zone, DateTime::Zone::kUtc);
  EXPECT_EQ(v.fraction_digits, 0);

  v = DateTime::from_sys_time(TimePoint{seconds{1686832496}} + nanoseconds{120000000});
  EXPECT_EQ(format_date_time(v), "2023-06-15T12:34:56.120Z");
  v = DateTime::from_sys_time(TimePoint{seconds{1686832496}} + nanoseconds{123456000});
  EXPECT_EQ(format_date_time(v), "2023-06-15T12:34:56.123456Z");
  v = DateTime::from_sys_time(TimePoint{seconds{1686832496}} + nanoseconds{1});
  EXPECT_EQ(format_date_time(v), "2023-06-15T12:34:56.000000001Z");

  // Before the epoch the remainder is still positive.
  v = DateTime::from_sys_time(TimePoint{nanoseconds{-1}});
  EXPECT_EQ(format_date_time(v), "1969-12-31T23:59:59.999999999Z");
  v = DateTime::from_sys_time(TimePoint{seconds{-2208988800LL}});
  EXPECT_EQ(format_date_time(v), "1900-01-01T00:00:00Z");
  v = DateTime::from_sys_time(TimePoint{seconds{951782400}});
  EXPECT_EQ(format_date_time(v), "2000-02-29T00:00:00Z");
}

TEST(ValuesDateTime, SysTimeRoundTripSweep) {
  // Every ~13 days and an odd number of seconds across the representable range.
  constexpr std::int64_t kStep = 1'123'456'789'123'457;  // ns
  const std::int64_t first = TimePoint::min().time_since_epoch().count() + 1;
  for (std::int64_t ns = first; ns < TimePoint::max().time_since_epoch().count() - kStep;
       ns += kStep) {
    const TimePoint t{nanoseconds{ns}};
    const DateTime v = DateTime::from_sys_time(t);
    ASSERT_EQ(v.to_sys_time(), t) << format_date_time(v);
    const auto reparsed = parse_date_time(format_date_time(v));
    ASSERT_TRUE(reparsed.has_value()) << format_date_time(v);
    ASSERT_EQ(*reparsed, v) << format_date_time(v);
  }
}

TEST(ValuesDateTime, CivilRoundTripEveryDay) {
  // Every day from 1678 to 2261 maps to sys_time and back unchanged.
  const auto start = parse_date_time("1678-01-01T06:07:08Z");
  ASSERT_TRUE(start.has_value());
  TimePoint t = start->to_sys_time();
  DateTime previous = *start;
  for (int i = 0; i < 213000; ++i) {
    t += std::chrono::hours{24};
    const DateTime v = DateTime::from_sys_time(t);
    ASSERT_EQ(v.to_sys_time(), t);
    // Consecutive days: the date advances by exactly one.
    const bool next_day = v.day == previous.day + 1 && v.month == previous.month;
    const bool next_month =
        v.day == 1 && (v.month == previous.month + 1 ||
                       (v.month == 1 && previous.month == 12 && v.year == previous.year + 1));
    ASSERT_TRUE(next_day || next_month) << format_date_time(v);
    ASSERT_EQ(v.hour, 6);
    previous = v;
  }
  EXPECT_GE(previous.year, 2260);
}

TEST(ValuesDateTime, SentinelsMapToTimePointEnds) {
  EXPECT_EQ(DateTime::unknown().to_sys_time(), TimePoint::min());
  EXPECT_EQ(DateTime::infinite().to_sys_time(), TimePoint::max());
  EXPECT_TRUE(DateTime::from_sys_time(TimePoint::min()).is_unknown());
  EXPECT_TRUE(DateTime::from_sys_time(TimePoint::max()).is_infinite());
  EXPECT_EQ(DateTime::from_sys_time(TimePoint::min()), DateTime::unknown());
  EXPECT_EQ(DateTime::from_sys_time(TimePoint::max()), DateTime::infinite());
}

TEST(ValuesDateTime, OutOfRangeSaturates) {
  // 64-bit nanoseconds reach only 1677..2262.
  auto v = parse_date_time("1500-01-01T00:00:00Z");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->to_sys_time(), TimePoint::min());
  v = parse_date_time("3000-01-01T00:00:00Z");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->to_sys_time(), TimePoint::max());
  v = parse_date_time("999999999-12-31T23:59:59Z");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->to_sys_time(), TimePoint::max());
  // Just inside the range.
  v = parse_date_time("2262-04-11T23:47:16.854775806Z");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->to_sys_time(), TimePoint::max() - nanoseconds{1});
  v = parse_date_time("2262-04-11T23:47:16.854775808Z");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->to_sys_time(), TimePoint::max());
  v = parse_date_time("1677-09-21T00:12:43.145224193Z");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->to_sys_time(), TimePoint::min() + nanoseconds{1});
}

// ---------------------------------------------------------------------------
// Base64 (RFC 4648 §10 test vectors)

TEST(ValuesBase64, Rfc4648Vectors) {
  const std::pair<std::string_view, std::string_view> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain), encoded);
    const auto decoded = base64_decode(encoded);
    ASSERT_TRUE(decoded.has_value()) << encoded;
    EXPECT_EQ(*decoded, plain);
  }
}

TEST(ValuesBase64, AllByteValuesRoundTrip) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  for (std::size_t len = 0; len <= bytes.size(); ++len) {
    const std::string_view part(bytes.data(), len);
    const std::string encoded = base64_encode(part);
    EXPECT_EQ(encoded.size(), (len + 2) / 3 * 4);
    const auto decoded = base64_decode(encoded);
    ASSERT_TRUE(decoded.has_value()) << len;
    ASSERT_EQ(*decoded, part);
  }
  EXPECT_EQ(base64_encode("\xFB\xFF\xBF"), "+/+/");
}

TEST(ValuesBase64, WhitespaceIgnored) {
  EXPECT_EQ(base64_decode("Zm9v\r\nYmFy"), "foobar");
  EXPECT_EQ(base64_decode(" Z m 9 v Y g = = \n"), "foob");
  EXPECT_EQ(base64_decode("\t"), "");
}

TEST(ValuesBase64, RejectsInvalid) {
  for (const std::string_view bad : {
           "Zg"sv,          // missing padding
           "Zg="sv,         // short padding
           "Z"sv,           // truncated
           "Zm9"sv,         // missing padding
           "Zg==="sv,       // too much padding
           "Z==="sv,        // '=' too early
           "===="sv,        // only padding
           "Zg==Zg=="sv,    // data after padding
           "Zm=v"sv,        // '=' inside a quantum
           "Zh=="sv,        // non-zero stray bits after one byte
           "Zm9="sv,        // non-zero stray bits after two bytes
           "Zm9v!"sv,       // not in the alphabet
           "Zm9v-_"sv,      // base64url alphabet
           "Zm9v\vYmFy"sv,  // vertical tab is not XML whitespace
       }) {
    EXPECT_FALSE(base64_decode(bad).has_value()) << "'" << bad << "'";
    EXPECT_FALSE(is_valid_value(ValueType::kBase64, bad)) << "'" << bad << "'";
  }
  EXPECT_FALSE(base64_decode(std::string_view("Zm9v\0YmFy", 9)).has_value());
}

// ---------------------------------------------------------------------------
// Hex

TEST(ValuesHex, Encode) {
  EXPECT_EQ(hex_encode(""), "");
  EXPECT_EQ(hex_encode("\x00\x01\xAB\xff"sv), "0001ABFF");
  EXPECT_EQ(hex_encode("foo"), "666F6F");
}

TEST(ValuesHex, Decode) {
  EXPECT_EQ(hex_decode(""), "");
  EXPECT_EQ(hex_decode("0001ABFF"), "\x00\x01\xAB\xff"sv);
  EXPECT_EQ(hex_decode("0001abff"), "\x00\x01\xAB\xff"sv);
  EXPECT_EQ(hex_decode("aB cD\n"), "\xAB\xCD"sv);
  EXPECT_EQ(hex_decode("a\nb"), "\xAB"sv);
  EXPECT_FALSE(hex_decode("ABC").has_value());
  EXPECT_FALSE(hex_decode("A B C").has_value());
  EXPECT_FALSE(hex_decode("0G").has_value());
  EXPECT_FALSE(hex_decode("0x10").has_value());
  EXPECT_FALSE(hex_decode("-1").has_value());
}

TEST(ValuesHex, AllBytesRoundTrip) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  const std::string encoded = hex_encode(bytes);
  EXPECT_EQ(encoded.size(), 512u);
  EXPECT_EQ(encoded.find_first_not_of("0123456789ABCDEF"), std::string::npos);
  EXPECT_EQ(hex_decode(encoded), bytes);
}

// ---------------------------------------------------------------------------
// is_valid_value

TEST(ValuesValidate, Strings) {
  EXPECT_TRUE(is_valid_value(ValueType::kString, ""));
  EXPECT_TRUE(is_valid_value(ValueType::kString, "anything <at> all"));
  EXPECT_TRUE(is_valid_value(ValueType::kUnspecified, "1e3"));
}

TEST(ValuesValidate, Numbers) {
  EXPECT_TRUE(is_valid_value(ValueType::kInt, "-2147483648"));
  EXPECT_FALSE(is_valid_value(ValueType::kInt, "2147483648"));
  EXPECT_TRUE(is_valid_value(ValueType::kUnsignedInt, "4294967295"));
  EXPECT_FALSE(is_valid_value(ValueType::kUnsignedInt, "4294967296"));
  EXPECT_FALSE(is_valid_value(ValueType::kUnsignedInt, "-1"));
  EXPECT_TRUE(is_valid_value(ValueType::kLong, "-9223372036854775808"));
  EXPECT_FALSE(is_valid_value(ValueType::kLong, "9223372036854775808"));
  EXPECT_TRUE(is_valid_value(ValueType::kUnsignedLong, "18446744073709551615"));
  EXPECT_FALSE(is_valid_value(ValueType::kUnsignedLong, "18446744073709551616"));
  EXPECT_FALSE(is_valid_value(ValueType::kInt, ""));
}

TEST(ValuesValidate, OtherTypes) {
  EXPECT_TRUE(is_valid_value(ValueType::kBoolean, "true"));
  EXPECT_FALSE(is_valid_value(ValueType::kBoolean, "yes"));
  EXPECT_TRUE(is_valid_value(ValueType::kDateTime, "0001-01-01T00:00:00Z"));
  EXPECT_FALSE(is_valid_value(ValueType::kDateTime, "2023-02-29T00:00:00Z"));
  EXPECT_TRUE(is_valid_value(ValueType::kBase64, "Zm9vYg=="));
  EXPECT_TRUE(is_valid_value(ValueType::kBase64, ""));
  EXPECT_FALSE(is_valid_value(ValueType::kBase64, "Zm9vYg"));
  EXPECT_TRUE(is_valid_value(ValueType::kHexBinary, "00ff"));
  EXPECT_FALSE(is_valid_value(ValueType::kHexBinary, "0ff"));
}

TEST(ValuesValidate, Decimal) {
  for (const std::string_view good :
       {"0"sv, "-1.23"sv, "+100000.00"sv, "210"sv, "1."sv, ".5"sv, "-.5"sv, "+.0"sv, " 3.14 "sv,
        "00012.3400"sv, "123456789012345678901234567890.123456789"sv}) {
    EXPECT_TRUE(is_valid_value(ValueType::kDecimal, good)) << "'" << good << "'";
  }
  for (const std::string_view bad : {""sv, "."sv, "+"sv, "-"sv, "+."sv, "1e3"sv, "1E3"sv, "INF"sv,
                                     "NaN"sv, "1.2.3"sv, "1,5"sv, "--1"sv, "0x10"sv, "1 2"sv}) {
    EXPECT_FALSE(is_valid_value(ValueType::kDecimal, bad)) << "'" << bad << "'";
  }
}

// ---------------------------------------------------------------------------
// UTF-8

TEST(ValuesUtf8, Valid) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ASCII text that is longer than eight bytes"));
  EXPECT_TRUE(is_valid_utf8(std::string_view("\0", 1)));
  EXPECT_TRUE(is_valid_utf8("\x7F"));
  EXPECT_TRUE(is_valid_utf8("\xC2\x80"));           // U+0080
  EXPECT_TRUE(is_valid_utf8("\xC3\xA9t\xC3\xA9"));  // été
  EXPECT_TRUE(is_valid_utf8("\xDF\xBF"));           // U+07FF
  EXPECT_TRUE(is_valid_utf8("\xE0\xA0\x80"));       // U+0800
  EXPECT_TRUE(is_valid_utf8("\xE2\x82\xAC"));       // €
  EXPECT_TRUE(is_valid_utf8("\xED\x9F\xBF"));       // U+D7FF
  EXPECT_TRUE(is_valid_utf8("\xEE\x80\x80"));       // U+E000
  EXPECT_TRUE(is_valid_utf8("\xEF\xBF\xBF"));       // U+FFFF
  EXPECT_TRUE(is_valid_utf8("\xF0\x90\x80\x80"));   // U+10000
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98\x80"));   // emoji
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));   // U+10FFFF
  EXPECT_TRUE(
      is_valid_utf8("12345678\xE2\x82\xAC"
                    "abcdefgh"));
}

TEST(ValuesUtf8, Invalid) {
  for (const std::string_view bad : {
           "\xC0\x80"sv,              // overlong NUL
           "\xC1\xBF"sv,              // overlong
           "\xE0\x80\x80"sv,          // overlong 3-byte
           "\xE0\x9F\xBF"sv,          // overlong 3-byte (U+07FF)
           "\xF0\x80\x80\x80"sv,      // overlong 4-byte
           "\xF0\x8F\xBF\xBF"sv,      // overlong 4-byte (U+FFFF)
           "\xED\xA0\x80"sv,          // surrogate U+D800
           "\xED\xBF\xBF"sv,          // surrogate U+DFFF
           "\xF4\x90\x80\x80"sv,      // U+110000
           "\xF5\x80\x80\x80"sv,      // lead byte beyond U+10FFFF
           "\xFF"sv,                  //
           "\xFE"sv,                  //
           "\x80"sv,                  // lone continuation
           "\xBF"sv,                  //
           "\xE2\x82"sv,              // truncated
           "\xC3"sv,                  // truncated
           "\xF0\x9F\x98"sv,          // truncated
           "\xE2\x28\xA1"sv,          // bad continuation
           "\xC3\x28"sv,              // bad continuation
           "\xF0\x9F\x28\x80"sv,      // bad third byte
           "\xF0\x9F\x98\x28"sv,      // bad fourth byte
           "\xF8\x88\x80\x80\x80"sv,  // 5-byte form
       }) {
    EXPECT_FALSE(is_valid_utf8(bad)) << testing::PrintToString(std::string(bad));
  }
}

TEST(ValuesUtf8, InvalidByteAtEveryOffsetOfLongText) {
  // Exercises the 8-byte fast path and the tail loop at every alignment.
  const std::string ascii(40, 'a');
  for (std::size_t i = 0; i <= ascii.size(); ++i) {
    std::string s = ascii;
    s.insert(i, "\xE2\x82\xAC");
    EXPECT_TRUE(is_valid_utf8(s)) << i;
    std::string bad = ascii;
    bad.insert(i, "\xED\xA0\x80");
    EXPECT_FALSE(is_valid_utf8(bad)) << i;
    std::string truncated = ascii.substr(0, i) + "\xE2\x82";
    EXPECT_FALSE(is_valid_utf8(truncated)) << i;
  }
}

TEST(ValuesUtf8, AsciiRunsOfEveryLengthUpToThreeStrides) {
  // The 32-byte stride must stop exactly at the end (an ASCII text whose length
  // is a multiple of 32 once read one byte past it; ASan builds catch that).
  for (std::size_t n = 0; n <= 100; ++n) {
    const std::string ascii(n, 'a');
    const auto heap = std::make_unique<char[]>(n);  // exact-size buffer for ASan
    std::memcpy(heap.get(), ascii.data(), n);
    EXPECT_TRUE(is_valid_utf8(std::string_view(heap.get(), n))) << n;
  }
}

// A textbook decoder: read the length from the lead byte's high bits, check
// the continuation bytes, then reject overlongs, surrogates and > U+10FFFF.
bool reference_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (b0 < 0x80) {
      len = 1;
      cp = b0;
    } else if ((b0 & 0xE0) == 0xC0) {
      len = 2;
      cp = b0 & 0x1F;
    } else if ((b0 & 0xF0) == 0xE0) {
      len = 3;
      cp = b0 & 0x0F;
    } else if ((b0 & 0xF8) == 0xF0) {
      len = 4;
      cp = b0 & 0x07;
    } else {
      return false;
    }
    if (i + len > text.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(text[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    constexpr std::uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[len]) return false;
    if (cp >= 0xD800 && cp <= 0xDFFF) return false;
    if (cp > 0x10FFFF) return false;
    i += len;
  }
  return true;
}

TEST(ValuesUtf8, AgreesWithReferenceDecoder) {
  // Every 2-byte string, and 3- and 4-byte strings with the later bytes drawn
  // from the interesting boundaries.
  const unsigned edges[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F,
                            0xA0, 0xBF, 0xC0, 0xC2, 0xE0, 0xF0};
  int checked = 0;
  for (unsigned b0 = 0; b0 < 256; ++b0) {
    for (unsigned b1 = 0; b1 < 256; ++b1) {
      const char two[2] = {static_cast<char>(b0), static_cast<char>(b1)};
      ASSERT_EQ(is_valid_utf8({two, 2}), reference_utf8({two, 2})) << std::hex << b0 << " " << b1;
      for (const unsigned b2 : edges) {
        const char three[3] = {two[0], two[1], static_cast<char>(b2)};
        ASSERT_EQ(is_valid_utf8({three, 3}), reference_utf8({three, 3}))
            << std::hex << b0 << " " << b1 << " " << b2;
        for (const unsigned b3 : {0x41u, 0x80u, 0xBFu}) {
          const char four[4] = {two[0], two[1], three[2], static_cast<char>(b3)};
          ASSERT_EQ(is_valid_utf8({four, 4}), reference_utf8({four, 4}))
              << std::hex << b0 << " " << b1 << " " << b2 << " " << b3;
          ++checked;
        }
      }
    }
  }
  EXPECT_EQ(checked, 256 * 256 * 13 * 3);
}

}  // namespace
}  // namespace cwmp
