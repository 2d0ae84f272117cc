#include "data_model.hpp"

#include <algorithm>
#include <set>

#include "cwmp/faults.hpp"
#include "cwmp/parameter_path.hpp"

namespace scripted_cpe {

namespace {

// A bound on the tree, so that a loop of AddObject cannot eat the host's memory.
constexpr std::size_t kMaxNodes = 2'000'000;

// Splits off the next segment of `path` at `pos` (no allocation); false at the end.
bool next_segment(std::string_view path, std::size_t& pos, std::string_view& segment) {
  if (pos >= path.size()) return false;
  std::size_t dot = path.find('.', pos);
  if (dot == std::string_view::npos) dot = path.size();
  segment = path.substr(pos, dot - pos);
  pos = dot + 1;
  return true;
}

cwmp::Fault fault(std::uint32_t code, std::string message) {
  return cwmp::Fault::make(code, std::move(message));
}

// Instance wildcards and aliases are not supported: the model has neither
// ManagementServer.InstanceWildcardsSupported nor AliasBasedAddressing, so such a path is
// an invalid name (9005).
cwmp::PathRules rules(cwmp::PathKind kind) {
  cwmp::PathRules r;
  r.allow_wildcards = false;
  r.allow_aliases = false;
  r.kind = kind;
  return r;
}

bool is_integer(cwmp::ValueType t) {
  return t == cwmp::ValueType::kInt || t == cwmp::ValueType::kUnsignedInt ||
         t == cwmp::ValueType::kLong || t == cwmp::ValueType::kUnsignedLong;
}

// The per-parameter fault of an SPV entry for `node`, 0 when the value is acceptable.
std::uint32_t value_fault(const Node& node, const cwmp::ParameterValue& p) {
  if (!type_compatible(p.type, node.type, p.value)) return cwmp::fault::kInvalidParameterType;
  if (!cwmp::is_valid_value(node.type, p.value)) return cwmp::fault::kInvalidParameterValue;
  if (node.max_length != 0 && p.value.size() > node.max_length) {
    return cwmp::fault::kInvalidParameterValue;
  }
  if (node.min || node.max) {
    const auto v = cwmp::parse_unsigned_long(p.value);
    if (!v || (node.min && *v < *node.min) || (node.max && *v > *node.max)) {
      return cwmp::fault::kInvalidParameterValue;
    }
  }
  if (node.check && !node.check(p.value)) return cwmp::fault::kInvalidParameterValue;
  return 0;
}

}  // namespace

bool PathLess::operator()(std::string_view a, std::string_view b) const {
  std::size_t i = 0;
  std::size_t j = 0;
  std::string_view sa;
  std::string_view sb;
  for (;;) {
    const bool more_a = next_segment(a, i, sa);
    const bool more_b = next_segment(b, j, sb);
    if (!more_a || !more_b) return !more_a && more_b;  // an ancestor sorts first
    if (sa == sb) continue;
    const auto na = cwmp::parse_instance_number(sa);
    const auto nb = cwmp::parse_instance_number(sb);
    if (na && nb) return *na < *nb;
    if (na || nb) return na.has_value();  // instances before names (never siblings anyway)
    return sa < sb;
  }
}

bool type_compatible(cwmp::ValueType given, cwmp::ValueType declared, std::string_view value) {
  if (given == declared || given == cwmp::ValueType::kUnspecified) return true;
  return is_integer(given) && is_integer(declared) && cwmp::is_valid_value(declared, value);
}

// --- building -------------------------------------------------------------------------

void DataModel::add_object(std::string path, bool writable) {
  Node n;
  n.is_object = true;
  n.writable = writable;
  nodes_.insert_or_assign(std::move(path), std::move(n));
}

void DataModel::add_table(std::string path, bool writable, std::string count_parameter) {
  Node n;
  n.is_object = true;
  n.writable = writable;
  n.table = true;
  n.count_parameter = std::move(count_parameter);
  nodes_.insert_or_assign(std::move(path), std::move(n));
}

void DataModel::add_parameter(std::string name, Node node) {
  node.is_object = false;
  nodes_.insert_or_assign(std::move(name), std::move(node));
}

void DataModel::finish() {
  templates_.clear();
  std::vector<std::string> tables;
  for (const auto& [path, node] : nodes_) {
    if (node.is_object && node.table) tables.push_back(path);
  }
  for (const std::string& table : tables) {
    const std::size_t depth = cwmp::segment_count(table) + 1;
    std::string first_instance;
    std::uint32_t highest = 0;
    auto [begin, end] = subtree(table);
    for (auto it = begin; it != end; ++it) {
      if (!it->second.is_object || cwmp::segment_count(it->first) != depth) continue;
      const auto n = cwmp::parse_instance_number(cwmp::last_segment(it->first));
      if (!n) continue;
      if (first_instance.empty()) first_instance = it->first;
      highest = std::max(highest, *n);
      it->second.writable = nodes_.find(table)->second.writable;
    }
    InstanceTemplate tmpl;
    if (!first_instance.empty()) {
      auto [ib, ie] = subtree(first_instance);
      for (auto it = ib; it != ie; ++it) {
        if (it->first == first_instance) continue;
        tmpl.emplace_back(it->first.substr(first_instance.size()), it->second);
      }
    }
    templates_[table] = std::move(tmpl);
    nodes_.find(table)->second.next_instance = highest + 1;
    update_count(table);
  }
}

// --- direct access ----------------------------------------------------------------------

const Node* DataModel::find(std::string_view path) const {
  const auto it = nodes_.find(path);
  return it == nodes_.end() ? nullptr : &it->second;
}

std::optional<std::string> DataModel::value(std::string_view name) const {
  const Node* n = find(name);
  if (n == nullptr || n->is_object) return std::nullopt;
  return n->value;
}

bool DataModel::set_value(std::string_view name, std::string value) {
  const auto it = nodes_.find(name);
  if (it == nodes_.end() || it->second.is_object) return false;
  it->second.value = std::move(value);
  return true;
}

std::vector<std::pair<std::string, const Node*>> DataModel::parameters(
    std::string_view prefix) const {
  std::vector<std::pair<std::string, const Node*>> out;
  auto [begin, end] = subtree(prefix);
  for (auto it = begin; it != end; ++it) {
    if (!it->second.is_object) out.emplace_back(it->first, &it->second);
  }
  return out;
}

std::size_t DataModel::parameter_count() const {
  return static_cast<std::size_t>(std::count_if(
      nodes_.begin(), nodes_.end(), [](const auto& entry) { return !entry.second.is_object; }));
}

std::pair<DataModel::Map::const_iterator, DataModel::Map::const_iterator> DataModel::subtree(
    std::string_view prefix) const {
  if (prefix.empty()) return {nodes_.begin(), nodes_.end()};
  auto first = nodes_.lower_bound(prefix);
  auto last = first;
  while (last != nodes_.end() && cwmp::is_under(last->first, prefix)) ++last;
  return {first, last};
}

std::pair<DataModel::Map::iterator, DataModel::Map::iterator> DataModel::subtree(
    std::string_view prefix) {
  if (prefix.empty()) return {nodes_.begin(), nodes_.end()};
  auto first = nodes_.lower_bound(prefix);
  auto last = first;
  while (last != nodes_.end() && cwmp::is_under(last->first, prefix)) ++last;
  return {first, last};
}

std::optional<std::vector<DataModel::Map::const_iterator>> DataModel::select(
    std::string_view name) const {
  if (cwmp::validate_path(name, rules(cwmp::PathKind::kAny)) != cwmp::PathError::kNone) {
    return std::nullopt;
  }
  std::vector<Map::const_iterator> out;
  if (!cwmp::is_partial_path(name)) {
    const auto it = nodes_.find(name);
    if (it == nodes_.end() || it->second.is_object) return std::nullopt;
    out.push_back(it);
    return out;
  }
  if (!name.empty()) {
    const Node* object = find(name);
    if (object == nullptr || !object->is_object) return std::nullopt;
  }
  auto [begin, end] = subtree(name);
  for (auto it = begin; it != end; ++it) {
    if (!it->second.is_object) out.push_back(it);
  }
  return out;
}

void DataModel::update_count(const std::string& table_path) {
  const auto table = nodes_.find(table_path);
  if (table == nodes_.end() || table->second.count_parameter.empty()) return;
  const std::size_t depth = cwmp::segment_count(table_path) + 1;
  std::uint64_t count = 0;
  auto [begin, end] = subtree(table_path);
  for (auto it = begin; it != end; ++it) {
    if (it->second.is_object && cwmp::segment_count(it->first) == depth) ++count;
  }
  set_value(table->second.count_parameter, std::to_string(count));
}

// --- RPC semantics ----------------------------------------------------------------------

RpcResult<cwmp::GetParameterValuesResponse> DataModel::get_values(
    const cwmp::GetParameterValues& m) const {
  cwmp::GetParameterValuesResponse r;
  for (const std::string& name : m.parameter_names) {
    auto selected = select(name);
    if (!selected) return fault(cwmp::fault::kInvalidParameterName, "no such parameter: " + name);
    for (const auto& it : *selected) {
      const Node& n = it->second;
      r.parameter_list.push_back({it->first, n.hidden ? std::string() : n.value, n.type});
    }
  }
  return r;
}

// TR-069 A.3.2.1: all or nothing. Every bad entry is reported in one fault 9003 with a
// SetParameterValuesFault per parameter; nothing is applied then.
RpcResult<cwmp::SetParameterValuesResponse> DataModel::set_values(
    const cwmp::SetParameterValues& m) {
  std::vector<cwmp::SetParameterValuesFault> faults;
  std::set<std::string_view> seen;
  for (const cwmp::ParameterValue& p : m.parameter_list) {
    if (!seen.insert(p.name).second) {
      return fault(cwmp::fault::kInvalidArguments, p.name + " is set twice");
    }
    const auto it = nodes_.find(p.name);
    std::uint32_t code = 0;
    if (it == nodes_.end() || it->second.is_object) {
      code = cwmp::fault::kInvalidParameterName;
    } else if (!it->second.writable) {
      code = cwmp::fault::kNonWritableParameter;
    } else {
      code = value_fault(it->second, p);
    }
    if (code != 0) faults.push_back({p.name, code, std::string(cwmp::fault_text(code))});
  }
  if (!faults.empty()) {
    cwmp::Fault f = fault(cwmp::fault::kInvalidArguments, "SetParameterValues refused");
    f.set_parameter_values_faults = std::move(faults);
    return f;
  }
  for (const cwmp::ParameterValue& p : m.parameter_list) set_value(p.name, p.value);
  set_value(parameter_key_path_, m.parameter_key);
  return cwmp::SetParameterValuesResponse{0};
}

// TR-069 A.3.2.3 (CWMP-FACTS §7.2): a full name lists itself (NextLevel must be false); a
// partial path lists itself and everything below it, or with NextLevel only its direct
// children; "" with NextLevel lists the root object.
RpcResult<cwmp::GetParameterNamesResponse> DataModel::get_names(
    const cwmp::GetParameterNames& m) const {
  const std::string& path = m.parameter_path;
  if (cwmp::validate_path(path, rules(cwmp::PathKind::kAny)) != cwmp::PathError::kNone) {
    return fault(cwmp::fault::kInvalidParameterName, "invalid path: " + path);
  }
  cwmp::GetParameterNamesResponse r;
  if (!cwmp::is_partial_path(path)) {
    const Node* n = find(path);
    if (n == nullptr || n->is_object) {
      return fault(cwmp::fault::kInvalidParameterName, "no such parameter: " + path);
    }
    if (m.next_level) {
      return fault(cwmp::fault::kInvalidArguments, "NextLevel true with a parameter name");
    }
    r.parameter_list.push_back({path, n->writable});
    return r;
  }
  if (!path.empty()) {
    const Node* n = find(path);
    if (n == nullptr || !n->is_object) {
      return fault(cwmp::fault::kInvalidParameterName, "no such object: " + path);
    }
  }
  const std::size_t child_depth = cwmp::segment_count(path) + 1;
  auto [begin, end] = subtree(path);
  for (auto it = begin; it != end; ++it) {
    if (m.next_level && cwmp::segment_count(it->first) != child_depth) continue;
    r.parameter_list.push_back({it->first, it->second.writable});
  }
  return r;
}

RpcResult<cwmp::GetParameterAttributesResponse> DataModel::get_attributes(
    const cwmp::GetParameterAttributes& m) const {
  cwmp::GetParameterAttributesResponse r;
  for (const std::string& name : m.parameter_names) {
    auto selected = select(name);
    if (!selected) return fault(cwmp::fault::kInvalidParameterName, "no such parameter: " + name);
    for (const auto& it : *selected) {
      r.parameter_list.push_back({it->first, it->second.notification, it->second.access_list});
    }
  }
  return r;
}

// All or nothing, like SPV. A partial path applies to every parameter below it.
RpcResult<cwmp::SetParameterAttributesResponse> DataModel::set_attributes(
    const cwmp::SetParameterAttributes& m) {
  std::vector<std::pair<const cwmp::SetParameterAttributesStruct*, std::vector<std::string>>> plan;
  for (const auto& s : m.parameter_list) {
    auto selected = select(s.name);
    if (!selected) return fault(cwmp::fault::kInvalidParameterName, "no such parameter: " + s.name);
    if (s.notification_change) {
      if (s.notification < 0 || s.notification > 6) {
        return fault(cwmp::fault::kInvalidArguments, "Notification out of range");
      }
      // 3..6 are lightweight notifications (TR-069 Annex M), which this CPE does not send.
      if (s.notification > 2) {
        return fault(cwmp::fault::kNotificationRejected,
                     "lightweight notification is not supported");
      }
      for (const auto& it : *selected) {
        if (s.notification == 2 && it->second.deny_active_notification) {
          return fault(cwmp::fault::kNotificationRejected,
                       "active notification is refused for " + it->first);
        }
      }
    }
    if (s.access_list_change) {
      for (const auto& entry : s.access_list) {
        if (entry != "Subscriber") {
          return fault(cwmp::fault::kInvalidArguments, "unknown AccessList entry " + entry);
        }
      }
    }
    std::vector<std::string> names;
    names.reserve(selected->size());
    for (const auto& it : *selected) names.push_back(it->first);
    plan.emplace_back(&s, std::move(names));
  }
  for (const auto& [s, names] : plan) {
    for (const std::string& name : names) {
      Node& n = nodes_.find(name)->second;
      if (s->notification_change) n.notification = s->notification;
      if (s->access_list_change) n.access_list = s->access_list;
    }
  }
  return cwmp::SetParameterAttributesResponse{};
}

// TR-069 A.3.2.6: ObjectName is the table ("Device.WiFi.SSID."); the CPE picks the
// instance number (never one in use, and not reused: next_instance only grows) and creates
// the instance's parameters with their factory values.
RpcResult<cwmp::AddObjectResponse> DataModel::add_object_instance(const cwmp::AddObject& m) {
  const std::string& path = m.object_name;
  if (cwmp::validate_path(path, rules(cwmp::PathKind::kPartialPath)) != cwmp::PathError::kNone) {
    return fault(cwmp::fault::kInvalidParameterName, "invalid object name: " + path);
  }
  const auto table = nodes_.find(path);
  if (table == nodes_.end() || !table->second.is_object || !table->second.table) {
    return fault(cwmp::fault::kInvalidParameterName, path + " is not a multi-instance object");
  }
  if (!table->second.writable) {
    return fault(cwmp::fault::kRequestDenied, "instances of " + path + " cannot be added");
  }
  const InstanceTemplate& tmpl = templates_[path];
  const std::uint32_t instance = table->second.next_instance;
  const std::string instance_path = path + std::to_string(instance) + ".";
  std::size_t longest = instance_path.size();
  for (const auto& [rel, node] : tmpl)
    longest = std::max(longest, instance_path.size() + rel.size());
  if (instance == 0 || nodes_.size() + tmpl.size() + 1 > kMaxNodes ||
      longest > cwmp::kMaxPathLength) {
    return fault(cwmp::fault::kResourcesExceeded, "no room for another instance of " + path);
  }
  table->second.next_instance = instance + 1;
  add_object(instance_path, true);
  for (const auto& [rel, node] : tmpl) nodes_.insert_or_assign(instance_path + rel, node);
  update_count(path);
  set_value(parameter_key_path_, m.parameter_key);
  return cwmp::AddObjectResponse{instance, 0};
}

// TR-069 A.3.2.7: ObjectName is an instance ("Device.WiFi.SSID.2."); it goes with
// everything below it.
RpcResult<cwmp::DeleteObjectResponse> DataModel::delete_object_instance(
    const cwmp::DeleteObject& m) {
  const std::string& path = m.object_name;
  if (cwmp::validate_path(path, rules(cwmp::PathKind::kPartialPath)) != cwmp::PathError::kNone ||
      path.empty()) {
    return fault(cwmp::fault::kInvalidParameterName, "invalid object name: " + path);
  }
  const std::string table_path(cwmp::parent_path(path));
  const auto table = nodes_.find(table_path);
  const Node* instance = find(path);
  if (instance == nullptr || !instance->is_object || table == nodes_.end() ||
      !table->second.table || !cwmp::is_instance_number(cwmp::last_segment(path))) {
    return fault(cwmp::fault::kInvalidParameterName, path + " is not an object instance");
  }
  if (!table->second.writable) {
    return fault(cwmp::fault::kRequestDenied, "instances of " + table_path + " cannot be deleted");
  }
  auto [begin, end] = subtree(path);
  nodes_.erase(begin, end);
  update_count(table_path);
  set_value(parameter_key_path_, m.parameter_key);
  return cwmp::DeleteObjectResponse{0};
}

}  // namespace scripted_cpe
