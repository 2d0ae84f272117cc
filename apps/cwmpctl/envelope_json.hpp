// cwmp::Envelope <-> JSON, the shape documented in docs/cwmpctl.md:
//   {"version": "1.2", "namespace": "urn:dslforum-org:cwmp-1-2", "header": {...},
//    "method": "Inform", "body": {...fields of cwmp::Inform in snake_case...}}
// Conversion to JSON cannot fail. Conversion from JSON is strict, because the
// input is usually hand-edited: unknown fields, missing fields and mistyped
// values are all errors that name the JSON path of the culprit.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "cwmp/codec.hpp"
#include "cwmp/messages.hpp"
#include "cwmp/version.hpp"

namespace cwmpctl {

// `ns`, when given, is written as "namespace" (what the decoder saw on the wire).
boost::json::object envelope_to_json(const cwmp::Envelope& envelope,
                                     std::optional<cwmp::CwmpNamespace> ns = std::nullopt);
inline boost::json::object envelope_to_json(const cwmp::Decoded& decoded) {
  return envelope_to_json(decoded.envelope, decoded.ns);
}

struct JsonError {
  std::string path;  // e.g. "body.parameter_list[3].type"; empty for the document itself
  std::string message;

  std::string to_string() const;  // "path: message", or just the message
};

// Returns the envelope, or nullopt with `error` filled in. "namespace" is
// ignored; "version" defaults to 1.2, "header" to no header fields and "body" to
// {} (so a method without arguments needs only "method").
std::optional<cwmp::Envelope> envelope_from_json(const boost::json::value& json, JsonError& error);

// A JSON envelope of `method` with every field present: defaults for scalars,
// one element in each list (each kind of ChangeDUState operation), every
// optional field set and a header ID. A starting point for writing a message by
// hand. nullopt for an unknown method.
std::optional<boost::json::object> envelope_template(std::string_view method);

// The element names of every message the codec knows ("GetRPCMethods", ...,
// "Fault"), in the order of cwmp::Body.
const std::vector<std::string_view>& method_names();

// The "type" names of a parameter value: "string", "int", ..., "unspecified".
const std::vector<std::string_view>& value_type_names();

}  // namespace cwmpctl
