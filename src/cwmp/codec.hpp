// The SOAP codec: decode(bytes) -> Envelope | Error, encode(Envelope) -> bytes.
// Lenient in what it accepts (any prefixes, default namespaces, missing xsi:type,
// wrong arrayType counts, BOM, CRLF, ...), strict in what it writes (every
// envelope validates against the official cwmp-1-x.xsd with a strict Body).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cwmp/messages.hpp"
#include "cwmp/result.hpp"

namespace cwmp {

// Limits on everything a peer sends. A violation is an Error of kind
// kResourcesExceeded (sizes, depth, counts) or kInvalidArguments (field lengths).
struct Limits {
  std::size_t max_body_bytes = 4 * 1024 * 1024;
  std::uint32_t max_depth = 32;             // element nesting, Envelope = 1
  std::uint32_t max_list_entries = 100000;  // entries of any one array
  std::uint32_t max_events = 64;            // Inform Event (schema: 0..64)
  std::uint32_t max_name_length = 256;      // parameter and object names
  std::uint32_t max_device_id_field = 64;   // DeviceIdStruct fields
  std::uint32_t max_value_length = 65536;   // one parameter value
  std::uint32_t max_string_length = 4096;   // any other text field
};

struct Decoded {
  Envelope envelope;
  CwmpNamespace ns = CwmpNamespace::k1_2;  // the cwmp namespace seen on the wire
  // Deviations that were tolerated (missing xsi:type is not one: it is normal in 1.0).
  std::vector<std::string> warnings;
};

Result<Decoded> decode(std::string_view bytes, const Limits& limits = {});

struct EncodeOptions {
  bool xml_declaration = false;  // some agents reject one, so none by default
  bool pretty = false;           // newlines and indentation, for humans
};

// Fails (kInvalidArguments) when the envelope would not validate against the
// schema: an over-long field, a bad OUI, an event code out of pattern, a value
// not in the lexical space of its type, a character XML cannot carry, ...
Result<std::string> encode(const Envelope& envelope, const EncodeOptions& options = {});
// Same, appending to `out` (reuse one buffer on hot paths). On error `out` is
// restored to its previous length.
Result<std::size_t> encode_to(const Envelope& envelope, std::string& out,
                              const EncodeOptions& options = {});

}  // namespace cwmp
