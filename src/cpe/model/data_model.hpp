// The CPE agent's data model (issue 4 §2, §3, §7, §9): a Schema plus its instances, values,
// attributes and pending notifications, persisted crash-safely, and the TR-069 Annex A
// semantics of the seven data-model RPCs over it. Implements cpe::DeviceApi for the session
// layer (src/cpe/agent). See docs/cpe-model.md.
//
// Thread-safe: one mutex guards everything. handle(), set_internal() and friends block on
// disk (fsync) and on hooks (external commands), so the agent calls them off its event loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cpe/device_api.hpp"
#include "cpe/model/hooks.hpp"
#include "cpe/model/schema.hpp"
#include "cwmp/messages.hpp"
#include "cwmp/result.hpp"

namespace cpe::model {

// Bounds on what one RPC may ask for (issue 4 §9): beyond them the answer is 9004.
inline constexpr std::size_t kMaxRequestEntries = 4096;    // names / structs in one request
inline constexpr std::size_t kMaxResponseEntries = 65536;  // entries in one response
inline constexpr std::size_t kMaxValueBytes = 65536;       // one value in an SPV
inline constexpr std::size_t kMaxParameterKeyLength = 32;  // [XSD] ParameterKeyType
inline constexpr std::size_t kMaxAccessListEntries = 16;

// What the model found in its state directory at start.
enum class LoadStatus : std::uint8_t {
  kLoaded,         // the saved state
  kMissing,        // first start, or after factory_reset(): factory defaults
  kCorrupt,        // unreadable or not ours: factory defaults (the file was set aside)
  kNotPersistent,  // no state directory configured
};
std::string_view to_string(LoadStatus status);

struct DataModelOptions {
  // Where the state file lives; empty = nothing is persisted.
  std::filesystem::path state_dir;
  std::string state_file_name = "model-state.json";
  // Injected clocks (tests); default to the real ones. UpTime counts from construction.
  std::function<std::chrono::steady_clock::time_point()> steady_now;
  std::function<std::chrono::system_clock::time_point()> system_now;
  // One line per event worth a log (load fallbacks, hook failures); default: stderr.
  std::function<void(std::string_view)> log;
  // Root of the Linux interface statistics read by "netdev:" providers.
  std::filesystem::path netdev_root = "/sys/class/net";
};

class DataModel final : public DeviceApi {
 public:
  // Parses the definition (see Schema::parse), loads the state (or falls back to the
  // factory defaults) and registers the definition's command hooks.
  static cwmp::Result<std::unique_ptr<DataModel>, std::string> create(
      std::string_view model_json, DataModelOptions options = {});
  static cwmp::Result<std::unique_ptr<DataModel>, std::string> create(
      Schema schema, DataModelOptions options = {});
  // Over a definition parsed once and shared, read-only, by every model made from it (a
  // simulator's thousands of devices): each model then holds only its own state.
  static cwmp::Result<std::unique_ptr<DataModel>, std::string> create(
      std::shared_ptr<const Schema> schema, DataModelOptions options = {});

  DataModel(const DataModel&) = delete;
  DataModel& operator=(const DataModel&) = delete;
  ~DataModel() override;

  // --- DeviceApi -----------------------------------------------------------------------
  cwmp::DeviceId device_id() const override;
  std::vector<cwmp::ParameterValue> inform_parameters() override;
  bool value_change_pending() const override;
  bool notification_pending() const override;
  void inform_delivered() override;
  cwmp::Body handle(const cwmp::Body& request) override;
  ManagementSettings management() const override;
  void set_connection_request_url(const std::string& url) override;
  // Throws std::invalid_argument for an unknown path, a computed parameter or an invalid
  // value (a bug in the caller, not something an ACS can cause).
  void set_internal(const std::string& path, const std::string& value) override;
  void factory_reset() override;

  // --- beyond the contract ---------------------------------------------------------------
  LoadStatus load_status() const;
  // How many parameter values this model keeps of its own (persisted and volatile): those
  // that differ from the definition's default or factory value. A simulator's footprint
  // check; 0 right after a start without saved state.
  std::size_t stored_value_count() const;
  const Schema& schema() const { return *schema_; }
  const std::shared_ptr<const Schema>& shared_schema() const { return schema_; }

  // Registers a hook for every parameter matching `pattern`: a full name or a partial path
  // (its subtree), where "{i}" or "*" stands for any instance number. The first registered
  // hook that matches wins. Not for NumberOfEntries parameters (the model counts those).
  void add_hook(std::string pattern, std::shared_ptr<ValueHook> hook);

  // The current value of a parameter (hidden ones too); nullopt if it does not exist.
  std::optional<std::string> get(std::string_view path);

  // Instances the device itself manages (Hosts, AssociatedDevice, RouteHops...), whatever
  // the table's access: a new instance number (never reused) with `values` (relative names)
  // over the defaults. Changes of NumberOfEntries are notified like any internal change.
  cwmp::Result<std::uint32_t, std::string> add_instance(
      std::string_view table_path,
      const std::vector<std::pair<std::string, std::string>>& values = {});
  bool delete_instance(std::string_view instance_path);

  // Re-reads the parameters whose values come from hooks or computations and that have a
  // notification attribute, and records the changes. inform_parameters() does it too; an
  // agent calls it on a timer to notice active changes between sessions.
  void poll_value_changes();

  // Called (outside the model's lock) after an SPV, AddObject or DeleteObject from the ACS
  // committed, with the paths it changed: the agent reacts (ACS URL changed -> BOOTSTRAP,
  // DiagnosticsState=Requested -> run the test after the session, periodic inform...).
  void set_change_listener(std::function<void(const std::vector<std::string>&)> listener);

  // Called (outside the lock) when a change by the device itself makes an active
  // notification pending: set_internal(), poll_value_changes(), add/delete_instance(). Wire
  // it to the agent's Agent::value_changed() so a "4 VALUE CHANGE" session follows.
  void set_active_change_callback(std::function<void()> callback);

 private:
  enum class Kind : std::uint8_t { kParameter, kObject, kTable, kInstance };
  struct Node {
    Kind kind;
    std::uint32_t def;  // a ParamDef index (kParameter) or an ObjectDef index
  };
  struct Table {
    std::uint32_t last = 0;                // the highest instance number ever assigned
    std::vector<std::uint32_t> instances;  // sorted
  };
  struct Attributes {
    std::int32_t notification = 0;
    bool subscriber = false;  // AccessList ["Subscriber"]
  };
  struct Pending {
    bool active = false;
    std::uint64_t seq = 0;  // when it was (last) recorded, for inform_delivered()
  };
  template <typename T>
  using Map = std::map<std::string, T, std::less<>>;
  // Everything an RPC may change, copied before it does so that a failure restores it.
  struct State {
    // Only values that differ from baseline(): the definition's default or factory value.
    Map<std::string> values;           // persisted parameters
    Map<std::string> volatile_values;  // volatile ones (not saved)
    Map<Table> tables;                 // by table path, e.g. "Device.IP.Interface."
    Map<Attributes> attributes;        // only those that differ from the defaults
    Map<Pending> pending;              // notifications not yet delivered
  };
  struct HookEntry {
    std::string pattern;  // "{i}" replaced by "*"
    std::shared_ptr<ValueHook> hook;
  };
  class Walker;

  DataModel(std::shared_ptr<const Schema> schema, DataModelOptions options);

  // --- state (data_model.cpp)
  void load();
  void create_factory_instances();
  bool load_state_json(std::string_view text, std::string& error);
  std::string state_json() const;
  bool persist(std::string& error);
  void persist_or_log();

  // --- paths and values
  std::optional<Node> resolve(std::string_view path) const;
  bool instances_exist(std::string_view path) const;
  const Table* table(std::string_view table_path) const;
  ValueHook* find_hook(std::string_view path) const;
  std::string read(std::uint32_t def, std::string_view path) const;
  std::string read_stored(const ParamDef& def, std::string_view path) const;
  std::string baseline(const ParamDef& def, std::string_view path) const;
  void put(const ParamDef& def, const std::string& path, const std::string& value);
  std::string read_netdev(const ParamDef& def, std::string_view path) const;
  bool writable(std::uint32_t def, std::string_view path) const;
  bool store(std::uint32_t def, const std::string& path, const std::string& value,
             std::string& error);
  Attributes attributes_of(std::uint32_t def, std::string_view path) const;
  cwmp::ParameterValue value_of(std::uint32_t def, const std::string& path) const;
  void set_parameter_key(std::string_view key);
  void erase_under(std::string_view prefix);
  std::uint32_t create_instance(const std::string& table_path, std::uint32_t number);

  // --- notifications
  void note_change(std::uint32_t def, const std::string& path);
  bool is_polled(const ParamDef& def, std::string_view path) const;
  void rebuild_watched();
  bool poll_locked();
  void announce_active();  // runs the active-change callback if a change raised one
  void set_internal_locked(const std::string& path, const std::string& value);
  cwmp::Result<std::uint32_t, std::string> add_instance_locked(
      std::string_view table_path, const std::vector<std::pair<std::string, std::string>>& values);
  bool delete_instance_locked(std::string_view instance_path);

  // --- RPCs (data_model_rpc.cpp)
  cwmp::Body dispatch(const cwmp::Body& request, std::vector<std::string>& changed);
  cwmp::Body get_parameter_values(const cwmp::GetParameterValues& request) const;
  cwmp::Body set_parameter_values(const cwmp::SetParameterValues& request,
                                  std::vector<std::string>& changed);
  cwmp::Body get_parameter_names(const cwmp::GetParameterNames& request) const;
  cwmp::Body get_parameter_attributes(const cwmp::GetParameterAttributes& request) const;
  cwmp::Body set_parameter_attributes(const cwmp::SetParameterAttributes& request);
  cwmp::Body add_object(const cwmp::AddObject& request, std::vector<std::string>& changed);
  cwmp::Body delete_object(const cwmp::DeleteObject& request, std::vector<std::string>& changed);
  std::uint32_t check_spv_entry(const cwmp::ParameterValue& pv, std::uint32_t& def) const;

  std::string root_param(std::string_view relative) const;
  void log(std::string_view line) const;

  std::shared_ptr<const Schema> schema_;  // never null; shared with other models
  DataModelOptions options_;
  std::filesystem::path state_path_;
  std::chrono::steady_clock::time_point start_;

  mutable std::mutex mutex_;
  State state_;
  LoadStatus load_status_ = LoadStatus::kNotPersistent;
  std::vector<HookEntry> hooks_;
  Map<std::string> watched_;        // polled parameters with a notification: the last value seen
  std::uint64_t seq_ = 0;           // increases with every recorded change
  std::uint64_t informed_seq_ = 0;  // seq_ when inform_parameters() last ran
  std::function<void(const std::vector<std::string>&)> listener_;
  bool active_raised_ = false;  // an active notification became pending since announced
  std::function<void()> active_callback_;
};

}  // namespace cpe::model
