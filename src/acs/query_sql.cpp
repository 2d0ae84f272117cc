// to_sql_where: AST -> parameterised SQL WHERE clause (schema and dialect notes in query.hpp).
#include <string>

#include "acs/query.hpp"

namespace acs::query {
namespace {

constexpr std::string_view kNumericTypes =
    "('xsd:int', 'xsd:unsignedInt', 'xsd:long', 'xsd:unsignedLong', 'xsd:double')";

std::string_view comparison(Op op) {
  switch (op) {
    case Op::kGt:
      return " > ";
    case Op::kGte:
      return " >= ";
    case Op::kLt:
      return " < ";
    case Op::kLte:
      return " <= ";
    default:
      return " = ";
  }
}

class Compiler {
 public:
  explicit Compiler(SqlDialect dialect) : dialect_(dialect) {}

  SqlWhere finish(const Node& root) {
    node(root);
    return std::move(out_);
  }

 private:
  std::string& text() { return out_.text; }

  void bind(SqlValue value) {
    out_.bindings.push_back(std::move(value));
    if (dialect_ == SqlDialect::kPostgres) {
      text() += '$';  // appended apart: GCC 12 -O3 warns (-Wrestrict) on "$" + to_string()
      text() += std::to_string(out_.bindings.size());
    } else {
      text() += "?";
    }
  }

  static SqlValue to_sql(const Scalar& scalar) {
    if (const auto* s = std::get_if<std::string>(&scalar)) return *s;
    if (const auto* d = std::get_if<double>(&scalar)) return *d;
    if (const auto* i = std::get_if<std::int64_t>(&scalar)) return *i;
    return std::get<bool>(scalar) ? std::int64_t{1} : std::int64_t{0};  // never on columns
  }

  // Text order must be bytewise in both dialects (see query.hpp).
  std::string_view text_order(Op op) const {
    const bool ordered = op == Op::kGt || op == Op::kGte || op == Op::kLt || op == Op::kLte;
    return ordered && dialect_ == SqlDialect::kPostgres ? " COLLATE \"C\"" : "";
  }

  void regex(std::string_view subject, const Condition& c) {
    if (dialect_ == SqlDialect::kPostgres) {
      text() += std::string(subject) + (c.case_insensitive ? " ~* " : " ~ ");
      bind(c.pattern);
    } else {
      text() += std::string(subject) + " REGEXP ";
      bind(c.case_insensitive ? "(?i)" + c.pattern : c.pattern);
    }
  }

  void list(const std::vector<Scalar>& operands) {
    text() += "(";
    for (std::size_t i = 0; i < operands.size(); ++i) {
      if (i > 0) text() += ", ";
      bind(to_sql(operands[i]));
    }
    text() += ")";
  }

  void node(const Node& n) {
    if (n.kind == Node::Kind::kCondition) {
      condition(n.condition);
      return;
    }
    if (n.children.empty()) {
      text() += "1 = 1";
      return;
    }
    if (n.children.size() == 1) {
      node(n.children.front());
      return;
    }
    text() += "(";
    for (std::size_t i = 0; i < n.children.size(); ++i) {
      if (i > 0) text() += n.kind == Node::Kind::kAnd ? " AND " : " OR ";
      node(n.children[i]);
    }
    text() += ")";
  }

  void condition(const Condition& c) {
    switch (c.field.kind) {
      case FieldKind::kTextColumn:
      case FieldKind::kTimeColumn:
        column_condition(c);
        return;
      case FieldKind::kTags:
        tags_condition(c);
        return;
      case FieldKind::kParameter:
        parameter_condition(c);
        return;
    }
  }

  void column_condition(const Condition& c) {
    const std::string col = "devices." + std::string(column_name(c.field.column));
    switch (c.op) {
      case Op::kEq:
      case Op::kGt:
      case Op::kGte:
      case Op::kLt:
      case Op::kLte:
        // No COLLATE on times: PostgreSQL refuses a collation on an integer column.
        text() += col;
        if (c.field.kind == FieldKind::kTextColumn) text() += text_order(c.op);
        text() += comparison(c.op);
        bind(to_sql(c.operands.front()));
        return;
      case Op::kNe:
        // MongoDB's $ne also matches a missing (NULL) field.
        text() += "(" + col + " IS NULL OR " + col + " <> ";
        bind(to_sql(c.operands.front()));
        text() += ")";
        return;
      case Op::kIn:
        if (c.operands.empty()) {
          text() += "1 = 0";
          return;
        }
        text() += col + " IN ";
        list(c.operands);
        return;
      case Op::kNin:
        if (c.operands.empty()) {
          text() += "1 = 1";
          return;
        }
        text() += "(" + col + " IS NULL OR " + col + " NOT IN ";
        list(c.operands);
        text() += ")";
        return;
      case Op::kRegex:
        regex(col, c);
        return;
      case Op::kExists:
        text() += col + (c.exists ? " IS NOT NULL" : " IS NULL");
        return;
    }
  }

  void tags_exists(bool positive, const auto& predicate) {
    text() += positive ? "EXISTS " : "NOT EXISTS ";
    text() += "(SELECT 1 FROM device_tags t WHERE t.device_id = devices.id";
    predicate();
    text() += ")";
  }

  void tags_condition(const Condition& c) {
    switch (c.op) {
      case Op::kEq:
      case Op::kNe:
        tags_exists(c.op == Op::kEq, [&] {
          text() += " AND t.tag = ";
          bind(to_sql(c.operands.front()));
        });
        return;
      case Op::kIn:
      case Op::kNin:
        if (c.operands.empty()) {
          text() += c.op == Op::kIn ? "1 = 0" : "1 = 1";
          return;
        }
        tags_exists(c.op == Op::kIn, [&] {
          text() += " AND t.tag IN ";
          list(c.operands);
        });
        return;
      case Op::kRegex:
        tags_exists(true, [&] {
          text() += " AND ";
          regex("t.tag", c);
        });
        return;
      case Op::kExists:
        tags_exists(c.exists, [] {});
        return;
      default:
        text() += "1 = 0";  // the parser refuses ordering on _tags
        return;
    }
  }

  // One parameter operand against p.value/p.type, following GenieACS's expansion (query.hpp).
  void parameter_predicate(Op op, const Scalar& operand) {
    const std::string_view cmp = comparison(op);
    if (const auto* b = std::get_if<bool>(&operand)) {
      text() += *b ? "(p.type = 'xsd:boolean' AND p.value IN ('true', '1'))"
                   : "(p.type = 'xsd:boolean' AND p.value IN ('false', '0'))";
      return;
    }
    const std::string numeric_value = "CASE WHEN p.type IN " + std::string(kNumericTypes) +
                                      " THEN CAST(p.value AS DOUBLE PRECISION) END" +
                                      std::string(cmp);
    if (const auto* d = std::get_if<double>(&operand)) {
      text() += numeric_value;
      bind(*d);
      return;
    }
    const std::string& s = std::get<std::string>(operand);
    const auto number = parse_number(s);
    text() += "(p.type NOT IN " + std::string(kNumericTypes) + " AND p.value" +
              std::string(text_order(op)) + std::string(cmp);
    bind(s);
    text() += ")";
    if (number) {
      text() += " OR " + numeric_value;
      bind(*number);
    }
  }

  void parameter_exists(bool positive, const std::string& path, const auto& predicate) {
    text() += positive ? "EXISTS " : "NOT EXISTS ";
    text() += "(SELECT 1 FROM device_params p WHERE p.device_id = devices.id AND p.path = ";
    bind(path);
    text() += " AND p.value IS NOT NULL";
    predicate();
    text() += ")";
  }

  void parameter_condition(const Condition& c) {
    const std::string& path = c.field.path;
    switch (c.op) {
      case Op::kEq:
      case Op::kNe:
      case Op::kGt:
      case Op::kGte:
      case Op::kLt:
      case Op::kLte: {
        const Op compare = c.op == Op::kNe ? Op::kEq : c.op;
        parameter_exists(c.op != Op::kNe, path, [&] {
          text() += " AND (";
          parameter_predicate(compare, c.operands.front());
          text() += ")";
        });
        return;
      }
      case Op::kIn:
      case Op::kNin:
        if (c.operands.empty()) {
          text() += c.op == Op::kIn ? "1 = 0" : "1 = 1";
          return;
        }
        parameter_exists(c.op == Op::kIn, path, [&] {
          text() += " AND (";
          for (std::size_t i = 0; i < c.operands.size(); ++i) {
            if (i > 0) text() += " OR ";
            text() += "(";
            parameter_predicate(Op::kEq, c.operands[i]);
            text() += ")";
          }
          text() += ")";
        });
        return;
      case Op::kRegex:
        parameter_exists(true, path, [&] {
          text() += " AND ";
          regex("p.value", c);
        });
        return;
      case Op::kExists:
        parameter_exists(c.exists, path, [] {});
        return;
    }
  }

  SqlDialect dialect_;
  SqlWhere out_;
};

}  // namespace

SqlWhere to_sql_where(const Query& query, SqlDialect dialect) {
  return Compiler(dialect).finish(query.root);
}

}  // namespace acs::query
