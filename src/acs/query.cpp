// Shared pieces of the query language: names, time and number parsing.
#include "acs/query.hpp"

#include <array>
#include <charconv>
#include <cmath>

namespace acs::query {
namespace {

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int digits_value(std::string_view text) {
  int value = 0;
  for (char c : text) value = value * 10 + (c - '0');
  return value;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool is_leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int y, int m) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[static_cast<std::size_t>(m - 1)];
}

// Parses a zone suffix ("Z", "+HH:MM", "+HHMM", "+HH", possibly after one space) into an offset
// in minutes east of UTC.
std::optional<int> parse_zone(std::string_view zone) {
  if (zone.empty()) return 0;
  if (zone.front() == ' ') zone.remove_prefix(1);
  if (zone == "Z" || zone == "z") return 0;
  if (zone.empty() || (zone.front() != '+' && zone.front() != '-')) return std::nullopt;
  const int sign = zone.front() == '-' ? -1 : 1;
  zone.remove_prefix(1);
  std::string_view hours;
  std::string_view minutes = "00";
  if (zone.size() == 2) {
    hours = zone;
  } else if (zone.size() == 4) {
    hours = zone.substr(0, 2);
    minutes = zone.substr(2);
  } else if (zone.size() == 5 && zone[2] == ':') {
    hours = zone.substr(0, 2);
    minutes = zone.substr(3);
  } else {
    return std::nullopt;
  }
  if (!all_digits(hours) || !all_digits(minutes)) return std::nullopt;
  const int h = digits_value(hours);
  const int m = digits_value(minutes);
  if (h > 23 || m > 59) return std::nullopt;
  return sign * (h * 60 + m);
}

}  // namespace

std::string_view column_name(Column column) {
  switch (column) {
    case Column::kId:
      return "id";
    case Column::kOui:
      return "oui";
    case Column::kProductClass:
      return "product_class";
    case Column::kSerialNumber:
      return "serial_number";
    case Column::kManufacturer:
      return "manufacturer";
    case Column::kLastInform:
      return "last_inform";
    case Column::kLastBoot:
      return "last_boot";
    case Column::kLastBootstrap:
      return "last_bootstrap";
    case Column::kRegistered:
      return "registered";
  }
  return "id";
}

std::string_view to_string(Op op) {
  switch (op) {
    case Op::kEq:
      return "$eq";
    case Op::kNe:
      return "$ne";
    case Op::kGt:
      return "$gt";
    case Op::kGte:
      return "$gte";
    case Op::kLt:
      return "$lt";
    case Op::kLte:
      return "$lte";
    case Op::kIn:
      return "$in";
    case Op::kNin:
      return "$nin";
    case Op::kRegex:
      return "$regex";
    case Op::kExists:
      return "$exists";
  }
  return "$eq";
}

std::string QueryError::to_string() const {
  return (where.empty() ? std::string("query") : where) + ": " + message;
}

RegexSpec split_regex_flags(std::string_view bound_pattern) {
  constexpr std::string_view kInsensitive = "(?i)";
  if (bound_pattern.starts_with(kInsensitive)) {
    return {bound_pattern.substr(kInsensitive.size()), true};
  }
  return {bound_pattern, false};
}

std::optional<double> parse_number(std::string_view text) {
  if (text.empty()) return std::nullopt;
  // from_chars accepts "inf", "nan" and hex only when asked to; a leading '+' or space it never
  // accepts, which is what we want.
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

bool is_numeric_type(std::string_view type) {
  return type == "xsd:int" || type == "xsd:unsignedInt" || type == "xsd:long" ||
         type == "xsd:unsignedLong" || type == "xsd:double";
}

std::optional<std::int64_t> parse_time_ms(std::string_view text) {
  // Date: YYYY-MM-DD
  if (text.size() < 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const std::string_view year_text = text.substr(0, 4);
  const std::string_view month_text = text.substr(5, 2);
  const std::string_view day_text = text.substr(8, 2);
  if (!all_digits(year_text) || !all_digits(month_text) || !all_digits(day_text)) {
    return std::nullopt;
  }
  const int year = digits_value(year_text);
  const int month = digits_value(month_text);
  const int day = digits_value(day_text);
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return std::nullopt;
  std::int64_t ms =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86'400'000;
  std::string_view rest = text.substr(10);
  if (rest.empty()) return ms;

  // Time: [T ]HH:MM[:SS[.fff]]
  if (rest.size() < 6 || (rest[0] != 'T' && rest[0] != 't' && rest[0] != ' ') || rest[3] != ':') {
    return std::nullopt;
  }
  const std::string_view hour_text = rest.substr(1, 2);
  const std::string_view minute_text = rest.substr(4, 2);
  if (!all_digits(hour_text) || !all_digits(minute_text)) return std::nullopt;
  const int hour = digits_value(hour_text);
  const int minute = digits_value(minute_text);
  if (hour > 23 || minute > 59) return std::nullopt;
  rest.remove_prefix(6);
  int second = 0;
  int millis = 0;
  if (!rest.empty() && rest[0] == ':') {
    if (rest.size() < 3 || !all_digits(rest.substr(1, 2))) return std::nullopt;
    second = digits_value(rest.substr(1, 2));
    if (second > 59) return std::nullopt;
    rest.remove_prefix(3);
    if (!rest.empty() && rest[0] == '.') {
      std::size_t n = 1;
      while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9') ++n;
      if (n == 1) return std::nullopt;
      // Milliseconds from the first three digits; further digits are truncated.
      const std::string_view fraction = rest.substr(1, n - 1);
      for (std::size_t i = 0; i < 3; ++i) {
        millis = millis * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
      }
      rest.remove_prefix(n);
    }
  }
  const auto zone = parse_zone(rest);
  if (!zone) return std::nullopt;
  ms += ((hour * 60 + minute - *zone) * 60 + second) * std::int64_t{1000} + millis;
  return ms;
}

}  // namespace acs::query
