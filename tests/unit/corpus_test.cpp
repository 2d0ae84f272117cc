// Decoding of real-world-shaped envelopes (tests/data/corpus/*.xml, written by
// hand in the styles CPEs and ACSs use on the wire): prefixes, default
// namespaces, BOM, CRLF, Latin-1, tabs, wrong arrayType counts, 1999 schema
// namespaces, comments, odd attributes. Each file is checked for its key
// fields; every file must also re-encode to an equivalent envelope.
#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "cwmp/codec.hpp"
#include "cwmp/values.hpp"
#include "sample_messages.hpp"

namespace {

namespace fs = std::filesystem;
using cwmp::CwmpNamespace;
using cwmp::CwmpVersion;
using cwmp::Decoded;
using cwmp::ParameterValue;
using cwmp::ValueType;
using cwmp::samples::describe;

fs::path corpus_dir() {
  return fs::path(CWMP_TEST_DATA_DIR) / "corpus";
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

cwmp::DateTime dt(std::string_view text) {
  auto parsed = cwmp::parse_date_time(text);
  EXPECT_TRUE(parsed) << text;
  return parsed.value_or(cwmp::DateTime{});
}

void expect_params(const std::vector<ParameterValue>& got,
                   const std::vector<ParameterValue>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(want[i].name);
    EXPECT_EQ(got[i].name, want[i].name);
    EXPECT_EQ(got[i].value, want[i].value);
    EXPECT_EQ(cwmp::to_string(got[i].type), cwmp::to_string(want[i].type));
  }
}

void expect_events(const std::vector<cwmp::EventStruct>& got,
                   const std::vector<cwmp::EventStruct>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].event_code, want[i].event_code);
    EXPECT_EQ(got[i].command_key, want[i].command_key);
  }
}

void expect_device(const cwmp::DeviceId& got, const cwmp::DeviceId& want) {
  EXPECT_EQ(got.manufacturer, want.manufacturer);
  EXPECT_EQ(got.oui, want.oui);
  EXPECT_EQ(got.product_class, want.product_class);
  EXPECT_EQ(got.serial_number, want.serial_number);
}

template <typename T>
const T& body(const Decoded& d) {
  static const T empty{};
  const T* p = std::get_if<T>(&d.envelope.body);
  EXPECT_NE(p, nullptr) << "body is " << cwmp::method_name(d.envelope.body);
  return p ? *p : empty;
}

struct CorpusCase {
  const char* file;
  std::string_view method;
  CwmpNamespace ns;
  std::optional<std::string> id;
  std::function<void(const Decoded&)> check;
};

const std::vector<CorpusCase>& cases() {
  using NS = CwmpNamespace;
  using VT = ValueType;
  static const std::vector<CorpusCase> all = {
      {"01_inform_default_namespace.xml", "Inform", NS::k1_2, "100",
       [](const Decoded& d) {
         const auto& i = body<cwmp::Inform>(d);
         expect_device(i.device_id, {"Acme Broadband", "0014BF", "ONT-2G", "ACME00112233"});
         expect_events(i.event, {{"0 BOOTSTRAP", ""}, {"1 BOOT", ""}});
         EXPECT_EQ(i.current_time, dt("2024-03-01T12:00:00+01:00"));
         expect_params(i.parameter_list,
                       {{"Device.RootDataModelVersion", "2.12", VT::kString},
                        {"Device.DeviceInfo.SoftwareVersion", "V1.3.7", VT::kString},
                        {"Device.ManagementServer.ConnectionRequestURL", "http://10.20.30.40:7547/",
                         VT::kString}});
       }},
      {"02_inform_soap_env_upper_case.xml", "Inform", NS::k1_0, "1804289383",
       [](const Decoded& d) {
         const auto& i = body<cwmp::Inform>(d);
         expect_device(i.device_id, {"Broadlink", "00904C", "BL-6338", "00904C-6338-A1B2C3"});
         expect_events(i.event, {{"1 BOOT", ""}, {"M Reboot", "reboot_0815"}});
         EXPECT_EQ(i.current_time, dt("2023-11-05T03:14:07"));
         EXPECT_EQ(i.current_time.zone, cwmp::DateTime::Zone::kNone);
         ASSERT_EQ(i.parameter_list.size(), 4u);
         EXPECT_EQ(i.parameter_list[3].value, "100.64.12.7");
       }},
      {"03_inform_soapenv_soap_prefixes.xml", "Inform", NS::k1_1, "cpe-7f3a",
       [](const Decoded& d) {
         const auto& i = body<cwmp::Inform>(d);
         expect_events(i.event, {{"2 PERIODIC", ""}});
         EXPECT_EQ(i.retry_count, 2u);
         EXPECT_EQ(i.current_time, dt("2024-06-30T23:59:59.250Z"));
         EXPECT_EQ(i.current_time.fraction_digits, 3);
         expect_params(
             i.parameter_list,
             {{"InternetGatewayDevice.DeviceInfo.UpTime", "1209600", VT::kUnsignedInt},
              {"InternetGatewayDevice.ManagementServer.PeriodicInformEnable", "1", VT::kBoolean}});
       }},
      {"04_inform_cwmp10_no_xsi_type.xml", "Inform", NS::k1_0, "1",
       [](const Decoded& d) {
         const auto& i = body<cwmp::Inform>(d);
         expect_events(i.event, {{"6 CONNECTION REQUEST", ""}});
         EXPECT_TRUE(i.current_time.is_unknown());
         expect_params(
             i.parameter_list,
             {{"InternetGatewayDevice.DeviceInfo.HardwareVersion", "R1.0", VT::kUnspecified},
              {"InternetGatewayDevice.DeviceInfo.UpTime", "3600", VT::kUnspecified},
              {"InternetGatewayDevice.ManagementServer.ParameterKey", "", VT::kUnspecified}});
         EXPECT_TRUE(d.warnings.empty())
             << "missing xsi:type is normal in 1.0: " << d.warnings.front();
       }},
      {"05_inform_bom_crlf.xml", "Inform", NS::k1_2, "bom-1",
       [](const Decoded& d) {
         const auto& i = body<cwmp::Inform>(d);
         expect_device(i.device_id, {"T\xC3\xA9l\xC3\xA9"
                                     "com \xC3\x89quipement",
                                     "70B3D5", "Box Fibre", "TE-\xC3\x89\xC3\x80-0001"});
         expect_events(i.event, {{"4 VALUE CHANGE", ""}});
         expect_params(
             i.parameter_list,
             {{"Device.WiFi.SSID.1.SSID",
               "Caf\xC3\xA9 \xC2\xABWi-Fi\xC2\xBB \xE6\x97\xA5\xE6\x9C\xAC", VT::kString}});
       }},
      {"06_gpv_request_xml_declaration.xml", "GetParameterValues", NS::k1_0, "64f1c2a9e3b0",
       [](const Decoded& d) {
         EXPECT_EQ(body<cwmp::GetParameterValues>(d).parameter_names,
                   (std::vector<std::string>{
                       "InternetGatewayDevice.DeviceInfo.",
                       "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.SSID",
                       "InternetGatewayDevice.ManagementServer.PeriodicInformInterval"}));
       }},
      {"07_inform_iso_8859_1.xml", "Inform", NS::k1_0, "latin1",
       [](const Decoded& d) {
         const auto& i = body<cwmp::Inform>(d);
         EXPECT_EQ(i.device_id.manufacturer, "Soci\xC3\xA9t\xC3\xA9 R\xC3\xA9seau");
         expect_params(i.parameter_list,
                       {{"InternetGatewayDevice.DeviceInfo.Description",
                         "Passerelle r\xC3\xA9sidentielle \xC2\xB5-s\xC3\xA9rie", VT::kString}});
       }},
      {"08_gpn_response_tabs.xml", "GetParameterNamesResponse", NS::k1_2, "gpn-9",
       [](const Decoded& d) {
         EXPECT_EQ(body<cwmp::GetParameterNamesResponse>(d).parameter_list,
                   (std::vector<cwmp::ParameterInfo>{{"Device.Hosts.", false},
                                                     {"Device.Hosts.HostNumberOfEntries", false},
                                                     {"Device.Hosts.Host.", true}}));
       }},
      {"09_inform_array_type_mismatch.xml", "Inform", NS::k1_0, "arr",
       [](const Decoded& d) {
         const auto& i = body<cwmp::Inform>(d);
         expect_events(i.event, {{"1 BOOT", ""}, {"7 TRANSFER COMPLETE", ""}});
         ASSERT_EQ(i.parameter_list.size(), 3u);
         EXPECT_EQ(i.parameter_list[2].value, "http://192.0.2.99:7547/");
       }},
      {"10_transfer_complete_empty_elements.xml", "TransferComplete", NS::k1_2, "tc-1",
       [](const Decoded& d) {
         const auto& t = body<cwmp::TransferComplete>(d);
         EXPECT_EQ(t.command_key, "");
         EXPECT_EQ(t.fault_struct, (cwmp::FaultStruct{0, ""}));
         EXPECT_EQ(t.start_time, dt("2024-05-01T10:00:00Z"));
         EXPECT_EQ(t.complete_time, dt("2024-05-01T10:02:30Z"));
       }},
      {"11_inform_nonstandard_cwmp13.xml", "Inform", NS::k1_3NonStandard, "ns13",
       [](const Decoded& d) {
         const auto& i = body<cwmp::Inform>(d);
         expect_params(i.parameter_list, {{"Device.DeviceInfo.UpTime", "77", VT::kUnsignedInt}});
       }},
      {"12_inform_cwmp14_headers.xml", "Inform", NS::k1_2, "a6-0001",
       [](const Decoded& d) {
         EXPECT_EQ(d.envelope.version, CwmpVersion::k1_4);
         EXPECT_EQ(d.envelope.header.session_timeout, 60u);
         EXPECT_EQ(d.envelope.header.supported_cwmp_versions, "1.0,1.1,1.2,1.3,1.4");
         const auto& i = body<cwmp::Inform>(d);
         expect_events(i.event,
                       {{"13 WAKEUP", ""}, {"14 HEARTBEAT", ""}, {"M ScheduleInform", "nightly"}});
         EXPECT_EQ(i.current_time, dt("2024-08-15T02:00:00.123456-04:00"));
         EXPECT_EQ(i.current_time.offset_minutes, -240);
         ASSERT_EQ(i.parameter_list.size(), 3u);
         EXPECT_EQ(i.parameter_list[1].type, VT::kBoolean);
         EXPECT_EQ(i.parameter_list[2].type, VT::kDateTime);
       }},
      {"13_spv_response_id_without_must_understand.xml", "SetParameterValuesResponse", NS::k1_1,
       "spv-3",
       [](const Decoded& d) { EXPECT_EQ(body<cwmp::SetParameterValuesResponse>(d).status, 1); }},
      {"14_inform_xsd_1999.xml", "Inform", NS::k1_0, "99",
       [](const Decoded& d) {
         const auto& i = body<cwmp::Inform>(d);
         EXPECT_EQ(i.current_time, dt("1999-12-31T23:59:59Z"));
         expect_params(i.parameter_list,
                       {{"InternetGatewayDevice.DeviceInfo.UpTime", "42", VT::kUnsignedInt},
                        {"InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.Enable", "false",
                         VT::kBoolean},
                        {"InternetGatewayDevice.DeviceInfo.ModelName", "LS 1999", VT::kString}});
       }},
      {"15_gpv_response_tr098_igd.xml", "GetParameterValuesResponse", NS::k1_0, "64f1c2a9e3b0",
       [](const Decoded& d) {
         const std::string p = "InternetGatewayDevice.";
         expect_params(
             body<cwmp::GetParameterValuesResponse>(d).parameter_list,
             {{p + "DeviceInfo.Manufacturer", "Broadlink & Sons", VT::kString},
              {p + "DeviceInfo.UpTime", "86400", VT::kUnsignedInt},
              {p + "LANDevice.1.WLANConfiguration.1.SSID", "<Home> \xE2\x98\xBA", VT::kString},
              {p + "LANDevice.1.WLANConfiguration.1.Enable", "1", VT::kBoolean},
              {p + "ManagementServer.PeriodicInformInterval", "86400", VT::kUnsignedInt},
              {p + "Time.CurrentLocalTime", "2024-05-17T10:30:15", VT::kDateTime},
              {p + "WANDevice.1.WANDSLInterfaceConfig.DownstreamNoiseMargin", "-12", VT::kInt}});
       }},
      {"16_transfer_complete_fault.xml", "TransferComplete", NS::k1_2, "17",
       [](const Decoded& d) {
         const auto& t = body<cwmp::TransferComplete>(d);
         EXPECT_EQ(t.command_key, "fw upgrade 2024-05");
         EXPECT_EQ(t.fault_struct, (cwmp::FaultStruct{9010, "Download failed: HTTP 404"}));
         EXPECT_TRUE(t.complete_time.is_unknown());
       }},
      {"17_fault_set_parameter_values.xml", "Fault", NS::k1_0, "spv-77",
       [](const Decoded& d) {
         const auto& f = body<cwmp::Fault>(d);
         EXPECT_EQ(f.faultcode, "Client");
         EXPECT_EQ(f.faultstring, "CWMP fault");
         EXPECT_EQ(f.code, 9003u);
         EXPECT_EQ(f.string, "Invalid arguments");
         const std::string p = "InternetGatewayDevice.";
         EXPECT_EQ(
             f.set_parameter_values_faults,
             (std::vector<cwmp::SetParameterValuesFault>{
                 {p + "LANDevice.1.WLANConfiguration.1.Channel", 9007, "Invalid parameter value"},
                 {p + "DeviceInfo.SerialNumber", 9008,
                  "Attempt to set a non-writable parameter"}}));
       }},
      {"18_get_rpc_methods_from_cpe.xml", "GetRPCMethods", NS::k1_2, std::nullopt,
       [](const Decoded& d) { EXPECT_EQ(d.envelope.header, cwmp::Header{}); }},
      {"19_gpv_response_comments_and_pis.xml", "GetParameterValuesResponse", NS::k1_2, std::nullopt,
       [](const Decoded& d) {
         expect_params(body<cwmp::GetParameterValuesResponse>(d).parameter_list,
                       {{"Device.DeviceInfo.ModelName", "Router 3000", VT::kString},
                        {"Device.DeviceInfo.UpTime", "12", VT::kUnsignedInt}});
       }},
      {"20_inform_odd_attributes.xml", "Inform", NS::k1_0, "odd-1",
       [](const Decoded& d) {
         const auto& i = body<cwmp::Inform>(d);
         expect_device(i.device_id, {"Oddities Inc", "0C0C0C", "ODD", "ODD-000"});
         expect_events(i.event, {{"1 BOOT", ""}});
         EXPECT_EQ(i.retry_count, 3u);
         expect_params(i.parameter_list, {{"Device.DeviceInfo.UpTime", "5", VT::kUnsignedInt}});
       }},
      {"21_inform_no_more_requests.xml", "Inform", NS::k1_0, "nmr",
       [](const Decoded& d) {
         EXPECT_EQ(d.envelope.header.no_more_requests, true);
         const auto& i = body<cwmp::Inform>(d);
         EXPECT_TRUE(i.event.empty());
         EXPECT_TRUE(i.parameter_list.empty());
       }},
      {"22_spv_request_from_acs.xml", "SetParameterValues", NS::k1_2, "18f2a1b3c4d",
       [](const Decoded& d) {
         EXPECT_EQ(d.envelope.header.hold_requests, true);
         const auto& s = body<cwmp::SetParameterValues>(d);
         EXPECT_EQ(s.parameter_key, "task-5f2e");
         expect_params(s.parameter_list,
                       {{"Device.ManagementServer.PeriodicInformInterval", "300", VT::kUnsignedInt},
                        {"Device.WiFi.SSID.1.SSID", "Guest & Friends", VT::kString},
                        {"Device.WiFi.Radio.1.Enable", "false", VT::kBoolean}});
       }},
      {"23_download_request.xml", "Download", NS::k1_1, "dl-1",
       [](const Decoded& d) {
         EXPECT_EQ(
             body<cwmp::Download>(d),
             (cwmp::Download{"fw-3.2.1", "1 Firmware Upgrade Image",
                             "http://fw.example.net/images/hgw-3.2.1.bin?sig=ab&exp=1717000000", "",
                             "", 16777216, "hgw-3.2.1.bin", 0, "", ""}));
       }},
      {"24_inform_response_use_cwmp_version.xml", "InformResponse", NS::k1_2, "a6-0001",
       [](const Decoded& d) {
         EXPECT_EQ(d.envelope.version, CwmpVersion::k1_4);
         EXPECT_EQ(d.envelope.header.use_cwmp_version, "1.4");
         EXPECT_EQ(body<cwmp::InformResponse>(d).max_envelopes, 1u);
       }},
  };
  return all;
}

class Corpus : public ::testing::TestWithParam<std::size_t> {
 protected:
  const CorpusCase& kase() const { return cases()[GetParam()]; }
  std::string bytes() const { return read_file(corpus_dir() / kase().file); }
};

TEST_P(Corpus, DecodesWithTheExpectedFields) {
  const std::string input = bytes();
  ASSERT_FALSE(input.empty()) << "missing " << (corpus_dir() / kase().file);
  auto decoded = cwmp::decode(input);
  ASSERT_TRUE(decoded) << describe(decoded.error());
  const Decoded& d = *decoded;
  EXPECT_EQ(cwmp::method_name(d.envelope.body), kase().method);
  EXPECT_EQ(cwmp::namespace_urn(d.ns), cwmp::namespace_urn(kase().ns));
  EXPECT_EQ(d.envelope.header.id, kase().id);
  EXPECT_EQ(cwmp::to_string(d.envelope.version),
            cwmp::to_string(cwmp::samples::detected_version(kase().ns, d.envelope.header)));
  kase().check(d);
}

// Whatever was accepted can be written back out (schema-valid, per encode's
// contract) and means the same thing; kUnspecified becomes xsd:string and the
// deprecated NoMoreRequests is dropped.
TEST_P(Corpus, ReEncodesToAnEquivalentEnvelope) {
  auto decoded = cwmp::decode(bytes());
  ASSERT_TRUE(decoded) << describe(decoded.error());
  cwmp::Envelope e = decoded->envelope;
  e.header.no_more_requests.reset();
  auto untyped_to_string = [](std::vector<ParameterValue>& list) {
    for (auto& p : list) {
      if (p.type == ValueType::kUnspecified) p.type = ValueType::kString;
    }
  };
  if (auto* i = std::get_if<cwmp::Inform>(&e.body)) untyped_to_string(i->parameter_list);
  if (auto* r = std::get_if<cwmp::GetParameterValuesResponse>(&e.body)) {
    untyped_to_string(r->parameter_list);
  }
  auto text = cwmp::encode(e);
  ASSERT_TRUE(text) << describe(text.error());
  auto again = cwmp::decode(*text);
  ASSERT_TRUE(again) << describe(again.error()) << "\n" << *text;
  EXPECT_EQ(again->envelope.header, e.header) << *text;
  EXPECT_TRUE(again->envelope.body == e.body) << *text;
}

std::string case_name(const ::testing::TestParamInfo<std::size_t>& info) {
  std::string name = cases()[info.param].file;
  name = name.substr(0, name.find('.'));
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Files, Corpus, ::testing::Range(std::size_t{0}, cases().size()),
                         case_name);

TEST(CorpusFiles, EveryFileHasACase) {
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(corpus_dir())) {
    if (entry.path().extension() != ".xml") continue;
    ++files;
    const std::string name = entry.path().filename().string();
    bool found = false;
    for (const CorpusCase& c : cases()) found = found || name == c.file;
    EXPECT_TRUE(found) << name << " has no expectations in corpus_test.cpp";
  }
  EXPECT_GE(files, 15u);
}

// ---------------------------------------------------------------------------
// Small inline documents for text-level details of the same lenient reading.

std::string gpv_response_with_value(const std::string& value_element) {
  return R"(<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/" )"
         R"(xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" )"
         R"(xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:cwmp="urn:dslforum-org:cwmp-1-2">)"
         R"(<soap-env:Body><cwmp:GetParameterValuesResponse><ParameterList>)"
         R"(<ParameterValueStruct><Name>Device.X.Y</Name>)" +
         value_element +
         R"(</ParameterValueStruct></ParameterList></cwmp:GetParameterValuesResponse>)"
         R"(</soap-env:Body></soap-env:Envelope>)";
}

std::string decoded_value(const std::string& value_element) {
  auto d = cwmp::decode(gpv_response_with_value(value_element));
  if (!d) return "<error: " + describe(d.error()) + ">";
  const auto& list = std::get<cwmp::GetParameterValuesResponse>(d->envelope.body).parameter_list;
  return list.size() == 1 ? list[0].value : "<" + std::to_string(list.size()) + " values>";
}

TEST(CorpusInline, TextIsReadWhole) {
  EXPECT_EQ(decoded_value("<Value>abc<!-- note -->def</Value>"), "abcdef");
  EXPECT_EQ(decoded_value("<Value>abc<?pi x?>def</Value>"), "abcdef");
  EXPECT_EQ(decoded_value("<Value><![CDATA[<b>&amp;</b>]]></Value>"), "<b>&amp;</b>");
  EXPECT_EQ(decoded_value("<Value>a<![CDATA[<]]>b</Value>"), "a<b");
  EXPECT_EQ(decoded_value("<Value>&#65;&#x42;&lt;&gt;&amp;&quot;&apos;</Value>"), "AB<>&\"'");
  EXPECT_EQ(decoded_value("<Value>&#x1F600;</Value>"), "\xF0\x9F\x98\x80");
  EXPECT_EQ(decoded_value("<Value>a&#13;&#10;b</Value>"), "a\r\nb");
}

TEST(CorpusInline, MissingArrayTypeIsTolerated) {
  auto d = cwmp::decode(gpv_response_with_value(R"(<Value xsi:type="xsd:int">7</Value>)"));
  ASSERT_TRUE(d) << describe(d.error());
  const auto& list = std::get<cwmp::GetParameterValuesResponse>(d->envelope.body).parameter_list;
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].type, ValueType::kInt);
}

TEST(CorpusInline, RelatedSchemaTypesMapToTheNearestCwmpType) {
  const std::pair<const char*, ValueType> mapping[] = {
      {"xsd:unsignedShort", ValueType::kUnsignedInt},
      {"xs:short", ValueType::kInt},
      {"int", ValueType::kInt},
      {"soap-enc:base64", ValueType::kBase64},
      {"xsd:base64Binary", ValueType::kBase64},
      {"xsd:hexBinary", ValueType::kHexBinary},
      {"xsd:unsignedLong", ValueType::kUnsignedLong},
      {"xsd:double", ValueType::kDecimal},
  };
  for (const auto& [xsi, type] : mapping) {
    SCOPED_TRACE(xsi);
    auto d = cwmp::decode(gpv_response_with_value(
        std::string(R"(<Value xmlns:soap-enc="http://schemas.xmlsoap.org/soap/encoding/" )"
                    R"(xmlns:xs="http://www.w3.org/2001/XMLSchema" xsi:type=")") +
        xsi + R"(">1</Value>)"));
    ASSERT_TRUE(d) << describe(d.error());
    const auto& list = std::get<cwmp::GetParameterValuesResponse>(d->envelope.body).parameter_list;
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(cwmp::to_string(list[0].type), cwmp::to_string(type));
  }
}

}  // namespace
