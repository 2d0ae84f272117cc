// parse_query: JSON -> typed AST, with bounds and precise errors.
#include <cmath>
#include <limits>
#include <regex>

#include <boost/json.hpp>

#include "acs/query.hpp"

namespace acs::query {
namespace {

namespace json = boost::json;

// Boost.JSON's own nesting limit, above what kMaxDepth levels of $and/$or need (each level is an
// object and an array), so that deep input is refused before it costs stack.
constexpr std::size_t kMaxJsonDepth = 4 * kMaxDepth + 8;

std::string child(const std::string& where, std::string_view key) {
  return where + "/" + json_pointer_token(key);
}

std::string child(const std::string& where, std::size_t index) {
  return where + "/" + std::to_string(index);
}

// Thrown inside the parser only, and turned into a QueryError at its boundary; recursion makes
// early exit with a result type noisy for no gain.
struct Failure {
  QueryError error;
};

[[noreturn]] void fail(std::string where, std::string message) {
  throw Failure{QueryError{std::move(where), std::move(message)}};
}

bool is_path_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

Field parse_field(std::string_view key, const std::string& where) {
  Field field;
  if (key.empty()) fail(where, "empty field name");
  if (key.front() == '_') {
    struct Known {
      std::string_view name;
      FieldKind kind;
      Column column;
    };
    static constexpr Known kKnown[] = {
        {"_id", FieldKind::kTextColumn, Column::kId},
        {"_deviceId._OUI", FieldKind::kTextColumn, Column::kOui},
        {"_deviceId._ProductClass", FieldKind::kTextColumn, Column::kProductClass},
        {"_deviceId._SerialNumber", FieldKind::kTextColumn, Column::kSerialNumber},
        {"_deviceId._Manufacturer", FieldKind::kTextColumn, Column::kManufacturer},
        {"_lastInform", FieldKind::kTimeColumn, Column::kLastInform},
        {"_lastBoot", FieldKind::kTimeColumn, Column::kLastBoot},
        {"_lastBootstrap", FieldKind::kTimeColumn, Column::kLastBootstrap},
        {"_registered", FieldKind::kTimeColumn, Column::kRegistered},
        {"_tags", FieldKind::kTags, Column::kId},
    };
    for (const Known& known : kKnown) {
      if (key == known.name) {
        field.kind = known.kind;
        field.column = known.column;
        return field;
      }
    }
    fail(where, "unknown field \"" + std::string(key) + "\"");
  }

  // A parameter path, optionally naming its value attribute as GenieACS allows.
  constexpr std::string_view kValueSuffix = "._value";
  if (key.ends_with(kValueSuffix)) key.remove_suffix(kValueSuffix.size());
  if (key.size() > kMaxPathLength) fail(where, "parameter path longer than 256 characters");
  std::size_t segment_start = 0;
  for (std::size_t i = 0; i <= key.size(); ++i) {
    if (i == key.size() || key[i] == '.') {
      const std::string_view segment = key.substr(segment_start, i - segment_start);
      if (segment.empty()) fail(where, "empty segment in parameter path");
      if (segment.front() == '_') {
        fail(where, "attribute \"" + std::string(segment) +
                        "\" is not supported in queries (only _value)");
      }
      segment_start = i + 1;
    } else if (!is_path_char(key[i])) {
      fail(where, "invalid character in parameter path");
    }
  }
  field.kind = FieldKind::kParameter;
  field.path = std::string(key);
  return field;
}

class Parser {
 public:
  Node parse_root(const json::value& value) {
    if (!value.is_object()) fail("", "a query must be a JSON object");
    return parse_object(value.get_object(), "", 0);
  }

 private:
  void count_node(const std::string& where) {
    if (++nodes_ > kMaxNodes) fail(where, "query has more than 256 conditions");
  }

  // An object: the AND of its keys.
  Node parse_object(const json::object& object, const std::string& where, std::size_t depth) {
    Node node;  // kAnd
    for (const auto& [key, value] : object) {
      const std::string at = child(where, key);
      if (key.starts_with("$")) {
        if (key == "$and" || key == "$or") {
          node.children.push_back(parse_logical(key == "$and" ? Node::Kind::kAnd : Node::Kind::kOr,
                                                value, at, depth + 1));
        } else {
          fail(at, "unsupported operator \"" + std::string(key) + "\" at the top of a query");
        }
      } else {
        parse_field_conditions(parse_field(key, at), value, at, node.children);
      }
    }
    // A single condition needs no AND around it; only an AND that stays counts as a node.
    if (node.children.size() == 1) {
      Node only = std::move(node.children.front());
      return only;
    }
    count_node(where);
    return node;
  }

  Node parse_logical(Node::Kind kind, const json::value& value, const std::string& where,
                     std::size_t depth) {
    if (depth > kMaxDepth) fail(where, "$and/$or nested more than 16 deep");
    if (!value.is_array()) fail(where, "expects an array of queries");
    const json::array& array = value.get_array();
    if (array.empty()) fail(where, "expects a non-empty array");
    Node node;
    node.kind = kind;
    count_node(where);
    for (std::size_t i = 0; i < array.size(); ++i) {
      const std::string at = child(where, i);
      if (!array[i].is_object()) fail(at, "expects a query object");
      node.children.push_back(parse_object(array[i].get_object(), at, depth));
    }
    return node;
  }

  void add_condition(Condition condition, const std::string& where, std::vector<Node>& out) {
    count_node(where);
    Node node;
    node.kind = Node::Kind::kCondition;
    node.condition = std::move(condition);
    out.push_back(std::move(node));
  }

  void parse_field_conditions(const Field& field, const json::value& value,
                              const std::string& where, std::vector<Node>& out) {
    if (value.is_object()) {
      const json::object& ops = value.get_object();
      bool any_operator = false;
      for (const auto& [key, operand] : ops) any_operator = any_operator || key.starts_with("$");
      if (!any_operator) {
        fail(where, "matching a whole object is not supported; use operators such as $eq");
      }
      for (const auto& [key, operand] : ops) {
        const std::string at = child(where, key);
        if (!key.starts_with("$")) fail(at, "cannot mix operators and field names");
        if (key == "$options") {
          if (!ops.contains("$regex")) fail(at, "$options without $regex");
          continue;  // read with $regex
        }
        parse_operator(field, key, operand, ops, at, out);
      }
      return;
    }
    parse_operator(field, "$eq", value, {}, where, out);
  }

  void parse_operator(const Field& field, std::string_view op_name, const json::value& operand,
                      const json::object& siblings, const std::string& where,
                      std::vector<Node>& out) {
    Condition condition;
    condition.field = field;
    if (op_name == "$eq" || op_name == "$ne") {
      condition.op = op_name == "$eq" ? Op::kEq : Op::kNe;
      if (operand.is_null()) {
        // MongoDB: {f: null} matches a missing field; {f: {$ne: null}} a present one.
        condition.op = Op::kExists;
        condition.exists = op_name == "$ne";
      } else {
        condition.operands.push_back(parse_operand(field, condition.op, operand, where));
      }
    } else if (op_name == "$gt" || op_name == "$gte" || op_name == "$lt" || op_name == "$lte") {
      condition.op = op_name == "$gt"    ? Op::kGt
                     : op_name == "$gte" ? Op::kGte
                     : op_name == "$lt"  ? Op::kLt
                                         : Op::kLte;
      if (field.kind == FieldKind::kTags) fail(where, "_tags supports no ordering comparison");
      if (operand.is_bool()) fail(where, "cannot order by a boolean");
      condition.operands.push_back(parse_operand(field, condition.op, operand, where));
    } else if (op_name == "$in" || op_name == "$nin") {
      condition.op = op_name == "$in" ? Op::kIn : Op::kNin;
      if (!operand.is_array()) fail(where, "expects an array");
      const json::array& list = operand.get_array();
      if (list.size() > kMaxInValues) fail(where, "list has more than 1000 values");
      for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string at = child(where, i);
        if (list[i].is_null()) fail(at, "null is not supported in $in/$nin; use $exists");
        condition.operands.push_back(parse_operand(field, condition.op, list[i], at));
      }
    } else if (op_name == "$regex") {
      condition.op = Op::kRegex;
      if (field.kind == FieldKind::kTimeColumn) fail(where, "$regex does not apply to a time");
      if (!operand.is_string()) fail(where, "expects a string pattern");
      condition.pattern = std::string(operand.get_string());
      if (condition.pattern.size() > kMaxRegexLength) {
        fail(where, "pattern longer than 1024 characters");
      }
      if (const json::value* options = siblings.if_contains("$options")) {
        const std::string at = where.substr(0, where.rfind('/')) + "/$options";
        if (!options->is_string()) fail(at, "expects a string of flags");
        for (char flag : options->get_string()) {
          if (flag != 'i') fail(at, std::string("unsupported flag '") + flag + "' (only i)");
          condition.case_insensitive = true;
        }
      }
      try {
        auto flags = std::regex::ECMAScript;
        if (condition.case_insensitive) flags |= std::regex::icase;
        std::regex check(condition.pattern, flags);
      } catch (const std::regex_error&) {
        fail(where, "invalid regular expression");
      }
    } else if (op_name == "$exists") {
      condition.op = Op::kExists;
      if (!operand.is_bool()) fail(where, "expects true or false");
      condition.exists = operand.get_bool();
    } else {
      fail(where, "unsupported operator \"" + std::string(op_name) + "\"");
    }
    add_condition(std::move(condition), where, out);
  }

  static Scalar parse_operand(const Field& field, Op op, const json::value& value,
                              const std::string& where) {
    switch (field.kind) {
      case FieldKind::kTextColumn:
      case FieldKind::kTags:
        if (!value.is_string()) fail(where, "expects a string");
        return std::string(value.get_string());
      case FieldKind::kTimeColumn:
        return parse_time_operand(value, where);
      case FieldKind::kParameter:
        break;
    }
    if (value.is_string()) return std::string(value.get_string());
    if (value.is_bool()) {
      if (op != Op::kEq && op != Op::kNe && op != Op::kIn && op != Op::kNin) {
        fail(where, "cannot order by a boolean");
      }
      return value.get_bool();
    }
    if (value.is_number()) {
      const double number = value.to_number<double>();
      if (!std::isfinite(number)) fail(where, "number out of range");
      return number;
    }
    fail(where, "expects a string, number or boolean");
  }

  static Scalar parse_time_operand(const json::value& value, const std::string& where) {
    if (value.is_int64()) return value.get_int64();
    if (value.is_uint64()) {
      if (value.get_uint64() >
          static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        fail(where, "time out of range");
      }
      return static_cast<std::int64_t>(value.get_uint64());
    }
    if (value.is_double()) {
      const double d = value.get_double();
      // Whole milliseconds, within the range where a double is exact.
      if (!std::isfinite(d) || std::trunc(d) != d || std::fabs(d) > 9007199254740992.0) {
        fail(where, "a time in ms must be a whole number");
      }
      return static_cast<std::int64_t>(d);
    }
    if (value.is_string()) {
      if (auto ms = parse_time_ms(value.get_string())) return *ms;
      fail(where, "not a date: expected e.g. \"2017-12-11T13:16:23Z\" or ms since the epoch");
    }
    fail(where, "expects a date string or a number of ms since the epoch");
  }

  std::size_t nodes_ = 0;
};

}  // namespace

std::string json_pointer_token(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

ParseResult parse_query(const boost::json::value& json) {
  try {
    Parser parser;
    return Query{parser.parse_root(json)};
  } catch (const Failure& failure) {
    return failure.error;
  }
}

ParseResult parse_query(std::string_view json_text) {
  boost::json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(json_text, ec, {}, options);
  if (ec) return QueryError{"", "invalid JSON: " + ec.message()};
  return parse_query(value);
}

}  // namespace acs::query
