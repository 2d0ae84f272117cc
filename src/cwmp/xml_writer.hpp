// A small append-only XML writer for the encoder: no DOM, no per-element
// allocation. It escapes text for XML 1.0 and writes every character outside
// printable ASCII as a character reference (TR-069 §3.4.1 recommends it, and
// some agents mishandle raw UTF-8). Errors are sticky: the first one wins.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cwmp::detail {

class XmlWriter {
 public:
  XmlWriter(std::string& out, bool pretty) : out_(out), pretty_(pretty) {}

  // <name> / <name attrs> ; `attrs` is written verbatim (our own constants).
  void open(std::string_view name, std::string_view attrs = {});
  void close(std::string_view name);
  // <name/> for an element with no content.
  void empty(std::string_view name, std::string_view attrs = {});
  // <name attrs>escaped text</name>
  void text_element(std::string_view name, std::string_view text, std::string_view attrs = {});
  // Array wrapper: <name soap-enc:arrayType="item_type[count]">
  void open_array(std::string_view name, std::string_view item_type, std::size_t count);
  // Raw text inside the element opened last (already escaped or known safe).
  void raw(std::string_view text) { out_.append(text); }
  // Escaped text; fails on invalid UTF-8 or characters XML 1.0 cannot carry.
  void escaped(std::string_view text);

  void fail(std::string message);
  bool failed() const { return failed_; }
  const std::string& error() const { return error_; }

 private:
  void indent();

  std::string& out_;
  bool pretty_;
  bool failed_ = false;
  std::uint32_t depth_ = 0;
  std::string error_;
};

// Number of Unicode characters in valid UTF-8 (what XSD maxLength counts).
std::size_t utf8_length(std::string_view text);

}  // namespace cwmp::detail
