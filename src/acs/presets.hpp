// Provisioning presets (issue 6 §1): the preset model, its JSON form, and the pure engine that
// turns declared state into the next CWMP RPCs of a session. Plain values in, plain values out:
// no store, no clock (`now` is an argument), no I/O. docs/presets.md describes the JSON format
// and the algorithm; the NBI endpoints and the session wiring are not part of this file.
//
// One session with the engine:
//   PresetSession progress;                      // per CWMP session
//   for (;;) {
//     Step step = next_step(presets, state, context, progress);
//     if (step.kind == StepKind::kDone) break;
//     for (auto& planned : step.rpcs) {          // send each, then
//       if (fault) record_rpc_fault(context.faults, planned, fault, device_id, now);
//       learn(state, planned.rpc, response, now);  // feed the CPE's answer back
//     }
//   }
//   progress.reports                             // conflicts, values that did not stick, ...
//   context.faults                               // to store: the NBI shows them
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "acs/model.hpp"
#include "acs/query.hpp"
#include "cwmp/messages.hpp"
#include "cwmp/result.hpp"

namespace acs::presets {

// ---- Limits (a preset comes from the network) -----------------------------------------------
inline constexpr std::size_t kMaxPresetJsonBytes = 256 * 1024;
inline constexpr std::size_t kMaxNameLength = 128;
inline constexpr std::int64_t kMaxWeight = 1'000'000;  // |weight|
inline constexpr std::size_t kMaxEvents = 16;
inline constexpr std::size_t kMaxEventLength = 64;  // EventCode is string(64)
inline constexpr std::size_t kMaxScheduleLength = 256;
inline constexpr std::size_t kMaxParameters = 512;  // declared values of one preset
inline constexpr std::size_t kMaxValueLength = 4096;
inline constexpr std::size_t kMaxObjects = 32;
inline constexpr std::size_t kMaxInstances = 64;  // count, or keyed instances of one table
inline constexpr std::size_t kMaxAttributes = 256;
inline constexpr std::size_t kMaxAccessListEntries = 8;
inline constexpr std::size_t kMaxDownloads = 4;
inline constexpr std::size_t kMaxUrlLength = 1024;  // URL is string(1024)
inline constexpr std::size_t kMaxCredentialLength = 256;
inline constexpr std::uint32_t kDefaultMaxRounds = 8;   // RPC-carrying steps per session
inline constexpr std::size_t kMaxExpandedPaths = 4096;  // concrete paths of one '*' pattern

// ---- The model --------------------------------------------------------------------------------

// How a declared value was written in JSON, so serialization gives back the same JSON kind and
// the engine can infer an xsd type when neither the preset nor the device says one.
enum class ValueKind : std::uint8_t { kString, kBoolean, kNumber };

struct DeclaredValue {
  std::string path;   // full parameter name; '*' segments stand for any instance number
  std::string value;  // lexical form ("true"/"false" for booleans)
  ValueKind kind = ValueKind::kString;
  std::optional<cwmp::ValueType> type;  // declared xsd type; else the device's, else inferred
  friend bool operator==(const DeclaredValue&, const DeclaredValue&) = default;
};

// Parameters of an instance, relative to it ("Enable", "SSID").
struct KeyedInstance {
  std::string key_value;  // the value of the table's key parameter that identifies it
  std::vector<DeclaredValue> parameters;
  friend bool operator==(const KeyedInstance&, const KeyedInstance&) = default;
};

// Instances of one table. Either `count` (exactly that many; the highest-numbered are deleted
// first, `parameters` apply to every instance) or `key` + `instances` (one instance per key value,
// added when missing; others deleted when `delete_others`).
struct ObjectDeclaration {
  std::string path;  // the table, "Device.WiFi.SSID." (no wildcard)
  std::optional<std::uint32_t> count;
  std::vector<DeclaredValue> parameters;  // count mode: relative to every instance
  std::string key;                        // keyed mode: relative name of the key parameter
  std::vector<KeyedInstance> instances;
  bool delete_others = false;
  friend bool operator==(const ObjectDeclaration&, const ObjectDeclaration&) = default;
};

struct AttributeDeclaration {
  std::string path;                          // full parameter name, '*' allowed
  std::optional<std::int32_t> notification;  // 0 off, 1 passive, 2 active (..6 in CWMP 1.4)
  std::optional<std::vector<std::string>> access_list;
  friend bool operator==(const AttributeDeclaration&, const AttributeDeclaration&) = default;
};

// A file the device must have. Without `version`, it is downloaded once (tracked by its command
// key). With `version`, it is downloaded while the parameter `version_parameter` (default: the
// root's DeviceInfo.SoftwareVersion) differs from it: a firmware image.
struct DownloadAction {
  std::string file_type = "3 Vendor Configuration File";
  std::string url;
  std::string username;
  std::string password;
  std::uint32_t file_size = 0;
  std::string target_file_name;
  std::string version;
  std::string version_parameter;
  std::string command_key;  // empty: derived from the preset, URL and version (command_key_of)
  friend bool operator==(const DownloadAction&, const DownloadAction&) = default;
};

// A configuration backup: one Upload each session the preset is triggered in.
struct UploadAction {
  std::string file_type = "1 Vendor Configuration File";
  std::string url;
  std::string username;
  std::string password;
  friend bool operator==(const UploadAction&, const UploadAction&) = default;
};

enum class RebootMode : std::uint8_t {
  kNever,
  kIfChanged,  // after this preset changed values or instances in the session
  kAlways,     // once per session the preset is triggered in
};

// A schedule as a cron expression of five fields, in UTC: minute (0-59), hour (0-23), day of
// month (1-31), month (1-12), day of week (0-7, 0 and 7 are Sunday). A field is "*", a number, a
// range "a-b", a list "a,b-c", each optionally with a step "/n" ("*/15"). As in cron, when both
// day fields are restricted a day matching either one fires.
struct CronSchedule {
  std::uint64_t minutes = 0;  // bit n: minute n
  std::uint32_t hours = 0;
  std::uint32_t days = 0;     // bit n: day n of the month (1..31)
  std::uint16_t months = 0;   // bit n: month n (1..12)
  std::uint8_t weekdays = 0;  // bit n: day n of the week (0 = Sunday)
  bool any_day = true;        // the day-of-month field was "*"
  bool any_weekday = true;    // the day-of-week field was "*"
  friend bool operator==(const CronSchedule&, const CronSchedule&) = default;
};

// nullopt with `error` set when the text is not such an expression.
std::optional<CronSchedule> parse_cron(std::string_view text, std::string& error);
// Whether the schedule fires at a whole minute in (after, until] (UTC milliseconds). Bounded
// work: at most ~400 days are examined (a longer gap fires if the schedule fires within a year).
bool fires_between(const CronSchedule& schedule, Millis after, Millis until);

struct Preset {
  std::string name;
  std::int64_t weight = 0;               // lower first; on a conflict the higher weight wins
  boost::json::value precondition_json;  // as given (an object; {} when absent)
  query::Query precondition;             // parsed from it
  std::vector<std::string> events;       // event codes; "*" = any event
  std::string schedule;                  // a cron expression (CronSchedule), "" for none
  std::optional<CronSchedule> cron;      // parsed from it
  std::vector<DeclaredValue> parameters;
  std::vector<ObjectDeclaration> objects;
  std::vector<AttributeDeclaration> attributes;
  std::vector<DownloadAction> downloads;
  std::optional<UploadAction> upload;
  RebootMode reboot = RebootMode::kNever;
};

// ---- JSON -------------------------------------------------------------------------------------

struct PresetError {
  std::string where;  // JSON Pointer to the offending part, "" for the whole preset
  std::string message;
  std::string to_string() const;  // "<where>: <message>"
};

using PresetResult = cwmp::Result<Preset, PresetError>;

// Parses and validates a preset. `name_override` (e.g. from the URL of PUT /presets/<name>)
// replaces any "name" in the body.
PresetResult parse_preset(const boost::json::value& json, std::string_view name_override = {});
PresetResult parse_preset_text(std::string_view json_text, std::string_view name_override = {});
// The JSON form; parse_preset(to_json(p)) gives p back.
boost::json::object to_json(const Preset& preset);

// Whether a preset name is acceptable: 1..128 characters of [A-Za-z0-9_.-] and spaces.
bool valid_preset_name(std::string_view name);

// ---- What the engine knows about a device ------------------------------------------------------

struct KnownParameter {
  std::optional<std::string> value;  // absent: not known (objects, or never read)
  std::optional<cwmp::ValueType> type;
  std::optional<bool> writable;
  std::optional<std::int32_t> notification;
  std::optional<std::vector<std::string>> access_list;
  Millis timestamp = 0;  // when it was last read
};

enum class TransferStatus : std::uint8_t { kPending, kCompleted, kFailed };

struct DeviceState {
  // Parameters by full name; objects by partial path ("Device.WiFi.SSID.1.").
  std::map<std::string, KnownParameter, std::less<>> parameters;
  // Objects whose instances (direct children) are known, e.g. after a GetParameterNames.
  std::set<std::string, std::less<>> listed;
  // Transfers sent to the device, by command key.
  std::map<std::string, TransferStatus, std::less<>> transfers;
  // The query document's non-parameter fields: "_id", "_deviceId", "_tags", "_lastInform", ...
  boost::json::object identity;
};

// The document the precondition is evaluated against: `identity` plus the known parameters in
// the GenieACS shape that query::matches reads.
boost::json::object query_document(const DeviceState& state);

// Builds a state from a store device document (store::Store::device_document's shape:
// {"_id":..., "_deviceId":..., "_tags":..., "A": {"B": {"_value":..., "_type":...,
// "_writable":..., "_timestamp":...}, "_object": true}}). Objects present in the document are
// taken as listed when `complete` (the document holds the whole known tree).
DeviceState state_from_document(const boost::json::object& document, bool complete);

// Applies a CPE's answer to the state. SetParameterValues forgets the values it set so the engine
// reads them back (a value that does not stick is detected); AddObject/DeleteObject add/remove
// the instance; GetParameterNames marks the objects listed; a cwmp::Fault answer changes
// nothing. Download/Upload record the transfer as pending (the TransferComplete is the
// caller's: set state.transfers[key]).
// `now` stamps the values read (KnownParameter::timestamp).
void learn(DeviceState& state, const cwmp::Body& request, const cwmp::Body& response,
           Millis now = 0);

// ---- Faults -----------------------------------------------------------------------------------

struct RetryPolicy {
  Millis base_delay = 60'000;           // after the first fault
  Millis max_delay = 24 * 3'600'000LL;  // cap
};

struct PresetFault {
  std::string preset;
  std::string device_id;
  std::uint32_t code = 0;  // CWMP fault code, or 0 for an engine report
  std::string message;
  std::uint32_t retries = 0;  // faults in a row, >= 1 once recorded
  Millis timestamp = 0;       // of the last fault
  friend bool operator==(const PresetFault&, const PresetFault&) = default;
};

// base_delay * 2^(retries-1), capped; 0 when retries is 0.
Millis retry_delay(std::uint32_t retries, const RetryPolicy& policy = {});
// Whether a preset with this last fault may run at `now`.
bool is_due(const PresetFault& fault, Millis now, const RetryPolicy& policy = {});
// The record after one more fault (previous may be absent).
PresetFault record_fault(const std::optional<PresetFault>& previous, std::string_view preset,
                         std::string_view device_id, std::uint32_t code, std::string message,
                         Millis now);

// ---- The engine -------------------------------------------------------------------------------

struct SessionContext {
  std::vector<std::string> events;  // the Inform's event codes ("0 BOOTSTRAP", "2 PERIODIC", ...)
  std::vector<PresetFault> faults;  // this device's preset faults
  Millis now = 0;
  RetryPolicy retry;
  std::uint32_t max_rounds = kDefaultMaxRounds;
  // When each scheduled preset last ran on this device (UTC ms); a preset with a schedule
  // runs in a session when its schedule fired since then, or when it never ran.
  std::map<std::string, Millis, std::less<>> last_scheduled_runs;
  // A known value read longer ago than this is read again (once per session) before it is
  // trusted; 0 trusts known values however old. Values the device notifies stay fresh anyway.
  Millis value_max_age = 0;
};

enum class ReportKind : std::uint8_t {
  kConflict,          // two presets declare different values for one parameter
  kNotSticking,       // set in this session, read back different
  kNotWritable,       // the device says the parameter is not writable
  kMissing,           // asked for, and the device does not have it
  kFirmwareMismatch,  // the download completed but the version still differs
  kRoundLimit,        // the session's step bound was reached
};
std::string_view to_string(ReportKind kind);  // "conflict", ...

struct Report {
  ReportKind kind = ReportKind::kConflict;
  std::string preset;  // the preset concerned (the losing one for a conflict)
  std::string path;
  std::string message;
  friend bool operator==(const Report&, const Report&) = default;
};

// What the engine remembers within one CWMP session.
struct PresetSession {
  std::uint32_t rounds = 0;                       // steps that carried RPCs
  std::map<std::string, std::string> set_values;  // path -> value set in this session
  std::set<std::string> asked;                    // paths fetched in this session
  std::set<std::string> one_shots;                // uploads, reboots, downloads sent
  std::set<std::string> changed_presets;          // presets that set values or instances
  // Keyed instances: instance path -> key value it was added for.
  std::map<std::string, std::string> claimed;
  // Tables with AddObjects out: table -> key values, and the instances before them.
  std::map<std::string, std::vector<std::string>> pending_adds;
  std::map<std::string, std::set<std::string>> instances_before_add;
  std::vector<Report> reports;  // each reported once
  bool finished = false;
};

enum class StepKind : std::uint8_t { kFetch, kApply, kDone };
std::string_view to_string(StepKind kind);

struct PlannedRpc {
  cwmp::Body rpc;
  std::vector<std::string> presets;  // whose declarations it serves (for fault records)
};

struct Step {
  StepKind kind = StepKind::kDone;
  std::vector<PlannedRpc> rpcs;  // in order; empty for kDone
};

// Records a CPE fault answering `planned` for each preset it served, replacing their previous
// record in `faults` (retries counted on). Give the updated faults to the next call's context:
// those presets then sit out the rest of the session and retry after their delay.
void record_rpc_fault(std::vector<PresetFault>& faults, const PlannedRpc& planned,
                      const cwmp::Fault& fault, std::string_view device_id, Millis now);

// Whether the preset's schedule makes it run now (it has one, and it fired since its last run
// in `context.last_scheduled_runs`, or it never ran).
bool schedule_due(const Preset& preset, const SessionContext& context);

// The presets that run in this session: triggered by one of `context.events` or their schedule,
// precondition
// matching `state`, and due given their last fault; in application order (weight, then name).
std::vector<const Preset*> active_presets(const std::vector<Preset>& presets,
                                          const DeviceState& state, const SessionContext& context);

// The next step: kFetch (GetParameterNames of unlisted tables under a wildcard or an object
// declaration, one GetParameterValues of every unknown value, one GetParameterAttributes of
// every unknown attribute), else kApply (DeleteObject, AddObject, one SetParameterValues, one
// SetParameterAttributes, Downloads, Upload; Reboot alone once everything else holds), else
// kDone.
Step next_step(const std::vector<Preset>& presets, const DeviceState& state,
               const SessionContext& context, PresetSession& progress);

// Expands '*' segments over the instances known in `state`, at most kMaxExpandedPaths paths
// (a device with huge tables cannot make one pattern unbounded work). Appends to `unlisted` the
// tables whose instances are not known (to fetch).
std::vector<std::string> expand_wildcards(std::string_view pattern, const DeviceState& state,
                                          std::vector<std::string>* unlisted = nullptr);

// The instance numbers of a table known in `state`, ascending.
std::vector<std::uint32_t> instances_of(const DeviceState& state, std::string_view table);

// The command key of a preset's download: its own, or "p-" and a hash of name, URL, version.
std::string command_key_of(const Preset& preset, const DownloadAction& download);

}  // namespace acs::presets
