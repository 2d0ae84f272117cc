// URL handling, the NBI's JSON documents and the document filter (nbi_internal.hpp).
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <functional>

#include <boost/json.hpp>

#include "acs/nbi_internal.hpp"

namespace acs::nbi_detail {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

// ---- URLs -------------------------------------------------------------------------------------

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string percent_encode(std::string_view text, bool keep_slash) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto b = static_cast<unsigned char>(c);
    const bool unreserved = (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') ||
                            (b >= '0' && b <= '9') || b == '-' || b == '.' || b == '_' ||
                            b == '~' || (keep_slash && b == '/');
    if (unreserved) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 0xF]);
    }
  }
  return out;
}

const std::string* Target::param(std::string_view name) const {
  for (const auto& [key, value] : params) {
    if (key == name) return &value;
  }
  return nullptr;
}

std::optional<Target> parse_target(std::string_view target) {
  if (target.empty() || target.front() != '/') return std::nullopt;
  const std::size_t question = target.find('?');
  std::string_view path = target.substr(0, question);
  std::string_view query =
      question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  if (const std::size_t hash = query.find('#'); hash != std::string_view::npos) {
    query = query.substr(0, hash);
  }

  Target out;
  path.remove_prefix(1);
  while (true) {
    const std::size_t slash = path.find('/');
    // Split before decoding, so an escaped "%2F" stays inside its segment.
    auto segment = percent_decode(path.substr(0, slash), false);
    if (!segment || out.segments.size() == kMaxSegments) return std::nullopt;
    out.segments.push_back(std::move(*segment));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  if (!out.segments.empty() && out.segments.back().empty()) out.segments.pop_back();

  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (!pair.empty()) {
      const std::size_t eq = pair.find('=');
      auto key = percent_decode(pair.substr(0, eq), true);
      auto value = percent_decode(
          eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
      if (!key || !value || out.params.size() == kMaxParams) return std::nullopt;
      out.params.emplace_back(std::move(*key), std::move(*value));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

// ---- documents --------------------------------------------------------------------------------

std::string iso_time(Millis ms) {
  return format_iso_time(ms);
}

json::object task_json(const Task& task) {
  json::object out = task.args;
  out["_id"] = std::to_string(task.id);
  out["device"] = task.device_id;
  out["name"] = to_string(task.type);
  out["timestamp"] = iso_time(task.created);
  out["status"] = to_string(task.state);
  if (task.expires != 0) {
    out["expiry"] = iso_time(task.expires);
  } else {
    out.erase("expiry");
  }
  out["attempts"] = task.attempts;
  out.erase("result");
  out.erase("fault");
  if (task.state == TaskState::kDone) out["result"] = task.result;
  if (task.fault) {
    json::array detail;
    for (const auto& p : task.fault->parameter_faults) {
      detail.push_back(json::object{{"parameterName", p.parameter_name},
                                    {"faultCode", p.fault_code},
                                    {"faultString", p.fault_string}});
    }
    out["fault"] = json::object{{"code", task.fault->code},
                                {"message", task.fault->message},
                                {"detail", std::move(detail)}};
  }
  return out;
}

json::object fault_json(const Task& task) {
  const std::string channel = "task_" + std::to_string(task.id);
  json::object out;
  out["_id"] = task.device_id + ":" + channel;
  out["device"] = task.device_id;
  out["channel"] = channel;
  out["timestamp"] = iso_time(task.updated != 0 ? task.updated : task.created);
  if (task.fault) {
    // GenieACS names CPE faults "cwmp.<FaultCode>" and keeps the SOAP fault's fields, as
    // strings, in "detail".
    out["code"] = "cwmp." + std::to_string(task.fault->code);
    out["message"] = task.fault->message;
    json::object detail{{"faultCode", std::to_string(task.fault->code)},
                        {"faultString", task.fault->message}};
    if (!task.fault->parameter_faults.empty()) {
      json::array list;
      for (const auto& p : task.fault->parameter_faults) {
        list.push_back(json::object{{"parameterName", p.parameter_name},
                                    {"faultCode", std::to_string(p.fault_code)},
                                    {"faultString", p.fault_string}});
      }
      detail["setParameterValuesFault"] = std::move(list);
    }
    out["detail"] = std::move(detail);
  } else {
    out["code"] = "task.expired";
    out["message"] = "the task expired before the device ran it";
    out["detail"] = json::object{{"expiry", iso_time(task.expires)}};
  }
  out["retries"] = task.attempts;
  out["task"] = std::to_string(task.id);
  return out;
}

json::object file_json(const store::FileInfo& file) {
  json::object metadata{{"fileType", file.file_type},         {"oui", file.oui},
                        {"productClass", file.product_class}, {"version", file.version},
                        {"md5", ascii_lower(file.md5)},       {"sha256", ascii_lower(file.sha256)}};
  if (!file.device_id.empty()) metadata["deviceId"] = file.device_id;
  return json::object{{"_id", file.name},
                      {"filename", file.name},
                      {"length", file.size},
                      {"uploadDate", iso_time(file.uploaded)},
                      {"metadata", std::move(metadata)}};
}

std::optional<std::int64_t> parse_task_id(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0) return std::nullopt;
  return id;
}

std::optional<FaultId> parse_fault_id(std::string_view id) {
  // Device ids escape ':' (acs/device_id.hpp), so the first one ends the device part.
  const std::size_t colon = id.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  const std::string_view channel = id.substr(colon + 1);
  if (channel.substr(0, 5) != "task_") return std::nullopt;
  const auto task_id = parse_task_id(channel.substr(5));
  if (!task_id) return std::nullopt;
  return FaultId{std::string(id.substr(0, colon)), *task_id};
}

// ---- the document filter ----------------------------------------------------------------------

namespace {

constexpr std::size_t kMaxFilterDepth = 16;
constexpr std::size_t kMaxFilterNodes = 256;
constexpr std::size_t kMaxInValues = 1000;
constexpr std::size_t kMaxRegexLength = 1024;

const json::value* lookup(const json::object& document, std::string_view path) {
  const json::object* object = &document;
  while (true) {
    const std::size_t dot = path.find('.');
    const json::value* v = object->if_contains(path.substr(0, dot));
    if (v == nullptr || dot == std::string_view::npos) return v;
    object = v->if_object();
    if (object == nullptr) return nullptr;
    path.remove_prefix(dot + 1);
  }
}

bool is_operator_object(const json::value& v) {
  const json::object* o = v.if_object();
  if (o == nullptr || o->empty()) return false;
  return std::all_of(o->begin(), o->end(),
                     [](const auto& kv) { return !kv.key().empty() && kv.key()[0] == '$'; });
}

std::optional<double> as_double(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double()) return v.get_double();
  return std::nullopt;
}

std::optional<std::string> integer_text(const json::value& v) {
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  return std::nullopt;
}

bool scalar_equal(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_double() || b.is_double()) return as_double(a) == as_double(b);
    return integer_text(a) == integer_text(b);
  }
  if (a.is_string() && b.is_number()) return integer_text(b) == std::string_view(a.get_string());
  if (b.is_string() && a.is_number()) return integer_text(a) == std::string_view(b.get_string());
  return a == b;
}

// Equality as MongoDB has it: an array field equals a value when one of its elements does.
bool field_equals(const json::value* field, const json::value& wanted) {
  if (wanted.is_null()) return field == nullptr || field->is_null();
  if (field == nullptr) return false;
  if (scalar_equal(*field, wanted)) return true;
  if (const json::array* a = field->if_array(); a != nullptr && !wanted.is_array()) {
    return std::any_of(a->begin(), a->end(),
                       [&](const json::value& e) { return scalar_equal(e, wanted); });
  }
  return false;
}

// <0, 0, >0, or nullopt when the two are not comparable (a number and a string, ...).
std::optional<int> order(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) {
    const double x = *as_double(a);
    const double y = *as_double(b);
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) {
    const int c = std::string_view(a.get_string()).compare(std::string_view(b.get_string()));
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  return std::nullopt;
}

bool any_element(const json::value* field, const std::function<bool(const json::value&)>& test) {
  if (field == nullptr) return false;
  if (const json::array* a = field->if_array()) {
    return std::any_of(a->begin(), a->end(), test);
  }
  return test(*field);
}

std::string regex_key(std::string_view pattern, bool icase) {
  return std::string(icase ? "i" : "-") + std::string(pattern);
}

class Validator {
 public:
  Validator(std::map<std::string, std::regex>& regexes, std::string& error)
      : regexes_(regexes), error_(error) {}

  bool query(const json::value& q, const std::string& where, std::size_t depth) {
    const json::object* o = q.if_object();
    if (o == nullptr) return fail(where, "a query is a JSON object");
    if (depth > kMaxFilterDepth) return fail(where, "nested too deeply");
    for (const auto& kv : *o) {
      const std::string at = where + "/" + std::string(kv.key());
      if (++nodes_ > kMaxFilterNodes) return fail(at, "too many conditions");
      if (kv.key() == "$and" || kv.key() == "$or") {
        const json::array* list = kv.value().if_array();
        if (list == nullptr || list->empty()) return fail(at, "needs a non-empty array");
        for (std::size_t i = 0; i < list->size(); ++i) {
          if (!query((*list)[i], at + "/" + std::to_string(i), depth + 1)) return false;
        }
      } else if (!kv.key().empty() && kv.key()[0] == '$') {
        return fail(at, "unknown operator");
      } else if (is_operator_object(kv.value())) {
        if (!operators(kv.value().get_object(), at)) return false;
      }
    }
    return true;
  }

 private:
  bool operators(const json::object& ops, const std::string& where) {
    for (const auto& kv : ops) {
      const std::string_view op = kv.key();
      const std::string at = where + "/" + std::string(op);
      const json::value& v = kv.value();
      if (op == "$in" || op == "$nin") {
        const json::array* list = v.if_array();
        if (list == nullptr) return fail(at, "needs an array");
        if (list->size() > kMaxInValues) return fail(at, "more than 1000 values");
      } else if (op == "$exists") {
        if (!v.is_bool()) return fail(at, "needs true or false");
      } else if (op == "$regex") {
        if (!v.is_string()) return fail(at, "needs a string");
        if (v.get_string().size() > kMaxRegexLength) return fail(at, "pattern too long");
        const json::value* options = ops.if_contains("$options");
        bool icase = false;
        if (options != nullptr) {
          if (!options->is_string() ||
              (options->get_string() != "" && options->get_string() != "i")) {
            return fail(where + "/$options", "only \"i\" is supported");
          }
          icase = options->get_string() == "i";
        }
        try {
          auto flags = std::regex::ECMAScript;
          if (icase) flags |= std::regex::icase;
          regexes_.emplace(regex_key(v.get_string(), icase),
                           std::regex(std::string(v.get_string()), flags));
        } catch (const std::regex_error&) {
          return fail(at, "invalid regular expression");
        }
      } else if (op == "$options") {
        if (!ops.contains("$regex")) return fail(at, "$options without $regex");
      } else if (op != "$eq" && op != "$ne" && op != "$gt" && op != "$gte" && op != "$lt" &&
                 op != "$lte") {
        return fail(at, "unknown operator");
      }
    }
    return true;
  }

  bool fail(const std::string& where, const std::string& message) {
    error_ = where + ": " + message;
    return false;
  }

  std::map<std::string, std::regex>& regexes_;
  std::string& error_;
  std::size_t nodes_ = 0;
};

}  // namespace

std::optional<DocFilter> DocFilter::parse(const json::value& query, std::string& error) {
  DocFilter filter;
  Validator validator(filter.regexes_, error);
  if (!validator.query(query, "", 0)) return std::nullopt;
  filter.query_ = query.get_object();
  return filter;
}

namespace {

struct Evaluator {
  const std::map<std::string, std::regex>& regexes;

  bool query(const json::object& q, const json::object& doc) const {
    for (const auto& kv : q) {
      if (kv.key() == "$and") {
        for (const json::value& sub : kv.value().get_array()) {
          if (!query(sub.get_object(), doc)) return false;
        }
      } else if (kv.key() == "$or") {
        bool any = false;
        for (const json::value& sub : kv.value().get_array()) {
          if (query(sub.get_object(), doc)) {
            any = true;
            break;
          }
        }
        if (!any) return false;
      } else if (!field(lookup(doc, kv.key()), kv.value())) {
        return false;
      }
    }
    return true;
  }

  bool field(const json::value* value, const json::value& condition) const {
    if (!is_operator_object(condition)) return field_equals(value, condition);
    const json::object& ops = condition.get_object();
    for (const auto& kv : ops) {
      if (!op(value, kv.key(), kv.value(), ops)) return false;
    }
    return true;
  }

  bool op(const json::value* value, std::string_view name, const json::value& operand,
          const json::object& ops) const {
    if (name == "$eq") return field_equals(value, operand);
    if (name == "$ne") return !field_equals(value, operand);
    if (name == "$in" || name == "$nin") {
      const json::array& list = operand.get_array();
      const bool found = std::any_of(list.begin(), list.end(), [&](const json::value& wanted) {
        return field_equals(value, wanted);
      });
      return name == "$in" ? found : !found;
    }
    if (name == "$exists") return (value != nullptr) == operand.get_bool();
    if (name == "$options") return true;  // read with $regex
    if (name == "$regex") {
      const json::value* options = ops.if_contains("$options");
      const bool icase = options != nullptr && options->get_string() == "i";
      const std::regex& re = regexes.at(regex_key(operand.get_string(), icase));
      return any_element(value, [&](const json::value& e) {
        if (!e.is_string()) return false;
        const std::string_view s = e.get_string();
        return std::regex_search(s.begin(), s.end(), re);
      });
    }
    // $gt $gte $lt $lte
    return any_element(value, [&](const json::value& e) {
      const auto c = order(e, operand);
      if (!c) return false;
      if (name == "$gt") return *c > 0;
      if (name == "$gte") return *c >= 0;
      if (name == "$lt") return *c < 0;
      return *c <= 0;
    });
  }
};

}  // namespace

bool DocFilter::matches(const json::object& document) const {
  return Evaluator{regexes_}.query(query_, document);
}

std::optional<std::string> DocFilter::required_string(std::string_view field) const {
  const json::value* v = query_.if_contains(field);
  if (v == nullptr) return std::nullopt;
  if (v->is_string()) return std::string(v->get_string());
  if (const json::object* o = v->if_object(); o != nullptr && o->size() == 1) {
    const json::value* eq = o->if_contains("$eq");
    if (eq != nullptr && eq->is_string()) return std::string(eq->get_string());
  }
  return std::nullopt;
}

json::object project(const json::object& document, const std::vector<std::string>& paths) {
  json::object out;
  if (const json::value* id = document.if_contains("_id")) out["_id"] = *id;
  for (const std::string& path : paths) {
    const json::value* v = lookup(document, path);
    if (v == nullptr) continue;
    json::object* target = &out;
    std::string_view rest = path;
    for (std::size_t dot = rest.find('.'); dot != std::string_view::npos; dot = rest.find('.')) {
      json::value& next = (*target)[rest.substr(0, dot)];
      if (!next.is_object()) next = json::object();
      target = &next.get_object();
      rest.remove_prefix(dot + 1);
    }
    (*target)[rest] = *v;
  }
  return out;
}

void sort_documents(std::vector<json::object>& documents,
                    const std::vector<std::pair<std::string, int>>& keys) {
  if (keys.empty()) return;
  // Missing < numbers < strings < anything else, as MongoDB orders types (roughly).
  auto rank = [](const json::value* v) {
    if (v == nullptr || v->is_null()) return 0;
    if (v->is_number()) return 1;
    if (v->is_string()) return 2;
    return 3;
  };
  std::stable_sort(documents.begin(), documents.end(),
                   [&](const json::object& a, const json::object& b) {
                     for (const auto& [path, direction] : keys) {
                       const json::value* x = lookup(a, path);
                       const json::value* y = lookup(b, path);
                       int c = rank(x) - rank(y);
                       if (c == 0 && x != nullptr && y != nullptr) c = order(*x, *y).value_or(0);
                       if (c != 0) return direction < 0 ? c > 0 : c < 0;
                     }
                     return false;
                   });
}

// ---- misc -------------------------------------------------------------------------------------

bool constant_time_equals(std::string_view given, std::string_view expected) {
  // The loop runs over the expected token's length whatever is given, and never exits early.
  unsigned char difference = given.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const unsigned char g = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
    difference |= static_cast<unsigned char>(g ^ static_cast<unsigned char>(expected[i]));
  }
  return difference == 0;
}

std::string ascii_lower(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

std::string header_safe(std::string_view text, std::size_t limit) {
  std::string out;
  for (const char c : text.substr(0, limit)) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(b >= 0x20 && b < 0x7f ? c : ' ');
  }
  return out;
}

std::string connection_request_summary(const ConnectionRequestOutcome& outcome) {
  std::string text(to_string(outcome.result));
  if (!outcome.message.empty()) text += ": " + outcome.message;
  return header_safe(text);
}

}  // namespace acs::nbi_detail
