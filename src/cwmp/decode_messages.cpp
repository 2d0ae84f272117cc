// One small decoder per RPC element, and the dispatch from element name to it.
// Need::kStrict marks the fields without which a message means nothing (the
// DeviceId of an Inform, the names of a GetParameterValues); everything else
// missing is tolerated with a warning and the schema's natural default.
#include <algorithm>
#include <array>

#include "cwmp/decode_rpc.hpp"

namespace cwmp::detail {

namespace {

using D = RpcDecoder;

// --- shared pieces ----------------------------------------------------------

std::vector<std::string> names_array(D& d, const Children& c, std::string_view field,
                                     std::string_view ctx) {
  pugi::xml_node list = d.field(c, field, kStrict, ctx);
  return d.strings(list, d.limits().max_name_length, ctx);
}

std::vector<SetParameterAttributesStruct> spa_list(D& d, pugi::xml_node list) {
  std::vector<SetParameterAttributesStruct> out;
  d.for_each_item(list, d.limits().max_list_entries, "SetParameterAttributes",
                  [&](pugi::xml_node item) {
                    constexpr std::string_view ctx = "SetParameterAttributesStruct";
                    Children c(item);
                    auto& s = out.emplace_back();
                    s.name = std::string(trim(d.string(c, "Name", 256, kStrict, ctx)));
                    s.notification_change = d.boolean(c, "NotificationChange", kLenient, ctx);
                    s.notification = d.integer(c, "Notification", kLenient, ctx);
                    s.access_list_change = d.boolean(c, "AccessListChange", kLenient, ctx);
                    s.access_list = d.strings(c.find("AccessList"), k64, "AccessList");
                  });
  return out;
}

// --- per message ------------------------------------------------------------
// Each takes the RPC element's children and fills the message.

void decode(D&, const Children&, GetRPCMethods&) {}
void decode(D& d, const Children& c, GetRPCMethodsResponse& m) {
  m.method_list = d.strings(d.field(c, "MethodList", kLenient, m.kName), k64, "MethodList");
}
void decode(D& d, const Children& c, SetParameterValues& m) {
  m.parameter_list = d.parameter_values(d.field(c, "ParameterList", kStrict, m.kName), m.kName);
  m.parameter_key = d.string(c, "ParameterKey", kKeyLen, kLenient, m.kName);
}
void decode(D& d, const Children& c, SetParameterValuesResponse& m) {
  m.status = d.integer(c, "Status", kLenient, m.kName);
}
void decode(D& d, const Children& c, GetParameterValues& m) {
  m.parameter_names = names_array(d, c, "ParameterNames", m.kName);
}
void decode(D& d, const Children& c, GetParameterValuesResponse& m) {
  m.parameter_list = d.parameter_values(d.field(c, "ParameterList", kLenient, m.kName), m.kName);
}
void decode(D& d, const Children& c, GetParameterNames& m) {
  m.parameter_path = std::string(trim(d.string(c, "ParameterPath", 256, kLenient, m.kName)));
  m.next_level = d.boolean(c, "NextLevel", kLenient, m.kName);
}
void decode(D& d, const Children& c, GetParameterNamesResponse& m) {
  pugi::xml_node list = d.field(c, "ParameterList", kLenient, m.kName);
  d.for_each_item(list, d.limits().max_list_entries, m.kName, [&](pugi::xml_node item) {
    Children f(item);
    auto& p = m.parameter_list.emplace_back();
    p.name = std::string(trim(d.string(f, "Name", 256, kStrict, "ParameterInfoStruct")));
    p.writable = d.boolean(f, "Writable", kLenient, "ParameterInfoStruct");
  });
}
void decode(D& d, const Children& c, SetParameterAttributes& m) {
  m.parameter_list = spa_list(d, d.field(c, "ParameterList", kStrict, m.kName));
}
void decode(D&, const Children&, SetParameterAttributesResponse&) {}
void decode(D& d, const Children& c, GetParameterAttributes& m) {
  m.parameter_names = names_array(d, c, "ParameterNames", m.kName);
}
void decode(D& d, const Children& c, GetParameterAttributesResponse& m) {
  pugi::xml_node list = d.field(c, "ParameterList", kLenient, m.kName);
  d.for_each_item(list, d.limits().max_list_entries, m.kName, [&](pugi::xml_node item) {
    constexpr std::string_view ctx = "ParameterAttributeStruct";
    Children f(item);
    auto& p = m.parameter_list.emplace_back();
    p.name = std::string(trim(d.string(f, "Name", 256, kStrict, ctx)));
    p.notification = d.integer(f, "Notification", kLenient, ctx);
    p.access_list = d.strings(f.find("AccessList"), k64, "AccessList");
  });
}
void decode(D& d, const Children& c, AddObject& m) {
  m.object_name = std::string(trim(d.string(c, "ObjectName", 256, kStrict, m.kName)));
  m.parameter_key = d.string(c, "ParameterKey", kKeyLen, kLenient, m.kName);
}
void decode(D& d, const Children& c, AddObjectResponse& m) {
  m.instance_number = d.unsigned_int(c, "InstanceNumber", kStrict, m.kName);
  m.status = d.integer(c, "Status", kLenient, m.kName);
}
void decode(D& d, const Children& c, DeleteObject& m) {
  m.object_name = std::string(trim(d.string(c, "ObjectName", 256, kStrict, m.kName)));
  m.parameter_key = d.string(c, "ParameterKey", kKeyLen, kLenient, m.kName);
}
void decode(D& d, const Children& c, DeleteObjectResponse& m) {
  m.status = d.integer(c, "Status", kLenient, m.kName);
}
void decode(D& d, const Children& c, Download& m) {
  m.command_key = d.string(c, "CommandKey", kKeyLen, kLenient, m.kName);
  m.file_type = d.string(c, "FileType", k64, kStrict, m.kName);
  m.url = d.string(c, "URL", k1024, kStrict, m.kName);
  m.username = d.string(c, "Username", k256, kLenient, m.kName);
  m.password = d.string(c, "Password", k256, kLenient, m.kName);
  m.file_size = d.unsigned_int(c, "FileSize", kLenient, m.kName);
  m.target_file_name = d.string(c, "TargetFileName", k256, kLenient, m.kName);
  m.delay_seconds = d.unsigned_int(c, "DelaySeconds", kLenient, m.kName);
  m.success_url = d.string(c, "SuccessURL", k1024, kLenient, m.kName);
  m.failure_url = d.string(c, "FailureURL", k1024, kLenient, m.kName);
}
void decode(D& d, const Children& c, DownloadResponse& m) {
  m.status = d.integer(c, "Status", kLenient, m.kName);
  m.start_time = d.date_time(c, "StartTime", kLenient, m.kName);
  m.complete_time = d.date_time(c, "CompleteTime", kLenient, m.kName);
}
void decode(D& d, const Children& c, Reboot& m) {
  m.command_key = d.string(c, "CommandKey", kKeyLen, kLenient, m.kName);
}
void decode(D&, const Children&, RebootResponse&) {}
void decode(D&, const Children&, GetQueuedTransfers&) {}
void decode(D& d, const Children& c, GetQueuedTransfersResponse& m) {
  pugi::xml_node list = d.field(c, "TransferList", kLenient, m.kName);
  d.for_each_item(list, 16, "TransferList", [&](pugi::xml_node item) {
    Children f(item);
    auto& t = m.transfer_list.emplace_back();
    t.command_key = d.string(f, "CommandKey", kKeyLen, kLenient, "QueuedTransferStruct");
    t.state = d.integer(f, "State", kLenient, "QueuedTransferStruct");
  });
}
void decode(D& d, const Children& c, ScheduleInform& m) {
  m.delay_seconds = d.unsigned_int(c, "DelaySeconds", kLenient, m.kName);
  m.command_key = d.string(c, "CommandKey", kKeyLen, kLenient, m.kName);
}
void decode(D&, const Children&, ScheduleInformResponse&) {}
void decode(D& d, const Children& c, SetVouchers& m) {
  pugi::xml_node list = d.field(c, "VoucherList", kStrict, m.kName);
  d.for_each_item(list, d.limits().max_list_entries, "VoucherList", [&](pugi::xml_node item) {
    auto bytes = base64_decode(d.text(item));
    if (!bytes) {
      d.fail(ErrorKind::kInvalidArguments, "VoucherList entry is not base64", item);
      return;
    }
    m.voucher_list.push_back(std::move(*bytes));
  });
}
void decode(D&, const Children&, SetVouchersResponse&) {}
void decode(D& d, const Children& c, GetOptions& m) {
  m.option_name = d.string(c, "OptionName", k64, kLenient, m.kName);
}
void decode(D& d, const Children& c, GetOptionsResponse& m) {
  pugi::xml_node list = d.field(c, "OptionList", kLenient, m.kName);
  d.for_each_item(list, d.limits().max_list_entries, "OptionList", [&](pugi::xml_node item) {
    constexpr std::string_view ctx = "OptionStruct";
    Children f(item);
    auto& o = m.option_list.emplace_back();
    o.option_name = d.string(f, "OptionName", k64, kLenient, ctx);
    o.voucher_sn = d.unsigned_int(f, "VoucherSN", kLenient, ctx);
    o.state = d.unsigned_int(f, "State", kLenient, ctx);
    o.mode = d.integer(f, "Mode", kLenient, ctx);
    o.start_date = d.date_time(f, "StartDate", kLenient, ctx);
    if (f.find("ExpirationDate")) o.expiration_date = d.date_time(f, "ExpirationDate", kOpt, ctx);
    o.is_transferable = d.integer(f, "IsTransferable", kLenient, ctx);
  });
}
void decode(D& d, const Children& c, Upload& m) {
  m.command_key = d.string(c, "CommandKey", kKeyLen, kLenient, m.kName);
  m.file_type = d.string(c, "FileType", k64, kStrict, m.kName);
  m.url = d.string(c, "URL", k1024, kStrict, m.kName);
  m.username = d.string(c, "Username", k256, kLenient, m.kName);
  m.password = d.string(c, "Password", k256, kLenient, m.kName);
  m.delay_seconds = d.unsigned_int(c, "DelaySeconds", kLenient, m.kName);
}
void decode(D& d, const Children& c, UploadResponse& m) {
  m.status = d.integer(c, "Status", kLenient, m.kName);
  m.start_time = d.date_time(c, "StartTime", kLenient, m.kName);
  m.complete_time = d.date_time(c, "CompleteTime", kLenient, m.kName);
}
void decode(D&, const Children&, FactoryReset&) {}
void decode(D&, const Children&, FactoryResetResponse&) {}
void decode(D&, const Children&, GetAllQueuedTransfers&) {}
void decode(D& d, const Children& c, GetAllQueuedTransfersResponse& m) {
  pugi::xml_node list = d.field(c, "TransferList", kLenient, m.kName);
  d.for_each_item(list, 16, "TransferList", [&](pugi::xml_node item) {
    constexpr std::string_view ctx = "AllQueuedTransferStruct";
    Children f(item);
    auto& t = m.transfer_list.emplace_back();
    t.command_key = d.string(f, "CommandKey", kKeyLen, kLenient, ctx);
    t.state = d.integer(f, "State", kLenient, ctx);
    t.is_download = d.boolean(f, "IsDownload", kLenient, ctx);
    t.file_type = d.string(f, "FileType", k64, kLenient, ctx);
    t.file_size = d.unsigned_int(f, "FileSize", kLenient, ctx);
    t.target_file_name = d.string(f, "TargetFileName", k256, kLenient, ctx);
  });
}
void decode(D& d, const Children& c, ScheduleDownload& m) {
  m.command_key = d.string(c, "CommandKey", kKeyLen, kLenient, m.kName);
  m.file_type = d.string(c, "FileType", k64, kStrict, m.kName);
  m.url = d.string(c, "URL", k1024, kStrict, m.kName);
  m.username = d.string(c, "Username", k256, kLenient, m.kName);
  m.password = d.string(c, "Password", k256, kLenient, m.kName);
  m.file_size = d.unsigned_int(c, "FileSize", kLenient, m.kName);
  m.target_file_name = d.string(c, "TargetFileName", k256, kLenient, m.kName);
  pugi::xml_node list = d.field(c, "TimeWindowList", kStrict, m.kName);
  d.for_each_item(list, 2, "TimeWindowList", [&](pugi::xml_node item) {
    constexpr std::string_view ctx = "TimeWindowStruct";
    Children f(item);
    auto& t = m.time_window_list.emplace_back();
    t.window_start = d.unsigned_int(f, "WindowStart", kLenient, ctx);
    t.window_end = d.unsigned_int(f, "WindowEnd", kLenient, ctx);
    t.window_mode = d.string(f, "WindowMode", k64, kLenient, ctx);
    t.user_message = d.string(f, "UserMessage", k256, kLenient, ctx);
    t.max_retries = d.integer(f, "MaxRetries", kLenient, ctx);
  });
}
void decode(D&, const Children&, ScheduleDownloadResponse&) {}
void decode(D& d, const Children& c, CancelTransfer& m) {
  m.command_key = d.string(c, "CommandKey", kKeyLen, kLenient, m.kName);
}
void decode(D&, const Children&, CancelTransferResponse&) {}

DuOperation du_operation(D& d, pugi::xml_node item) {
  constexpr std::string_view ctx = "Operations";
  Children f(item);
  const pugi::xml_attribute type = find_attribute(item, "type");
  const std::string_view kind = type ? local_name(type.value()) : std::string_view();
  if (kind == "InstallOpStruct") {
    InstallOp op;
    op.url = d.string(f, "URL", k1024, kStrict, ctx);
    op.uuid = d.opt_string(f, "UUID", k64, ctx);
    op.username = d.opt_string(f, "Username", k256, ctx);
    op.password = d.opt_string(f, "Password", k256, ctx);
    op.execution_env_ref = d.opt_string(f, "ExecutionEnvRef", k256, ctx);
    return op;
  }
  if (kind == "UpdateOpStruct") {
    UpdateOp op;
    op.uuid = d.opt_string(f, "UUID", k64, ctx);
    op.version = d.opt_string(f, "Version", k64, ctx);
    op.url = d.opt_string(f, "URL", k1024, ctx);
    op.username = d.opt_string(f, "Username", k256, ctx);
    op.password = d.opt_string(f, "Password", k256, ctx);
    return op;
  }
  if (kind == "UninstallOpStruct") {
    UninstallOp op;
    op.uuid = d.string(f, "UUID", k64, kStrict, ctx);
    op.version = d.opt_string(f, "Version", k64, ctx);
    op.execution_env_ref = d.opt_string(f, "ExecutionEnvRef", k256, ctx);
    return op;
  }
  // OperationStruct is abstract: without xsi:type nobody can tell what to do.
  d.fail(ErrorKind::kInvalidArguments,
         "ChangeDUState Operations needs xsi:type InstallOpStruct, UpdateOpStruct or "
         "UninstallOpStruct",
         item);
  return InstallOp{};
}

void decode(D& d, const Children& c, ChangeDUState& m) {
  // Operations repeats directly under the RPC element (not a SOAP array), so
  // walk the element's children rather than the index.
  pugi::xml_node parent = c.find("Operations").parent();
  std::uint32_t n = 0;
  for (pugi::xml_node op = parent.first_child(); op && !d.failed(); op = op.next_sibling()) {
    if (op.type() != pugi::node_element || !name_is(op.name(), "Operations")) continue;
    if (++n > d.limits().max_list_entries) {
      d.fail(ErrorKind::kResourcesExceeded, "too many ChangeDUState Operations", op);
      return;
    }
    m.operations.push_back(du_operation(d, op));
  }
  if (m.operations.empty() && !d.failed()) {
    d.fail(ErrorKind::kInvalidArguments, "ChangeDUState without Operations");
  }
  m.command_key = d.opt_string(c, "CommandKey", kKeyLen, m.kName);
}
void decode(D&, const Children&, ChangeDUStateResponse&) {}

void decode(D& d, const Children& c, Inform& m) {
  const Limits& lim = d.limits();
  pugi::xml_node dev = d.field(c, "DeviceId", kStrict, m.kName);
  if (d.failed()) return;
  Children id(dev);
  m.device_id.manufacturer =
      d.string(id, "Manufacturer", lim.max_device_id_field, kLenient, "DeviceId");
  m.device_id.oui =
      std::string(trim(d.string(id, "OUI", lim.max_device_id_field, kStrict, "DeviceId")));
  m.device_id.product_class =
      d.string(id, "ProductClass", lim.max_device_id_field, kLenient, "DeviceId");
  m.device_id.serial_number =
      d.string(id, "SerialNumber", lim.max_device_id_field, kStrict, "DeviceId");
  pugi::xml_node events = d.field(c, "Event", kLenient, m.kName);
  d.for_each_item(events, lim.max_events, "Event", [&](pugi::xml_node item) {
    Children f(item);
    auto& e = m.event.emplace_back();
    e.event_code = std::string(trim(d.string(f, "EventCode", k64, kStrict, "EventStruct")));
    e.command_key = d.string(f, "CommandKey", kKeyLen, kLenient, "EventStruct");
  });
  m.max_envelopes = d.unsigned_int(c, "MaxEnvelopes", kLenient, m.kName);
  m.current_time = d.date_time(c, "CurrentTime", kLenient, m.kName);
  m.retry_count = d.unsigned_int(c, "RetryCount", kLenient, m.kName);
  m.parameter_list = d.parameter_values(d.field(c, "ParameterList", kLenient, m.kName), m.kName);
}
void decode(D& d, const Children& c, InformResponse& m) {
  m.max_envelopes = d.unsigned_int(c, "MaxEnvelopes", kLenient, m.kName);
}
void decode(D& d, const Children& c, TransferComplete& m) {
  m.command_key = d.string(c, "CommandKey", kKeyLen, kLenient, m.kName);
  m.fault_struct = d.fault_struct(d.field(c, "FaultStruct", kLenient, m.kName), "FaultStruct");
  m.start_time = d.date_time(c, "StartTime", kLenient, m.kName);
  m.complete_time = d.date_time(c, "CompleteTime", kLenient, m.kName);
}
void decode(D&, const Children&, TransferCompleteResponse&) {}
void decode(D& d, const Children& c, AutonomousTransferComplete& m) {
  m.announce_url = d.string(c, "AnnounceURL", k1024, kLenient, m.kName);
  m.transfer_url = d.string(c, "TransferURL", k1024, kLenient, m.kName);
  m.is_download = d.boolean(c, "IsDownload", kLenient, m.kName);
  m.file_type = d.string(c, "FileType", k64, kLenient, m.kName);
  m.file_size = d.unsigned_int(c, "FileSize", kLenient, m.kName);
  m.target_file_name = d.string(c, "TargetFileName", k256, kLenient, m.kName);
  m.fault_struct = d.fault_struct(d.field(c, "FaultStruct", kLenient, m.kName), "FaultStruct");
  m.start_time = d.date_time(c, "StartTime", kLenient, m.kName);
  m.complete_time = d.date_time(c, "CompleteTime", kLenient, m.kName);
}
void decode(D&, const Children&, AutonomousTransferCompleteResponse&) {}
void decode(D& d, const Children& c, Kicked& m) {
  m.command = d.string(c, "Command", kKeyLen, kLenient, m.kName);
  m.referer = d.string(c, "Referer", k64, kLenient, m.kName);
  m.arg = d.string(c, "Arg", k256, kLenient, m.kName);
  m.next = d.string(c, "Next", k1024, kLenient, m.kName);
}
void decode(D& d, const Children& c, KickedResponse& m) {
  m.next_url = d.string(c, "NextURL", k1024, kLenient, m.kName);
}
void decode(D& d, const Children& c, RequestDownload& m) {
  m.file_type = d.string(c, "FileType", k64, kLenient, m.kName);
  pugi::xml_node list = d.field(c, "FileTypeArg", kLenient, m.kName);
  d.for_each_item(list, 16, "FileTypeArg", [&](pugi::xml_node item) {
    Children f(item);
    auto& a = m.file_type_arg.emplace_back();
    a.name = d.string(f, "Name", k64, kLenient, "ArgStruct");
    a.value = d.string(f, "Value", k256, kLenient, "ArgStruct");
  });
}
void decode(D&, const Children&, RequestDownloadResponse&) {}

template <typename F>
void for_each_result(D& d, const Children& c, F&& f) {
  pugi::xml_node first = c.find("Results");
  if (!first) {
    d.fail(ErrorKind::kInvalidArguments, "no Results");
    return;
  }
  std::uint32_t n = 0;
  for (pugi::xml_node r = first.parent().first_child(); r && !d.failed(); r = r.next_sibling()) {
    if (r.type() != pugi::node_element || !name_is(r.name(), "Results")) continue;
    if (++n > d.limits().max_list_entries) {
      d.fail(ErrorKind::kResourcesExceeded, "too many Results", r);
      return;
    }
    f(r);
  }
}
void decode(D& d, const Children& c, DUStateChangeComplete& m) {
  for_each_result(d, c, [&](pugi::xml_node r) { m.results.push_back(d.op_result(Children(r))); });
  m.command_key = d.opt_string(c, "CommandKey", kKeyLen, m.kName);
}
void decode(D&, const Children&, DUStateChangeCompleteResponse&) {}
void decode(D& d, const Children& c, AutonomousDUStateChangeComplete& m) {
  for_each_result(d, c, [&](pugi::xml_node r) {
    Children f(r);
    auto& a = m.results.emplace_back();
    a.result = d.op_result(f);
    a.operation_performed = d.string(f, "OperationPerformed", k64, kLenient, "Results");
  });
}
void decode(D&, const Children&, AutonomousDUStateChangeCompleteResponse&) {}

void decode(D& d, const Children& c, Fault& m) {
  // faultcode is a QName ("Client", "soap-env:Client", "SOAP-ENV:Server"): keep the local part.
  const std::string code = d.string(c, "faultcode", k64, kLenient, "Fault");
  const std::string_view qname = trim(code);
  m.faultcode = std::string(
      qname.substr(qname.find(':') == std::string_view::npos ? 0 : qname.find(':') + 1));
  m.faultstring = d.string(c, "faultstring", d.limits().max_string_length, kLenient, "Fault");
  pugi::xml_node detail = d.field(c, "detail", kStrict, "Fault");
  if (d.failed()) return;
  Children dc(detail);
  pugi::xml_node cwmp_fault = d.field(dc, "Fault", kStrict, "detail");
  if (d.failed()) return;
  Children f(cwmp_fault);
  m.code = d.unsigned_int(f, "FaultCode", kStrict, "cwmp:Fault");
  m.string = d.string(f, "FaultString", d.limits().max_string_length, kOpt, "cwmp:Fault");
  std::uint32_t n = 0;
  for (pugi::xml_node s = cwmp_fault.first_child(); s && !d.failed(); s = s.next_sibling()) {
    if (s.type() != pugi::node_element || !name_is(s.name(), "SetParameterValuesFault")) {
      continue;
    }
    if (++n > d.limits().max_list_entries) {
      d.fail(ErrorKind::kResourcesExceeded, "too many SetParameterValuesFault entries", s);
      return;
    }
    Children sf(s);
    auto& e = m.set_parameter_values_faults.emplace_back();
    e.parameter_name = std::string(
        trim(d.string(sf, "ParameterName", d.limits().max_name_length, kLenient, "SPVFault")));
    e.fault_code = d.unsigned_int(sf, "FaultCode", kLenient, "SetParameterValuesFault");
    e.fault_string = d.string(sf, "FaultString", d.limits().max_string_length, kOpt, "SPVFault");
  }
}

// --- dispatch ---------------------------------------------------------------

using DecodeFn = void (*)(D&, const Children&, Body&);

template <typename T>
void decode_into(D& d, const Children& c, Body& body) {
  T& m = body.emplace<T>();
  decode(d, c, m);
}

struct Entry {
  std::string_view name;
  DecodeFn fn;
};

template <std::size_t... I>
constexpr auto make_table(std::index_sequence<I...>) {
  std::array<Entry, sizeof...(I)> table{
      Entry{std::variant_alternative_t<I, Body>::kName,
            &decode_into<std::variant_alternative_t<I, Body>>}...};
  std::sort(table.begin(), table.end(),
            [](const Entry& a, const Entry& b) { return a.name < b.name; });
  return table;
}

constexpr auto kTable = make_table(std::make_index_sequence<std::variant_size_v<Body>>());

}  // namespace

void RpcDecoder::body(pugi::xml_node rpc, Body& out) {
  const std::string_view name = local_name(rpc.name());
  const auto it = std::lower_bound(kTable.begin(), kTable.end(), name,
                                   [](const Entry& e, std::string_view n) { return e.name < n; });
  if (it == kTable.end() || it->name != name) {
    // TR-069 §3.5: an unknown method MUST be answered with 8000 / 9000.
    fail(ErrorKind::kMethodNotSupported,
         "method '" + std::string(name.substr(0, 128)) + "' is not supported", rpc);
    return;
  }
  Children children(rpc);
  if (children.overflowed()) warn(std::string(name) + ": too many child elements; extra ignored");
  it->fn(*this, children, out);
}

}  // namespace cwmp::detail
