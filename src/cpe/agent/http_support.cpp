// HTTP-level session state: see http_support.hpp.
#include "cpe/agent/http_support.hpp"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <cctype>

namespace cpe::agent {

namespace {

std::string_view trim(std::string_view s) {
  const std::size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  const std::size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// True when the attribute list (after the first ';') holds Max-Age=<n> with n <= 0.
bool deletes(std::string_view attributes) {
  while (!attributes.empty()) {
    const std::size_t semi = attributes.find(';');
    const std::string_view attr = trim(attributes.substr(0, semi));
    attributes = semi == std::string_view::npos ? std::string_view{} : attributes.substr(semi + 1);
    const std::size_t eq = attr.find('=');
    if (eq == std::string_view::npos || !iequals(trim(attr.substr(0, eq)), "max-age")) continue;
    const std::string_view value = trim(attr.substr(eq + 1));
    return !value.empty() && (value[0] == '-' || value.find_first_not_of('0') == std::string::npos);
  }
  return false;
}

}  // namespace

void CookieJar::store(std::string_view set_cookie) {
  const std::size_t semi = set_cookie.find(';');
  const std::string_view pair = set_cookie.substr(0, semi);
  const std::size_t eq = pair.find('=');
  if (eq == std::string_view::npos) return;
  const std::string name(trim(pair.substr(0, eq)));
  std::string value(trim(pair.substr(eq + 1)));
  if (name.empty()) return;
  std::erase_if(cookies_, [&](const auto& c) { return c.first == name; });
  if (semi != std::string_view::npos && deletes(set_cookie.substr(semi + 1))) return;
  std::size_t bytes = name.size() + value.size();
  for (const auto& c : cookies_) bytes += c.first.size() + c.second.size();
  if (cookies_.size() >= kMaxCookies || bytes > kMaxBytes) return;
  cookies_.emplace_back(name, std::move(value));
}

std::string CookieJar::header() const {
  std::string out;
  for (const auto& [name, value] : cookies_) {
    if (!out.empty()) out += "; ";
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

ClientAuth::ClientAuth(std::string username, std::string password, bool allow_basic,
                       cwmp::auth::RandomSource random)
    : username_(std::move(username)),
      password_(std::move(password)),
      allow_basic_(allow_basic),
      random_(std::move(random)) {}

void ClientAuth::reset(bool allow_basic) {
  allow_basic_ = allow_basic;
  basic_ = false;
  digest_.reset();
}

std::optional<std::string> ClientAuth::authorization(std::string_view method,
                                                     std::string_view target) {
  if (digest_ && digest_->has_challenge()) return digest_->authorization(method, target);
  if (basic_) return cwmp::auth::basic_authorization(username_, password_);
  return std::nullopt;
}

std::string ClientAuth::on_challenge(std::string_view www_authenticate, bool credentials_sent) {
  if (username_.empty() && password_.empty()) return "authentication required, no credentials";
  auto selected = cwmp::auth::parse_www_authenticate(www_authenticate);
  if (!selected) {
    return "cannot answer the challenge (" + std::string(cwmp::auth::to_string(selected.error())) +
           ")";
  }
  if (selected->scheme == cwmp::auth::SelectedChallenge::Scheme::kBasic) {
    if (!allow_basic_) return "Basic authentication refused over plain HTTP";
    if (credentials_sent && basic_) return "credentials rejected";
    basic_ = true;
    return {};
  }
  // A fresh (non-stale) challenge in answer to our credentials: they were wrong.
  if (credentials_sent && !selected->digest.stale) return "credentials rejected";
  if (!digest_) digest_.emplace(username_, password_, random_);
  digest_->set_challenge(std::move(selected->digest));
  basic_ = false;
  return {};
}

std::string request_target(std::string_view url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return "/";
  std::string target(parsed->encoded_target());
  if (target.empty() || target.front() != '/') target.insert(0, "/");
  return target;
}

bool is_https(std::string_view url) {
  return url.size() >= 8 && iequals(url.substr(0, 8), "https://");
}

bool is_http_url(std::string_view url) {
  return is_https(url) || (url.size() >= 7 && iequals(url.substr(0, 7), "http://"));
}

std::string origin_of(std::string_view url) {
  if (!is_http_url(url)) return {};
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed || !parsed->has_authority() || parsed->encoded_host().empty()) return {};
  const std::string scheme = lower(parsed->scheme());
  std::string port(parsed->port());
  if (port.empty()) port = scheme == "https" ? "443" : "80";
  return scheme + "://" + lower(parsed->encoded_host()) + ":" + port;
}

std::string resolve_reference(std::string_view base, std::string_view location) {
  auto ref = boost::urls::parse_uri_reference(location);
  auto base_url = boost::urls::parse_absolute_uri(base);
  if (!ref || !base_url) return {};
  boost::urls::url out;
  if (!boost::urls::resolve(*base_url, *ref, out)) return {};
  std::string text(out.buffer());
  return is_http_url(text) ? text : std::string();
}

std::string last_path_segment(std::string_view url) {
  auto parsed = boost::urls::parse_uri_reference(url);
  if (!parsed) return {};
  const std::string_view path = parsed->encoded_path();
  const std::size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

}  // namespace cpe::agent
