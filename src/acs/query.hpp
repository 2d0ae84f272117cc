// The NBI query language: GenieACS's MongoDB-style JSON filter over devices
// (GenieACS docs/api-reference.rst, lib/query.ts), parsed into a typed AST that is
//  - compiled to a parameterised SQL WHERE clause by to_sql_where() for the store, and
//  - evaluated against a device document in GenieACS's JSON shape by matches(),
// with the same meaning in both, so a store can be tested against the evaluator and presets
// can reuse the evaluator. docs/nbi-query.md is the user-facing description.
//
// Fields:
//   "_id"                                    device id            devices.id
//   "_deviceId._OUI" / "._ProductClass" /
//     "._SerialNumber" / "._Manufacturer"    DeviceId fields      devices.oui ...
//   "_lastInform" "_lastBoot" "_lastBootstrap" "_registered"
//                                            times (ms since the epoch; the query may give a number
//                                            of ms or a date string)   devices.last_inform ...
//   "_tags"                                  tag set              device_tags
//   anything else: a parameter path, "X.Y.Z" or "X.Y.Z._value"     device_params
// Operators: a bare value (equality), $eq $ne $gt $gte $lt $lte $in $nin $regex (+ $options "i")
// $exists, $and, $or; several keys in one object (or several operators on one field) are ANDed.
//
// Parameter comparisons follow GenieACS's expansion of query values (lib/query.ts normalize):
//   - a string compares as text with non-numeric parameters and, when it spells a number, also
//     numerically with numeric ones (xsd:int, unsignedInt, long, unsignedLong, double);
//   - a number compares numerically with numeric parameters only;
//   - a boolean matches xsd:boolean parameters whose value is true/1 or false/0.
// $ne and $nin match devices that lack the field (MongoDB semantics); a parameter "exists" when
// it has a value (GenieACS tests "<path>._value"), so objects never match.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/json/fwd.hpp>

#include "cwmp/result.hpp"

namespace acs::query {

// Defensive limits (a query comes from the network).
inline constexpr std::size_t kMaxDepth = 16;          // nesting of $and/$or
inline constexpr std::size_t kMaxNodes = 256;         // conditions plus $and/$or nodes
inline constexpr std::size_t kMaxInValues = 1000;     // entries of one $in/$nin list
inline constexpr std::size_t kMaxRegexLength = 1024;  // characters of one $regex pattern
inline constexpr std::size_t kMaxPathLength = 256;    // TR-069 parameter names are string(256)

// The devices columns a field can map to.
enum class Column : std::uint8_t {
  kId,
  kOui,
  kProductClass,
  kSerialNumber,
  kManufacturer,
  kLastInform,
  kLastBoot,
  kLastBootstrap,
  kRegistered,
};
std::string_view column_name(Column column);  // the SQL column, e.g. "last_inform"

enum class FieldKind : std::uint8_t {
  kTextColumn,  // _id, _deviceId._*
  kTimeColumn,  // _lastInform, _lastBoot, _lastBootstrap, _registered
  kTags,        // _tags
  kParameter,   // a data-model parameter
};

struct Field {
  FieldKind kind = FieldKind::kParameter;
  Column column = Column::kId;  // kTextColumn and kTimeColumn only
  std::string path;             // kParameter: the parameter path without "._value"
  friend bool operator==(const Field&, const Field&) = default;
};

enum class Op : std::uint8_t { kEq, kNe, kGt, kGte, kLt, kLte, kIn, kNin, kRegex, kExists };
std::string_view to_string(Op op);  // "$eq", ...

// One operand. Numbers are doubles, except on time columns, whose operands are always
// std::int64_t milliseconds since the epoch (date strings are converted when parsing).
using Scalar = std::variant<bool, std::int64_t, double, std::string>;

struct Condition {
  Field field;
  Op op = Op::kEq;
  // One operand for kEq..kLte, the list for kIn/kNin, none for kRegex/kExists. A null operand
  // never appears: {f: null} and {$eq: null} parse as $exists false, {$ne: null} as $exists true.
  std::vector<Scalar> operands;
  std::string pattern;            // kRegex: ECMAScript syntax, searched (not anchored)
  bool case_insensitive = false;  // kRegex with $options "i"
  bool exists = true;             // kExists
  friend bool operator==(const Condition&, const Condition&) = default;
};

struct Node {
  enum class Kind : std::uint8_t { kAnd, kOr, kCondition };
  Kind kind = Kind::kAnd;  // an empty kAnd matches every device
  std::vector<Node> children;
  Condition condition;  // kCondition only
  friend bool operator==(const Node&, const Node&) = default;
};

struct Query {
  Node root;
};

struct QueryError {
  std::string where;  // JSON Pointer (RFC 6901) to the offending part, "" for the whole query
  std::string message;
  std::string to_string() const;  // "<where>: <message>"
};

using ParseResult = cwmp::Result<Query, QueryError>;

// One reference token of a JSON Pointer (RFC 6901 §3): "~" -> "~0", "/" -> "~1". For error
// locations in the JSON documents the ACS reads (queries, presets).
std::string json_pointer_token(std::string_view key);

// Parses a query given as JSON. The text form also reports invalid JSON as a QueryError.
ParseResult parse_query(const boost::json::value& json);
ParseResult parse_query(std::string_view json_text);

// ---- SQL ------------------------------------------------------------------------------------
//
// The schema assumed (the store creates it):
//   devices(id TEXT PRIMARY KEY, oui, product_class, serial_number, manufacturer,
//           last_inform INTEGER, last_boot INTEGER, last_bootstrap INTEGER, registered INTEGER)
//           -- times in ms since the epoch, NULL when unknown
//   device_params(device_id, path TEXT, value TEXT, type TEXT NOT NULL, ...)
//           -- one row per path; value NULL for objects; numeric values stored canonically
//   device_tags(device_id, tag)
// The clause refers to the outer table as "devices", so use it in
//   SELECT ... FROM devices WHERE <text>
// Subqueries use the aliases p and t.
//
// Dialects differ in three places:
//  - placeholders: "?" for SQLite, "$1", "$2", ... for PostgreSQL;
//  - $regex: SQLite has no regex engine. The clause uses "value REGEXP ?" and the store must
//    register a regexp(pattern, value) function (sqlite3_create_function) that searches with
//    ECMAScript syntax, and is case-insensitive when the bound pattern starts with "(?i)"
//    (split_regex_flags() undoes that prefix; "(?i)" is not valid ECMAScript, so it is never part
//    of a real pattern). PostgreSQL uses its own operators "~" and "~*" (POSIX ARE syntax, which
//    agrees with ECMAScript on common patterns but not on every corner);
//  - text order: SQLite compares BINARY (bytewise, like the evaluator); PostgreSQL comparisons get
//    COLLATE "C" for the same order.
// Numeric comparisons use CASE WHEN <numeric type> THEN CAST(value AS DOUBLE PRECISION) END,
// valid in both dialects and never casting a non-numeric value (PostgreSQL would raise).

enum class SqlDialect : std::uint8_t { kSqlite, kPostgres };

using SqlValue = std::variant<std::int64_t, double, std::string>;

struct SqlWhere {
  std::string text;                // never empty; "1 = 1" for the empty query
  std::vector<SqlValue> bindings;  // in placeholder order
};

SqlWhere to_sql_where(const Query& query, SqlDialect dialect);

// A pattern bound for SQLite's REGEXP: the ECMAScript pattern and whether it is case-insensitive.
struct RegexSpec {
  std::string_view pattern;
  bool case_insensitive = false;
};
RegexSpec split_regex_flags(std::string_view bound_pattern);

// ---- Evaluation -------------------------------------------------------------------------------

// Whether a device document in GenieACS's NBI shape matches:
//   {"_id": "...", "_deviceId": {"_OUI": "...", ...}, "_lastInform": "2017-12-11T13:16:23.000Z"
//    (or ms), "_tags": ["a"], "InternetGatewayDevice": {"DeviceInfo": {"SoftwareVersion":
//    {"_value": "1.0", "_type": "xsd:string"}}}}
// A parameter's "_type" defaults from its JSON value (number: xsd:int or xsd:double, boolean:
// xsd:boolean, string: xsd:string).
bool matches(const Query& query, const boost::json::object& device);

// ---- Helpers shared with the NBI and the store ---------------------------------------------

// Milliseconds since the epoch of "YYYY-MM-DD", or "YYYY-MM-DD[T| ]HH:MM[:SS[.fff]]" with an
// optional zone "Z", "+HH:MM", "+HHMM" or "+HH" (possibly after one space, as in GenieACS's
// example "2017-12-11 13:16:23 +0000"); no zone means UTC.
std::optional<std::int64_t> parse_time_ms(std::string_view text);

// The numeric reading of a text value as the query language uses it (finite decimal or
// exponent notation, no spaces, no '+', no hex); nullopt otherwise.
std::optional<double> parse_number(std::string_view text);

// Whether a parameter type takes part in numeric comparisons.
bool is_numeric_type(std::string_view type);

}  // namespace acs::query
