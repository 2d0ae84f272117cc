#include "cwmp/decode_rpc.hpp"

#include <algorithm>
#include <cstring>

namespace cwmp::detail {

namespace {

constexpr std::string_view kSoapEnvelopeNs = "http://schemas.xmlsoap.org/soap/envelope/";

bool is_true_attr(pugi::xml_attribute a) {
  const std::string_view v = trim(a.value());
  return v == "1" || v == "true";
}

}  // namespace

CwmpVersion detect_version(CwmpNamespace ns, const Header& header) {
  const CwmpVersion base = base_version(ns);
  if (base < CwmpVersion::k1_2) return base;
  if (header.supported_cwmp_versions || header.use_cwmp_version) return CwmpVersion::k1_4;
  if (header.session_timeout) return std::max(base, CwmpVersion::k1_3);
  return base;
}

void RpcDecoder::fail(ErrorKind kind, std::string message, pugi::xml_node at) {
  if (error_) return;
  Error e{kind, std::move(message)};
  if (at) {
    // offset_debug() is relative to the parsed buffer; it matches the input
    // except after a Latin-1/UTF-16 conversion, where it is approximate.
    const std::size_t offset = std::min<std::size_t>(std::size_t(at.offset_debug()), input_.size());
    std::uint32_t line = 1;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < offset; ++i) {
      if (input_[i] == '\n') ++line, line_start = i + 1;
    }
    e.line = line;
    e.column = static_cast<std::uint32_t>(offset - line_start + 1);
  }
  error_ = std::move(e);
}

pugi::xml_node RpcDecoder::field(const Children& c, std::string_view name, Need need,
                                 std::string_view context) {
  pugi::xml_node n = c.find(name);
  if (n || need == kOpt) return n;
  if (need == kStrict) {
    fail(ErrorKind::kInvalidArguments,
         std::string(context) + ": required element " + std::string(name) + " is missing");
  } else {
    warn(std::string(context) + ": element " + std::string(name) + " is missing; default used");
  }
  return n;
}

void RpcDecoder::check_length(std::string_view value, std::uint32_t max, std::string_view what,
                              pugi::xml_node at) {
  if (value.size() <= max) return;
  // maxLength counts characters; only count them when the bytes exceed it.
  std::size_t chars = 0;
  for (const char ch : value) chars += (static_cast<unsigned char>(ch) & 0xc0u) != 0x80u;
  if (chars > max) {
    fail(ErrorKind::kInvalidArguments,
         std::string(what) + " is longer than " + std::to_string(max) + " characters", at);
  }
}

std::string RpcDecoder::string(const Children& c, std::string_view name, std::uint32_t max,
                               Need need, std::string_view context) {
  pugi::xml_node n = field(c, name, need, context);
  if (!n) return {};
  std::string_view v = text(n);
  check_length(v, std::min(max, limits_.max_string_length), name, n);
  return std::string(v);
}

std::optional<std::string> RpcDecoder::opt_string(const Children& c, std::string_view name,
                                                  std::uint32_t max, std::string_view context) {
  pugi::xml_node n = c.find(name);
  if (!n) return std::nullopt;
  return string(c, name, max, kOpt, context);
}

template <typename Int>
Int RpcDecoder::number(const Children& c, std::string_view name, Need need,
                       std::string_view context, std::optional<Int> (*parse)(std::string_view),
                       std::string_view type_name) {
  pugi::xml_node n = field(c, name, need, context);
  if (!n) return 0;
  const std::string_view v = text(n);
  if (auto parsed = parse(v)) return *parsed;
  if (trim(v).empty() && need != kStrict) {
    warn(std::string(context) + ": " + std::string(name) + " is empty; 0 used");
    return 0;
  }
  fail(ErrorKind::kInvalidArguments,
       std::string(context) + ": " + std::string(name) + " '" + std::string(v.substr(0, 64)) +
           "' is not an " + std::string(type_name),
       n);
  return 0;
}

std::uint32_t RpcDecoder::unsigned_int(const Children& c, std::string_view name, Need need,
                                       std::string_view context) {
  return number<std::uint32_t>(c, name, need, context, &parse_unsigned_int, "unsignedInt");
}

std::int32_t RpcDecoder::integer(const Children& c, std::string_view name, Need need,
                                 std::string_view context) {
  return number<std::int32_t>(c, name, need, context, &parse_int, "int");
}

bool RpcDecoder::boolean(const Children& c, std::string_view name, Need need,
                         std::string_view context) {
  pugi::xml_node n = field(c, name, need, context);
  if (!n) return false;
  const std::string_view v = text(n);
  if (auto parsed = parse_boolean(v)) return *parsed;
  // Seen on real devices: "True"/"FALSE". Accept with a warning.
  const std::string_view t = trim(v);
  if (t.size() == 4 && strncasecmp(t.data(), "true", 4) == 0) {
    warn(std::string(context) + ": " + std::string(name) + " written as '" + std::string(t) + "'");
    return true;
  }
  if (t.size() == 5 && strncasecmp(t.data(), "false", 5) == 0) {
    warn(std::string(context) + ": " + std::string(name) + " written as '" + std::string(t) + "'");
    return false;
  }
  fail(ErrorKind::kInvalidArguments,
       std::string(context) + ": " + std::string(name) + " '" + std::string(v.substr(0, 64)) +
           "' is not a boolean",
       n);
  return false;
}

DateTime RpcDecoder::date_time(const Children& c, std::string_view name, Need need,
                               std::string_view context) {
  pugi::xml_node n = field(c, name, need, context);
  if (!n) return DateTime::unknown();
  const std::string_view v = text(n);
  if (auto parsed = parse_date_time(v)) return *parsed;
  // Devices without a clock send all sorts of "no time" values (empty,
  // 0000-00-00T00:00:00). TR-106 has one for that: the Unknown Time.
  warn(std::string(context) + ": " + std::string(name) + " '" + std::string(v.substr(0, 64)) +
       "' is not a dateTime; Unknown Time used");
  return DateTime::unknown();
}

std::size_t RpcDecoder::size_hint(pugi::xml_node list) const {
  // soap-enc:arrayType="cwmp:ParameterValueStruct[12]" is a hint only: real
  // devices get it wrong (or pad it with zeros), so it never limits what we
  // read, and a lying count can reserve at most kMaxHint entries.
  constexpr std::size_t kMaxHint = 1024;
  const pugi::xml_attribute a = find_attribute(list, "arrayType");
  if (!a) return 0;
  const std::string_view v = a.value();
  const std::size_t open = v.rfind('[');
  if (open == std::string_view::npos) return 0;
  std::size_t n = 0;
  for (std::size_t i = open + 1; i < v.size() && v[i] >= '0' && v[i] <= '9' && n <= kMaxHint; ++i) {
    n = n * 10 + std::size_t(v[i] - '0');
  }
  return std::min({n, kMaxHint, std::size_t{limits_.max_list_entries}});
}

std::vector<ParameterValue> RpcDecoder::parameter_values(pugi::xml_node list,
                                                         std::string_view context) {
  std::vector<ParameterValue> out;
  if (!list) return out;
  out.reserve(size_hint(list));
  for_each_item(list, limits_.max_list_entries, context, [&](pugi::xml_node item) {
    pugi::xml_node name_node;
    pugi::xml_node value_node;
    for (pugi::xml_node f = item.first_child(); f; f = f.next_sibling()) {
      if (f.type() != pugi::node_element) continue;
      if (!name_node && name_is(f.name(), "Name")) {
        name_node = f;
      } else if (!value_node && name_is(f.name(), "Value")) {
        value_node = f;
      }
    }
    if (!name_node) {
      fail(ErrorKind::kInvalidArguments,
           std::string(context) + ": ParameterValueStruct without a Name", item);
      return;
    }
    ParameterValue& p = out.emplace_back();
    const std::string_view name = trim(text(name_node));
    check_length(name, limits_.max_name_length, "parameter Name", name_node);
    p.name.assign(name);
    if (!value_node) {
      warn(std::string(context) + ": " + p.name + " has no Value; empty used");
      p.type = ValueType::kUnspecified;
      return;
    }
    const std::string_view value = text(value_node);
    check_length(value, limits_.max_value_length, "parameter Value", value_node);
    p.value.assign(value);
    const pugi::xml_attribute type = find_attribute(value_node, "type");
    if (!type) {
      p.type = ValueType::kUnspecified;
    } else if (auto t = value_type_from_xsi(type.value())) {
      p.type = *t;
      if (!is_valid_value(p.type, p.value)) {
        // Kept as sent (the ACS stores what the device said; the agent answers
        // 9006/9007 for it), but encode() would refuse it: say so.
        warn(p.name + ": value is not a valid " + std::string(to_string(p.type)));
      }
    } else {
      warn(p.name + ": unknown xsi:type '" + type.value() + "' read as string");
      p.type = ValueType::kString;
    }
  });
  return out;
}

std::vector<std::string> RpcDecoder::strings(pugi::xml_node list, std::uint32_t max_len,
                                             std::string_view context) {
  std::vector<std::string> out;
  if (!list) return out;
  for_each_item(list, limits_.max_list_entries, context, [&](pugi::xml_node item) {
    const std::string_view v = trim(text(item));
    check_length(v, max_len, context, item);
    out.emplace_back(v);
  });
  return out;
}

FaultStruct RpcDecoder::fault_struct(pugi::xml_node node, std::string_view context) {
  FaultStruct f;
  if (!node) return f;
  Children c(node);
  f.fault_code = unsigned_int(c, "FaultCode", kLenient, context);
  f.fault_string = string(c, "FaultString", limits_.max_string_length, kOpt, context);
  return f;
}

OpResult RpcDecoder::op_result(const Children& c) {
  constexpr std::string_view ctx = "Results";
  OpResult r;
  r.uuid = string(c, "UUID", k64, kLenient, ctx);
  r.deployment_unit_ref = string(c, "DeploymentUnitRef", k1024, kLenient, ctx);
  r.version = string(c, "Version", k64, kLenient, ctx);
  r.current_state = string(c, "CurrentState", k64, kLenient, ctx);
  r.resolved = boolean(c, "Resolved", kLenient, ctx);
  r.execution_unit_ref_list =
      string(c, "ExecutionUnitRefList", limits_.max_string_length, kLenient, ctx);
  r.start_time = date_time(c, "StartTime", kLenient, ctx);
  r.complete_time = date_time(c, "CompleteTime", kLenient, ctx);
  r.fault = fault_struct(c.find("Fault"), ctx);
  return r;
}

void RpcDecoder::header(pugi::xml_node header, Header& out) {
  for (pugi::xml_node h = header.first_child(); h && !failed(); h = h.next_sibling()) {
    if (h.type() != pugi::node_element) continue;
    const std::string_view name = local_name(h.name());
    const std::string_view value = trim(text(h));
    if (name == "ID") {
      check_length(value, limits_.max_string_length, "cwmp:ID", h);
      out.id.emplace(value);
    } else if (name == "HoldRequests" || name == "NoMoreRequests") {
      auto b = parse_boolean(value);
      if (!b) {
        fail(ErrorKind::kInvalidArguments, "cwmp:" + std::string(name) + " is not a boolean", h);
        return;
      }
      (name == "HoldRequests" ? out.hold_requests : out.no_more_requests) = *b;
    } else if (name == "SessionTimeout") {
      auto v = parse_unsigned_int(value);
      if (!v) {
        fail(ErrorKind::kInvalidArguments, "cwmp:SessionTimeout is not an unsignedInt", h);
        return;
      }
      out.session_timeout = *v;
    } else if (name == "SupportedCWMPVersions") {
      check_length(value, k256, "cwmp:SupportedCWMPVersions", h);
      out.supported_cwmp_versions.emplace(value);
    } else if (name == "UseCWMPVersion") {
      check_length(value, k64, "cwmp:UseCWMPVersion", h);
      out.use_cwmp_version.emplace(value);
    } else if (const auto mu = find_attribute(h, "mustUnderstand"); mu && is_true_attr(mu)) {
      // SOAP 1.1 §4.2.3: a header entry marked mustUnderstand that the
      // recipient does not understand must fault.
      fail(ErrorKind::kMustUnderstand,
           "header <" + std::string(h.name()) + "> has mustUnderstand=\"1\" but is not understood",
           h);
      return;
    } else {
      warn("unknown header <" + std::string(h.name()) + "> ignored");
    }
  }
}

CwmpNamespace RpcDecoder::detect_namespace(pugi::xml_node rpc, pugi::xml_node header) {
  // The RPC element's namespace, else (for a SOAP Fault) the cwmp:Fault detail's,
  // else any cwmp header element's.
  auto ns_of = [](pugi::xml_node n) -> std::optional<CwmpNamespace> {
    const char* uri = namespace_of(n);
    return uri ? parse_namespace_urn(uri) : std::nullopt;
  };
  if (auto ns = ns_of(rpc)) return *ns;
  if (const char* uri = namespace_of(rpc); uri && std::string_view(uri) == kSoapEnvelopeNs) {
    for (pugi::xml_node d = rpc.first_child(); d; d = d.next_sibling()) {
      if (!name_is(d.name(), "detail")) continue;
      for (pugi::xml_node f = d.first_child(); f; f = f.next_sibling()) {
        if (f.type() == pugi::node_element) {
          if (auto ns = ns_of(f)) return *ns;
        }
      }
    }
  }
  for (pugi::xml_node h = header.first_child(); h; h = h.next_sibling()) {
    if (h.type() != pugi::node_element) continue;
    if (auto ns = ns_of(h)) return *ns;
  }
  warn("no cwmp namespace found; CWMP 1.0 assumed");
  return CwmpNamespace::k1_0;
}

}  // namespace cwmp::detail
