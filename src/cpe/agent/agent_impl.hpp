// Internals of cpe::agent::Agent, shared by agent.cpp (life cycle, scheduling, events,
// persistence), agent_session.cpp (sessions), agent_rpc.cpp (the agent's RPCs) and
// agent_transfer.cpp (transfers, reboot, factory reset). Not part of the library's API.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <condition_variable>
#include <deque>
#include <exception>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "cpe/agent/agent.hpp"
#include "cpe/agent/schedule.hpp"
#include "cpe/agent/session_engine.hpp"

namespace boost::asio::ssl {
class context;
}

namespace cpe::agent {

namespace asio = boost::asio;

class DownloadFile;  // a download's file on disk (agent_transfer.cpp)

// Thrown through the agent's coroutines when it dies (crash_at) or stops: nothing more may be
// written or sent.
struct AgentStopped : std::exception {
  const char* what() const noexcept override { return "agent stopped"; }
};

struct Agent::Impl : std::enable_shared_from_this<Agent::Impl> {
  Impl(asio::io_context& io, DeviceApi& device, AgentOptions options);

  // --- life cycle (agent.cpp) --------------------------------------------------------------
  static asio::awaitable<void> main_loop(std::shared_ptr<Impl> self);
  asio::awaitable<void> boot();
  asio::awaitable<void> refresh();
  void raise_due_events(TimePoint now);
  void wake();
  void shutdown();
  void resolve_settle_waiters();

  // --- events and state ----------------------------------------------------------------------
  // Adds an event by the merge rules of events.hpp; during a session it waits in `deferred`.
  void raise(const cwmp::EventStruct& event);
  void merge_deferred();
  void drop_results_for_bootstrap();
  bool has_completed_transfers() const;
  asio::awaitable<void> persist();
  // crash_at: dies here when the test says so.
  void checkpoint(std::string_view point);
  [[noreturn]] void die();
  void throw_if_stopped() const;

  // --- sessions (agent_session.cpp) ---------------------------------------------------------
  asio::awaitable<void> run_session();
  asio::awaitable<void> update_connection_request_url();
  asio::awaitable<std::string> connection_request_host();
  void record_session(SessionReport report);

  // --- RPCs (agent_rpc.cpp) ----------------------------------------------------------------
  asio::awaitable<cwmp::Body> answer(const cwmp::Envelope& request);

  // --- transfers, reboot, factory reset (agent_transfer.cpp) ------------------------------
  asio::awaitable<void> run_transfer(std::uint64_t id);
  // A download streamed to <state_dir>/downloads/<id>, installed, removed: the outcome and
  // what the install hook said.
  asio::awaitable<std::pair<TransferOutcome, InstallResult>> download(const Transfer& transfer,
                                                                      net::ClientOptions client);
  net::BodySink download_sink(const Transfer& transfer, std::shared_ptr<DownloadFile> file,
                              std::shared_ptr<TransferOutcome> refused);
  // Completes ScheduleDownloads whose windows all passed (9020); true when one did.
  bool expire_schedule_downloads(TimePoint now);
  std::optional<std::uint64_t> due_transfer(TimePoint now) const;
  std::optional<TimePoint> next_transfer_time(TimePoint now) const;
  asio::awaitable<void> reboot();
  asio::awaitable<void> factory_reset();
  void simulate_boot();
  void remove_orphan_downloads();
  Transfer* find_transfer(std::uint64_t id);

  // --- connection requests (agent.cpp) ----------------------------------------------------
  void open_connection_requests(const std::shared_ptr<Impl>& owner);
  void close_connection_requests();
  bool has_connection_requests() const { return listener || router; }
  std::string connection_request_listen_host() const;
  std::string connection_request_url_for(const std::string& host) const;

  // One worker call in flight: counted so that shutdown() can wait for it, refused (throws
  // AgentStopped) once the agent stopped. With a shared worker executor there is no thread to
  // join: this is what keeps ~Agent's promise (no DeviceApi call after it returns).
  class WorkerCall {
   public:
    explicit WorkerCall(Impl& impl) : impl_(impl) {
      std::lock_guard lock(impl_.worker_mutex);
      if (impl_.stopped.load()) throw AgentStopped{};
      ++impl_.worker_calls;
    }
    ~WorkerCall() {
      std::lock_guard lock(impl_.worker_mutex);
      if (--impl_.worker_calls == 0) impl_.worker_idle.notify_all();
    }
    WorkerCall(const WorkerCall&) = delete;
    WorkerCall& operator=(const WorkerCall&) = delete;

   private:
    Impl& impl_;
  };

  // Runs `f` on the worker (DeviceApi, hooks, disk) and resumes on the strand. Throws
  // AgentStopped instead of calling `f` once the agent stopped.
  template <class F>
  asio::awaitable<std::invoke_result_t<F&>> on_worker(F f) {
    using R = std::invoke_result_t<F&>;
    if (stopped.load()) throw AgentStopped{};
    // Named locals, not temporaries, in the co_await below (GCC 12 destroys class-type
    // temporaries of a co_await expression twice).
    auto task = [this, f = std::move(f)]() mutable -> asio::awaitable<R> {
      WorkerCall call(*this);
      if constexpr (std::is_void_v<R>) {
        f();
        co_return;
      } else {
        co_return f();
      }
    };
    auto executor = worker;
    co_return co_await asio::co_spawn(executor, std::move(task), asio::use_awaitable);
  }

  asio::io_context& io;
  asio::strand<asio::io_context::executor_type> strand;
  DeviceApi& device;
  AgentOptions options;
  std::shared_ptr<const Clock> clock;
  std::optional<StateFile> file;                  // nullopt: the state lives in memory only
  std::unique_ptr<asio::thread_pool> own_worker;  // unless options.worker is given
  asio::strand<asio::any_io_executor> worker;     // one worker call at a time
  std::shared_ptr<asio::ssl::context> tls;
  std::unique_ptr<ConnectionRequestListener> listener;  // a listener of our own, or
  std::shared_ptr<ConnectionRequestRouter> router;      // a path on a shared router
  std::string router_path;  // set once, before any other thread sees the agent
  std::uint64_t router_id = 0;
  asio::steady_timer timer;

  // Strand only.
  AgentState state;
  ManagementSettings settings;
  bool value_change_pending = false;
  PeriodicSchedule periodic;
  bool session_running = false;
  bool dirty = false;                       // state changed by a non-coroutine path: persist soon
  bool wake_pending = false;                // something happened since the loop last looked
  bool connection_request_pending = false;  // a CR skips the retry back-off
  std::optional<TimePoint> retry_at;
  std::uint32_t refused_streak = 0;  // sessions whose TransferComplete got a fault
  std::optional<TimePoint> last_session_end;
  std::vector<std::promise<void>> settle_waiters;
  std::deque<SessionReport> reports;
  std::uint64_t session_count = 0;
  std::string connection_request_url;
  std::mt19937_64 rng{std::random_device{}()};

  // Any thread.
  mutable std::mutex credentials_mutex;
  ConnectionRequestListener::Credentials cr_credentials;
  std::atomic<bool> stopped{false};
  std::atomic<bool> dead{false};
  std::mutex worker_mutex;  // worker_calls, and stopped as seen by shutdown()
  std::condition_variable worker_idle;
  int worker_calls = 0;
};

}  // namespace cpe::agent
