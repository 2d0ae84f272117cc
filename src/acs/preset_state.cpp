// Presets: the device state the engine reasons on, built from a store document, turned into a
// query document, and updated from the CPE's answers (learn).
#include <algorithm>
#include <utility>

#include <boost/json.hpp>

#include "acs/presets.hpp"
#include "acs/task_rpc.hpp"
#include "cwmp/parameter_path.hpp"
#include "cwmp/values.hpp"

namespace acs::presets {

namespace json = boost::json;

namespace {

json::object& child_object(json::object& node, std::string_view segment) {
  json::value& child = node[segment];
  if (!child.is_object()) child = json::object{{"_object", true}};
  return child.get_object();
}

// Removes `prefix` and everything under it.
void erase_subtree(DeviceState& state, std::string_view prefix) {
  auto it = state.parameters.lower_bound(prefix);
  while (it != state.parameters.end() && it->first.starts_with(prefix)) {
    it = state.parameters.erase(it);
  }
  auto lt = state.listed.lower_bound(prefix);
  while (lt != state.listed.end() && lt->starts_with(prefix)) lt = state.listed.erase(lt);
}

void walk_document(const json::object& node, std::string& path, DeviceState& state, bool complete) {
  for (const auto& kv : node) {
    if (kv.key().starts_with("_") || !kv.value().is_object()) continue;
    const json::object& child = kv.value().get_object();
    const std::size_t size = path.size();
    path.append(kv.key());
    if (const json::value* v = child.if_contains("_value"); v != nullptr && !v->is_null()) {
      KnownParameter& p = state.parameters[path];
      if (v->is_string()) {
        p.value = std::string(v->get_string());
      } else if (v->is_bool()) {
        p.value = v->get_bool() ? "true" : "false";
      } else {
        p.value = json::serialize(*v);
      }
      if (const json::value* t = child.if_contains("_type"); t && t->is_string()) {
        p.type = cwmp::value_type_from_xsi(t->get_string());
      }
      if (const json::value* w = child.if_contains("_writable"); w && w->is_bool()) {
        p.writable = w->get_bool();
      }
      if (const json::value* t = child.if_contains("_timestamp"); t && t->is_string()) {
        p.timestamp = query::parse_time_ms(t->get_string()).value_or(0);
      }
      if (const json::value* n = child.if_contains("_notification"); n && n->is_int64()) {
        p.notification = static_cast<std::int32_t>(n->get_int64());
      }
      if (const json::value* a = child.if_contains("_accessList"); a && a->is_array()) {
        std::vector<std::string> list;
        for (const json::value& e : a->get_array()) {
          if (e.is_string()) list.emplace_back(e.get_string());
        }
        p.access_list = std::move(list);
      }
    } else {
      path.push_back('.');
      KnownParameter& o = state.parameters[path];
      if (const json::value* w = child.if_contains("_writable"); w && w->is_bool()) {
        o.writable = w->get_bool();
      }
      if (complete) state.listed.insert(path);
      walk_document(child, path, state, complete);
    }
    path.resize(size);
  }
}

}  // namespace

boost::json::object query_document(const DeviceState& state) {
  json::object doc = state.identity;
  for (const auto& [path, p] : state.parameters) {
    if (!p.value || path.empty() || path.back() == '.') continue;
    json::object* node = &doc;
    std::size_t start = 0;
    std::size_t dot = path.find('.');
    while (dot != std::string::npos) {
      node = &child_object(*node, std::string_view(path).substr(start, dot - start));
      start = dot + 1;
      dot = path.find('.', start);
    }
    json::object leaf{{"_value", *p.value}};
    leaf["_type"] = cwmp::xsi_type_name(p.type.value_or(cwmp::ValueType::kString));
    (*node)[std::string_view(path).substr(start)] = std::move(leaf);
  }
  return doc;
}

DeviceState state_from_document(const boost::json::object& document, bool complete) {
  DeviceState state;
  for (const auto& kv : document) {
    if (kv.key().starts_with("_")) state.identity[kv.key()] = kv.value();
  }
  std::string path;
  walk_document(document, path, state, complete);
  return state;
}

namespace {

void learn_values(DeviceState& state, const std::vector<cwmp::ParameterValue>& list, Millis now) {
  for (const cwmp::ParameterValue& pv : list) {
    KnownParameter& p = state.parameters[pv.name];
    p.timestamp = now;
    // A CPE reads passwords back as "" (TR-069 A.3.2.2): keep the value the ACS set.
    if (pv.value.empty() && p.value && is_hidden_parameter(pv.name)) continue;
    p.value = pv.value;
    p.type = pv.type;
  }
}

void learn_names(DeviceState& state, const cwmp::GetParameterNames& request,
                 const cwmp::GetParameterNamesResponse& response) {
  const std::string& base = request.parameter_path;
  if (request.next_level && cwmp::is_partial_path(base)) {
    // The answer lists every direct child: forget instances the device no longer has.
    std::set<std::string> present;
    for (const cwmp::ParameterInfo& info : response.parameter_list) present.insert(info.name);
    for (std::uint32_t n : instances_of(state, base)) {
      const std::string instance = base + std::to_string(n) + ".";
      if (!present.contains(instance)) erase_subtree(state, instance);
    }
  }
  if (cwmp::is_partial_path(base)) state.listed.insert(base);
  for (const cwmp::ParameterInfo& info : response.parameter_list) {
    state.parameters[info.name].writable = info.writable;
    // A full listing (NextLevel false) names every object under the base with its children.
    if (!request.next_level && cwmp::is_partial_path(info.name)) state.listed.insert(info.name);
  }
}

}  // namespace

void learn(DeviceState& state, const cwmp::Body& request, const cwmp::Body& response, Millis now) {
  if (std::holds_alternative<cwmp::Fault>(response)) return;
  if (const auto* r = std::get_if<cwmp::GetParameterValuesResponse>(&response)) {
    learn_values(state, r->parameter_list, now);
  } else if (const auto* r2 = std::get_if<cwmp::GetParameterNamesResponse>(&response)) {
    if (const auto* q = std::get_if<cwmp::GetParameterNames>(&request)) learn_names(state, *q, *r2);
  } else if (std::holds_alternative<cwmp::SetParameterValuesResponse>(response)) {
    const auto* q = std::get_if<cwmp::SetParameterValues>(&request);
    if (q == nullptr) return;
    for (const cwmp::ParameterValue& pv : q->parameter_list) {
      KnownParameter& p = state.parameters[pv.name];
      p.type = pv.type;
      if (is_hidden_parameter(pv.name)) {
        p.value = pv.value;  // cannot be read back; trust the CPE's acceptance
      } else {
        p.value.reset();  // read it back: a value that does not stick shows then
      }
    }
  } else if (const auto* r3 = std::get_if<cwmp::GetParameterAttributesResponse>(&response)) {
    for (const cwmp::ParameterAttribute& a : r3->parameter_list) {
      KnownParameter& p = state.parameters[a.name];
      p.notification = a.notification;
      p.access_list = a.access_list;
    }
  } else if (std::holds_alternative<cwmp::SetParameterAttributesResponse>(response)) {
    const auto* q = std::get_if<cwmp::SetParameterAttributes>(&request);
    if (q == nullptr) return;
    for (const cwmp::SetParameterAttributesStruct& s : q->parameter_list) {
      KnownParameter& p = state.parameters[s.name];
      if (s.notification_change) p.notification = s.notification;
      if (s.access_list_change) p.access_list = s.access_list;
    }
  } else if (const auto* r4 = std::get_if<cwmp::AddObjectResponse>(&response)) {
    if (const auto* q = std::get_if<cwmp::AddObject>(&request)) {
      state.parameters[q->object_name + std::to_string(r4->instance_number) + "."];
    }
  } else if (std::holds_alternative<cwmp::DeleteObjectResponse>(response)) {
    if (const auto* q = std::get_if<cwmp::DeleteObject>(&request)) {
      erase_subtree(state, q->object_name);
    }
  } else if (const auto* r5 = std::get_if<cwmp::DownloadResponse>(&response)) {
    if (const auto* q = std::get_if<cwmp::Download>(&request)) {
      // Status 0: downloaded and applied before the response (TR-069 A.3.2.8).
      state.transfers[q->command_key] =
          r5->status == 0 ? TransferStatus::kCompleted : TransferStatus::kPending;
    }
  } else if (std::holds_alternative<cwmp::UploadResponse>(response)) {
    if (const auto* q = std::get_if<cwmp::Upload>(&request)) {
      state.transfers[q->command_key] = TransferStatus::kPending;
    }
  }
}

std::vector<std::uint32_t> instances_of(const DeviceState& state, std::string_view table) {
  std::vector<std::uint32_t> out;
  for (auto it = state.parameters.lower_bound(table);
       it != state.parameters.end() && it->first.starts_with(table); ++it) {
    const std::string_view rest = std::string_view(it->first).substr(table.size());
    const std::size_t dot = rest.find('.');
    if (dot == std::string_view::npos) continue;
    if (auto n = cwmp::parse_instance_number(rest.substr(0, dot))) {
      if (out.empty() || out.back() != *n) out.push_back(*n);
    }
  }
  // Map order is textual ("10." before "2."): sort numerically, drop repeats.
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<std::string> expand_wildcards(std::string_view pattern, const DeviceState& state,
                                          std::vector<std::string>* unlisted) {
  std::vector<std::string> prefixes{""};
  std::size_t start = 0;
  while (start <= pattern.size()) {
    const std::size_t dot = pattern.find('.', start);
    const bool last = dot == std::string_view::npos;
    const std::string_view segment = pattern.substr(start, last ? pattern.npos : dot - start);
    std::vector<std::string> next;
    for (const std::string& prefix : prefixes) {
      if (segment == "*") {
        if (!state.listed.contains(prefix)) {
          if (unlisted != nullptr) unlisted->push_back(prefix);
          continue;
        }
        for (std::uint32_t n : instances_of(state, prefix)) {
          if (next.size() >= kMaxExpandedPaths) break;
          next.push_back(prefix + std::to_string(n) + (last ? "" : "."));
        }
      } else {
        next.push_back(prefix + std::string(segment) + (last ? "" : "."));
      }
    }
    prefixes = std::move(next);
    if (last) break;
    start = dot + 1;
  }
  return prefixes;
}

}  // namespace acs::presets
