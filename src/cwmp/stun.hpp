// STUN (RFC 5389, with RFC 3489 compatibility) message codec for TR-111 Part 2 / TR-069 Annex G
// "Connection Request via NAT Gateway" (CWMP-FACTS §6.2). Pure: no sockets, clocks or threads;
// bytes in, bytes out, so the agent's STUN client, the ACS's built-in binding responder and the
// simulator share one tested implementation and only add the I/O.
//
// What is implemented:
//  - the 20-byte header: type (first two bits 0), length (of the attributes, a multiple of 4),
//    the magic cookie 0x2112A442 and a 96-bit transaction id (RFC 5389 §6). A message without the
//    cookie is a classic RFC 3489 message, whose 128-bit transaction id is then cookie || id;
//  - Binding Request 0x0001, Binding Success Response 0x0101, Binding Error Response 0x0111;
//  - attributes MAPPED-ADDRESS, XOR-MAPPED-ADDRESS (IPv4 and IPv6), USERNAME, MESSAGE-INTEGRITY
//    (HMAC-SHA1, short-term credentials: the key is the password as given, RFC 5389 §15.4),
//    ERROR-CODE, UNKNOWN-ATTRIBUTES, SOFTWARE, FINGERPRINT (CRC-32 xor 0x5354554e, §15.5),
//    REALM and NONCE (read only), and the TR-111 attributes CONNECTION-REQUEST-BINDING (0xC001,
//    value "dslforum.org/TR-111 ") and BINDING-CHANGE (0xC002, empty);
//  - the RFC 3489 attributes a classic server or client sends (RESPONSE-ADDRESS, CHANGE-REQUEST,
//    SOURCE-ADDRESS, CHANGED-ADDRESS, REFLECTED-FROM) are understood and ignored, so classic
//    peers (Annex G is written against RFC 3489) are neither refused nor answered with 420.
//
// Bounds: a message is at most `max_size` bytes (548 by default: the RFC 5389 §7.1 limit for
// an unknown path MTU), every attribute length is checked against the remaining bytes and its
// type-specific size, and nothing is allocated beyond the message itself.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cwmp/result.hpp"

namespace cwmp::stun {

inline constexpr std::uint32_t kMagicCookie = 0x2112A442;
inline constexpr std::size_t kHeaderSize = 20;
inline constexpr std::size_t kDefaultMaxMessageSize = 548;
// TR-111 / TR-069 Annex G: the default STUN port (CWMP-FACTS §6.2).
inline constexpr std::uint16_t kDefaultPort = 3478;

// Message types (method and class already combined, RFC 5389 §6).
inline constexpr std::uint16_t kBindingRequest = 0x0001;
inline constexpr std::uint16_t kBindingIndication = 0x0011;
inline constexpr std::uint16_t kBindingSuccessResponse = 0x0101;
inline constexpr std::uint16_t kBindingErrorResponse = 0x0111;

// Attribute types. 0x0000-0x7FFF are comprehension-required, 0x8000-0xFFFF optional (§15).
namespace attr {
inline constexpr std::uint16_t kMappedAddress = 0x0001;
inline constexpr std::uint16_t kResponseAddress = 0x0002;  // RFC 3489 only; ignored
inline constexpr std::uint16_t kChangeRequest = 0x0003;    // RFC 3489 only; flags reported
inline constexpr std::uint16_t kSourceAddress = 0x0004;    // RFC 3489 only; ignored
inline constexpr std::uint16_t kChangedAddress = 0x0005;   // RFC 3489 only; ignored
inline constexpr std::uint16_t kUsername = 0x0006;
inline constexpr std::uint16_t kPassword = 0x0007;  // RFC 3489 only; ignored
inline constexpr std::uint16_t kMessageIntegrity = 0x0008;
inline constexpr std::uint16_t kErrorCode = 0x0009;
inline constexpr std::uint16_t kUnknownAttributes = 0x000A;
inline constexpr std::uint16_t kReflectedFrom = 0x000B;  // RFC 3489 only; ignored
inline constexpr std::uint16_t kRealm = 0x0014;
inline constexpr std::uint16_t kNonce = 0x0015;
inline constexpr std::uint16_t kXorMappedAddress = 0x0020;
inline constexpr std::uint16_t kSoftware = 0x8022;
inline constexpr std::uint16_t kFingerprint = 0x8028;
// TR-111 Part 2 §2.2.1 (TR-069 Annex G): sent by the CPE in the Binding Requests it sends from
// its UDP Connection Request port, so the server can tell them from other STUN traffic.
inline constexpr std::uint16_t kConnectionRequestBinding = 0xC001;
// TR-111: sent (with CONNECTION-REQUEST-BINDING) when the CPE noticed its binding changed.
inline constexpr std::uint16_t kBindingChange = 0xC002;
}  // namespace attr

// The exact value of CONNECTION-REQUEST-BINDING: 20 bytes, trailing space included, so the
// attribute needs no padding.
inline constexpr std::string_view kConnectionRequestBindingValue = "dslforum.org/TR-111 ";

// Limits from RFC 5389 §15.3, §15.6, §15.10 (characters there; bytes here, the stricter reading
// is the UTF-8 byte limit the RFC also gives).
inline constexpr std::size_t kMaxUsernameSize = 513;
inline constexpr std::size_t kMaxReasonSize = 763;
inline constexpr std::size_t kMaxSoftwareSize = 763;

using TransactionId = std::array<std::uint8_t, 12>;

// A transport address; no socket headers here. bytes holds 4 (IPv4, first 4 bytes used) or 16
// (IPv6) bytes in network order.
struct Address {
  enum class Family : std::uint8_t { kIPv4 = 0x01, kIPv6 = 0x02 };
  Family family = Family::kIPv4;
  std::array<std::uint8_t, 16> bytes{};
  std::uint16_t port = 0;

  static Address ipv4(std::array<std::uint8_t, 4> octets, std::uint16_t port);
  static Address ipv6(std::array<std::uint8_t, 16> octets, std::uint16_t port);
  // "192.0.2.1" or "2001:db8::1" (RFC 5952 form: lower case, longest zero run as "::").
  std::string host() const;
  // "192.0.2.1:3478" or "[2001:db8::1]:3478".
  std::string to_string() const;

  friend bool operator==(const Address& a, const Address& b) {
    const std::size_t n = a.family == Family::kIPv4 ? 4 : 16;
    if (a.family != b.family || a.port != b.port) return false;
    for (std::size_t i = 0; i < n; ++i) {
      if (a.bytes[i] != b.bytes[i]) return false;
    }
    return true;
  }
};

struct ErrorCode {
  std::uint16_t code = 0;  // 300..699
  std::string reason;
};

// A decoded message. Only the first occurrence of an attribute counts (RFC 8489 §14); attributes
// after MESSAGE-INTEGRITY other than FINGERPRINT are ignored (RFC 5389 §15.4).
struct Message {
  std::uint16_t type = 0;
  // kMagicCookie for an RFC 5389 message; otherwise the first 32 bits of an RFC 3489 id.
  std::uint32_t cookie = kMagicCookie;
  TransactionId transaction_id{};

  std::optional<Address> mapped_address;
  std::optional<Address> xor_mapped_address;
  std::optional<std::string> username;
  std::optional<ErrorCode> error;
  std::vector<std::uint16_t> unknown_attributes;  // the UNKNOWN-ATTRIBUTES attribute's list
  std::optional<std::string> software;
  std::optional<std::string> realm;
  std::optional<std::string> nonce;
  std::optional<std::uint32_t> change_request;  // RFC 3489 CHANGE-REQUEST flags
  // TR-111 attributes. connection_request_binding is set whenever the attribute is present;
  // connection_request_binding_value tells whether its value was exactly the TR-111 string
  // (decoding is tolerant; a responder may choose to care).
  bool connection_request_binding = false;
  bool connection_request_binding_value = false;
  bool binding_change = false;

  bool has_message_integrity = false;
  bool has_fingerprint = false;  // when true, decode() has already verified it
  // Comprehension-required attributes we do not understand; a server answers a request that
  // has any with 420 and UNKNOWN-ATTRIBUTES (RFC 5389 §7.3.1), a client treats such a
  // response as failed (§7.3.3).
  std::vector<std::uint16_t> unknown_required;

  bool is_rfc5389() const { return cookie == kMagicCookie; }
  bool is_request() const { return (type & 0x0110) == 0x0000; }
  bool is_success_response() const { return (type & 0x0110) == 0x0100; }
  bool is_error_response() const { return (type & 0x0110) == 0x0110; }
  std::uint16_t method() const {
    return static_cast<std::uint16_t>((type & 0x000F) | ((type & 0x00E0) >> 1) |
                                      ((type & 0x3E00) >> 2));
  }
  // The reflexive transport address: XOR-MAPPED-ADDRESS if present, else MAPPED-ADDRESS.
  std::optional<Address> reflexive_address() const {
    return xor_mapped_address ? xor_mapped_address : mapped_address;
  }
  // Whether this message answers the request with this cookie and id.
  bool answers(std::uint32_t request_cookie, const TransactionId& request_id) const {
    return cookie == request_cookie && transaction_id == request_id;
  }
};

enum class DecodeError : std::uint8_t {
  kTooShort,        // fewer than 20 bytes, or the length field points past the end
  kTooLong,         // more than max_size bytes
  kNotStun,         // first two bits not 0, length not a multiple of 4, trailing bytes
  kBadAttribute,    // an attribute overruns the message or has an impossible value
  kBadFingerprint,  // FINGERPRINT present but wrong, or not the last attribute
};
std::string_view to_string(DecodeError error);

struct DecodeFailure {
  DecodeError kind = DecodeError::kNotStun;
  std::string message;
};

// Decodes one datagram. Never throws on bad input; never reads outside `bytes`.
Result<Message, DecodeFailure> decode(std::span<const std::uint8_t> bytes,
                                      std::size_t max_size = kDefaultMaxMessageSize);

// Cheap classifier for one UDP socket carrying both STUN and the HTTP-over-UDP connection
// request: true for a plausible STUN message (first two bits 0, length consistent with the
// datagram size, and either the magic cookie or an RFC 3489 message type). An HTTP request line
// starts with a letter (0x41..0x7A), whose top bits are 01, so it is never classified as STUN.
bool looks_like_stun(std::span<const std::uint8_t> bytes);

enum class IntegrityResult : std::uint8_t {
  kOk,
  kMissing,         // no MESSAGE-INTEGRITY attribute
  kMismatch,        // MESSAGE-INTEGRITY does not verify with this key
  kBadFingerprint,  // FINGERPRINT present and wrong
  kMalformed,       // not a decodable STUN message
};
std::string_view to_string(IntegrityResult result);

// Checks MESSAGE-INTEGRITY (HMAC-SHA1 over the message up to the attribute, with the length
// field adjusted to end just after it, RFC 5389 §15.4; compared in constant time) and, when
// present, FINGERPRINT. `key` is the short-term password as given (STUNPassword in TR-111).
IntegrityResult verify_integrity(std::span<const std::uint8_t> message, std::string_view key);

// Builds one message attribute by attribute. MESSAGE-INTEGRITY and FINGERPRINT must come last
// (in that order); finish() fixes the length field.
class MessageBuilder {
 public:
  MessageBuilder(std::uint16_t type, std::uint32_t cookie, const TransactionId& id);

  MessageBuilder& add(std::uint16_t type, std::span<const std::uint8_t> value);
  MessageBuilder& add(std::uint16_t type, std::string_view value);
  MessageBuilder& add_mapped_address(const Address& address);
  MessageBuilder& add_xor_mapped_address(const Address& address);
  MessageBuilder& add_error_code(std::uint16_t code, std::string_view reason);
  MessageBuilder& add_unknown_attributes(std::span<const std::uint16_t> types);
  MessageBuilder& add_message_integrity(std::string_view key);
  MessageBuilder& add_fingerprint();
  // The byte padding values to 4 bytes (RFC 5389 §15: any value; 0 by default). Set before add().
  MessageBuilder& padding(std::uint8_t byte) {
    padding_ = byte;
    return *this;
  }

  std::vector<std::uint8_t> finish() &&;

 private:
  void set_length(std::size_t attributes_size);
  std::vector<std::uint8_t> bytes_;
  bool classic_ = false;  // RFC 3489 message (no magic cookie)
  std::uint8_t padding_ = 0;
};

struct Credentials {
  std::string username;
  std::string password;
};

struct BindingRequestOptions {
  TransactionId transaction_id{};
  // USERNAME + MESSAGE-INTEGRITY. TR-111: only when STUNUsername is non-empty (CWMP-FACTS §6.2).
  std::optional<Credentials> credentials;
  bool connection_request_binding = false;  // TR-111: on requests from the CR port
  bool binding_change = false;              // TR-111: the binding changed since the last one
  std::string software;                     // empty: no SOFTWARE attribute
  bool fingerprint = false;
};
std::vector<std::uint8_t> build_binding_request(const BindingRequestOptions& options);

struct ResponseOptions {
  std::string software;
  // When the request carried MESSAGE-INTEGRITY, the response MUST carry it too, with the same
  // key (RFC 5389 §10.1.2). Empty: none.
  std::string integrity_key;
  bool fingerprint = false;  // RFC 5389 requests only
  // For an RFC 5389 request, also send MAPPED-ADDRESS beside XOR-MAPPED-ADDRESS: Annex G is
  // written against RFC 3489, whose clients read only MAPPED-ADDRESS, and some CPE stacks send
  // the cookie but still read the old attribute. RFC 3489 requests always get MAPPED-ADDRESS only
  // (RFC 5389 §12.2).
  bool mapped_address_too = true;
};

// A Binding Success Response to `request` telling the client `source`, the address the request
// came from.
std::vector<std::uint8_t> build_binding_success(const Message& request, const Address& source,
                                                const ResponseOptions& options = {});

// A Binding Error Response: 400 Bad Request, 401 Unauthorized, 420 Unknown Attribute (with
// UNKNOWN-ATTRIBUTES = request.unknown_required), 500 Server Error...
std::vector<std::uint8_t> build_binding_error(const Message& request, std::uint16_t code,
                                              std::string_view reason,
                                              const ResponseOptions& options = {});

}  // namespace cwmp::stun
