// CWMP versions, their namespaces, and the CWMP 1.4 version negotiation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cwmp {

enum class CwmpVersion : std::uint8_t { k1_0 = 0, k1_1 = 1, k1_2 = 2, k1_3 = 3, k1_4 = 4 };

inline constexpr CwmpVersion kNewestVersion = CwmpVersion::k1_4;

// The cwmp namespace seen on the wire. CWMP 1.3 and 1.4 kept the 1.2 namespace
// (their schemas have targetNamespace cwmp-1-2); "cwmp-1-3" is not defined by the
// BBF but some stacks send it, so it is accepted on input and never written.
enum class CwmpNamespace : std::uint8_t { k1_0, k1_1, k1_2, k1_3NonStandard };

std::string_view namespace_urn(CwmpNamespace ns);
std::optional<CwmpNamespace> parse_namespace_urn(std::string_view urn);
// The namespace we write for a version: 1.0 -> cwmp-1-0, 1.1 -> cwmp-1-1, 1.2+ -> cwmp-1-2.
CwmpNamespace namespace_for(CwmpVersion version);
// The oldest version whose namespace is `ns`.
CwmpVersion base_version(CwmpNamespace ns);

std::string_view to_string(CwmpVersion version);  // "1.0" .. "1.4"
std::optional<CwmpVersion> parse_version(std::string_view text);

// A set of versions, e.g. the CPE's SupportedCWMPVersions "1.0,1.1,1.2,1.3,1.4".
class VersionSet {
 public:
  VersionSet() = default;
  static VersionSet all();
  // Lenient: spaces are ignored, unknown entries (e.g. "2.0") are skipped.
  static VersionSet parse(std::string_view comma_list);

  void add(CwmpVersion v) { bits_ |= bit(v); }
  bool contains(CwmpVersion v) const { return (bits_ & bit(v)) != 0; }
  bool empty() const { return bits_ == 0; }
  std::optional<CwmpVersion> highest() const;
  std::string to_string() const;  // "1.0,1.1,..." in ascending order

 private:
  static std::uint8_t bit(CwmpVersion v) { return std::uint8_t(1u << std::uint8_t(v)); }
  std::uint8_t bits_ = 0;
};

// CWMP 1.4 negotiation (TR-069 A5/A6 §3.5?): the ACS answers UseCWMPVersion with the
// highest version both sides support. nullopt means fault 8006 (ACS version
// incompatible with CPE).
std::optional<CwmpVersion> negotiate_version(const VersionSet& cpe_supported,
                                             const VersionSet& acs_supported);

}  // namespace cwmp
