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
  bool registered = false;  // in the device and cookie maps
};

struct CwmpService::Impl {
  Impl(store::Store& s, asio::any_io_executor e, CwmpServiceOptions o)
      : store(s), store_executor(std::move(e)), options(std::move(o)) {
    if (!options.clock) options.clock = system_now;
    if (options.auth == CpeAuth::kDigest) {
      cwmp::auth::DigestServerOptions d;
      d.realm = options.realm;
      digest = std::make_unique<cwmp::auth::DigestServer>(d, random_bytes);
    }
  }

  // What the request's Authorization proves: nullopt = accepted, else the 401/400 to send.
  std::optional<net::Response> authenticate(const net::Request& request,
                                            const net::ConnectionInfo& connection, Millis now);
  void apply(const std::vector<Effect>& effects);
  Reply run(Entry& entry, std::string_view body, Millis now);
  void forget(const std::shared_ptr<Entry>& entry);

  store::Store& store;
  asio::any_io_executor store_executor;
  CwmpServiceOptions options;
  std::unique_ptr<cwmp::auth::DigestServer> digest;

  mutable std::mutex mutex;
  std::unordered_map<std::string, std::shared_ptr<Entry>> by_cookie;
  std::unordered_map<std::uint64_t, std::shared_ptr<Entry>> by_connection;
  std::unordered_map<std::string, std::shared_ptr<Entry>> by_device;
  CwmpServiceStats stats;
};

std::optional<net::Response> CwmpService::Impl::authenticate(const net::Request& request,
                                                             const net::ConnectionInfo& connection,
                                                             Millis now) {
  if (options.auth == CpeAuth::kNone) return std::nullopt;
  const auto it = request.find(http::field::authorization);
  const std::string_view header = it == request.end()
                                      ? std::string_view()
                                      : std::string_view(it->value().data(), it->value().size());
  const auto tp = std::chrono::system_clock::time_point(std::chrono::milliseconds(now));
  auto unauthorized = [&](bool stale) {
    net::Response r = plain(http::status::unauthorized, request, "authentication required");
    if (digest) {
      for (const std::string& c : digest->challenges(tp, stale)) {
        r.message.insert(http::field::www_authenticate, c);
      }
    } else {
      r.message.set(http::field::www_authenticate, "Basic realm=\"" + options.realm + "\"");
    }
    return r;
  };
  if (header.empty()) return unauthorized(false);
  bool ok = false;
  bool stale = false;
  if (options.auth == CpeAuth::kBasicOverTls) {
    // TR-069 §3.4.4: Basic only over TLS.
    auto creds = cwmp::auth::parse_basic_authorization(header);
    ok = connection.is_tls && creds &&
         cwmp::auth::basic_matches(*creds, options.username, options.password);
  } else {
    auto creds = cwmp::auth::parse_digest_authorization(header);
    if (creds && creds->username == options.username) {
      const auto result = digest->verify(
          *creds, std::string_view(request.method_string().data(), request.method_string().size()),
          std::string_view(request.target().data(), request.target().size()), options.password, tp);
      ok = result == cwmp::auth::VerifyResult::kOk;
      // A right answer to an old nonce: challenge again with stale=true (RFC 7616 §3.3).
      stale = result == cwmp::auth::VerifyResult::kStale;
    }
  }
  if (ok) return std::nullopt;
  {
    std::lock_guard lock(mutex);
    ++stats.auth_failures;
  }
  return unauthorized(stale);
}

void CwmpService::Impl::apply(const std::vector<Effect>& effects) {
  for (const Effect& effect : effects) {
    std::visit(
        [this](const auto& e) {
          using T = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<T, RecordInform>) {
            store.record_inform(e.record);
          } else if constexpr (std::is_same_v<T, MarkTaskSent>) {
            store.mark_task_sent(e.task_id, options.clock());
          } else if constexpr (std::is_same_v<T, RecordParameters>) {
            store.record_parameters(e.device_id, e.learned, e.removed_prefixes, options.clock());
          } else if constexpr (std::is_same_v<T, CompleteTask>) {
            store.complete_task(e.task_id, e.result, e.learned, e.removed_prefixes,
                                options.clock());
          } else if constexpr (std::is_same_v<T, FailTask>) {
            store.fail_task(e.task_id, e.fault, options.clock());
          } else {
            // RecordCpeRequest: tying TransferComplete to its Download task is
            // not built yet; the request has been answered.
          }
        },
        effect);
  }
}

// The session's answer to one POST, with every effect on disk before it returns.
Reply CwmpService::Impl::run(Entry& entry, std::string_view body, Millis now) {
  Reply reply = entry.session.on_post(body, now);
  apply(reply.effects);
  while (reply.need_task) {
    std::optional<Task> task = store.next_task(entry.session.device_id(), now);
    reply = entry.session.next_task(std::move(task), now);
    apply(reply.effects);
  }
  return reply;
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
    if (auto refused = im.authenticate(request, connection, now)) co_return std::move(*refused);
    std::lock_guard lock(im.mutex);
    if (im.by_cookie.size() >= im.options.max_sessions) {
      ++im.stats.sessions_refused;
      net::Response r = plain(http::status::service_unavailable, request, "too many sessions");
      r.message.set(http::field::retry_after, std::to_string(im.options.retry_after.count()));
      co_return r;
    }
    entry = std::make_shared<Entry>(im.options.session, connection.remote_address);
    entry->cookie = new_cookie_value();
    entry->connection_id = connection.connection_id;
    entry->started = now;
  }
  entry->last_activity = now;

  // Decode and decide; for a new session, check the device before anything is stored.
  Reply reply;
  if (is_new) {
    reply = entry->session.on_post(request.body(), now);
    bool busy = false;
    {
      std::lock_guard lock(im.mutex);
      entry->device_id = entry->session.device_id();
      const auto it = im.by_device.find(entry->device_id);
      busy = !entry->device_id.empty() && it != im.by_device.end();
      if (busy) {
        ++im.stats.sessions_refused;
      } else if (!reply.session_over) {
        im.by_cookie[entry->cookie] = entry;
        im.by_connection[entry->connection_id] = entry;
        im.by_device[entry->device_id] = entry;
        entry->registered = true;
        ++im.stats.sessions_started;
      }
    }
    if (busy) {
      // One live session per device (TR-069 §3.2: a CPE holds one session at a time).
      net::Response r =
          plain(http::status::service_unavailable, request, "a session of this device is open");
      r.message.set(http::field::retry_after, std::to_string(im.options.retry_after.count()));
      co_return r;
    }
  }

  // Store work blocks on disk: run it on the store executor, not on this loop thread.
  std::string error;
  try {
    reply = co_await asio::co_spawn(
        im.store_executor,
        [&im, &entry, &request, &reply, is_new, now]() -> asio::awaitable<Reply> {
          if (is_new) {
            Reply first = std::move(reply);
            im.apply(first.effects);
            while (first.need_task) {
              std::optional<Task> task = im.store.next_task(entry->device_id, now);
              first = entry->session.next_task(std::move(task), now);
              im.apply(first.effects);
            }
            co_return first;
          }
          co_return im.run(*entry, request.body(), now);
        },
        asio::use_awaitable);
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (!error.empty()) {
    std::lock_guard lock(im.mutex);
    im.forget(entry);
    co_return plain(http::status::internal_server_error, request, "store error: " + error);
  }

  net::Response response;
  response.message =
      net::HttpResponse(static_cast<http::status>(reply.http_status), request.version());
  if (reply.http_status == 200) {
    response.message.set(http::field::content_type, "text/xml; charset=\"utf-8\"");
    response.message.body() = std::move(reply.body);
  } else if (!reply.body.empty()) {
    response.message.set(http::field::content_type, "text/plain; charset=utf-8");
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
  for (const auto& entry : old) im.forget(entry);
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
