// The definition format: see schema.hpp and docs/cpe-model.md.
#include "cpe/model/schema.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cwmp/faults.hpp"
#include "cwmp/parameter_path.hpp"

namespace cpe::model {

namespace json = boost::json;

namespace {

constexpr std::string_view kFormat = "cwmp-cpe-model/1";
constexpr std::size_t kMaxDocumentBytes = 8 * 1024 * 1024;
constexpr std::string_view kInstanceToken = "{i}";

bool is_number_type(cwmp::ValueType type) {
  return type == cwmp::ValueType::kInt || type == cwmp::ValueType::kUnsignedInt ||
         type == cwmp::ValueType::kLong || type == cwmp::ValueType::kUnsignedLong;
}

bool is_unsigned_type(cwmp::ValueType type) {
  return type == cwmp::ValueType::kUnsignedInt || type == cwmp::ValueType::kUnsignedLong;
}

// Number of Unicode characters in valid UTF-8 (TR-106 string lengths count characters).
std::size_t utf8_length(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool in_ranges(const ParamDef& def, std::string_view value) {
  if (def.ranges.empty()) return true;
  // Every bound fits an int64; an unsigned value above INT64_MAX exceeds any max.
  std::int64_t v = 0;
  bool huge = false;
  if (is_unsigned_type(def.type)) {
    const auto u = cwmp::parse_unsigned_long(value);
    if (!u) return false;
    huge = *u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    v = huge ? std::numeric_limits<std::int64_t>::max() : static_cast<std::int64_t>(*u);
  } else {
    const auto s = cwmp::parse_long(value);
    if (!s) return false;
    v = *s;
  }
  return std::any_of(def.ranges.begin(), def.ranges.end(), [&](const Range& r) {
    if (r.min && v < *r.min) return false;
    if (r.max && (huge || v > *r.max)) return false;
    return true;
  });
}

bool in_list(const std::vector<std::string>& allowed, std::string_view value) {
  return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

bool enumeration_ok(const ParamDef& def, std::string_view value) {
  if (def.enumeration.empty()) return true;
  if (!def.list) return in_list(def.enumeration, value);
  if (trim_spaces(value).empty()) return true;  // an empty list
  std::size_t start = 0;
  while (start <= value.size()) {
    std::size_t comma = value.find(',', start);
    if (comma == std::string_view::npos) comma = value.size();
    if (!in_list(def.enumeration, trim_spaces(value.substr(start, comma - start)))) return false;
    start = comma + 1;
  }
  return true;
}

std::size_t binary_length(const ParamDef& def, std::string_view value) {
  const auto bytes =
      def.type == cwmp::ValueType::kBase64 ? cwmp::base64_decode(value) : cwmp::hex_decode(value);
  return bytes ? bytes->size() : 0;
}

// --- JSON helpers ----------------------------------------------------------------------

class Reader {
 public:
  Reader(const json::object& object, std::string where)
      : object_(object), where_(std::move(where)) {}

  const std::string& where() const { return where_; }

  // Every key must be one we know: a typo in a vendor's file is an error, not a silent default.
  bool only(std::initializer_list<std::string_view> keys, std::string& error) const {
    for (const auto& entry : object_) {
      if (std::find(keys.begin(), keys.end(), std::string_view(entry.key())) == keys.end()) {
        error = where_ + ": unknown key \"" + std::string(entry.key()) + "\"";
        return false;
      }
    }
    return true;
  }

  const json::value* find(std::string_view key) const { return object_.if_contains(key); }

  bool string(std::string_view key, std::string& out, std::string& error, bool required) const {
    const json::value* v = find(key);
    if (v == nullptr) {
      if (required) error = where_ + ": \"" + std::string(key) + "\" is required";
      return !required;
    }
    if (!v->is_string()) {
      error = where_ + ": \"" + std::string(key) + "\" must be a string";
      return false;
    }
    out = std::string(v->get_string());
    return true;
  }

  bool boolean(std::string_view key, bool& out, std::string& error) const {
    const json::value* v = find(key);
    if (v == nullptr) return true;
    if (!v->is_bool()) {
      error = where_ + ": \"" + std::string(key) + "\" must be true or false";
      return false;
    }
    out = v->get_bool();
    return true;
  }

  bool integer(std::string_view key, std::optional<std::int64_t>& out, std::string& error) const {
    const json::value* v = find(key);
    if (v == nullptr) return true;
    if (v->is_int64()) {
      out = v->get_int64();
      return true;
    }
    if (v->is_uint64() &&
        v->get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      out = static_cast<std::int64_t>(v->get_uint64());
      return true;
    }
    error = where_ + ": \"" + std::string(key) + "\" must be an integer";
    return false;
  }

  bool strings(std::string_view key, std::vector<std::string>& out, std::string& error) const {
    const json::value* v = find(key);
    if (v == nullptr) return true;
    if (!v->is_array()) {
      error = where_ + ": \"" + std::string(key) + "\" must be an array of strings";
      return false;
    }
    for (const auto& item : v->get_array()) {
      if (!item.is_string()) {
        error = where_ + ": \"" + std::string(key) + "\" must be an array of strings";
        return false;
      }
      out.emplace_back(item.get_string());
    }
    return true;
  }

 private:
  const json::object& object_;
  std::string where_;
};

// A JSON scalar as the text of a parameter value ("default": 5 and "default": "5" alike).
std::optional<std::string> scalar_text(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_bool()) return std::string(v.get_bool() ? "true" : "false");
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  return std::nullopt;
}

// Checks a schema path: names and "{i}" segments, "{i}" only after a name.
bool valid_schema_path(std::string_view path, cwmp::PathKind kind) {
  std::string probe;
  probe.reserve(path.size());
  std::size_t pos = 0;
  while (pos < path.size()) {
    const std::size_t token = path.find(kInstanceToken, pos);
    if (token == std::string_view::npos) {
      probe.append(path.substr(pos));
      break;
    }
    probe.append(path.substr(pos, token - pos));
    probe += '1';
    pos = token + kInstanceToken.size();
  }
  return cwmp::validate_path(probe,
                             {.allow_wildcards = false, .allow_aliases = false, .kind = kind}) ==
             cwmp::PathError::kNone &&
         !probe.empty();
}

bool ends_with_instance(std::string_view object_path) {
  return object_path.ends_with(".{i}.");
}

}  // namespace

// Builds a Schema from the parsed document, one section at a time.
class SchemaBuilder {
 public:
  explicit SchemaBuilder(Schema& schema) : s_(schema) {}

  bool build(const json::object& doc, std::string& error) {
    const Reader top(doc, "model");
    if (!top.only({"format", "description", "objects", "instances", "hooks"}, error)) return false;
    std::string format;
    if (!top.string("format", format, error, true)) return false;
    if (format != kFormat) {
      error = "model: \"format\" must be \"" + std::string(kFormat) + "\"";
      return false;
    }
    const json::value* objects = top.find("objects");
    if (objects == nullptr || !objects->is_array() || objects->get_array().empty()) {
      error = "model: \"objects\" must be a non-empty array";
      return false;
    }
    for (const auto& o : objects->get_array()) {
      if (!o.is_object()) {
        error = "model: every entry of \"objects\" must be an object";
        return false;
      }
      if (!add_object(o.get_object(), error)) return false;
    }
    if (const json::value* inst = top.find("instances"); inst != nullptr) {
      if (!add_instances(*inst, error)) return false;
    }
    if (const json::value* hooks = top.find("hooks"); hooks != nullptr) {
      if (!add_hooks(*hooks, error)) return false;
    }
    return true;
  }

 private:
  bool add_object(const json::object& o, std::string& error) {
    ObjectDef def;
    {
      const Reader r(o, "object");
      if (!r.string("path", def.path, error, true)) return false;
    }
    const Reader r(o, "object " + def.path);
    if (!r.only({"path", "access", "numEntriesParameter", "maxEntries", "diagnostics", "parameters",
                 "description"},
                error)) {
      return false;
    }
    if (!valid_schema_path(def.path, cwmp::PathKind::kPartialPath)) {
      error = r.where() + ": not a valid object path";
      return false;
    }
    if (s_.object_index_.contains(def.path)) {
      error = r.where() + ": defined twice";
      return false;
    }
    def.multi_instance = ends_with_instance(def.path);
    std::string_view base = def.path;
    if (def.multi_instance) base.remove_suffix(kInstanceToken.size() + 1);  // "{i}."
    const std::string_view parent_path = cwmp::parent_path(base);
    def.name = std::string(cwmp::last_segment(base));
    if (s_.objects_.empty()) {
      if (def.multi_instance || !parent_path.empty()) {
        error = r.where() + ": the first object must be the root (e.g. \"Device.\")";
        return false;
      }
    } else {
      def.parent = s_.find_object(parent_path);
      if (def.parent == kNoIndex) {
        error =
            r.where() + ": its parent " + std::string(parent_path) + " must be defined before it";
        return false;
      }
    }
    std::string access = "readOnly";
    if (!r.string("access", access, error, false)) return false;
    if (access != "readOnly" && access != "readWrite") {
      error = r.where() + ": \"access\" must be readOnly or readWrite";
      return false;
    }
    if (access == "readWrite" && !def.multi_instance) {
      error = r.where() + ": only a multi-instance object ({i}) can be readWrite";
      return false;
    }
    def.writable = access == "readWrite";
    if (!r.boolean("diagnostics", def.diagnostics, error)) return false;
    std::optional<std::int64_t> max_entries;
    if (!r.integer("maxEntries", max_entries, error)) return false;
    if (max_entries) {
      if (!def.multi_instance || *max_entries < 1 || *max_entries > 1'000'000) {
        error = r.where() + ": \"maxEntries\" needs a multi-instance object and 1..1000000";
        return false;
      }
      def.max_entries = static_cast<std::uint32_t>(*max_entries);
    }
    const auto index = static_cast<std::uint32_t>(s_.objects_.size());
    s_.object_index_.emplace(def.path, index);
    if (def.parent != kNoIndex) s_.objects_[def.parent].children.push_back(index);
    std::string num_entries;
    if (!r.string("numEntriesParameter", num_entries, error, false)) return false;
    s_.objects_.push_back(std::move(def));

    if (const json::value* params = r.find("parameters"); params != nullptr) {
      if (!params->is_array()) {
        error = r.where() + ": \"parameters\" must be an array";
        return false;
      }
      for (const auto& p : params->get_array()) {
        if (!p.is_object()) {
          error = r.where() + ": every parameter must be an object";
          return false;
        }
        if (!add_param(index, p.get_object(), error)) return false;
      }
    }
    return num_entries.empty() || link_num_entries(index, num_entries, error);
  }

  bool link_num_entries(std::uint32_t table, const std::string& name, std::string& error) {
    ObjectDef& def = s_.objects_[table];
    if (!def.multi_instance) {
      error = "object " + def.path + ": \"numEntriesParameter\" needs a multi-instance object";
      return false;
    }
    const std::uint32_t p = s_.find_param(s_.objects_[def.parent].path + name);
    if (p == kNoIndex || s_.params_[p].type != cwmp::ValueType::kUnsignedInt ||
        s_.params_[p].writable || s_.params_[p].counts_table != kNoIndex) {
      error = "object " + def.path + ": \"numEntriesParameter\" " + name +
              " must be a read-only unsignedInt parameter of its parent, counting one table";
      return false;
    }
    s_.params_[p].counts_table = table;
    def.num_entries_param = p;
    return true;
  }

  bool add_param(std::uint32_t object, const json::object& o, std::string& error) {
    ParamDef def;
    def.object = object;
    {
      const Reader r(o, "parameter in " + s_.objects_[object].path);
      if (!r.string("name", def.name, error, true)) return false;
    }
    def.path = s_.objects_[object].path + def.name;
    const Reader r(o, "parameter " + def.path);
    if (!r.only({"name", "type", "access", "default", "min", "max", "range", "enumeration",
                 "writableValues", "list", "minLength", "maxLength", "activeNotify", "forcedInform",
                 "hidden", "provider", "rebootRequired", "description"},
                error)) {
      return false;
    }
    if (def.name.find('.') != std::string::npos ||
        !valid_schema_path(def.path, cwmp::PathKind::kFullName)) {
      error = r.where() + ": not a valid parameter name";
      return false;
    }
    if (s_.param_index_.contains(def.path)) {
      error = r.where() + ": defined twice";
      return false;
    }
    if (!read_type_and_access(r, def, error) || !read_facets(r, def, error) ||
        !read_behaviour(r, def, error) || !read_default(r, def, error)) {
      return false;
    }
    const auto index = static_cast<std::uint32_t>(s_.params_.size());
    s_.param_index_.emplace(def.path, index);
    s_.objects_[object].params.push_back(index);
    s_.params_.push_back(std::move(def));
    return true;
  }

  static bool read_type_and_access(const Reader& r, ParamDef& def, std::string& error) {
    std::string type;
    if (!r.string("type", type, error, true)) return false;
    const auto t = cwmp::parse_value_type_name(type);
    if (!t || *t == cwmp::ValueType::kUnspecified) {
      error = r.where() + ": unknown type \"" + type + "\"";
      return false;
    }
    def.type = *t;
    std::string access;
    if (!r.string("access", access, error, true)) return false;
    if (access != "readOnly" && access != "readWrite") {
      error = r.where() + ": \"access\" must be readOnly or readWrite";
      return false;
    }
    def.writable = access == "readWrite";
    return r.boolean("list", def.list, error) && r.boolean("hidden", def.hidden, error) &&
           r.boolean("forcedInform", def.forced_inform, error) &&
           r.boolean("rebootRequired", def.reboot_required, error);
  }

  static bool read_facets(const Reader& r, ParamDef& def, std::string& error) {
    Range single;
    if (!r.integer("min", single.min, error) || !r.integer("max", single.max, error)) return false;
    if (single.min || single.max) def.ranges.push_back(single);
    if (const json::value* ranges = r.find("range"); ranges != nullptr) {
      if (!ranges->is_array()) {
        error = r.where() + ": \"range\" must be an array of {\"min\", \"max\"}";
        return false;
      }
      for (const auto& item : ranges->get_array()) {
        if (!item.is_object()) {
          error = r.where() + ": \"range\" must be an array of {\"min\", \"max\"}";
          return false;
        }
        const Reader rr(item.get_object(), r.where() + " range");
        Range range;
        if (!rr.only({"min", "max"}, error) || !rr.integer("min", range.min, error) ||
            !rr.integer("max", range.max, error)) {
          return false;
        }
        def.ranges.push_back(range);
      }
    }
    if (!def.ranges.empty() && (!is_number_type(def.type) || def.list)) {
      error = r.where() + ": a range needs a number type";
      return false;
    }
    std::optional<std::int64_t> min_length;
    std::optional<std::int64_t> max_length;
    if (!r.integer("minLength", min_length, error) || !r.integer("maxLength", max_length, error)) {
      return false;
    }
    const bool sized = def.type == cwmp::ValueType::kString ||
                       def.type == cwmp::ValueType::kBase64 ||
                       def.type == cwmp::ValueType::kHexBinary;
    if ((min_length || max_length) && !sized) {
      error = r.where() + ": minLength/maxLength need string, base64 or hexBinary";
      return false;
    }
    constexpr std::int64_t kLimit = 1 << 24;
    if ((min_length && (*min_length < 0 || *min_length > kLimit)) ||
        (max_length && (*max_length < 0 || *max_length > kLimit))) {
      error = r.where() + ": minLength/maxLength out of range";
      return false;
    }
    if (min_length) def.min_length = static_cast<std::uint32_t>(*min_length);
    if (max_length) def.max_length = static_cast<std::uint32_t>(*max_length);
    if (!r.strings("enumeration", def.enumeration, error) ||
        !r.strings("writableValues", def.writable_values, error)) {
      return false;
    }
    if (!def.enumeration.empty() && def.type != cwmp::ValueType::kString) {
      error = r.where() + ": an enumeration needs type string";
      return false;
    }
    for (const auto& v : def.writable_values) {
      if (!in_list(def.enumeration, v)) {
        error = r.where() + ": writableValues entry \"" + v + "\" is not in the enumeration";
        return false;
      }
    }
    return true;
  }

  static bool read_behaviour(const Reader& r, ParamDef& def, std::string& error) {
    std::string notify = "normal";
    if (!r.string("activeNotify", notify, error, false)) return false;
    if (notify == "normal") {
      def.active_notify = ActiveNotify::kNormal;
    } else if (notify == "canDeny") {
      def.active_notify = ActiveNotify::kCanDeny;
    } else if (notify == "forceEnabled") {
      def.active_notify = ActiveNotify::kForceEnabled;
    } else if (notify == "forceDefaultEnabled") {
      def.active_notify = ActiveNotify::kForceDefaultEnabled;
    } else {
      error = r.where() + ": \"activeNotify\" must be normal, canDeny, forceEnabled or " +
              "forceDefaultEnabled";
      return false;
    }
    std::string provider = "persisted";
    if (!r.string("provider", provider, error, false)) return false;
    bool computed = true;
    if (provider == "persisted") {
      def.provider = Provider::kPersisted;
      computed = false;
    } else if (provider == "volatile") {
      def.provider = Provider::kVolatile;
      computed = false;
    } else if (provider == "hook") {
      def.provider = Provider::kHook;
      computed = false;
    } else if (provider == "uptime") {
      def.provider = Provider::kUptime;
      if (def.type != cwmp::ValueType::kUnsignedInt) {
        error = r.where() + ": provider uptime needs type unsignedInt";
        return false;
      }
    } else if (provider == "localTime") {
      def.provider = Provider::kLocalTime;
      if (def.type != cwmp::ValueType::kDateTime) {
        error = r.where() + ": provider localTime needs type dateTime";
        return false;
      }
    } else if (provider.starts_with("netdev:") && provider.size() > 7 &&
               provider.find('/') == std::string::npos &&
               provider.find("..") == std::string::npos) {
      def.provider = Provider::kNetdev;
      def.provider_arg = provider.substr(7);
      if (!is_unsigned_type(def.type)) {
        error = r.where() + ": provider netdev needs an unsigned type";
        return false;
      }
    } else {
      error = r.where() + ": unknown provider \"" + provider + "\"";
      return false;
    }
    if (computed && def.writable) {
      error = r.where() + ": a computed parameter (" + provider + ") must be readOnly";
      return false;
    }
    return true;
  }

  static bool read_default(const Reader& r, ParamDef& def, std::string& error) {
    if (const json::value* v = r.find("default"); v != nullptr) {
      const auto text = scalar_text(*v);
      if (!text) {
        error = r.where() + ": \"default\" must be a string, number or boolean";
        return false;
      }
      def.default_value = *text;
    } else {
      def.default_value = implicit_default(def);
    }
    // An empty string is "not set" and allowed whatever the facets say (a passphrase, an
    // OUI the device fills in); anything else must be a valid value.
    if (def.default_value.empty() &&
        (def.type == cwmp::ValueType::kString || def.type == cwmp::ValueType::kBase64 ||
         def.type == cwmp::ValueType::kHexBinary)) {
      return true;
    }
    std::string probe = def.default_value;
    if (const auto at = probe.find(kInstanceToken); at != std::string::npos) {
      probe.replace(at, kInstanceToken.size(), "1");
    }
    if (check_value(def, probe, false) != 0) {
      error = r.where() + ": default \"" + def.default_value + "\" is not a valid value";
      return false;
    }
    if (probe == def.default_value) def.default_value = canonical_value(def, def.default_value);
    return true;
  }

  static std::string implicit_default(const ParamDef& def) {
    switch (def.type) {
      case cwmp::ValueType::kBoolean:
        return "false";
      case cwmp::ValueType::kDateTime:
        return "0001-01-01T00:00:00Z";  // the Unknown Time (TR-106 §3.2)
      case cwmp::ValueType::kInt:
      case cwmp::ValueType::kUnsignedInt:
      case cwmp::ValueType::kLong:
      case cwmp::ValueType::kUnsignedLong:
      case cwmp::ValueType::kDecimal:
        if (!def.ranges.empty() && def.ranges.front().min && *def.ranges.front().min > 0) {
          return std::to_string(*def.ranges.front().min);
        }
        return "0";
      default:
        return "";
    }
  }

  bool add_instances(const json::value& v, std::string& error) {
    if (!v.is_array()) {
      error = "model: \"instances\" must be an array";
      return false;
    }
    for (const auto& item : v.get_array()) {
      if (!item.is_object()) {
        error = "model: every entry of \"instances\" must be an object";
        return false;
      }
      InstanceDef inst;
      {
        const Reader r(item.get_object(), "instance");
        if (!r.string("path", inst.path, error, true)) return false;
      }
      const Reader r(item.get_object(), "instance " + inst.path);
      if (!r.only({"path", "values"}, error)) return false;
      if (cwmp::validate_path(inst.path, {.allow_wildcards = false,
                                          .allow_aliases = false,
                                          .kind = cwmp::PathKind::kPartialPath}) !=
              cwmp::PathError::kNone ||
          !cwmp::is_instance_number(cwmp::last_segment(inst.path))) {
        error = r.where() + ": not an instance path (e.g. \"Device.IP.Interface.1.\")";
        return false;
      }
      const std::string schema = cwmp::schema_path(inst.path);
      const std::uint32_t object = s_.find_object(schema);
      if (object == kNoIndex) {
        error = r.where() + ": no such table in the model";
        return false;
      }
      if (const json::value* values = r.find("values"); values != nullptr) {
        if (!values->is_object()) {
          error = r.where() + ": \"values\" must be an object";
          return false;
        }
        for (const auto& entry : values->get_object()) {
          const std::uint32_t p = s_.find_param(schema + std::string(entry.key()));
          const auto text = scalar_text(entry.value());
          if (p == kNoIndex || s_.params_[p].counts_table != kNoIndex || !text ||
              s_.params_[p].provider == Provider::kUptime ||
              s_.params_[p].provider == Provider::kLocalTime ||
              s_.params_[p].provider == Provider::kNetdev ||
              check_value(s_.params_[p], *text, false) != 0) {
            error = r.where() + ": bad value for \"" + std::string(entry.key()) + "\"";
            return false;
          }
          inst.values.emplace_back(std::string(entry.key()), *text);
          // A later entry for the same parameter wins, as when the instances are applied.
          s_.factory_values_[inst.path + std::string(entry.key())] =
              canonical_value(s_.params_[p], *text);
        }
      }
      s_.instances_.push_back(std::move(inst));
    }
    return true;
  }

  bool add_hooks(const json::value& v, std::string& error) {
    if (!v.is_array()) {
      error = "model: \"hooks\" must be an array";
      return false;
    }
    for (const auto& item : v.get_array()) {
      if (!item.is_object()) {
        error = "model: every entry of \"hooks\" must be an object";
        return false;
      }
      const Reader r(item.get_object(), "hook");
      CommandHookDef hook;
      std::optional<std::int64_t> timeout;
      if (!r.only({"pattern", "get", "set", "timeoutMs", "description"}, error) ||
          !r.string("pattern", hook.pattern, error, true) ||
          !r.string("get", hook.get_command, error, true) ||
          !r.string("set", hook.set_command, error, false) ||
          !r.integer("timeoutMs", timeout, error)) {
        return false;
      }
      if (timeout) {
        if (*timeout < 1 || *timeout > 600'000) {
          error = "hook " + hook.pattern + ": \"timeoutMs\" must be 1..600000";
          return false;
        }
        hook.timeout_ms = static_cast<std::uint32_t>(*timeout);
      }
      s_.hooks_.push_back(std::move(hook));
    }
    return true;
  }

  Schema& s_;
};

cwmp::Result<Schema, std::string> Schema::parse(std::string_view text) {
  if (text.size() > kMaxDocumentBytes) return std::string("model: the document is too large");
  boost::system::error_code ec;
  const json::value doc = json::parse(text, ec);
  if (ec) return "model: not valid JSON: " + ec.message();
  if (!doc.is_object()) return std::string("model: the document must be a JSON object");
  Schema schema;
  std::string error;
  SchemaBuilder builder(schema);
  if (!builder.build(doc.get_object(), error)) return error;
  return schema;
}

std::uint32_t Schema::find_param(std::string_view schema_path) const {
  const auto it = param_index_.find(std::string(schema_path));
  return it == param_index_.end() ? kNoIndex : it->second;
}

std::uint32_t Schema::find_object(std::string_view schema_path) const {
  const auto it = object_index_.find(std::string(schema_path));
  return it == object_index_.end() ? kNoIndex : it->second;
}

const std::string* Schema::factory_value(std::string_view concrete_path) const {
  const auto it = factory_values_.find(concrete_path);
  return it == factory_values_.end() ? nullptr : &it->second;
}

std::uint32_t check_value(const ParamDef& def, std::string_view value, bool from_acs) {
  constexpr std::uint32_t kBad = cwmp::fault::kInvalidParameterValue;
  if (!cwmp::is_valid_value(def.type, value)) return kBad;
  switch (def.type) {
    case cwmp::ValueType::kString: {
      const std::size_t length = utf8_length(value);
      if (length < def.min_length || (def.max_length && length > *def.max_length)) return kBad;
      break;
    }
    case cwmp::ValueType::kBase64:
    case cwmp::ValueType::kHexBinary: {
      const std::size_t length = binary_length(def, value);
      if (length < def.min_length || (def.max_length && length > *def.max_length)) return kBad;
      break;
    }
    default:
      if (is_number_type(def.type) && !in_ranges(def, value)) return kBad;
      break;
  }
  if (!enumeration_ok(def, value)) return kBad;
  if (from_acs && !def.writable_values.empty() && !in_list(def.writable_values, value)) {
    return kBad;
  }
  return 0;
}

std::string canonical_value(const ParamDef& def, std::string_view value) {
  switch (def.type) {
    case cwmp::ValueType::kInt:
    case cwmp::ValueType::kLong:
      if (const auto v = cwmp::parse_long(value)) return std::to_string(*v);
      break;
    case cwmp::ValueType::kUnsignedInt:
    case cwmp::ValueType::kUnsignedLong:
      if (const auto v = cwmp::parse_unsigned_long(value)) return std::to_string(*v);
      break;
    case cwmp::ValueType::kBoolean:
      if (const auto v = cwmp::parse_boolean(value)) return *v ? "true" : "false";
      break;
    default:
      break;
  }
  return std::string(value);
}

std::string expand_default(const ParamDef& def, std::string_view concrete_path) {
  const auto at = def.default_value.find(kInstanceToken);
  if (at == std::string::npos) return def.default_value;
  // The last instance number of the path: the instance the parameter belongs to.
  std::string_view number;
  for (const std::string_view segment : cwmp::PathSegments(concrete_path)) {
    if (cwmp::is_instance_number(segment)) number = segment;
  }
  std::string out = def.default_value;
  out.replace(at, kInstanceToken.size(), number);
  return out;
}

}  // namespace cpe::model
