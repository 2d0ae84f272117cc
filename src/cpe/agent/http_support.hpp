// The HTTP-level state of one CWMP session or file transfer, kept pure (text in, text out):
//  - CookieJar: the ACS's session cookies (TR-069 §3.4.5 as recalled in CWMP-FACTS §1.7: the
//    CPE returns them for the rest of the session, several at once, at least 512 bytes);
//  - ClientAuth: answering a 401 with Digest (RFC 7616, via libcwmp's DigestClient) or Basic,
//    and sending credentials on every later request of the session;
//  - URL helpers.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cwmp/http_auth.hpp"

namespace cpe::agent {

class CookieJar {
 public:
  static constexpr std::size_t kMaxCookies = 32;
  static constexpr std::size_t kMaxBytes = 8192;  // names + values, well above the 512 asked

  // One Set-Cookie header value. Attributes are ignored but Max-Age <= 0, which deletes the
  // cookie (the jar lives for one session with one origin, so Path/Domain/Expires add
  // nothing). A cookie beyond the limits is dropped.
  void store(std::string_view set_cookie);
  // The Cookie header value ("a=1; b=2"), "" when empty.
  std::string header() const;
  void clear() { cookies_.clear(); }
  std::size_t size() const { return cookies_.size(); }

 private:
  std::vector<std::pair<std::string, std::string>> cookies_;
};

class ClientAuth {
 public:
  // allow_basic: answer a Basic challenge (TR-069 §3.4.4: an ACS may ask for Basic only over
  // TLS, so over plain HTTP this stays false unless configured).
  ClientAuth(std::string username, std::string password, bool allow_basic,
             cwmp::auth::RandomSource random);

  // Another origin (a redirect): forget the challenge.
  void reset(bool allow_basic);

  // The Authorization value for the next request, when a challenge was answered before.
  std::optional<std::string> authorization(std::string_view method, std::string_view target);

  // A 401 came with these WWW-Authenticate values (joined with ", "). `credentials_sent`:
  // the refused request carried our credentials. Returns "" when the request should be
  // sent again (with authorization()), else why not.
  std::string on_challenge(std::string_view www_authenticate, bool credentials_sent);

 private:
  std::string username_;
  std::string password_;
  bool allow_basic_;
  cwmp::auth::RandomSource random_;
  bool basic_ = false;
  std::optional<cwmp::auth::DigestClient> digest_;
};

// The request-target of an absolute URL ("/path?query"), as the HTTP client sends it and as
// Digest hashes it; "/" when the URL has none or is not parseable.
std::string request_target(std::string_view url);
bool is_https(std::string_view url);
bool is_http_url(std::string_view url);  // http:// or https://, case-insensitive scheme
// "scheme://host:port" (lower-case scheme and host, default port filled in); "" when the
// URL is not an absolute http(s) URL.
std::string origin_of(std::string_view url);
// A Location header value made absolute against the URL it answered (RFC 7231 §7.1.2 allows
// a relative reference); "" unless the result is an http(s) URL.
std::string resolve_reference(std::string_view base, std::string_view location);
// The last path segment of a URL, percent-decoding left out ("" when none).
std::string last_path_segment(std::string_view url);

}  // namespace cpe::agent
