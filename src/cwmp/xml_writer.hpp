// A small append-only XML writer for the encoder: no DOM, no per-element
// allocation. It escapes text for XML 1.0 and writes every character outside
// printable ASCII as a character reference (TR-069 §3.4.1 recommends it, and
// some agents mishandle raw UTF-8). Errors are sticky: the first one wins.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace cwmp::detail {

// Output goes to `out` through a cursor: the string is grown in large steps and
// written with memcpy, so each element costs one capacity check rather than one
// per piece. Call finish() once done (it trims `out` to what was written).
class XmlWriter {
 public:
  XmlWriter(std::string& out, bool pretty) : out_(out), pos_(out.size()), pretty_(pretty) {}
  void finish() { out_.resize(pos_); }

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
  void raw(std::string_view text) { put(text); }
  // Escaped text; fails on invalid UTF-8 or characters XML 1.0 cannot carry.
  void escaped(std::string_view text);

  void fail(std::string message);
  bool failed() const { return failed_; }
  const std::string& error() const { return error_; }

 private:
  void indent();
  char* room(std::size_t n) {
    if (out_.size() - pos_ < n) grow(n);
    return out_.data() + pos_;
  }
  void grow(std::size_t n);
  void put(std::string_view s) {
    std::memcpy(room(s.size()), s.data(), s.size());
    pos_ += s.size();
  }
  void put(char c) {
    *room(1) = c;
    ++pos_;
  }
  // <name attrs> (or <name attrs/> when self_closing)
  void start_tag(std::string_view name, std::string_view attrs, bool self_closing);

  std::string& out_;
  std::size_t pos_;
  bool pretty_;
  bool failed_ = false;
  std::uint32_t depth_ = 0;
  std::string error_;
};

// Number of Unicode characters in valid UTF-8 (what XSD maxLength counts).
std::size_t utf8_length(std::string_view text);

}  // namespace cwmp::detail
