// HTTP authentication for CWMP: Digest (RFC 7616, with RFC 2617/2069 compatibility) and Basic
// (RFC 7617). Pure: no sockets, no clocks, no global randomness; time and random bytes come in as
// parameters so every decision is testable with plain values.
//
// Who uses what:
//  - the ACS verifies CPEs (DigestServer; Basic only when the connection is TLS, TR-069 §3.4.4 as
//    recalled in CWMP-FACTS §1.5: over plain HTTP the ACS MUST use Digest);
//  - the CPE answers the ACS's 401 (parse_www_authenticate + DigestClient or basic_authorization)
//    and verifies the ACS's Connection Requests (DigestServer, CWMP-FACTS §6.1);
//  - the ACS's connection-request client answers the CPE's 401 (DigestClient).
//
// Nonce design (stateless). A CPE commonly reconnects after a 401, and an ACS may run on several
// nodes, so a nonce must not live in per-connection or per-process state. Each nonce is
//
//     base64url( issued_at[8, big-endian seconds since the epoch] || salt[8, random]
//                || HMAC-SHA256(secret, "cwmp-digest-nonce-v1" 0 realm 0 issued_at || salt)[0..16)
//                )
//
// i.e. 32 bytes, 43 characters (about the size of the RFC 7616 example nonce, which matters to
// embedded clients with fixed-size buffers). From the nonce alone the server can tell that it
// issued it (the tag verifies under its secret and realm) and how old it is; nothing is stored.
// Nodes sharing the secret accept each other's nonces. The 128-bit truncated tag follows RFC 2104
// §5 (at least half the hash length). A nonce older than the configured maximum age, but carrying
// a correct response, gets a fresh challenge with stale=true (RFC 7616 §3.3), so the client
// retries without asking for the password again.
//
// What statelessness cannot do is notice a replayed request (same nonce, same nc) within the
// nonce's lifetime; NonceCountTracker is an optional, bounded helper for that (see there).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "cwmp/result.hpp"

namespace cwmp::auth {

// Fills the span with cryptographically strong random bytes (the net layer wraps RAND_bytes;
// tests pass a deterministic generator). Must be safe to call from every thread that uses the
// object it was given to.
using RandomSource = std::function<void(std::span<std::uint8_t>)>;

// Defensive bounds on header values from the network (SQLite habit: limits on every input).
inline constexpr std::size_t kMaxHeaderValueSize = 8 * 1024;
inline constexpr std::size_t kMaxAuthParams = 32;

// ---------------------------------------------------------------------------------------------
// Generic header grammar (RFC 7235 §2.1 / §4.1):
//   challenge / credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
// parsed tolerantly: case-insensitive scheme and parameter names, quoted or unquoted values,
// backslash escapes in quoted strings, optional whitespace, empty list elements (",,"), several
// challenges in one value, and a missing comma between parameters.

enum class ParseError : std::uint8_t {
  kTooLong,               // value over kMaxHeaderValueSize
  kTooManyParams,         // more than kMaxAuthParams parameters
  kMalformed,             // syntax error, duplicate parameter, bad base64, bad nc...
  kNoSupportedScheme,     // neither Digest nor Basic offered / used
  kUnsupportedAlgorithm,  // Digest, but only with an algorithm or qop we do not implement
  kMissingParam,          // a required Digest parameter is absent
};
std::string_view to_string(ParseError error);

// A value or a ParseError; never throws on bad input.
template <typename T>
using ParseResult = Result<T, ParseError>;

struct AuthParam {
  std::string name;   // lower-cased
  std::string value;  // unquoted, escapes resolved
};

struct Challenge {
  std::string scheme;  // lower-cased: "digest", "basic", ...
  std::optional<std::string> token68;
  std::vector<AuthParam> params;

  // First parameter with that (lower-case) name, or nullptr.
  const std::string* find(std::string_view lower_name) const;
};

// Parses a WWW-Authenticate value (possibly several challenges) or an Authorization value (one).
// Several WWW-Authenticate header fields may be joined with ", " first (RFC 7230 §3.2.2).
ParseResult<std::vector<Challenge>> parse_challenges(std::string_view header_value);

// ---------------------------------------------------------------------------------------------
// Digest primitives.

enum class DigestAlgorithm : std::uint8_t { kMd5, kMd5Sess, kSha256, kSha256Sess };
// "MD5", "MD5-sess", "SHA-256", "SHA-256-sess".
std::string_view to_string(DigestAlgorithm algorithm);
// Case-insensitive; nullopt for anything else (e.g. SHA-512-256, which we do not implement).
std::optional<DigestAlgorithm> parse_digest_algorithm(std::string_view name);
bool is_session_algorithm(DigestAlgorithm algorithm);

// Lower-case hex of the algorithm's hash (MD5 or SHA-256) of `data`; nullopt only when the crypto
// library refuses the hash (e.g. MD5 under a FIPS-only provider).
std::optional<std::string> digest_hex(DigestAlgorithm algorithm, std::string_view data);

// Everything that goes into the "response" parameter (RFC 7616 §3.4.1). qop is "auth" or empty
// (RFC 2069 compatibility: no cnonce and nc in the hash). nc is the 8 hex digits exactly as sent.
struct DigestInputs {
  DigestAlgorithm algorithm = DigestAlgorithm::kMd5;
  std::string_view username{};
  std::string_view realm{};
  std::string_view password{};
  std::string_view nonce{};
  std::string_view cnonce{};
  std::string_view nc{};
  std::string_view qop{};
  std::string_view method{};
  std::string_view uri{};
};
std::optional<std::string> compute_digest_response(const DigestInputs& in);

// Length-independent-time comparison for secrets and digests: the time depends on the lengths
// only, never on where the first difference is.
bool constant_time_equals(std::string_view a, std::string_view b);

// ---------------------------------------------------------------------------------------------
// Digest, client side.

enum class Qop : std::uint8_t {
  kNone,  // the server sent no qop: RFC 2069 style (old embedded servers do this)
  kAuth,
};

struct DigestChallenge {
  std::string realm;
  std::string nonce;
  std::optional<std::string> opaque;
  DigestAlgorithm algorithm = DigestAlgorithm::kMd5;
  bool algorithm_explicit = false;  // the challenge named the algorithm (echo it only then)
  Qop qop = Qop::kNone;
  bool stale = false;
  bool userhash = false;  // RFC 7616 §3.4.4: send H(username:realm) instead of the username
};

// Parsed WWW-Authenticate value with the challenge we would answer. Digest is preferred over
// Basic; among Digest challenges SHA-256 > SHA-256-sess > MD5 > MD5-sess (RFC 7616 §3.7).
// Digest challenges we cannot answer (unknown algorithm, qop without "auth", -sess without qop)
// are skipped.
struct SelectedChallenge {
  enum class Scheme : std::uint8_t { kDigest, kBasic };
  Scheme scheme = Scheme::kDigest;
  DigestChallenge digest;  // when scheme == kDigest
  std::string realm;       // the chosen challenge's realm
};
ParseResult<SelectedChallenge> parse_www_authenticate(std::string_view header_value);

// Answers Digest challenges for one set of credentials. Keeps the current nonce, a client nonce
// drawn once per server nonce (so -sess session keys stay the same, RFC 2617 §3.2.2.2) and the
// nonce count, which goes up by one with every Authorization built (RFC 7616 §3.4). Not
// thread-safe: one per session or connection-request attempt.
class DigestClient {
 public:
  DigestClient(std::string username, std::string password, RandomSource random);

  // Takes a challenge (from a 401). A new nonce starts over: fresh cnonce, nc back to 1; this is
  // how stale=true is handled. The same nonce again keeps the cnonce and the count going. The
  // caller decides whether to retry: a non-stale 401 in answer to our credentials means they were
  // rejected, so retry once at most.
  void set_challenge(DigestChallenge challenge);
  bool has_challenge() const { return challenge_.has_value(); }
  const std::optional<DigestChallenge>& challenge() const { return challenge_; }

  // The Authorization header value for the next request, e.g.
  //   Digest username="u", realm="r", uri="/", algorithm=SHA-256, nonce="n", nc=00000001,
  //   cnonce="c", qop=auth, response="...", opaque="o"
  // nullopt without a challenge or when the hash is unavailable. `uri` is the request-target as
  // sent on the request line.
  std::optional<std::string> authorization(std::string_view method, std::string_view uri);

  std::uint32_t nonce_count() const { return nc_; }  // the nc of the last header built

 private:
  std::string username_;
  std::string password_;
  RandomSource random_;
  std::optional<DigestChallenge> challenge_;
  std::string cnonce_;
  std::uint32_t nc_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Digest, server side.

// The Digest parameters of an Authorization value.
struct DigestCredentials {
  std::string username;  // as sent (a hash when userhash is true)
  std::string realm;
  std::string nonce;
  std::string uri;
  std::string response;  // hex, lower-cased
  DigestAlgorithm algorithm = DigestAlgorithm::kMd5;
  std::optional<std::string> opaque;
  Qop qop = Qop::kNone;
  std::string cnonce;  // empty when qop is kNone
  std::string nc;      // the nc text as sent; empty when qop is kNone
  std::uint32_t nc_value = 0;
  bool userhash = false;
};
// kNoSupportedScheme when the value is not Digest; kUnsupportedAlgorithm for an algorithm or qop
// we do not implement (a 401 with our challenge is the answer); kMissingParam / kMalformed else.
ParseResult<DigestCredentials> parse_digest_authorization(std::string_view header_value);

enum class VerifyResult : std::uint8_t {
  kOk,
  kStale,                 // correct response, nonce ours but too old: 401 with stale=true
  kBadNonce,              // not a nonce we issued (or for another realm, or from the future, or the
                          // opaque does not match): 401 with a fresh challenge
  kBadResponse,           // wrong password or tampered parameters: 401
  kWrongRealm,            // 401
  kMalformed,             // 400 Bad Request
  kUnsupportedAlgorithm,  // algorithm not offered, qop other than auth, userhash: 401
  kUriMismatch,           // the uri parameter is not the request-target: 400 (RFC 7616 §3.4.6)
};
std::string_view to_string(VerifyResult result);
// Maps a failure of parse_digest_authorization to what the verifier would have said: an
// unsupported algorithm or another scheme (e.g. Basic where Digest is required) is answered with
// a 401 and our challenge, like kUnsupportedAlgorithm; everything else is kMalformed.
VerifyResult to_verify_result(ParseError error);

struct DigestServerOptions {
  std::string realm;
  // Offered in this order, one WWW-Authenticate field each (RFC 7616 §3.7: order of preference).
  // Caveat: some RFC 2617-era clients answer the first Digest challenge whatever its algorithm;
  // for such a fleet offer {kMd5} alone.
  std::vector<DigestAlgorithm> algorithms = {DigestAlgorithm::kSha256, DigestAlgorithm::kMd5};
  // How long a nonce stays fresh. Long enough for a client's immediate retry after a 401; an
  // ACS that authenticates only the first request of a session (then trusts the session cookie)
  // needs no more.
  std::chrono::seconds nonce_max_age{300};
  // Tolerance for nonces "from the future" when several nodes share the secret.
  std::chrono::seconds max_clock_skew{30};
  // Challenge with qop="auth" (RFC 7616). When false the challenge has no qop (RFC 2069 style).
  bool offer_qop = true;
  // Accept credentials without qop (RFC 2069 compatibility; old embedded CPEs omit it).
  bool allow_no_qop = true;
  // Sent in every challenge and required back unchanged when set.
  std::optional<std::string> opaque;
};

// Issues challenges and verifies Digest credentials, holding no per-client state (see the nonce
// design at the top). Thread-safe if the RandomSource is.
class DigestServer {
 public:
  static constexpr std::size_t kMinSecretSize = 16;
  static constexpr std::size_t kGeneratedSecretSize = 32;

  // Draws a kGeneratedSecretSize secret from `random`. Both constructors throw
  // std::invalid_argument on misconfiguration (empty RandomSource, no algorithm, short secret).
  DigestServer(DigestServerOptions options, RandomSource random);
  // With a secret shared by the nodes of a cluster (at least kMinSecretSize bytes).
  DigestServer(DigestServerOptions options, std::vector<std::uint8_t> secret, RandomSource random);

  const DigestServerOptions& options() const { return options_; }

  // The WWW-Authenticate values for a 401, one per offered algorithm (send each as its own
  // header field), all with the same fresh nonce.
  std::vector<std::string> challenges(std::chrono::system_clock::time_point now,
                                      bool stale = false) const;
  // A fresh nonce (exposed for tests and for callers that build their own challenge).
  std::string make_nonce(std::chrono::system_clock::time_point now) const;

  // Checks `credentials` against the password of credentials.username for a request with this
  // method and request-target. Check order: realm, algorithm/qop, opaque, nonce signature, uri,
  // response, then nonce age (stale only with a correct response, RFC 7616 §3.3).
  VerifyResult verify(const DigestCredentials& credentials, std::string_view method,
                      std::string_view request_uri, std::string_view password,
                      std::chrono::system_clock::time_point now) const;

 private:
  enum class NonceState : std::uint8_t { kFresh, kStale, kInvalid };
  NonceState check_nonce(std::string_view nonce, std::chrono::system_clock::time_point now) const;
  // The truncated HMAC of a nonce's time and salt; nullopt if the crypto library fails.
  std::optional<std::array<std::uint8_t, 16>> tag(
      std::span<const std::uint8_t> issued_and_salt) const;

  DigestServerOptions options_;
  std::vector<std::uint8_t> secret_;
  RandomSource random_;
};

// Optional replay guard: remembers the highest nc accepted per nonce and refuses a request whose
// nc is not higher. Call it only after verify() returned kOk (otherwise a forger could push the
// count up and lock out the real client).
//
// Trade-offs, why it is optional: it is per process (a cluster would need sticky sessions or a
// shared store to catch cross-node replays); it is bounded (least recently used nonces are
// forgotten, and a forgotten nonce can be replayed until it goes stale, so max age bounds the
// window anyway); RFC 2069-style requests carry no nc and cannot be tracked; and a client that
// pipelines or spreads requests over several connections may deliver them out of order and see a
// legitimate request refused. Not thread-safe: the caller locks.
class NonceCountTracker {
 public:
  explicit NonceCountTracker(std::size_t capacity);

  // True (and nc recorded) when nc is higher than any nc seen with this nonce.
  bool check_and_record(std::string_view nonce, std::uint32_t nc);
  std::size_t size() const { return map_.size(); }
  std::size_t capacity() const { return capacity_; }

 private:
  struct Entry {
    std::uint32_t highest_nc;
    std::list<std::string>::iterator lru_position;
  };
  std::size_t capacity_;
  std::list<std::string> lru_;  // front = most recently used
  std::unordered_map<std::string, Entry> map_;
};

// ---------------------------------------------------------------------------------------------
// Basic (RFC 7617). Only over TLS: the password travels in clear otherwise.

struct BasicCredentials {
  std::string username;
  std::string password;
};
// "Basic " + base64(username ":" password). A username containing ':' cannot round-trip
// (RFC 7617 §2); the caller should refuse such configuration.
std::string basic_authorization(std::string_view username, std::string_view password);
// Case-insensitive scheme, surrounding spaces ignored. nullopt when not Basic, bad base64, no ':'.
std::optional<BasicCredentials> parse_basic_authorization(std::string_view header_value);
// Compares both fields in constant time (for the server side).
bool basic_matches(const BasicCredentials& credentials, std::string_view username,
                   std::string_view password);

}  // namespace cwmp::auth
