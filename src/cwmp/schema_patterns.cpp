#include "cwmp/schema_patterns.hpp"

namespace cwmp::detail {

namespace {

constexpr bool is_xml_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_upper_hex(char c) { return is_digit(c) || (c >= 'A' && c <= 'F'); }
constexpr bool is_hex(char c) { return is_upper_hex(c) || (c >= 'a' && c <= 'f'); }

// "( \S+)+" over the whole of `s`: one or more words, each preceded by exactly one space.
bool is_space_separated_words(std::string_view s) {
  if (s.empty()) return false;
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] != ' ') return false;
    ++i;
    const std::size_t word_start = i;
    while (i < s.size() && !is_xml_space(s[i])) ++i;
    if (i == word_start) return false;
  }
  return true;
}

// "[1-9]\d*( \S+)+"
bool is_numbered(std::string_view s) {
  if (s.empty() || s[0] < '1' || s[0] > '9') return false;
  std::size_t i = 1;
  while (i < s.size() && is_digit(s[i])) ++i;
  return is_space_separated_words(s.substr(i));
}

// "X \S+ .+" (covers "X [0-9A-F]{6} .+" too).
bool is_vendor(std::string_view s) {
  if (s.size() < 5 || s[0] != 'X' || s[1] != ' ') return false;
  std::size_t i = 2;
  while (i < s.size() && !is_xml_space(s[i])) ++i;
  if (i == 2 || i >= s.size() || s[i] != ' ') return false;
  ++i;
  if (i >= s.size()) return false;
  for (; i < s.size(); ++i) {
    if (s[i] == '\r' || s[i] == '\n') return false;
  }
  return true;
}

}  // namespace

bool is_valid_download_file_type(std::string_view s) { return is_numbered(s) || is_vendor(s); }

bool is_valid_upload_file_type(std::string_view s) { return is_numbered(s) || is_vendor(s); }

bool is_valid_du_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !is_hex(s[i])) return false;
  }
  return true;
}

bool is_valid_oui(std::string_view s) {
  if (s.size() != 6) return false;
  for (const char c : s) {
    if (!is_upper_hex(c)) return false;
  }
  return true;
}

}  // namespace cwmp::detail
