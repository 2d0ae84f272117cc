// The ACS's device id: "OUI-ProductClass-SerialNumber", escaped exactly like GenieACS
// (lib/common.ts generateDeviceId) so that ids, NBI URLs and scripts carry over from GenieACS.
//
// Each part is escaped on its own: every byte outside [A-Za-z0-9_] becomes "%" followed by its
// upper-case hex value, so '-' (the separator) never appears inside a part and the id splits
// back unambiguously. When the ProductClass is empty it is omitted with its separator
// ("OUI-SerialNumber"), as in GenieACS; TR-069 makes the OUI + SerialNumber pair unique when no
// ProductClass is given (A.3.3.1 DeviceIdStruct).
//
// One deliberate difference: GenieACS writes a byte below 0x10 with a single hex digit (JavaScript
// `b.toString(16)`), e.g. TAB as "%9", which makes such ids ambiguous to read back. We always
// write two digits ("%09"). Control characters in DeviceId fields are invalid in practice, so ids
// of real devices are identical to GenieACS's.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cwmp/messages.hpp"

namespace acs {

// Escapes one part of a device id (see above).
std::string escape_device_id_part(std::string_view part);

// Reverses escape_device_id_part; nullopt when `escaped` holds a byte outside [A-Za-z0-9_%],
// a malformed escape, or an escape of a byte that would not have been escaped.
std::optional<std::string> unescape_device_id_part(std::string_view escaped);

// The device id of a DeviceIdStruct. Manufacturer is not part of it.
std::string make_device_id(const cwmp::DeviceId& device_id);

// The three identifying parts of a device id; manufacturer stays empty.
struct DeviceIdParts {
  std::string oui;
  std::string product_class;  // empty when the id has two parts
  std::string serial_number;
  friend bool operator==(const DeviceIdParts&, const DeviceIdParts&) = default;
};

// Splits and unescapes an id made by make_device_id: the exact inverse, so
// parse_device_id(make_device_id(d)) gives d's parts for every d. nullopt when `id` is not such an
// id (not 2 or 3 parts, an empty middle part, a bad escape, or a non-canonical spelling such as
// "%41" for 'A' or lower-case hex), so that one device never has two ids.
std::optional<DeviceIdParts> parse_device_id(std::string_view id);

}  // namespace acs
