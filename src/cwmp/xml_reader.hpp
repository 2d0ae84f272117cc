// Helpers the decoder uses on top of pugixml: namespace-agnostic name matching,
// prefix resolution, text extraction, and a small index of an element's children.
// pugixml knows nothing of namespaces; real CPEs use every prefix imaginable, so
// we match local names and resolve a prefix only where the namespace matters
// (the Envelope and the RPC element, TR-069 §3.5).
#pragma once

#include <array>
#include <cstring>
#include <string>
#include <string_view>

#include <pugixml.hpp>

namespace cwmp::detail {

inline std::string_view local_name(const char* qname) {
  const char* colon = std::strchr(qname, ':');
  return colon ? std::string_view(colon + 1) : std::string_view(qname);
}

// qname == name or qname == "<prefix>:" + name, without strlen/strchr in the
// usual case: CWMP child elements are unqualified, so most names match (or
// differ) in their first characters.
// (Inline loops: the libc calls cost more than the few bytes they compare.)
inline bool name_is(const char* qname, std::string_view name) {
  const char* q = qname;
  std::size_t i = 0;
  while (i < name.size() && q[i] == name[i]) ++i;
  if (i == name.size() && q[i] == '\0') return true;
  // Not an unprefixed match: skip a prefix, if any, and compare the rest.
  while (*q != '\0' && *q != ':') ++q;
  if (*q != ':') return false;
  ++q;
  for (i = 0; i < name.size(); ++i) {
    if (q[i] != name[i]) return false;
  }
  return q[name.size()] == '\0';
}

inline std::string_view prefix_of(const char* qname) {
  const char* colon = std::strchr(qname, ':');
  return colon ? std::string_view(qname, std::size_t(colon - qname)) : std::string_view();
}

// The namespace URI bound to `prefix` ("" = default namespace) at `node`, or
// nullptr when it is not declared.
const char* resolve_namespace(pugi::xml_node node, std::string_view prefix);

inline const char* namespace_of(pugi::xml_node node) {
  return resolve_namespace(node, prefix_of(node.name()));
}

// First attribute whose local name is `name`, whatever its prefix.
pugi::xml_attribute find_attribute(pugi::xml_node node, std::string_view name);

// The text content of an element: its character data children joined (comments
// and PIs between them are skipped). Returns a view into the document, or into
// `scratch` when pieces had to be joined.
std::string_view text_of(pugi::xml_node node, std::string& scratch);

// Trims XML whitespace (space, TAB, CR, LF).
std::string_view trim(std::string_view s);

// Up to kCapacity child elements indexed by local name, for structs whose
// fields may come in any order. Later duplicates are ignored (first wins).
class Children {
 public:
  static constexpr std::size_t kCapacity = 24;

  explicit Children(pugi::xml_node parent);
  pugi::xml_node find(std::string_view name) const;
  bool overflowed() const { return overflowed_; }

 private:
  // Deliberately left uninitialised: only [0, size_) is ever read, and this
  // object is built for every struct of every message (hot path).
  struct Item {
    const char* qname;
    pugi::xml_node_struct* node;
  };
  Item items_[kCapacity];
  std::size_t size_ = 0;
  bool overflowed_ = false;
};

}  // namespace cwmp::detail
