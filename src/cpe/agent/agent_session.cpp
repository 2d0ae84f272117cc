// cpe::agent::Agent: one session with the ACS (SessionEngine over HttpConnection), and the
// connection-request URL it publishes.
#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/url/parse.hpp>
#include <span>

#include "cpe/agent/agent_impl.hpp"
#include "cpe/agent/http_support.hpp"
#include "cwmp/events.hpp"
#include "cwmp/retry_policy.hpp"
#include "net/http_client.hpp"

namespace cpe::agent {

namespace http = boost::beast::http;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr int kMaxAuthRounds = 4;  // 401s answered per request (a stale nonce or two)

cwmp::auth::RandomSource random_source() {
  return [](std::span<std::uint8_t> out) {
    if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
      throw std::runtime_error("RAND_bytes failed");
    }
  };
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

std::string describe(const net::ClientResult& r) {
  return std::string(net::to_string(r.error)) + (r.message.empty() ? "" : ": " + r.message);
}

std::string joined_header(const net::HttpResponse& response, http::field field) {
  std::string out;
  for (auto [it, end] = response.equal_range(field); it != end; ++it) {
    if (!out.empty()) out += ", ";
    out.append(it->value().data(), it->value().size());
  }
  return out;
}

struct Exchange {
  net::ClientResult result;
  std::string auth_error;  // a 401 we could not or would not answer
};

// The HTTP side of one session: one kept-alive connection (reopened transparently when the
// ACS closes it), the session's cookies and credentials. All die with the session.
class AcsChannel {
 public:
  AcsChannel(asio::any_io_executor executor, net::ClientOptions client, const std::string& url,
             std::string username, std::string password, bool basic_over_http)
      : connection_(std::move(executor), std::move(client)),
        auth_(std::move(username), std::move(password), basic_over_http || is_https(url),
              random_source()),
        origin_(origin_of(url)),
        basic_over_http_(basic_over_http) {}

  asio::awaitable<Exchange> post(std::string url, std::string body,
                                 std::chrono::milliseconds timeout) {
    const std::string origin = origin_of(url);
    if (origin != origin_) {
      // A redirect to another server: nothing of the old one's cookies or challenge applies.
      cookies_.clear();
      auth_.reset(basic_over_http_ || is_https(url));
      origin_ = origin;
    }
    const std::string target = request_target(url);
    Exchange exchange;
    bool sent_credentials = false;
    for (int round = 0; round < kMaxAuthRounds; ++round) {
      net::Headers headers;
      if (!body.empty()) {
        // TR-069 §3.4.1: text/xml and an empty SOAPAction; an empty POST carries neither.
        headers.emplace_back("Content-Type", "text/xml; charset=\"utf-8\"");
        headers.emplace_back("SOAPAction", "");
      }
      if (std::string cookie = cookies_.header(); !cookie.empty()) {
        headers.emplace_back("Cookie", std::move(cookie));
      }
      if (auto authorization = auth_.authorization("POST", target)) {
        headers.emplace_back("Authorization", std::move(*authorization));
        sent_credentials = true;
      }
      exchange.result =
          co_await connection_.request(url, http::verb::post, std::move(headers), body, timeout);
      if (!exchange.result.ok()) co_return exchange;
      const net::HttpResponse& response = exchange.result.response;
      for (auto [it, end] = response.equal_range(http::field::set_cookie); it != end; ++it) {
        cookies_.store(std::string_view(it->value().data(), it->value().size()));
      }
      if (exchange.result.status() != 401) co_return exchange;
      exchange.auth_error = auth_.on_challenge(
          joined_header(response, http::field::www_authenticate), sent_credentials);
      if (!exchange.auth_error.empty()) co_return exchange;
    }
    exchange.auth_error = "the ACS keeps asking for credentials";
    co_return exchange;
  }

  void close() { connection_.close(); }

 private:
  net::HttpConnection connection_;
  CookieJar cookies_;
  ClientAuth auth_;
  std::string origin_;
  bool basic_over_http_;
};

cwmp::DateTime to_date_time(TimePoint t) {
  return cwmp::DateTime::from_sys_time(std::chrono::time_point_cast<std::chrono::nanoseconds>(t));
}

// 0 BOOTSTRAP first, then 1 BOOT, then the rest in the order they were raised.
void order_events(std::vector<cwmp::EventStruct>& events) {
  auto rank = [](const cwmp::EventStruct& e) {
    return e.event_code == "0 BOOTSTRAP" ? 0 : e.event_code == "1 BOOT" ? 1 : 2;
  };
  std::stable_sort(events.begin(), events.end(),
                   [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
}

// The local address of the route to `url`'s host (no packet is sent: a UDP "connect" only
// picks the route). "" when it cannot be found.
asio::awaitable<std::string> local_address_towards(std::string url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) co_return std::string();
  std::string host(parsed->host_address());
  std::string port(parsed->port());
  if (port.empty()) port = is_https(url) ? "443" : "80";
  auto executor = co_await asio::this_coro::executor;
  asio::ip::udp::resolver resolver(executor);
  auto [ec, endpoints] = co_await resolver.async_resolve(host, port, kUseTuple);
  if (ec || endpoints.empty()) co_return std::string();
  asio::ip::udp::socket socket(executor);
  boost::system::error_code error;
  socket.open(endpoints.begin()->endpoint().protocol(), error);
  if (!error) socket.connect(endpoints.begin()->endpoint(), error);
  if (error) co_return std::string();
  auto local = socket.local_endpoint(error);
  if (error) co_return std::string();
  co_return local.address().to_string();
}

}  // namespace

asio::awaitable<void> Agent::Impl::update_connection_request_url() {
  if (!has_connection_requests()) co_return;
  std::string url;
  if (router && !options.cr_url_prefix.empty()) {
    url = options.cr_url_prefix + router_path;
  } else {
    std::string host = co_await connection_request_host();
    if (host.empty()) co_return;
    url = connection_request_url_for(host);
  }
  if (url == connection_request_url) co_return;
  connection_request_url = url;
  auto publish = [this, url] { device.set_connection_request_url(url); };
  co_await on_worker(std::move(publish));
  spdlog::info("cwmp-cpe: ConnectionRequestURL {}", url);
}

// cr_host, else the listen address, else (a wildcard) the local address of the route to the
// ACS. Empty when there is none yet.
asio::awaitable<std::string> Agent::Impl::connection_request_host() {
  std::string host = options.cr_host;
  if (host.empty()) {
    host = connection_request_listen_host();
    if (is_wildcard_host(host)) {
      if (settings.url.empty()) co_return std::string();
      std::string acs_url = settings.url;
      host = co_await local_address_towards(std::move(acs_url));
      throw_if_stopped();
    }
  }
  co_return host;
}

asio::awaitable<void> Agent::Impl::run_session() {
  session_running = true;
  connection_request_pending = false;  // this session answers it; a new one sets it again
  SessionReport report;
  report.number = ++session_count;
  report.started = clock->now();
  report.retry_count = state.retry_count;
  const std::string acs_url = settings.url;
  SessionEngine::Finished finished;
  bool refused = false;
  try {
    co_await update_connection_request_url();
    struct Inputs {
      cwmp::DeviceId id;
      std::vector<cwmp::ParameterValue> parameters;
      bool value_change = false;
    };
    auto gather = [this] {
      // After inform_parameters(): it may record changes it polled on the way.
      auto parameters = device.inform_parameters();
      return Inputs{device.device_id(), std::move(parameters), device.notification_pending()};
    };
    Inputs inputs = co_await on_worker(std::move(gather));

    // The Inform's events: the stored ones, then those derived from the device and from the
    // finished transfers (which live as long as their TransferComplete is unacknowledged).
    std::vector<cwmp::EventStruct> derived;
    if (inputs.value_change) derived.push_back({"4 VALUE CHANGE", ""});
    std::vector<CpeRequest> requests;
    for (const Transfer& t : state.transfers) {
      if (t.state != TransferState::kCompleted) continue;
      if (requests.empty()) derived.push_back({"7 TRANSFER COMPLETE", ""});
      derived.push_back({std::string(event_code(t.kind)), t.command_key});
      cwmp::TransferComplete tc;
      tc.command_key = t.command_key;
      tc.fault_struct = t.fault;
      tc.start_time = t.start_time;
      tc.complete_time = t.complete_time;
      requests.push_back({t.id, std::move(tc)});
    }
    std::vector<cwmp::EventStruct> stored = state.pending;
    order_events(stored);
    const std::size_t room =
        cwmp::kMaxInformEvents - std::min(derived.size(), cwmp::kMaxInformEvents);
    if (stored.size() > room) stored.resize(room);  // the rest waits for the next session

    SessionPlan plan;
    plan.url = acs_url;
    plan.version = options.cwmp_version;
    plan.inform.device_id = std::move(inputs.id);
    plan.inform.event = stored;
    plan.inform.event.insert(plan.inform.event.end(), derived.begin(), derived.end());
    plan.inform.max_envelopes = 1;
    plan.inform.current_time = to_date_time(clock->now());
    plan.inform.retry_count = state.retry_count;
    plan.inform.parameter_list = std::move(inputs.parameters);
    plan.requests = std::move(requests);
    plan.session_timeout_seconds =
        static_cast<std::uint32_t>(std::max<std::int64_t>(1, options.http_timeout.count() / 1000));
    plan.max_acs_requests = options.max_acs_requests;
    plan.limits.max_body_bytes = options.max_acs_body;
    std::uint8_t id_bytes[4];
    random_source()(id_bytes);
    plan.id_prefix = cwmp::hex_encode(std::string_view(reinterpret_cast<char*>(id_bytes), 4));
    for (const auto& e : plan.inform.event) report.events.push_back(e.event_code);

    net::ClientOptions client;
    client.tls = tls;
    client.body_limit = options.max_acs_body;
    client.user_agent = "cwmp-cpe";
    AcsChannel channel(strand, client, acs_url, settings.username, settings.password,
                       options.basic_over_http);
    SessionEngine engine(std::move(plan));
    SessionEngine::Step step = engine.start();
    bool inform_applied = false;
    for (;;) {
      if (auto* post = std::get_if<SessionEngine::Post>(&step)) {
        checkpoint("post");
        std::string url = std::move(post->url);
        std::string body = std::move(post->body);
        const std::chrono::milliseconds timeout = options.http_timeout;
        Exchange exchange = co_await channel.post(std::move(url), std::move(body), timeout);
        throw_if_stopped();
        if (!exchange.result.ok()) {
          step = engine.on_transport_error(describe(exchange.result));
        } else if (!exchange.auth_error.empty()) {
          step = engine.on_transport_error("authentication failed: " + exchange.auth_error);
        } else {
          HttpReply reply;
          reply.status = exchange.result.status();
          reply.location = std::string(exchange.result.response[http::field::location]);
          reply.body = std::move(exchange.result.response.body());
          step = engine.on_reply(reply);
        }
        // Progress is made durable before the next POST goes out.
        if (engine.inform_acknowledged() && !inform_applied) {
          inform_applied = true;
          checkpoint("inform-acknowledged");
          for (const cwmp::EventStruct& e : stored) {
            auto it = std::find(state.pending.begin(), state.pending.end(), e);
            if (it != state.pending.end()) state.pending.erase(it);
            if (e.event_code == "0 BOOTSTRAP") state.bootstrapped_url = acs_url;
          }
          co_await persist();
          auto delivered = [this] { device.inform_delivered(); };
          co_await on_worker(std::move(delivered));
        }
        if (auto acked = engine.take_acknowledged(); !acked.empty()) {
          checkpoint("request-acknowledged");
          std::erase_if(state.transfers, [&](const Transfer& t) {
            return std::find(acked.begin(), acked.end(), t.id) != acked.end();
          });
          co_await persist();
        }
      } else if (auto* ask = std::get_if<SessionEngine::Answer>(&step)) {
        cwmp::Envelope request = std::move(ask->request);
        cwmp::Body reply = co_await answer(request);
        step = engine.answered(std::move(reply));
      } else {
        finished = std::get<SessionEngine::Finished>(std::move(step));
        break;
      }
    }
    channel.close();
    refused = engine.requests_refused();
    report.trace = engine.trace();
  } catch (const AgentStopped&) {
    session_running = false;
    throw;
  } catch (const std::exception& e) {
    // Disk, DeviceApi or encoding failure: nothing more was acknowledged; a failed session.
    finished = SessionEngine::Finished{false, std::string("internal error: ") + e.what()};
  }

  session_running = false;
  const TimePoint end = clock->now();
  last_session_end = end;
  const cwmp::RetryPolicy policy{settings.retry_minimum_wait_interval,
                                 settings.retry_interval_multiplier};
  if (finished.ok) {
    state.retry_count = 0;
    if (refused) {
      // A TransferComplete got a fault (8005): try again later, backing off like a retry.
      ++refused_streak;
      retry_at = end + cwmp::retry_wait(refused_streak, policy, options.random());
    } else {
      refused_streak = 0;
      retry_at.reset();
    }
  } else {
    // TR-069 §3.2.1.1: the n-th consecutive failure waits a random time in the n-th window.
    cwmp::discard_after_failed_session(state.pending);
    ++state.retry_count;
    retry_at = end + cwmp::retry_wait(state.retry_count, policy, options.random());
  }
  merge_deferred();
  dirty = true;
  report.ok = finished.ok;
  report.error = finished.error;
  report.ended = end;
  record_session(std::move(report));

  // What the ACS was promised in this session happens once it is over.
  if (state.factory_reset_requested) {
    co_await factory_reset();
  } else if (state.reboot_requested) {
    co_await reboot();
  }
  co_await persist();
}

void Agent::Impl::record_session(SessionReport report) {
  if (report.ok) {
    spdlog::info("cwmp-cpe: session {} done [{}]", report.number, join(report.events));
  } else {
    spdlog::warn(
        "cwmp-cpe: session {} failed [{}]: {}; retry {} in {} s", report.number,
        join(report.events), report.error, state.retry_count,
        retry_at
            ? std::chrono::duration_cast<std::chrono::seconds>(*retry_at - report.ended).count()
            : 0);
  }
  if (options.on_session && !stopped) options.on_session(report);
  if (options.max_session_reports == 0) return;
  reports.push_back(std::move(report));
  while (reports.size() > options.max_session_reports) reports.pop_front();
}

}  // namespace cpe::agent
