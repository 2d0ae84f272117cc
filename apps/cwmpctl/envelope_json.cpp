// cwmp::Envelope <-> JSON, generic over the Boost.Describe descriptions in
// message_descriptions.hpp. Field names in JSON are the C++ member names.
#include "cwmpctl/envelope_json.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <boost/mp11/algorithm.hpp>

#include "cwmp/values.hpp"
#include "cwmpctl/message_descriptions.hpp"

namespace cwmpctl {
namespace {

namespace json = boost::json;
namespace mp11 = boost::mp11;
using detail::DescribedMembers;

template <class T>
struct IsVector : std::false_type {};
template <class T>
struct IsVector<std::vector<T>> : std::true_type {};

template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};

template <class T>
inline constexpr bool kDescribed = boost::describe::has_describe_members<T>::value;

template <class T>
[[maybe_unused]] inline constexpr bool kAlwaysFalse = false;

// SetVouchers carries signed binary vouchers (cwmp-1-2.xsd: base64); JSON has no
// bytes, so its strings are base64 in JSON exactly as on the wire.
template <class T>
inline constexpr bool kBase64Strings = std::is_same_v<T, cwmp::SetVouchers>;

// ChangeDUState operation kinds, written as {"type": "install", ...}.
template <class Op>
constexpr std::string_view operation_type() {
  if constexpr (std::is_same_v<Op, cwmp::InstallOp>) {
    return "install";
  } else if constexpr (std::is_same_v<Op, cwmp::UpdateOp>) {
    return "update";
  } else {
    static_assert(std::is_same_v<Op, cwmp::UninstallOp>);
    return "uninstall";
  }
}
constexpr std::string_view kOperationTypes = "install, update, uninstall";
constexpr std::string_view kOperationTypeKey = "type";

// ---------------------------------------------------------------------------
// To JSON

template <class T>
json::value to_json(const T& value);

template <class T>
json::object struct_to_json(const T& value) {
  json::object out;
  mp11::mp_for_each<DescribedMembers<T>>([&](auto member) {
    const auto& field = value.*member.pointer;
    using Field = std::remove_cvref_t<decltype(field)>;
    if constexpr (kBase64Strings<T>) {
      static_assert(std::is_same_v<Field, std::vector<std::string>>);
      json::array items;
      for (const std::string& bytes : field) items.emplace_back(cwmp::base64_encode(bytes));
      out[member.name] = std::move(items);
    } else if constexpr (IsOptional<Field>::value) {
      if (field) out[member.name] = to_json(*field);
    } else {
      out[member.name] = to_json(field);
    }
  });
  return out;
}

template <class T>
json::value to_json(const T& value) {
  if constexpr (std::is_same_v<T, std::string>) {
    return json::string(value);
  } else if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, std::int32_t> ||
                       std::is_same_v<T, std::uint32_t>) {
    return json::value(value);
  } else if constexpr (std::is_same_v<T, cwmp::DateTime>) {
    return json::string(cwmp::format_date_time(value));
  } else if constexpr (std::is_same_v<T, cwmp::ValueType>) {
    return json::string(cwmp::to_string(value));
  } else if constexpr (IsVector<T>::value) {
    json::array items;
    items.reserve(value.size());
    for (const auto& item : value) items.push_back(to_json(item));
    return items;
  } else if constexpr (std::is_same_v<T, cwmp::DuOperation>) {
    return std::visit(
        [](const auto& op) -> json::value {
          json::object out;
          out[kOperationTypeKey] = operation_type<std::remove_cvref_t<decltype(op)>>();
          for (auto& field : struct_to_json(op)) out[field.key()] = std::move(field.value());
          return out;
        },
        value);
  } else if constexpr (kDescribed<T>) {
    return struct_to_json(value);
  } else {
    static_assert(kAlwaysFalse<T>, "no JSON conversion for this type");
  }
}

// ---------------------------------------------------------------------------
// From JSON. Errors are thrown as Failure and caught at envelope_from_json: the
// recursion is deep and every level would otherwise forward the error by hand.

struct Failure {
  JsonError error;
};

[[noreturn]] void fail(std::string path, std::string message) {
  throw Failure{JsonError{std::move(path), std::move(message)}};
}

std::string child_path(const std::string& path, std::string_view key) {
  if (path.empty()) return std::string(key);
  std::string out = path;
  out += '.';
  out += key;
  return out;
}

std::string element_path(const std::string& path, std::size_t index) {
  return path + '[' + std::to_string(index) + ']';
}

// "a string", "an array", or the value itself for scalars, for "got ..." texts.
std::string describe(const json::value& value) {
  switch (value.kind()) {
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
    case json::kind::null:
      return "null";
    case json::kind::double_:
      return "a floating-point number (" + json::serialize(value) + ")";
    default: {
      std::string text = json::serialize(value);
      constexpr std::size_t kMaxShown = 60;
      if (text.size() > kMaxShown) text = text.substr(0, kMaxShown) + "...";
      return text;
    }
  }
}

std::string join(const std::vector<std::string_view>& names) {
  std::string out;
  for (std::string_view name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The closest known name when it is close enough to be a typo.
std::optional<std::string_view> suggestion(std::string_view given,
                                           const std::vector<std::string_view>& known) {
  std::optional<std::string_view> best;
  std::size_t best_distance = std::max<std::size_t>(2, given.size() / 3) + 1;
  for (std::string_view name : known) {
    const std::size_t distance = edit_distance(given, name);
    if (distance < best_distance) {
      best = name;
      best_distance = distance;
    }
  }
  return best;
}

std::string did_you_mean(std::string_view given, const std::vector<std::string_view>& known) {
  const auto best = suggestion(given, known);
  return best ? " (did you mean \"" + std::string(*best) + "\"?)" : std::string();
}

void reject_unknown_fields(const json::object& object, const std::vector<std::string_view>& known,
                           const std::string& path) {
  for (const auto& field : object) {
    if (std::find(known.begin(), known.end(), field.key()) != known.end()) continue;
    std::string message = "unknown field" + did_you_mean(field.key(), known);
    message += known.empty() ? "; this object has no fields" : "; known fields: " + join(known);
    fail(child_path(path, field.key()), std::move(message));
  }
}

const json::object& expect_object(const json::value& value, const std::string& path) {
  if (!value.is_object()) fail(path, "expected an object, got " + describe(value));
  return value.get_object();
}

const json::array& expect_array(const json::value& value, const std::string& path) {
  if (!value.is_array()) fail(path, "expected an array, got " + describe(value));
  return value.get_array();
}

std::string_view expect_string(const json::value& value, const std::string& path) {
  if (!value.is_string()) fail(path, "expected a string, got " + describe(value));
  return value.get_string();
}

template <class Int>
Int read_integer(const json::value& value, const std::string& path) {
  constexpr auto kMin = std::numeric_limits<Int>::min();
  constexpr auto kMax = std::numeric_limits<Int>::max();
  const std::string expected =
      std::string(std::is_signed_v<Int> ? "an integer" : "an unsigned integer") + " in " +
      std::to_string(kMin) + ".." + std::to_string(kMax);
  if (value.is_int64()) {
    const std::int64_t number = value.get_int64();
    if (number >= std::int64_t{kMin} && number <= std::int64_t{kMax}) return Int(number);
  } else if (value.is_uint64()) {
    const std::uint64_t number = value.get_uint64();
    if (number <= std::uint64_t{kMax}) return Int(number);
  }
  fail(path, "expected " + expected + ", got " + describe(value));
}

template <class T>
void from_json(const json::value& value, T& out, const std::string& path);

template <class T>
const std::vector<std::string_view>& field_names() {
  static const std::vector<std::string_view> kNames = [] {
    std::vector<std::string_view> names;
    mp11::mp_for_each<DescribedMembers<T>>([&](auto member) { names.push_back(member.name); });
    return names;
  }();
  return kNames;
}

// `extra_key` is a key that the caller has already consumed (the operation "type").
template <class T>
void struct_from_json(const json::value& value, T& out, const std::string& path,
                      std::string_view extra_key = {}) {
  const json::object& object = expect_object(value, path);
  if (extra_key.empty()) {
    reject_unknown_fields(object, field_names<T>(), path);
  } else {
    std::vector<std::string_view> known = field_names<T>();
    known.insert(known.begin(), extra_key);
    reject_unknown_fields(object, known, path);
  }
  mp11::mp_for_each<DescribedMembers<T>>([&](auto member) {
    auto& field = out.*member.pointer;
    using Field = std::remove_cvref_t<decltype(field)>;
    const std::string field_path = child_path(path, member.name);
    const json::value* item = object.if_contains(member.name);
    if constexpr (kBase64Strings<T>) {
      static_assert(std::is_same_v<Field, std::vector<std::string>>);
      if (item == nullptr) fail(field_path, "missing required field");
      const json::array& items = expect_array(*item, field_path);
      field.clear();
      for (std::size_t i = 0; i < items.size(); ++i) {
        const std::string item_path = element_path(field_path, i);
        auto bytes = cwmp::base64_decode(expect_string(items[i], item_path));
        if (!bytes) fail(item_path, "expected base64 text, got " + describe(items[i]));
        field.push_back(std::move(*bytes));
      }
    } else if constexpr (IsOptional<Field>::value) {
      // null is accepted as "absent" so that an edited field can be blanked out.
      if (item == nullptr || item->is_null()) {
        field.reset();
      } else {
        typename Field::value_type inner{};
        from_json(*item, inner, field_path);
        field = std::move(inner);
      }
    } else {
      if (item == nullptr) fail(field_path, "missing required field");
      from_json(*item, field, field_path);
    }
  });
}

template <class Op>
cwmp::DuOperation operation_from_json(const json::value& value, const std::string& path) {
  Op op;
  struct_from_json(value, op, path, kOperationTypeKey);
  return op;
}

cwmp::DuOperation du_operation_from_json(const json::value& value, const std::string& path) {
  const json::object& object = expect_object(value, path);
  const std::string type_path = child_path(path, kOperationTypeKey);
  const json::value* type_value = object.if_contains(kOperationTypeKey);
  if (type_value == nullptr) {
    fail(type_path, "missing required field (one of " + std::string(kOperationTypes) + ")");
  }
  const std::string_view type = expect_string(*type_value, type_path);
  if (type == operation_type<cwmp::InstallOp>()) {
    return operation_from_json<cwmp::InstallOp>(value, path);
  }
  if (type == operation_type<cwmp::UpdateOp>()) {
    return operation_from_json<cwmp::UpdateOp>(value, path);
  }
  if (type == operation_type<cwmp::UninstallOp>()) {
    return operation_from_json<cwmp::UninstallOp>(value, path);
  }
  fail(type_path,
       "expected one of " + std::string(kOperationTypes) + ", got " + describe(*type_value));
}

template <class T>
void from_json(const json::value& value, T& out, const std::string& path) {
  if constexpr (std::is_same_v<T, std::string>) {
    out = expect_string(value, path);
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!value.is_bool()) fail(path, "expected true or false, got " + describe(value));
    out = value.get_bool();
  } else if constexpr (std::is_same_v<T, std::int32_t> || std::is_same_v<T, std::uint32_t>) {
    out = read_integer<T>(value, path);
  } else if constexpr (std::is_same_v<T, cwmp::DateTime>) {
    auto parsed = cwmp::parse_date_time(expect_string(value, path));
    if (!parsed) {
      fail(path,
           "expected an xsd:dateTime such as \"2024-01-01T00:00:00Z\", got " + describe(value));
    }
    out = *parsed;
  } else if constexpr (std::is_same_v<T, cwmp::ValueType>) {
    auto parsed = cwmp::parse_value_type_name(expect_string(value, path));
    if (!parsed) {
      fail(path, "expected one of " + join(value_type_names()) + ", got " + describe(value));
    }
    out = *parsed;
  } else if constexpr (IsVector<T>::value) {
    const json::array& items = expect_array(value, path);
    out.clear();
    out.reserve(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
      if constexpr (std::is_same_v<T, std::vector<cwmp::DuOperation>>) {
        out.push_back(du_operation_from_json(items[i], element_path(path, i)));
      } else {
        typename T::value_type item{};
        from_json(items[i], item, element_path(path, i));
        out.push_back(std::move(item));
      }
    }
  } else if constexpr (kDescribed<T>) {
    struct_from_json(value, out, path);
  } else {
    static_assert(kAlwaysFalse<T>, "no JSON conversion for this type");
  }
}

// ---------------------------------------------------------------------------
// Templates

template <class T>
void fill_template(T& value) {
  if constexpr (std::is_same_v<T, std::vector<cwmp::DuOperation>>) {
    value = {cwmp::InstallOp{}, cwmp::UpdateOp{}, cwmp::UninstallOp{}};
    for (auto& op : value) std::visit([](auto& alternative) { fill_template(alternative); }, op);
  } else if constexpr (IsVector<T>::value) {
    value.resize(1);
    fill_template(value.front());
  } else if constexpr (IsOptional<T>::value) {
    value.emplace();
    fill_template(*value);
  } else if constexpr (kDescribed<T>) {
    mp11::mp_for_each<DescribedMembers<T>>(
        [&](auto member) { fill_template(value.*member.pointer); });
  }
  // Scalars keep their defaults.
}

// ---------------------------------------------------------------------------
// The envelope

constexpr std::string_view kVersionKey = "version";
constexpr std::string_view kNamespaceKey = "namespace";
constexpr std::string_view kHeaderKey = "header";
constexpr std::string_view kMethodKey = "method";
constexpr std::string_view kBodyKey = "body";

cwmp::Envelope envelope_from_json_or_throw(const json::value& value) {
  if (!value.is_object())
    fail("", "expected a JSON object at the top level, got " + describe(value));
  const json::object& object = value.get_object();
  reject_unknown_fields(object, {kVersionKey, kNamespaceKey, kHeaderKey, kMethodKey, kBodyKey}, "");

  cwmp::Envelope envelope;
  if (const json::value* version = object.if_contains(kVersionKey)) {
    const std::string path(kVersionKey);
    auto parsed = cwmp::parse_version(expect_string(*version, path));
    if (!parsed) fail(path, "expected one of 1.0, 1.1, 1.2, 1.3, 1.4, got " + describe(*version));
    envelope.version = *parsed;
  }
  if (const json::value* header = object.if_contains(kHeaderKey)) {
    struct_from_json(*header, envelope.header, std::string(kHeaderKey));
  }

  const json::value* method = object.if_contains(kMethodKey);
  if (method == nullptr) fail(std::string(kMethodKey), "missing required field");
  const std::string_view name = expect_string(*method, std::string(kMethodKey));
  const auto& names = method_names();
  const auto found = std::find(names.begin(), names.end(), name);
  if (found == names.end()) {
    fail(std::string(kMethodKey), "unknown method " + describe(*method) +
                                      did_you_mean(name, names) + "; `cwmpctl methods` lists them");
  }

  const json::value empty_body = json::object();
  const json::value* body = object.if_contains(kBodyKey);
  mp11::mp_with_index<std::variant_size_v<cwmp::Body>>(
      std::size_t(found - names.begin()), [&](auto index) {
        std::variant_alternative_t<decltype(index)::value, cwmp::Body> message{};
        struct_from_json(body != nullptr ? *body : empty_body, message, std::string(kBodyKey));
        envelope.body = std::move(message);
      });
  return envelope;
}

}  // namespace

std::string JsonError::to_string() const {
  return path.empty() ? message : path + ": " + message;
}

json::object envelope_to_json(const cwmp::Envelope& envelope,
                              std::optional<cwmp::CwmpNamespace> ns) {
  json::object out;
  out[kVersionKey] = cwmp::to_string(envelope.version);
  if (ns) out[kNamespaceKey] = cwmp::namespace_urn(*ns);
  out[kHeaderKey] = struct_to_json(envelope.header);
  std::visit(
      [&](const auto& message) {
        out[kMethodKey] = std::remove_cvref_t<decltype(message)>::kName;
        out[kBodyKey] = to_json(message);
      },
      envelope.body);
  return out;
}

std::optional<cwmp::Envelope> envelope_from_json(const json::value& json, JsonError& error) {
  try {
    return envelope_from_json_or_throw(json);
  } catch (Failure& failure) {
    error = std::move(failure.error);
    return std::nullopt;
  }
}

std::optional<json::object> envelope_template(std::string_view method) {
  const auto& names = method_names();
  const auto found = std::find(names.begin(), names.end(), method);
  if (found == names.end()) return std::nullopt;
  cwmp::Envelope envelope;
  envelope.header.id = "1";
  mp11::mp_with_index<std::variant_size_v<cwmp::Body>>(
      std::size_t(found - names.begin()), [&](auto index) {
        std::variant_alternative_t<decltype(index)::value, cwmp::Body> message{};
        fill_template(message);
        envelope.body = std::move(message);
      });
  return envelope_to_json(envelope);
}

const std::vector<std::string_view>& method_names() {
  static const std::vector<std::string_view> kNames = [] {
    std::vector<std::string_view> names;
    mp11::mp_for_each<mp11::mp_transform<mp11::mp_identity, cwmp::Body>>(
        [&](auto type) { names.push_back(decltype(type)::type::kName); });
    return names;
  }();
  return kNames;
}

const std::vector<std::string_view>& value_type_names() {
  static const std::vector<std::string_view> kNames = [] {
    std::vector<std::string_view> names;
    // Most specific first; "unspecified" (no xsi:type on the wire) last.
    for (auto type = std::uint8_t(cwmp::ValueType::kString);
         type <= std::uint8_t(cwmp::ValueType::kDecimal); ++type) {
      names.push_back(cwmp::to_string(cwmp::ValueType(type)));
    }
    names.push_back(cwmp::to_string(cwmp::ValueType::kUnspecified));
    return names;
  }();
  return kNames;
}

}  // namespace cwmpctl
