// Time for the agent: one injectable source of "now" so that every timing rule (periodic
// informs, retry back-off, throttles, transfer delays, rate limits) can be tested without
// sleeping. The agent never reads the system clock itself.
//
// The agent arms real timers for the distance between clock.now() and the next due time and
// re-reads the clock when they fire, so with a ManualClock time stands still until the test
// moves it and calls Agent::settle() (which re-evaluates at once).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>

namespace cpe::agent {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time (UTC). Thread-safe.
  virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
};

// A clock that moves only when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start = TimePoint(std::chrono::hours(24 * 365 * 50)))
      : ticks_(start.time_since_epoch().count()) {}
  TimePoint now() const override { return TimePoint(TimePoint::duration(ticks_.load())); }
  void set(TimePoint t) { ticks_.store(t.time_since_epoch().count()); }
  template <class Rep, class Period>
  void advance(std::chrono::duration<Rep, Period> d) {
    ticks_.fetch_add(std::chrono::duration_cast<TimePoint::duration>(d).count());
  }

 private:
  std::atomic<TimePoint::duration::rep> ticks_;
};

// A uniform value in [0, 1): the randomness of the retry back-off (TR-069 §3.2.1.1).
using RandomUnit = std::function<double()>;

// Milliseconds since the epoch, the form times take in the state file.
inline std::int64_t to_millis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline TimePoint from_millis(std::int64_t ms) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(ms)));
}

}  // namespace cpe::agent
