// Pure timing rules of the agent (no clock is read here: `now` comes in).
//  - periodic informs: PeriodicInformInterval with the PeriodicInformTime phase (TR-181
//    ManagementServer, CWMP-FACTS §8);
//  - the DefaultActiveNotificationThrottle (CWMP-FACTS §5, last paragraph);
//  - a token bucket for the connection-request listener (TR-069 §3.2.2: the CPE SHOULD
//    limit the rate of connection requests it accepts, 503 beyond).
// The retry back-off itself is cwmp::retry_wait (libcwmp retry_policy.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "cpe/agent/clock.hpp"

namespace cpe::agent {

// The first instant phase + k·interval (k any integer) that is at or after `at`.
// interval must be positive.
TimePoint next_phase_instant(TimePoint at, std::chrono::seconds interval, TimePoint phase);

// When the next "2 PERIODIC" is due. A change of any of the three settings restarts the
// schedule: with a phase, at the next instant that matches it; without one (Unknown Time),
// one interval after the change (the CPE picks the phase: the moment it learnt the setting).
class PeriodicSchedule {
 public:
  void configure(bool enable, std::uint32_t interval_seconds, std::optional<TimePoint> phase,
                 TimePoint now);
  // nullopt while periodic informs are disabled.
  std::optional<TimePoint> due() const { return due_; }
  // The inform due at due() was raised at `now`: the next one is strictly later.
  void fired(TimePoint now);

 private:
  bool configured_ = false;
  bool enable_ = false;
  std::uint32_t interval_ = 0;
  std::optional<TimePoint> phase_;
  std::optional<TimePoint> due_;
};

// The earliest time a session held only for an active notification may start: `throttle`
// seconds after the last completed session (none yet: at once).
TimePoint value_change_allowed_at(std::optional<TimePoint> last_session_end,
                                  std::uint32_t throttle_seconds);

// A token bucket: `burst` tokens, refilled at `per_second`. A clock going backwards refills
// nothing. Not thread-safe (the caller locks).
class TokenBucket {
 public:
  TokenBucket(double per_second, double burst) : rate_(per_second), burst_(burst), tokens_(burst) {}
  bool try_take(TimePoint now);

 private:
  double rate_;
  double burst_;
  double tokens_;
  std::optional<TimePoint> last_;
};

}  // namespace cpe::agent
