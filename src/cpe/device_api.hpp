// The contract between the CPE agent's two halves (issue 4):
//   cpe_model (src/cpe/model) implements DeviceApi: the data model and the RPCs that act on
//     it (Get/SetParameterValues, GetParameterNames, Get/SetParameterAttributes,
//     AddObject/DeleteObject), notifications, persistence;
//   cpe_agent (src/cpe/agent) drives sessions through it: Inform contents, events, retries,
//     connection requests, and the RPCs that are about the agent rather than the model
//     (GetRPCMethods, Reboot, FactoryReset, Download, Upload, ScheduleInform,
//     ScheduleDownload, CancelTransfer, Get(All)QueuedTransfers).
// Both sides are tested on their own against fakes of the other.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cwmp/messages.hpp"

namespace cpe {

// What the session layer reads from Device.ManagementServer (TR-181) every session.
struct ManagementSettings {
  std::string url;       // ManagementServer.URL
  std::string username;  // ManagementServer.Username (to the ACS)
  std::string password;  // ManagementServer.Password
  bool periodic_inform_enable = true;
  std::uint32_t periodic_inform_interval = 3600;  // seconds
  // PeriodicInformTime: the phase of periodic informs; nullopt = Unknown Time (no phase).
  std::optional<std::chrono::system_clock::time_point> periodic_inform_time;
  std::string connection_request_username;
  std::string connection_request_password;
  std::uint32_t retry_minimum_wait_interval = 5;           // CWMPRetryMinimumWaitInterval, seconds
  std::uint32_t retry_interval_multiplier = 2000;          // CWMPRetryIntervalMultiplier, /1000
  std::uint32_t default_active_notification_throttle = 0;  // seconds
};

class DeviceApi {
 public:
  virtual ~DeviceApi() = default;

  // The Inform's DeviceId.
  virtual cwmp::DeviceId device_id() const = 0;
  // The Inform's ParameterList: the forced-inform parameters (TR-181: DeviceInfo.
  // HardwareVersion, SoftwareVersion, ProvisioningCode, ManagementServer.ParameterKey,
  // ConnectionRequestURL, the root's interface address...) plus every parameter with a
  // pending passive or active notification.
  virtual std::vector<cwmp::ParameterValue> inform_parameters() = 0;
  // True when a parameter with active notification changed since the last delivered Inform:
  // the agent opens a session with "4 VALUE CHANGE" (subject to the throttle). Passive
  // changes only ride along in the next Inform.
  virtual bool value_change_pending() const = 0;
  // True when inform_parameters() carries a changed parameter (passive or active
  // notification): the Inform then lists "4 VALUE CHANGE" (CWMP-FACTS §7: passive
  // notification = "the new value goes in the next Inform ... with 4 VALUE CHANGE").
  virtual bool notification_pending() const { return value_change_pending(); }
  // The Inform holding inform_parameters() was acknowledged: those notifications are
  // delivered and cleared (durably).
  virtual void inform_delivered() = 0;

  // Answers one data-model RPC: GetParameterValues, SetParameterValues, GetParameterNames,
  // GetParameterAttributes, SetParameterAttributes, AddObject, DeleteObject. The answer is
  // the response or a cwmp::Fault (with SetParameterValuesFault entries for SPV). Applied
  // atomically and durably before it returns.
  virtual cwmp::Body handle(const cwmp::Body& request) = 0;

  virtual ManagementSettings management() const = 0;
  // The agent publishes where its connection-request listener is.
  virtual void set_connection_request_url(const std::string& url) = 0;
  // The agent wrote a new SoftwareVersion (after a firmware install), ...: a typed setter
  // for values only the agent knows, bypassing writability.
  virtual void set_internal(const std::string& path, const std::string& value) = 0;
  // Factory reset: every value back to its default, instances and attributes dropped.
  virtual void factory_reset() = 0;
};

}  // namespace cpe
