// Result<T>: a value or a typed Error carrying the CWMP fault it maps to.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace cwmp {

// Which side of the protocol is judging an error: the same mistake maps to an
// ACS fault (8xxx) when the ACS received it and to a CPE fault (9xxx) when the
// CPE did (TR-069 A.5, CWMP-FACTS §3).
enum class Side : std::uint8_t { kAcs, kCpe };

enum class ErrorKind : std::uint8_t {
  kMalformedXml,        // not well-formed, truncated, empty
  kInvalidEncoding,     // invalid UTF-8 or an unsupported character encoding
  kForbiddenXml,        // DOCTYPE / DTD (entity expansion is never performed)
  kNotSoapEnvelope,     // root is not a SOAP 1.1 Envelope, or no Body
  kMustUnderstand,      // a mustUnderstand="1" header we do not understand
  kMethodNotSupported,  // unknown RPC element in the Body
  kInvalidArguments,    // a field is missing, mistyped, too long or out of range
  kResourcesExceeded,   // a configured limit was hit (size, depth, entries)
};

struct Error {
  ErrorKind kind = ErrorKind::kMalformedXml;
  std::string message;
  // 1-based position in the input when known (0 = unknown).
  std::uint32_t line = 0;
  std::uint32_t column = 0;

  // The CWMP fault code a peer should receive for this error.
  std::uint32_t fault_code(Side receiver) const;
};

std::string_view to_string(ErrorKind kind);

// A value or an error; never throws on bad input. E defaults to the codec's
// Error; other modules use their own error enums (e.g. http_auth's ParseError).
template <typename T, typename E = Error>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(E error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const E& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, E> state_;
};

}  // namespace cwmp
