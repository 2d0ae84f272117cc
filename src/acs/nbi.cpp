// The northbound REST/JSON API (docs/nbi.md). Routing, authentication and the handlers; the
// documents and the URL helpers are in nbi_docs.cpp. Every store and file-repository call runs
// on the store executor (Impl::on_store); the handlers themselves run on the connection's
// executor and only wait there.
#include <cstdio>
#include <ctime>

#include "acs/nbi_impl.hpp"

namespace acs {

// ---- authentication, routing ------------------------------------------------------------------

bool Nbi::Impl::authorized(const net::Request& request) const {
  if (options.token.empty()) return true;
  std::string_view value = header(request, "Authorization");
  constexpr std::string_view kScheme = "bearer";
  if (value.size() <= kScheme.size()) return false;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(value[i])) != kScheme[i]) return false;
  }
  value.remove_prefix(kScheme.size());
  if (value.front() != ' ') return false;
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  return constant_time_equals(value, options.token);
}

asio::awaitable<net::Response> Nbi::Impl::route(net::Request& request, const Target& target) {
  const auto& s = target.segments;
  if (s.empty()) not_found("no such endpoint");
  const std::string& root = s[0];
  if (root == "healthz" && s.size() == 1) {
    require_method(request, {http::verb::get, http::verb::head});
    co_return co_await healthz(request);
  }
  if (!authorized(request)) {
    throw ApiError(http::status::unauthorized,
                   "a valid \"Authorization: Bearer <token>\" is needed");
  }
  if (root == "metrics" && s.size() == 1) {
    require_method(request, {http::verb::get});
    co_return co_await render_metrics(request);
  }
  if (root == "devices") co_return co_await devices(request, target);
  if (root == "tasks") co_return co_await tasks(request, target);
  if (root == "faults") co_return co_await faults(request, target);
  if (root == "files") co_return co_await files_endpoint(request, target);
  if (root == "cpe-credentials") co_return co_await credentials(request, target);
  if (root == "presets") co_return co_await presets(request, target);
  if (root == "campaigns") co_return co_await campaigns(request, target);
  not_found("no such endpoint");
}

// ---- health and metrics -----------------------------------------------------------------------

asio::awaitable<net::Response> Nbi::Impl::healthz(const net::Request& request) {
  std::string error;
  try {
    co_await on_store([this] { return store.count_devices(query::Query{}); });
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (!error.empty()) {
    spdlog::error("nbi: health check failed: {}", error);
    co_return json_response(request, http::status::service_unavailable,
                            json::object{{"status", "error"}, {"error", error}});
  }
  co_return json_response(request, http::status::ok, json::object{{"status", "ok"}});
}

void Nbi::Impl::refresh_gauges() {
  const std::vector<store::TaskCount> counts = store.task_counts();
  const std::uint64_t devices = store.count_devices(query::Query{});
  std::lock_guard lock(gauge_mutex);
  metrics.set("cwmp_devices", {}, static_cast<double>(devices));
  std::set<Metrics::Labels> now;
  for (const store::TaskCount& c : counts) {
    Metrics::Labels labels{{"type", std::string(to_string(c.type))},
                           {"state", std::string(to_string(c.state))}};
    metrics.set("cwmp_tasks", labels, static_cast<double>(c.count));
    now.insert(labels);
    task_series.insert(std::move(labels));
  }
  // task_counts() leaves out empty groups: a group that emptied must read 0, not its old value.
  for (const Metrics::Labels& labels : task_series) {
    if (!now.contains(labels)) metrics.set("cwmp_tasks", labels, 0);
  }
}

asio::awaitable<net::Response> Nbi::Impl::render_metrics(const net::Request& request) {
  // render() may run gauge sources that query the store: off the event loop too.
  std::string text = co_await on_store([this] {
    refresh_gauges();
    return metrics.render();
  });
  net::Response r = make_response(request, http::status::ok);
  r.message.set(http::field::content_type, "text/plain; version=0.0.4");
  r.message.body() = std::move(text);
  r.message.prepare_payload();
  co_return r;
}

// ---- configuration backups (upload URLs, restore) ------------------------------------------

namespace {

// The Download FileType of a configuration (TR-069 A.3.2.8) and the Upload FileTypes of one
// (A.4.1.5: "1 Vendor Configuration File", "3 Vendor Configuration File <i>").
constexpr std::string_view kConfigDownloadType = "3 Vendor Configuration File";
constexpr std::string_view kDefaultUploadType = "1 Vendor Configuration File";  // task_rpc's

bool is_configuration_type(std::string_view file_type) {
  return file_type.starts_with("1 Vendor Configuration File") ||
         file_type.starts_with("3 Vendor Configuration File");
}

// A stored file as the FileType of a Download: an uploaded configuration backup goes back as
// "3 Vendor Configuration File"; anything else keeps its type.
std::string download_type_of(const store::FileInfo& file) {
  if (!file.device_id.empty() && is_configuration_type(file.file_type)) {
    return std::string(kConfigDownloadType);
  }
  return file.file_type;
}

// The backup POST /devices/<id>/restore sends: `asked` (404 unknown, 400 another device's or
// not a configuration), or the device's newest configuration upload (404 when none).
// Blocking: on the store executor.
std::string restore_source(FileRepository& files, const std::string& device_id,
                           const std::optional<std::string>& asked) {
  if (asked) {
    const std::optional<store::FileInfo> info = files.get(*asked);
    if (!info) not_found("no such backup: " + *asked);
    if (info->device_id != device_id) bad_request(*asked + " is not a backup of this device");
    if (!is_configuration_type(info->file_type)) {
      bad_request(*asked + " is not a configuration (" + info->file_type + ")");
    }
    return info->name;
  }
  std::optional<store::FileInfo> newest;
  for (store::FileInfo& f : files.list()) {
    if (f.device_id != device_id || !is_configuration_type(f.file_type)) continue;
    if (!newest || f.uploaded > newest->uploaded ||
        (f.uploaded == newest->uploaded && f.name > newest->name)) {
      newest = std::move(f);
    }
  }
  if (!newest) not_found("no configuration backup of this device");
  return newest->name;
}

// "1 Vendor Configuration File" -> "1-vendor-configuration-file".
std::string file_type_slug(std::string_view file_type) {
  std::string slug;
  for (const char c : file_type) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      slug += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!slug.empty() && slug.back() != '-') {
      slug += '-';
    }
    if (slug.size() >= 48) break;
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  return slug.empty() ? "upload" : slug;
}

// "20261128T043816Z"
std::string compact_utc(Millis ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  if (gmtime_r(&seconds, &tm) == nullptr) return "0";
  char out[80];
  std::snprintf(out, sizeof out, "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return out;
}

// An upload task without "url" gets one on the file service, distinct per backup:
// <files>/upload/<device>/<fileType slug>-<UTC time>[-n]?fileType=<type>. The suffix avoids
// a stored file and the URL of another task of the device. Blocking: on the store executor.
void fill_upload_url(store::Store& store, FileRepository& files, const std::string& base_url,
                     const std::string& device_id, Millis now, json::object& args) {
  const json::value* url = args.if_contains("url");
  if (base_url.empty() || (url != nullptr && !url->is_null())) return;
  std::string file_type(kDefaultUploadType);
  if (const json::value* t = args.if_contains("fileType"); t != nullptr && !t->is_null()) {
    if (!t->is_string()) bad_request("fileType must be a string");
    file_type = std::string(t->get_string());
  }
  std::set<std::string> taken_urls;
  store::TaskFilter filter;
  filter.device_id = device_id;
  filter.limit = 10000;
  for (const Task& task : store.list_tasks(filter)) {
    const json::value* u = task.args.if_contains("url");
    if (u != nullptr && u->is_string()) taken_urls.insert(std::string(u->get_string()));
  }
  const std::string stem = file_type_slug(file_type) + "-" + compact_utc(now);
  for (int n = 1; n <= 1000; ++n) {
    const std::string leaf = n == 1 ? stem : stem + "-" + std::to_string(n);
    const std::string name = "upload/" + device_id + "/" + leaf;
    const std::string full = base_url + "/upload/" + percent_encode(device_id) + "/" +
                             percent_encode(leaf) + "?fileType=" + percent_encode(file_type);
    if (taken_urls.contains(full) || files.get(name)) continue;
    args["url"] = full;
    return;
  }
  bad_request("too many uploads of this device in one second: give \"url\"");
}

}  // namespace

// ---- devices ----------------------------------------------------------------------------------

asio::awaitable<net::Response> Nbi::Impl::devices(net::Request& request, const Target& target) {
  const auto& s = target.segments;
  if (s.size() == 1) {
    require_method(request, {http::verb::get, http::verb::head});
    co_return co_await list_devices(request, target);
  }
  const std::string& id = s[1];
  if (s.size() == 2) {
    require_method(request, {http::verb::get, http::verb::delete_});
    if (request.method() == http::verb::delete_) {
      const bool deleted = co_await on_store([&] { return store.delete_device(id); });
      if (!deleted) not_found("no such device");
      co_return json_response(request, http::status::ok, json::object{{"deleted", id}});
    }
    const Paging paging = parse_paging(target);
    auto document = co_await on_store([&] { return store.device_document(id, paging.projection); });
    if (!document) not_found("no such device");
    co_return json_response(request, http::status::ok, *document);
  }
  if (s.size() == 3 && s[2] == "tasks") {
    require_method(request, {http::verb::post});
    co_return co_await post_task(request, target, id);
  }
  if (s.size() == 3 && s[2] == "restore") {
    require_method(request, {http::verb::post});
    // {"file": "<backup>"} or nothing (the newest configuration backup). The restore is a
    // download task of the backup: it goes through post_task like a posted one, with the
    // same ?connection_request and timeout handling.
    std::optional<std::string> asked;
    if (!request.body().empty()) {
      const json::object body = parse_json_body(request);
      if (const json::value* f = body.if_contains("file"); f != nullptr && !f->is_null()) {
        if (!f->is_string()) bad_request("file must be a string");
        asked = std::string(f->get_string());
      }
    }
    const std::string backup = co_await on_store([&] {
      if (!store.device_exists(id)) not_found("no such device");
      return restore_source(files, id, asked);
    });
    const json::object task{{"name", "download"},
                            {"file", backup},
                            {"fileType", kConfigDownloadType},
                            {"commandKey", "restore"}};
    request.body() = json::serialize(task);
    co_return co_await post_task(request, target, id);
  }
  if (s.size() == 4 && s[2] == "tags") {
    require_method(request, {http::verb::post, http::verb::delete_});
    const std::string& tag = s[3];
    check_name("a tag", tag);
    const bool add = request.method() == http::verb::post;
    const bool known = co_await on_store([&] {
      if (!store.device_exists(id)) return false;
      if (add) {
        store.add_tag(id, tag);
      } else {
        store.remove_tag(id, tag);
      }
      return true;
    });
    if (!known) not_found("no such device");
    co_return json_response(request, http::status::ok, json::object{{"device", id}, {"tag", tag}});
  }
  not_found("no such endpoint");
}

asio::awaitable<net::Response> Nbi::Impl::list_devices(const net::Request& request,
                                                       const Target& target) {
  const bool head = request.method() == http::verb::head;
  auto parsed = query::parse_query(query_text(target));
  if (!parsed) bad_request("invalid query: " + parsed.error().to_string());
  const query::Query q = std::move(parsed.value());
  const Paging paging = parse_paging(target);
  store::FindOptions find;
  find.projection = paging.projection;
  find.sort = paging.sort;
  find.skip = paging.skip;
  find.limit = paging.limit;
  Page page = co_await on_store([&] {
    Page p;
    p.total = store.count_devices(q);
    if (!head) {
      for (auto& d : store.find_devices(q, find)) p.documents.push_back(std::move(d));
    }
    return p;
  });
  co_return page_response(request, page, head);
}

// ---- tasks ------------------------------------------------------------------------------------

// A download that names a stored file ("file", or GenieACS's "fileName") and gives no "url"
// gets the file service's URL, the size, the file type and a target file name from the file.
// A configuration a device uploaded goes back with the Download type of a configuration.
void Nbi::Impl::fill_from_file(json::object& args) {
  const json::value* url = args.if_contains("url");
  if (url != nullptr && !url->is_null()) return;
  const json::value* file = args.if_contains("file");
  if (file == nullptr || file->is_null()) file = args.if_contains("fileName");
  if (file == nullptr || file->is_null()) return;  // plan_task says that url is required
  if (!file->is_string()) bad_request("file must be a string");
  const std::string name(file->get_string());
  const std::optional<store::FileInfo> info = files.get(name);
  if (!info) bad_request("no such file: " + name);
  if (options.files_base_url.empty()) {
    bad_request("the file service URL is not configured: give \"url\"");
  }
  args["url"] = options.files_base_url + "/" + percent_encode(name, true);
  auto missing = [&](std::string_view key) {
    const json::value* v = args.if_contains(key);
    return v == nullptr || v->is_null();
  };
  // FileSize is an unsignedInt (TR-069 A.3.2.8); 0 means "not given".
  if (missing("fileSize")) {
    args["fileSize"] = info->size <= std::numeric_limits<std::uint32_t>::max()
                           ? static_cast<std::int64_t>(info->size)
                           : 0;
  }
  if (missing("fileType") && !info->file_type.empty()) args["fileType"] = download_type_of(*info);
  if (missing("targetFileName")) args["targetFileName"] = name;
}

asio::awaitable<ConnectionRequestOutcome> Nbi::Impl::request_connection(
    const std::string& device_id) {
  ConnectionRequestOutcome outcome;
  if (!connection_request) {
    outcome.message = "connection requests are not configured";
    co_return outcome;
  }
  try {
    outcome = co_await connection_request(device_id);
  } catch (const std::exception& e) {
    outcome = ConnectionRequestOutcome{ConnectionRequestResult::kError, e.what(), 0};
  }
  co_return outcome;
}

// Polls the task every 50 ms (a timer on this coroutine's executor, never blocking it) until it
// is finished, gone, or `wait` has passed. Returns the last state seen.
asio::awaitable<Task> Nbi::Impl::wait_for(Task task, std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const std::int64_t id = task.id;
  for (;;) {
    std::optional<Task> current = co_await on_store([this, id] { return store.get_task(id); });
    if (!current) co_return task;  // deleted meanwhile
    task = std::move(*current);
    const auto now = std::chrono::steady_clock::now();
    if (finished(task.state) || now >= deadline) co_return task;
    timer.expires_after(
        std::min<std::chrono::steady_clock::duration>(kPollInterval, deadline - now));
    co_await timer.async_wait(asio::use_awaitable);
  }
}

asio::awaitable<net::Response> Nbi::Impl::connection_request_only(const net::Request& request,
                                                                  const std::string& device_id) {
  const bool known = co_await on_store([&] { return store.device_exists(device_id); });
  if (!known) not_found("no such device");
  const ConnectionRequestOutcome outcome = co_await request_connection(device_id);
  const std::string summary = connection_request_summary(outcome);
  json::object body{{"device", device_id},
                    {"connectionRequest", json::object{{"result", to_string(outcome.result)},
                                                       {"message", outcome.message}}}};
  // GenieACS answers 200, or 504 with the failure as the reason phrase.
  const bool ok = outcome.result == ConnectionRequestResult::kAccepted;
  net::Response r =
      json_response(request, ok ? http::status::ok : http::status::gateway_timeout, body);
  r.message.set("X-Connection-Request", summary);
  if (!ok) r.message.reason(header_safe(outcome.message.empty() ? summary : outcome.message, 128));
  co_return r;
}

asio::awaitable<net::Response> Nbi::Impl::post_task(const net::Request& request,
                                                    const Target& target,
                                                    const std::string& device_id) {
  const bool with_request = target.param("connection_request") != nullptr;
  std::optional<std::chrono::milliseconds> wait;
  if (const std::string* t = target.param("timeout")) {
    const auto ms = parse_uint(*t);
    if (!ms) bad_request("timeout must be a number of milliseconds");
    wait = std::min(std::chrono::milliseconds(static_cast<std::int64_t>(
                        std::min<std::uint64_t>(*ms, std::numeric_limits<std::int32_t>::max()))),
                    options.max_wait);
  }
  if (request.body().empty()) {
    // GenieACS: no task but ?connection_request = just send the connection request.
    if (!with_request) bad_request("the body must be a task such as {\"name\": \"reboot\"}");
    co_return co_await connection_request_only(request, device_id);
  }

  json::object body = parse_json_body(request);
  const json::value* name = body.if_contains("name");
  if (name == nullptr || !name->is_string()) bad_request("the task needs a \"name\"");
  const std::optional<TaskType> type = parse_task_type(name->get_string());
  if (!type) bad_request("unknown task name: " + std::string(name->get_string()));

  const Millis now = options.clock();
  Millis expires = options.task_expiry.count() > 0 ? now + options.task_expiry.count() : 0;
  // GenieACS: "expiry" is seconds from now, or an absolute date.
  if (const json::value* e = body.if_contains("expiry"); e != nullptr && !e->is_null()) {
    if (e->is_string()) {
      const auto at = query::parse_time_ms(e->get_string());
      if (!at) bad_request("expiry must be a number of seconds or a date");
      expires = std::max<Millis>(*at, 1);  // 0 would mean never
    } else {
      const auto seconds = e->is_number() ? e->to_number<double>() : -1.0;
      if (!(seconds > 0 && seconds <= static_cast<double>(kMaxExpirySeconds))) {
        bad_request("expiry must be a positive number of seconds (at most ten years) or a date");
      }
      expires = now + static_cast<Millis>(seconds * 1000);
    }
  }
  for (const std::string_view key : kReservedTaskKeys) body.erase(key);
  body["name"] = to_string(*type);

  Task task = co_await on_store([&, type = *type] {
    if (!store.device_exists(device_id)) not_found("no such device");
    if (type == TaskType::kDownload || type == TaskType::kScheduleDownload) fill_from_file(body);
    if (type == TaskType::kUpload) {
      fill_upload_url(store, files, options.files_base_url, device_id, now, body);
    }
    // Refused now (400) rather than failing in the device's session.
    if (auto plan = plan_task(type, body); !plan) bad_request(plan.error().message);
    const std::int64_t id = store.add_task(device_id, type, body, now, expires);
    std::optional<Task> added = store.get_task(id);
    if (!added) throw std::runtime_error("the task just added is gone");
    return std::move(*added);
  });

  if (!with_request) co_return json_response(request, http::status::accepted, task_json(task));

  const ConnectionRequestOutcome outcome = co_await request_connection(device_id);
  const std::string summary = connection_request_summary(outcome);
  http::status status = http::status::accepted;
  std::string reason;
  if (outcome.result != ConnectionRequestResult::kAccepted) {
    reason = "Task queued but not processed";
  } else if (wait && wait->count() > 0) {
    task = co_await wait_for(std::move(task), *wait);
    switch (task.state) {
      case TaskState::kDone:
        status = http::status::ok;
        break;
      case TaskState::kFault:
        reason = "Task faulted";  // GenieACS: 202 with this reason
        break;
      case TaskState::kExpired:
        reason = "Task expired";
        break;
      default:
        reason = "Task queued but not processed";
    }
  }
  net::Response r = json_response(request, status, task_json(task));
  r.message.set("X-Connection-Request", summary);
  if (!reason.empty()) r.message.reason(reason);
  co_return r;
}

asio::awaitable<net::Response> Nbi::Impl::tasks(net::Request& request, const Target& target) {
  const auto& s = target.segments;
  if (s.size() == 1) {
    require_method(request, {http::verb::get, http::verb::head});
    const DocFilter filter = parse_filter(target);
    const Paging paging = parse_paging(target);
    Page page = co_await on_store([&] {
      store::TaskFilter narrow;
      narrow.device_id = filter.required_string("device");
      if (auto status = filter.required_string("status")) {
        narrow.state = parse_task_state(*status);
        if (!narrow.state) return Page{};  // no task has that status
      }
      std::vector<json::object> documents;
      for (const Task& t : store.list_tasks(narrow)) {
        json::object d = task_json(t);
        if (filter.matches(d)) documents.push_back(std::move(d));
      }
      return paginate(std::move(documents), paging);
    });
    co_return page_response(request, page, request.method() == http::verb::head);
  }
  const std::optional<std::int64_t> id = parse_task_id(s[1]);
  if (s.size() == 2) {
    require_method(request, {http::verb::get, http::verb::delete_});
    if (!id) not_found("no such task");
    if (request.method() == http::verb::delete_) {
      const bool deleted = co_await on_store([&] { return store.delete_task(*id); });
      if (!deleted) not_found("no such task");
      co_return json_response(request, http::status::ok,
                              json::object{{"deleted", std::to_string(*id)}});
    }
    auto task = co_await on_store([&] { return store.get_task(*id); });
    if (!task) not_found("no such task");
    co_return json_response(request, http::status::ok, task_json(*task));
  }
  if (s.size() == 3 && s[2] == "retry") {
    require_method(request, {http::verb::post});
    if (!id) not_found("no such task");
    auto task = co_await on_store([&]() -> std::optional<Task> {
      if (!store.get_task(*id)) return std::nullopt;
      if (!store.retry_task(*id, options.clock())) {
        throw ApiError(http::status::conflict, "only a task in fault or expired can be retried");
      }
      return store.get_task(*id);
    });
    if (!task) not_found("no such task");
    co_return json_response(request, http::status::ok, task_json(*task));
  }
  not_found("no such endpoint");
}

// ---- faults -----------------------------------------------------------------------------------

asio::awaitable<net::Response> Nbi::Impl::faults(net::Request& request, const Target& target) {
  const auto& s = target.segments;
  if (s.size() == 1) {
    require_method(request, {http::verb::get, http::verb::head});
    const DocFilter filter = parse_filter(target);
    const Paging paging = parse_paging(target);
    Page page = co_await on_store([&] {
      std::vector<Task> failed;
      for (const TaskState state : {TaskState::kFault, TaskState::kExpired}) {
        store::TaskFilter narrow;
        narrow.device_id = filter.required_string("device");
        narrow.state = state;
        auto some = store.list_tasks(narrow);
        failed.insert(failed.end(), std::make_move_iterator(some.begin()),
                      std::make_move_iterator(some.end()));
      }
      std::sort(failed.begin(), failed.end(),
                [](const Task& a, const Task& b) { return a.id < b.id; });
      std::vector<json::object> documents;
      for (const Task& t : failed) {
        json::object d = fault_json(t);
        if (filter.matches(d)) documents.push_back(std::move(d));
      }
      const std::optional<std::string> device = filter.required_string("device");
      for (const presets::PresetFault& f : store.preset_faults(device.value_or(""))) {
        json::object d = preset_fault_json(f);
        if (filter.matches(d)) documents.push_back(std::move(d));
      }
      return paginate(std::move(documents), paging);
    });
    co_return page_response(request, page, request.method() == http::verb::head);
  }
  if (s.size() == 2) {
    require_method(request, {http::verb::delete_});
    if (const std::optional<PresetFaultId> preset = parse_preset_fault_id(s[1])) {
      // The preset runs again at the device's next session instead of after its retry delay.
      const bool deleted = co_await on_store(
          [&] { return store.delete_preset_fault(preset->device_id, preset->preset); });
      if (!deleted) not_found("no such fault");
      co_return json_response(request, http::status::ok, json::object{{"deleted", s[1]}});
    }
    const std::optional<FaultId> fault = parse_fault_id(s[1]);
    if (!fault) not_found("no such fault");
    const bool deleted = co_await on_store([&] {
      const std::optional<Task> t = store.get_task(fault->task_id);
      if (!t || t->device_id != fault->device_id ||
          (t->state != TaskState::kFault && t->state != TaskState::kExpired)) {
        return false;
      }
      return store.delete_task(fault->task_id);
    });
    if (!deleted) not_found("no such fault");
    co_return json_response(request, http::status::ok, json::object{{"deleted", s[1]}});
  }
  not_found("no such endpoint");
}

// ---- files ------------------------------------------------------------------------------------

asio::awaitable<net::Response> Nbi::Impl::files_endpoint(net::Request& request,
                                                         const Target& target) {
  const auto& s = target.segments;
  if (s.size() == 1) {
    require_method(request, {http::verb::get, http::verb::head});
    const DocFilter filter = parse_filter(target);
    const Paging paging = parse_paging(target);
    Page page = co_await on_store([&] {
      std::vector<json::object> documents;
      for (const store::FileInfo& f : files.list()) {
        json::object d = file_json(f);
        if (filter.matches(d)) documents.push_back(std::move(d));
      }
      return paginate(std::move(documents), paging);
    });
    co_return page_response(request, page, request.method() == http::verb::head);
  }
  if (s.size() != 2) not_found("no such endpoint");
  const std::string& name = s[1];
  require_method(request,
                 {http::verb::get, http::verb::head, http::verb::put, http::verb::delete_});
  if (request.method() == http::verb::put) co_return co_await put_file(request, name);
  if (request.method() != http::verb::delete_) co_return co_await get_file(request, name);
  const bool deleted = co_await on_store([&] { return files.remove(name); });
  if (!deleted) not_found("no such file");
  co_return json_response(request, http::status::ok, json::object{{"deleted", name}});
}

asio::awaitable<net::Response> Nbi::Impl::put_file(const net::Request& request,
                                                   const std::string& name) {
  if (request.body().size() > options.max_file_bytes) {
    throw ApiError(http::status::payload_too_large,
                   "the file exceeds " + std::to_string(options.max_file_bytes) + " bytes");
  }
  // GenieACS's metadata headers (header names are case-insensitive).
  FileMetadata metadata;
  metadata.file_type = std::string(header(request, "fileType"));
  metadata.oui = std::string(header(request, "oui"));
  metadata.product_class = std::string(header(request, "productClass"));
  metadata.version = std::string(header(request, "version"));
  const Millis now = options.clock();
  auto [info, replaced] = co_await on_store([&] {
    const bool existed = files.get(name).has_value();
    try {
      return std::pair{files.put(name, request.body(), metadata, "", now), existed};
    } catch (const std::invalid_argument& e) {
      bad_request(e.what());  // a bad name
    }
  });
  co_return json_response(request, replaced ? http::status::ok : http::status::created,
                          file_json(info));
}

asio::awaitable<net::Response> Nbi::Impl::get_file(const net::Request& request,
                                                   const std::string& name) {
  auto found =
      co_await on_store([&]() -> std::optional<std::pair<store::FileInfo, std::filesystem::path>> {
        std::optional<store::FileInfo> info = files.get(name);
        if (!info) return std::nullopt;
        std::filesystem::path path = files.path_of(*info);
        return std::pair{std::move(*info), std::move(path)};
      });
  if (!found) not_found("no such file");
  net::Response r = make_response(request, http::status::ok);
  r.message.set(http::field::content_type, "application/octet-stream");
  r.message.set(http::field::etag, "\"" + ascii_lower(found->first.sha256) + "\"");
  // Streamed by the server from disk, read on the store executor: never all in memory.
  r.file = net::FileBody{std::move(found->second), 0, found->first.size, store_executor};
  co_return r;
}

// ---- CPE credentials --------------------------------------------------------------------------

asio::awaitable<net::Response> Nbi::Impl::credentials(net::Request& request, const Target& target) {
  const auto& s = target.segments;
  if (s.size() == 1) {
    require_method(request, {http::verb::get});
    auto list = co_await on_store([this] { return store.list_cpe_credentials(); });
    json::array out;
    for (const store::CpeCredentials& c : list) {
      json::object entry{{"username", c.username}};  // never the password
      if (!c.device_id.empty()) entry["deviceId"] = c.device_id;
      out.push_back(std::move(entry));
    }
    co_return json_response(request, http::status::ok, out);
  }
  if (s.size() != 2) not_found("no such endpoint");
  const std::string& username = s[1];
  require_method(request, {http::verb::put, http::verb::delete_});
  if (request.method() == http::verb::delete_) {
    const bool deleted = co_await on_store([&] { return store.delete_cpe_credentials(username); });
    if (!deleted) not_found("no such username");
    co_return json_response(request, http::status::ok, json::object{{"deleted", username}});
  }
  check_name("a username", username);
  const json::object body = parse_json_body(request);
  store::CpeCredentials c;
  c.username = username;
  const json::value* password = body.if_contains("password");
  if (password == nullptr || !password->is_string()) bad_request("\"password\" is required");
  c.password = std::string(password->get_string());
  check_name("the password", c.password);
  if (const json::value* d = body.if_contains("deviceId"); d != nullptr && !d->is_null()) {
    if (!d->is_string()) bad_request("deviceId must be a string");
    c.device_id = std::string(d->get_string());
    if (!c.device_id.empty() && !parse_device_id(c.device_id)) {
      bad_request("deviceId is not a device id (OUI-ProductClass-SerialNumber, escaped)");
    }
  }
  const bool replaced = co_await on_store([&] {
    const bool existed = store.cpe_credentials(username).has_value();
    store.put_cpe_credentials(c);
    return existed;
  });
  json::object out{{"username", username}};
  if (!c.device_id.empty()) out["deviceId"] = c.device_id;
  co_return json_response(request, replaced ? http::status::ok : http::status::created, out);
}

// ---- Nbi --------------------------------------------------------------------------------------

Nbi::Nbi(store::Store& store, asio::any_io_executor store_executor, FileRepository& files,
         ConnectionRequestFn connection_request, Metrics& metrics, NbiOptions options)
    : impl_(std::make_unique<Impl>(store, std::move(store_executor), files,
                                   std::move(connection_request), metrics, std::move(options))) {}

Nbi::~Nbi() = default;

asio::awaitable<net::Response> Nbi::handle(net::Request& request, const net::ConnectionInfo&) {
  Impl& im = *impl_;
  std::optional<net::Response> response;
  std::optional<ApiError> refused;
  std::string failure;
  try {
    const std::optional<Target> target =
        parse_target(std::string_view(request.target().data(), request.target().size()));
    if (!target) bad_request("malformed request target (percent-escapes, segments, parameters)");
    response = co_await im.route(request, *target);
  } catch (const ApiError& e) {
    refused = e;
  } catch (const std::exception& e) {
    failure = e.what();
  }
  if (refused) {
    response = error_response(request, refused->status(), refused->what());
    if (!refused->allow().empty()) response->message.set(http::field::allow, refused->allow());
    if (refused->status() == http::status::unauthorized) {
      response->message.set(http::field::www_authenticate, "Bearer realm=\"cwmp-acs-nbi\"");
    }
  } else if (!response) {
    // A store or file failure: the client did nothing wrong.
    const auto method = request.method_string();
    const auto target = request.target();
    spdlog::error("nbi: {} {}: {}", std::string_view(method.data(), method.size()),
                  std::string_view(target.data(), target.size()), failure);
    response =
        error_response(request, http::status::internal_server_error, "internal error: " + failure);
  }
  if (request.method() == http::verb::head && !response->file) {
    // HEAD answers carry the headers only, errors included.
    response->message.body().clear();
    response->message.prepare_payload();
  }
  const unsigned code = response->message.result_int();
  im.metrics.add("cwmp_nbi_requests_total",
                 {{"method", std::string(method_label(request.method()))},
                  {"code", std::to_string(code / 100) + "xx"}});
  co_return std::move(*response);
}

}  // namespace acs
