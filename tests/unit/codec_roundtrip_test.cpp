// Conformance of the codec on its own output: decode(encode(x)) == x for a
// sample of every message, in every CWMP version that defines it, with every
// EncodeOptions; and encode() refuses what the schema refuses.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <regex>
#include <set>
#include <string>
#include <variant>

#include "cwmp/codec.hpp"
#include "cwmp/messages.hpp"
#include "sample_messages.hpp"

namespace {

using cwmp::CwmpNamespace;
using cwmp::CwmpVersion;
using cwmp::Envelope;
using cwmp::ErrorKind;
using cwmp::samples::at_version;
using cwmp::samples::describe;
using cwmp::samples::Sample;
using cwmp::samples::sample_messages;

// Pretty text of an envelope for failure messages (or why it cannot be had).
std::string show(const Envelope& e) {
  auto text = cwmp::encode(e, {.xml_declaration = false, .pretty = true});
  return text ? *text : "<unencodable: " + describe(text.error()) + ">";
}

// Encodes, decodes and compares; reports the first step that goes wrong.
::testing::AssertionResult round_trips(const Envelope& e, const cwmp::EncodeOptions& options = {}) {
  auto bytes = cwmp::encode(e, options);
  if (!bytes) return ::testing::AssertionFailure() << "encode failed: " << describe(bytes.error());
  auto decoded = cwmp::decode(*bytes);
  if (!decoded) {
    return ::testing::AssertionFailure()
           << "decode failed: " << describe(decoded.error()) << "\n--- encoded:\n"
           << *bytes;
  }
  if (decoded->ns != cwmp::namespace_for(e.version)) {
    return ::testing::AssertionFailure()
           << "namespace " << cwmp::namespace_urn(decoded->ns) << ", expected "
           << cwmp::namespace_urn(cwmp::namespace_for(e.version));
  }
  if (!(decoded->envelope == e)) {
    return ::testing::AssertionFailure()
           << "decoded envelope differs (version " << cwmp::to_string(decoded->envelope.version)
           << " vs " << cwmp::to_string(e.version) << ")\n--- encoded:\n"
           << *bytes << "\n--- re-encoded from the decoded envelope:\n"
           << show(decoded->envelope);
  }
  if (!decoded->warnings.empty()) {
    return ::testing::AssertionFailure()
           << "our own output gave warnings, first: " << decoded->warnings.front() << "\n"
           << *bytes;
  }
  return ::testing::AssertionSuccess();
}

// ---------------------------------------------------------------------------
// The sample set itself.

TEST(SampleMessages, CoverEveryBodyAlternative) {
  std::set<std::size_t> seen;
  for (const Sample& s : sample_messages()) seen.insert(s.envelope.body.index());
  for (std::size_t i = 0; i < std::variant_size_v<cwmp::Body>; ++i) {
    EXPECT_TRUE(seen.count(i)) << "no sample for Body alternative #" << i;
  }
}

TEST(SampleMessages, NamesAreUniqueAndFileSafe) {
  std::set<std::string> names;
  const std::regex safe("[A-Za-z0-9_]+");
  for (const Sample& s : sample_messages()) {
    EXPECT_TRUE(names.insert(s.name).second) << "duplicate " << s.name;
    EXPECT_TRUE(std::regex_match(s.name, safe)) << s.name;
    // Sample names start with the element name they carry.
    EXPECT_EQ(s.name.rfind(std::string(cwmp::method_name(s.envelope.body)), 0), 0u) << s.name;
  }
}

TEST(SampleMessages, VersionsMatchHeaders) {
  for (const Sample& s : sample_messages()) {
    EXPECT_EQ(s.envelope.version, cwmp::samples::detected_version(
                                      cwmp::namespace_for(s.envelope.version), s.envelope.header))
        << s.name << ": the version must be the one the header elements imply";
    EXPECT_FALSE(s.envelope.header.no_more_requests) << s.name << ": never written";
  }
}

// ---------------------------------------------------------------------------
// One test per sample.

class CodecRoundTrip : public ::testing::TestWithParam<std::size_t> {
 protected:
  const Sample& sample() const { return sample_messages()[GetParam()]; }
};

TEST_P(CodecRoundTrip, EncodeDecodeGivesEqualEnvelope) {
  EXPECT_TRUE(round_trips(sample().envelope));
}

TEST_P(CodecRoundTrip, InEveryVersionThatDefinesIt) {
  for (CwmpVersion v : cwmp::samples::versions_for(sample())) {
    SCOPED_TRACE(std::string("version ") + std::string(cwmp::to_string(v)));
    EXPECT_TRUE(round_trips(at_version(sample().envelope, v)));
  }
}

TEST_P(CodecRoundTrip, WithPrettyPrintingAndXmlDeclaration) {
  const Envelope& e = sample().envelope;
  EXPECT_TRUE(round_trips(e, {.xml_declaration = false, .pretty = true}));
  EXPECT_TRUE(round_trips(e, {.xml_declaration = true, .pretty = false}));
  EXPECT_TRUE(round_trips(e, {.xml_declaration = true, .pretty = true}));

  auto plain = cwmp::encode(e);
  auto decl = cwmp::encode(e, {.xml_declaration = true, .pretty = false});
  auto pretty = cwmp::encode(e, {.xml_declaration = false, .pretty = true});
  ASSERT_TRUE(plain && decl && pretty);
  EXPECT_NE(plain->rfind("<?xml", 0), 0u) << "no declaration unless asked for";
  EXPECT_EQ(decl->rfind("<?xml version=\"1.0\"", 0), 0u) << *decl;
  EXPECT_GT(std::count(pretty->begin(), pretty->end(), '\n'),
            std::count(plain->begin(), plain->end(), '\n'));
}

TEST_P(CodecRoundTrip, EncodeIsAFixedPoint) {
  auto first = cwmp::encode(sample().envelope);
  ASSERT_TRUE(first) << describe(first.error());
  auto again = cwmp::encode(sample().envelope);
  ASSERT_TRUE(again);
  EXPECT_EQ(*first, *again) << "encode must be deterministic";
  auto decoded = cwmp::decode(*first);
  ASSERT_TRUE(decoded) << describe(decoded.error());
  auto second = cwmp::encode(decoded->envelope);
  ASSERT_TRUE(second) << describe(second.error());
  EXPECT_EQ(*first, *second);
}

TEST_P(CodecRoundTrip, EncodeToAppends) {
  auto whole = cwmp::encode(sample().envelope);
  ASSERT_TRUE(whole) << describe(whole.error());
  std::string buffer = "HTTP/1.1 200 OK\r\n\r\n";
  const std::string prefix = buffer;
  auto written = cwmp::encode_to(sample().envelope, buffer);
  ASSERT_TRUE(written) << describe(written.error());
  EXPECT_EQ(*written, whole->size());
  EXPECT_EQ(buffer, prefix + *whole);
}

std::string sample_name(const ::testing::TestParamInfo<std::size_t>& info) {
  return sample_messages()[info.param].name;
}

INSTANTIATE_TEST_SUITE_P(Samples, CodecRoundTrip,
                         ::testing::Range(std::size_t{0}, sample_messages().size()), sample_name);

// ---------------------------------------------------------------------------
// Text that XML treats specially must come back byte for byte.

Envelope gpv_response(std::vector<cwmp::ParameterValue> values) {
  return Envelope{CwmpVersion::k1_2, {}, cwmp::GetParameterValuesResponse{std::move(values)}};
}

TEST(CodecRoundTripText, WhitespaceIsKept) {
  const std::string name = "Device.DeviceInfo.X_EXAMPLE_Banner";
  for (const char* text : {" ", "  leading", "trailing  ", "\t", "a\tb", "line1\nline2", "\n",
                           "cr\rlf\r\n", "\r\n\r\n", " \t\n mixed \n\t "}) {
    SCOPED_TRACE(::testing::PrintToString(std::string(text)));
    EXPECT_TRUE(round_trips(gpv_response({{name, text, cwmp::ValueType::kString}})));
  }
}

TEST(CodecRoundTripText, MarkupCharactersAreEscaped) {
  for (const char* text : {"<", ">", "&", "\"", "'", "]]>", "&amp;", "<![CDATA[x]]>", "<!-- c -->",
                           "&#x41;", "<?pi?>"}) {
    SCOPED_TRACE(text);
    EXPECT_TRUE(round_trips(gpv_response({{"Device.X.Y", text, cwmp::ValueType::kString}})));
    cwmp::Header h;
    h.id = text;  // header text too
    EXPECT_TRUE(round_trips(Envelope{CwmpVersion::k1_2, h, cwmp::Reboot{"k"}}));
  }
}

TEST(CodecRoundTripText, NonAsciiIsKept) {
  const std::string text =
      "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xEF\xBF\xBD\xC2\x85\xE2\x80\xA8";  // é € 😀 U+FFFD NEL
                                                                               // LS
  EXPECT_TRUE(round_trips(gpv_response({{"Device.X.Y", text, cwmp::ValueType::kString}})));
}

TEST(CodecRoundTripText, UnspecifiedTypeIsWrittenAsString) {
  auto bytes = cwmp::encode(gpv_response({{"Device.X.Y", "42", cwmp::ValueType::kUnspecified}}));
  ASSERT_TRUE(bytes) << describe(bytes.error());
  auto decoded = cwmp::decode(*bytes);
  ASSERT_TRUE(decoded) << describe(decoded.error());
  const auto& list = std::get<cwmp::GetParameterValuesResponse>(decoded->envelope.body);
  ASSERT_EQ(list.parameter_list.size(), 1u);
  EXPECT_EQ(list.parameter_list[0].type, cwmp::ValueType::kString);
  EXPECT_EQ(list.parameter_list[0].value, "42");
}

TEST(CodecRoundTripText, HeaderFieldsRoundTrip) {
  cwmp::Header h;
  h.id = "";
  h.hold_requests = false;
  EXPECT_TRUE(round_trips(Envelope{CwmpVersion::k1_0, h, cwmp::GetRPCMethods{}}));
  h.id = std::string(200, 'x');
  h.hold_requests = true;
  EXPECT_TRUE(round_trips(Envelope{CwmpVersion::k1_1, h, cwmp::GetRPCMethods{}}));
  cwmp::Header v13;
  v13.session_timeout = 0;
  EXPECT_TRUE(round_trips(Envelope{CwmpVersion::k1_3, v13, cwmp::GetRPCMethods{}}));
  cwmp::Header v14;
  v14.supported_cwmp_versions = "1.0,1.4";
  v14.session_timeout = 4294967295u;
  EXPECT_TRUE(round_trips(Envelope{CwmpVersion::k1_4, v14, cwmp::GetRPCMethods{}}));
}

TEST(CodecRoundTripText, NoMoreRequestsIsNeverWritten) {
  cwmp::Header h;
  h.no_more_requests = true;
  auto bytes = cwmp::encode(Envelope{CwmpVersion::k1_0, h, cwmp::GetRPCMethods{}});
  ASSERT_TRUE(bytes) << describe(bytes.error());
  EXPECT_EQ(bytes->find("NoMoreRequests"), std::string::npos) << *bytes;
  auto decoded = cwmp::decode(*bytes);
  ASSERT_TRUE(decoded) << describe(decoded.error());
  EXPECT_FALSE(decoded->envelope.header.no_more_requests);
}

// ---------------------------------------------------------------------------
// encode() refuses envelopes that would not validate (codec.hpp), and
// encode_to() leaves the buffer as it was.

cwmp::Inform valid_inform() {
  return cwmp::Inform{{"Example", "00D09E", "HGW", "SN1"},
                      {{"1 BOOT", ""}},
                      1,
                      cwmp::DateTime::unknown(),
                      0,
                      {{"Device.RootDataModelVersion", "2.17", cwmp::ValueType::kString}}};
}

void expect_refused(const Envelope& e, const std::string& why) {
  SCOPED_TRACE(why);
  auto out = cwmp::encode(e);
  ASSERT_FALSE(out) << "encoded anyway:\n" << *out;
  EXPECT_EQ(out.error().kind, ErrorKind::kInvalidArguments) << describe(out.error());
  std::string buffer = "keep me";
  auto appended = cwmp::encode_to(e, buffer);
  EXPECT_FALSE(appended);
  EXPECT_EQ(buffer, "keep me");
}

Envelope inform_with(void (*change)(cwmp::Inform&)) {
  cwmp::Inform inform = valid_inform();
  change(inform);
  return Envelope{CwmpVersion::k1_2, {}, inform};
}

TEST(CodecEncodeRefuses, TheControlIsAccepted) {
  EXPECT_TRUE(round_trips(Envelope{CwmpVersion::k1_2, {}, valid_inform()}));
}

// Bodies that an older schema does not define cannot be written in its
// namespace (e.g. ScheduleDownload, new in 1.2, in cwmp-1-0).
TEST(CodecEncodeRefuses, BodiesBeforeTheirIntroduction) {
  int checked = 0;
  for (const Sample& s : sample_messages()) {
    const CwmpVersion first = cwmp::introduced_in(s.envelope.body);
    for (int v = 0; v < static_cast<int>(first); ++v) {
      const auto version = static_cast<CwmpVersion>(v);
      auto out = cwmp::encode(at_version(s.envelope, version));
      EXPECT_FALSE(out) << s.name << " encoded in CWMP " << cwmp::to_string(version);
      if (!out) {
        EXPECT_EQ(out.error().kind, ErrorKind::kInvalidArguments) << describe(out.error());
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 20);
}

TEST(CodecEncodeRefuses, BadDeviceId) {
  expect_refused(inform_with([](cwmp::Inform& i) { i.device_id.oui = "00d09e"; }),
                 "lower-case OUI");
  expect_refused(inform_with([](cwmp::Inform& i) { i.device_id.oui = "00D09E1"; }), "7-digit OUI");
  expect_refused(inform_with([](cwmp::Inform& i) { i.device_id.oui = ""; }), "empty OUI");
  expect_refused(inform_with([](cwmp::Inform& i) { i.device_id.serial_number.assign(65, 'S'); }),
                 "SerialNumber of 65");
  expect_refused(inform_with([](cwmp::Inform& i) { i.device_id.manufacturer.assign(65, 'M'); }),
                 "Manufacturer of 65");
}

TEST(CodecEncodeRefuses, BadEvents) {
  expect_refused(inform_with([](cwmp::Inform& i) {
                   i.event = {{"BOOT", ""}};
                 }),
                 "event code without its number");
  expect_refused(inform_with([](cwmp::Inform& i) {
                   i.event = {{"1 BOOT", std::string(33, 'k')}};
                 }),
                 "CommandKey of 33");
  expect_refused(inform_with([](cwmp::Inform& i) {
                   i.event.assign(65, {"M Download", "x"});
                 }),
                 "65 events");
}

TEST(CodecEncodeRefuses, ValuesOutsideTheirLexicalSpace) {
  using cwmp::ValueType;
  const std::pair<ValueType, const char*> bad[] = {
      {ValueType::kUnsignedInt, "abc"},
      {ValueType::kUnsignedInt, "-1"},
      {ValueType::kUnsignedInt, "4294967296"},
      {ValueType::kInt, "2147483648"},
      {ValueType::kBoolean, "yes"},
      {ValueType::kDateTime, "2024-13-01T00:00:00Z"},
      {ValueType::kBase64, "not base64!"},
      {ValueType::kHexBinary, "ABC"},
      {ValueType::kDecimal, "1e5"},
      {ValueType::kLong, "9223372036854775808"},
  };
  for (const auto& [type, text] : bad) {
    expect_refused(gpv_response({{"Device.X.Y", text, type}}),
                   std::string(cwmp::to_string(type)) + " '" + text + "'");
  }
}

TEST(CodecEncodeRefuses, CharactersXmlCannotCarry) {
  for (std::string text : {std::string("a\x01z"), std::string("\x0B"), std::string("nul\0x", 5),
                           std::string("\xEF\xBF\xBE"), std::string("\xEF\xBF\xBF")}) {
    expect_refused(gpv_response({{"Device.X.Y", text, cwmp::ValueType::kString}}),
                   "control or non-character " + ::testing::PrintToString(text));
  }
  expect_refused(Envelope{CwmpVersion::k1_2, {}, cwmp::Reboot{"\x1F"}}, "control in CommandKey");
}

TEST(CodecEncodeRefuses, InvalidUtf8) {
  for (std::string text :
       {std::string("\xC3"), std::string("\xC0\xAF"), std::string("\xED\xA0\x80"),
        std::string("\xF4\x90\x80\x80"), std::string("\xFF")}) {
    expect_refused(gpv_response({{"Device.X.Y", text, cwmp::ValueType::kString}}),
                   "invalid UTF-8 " + ::testing::PrintToString(text));
  }
}

TEST(CodecEncodeRefuses, OverLongFields) {
  expect_refused(gpv_response({{std::string(257, 'N'), "v", cwmp::ValueType::kString}}),
                 "parameter name of 257");
  expect_refused(Envelope{CwmpVersion::k1_2, {}, cwmp::Reboot{std::string(33, 'k')}},
                 "CommandKey of 33");
  expect_refused(Envelope{CwmpVersion::k1_2,
                          {},
                          cwmp::SetParameterValues{{{"Device.X.Y", "v", cwmp::ValueType::kString}},
                                                   std::string(33, 'p')}},
                 "ParameterKey of 33");
  expect_refused(Envelope{CwmpVersion::k1_2, {}, cwmp::Kicked{std::string(33, 'c'), "", "", ""}},
                 "Kicked Command of 33");
}

TEST(CodecEncodeRefuses, StructuralRules) {
  using cwmp::CwmpVersion;
  expect_refused(Envelope{CwmpVersion::k1_2, {}, cwmp::AddObject{"Device.IP.Interface", ""}},
                 "ObjectName without its trailing dot");
  expect_refused(Envelope{CwmpVersion::k1_2, {}, cwmp::GetParameterValues{}},
                 "ParameterNames needs at least one entry");
  expect_refused(Envelope{CwmpVersion::k1_2, {}, cwmp::SetParameterAttributes{}},
                 "SetParameterAttributes needs at least one entry");
  expect_refused(Envelope{CwmpVersion::k1_2, {}, cwmp::ChangeDUState{{}, std::nullopt}},
                 "ChangeDUState needs at least one operation");
  expect_refused(
      Envelope{CwmpVersion::k1_2,
               {},
               cwmp::ChangeDUState{{cwmp::UninstallOp{"not-a-uuid", std::nullopt, std::nullopt}},
                                   std::nullopt}},
      "UUID out of pattern");
  expect_refused(
      Envelope{
          CwmpVersion::k1_2, {}, cwmp::SetParameterAttributes{{{"Device.X.", true, 7, false, {}}}}},
      "Notification 7");
  expect_refused(Envelope{CwmpVersion::k1_2,
                          {},
                          cwmp::SetParameterAttributes{{{"Device.X.", false, 0, true, {"Admin"}}}}},
                 "AccessList entry other than Subscriber");
  cwmp::ScheduleDownload sd{"k", "1 Firmware Upgrade Image", "http://x/", "", "", 0, "", {}};
  expect_refused(Envelope{CwmpVersion::k1_2, {}, sd}, "no time window");
  sd.time_window_list.assign(3, {0, 10, "1 At Any Time", "", 0});
  expect_refused(Envelope{CwmpVersion::k1_2, {}, sd}, "three time windows");
  cwmp::GetQueuedTransfersResponse queued;
  queued.transfer_list.assign(17, {"k", 1});
  expect_refused(Envelope{CwmpVersion::k1_2, {}, queued}, "17 queued transfers");
}

TEST(CodecEncodeRefuses, FaultCodesOutsideTheirLists) {
  cwmp::Fault spv{
      "Client", "CWMP fault", 9003, "Invalid arguments", {{"Device.X.Y", 8005, "not a CPE code"}}};
  expect_refused(Envelope{CwmpVersion::k1_2, {}, spv}, "8005 in SetParameterValuesFault");
  expect_refused(Envelope{CwmpVersion::k1_2, {}, cwmp::Fault{"Server", "CWMP fault", 7000, "", {}}},
                 "fault code 7000");
  expect_refused(Envelope{CwmpVersion::k1_2,
                          {},
                          cwmp::TransferComplete{"k",
                                                 {9003, "not allowed here"},
                                                 cwmp::DateTime::unknown(),
                                                 cwmp::DateTime::unknown()}},
                 "9003 in TransferCompleteFaultStruct");
}

// Content that only a newer schema allows (cwmp-1-0.xsd, cwmp-1-1.xsd).
TEST(CodecEncodeRefuses, ContentNewerThanTheVersion) {
  for (CwmpVersion v : {CwmpVersion::k1_0, CwmpVersion::k1_1}) {
    SCOPED_TRACE(std::string(cwmp::to_string(v)));
    expect_refused(
        Envelope{v, {}, cwmp::SetParameterAttributes{{{"Device.X.", true, 4, false, {}}}}},
        "Notification 4 before 1.2");
  }
  // cwmp-1-0 lists the ACS codes 8000-8005 and 8800-8899; 1.1 opened 8006-8799.
  expect_refused(Envelope{CwmpVersion::k1_0, {}, cwmp::Fault{"Client", "CWMP fault", 8006, "", {}}},
                 "fault 8006 in 1.0");
}

}  // namespace
