// The NBI's request plumbing, shared by its endpoint files (nbi.cpp, nbi_presets.cpp,
// nbi_campaigns.cpp): the Impl every endpoint is a member of, errors thrown as HTTP answers,
// JSON bodies, paging. Private to acs_nbi.
#pragma once

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <mutex>
#include <set>
#include <stdexcept>

#include "acs/device_id.hpp"
#include "acs/files.hpp"
#include "acs/metrics.hpp"
#include "acs/nbi.hpp"
#include "acs/nbi_internal.hpp"
#include "acs/presets.hpp"
#include "acs/query.hpp"
#include "acs/task_rpc.hpp"
#include "store/store.hpp"

namespace acs {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;

namespace nbi_http {

using namespace nbi_detail;

// Bounds on what a request may ask for (docs/nbi.md "Limits").
constexpr std::size_t kMaxJsonBody = 1024 * 1024;  // task, credential bodies
constexpr std::size_t kMaxQueryText = 8192;        // ?query= after decoding
constexpr std::uint64_t kMaxLimit = 10'000;        // documents per GET
constexpr std::size_t kMaxProjection = 256;        // paths in ?projection=
constexpr std::size_t kMaxSortKeys = 16;
constexpr std::size_t kMaxNameLength = 256;  // tags, usernames, passwords, paths in sort
constexpr std::uint64_t kMaxExpirySeconds = 10ull * 366 * 24 * 3600;
constexpr auto kPollInterval = std::chrono::milliseconds(50);

constexpr std::string_view kJson = "application/json";

// A 4xx (or 503) answer, thrown from anywhere in a handler, including from code running on
// the store executor: co_spawn carries it back to the awaiting handler.
class ApiError : public std::runtime_error {
 public:
  ApiError(http::status status, std::string message, std::string allow = {})
      : std::runtime_error(std::move(message)), status_(status), allow_(std::move(allow)) {}
  http::status status() const { return status_; }
  const std::string& allow() const { return allow_; }

 private:
  http::status status_;
  std::string allow_;
};

[[noreturn]] inline void bad_request(std::string message) {
  throw ApiError(http::status::bad_request, std::move(message));
}
[[noreturn]] inline void not_found(std::string message) {
  throw ApiError(http::status::not_found, std::move(message));
}

inline Millis system_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline net::Response make_response(const net::Request& request, http::status status) {
  net::Response r;
  r.message = net::HttpResponse(status, request.version());
  return r;
}

inline net::Response json_response(const net::Request& request, http::status status,
                                   const json::value& body) {
  net::Response r = make_response(request, status);
  r.message.set(http::field::content_type, kJson);
  r.message.body() = json::serialize(body);
  r.message.prepare_payload();
  return r;
}

inline net::Response error_response(const net::Request& request, http::status status,
                                    std::string_view message) {
  return json_response(request, status,
                       json::object{{"error", message}, {"status", static_cast<int>(status)}});
}

inline std::string_view header(const net::Request& request, std::string_view name) {
  const auto it = request.find(name);
  if (it == request.end()) return {};
  return std::string_view(it->value().data(), it->value().size());
}

inline std::string_view method_label(http::verb verb) {
  switch (verb) {
    case http::verb::get:
      return "GET";
    case http::verb::head:
      return "HEAD";
    case http::verb::post:
      return "POST";
    case http::verb::put:
      return "PUT";
    case http::verb::delete_:
      return "DELETE";
    default:
      return "other";  // bounded label values
  }
}

// Throws 405 unless the request's method is one of `allowed` (listed in the Allow header).
inline void require_method(const net::Request& request, std::initializer_list<http::verb> allowed) {
  std::string allow;
  for (const http::verb v : allowed) {
    if (request.method() == v) return;
    if (!allow.empty()) allow += ", ";
    const auto name = http::to_string(v);
    allow.append(name.data(), name.size());
  }
  const auto method = request.method_string();
  throw ApiError(http::status::method_not_allowed,
                 std::string(method.data(), method.size()) + " is not allowed here", allow);
}

inline bool has_control(std::string_view text) {
  for (const char c : text) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7f) return true;
  }
  return false;
}

// A name from the path (tag, username): 1 to 256 bytes, no control characters.
inline void check_name(std::string_view what, std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength || has_control(name)) {
    bad_request(std::string(what) + " must have 1 to 256 bytes and no control characters");
  }
}

inline std::optional<std::uint64_t> parse_uint(std::string_view text) {
  std::uint64_t value = 0;
  if (text.empty()) return std::nullopt;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

inline json::value parse_json(std::string_view text, std::string_view what) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) bad_request(std::string(what) + " is not valid JSON: " + ec.message());
  return v;
}

inline json::object parse_json_body(const net::Request& request) {
  if (request.body().size() > kMaxJsonBody) {
    throw ApiError(http::status::payload_too_large, "the body exceeds 1 MiB");
  }
  json::value v = parse_json(request.body(), "the body");
  if (!v.is_object()) bad_request("the body must be a JSON object");
  return std::move(v.get_object());
}

// ?skip, ?limit, ?projection and ?sort, as every collection GET takes them.
struct Paging {
  std::uint64_t skip = 0;
  std::uint64_t limit = kMaxLimit;
  std::vector<std::string> projection;
  std::vector<std::pair<std::string, int>> sort;
};

inline Paging parse_paging(const Target& target) {
  Paging p;
  if (const std::string* s = target.param("skip")) {
    const auto v = parse_uint(*s);
    if (!v) bad_request("skip must be a non-negative integer");
    p.skip = *v;
  }
  if (const std::string* s = target.param("limit")) {
    const auto v = parse_uint(*s);
    if (!v) bad_request("limit must be a non-negative integer");
    if (*v > kMaxLimit) bad_request("limit must be at most 10000");
    if (*v != 0) p.limit = *v;  // 0 = no limit in GenieACS (MongoDB): our cap then applies
  }
  if (const std::string* s = target.param("projection")) {
    std::string_view rest = *s;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      std::string_view path = rest.substr(0, comma);
      while (!path.empty() && path.front() == ' ') path.remove_prefix(1);
      while (!path.empty() && path.back() == ' ') path.remove_suffix(1);
      if (!path.empty()) {
        if (p.projection.size() == kMaxProjection) bad_request("at most 256 projection paths");
        if (path.size() > query::kMaxPathLength + 16) bad_request("projection path too long");
        p.projection.emplace_back(path);
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  if (const std::string* s = target.param("sort")) {
    const json::value v = parse_json(*s, "sort");
    const json::object* o = v.if_object();
    if (o == nullptr) bad_request("sort must be a JSON object such as {\"_lastInform\": -1}");
    if (o->size() > kMaxSortKeys) bad_request("at most 16 sort keys");
    for (const auto& kv : *o) {
      const auto direction = kv.value().is_number() ? kv.value().to_number<double>() : 0.0;
      if (kv.key().empty() || kv.key().size() > kMaxNameLength ||
          (direction != 1.0 && direction != -1.0)) {
        bad_request("sort keys are paths with 1 (ascending) or -1 (descending)");
      }
      p.sort.emplace_back(std::string(kv.key()), direction > 0 ? 1 : -1);
    }
  }
  return p;
}

// The decoded ?query=, or "{}" when absent.
inline std::string query_text(const Target& target) {
  const std::string* q = target.param("query");
  if (q == nullptr || q->empty()) return "{}";
  if (q->size() > kMaxQueryText) bad_request("the query exceeds 8192 bytes");
  return *q;
}

inline DocFilter parse_filter(const Target& target) {
  const json::value q = parse_json(query_text(target), "query");
  std::string error;
  auto filter = DocFilter::parse(q, error);
  if (!filter) bad_request("invalid query: " + error);
  return std::move(*filter);
}

// A collection page: the total before skip/limit and the documents of the page.
struct Page {
  std::uint64_t total = 0;
  json::array documents;
};

inline Page paginate(std::vector<json::object> documents, const Paging& paging) {
  sort_documents(documents, paging.sort);
  Page page;
  page.total = documents.size();
  for (std::uint64_t i = paging.skip; i < documents.size() && page.documents.size() < paging.limit;
       ++i) {
    page.documents.push_back(paging.projection.empty() ? std::move(documents[i])
                                                       : project(documents[i], paging.projection));
  }
  return page;
}

// GenieACS sends the count as "total"; X-Total-Count is the header most clients look for.
inline net::Response page_response(const net::Request& request, const Page& page, bool head) {
  net::Response r = make_response(request, http::status::ok);
  r.message.set(http::field::content_type, kJson);
  r.message.set("X-Total-Count", std::to_string(page.total));
  r.message.set("total", std::to_string(page.total));
  if (!head) r.message.body() = json::serialize(page.documents);
  r.message.prepare_payload();
  return r;
}

inline bool finished(TaskState state) {
  return state == TaskState::kDone || state == TaskState::kFault || state == TaskState::kExpired;
}

// Task fields the NBI sets itself; a posted body cannot override them.
constexpr std::string_view kReservedTaskKeys[] = {"_id",      "device", "timestamp", "status",
                                                  "attempts", "result", "fault",     "expiry"};

// Preset faults in the faults collection (nbi_presets.cpp): "_id" "<device>:preset_<name>".
json::object preset_fault_json(const presets::PresetFault& fault);
struct PresetFaultId {
  std::string device_id;
  std::string preset;
};
std::optional<PresetFaultId> parse_preset_fault_id(std::string_view id);

}  // namespace nbi_http

using namespace nbi_http;

struct Nbi::Impl {
  Impl(store::Store& s, asio::any_io_executor e, FileRepository& f, ConnectionRequestFn cr,
       Metrics& m, NbiOptions o)
      : store(s),
        store_executor(std::move(e)),
        files(f),
        connection_request(std::move(cr)),
        metrics(m),
        options(std::move(o)) {
    if (!options.clock) options.clock = system_now;
    while (!options.files_base_url.empty() && options.files_base_url.back() == '/') {
      options.files_base_url.pop_back();
    }
    // Declaring again is harmless (same kind, same help): the NBI works with a Metrics that
    // did not go through declare_acs_metrics.
    metrics.declare_counter("cwmp_nbi_requests_total", "NBI requests by method and status class");
    metrics.declare_gauge("cwmp_tasks", "Tasks in the store by type and state");
    metrics.declare_gauge("cwmp_devices", "Devices in the store");
  }

  // Runs blocking work (store, files) on the store executor and returns its result here.
  template <typename F>
  asio::awaitable<std::invoke_result_t<F&>> on_store(F f) {
    using R = std::invoke_result_t<F&>;
    co_return co_await asio::co_spawn(
        store_executor, [f = std::move(f)]() mutable -> asio::awaitable<R> { co_return f(); },
        asio::use_awaitable);
  }

  bool authorized(const net::Request& request) const;
  asio::awaitable<net::Response> route(net::Request& request, const Target& target);

  asio::awaitable<net::Response> healthz(const net::Request& request);
  asio::awaitable<net::Response> render_metrics(const net::Request& request);
  void refresh_gauges();

  asio::awaitable<net::Response> devices(net::Request& request, const Target& target);
  asio::awaitable<net::Response> list_devices(const net::Request& request, const Target& target);
  asio::awaitable<net::Response> post_task(const net::Request& request, const Target& target,
                                           const std::string& device_id);
  asio::awaitable<net::Response> connection_request_only(const net::Request& request,
                                                         const std::string& device_id);
  asio::awaitable<ConnectionRequestOutcome> request_connection(const std::string& device_id);
  asio::awaitable<Task> wait_for(Task task, std::chrono::milliseconds wait);
  void fill_from_file(json::object& args);

  asio::awaitable<net::Response> tasks(net::Request& request, const Target& target);
  asio::awaitable<net::Response> faults(net::Request& request, const Target& target);
  asio::awaitable<net::Response> files_endpoint(net::Request& request, const Target& target);
  asio::awaitable<net::Response> put_file(const net::Request& request, const std::string& name);
  asio::awaitable<net::Response> get_file(const net::Request& request, const std::string& name);
  asio::awaitable<net::Response> credentials(net::Request& request, const Target& target);
  // nbi_presets.cpp: /presets, preset faults
  asio::awaitable<net::Response> presets(net::Request& request, const Target& target);
  // nbi_campaigns.cpp: /campaigns
  asio::awaitable<net::Response> campaigns(net::Request& request, const Target& target);

  store::Store& store;
  asio::any_io_executor store_executor;
  FileRepository& files;
  ConnectionRequestFn connection_request;
  Metrics& metrics;
  NbiOptions options;

  std::mutex gauge_mutex;
  std::set<Metrics::Labels> task_series;  // every cwmp_tasks series ever set (to zero stale ones)
};

}  // namespace acs
