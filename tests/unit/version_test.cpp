// Tests of src/cwmp/version.cpp: versions, namespaces and negotiation.
#include "cwmp/version.hpp"

#include <gtest/gtest.h>

#include <string_view>

namespace cwmp {
namespace {

using namespace std::string_view_literals;

constexpr CwmpVersion kAll[] = {CwmpVersion::k1_0, CwmpVersion::k1_1, CwmpVersion::k1_2,
                                CwmpVersion::k1_3, CwmpVersion::k1_4};

TEST(VersionNamespace, Urns) {
  EXPECT_EQ(namespace_urn(CwmpNamespace::k1_0), "urn:dslforum-org:cwmp-1-0");
  EXPECT_EQ(namespace_urn(CwmpNamespace::k1_1), "urn:dslforum-org:cwmp-1-1");
  EXPECT_EQ(namespace_urn(CwmpNamespace::k1_2), "urn:dslforum-org:cwmp-1-2");
  EXPECT_EQ(namespace_urn(CwmpNamespace::k1_3NonStandard), "urn:dslforum-org:cwmp-1-3");
}

TEST(VersionNamespace, ParseRoundTrip) {
  for (const CwmpNamespace ns : {CwmpNamespace::k1_0, CwmpNamespace::k1_1, CwmpNamespace::k1_2,
                                 CwmpNamespace::k1_3NonStandard}) {
    EXPECT_EQ(parse_namespace_urn(namespace_urn(ns)), ns);
  }
}

TEST(VersionNamespace, ParseToleratesSurroundingWhitespaceOnly) {
  EXPECT_EQ(parse_namespace_urn(" urn:dslforum-org:cwmp-1-2\n"), CwmpNamespace::k1_2);
  EXPECT_EQ(parse_namespace_urn("\turn:dslforum-org:cwmp-1-0"), CwmpNamespace::k1_0);
  for (const std::string_view bad : {
           ""sv,
           "urn:dslforum-org:cwmp-1-4"sv,  // never defined: 1.4 uses cwmp-1-2
           "urn:dslforum-org:cwmp-2-0"sv,
           "URN:DSLFORUM-ORG:CWMP-1-2"sv,  // namespace names are case-sensitive
           "urn:dslforum-org:cwmp-1-2/"sv,
           "urn:dslforum-org:cwmp-1-"sv,
           "urn:broadband-forum-org:cwmp-1-2"sv,
           "urn:dslforum-org:cwmp-1-2 x"sv,
           "urn:dslforum-org: cwmp-1-2"sv,
       }) {
    EXPECT_FALSE(parse_namespace_urn(bad).has_value()) << bad;
  }
}

TEST(VersionNamespace, NamespaceForVersion) {
  EXPECT_EQ(namespace_for(CwmpVersion::k1_0), CwmpNamespace::k1_0);
  EXPECT_EQ(namespace_for(CwmpVersion::k1_1), CwmpNamespace::k1_1);
  EXPECT_EQ(namespace_for(CwmpVersion::k1_2), CwmpNamespace::k1_2);
  // 1.3 and 1.4 kept the 1.2 namespace; the non-standard cwmp-1-3 is never written.
  EXPECT_EQ(namespace_for(CwmpVersion::k1_3), CwmpNamespace::k1_2);
  EXPECT_EQ(namespace_for(CwmpVersion::k1_4), CwmpNamespace::k1_2);
  for (const CwmpVersion v : kAll) {
    EXPECT_NE(namespace_for(v), CwmpNamespace::k1_3NonStandard);
  }
}

TEST(VersionNamespace, BaseVersion) {
  EXPECT_EQ(base_version(CwmpNamespace::k1_0), CwmpVersion::k1_0);
  EXPECT_EQ(base_version(CwmpNamespace::k1_1), CwmpVersion::k1_1);
  EXPECT_EQ(base_version(CwmpNamespace::k1_2), CwmpVersion::k1_2);
  EXPECT_EQ(base_version(CwmpNamespace::k1_3NonStandard), CwmpVersion::k1_3);
  // The written namespace of the base version is the namespace again (except
  // for the non-standard one, which maps to cwmp-1-2 when written).
  for (const CwmpNamespace ns : {CwmpNamespace::k1_0, CwmpNamespace::k1_1, CwmpNamespace::k1_2}) {
    EXPECT_EQ(namespace_for(base_version(ns)), ns);
  }
}

TEST(VersionName, ToStringAndParse) {
  EXPECT_EQ(to_string(CwmpVersion::k1_0), "1.0");
  EXPECT_EQ(to_string(CwmpVersion::k1_1), "1.1");
  EXPECT_EQ(to_string(CwmpVersion::k1_2), "1.2");
  EXPECT_EQ(to_string(CwmpVersion::k1_3), "1.3");
  EXPECT_EQ(to_string(CwmpVersion::k1_4), "1.4");
  EXPECT_EQ(to_string(kNewestVersion), "1.4");
  for (const CwmpVersion v : kAll) EXPECT_EQ(parse_version(to_string(v)), v);
}

TEST(VersionName, ParseToleratesWhitespace) {
  EXPECT_EQ(parse_version(" 1.4 "), CwmpVersion::k1_4);
  EXPECT_EQ(parse_version("\n1.0\t"), CwmpVersion::k1_0);
}

TEST(VersionName, ParseRejectsOthers) {
  for (const std::string_view bad :
       {""sv, " "sv, "1"sv, "1.5"sv, "2.0"sv, "0.9"sv, "1.4.0"sv, "1,4"sv, "v1.4"sv, "1.04"sv,
        "01.4"sv, "1. 4"sv, "cwmp-1-2"sv}) {
    EXPECT_FALSE(parse_version(bad).has_value()) << "'" << bad << "'";
  }
}

TEST(VersionSetTest, EmptyByDefault) {
  const VersionSet set;
  EXPECT_TRUE(set.empty());
  EXPECT_FALSE(set.highest().has_value());
  EXPECT_EQ(set.to_string(), "");
  for (const CwmpVersion v : kAll) EXPECT_FALSE(set.contains(v));
}

TEST(VersionSetTest, All) {
  const VersionSet set = VersionSet::all();
  EXPECT_FALSE(set.empty());
  for (const CwmpVersion v : kAll) EXPECT_TRUE(set.contains(v));
  EXPECT_EQ(set.highest(), CwmpVersion::k1_4);
  EXPECT_EQ(set.to_string(), "1.0,1.1,1.2,1.3,1.4");
}

TEST(VersionSetTest, AddAndContains) {
  VersionSet set;
  set.add(CwmpVersion::k1_2);
  EXPECT_TRUE(set.contains(CwmpVersion::k1_2));
  EXPECT_FALSE(set.contains(CwmpVersion::k1_1));
  EXPECT_FALSE(set.contains(CwmpVersion::k1_3));
  set.add(CwmpVersion::k1_0);
  set.add(CwmpVersion::k1_2);             // idempotent
  EXPECT_EQ(set.to_string(), "1.0,1.2");  // ascending whatever the order of add()
  EXPECT_EQ(set.highest(), CwmpVersion::k1_2);
}

TEST(VersionSetTest, Parse) {
  EXPECT_EQ(VersionSet::parse("1.0,1.1,1.2,1.3,1.4").to_string(), "1.0,1.1,1.2,1.3,1.4");
  EXPECT_EQ(VersionSet::parse("1.4").to_string(), "1.4");
  EXPECT_EQ(VersionSet::parse(" 1.4 , 1.2,1.0 ").to_string(), "1.0,1.2,1.4");
  EXPECT_EQ(VersionSet::parse("1.2,2.0,1.3,x").to_string(), "1.2,1.3");  // unknowns skipped
  EXPECT_EQ(VersionSet::parse("1.1,,1.1,").to_string(), "1.1");
  EXPECT_TRUE(VersionSet::parse("").empty());
  EXPECT_TRUE(VersionSet::parse(",").empty());
  EXPECT_TRUE(VersionSet::parse("2.0,3.0").empty());
  EXPECT_TRUE(VersionSet::parse("1.0 1.1").empty());  // not comma-separated
}

TEST(VersionSetTest, ToStringParsesBack) {
  // Every subset of the five versions survives to_string -> parse.
  for (unsigned mask = 0; mask < 32; ++mask) {
    VersionSet set;
    for (unsigned i = 0; i < 5; ++i) {
      if ((mask & (1u << i)) != 0) set.add(kAll[i]);
    }
    const VersionSet back = VersionSet::parse(set.to_string());
    for (const CwmpVersion v : kAll) EXPECT_EQ(back.contains(v), set.contains(v)) << mask;
    EXPECT_EQ(back.to_string(), set.to_string());
    EXPECT_EQ(back.empty(), mask == 0);
  }
}

TEST(VersionNegotiation, HighestCommon) {
  const VersionSet acs = VersionSet::all();
  EXPECT_EQ(negotiate_version(VersionSet::parse("1.0,1.1,1.2,1.3,1.4"), acs), CwmpVersion::k1_4);
  EXPECT_EQ(negotiate_version(VersionSet::parse("1.0,1.1,1.2"), acs), CwmpVersion::k1_2);
  EXPECT_EQ(negotiate_version(VersionSet::parse("1.4,1.0"), VersionSet::parse("1.0,1.2,1.3")),
            CwmpVersion::k1_0);
  EXPECT_EQ(negotiate_version(VersionSet::parse("1.2,1.3,1.4"), VersionSet::parse("1.0,1.1,1.3")),
            CwmpVersion::k1_3);
  // Symmetric.
  EXPECT_EQ(negotiate_version(acs, VersionSet::parse("1.1,1.2")), CwmpVersion::k1_2);
}

TEST(VersionNegotiation, NoCommonVersion) {
  // nullopt means fault 8006.
  EXPECT_FALSE(negotiate_version(VersionSet::parse("1.3,1.4"), VersionSet::parse("1.0,1.1,1.2"))
                   .has_value());
  EXPECT_FALSE(negotiate_version(VersionSet{}, VersionSet::all()).has_value());
  EXPECT_FALSE(negotiate_version(VersionSet::all(), VersionSet{}).has_value());
  EXPECT_FALSE(negotiate_version(VersionSet::parse("2.0"), VersionSet::all()).has_value());
}

TEST(VersionNegotiation, ExhaustiveAgainstDefinition) {
  for (unsigned a = 0; a < 32; ++a) {
    for (unsigned b = 0; b < 32; ++b) {
      VersionSet cpe;
      VersionSet acs;
      for (unsigned i = 0; i < 5; ++i) {
        if ((a & (1u << i)) != 0) cpe.add(kAll[i]);
        if ((b & (1u << i)) != 0) acs.add(kAll[i]);
      }
      const unsigned common = a & b;
      const auto got = negotiate_version(cpe, acs);
      if (common == 0) {
        EXPECT_FALSE(got.has_value()) << a << " " << b;
      } else {
        unsigned top = 4;
        while ((common & (1u << top)) == 0) --top;
        EXPECT_EQ(got, kAll[top]) << a << " " << b;
      }
    }
  }
}

}  // namespace
}  // namespace cwmp
