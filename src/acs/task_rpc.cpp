#include "acs/task_rpc.hpp"

#include <boost/json.hpp>

#include "cwmp/codec.hpp"
#include "cwmp/values.hpp"

namespace acs {

namespace json = boost::json;

namespace {

using cwmp::Error;
using cwmp::ErrorKind;

Error bad(std::string message) {
  return Error{ErrorKind::kInvalidArguments, std::move(message)};
}

// Argument readers: each returns false and sets `error` when the argument is
// present but of the wrong type, or missing while required.
class Args {
 public:
  explicit Args(const json::object& args) : args_(args) {}

  std::string string(std::string_view key, bool required, std::string fallback = {}) {
    const json::value* v = args_.if_contains(key);
    if (v == nullptr || v->is_null()) {
      if (required) fail(std::string(key) + " is required");
      return fallback;
    }
    if (!v->is_string()) {
      fail(std::string(key) + " must be a string");
      return fallback;
    }
    return std::string(v->get_string());
  }
  std::uint32_t uint(std::string_view key, std::uint32_t fallback = 0) {
    const json::value* v = args_.if_contains(key);
    if (v == nullptr || v->is_null()) return fallback;
    if (v->is_int64() && v->get_int64() >= 0 && v->get_int64() <= UINT32_MAX) {
      return static_cast<std::uint32_t>(v->get_int64());
    }
    if (v->is_uint64() && v->get_uint64() <= UINT32_MAX) {
      return static_cast<std::uint32_t>(v->get_uint64());
    }
    fail(std::string(key) + " must be an integer from 0 to 4294967295");
    return fallback;
  }
  bool boolean(std::string_view key, bool fallback) {
    const json::value* v = args_.if_contains(key);
    if (v == nullptr || v->is_null()) return fallback;
    if (!v->is_bool()) fail(std::string(key) + " must be true or false");
    return v->is_bool() ? v->get_bool() : fallback;
  }
  const json::array* array(std::string_view key, bool required) {
    const json::value* v = args_.if_contains(key);
    if (v == nullptr || v->is_null()) {
      if (required) fail(std::string(key) + " is required");
      return nullptr;
    }
    if (!v->is_array()) {
      fail(std::string(key) + " must be an array");
      return nullptr;
    }
    return &v->get_array();
  }
  std::vector<std::string> strings(std::string_view key) {
    std::vector<std::string> out;
    const json::array* a = array(key, true);
    if (a == nullptr) return out;
    for (const json::value& v : *a) {
      if (!v.is_string()) {
        fail(std::string(key) + " must hold strings");
        return out;
      }
      out.emplace_back(v.get_string());
    }
    if (out.empty()) fail(std::string(key) + " must not be empty");
    return out;
  }

  void fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }
  const std::string& error() const { return error_; }

 private:
  const json::object& args_;
  std::string error_;
};

// "xsd:unsignedInt" / "unsignedInt" -> ValueType; GenieACS writes the xsd: form.
std::optional<cwmp::ValueType> type_from_json(std::string_view name) {
  return cwmp::value_type_from_xsi(name);
}

// setParameterValues: [[path, value, type?], ...] with a string, number or
// boolean value (GenieACS's shape).
void parameter_values(Args& a, const json::array& list, std::vector<cwmp::ParameterValue>& out) {
  for (const json::value& entry : list) {
    const json::array* e = entry.if_array();
    if (e == nullptr || e->size() < 2 || e->size() > 3 || !(*e)[0].is_string()) {
      a.fail("parameterValues entries are [path, value] or [path, value, type]");
      return;
    }
    cwmp::ParameterValue p;
    p.name = std::string((*e)[0].get_string());
    const json::value& value = (*e)[1];
    if (value.is_string()) {
      p.value = std::string(value.get_string());
      p.type = cwmp::ValueType::kString;
    } else if (value.is_bool()) {
      p.value = value.get_bool() ? "true" : "false";
      p.type = cwmp::ValueType::kBoolean;
    } else if (value.is_int64()) {
      p.value = std::to_string(value.get_int64());
      p.type = value.get_int64() >= 0 ? cwmp::ValueType::kUnsignedInt : cwmp::ValueType::kInt;
    } else if (value.is_uint64()) {
      p.value = std::to_string(value.get_uint64());
      p.type = cwmp::ValueType::kUnsignedLong;
    } else {
      a.fail("the value of " + p.name + " must be a string, a number or a boolean");
      return;
    }
    if (e->size() == 3) {
      const auto type = (*e)[2].is_string() ? type_from_json((*e)[2].get_string()) : std::nullopt;
      if (!type) {
        a.fail("the type of " + p.name + " must be an xsd type such as xsd:unsignedInt");
        return;
      }
      p.type = *type;
    }
    if (!cwmp::is_valid_value(p.type, p.value)) {
      a.fail("the value of " + p.name + " is not a valid " + std::string(to_string(p.type)));
      return;
    }
    out.push_back(std::move(p));
  }
  if (out.empty()) a.fail("parameterValues must not be empty");
}

void time_windows(Args& a, const json::array& list, std::vector<cwmp::TimeWindow>& out) {
  for (const json::value& entry : list) {
    const json::object* o = entry.if_object();
    if (o == nullptr) {
      a.fail("timeWindows entries are objects");
      return;
    }
    Args w(*o);
    cwmp::TimeWindow t;
    t.window_start = w.uint("windowStart");
    t.window_end = w.uint("windowEnd");
    t.window_mode = w.string("windowMode", false, "1 At Any Time");
    t.user_message = w.string("userMessage", false);
    t.max_retries = static_cast<std::int32_t>(w.uint("maxRetries"));
    if (!w.error().empty()) a.fail("timeWindows: " + w.error());
    out.push_back(std::move(t));
  }
}

// The arguments Download, ScheduleDownload and Upload share.
template <typename Rpc>
void transfer_args(Args& a, Rpc& m, std::string default_file_type) {
  m.command_key = a.string("commandKey", false);
  m.file_type = a.string("fileType", false, std::move(default_file_type));
  m.url = a.string("url", true);
  m.username = a.string("username", false);
  m.password = a.string("password", false);
}

template <typename Rpc>
void download_args(Args& a, Rpc& m) {
  transfer_args(a, m, "1 Firmware Upgrade Image");
  m.file_size = a.uint("fileSize");
  m.target_file_name = a.string("targetFileName", false);
}

cwmp::Body build(TaskType type, Args& a, const json::object& args) {
  switch (type) {
    case TaskType::kGetParameterValues:
      return cwmp::GetParameterValues{a.strings("parameterNames")};
    case TaskType::kSetParameterValues: {
      cwmp::SetParameterValues m;
      if (const json::array* list = a.array("parameterValues", true)) {
        parameter_values(a, *list, m.parameter_list);
      }
      m.parameter_key = a.string("parameterKey", false);
      return m;
    }
    case TaskType::kGetParameterNames:
      return cwmp::GetParameterNames{a.string("parameterPath", false),
                                     a.boolean("nextLevel", false)};
    case TaskType::kGetParameterAttributes:
      return cwmp::GetParameterAttributes{a.strings("parameterNames")};
    case TaskType::kSetParameterAttributes: {
      // [{"name": path, "notification": 0..6, "accessList": ["Subscriber"]}]
      cwmp::SetParameterAttributes m;
      if (const json::array* list = a.array("parameterAttributes", true)) {
        for (const json::value& entry : *list) {
          const json::object* o = entry.if_object();
          if (o == nullptr) {
            a.fail("parameterAttributes entries are objects");
            break;
          }
          Args e(*o);
          cwmp::SetParameterAttributesStruct s;
          s.name = e.string("name", true);
          if (o->contains("notification")) {
            s.notification_change = true;
            s.notification = static_cast<std::int32_t>(e.uint("notification"));
          }
          if (o->contains("accessList")) {
            s.access_list_change = true;
            const json::array* list2 = e.array("accessList", true);
            for (const json::value& v : list2 ? *list2 : json::array{}) {
              if (v.is_string()) s.access_list.emplace_back(v.get_string());
            }
          }
          if (!e.error().empty()) a.fail("parameterAttributes: " + e.error());
          m.parameter_list.push_back(std::move(s));
        }
        if (m.parameter_list.empty()) a.fail("parameterAttributes must not be empty");
      }
      return m;
    }
    case TaskType::kAddObject:
      return cwmp::AddObject{a.string("objectName", true), a.string("parameterKey", false)};
    case TaskType::kDeleteObject:
      return cwmp::DeleteObject{a.string("objectName", true), a.string("parameterKey", false)};
    case TaskType::kRefreshObject:
      break;  // two RPCs: handled by plan_task
    case TaskType::kReboot:
      return cwmp::Reboot{a.string("commandKey", false)};
    case TaskType::kFactoryReset:
      return cwmp::FactoryReset{};
    case TaskType::kDownload: {
      cwmp::Download m;
      download_args(a, m);
      m.delay_seconds = a.uint("delaySeconds");
      m.success_url = a.string("successUrl", false);
      m.failure_url = a.string("failureUrl", false);
      return m;
    }
    case TaskType::kUpload: {
      cwmp::Upload m;
      transfer_args(a, m, "1 Vendor Configuration File");
      m.delay_seconds = a.uint("delaySeconds");
      return m;
    }
    case TaskType::kScheduleInform: {
      cwmp::ScheduleInform m{a.uint("delaySeconds"), a.string("commandKey", false)};
      // TR-069 A.4.1.1: DelaySeconds 0 is not a schedule.
      if (m.delay_seconds == 0) a.fail("delaySeconds must be at least 1");
      return m;
    }
    case TaskType::kScheduleDownload: {
      cwmp::ScheduleDownload m;
      download_args(a, m);
      if (const json::array* list = a.array("timeWindows", true)) {
        time_windows(a, *list, m.time_window_list);
      }
      return m;
    }
    case TaskType::kCancelTransfer:
      return cwmp::CancelTransfer{a.string("commandKey", true)};
    case TaskType::kGetRPCMethods:
      return cwmp::GetRPCMethods{};
    case TaskType::kGetQueuedTransfers:
      return cwmp::GetQueuedTransfers{};
    case TaskType::kGetAllQueuedTransfers:
      return cwmp::GetAllQueuedTransfers{};
  }
  (void)args;
  return cwmp::GetRPCMethods{};
}

json::array parameter_values_json(const std::vector<cwmp::ParameterValue>& list) {
  json::array out;
  out.reserve(list.size());
  for (const auto& p : list) {
    out.push_back(json::array{json::string(p.name), json::string(p.value),
                              json::string(cwmp::xsi_type_name(p.type))});
  }
  return out;
}

std::vector<ParameterUpdate> learned_values(const std::vector<cwmp::ParameterValue>& list,
                                            bool read_from_cpe) {
  std::vector<ParameterUpdate> out;
  out.reserve(list.size());
  for (const auto& p : list) {
    ParameterUpdate u;
    u.path = p.name;
    // TR-069 A.3.2.2: a CPE reads a password back as an empty string. That says nothing of
    // the password itself, so it must not overwrite the one the ACS set (and needs for
    // connection requests).
    if (read_from_cpe && p.value.empty() && is_hidden_parameter(p.name)) {
      out.push_back(std::move(u));
      continue;
    }
    u.value = p.value;
    u.type = p.type == cwmp::ValueType::kUnspecified ? cwmp::ValueType::kString : p.type;
    out.push_back(std::move(u));
  }
  return out;
}

std::string format_time(const cwmp::DateTime& t) {
  return cwmp::format_date_time(t);
}

template <typename Response>
const Response* as(const cwmp::Body& body) {
  return std::get_if<Response>(&body);
}

}  // namespace

bool is_hidden_parameter(std::string_view path) {
  return path.size() >= 8 && path.substr(path.size() - 8) == "Password";
}

cwmp::Result<TaskPlan> plan_task(TaskType type, const json::object& args) {
  Args a(args);
  TaskPlan plan;
  if (type == TaskType::kRefreshObject) {
    // Names (with writability) first, then the values of the whole subtree: a
    // partial path in GetParameterValues returns every parameter under it
    // (TR-069 A.3.2.2).
    std::string path = a.string("objectName", false);
    if (!path.empty() && path.back() != '.') a.fail("objectName must end in '.'");
    plan.rpcs.push_back(cwmp::GetParameterNames{path, false});
    plan.rpcs.push_back(cwmp::GetParameterValues{{path.empty() ? std::string() : path}});
  } else {
    plan.rpcs.push_back(build(type, a, args));
  }
  if (!a.error().empty()) return bad(std::string(to_string(type)) + ": " + a.error());
  // Whatever the NBI accepted must encode: check it now rather than mid-session.
  for (const cwmp::Body& rpc : plan.rpcs) {
    cwmp::Envelope probe{cwmp::kNewestVersion, {}, rpc};
    if (auto encoded = cwmp::encode(probe); !encoded) return bad(encoded.error().message);
  }
  return plan;
}

std::string expected_response(const cwmp::Body& request) {
  return std::string(cwmp::method_name(request)) + "Response";
}

TaskFault fault_of(const cwmp::Fault& fault) {
  return TaskFault{fault.code, fault.string, fault.set_parameter_values_faults};
}

cwmp::Result<Outcome> task_outcome(const cwmp::Body& request, const cwmp::Body& response) {
  if (cwmp::method_name(response) != expected_response(request)) {
    return bad("expected " + expected_response(request) + ", got " +
               std::string(cwmp::method_name(response)));
  }
  Outcome o;
  json::object result;
  if (const auto* r = as<cwmp::GetParameterValuesResponse>(response)) {
    result["parameterValues"] = parameter_values_json(r->parameter_list);
    o.learned = learned_values(r->parameter_list, true);
  } else if (const auto* r2 = as<cwmp::GetParameterNamesResponse>(response)) {
    json::array names;
    for (const auto& p : r2->parameter_list) {
      names.push_back(json::array{json::string(p.name), p.writable});
      o.learned.push_back(ParameterUpdate{p.name, std::nullopt, std::nullopt, p.writable,
                                          std::nullopt, std::nullopt});
    }
    result["parameterNames"] = std::move(names);
  } else if (const auto* r3 = as<cwmp::GetParameterAttributesResponse>(response)) {
    json::array attrs;
    for (const auto& p : r3->parameter_list) {
      json::array access;
      for (const auto& s : p.access_list) access.push_back(json::string(s));
      attrs.push_back(json::object{
          {"name", p.name}, {"notification", p.notification}, {"accessList", std::move(access)}});
      o.learned.push_back(ParameterUpdate{p.name, std::nullopt, std::nullopt, std::nullopt,
                                          p.notification, p.access_list});
    }
    result["parameterAttributes"] = std::move(attrs);
  } else if (const auto* r4 = as<cwmp::SetParameterValuesResponse>(response)) {
    result["status"] = r4->status;
    // The values took: the device now holds what we set.
    o.learned = learned_values(std::get<cwmp::SetParameterValues>(request).parameter_list, false);
  } else if (const auto* r5 = as<cwmp::AddObjectResponse>(response)) {
    result["instanceNumber"] = std::int64_t{r5->instance_number};
    result["status"] = r5->status;
    const std::string& object = std::get<cwmp::AddObject>(request).object_name;
    o.learned.push_back(ParameterUpdate{object + std::to_string(r5->instance_number) + ".",
                                        std::nullopt, std::nullopt, true, std::nullopt,
                                        std::nullopt});
  } else if (const auto* r6 = as<cwmp::DeleteObjectResponse>(response)) {
    result["status"] = r6->status;
    o.removed_prefixes.push_back(std::get<cwmp::DeleteObject>(request).object_name);
  } else if (const auto* r7 = as<cwmp::DownloadResponse>(response)) {
    result["status"] = r7->status;
    result["startTime"] = format_time(r7->start_time);
    result["completeTime"] = format_time(r7->complete_time);
  } else if (const auto* r8 = as<cwmp::UploadResponse>(response)) {
    result["status"] = r8->status;
    result["startTime"] = format_time(r8->start_time);
    result["completeTime"] = format_time(r8->complete_time);
  } else if (const auto* r9 = as<cwmp::GetRPCMethodsResponse>(response)) {
    json::array methods;
    for (const auto& m : r9->method_list) methods.push_back(json::string(m));
    result["methods"] = std::move(methods);
  } else if (const auto* r10 = as<cwmp::GetQueuedTransfersResponse>(response)) {
    json::array list;
    for (const auto& t : r10->transfer_list) {
      list.push_back(json::object{{"commandKey", t.command_key}, {"state", t.state}});
    }
    result["transfers"] = std::move(list);
  } else if (const auto* r11 = as<cwmp::GetAllQueuedTransfersResponse>(response)) {
    json::array list;
    for (const auto& t : r11->transfer_list) {
      list.push_back(json::object{{"commandKey", t.command_key},
                                  {"state", t.state},
                                  {"isDownload", t.is_download},
                                  {"fileType", t.file_type},
                                  {"fileSize", std::int64_t{t.file_size}},
                                  {"targetFileName", t.target_file_name}});
    }
    result["transfers"] = std::move(list);
  }
  if (as<cwmp::SetParameterAttributesResponse>(response) != nullptr) {
    for (const auto& s : std::get<cwmp::SetParameterAttributes>(request).parameter_list) {
      ParameterUpdate u;
      u.path = s.name;
      if (s.notification_change) u.notification = s.notification;
      if (s.access_list_change) u.access_list = s.access_list;
      o.learned.push_back(std::move(u));
    }
  }
  // Reboot, FactoryReset, ScheduleInform, ScheduleDownload, CancelTransfer and
  // SetParameterAttributes answer with an empty response: the result is {}.
  o.result = std::move(result);
  return o;
}

}  // namespace acs
