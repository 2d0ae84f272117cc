#include "acs/device_id.hpp"

#include <gtest/gtest.h>

namespace {

cwmp::DeviceId device(std::string oui, std::string product_class, std::string serial) {
  return cwmp::DeviceId{"Acme", std::move(oui), std::move(product_class), std::move(serial)};
}

TEST(DeviceIdTest, PlainPartsAreJoinedWithDashes) {
  EXPECT_EQ(acs::make_device_id(device("202BC1", "BM632w", "0000000")), "202BC1-BM632w-0000000");
}

TEST(DeviceIdTest, EmptyProductClassIsOmittedLikeGenieAcs) {
  EXPECT_EQ(acs::make_device_id(device("00236A", "", "SN1")), "00236A-SN1");
}

TEST(DeviceIdTest, ManufacturerIsNotPartOfTheId) {
  cwmp::DeviceId a = device("00236A", "PC", "SN");
  cwmp::DeviceId b = a;
  b.manufacturer = "Other";
  EXPECT_EQ(acs::make_device_id(a), acs::make_device_id(b));
}

TEST(DeviceIdTest, EscapesEverythingOutsideAlnumAndUnderscore) {
  // The example of GenieACS's API reference: '-' in a serial number becomes %2D.
  EXPECT_EQ(acs::make_device_id(device("00236a", "96318REF", "SR360NA0A4-0003196")),
            "00236a-96318REF-SR360NA0A4%2D0003196");
  EXPECT_EQ(acs::escape_device_id_part("a b"), "a%20b");
  EXPECT_EQ(acs::escape_device_id_part("100%"), "100%25");
  EXPECT_EQ(acs::escape_device_id_part("x.y/z:w"), "x%2Ey%2Fz%3Aw");
  EXPECT_EQ(acs::escape_device_id_part("A_z9"), "A_z9");
  EXPECT_EQ(acs::escape_device_id_part("~!*'()"), "%7E%21%2A%27%28%29");
}

TEST(DeviceIdTest, EscapesUtf8BytesInUpperCaseHex) {
  EXPECT_EQ(acs::escape_device_id_part("\xC3\xA9"), "%C3%A9");                // é
  EXPECT_EQ(acs::escape_device_id_part("\xE2\x82\xAC"), "%E2%82%AC");         // €
  EXPECT_EQ(acs::escape_device_id_part("\xF0\x9F\x98\x80"), "%F0%9F%98%80");  // U+1F600
}

TEST(DeviceIdTest, ControlBytesUseTwoHexDigits) {
  // GenieACS would write "%9" here (documented difference): two digits keep ids parseable.
  EXPECT_EQ(acs::escape_device_id_part(std::string("\t\0", 2)), "%09%00");
}

TEST(DeviceIdTest, ParsesThreePartIds) {
  const auto parts = acs::parse_device_id("202BC1-BM632w-0000000");
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->oui, "202BC1");
  EXPECT_EQ(parts->product_class, "BM632w");
  EXPECT_EQ(parts->serial_number, "0000000");
}

TEST(DeviceIdTest, ParsesTwoPartIdsAsEmptyProductClass) {
  const auto parts = acs::parse_device_id("00236A-SN%201");
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->oui, "00236A");
  EXPECT_EQ(parts->product_class, "");
  EXPECT_EQ(parts->serial_number, "SN 1");
}

TEST(DeviceIdTest, RoundTripsTrickyInputs) {
  const cwmp::DeviceId cases[] = {
      device("00236A", "Home Gateway-2", "SN-1-2"),
      device("00236A", "", "a%b"),
      device("00236A", "%2D", "%"),
      device("00236A", "\xC3\xA9t\xC3\xA9", "\xE2\x82\xAC 5"),
      device("", "", ""),
      device("", "PC", ""),
      device("00236A", "-", "-"),
      device("00236A", std::string("\0\x01\x7F\xFF", 4), "x"),
  };
  for (const cwmp::DeviceId& d : cases) {
    const std::string id = acs::make_device_id(d);
    const auto parts = acs::parse_device_id(id);
    ASSERT_TRUE(parts) << id;
    EXPECT_EQ(parts->oui, d.oui) << id;
    EXPECT_EQ(parts->product_class, d.product_class) << id;
    EXPECT_EQ(parts->serial_number, d.serial_number) << id;
    EXPECT_EQ(acs::make_device_id(device(parts->oui, parts->product_class, parts->serial_number)),
              id);
  }
}

TEST(DeviceIdTest, RejectsMalformedIds) {
  EXPECT_FALSE(acs::parse_device_id(""));                  // one part
  EXPECT_FALSE(acs::parse_device_id("OUI"));               // one part
  EXPECT_FALSE(acs::parse_device_id("a-b-c-d"));           // four parts
  EXPECT_FALSE(acs::parse_device_id("OUI--SN"));           // empty product class written out
  EXPECT_FALSE(acs::parse_device_id("OUI-PC-S N"));        // unescaped space
  EXPECT_FALSE(acs::parse_device_id("OUI-PC-SN%"));        // truncated escape
  EXPECT_FALSE(acs::parse_device_id("OUI-PC-SN%2"));       // truncated escape
  EXPECT_FALSE(acs::parse_device_id("OUI-PC-SN%2d"));      // lower-case hex is not canonical
  EXPECT_FALSE(acs::parse_device_id("OUI-PC-SN%41"));      // 'A' need not be escaped
  EXPECT_FALSE(acs::parse_device_id("OUI-PC-SN%G1"));      // not hex
  EXPECT_FALSE(acs::parse_device_id("OUI-P\xC3\xA9-SN"));  // raw UTF-8
}

TEST(DeviceIdTest, UnescapeDecodesBytes) {
  EXPECT_EQ(acs::unescape_device_id_part("a%20b%2D%25"), "a b-%");
  EXPECT_EQ(acs::unescape_device_id_part(""), "");
  EXPECT_FALSE(acs::unescape_device_id_part("%%"));
}

}  // namespace
