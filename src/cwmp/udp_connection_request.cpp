#include "cwmp/udp_connection_request.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <span>

namespace cwmp::udp_cr {
namespace {

constexpr std::size_t kSha1Size = 20;

std::array<std::uint8_t, kSha1Size> signature_bytes(std::string_view ts, std::string_view id,
                                                    std::string_view username,
                                                    std::string_view cnonce,
                                                    std::string_view password) {
  std::string text;
  text.reserve(ts.size() + id.size() + username.size() + cnonce.size());
  text.append(ts).append(id).append(username).append(cnonce);
  std::array<std::uint8_t, EVP_MAX_MD_SIZE> mac{};
  unsigned int size = 0;
  static const unsigned char kEmpty = 0;  // HMAC wants a non-null key pointer even for length 0
  const auto* key =
      password.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(password.data());
  std::array<std::uint8_t, kSha1Size> out{};
  if (HMAC(EVP_sha1(), key, static_cast<int>(password.size()),
           reinterpret_cast<const unsigned char*>(text.data()), text.size(), mac.data(),
           &size) != nullptr) {
    std::copy_n(mac.begin(), kSha1Size, out.begin());
  }
  return out;  // all zero if HMAC failed (never expected): a signature that cannot match
}

constexpr char kHex[] = "0123456789abcdef";

std::string to_hex(std::span<const std::uint8_t> bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 0xF];
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

std::string percent_encode(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (is_unreserved(c)) {
      out += c;
    } else {
      const auto b = static_cast<unsigned char>(c);
      out += '%';
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(kHex[b >> 4])));
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(kHex[b & 0xF])));
    }
  }
  return out;
}

std::optional<std::string> percent_decode(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '%') {
      out += value[i];
      continue;
    }
    if (i + 2 >= value.size()) return std::nullopt;  // '%' needs two hex digits
    const int hi = hex_value(value[i + 1]);
    const int lo = hex_value(value[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::optional<std::uint64_t> parse_decimal(std::string_view text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

ParseFailure failure(ParseError kind, std::string message) {
  return ParseFailure{kind, std::move(message)};
}

// The first non-empty line, without its line ending (CRLF or LF).
std::string_view request_line(std::string_view datagram) {
  while (true) {
    const auto end = datagram.find('\n');
    std::string_view line = datagram.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty() || end == std::string_view::npos) return line;
    datagram.remove_prefix(end + 1);  // RFC 9112 §2.2: ignore empty lines before the request
  }
}

// Splits "<method> <target> <version>" on runs of spaces or tabs; nullopt unless exactly three.
std::optional<std::array<std::string_view, 3>> split_request_line(std::string_view line) {
  std::array<std::string_view, 3> parts;
  std::size_t count = 0;
  std::size_t pos = 0;
  while (pos < line.size()) {
    while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t')) ++pos;
    if (pos == line.size()) break;
    const std::size_t start = pos;
    while (pos < line.size() && line[pos] != ' ' && line[pos] != '\t') ++pos;
    if (count == parts.size()) return std::nullopt;
    parts[count++] = line.substr(start, pos - start);
  }
  if (count != parts.size()) return std::nullopt;
  return parts;
}

// Stores one query value into its field; an error text when it is a duplicate or undecodable.
std::string store_field(std::string_view key, std::string_view raw, RequestFields& fields,
                        unsigned& seen) {
  static constexpr std::array<std::string_view, 5> kKeys{"ts", "id", "un", "cn", "sig"};
  const auto it = std::find(kKeys.begin(), kKeys.end(), key);
  if (it == kKeys.end()) return {};  // unknown parameters are ignored
  const auto index = static_cast<unsigned>(it - kKeys.begin());
  if ((seen & (1u << index)) != 0) return "duplicate field " + std::string(key);
  seen |= 1u << index;
  auto value = percent_decode(raw);
  if (!value) return "bad percent-encoding in " + std::string(key);
  if (value->size() > kMaxValueSize) return "field " + std::string(key) + " too long";
  std::string* slots[] = {&fields.ts, &fields.id, &fields.username, &fields.cnonce,
                          &fields.signature};
  *slots[index] = std::move(*value);
  return {};
}

// The expected HMAC compared with the hex text in constant time (the text's validity, 40 hex
// characters, is checked by the parser).
bool signature_matches(const RequestFields& r, std::string_view password) {
  const auto expected = signature_bytes(r.ts, r.id, r.username, r.cnonce, password);
  std::array<std::uint8_t, kSha1Size> actual{};
  if (r.signature.size() != 2 * kSha1Size) return false;
  for (std::size_t i = 0; i < kSha1Size; ++i) {
    const int hi = hex_value(r.signature[2 * i]);
    const int lo = hex_value(r.signature[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    actual[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return CRYPTO_memcmp(expected.data(), actual.data(), kSha1Size) == 0;
}

std::string bracketed(std::string_view host) {
  if (host.find(':') != std::string_view::npos && !host.starts_with('[')) {
    return "[" + std::string(host) + "]";
  }
  return std::string(host);
}

}  // namespace

std::string compute_signature(std::string_view ts, std::string_view id, std::string_view username,
                              std::string_view cnonce, std::string_view password) {
  return to_hex(signature_bytes(ts, id, username, cnonce, password));
}

std::string build_request(const BuildOptions& o) {
  const std::string ts = std::to_string(o.ts);
  const std::string id = std::to_string(o.id);
  const std::string authority = bracketed(o.host) + ":" + std::to_string(o.port);
  const std::string sig = compute_signature(ts, id, o.username, o.cnonce, o.password);
  std::string out = "GET http://" + authority + "?ts=" + ts + "&id=" + id +
                    "&un=" + percent_encode(o.username) + "&cn=" + percent_encode(o.cnonce) +
                    "&sig=" + sig + " HTTP/1.1\r\n";
  out += "Host: " + authority + "\r\n\r\n";
  return out;
}

std::string make_cnonce(const std::array<std::uint8_t, 8>& random_bytes) {
  return to_hex(random_bytes);
}

std::optional<HostPort> parse_host_port(std::string_view text) {
  HostPort out;
  std::string_view rest;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close == 1) return std::nullopt;
    out.host = std::string(text.substr(1, close - 1));
    rest = text.substr(close + 1);
  } else {
    const auto colon = text.find(':');
    if (colon != std::string_view::npos && text.find(':', colon + 1) != std::string_view::npos) {
      return std::nullopt;  // an IPv6 literal must be bracketed
    }
    out.host = std::string(text.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view{} : text.substr(colon);
  }
  if (out.host.empty()) return std::nullopt;
  if (rest.empty()) return out;  // "host" alone: port 80
  if (rest.front() != ':') return std::nullopt;
  const auto port = parse_decimal(rest.substr(1));
  if (!port || *port == 0 || *port > 65535) return std::nullopt;
  out.port = static_cast<std::uint16_t>(*port);
  return out;
}

std::string_view to_string(ParseError error) {
  switch (error) {
    case ParseError::kTooLong:
      return "too long";
    case ParseError::kBadRequestLine:
      return "bad request line";
    case ParseError::kMissingField:
      return "missing field";
    case ParseError::kBadField:
      return "bad field";
  }
  return "unknown";
}

Result<RequestFields, ParseFailure> parse_request(std::string_view datagram) {
  if (datagram.size() > kMaxDatagramSize) {
    return failure(ParseError::kTooLong, "datagram of " + std::to_string(datagram.size()) +
                                             " bytes exceeds " + std::to_string(kMaxDatagramSize));
  }
  const auto parts = split_request_line(request_line(datagram));
  if (!parts) return failure(ParseError::kBadRequestLine, "not '<method> <target> <version>'");
  const auto& [method, target, version] = *parts;
  if (!iequals(method, "GET")) return failure(ParseError::kBadRequestLine, "method is not GET");
  if (version.size() < 5 || !iequals(version.substr(0, 5), "HTTP/")) {
    return failure(ParseError::kBadRequestLine, "no HTTP version");
  }
  const auto question = target.find('?');
  if (question == std::string_view::npos) {
    return failure(ParseError::kMissingField, "no query string");
  }
  std::string_view query = target.substr(question + 1);
  query = query.substr(0, query.find('#'));

  RequestFields fields;
  unsigned seen = 0;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    const std::string_view raw =
        eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    std::string error = store_field(key, raw, fields, seen);
    if (!error.empty()) return failure(ParseError::kBadField, std::move(error));
  }
  for (const auto* field :
       {&fields.ts, &fields.id, &fields.username, &fields.cnonce, &fields.signature}) {
    if (field->empty()) {
      return failure(ParseError::kMissingField, "ts, id, un, cn and sig are all required");
    }
  }
  const auto ts = parse_decimal(fields.ts);
  if (!ts) return failure(ParseError::kBadField, "ts is not a decimal number");
  fields.ts_value = *ts;
  if (fields.signature.size() != 2 * kSha1Size ||
      !std::all_of(fields.signature.begin(), fields.signature.end(),
                   [](char c) { return hex_value(c) >= 0; })) {
    return failure(ParseError::kBadField, "sig is not 40 hex characters");
  }
  std::transform(
      fields.signature.begin(), fields.signature.end(), fields.signature.begin(),
      [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  return fields;
}

// ---------------------------------------------------------------------------------------------
// ReplayGuard

ReplayGuard::ReplayGuard(std::size_t capacity, std::int64_t window_seconds)
    : capacity_(std::max<std::size_t>(capacity, 1)),
      window_(static_cast<std::uint64_t>(std::max<std::int64_t>(window_seconds, 0))) {}

ReplayGuard::Check ReplayGuard::check(std::string_view id, std::uint64_t ts) const {
  for (const auto& entry : entries_) {
    if (entry.id == id) return Check::kReplay;
  }
  if (floor_ && ts <= *floor_) return Check::kStale;
  if (newest_ && *newest_ > window_ && ts < *newest_ - window_) return Check::kStale;
  return Check::kFresh;
}

void ReplayGuard::remember(std::string_view id, std::uint64_t ts) {
  entries_.push_back(Entry{std::string(id), ts});
  newest_ = newest_ ? std::max(*newest_, ts) : ts;
  prune();
}

void ReplayGuard::prune() {
  // Entries that the stale rule already covers need no memory.
  if (*newest_ > window_) {
    const std::uint64_t oldest_allowed = *newest_ - window_;
    std::erase_if(entries_, [&](const Entry& e) { return e.ts < oldest_allowed; });
  }
  while (entries_.size() > capacity_) {
    const auto oldest =
        std::min_element(entries_.begin(), entries_.end(),
                         [](const Entry& a, const Entry& b) { return a.ts < b.ts; });
    floor_ = floor_ ? std::max(*floor_, oldest->ts) : oldest->ts;
    entries_.erase(oldest);
  }
}

// ---------------------------------------------------------------------------------------------
// Verification

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::kOk:
      return "ok";
    case Verdict::kMalformed:
      return "malformed";
    case Verdict::kBadUsername:
      return "bad username";
    case Verdict::kBadSignature:
      return "bad signature";
    case Verdict::kStale:
      return "stale";
    case Verdict::kReplay:
      return "replay";
  }
  return "unknown";
}

VerifyResult verify_request(std::string_view datagram, const VerifyOptions& options,
                            ReplayGuard& guard) {
  VerifyResult result;
  auto parsed = parse_request(datagram);
  if (!parsed) {
    result.message = std::string(to_string(parsed.error().kind)) + ": " + parsed.error().message;
    return result;
  }
  result.request = std::move(parsed.value());
  const RequestFields& r = *result.request;
  auto refuse = [&](Verdict verdict, std::string message) {
    result.verdict = verdict;
    result.message = std::move(message);
    return result;
  };
  if (r.username != options.username) return refuse(Verdict::kBadUsername, "un does not match");
  if (!signature_matches(r, options.password)) {
    return refuse(Verdict::kBadSignature, "sig does not verify");
  }
  if (options.now) {
    // ts is at most 19 digits, so it fits in int64 only below 9.2e18; compare in unsigned space.
    const auto now = static_cast<std::uint64_t>(std::max<std::int64_t>(*options.now, 0));
    const auto window =
        static_cast<std::uint64_t>(std::max<std::int64_t>(options.window_seconds, 0));
    const std::uint64_t distance = r.ts_value > now ? r.ts_value - now : now - r.ts_value;
    if (distance > window) {
      return refuse(Verdict::kStale, "ts " + r.ts + " is " + std::to_string(distance) +
                                         " s away from the CPE's clock");
    }
  }
  switch (guard.check(r.id, r.ts_value)) {
    case ReplayGuard::Check::kReplay:
      return refuse(Verdict::kReplay, "id " + r.id + " was already accepted");
    case ReplayGuard::Check::kStale:
      return refuse(Verdict::kStale, "ts " + r.ts + " is older than accepted requests allow");
    case ReplayGuard::Check::kFresh:
      break;
  }
  guard.remember(r.id, r.ts_value);
  result.verdict = Verdict::kOk;
  result.message = "ok";
  return result;
}

}  // namespace cwmp::udp_cr
