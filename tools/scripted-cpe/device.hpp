// Everything the scripted CPE knows and decides, without I/O: its data model, the events
// it has to report, the transfers it was asked for, the reboot or factory reset it owes,
// and its answer to each ACS RPC. Time comes in as an argument; the caller locks.
// scripted_cpe.cpp does the networking around it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cwmp/messages.hpp"
#include "cwmp/retry_policy.hpp"
#include "data_model.hpp"

namespace scripted_cpe {

using Millis = std::int64_t;  // UTC milliseconds since the epoch

struct DeviceIdentity {
  std::string manufacturer = "cwmp-suite";
  std::string oui = "00C0FF";  // exactly six upper-case hex digits
  std::string product_class = "ScriptedCPE";
  std::string serial_number = "SCPE000001";
  std::string model_name = "Scripted CPE";
  std::string hardware_version = "HW1.0";
  std::string software_version = "1.0.0";
};

// The factory state: what the device starts with and returns to on FactoryReset.
struct DeviceSettings {
  DeviceIdentity identity;
  std::string acs_url;
  std::string acs_username;
  std::string acs_password;
  std::string connection_request_username;
  std::string connection_request_password;
  bool periodic_inform_enable = true;
  std::uint32_t periodic_inform_interval = 3600;  // seconds
  std::uint32_t extra_parameters = 0;             // Device.X_Test.Param.{i}.Value
  // Fault injection: the ACS RPC (e.g. "SetParameterValues") -> the CPE fault code it gets.
  std::map<std::string, std::uint32_t, std::less<>> faults;
};

// The built-in TR-181 model (docs/scripted-cpe.md lists it).
DataModel build_model(const DeviceSettings& settings);

enum class TransferKind : std::uint8_t { kDownload, kScheduleDownload, kUpload };
enum class TransferState : std::uint8_t { kQueued = 1, kRunning = 2, kDone = 3 };

// A file transfer the ACS asked for, and once done its outcome.
struct Transfer {
  std::uint64_t id = 0;
  TransferKind kind = TransferKind::kDownload;
  std::string command_key;
  std::string file_type;
  std::string url;
  std::string username;
  std::string password;
  std::uint32_t file_size = 0;  // 0 = not given
  std::string target_file_name;
  TransferState state = TransferState::kQueued;
  // Outcome (state kDone).
  std::uint32_t fault_code = 0;  // 0 = success
  std::string fault_string;
  cwmp::DateTime start_time;
  cwmp::DateTime complete_time;
  std::uint64_t bytes = 0;
};

// The "M ..." event that reports a finished transfer.
std::string_view transfer_event(TransferKind kind);

class Device {
 public:
  Device(DeviceSettings settings, Millis now);

  DataModel& model() { return model_; }
  const DataModel& model() const { return model_; }
  const DeviceSettings& settings() const { return settings_; }

  // --- values the session needs -----------------------------------------------------
  std::string acs_url() const;  // ManagementServer.URL
  std::string acs_username() const;
  std::string acs_password() const;
  std::string connection_request_username() const;
  std::string connection_request_password() const;
  // Sets ManagementServer.ConnectionRequestURL (the listener's bound URL); it is the
  // factory value too.
  void set_connection_request_url(std::string url);
  bool periodic_inform_enabled() const;
  std::uint32_t periodic_inform_interval() const;  // seconds, >= 1
  // CWMPRetryMinimumWaitInterval / CWMPRetryIntervalMultiplier (TR-069 §3.2.1.1).
  cwmp::RetryPolicy retry_policy() const;

  // --- events ------------------------------------------------------------------------
  // Adds an event by the TR-069 rules (single/multiple, BOOTSTRAP discards). False when
  // the code is not a valid EventCode.
  bool raise(const cwmp::EventStruct& event);
  const std::vector<cwmp::EventStruct>& pending_events() const { return pending_; }
  // Whether events were raised since the last Inform was built (a CPE opens a session
  // for them).
  bool has_new_events() const { return new_events_; }

  // ScheduleInform: due times of the "3 SCHEDULED" sessions owed.
  std::optional<Millis> next_scheduled_inform() const;

  // --- the session ---------------------------------------------------------------------
  // The Inform of a new session: pending events (plus the scheduled informs that are due,
  // or all of them when `all_scheduled`, the scripted CPE's compressed time), the forced
  // inform parameters, the retry count. A changed ManagementServer.URL raises 0 BOOTSTRAP.
  cwmp::Inform make_inform(Millis now, std::uint32_t retry_count, bool all_scheduled);
  // The InformResponse came: the events without a follow-up RPC are delivered.
  void inform_delivered();
  // The session failed: drop what is not retried (6 CONNECTION REQUEST).
  void session_failed();

  // TransferComplete requests owed to the ACS (done transfers), with the transfer ids.
  std::vector<std::pair<std::uint64_t, cwmp::TransferComplete>> transfer_completes() const;
  // The ACS acknowledged one: the transfer and its "M ..." event are delivered.
  void transfer_acknowledged(std::uint64_t id);

  // The response (or fault) to one ACS request, in CWMP `version`.
  cwmp::Body answer(const cwmp::Body& request, cwmp::CwmpVersion version, Millis now);

  // --- after the session ---------------------------------------------------------------
  // Queued transfers, now marked running; the caller performs them.
  std::vector<Transfer> start_transfers();
  // A transfer ended. A firmware image installs and reboots the device.
  void finish_transfer(const Transfer& outcome, Millis now);
  // Applies a Reboot or FactoryReset received in the session. True if the device booted.
  bool apply_deferred(Millis now);
  bool has_deferred() const { return reboot_key_.has_value() || factory_reset_; }

  std::vector<Transfer> transfers() const;  // queued, running and unreported ones
  const std::vector<Transfer>& finished_transfers() const { return history_; }

 private:
  cwmp::Body answer_rpc(const cwmp::Body& request, Millis now);
  cwmp::Body queue_transfer(Transfer t, const std::vector<cwmp::TimeWindow>* windows);
  void reboot(Millis now);
  void update_uptime(Millis now);
  std::string value_or_empty(std::string_view name) const;

  DeviceSettings settings_;
  DataModel model_;
  std::string connection_request_url_;
  std::string bootstrapped_url_;  // the ACS URL the device last bootstrapped with
  Millis boot_time_ = 0;
  std::vector<cwmp::EventStruct> pending_;
  bool new_events_ = false;
  std::size_t informed_ = 0;  // how many pending events the last Inform carried
  std::vector<std::pair<Millis, std::string>> scheduled_;  // ScheduleInform: due, CommandKey
  std::vector<Transfer> transfers_;
  std::vector<Transfer> history_;  // finished transfers, for the accessors
  std::uint64_t next_transfer_id_ = 1;
  std::optional<std::string> reboot_key_;
  bool factory_reset_ = false;
};

}  // namespace scripted_cpe
