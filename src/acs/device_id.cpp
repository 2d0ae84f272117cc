#include "acs/device_id.hpp"

#include <vector>

namespace acs {
namespace {

constexpr char kSeparator = '-';
constexpr std::string_view kHexDigits = "0123456789ABCDEF";

// GenieACS's safe set: /[^A-Za-z0-9_]/ is escaped. Checked by byte so that the result does not
// depend on the locale.
bool is_safe(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

int upper_hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;  // lower-case hex is not canonical: escape_device_id_part never writes it
}

}  // namespace

std::string escape_device_id_part(std::string_view part) {
  std::string out;
  out.reserve(part.size());
  // Byte by byte: GenieACS escapes the UTF-8 bytes of each character, which is the same thing.
  for (char ch : part) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_safe(c)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHexDigits[c >> 4]);
      out.push_back(kHexDigits[c & 0x0F]);
    }
  }
  return out;
}

std::optional<std::string> unescape_device_id_part(std::string_view escaped) {
  std::string out;
  out.reserve(escaped.size());
  for (std::size_t i = 0; i < escaped.size(); ++i) {
    const auto c = static_cast<unsigned char>(escaped[i]);
    if (is_safe(c)) {
      out.push_back(escaped[i]);
      continue;
    }
    if (c != '%' || i + 2 >= escaped.size()) return std::nullopt;
    const int high = upper_hex_value(escaped[i + 1]);
    const int low = upper_hex_value(escaped[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    const auto byte = static_cast<unsigned char>(high * 16 + low);
    if (is_safe(byte)) return std::nullopt;  // "%41" for 'A': not what we would have written
    out.push_back(static_cast<char>(byte));
    i += 2;
  }
  return out;
}

std::string make_device_id(const cwmp::DeviceId& device_id) {
  std::string id = escape_device_id_part(device_id.oui);
  id.push_back(kSeparator);
  if (!device_id.product_class.empty()) {
    id += escape_device_id_part(device_id.product_class);
    id.push_back(kSeparator);
  }
  id += escape_device_id_part(device_id.serial_number);
  return id;
}

std::optional<DeviceIdParts> parse_device_id(std::string_view id) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dash = id.find(kSeparator, start);
    parts.push_back(id.substr(start, dash == std::string_view::npos ? id.npos : dash - start));
    if (dash == std::string_view::npos) break;
    start = dash + 1;
    if (parts.size() > 3) return std::nullopt;
  }
  if (parts.size() != 2 && parts.size() != 3) return std::nullopt;

  DeviceIdParts out;
  auto oui = unescape_device_id_part(parts.front());
  auto serial = unescape_device_id_part(parts.back());
  if (!oui || !serial) return std::nullopt;
  out.oui = std::move(*oui);
  out.serial_number = std::move(*serial);
  if (parts.size() == 3) {
    auto product_class = unescape_device_id_part(parts[1]);
    // An empty ProductClass is written by omitting it, never as "OUI--Serial".
    if (!product_class || product_class->empty()) return std::nullopt;
    out.product_class = std::move(*product_class);
  }
  return out;
}

}  // namespace acs
