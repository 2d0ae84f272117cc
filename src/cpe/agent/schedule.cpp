// Pure timing rules: see schedule.hpp.
#include "cpe/agent/schedule.hpp"

#include <algorithm>

namespace cpe::agent {

TimePoint next_phase_instant(TimePoint at, std::chrono::seconds interval, TimePoint phase) {
  const auto period = std::chrono::duration_cast<TimePoint::duration>(interval);
  if (period <= TimePoint::duration::zero()) return at;
  // Reduced modulo the period first, so that no subtraction of two far-apart times can
  // overflow (a phase decades in the past is legal).
  auto offset = at.time_since_epoch() % period - phase.time_since_epoch() % period;
  offset %= period;  // now in (-period, period)
  if (offset < TimePoint::duration::zero()) offset += period;
  return offset == TimePoint::duration::zero() ? at : at + (period - offset);
}

void PeriodicSchedule::configure(bool enable, std::uint32_t interval_seconds,
                                 std::optional<TimePoint> phase, TimePoint now) {
  if (configured_ && enable == enable_ && interval_seconds == interval_ && phase == phase_) return;
  configured_ = true;
  enable_ = enable;
  interval_ = interval_seconds;
  phase_ = phase;
  // PeriodicInformInterval is at least 1 (TR-181); 0 from a confused model disables.
  if (!enable || interval_seconds == 0) {
    due_.reset();
    return;
  }
  const std::chrono::seconds interval(interval_seconds);
  due_ = phase ? next_phase_instant(now, interval, *phase) : now + interval;
}

void PeriodicSchedule::fired(TimePoint now) {
  if (!due_) return;
  const std::chrono::seconds interval(interval_);
  if (phase_) {
    due_ = next_phase_instant(now + std::chrono::nanoseconds(1), interval, *phase_);
  } else {
    // Keep the cadence of the chosen phase; a late wake-up does not shift later informs.
    TimePoint next = *due_ + interval;
    if (next <= now) next = next_phase_instant(now + std::chrono::nanoseconds(1), interval, *due_);
    due_ = next;
  }
}

TimePoint value_change_allowed_at(std::optional<TimePoint> last_session_end,
                                  std::uint32_t throttle_seconds) {
  if (!last_session_end) return TimePoint::min();
  return *last_session_end + std::chrono::seconds(throttle_seconds);
}

bool TokenBucket::try_take(TimePoint now) {
  if (last_ && now > *last_) {
    const double elapsed = std::chrono::duration<double>(now - *last_).count();
    tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
  }
  if (!last_ || now > *last_) last_ = now;
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

}  // namespace cpe::agent
