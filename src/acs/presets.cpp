// Presets: the JSON form (parse + validate, serialize), device state helpers and fault records.
// The engine is in preset_engine.cpp.
#include "acs/presets.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include <boost/json.hpp>

#include "cwmp/parameter_path.hpp"
#include "cwmp/values.hpp"

namespace acs::presets {

namespace json = boost::json;

std::string PresetError::to_string() const {
  return where + ": " + message;
}

bool valid_preset_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == ' ';
  });
}

namespace {

// Thrown inside the parser only, caught by parse_preset: keeps the many checks short.
struct Invalid {
  std::string where;
  std::string message;
};

[[noreturn]] void fail(std::string where, std::string message) {
  throw Invalid{std::move(where), std::move(message)};
}

std::string at(const std::string& where, std::string_view key) {
  return where + "/" + query::json_pointer_token(key);
}
std::string at(const std::string& where, std::size_t index) {
  return where + "/" + std::to_string(index);
}

const json::object& as_object(const json::value& v, const std::string& where) {
  if (!v.is_object()) fail(where, "must be an object");
  return v.get_object();
}

const json::array& as_array(const json::value& v, const std::string& where, std::size_t max) {
  if (!v.is_array()) fail(where, "must be an array");
  if (v.get_array().size() > max) fail(where, "more than " + std::to_string(max) + " entries");
  return v.get_array();
}

std::string as_string(const json::value& v, const std::string& where, std::size_t max) {
  if (!v.is_string()) fail(where, "must be a string");
  const json::string& s = v.get_string();
  if (s.size() > max) fail(where, "longer than " + std::to_string(max) + " characters");
  return std::string(s);
}

std::int64_t as_integer(const json::value& v, const std::string& where, std::int64_t min,
                        std::int64_t max) {
  std::int64_t n = 0;
  if (v.is_int64()) {
    n = v.get_int64();
  } else if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(max)) {
    n = static_cast<std::int64_t>(v.get_uint64());
  } else if (v.is_double() && std::floor(v.get_double()) == v.get_double() &&
             std::abs(v.get_double()) <= 9e15) {
    n = static_cast<std::int64_t>(v.get_double());
  } else {
    fail(where, "must be an integer");
  }
  if (n < min || n > max) {
    fail(where, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return n;
}

void only_keys(const json::object& o, const std::string& where,
               std::initializer_list<std::string_view> keys) {
  for (const auto& kv : o) {
    if (std::find(keys.begin(), keys.end(), kv.key()) == keys.end()) {
      fail(at(where, kv.key()), "unknown field");
    }
  }
}

void check_path(std::string_view path, const std::string& where, bool wildcards,
                cwmp::PathKind kind) {
  cwmp::PathRules rules;
  rules.allow_wildcards = wildcards;
  rules.allow_aliases = false;
  rules.kind = kind;
  if (path.empty()) fail(where, "must not be empty");
  const cwmp::PathError error = cwmp::validate_path(path, rules);
  if (error != cwmp::PathError::kNone) {
    fail(where,
         "invalid path \"" + std::string(path) + "\": " + std::string(cwmp::to_string(error)));
  }
}

// A declared value: a scalar, or {"value": scalar, "type": "unsignedInt"}.
DeclaredValue parse_value(std::string path, const json::value& v, const std::string& where) {
  DeclaredValue d;
  d.path = std::move(path);
  const json::value* scalar = &v;
  std::string scalar_where = where;
  if (v.is_object()) {
    const json::object& o = v.get_object();
    only_keys(o, where, {"value", "type"});
    scalar = o.if_contains("value");
    if (scalar == nullptr) fail(where, "missing \"value\"");
    scalar_where = at(where, "value");
    if (const json::value* t = o.if_contains("type")) {
      const std::string name = as_string(*t, at(where, "type"), 32);
      d.type = cwmp::parse_value_type_name(name);
      if (!d.type) d.type = cwmp::value_type_from_xsi(name);
      if (!d.type) fail(at(where, "type"), "unknown type \"" + name + "\"");
    }
  }
  if (scalar->is_bool()) {
    d.kind = ValueKind::kBoolean;
    d.value = scalar->get_bool() ? "true" : "false";
  } else if (scalar->is_int64()) {
    d.kind = ValueKind::kNumber;
    d.value = std::to_string(scalar->get_int64());
  } else if (scalar->is_uint64()) {
    d.kind = ValueKind::kNumber;
    d.value = std::to_string(scalar->get_uint64());
  } else if (scalar->is_double()) {
    d.kind = ValueKind::kNumber;
    d.value = json::serialize(*scalar);
  } else if (scalar->is_string()) {
    d.value = as_string(*scalar, scalar_where, kMaxValueLength);
  } else {
    fail(scalar_where, "must be a string, number or boolean");
  }
  if (d.type && !cwmp::is_valid_value(*d.type, d.value)) {
    fail(scalar_where, "\"" + d.value + "\" is not a valid " + std::string(to_string(*d.type)));
  }
  return d;
}

// {"Path": value, ...}; `relative` for an instance's parameters ("Enable", "Stats.X").
std::vector<DeclaredValue> parse_values(const json::value& v, const std::string& where,
                                        bool relative) {
  const json::object& o = as_object(v, where);
  if (o.size() > kMaxParameters) {
    fail(where, "more than " + std::to_string(kMaxParameters) + " parameters");
  }
  std::vector<DeclaredValue> out;
  for (const auto& kv : o) {
    const std::string w = at(where, kv.key());
    const std::string path(kv.key());
    check_path(path, w, !relative, cwmp::PathKind::kFullName);
    out.push_back(parse_value(path, kv.value(), w));
  }
  return out;
}

ObjectDeclaration parse_object(const json::value& v, const std::string& where) {
  const json::object& o = as_object(v, where);
  only_keys(o, where, {"path", "count", "parameters", "key", "instances", "delete_others"});
  ObjectDeclaration d;
  const json::value* path = o.if_contains("path");
  if (path == nullptr) fail(where, "missing \"path\"");
  d.path = as_string(*path, at(where, "path"), cwmp::kMaxPathLength);
  check_path(d.path, at(where, "path"), false, cwmp::PathKind::kPartialPath);
  const json::value* count = o.if_contains("count");
  const json::value* key = o.if_contains("key");
  if ((count == nullptr) == (key == nullptr)) {
    fail(where, "give either \"count\" or \"key\" with \"instances\"");
  }
  if (count != nullptr) {
    d.count = static_cast<std::uint32_t>(
        as_integer(*count, at(where, "count"), 0, static_cast<std::int64_t>(kMaxInstances)));
    if (o.contains("instances") || o.contains("delete_others")) {
      fail(where, "\"instances\" and \"delete_others\" go with \"key\", not \"count\"");
    }
    if (const json::value* p = o.if_contains("parameters")) {
      d.parameters = parse_values(*p, at(where, "parameters"), true);
    }
    return d;
  }
  if (o.contains("parameters")) fail(at(where, "parameters"), "with \"key\", give per instance");
  d.key = as_string(*key, at(where, "key"), cwmp::kMaxPathLength);
  check_path(d.key, at(where, "key"), false, cwmp::PathKind::kFullName);
  if (const json::value* del = o.if_contains("delete_others")) {
    if (!del->is_bool()) fail(at(where, "delete_others"), "must be a boolean");
    d.delete_others = del->get_bool();
  }
  const json::value* instances = o.if_contains("instances");
  if (instances == nullptr) fail(where, "missing \"instances\"");
  const std::string iw = at(where, "instances");
  const json::array& list = as_array(*instances, iw, kMaxInstances);
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string w = at(iw, i);
    const json::object& io = as_object(list[i], w);
    only_keys(io, w, {"key", "parameters"});
    KeyedInstance inst;
    const json::value* kv = io.if_contains("key");
    if (kv == nullptr) fail(w, "missing \"key\"");
    inst.key_value = parse_value(d.key, *kv, at(w, "key")).value;
    for (const KeyedInstance& other : d.instances) {
      if (other.key_value == inst.key_value) fail(at(w, "key"), "duplicate key value");
    }
    if (const json::value* p = io.if_contains("parameters")) {
      inst.parameters = parse_values(*p, at(w, "parameters"), true);
    }
    d.instances.push_back(std::move(inst));
  }
  return d;
}

AttributeDeclaration parse_attribute(const json::value& v, const std::string& where) {
  const json::object& o = as_object(v, where);
  only_keys(o, where, {"path", "notification", "access_list"});
  AttributeDeclaration d;
  const json::value* path = o.if_contains("path");
  if (path == nullptr) fail(where, "missing \"path\"");
  d.path = as_string(*path, at(where, "path"), cwmp::kMaxPathLength);
  check_path(d.path, at(where, "path"), true, cwmp::PathKind::kFullName);
  if (const json::value* n = o.if_contains("notification")) {
    d.notification = static_cast<std::int32_t>(as_integer(*n, at(where, "notification"), 0, 6));
  }
  if (const json::value* a = o.if_contains("access_list")) {
    const std::string w = at(where, "access_list");
    std::vector<std::string> list;
    const json::array& arr = as_array(*a, w, kMaxAccessListEntries);
    for (std::size_t i = 0; i < arr.size(); ++i) list.push_back(as_string(arr[i], at(w, i), 64));
    d.access_list = std::move(list);
  }
  if (!d.notification && !d.access_list) fail(where, "give \"notification\" or \"access_list\"");
  return d;
}

std::string optional_string(const json::object& o, std::string_view key, const std::string& where,
                            std::size_t max, std::string fallback = {}) {
  const json::value* v = o.if_contains(key);
  return v == nullptr ? fallback : as_string(*v, at(where, key), max);
}

DownloadAction parse_download(const json::value& v, const std::string& where) {
  const json::object& o = as_object(v, where);
  only_keys(o, where,
            {"file_type", "url", "username", "password", "file_size", "target_file_name", "version",
             "version_parameter", "command_key"});
  DownloadAction d;
  d.file_type = optional_string(o, "file_type", where, 64, d.file_type);
  d.url = optional_string(o, "url", where, kMaxUrlLength);
  if (d.url.empty()) fail(at(where, "url"), "required");
  d.username = optional_string(o, "username", where, kMaxCredentialLength);
  d.password = optional_string(o, "password", where, kMaxCredentialLength);
  if (const json::value* s = o.if_contains("file_size")) {
    d.file_size = static_cast<std::uint32_t>(as_integer(*s, at(where, "file_size"), 0, 0xFFFFFFFF));
  }
  d.target_file_name = optional_string(o, "target_file_name", where, 256);
  d.version = optional_string(o, "version", where, 256);
  d.version_parameter = optional_string(o, "version_parameter", where, cwmp::kMaxPathLength);
  if (!d.version_parameter.empty()) {
    check_path(d.version_parameter, at(where, "version_parameter"), false,
               cwmp::PathKind::kFullName);
    if (d.version.empty()) fail(at(where, "version"), "required with \"version_parameter\"");
  }
  d.command_key = optional_string(o, "command_key", where, 32);
  return d;
}

UploadAction parse_upload(const json::value& v, const std::string& where) {
  const json::object& o = as_object(v, where);
  only_keys(o, where, {"file_type", "url", "username", "password"});
  UploadAction u;
  u.file_type = optional_string(o, "file_type", where, 64, u.file_type);
  // Empty: the ACS's own file service (cwmp-acs gives each backup a name of its own).
  u.url = optional_string(o, "url", where, kMaxUrlLength);
  u.username = optional_string(o, "username", where, kMaxCredentialLength);
  u.password = optional_string(o, "password", where, kMaxCredentialLength);
  return u;
}

void parse_events(const json::value& v, Preset& p) {
  const json::array& list = as_array(v, "/events", kMaxEvents);
  for (std::size_t i = 0; i < list.size(); ++i) {
    std::string code = as_string(list[i], at("/events", i), kMaxEventLength);
    if (code.empty()) fail(at("/events", i), "must not be empty");
    p.events.push_back(std::move(code));
  }
}

Preset parse_fields(const json::object& o, std::string_view name_override) {
  only_keys(o, "",
            {"name", "weight", "precondition", "events", "schedule", "parameters", "objects",
             "attributes", "downloads", "upload", "reboot"});
  Preset p;
  p.name = name_override.empty() ? optional_string(o, "name", "", kMaxNameLength + 1)
                                 : std::string(name_override);
  if (!valid_preset_name(p.name)) {
    fail("/name", "1 to 128 characters of letters, digits, space, '_', '-' and '.'");
  }
  if (const json::value* w = o.if_contains("weight")) {
    p.weight = as_integer(*w, "/weight", -kMaxWeight, kMaxWeight);
  }
  p.precondition_json = json::object{};
  if (const json::value* pre = o.if_contains("precondition")) {
    // GenieACS stores an empty precondition as ""; accept it as "every device".
    if (!(pre->is_string() && pre->get_string().empty())) p.precondition_json = *pre;
  }
  auto parsed = query::parse_query(p.precondition_json);
  if (!parsed.ok()) {
    fail("/precondition" + parsed.error().where, parsed.error().message);
  }
  p.precondition = std::move(parsed.value());
  if (const json::value* e = o.if_contains("events")) parse_events(*e, p);
  p.schedule = optional_string(o, "schedule", "", kMaxScheduleLength);
  if (!p.schedule.empty()) {
    std::string error;
    p.cron = parse_cron(p.schedule, error);
    if (!p.cron) fail("/schedule", error);
  }
  if (p.events.empty() && p.schedule.empty()) {
    fail("/events", "give at least one event (\"*\" for any) or a \"schedule\"");
  }
  if (const json::value* v = o.if_contains("parameters")) {
    p.parameters = parse_values(*v, "/parameters", false);
  }
  if (const json::value* v = o.if_contains("objects")) {
    const json::array& list = as_array(*v, "/objects", kMaxObjects);
    for (std::size_t i = 0; i < list.size(); ++i) {
      p.objects.push_back(parse_object(list[i], at("/objects", i)));
    }
  }
  if (const json::value* v = o.if_contains("attributes")) {
    const json::array& list = as_array(*v, "/attributes", kMaxAttributes);
    for (std::size_t i = 0; i < list.size(); ++i) {
      p.attributes.push_back(parse_attribute(list[i], at("/attributes", i)));
    }
  }
  if (const json::value* v = o.if_contains("downloads")) {
    const json::array& list = as_array(*v, "/downloads", kMaxDownloads);
    for (std::size_t i = 0; i < list.size(); ++i) {
      p.downloads.push_back(parse_download(list[i], at("/downloads", i)));
    }
  }
  if (const json::value* v = o.if_contains("upload")) p.upload = parse_upload(*v, "/upload");
  if (const json::value* v = o.if_contains("reboot")) {
    const std::string mode = as_string(*v, "/reboot", 16);
    if (mode == "never") {
      p.reboot = RebootMode::kNever;
    } else if (mode == "if_changed") {
      p.reboot = RebootMode::kIfChanged;
    } else if (mode == "always") {
      p.reboot = RebootMode::kAlways;
    } else {
      fail("/reboot", "must be \"never\", \"if_changed\" or \"always\"");
    }
  }
  return p;
}

json::value value_json(const DeclaredValue& d) {
  json::value scalar;
  if (d.kind == ValueKind::kBoolean) {
    scalar = (d.value == "true");
  } else if (d.kind == ValueKind::kNumber) {
    boost::system::error_code ec;
    scalar = json::parse(d.value, ec);
    if (ec) scalar = json::string(d.value);
  } else {
    scalar = json::string(d.value);
  }
  if (!d.type) return scalar;
  return json::object{{"value", scalar}, {"type", cwmp::to_string(*d.type)}};
}

json::object values_json(const std::vector<DeclaredValue>& values) {
  json::object o;
  for (const DeclaredValue& d : values) o[d.path] = value_json(d);
  return o;
}

std::string_view reboot_name(RebootMode mode) {
  switch (mode) {
    case RebootMode::kIfChanged:
      return "if_changed";
    case RebootMode::kAlways:
      return "always";
    case RebootMode::kNever:
      break;
  }
  return "never";
}

}  // namespace

PresetResult parse_preset(const json::value& json, std::string_view name_override) {
  try {
    if (!json.is_object()) fail("", "a preset must be a JSON object");
    return parse_fields(json.get_object(), name_override);
  } catch (const Invalid& e) {
    return PresetError{e.where, e.message};
  }
}

PresetResult parse_preset_text(std::string_view json_text, std::string_view name_override) {
  if (json_text.size() > kMaxPresetJsonBytes) {
    return PresetError{"", "larger than " + std::to_string(kMaxPresetJsonBytes) + " bytes"};
  }
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = 32;
  const json::value v = json::parse(json_text, ec, {}, options);
  if (ec) return PresetError{"", "invalid JSON: " + ec.message()};
  return parse_preset(v, name_override);
}

json::object to_json(const Preset& p) {
  json::object o;
  o["name"] = p.name;
  o["weight"] = p.weight;
  o["precondition"] = p.precondition_json;
  json::array events;
  for (const std::string& e : p.events) events.emplace_back(e);
  o["events"] = std::move(events);
  if (!p.schedule.empty()) o["schedule"] = p.schedule;
  if (!p.parameters.empty()) o["parameters"] = values_json(p.parameters);
  if (!p.objects.empty()) {
    json::array list;
    for (const ObjectDeclaration& d : p.objects) {
      json::object od{{"path", d.path}};
      if (d.count) {
        od["count"] = *d.count;
        if (!d.parameters.empty()) od["parameters"] = values_json(d.parameters);
      } else {
        od["key"] = d.key;
        od["delete_others"] = d.delete_others;
        json::array instances;
        for (const KeyedInstance& i : d.instances) {
          json::object io{{"key", i.key_value}};
          if (!i.parameters.empty()) io["parameters"] = values_json(i.parameters);
          instances.emplace_back(std::move(io));
        }
        od["instances"] = std::move(instances);
      }
      list.emplace_back(std::move(od));
    }
    o["objects"] = std::move(list);
  }
  if (!p.attributes.empty()) {
    json::array list;
    for (const AttributeDeclaration& a : p.attributes) {
      json::object ao{{"path", a.path}};
      if (a.notification) ao["notification"] = *a.notification;
      if (a.access_list) {
        json::array acl;
        for (const std::string& s : *a.access_list) acl.emplace_back(s);
        ao["access_list"] = std::move(acl);
      }
      list.emplace_back(std::move(ao));
    }
    o["attributes"] = std::move(list);
  }
  if (!p.downloads.empty()) {
    json::array list;
    for (const DownloadAction& d : p.downloads) {
      json::object dj{{"file_type", d.file_type}, {"url", d.url}};
      if (!d.username.empty()) dj["username"] = d.username;
      if (!d.password.empty()) dj["password"] = d.password;
      if (d.file_size != 0) dj["file_size"] = d.file_size;
      if (!d.target_file_name.empty()) dj["target_file_name"] = d.target_file_name;
      if (!d.version.empty()) dj["version"] = d.version;
      if (!d.version_parameter.empty()) dj["version_parameter"] = d.version_parameter;
      if (!d.command_key.empty()) dj["command_key"] = d.command_key;
      list.emplace_back(std::move(dj));
    }
    o["downloads"] = std::move(list);
  }
  if (p.upload) {
    json::object u{{"file_type", p.upload->file_type}};
    if (!p.upload->url.empty()) u["url"] = p.upload->url;
    if (!p.upload->username.empty()) u["username"] = p.upload->username;
    if (!p.upload->password.empty()) u["password"] = p.upload->password;
    o["upload"] = std::move(u);
  }
  if (p.reboot != RebootMode::kNever) o["reboot"] = reboot_name(p.reboot);
  return o;
}

// ---- Faults -----------------------------------------------------------------------------------

Millis retry_delay(std::uint32_t retries, const RetryPolicy& policy) {
  if (retries == 0) return 0;
  Millis delay = policy.base_delay;
  for (std::uint32_t i = 1; i < retries && delay < policy.max_delay; ++i) delay *= 2;
  return std::min(delay, policy.max_delay);
}

bool is_due(const PresetFault& fault, Millis now, const RetryPolicy& policy) {
  return now >= fault.timestamp + retry_delay(fault.retries, policy);
}

PresetFault record_fault(const std::optional<PresetFault>& previous, std::string_view preset,
                         std::string_view device_id, std::uint32_t code, std::string message,
                         Millis now) {
  PresetFault f;
  f.preset = std::string(preset);
  f.device_id = std::string(device_id);
  f.code = code;
  f.message = std::move(message);
  f.retries = previous ? previous->retries + 1 : 1;
  f.timestamp = now;
  return f;
}

}  // namespace acs::presets
