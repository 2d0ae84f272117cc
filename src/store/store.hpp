// The ACS's persistence behind one narrow interface. It speaks the session's
// language (record an Inform, next task, complete a task), not SQL; each
// backend does each step in one transaction. SQLite is the embedded default
// (sqlite_store.hpp); PostgreSQL comes later behind the same interface.
//
// Thread safety: a Store may be called from several threads; implementations
// serialise what they must. Calls block (disk I/O): never call them on an
// event-loop thread; the ACS runs them on its store executor.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "acs/model.hpp"
#include "acs/presets.hpp"
#include "acs/query.hpp"

namespace store {

struct FindOptions {
  std::vector<std::string> projection;  // paths to include ("" = all); "_id" is always in
  // Sort keys: a path or underscore field, 1 ascending / -1 descending.
  std::vector<std::pair<std::string, int>> sort;
  std::uint64_t skip = 0;
  std::uint64_t limit = 0;  // 0 = no limit
};

// CPE credentials for the CWMP endpoint's authentication (per device; the shared pair of
// the configuration applies to usernames not found here). With device_id set, the
// credentials are only good for that device: an Inform of another device is refused.
struct CpeCredentials {
  std::string username;
  std::string password;
  std::string device_id;  // empty: any device
  friend bool operator==(const CpeCredentials&, const CpeCredentials&) = default;
};

// Where and how to reach a device for a connection request (TR-069 §3.2.2), from its
// stored ManagementServer parameters (Device. or InternetGatewayDevice. root).
struct ConnectionRequestTarget {
  std::string url;       // ManagementServer.ConnectionRequestURL
  std::string username;  // ManagementServer.ConnectionRequestUsername
  std::string password;  // ManagementServer.ConnectionRequestPassword (as the ACS set it)
};

// The outcome of the device's last connection request, shown in its document as
// "_lastConnectionRequest": {"result", "message", "timestamp"}.
struct ConnectionRequestRecord {
  std::string result;  // "accepted", "auth-failed", "unreachable", "timeout", "error", ...
  std::string message;
  acs::Millis at = 0;
};

// A file the ACS serves to CPEs (firmware, configuration) or received from one (Upload).
struct FileInfo {
  std::string name;       // unique; the URL path under the file service
  std::string file_type;  // TR-069 FileType, e.g. "1 Firmware Upgrade Image"
  std::string oui;        // applicability; empty = any
  std::string product_class;
  std::string version;
  std::uint64_t size = 0;
  std::string md5;     // lowercase hex
  std::string sha256;  // lowercase hex
  acs::Millis uploaded = 0;
  std::string device_id;  // set for files received from a CPE (Upload)
  std::string storage;    // where the bytes are, relative to the file directory
  friend bool operator==(const FileInfo&, const FileInfo&) = default;
};

// A preset (auto-configuration policy, docs/presets.md) as stored: its JSON form
// (acs::presets::to_json), parsed again by whoever reads it.
struct StoredPreset {
  std::string name;
  std::string json;
  acs::Millis updated = 0;
  friend bool operator==(const StoredPreset&, const StoredPreset&) = default;
};

// A Download or Upload a preset sent to a device, by its command key: the engine sends a
// configuration file once and waits for a firmware's TransferComplete instead of sending it
// again (acs::presets::DeviceState::transfers).
struct PresetTransfer {
  std::string device_id;
  std::string command_key;
  std::string preset;
  acs::presets::TransferStatus status = acs::presets::TransferStatus::kPending;
  acs::Millis updated = 0;
  friend bool operator==(const PresetTransfer&, const PresetTransfer&) = default;
};

// A firmware campaign as stored (acs/campaigns.hpp, docs/campaigns.md): its definition in JSON
// (acs::campaigns::to_json), the target version taken from its file, and its progress.
struct StoredCampaign {
  std::string name;
  std::string definition;         // JSON
  std::string target_version;     // the file's version when the definition was stored
  std::string state = "running";  // running | paused | completed
  std::string reason;             // why it paused or completed
  // Devices that finished (confirmed or failed), and failed, since the last resume: the
  // failure threshold applies to these.
  std::uint64_t finished_since_resume = 0;
  std::uint64_t failed_since_resume = 0;
  std::uint64_t max_in_flight = 0;  // the most devices downloading or applied at once so far
  acs::Millis created = 0;
  acs::Millis updated = 0;
  friend bool operator==(const StoredCampaign&, const StoredCampaign&) = default;
};

// One device's progress in a campaign (pending devices have no row).
struct CampaignDevice {
  std::string campaign;
  std::string device_id;
  std::string state;         // downloading | applied | confirmed | failed
  std::int64_t task_id = 0;  // the Download task; 0 when none was needed
  std::uint32_t fault_code = 0;
  std::string fault_message;
  acs::Millis started = 0;
  acs::Millis updated = 0;
  friend bool operator==(const CampaignDevice&, const CampaignDevice&) = default;
};

struct CampaignCounts {
  std::uint64_t downloading = 0;
  std::uint64_t applied = 0;
  std::uint64_t confirmed = 0;
  std::uint64_t failed = 0;
};

struct TaskCount {
  acs::TaskType type;
  acs::TaskState state;
  std::uint64_t count;
};

struct TaskFilter {
  std::optional<std::string> device_id;
  std::optional<acs::TaskState> state;
  std::uint64_t limit = 0;  // 0 = no limit
};

class Store {
 public:
  virtual ~Store() = default;

  // --- session steps -------------------------------------------------------

  // Creates or updates the device (DeviceId, last inform, last boot on 1 BOOT,
  // last bootstrap on 0 BOOTSTRAP, registered on first contact), stores the
  // parameters and appends the events to a bounded history. On 0 BOOTSTRAP
  // the device's management state starts afresh: its stored parameters are
  // replaced by the Inform's (queued tasks and tags are kept).
  virtual void record_inform(const acs::InformRecord& inform) = 0;

  // The device's oldest task in state queued or sent (tasks of one device run
  // in order), after marking the ones whose expiry has passed as expired.
  virtual std::optional<acs::Task> next_task(std::string_view device_id, acs::Millis now) = 0;

  virtual void mark_task_sent(std::int64_t task_id, acs::Millis now) = 0;

  // The task is done: stores `result` on it and, in the same transaction, what
  // the answer taught us about the device (`learned`) and the object subtrees
  // whose stored paths no longer exist (`removed_prefixes`, e.g. after DeleteObject,
  // or a refreshObject's subtree: there, every stored path under it that `learned`
  // does not name is gone, and the paths it names keep what was known of them).
  virtual void complete_task(std::int64_t task_id, const boost::json::value& result,
                             const std::vector<acs::ParameterUpdate>& learned,
                             const std::vector<std::string>& removed_prefixes, acs::Millis now) = 0;

  // Stores what a multi-step task (refreshObject) learned so far, without
  // completing it.
  virtual void record_parameters(std::string_view device_id,
                                 const std::vector<acs::ParameterUpdate>& learned,
                                 const std::vector<std::string>& removed_prefixes,
                                 acs::Millis now) = 0;

  virtual void fail_task(std::int64_t task_id, const acs::TaskFault& fault, acs::Millis now) = 0;

  // --- NBI -----------------------------------------------------------------

  virtual std::int64_t add_task(std::string_view device_id, acs::TaskType type,
                                const boost::json::object& args, acs::Millis now,
                                acs::Millis expires) = 0;
  virtual std::optional<acs::Task> get_task(std::int64_t task_id) = 0;
  virtual std::vector<acs::Task> list_tasks(const TaskFilter& filter) = 0;
  virtual bool delete_task(std::int64_t task_id) = 0;
  // A task in fault or expired goes back to queued; false if it is not in one of those states.
  virtual bool retry_task(std::int64_t task_id, acs::Millis now) = 0;

  virtual bool device_exists(std::string_view device_id) = 0;
  // The device as a GenieACS-shaped document: {"_id", "_deviceId": {"_Manufacturer",
  // "_OUI", "_ProductClass", "_SerialNumber"}, "_lastInform", "_lastBoot",
  // "_lastBootstrap", "_registered" (ISO 8601 strings), "_tags": [...], and the
  // parameter tree as nested objects: {"Device": {"DeviceInfo": {"SoftwareVersion":
  // {"_value", "_type", "_timestamp", "_writable"}}, "_object": true, ...}}.
  virtual std::optional<boost::json::object> device_document(
      std::string_view device_id, const std::vector<std::string>& projection = {}) = 0;
  virtual std::vector<boost::json::object> find_devices(const acs::query::Query& query,
                                                        const FindOptions& options) = 0;
  virtual std::uint64_t count_devices(const acs::query::Query& query) = 0;
  // Removes the device with its parameters, events, tags and tasks.
  virtual bool delete_device(std::string_view device_id) = 0;
  virtual bool add_tag(std::string_view device_id, std::string_view tag) = 0;
  virtual bool remove_tag(std::string_view device_id, std::string_view tag) = 0;
  // The newest events of a device, newest first.
  virtual std::vector<cwmp::EventStruct> recent_events(std::string_view device_id,
                                                       std::size_t limit) = 0;

  // --- transfers -------------------------------------------------------------

  // A TransferComplete (TR-069 A.3.3.2): the device's newest download, upload or
  // scheduleDownload task whose command key is `command_key` (the task's "commandKey"
  // argument, or "task-<id>" when it had none) gets `outcome` stored in its result under
  // "transferComplete"; with a fault it turns into state fault. Returns the task's id, or
  // nullopt when no task has that command key (the event history keeps the request).
  virtual std::optional<std::int64_t> complete_transfer(std::string_view device_id,
                                                        std::string_view command_key,
                                                        const boost::json::object& outcome,
                                                        const std::optional<acs::TaskFault>& fault,
                                                        acs::Millis now) = 0;

  // --- CPE credentials -------------------------------------------------------

  virtual std::optional<CpeCredentials> cpe_credentials(std::string_view username) = 0;
  virtual void put_cpe_credentials(const CpeCredentials& credentials) = 0;  // insert or replace
  virtual bool delete_cpe_credentials(std::string_view username) = 0;
  virtual std::vector<CpeCredentials> list_cpe_credentials() = 0;

  // --- connection requests ---------------------------------------------------

  // nullopt when the device is unknown; an empty url when it never reported one.
  virtual std::optional<ConnectionRequestTarget> connection_request_target(
      std::string_view device_id) = 0;
  virtual void record_connection_request(std::string_view device_id,
                                         const ConnectionRequestRecord& record) = 0;

  // --- files -----------------------------------------------------------------

  virtual void put_file(const FileInfo& file) = 0;  // insert or replace by name
  virtual std::optional<FileInfo> get_file(std::string_view name) = 0;
  virtual bool delete_file(std::string_view name) = 0;
  virtual std::vector<FileInfo> list_files() = 0;  // by name

  // --- presets ---------------------------------------------------------------

  virtual void put_preset(const StoredPreset& preset) = 0;  // insert or replace by name
  virtual std::optional<StoredPreset> get_preset(std::string_view name) = 0;
  // Also forgets the preset's faults.
  virtual bool delete_preset(std::string_view name) = 0;
  virtual std::vector<StoredPreset> list_presets() = 0;  // by name
  // Changes whenever a preset is put or deleted (by this process or another one sharing
  // the database): the ACS keeps its parsed presets until it changes.
  virtual std::int64_t presets_revision() = 0;

  // Preset faults: one record per (device, preset), kept until the preset runs clean.
  // An empty device_id lists every device's.
  virtual std::vector<acs::presets::PresetFault> preset_faults(std::string_view device_id) = 0;
  virtual void put_preset_fault(const acs::presets::PresetFault& fault) = 0;  // by device+preset
  virtual bool delete_preset_fault(std::string_view device_id, std::string_view preset) = 0;

  // Transfers presets sent (by device and command key). Forgotten, with the device's preset
  // faults, when the device bootstraps (it starts afresh: a configuration file is sent again).
  virtual std::vector<PresetTransfer> preset_transfers(std::string_view device_id) = 0;
  virtual void put_preset_transfer(const PresetTransfer& transfer) = 0;  // by device+key
  // A TransferComplete for a preset's transfer: status kCompleted or kFailed. nullopt when the
  // device has no preset transfer with that command key.
  virtual std::optional<PresetTransfer> complete_preset_transfer(std::string_view device_id,
                                                                 std::string_view command_key,
                                                                 bool succeeded,
                                                                 acs::Millis now) = 0;

  // Tables whose instances the preset engine listed on the device (a GetParameterNames of
  // the table): later sessions trust the stored instances instead of listing again.
  // Forgotten at bootstrap like the preset transfers.
  virtual std::vector<std::string> preset_listed_tables(std::string_view device_id) = 0;
  virtual void add_preset_listed_tables(std::string_view device_id,
                                        const std::vector<std::string>& tables,
                                        acs::Millis now) = 0;

  // When each scheduled preset last ran clean on the device (presets with a "schedule").
  virtual std::vector<std::pair<std::string, acs::Millis>> preset_runs(
      std::string_view device_id) = 0;
  virtual void put_preset_run(std::string_view device_id, std::string_view preset,
                              acs::Millis at) = 0;

  // --- campaigns -------------------------------------------------------------

  // Creates or replaces a campaign. keep_progress: an existing campaign keeps its state,
  // counters and device rows and only takes the new definition and target version; otherwise
  // (or when it is new) the whole row is written and device rows are dropped.
  virtual void put_campaign(const StoredCampaign& campaign, bool keep_progress) = 0;
  virtual std::optional<StoredCampaign> get_campaign(std::string_view name) = 0;
  virtual std::vector<StoredCampaign> list_campaigns() = 0;
  virtual bool delete_campaign(std::string_view name) = 0;  // with its device rows
  // Bumped by every change of a campaign's definition or state (not by device progress).
  virtual std::int64_t campaigns_revision() = 0;
  // Moves the campaign from one of `from` to `to` with `reason`; reset_counters zeroes the
  // since-resume counters (a resume). False when it is unknown or in none of `from`.
  virtual bool set_campaign_state(std::string_view name, const std::vector<std::string>& from,
                                  std::string_view to, std::string_view reason, bool reset_counters,
                                  acs::Millis now) = 0;
  virtual CampaignCounts campaign_counts(std::string_view name) = 0;
  // Every campaign row of one device (one call per Inform).
  virtual std::vector<CampaignDevice> campaign_devices_of(std::string_view device_id) = 0;
  virtual std::optional<CampaignDevice> campaign_device_by_task(std::int64_t task_id) = 0;
  // The campaign's rows, optionally in one state, ordered by device id.
  virtual std::vector<CampaignDevice> list_campaign_devices(std::string_view name,
                                                            std::string_view state) = 0;
  // In one transaction: when the campaign is running, the device has no row and fewer than
  // max_concurrent devices are downloading or applied, queues the download task (`args`) and
  // records the device as downloading with it. Returns the task id, or nullopt (no slot).
  virtual std::optional<std::int64_t> start_campaign_download(std::string_view name,
                                                              std::string_view device_id,
                                                              const boost::json::object& args,
                                                              std::uint32_t max_concurrent,
                                                              acs::Millis now) = 0;
  // Records a device that needs no download (already on the target: state "confirmed"), when
  // it has no row yet; counts it as finished. Returns the campaign after it, or nullopt.
  virtual std::optional<StoredCampaign> add_campaign_device(const CampaignDevice& device) = 0;
  // Moves a device from one of `from` to `to` (with the fault for "failed"), counting it as
  // finished (and failed) when `to` is confirmed or failed. Returns the campaign after the
  // change, or nullopt when the device was in none of `from`.
  virtual std::optional<StoredCampaign> update_campaign_device(
      std::string_view name, std::string_view device_id, const std::vector<std::string>& from,
      std::string_view to, std::uint32_t fault_code, std::string_view fault_message,
      acs::Millis now) = 0;
  // A failed device back to pending (its row removed); false when it is not failed.
  virtual bool retry_campaign_device(std::string_view name, std::string_view device_id) = 0;

  // --- metrics ---------------------------------------------------------------

  // Tasks grouped by type and state (only non-zero groups).
  virtual std::vector<TaskCount> task_counts() = 0;
};

}  // namespace store
