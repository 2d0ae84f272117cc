#include "acs/cwmp_service_presets.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <iterator>
#include <map>

#include <spdlog/spdlog.h>

#include "cwmp/faults.hpp"
#include "cwmp/parameter_path.hpp"
#include "store/store.hpp"

namespace acs {

namespace {

// A device id as one URL path segment (RFC 3986 unreserved characters kept).
std::string path_segment(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

// "20261128T051500Z": sorts in time order, unique per second per device.
std::string compact_utc(Millis now) {
  const std::time_t t = static_cast<std::time_t>(now / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[20];
  std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &tm);
  return buffer;
}

bool triggered_by(const presets::Preset& preset, const std::vector<std::string>& events) {
  for (const std::string& wanted : preset.events) {
    if (wanted == "*") return !events.empty();
    if (std::find(events.begin(), events.end(), wanted) != events.end()) return true;
  }
  return false;
}

std::string fault_message(const cwmp::Fault& fault) {
  std::string message = fault.string.empty() ? fault.faultstring : fault.string;
  if (!fault.set_parameter_values_faults.empty()) {
    const auto& first = fault.set_parameter_values_faults.front();
    message += " (" + first.parameter_name + ": " + std::to_string(first.fault_code) + " " +
               first.fault_string + ")";
  }
  return message;
}

// Whether `path` is an instance of `pattern`, whose '*' segments stand for any instance.
bool matches_pattern(std::string_view pattern, std::string_view path) {
  while (!pattern.empty() && !path.empty()) {
    const std::size_t pd = pattern.find('.');
    const std::size_t qd = path.find('.');
    const std::string_view ps = pattern.substr(0, pd);
    const std::string_view qs = path.substr(0, qd);
    if (ps != "*" && ps != qs) return false;
    if (pd == std::string_view::npos || qd == std::string_view::npos) {
      return pd == std::string_view::npos && qd == std::string_view::npos;
    }
    pattern.remove_prefix(pd + 1);
    path.remove_prefix(qd + 1);
  }
  return pattern.empty() && path.empty();
}

// Whether the preset declares something about `path` (a value, or an object table under
// which it lies).
bool declares(const presets::Preset& preset, std::string_view path) {
  for (const presets::DeclaredValue& v : preset.parameters) {
    if (matches_pattern(v.path, path)) return true;
  }
  for (const presets::ObjectDeclaration& o : preset.objects) {
    if (path.starts_with(o.path)) return true;
  }
  return false;
}

void count(Metrics* metrics, std::string_view family, const Metrics::Labels& labels = {}) {
  if (metrics != nullptr) metrics->add(family, labels);
}

}  // namespace

// ---- PresetCatalog ------------------------------------------------------------------------

std::shared_ptr<const PresetList> PresetCatalog::current() {
  const std::int64_t revision = store_.presets_revision();
  std::lock_guard lock(mutex_);
  if (revision == revision_) return presets_;
  auto parsed = std::make_shared<PresetList>();
  for (const store::StoredPreset& stored : store_.list_presets()) {
    auto preset = presets::parse_preset_text(stored.json, stored.name);
    if (!preset) {
      spdlog::error("presets: stored preset '{}' is not valid any more, skipped: {}", stored.name,
                    preset.error().to_string());
      continue;
    }
    parsed->push_back(std::move(preset.value()));
  }
  spdlog::info("presets: {} loaded (revision {})", parsed->size(), revision);
  presets_ = std::move(parsed);
  revision_ = revision;
  return presets_;
}

// ---- PresetRun ----------------------------------------------------------------------------

PresetRun::PresetRun(store::Store& store, std::shared_ptr<const PresetList> presets,
                     std::string device_id, std::vector<std::string> events,
                     const PresetRunOptions& options, Metrics* metrics)
    : store_(store),
      presets_(std::move(presets)),
      device_id_(std::move(device_id)),
      events_(std::move(events)),
      options_(options),
      metrics_(metrics) {}

// Loads what the store knows of the device, only when some preset is triggered by this
// session's events: a fleet without presets pays one revision read per session.
bool PresetRun::start(Millis now) {
  const bool any = std::any_of(presets_->begin(), presets_->end(), [&](const presets::Preset& p) {
    return triggered_by(p, events_) || (p.cron && !events_.empty());
  });
  if (!any) return false;
  const std::optional<boost::json::object> document = store_.device_document(device_id_);
  if (!document) return false;
  // Not `complete`: the stored tree holds what Informs and answers told, not every instance.
  // The tables the engine listed before are known (preset_listed_tables).
  state_ = presets::state_from_document(*document, false);
  for (std::string& table : store_.preset_listed_tables(device_id_)) {
    state_.listed.insert(std::move(table));
  }
  for (const store::PresetTransfer& t : store_.preset_transfers(device_id_)) {
    state_.transfers[t.command_key] = t.status;
  }
  context_.events = events_;
  context_.faults = store_.preset_faults(device_id_);
  if (std::any_of(presets_->begin(), presets_->end(),
                  [](const presets::Preset& p) { return p.cron.has_value(); })) {
    for (auto& [preset, at] : store_.preset_runs(device_id_)) {
      context_.last_scheduled_runs[preset] = at;
    }
  }
  context_.now = now;
  context_.retry = options_.retry;
  context_.max_rounds = options_.max_rounds;
  for (const presets::Preset* p : presets::active_presets(*presets_, state_, context_)) {
    ran_.push_back(p->name);
  }
  for (const presets::PresetFault& f : context_.faults) had_fault_.insert(f.preset);
  return !ran_.empty();
}

std::optional<cwmp::Body> PresetRun::next_rpc(Millis now) {
  if (finished_) return std::nullopt;
  if (!started_) {
    started_ = true;
    if (!start(now)) {
      finished_ = true;
      return std::nullopt;
    }
  }
  while (true) {
    if (queue_.empty()) {
      context_.now = now;
      presets::Step step = presets::next_step(*presets_, state_, context_, progress_);
      if (step.kind == presets::StepKind::kDone || step.rpcs.empty()) {
        finish(now);
        return std::nullopt;
      }
      for (presets::PlannedRpc& planned : step.rpcs) queue_.push_back(std::move(planned));
    }
    presets::PlannedRpc planned = std::move(queue_.front());
    queue_.pop_front();
    if (auto* upload = std::get_if<cwmp::Upload>(&planned.rpc)) {
      if (!fill_upload_url(*upload, now)) {
        for (const std::string& p : planned.presets) {
          record_fault(p, cwmp::fault::kAcsInternalError,
                       "the upload has no URL and the ACS's file service URL is not configured",
                       now);
        }
        continue;
      }
    }
    count(metrics_, "cwmp_preset_rpcs_total",
          {{"method", std::string(cwmp::method_name(planned.rpc))}});
    ++rpcs_sent_;
    cwmp::Body rpc = planned.rpc;
    out_ = std::move(planned);
    return rpc;
  }
}

bool PresetRun::fill_upload_url(cwmp::Upload& upload, Millis now) {
  if (!upload.url.empty()) return true;
  const std::string base = options_.files_base_url ? options_.files_base_url() : std::string();
  if (base.empty()) return false;
  // ?fileType: the file service records the type the backup was asked as (docs/files.md).
  upload.url = base + "/upload/" + path_segment(device_id_) + "/config-" + compact_utc(now) +
               "?fileType=" + path_segment(upload.file_type);
  return true;
}

void PresetRun::on_answer(const cwmp::Body& answer, Millis now) {
  if (!out_) return;
  presets::PlannedRpc planned = std::move(*out_);
  out_.reset();
  if (const auto* fault = std::get_if<cwmp::Fault>(&answer)) {
    const std::string message = fault_message(*fault);
    for (const std::string& p : culprits(planned, *fault))
      record_fault(p, fault->code, message, now);
    if (const auto* spv = std::get_if<cwmp::SetParameterValues>(&planned.rpc)) {
      // Nothing of a refused SetParameterValues was applied (it is atomic, TR-069 A.3.2.1):
      // the other presets' values go again in the next step, not as values that did not stick.
      for (const cwmp::ParameterValue& pv : spv->parameter_list)
        progress_.set_values.erase(pv.name);
    }
    // What is still queued for presets that faulted waits for their retry.
    std::erase_if(queue_, [&](const presets::PlannedRpc& q) {
      return std::all_of(q.presets.begin(), q.presets.end(),
                         [&](const std::string& p) { return faulted_.contains(p); });
    });
    return;
  }
  const auto listed_before = state_.listed;
  if (const auto* gpn = std::get_if<cwmp::GetParameterNames>(&planned.rpc)) {
    // A table listed again: its stored instances the device no longer has are gone.
    const auto* names = std::get_if<cwmp::GetParameterNamesResponse>(&answer);
    if (names != nullptr && gpn->next_level && cwmp::is_partial_path(gpn->parameter_path)) {
      std::set<std::string> present;
      for (const cwmp::ParameterInfo& info : names->parameter_list) present.insert(info.name);
      std::vector<std::string> gone;
      for (const std::uint32_t n : presets::instances_of(state_, gpn->parameter_path)) {
        std::string instance = gpn->parameter_path + std::to_string(n) + ".";
        if (!present.contains(instance)) gone.push_back(std::move(instance));
      }
      if (!gone.empty()) store_.record_parameters(device_id_, {}, gone, now);
    }
  }
  presets::learn(state_, planned.rpc, answer, now);
  remember_new_listings(listed_before, now);
  remember_transfer(planned, now);
}

// The presets a fault is theirs: with a SetParameterValues fault naming parameters, the
// presets that declared those (a batched SPV carries several presets' values, and one
// preset's bad value must not hold back the others); else every preset the RPC served.
std::vector<std::string> PresetRun::culprits(const presets::PlannedRpc& planned,
                                             const cwmp::Fault& fault) const {
  if (fault.set_parameter_values_faults.empty()) return planned.presets;
  std::vector<std::string> out;
  for (const std::string& name : planned.presets) {
    const auto preset = std::find_if(presets_->begin(), presets_->end(),
                                     [&](const presets::Preset& p) { return p.name == name; });
    if (preset == presets_->end()) continue;
    for (const cwmp::SetParameterValuesFault& f : fault.set_parameter_values_faults) {
      if (declares(*preset, f.parameter_name)) {
        out.push_back(name);
        break;
      }
    }
  }
  return out.empty() ? planned.presets : out;
}

void PresetRun::remember_new_listings(const std::set<std::string, std::less<>>& before,
                                      Millis now) {
  std::vector<std::string> added;
  std::set_difference(state_.listed.begin(), state_.listed.end(), before.begin(), before.end(),
                      std::back_inserter(added));
  if (!added.empty()) store_.add_preset_listed_tables(device_id_, added, now);
}

// A Download or Upload the device accepted: its TransferComplete (or, for a Download with
// status 0, the response itself) decides; until then the engine does not send it again.
void PresetRun::remember_transfer(const presets::PlannedRpc& planned, Millis now) {
  std::string key;
  if (const auto* d = std::get_if<cwmp::Download>(&planned.rpc)) key = d->command_key;
  if (const auto* u = std::get_if<cwmp::Upload>(&planned.rpc)) key = u->command_key;
  if (key.empty() || planned.presets.empty()) return;
  const auto it = state_.transfers.find(key);
  if (it == state_.transfers.end()) return;
  store::PresetTransfer t{device_id_, key, planned.presets.front(), it->second, now};
  store_.put_preset_transfer(t);
}

void PresetRun::record_fault(const std::string& preset, std::uint32_t code, std::string message,
                             Millis now) {
  std::optional<presets::PresetFault> previous;
  for (const presets::PresetFault& f : context_.faults) {
    if (f.preset == preset) previous = f;
  }
  presets::PresetFault fault =
      presets::record_fault(previous, preset, device_id_, code, std::move(message), now);
  spdlog::warn("presets: {} preset '{}' fault {} (retry {} in {} s): {}", device_id_, preset,
               fault.code, fault.retries,
               presets::retry_delay(fault.retries, context_.retry) / 1000, fault.message);
  store_.put_preset_fault(fault);
  count(metrics_, "cwmp_preset_faults_total");
  std::erase_if(context_.faults, [&](const presets::PresetFault& f) { return f.preset == preset; });
  context_.faults.push_back(std::move(fault));
  faulted_.insert(preset);
}

// The engine is done: its reports become faults of the presets concerned (a preset that
// fights another, a value that does not stick: the operator sees them in GET /faults and
// the preset waits for its retry instead of fighting every session); presets that ran clean
// lose their old fault.
void PresetRun::finish(Millis now) {
  finished_ = true;
  std::map<std::string, std::string> reported;
  for (const presets::Report& r : progress_.reports) {
    std::string& text = reported[r.preset];
    if (!text.empty()) text += "; ";
    text += std::string(presets::to_string(r.kind)) + (r.path.empty() ? "" : " " + r.path) + ": " +
            r.message;
  }
  for (auto& [preset, text] : reported) {
    if (!preset.empty()) record_fault(preset, 0, std::move(text), now);
  }
  for (const std::string& preset : ran_) {
    if (faulted_.contains(preset)) continue;
    if (had_fault_.contains(preset)) store_.delete_preset_fault(device_id_, preset);
    // A scheduled preset that ran clean waits for its schedule's next time.
    const auto p = std::find_if(presets_->begin(), presets_->end(),
                                [&](const presets::Preset& x) { return x.name == preset; });
    if (p != presets_->end() && p->cron) store_.put_preset_run(device_id_, preset, now);
  }
  if (rpcs_sent_ > 0) {
    spdlog::info("presets: {} {} preset(s) applied with {} RPC(s){}", device_id_, ran_.size(),
                 rpcs_sent_,
                 faulted_.empty() ? "" : ", " + std::to_string(faulted_.size()) + " in fault");
  }
}

std::string complete_preset_transfer(store::Store& store, const std::string& device_id,
                                     const std::string& command_key,
                                     const std::optional<TaskFault>& fault, Millis now,
                                     Metrics* metrics) {
  const std::optional<store::PresetTransfer> transfer =
      store.complete_preset_transfer(device_id, command_key, !fault, now);
  if (!transfer) return {};
  if (fault) {
    std::optional<presets::PresetFault> previous;
    for (presets::PresetFault& f : store.preset_faults(device_id)) {
      if (f.preset == transfer->preset) previous = std::move(f);
    }
    presets::PresetFault record =
        presets::record_fault(previous, transfer->preset, device_id, fault->code,
                              "transfer " + command_key + " failed: " + fault->message, now);
    store.put_preset_fault(record);
    count(metrics, "cwmp_preset_faults_total");
    spdlog::warn("presets: {} preset '{}' transfer '{}' failed with {}: {}", device_id,
                 transfer->preset, command_key, fault->code, fault->message);
  } else {
    spdlog::info("presets: {} preset '{}' transfer '{}' completed", device_id, transfer->preset,
                 command_key);
  }
  return transfer->preset;
}

}  // namespace acs
