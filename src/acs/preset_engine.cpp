// The preset engine: compares the declared state of the active presets with the known state of
// a device and plans the next step of the session (fetch, apply, done). docs/presets.md.
#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

#include "acs/presets.hpp"
#include "acs/task_rpc.hpp"

namespace acs::presets {

std::string_view to_string(ReportKind kind) {
  switch (kind) {
    case ReportKind::kConflict:
      return "conflict";
    case ReportKind::kNotSticking:
      return "not-sticking";
    case ReportKind::kNotWritable:
      return "not-writable";
    case ReportKind::kMissing:
      return "missing";
    case ReportKind::kFirmwareMismatch:
      return "firmware-mismatch";
    case ReportKind::kRoundLimit:
      return "round-limit";
  }
  return "unknown";
}

std::string_view to_string(StepKind kind) {
  switch (kind) {
    case StepKind::kFetch:
      return "fetch";
    case StepKind::kApply:
      return "apply";
    case StepKind::kDone:
      break;
  }
  return "done";
}

std::string command_key_of(const Preset& preset, const DownloadAction& download) {
  if (!download.command_key.empty()) return download.command_key;
  // FNV-1a 64: a new URL or target version gives a new key, so the new file is sent again.
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  const auto mix = [&hash](std::string_view text) {
    for (unsigned char c : text) {
      hash ^= c;
      hash *= 0x100000001b3ULL;
    }
    hash ^= 0xff;  // separator
    hash *= 0x100000001b3ULL;
  };
  mix(preset.name);
  mix(download.url);
  mix(download.version);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string key = "p-";
  for (int shift = 60; shift >= 0; shift -= 4) key += kHex[(hash >> shift) & 0xF];
  return key;  // 18 characters: CommandKey is string(32)
}

namespace {

bool triggered(const Preset& p, const std::vector<std::string>& events) {
  for (const std::string& trigger : p.events) {
    if (trigger == "*" && !events.empty()) return true;
    if (std::find(events.begin(), events.end(), trigger) != events.end()) return true;
  }
  return false;
}

bool due(const Preset& p, const SessionContext& context) {
  for (const PresetFault& f : context.faults) {
    if (f.preset == p.name && !is_due(f, context.now, context.retry)) return false;
  }
  return true;
}

// Equal as CWMP values: booleans compare by meaning ("1" is "true").
bool same_value(std::string_view known, const std::string& declared, ValueKind kind,
                std::optional<cwmp::ValueType> type) {
  if (known == declared) return true;
  if (kind == ValueKind::kBoolean || type == cwmp::ValueType::kBoolean) {
    const auto truth = [](std::string_view v) -> int {
      if (v == "true" || v == "1") return 1;
      if (v == "false" || v == "0") return 0;
      return -1;
    };
    return truth(known) >= 0 && truth(known) == truth(declared);
  }
  return false;
}

cwmp::ValueType infer_type(const DeclaredValue& d, const KnownParameter* known) {
  if (d.type) return *d.type;
  if (known != nullptr && known->type && *known->type != cwmp::ValueType::kUnspecified) {
    return *known->type;
  }
  if (d.kind == ValueKind::kBoolean) return cwmp::ValueType::kBoolean;
  if (d.kind == ValueKind::kNumber) {
    if (d.value.find_first_of(".eE") != std::string::npos) return cwmp::ValueType::kDecimal;
    return d.value.starts_with("-") ? cwmp::ValueType::kInt : cwmp::ValueType::kUnsignedInt;
  }
  return cwmp::ValueType::kString;
}

// A value the active presets declare, after conflicts are settled.
struct Desired {
  DeclaredValue value;  // path is concrete
  const Preset* preset = nullptr;
};

// Builds one step; collects what to fetch and what to apply.
class Planner {
 public:
  Planner(const DeviceState& state, const SessionContext& context, PresetSession& progress)
      : state_(state), context_(context), progress_(progress) {}

  // Presets come in application order (weight, then name): where two declare the same thing
  // differently, the later one wins and the earlier one is reported.
  void plan(const std::vector<const Preset*>& active) {
    Winners<ObjectDeclaration> tables;
    Winners<AttributeDeclaration> attributes;
    Winners<DownloadAction> firmware;  // by version parameter
    for (const Preset* p : active) {
      for (const DeclaredValue& d : p->parameters) declare_pattern(*p, d);
      for (const ObjectDeclaration& o : p->objects) {
        settle(tables, "instances", o.path, *p, o,
               [&](const ObjectDeclaration& other) { return other == o; });
      }
      for (const AttributeDeclaration& a : p->attributes) {
        std::vector<std::string> unlisted;
        for (const std::string& path : expand_wildcards(a.path, state_, &unlisted)) {
          settle(attributes, "attributes", path, *p, a, [&](const AttributeDeclaration& other) {
            return other.notification == a.notification && other.access_list == a.access_list;
          });
        }
        for (const std::string& table : unlisted) listed(*p, table);
      }
      for (const DownloadAction& d : p->downloads) {
        if (d.version.empty()) {
          plan_download(*p, d);
        } else {
          settle(firmware, "firmware", version_parameter(d), *p, d,
                 [&](const DownloadAction& other) {
                   return other.version == d.version && other.url == d.url;
                 });
        }
      }
      if (p->upload) plan_upload(*p);
    }
    for (const auto& [table, winner] : tables) plan_objects(*winner.first, *winner.second);
    for (auto& [path, desired] : desired_) plan_value(desired);
    for (const auto& [path, winner] : attributes) {
      plan_attribute(*winner.first, *winner.second, path);
    }
    for (const auto& [path, winner] : firmware) plan_download(*winner.first, *winner.second);
    if (fetch_empty() && apply_empty()) {
      for (const Preset* p : active) plan_reboot(*p);
    }
  }

  bool fetch_empty() const { return gpn_.empty() && gpv_.empty() && gpa_.empty(); }
  bool apply_empty() const {
    return deletes_.empty() && adds_.empty() && spv_.parameter_list.empty() &&
           spa_.parameter_list.empty() && transfers_.empty();
  }

  Step fetch_step() {
    Step step{StepKind::kFetch, {}};
    for (auto& [table, presets] : gpn_) {
      progress_.asked.insert("gpn:" + table);
      step.rpcs.push_back({cwmp::GetParameterNames{table, true}, names(presets)});
    }
    if (!gpv_.empty()) {
      cwmp::GetParameterValues gpv;
      std::set<const Preset*> all;
      for (auto& [path, presets] : gpv_) {
        progress_.asked.insert(path);
        gpv.parameter_names.push_back(path);
        all.insert(presets.begin(), presets.end());
      }
      step.rpcs.push_back({std::move(gpv), names(all)});
    }
    if (!gpa_.empty()) {
      cwmp::GetParameterAttributes gpa;
      std::set<const Preset*> all;
      for (auto& [path, presets] : gpa_) {
        progress_.asked.insert("gpa:" + path);
        gpa.parameter_names.push_back(path);
        all.insert(presets.begin(), presets.end());
      }
      step.rpcs.push_back({std::move(gpa), names(all)});
    }
    return step;
  }

  // Values and attributes planned under an instance this step deletes go with it (they were
  // declared before the delete was decided, e.g. by a wildcard over the old instances).
  void drop_under_deleted() {
    std::vector<std::string> gone;
    for (const PlannedRpc& planned : deletes_) {
      gone.push_back(std::get<cwmp::DeleteObject>(planned.rpc).object_name);
    }
    if (gone.empty()) return;
    const auto under_gone = [&](const std::string& path) {
      return std::any_of(gone.begin(), gone.end(),
                         [&](const std::string& g) { return path.starts_with(g); });
    };
    std::erase_if(spv_.parameter_list,
                  [&](const cwmp::ParameterValue& pv) { return under_gone(pv.name); });
    std::erase_if(spa_.parameter_list,
                  [&](const cwmp::SetParameterAttributesStruct& a) { return under_gone(a.name); });
  }

  Step apply_step() {
    Step step{StepKind::kApply, {}};
    drop_under_deleted();
    for (auto& planned : deletes_) step.rpcs.push_back(std::move(planned));
    for (auto& planned : adds_) step.rpcs.push_back(std::move(planned));
    if (!spv_.parameter_list.empty()) {
      for (const cwmp::ParameterValue& pv : spv_.parameter_list) {
        progress_.set_values[pv.name] = pv.value;
        progress_.asked.erase(pv.name);  // read it back next round
      }
      step.rpcs.push_back({std::move(spv_), names(spv_presets_)});
    }
    if (!spa_.parameter_list.empty()) {
      step.rpcs.push_back({std::move(spa_), names(spa_presets_)});
    }
    for (auto& planned : transfers_) step.rpcs.push_back(std::move(planned));
    commit_one_shots();
    for (auto& [table, added] : pending_adds_) {
      progress_.pending_adds[table] = std::move(added.first);
      progress_.instances_before_add[table] = std::move(added.second);
    }
    // "reboot": "if_changed" follows configuration changes only: an Upload is no change (a
    // backup at every boot would reboot forever), and a Download is applied by the CPE itself
    // after the session (a Reboot could cut it short).
    for (const PlannedRpc& planned : step.rpcs) {
      if (std::holds_alternative<cwmp::SetParameterValues>(planned.rpc) ||
          std::holds_alternative<cwmp::AddObject>(planned.rpc) ||
          std::holds_alternative<cwmp::DeleteObject>(planned.rpc)) {
        progress_.changed_presets.insert(planned.presets.begin(), planned.presets.end());
      }
    }
    return step;
  }

  Step reboot_step() {
    commit_one_shots();
    return Step{StepKind::kApply, std::move(reboots_)};
  }
  bool reboot_empty() const { return reboots_.empty(); }

 private:
  template <typename Decl>
  using Winners = std::map<std::string, std::pair<const Preset*, const Decl*>>;

  template <typename Decl, typename Same>
  void settle(Winners<Decl>& winners, std::string_view what, const std::string& key,
              const Preset& p, const Decl& d, Same same) {
    auto [it, inserted] = winners.try_emplace(key, &p, &d);
    if (inserted) return;
    if (it->second.first != &p && !same(*it->second.second)) {
      report(ReportKind::kConflict, *it->second.first, key,
             std::string(what) + " overridden by preset \"" + p.name + "\"");
    }
    it->second = {&p, &d};
  }

  // Uploads, downloads and the reboot are sent at most once per session.
  void commit_one_shots() {
    for (std::string& key : one_shots_) progress_.one_shots.insert(std::move(key));
    one_shots_.clear();
  }

  static std::vector<std::string> names(const std::set<const Preset*>& presets) {
    std::vector<std::string> out;
    for (const Preset* p : presets) out.push_back(p->name);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

  void report(ReportKind kind, const Preset& preset, std::string path, std::string message) {
    Report r{kind, preset.name, std::move(path), std::move(message)};
    auto& reports = progress_.reports;
    if (std::find(reports.begin(), reports.end(), r) == reports.end()) reports.push_back(r);
  }

  const KnownParameter* known(std::string_view path) const {
    auto it = state_.parameters.find(path);
    return it == state_.parameters.end() ? nullptr : &it->second;
  }

  // Whether a table's instances are known; asks for them when not (once per session).
  bool listed(const Preset& p, const std::string& table) {
    if (state_.listed.contains(table)) return true;
    if (progress_.asked.contains("gpn:" + table)) {
      report(ReportKind::kMissing, p, table, "the device did not list this object");
    } else {
      gpn_[table].insert(&p);
    }
    return false;
  }

  void declare_pattern(const Preset& p, const DeclaredValue& d) {
    std::vector<std::string> unlisted;
    const std::vector<std::string> paths = expand_wildcards(d.path, state_, &unlisted);
    for (const std::string& table : unlisted) listed(p, table);
    for (const std::string& path : paths) {
      DeclaredValue concrete = d;
      concrete.path = path;
      declare(p, std::move(concrete));
    }
  }

  // Presets come in application order, so a later one wins a conflict (higher weight).
  void declare(const Preset& p, DeclaredValue d) {
    auto it = desired_.find(d.path);
    if (it != desired_.end()) {
      const Desired& earlier = it->second;
      if (earlier.preset != &p && earlier.value.value != d.value) {
        report(ReportKind::kConflict, *earlier.preset, d.path,
               "\"" + earlier.value.value + "\" overridden by preset \"" + p.name + "\" (\"" +
                   d.value + "\")");
      }
    }
    std::string path = d.path;
    desired_[path] = Desired{std::move(d), &p};
  }

  void plan_value(const Desired& desired) {
    const DeclaredValue& d = desired.value;
    const Preset& p = *desired.preset;
    const KnownParameter* k = known(d.path);
    if (k != nullptr && k->value && stale(*k) && !is_hidden_parameter(d.path) &&
        !progress_.asked.contains(d.path)) {
      gpv_[d.path].insert(&p);  // too old to trust: read it again first
      return;
    }
    if (k != nullptr && k->value) {
      if (same_value(*k->value, d.value, d.kind, d.type)) return;
      auto set = progress_.set_values.find(d.path);
      if (set != progress_.set_values.end() && set->second == d.value) {
        report(ReportKind::kNotSticking, p, d.path,
               "set to \"" + d.value + "\", read back \"" + *k->value + "\"");
        return;
      }
      if (k->writable == false) {
        report(ReportKind::kNotWritable, p, d.path, "the device says it is not writable");
        return;
      }
      add_set(p, d, k);
      return;
    }
    // A password reads back as "": set it without asking (TR-069 A.3.2.2).
    if (is_hidden_parameter(d.path)) {
      if (!progress_.set_values.contains(d.path)) add_set(p, d, k);
      return;
    }
    if (progress_.asked.contains(d.path)) {
      report(ReportKind::kMissing, p, d.path, "the device has no value for it");
      return;
    }
    gpv_[d.path].insert(&p);
  }

  bool stale(const KnownParameter& k) const {
    return context_.value_max_age > 0 && k.timestamp < context_.now - context_.value_max_age;
  }

  void add_set(const Preset& p, const DeclaredValue& d, const KnownParameter* k) {
    spv_.parameter_list.push_back(cwmp::ParameterValue{d.path, d.value, infer_type(d, k)});
    spv_presets_.insert(&p);
  }

  void plan_objects(const Preset& p, const ObjectDeclaration& o) {
    if (!listed(p, o.path)) return;
    const std::vector<std::uint32_t> instances = instances_of(state_, o.path);
    if (o.count) {
      plan_count(p, o, instances);
    } else {
      plan_keyed(p, o, instances);
    }
  }

  std::string instance_path(const ObjectDeclaration& o, std::uint32_t n) const {
    return o.path + std::to_string(n) + ".";
  }

  void declare_relative(const Preset& p, const std::string& instance,
                        const std::vector<DeclaredValue>& parameters) {
    for (const DeclaredValue& rel : parameters) {
      DeclaredValue d = rel;
      d.path = instance + rel.path;
      declare(p, std::move(d));
    }
  }

  void plan_count(const Preset& p, const ObjectDeclaration& o,
                  const std::vector<std::uint32_t>& instances) {
    const std::size_t want = *o.count;
    for (std::size_t i = 0; i < instances.size(); ++i) {
      if (i < want) {
        declare_relative(p, instance_path(o, instances[i]), o.parameters);
      } else {
        // The highest-numbered go; the rest keep their configuration.
        deletes_.push_back({cwmp::DeleteObject{instance_path(o, instances[i]), ""}, {p.name}});
      }
    }
    for (std::size_t i = instances.size(); i < want; ++i) {
      adds_.push_back({cwmp::AddObject{o.path, ""}, {p.name}});
    }
  }

  // The instances added for keyed declarations in the last step get their key values.
  void claim_new_instances(const ObjectDeclaration& o,
                           const std::vector<std::uint32_t>& instances) {
    auto pending = progress_.pending_adds.find(o.path);
    if (pending == progress_.pending_adds.end()) return;
    const std::set<std::string>& before = progress_.instances_before_add[o.path];
    std::size_t next = 0;
    for (std::uint32_t n : instances) {
      const std::string path = instance_path(o, n);
      if (before.contains(path) || next >= pending->second.size()) continue;
      progress_.claimed[path] = pending->second[next++];
    }
    progress_.pending_adds.erase(pending);
    progress_.instances_before_add.erase(o.path);
  }

  void plan_keyed(const Preset& p, const ObjectDeclaration& o,
                  const std::vector<std::uint32_t>& instances) {
    claim_new_instances(o, instances);
    // The key value of each instance: claimed in this session, else known, else to fetch.
    std::vector<std::pair<std::string, std::optional<std::string>>> keys;
    bool unknown = false;
    for (std::uint32_t n : instances) {
      const std::string instance = instance_path(o, n);
      const std::string key_path = instance + o.key;
      std::optional<std::string> key;
      if (auto c = progress_.claimed.find(instance); c != progress_.claimed.end()) {
        key = c->second;
      } else if (const KnownParameter* k = known(key_path); k != nullptr && k->value) {
        key = k->value;
      } else if (!progress_.asked.contains(key_path)) {
        gpv_[key_path].insert(&p);
        unknown = true;
      }
      keys.emplace_back(instance, key);
    }
    if (unknown) return;  // match once every key is known
    std::set<std::string> matched_instances;
    std::vector<std::string> missing;
    for (const KeyedInstance& spec : o.instances) {
      auto it = std::find_if(keys.begin(), keys.end(), [&](const auto& entry) {
        return entry.second == spec.key_value && !matched_instances.contains(entry.first);
      });
      if (it == keys.end()) {
        missing.push_back(spec.key_value);
        continue;
      }
      matched_instances.insert(it->first);
      DeclaredValue key{o.key, spec.key_value, ValueKind::kString, std::nullopt};
      declare_relative(p, it->first, {key});
      declare_relative(p, it->first, spec.parameters);
    }
    if (o.delete_others) {
      for (const auto& [instance, key] : keys) {
        if (!matched_instances.contains(instance)) {
          deletes_.push_back({cwmp::DeleteObject{instance, ""}, {p.name}});
        }
      }
    }
    if (!missing.empty()) {
      std::set<std::string> before;
      for (const auto& entry : keys) before.insert(entry.first);
      pending_adds_[o.path] = {missing, std::move(before)};
      for (std::size_t i = 0; i < missing.size(); ++i) {
        adds_.push_back({cwmp::AddObject{o.path, ""}, {p.name}});
      }
    }
  }

  void plan_attribute(const Preset& p, const AttributeDeclaration& a, const std::string& path) {
    const KnownParameter* k = known(path);
    const bool notification_known = !a.notification || (k != nullptr && k->notification);
    const bool access_known = !a.access_list || (k != nullptr && k->access_list);
    if (!notification_known || !access_known) {
      if (progress_.asked.contains("gpa:" + path)) {
        report(ReportKind::kMissing, p, path, "the device gave no attributes for it");
      } else {
        gpa_[path].insert(&p);
      }
      return;
    }
    cwmp::SetParameterAttributesStruct s;
    s.name = path;
    if (a.notification && *k->notification != *a.notification) {
      s.notification_change = true;
      s.notification = *a.notification;
    }
    if (a.access_list && *k->access_list != *a.access_list) {
      s.access_list_change = true;
      s.access_list = *a.access_list;
    }
    if (s.notification_change || s.access_list_change) {
      spa_.parameter_list.push_back(std::move(s));
      spa_presets_.insert(&p);
    }
  }

  // The root object of the device's data model, for the default SoftwareVersion parameter.
  std::string version_parameter(const DownloadAction& d) const {
    if (!d.version_parameter.empty()) return d.version_parameter;
    auto it = state_.parameters.lower_bound("Device.");
    const bool tr181 = it != state_.parameters.end() && it->first.starts_with("Device.");
    return tr181 ? "Device.DeviceInfo.SoftwareVersion"
                 : "InternetGatewayDevice.DeviceInfo.SoftwareVersion";
  }

  void plan_download(const Preset& p, const DownloadAction& d) {
    const std::string key = command_key_of(p, d);
    // A lookup, not std::optional<TransferStatus>: GCC 12 -O2 warns that the optional's
    // enum "may be used uninitialized" (-Wmaybe-uninitialized, a false positive).
    const auto transfer = state_.transfers.find(key);
    const auto is = [&](TransferStatus s) {
      return transfer != state_.transfers.end() && transfer->second == s;
    };
    if (!d.version.empty()) {
      const std::string path = version_parameter(d);
      const KnownParameter* k = known(path);
      if (k == nullptr || !k->value) {
        if (progress_.asked.contains(path)) {
          report(ReportKind::kMissing, p, path, "the device has no version to compare");
        } else {
          gpv_[path].insert(&p);
        }
        return;
      }
      if (*k->value == d.version) return;
      if (is(TransferStatus::kCompleted)) {
        report(ReportKind::kFirmwareMismatch, p, path,
               "download " + key + " completed but the version is \"" + *k->value + "\", not \"" +
                   d.version + "\"");
        return;
      }
    } else if (is(TransferStatus::kCompleted)) {
      return;  // a configuration file is sent once
    }
    if (is(TransferStatus::kPending)) return;  // its TransferComplete is awaited
    if (progress_.one_shots.contains("download:" + key)) return;
    one_shots_.push_back("download:" + key);
    cwmp::Download rpc;
    rpc.command_key = key;
    rpc.file_type = d.file_type;
    rpc.url = d.url;
    rpc.username = d.username;
    rpc.password = d.password;
    rpc.file_size = d.file_size;
    rpc.target_file_name = d.target_file_name;
    transfers_.push_back({std::move(rpc), {p.name}});
  }

  void plan_upload(const Preset& p) {
    if (progress_.one_shots.contains("upload:" + p.name)) return;
    one_shots_.push_back("upload:" + p.name);
    cwmp::Upload rpc;
    // Names the backup's preset; the TransferComplete finds it by this key.
    rpc.command_key = "backup-" + p.name.substr(0, 25);
    rpc.file_type = p.upload->file_type;
    rpc.url = p.upload->url;
    rpc.username = p.upload->username;
    rpc.password = p.upload->password;
    transfers_.push_back({std::move(rpc), {p.name}});
  }

  void plan_reboot(const Preset& p) {
    const bool wanted =
        p.reboot == RebootMode::kAlways ||
        (p.reboot == RebootMode::kIfChanged && progress_.changed_presets.contains(p.name));
    if (!wanted || !reboots_.empty()) return;  // one Reboot is enough
    if (progress_.one_shots.contains("reboot")) return;
    one_shots_.push_back("reboot");
    reboots_.push_back({cwmp::Reboot{"preset-" + p.name.substr(0, 25)}, {p.name}});
  }

  const DeviceState& state_;
  const SessionContext& context_;
  PresetSession& progress_;
  std::map<std::string, Desired> desired_;
  std::map<std::string, std::set<const Preset*>> gpn_;  // tables to list
  std::map<std::string, std::set<const Preset*>> gpv_;  // values to read
  std::map<std::string, std::set<const Preset*>> gpa_;  // attributes to read
  std::vector<PlannedRpc> deletes_;
  std::vector<PlannedRpc> adds_;
  cwmp::SetParameterValues spv_;
  std::set<const Preset*> spv_presets_;
  cwmp::SetParameterAttributes spa_;
  std::set<const Preset*> spa_presets_;
  std::vector<PlannedRpc> transfers_;
  std::vector<PlannedRpc> reboots_;
  std::vector<std::string> one_shots_;  // committed to progress_ when the step applies
  // Keyed AddObjects of this step: table -> (key values, instances before).
  std::map<std::string, std::pair<std::vector<std::string>, std::set<std::string>>> pending_adds_;
};

}  // namespace

void record_rpc_fault(std::vector<PresetFault>& faults, const PlannedRpc& planned,
                      const cwmp::Fault& fault, std::string_view device_id, Millis now) {
  const std::string message = fault.string.empty() ? fault.faultstring : fault.string;
  for (const std::string& preset : planned.presets) {
    auto it = std::find_if(faults.begin(), faults.end(), [&](const PresetFault& f) {
      return f.preset == preset && f.device_id == device_id;
    });
    std::optional<PresetFault> previous;
    if (it != faults.end()) previous = *it;
    PresetFault next = record_fault(previous, preset, device_id, fault.code, message, now);
    if (it != faults.end()) {
      *it = std::move(next);
    } else {
      faults.push_back(std::move(next));
    }
  }
}

bool schedule_due(const Preset& preset, const SessionContext& context) {
  if (!preset.cron) return false;
  const auto last = context.last_scheduled_runs.find(preset.name);
  if (last == context.last_scheduled_runs.end()) return true;
  return fires_between(*preset.cron, last->second, context.now);
}

std::vector<const Preset*> active_presets(const std::vector<Preset>& presets,
                                          const DeviceState& state, const SessionContext& context) {
  const boost::json::object document = query_document(state);
  std::vector<const Preset*> out;
  for (const Preset& p : presets) {
    const bool by_schedule = !context.events.empty() && schedule_due(p, context);
    if ((triggered(p, context.events) || by_schedule) && due(p, context) &&
        query::matches(p.precondition, document)) {
      out.push_back(&p);
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Preset* a, const Preset* b) {
    return a->weight != b->weight ? a->weight < b->weight : a->name < b->name;
  });
  return out;
}

Step next_step(const std::vector<Preset>& presets, const DeviceState& state,
               const SessionContext& context, PresetSession& progress) {
  if (progress.finished) return {};
  const std::vector<const Preset*> active = active_presets(presets, state, context);
  Planner planner(state, context, progress);
  planner.plan(active);
  const bool idle = planner.fetch_empty() && planner.apply_empty() && planner.reboot_empty();
  if (idle) {
    progress.finished = true;
    return {};
  }
  if (progress.rounds >= context.max_rounds) {
    // Converge no matter what: the rest waits for the next session.
    progress.reports.push_back(
        Report{ReportKind::kRoundLimit, "", "",
               "stopped after " + std::to_string(context.max_rounds) + " steps with work left"});
    progress.finished = true;
    return {};
  }
  ++progress.rounds;
  if (!planner.fetch_empty()) return planner.fetch_step();
  if (!planner.apply_empty()) return planner.apply_step();
  return planner.reboot_step();
}

}  // namespace acs::presets
