// Typed CWMP parameter values (TR-069 Table 12 / TR-106 data types): parse,
// validate and format. Shared by the ACS and the agent.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cwmp {

// The xsi:type of a ParameterValueStruct Value.
enum class ValueType : std::uint8_t {
  kUnspecified,  // no xsi:type on input (common in 1.0 devices); written as xsd:string
  kString,
  kInt,
  kUnsignedInt,
  kLong,
  kUnsignedLong,
  kBoolean,
  kDateTime,
  kBase64,
  kHexBinary,
  kDecimal,
};

// "xsd:string", "xsd:unsignedInt", ..., "xsd:base64Binary"; kUnspecified -> "xsd:string".
std::string_view xsi_type_name(ValueType type);
// Short name used in JSON and docs: "string", "unsignedInt", ..., "unspecified".
std::string_view to_string(ValueType type);
std::optional<ValueType> parse_value_type_name(std::string_view short_name);
// Maps an xsi:type attribute value to a ValueType. Any prefix is accepted
// ("xsd:int", "xs:int", "int"); related XML Schema types map to the nearest CWMP
// type (short/byte -> int, unsignedShort/unsignedByte -> unsignedInt,
// integer -> long, soap-enc:base64 -> base64, double/float -> decimal).
// nullopt for a type we do not know at all.
std::optional<ValueType> value_type_from_xsi(std::string_view xsi_type);

// Lexical parsing per XML Schema. Leading/trailing XML whitespace is allowed
// (and ignored); anything else out of the lexical space or the range is nullopt.
std::optional<std::int32_t> parse_int(std::string_view text);
std::optional<std::uint32_t> parse_unsigned_int(std::string_view text);
std::optional<std::int64_t> parse_long(std::string_view text);
std::optional<std::uint64_t> parse_unsigned_long(std::string_view text);
std::optional<bool> parse_boolean(std::string_view text);  // true/false/1/0

// xsd:dateTime. Keeps what the text said (fraction digits, zone) so that a
// parsed value formats back to an equivalent text.
struct DateTime {
  enum class Zone : std::uint8_t { kNone, kUtc, kOffset };

  std::int32_t year = 1;
  std::uint8_t month = 1;
  std::uint8_t day = 1;
  std::uint8_t hour = 0;
  std::uint8_t minute = 0;
  std::uint8_t second = 0;
  std::uint32_t nanosecond = 0;      // fraction of the second
  std::uint8_t fraction_digits = 0;  // how many digits to print (0..9)
  Zone zone = Zone::kUtc;
  std::int16_t offset_minutes = 0;  // for kOffset, e.g. +02:00 -> 120

  // TR-106 §3.2: 0001-01-01T00:00:00Z means "unknown time".
  static DateTime unknown() { return DateTime{}; }
  // 9999-12-31T23:59:59Z means "infinite time".
  static DateTime infinite();
  bool is_unknown() const;
  bool is_infinite() const;

  // UTC instant (a zone-less value is taken as UTC). A 64-bit nanosecond clock
  // spans about 1677..2262: the Unknown Time maps to time_point::min(), the
  // Infinite Time to max(), and other dates outside the span saturate to them.
  std::chrono::sys_time<std::chrono::nanoseconds> to_sys_time() const;
  // UTC with 'Z'; fraction_digits chosen from the value (0, 3, 6 or 9).
  static DateTime from_sys_time(std::chrono::sys_time<std::chrono::nanoseconds> t);

  friend bool operator==(const DateTime&, const DateTime&) = default;
};

std::optional<DateTime> parse_date_time(std::string_view text);
std::string format_date_time(const DateTime& value);
void append_date_time(std::string& out, const DateTime& value);

// Binary encodings. Decoding ignores XML whitespace inside the text.
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);
std::string hex_encode(std::string_view bytes);  // upper case, as XML Schema canonical form
std::optional<std::string> hex_decode(std::string_view text);

// True when `text` is in the lexical space of `type` (kString / kUnspecified:
// always true; kDecimal: XML Schema decimal).
bool is_valid_value(ValueType type, std::string_view text);

// Validates UTF-8 (rejects overlongs, surrogates, > U+10FFFF). Fast on ASCII.
bool is_valid_utf8(std::string_view text);

}  // namespace cwmp
