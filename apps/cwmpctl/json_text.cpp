#include "cwmpctl/json_text.hpp"

#include <algorithm>

#include <boost/json/parse_options.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/stream_parser.hpp>

namespace cwmpctl {
namespace {

namespace json = boost::json;

void indent(std::string& out, int depth) {
  out.append(std::size_t(depth) * 2, ' ');
}

void append_pretty(std::string& out, const json::value& value, int depth) {
  if (value.is_object() && !value.get_object().empty()) {
    out += "{\n";
    bool first = true;
    for (const auto& member : value.get_object()) {
      if (!first) out += ",\n";
      first = false;
      indent(out, depth + 1);
      out += json::serialize(json::string_view(member.key()));
      out += ": ";
      append_pretty(out, member.value(), depth + 1);
    }
    out += '\n';
    indent(out, depth);
    out += '}';
  } else if (value.is_array() && !value.get_array().empty()) {
    out += "[\n";
    bool first = true;
    for (const auto& element : value.get_array()) {
      if (!first) out += ",\n";
      first = false;
      indent(out, depth + 1);
      append_pretty(out, element, depth + 1);
    }
    out += '\n';
    indent(out, depth);
    out += ']';
  } else {
    out += json::serialize(value);  // scalars, {} and []
  }
}

}  // namespace

std::string format_json(const json::value& value, bool pretty) {
  std::string out;
  if (pretty) {
    append_pretty(out, value, 0);
  } else {
    out = json::serialize(value);
  }
  out += '\n';
  return out;
}

std::optional<json::value> parse_json(std::string_view text, JsonSyntaxError& error) {
  json::parse_options options;
  options.allow_comments = true;
  options.allow_trailing_commas = true;
  json::stream_parser parser({}, options);
  boost::system::error_code ec;
  // On error `consumed` is the offset where parsing stopped: the start of the
  // offending token, or the end of the input when it is incomplete.
  const std::size_t consumed = parser.write(text.data(), text.size(), ec);
  if (!ec) parser.finish(ec);
  if (!ec) return parser.release();

  const std::string_view before = text.substr(0, std::min(consumed, text.size()));
  const std::size_t last_newline = before.rfind('\n');
  error.line = std::uint32_t(std::count(before.begin(), before.end(), '\n') + 1);
  error.column = std::uint32_t(
      (last_newline == std::string_view::npos ? before.size() : before.size() - last_newline - 1) +
      1);
  error.message = "invalid JSON: " + ec.message();
  return std::nullopt;
}

}  // namespace cwmpctl
