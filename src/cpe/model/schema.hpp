// The declarative data-model definition (docs/cpe-model.md "The definition format"): objects
// and parameters read from JSON, with everything the RPCs need to judge a value (type, access,
// range, enumeration, length), the notification rules (TR-106 activeNotify), the forced-inform
// flag, multi-instance tables and which provider supplies each value. Pure: no I/O.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cwmp/result.hpp"
#include "cwmp/values.hpp"

namespace cpe::model {

inline constexpr std::uint32_t kNoIndex = std::numeric_limits<std::uint32_t>::max();

// TR-106 / cwmp-datamodel "activeNotify": what the CPE does with a request for active
// notification (CWMP-FACTS §7.4).
enum class ActiveNotify : std::uint8_t {
  kNormal,               // the ACS may turn it on and off
  kCanDeny,              // a request for active notification is refused (fault 9009)
  kForceEnabled,         // always active; a request to lower it is refused (9009)
  kForceDefaultEnabled,  // active by default; the ACS may change it
};

// Where a parameter's value comes from.
enum class Provider : std::uint8_t {
  kPersisted,  // stored in the state file (the default)
  kVolatile,   // kept in memory only; back to its default at every start (status, results)
  kUptime,     // seconds since the model started (injected clock)
  kLocalTime,  // the current time (injected clock), as a dateTime
  kNetdev,     // a Linux interface counter: <netdev root>/<Name>/statistics/<arg>
  kHook,       // a registered ValueHook (C++ callback or external command)
};

struct Range {
  std::optional<std::int64_t> min;
  std::optional<std::int64_t> max;
};

struct ParamDef {
  std::string name;                 // last segment, e.g. "Name"
  std::string path;                 // schema path, e.g. "Device.IP.Interface.{i}.Name"
  std::uint32_t object = kNoIndex;  // the ObjectDef it belongs to
  cwmp::ValueType type = cwmp::ValueType::kString;
  bool writable = false;
  bool list = false;    // a comma-separated list (TR-106 list); enumeration applies per item
  bool hidden = false;  // reads back as "" (TR-106 hidden/secured: passwords, keys)
  bool forced_inform = false;
  bool reboot_required = false;  // SPV answers Status 1 when it changes this parameter
  ActiveNotify active_notify = ActiveNotify::kNormal;
  Provider provider = Provider::kPersisted;
  std::string provider_arg;      // kNetdev: the counter file name
  std::vector<Range> ranges;     // numbers: the value must fall in one of them
  std::uint32_t min_length = 0;  // strings: characters; base64/hexBinary: decoded bytes
  std::optional<std::uint32_t> max_length;
  std::vector<std::string> enumeration;
  std::vector<std::string> writable_values;  // what an ACS may write (DiagnosticsState)
  std::string default_value;  // "{i}" is replaced by the instance number it belongs to
  // For a NumberOfEntries parameter: the table (ObjectDef) whose instances it counts.
  std::uint32_t counts_table = kNoIndex;

  // The notification attribute of a parameter nobody has set (TR-106: forced and
  // forceDefault parameters start active).
  std::int32_t default_notification() const {
    return active_notify == ActiveNotify::kForceEnabled ||
                   active_notify == ActiveNotify::kForceDefaultEnabled
               ? 2
               : 0;
  }
};

struct ObjectDef {
  std::string path;                 // schema path ending in '.', e.g. "Device.IP.Interface.{i}."
  std::string name;                 // "Interface" (for a table: the table's name, without "{i}")
  std::uint32_t parent = kNoIndex;  // the enclosing object ("Device.IP." for the above)
  bool multi_instance = false;      // the path ends in "{i}."
  bool writable = false;            // tables: AddObject and DeleteObject are allowed
  // TR-181 DiagnosticsState rules for the object's DiagnosticsState parameter.
  bool diagnostics = false;
  std::uint32_t max_entries = std::numeric_limits<std::uint32_t>::max();
  std::uint32_t num_entries_param = kNoIndex;  // its NumberOfEntries parameter, if any
  std::vector<std::uint32_t> params;           // in definition order
  std::vector<std::uint32_t> children;         // child objects, in definition order
};

// An external-command hook declared in the definition file ("hooks").
struct CommandHookDef {
  std::string pattern;      // parameter pattern ("{i}" or "*" for any instance; "X." = subtree)
  std::string get_command;  // run with /bin/sh -c; $1 = the parameter's path
  std::string set_command;  // $1 = path, $2 = the new value; empty = read-only
  std::uint32_t timeout_ms = 2000;
};

// A factory instance ("instances"): created on first start and after a factory reset.
struct InstanceDef {
  std::string path;                                         // e.g. "Device.IP.Interface.1."
  std::vector<std::pair<std::string, std::string>> values;  // relative name -> value
};

class Schema {
 public:
  // Parses and checks a definition document; the error names what is wrong and where.
  static cwmp::Result<Schema, std::string> parse(std::string_view json);

  const std::vector<ObjectDef>& objects() const { return objects_; }
  const std::vector<ParamDef>& params() const { return params_; }
  const std::vector<InstanceDef>& instances() const { return instances_; }
  const std::vector<CommandHookDef>& hooks() const { return hooks_; }
  const ObjectDef& object(std::uint32_t index) const { return objects_[index]; }
  const ParamDef& param(std::uint32_t index) const { return params_[index]; }
  std::uint32_t root() const { return 0; }  // the first object, e.g. "Device."
  const std::string& root_path() const { return objects_.front().path; }

  // Lookups by schema path ("Device.IP.Interface.{i}.Name", "Device.IP.Interface.{i}.").
  std::uint32_t find_param(std::string_view schema_path) const;
  std::uint32_t find_object(std::string_view schema_path) const;

  // The canonical value a factory instance gives a parameter ("instances"), by concrete path
  // ("Device.IP.Interface.1.Enable"); nullptr if the definition gives none. With the default
  // this is a device's baseline, which a DataModel does not store (a device keeps only its
  // differences, so thousands can share one definition).
  const std::string* factory_value(std::string_view concrete_path) const;
  const std::map<std::string, std::string, std::less<>>& factory_values() const {
    return factory_values_;
  }

 private:
  std::vector<ObjectDef> objects_;
  std::vector<ParamDef> params_;
  std::vector<InstanceDef> instances_;
  std::vector<CommandHookDef> hooks_;
  std::unordered_map<std::string, std::uint32_t> param_index_;
  std::unordered_map<std::string, std::uint32_t> object_index_;
  std::map<std::string, std::string, std::less<>> factory_values_;  // from instances_

  friend class SchemaBuilder;
};

// How a value fails its definition; 0 = it is valid.
// 9007 (Invalid parameter value) for anything outside the lexical space, range, length or
// enumeration. `from_acs` also applies writableValues.
std::uint32_t check_value(const ParamDef& def, std::string_view value, bool from_acs);

// The canonical text of a valid value: numbers without whitespace or '+', booleans as
// "true"/"false"; other types unchanged.
std::string canonical_value(const ParamDef& def, std::string_view value);

// The "{i}" of a default replaced by the instance number it belongs to (the last instance
// number of `concrete_path`).
std::string expand_default(const ParamDef& def, std::string_view concrete_path);

}  // namespace cpe::model
