#include "scripted_cpe.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/url/parse.hpp>
#include <condition_variable>
#include <deque>
#include <limits>
#include <mutex>
#include <random>
#include <span>
#include <stdexcept>

#include "cwmp/codec.hpp"
#include "cwmp/events.hpp"
#include "cwmp/faults.hpp"
#include "cwmp/http_auth.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "net/tls.hpp"

namespace scripted_cpe {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr int kMaxRedirects = 5;         // TR-069 §3.4.5: at least 5 per session
constexpr int kMaxAuthAttempts = 3;      // 401s answered per request
constexpr std::size_t kMaxCookies = 20;  // TR-069 asks for at least 512 bytes of cookies
constexpr std::size_t kMaxCookieBytes = 8192;
constexpr std::string_view kRealm = "cwmp-scripted-cpe";

// The ACS -> CPE RPCs (TR-069 A.3.2, A.4.1): what fault injection may name.
constexpr std::string_view kAcsRpcs[] = {"GetRPCMethods",
                                         "SetParameterValues",
                                         "GetParameterValues",
                                         "GetParameterNames",
                                         "SetParameterAttributes",
                                         "GetParameterAttributes",
                                         "AddObject",
                                         "DeleteObject",
                                         "Download",
                                         "Reboot",
                                         "GetQueuedTransfers",
                                         "ScheduleInform",
                                         "SetVouchers",
                                         "GetOptions",
                                         "Upload",
                                         "FactoryReset",
                                         "GetAllQueuedTransfers",
                                         "ScheduleDownload",
                                         "CancelTransfer",
                                         "ChangeDUState"};

void random_bytes(std::span<std::uint8_t> out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
}

std::string random_hex(std::size_t bytes) {
  std::vector<std::uint8_t> buf(bytes);
  random_bytes(buf);
  return cwmp::hex_encode(std::string_view(reinterpret_cast<const char*>(buf.data()), buf.size()));
}

Millis now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

cwmp::DateTime now_date_time() {
  return cwmp::DateTime::from_sys_time(
      std::chrono::time_point_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now()));
}

// The request-target of an absolute URL, as the HTTP client sends it (and Digest hashes it).
std::string request_target(std::string_view url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return "/";
  std::string target(parsed->encoded_target());
  if (target.empty() || target.front() != '/') target.insert(0, "/");
  return target;
}

bool is_https(std::string_view url) {
  return url.size() >= 8 && (url.substr(0, 8) == "https://" || url.substr(0, 8) == "HTTPS://");
}

std::string header_values(const net::HttpResponse& response, http::field field) {
  std::string out;
  auto [begin, end] = response.equal_range(field);
  for (auto it = begin; it != end; ++it) {
    if (!out.empty()) out += ", ";
    out.append(it->value().data(), it->value().size());
  }
  return out;
}

bool is_blank(std::string_view body) {
  return body.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

std::string trim(std::string_view s) {
  const std::size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  const std::size_t e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

std::string describe(const net::ClientResult& r) {
  return std::string(net::to_string(r.error)) + (r.message.empty() ? "" : ": " + r.message);
}

std::string answer_name(const cwmp::Body& body) {
  if (const auto* f = std::get_if<cwmp::Fault>(&body)) return "Fault " + std::to_string(f->code);
  return std::string(cwmp::method_name(body));
}

// --- cookies (RFC 6265, the part a CWMP session needs) ----------------------------------

using Cookies = std::vector<std::pair<std::string, std::string>>;

void store_cookies(Cookies& jar, const net::HttpResponse& response) {
  auto [begin, end] = response.equal_range(http::field::set_cookie);
  for (auto it = begin; it != end; ++it) {
    const std::string_view line(it->value().data(), it->value().size());
    const std::string_view pair = line.substr(0, line.find(';'));
    const std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    std::string name = trim(pair.substr(0, eq));
    std::string value = trim(pair.substr(eq + 1));
    if (name.empty()) continue;
    std::string lower(line);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const bool expired = lower.find("max-age=0") != std::string::npos;
    std::erase_if(jar, [&](const auto& c) { return c.first == name; });
    if (expired) continue;
    std::size_t size = name.size() + value.size();
    for (const auto& c : jar) size += c.first.size() + c.second.size();
    if (jar.size() < kMaxCookies && size <= kMaxCookieBytes) {
      jar.emplace_back(std::move(name), std::move(value));
    }
  }
}

std::string cookie_header(const Cookies& jar) {
  std::string out;
  for (const auto& [name, value] : jar) {
    if (!out.empty()) out += "; ";
    out += name + "=" + value;
  }
  return out;
}

// --- HTTP authentication as a client ------------------------------------------------------

// Credentials for one origin: answers a 401 once (or again on stale=true) and keeps
// sending Authorization afterwards (Digest with a growing nc).
class ClientAuth {
 public:
  ClientAuth(std::string username, std::string password, bool allow_basic)
      : username_(std::move(username)), password_(std::move(password)), allow_basic_(allow_basic) {}

  // Another origin (a redirect): nothing of the old challenge applies.
  void reset(bool allow_basic) {
    allow_basic_ = allow_basic;
    basic_ = false;
    digest_.reset();
  }

  std::optional<std::string> header(std::string_view method, std::string_view target) {
    if (digest_ && digest_->has_challenge()) return digest_->authorization(method, target);
    if (basic_) return cwmp::auth::basic_authorization(username_, password_);
    return std::nullopt;
  }

  // A 401 came; `sent` tells whether it answered our credentials. Returns "" when the
  // request should be retried with credentials, else why not.
  std::string on_challenge(const net::HttpResponse& response, bool sent) {
    if (username_.empty() && password_.empty()) return "authentication required, no credentials";
    const std::string www = header_values(response, http::field::www_authenticate);
    auto selected = cwmp::auth::parse_www_authenticate(www);
    if (!selected) {
      return "cannot answer WWW-Authenticate (" +
             std::string(cwmp::auth::to_string(selected.error())) + "): " + www.substr(0, 200);
    }
    if (selected->scheme == cwmp::auth::SelectedChallenge::Scheme::kBasic) {
      if (!allow_basic_) return "Basic authentication refused over plain HTTP";
      if (sent && basic_) return "credentials rejected";
      basic_ = true;
      return {};
    }
    // A non-stale challenge in answer to our credentials means they were wrong.
    if (sent && !selected->digest.stale) return "credentials rejected";
    if (!digest_) digest_.emplace(username_, password_, random_bytes);
    digest_->set_challenge(std::move(selected->digest));
    return {};
  }

 private:
  std::string username_;
  std::string password_;
  bool allow_basic_;
  bool basic_ = false;
  std::optional<cwmp::auth::DigestClient> digest_;
};

}  // namespace

std::optional<std::pair<std::string, std::uint32_t>> parse_fault_injection(std::string_view text) {
  const std::size_t eq = text.find('=');
  if (eq == std::string_view::npos) return std::nullopt;
  const std::string_view method = text.substr(0, eq);
  const auto code = cwmp::parse_unsigned_int(text.substr(eq + 1));
  if (std::find(std::begin(kAcsRpcs), std::end(kAcsRpcs), method) == std::end(kAcsRpcs) || !code ||
      !cwmp::is_cpe_fault_code(*code)) {
    return std::nullopt;
  }
  return std::pair{std::string(method), *code};
}

// =========================================================================================

struct ScriptedCpe::Impl {
  Impl(asio::io_context& io_context, ScriptedCpeOptions o);

  // One HTTP conversation with the ACS: the connection, cookies and credentials.
  struct Conversation {
    Conversation(asio::any_io_executor ex, net::ClientOptions co, std::string u, ClientAuth a)
        : connection(std::move(ex), std::move(co)), url(std::move(u)), auth(std::move(a)) {}
    net::HttpConnection connection;
    std::string url;
    Cookies cookies;
    ClientAuth auth;
  };
  struct Posted {
    net::ClientResult result;
    std::string auth_error;  // set when a 401 could not be answered
  };

  static asio::awaitable<SessionReport> session_task(std::shared_ptr<Impl> self,
                                                     SessionRequest request,
                                                     bool connection_request);
  asio::awaitable<void> acquire();
  void release();
  asio::awaitable<void> run_session(SessionRequest request, SessionReport& report);
  asio::awaitable<void> converse(Conversation& c, cwmp::Inform inform,
                                 const SessionRequest& request, SessionReport& report);
  asio::awaitable<bool> send_cpe_requests(Conversation& c, const SessionRequest& request,
                                          cwmp::CwmpVersion version, SessionReport& report);
  asio::awaitable<Posted> post(Conversation& c, std::string body, SessionReport& report);
  void finish(SessionReport report);

  // Transfers, after the session.
  asio::awaitable<void> run_transfers();
  asio::awaitable<net::ClientResult> fetch(http::verb method, const Transfer& t, std::string body,
                                           std::string& auth_error);
  asio::awaitable<void> download(Transfer& t);
  asio::awaitable<void> upload(Transfer& t);
  std::string upload_body(const Transfer& t) const;

  // Connection requests.
  static asio::awaitable<net::Response> handle_connection_request(std::weak_ptr<Impl> weak,
                                                                  net::Request& request);
  void queue_connection_request(const std::shared_ptr<Impl>& self);

  // Autonomous sessions.
  static asio::awaitable<void> scheduler(std::shared_ptr<Impl> self);
  void notify_scheduler();

  static void shutdown(const std::shared_ptr<Impl>& self);

  asio::io_context& io;
  asio::strand<asio::any_io_executor> strand;
  ScriptedCpeOptions options;
  std::shared_ptr<asio::ssl::context> tls;

  // Guarded by `mutex` (the accessors come from any thread).
  mutable std::mutex mutex;
  mutable std::condition_variable finished_cv;
  Device device;
  std::vector<SessionReport> reports;
  std::string connection_request_url;
  std::uint64_t connection_request_count = 0;
  std::uint32_t retry_count = 0;  // consecutive failed sessions
  Millis retry_due = 0;

  // Strand only.
  bool busy = false;
  std::deque<std::shared_ptr<asio::steady_timer>> waiters;
  bool connection_request_queued = false;
  std::size_t sessions_started = 0;
  std::unique_ptr<asio::steady_timer> scheduler_timer;
  std::mt19937_64 rng{std::random_device{}()};

  std::atomic<bool> stopping{false};
  std::string connection_request_path;
  std::unique_ptr<cwmp::auth::DigestServer> connection_request_digest;
  std::unique_ptr<net::HttpServer> listener;
};

namespace {

DeviceSettings settings_from(const ScriptedCpeOptions& o) {
  DeviceSettings s;
  s.identity = o.identity;
  s.acs_url = o.acs_url;
  s.acs_username = o.username;
  s.acs_password = o.password;
  s.connection_request_username = o.connection_request_username;
  s.connection_request_password = o.connection_request_password;
  s.periodic_inform_enable = o.periodic_inform_enable;
  s.periodic_inform_interval = o.periodic_inform_interval;
  s.extra_parameters = o.extra_parameters;
  s.faults = o.faults;
  return s;
}

void validate(const ScriptedCpeOptions& o) {
  auto bad = [](const std::string& why) { throw std::invalid_argument(why); };
  if (o.acs_url.rfind("http://", 0) != 0 && o.acs_url.rfind("https://", 0) != 0) {
    bad("the ACS URL must be an http:// or https:// URL: '" + o.acs_url + "'");
  }
  if (o.acs_url.size() > 256) bad("the ACS URL is longer than 256 characters");
  const DeviceIdentity& id = o.identity;
  if (id.oui.size() != 6 || id.oui.find_first_not_of("0123456789ABCDEF") != std::string::npos) {
    bad("the OUI must be six upper-case hex digits: '" + id.oui + "'");
  }
  for (const std::string* f : {&id.manufacturer, &id.product_class, &id.serial_number}) {
    if (f->empty() || f->size() > 64)
      bad("manufacturer, product class and serial: 1 to 64 characters");
  }
  if (o.cwmp_version != cwmp::CwmpVersion::k1_2 && o.cwmp_version != cwmp::CwmpVersion::k1_4) {
    bad("the CWMP version must be 1.2 or 1.4");
  }
  for (const auto& [method, code] : o.faults) {
    if (!parse_fault_injection(method + "=" + std::to_string(code))) {
      bad("bad fault injection " + method + "=" + std::to_string(code));
    }
  }
  if (o.periodic_inform_interval == 0) bad("the periodic inform interval must be at least 1 s");
}

}  // namespace

ScriptedCpe::Impl::Impl(asio::io_context& io_context, ScriptedCpeOptions o)
    : io(io_context),
      strand(asio::make_strand(io_context.get_executor())),
      options(std::move(o)),
      device((validate(options), settings_from(options)), now_ms()) {
  net::ClientTlsOptions t;
  t.ca_file = options.ca_file;
  tls = net::make_client_tls_context(t);
}

// --- the gate: one session at a time (strand only) ---------------------------------------

asio::awaitable<void> ScriptedCpe::Impl::acquire() {
  while (busy) {
    auto timer =
        std::make_shared<asio::steady_timer>(strand, asio::steady_timer::time_point::max());
    waiters.push_back(timer);
    co_await timer->async_wait(kUseTuple);  // woken by release() cancelling it
  }
  busy = true;
}

void ScriptedCpe::Impl::release() {
  busy = false;
  if (!waiters.empty()) {
    waiters.front()->cancel();
    waiters.pop_front();
  }
}

asio::awaitable<SessionReport> ScriptedCpe::Impl::session_task(std::shared_ptr<Impl> self,
                                                               SessionRequest request,
                                                               bool connection_request) {
  co_await self->acquire();
  if (connection_request) self->connection_request_queued = false;  // a new one queues again
  SessionReport report;
  report.number = ++self->sessions_started;
  try {
    co_await self->run_session(std::move(request), report);
  } catch (const std::exception& e) {
    report.completed = false;
    report.error = std::string("internal error: ") + e.what();
  }
  self->release();
  self->finish(report);
  co_return report;
}

void ScriptedCpe::Impl::finish(SessionReport report) {
  {
    std::lock_guard lock(mutex);
    reports.push_back(report);
  }
  finished_cv.notify_all();
  if (options.on_session) options.on_session(report);
  notify_scheduler();
}

// --- one session ------------------------------------------------------------------------

asio::awaitable<void> ScriptedCpe::Impl::run_session(SessionRequest request,
                                                     SessionReport& report) {
  for (const std::string& e : request.events) {
    if (!cwmp::is_valid_event_code(e)) {
      report.error = "invalid event code '" + e + "'";
      co_return;
    }
  }
  cwmp::Inform inform;
  std::string url;
  std::string username;
  std::string password;
  {
    std::lock_guard lock(mutex);
    for (const std::string& e : request.events) device.raise({e, ""});
    inform = device.make_inform(now_ms(), retry_count, !options.autonomous);
    url = device.acs_url();
    username = device.acs_username();
    password = device.acs_password();
  }
  for (const auto& e : inform.event) report.events.push_back(e.event_code);

  net::ClientOptions client;
  client.tls = tls;
  client.user_agent = "cwmp-scripted-cpe";
  Conversation c(strand, client, url,
                 ClientAuth(username, password, is_https(url) || options.basic_over_http));
  co_await converse(c, std::move(inform), request, report);
  c.connection.close();  // cookies and credentials die with the session

  const Millis now = now_ms();
  {
    std::lock_guard lock(mutex);
    if (report.ok()) {
      retry_count = 0;
    } else {
      device.session_failed();
      // TR-069 §3.2.1.1: the n-th retry waits a random time in the n-th window.
      const std::uint32_t n = ++retry_count;
      retry_due = now + cwmp::retry_wait(n, device.retry_policy(), rng).count();
    }
  }
  co_await run_transfers();
  std::lock_guard lock(mutex);
  device.apply_deferred(now_ms());
}

asio::awaitable<void> ScriptedCpe::Impl::converse(Conversation& c, cwmp::Inform inform,
                                                  const SessionRequest& request,
                                                  SessionReport& report) {
  // --- Inform -> InformResponse
  cwmp::Envelope env;
  env.version = options.cwmp_version;
  env.header.id = "inform-" + std::to_string(report.number);
  if (options.cwmp_version >= cwmp::CwmpVersion::k1_4) {
    // CWMP 1.4 negotiation (CWMP-FACTS §0): we list what we speak; the ACS picks.
    env.header.supported_cwmp_versions = "1.0,1.1,1.2,1.3,1.4";
    env.header.session_timeout =
        static_cast<std::uint32_t>(std::max<std::int64_t>(1, options.timeout.count() / 1000));
  }
  env.body = std::move(inform);
  auto bytes = cwmp::encode(env);
  if (!bytes) {
    report.error = "cannot encode the Inform: " + bytes.error().message;
    co_return;
  }
  Posted p;
  for (int redirects = 0;; ++redirects) {
    p = co_await post(c, bytes.value(), report);
    const unsigned status = p.result.status();
    const bool redirect = status == 301 || status == 302 || status == 307 || status == 308;
    if (!redirect) break;
    // TR-069 §3.4.5: follow a redirect of the Inform for this session only.
    const std::string location(p.result.response[http::field::location]);
    if (redirects >= kMaxRedirects || (location.rfind("http://", 0) != 0 && !is_https(location))) {
      report.error = "redirect not followed (" + std::to_string(status) + " to '" + location + "')";
      co_return;
    }
    c.url = location;
    c.cookies.clear();
    c.auth.reset(is_https(location) || options.basic_over_http);
  }
  if (!p.result.ok()) {
    report.error = "ACS unreachable: " + describe(p.result);
    co_return;
  }
  if (!p.auth_error.empty()) {
    report.error = "authentication failed: " + p.auth_error;
    co_return;
  }
  if (p.result.status() != 200) {
    report.error = "Inform answered with HTTP " + std::to_string(p.result.status());
    co_return;
  }
  auto decoded = cwmp::decode(p.result.response.body());
  if (!decoded) {
    report.error = "unreadable InformResponse: " + decoded.error().message;
    co_return;
  }
  const cwmp::Envelope& answer = decoded->envelope;
  if (const auto* f = std::get_if<cwmp::Fault>(&answer.body)) {
    report.error = "Inform refused: fault " + std::to_string(f->code) + " " + f->string;
    co_return;
  }
  if (!std::holds_alternative<cwmp::InformResponse>(answer.body)) {
    report.error = "expected InformResponse, got " + std::string(cwmp::method_name(answer.body));
    co_return;
  }
  cwmp::CwmpVersion version = std::min(answer.version, options.cwmp_version);
  if (answer.header.use_cwmp_version) {
    const auto chosen = cwmp::parse_version(*answer.header.use_cwmp_version);
    if (!chosen || *chosen > options.cwmp_version) {
      report.error = "the ACS chose CWMP " + *answer.header.use_cwmp_version + ", not offered";
      co_return;
    }
    version = *chosen;
  }
  report.version = version;
  {
    std::lock_guard lock(mutex);
    device.inform_delivered();
  }

  // --- the CPE's own requests, unless the ACS holds them back
  if (!answer.header.hold_requests.value_or(false)) {
    if (!co_await send_cpe_requests(c, request, version, report)) co_return;
  }

  // --- empty POST, then the ACS's requests until it answers with nothing
  std::string body;
  for (std::size_t n = 0;; ++n) {
    p = co_await post(c, std::move(body), report);
    if (!p.result.ok()) {
      report.error = "connection lost: " + describe(p.result);
      co_return;
    }
    if (!p.auth_error.empty()) {
      report.error = "authentication failed: " + p.auth_error;
      co_return;
    }
    const unsigned status = p.result.status();
    const std::string& text = p.result.response.body();
    // TR-069 §3.7.1.4: an empty response ends the session (204, or a 200 without body).
    if (status == 204 || (status == 200 && is_blank(text))) {
      report.completed = true;
      co_return;
    }
    if (status != 200) {
      report.error = "HTTP " + std::to_string(status) + " from the ACS";
      co_return;
    }
    if (n >= options.max_rpcs_per_session) {
      report.error = "more than " + std::to_string(options.max_rpcs_per_session) + " RPCs";
      co_return;
    }
    cwmp::Envelope out;
    out.version = version;
    auto rpc = cwmp::decode(text);
    if (!rpc) {
      // A request we cannot read: the fault its error maps to (9000 unknown method, 9003,
      // 9004). Its cwmp:ID is unknown, so the fault carries none.
      report.rpcs.push_back("(unreadable)");
      out.body = cwmp::Fault::make(rpc.error().fault_code(cwmp::Side::kCpe), rpc.error().message);
    } else {
      const cwmp::Envelope& in = rpc->envelope;
      if (!cwmp::is_request(in.body)) {
        // Never a fault in answer to a response or a fault (TR-069 §3.5): give up.
        report.error = "the ACS sent " + answer_name(in.body) + " where a request was expected";
        co_return;
      }
      report.rpcs.emplace_back(cwmp::method_name(in.body));
      out.header.id = in.header.id;
      std::lock_guard lock(mutex);
      out.body = device.answer(in.body, version, now_ms());
    }
    report.answers.push_back(answer_name(out.body));
    auto encoded = cwmp::encode(out);
    if (!encoded) {
      out.body = cwmp::Fault::make(cwmp::fault::kInternalError, encoded.error().message);
      encoded = cwmp::encode(out);
      if (!encoded) {
        report.error = "cannot encode an answer: " + encoded.error().message;
        co_return;
      }
    }
    body = std::move(encoded.value());
  }
}

// TransferComplete for each finished transfer, then GetRPCMethods when asked. False when
// the session cannot go on.
asio::awaitable<bool> ScriptedCpe::Impl::send_cpe_requests(Conversation& c,
                                                           const SessionRequest& request,
                                                           cwmp::CwmpVersion version,
                                                           SessionReport& report) {
  std::vector<std::pair<std::uint64_t, cwmp::Body>> requests;
  {
    std::lock_guard lock(mutex);
    for (auto& [id, tc] : device.transfer_completes()) requests.emplace_back(id, std::move(tc));
  }
  if (request.get_rpc_methods) requests.emplace_back(0, cwmp::GetRPCMethods{});
  std::size_t number = 0;
  for (auto& [transfer_id, body] : requests) {
    const std::string name(cwmp::method_name(body));
    report.cpe_requests.push_back(name);
    cwmp::Envelope env;
    env.version = version;
    env.header.id = "cpe-" + std::to_string(report.number) + "-" + std::to_string(++number);
    env.body = std::move(body);
    auto bytes = cwmp::encode(env);
    if (!bytes) {
      report.error = "cannot encode " + name + ": " + bytes.error().message;
      co_return false;
    }
    Posted p = co_await post(c, std::move(bytes.value()), report);
    if (!p.result.ok() || !p.auth_error.empty() || p.result.status() != 200) {
      report.error = name + " failed: " +
                     (!p.result.ok()          ? describe(p.result)
                      : !p.auth_error.empty() ? p.auth_error
                                              : "HTTP " + std::to_string(p.result.status()));
      co_return false;
    }
    auto decoded = cwmp::decode(p.result.response.body());
    if (!decoded) {
      report.error = "unreadable answer to " + name + ": " + decoded.error().message;
      co_return false;
    }
    const cwmp::Body& answer = decoded->envelope.body;
    if (const auto* f = std::get_if<cwmp::Fault>(&answer)) {
      // E.g. 8005 Retry request: the request stays pending for a later session, and the
      // session goes on with the ACS's requests.
      report.answers.push_back(answer_name(answer) + " to " + name);
      (void)f;
      break;
    }
    if (cwmp::method_name(answer) != name + "Response") {
      report.error = "expected " + name + "Response, got " + answer_name(answer);
      co_return false;
    }
    if (const auto* methods = std::get_if<cwmp::GetRPCMethodsResponse>(&answer)) {
      report.acs_methods = methods->method_list;
    } else {
      std::lock_guard lock(mutex);
      device.transfer_acknowledged(transfer_id);
    }
    if (decoded->envelope.header.hold_requests.value_or(false)) break;
  }
  co_return true;
}

// One POST of the session (an envelope, or "" for the empty POST), with the cookies and
// the answer to a 401.
asio::awaitable<ScriptedCpe::Impl::Posted> ScriptedCpe::Impl::post(Conversation& c,
                                                                   std::string body,
                                                                   SessionReport& report) {
  const std::string target = request_target(c.url);
  bool sent_credentials = false;
  // A challenge, then at most a stale one or two: an ACS that never stops challenging
  // fails the session instead of looping.
  for (int attempt = 0;; ++attempt) {
    net::Headers headers;
    if (!body.empty()) {
      // TR-069 §3.4.1: text/xml, and an empty SOAPAction; an empty POST carries neither.
      headers.emplace_back("Content-Type", "text/xml; charset=\"utf-8\"");
      headers.emplace_back("SOAPAction", "");
    }
    if (options.cookies && !c.cookies.empty())
      headers.emplace_back("Cookie", cookie_header(c.cookies));
    if (auto authorization = c.auth.header("POST", target)) {
      headers.emplace_back("Authorization", std::move(*authorization));
      sent_credentials = true;
    }
    Posted p;
    p.result = co_await c.connection.request(c.url, http::verb::post, std::move(headers), body,
                                             options.timeout);
    if (!p.result.ok()) co_return p;
    report.http_statuses.push_back(p.result.status());
    if (options.cookies) store_cookies(c.cookies, p.result.response);
    if (p.result.status() != 401) co_return p;
    p.auth_error = attempt < kMaxAuthAttempts
                       ? c.auth.on_challenge(p.result.response, sent_credentials)
                       : "the ACS keeps challenging";
    if (!p.auth_error.empty()) co_return p;
  }
}

// --- transfers -----------------------------------------------------------------------------

asio::awaitable<void> ScriptedCpe::Impl::run_transfers() {
  std::vector<Transfer> todo;
  {
    std::lock_guard lock(mutex);
    todo = device.start_transfers();
  }
  for (Transfer& t : todo) {
    t.start_time = now_date_time();
    if (t.kind == TransferKind::kUpload) {
      co_await upload(t);
    } else {
      co_await download(t);
    }
    t.complete_time = now_date_time();
    std::lock_guard lock(mutex);
    device.finish_transfer(t, now_ms());
  }
}

// A GET or PUT to the transfer's URL, answering one 401 with the transfer's credentials.
asio::awaitable<net::ClientResult> ScriptedCpe::Impl::fetch(http::verb method, const Transfer& t,
                                                            std::string body,
                                                            std::string& auth_error) {
  net::ClientOptions client;
  client.tls = tls;
  client.body_limit = static_cast<std::size_t>(options.max_download_bytes);
  client.user_agent = "cwmp-scripted-cpe";
  ClientAuth auth(t.username, t.password, is_https(t.url) || options.basic_over_http);
  const std::string target = request_target(t.url);
  const std::string method_name(http::to_string(method));
  bool sent = false;
  for (int attempt = 0;; ++attempt) {
    net::Headers headers;
    if (method == http::verb::put) headers.emplace_back("Content-Type", "text/plain");
    if (auto authorization = auth.header(method_name, target)) {
      headers.emplace_back("Authorization", std::move(*authorization));
      sent = true;
    }
    net::ClientResult r = co_await net::http_request(strand, t.url, method, std::move(headers),
                                                     body, options.transfer_timeout, client);
    if (!r.ok() || r.status() != 401) co_return r;
    auth_error = attempt < kMaxAuthAttempts ? auth.on_challenge(r.response, sent)
                                            : "the server keeps challenging";
    if (!auth_error.empty()) co_return r;
  }
}

// Fault codes of a failed transfer (TransferCompleteFaultStruct, CWMP-FACTS §3.1).
asio::awaitable<void> ScriptedCpe::Impl::download(Transfer& t) {
  std::string auth_error;
  std::string no_body;
  const net::ClientResult r = co_await fetch(http::verb::get, t, std::move(no_body), auth_error);
  auto fail = [&t](std::uint32_t code, std::string why) {
    t.fault_code = code;
    t.fault_string = std::move(why);
  };
  if (!r.ok()) {
    switch (r.error) {
      case net::ClientError::kResolve:
      case net::ClientError::kConnectRefused:
      case net::ClientError::kConnect:
      case net::ClientError::kTimeout:
        fail(cwmp::fault::kTransferContactServer, describe(r));
        break;
      case net::ClientError::kProtocol:  // includes a file over max_download_bytes
      case net::ClientError::kIo:
        fail(cwmp::fault::kTransferIncomplete, describe(r));
        break;
      default:
        fail(cwmp::fault::kTransferFailure, describe(r));
    }
    co_return;
  }
  const unsigned status = r.status();
  if (status == 401 || status == 403) {
    fail(cwmp::fault::kTransferAuthFailure,
         "HTTP " + std::to_string(status) + (auth_error.empty() ? "" : ": " + auth_error));
  } else if (status >= 400 && status < 500) {
    fail(cwmp::fault::kTransferAccessFile, "HTTP " + std::to_string(status));
  } else if (status != 200) {
    fail(cwmp::fault::kTransferFailure, "HTTP " + std::to_string(status));
  } else if (t.file_size != 0 && r.response.body().size() != t.file_size) {
    fail(cwmp::fault::kTransferIncomplete, "got " + std::to_string(r.response.body().size()) +
                                               " bytes, FileSize says " +
                                               std::to_string(t.file_size));
  }
  t.bytes = r.response.body().size();
}

asio::awaitable<void> ScriptedCpe::Impl::upload(Transfer& t) {
  std::string body = upload_body(t);
  const std::size_t size = body.size();
  std::string auth_error;
  const net::ClientResult r = co_await fetch(http::verb::put, t, std::move(body), auth_error);
  if (!r.ok()) {
    const bool contact = r.error == net::ClientError::kResolve ||
                         r.error == net::ClientError::kConnectRefused ||
                         r.error == net::ClientError::kConnect;
    t.fault_code = contact ? cwmp::fault::kTransferContactServer : cwmp::fault::kUploadFailure;
    t.fault_string = describe(r);
    co_return;
  }
  const unsigned status = r.status();
  if (status == 401 || status == 403) {
    t.fault_code = cwmp::fault::kTransferAuthFailure;
    t.fault_string =
        "HTTP " + std::to_string(status) + (auth_error.empty() ? "" : ": " + auth_error);
  } else if (status < 200 || status > 299) {
    t.fault_code = cwmp::fault::kUploadFailure;
    t.fault_string = "HTTP " + std::to_string(status);
  } else {
    t.bytes = size;
  }
}

// A configuration file is the parameter list ("name=value" lines, hidden values left
// out); a log file is the session history.
std::string ScriptedCpe::Impl::upload_body(const Transfer& t) const {
  std::lock_guard lock(mutex);
  std::string out;
  if (t.file_type.find("Log File") != std::string::npos) {
    out = "# cwmp-scripted-cpe log\n";
    for (const SessionReport& r : reports) {
      out += "session " + std::to_string(r.number) + ": " + std::to_string(r.rpcs.size()) +
             " RPCs, " + (r.ok() ? "ok" : "failed: " + r.error) + "\n";
    }
    return out;
  }
  out = "# cwmp-scripted-cpe configuration\n";
  for (const auto& [name, node] : device.model().parameters()) {
    if (!node->hidden) out += name + "=" + node->value + "\n";
  }
  return out;
}

// --- connection requests (TR-069 §3.2.2) -------------------------------------------------

asio::awaitable<net::Response> ScriptedCpe::Impl::handle_connection_request(
    std::weak_ptr<Impl> weak, net::Request& request) {
  auto respond = [&request](http::status status) {
    net::Response r;
    r.message = net::HttpResponse(status, request.version());
    r.message.prepare_payload();
    return r;
  };
  auto self = weak.lock();
  if (!self || self->stopping) co_return respond(http::status::service_unavailable);
  const std::string target(request.target());
  if (target.substr(0, target.find('?')) != self->connection_request_path) {
    co_return respond(http::status::not_found);
  }
  if (request.method() != http::verb::get) co_return respond(http::status::method_not_allowed);

  std::string username;
  std::string password;
  {
    std::lock_guard lock(self->mutex);
    username = self->device.connection_request_username();
    password = self->device.connection_request_password();
  }
  // No credentials configured: like many lab devices, accept anyone (documented).
  if (!username.empty() || !password.empty()) {
    const auto now = std::chrono::system_clock::now();
    auto challenge = [&](bool stale) {
      net::Response r = respond(http::status::unauthorized);
      for (const std::string& c : self->connection_request_digest->challenges(now, stale)) {
        r.message.insert(http::field::www_authenticate, c);
      }
      return r;
    };
    const auto it = request.find(http::field::authorization);
    if (it == request.end()) co_return challenge(false);
    auto credentials = cwmp::auth::parse_digest_authorization(
        std::string_view(it->value().data(), it->value().size()));
    if (!credentials) {
      if (cwmp::auth::to_verify_result(credentials.error()) ==
          cwmp::auth::VerifyResult::kMalformed) {
        co_return respond(http::status::bad_request);
      }
      co_return challenge(false);
    }
    if (credentials->username != username) co_return challenge(false);
    const auto result =
        self->connection_request_digest->verify(*credentials, "GET", target, password, now);
    switch (result) {
      case cwmp::auth::VerifyResult::kOk:
        break;
      case cwmp::auth::VerifyResult::kStale:
        co_return challenge(true);
      case cwmp::auth::VerifyResult::kMalformed:
      case cwmp::auth::VerifyResult::kUriMismatch:
        co_return respond(http::status::bad_request);
      default:
        co_return challenge(false);
    }
  }
  {
    std::lock_guard lock(self->mutex);
    ++self->connection_request_count;
  }
  // Answer first, then call in (TR-069 §3.2.2); the session is queued behind a running one.
  asio::post(self->strand, [self] { self->queue_connection_request(self); });
  co_return respond(http::status::ok);
}

void ScriptedCpe::Impl::queue_connection_request(const std::shared_ptr<Impl>& self) {
  if (connection_request_queued || stopping) return;  // 6 CONNECTION REQUEST is single
  connection_request_queued = true;
  asio::co_spawn(strand, session_task(self, SessionRequest{{"6 CONNECTION REQUEST"}, false}, true),
                 asio::detached);
}

// --- autonomous sessions ------------------------------------------------------------------

asio::awaitable<void> ScriptedCpe::Impl::scheduler(std::shared_ptr<Impl> self) {
  std::uint32_t interval = 0;
  Millis next_periodic = 0;
  while (!self->stopping) {
    const Millis now = now_ms();
    Millis due = std::numeric_limits<Millis>::max();
    {
      std::lock_guard lock(self->mutex);
      const Device& d = self->device;
      if (d.periodic_inform_enabled()) {
        // A new interval starts a new phase (PeriodicInformTime is not modelled).
        if (d.periodic_inform_interval() != interval) {
          interval = d.periodic_inform_interval();
          next_periodic = now + Millis{interval} * 1000;
        }
        due = next_periodic;
      } else {
        interval = 0;
      }
      if (self->retry_count > 0) {
        due = std::min(due, self->retry_due);
      } else if (d.has_new_events()) {
        due = now;  // something to report: a reboot, a finished transfer
      }
      if (auto scheduled = d.next_scheduled_inform()) due = std::min(due, *scheduled);
    }
    if (due > now + 5) {
      const auto wait =
          std::chrono::milliseconds(std::min<Millis>(due - now, Millis{24} * 3600 * 1000));
      self->scheduler_timer->expires_after(wait);
      co_await self->scheduler_timer->async_wait(kUseTuple);  // notify() cancels it
      continue;  // recompute: time passed, or something changed
    }
    // A named request, not a temporary in the co_await: GCC 12 destroys class-type
    // temporaries of a co_await expression twice.
    SessionRequest request;
    if (interval != 0 && now + 5 >= next_periodic) {
      request.events.emplace_back("2 PERIODIC");
      next_periodic = now + Millis{interval} * 1000;
    }
    co_await session_task(self, std::move(request), false);
  }
}

void ScriptedCpe::Impl::notify_scheduler() {
  if (scheduler_timer) scheduler_timer->cancel();
}

void ScriptedCpe::Impl::shutdown(const std::shared_ptr<Impl>& self) {
  self->stopping = true;
  if (self->listener) self->listener->stop(std::chrono::milliseconds(0));
  // The timer belongs to the strand; the scheduler sees `stopping` when it wakes.
  asio::post(self->strand, [self] { self->notify_scheduler(); });
}

// =========================================================================================

ScriptedCpe::ScriptedCpe(asio::io_context& io, ScriptedCpeOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(options))) {
  Impl& im = *impl_;
  if (!im.options.connection_request_listen.empty()) {
    cwmp::auth::DigestServerOptions d;
    d.realm = std::string(kRealm);
    im.connection_request_digest = std::make_unique<cwmp::auth::DigestServer>(d, random_bytes);
    im.connection_request_path = "/cr-" + random_hex(8);
    net::ServerOptions server;
    server.header_limit = 8 * 1024;
    server.body_limit = 4 * 1024;  // the GET carries nothing
    server.read_timeout = std::chrono::milliseconds(10'000);
    server.max_connections = 32;
    server.server_header = "cwmp-scripted-cpe";
    std::weak_ptr<Impl> weak = impl_;
    im.listener = std::make_unique<net::HttpServer>(
        io,
        [weak](net::Request& request, const net::ConnectionInfo&) {
          return Impl::handle_connection_request(weak, request);
        },
        server);
    const std::string& listen = im.options.connection_request_listen;
    const std::uint16_t port = im.listener->listen(listen);
    std::string host = im.options.connection_request_host;
    if (host.empty()) {
      host = listen.substr(0, listen.rfind(':'));
      if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
      if (host == "[::]") host = "[::1]";
    }
    const std::string url =
        "http://" + host + ":" + std::to_string(port) + im.connection_request_path;
    std::lock_guard lock(im.mutex);
    im.connection_request_url = url;
    im.device.set_connection_request_url(url);
  }
  if (im.options.autonomous) {
    im.scheduler_timer = std::make_unique<asio::steady_timer>(im.strand);
    asio::co_spawn(im.strand, Impl::scheduler(impl_), asio::detached);
  }
}

ScriptedCpe::~ScriptedCpe() {
  Impl::shutdown(impl_);
}

asio::awaitable<SessionReport> ScriptedCpe::run_session(SessionRequest request) {
  auto impl = impl_;
  co_return co_await asio::co_spawn(
      impl->strand, Impl::session_task(impl, std::move(request), false), asio::use_awaitable);
}

asio::awaitable<SessionReport> ScriptedCpe::run_session(std::vector<std::string> events) {
  return run_session(SessionRequest{std::move(events), false});
}

std::optional<std::string> ScriptedCpe::parameter(std::string_view name) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->device.model().value(name);
}

std::map<std::string, std::string> ScriptedCpe::parameters(std::string_view prefix) const {
  std::lock_guard lock(impl_->mutex);
  std::map<std::string, std::string> out;
  for (const auto& [name, node] : impl_->device.model().parameters(prefix)) out[name] = node->value;
  return out;
}

std::optional<cwmp::ParameterAttribute> ScriptedCpe::attributes(std::string_view name) const {
  std::lock_guard lock(impl_->mutex);
  const Node* n = impl_->device.model().find(name);
  if (n == nullptr || n->is_object) return std::nullopt;
  return cwmp::ParameterAttribute{std::string(name), n->notification, n->access_list};
}

std::vector<cwmp::EventStruct> ScriptedCpe::pending_events() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->device.pending_events();
}

std::vector<Transfer> ScriptedCpe::finished_transfers() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->device.finished_transfers();
}

std::vector<SessionReport> ScriptedCpe::sessions() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->reports;
}

bool ScriptedCpe::wait_for_sessions(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mutex);
  return impl_->finished_cv.wait_for(lock, timeout, [&] { return impl_->reports.size() >= count; });
}

std::string ScriptedCpe::connection_request_url() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->connection_request_url;
}

std::uint64_t ScriptedCpe::connection_requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->connection_request_count;
}

}  // namespace scripted_cpe
