#include "device.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <type_traits>

#include "cwmp/events.hpp"
#include "cwmp/faults.hpp"

namespace scripted_cpe {

namespace {

using cwmp::ValueType;

constexpr std::string_view kSoftwareVersion = "Device.DeviceInfo.SoftwareVersion";
constexpr std::string_view kUpTime = "Device.DeviceInfo.UpTime";
constexpr std::string_view kAcsUrl = "Device.ManagementServer.URL";
constexpr std::string_view kConnectionRequestUrl = "Device.ManagementServer.ConnectionRequestURL";
// TR-069 allows at most 16 entries in a (All)QueuedTransfers list: the queue is that long.
constexpr std::size_t kMaxQueuedTransfers = 16;
constexpr std::size_t kMaxScheduledInforms = 64;

// The forced inform parameters of Device:2 (CWMP-FACTS §7.5). AliasBasedAddressing is
// left out: the model does not implement it.
constexpr std::string_view kForcedInform[] = {
    "Device.RootDataModelVersion",          "Device.DeviceInfo.HardwareVersion",
    "Device.DeviceInfo.SoftwareVersion",    "Device.DeviceInfo.ProvisioningCode",
    "Device.ManagementServer.ParameterKey", "Device.ManagementServer.ConnectionRequestURL",
};

// --- model building helpers --------------------------------------------------------------

Node read_only(std::string value, ValueType type = ValueType::kString) {
  Node n;
  n.value = std::move(value);
  n.type = type;
  return n;
}

Node writable(std::string value, ValueType type = ValueType::kString) {
  Node n = read_only(std::move(value), type);
  n.writable = true;
  return n;
}

Node with_max_length(Node n, std::uint32_t max_length) {
  n.max_length = max_length;
  return n;
}

Node with_range(Node n, std::uint64_t min, std::uint64_t max) {
  n.min = min;
  n.max = max;
  return n;
}

bool starts_with_ci(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

bool is_http_url(std::string_view url) {
  return starts_with_ci(url, "http://") || starts_with_ci(url, "https://");
}

// The fault for a transfer URL: 9013 for a scheme we do not speak (ftp, tftp, ...), 9003
// for something that is not a URL at all.
std::uint32_t transfer_url_fault(std::string_view url) {
  if (is_http_url(url)) return 0;
  if (url.find("://") != std::string_view::npos) return cwmp::fault::kUnsupportedTransferProtocol;
  return cwmp::fault::kInvalidArguments;
}

// "fw-2.1.0.bin" -> "2.1.0": the last run of digits and dots that holds a dot.
std::optional<std::string> version_in(std::string_view file_name) {
  std::optional<std::string> found;
  std::size_t i = 0;
  while (i < file_name.size()) {
    if (!std::isdigit(static_cast<unsigned char>(file_name[i]))) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < file_name.size() &&
           (std::isdigit(static_cast<unsigned char>(file_name[j])) || file_name[j] == '.')) {
      ++j;
    }
    std::string_view token = file_name.substr(i, j - i);
    while (!token.empty() && token.back() == '.') token.remove_suffix(1);
    if (token.find('.') != std::string_view::npos) found = std::string(token);
    i = j;
  }
  return found;
}

std::string_view last_path_segment(std::string_view url) {
  url = url.substr(0, url.find_first_of("?#"));
  const std::size_t slash = url.rfind('/');
  return slash == std::string_view::npos ? url : url.substr(slash + 1);
}

cwmp::DateTime date_time(Millis ms) {
  return cwmp::DateTime::from_sys_time(
      std::chrono::sys_time<std::chrono::nanoseconds>(std::chrono::milliseconds(ms)));
}

template <typename T>
cwmp::Body body_of(RpcResult<T> result) {
  if (result) return std::move(result).value();
  return result.error();
}

cwmp::Fault fault(std::uint32_t code, std::string message = {}) {
  return cwmp::Fault::make(code, std::move(message));
}

}  // namespace

std::string_view transfer_event(TransferKind kind) {
  switch (kind) {
    case TransferKind::kDownload:
      return "M Download";
    case TransferKind::kScheduleDownload:
      return "M ScheduleDownload";
    case TransferKind::kUpload:
      return "M Upload";
  }
  return "M Download";
}

DataModel build_model(const DeviceSettings& s) {
  const DeviceIdentity& id = s.identity;
  DataModel m;
  m.add_object("Device.");
  m.add_parameter("Device.RootDataModelVersion", read_only("2.17"));

  m.add_object("Device.DeviceInfo.");
  m.add_parameter("Device.DeviceInfo.Manufacturer", read_only(id.manufacturer));
  m.add_parameter("Device.DeviceInfo.ManufacturerOUI", read_only(id.oui));
  m.add_parameter("Device.DeviceInfo.ModelName", read_only(id.model_name));
  m.add_parameter("Device.DeviceInfo.Description", read_only("Scripted TR-069 CPE (test tool)"));
  m.add_parameter("Device.DeviceInfo.ProductClass", read_only(id.product_class));
  m.add_parameter("Device.DeviceInfo.SerialNumber", read_only(id.serial_number));
  m.add_parameter("Device.DeviceInfo.HardwareVersion", read_only(id.hardware_version));
  Node software = read_only(id.software_version);
  software.notification = 2;  // TR-181: activeNotify forceEnabled
  m.add_parameter(std::string(kSoftwareVersion), software);
  m.add_parameter("Device.DeviceInfo.ProvisioningCode", with_max_length(writable(""), 64));
  Node uptime = read_only("0", ValueType::kUnsignedInt);
  uptime.deny_active_notification = true;  // TR-181: canDeny
  m.add_parameter(std::string(kUpTime), uptime);

  m.add_object("Device.ManagementServer.");
  Node url = with_max_length(writable(s.acs_url), 256);
  url.check = [](std::string_view v) { return is_http_url(v); };
  m.add_parameter(std::string(kAcsUrl), url);
  m.add_parameter("Device.ManagementServer.Username",
                  with_max_length(writable(s.acs_username), 256));
  Node password = with_max_length(writable(s.acs_password), 256);
  password.hidden = true;
  m.add_parameter("Device.ManagementServer.Password", password);
  m.add_parameter("Device.ManagementServer.PeriodicInformEnable",
                  writable(s.periodic_inform_enable ? "true" : "false", ValueType::kBoolean));
  m.add_parameter(
      "Device.ManagementServer.PeriodicInformInterval",
      with_range(writable(std::to_string(std::max<std::uint32_t>(1, s.periodic_inform_interval)),
                          ValueType::kUnsignedInt),
                 1, UINT32_MAX));
  m.add_parameter("Device.ManagementServer.PeriodicInformTime",
                  writable("0001-01-01T00:00:00Z", ValueType::kDateTime));
  Node key = with_max_length(read_only(""), 32);
  key.deny_active_notification = true;  // TR-181: canDeny
  m.add_parameter("Device.ManagementServer.ParameterKey", key);
  Node cr_url = read_only("");
  cr_url.notification = 2;  // TR-181: activeNotify forceDefaultEnabled
  m.add_parameter(std::string(kConnectionRequestUrl), cr_url);
  m.add_parameter("Device.ManagementServer.ConnectionRequestUsername",
                  with_max_length(writable(s.connection_request_username), 256));
  Node cr_password = with_max_length(writable(s.connection_request_password), 256);
  cr_password.hidden = true;
  m.add_parameter("Device.ManagementServer.ConnectionRequestPassword", cr_password);
  m.add_parameter("Device.ManagementServer.CWMPRetryMinimumWaitInterval",
                  with_range(writable("5", ValueType::kUnsignedInt), 1, 65535));
  m.add_parameter("Device.ManagementServer.CWMPRetryIntervalMultiplier",
                  with_range(writable("2000", ValueType::kUnsignedInt), 1000, 65535));

  m.add_object("Device.IP.");
  m.add_parameter("Device.IP.InterfaceNumberOfEntries", read_only("0", ValueType::kUnsignedInt));
  m.add_table("Device.IP.Interface.", true, "Device.IP.InterfaceNumberOfEntries");
  m.add_object("Device.IP.Interface.1.");
  m.add_parameter("Device.IP.Interface.1.Enable", writable("true", ValueType::kBoolean));
  m.add_parameter("Device.IP.Interface.1.Status", read_only("Up"));
  m.add_parameter("Device.IP.Interface.1.Name", read_only("wan"));
  m.add_parameter("Device.IP.Interface.1.LowerLayers", with_max_length(writable(""), 1024));
  m.add_object("Device.IP.Interface.1.Stats.");
  m.add_parameter("Device.IP.Interface.1.Stats.BytesSent",
                  read_only("0", ValueType::kUnsignedLong));
  m.add_parameter("Device.IP.Interface.1.Stats.BytesReceived",
                  read_only("0", ValueType::kUnsignedLong));

  m.add_object("Device.WiFi.");
  m.add_parameter("Device.WiFi.SSIDNumberOfEntries", read_only("0", ValueType::kUnsignedInt));
  m.add_table("Device.WiFi.SSID.", true, "Device.WiFi.SSIDNumberOfEntries");
  const char* const ssids[] = {"cwmp-suite-2g", "cwmp-suite-5g"};
  for (int i = 1; i <= 2; ++i) {
    const std::string base = "Device.WiFi.SSID." + std::to_string(i) + ".";
    m.add_object(base);
    m.add_parameter(base + "Enable", writable("true", ValueType::kBoolean));
    m.add_parameter(base + "Status", read_only("Up"));
    m.add_parameter(base + "SSID", with_max_length(writable(ssids[i - 1]), 32));
    m.add_parameter(base + "BSSID", read_only("02:00:00:00:00:0" + std::to_string(i)));
  }

  m.add_object("Device.Hosts.");
  m.add_parameter("Device.Hosts.HostNumberOfEntries", read_only("0", ValueType::kUnsignedInt));
  m.add_table("Device.Hosts.Host.", false, "Device.Hosts.HostNumberOfEntries");

  if (s.extra_parameters > 0) {
    m.add_object("Device.X_Test.");
    m.add_parameter("Device.X_Test.ParamNumberOfEntries", read_only("0", ValueType::kUnsignedInt));
    m.add_table("Device.X_Test.Param.", true, "Device.X_Test.ParamNumberOfEntries");
    for (std::uint32_t i = 1; i <= s.extra_parameters; ++i) {
      const std::string base = "Device.X_Test.Param." + std::to_string(i) + ".";
      m.add_object(base);
      m.add_parameter(base + "Value", with_max_length(writable("value-" + std::to_string(i)), 256));
    }
  }
  m.finish();
  return m;
}

// --- Device -----------------------------------------------------------------------------

Device::Device(DeviceSettings settings, Millis now)
    : settings_(std::move(settings)),
      model_(build_model(settings_)),
      bootstrapped_url_(settings_.acs_url),
      boot_time_(now) {}

std::string Device::value_or_empty(std::string_view name) const {
  return model_.value(name).value_or(std::string());
}

std::string Device::acs_url() const {
  return value_or_empty(kAcsUrl);
}
std::string Device::acs_username() const {
  return value_or_empty("Device.ManagementServer.Username");
}
std::string Device::acs_password() const {
  return value_or_empty("Device.ManagementServer.Password");
}
std::string Device::connection_request_username() const {
  return value_or_empty("Device.ManagementServer.ConnectionRequestUsername");
}
std::string Device::connection_request_password() const {
  return value_or_empty("Device.ManagementServer.ConnectionRequestPassword");
}

void Device::set_connection_request_url(std::string url) {
  connection_request_url_ = url;
  model_.set_value(kConnectionRequestUrl, std::move(url));
}

bool Device::periodic_inform_enabled() const {
  return cwmp::parse_boolean(value_or_empty("Device.ManagementServer.PeriodicInformEnable"))
      .value_or(false);
}

std::uint32_t Device::periodic_inform_interval() const {
  const auto v =
      cwmp::parse_unsigned_int(value_or_empty("Device.ManagementServer.PeriodicInformInterval"));
  return std::max<std::uint32_t>(1, v.value_or(3600));
}

cwmp::RetryPolicy Device::retry_policy() const {
  cwmp::RetryPolicy p;
  p.minimum_wait_interval =
      cwmp::parse_unsigned_int(
          value_or_empty("Device.ManagementServer.CWMPRetryMinimumWaitInterval"))
          .value_or(cwmp::kDefaultRetryMinimumWaitInterval);
  p.interval_multiplier = cwmp::parse_unsigned_int(
                              value_or_empty("Device.ManagementServer.CWMPRetryIntervalMultiplier"))
                              .value_or(cwmp::kDefaultRetryIntervalMultiplier);
  return cwmp::clamped(p);
}

bool Device::raise(const cwmp::EventStruct& event) {
  const cwmp::MergeResult r = cwmp::merge_event(pending_, event);
  if (r == cwmp::MergeResult::kInvalid) return false;
  if (r == cwmp::MergeResult::kAdded) new_events_ = true;
  return true;
}

std::optional<Millis> Device::next_scheduled_inform() const {
  std::optional<Millis> next;
  for (const auto& [due, key] : scheduled_) {
    if (!next || due < *next) next = due;
  }
  return next;
}

void Device::update_uptime(Millis now) {
  model_.set_value(kUpTime, std::to_string(std::max<Millis>(0, now - boot_time_) / 1000));
}

cwmp::Inform Device::make_inform(Millis now, std::uint32_t retry_count, bool all_scheduled) {
  update_uptime(now);
  // TR-069 §3.7.1.5 (CWMP-FACTS §4): a new ACS URL is a bootstrap.
  const std::string url = acs_url();
  if (url != bootstrapped_url_) {
    raise({"0 BOOTSTRAP", ""});
    bootstrapped_url_ = url;
  }
  // The ScheduleInform events join the pending ones when due (3 SCHEDULED comes with
  // its M ScheduleInform).
  std::erase_if(scheduled_, [&](const std::pair<Millis, std::string>& s) {
    if (!all_scheduled && s.first > now) return false;
    raise({"3 SCHEDULED", ""});
    raise({"M ScheduleInform", s.second});
    return true;
  });

  cwmp::Inform inform;
  inform.device_id = {value_or_empty("Device.DeviceInfo.Manufacturer"),
                      value_or_empty("Device.DeviceInfo.ManufacturerOUI"),
                      value_or_empty("Device.DeviceInfo.ProductClass"),
                      value_or_empty("Device.DeviceInfo.SerialNumber")};
  const std::size_t n = std::min(pending_.size(), cwmp::kMaxInformEvents);
  inform.event.assign(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
  informed_ = n;
  inform.max_envelopes = 1;
  inform.current_time = date_time(now);
  inform.retry_count = retry_count;
  for (std::string_view name : kForcedInform) {
    if (const Node* p = model_.find(name); p != nullptr && !p->is_object) {
      inform.parameter_list.push_back({std::string(name), p->hidden ? "" : p->value, p->type});
    }
  }
  new_events_ = false;
  return inform;
}

void Device::inform_delivered() {
  // An event with a follow-up RPC stays until that RPC is answered (CWMP-FACTS §4); the
  // transfer ones only while a finished transfer still has to be reported.
  const bool transfers_to_report =
      std::any_of(transfers_.begin(), transfers_.end(),
                  [](const auto& t) { return t.state == TransferState::kDone; });
  auto delivered = [&](const cwmp::EventStruct& e) {
    const auto code = cwmp::parse_event_code(e.event_code);
    if (!code) return true;
    const cwmp::FollowUpRpc follow_up = cwmp::event_policy(*code).follow_up;
    if (follow_up == cwmp::FollowUpRpc::kTransferComplete) return !transfers_to_report;
    return follow_up == cwmp::FollowUpRpc::kNone;
  };
  // Only the events the Inform carried (at most 64); the rest wait for the next one.
  const auto end =
      pending_.begin() + static_cast<std::ptrdiff_t>(std::min(informed_, pending_.size()));
  pending_.erase(std::remove_if(pending_.begin(), end, delivered), end);
  informed_ = 0;
}

void Device::session_failed() {
  cwmp::discard_after_failed_session(pending_);
}

std::vector<std::pair<std::uint64_t, cwmp::TransferComplete>> Device::transfer_completes() const {
  std::vector<std::pair<std::uint64_t, cwmp::TransferComplete>> out;
  for (const Transfer& t : transfers_) {
    if (t.state != TransferState::kDone) continue;
    cwmp::TransferComplete tc;
    tc.command_key = t.command_key;
    tc.fault_struct.fault_code = t.fault_code;
    tc.fault_struct.fault_string = t.fault_string.substr(0, 256);
    tc.start_time = t.start_time;
    tc.complete_time = t.complete_time;
    out.emplace_back(t.id, std::move(tc));
  }
  return out;
}

void Device::transfer_acknowledged(std::uint64_t id) {
  const auto it = std::find_if(transfers_.begin(), transfers_.end(),
                               [id](const Transfer& t) { return t.id == id; });
  if (it == transfers_.end()) return;
  const std::string_view event = transfer_event(it->kind);
  const auto pending = std::find_if(pending_.begin(), pending_.end(), [&](const auto& e) {
    return e.event_code == event && e.command_key == it->command_key;
  });
  if (pending != pending_.end()) pending_.erase(pending);
  transfers_.erase(it);
  const bool more = std::any_of(transfers_.begin(), transfers_.end(),
                                [](const Transfer& t) { return t.state == TransferState::kDone; });
  if (!more)
    std::erase_if(pending_, [](const auto& e) { return e.event_code == "7 TRANSFER COMPLETE"; });
}

cwmp::Body Device::answer(const cwmp::Body& request, cwmp::CwmpVersion version, Millis now) {
  const std::string_view method = cwmp::method_name(request);
  if (!cwmp::is_request(request) || cwmp::introduced_in(request) > version) {
    return fault(cwmp::fault::kMethodNotSupported, std::string(method) + " is not supported");
  }
  if (const auto it = settings_.faults.find(method); it != settings_.faults.end()) {
    cwmp::Fault f = fault(it->second, "injected fault");
    // A per-parameter code is reported on each parameter too, as a device would.
    const auto* spv = std::get_if<cwmp::SetParameterValues>(&request);
    if (spv != nullptr && it->second >= cwmp::fault::kInvalidParameterName &&
        it->second <= cwmp::fault::kNonWritableParameter) {
      for (const auto& p : spv->parameter_list) {
        f.set_parameter_values_faults.push_back(
            {p.name, it->second, std::string(cwmp::fault_text(it->second))});
      }
    }
    return f;
  }
  return answer_rpc(request, now);
}

cwmp::Body Device::answer_rpc(const cwmp::Body& request, Millis now) {
  return std::visit(
      [&](const auto& m) -> cwmp::Body {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, cwmp::GetRPCMethods>) {
          return cwmp::GetRPCMethodsResponse{
              {"GetRPCMethods", "SetParameterValues", "GetParameterValues", "GetParameterNames",
               "SetParameterAttributes", "GetParameterAttributes", "AddObject", "DeleteObject",
               "Reboot", "Download", "Upload", "FactoryReset", "ScheduleInform",
               "GetQueuedTransfers", "GetAllQueuedTransfers", "ScheduleDownload",
               "CancelTransfer"}};
        } else if constexpr (std::is_same_v<T, cwmp::GetParameterValues>) {
          update_uptime(now);
          return body_of(model_.get_values(m));
        } else if constexpr (std::is_same_v<T, cwmp::SetParameterValues>) {
          return body_of(model_.set_values(m));
        } else if constexpr (std::is_same_v<T, cwmp::GetParameterNames>) {
          return body_of(model_.get_names(m));
        } else if constexpr (std::is_same_v<T, cwmp::GetParameterAttributes>) {
          return body_of(model_.get_attributes(m));
        } else if constexpr (std::is_same_v<T, cwmp::SetParameterAttributes>) {
          return body_of(model_.set_attributes(m));
        } else if constexpr (std::is_same_v<T, cwmp::AddObject>) {
          return body_of(model_.add_object_instance(m));
        } else if constexpr (std::is_same_v<T, cwmp::DeleteObject>) {
          return body_of(model_.delete_object_instance(m));
        } else if constexpr (std::is_same_v<T, cwmp::Reboot>) {
          reboot_key_ = m.command_key;  // after the session (TR-069 A.3.2.9)
          return cwmp::RebootResponse{};
        } else if constexpr (std::is_same_v<T, cwmp::FactoryReset>) {
          factory_reset_ = true;
          return cwmp::FactoryResetResponse{};
        } else if constexpr (std::is_same_v<T, cwmp::Download>) {
          Transfer t;
          t.kind = TransferKind::kDownload;
          t.command_key = m.command_key;
          t.file_type = m.file_type;
          t.url = m.url;
          t.username = m.username;
          t.password = m.password;
          t.file_size = m.file_size;
          t.target_file_name = m.target_file_name;
          return queue_transfer(std::move(t), nullptr);
        } else if constexpr (std::is_same_v<T, cwmp::ScheduleDownload>) {
          Transfer t;
          t.kind = TransferKind::kScheduleDownload;
          t.command_key = m.command_key;
          t.file_type = m.file_type;
          t.url = m.url;
          t.username = m.username;
          t.password = m.password;
          t.file_size = m.file_size;
          t.target_file_name = m.target_file_name;
          return queue_transfer(std::move(t), &m.time_window_list);
        } else if constexpr (std::is_same_v<T, cwmp::Upload>) {
          Transfer t;
          t.kind = TransferKind::kUpload;
          t.command_key = m.command_key;
          t.file_type = m.file_type;
          t.url = m.url;
          t.username = m.username;
          t.password = m.password;
          return queue_transfer(std::move(t), nullptr);
        } else if constexpr (std::is_same_v<T, cwmp::ScheduleInform>) {
          if (m.delay_seconds == 0) {
            return fault(cwmp::fault::kInvalidArguments, "DelaySeconds must be at least 1");
          }
          if (scheduled_.size() >= kMaxScheduledInforms) {
            return fault(cwmp::fault::kResourcesExceeded, "too many scheduled informs");
          }
          scheduled_.emplace_back(now + Millis{m.delay_seconds} * 1000, m.command_key);
          return cwmp::ScheduleInformResponse{};
        } else if constexpr (std::is_same_v<T, cwmp::CancelTransfer>) {
          const auto it =
              std::find_if(transfers_.begin(), transfers_.end(), [&](const Transfer& t) {
                return t.command_key == m.command_key && t.state == TransferState::kQueued;
              });
          if (it == transfers_.end()) {
            return fault(cwmp::fault::kCancelNotPermitted,
                         "no queued transfer with CommandKey '" + m.command_key + "'");
          }
          transfers_.erase(it);
          return cwmp::CancelTransferResponse{};
        } else if constexpr (std::is_same_v<T, cwmp::GetQueuedTransfers>) {
          cwmp::GetQueuedTransfersResponse r;
          for (const Transfer& t : transfers_) {
            r.transfer_list.push_back({t.command_key, static_cast<std::int32_t>(t.state)});
          }
          return r;
        } else if constexpr (std::is_same_v<T, cwmp::GetAllQueuedTransfers>) {
          cwmp::GetAllQueuedTransfersResponse r;
          for (const Transfer& t : transfers_) {
            r.transfer_list.push_back({t.command_key, static_cast<std::int32_t>(t.state),
                                       t.kind != TransferKind::kUpload, t.file_type, t.file_size,
                                       t.target_file_name});
          }
          return r;
        } else {
          // SetVouchers, GetOptions, ChangeDUState: optional RPCs this CPE does not have.
          return fault(cwmp::fault::kMethodNotSupported,
                       std::string(T::kName) + " is not supported");
        }
      },
      request);
}

cwmp::Body Device::queue_transfer(Transfer t, const std::vector<cwmp::TimeWindow>* windows) {
  if (const std::uint32_t code = transfer_url_fault(t.url); code != 0) {
    return fault(code, "cannot transfer from " + t.url);
  }
  if (windows != nullptr) {
    // TR-069 A.4.1.8: one or two windows, each well formed, the second after the first.
    if (windows->empty() || windows->size() > 2) {
      return fault(cwmp::fault::kInvalidArguments, "one or two time windows are needed");
    }
    for (std::size_t i = 0; i < windows->size(); ++i) {
      const cwmp::TimeWindow& w = (*windows)[i];
      if (w.window_end < w.window_start || (i == 1 && w.window_start < (*windows)[0].window_end)) {
        return fault(cwmp::fault::kInvalidArguments, "time windows overlap or are reversed");
      }
    }
  }
  if (transfers_.size() >= kMaxQueuedTransfers) {
    return fault(cwmp::fault::kResourcesExceeded, "the transfer queue is full");
  }
  const TransferKind kind = t.kind;
  t.id = next_transfer_id_++;
  t.state = TransferState::kQueued;
  transfers_.push_back(std::move(t));
  // Status 1: not done yet; a TransferComplete follows in a later session, and the times
  // of the response are the Unknown Time (CWMP-FACTS §2.3).
  if (kind == TransferKind::kScheduleDownload) return cwmp::ScheduleDownloadResponse{};
  if (kind == TransferKind::kUpload) {
    return cwmp::UploadResponse{1, cwmp::DateTime::unknown(), cwmp::DateTime::unknown()};
  }
  return cwmp::DownloadResponse{1, cwmp::DateTime::unknown(), cwmp::DateTime::unknown()};
}

std::vector<Transfer> Device::start_transfers() {
  std::vector<Transfer> out;
  for (Transfer& t : transfers_) {
    if (t.state != TransferState::kQueued) continue;
    t.state = TransferState::kRunning;
    out.push_back(t);
  }
  return out;
}

void Device::finish_transfer(const Transfer& outcome, Millis now) {
  const auto it = std::find_if(transfers_.begin(), transfers_.end(),
                               [&](const Transfer& t) { return t.id == outcome.id; });
  if (it == transfers_.end()) return;  // forgotten meanwhile (factory reset)
  *it = outcome;
  it->state = TransferState::kDone;
  history_.push_back(*it);
  raise({"7 TRANSFER COMPLETE", ""});
  raise({std::string(transfer_event(it->kind)), it->command_key});
  // A firmware image is installed and the device restarts on it: the report goes out in
  // the boot session. The new version is read from the file name when it holds one.
  const bool firmware = it->kind != TransferKind::kUpload && it->fault_code == 0 &&
                        it->file_type == "1 Firmware Upgrade Image";
  if (firmware) {
    const std::string_view name =
        it->target_file_name.empty() ? last_path_segment(it->url) : it->target_file_name;
    if (auto version = version_in(name)) model_.set_value(kSoftwareVersion, *version);
    reboot(now);
  }
}

void Device::reboot(Millis now) {
  cwmp::discard_on_reboot(pending_);
  boot_time_ = now;
  raise({"1 BOOT", ""});
}

bool Device::apply_deferred(Millis now) {
  if (factory_reset_) {
    factory_reset_ = false;
    reboot_key_.reset();
    model_ = build_model(settings_);
    if (!connection_request_url_.empty()) {
      model_.set_value(kConnectionRequestUrl, connection_request_url_);
    }
    pending_.clear();
    scheduled_.clear();
    transfers_.clear();
    bootstrapped_url_ = settings_.acs_url;
    boot_time_ = now;
    raise({"0 BOOTSTRAP", ""});
    raise({"1 BOOT", ""});
    return true;
  }
  if (reboot_key_) {
    const std::string key = std::move(*reboot_key_);
    reboot_key_.reset();
    reboot(now);
    raise({"M Reboot", key});
    return true;
  }
  return false;
}

std::vector<Transfer> Device::transfers() const {
  return transfers_;
}

}  // namespace scripted_cpe
