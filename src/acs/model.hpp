// The ACS's domain model: what the session engine, the store and the NBI share.
// Plain values, no I/O. Times are UTC milliseconds since the epoch (what the
// store keeps and the NBI shows).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "cwmp/messages.hpp"

namespace acs {

using Millis = std::int64_t;  // UTC ms since the epoch

// "2026-11-27T12:00:00.000Z": how the store's documents and the NBI show a time.
std::string format_iso_time(Millis ms);

// ---------------------------------------------------------------------------
// Tasks: one per CPE RPC the NBI can queue (GenieACS task names).

enum class TaskType : std::uint8_t {
  kGetParameterValues,
  kSetParameterValues,
  kGetParameterNames,
  kGetParameterAttributes,
  kSetParameterAttributes,
  kAddObject,
  kDeleteObject,
  kRefreshObject,  // GetParameterNames + GetParameterValues of a subtree, in batches
  kReboot,
  kFactoryReset,
  kDownload,
  kUpload,
  kScheduleInform,
  kScheduleDownload,
  kCancelTransfer,
  kGetRPCMethods,
  kGetQueuedTransfers,
  kGetAllQueuedTransfers,
};

std::string_view to_string(TaskType type);  // "getParameterValues", ...
std::optional<TaskType> parse_task_type(std::string_view name);

enum class TaskState : std::uint8_t {
  kQueued,   // waiting for the device's next session
  kSent,     // its RPC is out; the answer has not come yet
  kDone,     // answered; result stored
  kFault,    // the CPE answered with a fault, or the task could not be built
  kExpired,  // not run before its expiry
};

std::string_view to_string(TaskState state);  // "queued", "sent", "done", "fault", "expired"
std::optional<TaskState> parse_task_state(std::string_view name);

struct TaskFault {
  std::uint32_t code = 0;  // CWMP fault code (9xxx from the CPE)
  std::string message;
  std::vector<cwmp::SetParameterValuesFault> parameter_faults;
  friend bool operator==(const TaskFault&, const TaskFault&) = default;
};

struct Task {
  std::int64_t id = 0;
  std::string device_id;
  TaskType type = TaskType::kGetParameterValues;
  // The task's arguments as posted to the NBI, in GenieACS's shape, e.g.
  // {"name":"getParameterValues","parameterNames":["Device.DeviceInfo."]}.
  boost::json::object args;
  TaskState state = TaskState::kQueued;
  Millis created = 0;
  Millis expires = 0;  // 0 = never
  std::uint32_t attempts = 0;
  Millis updated = 0;
  boost::json::value result;  // null until done
  std::optional<TaskFault> fault;
};

// ---------------------------------------------------------------------------
// What a session learns about a device and hands to the store.

struct ParameterUpdate {
  std::string path;                          // a parameter, or an object path ending in '.'
  std::optional<std::string> value;          // absent: unchanged / unknown (e.g. from GPN)
  std::optional<cwmp::ValueType> type;       // with value
  std::optional<bool> writable;              // from GetParameterNames
  std::optional<std::int32_t> notification;  // from GetParameterAttributes
  std::optional<std::vector<std::string>> access_list;  // from GetParameterAttributes
  friend bool operator==(const ParameterUpdate&, const ParameterUpdate&) = default;
};

// Everything from one Inform, stored in one transaction before the
// InformResponse goes out (what the ACS acknowledged is never lost).
struct InformRecord {
  std::string device_id;
  cwmp::DeviceId device;
  std::vector<cwmp::EventStruct> events;
  std::vector<ParameterUpdate> parameters;
  std::string remote_address;
  Millis received = 0;
  cwmp::CwmpVersion version = cwmp::CwmpVersion::k1_2;
  std::uint32_t retry_count = 0;
  bool bootstrap() const;  // carries 0 BOOTSTRAP: the device's management state starts afresh
  bool boot() const;       // carries 1 BOOT
};

}  // namespace acs
