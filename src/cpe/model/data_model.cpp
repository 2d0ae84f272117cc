// The data model's state, values and notifications: see data_model.hpp. The RPCs are in
// data_model_rpc.cpp.
#include "cpe/model/data_model.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <iostream>
#include <stdexcept>
#include <string>
#include <utility>

#include "cpe/model/durable_file.hpp"
#include "cwmp/parameter_path.hpp"
#include "cwmp/values.hpp"

namespace cpe::model {

namespace json = boost::json;

namespace {

constexpr std::string_view kStateFormat = "cwmp-cpe-state/1";
constexpr std::size_t kMaxStateBytes = 16 * 1024 * 1024;

// The path of the object that encloses an object: one segment up for a single object,
// two ("Interface.1.") for an instance of a table.
std::string_view enclosing_object(std::string_view concrete_object, const ObjectDef& def) {
  const std::string_view up = cwmp::parent_path(concrete_object);
  return def.multi_instance ? cwmp::parent_path(up) : up;
}

// A hook pattern as cwmp::matches_pattern() reads it: "{i}" -> "*".
std::string hook_pattern(std::string pattern) {
  for (std::size_t at = pattern.find("{i}"); at != std::string::npos; at = pattern.find("{i}")) {
    pattern.replace(at, 3, "*");
  }
  return pattern;
}

std::uint64_t parse_counter(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  return cwmp::parse_unsigned_long(text).value_or(0);
}

}  // namespace

std::string_view to_string(LoadStatus status) {
  switch (status) {
    case LoadStatus::kLoaded:
      return "loaded";
    case LoadStatus::kMissing:
      return "missing";
    case LoadStatus::kCorrupt:
      return "corrupt";
    case LoadStatus::kNotPersistent:
      return "not persistent";
  }
  return "?";
}

// --- construction --------------------------------------------------------------------------

cwmp::Result<std::unique_ptr<DataModel>, std::string> DataModel::create(std::string_view model_json,
                                                                        DataModelOptions options) {
  auto schema = Schema::parse(model_json);
  if (!schema) return schema.error();
  return create(std::move(schema).value(), std::move(options));
}

cwmp::Result<std::unique_ptr<DataModel>, std::string> DataModel::create(Schema schema,
                                                                        DataModelOptions options) {
  return create(std::make_shared<const Schema>(std::move(schema)), std::move(options));
}

cwmp::Result<std::unique_ptr<DataModel>, std::string> DataModel::create(
    std::shared_ptr<const Schema> schema, DataModelOptions options) {
  if (!schema) return std::string("model: no definition");
  std::unique_ptr<DataModel> model(new DataModel(std::move(schema), std::move(options)));
  // The factory instances must name their tables' parents first.
  for (const InstanceDef& inst : model->schema_->instances()) {
    const std::string_view table_path = cwmp::parent_path(inst.path);
    const auto number = cwmp::parse_instance_number(cwmp::last_segment(inst.path));
    const auto node = model->resolve(table_path);
    if (!node || node->kind != Kind::kTable || !number) {
      return "model: instance " + inst.path + ": no such table (a nested instance must follow " +
             "its parent instance)";
    }
    model->create_instance(std::string(table_path), *number);
  }
  model->state_ = State{};
  for (const CommandHookDef& h : model->schema_->hooks()) {
    model->hooks_.push_back(
        {hook_pattern(h.pattern),
         std::make_shared<CommandHook>(h.get_command, h.set_command,
                                       std::chrono::milliseconds(h.timeout_ms))});
  }
  model->load();
  return model;
}

DataModel::DataModel(std::shared_ptr<const Schema> schema, DataModelOptions options)
    : schema_(std::move(schema)), options_(std::move(options)) {
  if (!options_.steady_now) options_.steady_now = [] { return std::chrono::steady_clock::now(); };
  if (!options_.system_now) options_.system_now = [] { return std::chrono::system_clock::now(); };
  if (!options_.log) {
    options_.log = [](std::string_view line) { std::cerr << "cpe-model: " << line << '\n'; };
  }
  if (!options_.state_dir.empty()) {
    state_path_ = options_.state_dir / options_.state_file_name;
    std::error_code ec;  // a failure shows on the first save, which logs it
    std::filesystem::create_directories(options_.state_dir, ec);
  }
  start_ = options_.steady_now();
}

DataModel::~DataModel() = default;

void DataModel::log(std::string_view line) const {
  options_.log(line);
}

std::string DataModel::root_param(std::string_view relative) const {
  return schema_->root_path() + std::string(relative);
}

// --- state file ------------------------------------------------------------------------------

void DataModel::load() {
  std::lock_guard lock(mutex_);
  if (state_path_.empty()) {
    load_status_ = LoadStatus::kNotPersistent;
    create_factory_instances();
    rebuild_watched();
    return;
  }
  std::string text;
  std::string error;
  const ReadStatus read = read_whole_file(state_path_, kMaxStateBytes, text, error);
  if (read == ReadStatus::kOk && load_state_json(text, error)) {
    load_status_ = LoadStatus::kLoaded;
    rebuild_watched();
    return;
  }
  state_ = State{};
  if (read == ReadStatus::kMissing) {
    load_status_ = LoadStatus::kMissing;
    log("no saved state in " + state_path_.string() + ": factory defaults");
  } else {
    load_status_ = LoadStatus::kCorrupt;
    log("the saved state is unusable (" + error + "): factory defaults");
    // Kept aside for a post-mortem; the next write replaces the original.
    std::error_code ec;
    std::filesystem::path aside = state_path_;
    aside += ".corrupt";
    std::filesystem::rename(state_path_, aside, ec);
  }
  create_factory_instances();
  rebuild_watched();
  // The factory instances and their counters are state too: on disk from the start.
  persist_or_log();
}

// Only the instances: their values are the definition's (Schema::factory_value()), read
// through baseline(), not copies in every device's state.
void DataModel::create_factory_instances() {
  for (const InstanceDef& inst : schema_->instances()) {
    const std::string table_path(cwmp::parent_path(inst.path));
    const auto number = cwmp::parse_instance_number(cwmp::last_segment(inst.path)).value_or(1);
    create_instance(table_path, number);
  }
}

std::uint32_t DataModel::create_instance(const std::string& table_path, std::uint32_t number) {
  Table& t = state_.tables[table_path];
  const auto at = std::lower_bound(t.instances.begin(), t.instances.end(), number);
  if (at == t.instances.end() || *at != number) t.instances.insert(at, number);
  t.last = std::max(t.last, number);
  return number;
}

std::string DataModel::state_json() const {
  json::object doc;
  doc["format"] = kStateFormat;
  json::object values;
  for (const auto& [path, value] : state_.values) values[path] = value;
  // The factory values of the instances that still exist are written too, although the
  // model does not store them: the file reads the same to an older cwmp-cpe, which has
  // no other source for them.
  for (const auto& [path, value] : schema_->factory_values()) {
    const auto node = resolve(path);
    if (node && node->kind == Kind::kParameter &&
        schema_->param(node->def).provider == Provider::kPersisted && !values.contains(path)) {
      values[path] = value;
    }
  }
  doc["values"] = std::move(values);
  json::object tables;
  for (const auto& [path, t] : state_.tables) {
    json::array instances;
    for (const std::uint32_t n : t.instances) instances.push_back(n);
    tables[path] = json::object{{"last", t.last}, {"instances", std::move(instances)}};
  }
  doc["tables"] = std::move(tables);
  json::object attributes;
  for (const auto& [path, a] : state_.attributes) {
    json::array access;
    if (a.subscriber) access.emplace_back("Subscriber");
    attributes[path] =
        json::object{{"notification", a.notification}, {"accessList", std::move(access)}};
  }
  doc["attributes"] = std::move(attributes);
  json::object pending;
  for (const auto& [path, p] : state_.pending) pending[path] = p.active ? "active" : "passive";
  doc["pending"] = std::move(pending);
  return json::serialize(doc);
}

bool DataModel::load_state_json(std::string_view text, std::string& error) {
  boost::system::error_code ec;
  const json::value doc = json::parse(text, ec);
  if (ec || !doc.is_object()) {
    error = "not a JSON object";
    return false;
  }
  const json::object& o = doc.get_object();
  const json::value* format = o.if_contains("format");
  if (format == nullptr || !format->is_string() || format->get_string() != kStateFormat) {
    error = "unknown format";
    return false;
  }
  const auto section = [&](std::string_view key) -> const json::object* {
    const json::value* v = o.if_contains(key);
    return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
  };
  const json::object* tables = section("tables");
  const json::object* values = section("values");
  const json::object* attributes = section("attributes");
  const json::object* pending = section("pending");
  if (tables == nullptr || values == nullptr || attributes == nullptr || pending == nullptr) {
    error = "a section is missing";
    return false;
  }
  state_ = State{};
  std::size_t dropped = 0;
  // Tables in path order: a parent table ("Device.IP.Interface.") sorts before the tables
  // inside its instances ("Device.IP.Interface.1.IPv4Address."), which need it to resolve.
  std::vector<std::pair<std::string, const json::value*>> sorted;
  for (const auto& e : *tables) sorted.emplace_back(std::string(e.key()), &e.value());
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [path, v] : sorted) {
    const auto node = resolve(path);
    const json::object* t = v->is_object() ? &v->get_object() : nullptr;
    const json::value* last = t != nullptr ? t->if_contains("last") : nullptr;
    const json::value* list = t != nullptr ? t->if_contains("instances") : nullptr;
    if (!node || node->kind != Kind::kTable || last == nullptr ||
        !(last->is_uint64() || last->is_int64()) || list == nullptr || !list->is_array()) {
      ++dropped;
      continue;
    }
    Table table;
    const auto last_value = last->to_number<std::int64_t>();
    table.last = static_cast<std::uint32_t>(std::clamp<std::int64_t>(last_value, 0, 0xFFFFFFFF));
    for (const auto& n : list->get_array()) {
      if (!n.is_int64() && !n.is_uint64()) continue;
      const auto number = n.to_number<std::int64_t>();
      if (number >= 1 && number <= table.last)
        table.instances.push_back(static_cast<std::uint32_t>(number));
    }
    std::sort(table.instances.begin(), table.instances.end());
    table.instances.erase(std::unique(table.instances.begin(), table.instances.end()),
                          table.instances.end());
    state_.tables.emplace(path, std::move(table));
  }
  for (const auto& e : *values) {
    const auto node = resolve(e.key());
    if (!node || node->kind != Kind::kParameter || !e.value().is_string()) {
      ++dropped;
      continue;
    }
    const ParamDef& def = schema_->param(node->def);
    const std::string_view value = e.value().get_string();
    if (def.provider != Provider::kPersisted || def.counts_table != kNoIndex ||
        check_value(def, value, false) != 0) {
      ++dropped;
      continue;
    }
    // What the definition gives anyway is not kept (the factory values an older cwmp-cpe
    // saved, and those written back by state_json()).
    if (value != baseline(def, e.key())) {
      state_.values.emplace(std::string(e.key()), std::string(value));
    }
  }
  for (const auto& e : *attributes) {
    const auto node = resolve(e.key());
    const json::object* a = e.value().is_object() ? &e.value().get_object() : nullptr;
    const json::value* n = a != nullptr ? a->if_contains("notification") : nullptr;
    if (!node || node->kind != Kind::kParameter || n == nullptr || !n->is_int64() ||
        n->get_int64() < 0 || n->get_int64() > 2) {
      ++dropped;
      continue;
    }
    Attributes attrs;
    attrs.notification = static_cast<std::int32_t>(n->get_int64());
    if (const json::value* access = a->if_contains("accessList");
        access != nullptr && access->is_array()) {
      attrs.subscriber = !access->get_array().empty();
    }
    state_.attributes.emplace(std::string(e.key()), attrs);
  }
  for (const auto& e : *pending) {
    const auto node = resolve(e.key());
    if (!node || node->kind != Kind::kParameter || !e.value().is_string()) {
      ++dropped;
      continue;
    }
    state_.pending.emplace(std::string(e.key()),
                           Pending{e.value().get_string() == "active", ++seq_});
  }
  if (dropped != 0) {
    log("the saved state had " + std::to_string(dropped) +
        " entries this model does not know (dropped)");
  }
  return true;
}

bool DataModel::persist(std::string& error) {
  if (state_path_.empty()) return true;
  return write_file_durably(state_path_, state_json(), error);
}

void DataModel::persist_or_log() {
  std::string error;
  if (!persist(error)) log("cannot save the state: " + error);
}

// --- paths and values ------------------------------------------------------------------------

std::optional<DataModel::Node> DataModel::resolve(std::string_view path) const {
  if (path.empty()) return Node{Kind::kObject, schema_->root()};
  if (cwmp::validate_path(path, {.allow_wildcards = false, .allow_aliases = false}) !=
      cwmp::PathError::kNone) {
    return std::nullopt;
  }
  std::string schema = cwmp::schema_path(path);
  Node node{Kind::kParameter, kNoIndex};
  if (!cwmp::is_partial_path(path)) {
    node.def = schema_->find_param(schema);
  } else if (const std::uint32_t o = schema_->find_object(schema); o != kNoIndex) {
    node = {schema_->object(o).multi_instance ? Kind::kInstance : Kind::kObject, o};
  } else {
    schema += "{i}.";
    node = {Kind::kTable, schema_->find_object(schema)};
  }
  if (node.def == kNoIndex || !instances_exist(path)) return std::nullopt;
  return node;
}

bool DataModel::instances_exist(std::string_view path) const {
  std::size_t pos = 0;
  while (pos < path.size()) {
    std::size_t dot = path.find('.', pos);
    if (dot == std::string_view::npos) dot = path.size();
    if (const auto n = cwmp::parse_instance_number(path.substr(pos, dot - pos))) {
      const Table* t = table(path.substr(0, pos));
      if (t == nullptr || !std::binary_search(t->instances.begin(), t->instances.end(), *n)) {
        return false;
      }
    }
    pos = dot + 1;
  }
  return true;
}

const DataModel::Table* DataModel::table(std::string_view table_path) const {
  const auto it = state_.tables.find(table_path);
  return it == state_.tables.end() ? nullptr : &it->second;
}

ValueHook* DataModel::find_hook(std::string_view path) const {
  for (const HookEntry& h : hooks_) {
    if (cwmp::matches_pattern(path, h.pattern)) return h.hook.get();
  }
  return nullptr;
}

std::string DataModel::read(std::uint32_t index, std::string_view path) const {
  const ParamDef& def = schema_->param(index);
  if (def.counts_table != kNoIndex) {
    const std::string table_path =
        std::string(cwmp::parent_path(path)) + schema_->object(def.counts_table).name + ".";
    const Table* t = table(table_path);
    return std::to_string(t == nullptr ? 0 : t->instances.size());
  }
  if (ValueHook* hook = find_hook(path); hook != nullptr) {
    HookResult r = hook->get(std::string(path));
    if (r.ok && check_value(def, r.text, false) == 0) return canonical_value(def, r.text);
    // A failing hook must not fail a whole GetParameterValues: the last stored value stands.
    log("hook for " + std::string(path) +
        (r.ok ? " returned an invalid value \"" + r.text + "\"" : " failed: " + r.text));
    return read_stored(def, path);
  }
  switch (def.provider) {
    case Provider::kUptime: {
      const auto up =
          std::chrono::duration_cast<std::chrono::seconds>(options_.steady_now() - start_);
      return std::to_string(std::clamp<std::int64_t>(up.count(), 0, 0xFFFFFFFF));
    }
    case Provider::kLocalTime: {
      const auto now = std::chrono::floor<std::chrono::seconds>(options_.system_now());
      return cwmp::format_date_time(cwmp::DateTime::from_sys_time(now));
    }
    case Provider::kNetdev:
      return read_netdev(def, path);
    default:
      return read_stored(def, path);
  }
}

std::string DataModel::read_stored(const ParamDef& def, std::string_view path) const {
  const auto& map = def.provider == Provider::kPersisted ? state_.values : state_.volatile_values;
  const auto it = map.find(path);
  return it != map.end() ? it->second : baseline(def, path);
}

std::string DataModel::baseline(const ParamDef& def, std::string_view path) const {
  if (const std::string* factory = schema_->factory_value(path)) return *factory;
  return expand_default(def, path);
}

// The state holds a value only where it differs from the definition's: a device costs
// what it changed, not the size of its model.
void DataModel::put(const ParamDef& def, const std::string& path, const std::string& value) {
  auto& map = def.provider == Provider::kPersisted ? state_.values : state_.volatile_values;
  if (value == baseline(def, path)) {
    map.erase(path);
  } else {
    map.insert_or_assign(path, value);
  }
}

// A Linux interface counter: the enclosing instance's Name is the interface
// ("Device.Ethernet.Interface.1.Stats.BytesSent" -> Interface.1.Name "eth0" ->
// /sys/class/net/eth0/statistics/tx_bytes). No such interface or file: 0.
std::string DataModel::read_netdev(const ParamDef& def, std::string_view path) const {
  std::uint32_t object = def.object;
  std::string_view concrete = cwmp::parent_path(path);
  std::uint32_t name_param = kNoIndex;
  while (object != kNoIndex) {
    name_param = schema_->find_param(schema_->object(object).path + "Name");
    if (name_param != kNoIndex) break;
    concrete = enclosing_object(concrete, schema_->object(object));
    object = schema_->object(object).parent;
  }
  std::uint64_t value = 0;
  if (name_param != kNoIndex) {
    const std::string ifname = read(name_param, std::string(concrete) + "Name");
    if (!ifname.empty() && ifname.find('/') == std::string::npos && ifname != "." &&
        ifname != "..") {
      std::string text;
      std::string error;
      const auto file = options_.netdev_root / ifname / "statistics" / def.provider_arg;
      if (read_whole_file(file, 64, text, error) == ReadStatus::kOk) value = parse_counter(text);
    }
  }
  // StatsCounter32 wraps around through zero (TR-181 dataType).
  if (def.type == cwmp::ValueType::kUnsignedInt) value &= 0xFFFFFFFFULL;
  return std::to_string(value);
}

bool DataModel::writable(std::uint32_t index, std::string_view path) const {
  const ParamDef& def = schema_->param(index);
  if (!def.writable || def.counts_table != kNoIndex) return false;
  const ValueHook* hook = find_hook(path);
  return hook == nullptr || hook->can_set();
}

bool DataModel::store(std::uint32_t index, const std::string& path, const std::string& value,
                      std::string& error) {
  const ParamDef& def = schema_->param(index);
  if (ValueHook* hook = find_hook(path); hook != nullptr) {
    const HookResult r = hook->set(path, value);
    if (!r.ok) error = r.text;
    return r.ok;
  }
  put(def, path, value);
  return true;
}

DataModel::Attributes DataModel::attributes_of(std::uint32_t index, std::string_view path) const {
  const auto it = state_.attributes.find(path);
  if (it != state_.attributes.end()) return it->second;
  return Attributes{schema_->param(index).default_notification(), false};
}

cwmp::ParameterValue DataModel::value_of(std::uint32_t index, const std::string& path) const {
  const ParamDef& def = schema_->param(index);
  // TR-106 hidden: a read returns an empty string, whatever the value.
  return {path, def.hidden ? std::string() : read(index, path), def.type};
}

void DataModel::set_parameter_key(std::string_view key) {
  const std::string path = root_param("ManagementServer.ParameterKey");
  if (const std::uint32_t p = schema_->find_param(path); p != kNoIndex) {
    put(schema_->param(p), path, std::string(key));
  }
}

void DataModel::erase_under(std::string_view prefix) {
  const auto erase = [prefix](auto& map) {
    auto it = map.lower_bound(prefix);
    while (it != map.end() && std::string_view(it->first).starts_with(prefix)) it = map.erase(it);
  };
  erase(state_.values);
  erase(state_.volatile_values);
  erase(state_.tables);
  erase(state_.attributes);
  erase(state_.pending);
  erase(watched_);
}

// --- notifications -------------------------------------------------------------------------

void DataModel::note_change(std::uint32_t index, const std::string& path) {
  const Attributes a = attributes_of(index, path);
  if (a.notification == 0) return;
  Pending& p = state_.pending[path];
  p.active = p.active || a.notification == 2;
  active_raised_ = active_raised_ || a.notification == 2;
  p.seq = ++seq_;
}

bool DataModel::is_polled(const ParamDef& def, std::string_view path) const {
  if (def.counts_table != kNoIndex) return false;  // changes only through the model
  return def.provider == Provider::kUptime || def.provider == Provider::kLocalTime ||
         def.provider == Provider::kNetdev || find_hook(path) != nullptr;
}

// Every polled parameter that has a notification attribute, with its current value: the
// reference poll_locked() compares against.
void DataModel::rebuild_watched() {
  Map<std::string> fresh;
  const auto consider = [&](std::uint32_t index, const std::string& path) {
    if (attributes_of(index, path).notification == 0 || !is_polled(schema_->param(index), path)) {
      return;
    }
    const auto old = watched_.find(path);
    fresh.emplace(path, old != watched_.end() ? old->second : read(index, path));
  };
  for (const auto& [path, a] : state_.attributes) {
    if (a.notification == 0) continue;
    if (const auto node = resolve(path); node && node->kind == Kind::kParameter) {
      consider(node->def, path);
    }
  }
  // Parameters active by default (forceEnabled/forceDefaultEnabled) need no attribute entry.
  for (std::uint32_t i = 0; i < schema_->params().size(); ++i) {
    const ParamDef& def = schema_->param(i);
    if (def.default_notification() != 0 && def.path.find("{i}") == std::string::npos &&
        !state_.attributes.contains(def.path)) {
      consider(i, def.path);
    }
  }
  watched_ = std::move(fresh);
}

bool DataModel::poll_locked() {
  bool changed = false;
  for (auto& [path, last] : watched_) {
    const auto node = resolve(path);
    if (!node) continue;
    std::string now = read(node->def, path);
    if (now != last) {
      last = std::move(now);
      note_change(node->def, path);
      changed = true;
    }
  }
  return changed;
}

void DataModel::poll_value_changes() {
  {
    std::lock_guard lock(mutex_);
    if (poll_locked()) persist_or_log();
  }
  announce_active();
}

void DataModel::announce_active() {
  std::function<void()> callback;
  {
    std::lock_guard lock(mutex_);
    if (!std::exchange(active_raised_, false)) return;
    callback = active_callback_;
  }
  if (callback) callback();
}

void DataModel::set_active_change_callback(std::function<void()> callback) {
  std::lock_guard lock(mutex_);
  active_callback_ = std::move(callback);
}

// --- DeviceApi: identity, settings, inform ------------------------------------------------

cwmp::DeviceId DataModel::device_id() const {
  std::lock_guard lock(mutex_);
  const auto value = [this](std::string_view relative) {
    const std::string path = root_param(relative);
    const std::uint32_t p = schema_->find_param(path);
    return p == kNoIndex ? std::string() : read(p, path);
  };
  return {value("DeviceInfo.Manufacturer"), value("DeviceInfo.ManufacturerOUI"),
          value("DeviceInfo.ProductClass"), value("DeviceInfo.SerialNumber")};
}

ManagementSettings DataModel::management() const {
  std::lock_guard lock(mutex_);
  const auto value = [this](std::string_view name) -> std::optional<std::string> {
    const std::string path = root_param("ManagementServer.") + std::string(name);
    const std::uint32_t p = schema_->find_param(path);
    if (p == kNoIndex) return std::nullopt;
    return read(p, path);
  };
  const auto number = [&](std::string_view name, std::uint32_t fallback) {
    const auto v = value(name);
    return v ? cwmp::parse_unsigned_int(*v).value_or(fallback) : fallback;
  };
  ManagementSettings m;
  m.url = value("URL").value_or("");
  m.username = value("Username").value_or("");
  m.password = value("Password").value_or("");
  if (const auto v = value("PeriodicInformEnable")) {
    m.periodic_inform_enable = cwmp::parse_boolean(*v).value_or(true);
  }
  m.periodic_inform_interval = number("PeriodicInformInterval", m.periodic_inform_interval);
  if (const auto v = value("PeriodicInformTime")) {
    if (const auto t = cwmp::parse_date_time(*v); t && !t->is_unknown()) {
      m.periodic_inform_time =
          std::chrono::time_point_cast<std::chrono::system_clock::duration>(t->to_sys_time());
    }
  }
  m.connection_request_username = value("ConnectionRequestUsername").value_or("");
  m.connection_request_password = value("ConnectionRequestPassword").value_or("");
  m.retry_minimum_wait_interval =
      number("CWMPRetryMinimumWaitInterval", m.retry_minimum_wait_interval);
  m.retry_interval_multiplier = number("CWMPRetryIntervalMultiplier", m.retry_interval_multiplier);
  m.default_active_notification_throttle =
      number("DefaultActiveNotificationThrottle", m.default_active_notification_throttle);
  return m;
}

std::vector<cwmp::ParameterValue> DataModel::inform_parameters() {
  std::lock_guard lock(mutex_);
  if (poll_locked()) persist_or_log();
  std::vector<cwmp::ParameterValue> out;
  // Forced-inform parameters live in single objects (TR-181: DeviceInfo, ManagementServer).
  for (std::uint32_t i = 0; i < schema_->params().size(); ++i) {
    const ParamDef& def = schema_->param(i);
    if (def.forced_inform && def.path.find("{i}") == std::string::npos) {
      out.push_back(value_of(i, def.path));
    }
  }
  const std::size_t forced = out.size();
  for (const auto& pending : state_.pending) {
    const std::string& path = pending.first;  // a lambda below captures it (not a binding)
    const auto node = resolve(path);
    if (!node) continue;
    const bool listed = std::any_of(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(forced),
                                    [&](const cwmp::ParameterValue& v) { return v.name == path; });
    if (!listed) out.push_back(value_of(node->def, path));
  }
  informed_seq_ = seq_;
  active_raised_ = false;  // whatever was raised rides in this Inform
  return out;
}

bool DataModel::value_change_pending() const {
  std::lock_guard lock(mutex_);
  return std::any_of(state_.pending.begin(), state_.pending.end(),
                     [](const auto& e) { return e.second.active; });
}

bool DataModel::notification_pending() const {
  std::lock_guard lock(mutex_);
  return !state_.pending.empty();
}

void DataModel::inform_delivered() {
  std::lock_guard lock(mutex_);
  // Only what the acknowledged Inform carried: a change recorded since stays pending.
  const std::size_t before = state_.pending.size();
  std::erase_if(state_.pending, [this](const auto& e) { return e.second.seq <= informed_seq_; });
  if (state_.pending.size() != before) persist_or_log();
}

// --- DeviceApi: internal changes ---------------------------------------------------------

void DataModel::set_connection_request_url(const std::string& url) {
  set_internal(root_param("ManagementServer.ConnectionRequestURL"), url);
}

void DataModel::set_internal(const std::string& path, const std::string& value) {
  {
    std::lock_guard lock(mutex_);
    set_internal_locked(path, value);
  }
  announce_active();
}

void DataModel::set_internal_locked(const std::string& path, const std::string& value) {
  const auto node = resolve(path);
  if (!node || node->kind != Kind::kParameter) {
    throw std::invalid_argument("set_internal: no such parameter: " + path);
  }
  const ParamDef& def = schema_->param(node->def);
  const bool hooked = find_hook(path) != nullptr;
  if (def.counts_table != kNoIndex ||
      (!hooked && (def.provider == Provider::kUptime || def.provider == Provider::kLocalTime ||
                   def.provider == Provider::kNetdev))) {
    throw std::invalid_argument("set_internal: " + path + " is computed");
  }
  if (check_value(def, value, false) != 0) {
    throw std::invalid_argument("set_internal: invalid value for " + path + ": " + value);
  }
  const std::string canonical = canonical_value(def, value);
  const std::string old = read(node->def, path);
  if (old == canonical) return;
  std::string error;
  if (!store(node->def, path, canonical, error)) {
    throw std::invalid_argument("set_internal: the hook refused " + path + ": " + error);
  }
  note_change(node->def, path);
  if (auto w = watched_.find(path); w != watched_.end()) w->second = canonical;
  if (def.provider == Provider::kPersisted || state_.pending.contains(path)) persist_or_log();
}

void DataModel::factory_reset() {
  std::lock_guard lock(mutex_);
  state_ = State{};
  watched_.clear();
  seq_ = informed_seq_ = 0;
  active_raised_ = false;
  create_factory_instances();
  rebuild_watched();
  std::string error;
  if (!state_path_.empty() && !remove_file_durably(state_path_, error)) {
    log("factory reset: " + error);
  }
}

LoadStatus DataModel::load_status() const {
  std::lock_guard lock(mutex_);
  return load_status_;
}

std::size_t DataModel::stored_value_count() const {
  std::lock_guard lock(mutex_);
  return state_.values.size() + state_.volatile_values.size();
}

void DataModel::add_hook(std::string pattern, std::shared_ptr<ValueHook> hook) {
  std::lock_guard lock(mutex_);
  hooks_.push_back({hook_pattern(std::move(pattern)), std::move(hook)});
  rebuild_watched();
}

std::optional<std::string> DataModel::get(std::string_view path) {
  std::lock_guard lock(mutex_);
  const auto node = resolve(path);
  if (!node || node->kind != Kind::kParameter) return std::nullopt;
  return read(node->def, path);
}

cwmp::Result<std::uint32_t, std::string> DataModel::add_instance(
    std::string_view table_path, const std::vector<std::pair<std::string, std::string>>& values) {
  auto result = [&] {
    std::lock_guard lock(mutex_);
    return add_instance_locked(table_path, values);
  }();
  announce_active();
  return result;
}

cwmp::Result<std::uint32_t, std::string> DataModel::add_instance_locked(
    std::string_view table_path, const std::vector<std::pair<std::string, std::string>>& values) {
  const auto node = resolve(table_path);
  if (!node || node->kind != Kind::kTable) return "not a table: " + std::string(table_path);
  const ObjectDef& def = schema_->object(node->def);
  Table& t = state_.tables[std::string(table_path)];
  if (t.instances.size() >= def.max_entries || t.last == 0xFFFFFFFF) {
    return "the table " + std::string(table_path) + " is full";
  }
  const std::string schema = def.path;
  std::vector<std::pair<std::uint32_t, std::string>> checked;
  for (const auto& [name, value] : values) {
    const std::uint32_t p = schema_->find_param(schema + name);
    if (p == kNoIndex || schema_->param(p).counts_table != kNoIndex ||
        check_value(schema_->param(p), value, false) != 0) {
      return "bad value for " + name;
    }
    checked.emplace_back(p, canonical_value(schema_->param(p), value));
  }
  const std::uint32_t number = create_instance(std::string(table_path), t.last + 1);
  const std::string instance = std::string(table_path) + std::to_string(number) + ".";
  for (std::size_t i = 0; i < checked.size(); ++i) {
    std::string error;
    if (!store(checked[i].first, instance + values[i].first, checked[i].second, error)) {
      log("add_instance: " + error);
    }
  }
  if (def.num_entries_param != kNoIndex) {
    note_change(def.num_entries_param, std::string(cwmp::parent_path(table_path)) +
                                           schema_->param(def.num_entries_param).name);
  }
  persist_or_log();
  return number;
}

bool DataModel::delete_instance(std::string_view instance_path) {
  bool deleted = false;
  {
    std::lock_guard lock(mutex_);
    deleted = delete_instance_locked(instance_path);
  }
  announce_active();
  return deleted;
}

bool DataModel::delete_instance_locked(std::string_view instance_path) {
  const auto node = resolve(instance_path);
  if (!node || node->kind != Kind::kInstance) return false;
  const std::string_view table_path = cwmp::parent_path(instance_path);
  Table& t = state_.tables.find(table_path)->second;
  const auto number = *cwmp::parse_instance_number(cwmp::last_segment(instance_path));
  t.instances.erase(std::lower_bound(t.instances.begin(), t.instances.end(), number));
  erase_under(instance_path);
  const ObjectDef& def = schema_->object(node->def);
  if (def.num_entries_param != kNoIndex) {
    note_change(def.num_entries_param, std::string(cwmp::parent_path(table_path)) +
                                           schema_->param(def.num_entries_param).name);
  }
  persist_or_log();
  return true;
}

void DataModel::set_change_listener(std::function<void(const std::vector<std::string>&)> listener) {
  std::lock_guard lock(mutex_);
  listener_ = std::move(listener);
}

}  // namespace cpe::model
