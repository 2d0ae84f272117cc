// Session retry wait interval (TR-069 §3.2.1.1 "Session Retry Policy", CWMP-FACTS §5).
//
// After the n-th consecutive failed session (n >= 1) the CPE waits a random time
// in [m·(k/1000)^(n-1), m·(k/1000)^n] seconds before trying again, where
// m = ManagementServer.CWMPRetryMinimumWaitInterval (1..65535 s, default 5) and
// k = ManagementServer.CWMPRetryIntervalMultiplier (1000..65535 in 1/1000, default 2000).
// From the 10th retry on, the window stays that of the 10th.
//
// Durations are std::chrono::milliseconds. The window bounds are computed with exact
// integer arithmetic and rounded down to the millisecond (for integer multipliers such
// as the default 2000 they are exact). Randomness is injected, never drawn here.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <random>

namespace cwmp {

inline constexpr std::uint32_t kMinRetryMinimumWaitInterval = 1;  // seconds
inline constexpr std::uint32_t kMaxRetryMinimumWaitInterval = 65535;
inline constexpr std::uint32_t kDefaultRetryMinimumWaitInterval = 5;
inline constexpr std::uint32_t kMinRetryIntervalMultiplier = 1000;  // 1/1000 units
inline constexpr std::uint32_t kMaxRetryIntervalMultiplier = 65535;
inline constexpr std::uint32_t kDefaultRetryIntervalMultiplier = 2000;
// Retry counts above this use the window of this count.
inline constexpr std::uint32_t kRetryCountLimit = 10;

// Upper bound on any window edge: 2^32-1 seconds (about 136 years), the largest
// duration a CWMP unsignedInt of seconds can express. Only reached with extreme
// settings (m = 65535 with k = 2000 tops out near 777 days at n = 10, while k = 65535
// would give ~10^23 s); clamping keeps every value well inside the int64
// milliseconds of std::chrono and inside any timer's range.
inline constexpr std::chrono::milliseconds kMaxRetryWait{
    static_cast<std::int64_t>(std::numeric_limits<std::uint32_t>::max()) * 1000};

// The two ManagementServer parameters. Out-of-range values are clamped into range
// by every function below (see clamped()).
struct RetryPolicy {
  std::uint32_t minimum_wait_interval = kDefaultRetryMinimumWaitInterval;  // m, seconds
  std::uint32_t interval_multiplier = kDefaultRetryIntervalMultiplier;     // k, 1/1000
  friend bool operator==(const RetryPolicy&, const RetryPolicy&) = default;
};

// `policy` with m clamped to 1..65535 and k to 1000..65535.
RetryPolicy clamped(RetryPolicy policy);

// Inclusive range of the wait before a retry.
struct RetryWindow {
  std::chrono::milliseconds min{0};
  std::chrono::milliseconds max{0};
  friend bool operator==(const RetryWindow&, const RetryWindow&) = default;
};

// The window for retry number `retry_count` (the number of consecutive failed
// sessions so far). A count of 0 is treated as 1 (there is no "retry 0"), counts
// above 10 as 10. Bounds are floor(exact value) in ms, capped at kMaxRetryWait.
RetryWindow retry_window(std::uint32_t retry_count, RetryPolicy policy);

// The point of `window` selected by `unit`, a uniform value in [0, 1): 0 gives
// window.min, values just below 1 give window.max, so every millisecond of the
// closed range is reachable. Values outside [0, 1) (and NaN) are clamped.
std::chrono::milliseconds pick_retry_wait(RetryWindow window, double unit);

// retry_window() followed by pick_retry_wait().
std::chrono::milliseconds retry_wait(std::uint32_t retry_count, RetryPolicy policy, double unit);

// The same with a standard random generator (e.g. std::mt19937_64) as the source.
template <std::uniform_random_bit_generator Generator>
std::chrono::milliseconds retry_wait(std::uint32_t retry_count, RetryPolicy policy,
                                     Generator& generator) {
  // generate_canonical may round up to 1.0 on some libraries; pick_retry_wait
  // clamps that to window.max, which keeps the result inside the window.
  const double unit =
      std::generate_canonical<double, std::numeric_limits<double>::digits>(generator);
  return retry_wait(retry_count, policy, unit);
}

}  // namespace cwmp
