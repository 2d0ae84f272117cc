// CWMP versions and namespaces: see version.hpp and CWMP-FACTS §0.
#include "cwmp/version.hpp"

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace cwmp {

namespace {

constexpr bool is_xml_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_xml_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_xml_space(s.back())) s.remove_suffix(1);
  return s;
}

constexpr std::array<std::string_view, 4> kNamespaceUrns = {
    "urn:dslforum-org:cwmp-1-0",
    "urn:dslforum-org:cwmp-1-1",
    "urn:dslforum-org:cwmp-1-2",
    // Not defined by the BBF (1.3 and 1.4 kept cwmp-1-2), but sent by some
    // stacks (GenieACS uses it for 1.4); accepted on input only.
    "urn:dslforum-org:cwmp-1-3",
};

constexpr std::array<std::string_view, 5> kVersionNames = {"1.0", "1.1", "1.2", "1.3", "1.4"};

constexpr std::array<CwmpVersion, 5> kAllVersions = {
    CwmpVersion::k1_0, CwmpVersion::k1_1, CwmpVersion::k1_2, CwmpVersion::k1_3, CwmpVersion::k1_4};

}  // namespace

std::string_view namespace_urn(CwmpNamespace ns) {
  const auto index = static_cast<std::size_t>(ns);
  return index < kNamespaceUrns.size() ? kNamespaceUrns[index] : kNamespaceUrns[2];
}

// Namespace names are compared exactly (XML Namespaces §2.3: no case folding);
// only surrounding whitespace, which some CPEs leave in attribute values, is
// tolerated.
std::optional<CwmpNamespace> parse_namespace_urn(std::string_view urn) {
  urn = trim(urn);
  for (std::size_t i = 0; i < kNamespaceUrns.size(); ++i) {
    if (kNamespaceUrns[i] == urn) return static_cast<CwmpNamespace>(i);
  }
  return std::nullopt;
}

CwmpNamespace namespace_for(CwmpVersion version) {
  switch (version) {
    case CwmpVersion::k1_0:
      return CwmpNamespace::k1_0;
    case CwmpVersion::k1_1:
      return CwmpNamespace::k1_1;
    case CwmpVersion::k1_2:
    case CwmpVersion::k1_3:
    case CwmpVersion::k1_4:
      return CwmpNamespace::k1_2;
  }
  return CwmpNamespace::k1_2;
}

CwmpVersion base_version(CwmpNamespace ns) {
  switch (ns) {
    case CwmpNamespace::k1_0:
      return CwmpVersion::k1_0;
    case CwmpNamespace::k1_1:
      return CwmpVersion::k1_1;
    case CwmpNamespace::k1_2:
      return CwmpVersion::k1_2;
    case CwmpNamespace::k1_3NonStandard:
      return CwmpVersion::k1_3;
  }
  return CwmpVersion::k1_2;
}

std::string_view to_string(CwmpVersion version) {
  const auto index = static_cast<std::size_t>(version);
  return index < kVersionNames.size() ? kVersionNames[index] : std::string_view{};
}

std::optional<CwmpVersion> parse_version(std::string_view text) {
  text = trim(text);
  for (std::size_t i = 0; i < kVersionNames.size(); ++i) {
    if (kVersionNames[i] == text) return static_cast<CwmpVersion>(i);
  }
  return std::nullopt;
}

VersionSet VersionSet::all() {
  VersionSet set;
  for (const CwmpVersion v : kAllVersions) set.add(v);
  return set;
}

VersionSet VersionSet::parse(std::string_view comma_list) {
  VersionSet set;
  while (true) {
    const auto comma = comma_list.find(',');
    if (const auto v = parse_version(comma_list.substr(0, comma))) set.add(*v);
    if (comma == std::string_view::npos) break;
    comma_list.remove_prefix(comma + 1);
  }
  return set;
}

std::optional<CwmpVersion> VersionSet::highest() const {
  for (auto it = kAllVersions.rbegin(); it != kAllVersions.rend(); ++it) {
    if (contains(*it)) return *it;
  }
  return std::nullopt;
}

std::string VersionSet::to_string() const {
  std::string out;
  for (const CwmpVersion v : kAllVersions) {
    if (!contains(v)) continue;
    if (!out.empty()) out.push_back(',');
    out.append(cwmp::to_string(v));
  }
  return out;
}

std::optional<CwmpVersion> negotiate_version(const VersionSet& cpe_supported,
                                             const VersionSet& acs_supported) {
  VersionSet common;
  for (const CwmpVersion v : kAllVersions) {
    if (cpe_supported.contains(v) && acs_supported.contains(v)) common.add(v);
  }
  return common.highest();
}

}  // namespace cwmp
