// JSON text in and out for cwmpctl: a pretty printer (Boost.JSON 1.81 only
// writes compact text) and a parser that reports where a syntax error is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace cwmpctl {

// Two-space indentation, one member or element per line, members in insertion
// order, a final newline. `pretty = false` gives compact text (plus the newline).
std::string format_json(const boost::json::value& value, bool pretty = true);

struct JsonSyntaxError {
  std::uint32_t line = 0;    // 1-based
  std::uint32_t column = 0;  // 1-based, in bytes
  std::string message;
};

// Parses exactly one JSON document. Comments and trailing commas are accepted
// because the input is usually edited by hand. Duplicate keys: the last wins
// (Boost.JSON's behaviour).
std::optional<boost::json::value> parse_json(std::string_view text, JsonSyntaxError& error);

}  // namespace cwmpctl
