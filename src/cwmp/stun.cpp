#include "cwmp/stun.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace cwmp::stun {
namespace {

constexpr std::uint32_t kFingerprintXor = 0x5354554e;  // "STUN", RFC 5389 §15.5
constexpr std::size_t kHmacSha1Size = 20;
constexpr std::size_t kAttributeHeaderSize = 4;

std::uint16_t be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}
void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  put16(out, static_cast<std::uint16_t>(v >> 16));
  put16(out, static_cast<std::uint16_t>(v));
}
std::size_t padded(std::size_t n) {
  return (n + 3) & ~std::size_t{3};
}

// CRC-32 (ISO-HDLC, the one zlib and RFC 5389 §15.5 use), table-driven. Local so that libcwmp
// needs no zlib.
constexpr std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}
constexpr auto kCrcTable = make_crc_table();

std::uint32_t crc32(std::span<const std::uint8_t> data) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (std::uint8_t b : data) c = kCrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

std::array<std::uint8_t, kHmacSha1Size> hmac_sha1(std::string_view key,
                                                  std::span<const std::uint8_t> data) {
  std::array<std::uint8_t, EVP_MAX_MD_SIZE> mac{};
  unsigned int size = 0;
  static const unsigned char kEmpty = 0;  // HMAC wants a non-null key pointer even for length 0
  const auto* key_bytes =
      key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data());
  if (HMAC(EVP_sha1(), key_bytes, static_cast<int>(key.size()), data.data(), data.size(),
           mac.data(), &size) == nullptr) {
    // Never expected; an all-zero tag makes verification fail rather than pass.
    return {};
  }
  std::array<std::uint8_t, kHmacSha1Size> out{};
  std::copy_n(mac.begin(), kHmacSha1Size, out.begin());
  return out;
}

// The fingerprint / integrity computations cover the message with the length field rewritten to
// end at the attribute being computed (RFC 5389 §15.4, §15.5).
std::vector<std::uint8_t> prefix_with_length(std::span<const std::uint8_t> message,
                                             std::size_t attribute_offset,
                                             std::size_t attribute_size) {
  std::vector<std::uint8_t> prefix(message.begin(),
                                   message.begin() + static_cast<std::ptrdiff_t>(attribute_offset));
  const auto length = static_cast<std::uint16_t>(attribute_offset + attribute_size - kHeaderSize);
  prefix[2] = static_cast<std::uint8_t>(length >> 8);
  prefix[3] = static_cast<std::uint8_t>(length);
  return prefix;
}

DecodeFailure failure(DecodeError kind, std::string message) {
  return DecodeFailure{kind, std::move(message)};
}

std::string hex16(std::uint16_t v) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "0x%04X", v);
  return buffer;
}

// MAPPED-ADDRESS / XOR-MAPPED-ADDRESS value (RFC 5389 §15.1, §15.2). `pad` is the 16 header bytes
// cookie || transaction id the XOR variant is masked with, or null for the plain variant.
std::optional<Address> parse_address(std::span<const std::uint8_t> v, const std::uint8_t* pad) {
  if (v.size() < 4) return std::nullopt;
  Address a;
  if (v[1] == 0x01 && v.size() == 8) {
    a.family = Address::Family::kIPv4;
  } else if (v[1] == 0x02 && v.size() == 20) {
    a.family = Address::Family::kIPv6;
  } else {
    return std::nullopt;
  }
  a.port = be16(v.data() + 2);
  const std::size_t n = v.size() - 4;
  std::copy_n(v.begin() + 4, n, a.bytes.begin());
  if (pad != nullptr) {
    a.port ^= static_cast<std::uint16_t>(kMagicCookie >> 16);
    for (std::size_t i = 0; i < n; ++i) a.bytes[i] ^= pad[i];
  }
  return a;
}

std::optional<std::string> parse_text(std::span<const std::uint8_t> v, std::size_t max) {
  if (v.size() > max) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(v.data()), v.size());
}

bool is_ignored_classic_attribute(std::uint16_t type) {
  return type == attr::kResponseAddress || type == attr::kSourceAddress ||
         type == attr::kChangedAddress || type == attr::kPassword || type == attr::kReflectedFrom;
}

// Fills one attribute into `m`. Returns an error text for an impossible value, else empty.
// Only the first occurrence of each attribute counts.
std::string parse_attribute(Message& m, std::uint16_t type, std::span<const std::uint8_t> v,
                            const std::uint8_t* header) {
  switch (type) {
    case attr::kMappedAddress:
    case attr::kXorMappedAddress: {
      const bool is_xor = type == attr::kXorMappedAddress;
      auto address = parse_address(v, is_xor ? header + 4 : nullptr);
      if (!address) return "bad address attribute " + hex16(type);
      auto& slot = is_xor ? m.xor_mapped_address : m.mapped_address;
      if (!slot) slot = address;
      return {};
    }
    case attr::kUsername:
    case attr::kSoftware:
    case attr::kRealm:
    case attr::kNonce: {
      auto text = parse_text(v, type == attr::kUsername ? kMaxUsernameSize : kMaxSoftwareSize);
      if (!text) return "text attribute " + hex16(type) + " too long";
      auto& slot = type == attr::kUsername   ? m.username
                   : type == attr::kSoftware ? m.software
                   : type == attr::kRealm    ? m.realm
                                             : m.nonce;
      if (!slot) slot = std::move(text);
      return {};
    }
    case attr::kErrorCode: {
      if (v.size() < 4 || v.size() > 4 + kMaxReasonSize) return "bad ERROR-CODE length";
      const int error_class = v[2] & 0x07;
      const int number = v[3];
      if (error_class < 3 || error_class > 6 || number > 99) return "bad ERROR-CODE value";
      if (!m.error) {
        m.error = ErrorCode{static_cast<std::uint16_t>(error_class * 100 + number),
                            std::string(reinterpret_cast<const char*>(v.data()) + 4, v.size() - 4)};
      }
      return {};
    }
    case attr::kUnknownAttributes:
      if (v.size() % 2 != 0) return "odd UNKNOWN-ATTRIBUTES length";
      if (m.unknown_attributes.empty()) {
        for (std::size_t i = 0; i < v.size(); i += 2) m.unknown_attributes.push_back(be16(&v[i]));
      }
      return {};
    case attr::kChangeRequest:
      if (v.size() != 4) return "bad CHANGE-REQUEST length";
      if (!m.change_request) m.change_request = be32(v.data());
      return {};
    case attr::kMessageIntegrity:
      if (v.size() != kHmacSha1Size) return "bad MESSAGE-INTEGRITY length";
      m.has_message_integrity = true;
      return {};
    case attr::kConnectionRequestBinding:
      if (!m.connection_request_binding) {
        m.connection_request_binding = true;
        m.connection_request_binding_value =
            std::string_view(reinterpret_cast<const char*>(v.data()), v.size()) ==
            kConnectionRequestBindingValue;
      }
      return {};
    case attr::kBindingChange:
      m.binding_change = true;  // TR-111 defines it empty; tolerate a value
      return {};
    default:
      if (is_ignored_classic_attribute(type)) return {};
      if (type < 0x8000 && std::find(m.unknown_required.begin(), m.unknown_required.end(), type) ==
                               m.unknown_required.end()) {
        m.unknown_required.push_back(type);
      }
      return {};
  }
}

// Validates the header and framing of a datagram; nullopt when they are fine.
std::optional<DecodeFailure> check_header(std::span<const std::uint8_t> bytes,
                                          std::size_t max_size) {
  if (bytes.size() > max_size) {
    return failure(DecodeError::kTooLong, "message of " + std::to_string(bytes.size()) +
                                              " bytes exceeds " + std::to_string(max_size));
  }
  if (bytes.size() < kHeaderSize) return failure(DecodeError::kTooShort, "shorter than a header");
  if ((bytes[0] & 0xC0) != 0) return failure(DecodeError::kNotStun, "first two bits not zero");
  const std::size_t length = be16(bytes.data() + 2);
  if (length % 4 != 0) return failure(DecodeError::kNotStun, "length not a multiple of 4");
  if (kHeaderSize + length > bytes.size()) {
    return failure(DecodeError::kTooShort, "length field points past the datagram");
  }
  if (kHeaderSize + length < bytes.size()) {
    return failure(DecodeError::kNotStun, "bytes after the message");
  }
  return std::nullopt;
}

// Offset of the first attribute of `type` in an already validated message, if any.
std::optional<std::size_t> find_attribute(std::span<const std::uint8_t> bytes, std::uint16_t type) {
  std::size_t pos = kHeaderSize;
  while (pos + kAttributeHeaderSize <= bytes.size()) {
    if (be16(&bytes[pos]) == type) return pos;
    pos += kAttributeHeaderSize + padded(be16(&bytes[pos + 2]));
  }
  return std::nullopt;
}

char hex_digit(int v) {
  return "0123456789abcdef"[v & 0xF];
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Address

Address Address::ipv4(std::array<std::uint8_t, 4> octets, std::uint16_t port) {
  Address a;
  a.family = Family::kIPv4;
  std::copy(octets.begin(), octets.end(), a.bytes.begin());
  a.port = port;
  return a;
}

Address Address::ipv6(std::array<std::uint8_t, 16> octets, std::uint16_t port) {
  Address a;
  a.family = Family::kIPv6;
  a.bytes = octets;
  a.port = port;
  return a;
}

std::string Address::host() const {
  std::string out;
  if (family == Family::kIPv4) {
    for (int i = 0; i < 4; ++i) {
      if (i > 0) out += '.';
      out += std::to_string(bytes[static_cast<std::size_t>(i)]);
    }
    return out;
  }
  std::array<std::uint16_t, 8> groups{};
  for (std::size_t i = 0; i < 8; ++i) groups[i] = be16(&bytes[2 * i]);
  // RFC 5952 §4.2: compress the longest run (first if tied) of two or more zero groups.
  int best_start = -1;
  int best_length = 1;
  for (int i = 0; i < 8;) {
    int j = i;
    while (j < 8 && groups[static_cast<std::size_t>(j)] == 0) ++j;
    if (j - i > best_length) {
      best_start = i;
      best_length = j - i;
    }
    i = j == i ? i + 1 : j;
  }
  for (int i = 0; i < 8; ++i) {
    if (i == best_start) {
      out += "::";
      i += best_length - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    const auto g = groups[static_cast<std::size_t>(i)];
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      const int digit = (g >> shift) & 0xF;
      if (digit != 0 || started || shift == 0) {
        out += hex_digit(digit);
        started = true;
      }
    }
  }
  return out;
}

std::string Address::to_string() const {
  const std::string h = host();
  const std::string p = std::to_string(port);
  return family == Family::kIPv4 ? h + ":" + p : "[" + h + "]:" + p;
}

// ---------------------------------------------------------------------------------------------
// Decoding

std::string_view to_string(DecodeError error) {
  switch (error) {
    case DecodeError::kTooShort:
      return "too short";
    case DecodeError::kTooLong:
      return "too long";
    case DecodeError::kNotStun:
      return "not STUN";
    case DecodeError::kBadAttribute:
      return "bad attribute";
    case DecodeError::kBadFingerprint:
      return "bad fingerprint";
  }
  return "unknown";
}

std::string_view to_string(IntegrityResult result) {
  switch (result) {
    case IntegrityResult::kOk:
      return "ok";
    case IntegrityResult::kMissing:
      return "no MESSAGE-INTEGRITY";
    case IntegrityResult::kMismatch:
      return "MESSAGE-INTEGRITY mismatch";
    case IntegrityResult::kBadFingerprint:
      return "bad FINGERPRINT";
    case IntegrityResult::kMalformed:
      return "malformed message";
  }
  return "unknown";
}

Result<Message, DecodeFailure> decode(std::span<const std::uint8_t> bytes, std::size_t max_size) {
  if (auto bad = check_header(bytes, max_size)) return std::move(*bad);
  Message m;
  m.type = be16(bytes.data());
  m.cookie = be32(bytes.data() + 4);
  std::copy_n(bytes.begin() + 8, m.transaction_id.size(), m.transaction_id.begin());

  bool after_integrity = false;
  std::size_t pos = kHeaderSize;
  while (pos < bytes.size()) {
    if (bytes.size() - pos < kAttributeHeaderSize) {
      return failure(DecodeError::kBadAttribute, "truncated attribute header");
    }
    const std::uint16_t type = be16(&bytes[pos]);
    const std::size_t length = be16(&bytes[pos + 2]);
    if (padded(length) > bytes.size() - pos - kAttributeHeaderSize) {
      return failure(DecodeError::kBadAttribute, "attribute " + hex16(type) + " overruns");
    }
    if (m.has_fingerprint) {
      return failure(DecodeError::kBadFingerprint, "attribute after FINGERPRINT");
    }
    const auto value = bytes.subspan(pos + kAttributeHeaderSize, length);
    if (type == attr::kFingerprint) {
      // The length field already ends after FINGERPRINT, since it must be last (checked above
      // on the next iteration).
      if (length != 4 || (crc32(bytes.first(pos)) ^ kFingerprintXor) != be32(value.data())) {
        return failure(DecodeError::kBadFingerprint, "FINGERPRINT does not match");
      }
      m.has_fingerprint = true;
    } else if (!after_integrity) {
      // RFC 5389 §15.4: everything after MESSAGE-INTEGRITY but FINGERPRINT is ignored.
      std::string error = parse_attribute(m, type, value, bytes.data());
      if (!error.empty()) return failure(DecodeError::kBadAttribute, std::move(error));
      after_integrity = type == attr::kMessageIntegrity;
    }
    pos += kAttributeHeaderSize + padded(length);
  }
  return m;
}

bool looks_like_stun(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kHeaderSize || (bytes[0] & 0xC0) != 0) return false;
  const std::size_t length = be16(bytes.data() + 2);
  if (length % 4 != 0 || kHeaderSize + length != bytes.size()) return false;
  if (be32(bytes.data() + 4) == kMagicCookie) return true;
  // RFC 3489 message types: Binding and Shared Secret request / response / error response.
  switch (be16(bytes.data())) {
    case 0x0001:
    case 0x0101:
    case 0x0111:
    case 0x0002:
    case 0x0102:
    case 0x0112:
      return true;
    default:
      return false;
  }
}

IntegrityResult verify_integrity(std::span<const std::uint8_t> message, std::string_view key) {
  auto decoded = decode(message, message.size());
  if (!decoded) {
    return decoded.error().kind == DecodeError::kBadFingerprint ? IntegrityResult::kBadFingerprint
                                                                : IntegrityResult::kMalformed;
  }
  if (!decoded->has_message_integrity) return IntegrityResult::kMissing;
  const auto offset = find_attribute(message, attr::kMessageIntegrity);
  if (!offset) return IntegrityResult::kMissing;
  const auto prefix = prefix_with_length(message, *offset, kAttributeHeaderSize + kHmacSha1Size);
  const auto expected = hmac_sha1(key, prefix);
  const std::uint8_t* actual = message.data() + *offset + kAttributeHeaderSize;
  return CRYPTO_memcmp(expected.data(), actual, kHmacSha1Size) == 0 ? IntegrityResult::kOk
                                                                    : IntegrityResult::kMismatch;
}

// ---------------------------------------------------------------------------------------------
// Encoding

MessageBuilder::MessageBuilder(std::uint16_t type, std::uint32_t cookie, const TransactionId& id)
    : classic_(cookie != kMagicCookie) {
  bytes_.reserve(128);
  put16(bytes_, type & 0x3FFF);
  put16(bytes_, 0);
  put32(bytes_, cookie);
  bytes_.insert(bytes_.end(), id.begin(), id.end());
}

MessageBuilder& MessageBuilder::add(std::uint16_t type, std::span<const std::uint8_t> value) {
  // Values come from our own callers; cap them so the 16-bit length fields cannot wrap.
  const std::size_t length = std::min<std::size_t>(value.size(), 0xFFF0);
  put16(bytes_, type);
  put16(bytes_, static_cast<std::uint16_t>(length));
  bytes_.insert(bytes_.end(), value.begin(), value.begin() + static_cast<std::ptrdiff_t>(length));
  bytes_.resize(bytes_.size() + padded(length) - length, padding_);
  return *this;
}

MessageBuilder& MessageBuilder::add(std::uint16_t type, std::string_view value) {
  return add(type, std::span(reinterpret_cast<const std::uint8_t*>(value.data()), value.size()));
}

MessageBuilder& MessageBuilder::add_mapped_address(const Address& address) {
  std::vector<std::uint8_t> v;
  v.push_back(0);
  v.push_back(static_cast<std::uint8_t>(address.family));
  put16(v, address.port);
  const std::size_t n = address.family == Address::Family::kIPv4 ? 4 : 16;
  v.insert(v.end(), address.bytes.begin(), address.bytes.begin() + static_cast<std::ptrdiff_t>(n));
  return add(attr::kMappedAddress, v);
}

MessageBuilder& MessageBuilder::add_xor_mapped_address(const Address& address) {
  std::vector<std::uint8_t> v;
  v.push_back(0);
  v.push_back(static_cast<std::uint8_t>(address.family));
  put16(v, address.port ^ static_cast<std::uint16_t>(kMagicCookie >> 16));
  const std::size_t n = address.family == Address::Family::kIPv4 ? 4 : 16;
  // Masked with cookie || transaction id, i.e. header bytes 4..20 (RFC 5389 §15.2).
  for (std::size_t i = 0; i < n; ++i) v.push_back(address.bytes[i] ^ bytes_[4 + i]);
  return add(attr::kXorMappedAddress, v);
}

MessageBuilder& MessageBuilder::add_error_code(std::uint16_t code, std::string_view reason) {
  std::vector<std::uint8_t> v{0, 0, static_cast<std::uint8_t>((code / 100) & 0x07),
                              static_cast<std::uint8_t>(code % 100)};
  const std::size_t n = std::min(reason.size(), kMaxReasonSize);
  v.insert(v.end(), reason.begin(), reason.begin() + static_cast<std::ptrdiff_t>(n));
  // RFC 3489 §11.2.9: the reason phrase is a multiple of 4 bytes; pad with spaces for a classic
  // client, which may not expect padding bytes.
  if (classic_) v.resize(padded(v.size()), ' ');
  return add(attr::kErrorCode, v);
}

MessageBuilder& MessageBuilder::add_unknown_attributes(std::span<const std::uint16_t> types) {
  std::vector<std::uint8_t> v;
  for (std::uint16_t t : types) put16(v, t);
  // RFC 3489 §11.2.10: an odd count repeats one attribute to reach a multiple of 4 bytes.
  if (classic_ && types.size() % 2 == 1) put16(v, types.back());
  return add(attr::kUnknownAttributes, v);
}

void MessageBuilder::set_length(std::size_t attributes_size) {
  bytes_[2] = static_cast<std::uint8_t>(attributes_size >> 8);
  bytes_[3] = static_cast<std::uint8_t>(attributes_size);
}

MessageBuilder& MessageBuilder::add_message_integrity(std::string_view key) {
  const std::size_t attribute_size = kAttributeHeaderSize + kHmacSha1Size;
  set_length(bytes_.size() + attribute_size - kHeaderSize);
  const auto mac = hmac_sha1(key, bytes_);
  return add(attr::kMessageIntegrity, mac);
}

MessageBuilder& MessageBuilder::add_fingerprint() {
  set_length(bytes_.size() + kAttributeHeaderSize + 4 - kHeaderSize);
  const std::uint32_t crc = crc32(bytes_) ^ kFingerprintXor;
  std::vector<std::uint8_t> v;
  put32(v, crc);
  return add(attr::kFingerprint, v);
}

std::vector<std::uint8_t> MessageBuilder::finish() && {
  set_length(bytes_.size() - kHeaderSize);
  return std::move(bytes_);
}

std::vector<std::uint8_t> build_binding_request(const BindingRequestOptions& options) {
  MessageBuilder b(kBindingRequest, kMagicCookie, options.transaction_id);
  if (options.credentials) b.add(attr::kUsername, options.credentials->username);
  if (options.connection_request_binding) {
    b.add(attr::kConnectionRequestBinding, kConnectionRequestBindingValue);
  }
  if (options.binding_change) b.add(attr::kBindingChange, std::string_view{});
  if (!options.software.empty()) {
    b.add(attr::kSoftware, std::string_view(options.software).substr(0, kMaxSoftwareSize));
  }
  if (options.credentials) b.add_message_integrity(options.credentials->password);
  if (options.fingerprint) b.add_fingerprint();
  return std::move(b).finish();
}

namespace {

void finish_response(MessageBuilder& b, const Message& request, const ResponseOptions& options) {
  if (!options.software.empty() && request.is_rfc5389()) {
    b.add(attr::kSoftware, std::string_view(options.software).substr(0, kMaxSoftwareSize));
  }
  if (!options.integrity_key.empty()) b.add_message_integrity(options.integrity_key);
  if (options.fingerprint && request.is_rfc5389()) b.add_fingerprint();
}

}  // namespace

std::vector<std::uint8_t> build_binding_success(const Message& request, const Address& source,
                                                const ResponseOptions& options) {
  MessageBuilder b(kBindingSuccessResponse, request.cookie, request.transaction_id);
  if (request.is_rfc5389()) {
    b.add_xor_mapped_address(source);
    if (options.mapped_address_too) b.add_mapped_address(source);
  } else {
    b.add_mapped_address(source);
  }
  finish_response(b, request, options);
  return std::move(b).finish();
}

std::vector<std::uint8_t> build_binding_error(const Message& request, std::uint16_t code,
                                              std::string_view reason,
                                              const ResponseOptions& options) {
  MessageBuilder b(kBindingErrorResponse, request.cookie, request.transaction_id);
  b.add_error_code(code, reason);
  if (code == 420 && !request.unknown_required.empty()) {
    b.add_unknown_attributes(request.unknown_required);
  }
  finish_response(b, request, options);
  return std::move(b).finish();
}

}  // namespace cwmp::stun
