// Tests of TR-069 parameter path names (cwmp/parameter_path.hpp).
#include "cwmp/parameter_path.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace cwmp {
namespace {

static_assert(noexcept(validate_path(std::string_view())));
static_assert(std::forward_iterator<PathSegments::Iterator>);

constexpr PathRules kWildcards{.allow_wildcards = true};
constexpr PathRules kNoAliases{.allow_aliases = false};
constexpr PathRules kFullName{.kind = PathKind::kFullName};
constexpr PathRules kPartial{.kind = PathKind::kPartialPath};

std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> out;
  split_path(path, out);
  return out;
}

TEST(ParameterPathTest, ValidPaths) {
  const std::string_view valid[] = {
      "",
      "Device.",
      "Device.DeviceInfo.UpTime",
      "Device.IP.Interface.",
      "Device.IP.Interface.1.",
      "Device.IP.Interface.3.Stats.BytesSent",
      "Device.IP.Interface.4294967295.Name",
      "Device.IP.Interface.2.IPv4Address.1.IPAddress",
      "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.ExternalIPAddress",
      "Device.X_ACME-COM_Feature.Enable",
      "Device._Private.x",
      "Device.IP.Interface.[wan].Name",
      "Device.IP.Interface.[cpe-1].IPv4Address.[a_b-c:9].",
      "Device.IP.Interface.1.IPv4Address.[static].IPAddress",
  };
  for (std::string_view path : valid) {
    SCOPED_TRACE(path);
    EXPECT_EQ(validate_path(path), PathError::kNone);
  }
}

TEST(ParameterPathTest, InvalidPaths) {
  struct Case {
    std::string_view path;
    PathError error;
  };
  const Case cases[] = {
      {".", PathError::kEmptySegment},
      {".Device.", PathError::kEmptySegment},
      {"Device..", PathError::kEmptySegment},
      {"Device..Foo", PathError::kEmptySegment},
      {"Device.IP.Interface.0.", PathError::kInvalidInstance},
      {"Device.IP.Interface.01.", PathError::kInvalidInstance},
      {"Device.IP.Interface.4294967296.", PathError::kInvalidInstance},
      {"Device.IP.Interface.99999999999.", PathError::kInvalidInstance},
      {"Device.IP.Interface.1a.", PathError::kInvalidName},
      {"Device.IP.-Interface.", PathError::kInvalidName},
      {"Device.IP.Inter face.", PathError::kInvalidName},
      {"Device.IP.Inter$face", PathError::kInvalidName},
      {"Device.I\xC3\x96.", PathError::kInvalidName},
      {"Device.{i}.", PathError::kInvalidName},
      {"Device.IP.Interface.+1.", PathError::kInvalidName},
      {"1.Device.", PathError::kMisplacedInstance},
      {"Device.IP.Interface.1.2.", PathError::kMisplacedInstance},
      {"Device.IP.Interface.1.[a].", PathError::kMisplacedInstance},
      {"Device.IP.Interface.1", PathError::kMisplacedInstance},
      {"Device.IP.Interface.[wan]", PathError::kMisplacedInstance},
      {"Device.IP.Interface.*.", PathError::kWildcardNotAllowed},
      {"Device.IP.Interface.**.", PathError::kInvalidName},
      {"Device.IP.Interface.[].", PathError::kInvalidAlias},
      {"Device.IP.Interface.[1wan].", PathError::kInvalidAlias},
      {"Device.IP.Interface.[wan.", PathError::kInvalidAlias},
      {"Device.IP.Interface.[w.an].", PathError::kInvalidAlias},
      {"Device.IP.Interface.[w an].", PathError::kInvalidAlias},
      {"Device.IP.Interface.[w]an].", PathError::kInvalidAlias},
      {"Device.IP.Interface.[w[an].", PathError::kInvalidAlias},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path);
    EXPECT_EQ(validate_path(c.path), c.error);
    EXPECT_EQ(fault_code(validate_path(c.path)), 9005u);
  }
}

TEST(ParameterPathTest, LengthLimitIs256) {
  // "Device." + name segment, 256 characters in total.
  std::string path = "Device." + std::string(249, 'a');
  ASSERT_EQ(path.size(), 256u);
  EXPECT_EQ(validate_path(path), PathError::kNone);
  path += 'a';
  EXPECT_EQ(validate_path(path), PathError::kTooLong);
}

TEST(ParameterPathTest, AliasLengthLimitIs64) {
  const std::string ok = "Device.IP.Interface.[" + std::string(64, 'a') + "].";
  const std::string too_long = "Device.IP.Interface.[" + std::string(65, 'a') + "].";
  EXPECT_EQ(validate_path(ok), PathError::kNone);
  EXPECT_EQ(validate_path(too_long), PathError::kInvalidAlias);
}

TEST(ParameterPathTest, WildcardsOnlyWhenAllowed) {
  EXPECT_EQ(validate_path("Device.IP.Interface.*.Status"), PathError::kWildcardNotAllowed);
  EXPECT_EQ(validate_path("Device.IP.Interface.*.Status", kWildcards), PathError::kNone);
  EXPECT_EQ(validate_path("Device.IP.Interface.*.IPv4Address.*.", kWildcards), PathError::kNone);
  EXPECT_EQ(validate_path("Device.IP.Interface.*", kWildcards), PathError::kMisplacedInstance);
  EXPECT_EQ(validate_path("*.", kWildcards), PathError::kMisplacedInstance);
  EXPECT_EQ(validate_path("Device.IP.Interface.*.*.", kWildcards), PathError::kMisplacedInstance);
}

TEST(ParameterPathTest, AliasesOnlyWhenAllowed) {
  EXPECT_EQ(validate_path("Device.IP.Interface.[wan].", kNoAliases), PathError::kAliasNotAllowed);
  EXPECT_EQ(validate_path("Device.IP.Interface.1.", kNoAliases), PathError::kNone);
}

TEST(ParameterPathTest, RequiredKind) {
  EXPECT_EQ(validate_path("Device.DeviceInfo.UpTime", kFullName), PathError::kNone);
  EXPECT_EQ(validate_path("Device.DeviceInfo.", kFullName), PathError::kNotFullName);
  EXPECT_EQ(validate_path("", kFullName), PathError::kNotFullName);
  EXPECT_EQ(validate_path("Device.IP.Interface.", kPartial), PathError::kNone);
  EXPECT_EQ(validate_path("Device.IP.Interface", kPartial), PathError::kNotPartialPath);
  EXPECT_EQ(validate_path("", kPartial), PathError::kNone);  // the root
  // Syntax errors win over the kind.
  EXPECT_EQ(validate_path("Device..X", kPartial), PathError::kEmptySegment);
}

TEST(ParameterPathTest, ErrorTextsAndFaults) {
  EXPECT_EQ(fault_code(PathError::kNone), 0u);
  for (PathError e :
       {PathError::kTooLong, PathError::kEmptySegment, PathError::kInvalidName,
        PathError::kInvalidInstance, PathError::kMisplacedInstance, PathError::kWildcardNotAllowed,
        PathError::kInvalidAlias, PathError::kAliasNotAllowed, PathError::kNotFullName,
        PathError::kNotPartialPath}) {
    EXPECT_EQ(fault_code(e), 9005u);
    EXPECT_FALSE(to_string(e).empty());
    EXPECT_NE(to_string(e), to_string(PathError::kNone));
  }
}

TEST(ParameterPathTest, InstanceNumbers) {
  EXPECT_EQ(parse_instance_number("1"), 1u);
  EXPECT_EQ(parse_instance_number("42"), 42u);
  EXPECT_EQ(parse_instance_number("4294967295"), 4294967295u);
  EXPECT_FALSE(parse_instance_number("4294967296"));
  EXPECT_FALSE(parse_instance_number("10000000000"));
  EXPECT_FALSE(parse_instance_number("0"));
  EXPECT_FALSE(parse_instance_number("007"));
  EXPECT_FALSE(parse_instance_number(""));
  EXPECT_FALSE(parse_instance_number("-1"));
  EXPECT_FALSE(parse_instance_number("+1"));
  EXPECT_FALSE(parse_instance_number("1 "));
  EXPECT_FALSE(parse_instance_number("*"));
  EXPECT_TRUE(is_instance_number("3"));
  EXPECT_FALSE(is_instance_number("Stats"));
}

TEST(ParameterPathTest, ClassifySegment) {
  EXPECT_EQ(classify_segment("Device"), SegmentKind::kName);
  EXPECT_EQ(classify_segment("X_ACME-COM_Foo"), SegmentKind::kName);
  EXPECT_EQ(classify_segment("17"), SegmentKind::kInstance);
  EXPECT_EQ(classify_segment("*"), SegmentKind::kWildcard);
  EXPECT_EQ(classify_segment("[wan]"), SegmentKind::kAlias);
  EXPECT_EQ(classify_segment(""), SegmentKind::kInvalid);
  EXPECT_EQ(classify_segment("0"), SegmentKind::kInvalid);
  EXPECT_EQ(classify_segment("[]"), SegmentKind::kInvalid);
  EXPECT_EQ(classify_segment("A.B"), SegmentKind::kInvalid);
  EXPECT_EQ(classify_segment("{i}"), SegmentKind::kInvalid);
}

TEST(ParameterPathTest, PartialPaths) {
  EXPECT_TRUE(is_partial_path(""));
  EXPECT_TRUE(is_partial_path("Device."));
  EXPECT_TRUE(is_partial_path("Device.IP.Interface.3."));
  EXPECT_FALSE(is_partial_path("Device.DeviceInfo.UpTime"));
}

TEST(ParameterPathTest, Segments) {
  using V = std::vector<std::string_view>;
  EXPECT_EQ(split(""), V{});
  EXPECT_EQ(split("Device."), V{"Device"});
  EXPECT_EQ(split("Device.IP.Interface.3.Stats."), (V{"Device", "IP", "Interface", "3", "Stats"}));
  EXPECT_EQ(split("Device.DeviceInfo.UpTime"), (V{"Device", "DeviceInfo", "UpTime"}));
  EXPECT_EQ(split("Device.IP.Interface.[wan].Name"),
            (V{"Device", "IP", "Interface", "[wan]", "Name"}));
  // No validation: empty segments are reported as such.
  EXPECT_EQ(split("A..B"), (V{"A", "", "B"}));
  EXPECT_EQ(split(".A"), (V{"", "A"}));
  EXPECT_EQ(split("."), V{""});

  EXPECT_EQ(segment_count(""), 0u);
  EXPECT_EQ(segment_count("Device."), 1u);
  EXPECT_EQ(segment_count("Device.IP.Interface.3.Stats.BytesSent"), 6u);
}

TEST(ParameterPathTest, SegmentsAreViewsIntoThePath) {
  const std::string path = "Device.IP.Interface.3.";
  std::vector<std::string_view> out{"stale", "contents"};
  split_path(path, out);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[3].data(), path.data() + 20);
  // The vector is reused: the second call replaces, it does not append.
  split_path("A.B", out);
  EXPECT_EQ(out, (std::vector<std::string_view>{"A", "B"}));
}

TEST(ParameterPathTest, IteratorProtocol) {
  const PathSegments segments("A.B.C");
  auto it = segments.begin();
  EXPECT_EQ(*it, "A");
  auto old = it++;
  EXPECT_EQ(*old, "A");
  EXPECT_EQ(*it, "B");
  EXPECT_EQ(*++it, "C");
  EXPECT_NE(it, segments.end());
  ++it;
  EXPECT_EQ(it, segments.end());
  EXPECT_EQ(PathSegments("").begin(), PathSegments("").end());
}

TEST(ParameterPathTest, ParentPath) {
  EXPECT_EQ(parent_path("Device.IP.Interface.3.Stats."), "Device.IP.Interface.3.");
  EXPECT_EQ(parent_path("Device.IP.Interface.3.Stats.BytesSent"), "Device.IP.Interface.3.Stats.");
  EXPECT_EQ(parent_path("Device.IP.Interface.3."), "Device.IP.Interface.");
  EXPECT_EQ(parent_path("Device.IP.Interface.[wan]."), "Device.IP.Interface.");
  EXPECT_EQ(parent_path("Device.RootDataModelVersion"), "Device.");
  EXPECT_EQ(parent_path("Device."), "");
  EXPECT_EQ(parent_path(""), "");
  // Walking up always ends at the root.
  std::string_view p = "Device.IP.Interface.3.Stats.BytesSent";
  int steps = 0;
  while (!p.empty()) {
    p = parent_path(p);
    ++steps;
  }
  EXPECT_EQ(steps, 6);
}

TEST(ParameterPathTest, LastSegment) {
  EXPECT_EQ(last_segment("Device.IP.Interface.3."), "3");
  EXPECT_EQ(last_segment("Device.IP.Interface.3.Stats.BytesSent"), "BytesSent");
  EXPECT_EQ(last_segment("Device."), "Device");
  EXPECT_EQ(last_segment("Device"), "Device");
  EXPECT_EQ(last_segment("Device.IP.Interface.[wan]."), "[wan]");
  EXPECT_EQ(last_segment(""), "");
}

TEST(ParameterPathTest, IsUnder) {
  EXPECT_TRUE(is_under("Device.IP.Interface.1.Name", ""));
  EXPECT_TRUE(is_under("", ""));
  EXPECT_TRUE(is_under("Device.IP.", "Device.IP."));
  EXPECT_TRUE(is_under("Device.IP.Interface.1.Name", "Device.IP."));
  EXPECT_TRUE(is_under("Device.IP.Interface.1.", "Device.IP.Interface."));
  EXPECT_FALSE(is_under("Device.IPv6.Enable", "Device.IP."));  // not a textual prefix match
  EXPECT_FALSE(is_under("Device.IP.", "Device.IP.Interface."));
  EXPECT_FALSE(is_under("Device.IP", "Device.IP."));
  EXPECT_FALSE(is_under("", "Device."));
  // A full parameter name covers only itself.
  EXPECT_TRUE(is_under("Device.DeviceInfo.UpTime", "Device.DeviceInfo.UpTime"));
  EXPECT_FALSE(is_under("Device.DeviceInfo.UpTimeX", "Device.DeviceInfo.UpTime"));
  EXPECT_FALSE(is_under("Device.DeviceInfo.UpTime.", "Device.DeviceInfo.UpTime"));
}

TEST(ParameterPathTest, MatchesPattern) {
  EXPECT_TRUE(matches_pattern("Device.IP.Interface.2.Status", "Device.IP.Interface.*.Status"));
  EXPECT_TRUE(matches_pattern("Device.IP.Interface.[wan].Status", "Device.IP.Interface.*.Status"));
  EXPECT_FALSE(matches_pattern("Device.IP.Interface.2.Name", "Device.IP.Interface.*.Status"));
  EXPECT_FALSE(matches_pattern("Device.IP.Interface.Status", "Device.IP.Interface.*.Status"));
  EXPECT_FALSE(matches_pattern("Device.IP.Interface.2.Status.", "Device.IP.Interface.*.Status"));
  // Partial patterns cover subtrees.
  EXPECT_TRUE(matches_pattern("Device.IP.Interface.2.IPv4Address.1.IPAddress",
                              "Device.IP.Interface.*.IPv4Address.*."));
  EXPECT_TRUE(matches_pattern("Device.IP.Interface.2.", "Device.IP.Interface.*."));
  EXPECT_FALSE(matches_pattern("Device.IP.Interface.", "Device.IP.Interface.*."));
  EXPECT_FALSE(matches_pattern("Device.IP.Interface.2", "Device.IP.Interface.*."));
  EXPECT_TRUE(matches_pattern("anything.at.all", ""));
}

TEST(ParameterPathTest, MatchesPatternAgreesWithIsUnderWithoutWildcards) {
  const std::string_view paths[] = {"",
                                    "Device.",
                                    "Device.IP.",
                                    "Device.IP",
                                    "Device.IPv6.Enable",
                                    "Device.IP.Interface.1.Name",
                                    "Device.IP.Interface.1.",
                                    "Device.DeviceInfo.UpTime"};
  for (std::string_view path : paths) {
    for (std::string_view prefix : paths) {
      SCOPED_TRACE(testing::Message() << "'" << path << "' under '" << prefix << "'");
      EXPECT_EQ(matches_pattern(path, prefix), is_under(path, prefix));
    }
  }
}

TEST(ParameterPathTest, SchemaPath) {
  EXPECT_EQ(schema_path("Device.IP.Interface.3.Stats."), "Device.IP.Interface.{i}.Stats.");
  EXPECT_EQ(schema_path("Device.IP.Interface.3.IPv4Address.12.IPAddress"),
            "Device.IP.Interface.{i}.IPv4Address.{i}.IPAddress");
  EXPECT_EQ(schema_path("Device.IP.Interface.[wan].Name"), "Device.IP.Interface.{i}.Name");
  EXPECT_EQ(schema_path("Device.IP.Interface.*.Name"), "Device.IP.Interface.{i}.Name");
  EXPECT_EQ(schema_path("Device.IP.Interface."), "Device.IP.Interface.");
  EXPECT_EQ(schema_path("Device.DeviceInfo.UpTime"), "Device.DeviceInfo.UpTime");
  EXPECT_EQ(schema_path(""), "");
  EXPECT_EQ(schema_path("Device.IP.Interface.{i}."), "Device.IP.Interface.{i}.");
}

TEST(ParameterPathTest, SchemaPathReusesTheBuffer) {
  std::string out = "previous contents";
  schema_path("Device.IP.Interface.7.", out);
  EXPECT_EQ(out, "Device.IP.Interface.{i}.");
  const auto capacity = out.capacity();
  schema_path("A.1.", out);
  EXPECT_EQ(out, "A.{i}.");
  EXPECT_EQ(out.capacity(), capacity);
}

TEST(ParameterPathTest, MatchesSchema) {
  EXPECT_TRUE(matches_schema("Device.IP.Interface.3.Stats.", "Device.IP.Interface.{i}.Stats."));
  EXPECT_TRUE(matches_schema("Device.IP.Interface.[wan].Name", "Device.IP.Interface.{i}.Name"));
  EXPECT_TRUE(matches_schema("Device.IP.Interface.*.Name", "Device.IP.Interface.{i}.Name"));
  EXPECT_TRUE(matches_schema("Device.IP.Interface.{i}.", "Device.IP.Interface.{i}."));
  EXPECT_TRUE(matches_schema("", ""));
  EXPECT_FALSE(matches_schema("Device.IP.Interface.3.Stats", "Device.IP.Interface.{i}.Stats."));
  EXPECT_FALSE(matches_schema("Device.IP.Interface.3.Stats.", "Device.IP.Interface.{i}."));
  EXPECT_FALSE(matches_schema("Device.IP.Interface.", "Device.IP.Interface.{i}."));
  EXPECT_FALSE(matches_schema("Device.IP.Interface.Stats.", "Device.IP.Interface.{i}.Stats."));
  EXPECT_FALSE(matches_schema("Device.IP.Interface.0.", "Device.IP.Interface.{i}."));
  EXPECT_FALSE(matches_schema("Device.", ""));

  // Consistent with building the string.
  const std::string_view paths[] = {"Device.IP.Interface.3.Stats.", "Device.X.[a].Y.2.Z", "A.",
                                    "Device.IP.Interface.*."};
  for (std::string_view path : paths) {
    SCOPED_TRACE(path);
    EXPECT_TRUE(matches_schema(path, schema_path(path)));
  }
}

}  // namespace
}  // namespace cwmp
