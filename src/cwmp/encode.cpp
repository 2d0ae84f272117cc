// encode(Envelope) -> bytes. Strict: what we write validates against the
// official cwmp-1-x.xsd (strict Body), with the prefixes soap-env, soap-enc, xsd,
// xsi and cwmp that some agents match literally, and no XML declaration unless
// asked for. Anything that would not validate is refused with an Error.
#include <charconv>
#include <type_traits>

#include "cwmp/codec.hpp"
#include "cwmp/faults.hpp"
#include "cwmp/schema_patterns.hpp"
#include "cwmp/values.hpp"
#include "cwmp/xml_writer.hpp"

namespace cwmp {

namespace {

using detail::XmlWriter;

constexpr std::string_view kEnvelopeOpenFmt =
    "xmlns:soap-env=\"http://schemas.xmlsoap.org/soap/envelope/\" "
    "xmlns:soap-enc=\"http://schemas.xmlsoap.org/soap/encoding/\" "
    "xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" "
    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
    "xmlns:cwmp=\"";

// Schema maxLength facets (cwmp-1-2.xsd).
constexpr std::size_t kName = 256;
constexpr std::size_t kKey = 32;  // CommandKey, ParameterKey
constexpr std::size_t k64 = 64;
constexpr std::size_t k256 = 256;
constexpr std::size_t k1024 = 1024;
constexpr std::size_t kDuVersion = 32;
constexpr std::size_t kKickedCommand = 32;

class Encoder {
 public:
  Encoder(std::string& out, CwmpVersion version, bool pretty)
      : w_(out, pretty), version_(version) {}

  XmlWriter& writer() { return w_; }

  void header(const Header& h);
  void body(const Body& b) {
    std::visit([this](const auto& m) { message(m); }, b);
  }

 private:
  // --- scalar fields -------------------------------------------------------
  void str(std::string_view name, std::string_view value, std::size_t max) {
    if (value.size() > max && detail::utf8_length(value) > max) {
      w_.fail(std::string(name) + " is longer than " + std::to_string(max) + " characters");
      return;
    }
    w_.text_element(name, value);
  }
  void opt_str(std::string_view name, const std::optional<std::string>& value, std::size_t max) {
    if (value) str(name, *value, max);
  }
  template <typename Int>
  void num(std::string_view name, Int value) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
    w_.text_element(name, std::string_view(buf, std::size_t(end - buf)));
  }
  void boolean(std::string_view name, bool value) {
    w_.text_element(name, value ? "true" : "false");
  }
  void date_time(std::string_view name, const DateTime& value) {
    scratch_.clear();
    append_date_time(scratch_, value);
    w_.text_element(name, scratch_);
  }
  void status(std::string_view name, std::int32_t value) {
    if (value != 0 && value != 1) w_.fail(std::string(name) + " must be 0 or 1");
    num(name, value);
  }
  void file_type(std::string_view value, detail::FileTypeUse use) {
    if (!detail::is_valid_file_type(use, version_, value)) {
      w_.fail("FileType '" + std::string(value) + "' is not allowed by the CWMP " +
              std::string(to_string(version_)) + " schema");
    }
    str("FileType", value, k64);
  }
  // The leading fields Download and ScheduleDownload share, in schema order.
  template <typename T>
  void download_fields(const T& m) {
    str("CommandKey", m.command_key, kKey);
    file_type(m.file_type, detail::FileTypeUse::kDownload);
    str("URL", m.url, k256);
    str("Username", m.username, k256);
    str("Password", m.password, k256);
    num("FileSize", m.file_size);
    str("TargetFileName", m.target_file_name, k256);
  }
  void object_name(std::string_view value) {
    if (value.empty() || value.back() != '.') w_.fail("ObjectName must end in '.'");
    str("ObjectName", value, kName);
  }

  // --- arrays and structs --------------------------------------------------
  void string_array(std::string_view name, const std::vector<std::string>& items, std::size_t max,
                    bool at_least_one) {
    if (at_least_one && items.empty()) w_.fail(std::string(name) + " needs at least one entry");
    w_.open_array(name, "xsd:string", items.size());
    for (const auto& s : items) str("string", s, max);
    w_.close(name);
  }
  void parameter_values(const std::vector<ParameterValue>& list);
  void access_list(const std::vector<std::string>& list);
  void notification(std::int32_t value) {
    const std::int32_t max = version_ >= CwmpVersion::k1_2 ? 6 : 2;
    if (value < 0 || value > max) {
      w_.fail("Notification " + std::to_string(value) + " is out of range 0.." +
              std::to_string(max) + " for CWMP " + std::string(to_string(version_)));
    }
    num("Notification", value);
  }
  void fault_struct(const FaultStruct& f, bool deployment_unit) {
    const bool ok = deployment_unit
                        ? is_deployment_unit_fault_code(f.fault_code)
                        : detail::is_valid_transfer_fault_code_for(version_, f.fault_code);
    if (!ok) w_.fail("FaultCode " + std::to_string(f.fault_code) + " is not allowed here");
    num("FaultCode", f.fault_code);
    // FaultString is required (maxLength 256) in the transfer struct, optional
    // in the DU struct; writing it always is valid for both.
    str("FaultString", f.fault_string, deployment_unit ? SIZE_MAX : k256);
  }
  void op_result(const OpResult& r);
  void du_operation(const DuOperation& op);
  void du_uuid(std::string_view value) {
    if (!detail::is_valid_du_uuid(value)) w_.fail("UUID '" + std::string(value) + "' is invalid");
    w_.text_element("UUID", value);
  }

  // --- messages ------------------------------------------------------------
  template <typename T>
  void open_rpc() {
    static constexpr std::string_view kPrefix = "cwmp:";
    name_.assign(kPrefix);
    name_.append(T::kName);
    w_.open(name_);
  }
  template <typename T>
  void close_rpc() {
    name_.assign("cwmp:");
    name_.append(T::kName);
    w_.close(name_);
  }
  // Messages without arguments.
  template <typename T>
  requires std::is_empty_v<T>
  void message(const T&) {
    name_.assign("cwmp:");
    name_.append(T::kName);
    w_.empty(name_);
  }
  void message(const GetRPCMethodsResponse& m);
  void message(const SetParameterValues& m);
  void message(const SetParameterValuesResponse& m);
  void message(const GetParameterValues& m);
  void message(const GetParameterValuesResponse& m);
  void message(const GetParameterNames& m);
  void message(const GetParameterNamesResponse& m);
  void message(const SetParameterAttributes& m);
  void message(const GetParameterAttributes& m);
  void message(const GetParameterAttributesResponse& m);
  void message(const AddObject& m);
  void message(const AddObjectResponse& m);
  void message(const DeleteObject& m);
  void message(const DeleteObjectResponse& m);
  void message(const Download& m);
  void message(const DownloadResponse& m);
  void message(const Reboot& m);
  void message(const GetQueuedTransfersResponse& m);
  void message(const ScheduleInform& m);
  void message(const SetVouchers& m);
  void message(const GetOptions& m);
  void message(const GetOptionsResponse& m);
  void message(const Upload& m);
  void message(const UploadResponse& m);
  void message(const GetAllQueuedTransfersResponse& m);
  void message(const ScheduleDownload& m);
  void message(const CancelTransfer& m);
  void message(const ChangeDUState& m);
  void message(const Inform& m);
  void message(const InformResponse& m);
  void message(const TransferComplete& m);
  void message(const AutonomousTransferComplete& m);
  void message(const Kicked& m);
  void message(const KickedResponse& m);
  void message(const RequestDownload& m);
  void message(const DUStateChangeComplete& m);
  void message(const AutonomousDUStateChangeComplete& m);
  void message(const Fault& m);

  XmlWriter w_;
  CwmpVersion version_;
  std::string scratch_;
  std::string name_;
};

void Encoder::header(const Header& h) {
  const bool any = h.id || h.hold_requests || h.session_timeout || h.supported_cwmp_versions ||
                   h.use_cwmp_version;
  if (!any) return;
  w_.open("soap-env:Header");
  // cwmp:ID and cwmp:HoldRequests carry mustUnderstand="1" (use="required"
  // fixed="1" in every cwmp-1-x.xsd); UseCWMPVersion MUST use 1 (cwmp-1-4.xsd);
  // SessionTimeout and SupportedCWMPVersions leave it out (optional, 0).
  if (h.id) w_.text_element("cwmp:ID", *h.id, "soap-env:mustUnderstand=\"1\"");
  if (h.hold_requests) {
    w_.text_element("cwmp:HoldRequests", *h.hold_requests ? "true" : "false",
                    "soap-env:mustUnderstand=\"1\"");
  }
  if (h.session_timeout) {
    char buf[16];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), *h.session_timeout);
    w_.text_element("cwmp:SessionTimeout", std::string_view(buf, std::size_t(end - buf)));
  }
  if (h.supported_cwmp_versions) {
    w_.text_element("cwmp:SupportedCWMPVersions", *h.supported_cwmp_versions);
  }
  if (h.use_cwmp_version) {
    w_.text_element("cwmp:UseCWMPVersion", *h.use_cwmp_version, "soap-env:mustUnderstand=\"1\"");
  }
  w_.close("soap-env:Header");
}

void Encoder::parameter_values(const std::vector<ParameterValue>& list) {
  w_.open_array("ParameterList", "cwmp:ParameterValueStruct", list.size());
  for (const auto& p : list) {
    w_.open("ParameterValueStruct");
    str("Name", p.name, kName);
    if (!is_valid_value(p.type, p.value)) {
      w_.fail("value of " + p.name + " is not a valid " + std::string(to_string(p.type)));
    }
    // "xsi:type=\"" + type + "\"" without allocating.
    char attrs[48] = "xsi:type=\"";
    const std::string_view type = xsi_type_name(p.type);
    std::size_t n = 10;
    type.copy(attrs + n, type.size());
    n += type.size();
    attrs[n++] = '"';
    w_.text_element("Value", p.value, std::string_view(attrs, n));
    w_.close("ParameterValueStruct");
  }
  w_.close("ParameterList");
}

void Encoder::access_list(const std::vector<std::string>& list) {
  w_.open_array("AccessList", "xsd:string", list.size());
  for (const auto& entry : list) {
    // AccessListValueType enumerates one value (cwmp-1-2.xsd).
    if (entry != "Subscriber") w_.fail("AccessList entry '" + entry + "' is not 'Subscriber'");
    w_.text_element("string", entry);
  }
  w_.close("AccessList");
}

void Encoder::op_result(const OpResult& r) {
  du_uuid(r.uuid);
  w_.text_element("DeploymentUnitRef", r.deployment_unit_ref);
  str("Version", r.version, kDuVersion);
  if (r.current_state != "Installed" && r.current_state != "Uninstalled" &&
      r.current_state != "Failed") {
    w_.fail("CurrentState '" + r.current_state + "' is not Installed, Uninstalled or Failed");
  }
  w_.text_element("CurrentState", r.current_state);
  boolean("Resolved", r.resolved);
  w_.text_element("ExecutionUnitRefList", r.execution_unit_ref_list);
  date_time("StartTime", r.start_time);
  date_time("CompleteTime", r.complete_time);
  w_.open("Fault");
  fault_struct(r.fault, true);
  w_.close("Fault");
}

void Encoder::du_operation(const DuOperation& op) {
  std::visit(
      [this](const auto& o) {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, InstallOp>) {
          w_.open("Operations", "xsi:type=\"cwmp:InstallOpStruct\"");
          str("URL", o.url, k1024);
          if (o.uuid) du_uuid(*o.uuid);
          opt_str("Username", o.username, k256);
          opt_str("Password", o.password, k256);
          opt_str("ExecutionEnvRef", o.execution_env_ref, k256);
        } else if constexpr (std::is_same_v<T, UpdateOp>) {
          w_.open("Operations", "xsi:type=\"cwmp:UpdateOpStruct\"");
          if (o.uuid) du_uuid(*o.uuid);
          opt_str("Version", o.version, kDuVersion);
          opt_str("URL", o.url, k1024);
          opt_str("Username", o.username, k256);
          opt_str("Password", o.password, k256);
        } else {
          w_.open("Operations", "xsi:type=\"cwmp:UninstallOpStruct\"");
          du_uuid(o.uuid);
          opt_str("Version", o.version, kDuVersion);
          opt_str("ExecutionEnvRef", o.execution_env_ref, k256);
        }
        w_.close("Operations");
      },
      op);
}

void Encoder::message(const GetRPCMethodsResponse& m) {
  open_rpc<GetRPCMethodsResponse>();
  string_array("MethodList", m.method_list, k64, true);
  close_rpc<GetRPCMethodsResponse>();
}

void Encoder::message(const SetParameterValues& m) {
  open_rpc<SetParameterValues>();
  parameter_values(m.parameter_list);
  str("ParameterKey", m.parameter_key, kKey);
  close_rpc<SetParameterValues>();
}

void Encoder::message(const SetParameterValuesResponse& m) {
  open_rpc<SetParameterValuesResponse>();
  status("Status", m.status);
  close_rpc<SetParameterValuesResponse>();
}

void Encoder::message(const GetParameterValues& m) {
  open_rpc<GetParameterValues>();
  string_array("ParameterNames", m.parameter_names, kName, true);
  close_rpc<GetParameterValues>();
}

void Encoder::message(const GetParameterValuesResponse& m) {
  open_rpc<GetParameterValuesResponse>();
  parameter_values(m.parameter_list);
  close_rpc<GetParameterValuesResponse>();
}

void Encoder::message(const GetParameterNames& m) {
  open_rpc<GetParameterNames>();
  str("ParameterPath", m.parameter_path, kName);
  boolean("NextLevel", m.next_level);
  close_rpc<GetParameterNames>();
}

void Encoder::message(const GetParameterNamesResponse& m) {
  open_rpc<GetParameterNamesResponse>();
  w_.open_array("ParameterList", "cwmp:ParameterInfoStruct", m.parameter_list.size());
  for (const auto& p : m.parameter_list) {
    w_.open("ParameterInfoStruct");
    str("Name", p.name, kName);
    boolean("Writable", p.writable);
    w_.close("ParameterInfoStruct");
  }
  w_.close("ParameterList");
  close_rpc<GetParameterNamesResponse>();
}

void Encoder::message(const SetParameterAttributes& m) {
  open_rpc<SetParameterAttributes>();
  if (m.parameter_list.empty()) w_.fail("SetParameterAttributes needs at least one entry");
  w_.open_array("ParameterList", "cwmp:SetParameterAttributesStruct", m.parameter_list.size());
  for (const auto& p : m.parameter_list) {
    w_.open("SetParameterAttributesStruct");
    str("Name", p.name, kName);
    boolean("NotificationChange", p.notification_change);
    notification(p.notification);
    boolean("AccessListChange", p.access_list_change);
    access_list(p.access_list);
    w_.close("SetParameterAttributesStruct");
  }
  w_.close("ParameterList");
  close_rpc<SetParameterAttributes>();
}

void Encoder::message(const GetParameterAttributes& m) {
  open_rpc<GetParameterAttributes>();
  string_array("ParameterNames", m.parameter_names, kName, true);
  close_rpc<GetParameterAttributes>();
}

void Encoder::message(const GetParameterAttributesResponse& m) {
  open_rpc<GetParameterAttributesResponse>();
  w_.open_array("ParameterList", "cwmp:ParameterAttributeStruct", m.parameter_list.size());
  for (const auto& p : m.parameter_list) {
    w_.open("ParameterAttributeStruct");
    str("Name", p.name, kName);
    notification(p.notification);
    access_list(p.access_list);
    w_.close("ParameterAttributeStruct");
  }
  w_.close("ParameterList");
  close_rpc<GetParameterAttributesResponse>();
}

void Encoder::message(const AddObject& m) {
  open_rpc<AddObject>();
  object_name(m.object_name);
  str("ParameterKey", m.parameter_key, kKey);
  close_rpc<AddObject>();
}

void Encoder::message(const AddObjectResponse& m) {
  open_rpc<AddObjectResponse>();
  if (m.instance_number < 1) w_.fail("InstanceNumber must be at least 1");
  num("InstanceNumber", m.instance_number);
  status("Status", m.status);
  close_rpc<AddObjectResponse>();
}

void Encoder::message(const DeleteObject& m) {
  open_rpc<DeleteObject>();
  object_name(m.object_name);
  str("ParameterKey", m.parameter_key, kKey);
  close_rpc<DeleteObject>();
}

void Encoder::message(const DeleteObjectResponse& m) {
  open_rpc<DeleteObjectResponse>();
  status("Status", m.status);
  close_rpc<DeleteObjectResponse>();
}

void Encoder::message(const Download& m) {
  open_rpc<Download>();
  download_fields(m);
  num("DelaySeconds", m.delay_seconds);
  str("SuccessURL", m.success_url, k256);
  str("FailureURL", m.failure_url, k256);
  close_rpc<Download>();
}

void Encoder::message(const DownloadResponse& m) {
  open_rpc<DownloadResponse>();
  status("Status", m.status);
  date_time("StartTime", m.start_time);
  date_time("CompleteTime", m.complete_time);
  close_rpc<DownloadResponse>();
}

void Encoder::message(const Reboot& m) {
  open_rpc<Reboot>();
  str("CommandKey", m.command_key, kKey);
  close_rpc<Reboot>();
}

void Encoder::message(const GetQueuedTransfersResponse& m) {
  open_rpc<GetQueuedTransfersResponse>();
  if (m.transfer_list.size() > 16) w_.fail("TransferList holds at most 16 entries");
  w_.open_array("TransferList", "cwmp:QueuedTransferStruct", m.transfer_list.size());
  for (const auto& t : m.transfer_list) {
    w_.open("QueuedTransferStruct");
    str("CommandKey", t.command_key, kKey);
    if (t.state < 1 || t.state > 3) w_.fail("transfer State must be 1, 2 or 3");
    num("State", t.state);
    w_.close("QueuedTransferStruct");
  }
  w_.close("TransferList");
  close_rpc<GetQueuedTransfersResponse>();
}

void Encoder::message(const ScheduleInform& m) {
  open_rpc<ScheduleInform>();
  num("DelaySeconds", m.delay_seconds);
  str("CommandKey", m.command_key, kKey);
  close_rpc<ScheduleInform>();
}

void Encoder::message(const SetVouchers& m) {
  open_rpc<SetVouchers>();
  if (m.voucher_list.empty()) w_.fail("VoucherList needs at least one entry");
  w_.open_array("VoucherList", "soap-enc:base64", m.voucher_list.size());
  for (const auto& v : m.voucher_list) w_.text_element("base64", base64_encode(v));
  w_.close("VoucherList");
  close_rpc<SetVouchers>();
}

void Encoder::message(const GetOptions& m) {
  open_rpc<GetOptions>();
  str("OptionName", m.option_name, k64);
  close_rpc<GetOptions>();
}

void Encoder::message(const GetOptionsResponse& m) {
  open_rpc<GetOptionsResponse>();
  w_.open_array("OptionList", "cwmp:OptionStruct", m.option_list.size());
  for (const auto& o : m.option_list) {
    w_.open("OptionStruct");
    str("OptionName", o.option_name, k64);
    num("VoucherSN", o.voucher_sn);
    if (o.state > 3) w_.fail("OptionStruct State must be 0..3");
    num("State", o.state);
    if (o.mode < 0 || o.mode > 2) w_.fail("OptionStruct Mode must be 0..2");
    num("Mode", o.mode);
    date_time("StartDate", o.start_date);
    if (o.expiration_date) date_time("ExpirationDate", *o.expiration_date);
    if (o.is_transferable != 0 && o.is_transferable != 1) {
      w_.fail("OptionStruct IsTransferable must be 0 or 1");
    }
    num("IsTransferable", o.is_transferable);
    w_.close("OptionStruct");
  }
  w_.close("OptionList");
  close_rpc<GetOptionsResponse>();
}

void Encoder::message(const Upload& m) {
  open_rpc<Upload>();
  str("CommandKey", m.command_key, kKey);
  file_type(m.file_type, detail::FileTypeUse::kUpload);
  str("URL", m.url, k256);
  str("Username", m.username, k256);
  str("Password", m.password, k256);
  num("DelaySeconds", m.delay_seconds);
  close_rpc<Upload>();
}

void Encoder::message(const UploadResponse& m) {
  open_rpc<UploadResponse>();
  status("Status", m.status);
  date_time("StartTime", m.start_time);
  date_time("CompleteTime", m.complete_time);
  close_rpc<UploadResponse>();
}

void Encoder::message(const GetAllQueuedTransfersResponse& m) {
  open_rpc<GetAllQueuedTransfersResponse>();
  if (m.transfer_list.size() > 16) w_.fail("TransferList holds at most 16 entries");
  w_.open_array("TransferList", "cwmp:AllQueuedTransferStruct", m.transfer_list.size());
  for (const auto& t : m.transfer_list) {
    w_.open("AllQueuedTransferStruct");
    str("CommandKey", t.command_key, kKey);
    if (t.state < 1 || t.state > 3) w_.fail("transfer State must be 1, 2 or 3");
    num("State", t.state);
    boolean("IsDownload", t.is_download);
    file_type(t.file_type, detail::FileTypeUse::kTransfer);
    num("FileSize", t.file_size);
    str("TargetFileName", t.target_file_name, k256);
    w_.close("AllQueuedTransferStruct");
  }
  w_.close("TransferList");
  close_rpc<GetAllQueuedTransfersResponse>();
}

void Encoder::message(const ScheduleDownload& m) {
  open_rpc<ScheduleDownload>();
  download_fields(m);
  if (m.time_window_list.empty() || m.time_window_list.size() > 2) {
    w_.fail("TimeWindowList holds 1 or 2 entries");
  }
  w_.open_array("TimeWindowList", "cwmp:TimeWindowStruct", m.time_window_list.size());
  for (const auto& t : m.time_window_list) {
    w_.open("TimeWindowStruct");
    num("WindowStart", t.window_start);
    num("WindowEnd", t.window_end);
    if (!detail::is_valid_window_mode(t.window_mode)) {
      w_.fail("WindowMode '" + t.window_mode + "' does not match the schema pattern");
    }
    str("WindowMode", t.window_mode, k64);
    str("UserMessage", t.user_message, k256);
    num("MaxRetries", t.max_retries);
    w_.close("TimeWindowStruct");
  }
  w_.close("TimeWindowList");
  close_rpc<ScheduleDownload>();
}

void Encoder::message(const CancelTransfer& m) {
  open_rpc<CancelTransfer>();
  str("CommandKey", m.command_key, kKey);
  close_rpc<CancelTransfer>();
}

void Encoder::message(const ChangeDUState& m) {
  open_rpc<ChangeDUState>();
  if (m.operations.empty()) w_.fail("ChangeDUState needs at least one operation");
  for (const auto& op : m.operations) du_operation(op);
  opt_str("CommandKey", m.command_key, kKey);
  close_rpc<ChangeDUState>();
}

void Encoder::message(const Inform& m) {
  open_rpc<Inform>();
  w_.open("DeviceId");
  str("Manufacturer", m.device_id.manufacturer, k64);
  if (!detail::is_valid_oui(m.device_id.oui)) {
    w_.fail("OUI '" + m.device_id.oui + "' is not 6 upper-case hex digits");
  }
  w_.text_element("OUI", m.device_id.oui);
  str("ProductClass", m.device_id.product_class, k64);
  str("SerialNumber", m.device_id.serial_number, k64);
  w_.close("DeviceId");
  if (m.event.size() > 64) w_.fail("an Inform carries at most 64 events");
  w_.open_array("Event", "cwmp:EventStruct", m.event.size());
  for (const auto& e : m.event) {
    w_.open("EventStruct");
    if (!detail::is_valid_event_code_for(version_, e.event_code)) {
      w_.fail("EventCode '" + e.event_code + "' is not allowed by the CWMP " +
              std::string(to_string(version_)) + " schema");
    }
    str("EventCode", e.event_code, k64);
    str("CommandKey", e.command_key, kKey);
    w_.close("EventStruct");
  }
  w_.close("Event");
  num("MaxEnvelopes", m.max_envelopes);
  date_time("CurrentTime", m.current_time);
  num("RetryCount", m.retry_count);
  parameter_values(m.parameter_list);
  close_rpc<Inform>();
}

void Encoder::message(const InformResponse& m) {
  open_rpc<InformResponse>();
  num("MaxEnvelopes", m.max_envelopes);
  close_rpc<InformResponse>();
}

void Encoder::message(const TransferComplete& m) {
  open_rpc<TransferComplete>();
  str("CommandKey", m.command_key, kKey);
  w_.open("FaultStruct");
  fault_struct(m.fault_struct, false);
  w_.close("FaultStruct");
  date_time("StartTime", m.start_time);
  date_time("CompleteTime", m.complete_time);
  close_rpc<TransferComplete>();
}

void Encoder::message(const AutonomousTransferComplete& m) {
  open_rpc<AutonomousTransferComplete>();
  str("AnnounceURL", m.announce_url, k1024);
  str("TransferURL", m.transfer_url, k1024);
  boolean("IsDownload", m.is_download);
  file_type(m.file_type, detail::FileTypeUse::kTransfer);
  num("FileSize", m.file_size);
  str("TargetFileName", m.target_file_name, k256);
  w_.open("FaultStruct");
  fault_struct(m.fault_struct, false);
  w_.close("FaultStruct");
  date_time("StartTime", m.start_time);
  date_time("CompleteTime", m.complete_time);
  close_rpc<AutonomousTransferComplete>();
}

void Encoder::message(const Kicked& m) {
  open_rpc<Kicked>();
  str("Command", m.command, kKickedCommand);
  str("Referer", m.referer, k64);
  str("Arg", m.arg, k256);
  str("Next", m.next, k1024);
  close_rpc<Kicked>();
}

void Encoder::message(const KickedResponse& m) {
  open_rpc<KickedResponse>();
  str("NextURL", m.next_url, k1024);
  close_rpc<KickedResponse>();
}

void Encoder::message(const RequestDownload& m) {
  open_rpc<RequestDownload>();
  file_type(m.file_type, detail::FileTypeUse::kDownload);
  if (m.file_type_arg.size() > 16) w_.fail("FileTypeArg holds at most 16 entries");
  w_.open_array("FileTypeArg", "cwmp:ArgStruct", m.file_type_arg.size());
  for (const auto& a : m.file_type_arg) {
    w_.open("ArgStruct");
    str("Name", a.name, k64);
    str("Value", a.value, k256);
    w_.close("ArgStruct");
  }
  w_.close("FileTypeArg");
  close_rpc<RequestDownload>();
}

void Encoder::message(const DUStateChangeComplete& m) {
  open_rpc<DUStateChangeComplete>();
  if (m.results.empty()) w_.fail("DUStateChangeComplete needs at least one result");
  for (const auto& r : m.results) {
    w_.open("Results");
    op_result(r);
    w_.close("Results");
  }
  opt_str("CommandKey", m.command_key, kKey);
  close_rpc<DUStateChangeComplete>();
}

void Encoder::message(const AutonomousDUStateChangeComplete& m) {
  open_rpc<AutonomousDUStateChangeComplete>();
  if (m.results.empty()) w_.fail("AutonomousDUStateChangeComplete needs at least one result");
  for (const auto& r : m.results) {
    w_.open("Results");
    op_result(r.result);
    if (r.operation_performed.empty()) w_.fail("OperationPerformed is empty");
    w_.text_element("OperationPerformed", r.operation_performed);
    w_.close("Results");
  }
  close_rpc<AutonomousDUStateChangeComplete>();
}

void Encoder::message(const Fault& m) {
  if (!detail::is_valid_fault_code_for(version_, m.code)) {
    w_.fail("FaultCode " + std::to_string(m.code) + " is not allowed by the CWMP " +
            std::string(to_string(version_)) + " schema");
  }
  if (m.faultcode != "Client" && m.faultcode != "Server") {
    w_.fail("faultcode must be Client or Server");
  }
  w_.open("soap-env:Fault");
  w_.text_element("faultcode", m.faultcode);
  w_.text_element("faultstring", m.faultstring);
  w_.open("detail");
  w_.open("cwmp:Fault");
  num("FaultCode", m.code);
  w_.text_element("FaultString", m.string);
  for (const auto& f : m.set_parameter_values_faults) {
    if (!is_cpe_fault_code(f.fault_code)) {
      w_.fail("SetParameterValuesFault FaultCode " + std::to_string(f.fault_code) +
              " is not a CPE fault code");
    }
    w_.open("SetParameterValuesFault");
    w_.text_element("ParameterName", f.parameter_name);
    num("FaultCode", f.fault_code);
    w_.text_element("FaultString", f.fault_string);
    w_.close("SetParameterValuesFault");
  }
  w_.close("cwmp:Fault");
  w_.close("detail");
  w_.close("soap-env:Fault");
}

}  // namespace

Result<std::size_t> encode_to(const Envelope& envelope, std::string& out,
                              const EncodeOptions& options) {
  const std::size_t start = out.size();
  if (options.xml_declaration) {
    // In pretty mode the root's indent() adds the newline after it.
    out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
  }
  const bool pretty = options.pretty;
  Encoder enc(out, envelope.version, pretty);
  XmlWriter& w = enc.writer();
  const std::string_view urn = namespace_urn(namespace_for(envelope.version));
  // Build the root's attributes in place: the namespace URN varies by version.
  std::string attrs;
  attrs.reserve(kEnvelopeOpenFmt.size() + urn.size() + 1);
  attrs.append(kEnvelopeOpenFmt).append(urn).push_back('"');
  w.open("soap-env:Envelope", attrs);
  enc.header(envelope.header);
  w.open("soap-env:Body");
  if (introduced_in(envelope.body) > envelope.version) {
    // e.g. ScheduleDownload (1.2) cannot be written in the cwmp-1-0 namespace.
    w.fail(std::string(method_name(envelope.body)) + " does not exist before CWMP " +
           std::string(to_string(introduced_in(envelope.body))));
  }
  enc.body(envelope.body);
  w.close("soap-env:Body");
  w.close("soap-env:Envelope");
  if (pretty) w.raw("\n");
  w.finish();
  if (w.failed()) {
    out.resize(start);
    return Error{ErrorKind::kInvalidArguments,
                 std::string(method_name(envelope.body)) + ": " + w.error()};
  }
  return out.size() - start;
}

Result<std::string> encode(const Envelope& envelope, const EncodeOptions& options) {
  std::string out;
  out.reserve(2048);
  auto r = encode_to(envelope, out, options);
  if (!r) return r.error();
  return out;
}

}  // namespace cwmp
