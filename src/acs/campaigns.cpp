#include "acs/campaigns.hpp"

#include <boost/json.hpp>
#include <cmath>
#include <cstdio>

#include "acs/query.hpp"

namespace acs::campaigns {

namespace json = boost::json;

namespace {

constexpr std::string_view kStateNames[] = {"running", "paused", "completed"};
constexpr std::string_view kDeviceStateNames[] = {"pending", "downloading", "applied", "confirmed",
                                                  "failed"};
constexpr int kMinutesPerDay = 24 * 60;
constexpr Millis kMsPerMinute = 60'000;

using DefinitionResult = cwmp::Result<Definition, DefinitionError>;

DefinitionError error_at(std::string_view key, std::string message) {
  return DefinitionError{"/" + query::json_pointer_token(key), std::move(message)};
}

// A whole number in [min, max].
std::optional<std::uint32_t> whole(const json::value& v, std::uint32_t min, std::uint32_t max) {
  double d = 0;
  if (v.is_int64()) {
    d = static_cast<double>(v.get_int64());
  } else if (v.is_uint64()) {
    d = static_cast<double>(v.get_uint64());
  } else if (v.is_double()) {
    d = v.get_double();
  } else {
    return std::nullopt;
  }
  if (!(d >= min && d <= max) || std::floor(d) != d) return std::nullopt;
  return static_cast<std::uint32_t>(d);
}

// A share in [0, 1].
std::optional<double> share(const json::value& v) {
  if (!v.is_number()) return std::nullopt;
  const double d = v.to_number<double>();
  if (!(d >= 0.0 && d <= 1.0)) return std::nullopt;
  return d;
}

std::optional<int> minute_of_day(std::string_view hhmm) {
  if (hhmm.size() != 5 || hhmm[2] != ':') return std::nullopt;
  for (const std::size_t i : {0u, 1u, 3u, 4u}) {
    if (hhmm[i] < '0' || hhmm[i] > '9') return std::nullopt;
  }
  const int hours = (hhmm[0] - '0') * 10 + (hhmm[1] - '0');
  const int minutes = (hhmm[3] - '0') * 10 + (hhmm[4] - '0');
  if (hours > 23 || minutes > 59) return std::nullopt;
  return hours * 60 + minutes;
}

// Sets one field of the definition from the body's key; an error when it is not valid.
std::optional<DefinitionError> set_field(Definition& d, std::string_view key,
                                         const json::value& v) {
  if (key == "filter") {
    if (!v.is_object()) return error_at(key, "must be a query object, e.g. {\"_tags\": \"beta\"}");
    if (json::serialize(v).size() > kMaxFilterBytes) return error_at(key, "exceeds 8192 bytes");
    auto parsed = query::parse_query(v);
    if (!parsed) {
      return DefinitionError{"/filter" + parsed.error().where, parsed.error().message};
    }
    d.filter = v;
  } else if (key == "file") {
    if (!v.is_string() || v.get_string().empty() || v.get_string().size() > 256) {
      return error_at(key, "must be a file name of 1 to 256 bytes");
    }
    d.file = std::string(v.get_string());
  } else if (key == "maxConcurrent") {
    const auto n = whole(v, 1, kMaxConcurrent);
    if (!n) return error_at(key, "must be a whole number from 1 to 100000");
    d.max_concurrent = *n;
  } else if (key == "failureThreshold") {
    const auto s = share(v);
    if (!s) return error_at(key, "must be a number from 0 to 1 (a share of finished devices)");
    d.failure_threshold = *s;
  } else if (key == "minFinished") {
    const auto n = whole(v, 1, kMaxMinFinished);
    if (!n) return error_at(key, "must be a whole number from 1 to 1000000");
    d.min_finished = *n;
  } else if (key == "successThreshold") {
    const auto s = share(v);
    if (!s || *s == 0.0) return error_at(key, "must be a number above 0 and at most 1");
    d.success_threshold = *s;
  } else if (key == "window") {
    if (v.is_null()) {
      d.window.reset();
      return std::nullopt;
    }
    std::string message;
    if (!v.is_string()) return error_at(key, "must be \"HH:MM-HH:MM\" (UTC) or null");
    d.window = parse_window(v.get_string(), message);
    if (!d.window) return error_at(key, message);
  } else {
    return error_at(key,
                    "unknown key (known: filter, file, maxConcurrent, failureThreshold, "
                    "minFinished, successThreshold, window)");
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(State state) {
  return kStateNames[static_cast<std::size_t>(state)];
}

std::optional<State> parse_state(std::string_view text) {
  for (std::size_t i = 0; i < std::size(kStateNames); ++i) {
    if (kStateNames[i] == text) return static_cast<State>(i);
  }
  return std::nullopt;
}

std::string_view to_string(DeviceState state) {
  return kDeviceStateNames[static_cast<std::size_t>(state)];
}

std::optional<DeviceState> parse_device_state(std::string_view text) {
  for (std::size_t i = 0; i < std::size(kDeviceStateNames); ++i) {
    if (kDeviceStateNames[i] == text) return static_cast<DeviceState>(i);
  }
  return std::nullopt;
}

bool in_flight(DeviceState state) {
  return state == DeviceState::kDownloading || state == DeviceState::kApplied;
}

bool finished(DeviceState state) {
  return state == DeviceState::kConfirmed || state == DeviceState::kFailed;
}

std::optional<Window> parse_window(std::string_view text, std::string& error) {
  const std::size_t dash = text.find('-');
  const auto start = minute_of_day(text.substr(0, dash));
  const auto end =
      dash == std::string_view::npos ? std::nullopt : minute_of_day(text.substr(dash + 1));
  if (!start || !end) {
    error = "must be \"HH:MM-HH:MM\" in UTC, e.g. \"22:00-04:00\"";
    return std::nullopt;
  }
  if (*start == *end) {
    error = "start and end must differ (leave the window out for no restriction)";
    return std::nullopt;
  }
  return Window{*start, *end};
}

std::string to_string(const Window& window) {
  char text[64];
  std::snprintf(text, sizeof text, "%02d:%02d-%02d:%02d", window.start_minute / 60,
                window.start_minute % 60, window.end_minute / 60, window.end_minute % 60);
  return text;
}

bool in_window(const std::optional<Window>& window, Millis now) {
  if (!window) return true;
  Millis ms_of_day = now % (kMinutesPerDay * kMsPerMinute);
  if (ms_of_day < 0) ms_of_day += kMinutesPerDay * kMsPerMinute;
  const auto minute = static_cast<int>(ms_of_day / kMsPerMinute);
  if (window->start_minute < window->end_minute) {
    return minute >= window->start_minute && minute < window->end_minute;
  }
  return minute >= window->start_minute || minute < window->end_minute;  // wraps midnight
}

std::string DefinitionError::to_string() const {
  return (where.empty() ? std::string("body") : where) + ": " + message;
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  for (const char c : name) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7f || c == '/') return false;
  }
  return true;
}

DefinitionResult parse_definition(std::string_view name, const json::value& body) {
  if (!valid_name(name)) {
    return DefinitionError{"", "the name must have 1 to 128 bytes, no '/' or control characters"};
  }
  const json::object* o = body.if_object();
  if (o == nullptr) return DefinitionError{"", "the body must be a JSON object"};
  Definition d;
  d.name = std::string(name);
  for (const auto& kv : *o) {
    if (auto error = set_field(d, kv.key(), kv.value())) return std::move(*error);
  }
  if (d.file.empty()) return error_at("file", "is required");
  if (o->if_contains("filter") == nullptr) {
    // A campaign over every device must be asked for: {} is explicit, a forgotten key is not.
    return error_at("filter", "is required ({} selects every device)");
  }
  return d;
}

json::object to_json(const Definition& d) {
  json::object o;
  o["filter"] = d.filter;
  o["file"] = d.file;
  o["maxConcurrent"] = d.max_concurrent;
  o["failureThreshold"] = d.failure_threshold;
  o["minFinished"] = d.min_finished;
  o["successThreshold"] = d.success_threshold;
  o["window"] = d.window ? json::value(to_string(*d.window)) : json::value(nullptr);
  return o;
}

bool may_start(const Definition& definition, State state, Millis now) {
  return state == State::kRunning && in_window(definition.window, now);
}

std::optional<std::string> pause_reason(const Definition& definition, std::uint64_t finished,
                                        std::uint64_t failed) {
  if (finished == 0 || finished < definition.min_finished) return std::nullopt;
  const double rate = static_cast<double>(failed) / static_cast<double>(finished);
  if (rate <= definition.failure_threshold) return std::nullopt;
  char text[160];
  std::snprintf(text, sizeof text,
                "failure rate %.1f%% (%llu of %llu finished since the last resume) exceeds the "
                "threshold %.1f%%",
                rate * 100.0, static_cast<unsigned long long>(failed),
                static_cast<unsigned long long>(finished), definition.failure_threshold * 100.0);
  return std::string(text);
}

bool is_complete(const Definition& definition, std::uint64_t targeted, std::uint64_t confirmed) {
  if (targeted == 0) return false;
  // A small epsilon: 0.9 x 10 must be 9, not 9.000000000000002.
  const double needed =
      std::ceil(definition.success_threshold * static_cast<double>(targeted) - 1e-9);
  return static_cast<double>(confirmed) >= needed;
}

std::optional<Transition> after_inform(DeviceState current, bool boot,
                                       std::string_view software_version,
                                       std::string_view target_version) {
  if (!in_flight(current)) return std::nullopt;
  if (software_version == target_version) return Transition{DeviceState::kConfirmed, 0, {}};
  if (current == DeviceState::kApplied && boot) {
    // TR-069 A.3.2.8: the CPE applies the image and reboots; a boot on any other version
    // means the image did not take (rolled back, or refused at boot).
    return Transition{DeviceState::kFailed, 9010,
                      "rebooted on version '" + std::string(software_version) + "', expected '" +
                          std::string(target_version) + "'"};
  }
  return std::nullopt;
}

std::optional<Transition> after_task_fault(DeviceState current, const TaskFault& fault) {
  if (!in_flight(current)) return std::nullopt;
  return Transition{DeviceState::kFailed, fault.code, fault.message.substr(0, kMaxMessageLength)};
}

std::optional<Transition> after_transfer_complete(DeviceState current,
                                                  const std::optional<TaskFault>& fault) {
  if (fault) return after_task_fault(current, *fault);
  if (current == DeviceState::kDownloading) return Transition{DeviceState::kApplied, 0, {}};
  return std::nullopt;
}

std::optional<std::string> software_version(const InformRecord& inform) {
  for (const ParameterUpdate& p : inform.parameters) {
    if ((p.path == "Device.DeviceInfo.SoftwareVersion" ||
         p.path == "InternetGatewayDevice.DeviceInfo.SoftwareVersion") &&
        p.value) {
      return *p.value;
    }
  }
  return std::nullopt;
}

}  // namespace acs::campaigns
