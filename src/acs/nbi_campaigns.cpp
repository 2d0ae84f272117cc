// The NBI's /campaigns endpoint (docs/campaigns.md): firmware campaigns, defined here and run
// by the CampaignObserver (campaign_observer.hpp) in the devices' sessions.
//
//   GET    /campaigns                              every campaign with its counts
//   PUT    /campaigns/<name>                       create or replace the definition
//   GET    /campaigns/<name>                       definition, state, reason, counts
//   DELETE /campaigns/<name>
//   GET    /campaigns/<name>/devices[?state=S]     per-device progress (skip/limit/sort)
//   POST   /campaigns/<name>/pause | /resume
//   POST   /campaigns/<name>/devices/<id>/retry    a failed device back to pending
#include "acs/campaigns.hpp"
#include "acs/nbi_impl.hpp"

namespace acs {

namespace {

namespace cp = campaigns;

constexpr std::string_view kFirmwareType = "1 Firmware Upgrade Image";
constexpr std::size_t kInChunk = 1000;  // query::kMaxInValues

[[noreturn]] void conflict(std::string message) {
  throw ApiError(http::status::conflict, std::move(message));
}

json::object definition_of(const store::StoredCampaign& stored) {
  boost::system::error_code ec;
  json::value v = json::parse(stored.definition, ec);
  return !ec && v.is_object() ? std::move(v.get_object()) : json::object();
}

// The devices the filter selects, and how many of them have started (have a row).
struct Reach {
  std::uint64_t targeted = 0;
  std::uint64_t started = 0;
};

Reach reach(store::Store& store, const json::value& filter,
            const std::vector<store::CampaignDevice>& rows) {
  Reach r;
  auto query = query::parse_query(filter);
  if (!query) return r;
  r.targeted = store.count_devices(*query);
  for (std::size_t at = 0; at < rows.size(); at += kInChunk) {
    json::array ids;
    for (std::size_t i = at; i < rows.size() && i < at + kInChunk; ++i) {
      ids.push_back(json::string(rows[i].device_id));
    }
    json::array both{filter, json::object{{"_id", json::object{{"$in", std::move(ids)}}}}};
    auto chunk = query::parse_query(json::object{{"$and", std::move(both)}});
    if (chunk) r.started += store.count_devices(*chunk);
  }
  return r;
}

json::object campaign_json(store::Store& store, const store::StoredCampaign& c) {
  json::object o{{"name", c.name}};
  for (auto& kv : definition_of(c)) o[kv.key()] = kv.value();
  o["targetVersion"] = c.target_version;
  o["state"] = c.state;
  o["reason"] = c.reason;
  o["created"] = iso_time(c.created);
  o["updated"] = iso_time(c.updated);
  const std::vector<store::CampaignDevice> rows = store.list_campaign_devices(c.name, "");
  const json::value filter = o.contains("filter") ? o["filter"] : json::value(json::object());
  const Reach r = reach(store, filter, rows);
  const store::CampaignCounts counts = store.campaign_counts(c.name);
  o["counts"] = json::object{{"targeted", r.targeted},
                             {"pending", r.targeted - std::min(r.targeted, r.started)},
                             {"downloading", counts.downloading},
                             {"applied", counts.applied},
                             {"confirmed", counts.confirmed},
                             {"failed", counts.failed}};
  o["sinceResume"] =
      json::object{{"finished", c.finished_since_resume}, {"failed", c.failed_since_resume}};
  o["maxInFlight"] = c.max_in_flight;
  return o;
}

json::object device_json(const store::CampaignDevice& d) {
  json::object o{{"_id", d.device_id},
                 {"device", d.device_id},
                 {"state", d.state},
                 {"started", iso_time(d.started)},
                 {"updated", iso_time(d.updated)}};
  if (d.task_id != 0) o["task"] = std::to_string(d.task_id);
  if (d.state == "failed") {
    o["fault"] = json::object{{"code", d.fault_code}, {"message", d.fault_message}};
  }
  return o;
}

// After a resume or a new filter: a running campaign whose success threshold is already met
// completes now (no device event would come to complete it).
void settle(store::Store& store, const std::string& name, Millis now) {
  const std::optional<store::StoredCampaign> c = store.get_campaign(name);
  if (!c || c->state != "running") return;
  auto definition = cp::parse_definition(name, json::value(definition_of(*c)));
  if (!definition) return;
  auto query = query::parse_query(definition->filter);
  if (!query) return;
  const std::uint64_t targeted = store.count_devices(*query);
  const std::uint64_t confirmed = store.campaign_counts(name).confirmed;
  if (!cp::is_complete(*definition, targeted, confirmed)) return;
  store.set_campaign_state(name, {"running"}, "completed",
                           std::to_string(confirmed) + " of " + std::to_string(targeted) +
                               " targeted devices confirmed on " + c->target_version,
                           false, now);
}

}  // namespace

asio::awaitable<net::Response> Nbi::Impl::campaigns(net::Request& request, const Target& target) {
  const auto& s = target.segments;
  const Millis now = options.clock();
  if (s.size() == 1) {
    require_method(request, {http::verb::get});
    json::array out = co_await on_store([this] {
      json::array list;
      for (const store::StoredCampaign& c : store.list_campaigns()) {
        list.push_back(campaign_json(store, c));
      }
      return list;
    });
    co_return json_response(request, http::status::ok, out);
  }
  const std::string name = s[1];
  if (!cp::valid_name(name)) {
    bad_request("a campaign name has 1 to 128 bytes, no '/' or control characters");
  }
  if (s.size() == 2) {
    require_method(request, {http::verb::get, http::verb::put, http::verb::delete_});
    if (request.method() == http::verb::delete_) {
      const bool deleted = co_await on_store([&] { return store.delete_campaign(name); });
      if (!deleted) not_found("no such campaign: " + name);
      co_return json_response(request, http::status::ok, json::object{{"deleted", name}});
    }
    if (request.method() == http::verb::get) {
      json::object doc = co_await on_store([&] {
        const std::optional<store::StoredCampaign> c = store.get_campaign(name);
        if (!c) not_found("no such campaign: " + name);
        return campaign_json(store, *c);
      });
      co_return json_response(request, http::status::ok, doc);
    }
    const json::object body = parse_json_body(request);
    auto parsed = cp::parse_definition(name, json::value(body));
    if (!parsed) bad_request(parsed.error().to_string());
    const cp::Definition definition = std::move(*parsed);
    std::pair<bool, json::object> put = co_await on_store([&] {
      const std::optional<store::FileInfo> file = files.get(definition.file);
      if (!file) bad_request("/file: no such file: " + definition.file);
      if (file->file_type != kFirmwareType) {
        bad_request("/file: its fileType is '" + file->file_type + "', not '" +
                    std::string(kFirmwareType) + "'");
      }
      if (file->version.empty()) bad_request("/file: the file has no version (PUT it with one)");
      const std::optional<store::StoredCampaign> old = store.get_campaign(name);
      store::StoredCampaign c;
      c.name = name;
      c.definition = json::serialize(cp::to_json(definition));
      c.target_version = file->version;
      c.created = old ? old->created : now;
      c.updated = now;
      // Another file or version is another rollout: progress starts afresh.
      const json::object old_definition = old ? definition_of(*old) : json::object();
      const json::value* old_file = old_definition.if_contains("file");
      const bool keep = old && old->target_version == file->version && old_file != nullptr &&
                        *old_file == json::value(definition.file);
      store.put_campaign(c, keep);
      settle(store, name, now);
      return std::pair{old.has_value(), campaign_json(store, *store.get_campaign(name))};
    });
    co_return json_response(request, put.first ? http::status::ok : http::status::created,
                            put.second);
  }
  if (s.size() == 3 && s[2] == "devices") {
    require_method(request, {http::verb::get});
    const Paging paging = parse_paging(target);
    std::string state;
    if (const std::string* p = target.param("state")) {
      if (!cp::parse_device_state(*p) || *p == "pending") {
        bad_request("state must be downloading, applied, confirmed or failed");
      }
      state = *p;
    }
    std::vector<json::object> docs = co_await on_store([&] {
      if (!store.get_campaign(name)) not_found("no such campaign: " + name);
      std::vector<json::object> out;
      for (const store::CampaignDevice& d : store.list_campaign_devices(name, state)) {
        out.push_back(device_json(d));
      }
      return out;
    });
    co_return page_response(request, paginate(std::move(docs), paging), false);
  }
  if (s.size() == 3 && (s[2] == "pause" || s[2] == "resume")) {
    require_method(request, {http::verb::post});
    const bool pause = s[2] == "pause";
    json::object doc = co_await on_store([&] {
      if (!store.get_campaign(name)) not_found("no such campaign: " + name);
      const bool moved = pause
                             ? store.set_campaign_state(name, {"running"}, "paused",
                                                        "paused through the NBI", false, now)
                             : store.set_campaign_state(name, {"paused"}, "running", "", true, now);
      if (!moved)
        conflict(pause ? "only a running campaign can be paused"
                       : "only a paused campaign can be resumed");
      if (!pause) settle(store, name, now);
      return campaign_json(store, *store.get_campaign(name));
    });
    co_return json_response(request, http::status::ok, doc);
  }
  if (s.size() == 5 && s[2] == "devices" && s[4] == "retry") {
    require_method(request, {http::verb::post});
    const std::string& device = s[3];
    co_await on_store([&] {
      if (!store.get_campaign(name)) not_found("no such campaign: " + name);
      if (!store.retry_campaign_device(name, device)) {
        conflict("only a failed device can be retried");
      }
      return true;
    });
    co_return json_response(request, http::status::ok,
                            json::object{{"device", device}, {"state", "pending"}});
  }
  not_found("no such endpoint");
}

}  // namespace acs
