// Tests of cwmpctl's envelope <-> JSON conversion (apps/cwmpctl/envelope_json.hpp)
// and its JSON text helpers (json_text.hpp).
#include "cwmpctl/envelope_json.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <variant>

#include <boost/json.hpp>

#include "cwmp/codec.hpp"
#include "cwmpctl/json_text.hpp"
#include "sample_messages.hpp"

namespace cwmpctl {
namespace {

namespace json = boost::json;

json::value parse(std::string_view text) {
  JsonSyntaxError error;
  auto value = parse_json(text, error);
  EXPECT_TRUE(value.has_value()) << error.message << " at " << error.line << ":" << error.column;
  return value ? *value : json::value();
}

// Converts and expects failure; returns "path: message".
std::string conversion_error(const json::value& value) {
  JsonError error;
  const auto envelope = envelope_from_json(value, error);
  EXPECT_FALSE(envelope.has_value()) << "accepted: " << json::serialize(value);
  return error.to_string();
}
std::string conversion_error(const char* text) {
  return conversion_error(parse(text));
}

cwmp::Envelope convert(const json::value& value) {
  JsonError error;
  auto envelope = envelope_from_json(value, error);
  EXPECT_TRUE(envelope.has_value()) << error.to_string();
  return envelope ? *envelope : cwmp::Envelope{};
}

// The Inform of /work/shared/spec/validation/inform-example.xml as JSON, edited in tests.
json::object inform_json() {
  return parse(R"({
    "version": "1.2",
    "namespace": "urn:dslforum-org:cwmp-1-2",
    "header": {"id": "42"},
    "method": "Inform",
    "body": {
      "device_id": {"manufacturer": "ExampleCo", "oui": "00AABB", "product_class": "HGW",
                    "serial_number": "SN0001"},
      "event": [{"event_code": "0 BOOTSTRAP", "command_key": ""},
                {"event_code": "1 BOOT", "command_key": ""}],
      "max_envelopes": 1,
      "current_time": "2024-01-01T00:00:00Z",
      "retry_count": 0,
      "parameter_list": [
        {"name": "Device.RootDataModelVersion", "value": "2.17", "type": "string"},
        {"name": "Device.ManagementServer.ConnectionRequestURL",
         "value": "http://192.0.2.1:7547/cr", "type": "string"}
      ]
    }
  })")
      .as_object();
}

json::object& body(json::object& envelope) {
  return envelope["body"].as_object();
}

TEST(EnvelopeJsonTest, EverySampleSurvivesJsonAndJsonText) {
  for (const auto& sample : cwmp::samples::sample_messages()) {
    SCOPED_TRACE(sample.name);
    const json::object object = envelope_to_json(sample.envelope);
    EXPECT_EQ(convert(object), sample.envelope);
    // Through text too: numbers come back as int64 rather than uint64, etc.
    const std::string text = format_json(object);
    EXPECT_EQ(convert(parse(text)), sample.envelope);
    EXPECT_EQ(format_json(envelope_to_json(convert(parse(text)))), text);
  }
}

TEST(EnvelopeJsonTest, DecodeEncodeDecodeThroughJsonIsLossless) {
  for (const auto& sample : cwmp::samples::sample_messages()) {
    for (const cwmp::CwmpVersion version : cwmp::samples::versions_for(sample)) {
      SCOPED_TRACE(sample.name + " @ " + std::string(cwmp::to_string(version)));
      const auto wire = cwmp::encode(cwmp::samples::at_version(sample.envelope, version));
      ASSERT_TRUE(wire.ok()) << cwmp::samples::describe(wire.error());
      const auto first = cwmp::decode(*wire);
      ASSERT_TRUE(first.ok()) << cwmp::samples::describe(first.error());
      const std::string first_json = format_json(envelope_to_json(*first));

      const cwmp::Envelope edited = convert(parse(first_json));
      const auto rewire = cwmp::encode(edited, {.xml_declaration = true, .pretty = true});
      ASSERT_TRUE(rewire.ok()) << cwmp::samples::describe(rewire.error());
      const auto second = cwmp::decode(*rewire);
      ASSERT_TRUE(second.ok()) << cwmp::samples::describe(second.error());
      EXPECT_EQ(second->envelope, first->envelope);
      EXPECT_EQ(format_json(envelope_to_json(*second)), first_json);
    }
  }
}

TEST(EnvelopeJsonTest, MethodNamesAreEveryBodyAlternativeOnce) {
  const auto& names = method_names();
  EXPECT_EQ(names.size(), std::variant_size_v<cwmp::Body>);
  EXPECT_EQ(std::set<std::string_view>(names.begin(), names.end()).size(), names.size());
  EXPECT_EQ(names.front(), "GetRPCMethods");
  EXPECT_EQ(names.back(), "Fault");
  // The samples cover every method, so the round-trip tests above cover them too.
  std::set<std::string> sampled;
  for (const auto& sample : cwmp::samples::sample_messages()) {
    sampled.insert(std::string(envelope_to_json(sample.envelope).at("method").as_string()));
  }
  EXPECT_EQ(sampled, std::set<std::string>(names.begin(), names.end()));
}

TEST(EnvelopeJsonTest, InformShape) {
  const cwmp::Envelope envelope = convert(inform_json());
  ASSERT_TRUE(std::holds_alternative<cwmp::Inform>(envelope.body));
  const auto& inform = std::get<cwmp::Inform>(envelope.body);
  EXPECT_EQ(envelope.version, cwmp::CwmpVersion::k1_2);
  EXPECT_EQ(envelope.header.id, "42");
  EXPECT_FALSE(envelope.header.hold_requests.has_value());
  EXPECT_EQ(inform.device_id.oui, "00AABB");
  ASSERT_EQ(inform.event.size(), 2u);
  EXPECT_EQ(inform.event[1].event_code, "1 BOOT");
  EXPECT_EQ(cwmp::format_date_time(inform.current_time), "2024-01-01T00:00:00Z");
  ASSERT_EQ(inform.parameter_list.size(), 2u);
  EXPECT_EQ(inform.parameter_list[0].type, cwmp::ValueType::kString);

  const json::object out = envelope_to_json(envelope, cwmp::CwmpNamespace::k1_2);
  EXPECT_EQ(out, inform_json());
  // Key order is the documented one (the struct order), not alphabetical.
  std::vector<std::string_view> keys;
  for (const auto& member : out) keys.push_back(member.key());
  EXPECT_EQ(keys,
            (std::vector<std::string_view>{"version", "namespace", "header", "method", "body"}));
}

TEST(EnvelopeJsonTest, NamespaceOnlyWhenGivenAndIgnoredOnInput) {
  cwmp::Envelope envelope;
  envelope.version = cwmp::CwmpVersion::k1_0;
  envelope.body = cwmp::Reboot{"ck"};
  const json::object out = envelope_to_json(envelope);
  EXPECT_FALSE(out.contains("namespace"));
  EXPECT_EQ(out.at("version"), "1.0");
  EXPECT_EQ(out.at("header"), json::object());
  EXPECT_EQ(out.at("body"), (json::object{{"command_key", "ck"}}));

  json::object in = out;
  in["namespace"] = "urn:dslforum-org:cwmp-1-2";  // contradicts version: ignored
  EXPECT_EQ(convert(in), envelope);
}

TEST(EnvelopeJsonTest, DefaultsForVersionHeaderAndBody) {
  const cwmp::Envelope envelope = convert(parse(R"({"method": "GetRPCMethods"})"));
  EXPECT_EQ(envelope.version, cwmp::CwmpVersion::k1_2);
  EXPECT_EQ(envelope.header, cwmp::Header{});
  EXPECT_TRUE(std::holds_alternative<cwmp::GetRPCMethods>(envelope.body));
  // Only an empty body may be left out.
  EXPECT_EQ(conversion_error(R"({"method": "Reboot"})"),
            "body.command_key: missing required field");
}

TEST(EnvelopeJsonTest, HeaderHasOnlyPresentFields) {
  cwmp::Envelope envelope;
  envelope.header.hold_requests = false;
  envelope.header.session_timeout = 60;
  envelope.body = cwmp::InformResponse{1};
  const json::object out = envelope_to_json(envelope);
  EXPECT_EQ(out.at("header"), (json::object{{"hold_requests", false}, {"session_timeout", 60}}));
  EXPECT_EQ(convert(out), envelope);
}

TEST(EnvelopeJsonTest, ChangeDuStateOperationsAreTagged) {
  const cwmp::Envelope envelope = convert(parse(R"({
    "method": "ChangeDUState",
    "body": {"operations": [
      {"type": "install", "url": "http://example.net/a.ipk", "uuid": "u1"},
      {"type": "update", "version": "2.0"},
      {"type": "uninstall", "uuid": "u3", "execution_env_ref": null}
    ]}})"));
  const auto& change = std::get<cwmp::ChangeDUState>(envelope.body);
  EXPECT_FALSE(change.command_key.has_value());
  ASSERT_EQ(change.operations.size(), 3u);
  const auto& install = std::get<cwmp::InstallOp>(change.operations[0]);
  EXPECT_EQ(install.uuid, "u1");
  EXPECT_FALSE(install.username.has_value());
  EXPECT_EQ(std::get<cwmp::UpdateOp>(change.operations[1]).version, "2.0");
  EXPECT_FALSE(std::get<cwmp::UninstallOp>(change.operations[2]).execution_env_ref.has_value());

  const json::value out = envelope_to_json(envelope).at("body");
  EXPECT_EQ(
      out.at("operations").at(0),
      (json::object{{"type", "install"}, {"url", "http://example.net/a.ipk"}, {"uuid", "u1"}}));
  EXPECT_EQ(out.at("operations").at(2), (json::object{{"type", "uninstall"}, {"uuid", "u3"}}));
  EXPECT_FALSE(out.as_object().contains("command_key"));
}

TEST(EnvelopeJsonTest, VouchersAreBase64) {
  cwmp::Envelope envelope;
  envelope.body = cwmp::SetVouchers{{std::string("\x00\xFF\x10", 3), "hi"}};
  const json::object out = envelope_to_json(envelope);
  EXPECT_EQ(out.at("body").at("voucher_list"), (json::array{"AP8Q", "aGk="}));
  EXPECT_EQ(convert(out), envelope);

  json::object bad = out;
  bad["body"].as_object()["voucher_list"].as_array()[1] = "not base64!";
  EXPECT_EQ(conversion_error(bad),
            "body.voucher_list[1]: expected base64 text, got \"not base64!\"");
}

TEST(EnvelopeJsonTest, FaultShape) {
  cwmp::Envelope envelope;
  envelope.body = cwmp::Fault{"Client",
                              "CWMP fault",
                              9003,
                              "Invalid arguments",
                              {{"Device.X.", 9007, "Invalid parameter value"}}};
  const json::value out = envelope_to_json(envelope).at("body");
  EXPECT_EQ(out, parse(R"({"faultcode": "Client", "faultstring": "CWMP fault", "code": 9003,
      "string": "Invalid arguments", "set_parameter_values_faults": [
      {"parameter_name": "Device.X.", "fault_code": 9007,
       "fault_string": "Invalid parameter value"}]})"));
}

TEST(EnvelopeJsonTest, DateTimeTextIsKeptExactly) {
  json::object in = inform_json();
  for (const char* text :
       {"2024-05-17T08:30:15.120+02:00", "2024-05-17T08:30:15", "0001-01-01T00:00:00Z"}) {
    body(in)["current_time"] = text;
    EXPECT_EQ(envelope_to_json(convert(in)).at("body").at("current_time"), text);
  }
  body(in)["current_time"] = "2024-13-01T00:00:00Z";
  EXPECT_EQ(conversion_error(in),
            "body.current_time: expected an xsd:dateTime such as \"2024-01-01T00:00:00Z\", got "
            "\"2024-13-01T00:00:00Z\"");
}

TEST(EnvelopeJsonTest, ValueTypesByShortName) {
  json::object in = inform_json();
  for (std::string_view name : value_type_names()) {
    body(in)["parameter_list"].as_array()[1].as_object()["type"] = name;
    const cwmp::Envelope envelope = convert(in);
    EXPECT_EQ(cwmp::to_string(std::get<cwmp::Inform>(envelope.body).parameter_list[1].type), name);
  }
  EXPECT_EQ(value_type_names().size(), 11u);
  EXPECT_EQ(value_type_names().back(), "unspecified");

  body(in)["parameter_list"].as_array()[1].as_object()["type"] = "xsd:string";
  EXPECT_EQ(conversion_error(in),
            "body.parameter_list[1].type: expected one of string, int, unsignedInt, long, "
            "unsignedLong, boolean, dateTime, base64, hexBinary, decimal, unspecified, got "
            "\"xsd:string\"");
}

TEST(EnvelopeJsonTest, UnknownFieldsAreRejectedWithASuggestion) {
  json::object in = inform_json();
  body(in)["parameter_list"].as_array()[1].as_object()["vaule"] = "x";
  EXPECT_EQ(conversion_error(in),
            "body.parameter_list[1].vaule: unknown field (did you mean \"value\"?); known "
            "fields: name, value, type");

  in = inform_json();
  in["headers"] = json::object();
  EXPECT_EQ(conversion_error(in),
            "headers: unknown field (did you mean \"header\"?); known fields: version, "
            "namespace, header, method, body");

  // Nothing close: no suggestion.
  in = inform_json();
  in["header"].as_object()["cookie"] = "x";
  EXPECT_EQ(conversion_error(in),
            "header.cookie: unknown field; known fields: id, hold_requests, session_timeout, "
            "supported_cwmp_versions, use_cwmp_version, no_more_requests");

  EXPECT_EQ(conversion_error(R"({"method": "RebootResponse", "body": {"command_key": ""}})"),
            "body.command_key: unknown field; this object has no fields");
}

TEST(EnvelopeJsonTest, MissingAndMistypedFieldsNameThePath) {
  json::object in = inform_json();
  body(in)["device_id"].as_object().erase("oui");
  EXPECT_EQ(conversion_error(in), "body.device_id.oui: missing required field");

  in = inform_json();
  body(in)["event"].as_array()[1] = "1 BOOT";
  EXPECT_EQ(conversion_error(in), "body.event[1]: expected an object, got \"1 BOOT\"");

  in = inform_json();
  body(in)["parameter_list"] = json::object();
  EXPECT_EQ(conversion_error(in), "body.parameter_list: expected an array, got an object");

  in = inform_json();
  body(in)["device_id"].as_object()["oui"] = nullptr;  // null is only "absent" for optionals
  EXPECT_EQ(conversion_error(in), "body.device_id.oui: expected a string, got null");

  EXPECT_EQ(conversion_error(R"({"method": "GetParameterNames",
      "body": {"parameter_path": "Device.", "next_level": 1}})"),
            "body.next_level: expected true or false, got 1");
}

TEST(EnvelopeJsonTest, IntegersAreRangeChecked) {
  auto with_status = [](json::value status) {
    json::object in{{"method", "SetParameterValuesResponse"}, {"body", {{"status", status}}}};
    return in;
  };
  EXPECT_EQ(
      std::get<cwmp::SetParameterValuesResponse>(convert(with_status(-2147483648)).body).status,
      -2147483648);
  EXPECT_EQ(conversion_error(with_status(2147483648)),
            "body.status: expected an integer in -2147483648..2147483647, got 2147483648");
  EXPECT_EQ(conversion_error(with_status(1.0)),
            "body.status: expected an integer in -2147483648..2147483647, got a "
            "floating-point number (1E0)");
  EXPECT_EQ(conversion_error(with_status("1")),
            "body.status: expected an integer in -2147483648..2147483647, got \"1\"");

  json::object in = inform_json();
  body(in)["retry_count"] = 4294967295u;
  EXPECT_EQ(std::get<cwmp::Inform>(convert(in).body).retry_count, 4294967295u);
  body(in)["retry_count"] = 4294967296;
  EXPECT_EQ(conversion_error(in),
            "body.retry_count: expected an unsigned integer in 0..4294967295, got 4294967296");
  body(in)["retry_count"] = std::uint64_t(18446744073709551615u);
  EXPECT_EQ(conversion_error(in),
            "body.retry_count: expected an unsigned integer in 0..4294967295, got "
            "18446744073709551615");
}

TEST(EnvelopeJsonTest, OperationTypeErrors) {
  EXPECT_EQ(conversion_error(R"({"method": "ChangeDUState",
                                 "body": {"operations": [{"url": "http://x/"}]}})"),
            "body.operations[0].type: missing required field (one of install, update, "
            "uninstall)");
  EXPECT_EQ(conversion_error(R"({"method": "ChangeDUState",
                                 "body": {"operations": [{"type": "remove", "uuid": "u"}]}})"),
            "body.operations[0].type: expected one of install, update, uninstall, got "
            "\"remove\"");
  // Fields are checked against the chosen operation.
  EXPECT_EQ(conversion_error(R"({"method": "ChangeDUState",
                                 "body": {"operations": [{"type": "uninstall", "uuid": "u",
                                                          "url": "http://x/"}]}})"),
            "body.operations[0].url: unknown field; known fields: type, uuid, version, "
            "execution_env_ref");
}

TEST(EnvelopeJsonTest, TopLevelErrors) {
  EXPECT_EQ(conversion_error("[]"), "expected a JSON object at the top level, got an array");
  EXPECT_EQ(conversion_error(R"({"body": {}})"), "method: missing required field");
  EXPECT_EQ(conversion_error(R"({"method": 3})"), "method: expected a string, got 3");
  EXPECT_EQ(conversion_error(R"({"method": "Infrom"})"),
            "method: unknown method \"Infrom\" (did you mean \"Inform\"?); `cwmpctl methods` "
            "lists them");
  EXPECT_EQ(conversion_error(R"({"method": "Reboot", "version": "2.0", "body": {}})"),
            "version: expected one of 1.0, 1.1, 1.2, 1.3, 1.4, got \"2.0\"");
  EXPECT_EQ(conversion_error(R"({"method": "Reboot", "body": []})"),
            "body: expected an object, got an array");
}

TEST(EnvelopeJsonTest, TemplatesHaveEveryFieldAndConvertBack) {
  for (std::string_view method : method_names()) {
    SCOPED_TRACE(method);
    const auto json = envelope_template(method);
    ASSERT_TRUE(json.has_value());
    EXPECT_EQ(json->at("method").as_string(), method);
    EXPECT_EQ(json->at("header"), (json::object{{"id", "1"}}));
    const cwmp::Envelope envelope = convert(*json);
    EXPECT_EQ(envelope_to_json(envelope), *json);
  }
  const auto change = envelope_template("ChangeDUState");
  ASSERT_TRUE(change.has_value());
  const json::object& body = change->at("body").as_object();
  EXPECT_TRUE(body.contains("command_key"));  // optional fields are shown
  const json::array& operations = body.at("operations").as_array();
  ASSERT_EQ(operations.size(), 3u);
  EXPECT_EQ(operations[0].at("type"), "install");
  EXPECT_TRUE(operations[0].as_object().contains("execution_env_ref"));
  EXPECT_EQ(operations[2].at("type"), "uninstall");
  const auto spv = envelope_template("SetParameterValues");
  ASSERT_TRUE(spv.has_value());
  EXPECT_EQ(spv->at("body").at("parameter_list"),
            (json::array{{{"name", ""}, {"value", ""}, {"type", "string"}}}));

  EXPECT_FALSE(envelope_template("Infrom").has_value());
}

TEST(JsonTextTest, SyntaxErrorsHaveLineAndColumn) {
  JsonSyntaxError error;
  EXPECT_FALSE(parse_json("{\n  \"a\": 1,\n  \"b\": tru\n}", error));
  EXPECT_EQ(error.line, 3u);
  EXPECT_EQ(error.column, 8u);
  EXPECT_NE(error.message.find("invalid JSON"), std::string::npos);

  EXPECT_FALSE(parse_json("{\"a\": 1} {}", error));
  EXPECT_EQ(error.line, 1u);
  EXPECT_EQ(error.column, 10u);

  EXPECT_FALSE(parse_json("{\"a\": [1,\n", error));  // truncated: points at the end
  EXPECT_EQ(error.line, 2u);
  EXPECT_EQ(error.column, 1u);

  EXPECT_FALSE(parse_json("", error));
}

TEST(JsonTextTest, CommentsAndTrailingCommasAreAccepted) {
  JsonSyntaxError error;
  const auto value = parse_json("// hand-written\n{\"a\": [1, 2,], /* x */ \"b\": {},}\n", error);
  ASSERT_TRUE(value.has_value()) << error.message;
  EXPECT_EQ(*value, parse(R"({"a": [1, 2], "b": {}})"));
}

TEST(JsonTextTest, FormatPrettyAndCompact) {
  const json::value value = parse(R"({"b": [1, "x\n"], "a": {}, "c": [], "d": {"e": null}})");
  EXPECT_EQ(format_json(value),
            "{\n"
            "  \"b\": [\n"
            "    1,\n"
            "    \"x\\n\"\n"
            "  ],\n"
            "  \"a\": {},\n"
            "  \"c\": [],\n"
            "  \"d\": {\n"
            "    \"e\": null\n"
            "  }\n"
            "}\n");
  EXPECT_EQ(format_json(value, /*pretty=*/false),
            "{\"b\":[1,\"x\\n\"],\"a\":{},\"c\":[],\"d\":{\"e\":null}}\n");
  EXPECT_EQ(parse(format_json(value)), value);
}

}  // namespace
}  // namespace cwmpctl
