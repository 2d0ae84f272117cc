// Session retry wait interval: see retry_policy.hpp.
#include "cwmp/retry_policy.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>

namespace cwmp {

namespace {

// A fixed-width unsigned integer (base 2^32, little-endian limbs) just big enough
// for m·1000·k^10 < 2^26 · 2^160 = 2^186. It lets the window edges be computed as
// floor(m·1000·k^e / 1000^e) without any rounding on the way, with no floating
// point and no heap.
class WideUnsigned {
 public:
  explicit WideUnsigned(std::uint64_t value) {
    limbs_[0] = static_cast<std::uint32_t>(value);
    limbs_[1] = static_cast<std::uint32_t>(value >> 32);
  }

  // The caller guarantees the product fits (see the bound above).
  void multiply(std::uint32_t factor) {
    std::uint64_t carry = 0;
    for (std::uint32_t& limb : limbs_) {
      const std::uint64_t product = static_cast<std::uint64_t>(limb) * factor + carry;
      limb = static_cast<std::uint32_t>(product);
      carry = product >> 32;
    }
  }

  // Floor division; repeated calls compose exactly: floor(floor(x/a)/b) = floor(x/(ab)).
  void divide(std::uint32_t divisor) {
    std::uint64_t remainder = 0;
    for (auto it = limbs_.rbegin(); it != limbs_.rend(); ++it) {
      const std::uint64_t current = (remainder << 32) | *it;
      *it = static_cast<std::uint32_t>(current / divisor);
      remainder = current % divisor;
    }
  }

  // The value if it fits in 64 bits and is at most `limit`, else `limit`.
  std::uint64_t saturate(std::uint64_t limit) const {
    for (std::size_t i = 2; i < limbs_.size(); ++i) {
      if (limbs_[i] != 0) return limit;
    }
    const std::uint64_t low = (static_cast<std::uint64_t>(limbs_[1]) << 32) | limbs_[0];
    return std::min(low, limit);
  }

 private:
  std::array<std::uint32_t, 8> limbs_{};
};

// floor(m · (k/1000)^exponent) seconds, in milliseconds, capped at kMaxRetryWait.
std::chrono::milliseconds window_edge(std::uint32_t m, std::uint32_t k, std::uint32_t exponent) {
  WideUnsigned value(static_cast<std::uint64_t>(m) * 1000);
  for (std::uint32_t i = 0; i < exponent; ++i) value.multiply(k);
  for (std::uint32_t i = 0; i < exponent; ++i) value.divide(1000);
  const auto limit = static_cast<std::uint64_t>(kMaxRetryWait.count());
  return std::chrono::milliseconds(static_cast<std::int64_t>(value.saturate(limit)));
}

}  // namespace

RetryPolicy clamped(RetryPolicy policy) {
  policy.minimum_wait_interval = std::clamp(
      policy.minimum_wait_interval, kMinRetryMinimumWaitInterval, kMaxRetryMinimumWaitInterval);
  policy.interval_multiplier = std::clamp(policy.interval_multiplier, kMinRetryIntervalMultiplier,
                                          kMaxRetryIntervalMultiplier);
  return policy;
}

RetryWindow retry_window(std::uint32_t retry_count, RetryPolicy policy) {
  policy = clamped(policy);
  const std::uint32_t n = std::clamp<std::uint32_t>(retry_count, 1, kRetryCountLimit);
  const std::uint32_t m = policy.minimum_wait_interval;
  const std::uint32_t k = policy.interval_multiplier;
  return RetryWindow{window_edge(m, k, n - 1), window_edge(m, k, n)};
}

std::chrono::milliseconds pick_retry_wait(RetryWindow window, double unit) {
  if (window.max <= window.min) return window.min;
  if (!(unit > 0.0)) unit = 0.0;  // also catches NaN
  const std::int64_t span = (window.max - window.min).count();
  // Scale to [0, span + 1) and round down so that each millisecond of the closed
  // range gets an equal share of [0, 1); anything at or past span is window.max.
  const double scaled = unit * (static_cast<double>(span) + 1.0);
  const std::int64_t offset =
      scaled >= static_cast<double>(span) ? span : static_cast<std::int64_t>(scaled);
  return window.min + std::chrono::milliseconds(offset);
}

std::chrono::milliseconds retry_wait(std::uint32_t retry_count, RetryPolicy policy, double unit) {
  return pick_retry_wait(retry_window(retry_count, policy), unit);
}

}  // namespace cwmp
