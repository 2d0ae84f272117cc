#include "cwmp/xml_reader.hpp"

namespace cwmp::detail {

const char* resolve_namespace(pugi::xml_node node, std::string_view prefix) {
  for (; node && node.type() == pugi::node_element; node = node.parent()) {
    for (pugi::xml_attribute a = node.first_attribute(); a; a = a.next_attribute()) {
      const char* n = a.name();
      if (std::strncmp(n, "xmlns", 5) != 0) continue;
      if (prefix.empty() ? n[5] == '\0'
                         : (n[5] == ':' && std::string_view(n + 6) == prefix)) {
        return a.value();
      }
    }
  }
  return nullptr;
}

pugi::xml_attribute find_attribute(pugi::xml_node node, std::string_view name) {
  for (pugi::xml_attribute a = node.first_attribute(); a; a = a.next_attribute()) {
    if (local_name(a.name()) == name) return a;
  }
  return {};
}

std::string_view text_of(pugi::xml_node node, std::string& scratch) {
  pugi::xml_node first;
  bool joined = false;
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    const auto type = c.type();
    if (type != pugi::node_pcdata && type != pugi::node_cdata) continue;
    if (!first) {
      first = c;
      continue;
    }
    if (!joined) {
      scratch.assign(first.value());
      joined = true;
    }
    scratch.append(c.value());
  }
  if (joined) return scratch;
  return first ? std::string_view(first.value()) : std::string_view();
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
    items_[size_++] = {local_name(c.name()), c};
  }
}

pugi::xml_node Children::find(std::string_view name) const {
  for (std::size_t i = 0; i < size_; ++i) {
    if (items_[i].first == name) return items_[i].second;
  }
  return {};
}

}  // namespace cwmp::detail
