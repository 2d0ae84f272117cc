// Preset schedules: five-field cron expressions in UTC (presets.hpp CronSchedule).
#include <charconv>
#include <ctime>

#include "acs/presets.hpp"

namespace acs::presets {

namespace {

struct Field {
  const char* name;
  int low;
  int high;
};

constexpr Field kFields[] = {
    {"minute", 0, 59}, {"hour", 0, 23},       {"day of month", 1, 31},
    {"month", 1, 12},  {"day of week", 0, 7},
};

std::optional<int> number(std::string_view text) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// One field ("*/15", "1-5", "0,30") as a bit set; false with `error` on a bad one.
bool parse_field(std::string_view text, const Field& field, std::uint64_t& bits,
                 std::string& error) {
  const auto bad = [&](std::string_view why) {
    error = std::string(field.name) + " \"" + std::string(text) + "\": " + std::string(why);
    return false;
  };
  bits = 0;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (comma != std::string_view::npos && text.empty()) return bad("empty list item");
    int step = 1;
    if (const std::size_t slash = item.find('/'); slash != std::string_view::npos) {
      const auto s = number(item.substr(slash + 1));
      if (!s || *s < 1 || *s > field.high) return bad("bad step");
      step = *s;
      item = item.substr(0, slash);
    }
    int low = field.low;
    int high = field.high;
    if (item != "*") {
      const std::size_t dash = item.find('-');
      const auto a = number(item.substr(0, dash));
      const auto b = dash == std::string_view::npos ? a : number(item.substr(dash + 1));
      if (!a || !b) return bad("not a number, range or '*'");
      if (*a < field.low || *b > field.high || *a > *b) {
        return bad("out of range " + std::to_string(field.low) + "-" + std::to_string(field.high));
      }
      low = *a;
      high = (dash == std::string_view::npos && step > 1) ? field.high : *b;
    }
    if (item.empty()) return bad("empty");
    for (int v = low; v <= high; v += step) bits |= std::uint64_t{1} << v;
  }
  if (bits == 0) return bad("empty");
  return true;
}

bool has(std::uint64_t bits, int n) {
  return ((bits >> n) & 1U) != 0;
}

bool day_matches(const CronSchedule& c, const std::tm& day) {
  if (!has(c.months, day.tm_mon + 1)) return false;
  const bool dom = has(c.days, day.tm_mday);
  const bool dow = has(c.weekdays, day.tm_wday);
  // cron: with both day fields restricted, either matching is enough.
  if (!c.any_day && !c.any_weekday) return dom || dow;
  return dom && dow;
}

constexpr Millis kMinute = 60'000;
constexpr Millis kDay = 24 * 60 * kMinute;

std::tm utc(Millis ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

}  // namespace

std::optional<CronSchedule> parse_cron(std::string_view text, std::string& error) {
  std::string_view fields[5];
  std::size_t count = 0;
  while (!text.empty()) {
    const std::size_t start = text.find_first_not_of(" \t");
    if (start == std::string_view::npos) break;
    text.remove_prefix(start);
    const std::size_t end = text.find_first_of(" \t");
    if (count == 5) {
      error = "a schedule is five fields: minute hour day-of-month month day-of-week (UTC)";
      return std::nullopt;
    }
    fields[count++] = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end);
  }
  if (count != 5) {
    error = "a schedule is five fields: minute hour day-of-month month day-of-week (UTC)";
    return std::nullopt;
  }
  std::uint64_t bits[5] = {};
  for (std::size_t i = 0; i < 5; ++i) {
    if (!parse_field(fields[i], kFields[i], bits[i], error)) return std::nullopt;
  }
  CronSchedule c;
  c.minutes = bits[0];
  c.hours = static_cast<std::uint32_t>(bits[1]);
  c.days = static_cast<std::uint32_t>(bits[2]);
  c.months = static_cast<std::uint16_t>(bits[3]);
  // 7 is Sunday too.
  c.weekdays = static_cast<std::uint8_t>((bits[4] & 0x7F) | ((bits[4] >> 7) & 1U));
  c.any_day = fields[2] == "*";
  c.any_weekday = fields[4] == "*";
  return c;
}

bool fires_between(const CronSchedule& c, Millis after, Millis until) {
  if (until <= after) return false;
  // The first whole minute after `after`; a gap over ~400 days is cut to its last 400 days
  // (every schedule fires within a year, but for 29 February).
  Millis from = (after / kMinute + 1) * kMinute;
  if (until - from > 400 * kDay) from = (until - 400 * kDay) / kMinute * kMinute;
  for (Millis day_start = from / kDay * kDay; day_start <= until; day_start += kDay) {
    if (!day_matches(c, utc(day_start))) continue;
    const Millis first = std::max(from, day_start);
    const Millis last = std::min(until, day_start + kDay - 1);
    for (int hour = 0; hour < 24; ++hour) {
      if (!has(c.hours, hour)) continue;
      const Millis hour_start = day_start + hour * 60 * kMinute;
      if (hour_start + 60 * kMinute <= first || hour_start > last) continue;
      for (int minute = 0; minute < 60; ++minute) {
        if (!has(c.minutes, minute)) continue;
        const Millis at = hour_start + minute * kMinute;
        if (at >= first && at <= last) return true;
      }
    }
  }
  return false;
}

}  // namespace acs::presets
