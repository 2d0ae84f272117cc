// The data-model RPCs (TR-069 Annex A.3.2.1-A.3.2.7) over DataModel: see data_model.hpp.
// Each request is checked whole before anything changes; a change is applied to a copy of
// the state's previous version kept aside, saved, and only then answered, so a failure at
// any step leaves the model as it was.
#include <algorithm>
#include <set>
#include <string>
#include <type_traits>
#include <unordered_set>
#include <utility>

#include "cpe/model/data_model.hpp"
#include "cwmp/faults.hpp"
#include "cwmp/parameter_path.hpp"

namespace cpe::model {

namespace {

cwmp::Fault fault(std::uint32_t code, std::string message) {
  return cwmp::Fault::make(code, std::move(message));
}

bool is_integer(cwmp::ValueType t) {
  return t == cwmp::ValueType::kInt || t == cwmp::ValueType::kUnsignedInt ||
         t == cwmp::ValueType::kLong || t == cwmp::ValueType::kUnsignedLong;
}

// May a value sent with xsi:type `given` go into a parameter of type `declared`? The same
// type; no type (CWMP 1.0 peers); xsd:string whose text is valid in the declared type (ACSs
// that type everything as a string); another integer type whose text fits (xsd:int for an
// unsignedInt). Anything else is 9006.
bool type_compatible(cwmp::ValueType given, cwmp::ValueType declared, std::string_view value) {
  if (given == declared || given == cwmp::ValueType::kUnspecified) return true;
  if (given == cwmp::ValueType::kString || (is_integer(given) && is_integer(declared))) {
    return cwmp::is_valid_value(declared, value);
  }
  return false;
}

}  // namespace

// Walks the instance tree below an object or table in tree order (an object before what it
// holds; parameters before sub-objects; instances in number order), within a budget of
// entries so that a hostile request cannot make the answer unbounded.
class DataModel::Walker {
 public:
  Walker(const DataModel& model, std::size_t budget) : m_(model), budget_(budget) {}

  bool exceeded() const { return exceeded_; }

  // Counts one entry of the answer; false once the budget is spent.
  bool spend() {
    if (used_ >= budget_) exceeded_ = true;
    ++used_;
    return !exceeded_;
  }

  // Everything inside the object (or instance) `path` (which ends in '.').
  template <typename OnObject, typename OnParam>
  void object(std::uint32_t index, std::string& path, OnObject& on_object, OnParam& on_param) {
    const ObjectDef& def = m_.schema_->object(index);
    const std::size_t length = path.size();
    for (const std::uint32_t p : def.params) {
      if (exceeded_) return;
      path.append(m_.schema_->param(p).name);
      on_param(p, path);
      path.resize(length);
    }
    for (const std::uint32_t c : def.children) {
      if (exceeded_) return;
      const ObjectDef& child = m_.schema_->object(c);
      path.append(child.name).push_back('.');
      on_object(path, child.multi_instance && child.writable);
      if (child.multi_instance) {
        table(c, path, on_object, on_param);
      } else {
        object(c, path, on_object, on_param);
      }
      path.resize(length);
    }
  }

  // Every instance of the table `path` ("Device.IP.Interface.") and what it holds.
  template <typename OnObject, typename OnParam>
  void table(std::uint32_t index, std::string& path, OnObject& on_object, OnParam& on_param) {
    const Table* t = m_.table(path);
    if (t == nullptr) return;
    const bool writable = m_.schema_->object(index).writable;
    const std::size_t length = path.size();
    for (const std::uint32_t n : t->instances) {
      if (exceeded_) return;
      path.append(std::to_string(n)).push_back('.');
      on_object(path, writable);
      object(index, path, on_object, on_param);
      path.resize(length);
    }
  }

  // What lies below a resolved object, table or instance node.
  template <typename OnObject, typename OnParam>
  void below(const Node& node, std::string path, OnObject& on_object, OnParam& on_param) {
    if (node.kind == Kind::kTable) {
      table(node.def, path, on_object, on_param);
    } else {
      object(node.def, path, on_object, on_param);
    }
  }

 private:
  const DataModel& m_;
  std::size_t budget_;
  std::size_t used_ = 0;
  bool exceeded_ = false;
};

cwmp::Body DataModel::handle(const cwmp::Body& request) {
  std::vector<std::string> changed;
  cwmp::Body answer;
  std::function<void(const std::vector<std::string>&)> listener;
  {
    std::lock_guard lock(mutex_);
    answer = dispatch(request, changed);
    listener = listener_;
  }
  if (!changed.empty() && listener) listener(changed);
  return answer;
}

cwmp::Body DataModel::dispatch(const cwmp::Body& request, std::vector<std::string>& changed) {
  return std::visit(
      [&](const auto& r) -> cwmp::Body {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, cwmp::GetParameterValues>) {
          return get_parameter_values(r);
        } else if constexpr (std::is_same_v<T, cwmp::SetParameterValues>) {
          return set_parameter_values(r, changed);
        } else if constexpr (std::is_same_v<T, cwmp::GetParameterNames>) {
          return get_parameter_names(r);
        } else if constexpr (std::is_same_v<T, cwmp::GetParameterAttributes>) {
          return get_parameter_attributes(r);
        } else if constexpr (std::is_same_v<T, cwmp::SetParameterAttributes>) {
          return set_parameter_attributes(r);
        } else if constexpr (std::is_same_v<T, cwmp::AddObject>) {
          return add_object(r, changed);
        } else if constexpr (std::is_same_v<T, cwmp::DeleteObject>) {
          return delete_object(r, changed);
        } else {
          // The agent answers the other RPCs itself; this is the answer if one strays here.
          return fault(cwmp::fault::kMethodNotSupported,
                       std::string(cwmp::method_name(request)) + " is not a data-model RPC");
        }
      },
      request);
}

// --- GetParameterValues (A.3.2.2) -------------------------------------------------------------

cwmp::Body DataModel::get_parameter_values(const cwmp::GetParameterValues& request) const {
  if (request.parameter_names.size() > kMaxRequestEntries) {
    return fault(cwmp::fault::kResourcesExceeded, "too many parameter names");
  }
  cwmp::GetParameterValuesResponse response;
  Walker walker(*this, kMaxResponseEntries);
  auto on_object = [](const std::string&, bool) {};
  auto on_param = [&](std::uint32_t def, const std::string& path) {
    if (walker.spend()) response.parameter_list.push_back(value_of(def, path));
  };
  for (const std::string& name : request.parameter_names) {
    const auto node = resolve(name);
    if (!node) return fault(cwmp::fault::kInvalidParameterName, "no such parameter: " + name);
    if (node->kind == Kind::kParameter) {
      on_param(node->def, name);
    } else {
      // "" names the whole model: the root object and everything below it.
      walker.below(*node, name.empty() ? schema_->root_path() : name, on_object, on_param);
    }
    if (walker.exceeded()) {
      return fault(cwmp::fault::kResourcesExceeded, "the answer would be too large");
    }
  }
  return response;
}

// --- SetParameterValues (A.3.2.1) -------------------------------------------------------------

// The fault code of one SPV entry (0 = fine); `def` receives the parameter's definition.
std::uint32_t DataModel::check_spv_entry(const cwmp::ParameterValue& pv, std::uint32_t& def) const {
  const auto node = resolve(pv.name);
  if (!node || node->kind != Kind::kParameter) return cwmp::fault::kInvalidParameterName;
  def = node->def;
  if (!writable(def, pv.name)) return cwmp::fault::kNonWritableParameter;
  const ParamDef& d = schema_->param(def);
  if (!type_compatible(pv.type, d.type, pv.value)) return cwmp::fault::kInvalidParameterType;
  if (pv.value.size() > kMaxValueBytes) return cwmp::fault::kInvalidParameterValue;
  return check_value(d, pv.value, true);
}

cwmp::Body DataModel::set_parameter_values(const cwmp::SetParameterValues& request,
                                           std::vector<std::string>& changed) {
  if (request.parameter_list.size() > kMaxRequestEntries) {
    return fault(cwmp::fault::kResourcesExceeded, "too many parameters");
  }
  if (request.parameter_key.size() > kMaxParameterKeyLength) {
    return fault(cwmp::fault::kInvalidArguments, "ParameterKey is longer than 32 characters");
  }
  struct Change {
    std::uint32_t def;
    std::string path;
    std::string value;
  };
  std::vector<Change> changes;
  cwmp::Fault refused = fault(cwmp::fault::kInvalidArguments, "invalid parameters");
  std::unordered_set<std::string_view> seen;
  for (const cwmp::ParameterValue& pv : request.parameter_list) {
    std::uint32_t def = kNoIndex;
    std::uint32_t code = check_spv_entry(pv, def);
    // A parameter named twice makes the request ambiguous (CWMP-FACTS §2.3).
    if (!seen.insert(pv.name).second) code = cwmp::fault::kInvalidArguments;
    if (code != 0) {
      refused.set_parameter_values_faults.push_back(
          {pv.name, code, std::string(cwmp::fault_text(code))});
    } else {
      changes.push_back({def, pv.name, canonical_value(schema_->param(def), pv.value)});
    }
  }
  if (!refused.set_parameter_values_faults.empty()) return refused;

  // TR-181 DiagnosticsState: "Canceled" stops the test and reads None; writing another
  // parameter of the object without DiagnosticsState also returns the state to None.
  std::set<std::string> diagnostics;
  std::set<std::string> state_written;
  for (Change& c : changes) {
    const ObjectDef& object = schema_->object(schema_->param(c.def).object);
    if (!object.diagnostics) continue;
    const std::string object_path(cwmp::parent_path(c.path));
    if (schema_->param(c.def).name == "DiagnosticsState") {
      state_written.insert(object_path);
      if (c.value == "Canceled") c.value = "None";
    } else {
      diagnostics.insert(object_path);
    }
  }
  for (const std::string& object_path : diagnostics) {
    const std::string path = object_path + "DiagnosticsState";
    const auto node = resolve(path);
    if (!state_written.contains(object_path) && node && read(node->def, path) != "None") {
      changes.push_back({node->def, path, "None"});
    }
  }

  State before = state_;
  std::vector<std::pair<std::size_t, std::string>> hook_undo;  // change index, old value
  std::string error;
  bool ok = true;
  for (std::size_t i = 0; i < changes.size() && ok; ++i) {
    const Change& c = changes[i];
    const bool hooked = find_hook(c.path) != nullptr;
    std::string old = hooked ? read(c.def, c.path) : std::string();
    ok = store(c.def, c.path, c.value, error);
    if (ok && hooked) hook_undo.emplace_back(i, std::move(old));
  }
  if (ok) {
    set_parameter_key(request.parameter_key);
    ok = persist(error);
  }
  if (!ok) {
    // All or nothing: put back what the hooks already applied, then the state.
    for (auto it = hook_undo.rbegin(); it != hook_undo.rend(); ++it) {
      std::string ignored;
      store(changes[it->first].def, changes[it->first].path, it->second, ignored);
    }
    state_ = std::move(before);
    log("SetParameterValues failed: " + error);
    return fault(cwmp::fault::kInternalError, "the change could not be applied: " + error);
  }
  cwmp::SetParameterValuesResponse response;
  for (Change& c : changes) {
    // A change the ACS made itself is not notified back to it (TR-069), but a polled
    // parameter's reference value follows it so that the next poll does not see a change.
    if (auto w = watched_.find(c.path); w != watched_.end()) w->second = c.value;
    if (schema_->param(c.def).reboot_required) response.status = 1;
    changed.push_back(std::move(c.path));
  }
  return response;
}

// --- GetParameterNames (A.3.2.3) --------------------------------------------------------------

cwmp::Body DataModel::get_parameter_names(const cwmp::GetParameterNames& request) const {
  const std::string& path = request.parameter_path;
  cwmp::GetParameterNamesResponse response;
  Walker walker(*this, kMaxResponseEntries);
  auto on_object = [&](const std::string& p, bool w) {
    if (walker.spend()) response.parameter_list.push_back({p, w});
  };
  auto on_param = [&](std::uint32_t def, const std::string& p) {
    if (walker.spend()) response.parameter_list.push_back({p, writable(def, p)});
  };
  const auto node = resolve(path);
  if (!node)
    return fault(cwmp::fault::kInvalidParameterName, "no such object or parameter: " + path);
  if (node->kind == Kind::kParameter) {
    // NextLevel true asks for the children of a parameter, which has none: invalid.
    if (request.next_level) {
      return fault(cwmp::fault::kInvalidArguments, "NextLevel true with a parameter name");
    }
    on_param(node->def, path);
    return response;
  }
  const std::string object_path = path.empty() ? schema_->root_path() : path;
  const bool object_writable = node->kind != Kind::kObject && schema_->object(node->def).writable;
  if (path.empty() && request.next_level) {
    on_object(object_path, false);  // "" with NextLevel: the root object alone
    return response;
  }
  if (request.next_level) {
    // Only the direct children: parameters, objects, tables (ending in '.') or instances.
    if (node->kind == Kind::kTable) {
      if (const Table* t = table(path); t != nullptr) {
        for (const std::uint32_t n : t->instances) {
          on_object(path + std::to_string(n) + ".", object_writable);
        }
      }
    } else {
      const ObjectDef& def = schema_->object(node->def);
      for (const std::uint32_t p : def.params) on_param(p, path + schema_->param(p).name);
      for (const std::uint32_t c : def.children) {
        const ObjectDef& child = schema_->object(c);
        on_object(path + child.name + ".", child.multi_instance && child.writable);
      }
    }
  } else {
    on_object(object_path, object_writable);
    walker.below(*node, object_path, on_object, on_param);
  }
  if (walker.exceeded()) return fault(cwmp::fault::kResourcesExceeded, "the answer is too large");
  return response;
}

// --- GetParameterAttributes / SetParameterAttributes (A.3.2.4, A.3.2.5) ------------------------

cwmp::Body DataModel::get_parameter_attributes(const cwmp::GetParameterAttributes& request) const {
  if (request.parameter_names.size() > kMaxRequestEntries) {
    return fault(cwmp::fault::kResourcesExceeded, "too many parameter names");
  }
  cwmp::GetParameterAttributesResponse response;
  Walker walker(*this, kMaxResponseEntries);
  auto on_object = [](const std::string&, bool) {};
  auto on_param = [&](std::uint32_t def, const std::string& path) {
    if (!walker.spend()) return;
    const Attributes a = attributes_of(def, path);
    cwmp::ParameterAttribute out{path, a.notification, {}};
    if (a.subscriber) out.access_list.emplace_back("Subscriber");
    response.parameter_list.push_back(std::move(out));
  };
  for (const std::string& name : request.parameter_names) {
    const auto node = resolve(name);
    if (!node) return fault(cwmp::fault::kInvalidParameterName, "no such parameter: " + name);
    if (node->kind == Kind::kParameter) {
      on_param(node->def, name);
    } else {
      walker.below(*node, name.empty() ? schema_->root_path() : name, on_object, on_param);
    }
    if (walker.exceeded()) return fault(cwmp::fault::kResourcesExceeded, "the answer is too large");
  }
  return response;
}

cwmp::Body DataModel::set_parameter_attributes(const cwmp::SetParameterAttributes& request) {
  if (request.parameter_list.size() > kMaxRequestEntries) {
    return fault(cwmp::fault::kResourcesExceeded, "too many parameters");
  }
  struct Target {
    std::uint32_t def;
    std::string path;
    const cwmp::SetParameterAttributesStruct* change;
  };
  std::vector<Target> targets;
  Walker walker(*this, kMaxResponseEntries);
  for (const auto& s : request.parameter_list) {
    const auto node = resolve(s.name);
    if (!node) return fault(cwmp::fault::kInvalidParameterName, "no such parameter: " + s.name);
    if (s.notification_change) {
      if (s.notification < 0 || s.notification > 6) {
        return fault(cwmp::fault::kInvalidArguments, "Notification must be 0..6");
      }
      if (s.notification > 2) {
        // 3-6 are the lightweight notifications (TR-069 Annex M), which this CPE lacks.
        return fault(cwmp::fault::kNotificationRejected,
                     "lightweight notification is not supported: " + s.name);
      }
    }
    if (s.access_list_change) {
      if (s.access_list.size() > kMaxAccessListEntries ||
          std::any_of(s.access_list.begin(), s.access_list.end(),
                      [](const std::string& e) { return e != "Subscriber"; })) {
        return fault(cwmp::fault::kInvalidArguments, "AccessList may only hold \"Subscriber\"");
      }
    }
    auto on_object = [](const std::string&, bool) {};
    auto on_param = [&](std::uint32_t def, const std::string& path) {
      if (walker.spend()) targets.push_back({def, path, &s});
    };
    if (node->kind == Kind::kParameter) {
      on_param(node->def, s.name);
    } else {
      walker.below(*node, s.name.empty() ? schema_->root_path() : s.name, on_object, on_param);
    }
    if (walker.exceeded()) return fault(cwmp::fault::kResourcesExceeded, "too many parameters");
  }
  // TR-106 activeNotify: canDeny refuses active notification, forceEnabled refuses anything
  // else. For a partial path the whole request is refused, so nothing is half-applied.
  for (const Target& t : targets) {
    if (!t.change->notification_change) continue;
    const ActiveNotify rule = schema_->param(t.def).active_notify;
    if ((rule == ActiveNotify::kCanDeny && t.change->notification == 2) ||
        (rule == ActiveNotify::kForceEnabled && t.change->notification != 2)) {
      return fault(
          cwmp::fault::kNotificationRejected,
          "notification " + std::to_string(t.change->notification) + " is refused for " + t.path);
    }
  }
  State before = state_;
  for (const Target& t : targets) {
    Attributes a = attributes_of(t.def, t.path);
    if (t.change->notification_change) a.notification = t.change->notification;
    if (t.change->access_list_change) a.subscriber = !t.change->access_list.empty();
    if (a.notification == schema_->param(t.def).default_notification() && !a.subscriber) {
      state_.attributes.erase(t.path);
    } else {
      state_.attributes[t.path] = a;
    }
  }
  std::string error;
  if (!persist(error)) {
    state_ = std::move(before);
    log("SetParameterAttributes failed: " + error);
    return fault(cwmp::fault::kInternalError, "the change could not be saved: " + error);
  }
  rebuild_watched();
  return cwmp::SetParameterAttributesResponse{};
}

// --- AddObject / DeleteObject (A.3.2.6, A.3.2.7) ----------------------------------------------

cwmp::Body DataModel::add_object(const cwmp::AddObject& request,
                                 std::vector<std::string>& changed) {
  const std::string& path = request.object_name;
  if (request.parameter_key.size() > kMaxParameterKeyLength) {
    return fault(cwmp::fault::kInvalidArguments, "ParameterKey is longer than 32 characters");
  }
  const auto node = cwmp::is_partial_path(path) && !path.empty() ? resolve(path) : std::nullopt;
  if (!node || node->kind != Kind::kTable) {
    return fault(cwmp::fault::kInvalidParameterName, "not a multi-instance object: " + path);
  }
  const ObjectDef& def = schema_->object(node->def);
  if (!def.writable)
    return fault(cwmp::fault::kRequestDenied, "instances of " + path + " are read-only");
  const Table* t = table(path);
  const std::size_t count = t == nullptr ? 0 : t->instances.size();
  const std::uint32_t last = t == nullptr ? 0 : t->last;
  if (count >= def.max_entries || last == 0xFFFFFFFF) {
    return fault(cwmp::fault::kResourcesExceeded, path + " is full");
  }
  State before = state_;
  // Instance numbers are never reused: always one above the highest ever assigned (the
  // counter is saved with the state, so a restart does not reuse them either).
  const std::uint32_t number = create_instance(path, last + 1);
  set_parameter_key(request.parameter_key);
  std::string error;
  if (!persist(error)) {
    state_ = std::move(before);
    log("AddObject failed: " + error);
    return fault(cwmp::fault::kInternalError, "the instance could not be saved: " + error);
  }
  changed.push_back(path + std::to_string(number) + ".");
  return cwmp::AddObjectResponse{number, 0};
}

cwmp::Body DataModel::delete_object(const cwmp::DeleteObject& request,
                                    std::vector<std::string>& changed) {
  const std::string& path = request.object_name;
  if (request.parameter_key.size() > kMaxParameterKeyLength) {
    return fault(cwmp::fault::kInvalidArguments, "ParameterKey is longer than 32 characters");
  }
  const auto node = cwmp::is_partial_path(path) && !path.empty() ? resolve(path) : std::nullopt;
  if (!node || node->kind != Kind::kInstance) {
    return fault(cwmp::fault::kInvalidParameterName, "not an object instance: " + path);
  }
  if (!schema_->object(node->def).writable) {
    return fault(cwmp::fault::kRequestDenied, path + " cannot be deleted");
  }
  State before = state_;
  Map<std::string> watched_before = watched_;
  Table& t = state_.tables.find(cwmp::parent_path(path))->second;
  const auto number = *cwmp::parse_instance_number(cwmp::last_segment(path));
  t.instances.erase(std::lower_bound(t.instances.begin(), t.instances.end(), number));
  erase_under(path);  // its values, attributes, sub-tables and pending notifications
  set_parameter_key(request.parameter_key);
  std::string error;
  if (!persist(error)) {
    state_ = std::move(before);
    watched_ = std::move(watched_before);
    log("DeleteObject failed: " + error);
    return fault(cwmp::fault::kInternalError, "the deletion could not be saved: " + error);
  }
  changed.push_back(path);
  return cwmp::DeleteObjectResponse{0};
}

}  // namespace cpe::model
