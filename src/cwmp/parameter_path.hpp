// TR-069 parameter path names (CWMP-FACTS §7.1): validation, segments, and the
// relations the agent and the ACS need (parent, "is under", wildcard and schema
// matching). Everything works on std::string_view and does not allocate, except the
// functions that fill a caller's container.
//
// A full parameter name does not end in '.' ("Device.DeviceInfo.UpTime"); a partial
// path names an object and does ("Device.IP.Interface.3."). "" is valid and names
// the root (GetParameterNames / GetParameterValues).
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cwmp {

inline constexpr std::size_t kMaxPathLength = 256;  // [XSD] Name / ObjectName / ParameterPath
inline constexpr std::size_t kMaxAliasLength = 64;  // [DM dataType Alias]
inline constexpr std::string_view kSchemaInstance = "{i}";

enum class PathError : std::uint8_t {
  kNone,
  kTooLong,             // more than 256 characters
  kEmptySegment,        // leading '.', "..", or a lone "."
  kInvalidName,         // a segment that is neither a name, an instance, '*' nor an alias
  kInvalidInstance,     // 0, a leading zero, or above 4294967295
  kMisplacedInstance,   // an instance/alias/'*' first, after another one, or last in a
                        // full parameter name
  kWildcardNotAllowed,  // '*' while the rules forbid it
  kInvalidAlias,        // "[...]" empty, too long, not starting with a letter, bad char
  kAliasNotAllowed,     // "[...]" while the rules forbid it
  kNotFullName,         // a parameter name was required but the path ends in '.' or is ""
  kNotPartialPath,      // an object path was required but the path does not end in '.'
};
std::string_view to_string(PathError error) noexcept;
// The CPE fault for a path error: 9005 Invalid parameter name; 0 for kNone.
std::uint32_t fault_code(PathError error) noexcept;

enum class PathKind : std::uint8_t { kAny, kFullName, kPartialPath };

struct PathRules {
  // Instance wildcards '*': only in GPV/GPN/GPA and only if
  // ManagementServer.InstanceWildcardsSupported is true [DM].
  bool allow_wildcards = false;
  // Alias-Based Addressing "[alias]" (CWMP 1.3+, ManagementServer.AliasBasedAddressing).
  bool allow_aliases = true;
  PathKind kind = PathKind::kAny;
};

// Checks the syntax of `path`: length, then each segment, then the kind. Segments:
// - name: a letter or '_' first, then letters, digits, '_' or '-' (TR-106 names);
// - instance number: unsignedInt >= 1 without leading zeros;
// - '*' (instance wildcard);
// - "[alias]": 1..64 printable ASCII characters starting with a letter, without '.',
//   '[' or ']' (our restriction, so that '.' always separates segments).
// An instance, '*' or alias must directly follow a name (the table it indexes).
PathError validate_path(std::string_view path, PathRules rules = {}) noexcept;

enum class SegmentKind : std::uint8_t { kName, kInstance, kWildcard, kAlias, kInvalid };
// Classifies one segment (no dots); kInvalid also for "" and a bad instance number.
SegmentKind classify_segment(std::string_view segment) noexcept;
// "1".."4294967295" without leading zeros; nullopt otherwise.
std::optional<std::uint32_t> parse_instance_number(std::string_view segment) noexcept;
inline bool is_instance_number(std::string_view segment) noexcept {
  return parse_instance_number(segment).has_value();
}
// True for "" (the root) and any path ending in '.'.
inline bool is_partial_path(std::string_view path) noexcept {
  return path.empty() || path.back() == '.';
}

// The segments of a path, without copying: "Device.IP." gives "Device", "IP". Does
// not validate: "A..B" gives "A", "", "B". Usage: for (std::string_view s : PathSegments(p)).
class PathSegments {
 public:
  class Iterator {
   public:
    using iterator_concept = std::forward_iterator_tag;
    using iterator_category = std::input_iterator_tag;  // operator* returns a value
    using value_type = std::string_view;
    using difference_type = std::ptrdiff_t;
    using reference = std::string_view;

    Iterator() = default;
    std::string_view operator*() const noexcept { return path_.substr(begin_, end_ - begin_); }
    Iterator& operator++() noexcept;
    Iterator operator++(int) noexcept {
      Iterator previous = *this;
      ++*this;
      return previous;
    }
    friend bool operator==(const Iterator& a, const Iterator& b) noexcept {
      return a.begin_ == b.begin_;
    }

   private:
    friend class PathSegments;
    Iterator(std::string_view path, std::size_t begin) noexcept;

    std::string_view path_;
    std::size_t begin_ = std::string_view::npos;  // npos = end
    std::size_t end_ = std::string_view::npos;
  };

  explicit PathSegments(std::string_view path) noexcept : path_(path) {}
  Iterator begin() const noexcept { return Iterator(path_, 0); }
  Iterator end() const noexcept { return Iterator(); }

 private:
  std::string_view path_;
};

// Replaces the contents of `out` with the segments of `path` (views into `path`).
// Reusing one vector avoids heap churn.
void split_path(std::string_view path, std::vector<std::string_view>& out);
std::size_t segment_count(std::string_view path) noexcept;

// The object containing `path`: "Device.IP.Interface.3.Stats." -> "Device.IP.Interface.3.",
// "Device.IP.Interface.3." -> "Device.IP.Interface.", "Device.X" -> "Device.",
// "Device." -> "" (the root), "" -> "".
std::string_view parent_path(std::string_view path) noexcept;
// The last segment without its dot: "Device.IP.Interface.3." -> "3", "A.B" -> "B".
std::string_view last_segment(std::string_view path) noexcept;

// True if `path` is `prefix` or lies below it. `prefix` "" (the root) covers
// everything; a partial path covers its subtree ("Device.IP." covers "Device.IP.",
// "Device.IP.Interface.1.Name", not "Device.IPv6."); a full parameter name covers
// only itself. No wildcard handling (see matches_pattern).
bool is_under(std::string_view path, std::string_view prefix) noexcept;

// is_under() where a '*' segment of `pattern` stands for any instance number or
// alias of `path` ("Device.IP.Interface.*.Status" matches "Device.IP.Interface.2.Status").
bool matches_pattern(std::string_view path, std::string_view pattern) noexcept;

// The schema (data-model definition) form of `path`: every instance number, alias
// or '*' becomes "{i}": "Device.IP.Interface.3.Stats." -> "Device.IP.Interface.{i}.Stats.".
// The first overload replaces the contents of `out` (reuse it to avoid allocations).
void schema_path(std::string_view path, std::string& out);
std::string schema_path(std::string_view path);
// schema_path(path) == schema, without building the string.
bool matches_schema(std::string_view path, std::string_view schema) noexcept;

}  // namespace cwmp
