// TR-069 Annex G (TR-111 Part 2) UDP Connection Request: the ACS -> CPE message that replaces the
// HTTP connection request when the CPE is behind a NAT (CWMP-FACTS §6.2). Pure: no sockets, no
// clocks; the caller passes "now" and keeps a ReplayGuard per CPE.
//
// Wire format: one UDP datagram holding an HTTP-style request (CWMP-FACTS §6.2 step 5):
//
//   GET http://<host>:<port>?ts=<ts>&id=<id>&un=<username>&cn=<cnonce>&sig=<sig> HTTP/1.1\r\n
//   Host: <host>:<port>\r\n
//   \r\n
//
//   ts  Unix time in seconds (decimal)
//   id  message id: a random unsigned 32-bit value, the same in every retransmitted copy
//   un  ConnectionRequestUsername
//   cn  cnonce: a random string (16 hex characters here, as GenieACS sends)
//   sig HMAC-SHA1, key = ConnectionRequestPassword, over ts || id || un || cn (plain
//       concatenation of the four values, no separators), as 40 lower-case hex characters
//
// Query values are percent-encoded when they contain anything outside RFC 3986's unreserved set
// (never the case for digits and hex; only unusual usernames), and the signature covers the
// decoded values. Parsing is tolerant (method case, absolute or origin-form target, extra or
// missing headers, CRLF or bare LF, upper-case hex in sig); validation is strict.
//
// CPE-side checks (CWMP-FACTS §6.2 step 6; the A6 text was not available, see its gap 5): the
// username must match, the signature must verify (constant-time), ts must be within a window of
// "now" when the CPE's clock is trusted, an id already accepted is refused (this also folds the
// ACS's retransmitted copies into one session), and a ts older than the newest accepted one minus
// the window is refused. Every refused message is silently dropped by the caller (UDP gets no
// response); the verdict is for logs and tests.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "cwmp/result.hpp"

namespace cwmp::udp_cr {

// How many copies of one request the ACS sends (same ts, id, cn, sig). Annex G recommends sending
// the request more than once since UDP may drop it; the number used by GenieACS is 3 (CWMP-FACTS
// §6.2 step 5); the normative A6 figure could not be checked.
inline constexpr int kDefaultTransmissions = 3;
// Default accepted distance between ts and the CPE's clock, and between ts and the newest accepted
// ts (seconds). Not from the spec (which only requires ts to increase): wide enough for clock skew.
inline constexpr std::int64_t kDefaultWindowSeconds = 300;
// Bounds on what the CPE accepts from the network.
inline constexpr std::size_t kMaxDatagramSize = 2048;
inline constexpr std::size_t kMaxValueSize = 256;  // each query value, after decoding

// The values a request carries (decoded).
struct RequestFields {
  std::string ts;              // decimal seconds, as sent (the signature covers the text)
  std::string id;              // as sent
  std::string username;        // un
  std::string cnonce;          // cn
  std::string signature;       // sig, 40 hex characters (only in parsed requests)
  std::uint64_t ts_value = 0;  // ts parsed
};

// HMAC-SHA1(password, ts || id || un || cn) as 40 lower-case hex characters.
std::string compute_signature(std::string_view ts, std::string_view id, std::string_view username,
                              std::string_view cnonce, std::string_view password);

// What the ACS needs to build one request.
struct BuildOptions {
  std::string host;  // from UDPConnectionRequestAddress; an IPv6 literal with or without []
  std::uint16_t port = 0;
  std::uint64_t ts = 0;  // Unix time, seconds
  std::uint32_t id = 0;  // random, one per request (not per copy)
  std::string username;  // ConnectionRequestUsername
  std::string password;  // ConnectionRequestPassword
  std::string cnonce;    // random; see make_cnonce
};
// The datagram text (request line, Host header, empty line, CRLF endings).
std::string build_request(const BuildOptions& options);

// 16 lower-case hex characters from 8 random bytes (the caller supplies the randomness).
std::string make_cnonce(const std::array<std::uint8_t, 8>& random_bytes);

// UDPConnectionRequestAddress "host:port", "[v6]:port" or "host" (port 80, CWMP-FACTS §6.2
// step 4). nullopt for an empty host, a bad port, or an unbracketed IPv6 literal (ambiguous).
struct HostPort {
  std::string host;  // without brackets
  std::uint16_t port = 80;
};
std::optional<HostPort> parse_host_port(std::string_view text);

enum class ParseError : std::uint8_t {
  kTooLong,         // more than kMaxDatagramSize bytes
  kBadRequestLine,  // not "<method> <target> HTTP/1.x", or the method is not GET
  kMissingField,    // one of ts, id, un, cn, sig absent or empty
  kBadField,        // duplicate field, bad percent-encoding, non-numeric ts, sig not 40 hex...
};
std::string_view to_string(ParseError error);

struct ParseFailure {
  ParseError kind = ParseError::kBadRequestLine;
  std::string message;
};

// Parses one datagram (no verification). Never throws on bad input.
Result<RequestFields, ParseFailure> parse_request(std::string_view datagram);

// Remembers recently accepted (id, ts) pairs of one CPE, in bounded memory.
//
// A request is refused as a replay when its id was accepted before, and as stale when its ts is
// older than the newest accepted ts minus the window. Entries older than that window are dropped
// (the stale rule already refuses them). When more than `capacity` entries are inside the window,
// the oldest is evicted and its ts becomes a floor: any later request with ts <= floor is refused
// as stale, so an evicted id can never be replayed (at worst a legitimate request in the same
// second as a flood of > capacity authenticated ones is refused and the ACS retries).
class ReplayGuard {
 public:
  explicit ReplayGuard(std::size_t capacity = 64,
                       std::int64_t window_seconds = kDefaultWindowSeconds);

  enum class Check : std::uint8_t { kFresh, kReplay, kStale };
  Check check(std::string_view id, std::uint64_t ts) const;
  // Records an accepted request (call only after every other check passed).
  void remember(std::string_view id, std::uint64_t ts);

  std::size_t size() const { return entries_.size(); }
  std::size_t capacity() const { return capacity_; }
  std::optional<std::uint64_t> newest() const { return newest_; }

 private:
  struct Entry {
    std::string id;
    std::uint64_t ts = 0;
  };
  void prune();
  std::size_t capacity_;
  std::uint64_t window_;
  std::deque<Entry> entries_;  // in acceptance order
  std::optional<std::uint64_t> newest_;
  std::optional<std::uint64_t> floor_;  // ts <= floor is refused (evicted history)
};

enum class Verdict : std::uint8_t {
  kOk,
  kMalformed,
  kBadUsername,
  kBadSignature,
  kStale,
  kReplay,
};
std::string_view to_string(Verdict verdict);

struct VerifyOptions {
  std::string username;  // ConnectionRequestUsername
  std::string password;  // ConnectionRequestPassword
  // The CPE's current Unix time, or nullopt when its clock is not trusted (not yet synchronised
  // after boot): then only the relative rules of the ReplayGuard apply.
  std::optional<std::int64_t> now;
  std::int64_t window_seconds = kDefaultWindowSeconds;  // |ts - now| allowed
};

struct VerifyResult {
  Verdict verdict = Verdict::kMalformed;
  std::string message;                   // why, for logs
  std::optional<RequestFields> request;  // when it parsed
  bool ok() const { return verdict == Verdict::kOk; }
};

// Parses and verifies one datagram, in this order: parse, username, signature, clock window,
// replay guard. Only an authenticated request can touch the guard, and only an accepted one is
// remembered in it.
VerifyResult verify_request(std::string_view datagram, const VerifyOptions& options,
                            ReplayGuard& guard);

}  // namespace cwmp::udp_cr
