// Hostile and broken input: decode() must answer every one with the right typed
// Error, quickly and in bounded memory, and never crash. The time bounds are
// generous sanity guards (they hold under ASan), not benchmarks.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "cwmp/codec.hpp"
#include "cwmp/faults.hpp"
#include "cwmp/result.hpp"
#include "sample_messages.hpp"

namespace {

using cwmp::ErrorKind;
using cwmp::Limits;
using cwmp::Side;
using cwmp::samples::describe;

constexpr auto kTimeBound = std::chrono::seconds(2);

long max_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;  // KiB on Linux; a high-water mark
}

struct Outcome {
  cwmp::Result<cwmp::Decoded> result;
  std::chrono::steady_clock::duration elapsed;
  long rss_growth_kib;  // how much the high-water mark rose during decode()
};

Outcome run(std::string_view input, const Limits& limits = {}) {
  const long rss_before = max_rss_kib();
  const auto start = std::chrono::steady_clock::now();
  auto result = cwmp::decode(input, limits);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  return {std::move(result), elapsed, max_rss_kib() - rss_before};
}

// Decodes and checks the error kind and the time bound.
void expect_error(std::string_view input, ErrorKind kind, const std::string& what,
                  const Limits& limits = {}) {
  SCOPED_TRACE(what);
  Outcome o = run(input, limits);
  ASSERT_FALSE(o.result.ok()) << "accepted: " << cwmp::method_name(o.result->envelope.body);
  EXPECT_EQ(cwmp::to_string(o.result.error().kind), cwmp::to_string(kind))
      << describe(o.result.error());
  EXPECT_FALSE(o.result.error().message.empty());
  EXPECT_LT(o.elapsed, kTimeBound);
}

void expect_ok(std::string_view input, const std::string& what, const Limits& limits = {}) {
  SCOPED_TRACE(what);
  Outcome o = run(input, limits);
  EXPECT_TRUE(o.result.ok()) << describe(o.result.error());
  EXPECT_LT(o.elapsed, kTimeBound);
}

const char* kEnvelopeOpen =
    R"(<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/" )"
    R"(xmlns:soap-enc="http://schemas.xmlsoap.org/soap/encoding/" )"
    R"(xmlns:xsd="http://www.w3.org/2001/XMLSchema" )"
    R"(xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" )"
    R"(xmlns:cwmp="urn:dslforum-org:cwmp-1-2">)";
const char* kEnvelopeClose = "</soap-env:Envelope>";

std::string envelope(const std::string& body, const std::string& header = "") {
  std::string out = kEnvelopeOpen;
  if (!header.empty()) out += "<soap-env:Header>" + header + "</soap-env:Header>";
  return out + "<soap-env:Body>" + body + "</soap-env:Body>" + kEnvelopeClose;
}

struct InformParts {
  std::string serial = "SN1";
  std::string events = "<EventStruct><EventCode>1 BOOT</EventCode><CommandKey/></EventStruct>";
  std::string retry = "0";
  std::string params =
      "<ParameterValueStruct><Name>Device.DeviceInfo.UpTime</Name>"
      "<Value xsi:type=\"xsd:unsignedInt\">5</Value></ParameterValueStruct>";
};

std::string inform(const InformParts& p = {}) {
  return envelope(
      "<cwmp:Inform><DeviceId><Manufacturer>Example</Manufacturer><OUI>00D09E</OUI>"
      "<ProductClass>HGW</ProductClass><SerialNumber>" +
          p.serial +
          "</SerialNumber></DeviceId>"
          "<Event soap-enc:arrayType=\"cwmp:EventStruct[1]\">" +
          p.events +
          "</Event><MaxEnvelopes>1</MaxEnvelopes><CurrentTime>2024-01-01T00:00:00Z</CurrentTime>"
          "<RetryCount>" +
          p.retry + "</RetryCount><ParameterList>" + p.params + "</ParameterList></cwmp:Inform>",
      "<cwmp:ID soap-env:mustUnderstand=\"1\">7</cwmp:ID>");
}

std::string value_param(const std::string& value) {
  return "<ParameterValueStruct><Name>Device.X.Y</Name><Value xsi:type=\"xsd:string\">" + value +
         "</Value></ParameterValueStruct>";
}

std::string repeat(std::string_view piece, std::size_t n) {
  std::string out;
  out.reserve(piece.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += piece;
  return out;
}

TEST(HostileInput, TheControlDecodes) {
  expect_ok(inform(), "plain Inform");
}

// ---------------------------------------------------------------------------
// DTDs: no DOCTYPE at all, so no entity is ever declared or expanded.

TEST(HostileInput, BillionLaughs) {
  std::string doc = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol0 \"lol\">\n";
  for (int i = 1; i <= 9; ++i) {
    doc += "<!ENTITY lol" + std::to_string(i) + " \"" +
           repeat("&lol" + std::to_string(i - 1) + ";", 10) + "\">\n";
  }
  doc += "]>\n";
  InformParts p;
  p.params = value_param("&lol9;");
  doc += inform(p);
  Outcome o = run(doc);
  ASSERT_FALSE(o.result.ok());
  EXPECT_EQ(o.result.error().kind, ErrorKind::kForbiddenXml) << describe(o.result.error());
  EXPECT_LT(o.elapsed, kTimeBound);
  EXPECT_LT(o.rss_growth_kib, 64 * 1024) << "entity expansion must not happen";
}

TEST(HostileInput, ExternalEntity) {
  InformParts p;
  p.params = value_param("&xxe;");
  const std::string doc =
      "<?xml version=\"1.0\"?>\n<!DOCTYPE foo [ <!ENTITY xxe SYSTEM \"file:///etc/passwd\"> ]>\n" +
      inform(p);
  Outcome o = run(doc);
  ASSERT_FALSE(o.result.ok());
  EXPECT_EQ(o.result.error().kind, ErrorKind::kForbiddenXml) << describe(o.result.error());
  EXPECT_EQ(o.result.error().message.find("root:"), std::string::npos);
}

TEST(HostileInput, AnyDoctypeIsForbidden) {
  expect_error("<!DOCTYPE soap-env:Envelope>" + inform(), ErrorKind::kForbiddenXml,
               "DOCTYPE without a subset");
  expect_error("<!DOCTYPE x SYSTEM \"http://192.0.2.1/evil.dtd\">" + inform(),
               ErrorKind::kForbiddenXml, "external DTD");
  expect_error("\xEF\xBB\xBF<?xml version=\"1.0\"?><!-- c --><!DOCTYPE x []>" + inform(),
               ErrorKind::kForbiddenXml, "DOCTYPE after BOM, declaration and comment");
}

// ---------------------------------------------------------------------------
// Resource limits (codec.hpp Limits).

TEST(HostileInput, DeepNestingInsideAValue) {
  constexpr std::size_t kDepth = 200000;
  InformParts p;
  p.params = value_param(repeat("<a>", kDepth) + "x" + repeat("</a>", kDepth));
  const std::string doc = inform(p);
  Outcome o = run(doc);
  ASSERT_FALSE(o.result.ok());
  EXPECT_EQ(o.result.error().kind, ErrorKind::kResourcesExceeded) << describe(o.result.error());
  EXPECT_NE(o.result.error().message.find("deep"), std::string::npos)
      << "the message should say which limit: " << o.result.error().message;
  EXPECT_LT(o.elapsed, kTimeBound);
  EXPECT_LT(o.rss_growth_kib, 256 * 1024);
}

TEST(HostileInput, DeepNestingInAnUnknownHeader) {
  const std::string doc =
      envelope("<cwmp:GetRPCMethods/>",
               repeat("<x:h xmlns:x=\"urn:x\">", 100000) + repeat("</x:h>", 100000));
  expect_error(doc, ErrorKind::kResourcesExceeded, "deep header");
}

TEST(HostileInput, DepthLimitCountsTheEnvelopeAsOne) {
  // Envelope/Body/Inform/ParameterList/ParameterValueStruct/Value is 6 deep.
  Limits limits;
  limits.max_depth = 6;
  expect_ok(inform(), "depth 6 within 6", limits);
  limits.max_depth = 5;
  expect_error(inform(), ErrorKind::kResourcesExceeded, "depth 6 over 5", limits);
}

TEST(HostileInput, BodyOver25MB) {
  InformParts p;
  p.params = value_param(std::string(25 * 1024 * 1024, 'A'));
  const std::string doc = inform(p);
  Outcome o = run(doc);
  ASSERT_FALSE(o.result.ok());
  EXPECT_EQ(o.result.error().kind, ErrorKind::kResourcesExceeded) << describe(o.result.error());
  EXPECT_LT(o.elapsed, kTimeBound);
  EXPECT_LT(o.rss_growth_kib, 16 * 1024) << "a too-big body is refused before parsing";
}

TEST(HostileInput, BodySizeLimitIsExact) {
  const std::string doc = inform();
  Limits limits;
  limits.max_body_bytes = doc.size();
  expect_ok(doc, "exactly at the limit", limits);
  limits.max_body_bytes = doc.size() - 1;
  expect_error(doc, ErrorKind::kResourcesExceeded, "one byte over", limits);
}

TEST(HostileInput, MillionEntryList) {
  const std::string doc = envelope(
      "<cwmp:GetParameterValues><ParameterNames soap-enc:arrayType=\"xsd:string[1000001]\">" +
      repeat("<string>Device.</string>", 1000001) + "</ParameterNames></cwmp:GetParameterValues>");
  Limits limits;
  limits.max_body_bytes = 64 * 1024 * 1024;  // so that the list limit is the one hit
  Outcome o = run(doc, limits);
  ASSERT_FALSE(o.result.ok());
  EXPECT_EQ(o.result.error().kind, ErrorKind::kResourcesExceeded) << describe(o.result.error());
  EXPECT_LT(o.elapsed, std::chrono::seconds(10));
}

TEST(HostileInput, ListLimitIsExact) {
  const std::string three = repeat(value_param("v"), 3);
  Limits limits;
  limits.max_list_entries = 3;
  InformParts p;
  p.params = three;
  expect_ok(inform(p), "3 entries, limit 3", limits);
  p.params = three + value_param("v");
  expect_error(inform(p), ErrorKind::kResourcesExceeded, "4 entries, limit 3", limits);
}

TEST(HostileInput, TooManyEvents) {
  const std::string event =
      "<EventStruct><EventCode>M Download</EventCode><CommandKey>k</CommandKey>"
      "</EventStruct>";
  InformParts p;
  p.events = repeat(event, 64);
  expect_ok(inform(p), "64 events");
  p.events = repeat(event, 65);
  Outcome o = run(inform(p));
  ASSERT_FALSE(o.result.ok());
  EXPECT_EQ(o.result.error().kind, ErrorKind::kResourcesExceeded) << describe(o.result.error());
  EXPECT_EQ(o.result.error().fault_code(Side::kAcs), cwmp::fault::kAcsResourcesExceeded);
  EXPECT_EQ(o.result.error().fault_code(Side::kCpe), cwmp::fault::kResourcesExceeded);
}

TEST(HostileInput, OverLongFields) {
  InformParts p;
  p.serial = std::string(64, 'S');
  expect_ok(inform(p), "SerialNumber of 64");
  p.serial = std::string(65, 'S');
  expect_error(inform(p), ErrorKind::kInvalidArguments, "SerialNumber of 65");
  p.serial = std::string(1000000, 'S');
  expect_error(inform(p), ErrorKind::kInvalidArguments, "SerialNumber of 1,000,000");

  InformParts names;
  names.params = "<ParameterValueStruct><Name>" + std::string(257, 'N') +
                 "</Name><Value>v</Value></ParameterValueStruct>";
  expect_error(inform(names), ErrorKind::kInvalidArguments, "parameter name of 257");

  InformParts values;
  values.params = value_param(std::string(65537, 'v'));
  expect_error(inform(values), ErrorKind::kInvalidArguments, "value of 65537");

  expect_error(envelope("<cwmp:Reboot><CommandKey>" + std::string(5000, 'k') +
                        "</CommandKey></cwmp:Reboot>"),
               ErrorKind::kInvalidArguments, "CommandKey of 5000");
}

// A namespace-aware reader must not become quadratic in the number of
// declarations in scope (every element looks its prefix up).
TEST(HostileInput, ManyNamespaceDeclarations) {
  std::string open = kEnvelopeOpen;
  std::string decls;
  for (int i = 0; i < 100000; ++i) decls += " xmlns:p" + std::to_string(i) + "=\"urn:p\"";
  open.insert(open.size() - 1, decls);
  InformParts p;
  p.params = repeat(value_param("v"), 2000);
  std::string doc = inform(p);
  doc.replace(0, std::string(kEnvelopeOpen).size(), open);
  Limits limits;
  limits.max_body_bytes = 8 * 1024 * 1024;
  Outcome o = run(doc, limits);
  EXPECT_LT(o.elapsed, kTimeBound);
  if (o.result.ok()) {
    const auto& i = std::get<cwmp::Inform>(o.result->envelope.body);
    EXPECT_EQ(i.parameter_list.size(), 2000u);
  } else {  // refusing so many declarations would be fair too
    EXPECT_EQ(o.result.error().kind, ErrorKind::kResourcesExceeded) << describe(o.result.error());
  }
}

// ---------------------------------------------------------------------------
// Broken documents.

TEST(HostileInput, EveryTruncationGivesATypedError) {
  const auto& all = cwmp::samples::sample_messages();
  for (const char* name : {"Inform_Bootstrap", "GetParameterValuesResponse", "ChangeDUState",
                           "Fault_SetParameterValues"}) {
    auto it = std::find_if(all.begin(), all.end(), [&](const auto& s) { return s.name == name; });
    ASSERT_NE(it, all.end()) << name;
    auto text = cwmp::encode(it->envelope, {.xml_declaration = true, .pretty = true});
    ASSERT_TRUE(text) << describe(text.error());
    for (std::size_t cut = 0; cut < text->size(); ++cut) {
      const std::string_view prefix(text->data(), cut);
      auto result = cwmp::decode(prefix);
      if (result.ok()) {
        // Only a cut inside trailing whitespace may still be a whole document.
        EXPECT_EQ(text->find_first_not_of(" \t\r\n", cut), std::string::npos)
            << name << " accepted when cut at " << cut << " of " << text->size();
        continue;
      }
      const ErrorKind kind = result.error().kind;
      EXPECT_LE(static_cast<int>(kind), static_cast<int>(ErrorKind::kResourcesExceeded));
      EXPECT_FALSE(result.error().message.empty()) << name << " cut at " << cut;
    }
  }
}

TEST(HostileInput, InvalidUtf8) {
  for (const char* bad :
       {"\x80", "\xC0\xAF", "\xC3", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xFF", "ok\xE2\x82"}) {
    const std::string shown = ::testing::PrintToString(std::string(bad));
    InformParts in_value;
    in_value.params = value_param(std::string("a") + bad + "z");
    expect_error(inform(in_value), ErrorKind::kInvalidEncoding, "value " + shown);
    InformParts in_name;
    in_name.params = "<ParameterValueStruct><Name>Device.X" + std::string(bad) +
                     "</Name><Value>v</Value></ParameterValueStruct>";
    expect_error(inform(in_name), ErrorKind::kInvalidEncoding, "name " + shown);
    InformParts in_serial;
    in_serial.serial = std::string("SN") + bad;
    expect_error(inform(in_serial), ErrorKind::kInvalidEncoding, "serial " + shown);
  }
}

TEST(HostileInput, OtherEncodings) {
  // UTF-16 (with a BOM) is either converted, giving the same message, or
  // refused as an unsupported encoding; never misread.
  const std::string utf8 = inform();
  std::string utf16 = "\xFF\xFE";
  for (char c : utf8) {
    utf16 += c;
    utf16 += '\0';
  }
  Outcome o = run(utf16);
  if (o.result.ok()) {
    EXPECT_EQ(o.result->envelope, cwmp::decode(utf8)->envelope);
  } else {
    EXPECT_EQ(o.result.error().kind, ErrorKind::kInvalidEncoding) << describe(o.result.error());
  }
  // An encoding we cannot convert, with bytes that are not UTF-8.
  std::string sjis = "<?xml version=\"1.0\" encoding=\"Shift_JIS\"?>" + inform();
  sjis.insert(sjis.find("SN1"), "\x82\xA0");
  expect_error(sjis, ErrorKind::kInvalidEncoding, "Shift_JIS bytes");
}

TEST(HostileInput, UnknownMethod) {
  for (const char* method :
       {"<cwmp:FooBar/>", "<cwmp:X_ACME_Reset><Now>1</Now></cwmp:X_ACME_Reset>",
        "<cwmp:informresponse/>"}) {
    Outcome o = run(envelope(method));
    ASSERT_FALSE(o.result.ok()) << method;
    EXPECT_EQ(o.result.error().kind, ErrorKind::kMethodNotSupported) << describe(o.result.error());
    // TR-069 §3.5: 8000 from the ACS, 9000 from the CPE.
    EXPECT_EQ(o.result.error().fault_code(Side::kAcs), cwmp::fault::kAcsMethodNotSupported);
    EXPECT_EQ(o.result.error().fault_code(Side::kCpe), cwmp::fault::kMethodNotSupported);
  }
}

TEST(HostileInput, BadArguments) {
  InformParts p;
  p.retry = "abc";
  Outcome o = run(inform(p));
  ASSERT_FALSE(o.result.ok());
  EXPECT_EQ(o.result.error().kind, ErrorKind::kInvalidArguments) << describe(o.result.error());
  EXPECT_EQ(o.result.error().fault_code(Side::kAcs), cwmp::fault::kAcsInvalidArguments);
  EXPECT_EQ(o.result.error().fault_code(Side::kCpe), cwmp::fault::kInvalidArguments);

  for (const char* retry : {"-1", "4294967296", "1.5", "0x10"}) {
    p.retry = retry;
    expect_error(inform(p), ErrorKind::kInvalidArguments, std::string("RetryCount ") + retry);
  }
  InformParts typed;
  typed.params =
      "<ParameterValueStruct><Name>Device.X.Y</Name>"
      "<Value xsi:type=\"xsd:unsignedInt\">many</Value></ParameterValueStruct>";
  // A value outside the lexical space of its xsi:type is refused, or at
  // least reported as a tolerated deviation: encode() would refuse to write
  // the decoded envelope back.
  Outcome mistyped = run(inform(typed));
  if (mistyped.result.ok()) {
    EXPECT_FALSE(mistyped.result->warnings.empty()) << "unsignedInt 'many' accepted silently";
  } else {
    EXPECT_EQ(mistyped.result.error().kind, ErrorKind::kInvalidArguments)
        << describe(mistyped.result.error());
  }
}

TEST(HostileInput, MustUnderstandHeaderWeDoNotKnow) {
  const std::string doc = envelope(
      "<cwmp:GetRPCMethods/>",
      "<x:Billing xmlns:x=\"urn:example:billing\" soap-env:mustUnderstand=\"1\">9</x:Billing>");
  expect_error(doc, ErrorKind::kMustUnderstand, "unknown mustUnderstand=1 header");
  const std::string optional_header = envelope(
      "<cwmp:GetRPCMethods/>",
      "<x:Billing xmlns:x=\"urn:example:billing\" soap-env:mustUnderstand=\"0\">9</x:Billing>");
  expect_ok(optional_header, "unknown mustUnderstand=0 header is ignored");
}

TEST(HostileInput, NotASoapEnvelope) {
  expect_error("<html><body>502 Bad Gateway</body></html>", ErrorKind::kNotSoapEnvelope, "HTML");
  expect_error(
      "<env:Envelope xmlns:env=\"http://www.w3.org/2003/05/soap-envelope\">"
      "<env:Body><cwmp:GetRPCMethods xmlns:cwmp=\"urn:dslforum-org:cwmp-1-2\"/></env:Body>"
      "</env:Envelope>",
      ErrorKind::kNotSoapEnvelope, "SOAP 1.2 envelope");
  expect_error("<cwmp:Inform xmlns:cwmp=\"urn:dslforum-org:cwmp-1-2\"/>",
               ErrorKind::kNotSoapEnvelope, "an RPC without its envelope");
}

TEST(HostileInput, BodyMissing) {
  expect_error(std::string(kEnvelopeOpen) +
                   "<soap-env:Header><cwmp:ID soap-env:mustUnderstand=\"1\">1</cwmp:ID>"
                   "</soap-env:Header>" +
                   kEnvelopeClose,
               ErrorKind::kNotSoapEnvelope, "header only");
  expect_error(std::string(kEnvelopeOpen) + kEnvelopeClose, ErrorKind::kNotSoapEnvelope,
               "empty envelope");
  EXPECT_FALSE(cwmp::decode(envelope("")).ok()) << "a Body without an RPC";
}

TEST(HostileInput, EmptyInput) {
  expect_error("", ErrorKind::kMalformedXml, "empty");
  expect_error(" \r\n\t ", ErrorKind::kMalformedXml, "whitespace only");
  expect_error("\xEF\xBB\xBF", ErrorKind::kMalformedXml, "BOM only");
}

TEST(HostileInput, NulBytes) {
  InformParts p;
  p.params = value_param(std::string("a\0b", 3));
  for (const std::string& doc : {inform(p), std::string(1, '\0') + inform(),
                                 inform() + std::string(1, '\0'), std::string(100, '\0')}) {
    Outcome o = run(doc);
    ASSERT_FALSE(o.result.ok()) << "NUL accepted at " << doc.find('\0');
    const ErrorKind kind = o.result.error().kind;
    EXPECT_TRUE(kind == ErrorKind::kMalformedXml || kind == ErrorKind::kInvalidEncoding)
        << describe(o.result.error());
  }
}

TEST(HostileInput, GarbageAfterTheEnvelope) {
  expect_error(inform() + "<second/>", ErrorKind::kMalformedXml, "two roots");
  expect_error(inform() + "trailing text", ErrorKind::kMalformedXml, "text after the root");
}

TEST(HostileInput, ErrorsCarryAPosition) {
  const std::string doc = inform().insert(inform().find("<MaxEnvelopes>"), "<broken");
  Outcome o = run(doc);
  ASSERT_FALSE(o.result.ok());
  EXPECT_EQ(o.result.error().kind, ErrorKind::kMalformedXml);
  EXPECT_GE(o.result.error().line, 1u);
  EXPECT_GE(o.result.error().column, 1u);
}

}  // namespace
