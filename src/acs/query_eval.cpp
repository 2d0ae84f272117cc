// matches: evaluates the AST against a device document in GenieACS's JSON shape, with the meaning
// to_sql_where gives it (query.hpp).
#include <array>
#include <charconv>
#include <regex>

#include <boost/json.hpp>

#include "acs/query.hpp"

namespace acs::query {
namespace {

namespace json = boost::json;

template <typename T>
bool compare(Op op, const T& left, const T& right) {
  switch (op) {
    case Op::kGt:
      return left > right;
    case Op::kGte:
      return left >= right;
    case Op::kLt:
      return left < right;
    case Op::kLte:
      return left <= right;
    default:
      return left == right;
  }
}

bool regex_search(const Condition& c, std::string_view text) {
  auto flags = std::regex::ECMAScript;
  if (c.case_insensitive) flags |= std::regex::icase;
  // The parser validated the pattern, so this does not throw.
  const std::regex re(c.pattern, flags);
  return std::regex_search(text.begin(), text.end(), re);
}

// A parameter's value as the store keeps it: text plus type.
struct ParamValue {
  std::string text;
  std::string type;
};

std::string number_text(const json::value& v) {
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  std::array<char, 32> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), v.get_double());
  return std::string(buffer.data(), result.ptr);
}

std::optional<ParamValue> find_parameter(const json::object& device, std::string_view path) {
  const json::object* node = &device;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = path.find('.', start);
    const std::string_view segment = path.substr(start, dot == path.npos ? path.npos : dot - start);
    const json::value* next = node->if_contains(segment);
    if (next == nullptr || !next->is_object()) return std::nullopt;
    node = &next->get_object();
    if (dot == path.npos) break;
    start = dot + 1;
  }
  const json::value* value = node->if_contains("_value");
  if (value == nullptr || value->is_null()) return std::nullopt;
  ParamValue out;
  if (value->is_string()) {
    out.text = std::string(value->get_string());
    out.type = "xsd:string";
  } else if (value->is_bool()) {
    out.text = value->get_bool() ? "true" : "false";
    out.type = "xsd:boolean";
  } else if (value->is_number()) {
    out.text = number_text(*value);
    out.type = value->is_double() ? "xsd:double" : "xsd:int";
  } else {
    return std::nullopt;
  }
  if (const json::value* type = node->if_contains("_type"); type && type->is_string()) {
    out.type = std::string(type->get_string());
  }
  return out;
}

// One operand against one present parameter, following GenieACS's expansion (query.hpp).
bool parameter_compare(Op op, const ParamValue& p, const Scalar& operand) {
  const bool numeric = is_numeric_type(p.type);
  if (const auto* b = std::get_if<bool>(&operand)) {
    if (p.type != "xsd:boolean") return false;
    return *b ? (p.text == "true" || p.text == "1") : (p.text == "false" || p.text == "0");
  }
  const auto numeric_compare = [&](double right) {
    if (!numeric) return false;
    const auto left = parse_number(p.text);
    return left && compare(op, *left, right);
  };
  if (const auto* d = std::get_if<double>(&operand)) return numeric_compare(*d);
  const std::string& s = std::get<std::string>(operand);
  if (!numeric && compare(op, std::string_view(p.text), std::string_view(s))) return true;
  const auto number = parse_number(s);
  return number && numeric_compare(*number);
}

bool parameter_condition(const Condition& c, const json::object& device) {
  const auto p = find_parameter(device, c.field.path);
  switch (c.op) {
    case Op::kEq:
    case Op::kGt:
    case Op::kGte:
    case Op::kLt:
    case Op::kLte:
      return p && parameter_compare(c.op, *p, c.operands.front());
    case Op::kNe:
      return !p || !parameter_compare(Op::kEq, *p, c.operands.front());
    case Op::kIn:
    case Op::kNin: {
      bool any = false;
      for (const Scalar& operand : c.operands) {
        any = any || (p && parameter_compare(Op::kEq, *p, operand));
      }
      return c.op == Op::kIn ? any : !any;
    }
    case Op::kRegex:
      return p && regex_search(c, p->text);
    case Op::kExists:
      return p.has_value() == c.exists;
  }
  return false;
}

bool tags_condition(const Condition& c, const json::object& device) {
  std::vector<std::string_view> tags;
  if (const json::value* v = device.if_contains("_tags"); v && v->is_array()) {
    for (const json::value& tag : v->get_array()) {
      if (tag.is_string()) tags.push_back(tag.get_string());
    }
  }
  const auto has = [&](const Scalar& operand) {
    const std::string& wanted = std::get<std::string>(operand);
    for (std::string_view tag : tags) {
      if (tag == wanted) return true;
    }
    return false;
  };
  switch (c.op) {
    case Op::kEq:
      return has(c.operands.front());
    case Op::kNe:
      return !has(c.operands.front());
    case Op::kIn:
    case Op::kNin: {
      bool any = false;
      for (const Scalar& operand : c.operands) any = any || has(operand);
      return c.op == Op::kIn ? any : !any;
    }
    case Op::kRegex:
      for (std::string_view tag : tags) {
        if (regex_search(c, tag)) return true;
      }
      return false;
    case Op::kExists:
      return !tags.empty() == c.exists;
    default:
      return false;
  }
}

// The value of a devices column in the document, as the operand type of its field kind.
std::optional<Scalar> column_value(Column column, const json::object& device) {
  const json::value* v = nullptr;
  std::string_view key;
  switch (column) {
    case Column::kId:
      v = device.if_contains("_id");
      break;
    case Column::kOui:
      key = "_OUI";
      break;
    case Column::kProductClass:
      key = "_ProductClass";
      break;
    case Column::kSerialNumber:
      key = "_SerialNumber";
      break;
    case Column::kManufacturer:
      key = "_Manufacturer";
      break;
    case Column::kLastInform:
      v = device.if_contains("_lastInform");
      break;
    case Column::kLastBoot:
      v = device.if_contains("_lastBoot");
      break;
    case Column::kLastBootstrap:
      v = device.if_contains("_lastBootstrap");
      break;
    case Column::kRegistered:
      v = device.if_contains("_registered");
      break;
  }
  if (!key.empty()) {
    const json::value* id = device.if_contains("_deviceId");
    if (id != nullptr && id->is_object()) v = id->get_object().if_contains(key);
  }
  if (v == nullptr) return std::nullopt;
  const bool is_time = column == Column::kLastInform || column == Column::kLastBoot ||
                       column == Column::kLastBootstrap || column == Column::kRegistered;
  if (is_time) {
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
    if (v->is_double()) return static_cast<std::int64_t>(v->get_double());
    if (v->is_string()) {
      if (auto ms = parse_time_ms(v->get_string())) return *ms;
    }
    return std::nullopt;
  }
  if (v->is_string()) return std::string(v->get_string());
  return std::nullopt;
}

bool column_condition(const Condition& c, const json::object& device) {
  const auto value = column_value(c.field.column, device);
  switch (c.op) {
    case Op::kEq:
    case Op::kGt:
    case Op::kGte:
    case Op::kLt:
    case Op::kLte:
      // Operands have the column's type (the parser ensures it), so variant order is exact.
      return value && value->index() == c.operands.front().index() &&
             compare(c.op, *value, c.operands.front());
    case Op::kNe:
      return !value || *value != c.operands.front();
    case Op::kIn:
    case Op::kNin: {
      bool any = false;
      for (const Scalar& operand : c.operands) any = any || (value && *value == operand);
      return c.op == Op::kIn ? any : !any;
    }
    case Op::kRegex: {
      const auto* text = value ? std::get_if<std::string>(&*value) : nullptr;
      return text != nullptr && regex_search(c, *text);
    }
    case Op::kExists:
      return value.has_value() == c.exists;
  }
  return false;
}

bool evaluate(const Node& node, const json::object& device) {
  switch (node.kind) {
    case Node::Kind::kAnd:
      for (const Node& child : node.children) {
        if (!evaluate(child, device)) return false;
      }
      return true;
    case Node::Kind::kOr:
      for (const Node& child : node.children) {
        if (evaluate(child, device)) return true;
      }
      return false;
    case Node::Kind::kCondition:
      break;
  }
  const Condition& c = node.condition;
  switch (c.field.kind) {
    case FieldKind::kTextColumn:
    case FieldKind::kTimeColumn:
      return column_condition(c, device);
    case FieldKind::kTags:
      return tags_condition(c, device);
    case FieldKind::kParameter:
      return parameter_condition(c, device);
  }
  return false;
}

}  // namespace

bool matches(const Query& query, const boost::json::object& device) {
  return evaluate(query.root, device);
}

}  // namespace acs::query
