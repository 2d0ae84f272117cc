// store::Store on SQLite 3. One connection guarded by a mutex; every public method runs in
// exactly one transaction (BEGIN IMMEDIATE when it writes, so a writer never has to upgrade a
// read lock and fail with SQLITE_BUSY half-way). docs/store.md is the user-facing description.
#include "store/sqlite_store.hpp"

#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <functional>
#include <iterator>
#include <mutex>
#include <regex>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <boost/json.hpp>

#include "acs/query.hpp"
#include "cwmp/values.hpp"

namespace store {
namespace {

namespace json = boost::json;

// ---- schema ---------------------------------------------------------------------------------

// Migrations, applied in order at open; schema_version holds how many have run. Append only:
// never edit a migration that has shipped.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE devices (
  id TEXT PRIMARY KEY NOT NULL,
  oui TEXT NOT NULL,
  product_class TEXT NOT NULL,
  serial_number TEXT NOT NULL,
  manufacturer TEXT NOT NULL,
  last_inform INTEGER,
  last_boot INTEGER,
  last_bootstrap INTEGER,
  registered INTEGER,
  remote_address TEXT
);
CREATE INDEX devices_last_inform ON devices (last_inform);
CREATE INDEX devices_serial_number ON devices (serial_number);

-- One row per known path. value is NULL for objects (type 'object') and for leaves whose value
-- is not known yet (type ''); numeric and boolean values are stored canonically.
CREATE TABLE device_params (
  device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  value TEXT,
  type TEXT NOT NULL,
  writable INTEGER,
  notification INTEGER,
  access_list TEXT,
  updated INTEGER NOT NULL,
  PRIMARY KEY (device_id, path)
) WITHOUT ROWID;
CREATE INDEX device_params_path_value ON device_params (path, value);

CREATE TABLE device_tags (
  device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  tag TEXT NOT NULL,
  PRIMARY KEY (device_id, tag)
) WITHOUT ROWID;
CREATE INDEX device_tags_tag ON device_tags (tag);

CREATE TABLE device_events (
  id INTEGER PRIMARY KEY,
  device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  event_code TEXT NOT NULL,
  command_key TEXT NOT NULL,
  received INTEGER NOT NULL
);
CREATE INDEX device_events_device ON device_events (device_id, id);

-- AUTOINCREMENT: a task id is never reused, even after deletion (NBI clients keep ids).
CREATE TABLE tasks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  args TEXT NOT NULL,
  state TEXT NOT NULL,
  created INTEGER NOT NULL,
  expires INTEGER NOT NULL,
  updated INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  result TEXT,
  fault_code INTEGER,
  fault_message TEXT,
  fault_detail TEXT
);
CREATE INDEX tasks_device_state ON tasks (device_id, state, id);
CREATE INDEX tasks_state ON tasks (state, id);
)sql",
    R"sql(
CREATE TABLE cpe_credentials (
  username TEXT PRIMARY KEY NOT NULL,
  password TEXT NOT NULL,
  device_id TEXT NOT NULL DEFAULT ''
);

CREATE TABLE files (
  name TEXT PRIMARY KEY NOT NULL,
  file_type TEXT NOT NULL,
  oui TEXT NOT NULL,
  product_class TEXT NOT NULL,
  version TEXT NOT NULL,
  size INTEGER NOT NULL,
  md5 TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  uploaded INTEGER NOT NULL,
  device_id TEXT NOT NULL,
  storage TEXT NOT NULL
);

ALTER TABLE devices ADD COLUMN cr_result TEXT;
ALTER TABLE devices ADD COLUMN cr_message TEXT;
ALTER TABLE devices ADD COLUMN cr_at INTEGER;
)sql",
    R"sql(
CREATE TABLE presets (
  name TEXT PRIMARY KEY NOT NULL,
  json TEXT NOT NULL,
  updated INTEGER NOT NULL
);
-- Bumped by every put or delete of a preset: ACS processes sharing the database reload theirs.
CREATE TABLE preset_revision (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  revision INTEGER NOT NULL
);
INSERT INTO preset_revision (id, revision) VALUES (1, 0);

CREATE TABLE preset_faults (
  device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  preset TEXT NOT NULL,
  code INTEGER NOT NULL,
  message TEXT NOT NULL,
  retries INTEGER NOT NULL,
  timestamp INTEGER NOT NULL,
  PRIMARY KEY (device_id, preset)
) WITHOUT ROWID;
CREATE INDEX preset_faults_preset ON preset_faults (preset);

CREATE TABLE preset_transfers (
  device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  command_key TEXT NOT NULL,
  preset TEXT NOT NULL,
  status TEXT NOT NULL,
  updated INTEGER NOT NULL,
  PRIMARY KEY (device_id, command_key)
) WITHOUT ROWID;

CREATE TABLE preset_listed (
  device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  updated INTEGER NOT NULL,
  PRIMARY KEY (device_id, path)
) WITHOUT ROWID;

CREATE TABLE preset_runs (
  device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  preset TEXT NOT NULL,
  last_run INTEGER NOT NULL,
  PRIMARY KEY (device_id, preset)
) WITHOUT ROWID;
)sql",
    R"sql(
CREATE TABLE campaigns (
  name TEXT PRIMARY KEY NOT NULL,
  definition TEXT NOT NULL,
  target_version TEXT NOT NULL,
  state TEXT NOT NULL,
  reason TEXT NOT NULL,
  finished_since_resume INTEGER NOT NULL,
  failed_since_resume INTEGER NOT NULL,
  max_in_flight INTEGER NOT NULL,
  created INTEGER NOT NULL,
  updated INTEGER NOT NULL
);
-- Bumped by every change of a campaign's definition or state: the session observers reload.
CREATE TABLE campaign_revision (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  revision INTEGER NOT NULL
);
INSERT INTO campaign_revision (id, revision) VALUES (1, 0);

CREATE TABLE campaign_devices (
  campaign TEXT NOT NULL REFERENCES campaigns (name) ON DELETE CASCADE,
  device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  state TEXT NOT NULL,
  task_id INTEGER NOT NULL,
  fault_code INTEGER NOT NULL,
  fault_message TEXT NOT NULL,
  started INTEGER NOT NULL,
  updated INTEGER NOT NULL,
  PRIMARY KEY (campaign, device_id)
) WITHOUT ROWID;
CREATE INDEX campaign_devices_state ON campaign_devices (campaign, state);
CREATE INDEX campaign_devices_device ON campaign_devices (device_id);
CREATE INDEX campaign_devices_task ON campaign_devices (task_id) WHERE task_id <> 0;
)sql",
};

constexpr std::string_view kNumericTypes =
    "('xsd:int', 'xsd:unsignedInt', 'xsd:long', 'xsd:unsignedLong', 'xsd:double')";

// ---- small helpers --------------------------------------------------------------------------

[[noreturn]] void fail(sqlite3* db, int code, std::string_view what) {
  std::string message(what);
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  throw StoreError(message, code);
}

std::string iso_time(std::int64_t ms) {
  return acs::format_iso_time(ms);
}

// The stored form of a value: numbers and booleans canonical, so that the SQL comparisons of
// query.hpp and the document agree ("007" is stored as "7", "1" as "true" for xsd:boolean).
std::string canonical_value(cwmp::ValueType type, const std::string& text) {
  switch (type) {
    case cwmp::ValueType::kInt:
      if (auto v = cwmp::parse_int(text)) return std::to_string(*v);
      break;
    case cwmp::ValueType::kUnsignedInt:
      if (auto v = cwmp::parse_unsigned_int(text)) return std::to_string(*v);
      break;
    case cwmp::ValueType::kLong:
      if (auto v = cwmp::parse_long(text)) return std::to_string(*v);
      break;
    case cwmp::ValueType::kUnsignedLong:
      if (auto v = cwmp::parse_unsigned_long(text)) return std::to_string(*v);
      break;
    case cwmp::ValueType::kBoolean:
      if (auto v = cwmp::parse_boolean(text)) return *v ? "true" : "false";
      break;
    default:
      break;
  }
  return text;
}

// A stored value as GenieACS shows it in `_value`: numbers and booleans as JSON, the rest as text.
json::value document_value(std::string_view type, const std::string& text) {
  if (type == "xsd:boolean") {
    if (text == "true") return true;
    if (text == "false") return false;
  } else if (type == "xsd:int" || type == "xsd:long") {
    if (auto v = cwmp::parse_long(text)) return *v;
  } else if (type == "xsd:unsignedInt" || type == "xsd:unsignedLong") {
    if (auto v = cwmp::parse_unsigned_long(text)) return *v;
  }
  return json::string(text);
}

// Whether `path` is `prefix` or lies under it; a prefix without a trailing '.' is a parameter
// or an object named without its dot.
bool under(std::string_view path, std::string_view prefix) {
  if (!prefix.empty() && prefix.back() == '.') prefix.remove_suffix(1);
  if (path.substr(0, prefix.size()) != prefix) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '.';
}

// ---- statements -----------------------------------------------------------------------------

struct Finalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using StmtPtr = std::unique_ptr<sqlite3_stmt, Finalizer>;

// One use of a prepared statement: binds, steps, reads columns, and resets it afterwards so the
// cached statement holds no lock.
class Use {
 public:
  Use(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Use() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Use(const Use&) = delete;
  Use& operator=(const Use&) = delete;

  Use& bind(int i, std::int64_t v) { return check(sqlite3_bind_int64(stmt_, i, v)); }
  Use& bind(int i, double v) { return check(sqlite3_bind_double(stmt_, i, v)); }
  Use& bind(int i, std::string_view v) {
    return check(
        sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
  }
  Use& bind(int i, const std::optional<std::string>& v) {
    return v ? bind(i, std::string_view(*v)) : bind_null(i);
  }
  Use& bind(int i, const std::optional<std::int64_t>& v) { return v ? bind(i, *v) : bind_null(i); }
  Use& bind_null(int i) { return check(sqlite3_bind_null(stmt_, i)); }

  // True while there is a row.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, rc, "sqlite step");
  }
  void run() {
    while (step()) {
    }
  }

  bool is_null(int c) const { return sqlite3_column_type(stmt_, c) == SQLITE_NULL; }
  std::int64_t integer(int c) const { return sqlite3_column_int64(stmt_, c); }
  std::string text(int c) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, c));
    return p == nullptr ? std::string() : std::string(p, sqlite3_column_bytes(stmt_, c));
  }
  std::optional<std::int64_t> opt_integer(int c) const {
    return is_null(c) ? std::nullopt : std::optional<std::int64_t>(integer(c));
  }
  int changes() const { return sqlite3_changes(db_); }

 private:
  Use& check(int rc) {
    if (rc != SQLITE_OK) fail(db_, rc, "sqlite bind");
    return *this;
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

// ---- regexp() for SQLite ---------------------------------------------------------------------

// regexp(pattern, value): "value REGEXP pattern" in SQL. The compiled regex is kept as SQLite
// auxiliary data on the pattern argument, so a bound pattern compiles once per statement run.
void regexp_function(sqlite3_context* ctx, int /*argc*/, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  auto* cached = static_cast<std::regex*>(sqlite3_get_auxdata(ctx, 0));
  std::unique_ptr<std::regex> compiled;
  if (cached == nullptr) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
    const std::string_view bound(p, static_cast<std::size_t>(sqlite3_value_bytes(argv[0])));
    const acs::query::RegexSpec spec = acs::query::split_regex_flags(bound);
    auto flags = std::regex::ECMAScript;
    if (spec.case_insensitive) flags |= std::regex::icase;
    try {
      compiled = std::make_unique<std::regex>(spec.pattern.begin(), spec.pattern.end(), flags);
    } catch (const std::regex_error& e) {
      sqlite3_result_error(ctx, e.what(), -1);
      return;
    }
    cached = compiled.get();
  }
  const auto* v = reinterpret_cast<const char*>(sqlite3_value_text(argv[1]));
  const std::size_t n = static_cast<std::size_t>(sqlite3_value_bytes(argv[1]));
  try {
    sqlite3_result_int(ctx, std::regex_search(v, v + n, *cached) ? 1 : 0);
  } catch (const std::regex_error& e) {  // e.g. error_complexity on hostile input
    sqlite3_result_error(ctx, e.what(), -1);
    return;
  }
  // Last: SQLite may destroy the data at once, so it must not be used after this call.
  if (compiled) {
    sqlite3_set_auxdata(ctx, 0, compiled.release(),
                        [](void* r) { delete static_cast<std::regex*>(r); });
  }
}

// ---- the store ------------------------------------------------------------------------------

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(const std::string& path) {
    const int rc = sqlite3_open_v2(
        path.c_str(), &db_,
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
        nullptr);
    if (rc != SQLITE_OK) {
      std::string message = "sqlite open " + path + ": " +
                            (db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
      sqlite3_close_v2(db_);
      throw StoreError(message, rc);
    }
    try {
      configure();
      migrate();
    } catch (...) {
      cache_.clear();
      sqlite3_close_v2(db_);
      throw;
    }
  }

  ~SqliteStore() override {
    cache_.clear();  // statements first, or close would report SQLITE_BUSY
    sqlite3_close_v2(db_);
  }

  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // --- session steps ---------------------------------------------------------------------

  void record_inform(const acs::InformRecord& inform) override {
    return write([&] {
      const acs::Millis now = inform.received;
      {
        Use u = use(
            "INSERT INTO devices (id, oui, product_class, serial_number, manufacturer, last_inform,"
            " last_boot, last_bootstrap, registered, remote_address)"
            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, CASE WHEN ?7 THEN ?6 END, CASE WHEN ?8 THEN ?6 END,"
            " ?6, ?9)"
            " ON CONFLICT (id) DO UPDATE SET oui = excluded.oui,"
            " product_class = excluded.product_class, serial_number = excluded.serial_number,"
            " manufacturer = excluded.manufacturer, last_inform = excluded.last_inform,"
            " last_boot = COALESCE(excluded.last_boot, last_boot),"
            " last_bootstrap = COALESCE(excluded.last_bootstrap, last_bootstrap),"
            " remote_address = excluded.remote_address");
        u.bind(1, std::string_view(inform.device_id))
            .bind(2, std::string_view(inform.device.oui))
            .bind(3, std::string_view(inform.device.product_class))
            .bind(4, std::string_view(inform.device.serial_number))
            .bind(5, std::string_view(inform.device.manufacturer))
            .bind(6, std::int64_t{now})
            .bind(7, std::int64_t{inform.boot() ? 1 : 0})
            .bind(8, std::int64_t{inform.bootstrap() ? 1 : 0})
            .bind(9, std::string_view(inform.remote_address));
        u.run();
      }
      if (inform.bootstrap()) {
        // 0 BOOTSTRAP: the device starts afresh (factory reset or first contact), so what we knew
        // of its data model is stale; tags and queued tasks are the operator's and stay.
        Use u = use("DELETE FROM device_params WHERE device_id = ?1");
        u.bind(1, std::string_view(inform.device_id)).run();
        // Presets start afresh too: a configuration file is sent again, faults are forgotten.
        Use t = use("DELETE FROM preset_transfers WHERE device_id = ?1");
        t.bind(1, std::string_view(inform.device_id)).run();
        Use f = use("DELETE FROM preset_faults WHERE device_id = ?1");
        f.bind(1, std::string_view(inform.device_id)).run();
        Use l = use("DELETE FROM preset_listed WHERE device_id = ?1");
        l.bind(1, std::string_view(inform.device_id)).run();
      }
      upsert_parameters(inform.device_id, inform.parameters, now);
      for (const cwmp::EventStruct& event : inform.events) {
        Use u =
            use("INSERT INTO device_events (device_id, event_code, command_key, received)"
                " VALUES (?1, ?2, ?3, ?4)");
        u.bind(1, std::string_view(inform.device_id))
            .bind(2, std::string_view(event.event_code))
            .bind(3, std::string_view(event.command_key))
            .bind(4, std::int64_t{now})
            .run();
      }
      {
        Use u =
            use("DELETE FROM device_events WHERE device_id = ?1 AND id NOT IN (SELECT id FROM"
                " device_events WHERE device_id = ?1 ORDER BY id DESC LIMIT ?2)");
        u.bind(1, std::string_view(inform.device_id))
            .bind(2, static_cast<std::int64_t>(kMaxEventsPerDevice))
            .run();
      }
    });
  }

  std::optional<acs::Task> next_task(std::string_view device_id, acs::Millis now) override {
    return write([&] {
      {
        Use u =
            use("UPDATE tasks SET state = 'expired', updated = ?2 WHERE device_id = ?1 AND state IN"
                " ('queued', 'sent') AND expires > 0 AND expires <= ?2");
        u.bind(1, device_id).bind(2, std::int64_t{now}).run();
      }
      std::optional<acs::Task> task;
      {
        Use u = use(std::string(kTaskSelect) +
                    " WHERE device_id = ?1 AND state IN ('queued', 'sent') ORDER BY id LIMIT 1");
        u.bind(1, device_id);
        if (u.step()) task = read_task(u);
      }
      return task;
    });
  }

  void mark_task_sent(std::int64_t task_id, acs::Millis now) override {
    return write([&] {
      Use u = use(
          "UPDATE tasks SET state = 'sent', attempts = attempts + 1, updated = ?2 WHERE id = ?1");
      u.bind(1, task_id).bind(2, std::int64_t{now}).run();
    });
  }

  void complete_task(std::int64_t task_id, const json::value& result,
                     const std::vector<acs::ParameterUpdate>& learned,
                     const std::vector<std::string>& removed_prefixes, acs::Millis now) override {
    return write([&] {
      std::optional<std::string> device_id;
      {
        Use u = use("SELECT device_id FROM tasks WHERE id = ?1");
        u.bind(1, task_id);
        if (u.step()) device_id = u.text(0);
      }
      if (!device_id) return;  // deleted meanwhile (NBI or device deletion): nothing to store
      {
        Use u =
            use("UPDATE tasks SET state = 'done', result = ?2, updated = ?3, fault_code = NULL,"
                " fault_message = NULL, fault_detail = NULL WHERE id = ?1");
        u.bind(1, task_id).bind(2, std::string_view(json::serialize(result))).bind(3, now).run();
      }
      remove_prefixes(*device_id, removed_prefixes, learned);
      upsert_parameters(*device_id, learned, now);
    });
  }

  void record_parameters(std::string_view device_id,
                         const std::vector<acs::ParameterUpdate>& learned,
                         const std::vector<std::string>& removed_prefixes,
                         acs::Millis now) override {
    return write([&] {
      remove_prefixes(device_id, removed_prefixes, learned);
      upsert_parameters(device_id, learned, now);
    });
  }

  void fail_task(std::int64_t task_id, const acs::TaskFault& fault, acs::Millis now) override {
    json::array detail;
    for (const cwmp::SetParameterValuesFault& f : fault.parameter_faults) {
      detail.push_back(json::object{{"parameterName", f.parameter_name},
                                    {"faultCode", f.fault_code},
                                    {"faultString", f.fault_string}});
    }
    return write([&] {
      Use u =
          use("UPDATE tasks SET state = 'fault', fault_code = ?2, fault_message = ?3,"
              " fault_detail = ?4, updated = ?5 WHERE id = ?1");
      u.bind(1, task_id)
          .bind(2, std::int64_t{fault.code})
          .bind(3, std::string_view(fault.message))
          .bind(4, std::string_view(json::serialize(detail)))
          .bind(5, now)
          .run();
    });
  }

  // --- NBI ---------------------------------------------------------------------------------

  std::int64_t add_task(std::string_view device_id, acs::TaskType type, const json::object& args,
                        acs::Millis now, acs::Millis expires) override {
    return write([&] {
      Use u =
          use("INSERT INTO tasks (device_id, type, args, state, created, expires, updated)"
              " VALUES (?1, ?2, ?3, 'queued', ?4, ?5, ?4)");
      u.bind(1, device_id)
          .bind(2, acs::to_string(type))
          .bind(3, std::string_view(json::serialize(args)))
          .bind(4, now)
          .bind(5, expires)
          .run();
      const std::int64_t id = sqlite3_last_insert_rowid(db_);
      return id;
    });
  }

  std::optional<acs::Task> get_task(std::int64_t task_id) override {
    std::lock_guard lock(mutex_);
    Transaction txn(*this, false);
    std::optional<acs::Task> task;
    {
      Use u = use(std::string(kTaskSelect) + " WHERE id = ?1");
      u.bind(1, task_id);
      if (u.step()) task = read_task(u);
    }
    txn.commit();
    return task;
  }

  std::vector<acs::Task> list_tasks(const TaskFilter& filter) override {
    std::lock_guard lock(mutex_);
    Transaction txn(*this, false);
    std::vector<acs::Task> tasks;
    {
      Use u = use(std::string(kTaskSelect) +
                  " WHERE (?1 IS NULL OR device_id = ?1) AND (?2 IS NULL OR state = ?2)"
                  " ORDER BY id LIMIT ?3");
      if (filter.device_id) u.bind(1, std::string_view(*filter.device_id));
      if (filter.state) u.bind(2, acs::to_string(*filter.state));
      u.bind(3, filter.limit == 0 ? std::int64_t{-1} : static_cast<std::int64_t>(filter.limit));
      while (u.step()) tasks.push_back(read_task(u));
    }
    txn.commit();
    return tasks;
  }

  bool delete_task(std::int64_t task_id) override {
    return write([&] {
      Use u = use("DELETE FROM tasks WHERE id = ?1");
      u.bind(1, task_id).run();
      const bool deleted = u.changes() > 0;
      return deleted;
    });
  }

  bool retry_task(std::int64_t task_id, acs::Millis now) override {
    return write([&] {
      // An expired task gets its original lifetime again from now, or it would expire at once.
      Use u = use(
          "UPDATE tasks SET state = 'queued', updated = ?2, fault_code = NULL,"
          " fault_message = NULL, fault_detail = NULL, result = NULL,"
          " expires = CASE WHEN expires > 0 AND expires <= ?2 THEN ?2 + MAX(expires - created, 1)"
          " ELSE expires END WHERE id = ?1 AND state IN ('fault', 'expired')");
      u.bind(1, task_id).bind(2, now).run();
      const bool retried = u.changes() > 0;
      return retried;
    });
  }

  bool device_exists(std::string_view device_id) override {
    std::lock_guard lock(mutex_);
    Transaction txn(*this, false);
    bool exists = false;
    {
      Use u = use("SELECT 1 FROM devices WHERE id = ?1");
      u.bind(1, device_id);
      exists = u.step();
    }
    txn.commit();
    return exists;
  }

  std::optional<json::object> device_document(std::string_view device_id,
                                              const std::vector<std::string>& projection) override {
    std::lock_guard lock(mutex_);
    Transaction txn(*this, false);
    auto doc = build_document(device_id, projection);
    txn.commit();
    return doc;
  }

  std::vector<json::object> find_devices(const acs::query::Query& query,
                                         const FindOptions& options) override {
    const acs::query::SqlWhere where =
        acs::query::to_sql_where(query, acs::query::SqlDialect::kSqlite);
    std::string sql = "SELECT devices.id FROM devices WHERE " + where.text + " ORDER BY ";
    std::vector<std::string> sort_paths;
    for (const auto& [field, direction] : options.sort) {
      const std::string_view dir = direction < 0 ? " DESC, " : " ASC, ";
      if (auto column = sort_column(field)) {
        sql += "devices." + std::string(*column) + std::string(dir);
        continue;
      }
      if (!field.empty() && field.front() == '_') continue;  // _tags and unknown: no order
      std::string path = field;
      if (path.ends_with("._value")) path.resize(path.size() - 7);
      sort_paths.push_back(path);
      // Numeric parameters sort by number, then everything by text (NULL, i.e. missing, first
      // ascending like MongoDB).
      // Built apart: GCC 12 -O3 warns (-Wrestrict) on "?" + to_string().
      std::string p(1, '?');
      p += std::to_string(where.bindings.size() + sort_paths.size());
      sql += "(SELECT CASE WHEN p.type IN " + std::string(kNumericTypes) +
             " THEN CAST(p.value AS REAL) END FROM device_params p WHERE p.device_id = devices.id"
             " AND p.path = " +
             p + ")" + std::string(dir);
      sql +=
          "(SELECT p.value FROM device_params p WHERE p.device_id = devices.id AND p.path = " + p +
          ")" + std::string(dir);
    }
    sql += "devices.id LIMIT ? OFFSET ?";

    std::lock_guard lock(mutex_);
    Transaction txn(*this, false);
    std::vector<std::string> ids;
    {
      StmtPtr stmt = prepare_once(sql);
      Use u(db_, stmt.get());
      int i = bind_where(u, where);
      for (const std::string& path : sort_paths) u.bind(++i, std::string_view(path));
      u.bind(++i, options.limit == 0 ? std::int64_t{-1} : static_cast<std::int64_t>(options.limit));
      u.bind(++i, static_cast<std::int64_t>(options.skip));
      while (u.step()) ids.push_back(u.text(0));
    }
    std::vector<json::object> documents;
    documents.reserve(ids.size());
    for (const std::string& id : ids) {
      if (auto doc = build_document(id, options.projection)) documents.push_back(std::move(*doc));
    }
    txn.commit();
    return documents;
  }

  std::uint64_t count_devices(const acs::query::Query& query) override {
    const acs::query::SqlWhere where =
        acs::query::to_sql_where(query, acs::query::SqlDialect::kSqlite);
    const std::string sql = "SELECT COUNT(*) FROM devices WHERE " + where.text;
    std::lock_guard lock(mutex_);
    Transaction txn(*this, false);
    std::uint64_t count = 0;
    {
      StmtPtr stmt = prepare_once(sql);
      Use u(db_, stmt.get());
      bind_where(u, where);
      if (u.step()) count = static_cast<std::uint64_t>(u.integer(0));
    }
    txn.commit();
    return count;
  }

  bool delete_device(std::string_view device_id) override {
    return write([&] {
      // Parameters, tags, events and tasks go with it (ON DELETE CASCADE).
      Use u = use("DELETE FROM devices WHERE id = ?1");
      u.bind(1, device_id).run();
      const bool deleted = u.changes() > 0;
      return deleted;
    });
  }

  bool add_tag(std::string_view device_id, std::string_view tag) override {
    return write([&] {
      // false for an unknown device (no foreign-key error) or a tag already there.
      Use u =
          use("INSERT OR IGNORE INTO device_tags (device_id, tag) SELECT id, ?2 FROM devices"
              " WHERE id = ?1");
      u.bind(1, device_id).bind(2, tag).run();
      const bool added = u.changes() > 0;
      return added;
    });
  }

  bool remove_tag(std::string_view device_id, std::string_view tag) override {
    return write([&] {
      Use u = use("DELETE FROM device_tags WHERE device_id = ?1 AND tag = ?2");
      u.bind(1, device_id).bind(2, tag).run();
      const bool removed = u.changes() > 0;
      return removed;
    });
  }

  std::vector<cwmp::EventStruct> recent_events(std::string_view device_id,
                                               std::size_t limit) override {
    std::lock_guard lock(mutex_);
    Transaction txn(*this, false);
    std::vector<cwmp::EventStruct> events;
    {
      Use u =
          use("SELECT event_code, command_key FROM device_events WHERE device_id = ?1"
              " ORDER BY id DESC LIMIT ?2");
      u.bind(1, device_id).bind(2, static_cast<std::int64_t>(limit));
      while (u.step()) events.push_back(cwmp::EventStruct{u.text(0), u.text(1)});
    }
    txn.commit();
    return events;
  }

  // --- transfers ---------------------------------------------------------------------------

  std::optional<std::int64_t> complete_transfer(std::string_view device_id,
                                                std::string_view command_key,
                                                const json::object& outcome,
                                                const std::optional<acs::TaskFault>& fault,
                                                acs::Millis now) override {
    return write([&]() -> std::optional<std::int64_t> {
      std::int64_t task_id = 0;
      json::object result;
      {
        Use u =
            use("SELECT id, result FROM tasks WHERE device_id = ?1"
                " AND type IN ('download', 'upload', 'scheduleDownload')"
                " AND (json_extract(args, '$.commandKey') = ?2 OR ('task-' || id) = ?2)"
                " ORDER BY id DESC LIMIT 1");
        u.bind(1, device_id).bind(2, command_key);
        if (!u.step()) return std::nullopt;
        task_id = u.integer(0);
        if (!u.is_null(1)) {
          if (json::value v = parse_json(u.text(1)); v.is_object())
            result = std::move(v.get_object());
        }
      }
      result["transferComplete"] = outcome;
      const std::string result_text = json::serialize(result);
      if (fault) {
        Use u = use(
            "UPDATE tasks SET state = 'fault', result = ?2, fault_code = ?3, fault_message = ?4,"
            " fault_detail = '[]', updated = ?5 WHERE id = ?1");
        u.bind(1, task_id)
            .bind(2, std::string_view(result_text))
            .bind(3, std::int64_t{fault->code})
            .bind(4, std::string_view(fault->message))
            .bind(5, now)
            .run();
      } else {
        Use u = use(
            "UPDATE tasks SET state = 'done', result = ?2, fault_code = NULL, fault_message = NULL,"
            " fault_detail = NULL, updated = ?3 WHERE id = ?1");
        u.bind(1, task_id).bind(2, std::string_view(result_text)).bind(3, now).run();
      }
      return task_id;
    });
  }

  // --- CPE credentials ---------------------------------------------------------------------

  std::optional<CpeCredentials> cpe_credentials(std::string_view username) override {
    std::lock_guard lock(mutex_);
    Transaction txn(*this, false);
    std::optional<CpeCredentials> found;
    {
      Use u = use("SELECT username, password, device_id FROM cpe_credentials WHERE username = ?1");
      u.bind(1, username);
      if (u.step()) found = CpeCredentials{u.text(0), u.text(1), u.text(2)};
    }
    txn.commit();
    return found;
  }

  void put_cpe_credentials(const CpeCredentials& c) override {
    return write([&] {
      Use u =
          use("INSERT INTO cpe_credentials (username, password, device_id) VALUES (?1, ?2, ?3)"
              " ON CONFLICT (username) DO UPDATE SET password = excluded.password,"
              " device_id = excluded.device_id");
      u.bind(1, std::string_view(c.username))
          .bind(2, std::string_view(c.password))
          .bind(3, std::string_view(c.device_id))
          .run();
    });
  }

  bool delete_cpe_credentials(std::string_view username) override {
    return write([&] {
      Use u = use("DELETE FROM cpe_credentials WHERE username = ?1");
      u.bind(1, username).run();
      const bool removed = u.changes() > 0;
      return removed;
    });
  }

  std::vector<CpeCredentials> list_cpe_credentials() override {
    std::lock_guard lock(mutex_);
    Transaction txn(*this, false);
    std::vector<CpeCredentials> out;
    {
      Use u = use("SELECT username, password, device_id FROM cpe_credentials ORDER BY username");
      while (u.step()) out.push_back(CpeCredentials{u.text(0), u.text(1), u.text(2)});
    }
    txn.commit();
    return out;
  }

  // --- connection requests -----------------------------------------------------------------

  std::optional<ConnectionRequestTarget> connection_request_target(
      std::string_view device_id) override {
    std::lock_guard lock(mutex_);
    Transaction txn(*this, false);
    std::optional<ConnectionRequestTarget> target;
    {
      Use u = use("SELECT 1 FROM devices WHERE id = ?1");
      u.bind(1, device_id);
      if (u.step()) target.emplace();
    }
    if (target) {
      // TR-181 (Device.) or TR-098 (InternetGatewayDevice.) root: whichever the device has.
      Use u =
          use("SELECT path, value FROM device_params WHERE device_id = ?1 AND path IN ("
              "'Device.ManagementServer.ConnectionRequestURL',"
              "'Device.ManagementServer.ConnectionRequestUsername',"
              "'Device.ManagementServer.ConnectionRequestPassword',"
              "'InternetGatewayDevice.ManagementServer.ConnectionRequestURL',"
              "'InternetGatewayDevice.ManagementServer.ConnectionRequestUsername',"
              "'InternetGatewayDevice.ManagementServer.ConnectionRequestPassword')");
      u.bind(1, device_id);
      while (u.step()) {
        const std::string path = u.text(0);
        const std::string value = u.text(1);
        if (path.ends_with(".ConnectionRequestURL")) {
          target->url = value;
        } else if (path.ends_with(".ConnectionRequestUsername")) {
          target->username = value;
        } else {
          target->password = value;
        }
      }
    }
    txn.commit();
    return target;
  }

  void record_connection_request(std::string_view device_id,
                                 const ConnectionRequestRecord& record) override {
    return write([&] {
      Use u = use("UPDATE devices SET cr_result = ?2, cr_message = ?3, cr_at = ?4 WHERE id = ?1");
      u.bind(1, device_id)
          .bind(2, std::string_view(record.result))
          .bind(3, std::string_view(record.message))
          .bind(4, record.at)
          .run();
    });
  }

  // --- files -------------------------------------------------------------------------------

  void put_file(const FileInfo& f) override {
    return write([&] {
      Use u = use(
          "INSERT OR REPLACE INTO files (name, file_type, oui, product_class, version, size, md5,"
          " sha256, uploaded, device_id, storage) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
          " ?11)");
      u.bind(1, std::string_view(f.name))
          .bind(2, std::string_view(f.file_type))
          .bind(3, std::string_view(f.oui))
          .bind(4, std::string_view(f.product_class))
          .bind(5, std::string_view(f.version))
          .bind(6, static_cast<std::int64_t>(f.size))
          .bind(7, std::string_view(f.md5))
          .bind(8, std::string_view(f.sha256))
          .bind(9, f.uploaded)
          .bind(10, std::string_view(f.device_id))
          .bind(11, std::string_view(f.storage))
          .run();
    });
  }

  std::optional<FileInfo> get_file(std::string_view name) override {
    std::lock_guard lock(mutex_);
    Transaction txn(*this, false);
    std::optional<FileInfo> found;
    {
      Use u = use(std::string(kFileSelect) + " WHERE name = ?1");
      u.bind(1, name);
      if (u.step()) found = file_row(u);
    }
    txn.commit();
    return found;
  }

  bool delete_file(std::string_view name) override {
    return write([&] {
      Use u = use("DELETE FROM files WHERE name = ?1");
      u.bind(1, name).run();
      const bool removed = u.changes() > 0;
      return removed;
    });
  }

  std::vector<FileInfo> list_files() override {
    std::lock_guard lock(mutex_);
    Transaction txn(*this, false);
    std::vector<FileInfo> out;
    {
      Use u = use(std::string(kFileSelect) + " ORDER BY name");
      while (u.step()) out.push_back(file_row(u));
    }
    txn.commit();
    return out;
  }

  // --- metrics -----------------------------------------------------------------------------

  // ---- campaigns --------------------------------------------------------------------------

  void put_campaign(const StoredCampaign& c, bool keep_progress) override {
    write([&] {
      bool kept = false;
      if (keep_progress) {
        Use u =
            use("UPDATE campaigns SET definition = ?2, target_version = ?3, updated = ?4"
                " WHERE name = ?1");
        u.bind(1, std::string_view(c.name))
            .bind(2, std::string_view(c.definition))
            .bind(3, std::string_view(c.target_version))
            .bind(4, c.updated)
            .run();
        kept = u.changes() > 0;
      }
      if (!kept) {
        Use d = use("DELETE FROM campaign_devices WHERE campaign = ?1");
        d.bind(1, std::string_view(c.name)).run();
        Use u =
            use("INSERT OR REPLACE INTO campaigns (name, definition, target_version, state, reason,"
                " finished_since_resume, failed_since_resume, max_in_flight, created, updated)"
                " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
        u.bind(1, std::string_view(c.name))
            .bind(2, std::string_view(c.definition))
            .bind(3, std::string_view(c.target_version))
            .bind(4, std::string_view(c.state))
            .bind(5, std::string_view(c.reason))
            .bind(6, static_cast<std::int64_t>(c.finished_since_resume))
            .bind(7, static_cast<std::int64_t>(c.failed_since_resume))
            .bind(8, static_cast<std::int64_t>(c.max_in_flight))
            .bind(9, c.created)
            .bind(10, c.updated)
            .run();
      }
      bump_campaign_revision();
    });
  }

  std::optional<StoredCampaign> get_campaign(std::string_view name) override {
    return read([&] { return find_campaign(name); });
  }

  std::vector<StoredCampaign> list_campaigns() override {
    return read([&] {
      std::vector<StoredCampaign> out;
      Use u = use(std::string(kCampaignSelect) + " ORDER BY name");
      while (u.step()) out.push_back(campaign_row(u));
      return out;
    });
  }

  bool delete_campaign(std::string_view name) override {
    return write([&] {
      Use d = use("DELETE FROM campaign_devices WHERE campaign = ?1");
      d.bind(1, name).run();
      Use u = use("DELETE FROM campaigns WHERE name = ?1");
      u.bind(1, name).run();
      const bool removed = u.changes() > 0;
      if (removed) bump_campaign_revision();
      return removed;
    });
  }

  std::int64_t campaigns_revision() override {
    return read([&] {
      Use u = use("SELECT revision FROM campaign_revision WHERE id = 1");
      return u.step() ? u.integer(0) : std::int64_t{0};
    });
  }

  bool set_campaign_state(std::string_view name, const std::vector<std::string>& from,
                          std::string_view to, std::string_view reason, bool reset_counters,
                          acs::Millis now) override {
    return write([&] {
      const std::optional<StoredCampaign> c = find_campaign(name);
      if (!c || std::find(from.begin(), from.end(), c->state) == from.end()) return false;
      Use u =
          use("UPDATE campaigns SET state = ?2, reason = ?3, updated = ?4,"
              " finished_since_resume = CASE WHEN ?5 THEN 0 ELSE finished_since_resume END,"
              " failed_since_resume = CASE WHEN ?5 THEN 0 ELSE failed_since_resume END"
              " WHERE name = ?1");
      u.bind(1, name)
          .bind(2, to)
          .bind(3, reason)
          .bind(4, now)
          .bind(5, std::int64_t{reset_counters ? 1 : 0})
          .run();
      bump_campaign_revision();
      return true;
    });
  }

  CampaignCounts campaign_counts(std::string_view name) override {
    return read([&] {
      CampaignCounts counts;
      Use u =
          use("SELECT state, count(*) FROM campaign_devices WHERE campaign = ?1 GROUP BY state");
      u.bind(1, name);
      while (u.step()) {
        const std::string state = u.text(0);
        const auto n = static_cast<std::uint64_t>(u.integer(1));
        if (state == "downloading") counts.downloading = n;
        if (state == "applied") counts.applied = n;
        if (state == "confirmed") counts.confirmed = n;
        if (state == "failed") counts.failed = n;
      }
      return counts;
    });
  }

  std::vector<CampaignDevice> campaign_devices_of(std::string_view device_id) override {
    return read([&] {
      std::vector<CampaignDevice> out;
      Use u = use(std::string(kCampaignDeviceSelect) + " WHERE device_id = ?1");
      u.bind(1, device_id);
      while (u.step()) out.push_back(campaign_device_row(u));
      return out;
    });
  }

  std::optional<CampaignDevice> campaign_device_by_task(std::int64_t task_id) override {
    return read([&] {
      std::optional<CampaignDevice> found;
      if (task_id == 0) return found;
      Use u = use(std::string(kCampaignDeviceSelect) + " WHERE task_id = ?1 AND task_id <> 0");
      u.bind(1, task_id);
      if (u.step()) found = campaign_device_row(u);
      return found;
    });
  }

  std::vector<CampaignDevice> list_campaign_devices(std::string_view name,
                                                    std::string_view state) override {
    return read([&] {
      std::vector<CampaignDevice> out;
      Use u = use(std::string(kCampaignDeviceSelect) +
                  " WHERE campaign = ?1 AND (?2 = '' OR state = ?2) ORDER BY device_id");
      u.bind(1, name).bind(2, state);
      while (u.step()) out.push_back(campaign_device_row(u));
      return out;
    });
  }

  std::optional<std::int64_t> start_campaign_download(std::string_view name,
                                                      std::string_view device_id,
                                                      const json::object& args,
                                                      std::uint32_t max_concurrent,
                                                      acs::Millis now) override {
    return write([&]() -> std::optional<std::int64_t> {
      const std::optional<StoredCampaign> c = find_campaign(name);
      if (!c || c->state != "running") return std::nullopt;
      const std::int64_t busy = in_flight(name);
      if (busy >= static_cast<std::int64_t>(max_concurrent)) return std::nullopt;
      {
        Use has = use("SELECT 1 FROM campaign_devices WHERE campaign = ?1 AND device_id = ?2");
        has.bind(1, name).bind(2, device_id);
        if (has.step()) return std::nullopt;
      }
      Use t =
          use("INSERT INTO tasks (device_id, type, args, state, created, expires, updated)"
              " VALUES (?1, 'download', ?2, 'queued', ?3, 0, ?3)");
      t.bind(1, device_id).bind(2, std::string_view(json::serialize(args))).bind(3, now).run();
      const std::int64_t task_id = sqlite3_last_insert_rowid(db_);
      Use d = use(
          "INSERT INTO campaign_devices (campaign, device_id, state, task_id, fault_code,"
          " fault_message, started, updated) VALUES (?1, ?2, 'downloading', ?3, 0, '', ?4, ?4)");
      d.bind(1, name).bind(2, device_id).bind(3, task_id).bind(4, now).run();
      Use m = use("UPDATE campaigns SET max_in_flight = max(max_in_flight, ?2) WHERE name = ?1");
      m.bind(1, name).bind(2, busy + 1).run();
      return task_id;
    });
  }

  std::optional<StoredCampaign> add_campaign_device(const CampaignDevice& cd) override {
    return write([&]() -> std::optional<StoredCampaign> {
      Use d =
          use("INSERT OR IGNORE INTO campaign_devices (campaign, device_id, state, task_id,"
              " fault_code, fault_message, started, updated)"
              " SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 WHERE EXISTS"
              " (SELECT 1 FROM campaigns WHERE name = ?1)");
      d.bind(1, std::string_view(cd.campaign))
          .bind(2, std::string_view(cd.device_id))
          .bind(3, std::string_view(cd.state))
          .bind(4, cd.task_id)
          .bind(5, static_cast<std::int64_t>(cd.fault_code))
          .bind(6, std::string_view(cd.fault_message))
          .bind(7, cd.started)
          .bind(8, cd.updated)
          .run();
      if (d.changes() == 0) return std::nullopt;
      count_finished(cd.campaign, cd.state);
      return find_campaign(cd.campaign);
    });
  }

  std::optional<StoredCampaign> update_campaign_device(
      std::string_view name, std::string_view device_id, const std::vector<std::string>& from,
      std::string_view to, std::uint32_t fault_code, std::string_view fault_message,
      acs::Millis now) override {
    return write([&]() -> std::optional<StoredCampaign> {
      std::string current;
      {
        Use s = use("SELECT state FROM campaign_devices WHERE campaign = ?1 AND device_id = ?2");
        s.bind(1, name).bind(2, device_id);
        if (!s.step()) return std::nullopt;
        current = s.text(0);
      }
      if (std::find(from.begin(), from.end(), current) == from.end()) return std::nullopt;
      Use u =
          use("UPDATE campaign_devices SET state = ?3, fault_code = ?4, fault_message = ?5,"
              " updated = ?6 WHERE campaign = ?1 AND device_id = ?2");
      u.bind(1, name)
          .bind(2, device_id)
          .bind(3, to)
          .bind(4, static_cast<std::int64_t>(fault_code))
          .bind(5, fault_message)
          .bind(6, now)
          .run();
      count_finished(name, to);
      return find_campaign(name);
    });
  }

  bool retry_campaign_device(std::string_view name, std::string_view device_id) override {
    return write([&] {
      Use u =
          use("DELETE FROM campaign_devices WHERE campaign = ?1 AND device_id = ?2"
              " AND state = 'failed'");
      u.bind(1, name).bind(2, device_id).run();
      return u.changes() > 0;
    });
  }

  static constexpr std::string_view kCampaignSelect =
      "SELECT name, definition, target_version, state, reason, finished_since_resume,"
      " failed_since_resume, max_in_flight, created, updated FROM campaigns";
  static constexpr std::string_view kCampaignDeviceSelect =
      "SELECT campaign, device_id, state, task_id, fault_code, fault_message, started, updated"
      " FROM campaign_devices";

  static StoredCampaign campaign_row(const Use& u) {
    StoredCampaign c;
    c.name = u.text(0);
    c.definition = u.text(1);
    c.target_version = u.text(2);
    c.state = u.text(3);
    c.reason = u.text(4);
    c.finished_since_resume = static_cast<std::uint64_t>(u.integer(5));
    c.failed_since_resume = static_cast<std::uint64_t>(u.integer(6));
    c.max_in_flight = static_cast<std::uint64_t>(u.integer(7));
    c.created = u.integer(8);
    c.updated = u.integer(9);
    return c;
  }

  static CampaignDevice campaign_device_row(const Use& u) {
    CampaignDevice d;
    d.campaign = u.text(0);
    d.device_id = u.text(1);
    d.state = u.text(2);
    d.task_id = u.integer(3);
    d.fault_code = static_cast<std::uint32_t>(u.integer(4));
    d.fault_message = u.text(5);
    d.started = u.integer(6);
    d.updated = u.integer(7);
    return d;
  }

  // Inside a transaction.
  std::optional<StoredCampaign> find_campaign(std::string_view name) {
    Use u = use(std::string(kCampaignSelect) + " WHERE name = ?1");
    u.bind(1, name);
    if (!u.step()) return std::nullopt;
    return campaign_row(u);
  }

  std::int64_t in_flight(std::string_view name) {
    Use u =
        use("SELECT count(*) FROM campaign_devices WHERE campaign = ?1"
            " AND state IN ('downloading', 'applied')");
    u.bind(1, name);
    return u.step() ? u.integer(0) : 0;
  }

  void count_finished(std::string_view name, std::string_view state) {
    if (state != "confirmed" && state != "failed") return;
    Use u =
        use("UPDATE campaigns SET finished_since_resume = finished_since_resume + 1,"
            " failed_since_resume = failed_since_resume + ?2 WHERE name = ?1");
    u.bind(1, name).bind(2, std::int64_t{state == "failed" ? 1 : 0}).run();
  }

  void bump_campaign_revision() {
    exec_cached("UPDATE campaign_revision SET revision = revision + 1 WHERE id = 1");
  }

  // A read-only transaction around `body`.
  template <typename F>
  auto read(F&& body) -> std::invoke_result_t<F&> {
    std::lock_guard lock(mutex_);
    Transaction txn(*this, false);
    auto result = body();
    txn.commit();
    return result;
  }

  // ---- presets ----------------------------------------------------------------------------

  void put_preset(const StoredPreset& p) override {
    write([&] {
      Use u = use("INSERT OR REPLACE INTO presets (name, json, updated) VALUES (?1, ?2, ?3)");
      u.bind(1, std::string_view(p.name)).bind(2, std::string_view(p.json)).bind(3, p.updated);
      u.run();
      bump_preset_revision();
    });
  }

  std::optional<StoredPreset> get_preset(std::string_view name) override {
    std::lock_guard lock(mutex_);
    Transaction txn(*this, false);
    std::optional<StoredPreset> found;
    {
      Use u = use("SELECT name, json, updated FROM presets WHERE name = ?1");
      u.bind(1, name);
      if (u.step()) found = StoredPreset{u.text(0), u.text(1), u.integer(2)};
    }
    txn.commit();
    return found;
  }

  bool delete_preset(std::string_view name) override {
    return write([&] {
      Use u = use("DELETE FROM presets WHERE name = ?1");
      u.bind(1, name).run();
      const bool removed = u.changes() > 0;
      Use f = use("DELETE FROM preset_faults WHERE preset = ?1");
      f.bind(1, name).run();
      if (removed) bump_preset_revision();
      return removed;
    });
  }

  std::vector<StoredPreset> list_presets() override {
    std::lock_guard lock(mutex_);
    Transaction txn(*this, false);
    std::vector<StoredPreset> out;
    {
      Use u = use("SELECT name, json, updated FROM presets ORDER BY name");
      while (u.step()) out.push_back(StoredPreset{u.text(0), u.text(1), u.integer(2)});
    }
    txn.commit();
    return out;
  }

  std::int64_t presets_revision() override {
    std::lock_guard lock(mutex_);
    Transaction txn(*this, false);
    std::int64_t revision = 0;
    {
      Use u = use("SELECT revision FROM preset_revision WHERE id = 1");
      if (u.step()) revision = u.integer(0);
    }
    txn.commit();
    return revision;
  }

  std::vector<acs::presets::PresetFault> preset_faults(std::string_view device_id) override {
    std::lock_guard lock(mutex_);
    Transaction txn(*this, false);
    std::vector<acs::presets::PresetFault> out;
    {
      Use u =
          use("SELECT device_id, preset, code, message, retries, timestamp FROM preset_faults"
              " WHERE ?1 = '' OR device_id = ?1 ORDER BY device_id, preset");
      u.bind(1, device_id);
      while (u.step()) {
        acs::presets::PresetFault f;
        f.device_id = u.text(0);
        f.preset = u.text(1);
        f.code = static_cast<std::uint32_t>(u.integer(2));
        f.message = u.text(3);
        f.retries = static_cast<std::uint32_t>(u.integer(4));
        f.timestamp = u.integer(5);
        out.push_back(std::move(f));
      }
    }
    txn.commit();
    return out;
  }

  void put_preset_fault(const acs::presets::PresetFault& f) override {
    write([&] {
      Use u =
          use("INSERT OR REPLACE INTO preset_faults (device_id, preset, code, message, retries,"
              " timestamp) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
      u.bind(1, std::string_view(f.device_id))
          .bind(2, std::string_view(f.preset))
          .bind(3, std::int64_t{f.code})
          .bind(4, std::string_view(f.message))
          .bind(5, std::int64_t{f.retries})
          .bind(6, f.timestamp)
          .run();
    });
  }

  bool delete_preset_fault(std::string_view device_id, std::string_view preset) override {
    return write([&] {
      Use u = use("DELETE FROM preset_faults WHERE device_id = ?1 AND preset = ?2");
      u.bind(1, device_id).bind(2, preset).run();
      const bool removed = u.changes() > 0;
      return removed;
    });
  }

  std::vector<PresetTransfer> preset_transfers(std::string_view device_id) override {
    std::lock_guard lock(mutex_);
    Transaction txn(*this, false);
    std::vector<PresetTransfer> out;
    {
      Use u =
          use("SELECT device_id, command_key, preset, status, updated FROM preset_transfers"
              " WHERE device_id = ?1 ORDER BY command_key");
      u.bind(1, device_id);
      while (u.step()) out.push_back(preset_transfer_row(u));
    }
    txn.commit();
    return out;
  }

  void put_preset_transfer(const PresetTransfer& t) override {
    write([&] {
      Use u =
          use("INSERT OR REPLACE INTO preset_transfers (device_id, command_key, preset, status,"
              " updated) VALUES (?1, ?2, ?3, ?4, ?5)");
      u.bind(1, std::string_view(t.device_id))
          .bind(2, std::string_view(t.command_key))
          .bind(3, std::string_view(t.preset))
          .bind(4, transfer_status_name(t.status))
          .bind(5, t.updated)
          .run();
    });
  }

  std::optional<PresetTransfer> complete_preset_transfer(std::string_view device_id,
                                                         std::string_view command_key,
                                                         bool succeeded, acs::Millis now) override {
    return write([&]() -> std::optional<PresetTransfer> {
      const auto status = succeeded ? acs::presets::TransferStatus::kCompleted
                                    : acs::presets::TransferStatus::kFailed;
      {
        Use u =
            use("UPDATE preset_transfers SET status = ?3, updated = ?4"
                " WHERE device_id = ?1 AND command_key = ?2");
        u.bind(1, device_id)
            .bind(2, command_key)
            .bind(3, transfer_status_name(status))
            .bind(4, now)
            .run();
        if (u.changes() == 0) return std::nullopt;
      }
      Use u =
          use("SELECT device_id, command_key, preset, status, updated FROM preset_transfers"
              " WHERE device_id = ?1 AND command_key = ?2");
      u.bind(1, device_id).bind(2, command_key);
      if (!u.step()) return std::nullopt;
      return preset_transfer_row(u);
    });
  }

  std::vector<std::string> preset_listed_tables(std::string_view device_id) override {
    std::lock_guard lock(mutex_);
    Transaction txn(*this, false);
    std::vector<std::string> out;
    {
      Use u = use("SELECT path FROM preset_listed WHERE device_id = ?1 ORDER BY path");
      u.bind(1, device_id);
      while (u.step()) out.push_back(u.text(0));
    }
    txn.commit();
    return out;
  }

  std::vector<std::pair<std::string, acs::Millis>> preset_runs(
      std::string_view device_id) override {
    std::lock_guard lock(mutex_);
    Transaction txn(*this, false);
    std::vector<std::pair<std::string, acs::Millis>> out;
    {
      Use u = use("SELECT preset, last_run FROM preset_runs WHERE device_id = ?1 ORDER BY preset");
      u.bind(1, device_id);
      while (u.step()) out.emplace_back(u.text(0), u.integer(1));
    }
    txn.commit();
    return out;
  }

  void put_preset_run(std::string_view device_id, std::string_view preset,
                      acs::Millis at) override {
    write([&] {
      Use u = use(
          "INSERT OR REPLACE INTO preset_runs (device_id, preset, last_run) VALUES (?1, ?2, ?3)");
      u.bind(1, device_id).bind(2, preset).bind(3, at).run();
    });
  }

  void add_preset_listed_tables(std::string_view device_id, const std::vector<std::string>& tables,
                                acs::Millis now) override {
    write([&] {
      for (const std::string& table : tables) {
        Use u = use(
            "INSERT OR REPLACE INTO preset_listed (device_id, path, updated) VALUES (?1, ?2, ?3)");
        u.bind(1, device_id).bind(2, std::string_view(table)).bind(3, now).run();
      }
    });
  }

  // ---- metrics ----------------------------------------------------------------------------

  std::vector<TaskCount> task_counts() override {
    std::lock_guard lock(mutex_);
    Transaction txn(*this, false);
    std::vector<TaskCount> out;
    {
      Use u = use("SELECT type, state, COUNT(*) FROM tasks GROUP BY type, state");
      while (u.step()) {
        const auto type = acs::parse_task_type(u.text(0));
        const auto state = acs::parse_task_state(u.text(1));
        if (type && state) {
          out.push_back(TaskCount{*type, *state, static_cast<std::uint64_t>(u.integer(2))});
        }
      }
    }
    txn.commit();
    return out;
  }

 private:
  static constexpr std::string_view kFileSelect =
      "SELECT name, file_type, oui, product_class, version, size, md5, sha256, uploaded,"
      " device_id, storage FROM files";

  static FileInfo file_row(const Use& u) {
    FileInfo f;
    f.name = u.text(0);
    f.file_type = u.text(1);
    f.oui = u.text(2);
    f.product_class = u.text(3);
    f.version = u.text(4);
    f.size = static_cast<std::uint64_t>(u.integer(5));
    f.md5 = u.text(6);
    f.sha256 = u.text(7);
    f.uploaded = u.integer(8);
    f.device_id = u.text(9);
    f.storage = u.text(10);
    return f;
  }

  static std::string_view transfer_status_name(acs::presets::TransferStatus status) {
    switch (status) {
      case acs::presets::TransferStatus::kPending:
        return "pending";
      case acs::presets::TransferStatus::kCompleted:
        return "completed";
      case acs::presets::TransferStatus::kFailed:
        return "failed";
    }
    return "pending";
  }

  static PresetTransfer preset_transfer_row(const Use& u) {
    PresetTransfer t;
    t.device_id = u.text(0);
    t.command_key = u.text(1);
    t.preset = u.text(2);
    const std::string status = u.text(3);
    t.status = status == "completed" ? acs::presets::TransferStatus::kCompleted
               : status == "failed"  ? acs::presets::TransferStatus::kFailed
                                     : acs::presets::TransferStatus::kPending;
    t.updated = u.integer(4);
    return t;
  }

  void bump_preset_revision() {
    exec_cached("UPDATE preset_revision SET revision = revision + 1 WHERE id = 1");
  }

  static constexpr std::string_view kTaskSelect =
      "SELECT id, device_id, type, args, state, created, expires, updated, attempts, result,"
      " fault_code, fault_message, fault_detail FROM tasks";

  // ---- group commit --------------------------------------------------------------------------
  //
  // With synchronous=FULL every commit costs an fsync, which bounds a disk to a few hundred
  // commits per second. Writers that arrive while a commit is in progress therefore queue up,
  // and the next of them (the leader) runs the whole queue in ONE transaction, each write in
  // its own savepoint (a write that throws is rolled back alone and its caller gets the
  // exception), then commits once. Every caller still returns only after the commit that
  // holds its write: what a caller acknowledges is on disk, as before, at a fraction of the
  // fsyncs when several threads write at once (the ACS runs its store calls on a pool).
  struct PendingWrite {
    std::function<void()> run;
    std::exception_ptr error;
    bool done = false;
  };

  template <typename F>
  auto write(F&& body) -> std::invoke_result_t<F&> {
    using R = std::invoke_result_t<F&>;
    if constexpr (std::is_void_v<R>) {
      PendingWrite p{[&] { body(); }, nullptr, false};
      submit(p);
      if (p.error) std::rethrow_exception(p.error);
    } else {
      std::optional<R> result;
      PendingWrite p{[&] { result.emplace(body()); }, nullptr, false};
      submit(p);
      if (p.error) std::rethrow_exception(p.error);
      return std::move(*result);
    }
  }

  void submit(PendingWrite& pending) {
    std::unique_lock lock(queue_mutex_);
    queue_.push_back(&pending);
    while (!pending.done) {
      if (committing_) {
        queue_cv_.wait(lock);
        continue;
      }
      committing_ = true;
      std::vector<PendingWrite*> batch;
      batch.swap(queue_);
      lock.unlock();
      run_batch(batch);
      lock.lock();
      committing_ = false;
      for (PendingWrite* w : batch) w->done = true;
      queue_cv_.notify_all();
    }
  }

  void run_batch(const std::vector<PendingWrite*>& batch) {
    std::lock_guard lock(mutex_);
    try {
      Transaction txn(*this, true);
      if (batch.size() == 1) {
        batch.front()->run();  // throws: nothing committed, the transaction rolls back
      } else {
        for (PendingWrite* w : batch) {
          exec_cached("SAVEPOINT batch_write");
          try {
            w->run();
          } catch (...) {
            w->error = std::current_exception();
            exec_cached("ROLLBACK TO batch_write");
          }
          exec_cached("RELEASE batch_write");
        }
      }
      txn.commit();
    } catch (...) {
      // BEGIN, a savepoint or COMMIT failed: nothing of the batch is stored.
      for (PendingWrite* w : batch) {
        if (!w->error) w->error = std::current_exception();
      }
    }
  }

  // BEGIN IMMEDIATE for writers (takes the write lock up front), BEGIN (deferred) for readers;
  // rolled back unless committed, so an exception leaves nothing half-written.
  class Transaction {
   public:
    Transaction(SqliteStore& store, bool write) : store_(store) {
      store_.exec_cached(write ? "BEGIN IMMEDIATE" : "BEGIN");
    }
    ~Transaction() {
      if (!done_) sqlite3_exec(store_.db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit() {
      store_.exec_cached("COMMIT");
      done_ = true;
    }

   private:
    SqliteStore& store_;
    bool done_ = false;
  };

  void exec(const char* sql) {
    char* error = nullptr;
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &error);
    if (rc != SQLITE_OK) {
      std::string message = std::string("sqlite exec: ") + (error ? error : sqlite3_errstr(rc));
      sqlite3_free(error);
      throw StoreError(message, rc);
    }
  }

  void exec_cached(const std::string& sql) { Use(db_, statement(sql)).run(); }

  void configure() {
    sqlite3_extended_result_codes(db_, 1);
    // SQLite's own busy handler: another process (a backup, the CLI) holding the lock briefly
    // makes us wait instead of failing.
    sqlite3_busy_timeout(db_, 5000);
    exec("PRAGMA foreign_keys = ON");
    // WAL: readers do not block the writer and a commit is one sequential append.
    exec("PRAGMA journal_mode = WAL");
    // FULL, not NORMAL: in WAL mode NORMAL does not fsync the WAL at each commit, so a power cut
    // can roll back the last transactions although they committed. The ACS answers an Inform
    // (and the NBI a POST) only after its commit, and the CPE will not send that Inform again:
    // what was acknowledged must be on disk, which only FULL guarantees.
    exec("PRAGMA synchronous = FULL");
    const int rc = sqlite3_create_function_v2(db_, "regexp", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                              nullptr, regexp_function, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) fail(db_, rc, "sqlite create_function regexp");
  }

  void migrate() {
    exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    Transaction txn(*this, true);
    std::int64_t version = 0;
    bool has_row = false;
    {
      Use u = use("SELECT version FROM schema_version");
      if (u.step()) {
        version = u.integer(0);
        has_row = true;
      }
    }
    const auto known = static_cast<std::int64_t>(std::size(kMigrations));
    if (version > known) {
      throw StoreError("database schema version " + std::to_string(version) +
                           " is newer than this program's (" + std::to_string(known) + ")",
                       SQLITE_ERROR);
    }
    for (std::int64_t v = version; v < known; ++v) exec(kMigrations[v]);
    if (!has_row) {
      exec_cached("INSERT INTO schema_version (version) VALUES (0)");
    }
    Use u = use("UPDATE schema_version SET version = ?1");
    u.bind(1, known).run();
    txn.commit();
  }

  // The cached statement for `sql` (prepared once per connection).
  sqlite3_stmt* statement(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return it->second.get();
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) fail(db_, rc, "sqlite prepare");
    cache_.emplace(sql, StmtPtr(stmt));
    return stmt;
  }

  Use use(const std::string& sql) { return Use(db_, statement(sql)); }

  // NBI queries vary without bound; they are prepared per call rather than cached.
  StmtPtr prepare_once(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    const int rc =
        sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
    if (rc != SQLITE_OK) fail(db_, rc, "sqlite prepare");
    return StmtPtr(stmt);
  }

  static int bind_where(Use& u, const acs::query::SqlWhere& where) {
    int i = 0;
    for (const acs::query::SqlValue& v : where.bindings) {
      ++i;
      if (const auto* s = std::get_if<std::string>(&v)) {
        u.bind(i, std::string_view(*s));
      } else if (const auto* d = std::get_if<double>(&v)) {
        u.bind(i, *d);
      } else {
        u.bind(i, std::get<std::int64_t>(v));
      }
    }
    return i;
  }

  static std::optional<std::string_view> sort_column(std::string_view field) {
    static constexpr std::pair<std::string_view, std::string_view> kColumns[] = {
        {"_id", "id"},
        {"_deviceId._OUI", "oui"},
        {"_deviceId._ProductClass", "product_class"},
        {"_deviceId._SerialNumber", "serial_number"},
        {"_deviceId._Manufacturer", "manufacturer"},
        {"_lastInform", "last_inform"},
        {"_lastBoot", "last_boot"},
        {"_lastBootstrap", "last_bootstrap"},
        {"_registered", "registered"},
    };
    for (const auto& [name, column] : kColumns) {
      if (name == field) return column;
    }
    return std::nullopt;
  }

  void upsert_parameters(std::string_view device_id,
                         const std::vector<acs::ParameterUpdate>& updates, acs::Millis now) {
    // Merge: a field absent from the update keeps its stored value.
    static const std::string kUpsert =
        "INSERT INTO device_params (device_id, path, value, type, writable, notification,"
        " access_list, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
        " ON CONFLICT (device_id, path) DO UPDATE SET"
        " writable = COALESCE(excluded.writable, writable),"
        " notification = COALESCE(excluded.notification, notification),"
        " access_list = COALESCE(excluded.access_list, access_list),"
        " updated = excluded.updated";
    // The value apart, and only where it differs: assigning `value` at all makes SQLite
    // rewrite the row's entry in device_params_path_value, and one device's entries are spread
    // over that index (one page each), so an unchanged 1,000-parameter Inform wrote ~4 MB of
    // WAL (bench/scaling.sh). Most values of most Informs are unchanged.
    static const std::string kSetValue =
        "UPDATE device_params SET value = ?3, type = ?4 WHERE device_id = ?1 AND path = ?2"
        " AND (value IS NOT ?3 OR type IS NOT ?4)";
    for (const acs::ParameterUpdate& p : updates) {
      Use u = use(kUpsert);
      u.bind(1, device_id).bind(2, std::string_view(p.path));
      const bool object = !p.path.empty() && p.path.back() == '.';
      std::string value;  // canonical
      std::string_view type_name;
      if (object) {
        u.bind_null(3).bind(4, std::string_view("object"));
      } else if (p.value) {
        const cwmp::ValueType type = p.type.value_or(cwmp::ValueType::kString);
        value = canonical_value(type, *p.value);
        type_name = cwmp::xsi_type_name(type);
        u.bind(3, std::string_view(value)).bind(4, type_name);
      } else {
        u.bind_null(3).bind(4, std::string_view(""));
      }
      if (p.writable) u.bind(5, std::int64_t{*p.writable ? 1 : 0});
      if (p.notification) u.bind(6, std::int64_t{*p.notification});
      if (p.access_list) {
        json::array list;
        for (const std::string& a : *p.access_list) list.emplace_back(a);
        u.bind(7, std::string_view(json::serialize(list)));
      }
      u.bind(8, now);
      u.run();
      if (object || p.value) {
        Use set = use(kSetValue);
        set.bind(1, device_id).bind(2, std::string_view(p.path));
        if (object) {
          set.bind_null(3).bind(4, std::string_view("object"));
        } else {
          set.bind(3, std::string_view(value)).bind(4, type_name);
        }
        set.run();
      }
    }
  }

  // Removes the stored subtrees of `prefixes`, except the paths `learned` names in the same
  // step: those exist (a refreshObject names what is there), and keeping their rows keeps
  // what we know of them, e.g. a password the ACS set, which the CPE reads back as "".
  void remove_prefixes(std::string_view device_id, const std::vector<std::string>& prefixes,
                       const std::vector<acs::ParameterUpdate>& learned) {
    std::unordered_set<std::string_view> keep;
    if (!prefixes.empty()) {
      keep.reserve(learned.size());
      for (const acs::ParameterUpdate& u : learned) keep.insert(u.path);
    }
    for (std::string prefix : prefixes) {
      if (prefix.empty()) continue;
      if (prefix.back() != '.') prefix += '.';
      // The subtree is the range [prefix, prefix with its '.' turned into '/'), which uses the
      // primary key; the object itself may also be stored without its dot.
      std::string end = prefix;
      end.back() = '/';
      const std::string_view bare = std::string_view(prefix).substr(0, prefix.size() - 1);
      if (keep.empty()) {
        Use u =
            use("DELETE FROM device_params WHERE device_id = ?1 AND ((path >= ?2 AND path < ?3)"
                " OR path = ?4)");
        u.bind(1, device_id)
            .bind(2, std::string_view(prefix))
            .bind(3, std::string_view(end))
            .bind(4, bare)
            .run();
        continue;
      }
      std::vector<std::string> stale;
      {
        Use u =
            use("SELECT path FROM device_params WHERE device_id = ?1 AND ((path >= ?2 AND"
                " path < ?3) OR path = ?4)");
        u.bind(1, device_id)
            .bind(2, std::string_view(prefix))
            .bind(3, std::string_view(end))
            .bind(4, bare);
        while (u.step()) {
          std::string path = u.text(0);
          if (!keep.contains(path)) stale.push_back(std::move(path));
        }
      }
      for (const std::string& path : stale) {
        Use u = use("DELETE FROM device_params WHERE device_id = ?1 AND path = ?2");
        u.bind(1, device_id).bind(2, std::string_view(path)).run();
      }
    }
  }

  acs::Task read_task(const Use& u) {
    acs::Task t;
    t.id = u.integer(0);
    t.device_id = u.text(1);
    t.type = acs::parse_task_type(u.text(2)).value_or(acs::TaskType::kGetParameterValues);
    if (json::value args = parse_json(u.text(3)); args.is_object()) t.args = args.get_object();
    t.state = acs::parse_task_state(u.text(4)).value_or(acs::TaskState::kFault);
    t.created = u.integer(5);
    t.expires = u.integer(6);
    t.updated = u.integer(7);
    t.attempts = static_cast<std::uint32_t>(u.integer(8));
    if (!u.is_null(9)) t.result = parse_json(u.text(9));
    if (!u.is_null(10)) {
      acs::TaskFault fault;
      fault.code = static_cast<std::uint32_t>(u.integer(10));
      fault.message = u.text(11);
      if (json::value detail = parse_json(u.text(12)); detail.is_array()) {
        for (const json::value& f : detail.get_array()) {
          if (!f.is_object()) continue;
          const json::object& o = f.get_object();
          cwmp::SetParameterValuesFault pf;
          if (auto* n = o.if_contains("parameterName"); n && n->is_string()) {
            pf.parameter_name = std::string(n->get_string());
          }
          if (auto* c = o.if_contains("faultCode"); c && c->is_number()) {
            pf.fault_code = c->to_number<std::uint32_t>();
          }
          if (auto* s = o.if_contains("faultString"); s && s->is_string()) {
            pf.fault_string = std::string(s->get_string());
          }
          fault.parameter_faults.push_back(std::move(pf));
        }
      }
      t.fault = std::move(fault);
    }
    return t;
  }

  static json::value parse_json(const std::string& text) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    return ec ? json::value() : v;
  }

  // Whether a projection keeps the top-level field or parameter path `path`, and whether it
  // keeps all of it (false: only some of its children are listed).
  static bool projected(const std::vector<std::string>& projection, std::string_view path) {
    if (projection.empty()) return true;
    for (const std::string& p : projection) {
      if (p.empty() || under(path, p) || under(p, path)) return true;
    }
    return false;
  }

  std::optional<json::object> build_document(std::string_view device_id,
                                             const std::vector<std::string>& projection) {
    json::object doc;
    {
      Use u = use(
          "SELECT id, oui, product_class, serial_number, manufacturer, last_inform, last_boot,"
          " last_bootstrap, registered, cr_result, cr_message, cr_at FROM devices WHERE id = ?1");
      u.bind(1, device_id);
      if (!u.step()) return std::nullopt;
      doc["_id"] = u.text(0);
      static constexpr std::string_view kIdFields[] = {"_OUI", "_ProductClass", "_SerialNumber",
                                                       "_Manufacturer"};
      json::object ids;
      for (int i = 0; i < 4; ++i) {
        const std::string full = "_deviceId." + std::string(kIdFields[i]);
        if (projected(projection, full)) ids[kIdFields[i]] = u.text(i + 1);
      }
      if (!ids.empty()) doc["_deviceId"] = std::move(ids);
      static constexpr std::string_view kTimes[] = {"_lastInform", "_lastBoot", "_lastBootstrap",
                                                    "_registered"};
      for (int i = 0; i < 4; ++i) {
        if (!u.is_null(5 + i) && projected(projection, kTimes[i])) {
          doc[kTimes[i]] = iso_time(u.integer(5 + i));
        }
      }
      if (!u.is_null(9) && projected(projection, "_lastConnectionRequest")) {
        doc["_lastConnectionRequest"] = json::object{
            {"result", u.text(9)}, {"message", u.text(10)}, {"timestamp", iso_time(u.integer(11))}};
      }
    }
    if (projected(projection, "_tags")) {
      json::array tags;
      Use u = use("SELECT tag FROM device_tags WHERE device_id = ?1 ORDER BY tag");
      u.bind(1, device_id);
      while (u.step()) tags.emplace_back(u.text(0));
      doc["_tags"] = std::move(tags);
    }
    Use u =
        use("SELECT path, value, type, writable, notification, access_list, updated FROM"
            " device_params WHERE device_id = ?1 ORDER BY path");
    u.bind(1, device_id);
    while (u.step()) {
      const std::string path = u.text(0);
      if (!projected(projection, path)) continue;
      add_parameter(doc, path, u);
    }
    return doc;
  }

  static void add_parameter(json::object& doc, std::string_view path, const Use& u) {
    const bool object = !path.empty() && path.back() == '.';
    if (object) path.remove_suffix(1);
    json::object* node = &doc;
    std::size_t start = 0;
    while (true) {
      const std::size_t dot = path.find('.', start);
      const std::string_view segment =
          path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
      json::value& child = (*node)[segment];
      if (!child.is_object()) {
        child = json::object();
        if (dot != std::string_view::npos) child.get_object()["_object"] = true;
      }
      node = &child.get_object();
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
    const std::string type = u.text(2);
    if (object) {
      (*node)["_object"] = true;
    } else if (!u.is_null(1)) {
      (*node)["_value"] = document_value(type, u.text(1));
      (*node)["_type"] = type;
    }
    if (!u.is_null(3)) (*node)["_writable"] = u.integer(3) != 0;
    if (!u.is_null(4)) (*node)["_notification"] = u.integer(4);
    if (!u.is_null(5)) {
      if (json::value list = parse_json(u.text(5)); list.is_array()) {
        (*node)["_accessList"] = std::move(list);
      }
    }
    (*node)["_timestamp"] = iso_time(u.integer(6));
  }

  std::mutex mutex_;        // the connection: one transaction at a time
  std::mutex queue_mutex_;  // the group-commit queue
  std::condition_variable queue_cv_;
  std::vector<PendingWrite*> queue_;
  bool committing_ = false;
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, StmtPtr> cache_;
};

}  // namespace

std::unique_ptr<Store> open_sqlite(const std::string& path) {
  return std::make_unique<SqliteStore>(path);
}

}  // namespace store
