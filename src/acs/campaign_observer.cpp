#include "acs/campaign_observer.hpp"

#include <boost/json.hpp>
#include <limits>

#include <spdlog/spdlog.h>

#include "acs/query.hpp"

namespace acs {

namespace json = boost::json;
using campaigns::DeviceState;

namespace {

// A file name in a URL path (RFC 3986 unreserved characters kept).
std::string url_encode(std::string_view text) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto b = static_cast<unsigned char>(c);
    if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 0xF];
    }
  }
  return out;
}

std::string command_key(const std::string& campaign) {
  return "campaign:" + campaign.substr(0, 32 - 9);  // CommandKey is string(32)
}

}  // namespace

CampaignObserver::CampaignObserver(store::Store& store, std::function<std::string()> files_base_url,
                                   Millis recheck)
    : store_(store), files_base_url_(std::move(files_base_url)), recheck_(recheck) {}

CampaignObserver::Snapshot CampaignObserver::current() {
  std::lock_guard lock(mutex_);
  return snapshot_;
}

CampaignObserver::Snapshot CampaignObserver::refresh(Millis now) {
  {
    std::lock_guard lock(mutex_);
    if (snapshot_ && checked_ && now >= *checked_ && now - *checked_ < recheck_) return snapshot_;
  }
  const std::int64_t revision = store_.campaigns_revision();
  {
    std::lock_guard lock(mutex_);
    checked_ = now;
    if (revision == revision_ && snapshot_) return snapshot_;
  }
  auto fresh = std::make_shared<std::vector<Active>>();
  for (const store::StoredCampaign& stored : store_.list_campaigns()) {
    boost::system::error_code ec;
    const json::value body = json::parse(stored.definition, ec);
    auto definition = campaigns::parse_definition(stored.name, ec ? json::value() : body);
    const auto state = campaigns::parse_state(stored.state);
    if (!definition || !state) {
      spdlog::error("campaigns: '{}' is stored in a form this version cannot read; ignored",
                    stored.name);
      continue;
    }
    Active a;
    a.definition = std::move(*definition);
    a.state = *state;
    a.target_version = stored.target_version;
    a.file = store_.get_file(a.definition.file);
    fresh->push_back(std::move(a));
  }
  std::lock_guard lock(mutex_);
  revision_ = revision;
  snapshot_ = std::move(fresh);
  return snapshot_;
}

void CampaignObserver::forget_snapshot() {
  std::lock_guard lock(mutex_);
  checked_.reset();
}

const CampaignObserver::Active* CampaignObserver::find(const Snapshot& snapshot,
                                                       const std::string& name) const {
  if (!snapshot) return nullptr;
  for (const Active& a : *snapshot) {
    if (a.definition.name == name) return &a;
  }
  return nullptr;
}

void CampaignObserver::on_inform(const InformRecord& inform, Millis now) {
  const Snapshot snapshot = refresh(now);
  if (snapshot->empty()) return;
  const std::optional<std::string> version = campaigns::software_version(inform);
  const std::vector<store::CampaignDevice> rows = store_.campaign_devices_of(inform.device_id);
  for (const store::CampaignDevice& row : rows) {
    const Active* campaign = find(snapshot, row.campaign);
    const auto state = campaigns::parse_device_state(row.state);
    if (campaign == nullptr || !state || !version) continue;
    if (auto t =
            campaigns::after_inform(*state, inform.boot(), *version, campaign->target_version)) {
      apply(row, *t, now);
    }
  }
  for (const Active& campaign : *snapshot) {
    if (campaign.state != campaigns::State::kRunning) continue;
    const bool known = std::any_of(rows.begin(), rows.end(), [&](const store::CampaignDevice& r) {
      return r.campaign == campaign.definition.name;
    });
    if (!known) consider_start(campaign, inform, version, now);
  }
}

void CampaignObserver::consider_start(const Active& campaign, const InformRecord& inform,
                                      const std::optional<std::string>& version, Millis now) {
  const campaigns::Definition& d = campaign.definition;
  if (!campaigns::may_start(d, campaign.state, now) || !campaign.file) return;
  if (!selected(campaign, inform.device_id)) return;
  if (!applicable(*campaign.file, inform.device)) {
    // An image for another OUI or product class must never reach this device; the filter
    // selected it, so the operator learns it from a failure (which counts toward the threshold).
    store::CampaignDevice row;
    row.campaign = d.name;
    row.device_id = inform.device_id;
    row.state = std::string(campaigns::to_string(DeviceState::kFailed));
    row.fault_message = "the file is for OUI '" + campaign.file->oui + "' product class '" +
                        campaign.file->product_class + "', the device is " + inform.device.oui +
                        " " + inform.device.product_class + ": not sent";
    row.started = now;
    row.updated = now;
    spdlog::warn("campaigns: '{}' {}: {}", d.name, inform.device_id, row.fault_message);
    if (auto after = store_.add_campaign_device(row)) {
      after_change(d.name, *after, DeviceState::kFailed, now);
    }
    return;
  }
  if (version && *version == campaign.target_version) {
    // Already on the target: confirmed without a download.
    store::CampaignDevice row;
    row.campaign = d.name;
    row.device_id = inform.device_id;
    row.state = std::string(campaigns::to_string(DeviceState::kConfirmed));
    row.started = now;
    row.updated = now;
    if (auto after = store_.add_campaign_device(row)) {
      after_change(d.name, *after, DeviceState::kConfirmed, now);
    }
    return;
  }
  const json::object args = download_args(campaign);
  if (const auto task =
          store_.start_campaign_download(d.name, inform.device_id, args, d.max_concurrent, now)) {
    spdlog::info("campaigns: '{}' started {} (version {} -> {}, task {})", d.name, inform.device_id,
                 version.value_or("?"), campaign.target_version, *task);
  }
}

// The file's applicability (store::FileInfo: empty = any) against the Inform's DeviceId.
bool CampaignObserver::applicable(const store::FileInfo& file, const cwmp::DeviceId& device) {
  return (file.oui.empty() || file.oui == device.oui) &&
         (file.product_class.empty() || file.product_class == device.product_class);
}

bool CampaignObserver::selected(const Active& campaign, const std::string& device_id) {
  json::array both;
  both.push_back(json::object{{"_id", device_id}});
  both.push_back(campaign.definition.filter);
  const json::value conjunction = json::object{{"$and", std::move(both)}};
  auto query = query::parse_query(conjunction);
  if (!query) return false;  // checked when the campaign was stored
  return store_.count_devices(*query) > 0;
}

json::object CampaignObserver::download_args(const Active& campaign) const {
  const store::FileInfo& file = *campaign.file;
  json::object args;
  args["name"] = "download";
  args["file"] = file.name;
  args["url"] = files_base_url_() + "/" + url_encode(file.name);
  args["fileType"] = file.file_type;
  // FileSize is an unsignedInt (TR-069 A.3.2.8); 0 means "not given".
  args["fileSize"] = file.size <= std::numeric_limits<std::uint32_t>::max()
                         ? static_cast<std::int64_t>(file.size)
                         : 0;
  args["targetFileName"] = file.name;
  args["commandKey"] = command_key(campaign.definition.name);
  return args;
}

void CampaignObserver::on_task_ended(std::int64_t task_id, const std::optional<TaskFault>& fault,
                                     Millis now) {
  const Snapshot snapshot = current();
  if (!snapshot || snapshot->empty()) return;
  const std::optional<store::CampaignDevice> row = store_.campaign_device_by_task(task_id);
  if (!row) return;
  const auto state = campaigns::parse_device_state(row->state);
  if (!state) return;
  std::optional<campaigns::Transition> t;
  if (fault) {
    t = campaigns::after_task_fault(*state, *fault);
  } else {
    // DownloadResponse Status 0 (TR-069 A.3.2.8): downloaded and applied, no TransferComplete
    // will follow. Status 1 waits for it.
    const std::optional<Task> task = store_.get_task(task_id);
    const json::object* result = task ? task->result.if_object() : nullptr;
    const json::value* status = result != nullptr ? result->if_contains("status") : nullptr;
    if (status != nullptr && status->is_number() && status->to_number<double>() == 0.0) {
      t = campaigns::after_transfer_complete(*state, std::nullopt);
    }
  }
  if (t) apply(*row, *t, now);
}

void CampaignObserver::on_transfer_complete(const std::string& device_id, const std::string& key,
                                            std::optional<std::int64_t> task_id,
                                            const std::optional<TaskFault>& fault, Millis now) {
  (void)key;
  const Snapshot snapshot = current();
  if (!task_id || !snapshot || snapshot->empty()) return;
  const std::optional<store::CampaignDevice> row = store_.campaign_device_by_task(*task_id);
  if (!row || row->device_id != device_id) return;
  const auto state = campaigns::parse_device_state(row->state);
  if (!state) return;
  if (auto t = campaigns::after_transfer_complete(*state, fault)) apply(*row, *t, now);
}

void CampaignObserver::apply(const store::CampaignDevice& device, const campaigns::Transition& t,
                             Millis now) {
  const std::string to(campaigns::to_string(t.to));
  const std::optional<store::StoredCampaign> after = store_.update_campaign_device(
      device.campaign, device.device_id, {device.state}, to, t.fault_code, t.fault_message, now);
  if (!after) return;  // moved meanwhile (an NBI retry): nothing to do
  if (t.to == DeviceState::kFailed) {
    spdlog::warn("campaigns: '{}' {} failed: {} {}", device.campaign, device.device_id,
                 t.fault_code, t.fault_message);
  } else {
    spdlog::info("campaigns: '{}' {} {}", device.campaign, device.device_id, to);
  }
  after_change(device.campaign, *after, t.to, now);
}

void CampaignObserver::after_change(const std::string& name, const store::StoredCampaign& campaign,
                                    DeviceState to, Millis now) {
  if (campaign.state != campaigns::to_string(campaigns::State::kRunning)) return;
  const Snapshot snapshot = current();  // keeps `active` alive
  const Active* active = find(snapshot, name);
  if (active == nullptr) return;
  const campaigns::Definition& d = active->definition;
  const std::vector<std::string> running = {
      std::string(campaigns::to_string(campaigns::State::kRunning))};
  if (to == DeviceState::kFailed) {
    const auto reason =
        campaigns::pause_reason(d, campaign.finished_since_resume, campaign.failed_since_resume);
    if (reason && store_.set_campaign_state(name, running, "paused", *reason, false, now)) {
      forget_snapshot();
      spdlog::warn("campaigns: '{}' paused: {}", name, *reason);
    }
    return;
  }
  if (to != DeviceState::kConfirmed) return;
  auto filter = query::parse_query(d.filter);
  if (!filter) return;
  const std::uint64_t targeted = store_.count_devices(*filter);
  const std::uint64_t confirmed = store_.campaign_counts(name).confirmed;
  if (!campaigns::is_complete(d, targeted, confirmed)) return;
  const std::string reason = std::to_string(confirmed) + " of " + std::to_string(targeted) +
                             " targeted devices confirmed on " + active->target_version;
  if (store_.set_campaign_state(name, running, "completed", reason, false, now)) {
    forget_snapshot();
    spdlog::info("campaigns: '{}' completed: {}", name, reason);
  }
}

}  // namespace acs
