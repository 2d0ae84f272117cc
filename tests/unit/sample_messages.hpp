// One fully populated, schema-valid Envelope for every alternative of cwmp::Body
// (several for some), with realistic values. Shared by the codec conformance
// tests, the schema validation test and the benchmarks: header-only on purpose.
//
// Every sample is valid in its own version (envelope.version) and in every CWMP
// version from oldest_version(sample) on, once passed through at_version().
// Content that an old schema rejects raises the sample's min_version, e.g.
// Notification 3..6 needs the cwmp-1-2 schema, "10 AUTONOMOUS TRANSFER COMPLETE"
// and TransferComplete fault 9017 need cwmp-1-1.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "cwmp/codec.hpp"
#include "cwmp/messages.hpp"
#include "cwmp/result.hpp"
#include "cwmp/values.hpp"
#include "cwmp/version.hpp"

namespace cwmp::samples {

struct Sample {
  std::string name;  // unique, [A-Za-z0-9_] (used in file names)
  Envelope envelope;
  // The oldest version whose schema accepts the content; the body's own
  // introduced_in() may be newer (see oldest_version()).
  CwmpVersion min_version = CwmpVersion::k1_0;
};

// The version a decoder should report for an envelope in namespace `ns` with
// header `h`: 1.3 and 1.4 kept the cwmp-1-2 namespace and are told apart by
// the SessionTimeout (1.3) and SupportedCWMPVersions/UseCWMPVersion (1.4)
// header elements (CWMP-FACTS §0).
inline CwmpVersion detected_version(CwmpNamespace ns, const Header& h) {
  CwmpVersion v = base_version(ns);
  if (ns == CwmpNamespace::k1_0 || ns == CwmpNamespace::k1_1) return v;
  if (h.session_timeout) v = std::max(v, CwmpVersion::k1_3);
  if (h.supported_cwmp_versions || h.use_cwmp_version) v = CwmpVersion::k1_4;
  return v;
}

// `e` re-targeted to version `v`: header elements the version does not define
// are dropped, and the version is the one a decoder will detect.
inline Envelope at_version(Envelope e, CwmpVersion v) {
  if (v < CwmpVersion::k1_3) e.header.session_timeout.reset();
  if (v < CwmpVersion::k1_4) {
    e.header.supported_cwmp_versions.reset();
    e.header.use_cwmp_version.reset();
  }
  e.version = detected_version(namespace_for(v), e.header);
  return e;
}

inline CwmpVersion oldest_version(const Sample& s) {
  return std::max(s.min_version, introduced_in(s.envelope.body));
}

// All versions in which the sample may be encoded, oldest first.
inline std::vector<CwmpVersion> versions_for(const Sample& s) {
  std::vector<CwmpVersion> out;
  for (auto v = static_cast<int>(oldest_version(s)); v <= static_cast<int>(kNewestVersion); ++v) {
    out.push_back(static_cast<CwmpVersion>(v));
  }
  return out;
}

// "kInvalidArguments at 3:14: <message>", for test failure output.
inline std::string describe(const Error& e) {
  std::string out(to_string(e.kind));
  if (e.line != 0) out += " at " + std::to_string(e.line) + ":" + std::to_string(e.column);
  return out + ": " + e.message;
}

namespace detail {

inline DateTime utc(int y, int mo, int d, int h, int mi, int s, std::uint32_t nanos = 0,
                    int digits = 0) {
  DateTime t;
  t.year = y;
  t.month = static_cast<std::uint8_t>(mo);
  t.day = static_cast<std::uint8_t>(d);
  t.hour = static_cast<std::uint8_t>(h);
  t.minute = static_cast<std::uint8_t>(mi);
  t.second = static_cast<std::uint8_t>(s);
  t.nanosecond = nanos;
  t.fraction_digits = static_cast<std::uint8_t>(digits);
  t.zone = DateTime::Zone::kUtc;
  return t;
}

inline DateTime with_offset(DateTime t, int offset_minutes) {
  t.zone = DateTime::Zone::kOffset;
  t.offset_minutes = static_cast<std::int16_t>(offset_minutes);
  return t;
}

inline DateTime local(DateTime t) {  // no zone designator at all
  t.zone = DateTime::Zone::kNone;
  return t;
}

inline Header with_id(std::string id) {
  Header h;
  h.id = std::move(id);
  return h;
}

inline constexpr const char* kUuid1 = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
inline constexpr const char* kUuid2 = "F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6";
inline constexpr const char* kUuid3 = "123e4567-e89b-12d3-a456-426614174000";

inline DeviceId igd_device() {
  return {"Example Networks", "00D09E", "IGD-VDSL", "EXN1234567890"};
}
inline DeviceId tr181_device() {
  return {"Ex\xC3\xA4mple & S\xC3\xB6hne GmbH", "A0B1C2", "HGW <5G>", "SN-0000-0001"};
}

inline std::vector<ParameterValue> igd_forced_inform() {
  const std::string p = "InternetGatewayDevice.";
  return {
      {p + "DeviceSummary", "InternetGatewayDevice:1.4[](Baseline:1, EthernetLAN:1)",
       ValueType::kString},
      {p + "DeviceInfo.HardwareVersion", "HW-1.0", ValueType::kString},
      {p + "DeviceInfo.SoftwareVersion", "3.2.1-build.77", ValueType::kString},
      {p + "DeviceInfo.ProvisioningCode", "", ValueType::kString},
      {p + "ManagementServer.ConnectionRequestURL", "http://198.51.100.23:7547/cr/8f3a2b",
       ValueType::kString},
      {p + "ManagementServer.ParameterKey", "", ValueType::kString},
      {p + "WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.ExternalIPAddress", "198.51.100.23",
       ValueType::kString},
  };
}

inline std::vector<ParameterValue> tr181_forced_inform() {
  return {
      {"Device.RootDataModelVersion", "2.17", ValueType::kString},
      {"Device.DeviceInfo.HardwareVersion", "rev B", ValueType::kString},
      {"Device.DeviceInfo.SoftwareVersion", "5.0.0", ValueType::kString},
      {"Device.DeviceInfo.ProvisioningCode", "ISP.RES.GOLD", ValueType::kString},
      {"Device.ManagementServer.ConnectionRequestURL", "http://[2001:db8::17]:7547/cr",
       ValueType::kString},
      {"Device.ManagementServer.ParameterKey", "pk-2024-05-17", ValueType::kString},
      {"Device.ManagementServer.AliasBasedAddressing", "false", ValueType::kBoolean},
      {"Device.DeviceInfo.UpTime", "86400", ValueType::kUnsignedInt},
  };
}

// Every ValueType that survives a round trip (kUnspecified is written as
// xsd:string, so it comes back as kString), in canonical lexical form, plus
// text that needs escaping and non-ASCII text.
inline std::vector<ParameterValue> all_value_types() {
  const std::string p = "Device.DeviceInfo.";
  return {
      {p + "Manufacturer", "Example <&> \"Co\" 'Ltd' ]]>", ValueType::kString},
      {p + "Description", "Z\xC3\xBCrich \xE2\x80\x93 \xE2\x98\x83 \xE6\x97\xA5\xE6\x9C\xAC",
       ValueType::kString},
      {p + "ProvisioningCode", "", ValueType::kString},
      {p + "UpTime", "4294967295", ValueType::kUnsignedInt},
      {p + "X_EXAMPLE_Temperature", "-2147483648", ValueType::kInt},
      {"Device.IP.Interface.1.Stats.BytesSent", "18446744073709551615", ValueType::kUnsignedLong},
      {p + "X_EXAMPLE_ClockSkewNs", "-9223372036854775808", ValueType::kLong},
      {"Device.IP.Interface.1.Enable", "true", ValueType::kBoolean},
      {"Device.IP.Interface.2.Enable", "false", ValueType::kBoolean},
      {"Device.Time.CurrentLocalTime", "2024-05-17T08:30:15.123456Z", ValueType::kDateTime},
      {"Device.ManagementServer.PeriodicInformTime", "0001-01-01T00:00:00Z", ValueType::kDateTime},
      {p + "X_EXAMPLE_Certificate", "SGVsbG8sIENXTVAh", ValueType::kBase64},
      {p + "X_EXAMPLE_MacHex", "00D09E1A2B3C", ValueType::kHexBinary},
      {p + "ProcessStatus.CPUUsageRatio", "-0.75", ValueType::kDecimal},
  };
}

inline OpResult op_result(std::string uuid, std::string state, FaultStruct fault) {
  OpResult r;
  r.uuid = std::move(uuid);
  r.deployment_unit_ref = "Device.SoftwareModules.DeploymentUnit.3.";
  r.version = "1.0.4";
  r.current_state = std::move(state);
  r.resolved = fault.fault_code == 0;
  r.execution_unit_ref_list =
      "Device.SoftwareModules.ExecutionUnit.4.,Device.SoftwareModules.ExecutionUnit.5.";
  r.start_time = utc(2024, 5, 17, 9, 0, 0, 500000000, 1);
  r.complete_time = with_offset(utc(2024, 5, 17, 11, 0, 42), 120);
  r.fault = std::move(fault);
  return r;
}

inline std::vector<Sample> make_acs_to_cpe() {
  using V = CwmpVersion;
  std::vector<Sample> s;
  auto add = [&s](std::string name, Body body, Header h = {}, V min = V::k1_0) {
    s.push_back({std::move(name), Envelope{V::k1_2, std::move(h), std::move(body)}, min});
  };

  add("GetRPCMethods", GetRPCMethods{}, with_id("acs-1"));
  add("GetRPCMethodsResponse",
      GetRPCMethodsResponse{{"GetRPCMethods", "SetParameterValues", "GetParameterValues",
                             "GetParameterNames", "SetParameterAttributes",
                             "GetParameterAttributes", "AddObject", "DeleteObject", "Reboot",
                             "Download", "Upload", "FactoryReset", "X_EXAMPLE_Diagnose"}},
      with_id("acs-1"));

  Header hold = with_id("acs-2");
  hold.hold_requests = true;
  add("SetParameterValues",
      SetParameterValues{
          {{"Device.WiFi.SSID.1.SSID", "Caf\xC3\xA9 <Guest> & Co", ValueType::kString},
           {"Device.ManagementServer.PeriodicInformInterval", "3600", ValueType::kUnsignedInt},
           {"Device.ManagementServer.PeriodicInformEnable", "true", ValueType::kBoolean},
           {"Device.ManagementServer.PeriodicInformTime", "2024-05-17T03:00:00+02:00",
            ValueType::kDateTime},
           {"Device.DeviceInfo.X_EXAMPLE_Offset", "-5", ValueType::kInt}},
          "pk-2024-05-17"},
      hold);
  add("SetParameterValues_EmptyKey",
      SetParameterValues{{{"InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.Enable", "false",
                           ValueType::kBoolean}},
                         ""});
  add("SetParameterValuesResponse", SetParameterValuesResponse{1}, with_id("acs-2"));
  add("GetParameterValues",
      GetParameterValues{{"Device.DeviceInfo.", "Device.ManagementServer.URL",
                          "Device.IP.Interface.1.IPv4Address.1.IPAddress"}},
      with_id("acs-3"));
  add("GetParameterValuesResponse", GetParameterValuesResponse{all_value_types()},
      with_id("acs-3"));
  add("GetParameterValuesResponse_Empty", GetParameterValuesResponse{});
  add("GetParameterNames", GetParameterNames{"Device.WiFi.", false}, with_id("acs-4"));
  add("GetParameterNames_RootNextLevel", GetParameterNames{"", true});
  add("GetParameterNamesResponse",
      GetParameterNamesResponse{{{"Device.WiFi.", false},
                                 {"Device.WiFi.SSID.", true},
                                 {"Device.WiFi.SSIDNumberOfEntries", false},
                                 {"Device.WiFi.SSID.1.SSID", true}}},
      with_id("acs-4"));
  add("SetParameterAttributes",
      SetParameterAttributes{{{"Device.ManagementServer.ConnectionRequestURL", true, 2, false, {}},
                              {"Device.DeviceInfo.", false, 0, true, {"Subscriber"}},
                              {"Device.WiFi.SSID.1.SSID", true, 1, true, {}}}},
      with_id("acs-5"));
  // Notification 3..6 (lightweight notification) exist only from the cwmp-1-2 schema on.
  add("SetParameterAttributes_Lightweight",
      SetParameterAttributes{{{"Device.IP.Interface.1.Stats.BytesSent", true, 3, false, {}},
                              {"Device.IP.Interface.1.Stats.BytesReceived", true, 4, false, {}},
                              {"Device.Hosts.HostNumberOfEntries", true, 5, false, {}},
                              {"Device.WiFi.Radio.1.Channel", true, 6, true, {"Subscriber"}}}},
      with_id("acs-5b"), V::k1_2);
  add("SetParameterAttributesResponse", SetParameterAttributesResponse{}, with_id("acs-5"));
  add("GetParameterAttributes",
      GetParameterAttributes{{"Device.ManagementServer.", "Device.WiFi.SSID.1.SSID"}},
      with_id("acs-6"));
  add("GetParameterAttributesResponse",
      GetParameterAttributesResponse{{{"Device.ManagementServer.ConnectionRequestURL", 2, {}},
                                      {"Device.WiFi.SSID.1.SSID", 1, {"Subscriber"}},
                                      {"Device.DeviceInfo.UpTime", 0, {}}}},
      with_id("acs-6"));
  add("GetParameterAttributesResponse_Lightweight",
      GetParameterAttributesResponse{{{"Device.IP.Interface.1.Stats.BytesSent", 3, {}},
                                      {"Device.IP.Interface.1.Stats.BytesReceived", 4, {}},
                                      {"Device.Hosts.HostNumberOfEntries", 5, {"Subscriber"}},
                                      {"Device.WiFi.Radio.1.Channel", 6, {}}}},
      {}, V::k1_2);
  add("AddObject", AddObject{"Device.IP.Interface.", "pk-add-1"}, with_id("acs-7"));
  add("AddObjectResponse", AddObjectResponse{7, 0}, with_id("acs-7"));
  add("DeleteObject", DeleteObject{"Device.IP.Interface.7.", ""}, with_id("acs-8"));
  add("DeleteObjectResponse", DeleteObjectResponse{1}, with_id("acs-8"));
  add("Download",
      Download{"fw-2024-05", "1 Firmware Upgrade Image",
               "https://files.example.net/fw/hgw-3.2.1.bin?token=a1b2&variant=eu", "cpe-dl",
               "p&ss<word>", 16777216, "hgw-3.2.1.bin", 30, "http://192.168.1.1/upgrade-ok.html",
               "http://192.168.1.1/upgrade-failed.html"},
      with_id("acs-9"));
  add("Download_Minimal", Download{"", "3 Vendor Configuration File", "http://192.0.2.10/cfg.xml",
                                   "", "", 0, "", 0, "", ""});
  add("DownloadResponse_Completed",
      DownloadResponse{0, utc(2024, 5, 17, 8, 30, 15, 123000000, 3),
                       utc(2024, 5, 17, 8, 31, 2, 987654321, 9)},
      with_id("acs-9"));
  add("DownloadResponse_Pending", DownloadResponse{1, DateTime::unknown(), DateTime::unknown()});
  add("Reboot", Reboot{"reboot-42"}, with_id("acs-10"));
  add("RebootResponse", RebootResponse{}, with_id("acs-10"));
  add("GetQueuedTransfers", GetQueuedTransfers{}, with_id("acs-11"));
  add("GetQueuedTransfersResponse",
      GetQueuedTransfersResponse{{{"fw-2024-05", 1}, {"cfg-7", 2}, {"", 3}}}, with_id("acs-11"));
  add("ScheduleInform", ScheduleInform{3600, "si-hourly"}, with_id("acs-12"));
  add("ScheduleInformResponse", ScheduleInformResponse{}, with_id("acs-12"));
  add("SetVouchers",
      SetVouchers{{std::string("\x00\x01\x02\xFF\xFE voucher", 13),
                   "<Voucher><VoucherSN>17</VoucherSN><Option>X_EXAMPLE_VoIP</Option></Voucher>"}},
      with_id("acs-13"));
  add("SetVouchersResponse", SetVouchersResponse{}, with_id("acs-13"));
  add("GetOptions", GetOptions{"X_EXAMPLE_VoIP"}, with_id("acs-14"));
  add("GetOptions_All", GetOptions{""});
  add("GetOptionsResponse",
      GetOptionsResponse{
          {{"X_EXAMPLE_VoIP", 17, 3, 1, utc(2024, 1, 1, 0, 0, 0), utc(2025, 1, 1, 0, 0, 0), 1},
           {"X_EXAMPLE_IPTV", 18, 2, 2, local(utc(2023, 6, 30, 23, 59, 59)), std::nullopt, 0}}},
      with_id("acs-14"));
  add("Upload",
      Upload{"up-log-1", "2 Vendor Log File", "ftp://logs.example.net/upload/EXN1234567890.log",
             "uploader", "secret", 0},
      with_id("acs-15"));
  add("UploadResponse",
      UploadResponse{0, with_offset(utc(2024, 5, 17, 8, 0, 0), -300),
                     with_offset(utc(2024, 5, 17, 8, 0, 5, 250000, 6), -300)},
      with_id("acs-15"));
  add("FactoryReset", FactoryReset{}, with_id("acs-16"));
  add("FactoryResetResponse", FactoryResetResponse{}, with_id("acs-16"));
  add("GetAllQueuedTransfers", GetAllQueuedTransfers{}, with_id("acs-17"));
  add("GetAllQueuedTransfersResponse",
      GetAllQueuedTransfersResponse{
          {{"fw-2024-05", 2, true, "1 Firmware Upgrade Image", 16777216, "hgw-3.2.1.bin"},
           {"up-cfg", 1, false, "3 Vendor Configuration File", 0, ""}}},
      with_id("acs-17"));
  add("ScheduleDownload",
      ScheduleDownload{"sd-night",
                       "1 Firmware Upgrade Image",
                       "https://files.example.net/fw/hgw-3.3.0.bin",
                       "",
                       "",
                       20971520,
                       "hgw-3.3.0.bin",
                       {{0, 3600, "1 At Any Time", "", -1},
                        {7200, 86400, "4 Confirmation Needed",
                         "A new firmware is ready. Install now? The line drops for 2 min.", 3}}},
      with_id("acs-18"));
  add("ScheduleDownload_OneWindow", ScheduleDownload{"sd-idle",
                                                     "2 Web Content",
                                                     "http://192.0.2.10/web.tar",
                                                     "u",
                                                     "p",
                                                     0,
                                                     "",
                                                     {{60, 120, "3 When Idle", "", 0}}});
  add("ScheduleDownloadResponse", ScheduleDownloadResponse{}, with_id("acs-18"));
  add("CancelTransfer", CancelTransfer{"sd-night"}, with_id("acs-19"));
  add("CancelTransferResponse", CancelTransferResponse{}, with_id("acs-19"));
  add("ChangeDUState",
      ChangeDUState{{InstallOp{"https://apps.example.net/du/weather-1.0.4.ipk", kUuid1, "du-user",
                               "du-pass", "Device.SoftwareModules.ExecEnv.1."},
                     UpdateOp{kUuid2, "2.0.1", "https://apps.example.net/du/vpn-2.0.1.ipk",
                              "du-user", "du-pass"},
                     UninstallOp{kUuid3, "0.9", "Device.SoftwareModules.ExecEnv.2."}},
                    "du-batch-7"},
      with_id("acs-20"));
  add("ChangeDUState_Minimal",
      ChangeDUState{{InstallOp{"http://192.0.2.10/du/a.ipk", std::nullopt, std::nullopt,
                               std::nullopt, std::nullopt},
                     UpdateOp{}, UninstallOp{kUuid1, std::nullopt, std::nullopt}},
                    std::nullopt});
  add("ChangeDUStateResponse", ChangeDUStateResponse{}, with_id("acs-20"));
  return s;
}

inline std::vector<Sample> make_cpe_to_acs() {
  using V = CwmpVersion;
  std::vector<Sample> s;
  auto add = [&s](std::string name, Body body, Header h = {}, V min = V::k1_0,
                  V version = V::k1_2) {
    s.push_back({std::move(name), Envelope{version, std::move(h), std::move(body)}, min});
  };

  add("GetRPCMethods_FromCpe", GetRPCMethods{});
  add("Inform_Bootstrap",
      Inform{igd_device(),
             {{"0 BOOTSTRAP", ""}, {"1 BOOT", ""}},
             1,
             with_offset(utc(2024, 5, 17, 10, 30, 15), 120),
             0,
             igd_forced_inform()},
      with_id("cpe-1"));
  Header v13 = with_id("cpe-2");
  v13.session_timeout = 45;
  add("Inform_V13_Periodic",
      Inform{tr181_device(),
             {{"2 PERIODIC", ""}},
             1,
             utc(2024, 5, 17, 8, 30, 15, 1000000, 3),
             3,
             tr181_forced_inform()},
      v13, V::k1_0, V::k1_3);
  Header v14 = with_id("cpe-3");
  v14.session_timeout = 60;
  v14.supported_cwmp_versions = "1.0,1.1,1.2,1.3,1.4";
  {
    auto params = tr181_forced_inform();
    params.push_back({"Device.WiFi.SSID.1.SSID", "Home \xE2\x98\x83", ValueType::kString});
    add("Inform_V14_ValueChange",
        Inform{tr181_device(),
               {{"6 CONNECTION REQUEST", ""}, {"4 VALUE CHANGE", ""}},
               1,
               local(utc(2024, 12, 31, 23, 59, 59)),
               0,
               std::move(params)},
        v14, V::k1_0, V::k1_4);
  }
  add("Inform_TransferComplete",
      Inform{igd_device(),
             {{"7 TRANSFER COMPLETE", ""},
              {"M Download", "fw-2024-05"},
              {"M Reboot", "reboot-42"},
              {"1 BOOT", ""},
              {"X 00D09E LINK UP", ""}},
             1,
             utc(2024, 5, 17, 9, 15, 0),
             2,
             igd_forced_inform()},
      with_id("cpe-4"));
  // DU events, "13 WAKEUP" and "14 HEARTBEAT" match only the generic 1.2 pattern.
  add("Inform_DuWakeupHeartbeat",
      Inform{tr181_device(),
             {{"11 DU STATE CHANGE COMPLETE", ""},
              {"M ChangeDUState", "du-batch-7"},
              {"13 WAKEUP", ""},
              {"14 HEARTBEAT", ""},
              {"M X_EXAMPLE_Diagnose", "diag-1"}},
             1,
             DateTime::unknown(),
             0,
             {}},
      with_id("cpe-5"), V::k1_2);
  {
    std::vector<EventStruct> events;
    for (int i = 0; i < 64; ++i) events.push_back({"M Download", "dl-" + std::to_string(i)});
    add("Inform_64Events",
        Inform{igd_device(), std::move(events), 1, utc(2024, 5, 17, 8, 0, 0), 4294967295u, {}});
  }
  add("Inform_NoEvents", Inform{igd_device(), {}, 1, utc(2024, 2, 29, 12, 0, 0), 17, {}});
  Header use14 = with_id("cpe-3");
  use14.use_cwmp_version = "1.4";
  add("InformResponse_V14", InformResponse{1}, use14, V::k1_0, V::k1_4);
  Header no_hold = with_id("cpe-1");
  no_hold.hold_requests = false;
  add("InformResponse", InformResponse{1}, no_hold);
  add("TransferComplete_Success",
      TransferComplete{"fw-2024-05",
                       {0, ""},
                       utc(2024, 5, 17, 9, 0, 0),
                       utc(2024, 5, 17, 9, 4, 31, 250000000, 2)},
      with_id("cpe-6"));
  add("TransferComplete_Failure",
      TransferComplete{"cfg-7",
                       {9010, "HTTP 404 Not Found: <cfg.xml>"},
                       DateTime::unknown(),
                       DateTime::unknown()},
      with_id("cpe-7"));
  // 9017 is in the 1.1 TransferComplete fault list, not in the 1.0 one.
  add("TransferComplete_Incomplete",
      TransferComplete{"",
                       {9017, "Connection reset after 4 MB"},
                       utc(2024, 5, 17, 9, 0, 0),
                       utc(2024, 5, 17, 9, 0, 30)},
      {}, V::k1_1);
  add("TransferCompleteResponse", TransferCompleteResponse{}, with_id("cpe-6"));
  add("AutonomousTransferComplete",
      AutonomousTransferComplete{"http://192.0.2.55/announce",
                                 "http://192.0.2.55/fw/hgw.bin",
                                 true,
                                 "1 Firmware Upgrade Image",
                                 16777216,
                                 "hgw.bin",
                                 {0, ""},
                                 utc(2024, 5, 16, 2, 0, 0),
                                 utc(2024, 5, 16, 2, 3, 0)},
      with_id("cpe-8"));
  add("AutonomousTransferComplete_UploadFailed",
      AutonomousTransferComplete{"",
                                 "ftp://192.0.2.56/logs/",
                                 false,
                                 "4 Vendor Log File",
                                 0,
                                 "",
                                 {9011, "Upload failure"},
                                 DateTime::unknown(),
                                 DateTime::unknown()},
      {}, V::k1_1);
  add("AutonomousTransferCompleteResponse", AutonomousTransferCompleteResponse{}, with_id("cpe-8"));
  add("Kicked",
      Kicked{"Provision", "http://192.168.1.1/kick.html", "subscriber=12345&plan=gold",
             "http://192.168.1.1/done.html"},
      with_id("cpe-9"));
  add("KickedResponse", KickedResponse{"http://acs.example.net/welcome?sub=12345&step=2"},
      with_id("cpe-9"));
  add("RequestDownload",
      RequestDownload{"3 Vendor Configuration File",
                      {{"Version", "2.1"}, {"Profile", "business <gold>"}}},
      with_id("cpe-10"));
  add("RequestDownload_NoArgs", RequestDownload{"1 Firmware Upgrade Image", {}});
  add("RequestDownloadResponse", RequestDownloadResponse{}, with_id("cpe-10"));
  add("DUStateChangeComplete",
      DUStateChangeComplete{{op_result(kUuid1, "Installed", {0, ""}),
                             op_result(kUuid2, "Failed", {9017, "Download of the DU timed out"}),
                             op_result(kUuid3, "Uninstalled", {0, ""})},
                            "du-batch-7"},
      with_id("cpe-11"));
  {
    OpResult r = op_result(kUuid1, "Failed", {9022, "Invalid UUID format"});
    r.deployment_unit_ref = "";
    r.version = "";
    r.execution_unit_ref_list = "";
    r.start_time = DateTime::unknown();
    r.complete_time = DateTime::unknown();
    add("DUStateChangeComplete_NoCommandKey", DUStateChangeComplete{{r}, std::nullopt});
  }
  add("DUStateChangeCompleteResponse", DUStateChangeCompleteResponse{}, with_id("cpe-11"));
  add("AutonomousDUStateChangeComplete",
      AutonomousDUStateChangeComplete{{{op_result(kUuid1, "Installed", {0, ""}), "Install"},
                                       {op_result(kUuid2, "Installed", {0, ""}), "Update"},
                                       {op_result(kUuid3, "Uninstalled", {0, ""}), "Uninstall"}}},
      with_id("cpe-12"));
  add("AutonomousDUStateChangeCompleteResponse", AutonomousDUStateChangeCompleteResponse{},
      with_id("cpe-12"));
  return s;
}

inline std::vector<Sample> make_faults() {
  using V = CwmpVersion;
  std::vector<Sample> s;
  auto add = [&s](std::string name, Fault f, Header h = {}, V min = V::k1_0) {
    s.push_back({std::move(name), Envelope{V::k1_2, std::move(h), std::move(f)}, min});
  };
  add("Fault_SetParameterValues",
      Fault{"Client",
            "CWMP fault",
            9003,
            "Invalid arguments",
            {{"Device.WiFi.SSID.1.SSID", 9007, "Invalid parameter value"},
             {"Device.DeviceInfo.SerialNumber", 9008, "Attempt to set a non-writable parameter"},
             {"Device.X_UNKNOWN.Foo", 9005, ""},
             {"Device.ManagementServer.PeriodicInformInterval", 9006, "Expected <unsignedInt>"}}},
      with_id("acs-2"));
  add("Fault_MethodNotSupported", Fault{"Server", "CWMP fault", 9000, "Method not supported", {}},
      with_id("acs-16"));
  add("Fault_AcsRetryRequest", Fault{"Server", "CWMP fault", 8005, "Retry request", {}},
      with_id("cpe-1"));
  add("Fault_AcsInvalidArguments", Fault{"Client", "CWMP fault", 8003, "", {}});
  add("Fault_CpeVendor",
      Fault{"Server", "CWMP fault", 9801, "X_EXAMPLE: flash write protected", {}},
      with_id("acs-9"));
  // 8006 is named by cwmp-1-4.xsd; cwmp-1-1 already allowed 8006-8799, cwmp-1-0 did not.
  add("Fault_AcsVersionIncompatible",
      Fault{"Client", "CWMP fault", 8006, "ACS version incompatible with CPE", {}},
      with_id("cpe-3"), V::k1_1);
  return s;
}

}  // namespace detail

// All samples, built once. Names are unique.
inline const std::vector<Sample>& sample_messages() {
  static const std::vector<Sample> all = [] {
    std::vector<Sample> out = detail::make_acs_to_cpe();
    for (auto* part : {detail::make_cpe_to_acs, detail::make_faults}) {
      auto more = part();
      out.insert(out.end(), std::make_move_iterator(more.begin()),
                 std::make_move_iterator(more.end()));
    }
    return out;
  }();
  return all;
}

}  // namespace cwmp::samples
