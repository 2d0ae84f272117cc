#include "sim_stats.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <boost/json.hpp>

namespace sim {

std::string_view to_string(FailureKind kind) {
  switch (kind) {
    case FailureKind::kBusy:
      return "busy";
    case FailureKind::kAuth:
      return "auth";
    case FailureKind::kConnect:
      return "connect";
    case FailureKind::kTimeout:
      return "timeout";
    case FailureKind::kHttpStatus:
      return "http";
    case FailureKind::kProtocol:
      return "protocol";
    case FailureKind::kOther:
      break;
  }
  return "other";
}

FailureKind classify_failure(std::string_view error) {
  auto has = [&](std::string_view s) { return error.find(s) != std::string_view::npos; };
  if (has("HTTP 503")) return FailureKind::kBusy;
  if (has("HTTP 401") || has("credentials") || has("challenge")) return FailureKind::kAuth;
  if (has("timed out") || has("timeout")) return FailureKind::kTimeout;
  if (has("refused") || has("connect") || has("resolve") || has("unreachable")) {
    return FailureKind::kConnect;
  }
  if (has("HTTP ")) return FailureKind::kHttpStatus;
  if (has("fault") || has("unreadable") || has("expected") || has("cwmp:ID")) {
    return FailureKind::kProtocol;
  }
  return FailureKind::kOther;
}

void LatencyHistogram::add(std::chrono::microseconds latency) {
  const double us = std::max<double>(1.0, static_cast<double>(latency.count()));
  const auto bucket = static_cast<std::size_t>(std::log2(us) * 8.0);
  ++buckets_[std::min(bucket, kBuckets - 1)];
  ++count_;
}

double LatencyHistogram::quantile_ms(double q) const {
  if (count_ == 0) return 0;
  const auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= std::max<std::uint64_t>(rank, 1)) {
      // The bucket's geometric middle.
      return std::exp2((static_cast<double>(i) + 0.5) / 8.0) / 1000.0;
    }
  }
  return std::exp2(static_cast<double>(kBuckets) / 8.0) / 1000.0;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
}

void LatencyHistogram::clear() {
  buckets_.fill(0);
  count_ = 0;
}

Stats::Stats(std::uint64_t devices, std::chrono::milliseconds warmup)
    : measure_from_(start_ + warmup), online_(devices, 0) {}

void Stats::session_ended(std::size_t index, bool ok, std::string_view error,
                          std::chrono::microseconds latency, bool connection_request) {
  const auto ended = Clock::now();
  std::lock_guard lock(mutex_);
  const bool measured = ended >= measure_from_ && (!measure_until_ || ended < *measure_until_);
  if (ok) {
    ++ok_;
    all_.add(latency);
    recent_.add(latency);
    if (measured) {
      ++measured_ok_;
      measured_latency_.add(latency);
    }
  } else {
    ++failed_;
    const auto kind = static_cast<std::size_t>(classify_failure(error));
    ++failures_[kind];
    if (measured) {
      ++measured_failed_;
      ++measured_failures_[kind];
    }
  }
  ++recent_sessions_;
  if (connection_request) ++connection_requests_;
  if (index < online_.size()) {
    const std::uint8_t now = ok ? 1 : 0;
    if (online_[index] != now) {
      online_count_ += ok ? 1 : static_cast<std::uint64_t>(-1);
      online_[index] = now;
    }
  }
}

Snapshot Stats::fill(double elapsed_s) const {
  Snapshot s;
  s.elapsed_s = elapsed_s;
  s.devices = online_.size();
  s.online = online_count_;
  s.sessions_ok = ok_;
  s.sessions_failed = failed_;
  s.failures = failures_;
  s.connection_requests = connection_requests_;
  s.total_p50_ms = all_.quantile_ms(0.50);
  s.total_p90_ms = all_.quantile_ms(0.90);
  s.total_p99_ms = all_.quantile_ms(0.99);
  return s;
}

Snapshot Stats::interval() {
  std::lock_guard lock(mutex_);
  const auto now = Clock::now();
  Snapshot s = fill(std::chrono::duration<double>(now - start_).count());
  const double seconds = std::chrono::duration<double>(now - recent_start_).count();
  s.sessions_per_s = seconds > 0 ? static_cast<double>(recent_sessions_) / seconds : 0;
  s.p50_ms = recent_.quantile_ms(0.50);
  s.p99_ms = recent_.quantile_ms(0.99);
  recent_.clear();
  recent_sessions_ = 0;
  recent_start_ = now;
  return s;
}

Snapshot Stats::total() const {
  std::lock_guard lock(mutex_);
  Snapshot s = fill(std::chrono::duration<double>(Clock::now() - start_).count());
  const double total = static_cast<double>(ok_ + failed_);
  s.sessions_per_s = s.elapsed_s > 0 ? total / s.elapsed_s : 0;
  s.p50_ms = s.total_p50_ms;
  s.p99_ms = s.total_p99_ms;
  return s;
}

Measured Stats::measured() const {
  std::lock_guard lock(mutex_);
  Measured m;
  m.warmup_s = std::chrono::duration<double>(measure_from_ - start_).count();
  const Clock::time_point until = measure_until_.value_or(Clock::now());
  m.seconds =
      until > measure_from_ ? std::chrono::duration<double>(until - measure_from_).count() : 0.0;
  m.sessions_ok = measured_ok_;
  m.sessions_failed = measured_failed_;
  m.failures = measured_failures_;
  m.sessions_ok_per_s = m.seconds > 0 ? static_cast<double>(measured_ok_) / m.seconds : 0;
  m.p50_ms = measured_latency_.quantile_ms(0.50);
  m.p90_ms = measured_latency_.quantile_ms(0.90);
  m.p99_ms = measured_latency_.quantile_ms(0.99);
  return m;
}

void Stats::end_measurement() {
  std::lock_guard lock(mutex_);
  if (!measure_until_) measure_until_ = Clock::now();
}

std::string progress_line(const Snapshot& s) {
  char buffer[256];
  std::snprintf(buffer, sizeof buffer,
                "%6.1fs  devices %llu  online %llu  sessions %llu (%.0f/s)  failed %llu",
                s.elapsed_s, static_cast<unsigned long long>(s.devices),
                static_cast<unsigned long long>(s.online),
                static_cast<unsigned long long>(s.sessions_ok + s.sessions_failed),
                s.sessions_per_s, static_cast<unsigned long long>(s.sessions_failed));
  std::string line = buffer;
  std::string kinds;
  for (std::size_t i = 0; i < kFailureKinds; ++i) {
    if (s.failures[i] == 0) continue;
    kinds += kinds.empty() ? " [" : ", ";
    kinds +=
        std::string(to_string(static_cast<FailureKind>(i))) + " " + std::to_string(s.failures[i]);
  }
  if (!kinds.empty()) line += kinds + "]";
  std::snprintf(buffer, sizeof buffer, "  p50 %.1f ms  p99 %.1f ms", s.p50_ms, s.p99_ms);
  return line + buffer;
}

boost::json::object to_json(const Snapshot& s) {
  boost::json::object failures;
  for (std::size_t i = 0; i < kFailureKinds; ++i) {
    failures[to_string(static_cast<FailureKind>(i))] = s.failures[i];
  }
  return {{"elapsedSeconds", s.elapsed_s},
          {"devices", s.devices},
          {"online", s.online},
          {"sessionsOk", s.sessions_ok},
          {"sessionsFailed", s.sessions_failed},
          {"failures", std::move(failures)},
          {"connectionRequestSessions", s.connection_requests},
          {"sessionsPerSecond", s.sessions_per_s},
          {"latencyP50Ms", s.total_p50_ms},
          {"latencyP90Ms", s.total_p90_ms},
          {"latencyP99Ms", s.total_p99_ms}};
}

boost::json::object to_json(const Measured& m) {
  boost::json::object failures;
  for (std::size_t i = 0; i < kFailureKinds; ++i) {
    failures[to_string(static_cast<FailureKind>(i))] = m.failures[i];
  }
  return {{"warmupSeconds", m.warmup_s},     {"seconds", m.seconds},
          {"sessionsOk", m.sessions_ok},     {"sessionsFailed", m.sessions_failed},
          {"failures", std::move(failures)}, {"sessionsOkPerSecond", m.sessions_ok_per_s},
          {"latencyP50Ms", m.p50_ms},        {"latencyP90Ms", m.p90_ms},
          {"latencyP99Ms", m.p99_ms}};
}

}  // namespace sim
