#include "cwmp/xml_reader.hpp"

namespace cwmp::detail {

const char* resolve_namespace(pugi::xml_node node, std::string_view prefix) {
  for (; node && node.type() == pugi::node_element; node = node.parent()) {
    for (pugi::xml_attribute a = node.first_attribute(); a; a = a.next_attribute()) {
      const char* n = a.name();
      if (std::strncmp(n, "xmlns", 5) != 0) continue;
      if (prefix.empty() ? n[5] == '\0' : (n[5] == ':' && std::string_view(n + 6) == prefix)) {
        return a.value();
      }
    }
  }
  return nullptr;
}

pugi::xml_attribute find_attribute(pugi::xml_node node, std::string_view name) {
  for (pugi::xml_attribute a = node.first_attribute(); a; a = a.next_attribute()) {
    if (name_is(a.name(), name)) return a;
  }
  return {};
}

std::string_view text_of(pugi::xml_node node, std::string& scratch) {
  // The document is parsed with parse_embed_pcdata: the first run of text of an
  // element is its value(). Only text split by a comment, a PI or CDATA leaves
  // further text children to join.
  const char* embedded = node.value();
  const pugi::xml_node child = node.first_child();
  if (!child) return embedded;
  bool joined = false;
  std::string_view first = embedded;
  for (pugi::xml_node c = child; c; c = c.next_sibling()) {
    const auto type = c.type();
    if (type != pugi::node_pcdata && type != pugi::node_cdata) continue;
    if (first.empty() && !joined) {
      first = c.value();
      continue;
    }
    if (!joined) {
      scratch.assign(first);
      joined = true;
    }
    scratch.append(c.value());
  }
  return joined ? std::string_view(scratch) : first;
}

std::string_view trim(std::string_view s) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

Children::Children(pugi::xml_node parent) {
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    if (size_ == kCapacity) {
      overflowed_ = true;
      break;
    }
    items_[size_++] = {c.name(), c.internal_object()};
  }
}

pugi::xml_node Children::find(std::string_view name) const {
  for (std::size_t i = 0; i < size_; ++i) {
    if (name_is(items_[i].qname, name)) return pugi::xml_node(items_[i].node);
  }
  return {};
}

}  // namespace cwmp::detail
