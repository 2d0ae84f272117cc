// Typed CWMP parameter values: see values.hpp.
//
// Lexical rules follow XML Schema Part 2 (1.0, second edition), which is what the
// cwmp-1-x.xsd schemas and TR-069 Table 12 refer to. Values arrive after XML
// whitespace "collapse" for every type but string, so leading and trailing
// whitespace is tolerated everywhere here.
#include "cwmp/values.hpp"

#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace cwmp {

namespace {

constexpr bool is_xml_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
constexpr bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_xml_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_xml_space(s.back())) s.remove_suffix(1);
  return s;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (!is_digit(c)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------
// Integers

// XML Schema integer lexical space: an optional sign then one or more digits.
// std::from_chars takes no '+', so the sign is handled here and from_chars only
// sees "-digits" or "digits" (it also does the range check).
template <typename T>
std::optional<T> parse_integer(std::string_view text) {
  text = trim(text);
  bool negative = false;
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (!all_digits(text)) return std::nullopt;
  if constexpr (std::numeric_limits<T>::is_signed) {
    T value{};
    // from_chars needs the '-' right before the digits; `text` is a view into the
    // caller's buffer, so the sign character is still there.
    const char* first = negative ? text.data() - 1 : text.data();
    const char* last = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(first, last, value);
    if (ec != std::errc{} || ptr != last) return std::nullopt;
    return value;
  } else {
    T value{};
    const char* last = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), last, value);
    if (ec != std::errc{} || ptr != last) return std::nullopt;
    // XSD §3.3.20 (nonNegativeInteger, the base of unsignedInt/unsignedLong):
    // a '-' sign is allowed only on a zero ("-0").
    if (negative && value != 0) return std::nullopt;
    return value;
  }
}

// ---------------------------------------------------------------------------
// Date and time

constexpr bool is_leap_year(std::int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

constexpr int days_in_month(std::int64_t y, int m) {
  constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return (m == 2 && is_leap_year(y)) ? 29 : kDays[static_cast<std::size_t>(m - 1)];
}

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian,
// day 0 = 1970-01-01). Exact for every year an int32 can hold.
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);                 // [0, 399]
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            // [0, 146096]
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

constexpr Civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);                    // [0, 146096]
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);  // [0, 365]
  const unsigned mp = (5 * doy + 2) / 153;                       // [0, 11]
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;               // [1, 31]
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;                  // [1, 12]
  return {y + (m <= 2 ? 1 : 0), m, d};
}

static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(days_from_civil(2000, 3, 1) == 11017);
static_assert(civil_from_days(11017).year == 2000 && civil_from_days(11017).month == 3);

// Reads exactly `n` digits at `pos`; advances `pos`.
bool read_fixed(std::string_view s, std::size_t& pos, std::size_t n, int& value) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (!is_digit(c)) return false;
    v = v * 10 + (c - '0');
  }
  value = v;
  pos += n;
  return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

constexpr std::array<std::uint32_t, 10> kPow10 = {1,      10,      100,      1000,      10000,
                                                  100000, 1000000, 10000000, 100000000, 1000000000};

// Seconds from 1970-01-01T00:00:00 to the value's local date and time (the
// zone is applied by the caller). Fits in int64 for any int32 year.
std::int64_t local_seconds(const DateTime& v) {
  const std::int64_t days = days_from_civil(v.year, v.month, v.day);
  return days * 86400 + std::int64_t{v.hour} * 3600 + std::int64_t{v.minute} * 60 + v.second;
}

// Instant equality ignoring fraction_digits and the spelling of UTC (Z, no
// zone, +00:00 or -00:00): all of them denote the TR-106 sentinel.
bool same_utc_instant_fields(const DateTime& v, int year, int month, int day, int hour, int minute,
                             int second) {
  const bool utc = v.zone != DateTime::Zone::kOffset || v.offset_minutes == 0;
  return utc && v.year == year && v.month == month && v.day == day && v.hour == hour &&
         v.minute == minute && v.second == second && v.nanosecond == 0;
}

// Writes `value` as exactly `width` digits (value must fit).
char* put_digits(char* p, std::uint32_t value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return p + width;
}

// ---------------------------------------------------------------------------
// Base64 / hex

constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::uint8_t kBad = 0xFF;
constexpr std::uint8_t kPad = 64;

// 0..63 for alphabet characters, kPad for '=', kBad for anything else.
constexpr std::array<std::uint8_t, 256> make_base64_table() {
  std::array<std::uint8_t, 256> table{};
  for (auto& v : table) v = kBad;
  for (std::size_t i = 0; i < kBase64Alphabet.size(); ++i) {
    table[static_cast<unsigned char>(kBase64Alphabet[i])] = static_cast<std::uint8_t>(i);
  }
  table[static_cast<unsigned char>('=')] = kPad;
  return table;
}
constexpr std::array<std::uint8_t, 256> kBase64Table = make_base64_table();

// Strict RFC 4648 §4 decoding apart from XML whitespace, which may appear
// anywhere (xsd:base64Binary allows it, and many CPEs wrap lines at 76 columns).
// Padding is required when the data is not a multiple of 4 symbols, and the
// unused bits of the last symbol must be zero (XSD §3.2.16 lexical grammar:
// B04/B16 symbols), so each byte string has exactly one encoding.
// `out` may be null to validate only.
bool base64_decode_into(std::string_view text, std::string* out) {
  std::uint32_t quantum = 0;
  int count = 0;    // symbols in the current quantum, '=' included
  int padding = 0;  // '=' seen so far
  for (const char c : text) {
    if (is_xml_space(c)) continue;
    const std::uint8_t v = kBase64Table[static_cast<unsigned char>(c)];
    if (v == kBad) return false;
    if (v == kPad) {
      // '=' only as the last one or two symbols of a quantum.
      if (count < 2) return false;
      ++padding;
      if (++count == 4) {
        if (padding == 2) {
          if ((quantum & 0xF) != 0) return false;  // "QR==" has stray bits
          if (out != nullptr) out->push_back(static_cast<char>((quantum >> 4) & 0xFF));
        } else {
          if ((quantum & 0x3) != 0) return false;
          if (out != nullptr) {
            out->push_back(static_cast<char>((quantum >> 10) & 0xFF));
            out->push_back(static_cast<char>((quantum >> 2) & 0xFF));
          }
        }
        count = 0;
        quantum = 0;
      }
      continue;
    }
    if (padding != 0) return false;  // data after '=' (padding ends the text)
    quantum = (quantum << 6) | v;
    if (++count == 4) {
      if (out != nullptr) {
        out->push_back(static_cast<char>((quantum >> 16) & 0xFF));
        out->push_back(static_cast<char>((quantum >> 8) & 0xFF));
        out->push_back(static_cast<char>(quantum & 0xFF));
      }
      count = 0;
      quantum = 0;
    }
  }
  return count == 0;  // otherwise unpadded or truncated
}

constexpr int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// `out` may be null to validate only.
bool hex_decode_into(std::string_view text, std::string* out) {
  int high = -1;  // pending high nibble
  for (const char c : text) {
    if (is_xml_space(c)) continue;
    const int v = hex_value(c);
    if (v < 0) return false;
    if (high < 0) {
      high = v;
    } else {
      if (out != nullptr) out->push_back(static_cast<char>((high << 4) | v));
      high = -1;
    }
  }
  return high < 0;  // an odd number of digits is not a byte string
}

// XSD §3.2.3 decimal: (\+|-)?([0-9]+(\.[0-9]*)?|\.[0-9]+). No exponent, no
// INF/NaN.
bool is_valid_decimal(std::string_view text) {
  text = trim(text);
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) text.remove_prefix(1);
  std::size_t digits = 0;
  bool dot = false;
  for (const char c : text) {
    if (is_digit(c)) {
      ++digits;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      return false;
    }
  }
  return digits > 0;
}

// ---------------------------------------------------------------------------
// Type names

struct TypeName {
  ValueType type;
  std::string_view short_name;
  std::string_view xsi_name;
};

constexpr std::array<TypeName, 11> kTypeNames = {{
    {ValueType::kUnspecified, "unspecified", "xsd:string"},
    {ValueType::kString, "string", "xsd:string"},
    {ValueType::kInt, "int", "xsd:int"},
    {ValueType::kUnsignedInt, "unsignedInt", "xsd:unsignedInt"},
    {ValueType::kLong, "long", "xsd:long"},
    {ValueType::kUnsignedLong, "unsignedLong", "xsd:unsignedLong"},
    {ValueType::kBoolean, "boolean", "xsd:boolean"},
    {ValueType::kDateTime, "dateTime", "xsd:dateTime"},
    // "xsd:base64" is not an XML Schema type (validators reject it); the schema
    // type is base64Binary (CWMP-FACTS §7.6).
    {ValueType::kBase64, "base64", "xsd:base64Binary"},
    {ValueType::kHexBinary, "hexBinary", "xsd:hexBinary"},
    {ValueType::kDecimal, "decimal", "xsd:decimal"},
}};

// xsi:type local names we map to a CWMP type: the CWMP ones plus the related
// XML Schema built-ins that devices are seen to send.
struct XsiAlias {
  std::string_view local_name;
  ValueType type;
};

constexpr std::array<XsiAlias, 25> kXsiAliases = {{
    {"string", ValueType::kString},
    {"normalizedString", ValueType::kString},
    {"token", ValueType::kString},
    {"anyURI", ValueType::kString},
    {"int", ValueType::kInt},
    {"short", ValueType::kInt},
    {"byte", ValueType::kInt},
    {"unsignedInt", ValueType::kUnsignedInt},
    {"unsignedShort", ValueType::kUnsignedInt},
    {"unsignedByte", ValueType::kUnsignedInt},
    {"long", ValueType::kLong},
    {"integer", ValueType::kLong},
    {"negativeInteger", ValueType::kLong},
    {"nonPositiveInteger", ValueType::kLong},
    {"unsignedLong", ValueType::kUnsignedLong},
    {"nonNegativeInteger", ValueType::kUnsignedLong},
    {"positiveInteger", ValueType::kUnsignedLong},
    {"boolean", ValueType::kBoolean},
    {"dateTime", ValueType::kDateTime},
    {"base64Binary", ValueType::kBase64},
    // soap-enc:base64 (SOAP 1.1 §5.2.3), and the invalid xsd:base64 seen in the field.
    {"base64", ValueType::kBase64},
    {"hexBinary", ValueType::kHexBinary},
    {"decimal", ValueType::kDecimal},
    {"double", ValueType::kDecimal},
    {"float", ValueType::kDecimal},
}};

constexpr char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------
// Type names

std::string_view xsi_type_name(ValueType type) {
  for (const auto& t : kTypeNames) {
    if (t.type == type) return t.xsi_name;
  }
  return "xsd:string";
}

std::string_view to_string(ValueType type) {
  for (const auto& t : kTypeNames) {
    if (t.type == type) return t.short_name;
  }
  return "unspecified";
}

std::optional<ValueType> parse_value_type_name(std::string_view short_name) {
  for (const auto& t : kTypeNames) {
    if (t.short_name == short_name) return t.type;
  }
  if (short_name == "base64Binary") return ValueType::kBase64;
  return std::nullopt;
}

// Lenient on purpose: the prefix is whatever the sender bound to the XML Schema
// (or SOAP encoding) namespace, and some CPEs get the case of the local name
// wrong ("xsd:unsignedint"), so the local name is compared case-insensitively.
std::optional<ValueType> value_type_from_xsi(std::string_view xsi_type) {
  std::string_view local = trim(xsi_type);
  if (const auto colon = local.rfind(':'); colon != std::string_view::npos) {
    local.remove_prefix(colon + 1);
  }
  for (const auto& alias : kXsiAliases) {
    if (alias.local_name == local) return alias.type;
  }
  for (const auto& alias : kXsiAliases) {
    if (iequals(alias.local_name, local)) return alias.type;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// Scalars

std::optional<std::int32_t> parse_int(std::string_view text) {
  return parse_integer<std::int32_t>(text);
}
std::optional<std::uint32_t> parse_unsigned_int(std::string_view text) {
  return parse_integer<std::uint32_t>(text);
}
std::optional<std::int64_t> parse_long(std::string_view text) {
  return parse_integer<std::int64_t>(text);
}
std::optional<std::uint64_t> parse_unsigned_long(std::string_view text) {
  return parse_integer<std::uint64_t>(text);
}

std::optional<bool> parse_boolean(std::string_view text) {
  text = trim(text);
  if (text == "true" || text == "1") return true;
  if (text == "false" || text == "0") return false;
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// DateTime

DateTime DateTime::infinite() {
  DateTime v;
  v.year = 9999;
  v.month = 12;
  v.day = 31;
  v.hour = 23;
  v.minute = 59;
  v.second = 59;
  return v;
}

bool DateTime::is_unknown() const {
  return same_utc_instant_fields(*this, 1, 1, 1, 0, 0, 0);
}

bool DateTime::is_infinite() const {
  return same_utc_instant_fields(*this, 9999, 12, 31, 23, 59, 59);
}

// sys_time<nanoseconds> is 64-bit: it spans only 1677-09-21 .. 2262-04-11, so
// neither TR-106 sentinel fits. The unknown time maps to time_point::min() and
// the infinite time to time_point::max() (from_sys_time maps them back), and
// any other value outside the range saturates to the same ends.
std::chrono::sys_time<std::chrono::nanoseconds> DateTime::to_sys_time() const {
  using TimePoint = std::chrono::sys_time<std::chrono::nanoseconds>;
  if (is_unknown()) return TimePoint::min();
  if (is_infinite()) return TimePoint::max();
  std::int64_t seconds = local_seconds(*this);
  if (zone == Zone::kOffset) seconds -= std::int64_t{offset_minutes} * 60;
  constexpr std::int64_t kMaxNs = std::numeric_limits<std::int64_t>::max();
  constexpr std::int64_t kMinNs = std::numeric_limits<std::int64_t>::min();
  const std::int64_t ns = nanosecond < 1'000'000'000u ? std::int64_t{nanosecond} : 999'999'999;
  constexpr std::int64_t kNsPerSecond = 1'000'000'000;
  std::int64_t total = 0;
  if (seconds >= 0) {
    if (seconds > (kMaxNs - ns) / kNsPerSecond) return TimePoint::max();
    total = seconds * kNsPerSecond + ns;
  } else {
    // seconds * 1e9 alone can overflow where seconds * 1e9 + ns does not
    // (the last second before the minimum), so go through seconds + 1.
    if (seconds + 1 < kMinNs / kNsPerSecond) return TimePoint::min();
    const std::int64_t base = (seconds + 1) * kNsPerSecond;
    if (base < kMinNs + (kNsPerSecond - ns)) return TimePoint::min();
    total = base - (kNsPerSecond - ns);
  }
  return TimePoint{std::chrono::nanoseconds{total}};
}

DateTime DateTime::from_sys_time(std::chrono::sys_time<std::chrono::nanoseconds> t) {
  using TimePoint = std::chrono::sys_time<std::chrono::nanoseconds>;
  if (t == TimePoint::min()) return unknown();
  if (t == TimePoint::max()) return infinite();
  const std::int64_t total = t.time_since_epoch().count();
  // Floor division so that instants before 1970 get a non-negative remainder.
  std::int64_t seconds = total / 1'000'000'000;
  std::int64_t ns = total % 1'000'000'000;
  if (ns < 0) {
    ns += 1'000'000'000;
    --seconds;
  }
  std::int64_t days = seconds / 86400;
  std::int64_t sod = seconds % 86400;
  if (sod < 0) {
    sod += 86400;
    --days;
  }
  const Civil civil = civil_from_days(days);
  DateTime v;
  v.year = static_cast<std::int32_t>(civil.year);
  v.month = static_cast<std::uint8_t>(civil.month);
  v.day = static_cast<std::uint8_t>(civil.day);
  v.hour = static_cast<std::uint8_t>(sod / 3600);
  v.minute = static_cast<std::uint8_t>(sod / 60 % 60);
  v.second = static_cast<std::uint8_t>(sod % 60);
  v.nanosecond = static_cast<std::uint32_t>(ns);
  if (ns == 0) {
    v.fraction_digits = 0;
  } else if (ns % 1'000'000 == 0) {
    v.fraction_digits = 3;
  } else if (ns % 1'000 == 0) {
    v.fraction_digits = 6;
  } else {
    v.fraction_digits = 9;
  }
  v.zone = DateTime::Zone::kUtc;
  return v;
}

// XSD §3.2.7 dateTime: '-'? yyyy '-' mm '-' dd 'T' hh ':' mm ':' ss ('.' s+)? zone?
// - The year has 4 or more digits (we accept up to 9), no leading zero when
//   longer than 4, and not 0000. Negative years are rejected: no CWMP value is
//   before year 1, and the unknown-time sentinel is year 1.
// - 24:00:00 (fraction zero) is allowed as XSD 1.0 says; it is kept as hour 24
//   (the end of the day, i.e. the next midnight) so that it formats back as it
//   was written. to_sys_time gives the instant of the next midnight.
// - Leap seconds (ss = 60) are rejected: XSD 1.0 does not allow them.
// - Fractions keep at most 9 digits (nanoseconds); further digits are accepted
//   and truncated.
// - Zone offsets are limited to -14:00..+14:00. "-00:00" is accepted and kept
//   as a zero offset (written back as "+00:00").
std::optional<DateTime> parse_date_time(std::string_view text) {
  const std::string_view s = trim(text);
  std::size_t pos = 0;
  DateTime v;

  std::size_t year_digits = 0;
  while (year_digits < s.size() && is_digit(s[year_digits])) ++year_digits;
  if (year_digits < 4 || year_digits > 9) return std::nullopt;
  if (year_digits > 4 && s[0] == '0') return std::nullopt;
  int year = 0;
  if (!read_fixed(s, pos, year_digits, year) || year == 0) return std::nullopt;
  v.year = year;

  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (!expect(s, pos, '-') || !read_fixed(s, pos, 2, month) || !expect(s, pos, '-') ||
      !read_fixed(s, pos, 2, day) || !expect(s, pos, 'T') || !read_fixed(s, pos, 2, hour) ||
      !expect(s, pos, ':') || !read_fixed(s, pos, 2, minute) || !expect(s, pos, ':') ||
      !read_fixed(s, pos, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12) return std::nullopt;
  if (day < 1 || day > days_in_month(year, month)) return std::nullopt;
  if (hour > 24 || minute > 59 || second > 59) return std::nullopt;

  std::uint32_t nanos = 0;
  int fraction_digits = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    while (pos < s.size() && is_digit(s[pos])) {
      if (fraction_digits < 9) {
        nanos = nanos * 10 + static_cast<std::uint32_t>(s[pos] - '0');
        ++fraction_digits;
      }
      ++pos;
    }
    if (pos == start) return std::nullopt;  // '.' needs at least one digit
    nanos *= kPow10[static_cast<std::size_t>(9 - fraction_digits)];
  }
  if (hour == 24 && (minute != 0 || second != 0 || nanos != 0)) return std::nullopt;

  if (pos == s.size()) {
    v.zone = DateTime::Zone::kNone;
  } else if (s[pos] == 'Z') {
    ++pos;
    v.zone = DateTime::Zone::kUtc;
  } else if (s[pos] == '+' || s[pos] == '-') {
    const bool negative = s[pos] == '-';
    ++pos;
    int oh = 0;
    int om = 0;
    if (!read_fixed(s, pos, 2, oh) || !expect(s, pos, ':') || !read_fixed(s, pos, 2, om)) {
      return std::nullopt;
    }
    if (om > 59 || oh > 14 || (oh == 14 && om != 0)) return std::nullopt;
    v.zone = DateTime::Zone::kOffset;
    const int offset = oh * 60 + om;
    v.offset_minutes = static_cast<std::int16_t>(negative ? -offset : offset);
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;

  v.month = static_cast<std::uint8_t>(month);
  v.day = static_cast<std::uint8_t>(day);
  v.hour = static_cast<std::uint8_t>(hour);
  v.minute = static_cast<std::uint8_t>(minute);
  v.second = static_cast<std::uint8_t>(second);
  v.nanosecond = nanos;
  v.fraction_digits = static_cast<std::uint8_t>(fraction_digits);
  return v;
}

std::string format_date_time(const DateTime& value) {
  std::string out;
  append_date_time(out, value);
  return out;
}

// Hot path of the encoder: one append of a stack buffer, no other allocation.
// Fields are written as they are; a DateTime built by hand with out-of-range
// fields gives out-of-range text, not a crash. fraction_digits says how many
// digits to write; if it is 0 while nanosecond is not, 3, 6 or 9 digits are
// chosen as from_sys_time does, so that no precision is dropped silently.
void append_date_time(std::string& out, const DateTime& value) {
  // Longest: "-2147483648-12-31T23:59:59.123456789+14:00" = 42 characters.
  std::array<char, 48> buf{};
  char* p = buf.data();
  std::int64_t year = value.year;
  if (year < 0) {
    *p++ = '-';
    year = -year;
  }
  {
    // At least four digits, more when the year needs them.
    char digits[10];
    int n = 0;
    auto y = static_cast<std::uint64_t>(year);
    do {
      digits[n++] = static_cast<char>('0' + y % 10);
      y /= 10;
    } while (y != 0);
    for (int i = n; i < 4; ++i) *p++ = '0';
    while (n > 0) *p++ = digits[--n];
  }
  *p++ = '-';
  p = put_digits(p, value.month % 100u, 2);
  *p++ = '-';
  p = put_digits(p, value.day % 100u, 2);
  *p++ = 'T';
  p = put_digits(p, value.hour % 100u, 2);
  *p++ = ':';
  p = put_digits(p, value.minute % 100u, 2);
  *p++ = ':';
  p = put_digits(p, value.second % 100u, 2);

  const std::uint32_t nanos = value.nanosecond % 1'000'000'000u;
  int digits = value.fraction_digits > 9 ? 9 : value.fraction_digits;
  if (digits == 0 && nanos != 0) {
    digits = nanos % 1'000'000 == 0 ? 3 : nanos % 1'000 == 0 ? 6 : 9;
  }
  if (digits > 0) {
    *p++ = '.';
    p = put_digits(p, nanos / kPow10[static_cast<std::size_t>(9 - digits)], digits);
  }

  switch (value.zone) {
    case DateTime::Zone::kNone:
      break;
    case DateTime::Zone::kUtc:
      *p++ = 'Z';
      break;
    case DateTime::Zone::kOffset: {
      const int offset = value.offset_minutes;
      *p++ = offset < 0 ? '-' : '+';
      const auto magnitude = static_cast<std::uint32_t>(offset < 0 ? -offset : offset);
      p = put_digits(p, (magnitude / 60) % 100, 2);
      *p++ = ':';
      p = put_digits(p, magnitude % 60, 2);
      break;
    }
  }
  out.append(buf.data(), static_cast<std::size_t>(p - buf.data()));
}

// ---------------------------------------------------------------------------
// Binary encodings

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t n = bytes.size();
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const std::uint32_t v = (std::uint32_t{p[i]} << 16) | (std::uint32_t{p[i + 1]} << 8) | p[i + 2];
    out.push_back(kBase64Alphabet[(v >> 18) & 63]);
    out.push_back(kBase64Alphabet[(v >> 12) & 63]);
    out.push_back(kBase64Alphabet[(v >> 6) & 63]);
    out.push_back(kBase64Alphabet[v & 63]);
  }
  if (n - i == 1) {
    const std::uint32_t v = std::uint32_t{p[i]} << 16;
    out.push_back(kBase64Alphabet[(v >> 18) & 63]);
    out.push_back(kBase64Alphabet[(v >> 12) & 63]);
    out.append("==");
  } else if (n - i == 2) {
    const std::uint32_t v = (std::uint32_t{p[i]} << 16) | (std::uint32_t{p[i + 1]} << 8);
    out.push_back(kBase64Alphabet[(v >> 18) & 63]);
    out.push_back(kBase64Alphabet[(v >> 12) & 63]);
    out.push_back(kBase64Alphabet[(v >> 6) & 63]);
    out.push_back('=');
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() / 4 * 3);
  if (!base64_decode_into(text, &out)) return std::nullopt;
  return out;
}

std::string hex_encode(std::string_view bytes) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  out.resize(bytes.size() * 2);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kHex[b >> 4];
    out[2 * i + 1] = kHex[b & 0xF];
  }
  return out;
}

std::optional<std::string> hex_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() / 2);
  if (!hex_decode_into(text, &out)) return std::nullopt;
  return out;
}

// ---------------------------------------------------------------------------
// Validation

bool is_valid_value(ValueType type, std::string_view text) {
  switch (type) {
    case ValueType::kUnspecified:
    case ValueType::kString:
      return true;
    case ValueType::kInt:
      return parse_int(text).has_value();
    case ValueType::kUnsignedInt:
      return parse_unsigned_int(text).has_value();
    case ValueType::kLong:
      return parse_long(text).has_value();
    case ValueType::kUnsignedLong:
      return parse_unsigned_long(text).has_value();
    case ValueType::kBoolean:
      return parse_boolean(text).has_value();
    case ValueType::kDateTime:
      return parse_date_time(text).has_value();
    case ValueType::kBase64:
      return base64_decode_into(text, nullptr);
    case ValueType::kHexBinary:
      return hex_decode_into(text, nullptr);
    case ValueType::kDecimal:
      return is_valid_decimal(text);
  }
  return false;
}

// Unicode 15 §3.9 Table 3-7 (well-formed UTF-8 byte sequences). ASCII runs are
// skipped 32, then 8 bytes at a time.
bool is_valid_utf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* const end = p + text.size();
  while (p < end) {
    // SOAP is nearly all ASCII: test 32 bytes per step while it lasts.
    while (end - p >= 32) {
      std::uint64_t c[4];
      std::memcpy(c, p, sizeof c);
      if (((c[0] | c[1] | c[2] | c[3]) & 0x8080808080808080ULL) != 0) break;
      p += 32;
    }
    if (p == end) break;
    if (end - p >= 8) {
      std::uint64_t chunk;
      std::memcpy(&chunk, p, sizeof chunk);
      if ((chunk & 0x8080808080808080ULL) == 0) {
        p += 8;
        continue;
      }
    }
    const unsigned char b0 = *p;
    if (b0 < 0x80) {
      ++p;
      continue;
    }
    // Lead byte: sequence length and the allowed range of the second byte
    // (the narrowed ranges exclude overlongs, surrogates and > U+10FFFF).
    std::size_t len = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
    } else if (b0 == 0xE0) {
      len = 3;
      lo = 0xA0;
    } else if (b0 == 0xED) {
      len = 3;
      hi = 0x9F;
    } else if (b0 >= 0xE1 && b0 <= 0xEF) {
      len = 3;
    } else if (b0 == 0xF0) {
      len = 4;
      lo = 0x90;
    } else if (b0 == 0xF4) {
      len = 4;
      hi = 0x8F;
    } else if (b0 >= 0xF1 && b0 <= 0xF3) {
      len = 4;
    } else {
      return false;  // 0x80..0xC1 (continuation or overlong lead), 0xF5..0xFF
    }
    if (static_cast<std::size_t>(end - p) < len) return false;  // truncated
    if (p[1] < lo || p[1] > hi) return false;
    for (std::size_t i = 2; i < len; ++i) {
      if (p[i] < 0x80 || p[i] > 0xBF) return false;
    }
    p += len;
  }
  return true;
}

}  // namespace cwmp
