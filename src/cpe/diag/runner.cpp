// DiagnosticsRunner: the DiagnosticsState life cycle of the four tests. It learns from the
// model's change listener which tests the ACS requested (or cancelled by writing their
// object again), starts them once the session ended, one at a time on its own thread, and
// writes the results back (DiagnosticsState last) unless the test was cancelled meanwhile.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "cpe/diag/diagnostics.hpp"
#include "cpe/diag/probes.hpp"
#include "cwmp/values.hpp"

namespace cpe::diag {
namespace {

constexpr std::size_t kTests = 4;
constexpr std::array<std::string_view, kTests> kObjectNames = {
    "IPPing", "TraceRoute", "DownloadDiagnostics", "UploadDiagnostics"};
enum Test : std::size_t { kPing = 0, kTraceRoute = 1, kDownload = 2, kUpload = 3 };
constexpr std::size_t kNone = kTests;

}  // namespace

struct DiagnosticsRunner::Impl {
  Impl(cpe::model::DataModel& m, std::function<void()> complete, DiagnosticsOptions o)
      : model(m), on_complete(std::move(complete)), options(std::move(o)) {
    if (!options.log) options.log = [](std::string_view line) { spdlog::info("{}", line); };
  }

  cpe::model::DataModel& model;
  std::function<void()> on_complete;
  DiagnosticsOptions options;

  std::mutex mutex;
  std::condition_variable wake;
  std::array<bool, kTests> requested{};  // Requested by the session in progress
  std::deque<std::size_t> queue;         // released by session_ended(), in order
  std::size_t running = kNone;
  std::array<std::uint64_t, kTests> generation{};  // bumped whenever the ACS writes the object
  std::atomic<bool> cancel{false};
  bool stopping = false;
  std::vector<std::promise<void>> idle_waiters;
  std::thread thread;

  std::string prefix(std::size_t test) const {
    return options.root + "IP.Diagnostics." + std::string(kObjectNames[test]) + ".";
  }
  std::string value(std::size_t test, std::string_view name) {
    return model.get(prefix(test) + std::string(name)).value_or("");
  }
  std::uint64_t number(std::size_t test, std::string_view name, std::uint64_t fallback) {
    return cwmp::parse_unsigned_long(value(test, name)).value_or(fallback);
  }

  bool idle_locked() const {
    return running == kNone && queue.empty() &&
           std::none_of(requested.begin(), requested.end(), [](bool r) { return r; });
  }
  void notify_idle_locked() {
    if (!idle_locked()) return;
    for (auto& waiter : idle_waiters) waiter.set_value();
    idle_waiters.clear();
  }

  void loop();
  Outcome run_test(std::size_t test);
  Outcome run_with_env(std::size_t test, const Env& env);
  bool write_results(std::size_t test, const Outcome& outcome);
  void replace_hops(std::size_t test, const std::vector<RouteHop>& hops);
};

DiagnosticsRunner::DiagnosticsRunner(cpe::model::DataModel& model,
                                     std::function<void()> on_complete, DiagnosticsOptions options)
    : impl_(std::make_unique<Impl>(model, std::move(on_complete), std::move(options))) {
  impl_->thread = std::thread([impl = impl_.get()] { impl->loop(); });
}

DiagnosticsRunner::~DiagnosticsRunner() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
    impl_->cancel = true;
  }
  impl_->wake.notify_all();
  impl_->thread.join();
  // Waiters of idle() are released: nothing will run any more.
  for (auto& waiter : impl_->idle_waiters) waiter.set_value();
}

void DiagnosticsRunner::parameters_changed(const std::vector<std::string>& paths) {
  std::array<bool, kTests> touched{};
  for (const std::string& path : paths) {
    for (std::size_t t = 0; t < kTests; ++t) {
      if (path.starts_with(impl_->prefix(t))) touched[t] = true;
    }
  }
  // Read outside our lock: the model's lock is never taken while we wait for ours.
  std::array<bool, kTests> now_requested{};
  for (std::size_t t = 0; t < kTests; ++t) {
    if (touched[t]) now_requested[t] = impl_->value(t, "DiagnosticsState") == "Requested";
  }
  std::lock_guard lock(impl_->mutex);
  for (std::size_t t = 0; t < kTests; ++t) {
    if (!touched[t]) continue;
    // Any write to the object voids what is queued or running for it (TR-181: writing a
    // parameter of the object sets DiagnosticsState to None, Canceled reads None, and a new
    // Requested restarts the test with the new parameters).
    ++impl_->generation[t];
    if (impl_->running == t) impl_->cancel = true;
    std::erase(impl_->queue, t);
    impl_->requested[t] = now_requested[t];
  }
  impl_->notify_idle_locked();
}

void DiagnosticsRunner::session_ended() {
  {
    std::lock_guard lock(impl_->mutex);
    for (std::size_t t = 0; t < kTests; ++t) {
      if (!impl_->requested[t]) continue;
      impl_->requested[t] = false;
      impl_->queue.push_back(t);
    }
  }
  impl_->wake.notify_all();
}

std::future<void> DiagnosticsRunner::idle() {
  std::lock_guard lock(impl_->mutex);
  std::promise<void> waiter;
  std::future<void> future = waiter.get_future();
  if (impl_->idle_locked() || impl_->stopping) {
    waiter.set_value();
  } else {
    impl_->idle_waiters.push_back(std::move(waiter));
  }
  return future;
}

void DiagnosticsRunner::Impl::loop() {
  std::unique_lock lock(mutex);
  while (true) {
    wake.wait(lock, [this] { return stopping || !queue.empty(); });
    if (stopping) return;
    const std::size_t test = queue.front();
    queue.pop_front();
    running = test;
    const std::uint64_t started_generation = generation[test];
    cancel = false;
    lock.unlock();

    const Outcome outcome = run_test(test);

    lock.lock();
    bool written = false;
    // Written only if the ACS did not touch the object meanwhile (the results would belong
    // to parameters it no longer has); the model's state is checked again inside.
    if (!stopping && generation[test] == started_generation && !cancel) {
      written = write_results(test, outcome);
    }
    if (!written) options.log(std::string(kObjectNames[test]) + ": cancelled, results dropped");
    running = kNone;
    if (written && on_complete) {
      lock.unlock();
      on_complete();
      lock.lock();
    }
    notify_idle_locked();
  }
}

Outcome DiagnosticsRunner::Impl::run_test(std::size_t test) {
  const std::string name(kObjectNames[test]);
  Env env{options, cancel, options.log, {}, Family::kAny, 0};
  env.family = parse_family(value(test, "ProtocolVersion")).value_or(Family::kAny);
  env.dscp = static_cast<std::uint32_t>(std::min<std::uint64_t>(number(test, "DSCP", 0), 63));
  // Interface: a path such as Device.IP.Interface.1; its Name is the Linux device.
  if (std::string reference = value(test, "Interface"); !reference.empty()) {
    if (reference.back() == '.') reference.pop_back();
    const auto device = model.get(reference + ".Name");
    if (!device || device->empty() || !reference.starts_with(options.root + "IP.Interface.")) {
      options.log(name + ": Interface " + reference + " is not an IP interface with a Name");
      Outcome out;
      out.state = "Error_Other";
      return out;
    }
    env.interface_name = *device;
  }
  try {
    options.log(name + ": started");
    Outcome out = run_with_env(test, env);
    options.log(name + ": " + out.state);
    return out;
  } catch (const std::exception& e) {
    options.log(name + ": failed: " + e.what());
    Outcome out;
    out.state = "Error_Internal";
    return out;
  }
}

Outcome DiagnosticsRunner::Impl::run_with_env(std::size_t test, const Env& env) {
  using std::chrono::milliseconds;
  switch (test) {
    case kPing: {
      PingInput in;
      in.host = value(test, "Host");
      in.repetitions = static_cast<std::uint32_t>(std::min<std::uint64_t>(
          number(test, "NumberOfRepetitions", 3), options.max_ping_repetitions));
      in.timeout = std::min(milliseconds(number(test, "Timeout", 1000)), options.max_ping_timeout);
      in.data_block_size = static_cast<std::uint32_t>(std::min<std::uint64_t>(
          number(test, "DataBlockSize", 64), options.max_ping_data_block_size));
      return run_ping(in, env);
    }
    case kTraceRoute: {
      TraceRouteInput in;
      in.host = value(test, "Host");
      in.tries = static_cast<std::uint32_t>(
          std::clamp<std::uint64_t>(number(test, "NumberOfTries", 3), 1, 3));
      in.timeout =
          std::min(milliseconds(number(test, "Timeout", 5000)), options.max_traceroute_timeout);
      in.data_block_size = static_cast<std::uint32_t>(
          std::min<std::uint64_t>(number(test, "DataBlockSize", 38), 65'507));
      in.max_hops = static_cast<std::uint32_t>(
          std::min<std::uint64_t>(number(test, "MaxHopCount", 30), options.max_hop_count));
      return run_traceroute(in, env);
    }
    default:
      break;
  }
  TransferInput in;
  in.upload = test == kUpload;
  in.url = value(test, in.upload ? "UploadURL" : "DownloadURL");
  in.length = number(test, "TestFileLength", 0);
  Outcome refused;
  refused.state = "Error_Other";
  if (number(test, "TimeBasedTestDuration", 0) != 0) {
    options.log("Transfer: the time-based mode (TimeBasedTestDuration) is not supported");
    return refused;
  }
  if (in.upload && in.length > options.max_upload_length) {
    options.log("Transfer: TestFileLength " + std::to_string(in.length) + " is over the limit of " +
                std::to_string(options.max_upload_length));
    return refused;
  }
  if (number(test, "NumberOfConnections", 1) > 1) {
    options.log("Transfer: NumberOfConnections > 1 is not supported; using one connection");
  }
  return run_transfer(in, env);
}

bool DiagnosticsRunner::Impl::write_results(std::size_t test, const Outcome& outcome) {
  const std::string object = prefix(test);
  const std::string state_path = object + "DiagnosticsState";
  if (model.get(state_path) != "Requested") return false;
  try {
    if (outcome.replace_hops) replace_hops(test, outcome.hops);
    for (const auto& [name, value] : outcome.values) model.set_internal(object + name, value);
    model.set_internal(state_path, outcome.state);  // last: the ACS reads complete results
  } catch (const std::exception& e) {
    options.log(std::string(kObjectNames[test]) + ": a result was refused: " + e.what());
    try {
      model.set_internal(state_path, "Error_Internal");
    } catch (const std::exception&) {
    }
  }
  return true;
}

// RouteHops.{i}: the previous trace's hops go, the new ones come (instance numbers are never
// reused, so they keep growing; the ACS reads them through GetParameterNames/Values).
void DiagnosticsRunner::Impl::replace_hops(std::size_t test, const std::vector<RouteHop>& hops) {
  const std::string table = prefix(test) + "RouteHops.";
  const cwmp::Body answer = model.handle(cwmp::GetParameterNames{table, true});
  if (const auto* names = std::get_if<cwmp::GetParameterNamesResponse>(&answer)) {
    for (const cwmp::ParameterInfo& info : names->parameter_list) {
      model.delete_instance(info.name);
    }
  }
  for (const RouteHop& hop : hops) {
    const auto added = model.add_instance(table, {{"Host", hop.host},
                                                  {"HostAddress", hop.host_address},
                                                  {"ErrorCode", std::to_string(hop.error_code)},
                                                  {"RTTimes", hop.rt_times}});
    if (!added) options.log("TraceRoute: a hop was refused: " + added.error());
  }
}

}  // namespace cpe::diag
