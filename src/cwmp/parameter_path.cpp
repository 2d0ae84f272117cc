// TR-069 parameter path names: see parameter_path.hpp.
#include "cwmp/parameter_path.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cwmp/faults.hpp"

namespace cwmp {

namespace {

constexpr bool is_letter(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
constexpr bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// TR-106 object and parameter names: a letter or '_' first, then letters, digits,
// '_' or '-'. Vendor extensions ("X_ACME-COM_Foo") fit.
bool is_valid_name(std::string_view segment) {
  if (segment.empty() || !(is_letter(segment.front()) || segment.front() == '_')) return false;
  return std::all_of(segment.begin() + 1, segment.end(),
                     [](char c) { return is_letter(c) || is_digit(c) || c == '_' || c == '-'; });
}

// "[alias]": the Alias rules of the DM (non-empty, at most 64, starts with a
// letter) plus printable ASCII without '.', '[' or ']' (see the header).
bool is_valid_alias(std::string_view segment) {
  if (segment.size() < 3 || segment.front() != '[' || segment.back() != ']') return false;
  const std::string_view alias = segment.substr(1, segment.size() - 2);
  if (alias.size() > kMaxAliasLength || !is_letter(alias.front())) return false;
  return std::all_of(alias.begin(), alias.end(), [](char c) {
    return c >= 0x21 && c <= 0x7E && c != '.' && c != '[' && c != ']';
  });
}

bool is_instance_like(SegmentKind kind) {
  return kind == SegmentKind::kInstance || kind == SegmentKind::kAlias ||
         kind == SegmentKind::kWildcard;
}

// Validates one segment against `rules`; sets `kind` when the result is kNone.
PathError check_segment(std::string_view segment, const PathRules& rules, SegmentKind& kind) {
  if (segment.empty()) return PathError::kEmptySegment;
  if (is_digit(segment.front())) {
    if (!std::all_of(segment.begin(), segment.end(), is_digit)) return PathError::kInvalidName;
    if (!parse_instance_number(segment)) return PathError::kInvalidInstance;
    kind = SegmentKind::kInstance;
    return PathError::kNone;
  }
  if (segment == "*") {
    if (!rules.allow_wildcards) return PathError::kWildcardNotAllowed;
    kind = SegmentKind::kWildcard;
    return PathError::kNone;
  }
  if (segment.front() == '[') {
    if (!rules.allow_aliases) return PathError::kAliasNotAllowed;
    if (!is_valid_alias(segment)) return PathError::kInvalidAlias;
    kind = SegmentKind::kAlias;
    return PathError::kNone;
  }
  if (!is_valid_name(segment)) return PathError::kInvalidName;
  kind = SegmentKind::kName;
  return PathError::kNone;
}

// Walks `path` and `pattern` segment by segment; `same` decides whether a pattern
// segment accepts a path segment. `subtree`: a partial `pattern` also accepts
// anything below it (is_under semantics); otherwise the two must have the same
// length and kind.
template <typename Same>
bool walk_match(std::string_view path, std::string_view pattern, bool subtree, Same same) {
  if (subtree && pattern.empty()) return true;
  const PathSegments path_segments(path);
  auto it = path_segments.begin();
  for (const std::string_view wanted : PathSegments(pattern)) {
    if (it == path_segments.end() || !same(*it, wanted)) return false;
    ++it;
  }
  if (it == path_segments.end()) return is_partial_path(path) == is_partial_path(pattern);
  // `path` is longer: below `pattern` only if `pattern` is an object path.
  return subtree && !pattern.empty() && pattern.back() == '.';
}

}  // namespace

std::string_view to_string(PathError error) noexcept {
  switch (error) {
    case PathError::kNone:
      return "ok";
    case PathError::kTooLong:
      return "path longer than 256 characters";
    case PathError::kEmptySegment:
      return "empty path segment";
    case PathError::kInvalidName:
      return "invalid name segment";
    case PathError::kInvalidInstance:
      return "invalid instance number";
    case PathError::kMisplacedInstance:
      return "instance, alias or wildcard not directly after a name";
    case PathError::kWildcardNotAllowed:
      return "instance wildcard not allowed";
    case PathError::kInvalidAlias:
      return "invalid alias segment";
    case PathError::kAliasNotAllowed:
      return "alias-based addressing not allowed";
    case PathError::kNotFullName:
      return "not a full parameter name";
    case PathError::kNotPartialPath:
      return "not a partial path (must end in '.')";
  }
  return "unknown path error";
}

std::uint32_t fault_code(PathError error) noexcept {
  return error == PathError::kNone ? 0 : fault::kInvalidParameterName;
}

std::optional<std::uint32_t> parse_instance_number(std::string_view segment) noexcept {
  // 4294967295 has 10 digits; no leading zero, so no "0" either.
  if (segment.empty() || segment.size() > 10 || segment.front() == '0') return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : segment) {
    if (!is_digit(c)) return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value > UINT32_MAX) return std::nullopt;
  return static_cast<std::uint32_t>(value);
}

SegmentKind classify_segment(std::string_view segment) noexcept {
  const PathRules everything{.allow_wildcards = true, .allow_aliases = true};
  SegmentKind kind = SegmentKind::kInvalid;
  if (check_segment(segment, everything, kind) != PathError::kNone) return SegmentKind::kInvalid;
  return kind;
}

PathError validate_path(std::string_view path, PathRules rules) noexcept {
  if (path.size() > kMaxPathLength) return PathError::kTooLong;
  if (path.empty()) {
    return rules.kind == PathKind::kFullName ? PathError::kNotFullName : PathError::kNone;
  }
  bool first = true;
  SegmentKind previous = SegmentKind::kInvalid;
  for (const std::string_view segment : PathSegments(path)) {
    SegmentKind kind = SegmentKind::kInvalid;
    if (const PathError error = check_segment(segment, rules, kind); error != PathError::kNone) {
      return error;
    }
    // An instance selects a row of the table named just before it.
    if (is_instance_like(kind) && (first || previous != SegmentKind::kName)) {
      return PathError::kMisplacedInstance;
    }
    first = false;
    previous = kind;
  }
  const bool partial = is_partial_path(path);
  // A parameter is always named: "Device.IP.Interface.1" is an object without its dot.
  if (!partial && previous != SegmentKind::kName) return PathError::kMisplacedInstance;
  if (rules.kind == PathKind::kFullName && partial) return PathError::kNotFullName;
  if (rules.kind == PathKind::kPartialPath && !partial) return PathError::kNotPartialPath;
  return PathError::kNone;
}

PathSegments::Iterator::Iterator(std::string_view path, std::size_t begin) noexcept : path_(path) {
  if (begin >= path.size()) return;  // stays the end iterator
  begin_ = begin;
  end_ = std::min(path.find('.', begin), path.size());
}

PathSegments::Iterator& PathSegments::Iterator::operator++() noexcept {
  *this = Iterator(path_, end_ + 1);
  return *this;
}

void split_path(std::string_view path, std::vector<std::string_view>& out) {
  out.clear();
  for (const std::string_view segment : PathSegments(path)) out.push_back(segment);
}

std::size_t segment_count(std::string_view path) noexcept {
  const PathSegments segments(path);
  return static_cast<std::size_t>(std::distance(segments.begin(), segments.end()));
}

std::string_view parent_path(std::string_view path) noexcept {
  if (path.empty()) return path;
  const std::string_view body = path.back() == '.' ? path.substr(0, path.size() - 1) : path;
  const std::size_t dot = body.rfind('.');
  return dot == std::string_view::npos ? std::string_view() : path.substr(0, dot + 1);
}

std::string_view last_segment(std::string_view path) noexcept {
  if (path.empty()) return path;
  const std::string_view body = path.back() == '.' ? path.substr(0, path.size() - 1) : path;
  const std::size_t dot = body.rfind('.');
  return dot == std::string_view::npos ? body : body.substr(dot + 1);
}

bool is_under(std::string_view path, std::string_view prefix) noexcept {
  if (is_partial_path(prefix)) return path.starts_with(prefix);
  return path == prefix;
}

bool matches_pattern(std::string_view path, std::string_view pattern) noexcept {
  return walk_match(path, pattern, true, [](std::string_view segment, std::string_view wanted) {
    return segment == wanted || (wanted == "*" && is_instance_like(classify_segment(segment)));
  });
}

void schema_path(std::string_view path, std::string& out) {
  out.clear();
  bool first = true;
  for (const std::string_view segment : PathSegments(path)) {
    if (!first) out += '.';
    first = false;
    out += is_instance_like(classify_segment(segment)) ? kSchemaInstance : segment;
  }
  if (!path.empty() && path.back() == '.') out += '.';
}

std::string schema_path(std::string_view path) {
  std::string out;
  out.reserve(path.size() + 8);
  schema_path(path, out);
  return out;
}

bool matches_schema(std::string_view path, std::string_view schema) noexcept {
  return walk_match(path, schema, false, [](std::string_view segment, std::string_view wanted) {
    return segment == wanted ||
           (wanted == kSchemaInstance && is_instance_like(classify_segment(segment)));
  });
}

}  // namespace cwmp
