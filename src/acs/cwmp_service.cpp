#include "acs/cwmp_service.hpp"

#include <openssl/rand.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <chrono>
#include <mutex>
#include <span>
#include <stdexcept>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "acs/metrics.hpp"
#include "cwmp/http_auth.hpp"
#include "cwmp/values.hpp"
#include "store/store.hpp"

namespace acs {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

constexpr std::string_view kCookieName = "cwmp_session";

void random_bytes(std::span<std::uint8_t> out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
}

std::string new_cookie_value() {
  std::uint8_t bytes[16];
  random_bytes(bytes);
  return cwmp::hex_encode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

// The value of our cookie in a Cookie header ("a=1; cwmp_session=ABC").
std::string cookie_of(const net::Request& request) {
  const auto it = request.find(http::field::cookie);
  if (it == request.end()) return {};
  std::string_view header(it->value().data(), it->value().size());
  while (!header.empty()) {
    const std::size_t end = header.find(';');
    std::string_view pair = header.substr(0, end);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.size() > kCookieName.size() && pair.substr(0, kCookieName.size()) == kCookieName &&
        pair[kCookieName.size()] == '=') {
      return std::string(pair.substr(kCookieName.size() + 1));
    }
    if (end == std::string_view::npos) break;
    header.remove_prefix(end + 1);
  }
  return {};
}

net::Response plain(http::status status, const net::Request& request, std::string text) {
  net::Response r;
  r.message = net::HttpResponse(status, request.version());
  r.message.set(http::field::content_type, "text/plain; charset=utf-8");
  r.message.body() = std::move(text);
  r.message.prepare_payload();
  return r;
}

Millis system_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct Entry {
  explicit Entry(SessionConfig config, std::string remote)
      : session(std::move(config), std::move(remote)) {}
  AcsSession session;
  std::string cookie;
  std::string device_id;
  std::uint64_t connection_id = 0;
  Millis started = 0;
  Millis last_activity = 0;
  bool registered = false;   // in the device and cookie maps
  std::string bound_device;  // the per-device credentials used are only good for this device
  std::string username;      // of those credentials
  // The per-device connection-request credentials task this bootstrap session queued: it
  // runs before the device's other tasks (handed to the session once).
  std::optional<std::int64_t> cr_task;
  bool cr_task_handed = false;
  std::vector<std::string> events;     // the Inform's event codes
  std::unique_ptr<PresetRun> presets;  // once the device's tasks are done
};

// Failed authentications of one source address within the current window.
struct AuthFailures {
  std::uint32_t count = 0;
  Millis window_start = 0;
};

// What authenticating a new session's first request gave.
struct AuthCheck {
  std::optional<net::Response> refusal;  // 401 / 503 to send; nullopt = accepted
  std::string bound_device;              // per-device credentials bound to this device id
  std::string username;                  // who authenticated
};

struct CwmpService::Impl {
  Impl(store::Store& s, asio::any_io_executor e, CwmpServiceOptions o)
      : store(s), store_executor(std::move(e)), options(std::move(o)), catalog(s) {
    if (!options.clock) options.clock = system_now;
    if (options.auth == CpeAuth::kDigest) {
      cwmp::auth::DigestServerOptions d;
      d.realm = options.realm;
      digest = std::make_unique<cwmp::auth::DigestServer>(d, random_bytes);
    }
  }

  // What the request's Authorization proves (may look up per-device credentials).
  asio::awaitable<AuthCheck> authenticate(const net::Request& request,
                                          const net::ConnectionInfo& connection, Millis now);
  net::Response unauthorized(const net::Request& request, Millis now, bool stale);
  // The 503 for a source that failed too often, or nullopt.
  std::optional<net::Response> rate_limited(const net::Request& request, const std::string& source,
                                            Millis now);
  void auth_failed(const std::string& source, std::string_view username, Millis now);
  void apply(const std::vector<Effect>& effects, Entry& entry);
  void queue_cr_credentials(const QueueCrCredentials& queue, Entry& entry);
  std::optional<Task> next_task_for(Entry& entry, Millis now);
  std::optional<cwmp::Body> next_preset_rpc(Entry& entry);
  // Applies the reply's effects and, while the session asks for tasks, hands it the next.
  Reply drive(Entry& entry, Reply reply, Millis now);
  void session_ended(const Entry& entry, std::string_view outcome, Millis now);
  void count(std::string_view family, const Metrics::Labels& labels = {}) {
    if (options.metrics != nullptr) options.metrics->add(family, labels);
  }
  Reply run(Entry& entry, std::string_view body, Millis now);
  void forget(const std::shared_ptr<Entry>& entry);

  store::Store& store;
  asio::any_io_executor store_executor;
  CwmpServiceOptions options;
  PresetCatalog catalog;
  std::unique_ptr<cwmp::auth::DigestServer> digest;

  mutable std::mutex mutex;
  std::unordered_map<std::string, std::shared_ptr<Entry>> by_cookie;
  std::unordered_map<std::uint64_t, std::shared_ptr<Entry>> by_connection;
  std::unordered_map<std::string, std::shared_ptr<Entry>> by_device;
  std::unordered_map<std::string, AuthFailures> auth_failures;
  CwmpServiceStats stats;
};

net::Response CwmpService::Impl::unauthorized(const net::Request& request, Millis now, bool stale) {
  net::Response r = plain(http::status::unauthorized, request, "authentication required");
  if (digest) {
    const auto tp = std::chrono::system_clock::time_point(std::chrono::milliseconds(now));
    for (const std::string& c : digest->challenges(tp, stale)) {
      r.message.insert(http::field::www_authenticate, c);
    }
  } else {
    r.message.set(http::field::www_authenticate, "Basic realm=\"" + options.realm + "\"");
  }
  return r;
}

std::optional<net::Response> CwmpService::Impl::rate_limited(const net::Request& request,
                                                             const std::string& source,
                                                             Millis now) {
  std::lock_guard lock(mutex);
  const auto it = auth_failures.find(source);
  if (it == auth_failures.end()) return std::nullopt;
  const Millis window = options.auth_failure_window.count();
  if (now - it->second.window_start >= window) {
    auth_failures.erase(it);
    return std::nullopt;
  }
  if (it->second.count < options.max_auth_failures) return std::nullopt;
  ++stats.auth_rate_limited;
  count("cwmp_auth_rate_limited_total");
  net::Response r =
      plain(http::status::service_unavailable, request, "too many failed authentications");
  const Millis wait_ms = window - (now - it->second.window_start);
  r.message.set(http::field::retry_after, std::to_string((wait_ms + 999) / 1000));
  return r;
}

void CwmpService::Impl::auth_failed(const std::string& source, std::string_view username,
                                    Millis now) {
  std::uint32_t failures = 0;
  {
    std::lock_guard lock(mutex);
    ++stats.auth_failures;
    AuthFailures& f = auth_failures[source];
    if (f.count == 0 || now - f.window_start >= options.auth_failure_window.count()) {
      f = AuthFailures{0, now};
    }
    failures = ++f.count;
    // Bounded memory under a scan from many addresses: forget expired windows.
    if (auth_failures.size() > 100'000) {
      std::erase_if(auth_failures, [&](const auto& kv) {
        return now - kv.second.window_start >= options.auth_failure_window.count();
      });
    }
  }
  count("cwmp_auth_failures_total");
  // Logged until the source is rate-limited, then silent until its window passes: a
  // brute-force attempt cannot flood the log.
  if (failures <= options.max_auth_failures) {
    spdlog::warn("cwmp: authentication failed from {} (user '{}', failure {} of {} allowed)",
                 source, username, failures, options.max_auth_failures);
  }
}

asio::awaitable<AuthCheck> CwmpService::Impl::authenticate(const net::Request& request,
                                                           const net::ConnectionInfo& connection,
                                                           Millis now) {
  AuthCheck check;
  if (options.require_client_certificate && connection.is_tls && connection.peer_subject.empty()) {
    check.refusal = plain(http::status::forbidden, request, "a client certificate is required");
    co_return check;
  }
  if (options.auth == CpeAuth::kNone) co_return check;
  if (auto limited = rate_limited(request, connection.remote_address, now)) {
    check.refusal = std::move(limited);
    co_return check;
  }
  const auto it = request.find(http::field::authorization);
  const std::string_view header = it == request.end()
                                      ? std::string_view()
                                      : std::string_view(it->value().data(), it->value().size());
  if (header.empty()) {
    // The usual first request of a CPE: a challenge, not a failure.
    check.refusal = unauthorized(request, now, false);
    co_return check;
  }
  std::string username;
  std::optional<cwmp::auth::DigestCredentials> digest_creds;
  std::optional<cwmp::auth::BasicCredentials> basic_creds;
  if (options.auth == CpeAuth::kBasicOverTls) {
    if (auto c = cwmp::auth::parse_basic_authorization(header)) {
      basic_creds = std::move(c.value());
      username = basic_creds->username;
    }
  } else if (auto c = cwmp::auth::parse_digest_authorization(header)) {
    digest_creds = std::move(c.value());
    username = digest_creds->username;
  }
  // Whose password: the device's own (store) first, else the shared pair.
  std::optional<std::string> password;
  if (!username.empty()) {
    std::optional<store::CpeCredentials> own = co_await asio::co_spawn(
        store_executor,
        [this, &username]() -> asio::awaitable<std::optional<store::CpeCredentials>> {
          co_return store.cpe_credentials(username);
        },
        asio::use_awaitable);
    if (own) {
      password = own->password;
      check.bound_device = own->device_id;
      check.username = username;
    } else if (!options.username.empty() && username == options.username) {
      password = options.password;
    }
  }
  bool ok = false;
  bool stale = false;
  if (password && basic_creds) {
    // TR-069 §3.4.4: Basic only over TLS.
    ok = connection.is_tls && cwmp::auth::basic_matches(*basic_creds, username, *password);
  } else if (password && digest_creds) {
    const auto tp = std::chrono::system_clock::time_point(std::chrono::milliseconds(now));
    const auto result = digest->verify(
        *digest_creds,
        std::string_view(request.method_string().data(), request.method_string().size()),
        std::string_view(request.target().data(), request.target().size()), *password, tp);
    ok = result == cwmp::auth::VerifyResult::kOk;
    // A right answer to an old nonce: challenge again with stale=true (RFC 7616 §3.3).
    stale = result == cwmp::auth::VerifyResult::kStale;
  }
  if (ok) co_return check;
  if (!stale) auth_failed(connection.remote_address, username, now);
  check.refusal = unauthorized(request, now, stale);
  co_return check;
}

// The device bootstrapped: new connection-request credentials of its own, set through an
// ordinary setParameterValues task so that its outcome (done, or the CPE's fault) is stored
// and shown by the NBI like an operator's. Once done, the store holds the values the ACS set
// and connection requests use them; after a fault it keeps what it had.
void CwmpService::Impl::queue_cr_credentials(const QueueCrCredentials& queue, Entry& entry) {
  const CrCredentials credentials = make_cr_credentials(random_bytes);
  const std::int64_t id =
      store.add_task(queue.device_id, TaskType::kSetParameterValues,
                     cr_credentials_task(queue.root, credentials), options.clock(), 0);
  entry.cr_task = id;
  entry.cr_task_handed = false;
  spdlog::info("cwmp: {} bootstrap: per-device connection-request credentials set by task {}",
               queue.device_id, id);
}

std::optional<Task> CwmpService::Impl::next_task_for(Entry& entry, Millis now) {
  if (entry.cr_task && !entry.cr_task_handed) {
    entry.cr_task_handed = true;
    std::optional<Task> task = store.get_task(*entry.cr_task);
    if (task && task->state == TaskState::kQueued) return task;
  }
  return store.next_task(entry.session.device_id(), now);
}

// After the device's tasks, the presets: the engine's RPCs go out one by one until what the
// presets declare holds.
std::optional<cwmp::Body> CwmpService::Impl::next_preset_rpc(Entry& entry) {
  if (!entry.presets) {
    entry.presets = std::make_unique<PresetRun>(store, catalog.current(), entry.session.device_id(),
                                                entry.events, options.presets, options.metrics);
  }
  return entry.presets->next_rpc(options.clock());
}

Reply CwmpService::Impl::drive(Entry& entry, Reply reply, Millis now) {
  apply(reply.effects, entry);
  while (reply.need_task) {
    if (reply.rpc_answer && entry.presets) {
      entry.presets->on_answer(*reply.rpc_answer, options.clock());
    }
    std::optional<Task> task = next_task_for(entry, now);
    if (!task) {
      if (std::optional<cwmp::Body> rpc = next_preset_rpc(entry)) {
        reply = entry.session.send_rpc(std::move(*rpc));
        apply(reply.effects, entry);
        continue;
      }
    }
    reply = entry.session.next_task(std::move(task), now);
    apply(reply.effects, entry);
  }
  return reply;
}

void CwmpService::Impl::apply(const std::vector<Effect>& effects, Entry& entry) {
  for (const Effect& effect : effects) {
    std::visit(
        [this, &entry](const auto& e) {
          using T = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<T, RecordInform>) {
            store.record_inform(e.record);
            entry.events.clear();
            for (const cwmp::EventStruct& event : e.record.events) {
              entry.events.push_back(event.event_code);
            }
            for (SessionObserver* o : options.observers) o->on_inform(e.record, options.clock());
          } else if constexpr (std::is_same_v<T, MarkTaskSent>) {
            store.mark_task_sent(e.task_id, options.clock());
          } else if constexpr (std::is_same_v<T, RecordParameters>) {
            store.record_parameters(e.device_id, e.learned, e.removed_prefixes, options.clock());
          } else if constexpr (std::is_same_v<T, CompleteTask>) {
            store.complete_task(e.task_id, e.result, e.learned, e.removed_prefixes,
                                options.clock());
            for (SessionObserver* o : options.observers) {
              o->on_task_ended(e.task_id, std::nullopt, options.clock());
            }
            if (entry.cr_task == e.task_id) {
              spdlog::info("cwmp: {} took its per-device connection-request credentials",
                           entry.session.device_id());
            }
          } else if constexpr (std::is_same_v<T, FailTask>) {
            store.fail_task(e.task_id, e.fault, options.clock());
            for (SessionObserver* o : options.observers) {
              o->on_task_ended(e.task_id, e.fault, options.clock());
            }
            if (entry.cr_task == e.task_id) {
              // Logged once per bootstrap: the task's fault is in the NBI.
              spdlog::warn(
                  "cwmp: {} refused per-device connection-request credentials (task {}, fault "
                  "{}: {}): connection requests keep the credentials the ACS knew",
                  entry.session.device_id(), e.task_id, e.fault.code, e.fault.message);
            }
          } else if constexpr (std::is_same_v<T, QueueCrCredentials>) {
            queue_cr_credentials(e, entry);
          } else if constexpr (std::is_same_v<T, CompleteTransfer>) {
            const auto task = store.complete_transfer(e.device_id, e.command_key, e.outcome,
                                                      e.fault, options.clock());
            for (SessionObserver* o : options.observers) {
              o->on_transfer_complete(e.device_id, e.command_key, task, e.fault, options.clock());
            }
            if (task) {
              spdlog::info("cwmp: {} TransferComplete '{}' ends task {}{}", e.device_id,
                           e.command_key, *task,
                           e.fault ? " with fault " + std::to_string(e.fault->code) : "");
            } else if (complete_preset_transfer(store, e.device_id, e.command_key, e.fault,
                                                options.clock(), options.metrics)
                           .empty()) {
              spdlog::info("cwmp: {} TransferComplete '{}' matches no task (kept in events)",
                           e.device_id, e.command_key);
            }
          } else {
            // RecordCpeRequest: answered; autonomous transfers and DU changes are
            // visible through the Inform's events.
            spdlog::info("cwmp: {} sent {}", e.device_id, cwmp::method_name(e.request));
          }
        },
        effect);
  }
}

// The session's answer to one POST, with every effect on disk before it returns.
Reply CwmpService::Impl::run(Entry& entry, std::string_view body, Millis now) {
  return drive(entry, entry.session.on_post(body, now), now);
}

void CwmpService::Impl::session_ended(const Entry& entry, std::string_view outcome, Millis now) {
  const double seconds = static_cast<double>(now - entry.started) / 1000.0;
  if (options.metrics != nullptr) {
    options.metrics->add("cwmp_sessions_total", {{"outcome", std::string(outcome)}});
    options.metrics->observe("cwmp_session_duration_seconds", seconds);
  }
  spdlog::info("cwmp: {} session {} after {:.3f} s", entry.device_id, outcome, seconds);
}

void CwmpService::Impl::forget(const std::shared_ptr<Entry>& entry) {
  by_cookie.erase(entry->cookie);
  by_connection.erase(entry->connection_id);
  const auto it = by_device.find(entry->device_id);
  if (it != by_device.end() && it->second == entry) by_device.erase(it);
}

CwmpService::CwmpService(store::Store& store, asio::any_io_executor store_executor,
                         CwmpServiceOptions options)
    : impl_(std::make_unique<Impl>(store, std::move(store_executor), std::move(options))) {}

CwmpService::~CwmpService() = default;

namespace {

net::Response busy(const net::Request& request, std::string text, std::chrono::seconds retry) {
  net::Response r = plain(http::status::service_unavailable, request, std::move(text));
  r.message.set(http::field::retry_after, std::to_string(retry.count()));
  return r;
}

// The events of the Inform a first reply records (for the metrics and the log).
const std::vector<cwmp::EventStruct>* inform_events(const Reply& reply) {
  for (const Effect& e : reply.effects) {
    if (const auto* r = std::get_if<RecordInform>(&e)) return &r->record.events;
  }
  return nullptr;
}

}  // namespace

asio::awaitable<net::Response> CwmpService::handle(net::Request& request,
                                                   const net::ConnectionInfo& connection) {
  Impl& im = *impl_;
  const Millis now = im.options.clock();
  if (request.method() != http::verb::post) {
    co_return plain(http::status::method_not_allowed, request, "CWMP uses POST");
  }

  // Find the session: by cookie, else by connection (CPEs that drop cookies).
  std::shared_ptr<Entry> entry;
  const std::string cookie = cookie_of(request);
  {
    std::lock_guard lock(im.mutex);
    if (!cookie.empty()) {
      if (auto it = im.by_cookie.find(cookie); it != im.by_cookie.end()) entry = it->second;
    }
    if (!entry) {
      if (auto it = im.by_connection.find(connection.connection_id); it != im.by_connection.end()) {
        entry = it->second;
      }
    }
  }
  const bool is_new = !entry;
  if (is_new) {
    AuthCheck auth = co_await im.authenticate(request, connection, now);
    if (auth.refusal) co_return std::move(*auth.refusal);
    std::lock_guard lock(im.mutex);
    if (im.by_cookie.size() >= im.options.max_sessions) {
      ++im.stats.sessions_refused;
      im.count("cwmp_sessions_total", {{"outcome", "refused-overload"}});
      co_return busy(request, "too many sessions", im.options.retry_after);
    }
    entry = std::make_shared<Entry>(im.options.session, connection.remote_address);
    entry->cookie = new_cookie_value();
    entry->connection_id = connection.connection_id;
    entry->started = now;
    entry->bound_device = std::move(auth.bound_device);
    entry->username = std::move(auth.username);
  }
  entry->last_activity = now;

  // Decode and decide; for a new session, check the device before anything is stored.
  Reply reply;
  if (is_new) {
    reply = entry->session.on_post(request.body(), now);
    const std::string& device = entry->session.device_id();
    if (!entry->bound_device.empty() && !device.empty() && device != entry->bound_device) {
      // Per-device credentials are only good for their device: another device's Inform
      // with them is an impersonation attempt.
      spdlog::warn("cwmp: {} refused: credentials of user '{}' belong to device {} (from {})",
                   device, entry->username, entry->bound_device, connection.remote_address);
      im.auth_failed(connection.remote_address, entry->username, now);
      co_return im.unauthorized(request, now, false);
    }
    bool busy_device = false;
    {
      std::lock_guard lock(im.mutex);
      entry->device_id = device;
      const auto it = im.by_device.find(entry->device_id);
      busy_device = !entry->device_id.empty() && it != im.by_device.end();
      if (busy_device) {
        ++im.stats.sessions_refused;
      } else if (!reply.session_over) {
        im.by_cookie[entry->cookie] = entry;
        im.by_connection[entry->connection_id] = entry;
        im.by_device[entry->device_id] = entry;
        entry->registered = true;
        ++im.stats.sessions_started;
      }
    }
    if (busy_device) {
      // One live session per device (TR-069 §3.2: a CPE holds one session at a time).
      im.count("cwmp_sessions_total", {{"outcome", "refused-busy"}});
      spdlog::warn("cwmp: {} refused: a session of this device is open (from {})", entry->device_id,
                   connection.remote_address);
      co_return busy(request, "a session of this device is open", im.options.retry_after);
    }
    if (const auto* events = inform_events(reply)) {
      std::string codes;
      for (const cwmp::EventStruct& e : *events) {
        im.count("cwmp_informs_total", {{"event", e.event_code}});
        if (!codes.empty()) codes += ", ";
        codes += e.event_code;
      }
      spdlog::info("cwmp: {} session started from {} (CWMP {}, events: {})", entry->device_id,
                   connection.remote_address, cwmp::to_string(entry->session.version()), codes);
    }
  }

  // Store work blocks on disk: run it on the store executor, not on this loop thread.
  std::string error;
  try {
    reply = co_await asio::co_spawn(
        im.store_executor,
        [&im, &entry, &request, &reply, is_new, now]() -> asio::awaitable<Reply> {
          if (is_new) {
            Reply first = im.drive(*entry, std::move(reply), now);
            co_return first;
          }
          co_return im.run(*entry, request.body(), now);
        },
        asio::use_awaitable);
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (!error.empty()) {
    spdlog::error("cwmp: {} store error, session dropped: {}", entry->device_id, error);
    std::lock_guard lock(im.mutex);
    if (entry->registered) im.session_ended(*entry, "error", now);
    im.forget(entry);
    co_return plain(http::status::internal_server_error, request, "store error: " + error);
  }
  if (!reply.problem.empty()) {
    spdlog::warn("cwmp: {} from {}: {}",
                 entry->device_id.empty() ? std::string("(unknown device)") : entry->device_id,
                 connection.remote_address, reply.problem);
  }
  for (const std::string& w : entry->session.warnings()) {
    spdlog::debug("cwmp: {} tolerated: {}", entry->device_id, w);
  }

  net::Response response;
  response.message =
      net::HttpResponse(static_cast<http::status>(reply.http_status), request.version());
  if (reply.http_status == 200) {
    response.message.set(http::field::content_type, "text/xml; charset=\"utf-8\"");
    response.message.body() = std::move(reply.body);
  } else if (!reply.body.empty()) {
    response.message.set(http::field::content_type, "text/plain; charset=utf-8");
    if (reply.http_status == 400) {
      spdlog::warn("cwmp: {} bad request from {}: {}",
                   entry->device_id.empty() ? std::string("(unknown device)") : entry->device_id,
                   connection.remote_address, reply.body);
    }
    response.message.body() = std::move(reply.body);
  }
  if (is_new && entry->registered) {
    response.message.set(http::field::set_cookie,
                         std::string(kCookieName) + "=" + entry->cookie + "; Path=/; HttpOnly");
  }
  response.message.prepare_payload();
  if (reply.session_over) {
    std::lock_guard lock(im.mutex);
    if (reply.http_status == 204) ++im.stats.sessions_completed;
    if (reply.http_status == 400) ++im.stats.bad_requests;
    const std::string_view outcome = reply.http_status == 204   ? "completed"
                                     : reply.http_status == 400 ? "bad-request"
                                                                : "ended-by-fault";
    if (entry->registered || reply.http_status == 400) im.session_ended(*entry, outcome, now);
    if (entry->registered) im.forget(entry);
  }
  co_return response;
}

std::size_t CwmpService::expire(Millis now) {
  Impl& im = *impl_;
  std::lock_guard lock(im.mutex);
  std::vector<std::shared_ptr<Entry>> old;
  for (const auto& [cookie, entry] : im.by_cookie) {
    if (now - entry->last_activity > im.options.idle_timeout.count() ||
        now - entry->started > im.options.max_duration.count()) {
      old.push_back(entry);
    }
  }
  for (const auto& entry : old) {
    im.session_ended(*entry, "expired", now);
    im.forget(entry);
  }
  im.stats.sessions_expired += old.size();
  return old.size();
}

std::size_t CwmpService::active_sessions() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->by_cookie.size();
}

CwmpServiceStats CwmpService::stats() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->stats;
}

}  // namespace acs
