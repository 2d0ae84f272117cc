// cpe::agent::Agent: life cycle, the scheduling loop, events and persistence. Sessions are in
// agent_session.cpp, the agent's RPCs in agent_rpc.cpp, transfers in agent_transfer.cpp.
#include "cpe/agent/agent.hpp"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <stdexcept>

#include "cpe/agent/agent_impl.hpp"
#include "cwmp/events.hpp"
#include "cwmp/retry_policy.hpp"
#include "cwmp/values.hpp"

namespace cpe::agent {

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
// Longest single timer wait: the loop re-reads the clock at least this often, which also
// bounds the effect of a wall-clock jump.
constexpr auto kMaxWait = std::chrono::hours(1);
constexpr std::size_t kMaxPendingEvents = 256;

std::string random_path() {
  std::uint8_t bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  return "/" +
         cwmp::hex_encode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

void validate(const AgentOptions& o) {
  if (o.cwmp_version != cwmp::CwmpVersion::k1_2 && o.cwmp_version != cwmp::CwmpVersion::k1_4) {
    throw std::invalid_argument("the CWMP version must be 1.2 or 1.4");
  }
  if (o.root.empty() || o.root.back() != '.') {
    throw std::invalid_argument("the data model root must end in '.'");
  }
  if (o.cr_rate_per_second <= 0 || o.cr_burst < 1) {
    throw std::invalid_argument("the connection-request rate limit must be positive");
  }
}

}  // namespace

// =============================================================================================
// Construction and the public API

namespace {

std::optional<StateFile> open_state(const std::filesystem::path& dir) {
  if (dir.empty()) return std::nullopt;
  return StateFile(dir);
}

}  // namespace

Agent::Impl::Impl(asio::io_context& io_context, DeviceApi& device_api, AgentOptions o)
    : io(io_context),
      strand(asio::make_strand(io_context.get_executor())),
      device(device_api),
      options((validate(o), std::move(o))),
      clock(options.clock ? options.clock : std::make_shared<SystemClock>()),
      file(open_state(options.state_dir)),
      own_worker(options.worker ? nullptr : std::make_unique<asio::thread_pool>(1)),
      worker(asio::make_strand(options.worker ? *options.worker
                                              : asio::any_io_executor(own_worker->get_executor()))),
      tls(options.tls_context ? options.tls_context : net::make_client_tls_context(options.tls)),
      timer(strand) {
  if (file) {
    StateFile::Loaded loaded = file->load();
    if (!loaded.error.empty()) {
      spdlog::error("cwmp-cpe: the state file was unusable ({}); starting as a new device",
                    loaded.error);
    }
    if (loaded.state) state = std::move(*loaded.state);
  }
  if (state.connection_request_path.empty()) state.connection_request_path = random_path();
  remove_orphan_downloads();
  if (!options.random) {
    options.random = [this] { return std::generate_canonical<double, 53>(rng); };
  }
}

// A partial download whose transfer is gone (dropped by a 0 BOOTSTRAP, or cut by a kill and
// then cancelled) would stay on the flash forever: at start, only files of queued or running
// transfers stay. (A transfer that is still queued starts its file over anyway.)
void Agent::Impl::remove_orphan_downloads() {
  if (!file) return;  // in memory: a download's temporary file dies with its transfer
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator(file->downloads_dir(), ignored)) {
    const std::string name = entry.path().filename().string();
    const bool wanted =
        std::any_of(state.transfers.begin(), state.transfers.end(),
                    [&](const Transfer& t) { return std::to_string(t.id) == name; });
    if (!wanted) std::filesystem::remove(entry.path(), ignored);
  }
}

Agent::Agent(asio::io_context& io, DeviceApi& device, AgentOptions options)
    : impl_(std::make_shared<Impl>(io, device, std::move(options))) {
  impl_->open_connection_requests(impl_);
}

// =============================================================================================
// Connection requests: a listener of our own, or our path on a shared router.

void Agent::Impl::open_connection_requests(const std::shared_ptr<Impl>& owner) {
  if (!options.cr_router && options.cr_listen.empty()) return;
  ConnectionRequestOptions cr;
  cr.listen = options.cr_listen;
  cr.path = state.connection_request_path;
  cr.allow_basic = options.cr_allow_basic;
  cr.rate_per_second = options.cr_rate_per_second;
  cr.burst = options.cr_burst;
  std::weak_ptr<Impl> weak = owner;
  auto credentials = [weak]() -> ConnectionRequestCredentials {
    auto self = weak.lock();
    if (!self) return {};
    std::lock_guard lock(self->credentials_mutex);
    return self->cr_credentials;
  };
  auto accepted = [weak] {
    auto self = weak.lock();
    if (!self) return;
    // Answered already (TR-069 §3.2.2: before the session); the session follows.
    asio::post(self->strand, [self] {
      if (self->stopped) return;
      self->raise({"6 CONNECTION REQUEST", ""});
      self->connection_request_pending = true;
      self->wake();
    });
  };
  if (options.cr_router) {
    router = options.cr_router;
    router_path = cr.path;
    router_id = router->add(clock, std::move(cr), std::move(credentials), std::move(accepted));
    return;
  }
  listener = std::make_unique<ConnectionRequestListener>(
      io, *clock, std::move(cr), std::move(credentials), std::move(accepted));
}

// Thread-safe (the listener and the router are); called more than once when a dead agent is
// destroyed.
void Agent::Impl::close_connection_requests() {
  if (listener) listener->stop();
  if (router) router->remove(router_path, router_id);
}

std::string Agent::Impl::connection_request_listen_host() const {
  return listener ? listener->listen_host() : router->listen_host();
}

std::string Agent::Impl::connection_request_url_for(const std::string& host) const {
  return listener ? listener->url(host) : router->url(host, router_path);
}

Agent::~Agent() {
  impl_->shutdown();
}

void Agent::start() {
  auto self = impl_;
  asio::co_spawn(self->strand, Impl::main_loop(self), asio::detached);
}

void Agent::value_changed() {
  auto self = impl_;
  asio::post(self->strand, [self] { self->wake(); });
}

void Agent::diagnostics_complete() {
  auto self = impl_;
  asio::post(self->strand, [self] {
    self->raise({"8 DIAGNOSTICS COMPLETE", ""});
    self->dirty = true;
    self->wake();
  });
}

std::future<void> Agent::settle() {
  auto self = impl_;
  auto promise = std::make_shared<std::promise<void>>();
  std::future<void> future = promise->get_future();
  asio::post(self->strand, [self, promise] {
    if (self->stopped) {
      promise->set_value();
      return;
    }
    self->settle_waiters.push_back(std::move(*promise));
    self->wake();
  });
  return future;
}

AgentStatus Agent::status() const {
  auto self = impl_;
  std::promise<AgentStatus> promise;
  auto future = promise.get_future();
  asio::post(self->strand, [self, &promise] {
    AgentStatus s;
    s.pending_events = self->state.pending;
    s.pending_events.insert(s.pending_events.end(), self->state.deferred.begin(),
                            self->state.deferred.end());
    s.transfers = self->state.transfers;
    s.scheduled_informs = self->state.scheduled_informs;
    s.retry_count = self->state.retry_count;
    s.next_retry = self->retry_at;
    s.next_periodic = self->periodic.due();
    s.sessions = self->session_count;
    s.session_running = self->session_running;
    s.dead = self->dead;
    s.connection_request_url = self->connection_request_url;
    if (self->listener) {
      s.connection_request_port = self->listener->port();
      s.connection_requests = self->listener->stats();
    } else if (self->router) {
      s.connection_request_port = self->router->port();
      s.connection_requests =
          self->router->stats(self->router_path).value_or(ConnectionRequestStats{});
    }
    promise.set_value(std::move(s));
  });
  return future.get();
}

std::vector<SessionReport> Agent::sessions() const {
  auto self = impl_;
  std::promise<std::vector<SessionReport>> promise;
  auto future = promise.get_future();
  asio::post(self->strand, [self, &promise] {
    promise.set_value(std::vector<SessionReport>(self->reports.begin(), self->reports.end()));
  });
  return future.get();
}

void Agent::Impl::shutdown() {
  {
    std::lock_guard lock(worker_mutex);
    stopped = true;
  }
  close_connection_requests();
  auto self = shared_from_this();
  asio::post(strand, [self] {
    self->timer.cancel();
    self->resolve_settle_waiters();
  });
  // After this no worker call runs: DeviceApi, hooks and the state file are left alone. A
  // call already running finishes first; later ones are refused (WorkerCall).
  std::unique_lock lock(worker_mutex);
  worker_idle.wait(lock, [this] { return worker_calls == 0; });
  lock.unlock();
  if (own_worker) own_worker->join();
}

// =============================================================================================
// The loop: look at the clock and the state, do what is due, sleep until the next thing.

asio::awaitable<void> Agent::Impl::main_loop(std::shared_ptr<Impl> self) {
  try {
    co_await self->boot();
  } catch (const AgentStopped&) {
    self->resolve_settle_waiters();
    co_return;
  } catch (const std::exception& e) {
    spdlog::critical("cwmp-cpe: cannot boot: {}", e.what());
    self->stopped = true;
    self->resolve_settle_waiters();
    co_return;
  }
  bool failed = false;
  while (!self->stopped) {
    try {
      self->wake_pending = false;
      co_await self->refresh();
      const TimePoint now = self->clock->now();
      self->raise_due_events(now);
      if (self->expire_schedule_downloads(now)) self->dirty = true;
      if (self->dirty) co_await self->persist();

      const bool value_change_due =
          self->value_change_pending &&
          now >= value_change_allowed_at(self->last_session_end,
                                         self->settings.default_active_notification_throttle);
      // A failed session is retried (TR-069 §3.2.1.1) even when its Inform was acknowledged
      // and no event is left: the ACS may have had more to say.
      const bool want_session = !self->settings.url.empty() &&
                                (!self->state.pending.empty() || self->has_completed_transfers() ||
                                 value_change_due || self->state.retry_count > 0);
      const bool backing_off =
          self->retry_at && now < *self->retry_at && !self->connection_request_pending;
      if (want_session && !backing_off) {
        co_await self->run_session();
        continue;
      }
      if (auto id = self->due_transfer(now)) {
        co_await self->run_transfer(*id);
        continue;
      }

      // Idle: sleep until the next thing that can become due.
      std::optional<TimePoint> wake_at = self->periodic.due();
      auto consider = [&wake_at](std::optional<TimePoint> t) {
        if (t && (!wake_at || *t < *wake_at)) wake_at = t;
      };
      if (want_session && backing_off) consider(self->retry_at);
      if (self->value_change_pending && !value_change_due) {
        consider(value_change_allowed_at(self->last_session_end,
                                         self->settings.default_active_notification_throttle));
      }
      for (const ScheduledInform& si : self->state.scheduled_informs) consider(si.due);
      consider(self->next_transfer_time(now));
      if (self->wake_pending) continue;
      self->resolve_settle_waiters();
      auto wait = wake_at ? std::chrono::duration_cast<std::chrono::milliseconds>(*wake_at - now)
                          : std::chrono::duration_cast<std::chrono::milliseconds>(kMaxWait);
      wait = std::clamp<std::chrono::milliseconds>(
          wait, std::chrono::milliseconds(0),
          std::chrono::duration_cast<std::chrono::milliseconds>(kMaxWait));
      self->timer.expires_after(wait);
      co_await self->timer.async_wait(kUseTuple);
    } catch (const AgentStopped&) {
      break;
    } catch (const std::exception& e) {
      // A disk or DeviceApi failure outside a session: log, and look again a little later
      // instead of spinning (the wait is outside the handler: no co_await in one).
      spdlog::error("cwmp-cpe: {}", e.what());
      failed = true;
    }
    if (failed && !self->stopped) {
      failed = false;
      self->timer.expires_after(std::chrono::seconds(5));
      co_await self->timer.async_wait(kUseTuple);
    }
  }
  self->resolve_settle_waiters();
}

void Agent::Impl::wake() {
  wake_pending = true;
  timer.cancel();
}

void Agent::Impl::resolve_settle_waiters() {
  for (auto& waiter : settle_waiters) waiter.set_value();
  settle_waiters.clear();
}

asio::awaitable<void> Agent::Impl::boot() {
  if (state.factory_reset_requested) {
    // Promised to the ACS before we went down: do it now.
    co_await factory_reset();
  }
  simulate_boot();
  co_await refresh();
  co_await persist();
  co_await update_connection_request_url();
  spdlog::info("cwmp-cpe: booted, {} pending events, {} transfers", state.pending.size(),
               state.transfers.size());
}

// What a (re)start does to the state, in process or after a real restart.
void Agent::Impl::simulate_boot() {
  merge_deferred();
  cwmp::discard_on_reboot(state.pending);
  // A transfer cut short by the restart starts over.
  for (Transfer& t : state.transfers) {
    if (t.state == TransferState::kInProgress) t.state = TransferState::kQueued;
  }
  state.reboot_requested = false;
  raise({"1 BOOT", ""});
  dirty = true;
}

asio::awaitable<void> Agent::Impl::refresh() {
  struct Snapshot {
    ManagementSettings settings;
    bool value_change = false;
  };
  auto read = [this] { return Snapshot{device.management(), device.value_change_pending()}; };
  Snapshot snapshot = co_await on_worker(std::move(read));
  settings = std::move(snapshot.settings);
  value_change_pending = snapshot.value_change;
  {
    std::lock_guard lock(credentials_mutex);
    cr_credentials = {settings.connection_request_username, settings.connection_request_password};
  }
  // 0 BOOTSTRAP: first contact with this ACS URL (first start, factory reset, URL changed).
  if (!settings.url.empty() && state.bootstrapped_url != settings.url) {
    const bool pending = std::any_of(state.pending.begin(), state.pending.end(),
                                     [](const auto& e) { return e.event_code == "0 BOOTSTRAP"; });
    if (!pending) {
      raise({"0 BOOTSTRAP", ""});
      dirty = true;
    }
  }
  periodic.configure(settings.periodic_inform_enable, settings.periodic_inform_interval,
                     settings.periodic_inform_time, clock->now());
}

void Agent::Impl::raise_due_events(TimePoint now) {
  if (auto due = periodic.due(); due && *due <= now) {
    raise({"2 PERIODIC", ""});
    periodic.fired(now);
    dirty = true;
  }
  // ScheduleInform: "3 SCHEDULED" always with its "M ScheduleInform" (CWMP-FACTS §4).
  auto& scheduled = state.scheduled_informs;
  std::stable_sort(scheduled.begin(), scheduled.end(),
                   [](const auto& a, const auto& b) { return a.due < b.due; });
  while (!scheduled.empty() && scheduled.front().due <= now) {
    raise({"3 SCHEDULED", ""});
    raise({"M ScheduleInform", scheduled.front().command_key});
    scheduled.erase(scheduled.begin());
    dirty = true;
  }
}

// =============================================================================================
// Events and state

void Agent::Impl::raise(const cwmp::EventStruct& event) {
  // A bound on what a misbehaving ACS can pile up (one "M Reboot" per Reboot RPC...).
  if (state.pending.size() + state.deferred.size() >= kMaxPendingEvents &&
      event.event_code != "0 BOOTSTRAP" && event.event_code != "1 BOOT") {
    spdlog::warn("cwmp-cpe: too many pending events, '{}' dropped", event.event_code);
    return;
  }
  if (session_running) {
    cwmp::merge_event(state.deferred, event);
    return;
  }
  const bool bootstrap = event.event_code == "0 BOOTSTRAP";
  cwmp::merge_event(state.pending, event);
  if (bootstrap) drop_results_for_bootstrap();
}

void Agent::Impl::merge_deferred() {
  for (const cwmp::EventStruct& e : state.deferred) {
    cwmp::merge_event(state.pending, e);
    if (e.event_code == "0 BOOTSTRAP") drop_results_for_bootstrap();
  }
  state.deferred.clear();
}

// Raising 0 BOOTSTRAP discards "7 TRANSFER COMPLETE" and the M Download/Upload events (their
// policy in events.hpp): those results answered the old ACS. Queued transfers still run.
void Agent::Impl::drop_results_for_bootstrap() {
  std::erase_if(state.transfers,
                [](const Transfer& t) { return t.state == TransferState::kCompleted; });
}

bool Agent::Impl::has_completed_transfers() const {
  return std::any_of(state.transfers.begin(), state.transfers.end(),
                     [](const Transfer& t) { return t.state == TransferState::kCompleted; });
}

asio::awaitable<void> Agent::Impl::persist() {
  throw_if_stopped();
  dirty = false;
  if (!file) co_return;  // in memory: the state is already where it lives
  std::string text = serialize(state);
  auto save = [this, text = std::move(text)] {
    if (dead.load()) throw AgentStopped{};
    file->save(text);
  };
  co_await on_worker(std::move(save));
}

void Agent::Impl::checkpoint(std::string_view point) {
  throw_if_stopped();
  if (options.crash_at && options.crash_at(point)) {
    spdlog::warn("cwmp-cpe: dying at '{}' (test)", point);
    die();
  }
}

void Agent::Impl::die() {
  dead = true;
  stopped = true;
  close_connection_requests();
  timer.cancel();
  throw AgentStopped{};
}

void Agent::Impl::throw_if_stopped() const {
  if (stopped.load()) throw AgentStopped{};
}

}  // namespace cpe::agent
