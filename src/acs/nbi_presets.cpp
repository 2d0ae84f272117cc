// The NBI's /presets endpoint and the preset faults of /faults (docs/presets.md).
#include "acs/presets.hpp"

#include "acs/nbi_impl.hpp"

namespace acs {

namespace nbi_http {

namespace {

constexpr std::string_view kPresetChannel = "preset_";

json::object preset_document(const store::StoredPreset& stored) {
  json::object d;
  if (auto preset = presets::parse_preset_text(stored.json, stored.name)) {
    d = presets::to_json(*preset);
  } else {
    // Stored by a version that accepted it; shown as stored, with why it no longer runs.
    d["name"] = stored.name;
    d["error"] = preset.error().to_string();
  }
  d["_id"] = stored.name;
  d["updated"] = iso_time(stored.updated);
  return d;
}

}  // namespace

json::object preset_fault_json(const presets::PresetFault& fault) {
  const std::string channel = std::string(kPresetChannel) + fault.preset;
  json::object out;
  out["_id"] = fault.device_id + ":" + channel;
  out["device"] = fault.device_id;
  out["channel"] = channel;
  out["preset"] = fault.preset;
  out["timestamp"] = iso_time(fault.timestamp);
  // CPE faults as GenieACS names them; code 0 is the engine's own report (a conflict, a value
  // that does not stick, ...), its kind first in the message.
  out["code"] =
      fault.code == 0 ? std::string("preset.report") : "cwmp." + std::to_string(fault.code);
  out["message"] = fault.message;
  out["retries"] = fault.retries;
  out["retryAfter"] = iso_time(fault.timestamp + presets::retry_delay(fault.retries));
  return out;
}

std::optional<PresetFaultId> parse_preset_fault_id(std::string_view id) {
  const std::string marker = ":" + std::string(kPresetChannel);
  const std::size_t at = id.rfind(marker);
  if (at == std::string_view::npos || at == 0) return std::nullopt;
  PresetFaultId out{std::string(id.substr(0, at)), std::string(id.substr(at + marker.size()))};
  if (!presets::valid_preset_name(out.preset)) return std::nullopt;
  return out;
}

}  // namespace nbi_http

asio::awaitable<net::Response> Nbi::Impl::presets(net::Request& request, const Target& target) {
  const auto& s = target.segments;
  if (s.size() == 1) {
    require_method(request, {http::verb::get, http::verb::head});
    const DocFilter filter = parse_filter(target);
    const Paging paging = parse_paging(target);
    Page page = co_await on_store([&] {
      std::vector<json::object> documents;
      for (const store::StoredPreset& stored : store.list_presets()) {
        json::object d = preset_document(stored);
        if (filter.matches(d)) documents.push_back(std::move(d));
      }
      return paginate(std::move(documents), paging);
    });
    co_return page_response(request, page, request.method() == http::verb::head);
  }
  if (s.size() != 2) not_found("no such endpoint");
  const std::string& name = s[1];
  if (!presets::valid_preset_name(name)) {
    bad_request("a preset name is 1 to 128 letters, digits, spaces, '_', '.' or '-'");
  }
  require_method(request, {http::verb::get, http::verb::put, http::verb::delete_});
  if (request.method() == http::verb::get) {
    auto stored = co_await on_store([&] { return store.get_preset(name); });
    if (!stored) not_found("no such preset");
    co_return json_response(request, http::status::ok, preset_document(*stored));
  }
  if (request.method() == http::verb::delete_) {
    const bool deleted = co_await on_store([&] { return store.delete_preset(name); });
    if (!deleted) not_found("no such preset");
    spdlog::info("nbi: preset '{}' deleted", name);
    co_return json_response(request, http::status::ok, json::object{{"deleted", name}});
  }
  if (request.body().size() > presets::kMaxPresetJsonBytes) {
    throw ApiError(http::status::payload_too_large, "a preset is at most 256 KiB of JSON");
  }
  auto parsed = presets::parse_preset_text(request.body(), name);
  if (!parsed) bad_request("invalid preset: " + parsed.error().to_string());
  store::StoredPreset stored{name, json::serialize(presets::to_json(*parsed)), options.clock()};
  const bool created = co_await on_store([&] {
    const bool existed = store.get_preset(name).has_value();
    store.put_preset(stored);
    return !existed;
  });
  spdlog::info("nbi: preset '{}' {}", name, created ? "created" : "replaced");
  co_return json_response(request, created ? http::status::created : http::status::ok,
                          preset_document(stored));
}

}  // namespace acs
