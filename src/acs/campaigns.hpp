// Firmware campaigns (docs/campaigns.md): a staged rollout of one firmware file to the devices
// a filter selects, at most max_concurrent at a time, pausing itself when too many fail.
//
// This is the pure part (acs_core: no store, no I/O): the definition as the NBI takes it (JSON
// parse with limits and JSON-pointer errors), its JSON form, the per-device state machine and
// the threshold and window decisions. campaign_observer.hpp drives it from the sessions, the
// store keeps the progress (store.hpp "campaigns"), nbi_campaigns.cpp serves /campaigns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "acs/model.hpp"
#include "cwmp/result.hpp"

namespace acs::campaigns {

// Defensive limits (a definition comes from the network).
inline constexpr std::size_t kMaxNameLength = 128;
inline constexpr std::uint32_t kMaxConcurrent = 100'000;
inline constexpr std::uint32_t kMaxMinFinished = 1'000'000;
inline constexpr std::size_t kMaxFilterBytes = 8192;
inline constexpr std::size_t kMaxMessageLength = 1024;  // stored fault messages are cut here

enum class State : std::uint8_t { kRunning, kPaused, kCompleted };
std::string_view to_string(State state);
std::optional<State> parse_state(std::string_view text);

// Per device: pending (selected, not started; never stored) -> downloading (the Download task
// is queued or sent) -> applied (TransferComplete without fault) -> confirmed (an Inform shows
// the target SoftwareVersion) or failed (task fault, TransferComplete fault, or a boot after
// applied still on another version).
enum class DeviceState : std::uint8_t { kPending, kDownloading, kApplied, kConfirmed, kFailed };
std::string_view to_string(DeviceState state);
std::optional<DeviceState> parse_device_state(std::string_view text);
// Downloading or applied: the device holds one of the max_concurrent slots.
bool in_flight(DeviceState state);
bool finished(DeviceState state);  // confirmed or failed

// A daily UTC time window [start, end) in minutes since midnight; end < start wraps midnight
// ("22:00-04:00").
struct Window {
  int start_minute = 0;
  int end_minute = 0;
  friend bool operator==(const Window&, const Window&) = default;
};
// "HH:MM-HH:MM"; start and end must differ.
std::optional<Window> parse_window(std::string_view text, std::string& error);
std::string to_string(const Window& window);
// Whether `now` (ms since the epoch, UTC) is inside; no window: always.
bool in_window(const std::optional<Window>& window, Millis now);

struct Definition {
  std::string name;
  boost::json::value filter = boost::json::object();  // the NBI query language (query.hpp)
  std::string file;                                   // a "1 Firmware Upgrade Image" file
  std::uint32_t max_concurrent = 10;                  // devices downloading or applied at once
  // Pause when failed / finished exceeds this, once min_finished devices finished since the
  // last resume.
  double failure_threshold = 0.1;
  std::uint32_t min_finished = 10;
  double success_threshold = 1.0;  // completed when confirmed >= this share of the targeted
  std::optional<Window> window;    // no new device starts outside it
};

struct DefinitionError {
  std::string where;  // JSON pointer into the body
  std::string message;
  std::string to_string() const;  // "<where>: <message>"
};

// The NBI body of PUT /campaigns/<name> (name from the URL). Unknown keys are refused (a typo
// must not silently leave a default in place).
cwmp::Result<Definition, DefinitionError> parse_definition(std::string_view name,
                                                           const boost::json::value& body);
bool valid_name(std::string_view name);
boost::json::object to_json(const Definition& definition);

// ---- decisions ------------------------------------------------------------------------------

// Whether one more device may start now.
bool may_start(const Definition& definition, State state, Millis now);

// The reason to pause, or nullopt: failed / finished (counted since the last resume) above the
// threshold once at least min_finished finished.
std::optional<std::string> pause_reason(const Definition& definition, std::uint64_t finished,
                                        std::uint64_t failed);

// Completed: confirmed reaches success_threshold of the targeted devices (and some are).
bool is_complete(const Definition& definition, std::uint64_t targeted, std::uint64_t confirmed);

// A device's next state after an event, with the fault that made it fail.
struct Transition {
  DeviceState to = DeviceState::kPending;
  std::uint32_t fault_code = 0;
  std::string fault_message;
};

// An Inform of a started device: the target version confirms it (from downloading too: the
// boot Inform comes before the TransferComplete in the same session); a boot after applied on
// another version fails it.
std::optional<Transition> after_inform(DeviceState current, bool boot,
                                       std::string_view software_version,
                                       std::string_view target_version);
// The Download task ended in fault.
std::optional<Transition> after_task_fault(DeviceState current, const TaskFault& fault);
// The TransferComplete of its Download.
std::optional<Transition> after_transfer_complete(DeviceState current,
                                                  const std::optional<TaskFault>& fault);

// The reported DeviceInfo.SoftwareVersion of an Inform (Device. or InternetGatewayDevice.).
std::optional<std::string> software_version(const InformRecord& inform);

}  // namespace acs::campaigns
