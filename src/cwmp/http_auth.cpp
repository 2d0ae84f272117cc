// HTTP Digest and Basic authentication: see http_auth.hpp for the design.
#include "cwmp/http_auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <initializer_list>
#include <stdexcept>

#include "cwmp/values.hpp"

namespace cwmp::auth {

namespace {

// CR and LF too: tolerates an obs-fold (RFC 7230 §3.2.4) left in place by the HTTP layer.
constexpr bool is_ows(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

constexpr char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

constexpr bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// RFC 7230 §3.2.6 tchar.
constexpr bool is_tchar(char c) {
  if (is_alnum(c)) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

// RFC 7235 §2.1 token68 (without the trailing '=').
constexpr bool is_token68_char(char c) {
  return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

constexpr bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

constexpr int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = ascii_lower(c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

std::string lower_hex(const unsigned char* data, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0xF]);
  }
  return out;
}

// A quoted-string with '"' and '\' escaped (RFC 7230 §3.2.6).
void append_quoted(std::string& out, std::string_view value) {
  out.push_back('"');
  for (const char c : value) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

bool has_duplicate_params(const Challenge& c) {
  // At most kMaxAuthParams entries: quadratic is fine and allocation-free.
  for (std::size_t i = 0; i < c.params.size(); ++i) {
    for (std::size_t j = i + 1; j < c.params.size(); ++j) {
      if (c.params[i].name == c.params[j].name) return true;
    }
  }
  return false;
}

// qop list of a challenge ("auth", "auth,auth-int", " Auth-Int , auth "): does it offer auth?
bool qop_list_has_auth(std::string_view list) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    const auto item = trim_ows(list.substr(0, comma));
    if (iequals(item, "auth")) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

int algorithm_rank(DigestAlgorithm a) {  // lower is preferred (RFC 7616 §3.7)
  switch (a) {
    case DigestAlgorithm::kSha256:
      return 0;
    case DigestAlgorithm::kSha256Sess:
      return 1;
    case DigestAlgorithm::kMd5:
      return 2;
    case DigestAlgorithm::kMd5Sess:
      return 3;
  }
  return 4;
}

ParseResult<DigestChallenge> to_digest_challenge(const Challenge& c) {
  if (c.token68 || has_duplicate_params(c)) return ParseError::kMalformed;
  DigestChallenge d;
  const std::string* nonce = c.find("nonce");
  if (nonce == nullptr || nonce->empty()) return ParseError::kMissingParam;
  d.nonce = *nonce;
  // realm is required by RFC 7616 §3.3; a device that omits it gets "" hashed, as it would.
  if (const std::string* realm = c.find("realm")) d.realm = *realm;
  if (const std::string* alg = c.find("algorithm")) {
    const auto parsed = parse_digest_algorithm(trim_ows(*alg));
    if (!parsed) return ParseError::kUnsupportedAlgorithm;
    d.algorithm = *parsed;
    d.algorithm_explicit = true;
  }
  if (const std::string* qop = c.find("qop")) {
    if (!qop_list_has_auth(*qop)) return ParseError::kUnsupportedAlgorithm;  // auth-int only
    d.qop = Qop::kAuth;
  }
  // -sess needs a cnonce, and RFC 2617 §3.2.2 forbids a cnonce without qop.
  if (is_session_algorithm(d.algorithm) && d.qop == Qop::kNone) {
    return ParseError::kUnsupportedAlgorithm;
  }
  if (const std::string* stale = c.find("stale")) d.stale = iequals(trim_ows(*stale), "true");
  if (const std::string* uh = c.find("userhash")) d.userhash = iequals(trim_ows(*uh), "true");
  if (const std::string* opaque = c.find("opaque")) d.opaque = *opaque;
  return d;
}

// RFC 8187 ext-value, UTF-8 only: UTF-8'[language]'percent-encoded (username*, RFC 7616 §3.4).
std::optional<std::string> decode_ext_value(std::string_view v) {
  const auto q1 = v.find('\'');
  if (q1 == std::string_view::npos || !iequals(v.substr(0, q1), "utf-8")) return std::nullopt;
  const auto q2 = v.find('\'', q1 + 1);
  if (q2 == std::string_view::npos) return std::nullopt;
  v.remove_prefix(q2 + 1);
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '%') {
      if (i + 2 >= v.size() || !is_hex(v[i + 1]) || !is_hex(v[i + 2])) return std::nullopt;
      out.push_back(static_cast<char>(hex_value(v[i + 1]) * 16 + hex_value(v[i + 2])));
      i += 2;
    } else {
      out.push_back(v[i]);
    }
  }
  return out;
}

const EVP_MD* evp_for(DigestAlgorithm a) {
  return (a == DigestAlgorithm::kMd5 || a == DigestAlgorithm::kMd5Sess) ? EVP_md5() : EVP_sha256();
}

// Strips "scheme://authority" from an absolute-form request-target (RFC 7230 §5.3.2): some
// clients put the absolute URI in the uri parameter while the request line has the path, or the
// reverse (requests through a proxy).
std::string_view origin_form(std::string_view uri) {
  const auto sep = uri.find("://");
  if (sep == std::string_view::npos || sep == 0) return uri;
  for (std::size_t i = 0; i < sep; ++i) {
    const char c = uri[i];
    if (!(is_alnum(c) || c == '+' || c == '-' || c == '.')) return uri;
  }
  const auto rest = uri.substr(sep + 3);
  const auto path = rest.find_first_of("/?");
  if (path == std::string_view::npos) return "/";
  return rest.substr(path);
}

bool uri_matches(std::string_view param, std::string_view request_target) {
  if (param == request_target) return true;
  const auto a = origin_form(param);
  const auto b = origin_form(request_target);
  if (a == b) return true;
  // "http://host" and "http://host/" are the same resource.
  return (a.empty() && b == "/") || (b.empty() && a == "/");
}

constexpr std::size_t kNonceTimeSize = 8;
constexpr std::size_t kNonceSaltSize = 8;
constexpr std::size_t kNonceTagSize = 16;
constexpr std::size_t kNonceSize = kNonceTimeSize + kNonceSaltSize + kNonceTagSize;
constexpr std::size_t kNonceTextSize = 43;  // base64url of 32 bytes, unpadded
constexpr std::size_t kCnonceSize = 16;

std::string base64url_encode(std::span<const std::uint8_t> bytes) {
  std::string s =
      base64_encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (auto& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return s;
}

std::optional<std::string> nonce_bytes(std::string_view text) {
  if (text.size() != kNonceTextSize) return std::nullopt;
  std::string b64;
  b64.reserve(kNonceTextSize + 1);
  for (const char c : text) {
    if (c == '-') {
      b64.push_back('+');
    } else if (c == '_') {
      b64.push_back('/');
    } else if (is_alnum(c)) {
      b64.push_back(c);
    } else {
      return std::nullopt;  // includes '+', '/', '=' and whitespace: one spelling per nonce
    }
  }
  b64.push_back('=');
  auto bytes = base64_decode(b64);  // canonical: rejects non-zero trailing bits
  if (!bytes || bytes->size() != kNonceSize) return std::nullopt;
  return bytes;
}

std::int64_t seconds_since_epoch(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

// ---------------------------------------------------------------------------------------------

std::string_view to_string(ParseError error) {
  switch (error) {
    case ParseError::kTooLong:
      return "too_long";
    case ParseError::kTooManyParams:
      return "too_many_params";
    case ParseError::kMalformed:
      return "malformed";
    case ParseError::kNoSupportedScheme:
      return "no_supported_scheme";
    case ParseError::kUnsupportedAlgorithm:
      return "unsupported_algorithm";
    case ParseError::kMissingParam:
      return "missing_param";
  }
  return "unknown";
}

const std::string* Challenge::find(std::string_view lower_name) const {
  for (const auto& p : params) {
    if (p.name == lower_name) return &p.value;
  }
  return nullptr;
}

ParseResult<std::vector<Challenge>> parse_challenges(std::string_view s) {
  if (s.size() > kMaxHeaderValueSize) return ParseError::kTooLong;
  const std::size_t n = s.size();
  std::size_t i = 0;
  std::size_t param_count = 0;
  std::vector<Challenge> out;

  const auto skip_ows = [&] {
    while (i < n && is_ows(s[i])) ++i;
  };
  const auto read_token = [&] {
    const std::size_t begin = i;
    while (i < n && is_tchar(s[i])) ++i;
    return s.substr(begin, i - begin);
  };
  // A quoted-string (escapes resolved) or, tolerantly, anything up to whitespace or a comma:
  // devices send unquoted nonces and URIs full of '/' and '='.
  const auto read_value = [&](std::string& value) {
    if (i < n && s[i] == '"') {
      ++i;
      while (i < n) {
        const char c = s[i++];
        if (c == '"') return true;
        if (c == '\\') {
          if (i == n) return false;
          value.push_back(s[i++]);
        } else {
          value.push_back(c);
        }
      }
      return false;  // unterminated
    }
    const std::size_t begin = i;
    while (i < n && !is_ows(s[i]) && s[i] != ',') ++i;
    value.assign(s.substr(begin, i - begin));
    return true;
  };

  while (true) {
    while (i < n && (is_ows(s[i]) || s[i] == ',')) ++i;  // empty list elements are allowed
    if (i == n) break;
    const std::string_view name = read_token();
    if (name.empty()) return ParseError::kMalformed;
    const std::size_t after_name = i;
    skip_ows();
    if (i < n && s[i] == '=') {
      if (out.empty()) return ParseError::kMalformed;  // a parameter before any scheme
      ++i;
      skip_ows();
      std::string value;
      if (!read_value(value)) return ParseError::kMalformed;
      if (++param_count > kMaxAuthParams) return ParseError::kTooManyParams;
      out.back().params.push_back({to_lower(name), std::move(value)});
      continue;  // a missing comma before the next parameter is tolerated
    }

    // A new challenge. What follows the scheme is a list of parameters or a token68.
    out.push_back(Challenge{to_lower(name), std::nullopt, {}});
    if (i == n || s[i] == ',') continue;
    if (i == after_name) return ParseError::kMalformed;  // e.g. Digest"x": no space after scheme
    const std::size_t save = i;
    const bool looks_like_param = [&] {
      if (read_token().empty()) return false;
      skip_ows();
      if (i == n || s[i] != '=') return false;
      std::size_t k = i + 1;
      while (k < n && is_ows(s[k])) ++k;
      // "abc=" at the end or "abc==" is a padded token68, "abc=x" a parameter.
      return k < n && s[k] != '=' && s[k] != ',';
    }();
    i = save;
    if (looks_like_param) continue;  // the loop reads it as a parameter
    const std::size_t begin = i;
    while (i < n && is_token68_char(s[i])) ++i;
    while (i < n && s[i] == '=') ++i;
    if (i == begin) return ParseError::kMalformed;
    out.back().token68 = std::string(s.substr(begin, i - begin));
    skip_ows();
    if (i < n && s[i] != ',') return ParseError::kMalformed;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

std::string_view to_string(DigestAlgorithm algorithm) {
  switch (algorithm) {
    case DigestAlgorithm::kMd5:
      return "MD5";
    case DigestAlgorithm::kMd5Sess:
      return "MD5-sess";
    case DigestAlgorithm::kSha256:
      return "SHA-256";
    case DigestAlgorithm::kSha256Sess:
      return "SHA-256-sess";
  }
  return "MD5";
}

std::optional<DigestAlgorithm> parse_digest_algorithm(std::string_view name) {
  for (const auto a : {DigestAlgorithm::kMd5, DigestAlgorithm::kMd5Sess, DigestAlgorithm::kSha256,
                       DigestAlgorithm::kSha256Sess}) {
    if (iequals(name, to_string(a))) return a;
  }
  return std::nullopt;
}

bool is_session_algorithm(DigestAlgorithm algorithm) {
  return algorithm == DigestAlgorithm::kMd5Sess || algorithm == DigestAlgorithm::kSha256Sess;
}

std::optional<std::string> digest_hex(DigestAlgorithm algorithm, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int size = 0;
  if (EVP_Digest(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md.data(), &size,
                 evp_for(algorithm), nullptr) != 1) {
    return std::nullopt;
  }
  return lower_hex(md.data(), size);
}

std::optional<std::string> compute_digest_response(const DigestInputs& in) {
  const auto join = [](std::initializer_list<std::string_view> parts) {
    std::string s;
    bool first = true;
    for (const auto part : parts) {
      if (!first) s.push_back(':');
      first = false;
      s.append(part);
    }
    return s;
  };
  // RFC 7616 §3.4.2 (A1), §3.4.3 (A2), §3.4.1 (response); RFC 2069 when qop is empty.
  auto ha1 = digest_hex(in.algorithm, join({in.username, in.realm, in.password}));
  if (!ha1) return std::nullopt;
  if (is_session_algorithm(in.algorithm)) {
    ha1 = digest_hex(in.algorithm, join({*ha1, in.nonce, in.cnonce}));
    if (!ha1) return std::nullopt;
  }
  const auto ha2 = digest_hex(in.algorithm, join({in.method, in.uri}));
  if (!ha2) return std::nullopt;
  if (in.qop.empty()) return digest_hex(in.algorithm, join({*ha1, in.nonce, *ha2}));
  return digest_hex(in.algorithm, join({*ha1, in.nonce, in.nc, in.cnonce, in.qop, *ha2}));
}

bool constant_time_equals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// ---------------------------------------------------------------------------------------------

ParseResult<SelectedChallenge> parse_www_authenticate(std::string_view header_value) {
  auto parsed = parse_challenges(header_value);
  if (!parsed) return parsed.error();
  std::optional<SelectedChallenge> best_digest;
  std::optional<SelectedChallenge> basic;
  std::optional<ParseError> digest_error;
  for (const auto& c : *parsed) {
    if (c.scheme == "digest") {
      auto d = to_digest_challenge(c);
      if (!d) {
        if (!digest_error) digest_error = d.error();
        continue;
      }
      if (!best_digest ||
          algorithm_rank(d->algorithm) < algorithm_rank(best_digest->digest.algorithm)) {
        SelectedChallenge sel;
        sel.scheme = SelectedChallenge::Scheme::kDigest;
        sel.realm = d->realm;
        sel.digest = std::move(*d);
        best_digest = std::move(sel);
      }
    } else if (c.scheme == "basic" && !basic) {
      SelectedChallenge sel;
      sel.scheme = SelectedChallenge::Scheme::kBasic;
      if (const std::string* realm = c.find("realm")) sel.realm = *realm;
      basic = std::move(sel);
    }
  }
  if (best_digest) return std::move(*best_digest);
  if (basic) return std::move(*basic);
  if (digest_error) return *digest_error;
  return ParseError::kNoSupportedScheme;
}

DigestClient::DigestClient(std::string username, std::string password, RandomSource random)
    : username_(std::move(username)), password_(std::move(password)), random_(std::move(random)) {
  if (!random_) throw std::invalid_argument("DigestClient: no random source");
}

void DigestClient::set_challenge(DigestChallenge challenge) {
  // The same nonce again (a server repeating itself) keeps the cnonce and the count going, so a
  // server tracking nc never sees one twice; a new nonce, stale or not, starts over.
  const bool same_nonce = challenge_ && challenge_->nonce == challenge.nonce;
  challenge_ = std::move(challenge);
  if (same_nonce) return;
  std::array<std::uint8_t, kCnonceSize> bytes{};
  random_(bytes);
  cnonce_ = lower_hex(bytes.data(), bytes.size());
  nc_ = 0;
}

std::optional<std::string> DigestClient::authorization(std::string_view method,
                                                       std::string_view uri) {
  if (!challenge_) return std::nullopt;
  const DigestChallenge& ch = *challenge_;
  const bool with_qop = ch.qop == Qop::kAuth;
  std::string nc_text;
  if (with_qop) {
    // Wrapping after 2^32 requests on one nonce is not a practical concern.
    ++nc_;
    static constexpr char kDigits[] = "0123456789abcdef";
    nc_text.resize(8);
    for (int k = 7, v = 0; k >= 0; --k, ++v) {
      nc_text[static_cast<std::size_t>(k)] = kDigits[(nc_ >> (4 * v)) & 0xF];
    }
  }
  const auto response = compute_digest_response({
      .algorithm = ch.algorithm,
      .username = username_,
      .realm = ch.realm,
      .password = password_,
      .nonce = ch.nonce,
      .cnonce = with_qop ? std::string_view(cnonce_) : std::string_view(),
      .nc = nc_text,
      .qop = with_qop ? "auth" : "",
      .method = method,
      .uri = uri,
  });
  if (!response) return std::nullopt;
  std::string shown_username = username_;
  if (ch.userhash) {  // RFC 7616 §3.4.4: hashed after the response, with the same algorithm
    auto hashed = digest_hex(ch.algorithm, username_ + ":" + ch.realm);
    if (!hashed) return std::nullopt;
    shown_username = std::move(*hashed);
  }

  std::string out = "Digest username=";
  append_quoted(out, shown_username);
  out += ", realm=";
  append_quoted(out, ch.realm);
  out += ", uri=";
  append_quoted(out, uri);
  // Echo the algorithm only when the server named it: some RFC 2069-era servers reject it.
  if (ch.algorithm_explicit || ch.algorithm != DigestAlgorithm::kMd5) {
    out += ", algorithm=";
    out += to_string(ch.algorithm);
  }
  out += ", nonce=";
  append_quoted(out, ch.nonce);
  if (with_qop) {  // nc and qop are unquoted tokens (RFC 7616 §3.4)
    out += ", nc=" + nc_text + ", cnonce=";
    append_quoted(out, cnonce_);
    out += ", qop=auth";
  }
  out += ", response=";
  append_quoted(out, *response);
  if (ch.opaque) {
    out += ", opaque=";
    append_quoted(out, *ch.opaque);
  }
  if (ch.userhash) out += ", userhash=true";
  return out;
}

// ---------------------------------------------------------------------------------------------

ParseResult<DigestCredentials> parse_digest_authorization(std::string_view header_value) {
  auto parsed = parse_challenges(header_value);
  if (!parsed) return parsed.error();
  if (parsed->empty() || parsed->front().scheme != "digest") return ParseError::kNoSupportedScheme;
  if (parsed->size() != 1) return ParseError::kMalformed;  // one set of credentials only
  const Challenge& c = parsed->front();
  if (c.token68 || has_duplicate_params(c)) return ParseError::kMalformed;

  DigestCredentials d;
  const std::string* username = c.find("username");
  const std::string* username_ext = c.find("username*");
  if (username != nullptr && username_ext != nullptr) return ParseError::kMalformed;  // §3.4
  if (username != nullptr) {
    d.username = *username;
  } else if (username_ext != nullptr) {
    auto decoded = decode_ext_value(*username_ext);
    if (!decoded) return ParseError::kMalformed;
    d.username = std::move(*decoded);
  } else {
    return ParseError::kMissingParam;
  }
  const std::string* realm = c.find("realm");
  const std::string* nonce = c.find("nonce");
  const std::string* uri = c.find("uri");
  const std::string* response = c.find("response");
  if (realm == nullptr || nonce == nullptr || uri == nullptr || response == nullptr) {
    return ParseError::kMissingParam;
  }
  d.realm = *realm;
  d.nonce = *nonce;
  d.uri = *uri;
  if (response->empty() || !std::all_of(response->begin(), response->end(), is_hex)) {
    return ParseError::kMalformed;
  }
  d.response = to_lower(*response);
  if (const std::string* alg = c.find("algorithm")) {
    const auto a = parse_digest_algorithm(trim_ows(*alg));
    if (!a) return ParseError::kUnsupportedAlgorithm;
    d.algorithm = *a;
  }
  if (const std::string* qop = c.find("qop")) {
    if (!iequals(trim_ows(*qop), "auth")) return ParseError::kUnsupportedAlgorithm;  // auth-int
    d.qop = Qop::kAuth;
    const std::string* cnonce = c.find("cnonce");
    const std::string* nc = c.find("nc");
    if (cnonce == nullptr || nc == nullptr) return ParseError::kMissingParam;
    if (cnonce->empty()) return ParseError::kMalformed;
    // 8LHEX per RFC 7616; fewer digits or upper case are tolerated since the text is hashed
    // exactly as sent anyway.
    if (nc->empty() || nc->size() > 8 || !std::all_of(nc->begin(), nc->end(), is_hex)) {
      return ParseError::kMalformed;
    }
    d.cnonce = *cnonce;
    d.nc = *nc;
    for (const char ch : *nc)
      d.nc_value = d.nc_value * 16 + static_cast<std::uint32_t>(hex_value(ch));
  } else if (is_session_algorithm(d.algorithm)) {
    return ParseError::kMalformed;  // -sess hashes a cnonce, which only exists with qop
  }
  if (const std::string* opaque = c.find("opaque")) d.opaque = *opaque;
  if (const std::string* uh = c.find("userhash")) d.userhash = iequals(trim_ows(*uh), "true");
  return d;
}

std::string_view to_string(VerifyResult result) {
  switch (result) {
    case VerifyResult::kOk:
      return "ok";
    case VerifyResult::kStale:
      return "stale";
    case VerifyResult::kBadNonce:
      return "bad_nonce";
    case VerifyResult::kBadResponse:
      return "bad_response";
    case VerifyResult::kWrongRealm:
      return "wrong_realm";
    case VerifyResult::kMalformed:
      return "malformed";
    case VerifyResult::kUnsupportedAlgorithm:
      return "unsupported_algorithm";
    case VerifyResult::kUriMismatch:
      return "uri_mismatch";
  }
  return "unknown";
}

VerifyResult to_verify_result(ParseError error) {
  switch (error) {
    case ParseError::kUnsupportedAlgorithm:
    case ParseError::kNoSupportedScheme:
      return VerifyResult::kUnsupportedAlgorithm;
    case ParseError::kTooLong:
    case ParseError::kTooManyParams:
    case ParseError::kMalformed:
    case ParseError::kMissingParam:
      return VerifyResult::kMalformed;
  }
  return VerifyResult::kMalformed;
}

DigestServer::DigestServer(DigestServerOptions options, RandomSource random)
    : DigestServer(std::move(options), std::vector<std::uint8_t>(kGeneratedSecretSize),
                   std::move(random)) {
  random_(secret_);
}

DigestServer::DigestServer(DigestServerOptions options, std::vector<std::uint8_t> secret,
                           RandomSource random)
    : options_(std::move(options)), secret_(std::move(secret)), random_(std::move(random)) {
  if (!random_) throw std::invalid_argument("DigestServer: no random source");
  if (options_.algorithms.empty()) throw std::invalid_argument("DigestServer: no algorithm");
  if (secret_.size() < kMinSecretSize) throw std::invalid_argument("DigestServer: short secret");
}

std::optional<std::array<std::uint8_t, 16>> DigestServer::tag(
    std::span<const std::uint8_t> issued_and_salt) const {
  // Domain separation, then the realm: a nonce from one realm (say the connection-request
  // listener) is worthless in another sharing the secret.
  static constexpr std::string_view kLabel = "cwmp-digest-nonce-v1";
  std::string message;
  message.reserve(kLabel.size() + options_.realm.size() + 2 + issued_and_salt.size());
  message.append(kLabel);
  message.push_back('\0');
  message.append(options_.realm);
  message.push_back('\0');
  message.append(reinterpret_cast<const char*>(issued_and_salt.data()), issued_and_salt.size());
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_size = 0;
  if (HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac.data(),
           &mac_size) == nullptr ||
      mac_size < kNonceTagSize) {
    return std::nullopt;
  }
  std::array<std::uint8_t, 16> out{};
  std::memcpy(out.data(), mac.data(), out.size());
  return out;
}

std::string DigestServer::make_nonce(std::chrono::system_clock::time_point now) const {
  std::array<std::uint8_t, kNonceSize> bytes{};
  const auto issued = static_cast<std::uint64_t>(seconds_since_epoch(now));
  for (std::size_t k = 0; k < kNonceTimeSize; ++k) {
    bytes[k] = static_cast<std::uint8_t>(issued >> (8 * (kNonceTimeSize - 1 - k)));
  }
  random_(std::span<std::uint8_t>(bytes).subspan(kNonceTimeSize, kNonceSaltSize));
  const auto t = tag(std::span<const std::uint8_t>(bytes).first(kNonceTimeSize + kNonceSaltSize));
  // Without HMAC (never expected) the tag stays zero; check_nonce refuses every nonce then too,
  // since it requires its own HMAC to succeed.
  if (t) std::copy(t->begin(), t->end(), bytes.begin() + kNonceTimeSize + kNonceSaltSize);
  return base64url_encode(bytes);
}

DigestServer::NonceState DigestServer::check_nonce(
    std::string_view nonce, std::chrono::system_clock::time_point now) const {
  const auto raw = nonce_bytes(nonce);
  if (!raw) return NonceState::kInvalid;
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(raw->data());
  const auto expected = tag(std::span<const std::uint8_t>(bytes, kNonceTimeSize + kNonceSaltSize));
  if (!expected || CRYPTO_memcmp(expected->data(), bytes + kNonceTimeSize + kNonceSaltSize,
                                 kNonceTagSize) != 0) {
    return NonceState::kInvalid;
  }
  std::uint64_t issued = 0;
  for (std::size_t k = 0; k < kNonceTimeSize; ++k) issued = (issued << 8) | bytes[k];
  // Modular difference: well defined for any input, exact for any sane pair of times.
  const auto age =
      static_cast<std::int64_t>(static_cast<std::uint64_t>(seconds_since_epoch(now)) - issued);
  if (age < -options_.max_clock_skew.count()) return NonceState::kInvalid;  // from the future
  if (age > options_.nonce_max_age.count()) return NonceState::kStale;
  return NonceState::kFresh;
}

std::vector<std::string> DigestServer::challenges(std::chrono::system_clock::time_point now,
                                                  bool stale) const {
  const std::string nonce = make_nonce(now);
  std::vector<std::string> out;
  out.reserve(options_.algorithms.size());
  for (const auto algorithm : options_.algorithms) {
    std::string v = "Digest realm=";
    append_quoted(v, options_.realm);
    if (options_.offer_qop) v += ", qop=\"auth\"";
    v += ", algorithm=";
    v += to_string(algorithm);
    v += ", nonce=";
    append_quoted(v, nonce);
    if (options_.opaque) {
      v += ", opaque=";
      append_quoted(v, *options_.opaque);
    }
    if (stale) v += ", stale=true";
    out.push_back(std::move(v));
  }
  return out;
}

VerifyResult DigestServer::verify(const DigestCredentials& credentials, std::string_view method,
                                  std::string_view request_uri, std::string_view password,
                                  std::chrono::system_clock::time_point now) const {
  const DigestCredentials& c = credentials;
  if (c.realm != options_.realm) return VerifyResult::kWrongRealm;
  if (std::find(options_.algorithms.begin(), options_.algorithms.end(), c.algorithm) ==
      options_.algorithms.end()) {
    return VerifyResult::kUnsupportedAlgorithm;
  }
  // We never offer userhash, so a hashed username cannot be looked up by the caller.
  if (c.userhash) return VerifyResult::kUnsupportedAlgorithm;
  if (c.qop == Qop::kNone) {
    if (!options_.allow_no_qop) return VerifyResult::kUnsupportedAlgorithm;
    if (is_session_algorithm(c.algorithm)) return VerifyResult::kMalformed;
  } else if (c.cnonce.empty() || c.nc.empty()) {
    return VerifyResult::kMalformed;
  }
  if (options_.opaque && c.opaque != options_.opaque) return VerifyResult::kBadNonce;
  const NonceState nonce_state = check_nonce(c.nonce, now);
  if (nonce_state == NonceState::kInvalid) return VerifyResult::kBadNonce;
  if (!uri_matches(c.uri, request_uri)) return VerifyResult::kUriMismatch;
  const bool with_qop = c.qop == Qop::kAuth;
  const auto expected = compute_digest_response({
      .algorithm = c.algorithm,
      .username = c.username,
      .realm = c.realm,
      .password = password,
      .nonce = c.nonce,
      .cnonce = with_qop ? std::string_view(c.cnonce) : std::string_view(),
      .nc = with_qop ? std::string_view(c.nc) : std::string_view(),
      .qop = with_qop ? "auth" : "",
      .method = method,
      .uri = c.uri,
  });
  if (!expected) return VerifyResult::kUnsupportedAlgorithm;  // e.g. MD5 under FIPS
  if (!constant_time_equals(*expected, c.response)) return VerifyResult::kBadResponse;
  // RFC 7616 §3.3: stale=true only for a nonce that is otherwise valid with a correct digest.
  if (nonce_state == NonceState::kStale) return VerifyResult::kStale;
  return VerifyResult::kOk;
}

// ---------------------------------------------------------------------------------------------

NonceCountTracker::NonceCountTracker(std::size_t capacity) : capacity_(capacity) {
  if (capacity_ == 0) throw std::invalid_argument("NonceCountTracker: zero capacity");
}

bool NonceCountTracker::check_and_record(std::string_view nonce, std::uint32_t nc) {
  std::string key(nonce);
  if (const auto it = map_.find(key); it != map_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.lru_position);
    if (nc <= it->second.highest_nc) return false;
    it->second.highest_nc = nc;
    return true;
  }
  if (map_.size() >= capacity_) {
    map_.erase(lru_.back());
    lru_.pop_back();
  }
  lru_.push_front(key);
  map_.emplace(std::move(key), Entry{nc, lru_.begin()});
  return true;
}

// ---------------------------------------------------------------------------------------------

std::string basic_authorization(std::string_view username, std::string_view password) {
  std::string user_pass;
  user_pass.reserve(username.size() + 1 + password.size());
  user_pass.append(username);
  user_pass.push_back(':');
  user_pass.append(password);
  return "Basic " + base64_encode(user_pass);
}

std::optional<BasicCredentials> parse_basic_authorization(std::string_view header_value) {
  if (header_value.size() > kMaxHeaderValueSize) return std::nullopt;
  std::string_view s = trim_ows(header_value);
  constexpr std::string_view kScheme = "basic";
  if (s.size() <= kScheme.size() || !iequals(s.substr(0, kScheme.size()), kScheme) ||
      !is_ows(s[kScheme.size()])) {
    return std::nullopt;
  }
  s = trim_ows(s.substr(kScheme.size()));
  if (s.empty()) return std::nullopt;
  const auto decoded = base64_decode(s);
  if (!decoded) return std::nullopt;
  const auto colon = decoded->find(':');  // RFC 7617 §2: the user-id cannot contain ':'
  if (colon == std::string::npos) return std::nullopt;
  return BasicCredentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

bool basic_matches(const BasicCredentials& credentials, std::string_view username,
                   std::string_view password) {
  // Both comparisons always run, so the time does not tell which field was wrong.
  const bool user_ok = constant_time_equals(credentials.username, username);
  const bool pass_ok = constant_time_equals(credentials.password, password);
  return user_ok && pass_ok;
}

}  // namespace cwmp::auth
