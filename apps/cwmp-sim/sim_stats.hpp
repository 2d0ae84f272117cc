// What cwmp-sim measures: sessions by outcome, failures by kind, session latency percentiles,
// devices online; a live progress line and the JSON report. Thread-safe: sessions end on the
// simulator's io threads, the progress line is written from the main thread.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

namespace sim {

// Failure kinds, from the agent's session error text.
enum class FailureKind : std::uint8_t {
  kBusy,        // 503 (the ACS's session or connection cap)
  kAuth,        // 401 / credentials refused
  kConnect,     // could not connect (refused, unreachable, resolve)
  kTimeout,     // no answer in time
  kHttpStatus,  // another HTTP status
  kProtocol,    // a fault or an unreadable/unexpected message
  kOther,
};
inline constexpr std::size_t kFailureKinds = 7;
std::string_view to_string(FailureKind kind);
FailureKind classify_failure(std::string_view error);

// Session latency in a log-scale histogram: 1 µs to ~1,000 s in buckets 2^(1/8) apart
// (9% relative error at most), so percentiles need no per-session storage.
class LatencyHistogram {
 public:
  void add(std::chrono::microseconds latency);
  // The q-quantile (0..1) in milliseconds; 0 when empty.
  double quantile_ms(double q) const;
  std::uint64_t count() const { return count_; }
  void merge(const LatencyHistogram& other);
  void clear();

 private:
  static constexpr std::size_t kBuckets = 8 * 30;
  std::array<std::uint64_t, kBuckets> buckets_{};
  std::uint64_t count_ = 0;
};

struct Snapshot {
  double elapsed_s = 0;
  std::uint64_t devices = 0;
  std::uint64_t online = 0;  // devices whose last session succeeded
  std::uint64_t sessions_ok = 0;
  std::uint64_t sessions_failed = 0;
  std::array<std::uint64_t, kFailureKinds> failures{};
  std::uint64_t connection_requests = 0;
  double sessions_per_s = 0;  // over the last interval
  double p50_ms = 0;          // over the last interval
  double p99_ms = 0;
  double total_p50_ms = 0;  // over the whole run
  double total_p90_ms = 0;
  double total_p99_ms = 0;
};

// The figures of the measurement window: from the end of the warm-up to end_measurement()
// (or now). Sessions are counted by the time they end.
struct Measured {
  double warmup_s = 0;
  double seconds = 0;  // the window's length
  std::uint64_t sessions_ok = 0;
  std::uint64_t sessions_failed = 0;
  std::array<std::uint64_t, kFailureKinds> failures{};
  double sessions_ok_per_s = 0;  // successful sessions only
  double p50_ms = 0;             // of the successful sessions
  double p90_ms = 0;
  double p99_ms = 0;
};

class Stats {
 public:
  // Sessions ending within `warmup` of the construction are left out of measured().
  explicit Stats(std::uint64_t devices,
                 std::chrono::milliseconds warmup = std::chrono::milliseconds(0));

  // A session of device `index` ended.
  void session_ended(std::size_t index, bool ok, std::string_view error,
                     std::chrono::microseconds latency, bool connection_request);

  // The figures since start and since the previous interval() call (which it resets).
  Snapshot interval();
  // The figures since start (the interval fields: over the whole run).
  Snapshot total() const;
  // The measurement window's figures.
  Measured measured() const;
  // Closes the measurement window (before stopping the fleet, so that the time taken to
  // stop is not counted); later sessions are not measured. Idempotent.
  void end_measurement();

 private:
  Snapshot fill(double elapsed_s) const;

  using Clock = std::chrono::steady_clock;
  const Clock::time_point start_ = Clock::now();
  const Clock::time_point measure_from_;
  mutable std::mutex mutex_;
  std::optional<Clock::time_point> measure_until_;
  std::vector<std::uint8_t> online_;  // per device: 1 when its last session succeeded
  std::uint64_t online_count_ = 0;
  std::uint64_t ok_ = 0;
  std::uint64_t failed_ = 0;
  std::uint64_t connection_requests_ = 0;
  std::array<std::uint64_t, kFailureKinds> failures_{};
  LatencyHistogram all_;
  LatencyHistogram recent_;
  std::uint64_t recent_sessions_ = 0;
  // The measurement window.
  LatencyHistogram measured_latency_;
  std::uint64_t measured_ok_ = 0;
  std::uint64_t measured_failed_ = 0;
  std::array<std::uint64_t, kFailureKinds> measured_failures_{};
  Clock::time_point recent_start_ = start_;
};

// "12.0s  devices 1000  online 998  sessions 5231 (436/s)  failed 3 [busy 3]  p50 4.1 ms  p99 19
// ms"
std::string progress_line(const Snapshot& s);

// The report's JSON form.
boost::json::object to_json(const Snapshot& s);
boost::json::object to_json(const Measured& m);

}  // namespace sim
