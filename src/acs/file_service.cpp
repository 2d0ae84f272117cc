// FileService: the HTTP handler of the file listener (docs/files.md).
//
// Downloads never hold a file in memory: the response carries a net::FileBody and the server
// streams the bytes from disk in chunks. Metadata lookups and uploads block on the store and
// the disk, so they run on the blocking executor, never on the event loop.
#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "acs/files.hpp"
#include "cwmp/http_auth.hpp"
#include "cwmp/schema_patterns.hpp"

namespace acs {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

// Where CPE uploads go: PUT/POST /upload/<device id>/<name>, stored as
// "upload/<device id>/<name>" so uploads of different devices never collide.
constexpr std::string_view kUploadSegment = "upload";
// TR-069 A.3.2.9: the Upload FileType the ACS most often asks for.
constexpr std::string_view kDefaultUploadType = "3 Vendor Configuration File";
constexpr std::size_t kMaxFileTypeSize = 64;  // FileType is string(64)

void random_bytes(std::span<std::uint8_t> out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
}

Millis system_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string_view header(const net::Request& request, http::field field) {
  const auto it = request.find(field);
  if (it == request.end()) return {};
  return {it->value().data(), it->value().size()};
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

net::Response text(http::status status, const net::Request& request, std::string body) {
  net::Response r;
  r.message = net::HttpResponse(status, request.version());
  r.message.set(http::field::content_type, "text/plain; charset=utf-8");
  r.message.body() = std::move(body) + "\n";
  return r;
}

// IMF-fixdate (RFC 9110 §5.6.7), e.g. "Sun, 06 Nov 1994 08:49:37 GMT". Built by hand so the
// C locale's names are used whatever the process locale is.
std::string http_date(Millis ms) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  if (gmtime_r(&seconds, &tm) == nullptr) return {};
  char out[40];
  std::snprintf(out, sizeof out, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return out;
}

// The content hash is the entity tag: the same name with new bytes gets a new tag.
std::string etag_of(const store::FileInfo& file) {
  return "\"" + file.sha256 + "\"";
}

// If-None-Match: "*" or a list of entity tags, compared weakly (RFC 9110 §13.1.2).
bool none_match_hits(std::string_view value, std::string_view etag) {
  while (true) {
    while (!value.empty() &&
           (value.front() == ' ' || value.front() == '\t' || value.front() == ','))
      value.remove_prefix(1);
    if (value.empty()) return false;
    if (value.front() == '*') return true;
    if (value.substr(0, 2) == "W/") value.remove_prefix(2);
    if (value.empty() || value.front() != '"') return false;  // malformed: no match
    const std::size_t close = value.find('"', 1);
    if (close == std::string_view::npos) return false;
    if (value.substr(0, close + 1) == etag) return true;
    value.remove_prefix(close + 1);
  }
}

// If-Range (RFC 9110 §13.1.5): the Range applies only if the validator still matches; an
// entity tag is compared strongly, a date must be the Last-Modified we send.
bool if_range_holds(std::string_view value, std::string_view etag, std::string_view date) {
  value = trim(value);
  if (value.empty()) return true;
  if (value.front() == '"' || value.substr(0, 2) == "W/") return value == etag;
  return value == date;
}

// Digits only; a value past 2^64-1 saturates (it is past any file size anyway).
std::optional<std::uint64_t> parse_position(std::string_view s) {
  if (s.empty()) return std::nullopt;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  std::uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec == std::errc::result_out_of_range) return std::numeric_limits<std::uint64_t>::max();
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return value;
}

struct ByteRange {
  enum class Kind : std::uint8_t {
    kWhole,          // no Range, one we ignore (unknown unit, bad syntax) or several ranges
    kPart,           // 206
    kUnsatisfiable,  // 416
  };
  Kind kind = Kind::kWhole;
  std::uint64_t first = 0;
  std::uint64_t length = 0;
};

// A Range header against a file of `size` bytes (RFC 9110 §14.1.2): "bytes=a-b", "bytes=a-"
// or "bytes=-n". Several ranges get the whole file with 200, which §14.2 allows and which
// spares us multipart/byteranges; CPEs resume downloads with one range.
ByteRange parse_range(std::string_view value, std::uint64_t size) {
  ByteRange whole;
  value = trim(value);
  const std::size_t eq = value.find('=');
  if (eq == std::string_view::npos) return whole;
  const std::string_view unit = trim(value.substr(0, eq));
  if (unit.size() != 5 || !boost::beast::iequals(unit, "bytes")) return whole;  // MUST ignore
  std::string_view spec;
  std::size_t specs = 0;
  std::string_view rest = value.substr(eq + 1);
  while (true) {
    const std::size_t comma = rest.find(',');
    const std::string_view element = trim(rest.substr(0, comma));
    if (!element.empty()) {
      spec = element;
      ++specs;
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (specs != 1) return whole;
  const std::size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return whole;
  const std::string_view first_text = trim(spec.substr(0, dash));
  const std::string_view last_text = trim(spec.substr(dash + 1));
  ByteRange unsatisfiable{ByteRange::Kind::kUnsatisfiable, 0, 0};

  if (first_text.empty()) {  // suffix: the last n bytes
    const auto n = parse_position(last_text);
    if (!n) return whole;
    if (*n == 0 || size == 0) return unsatisfiable;
    const std::uint64_t length = std::min(*n, size);
    return {ByteRange::Kind::kPart, size - length, length};
  }
  const auto first = parse_position(first_text);
  if (!first) return whole;
  std::uint64_t last = std::numeric_limits<std::uint64_t>::max();
  if (!last_text.empty()) {
    const auto parsed = parse_position(last_text);
    if (!parsed || *parsed < *first) return whole;  // an invalid range-spec is ignored
    last = *parsed;
  }
  if (*first >= size) return unsatisfiable;
  last = std::min(last, size - 1);
  return {ByteRange::Kind::kPart, *first, last - *first + 1};
}

// A name in a Location header: unreserved characters and '/' as they are, the rest %XX.
std::string percent_encode_path(std::string_view name) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : name) {
    const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

bool has_control(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// The file name of a download URL: the decoded path without its leading '/'.
std::optional<std::string> download_name(const boost::urls::url_view& url) {
  std::string path = url.path();
  if (!path.empty() && path.front() == '/') path.erase(0, 1);
  if (path.empty() || path.size() > 255 || has_control(path)) return std::nullopt;
  return path;
}

bool is_upload_path(const boost::urls::url_view& url) {
  const auto segments = url.segments();
  return !segments.empty() && *segments.begin() == kUploadSegment;
}

bool good_segment(std::string_view s) {
  return !s.empty() && s != "." && s != ".." && s.find('/') == std::string_view::npos &&
         !has_control(s);
}

struct UploadTarget {
  std::string device_id;
  std::string name;  // as stored: "upload/<device id>/<name>"
  std::string file_type;
};

// PUT/POST /upload/<device id>/<name>[?fileType=...]; nullopt with a reason when malformed.
std::optional<UploadTarget> upload_target(const boost::urls::url_view& url, std::string& why) {
  const auto segments = url.segments();
  std::vector<std::string> parts(segments.begin(), segments.end());
  if (parts.size() != 3 || parts[0] != kUploadSegment || !good_segment(parts[1]) ||
      !good_segment(parts[2])) {
    why = "the upload URL is /upload/<device id>/<name>";
    return std::nullopt;
  }
  UploadTarget t;
  t.device_id = parts[1];
  t.name = std::string(kUploadSegment) + "/" + parts[1] + "/" + parts[2];
  if (t.name.size() > 255) {
    why = "name too long";
    return std::nullopt;
  }
  t.file_type = std::string(kDefaultUploadType);
  const auto params = url.params();
  if (const auto it = params.find("fileType"); it != params.end()) {
    const std::string type = (*it).value;
    if (type.size() > kMaxFileTypeSize || !cwmp::detail::is_valid_upload_file_type(type)) {
      why = "bad fileType";
      return std::nullopt;
    }
    t.file_type = type;
  }
  return t;
}

// Backup retention: deletes the device's uploads beyond the newest `keep` (by upload time,
// then name), never the one just stored. Returns the names deleted. Blocking (store, disk).
std::vector<std::string> prune_uploads(FileRepository& files, const std::string& device_id,
                                       std::size_t keep, const std::string& just_stored) {
  std::vector<std::string> removed;
  if (keep == 0) return removed;
  const std::string prefix = std::string(kUploadSegment) + "/" + device_id + "/";
  std::vector<store::FileInfo> uploads;
  for (store::FileInfo& f : files.list()) {
    if (f.device_id == device_id && f.name.starts_with(prefix)) uploads.push_back(std::move(f));
  }
  if (uploads.size() <= keep) return removed;
  // Newest first; the file just stored counts as the newest whatever the clocks say.
  std::sort(uploads.begin(), uploads.end(),
            [&](const store::FileInfo& a, const store::FileInfo& b) {
              const bool a_new = a.name == just_stored;
              const bool b_new = b.name == just_stored;
              if (a_new != b_new) return a_new;
              if (a.uploaded != b.uploaded) return a.uploaded > b.uploaded;
              return a.name > b.name;
            });
  for (std::size_t i = keep; i < uploads.size(); ++i) {
    if (files.remove(uploads[i].name)) removed.push_back(uploads[i].name);
  }
  return removed;
}

}  // namespace

struct FileService::Impl {
  Impl(FileRepository& f, asio::any_io_executor b, FileServiceOptions o, Metrics* m)
      : files(f), blocking(std::move(b)), options(std::move(o)), metrics(m) {
    if (!options.username.empty()) {
      cwmp::auth::DigestServerOptions d;
      d.realm = options.realm;
      digest = std::make_unique<cwmp::auth::DigestServer>(d, random_bytes);
    }
  }

  // Runs blocking work (store, disk) on the blocking executor.
  template <class F>
  asio::awaitable<std::invoke_result_t<F&>> off_loop(F f) {
    using R = std::invoke_result_t<F&>;
    co_return co_await asio::co_spawn(
        blocking, [&f]() -> asio::awaitable<R> { co_return f(); }, asio::use_awaitable);
  }

  std::optional<net::Response> authenticate(const net::Request& request) const;
  asio::awaitable<net::Response> download(const net::Request& request, const std::string& name,
                                          const net::ConnectionInfo& connection);
  asio::awaitable<net::Response> upload(const net::Request& request, const UploadTarget& target,
                                        const net::ConnectionInfo& connection);

  FileRepository& files;
  asio::any_io_executor blocking;
  FileServiceOptions options;
  Metrics* metrics;  // nothing counted yet
  std::unique_ptr<cwmp::auth::DigestServer> digest;
};

// nullopt: allowed; else the 401 to send, with a Digest challenge per algorithm and a Basic
// one when allowed (the CPE picks what it knows).
std::optional<net::Response> FileService::Impl::authenticate(const net::Request& request) const {
  if (!digest) return std::nullopt;
  const std::string_view value = header(request, http::field::authorization);
  const auto now = std::chrono::system_clock::now();
  bool stale = false;
  if (!value.empty()) {
    if (auto basic = cwmp::auth::parse_basic_authorization(value)) {
      if (options.allow_basic &&
          cwmp::auth::basic_matches(*basic, options.username, options.password)) {
        return std::nullopt;
      }
    } else if (auto creds = cwmp::auth::parse_digest_authorization(value);
               creds && creds->username == options.username) {
      const auto result = digest->verify(
          *creds, std::string_view(request.method_string().data(), request.method_string().size()),
          std::string_view(request.target().data(), request.target().size()), options.password,
          now);
      if (result == cwmp::auth::VerifyResult::kOk) return std::nullopt;
      stale = result == cwmp::auth::VerifyResult::kStale;
    }
    spdlog::warn("file service: authentication failed for {} {}",
                 std::string_view(request.method_string().data(), request.method_string().size()),
                 std::string_view(request.target().data(), request.target().size()));
  }
  net::Response r = text(http::status::unauthorized, request, "authentication required");
  for (const std::string& c : digest->challenges(now, stale)) {
    r.message.insert(http::field::www_authenticate, c);
  }
  if (options.allow_basic) {
    r.message.insert(http::field::www_authenticate, "Basic realm=\"" + options.realm + "\"");
  }
  return r;
}

asio::awaitable<net::Response> FileService::Impl::download(const net::Request& request,
                                                           const std::string& name,
                                                           const net::ConnectionInfo& connection) {
  std::optional<store::FileInfo> file;
  std::filesystem::path path;
  try {
    std::tie(file, path) = co_await off_loop(
        [this, &name]() -> std::pair<std::optional<store::FileInfo>, std::filesystem::path> {
          auto info = files.get(name);
          if (!info) return {std::nullopt, {}};
          auto where = files.path_of(*info);
          return {std::move(info), std::move(where)};
        });
  } catch (const std::exception& e) {
    spdlog::error("file service: looking up '{}': {}", name, e.what());
    co_return text(http::status::internal_server_error, request, "store error");
  }
  if (!file) co_return text(http::status::not_found, request, "no such file");

  const std::string etag = etag_of(*file);
  const std::string modified = http_date(file->uploaded);
  net::Response r;
  r.message = net::HttpResponse(http::status::ok, request.version());
  r.message.set(http::field::etag, etag);
  if (!modified.empty()) r.message.set(http::field::last_modified, modified);
  r.message.set(http::field::accept_ranges, "bytes");

  // RFC 9110 §13.2.2: If-None-Match is evaluated before Range.
  const std::string_view none_match = header(request, http::field::if_none_match);
  if (!none_match.empty() && none_match_hits(none_match, etag)) {
    r.message.result(http::status::not_modified);
    co_return r;
  }

  ByteRange range{ByteRange::Kind::kWhole, 0, file->size};
  // Range is defined for GET only (RFC 9110 §14.2); HEAD describes the whole file.
  const std::string_view range_header = header(request, http::field::range);
  if (request.method() == http::verb::get && !range_header.empty() &&
      if_range_holds(header(request, http::field::if_range), etag, modified)) {
    const ByteRange asked = parse_range(range_header, file->size);
    if (asked.kind != ByteRange::Kind::kWhole) range = asked;
  }
  if (range.kind == ByteRange::Kind::kUnsatisfiable) {
    net::Response refused =
        text(http::status::range_not_satisfiable, request, "range not satisfiable");
    refused.message.set(http::field::content_range, "bytes */" + std::to_string(file->size));
    co_return refused;
  }
  r.message.set(http::field::content_type, "application/octet-stream");
  if (range.kind == ByteRange::Kind::kPart) {
    r.message.result(http::status::partial_content);
    r.message.set(http::field::content_range, "bytes " + std::to_string(range.first) + "-" +
                                                  std::to_string(range.first + range.length - 1) +
                                                  "/" + std::to_string(file->size));
  }
  // Streamed from disk by the server, read on the blocking executor (net::FileBody).
  r.file = net::FileBody{std::move(path), range.first, range.length, blocking};
  if (request.method() == http::verb::get) {
    spdlog::info("file service: {} '{}' bytes {}+{} of {} to {}",
                 static_cast<unsigned>(r.message.result_int()), name, range.first, range.length,
                 file->size, connection.remote_address);
  }
  co_return r;
}

asio::awaitable<net::Response> FileService::Impl::upload(const net::Request& request,
                                                         const UploadTarget& target,
                                                         const net::ConnectionInfo& connection) {
  if (request.body().size() > options.max_upload_bytes) {
    spdlog::warn("file service: upload '{}' from {} refused: {} bytes over the limit of {}",
                 target.name, connection.remote_address, request.body().size(),
                 options.max_upload_bytes);
    co_return text(http::status::payload_too_large, request, "upload too large");
  }
  FileMetadata metadata;
  metadata.file_type = target.file_type;
  store::FileInfo stored;
  std::vector<std::string> pruned;
  try {
    std::tie(stored, pruned) = co_await off_loop([this, &request, &target, &metadata] {
      store::FileInfo info =
          files.put(target.name, request.body(), metadata, target.device_id, system_now());
      // The upload is stored (and answered 201) even if the retention cannot delete: the
      // next upload tries again.
      std::vector<std::string> removed;
      try {
        removed = prune_uploads(files, target.device_id, options.backup_retention, info.name);
      } catch (const std::exception& e) {
        spdlog::error("file service: backup retention for '{}': {}", target.device_id, e.what());
      }
      return std::pair{std::move(info), std::move(removed)};
    });
  } catch (const std::invalid_argument& e) {
    co_return text(http::status::bad_request, request, e.what());
  } catch (const std::exception& e) {
    spdlog::error("file service: storing upload '{}': {}", target.name, e.what());
    co_return text(http::status::internal_server_error, request, "cannot store the file");
  }
  spdlog::info("file service: stored upload '{}' ({}, {} bytes, sha256 {}) from {}", stored.name,
               stored.file_type, stored.size, stored.sha256, connection.remote_address);
  for (const std::string& name : pruned) {
    spdlog::info("file service: deleted upload '{}' (backup retention {})", name,
                 options.backup_retention);
  }
  net::Response r = text(http::status::created, request, "stored " + stored.name);
  r.message.set(http::field::location, "/" + percent_encode_path(stored.name));
  r.message.set(http::field::etag, etag_of(stored));
  co_return r;
}

FileService::FileService(FileRepository& files, asio::any_io_executor blocking_executor,
                         FileServiceOptions options, Metrics* metrics)
    : impl_(std::make_unique<Impl>(files, std::move(blocking_executor), std::move(options),
                                   metrics)) {}

FileService::~FileService() = default;

asio::awaitable<net::Response> FileService::handle(net::Request& request,
                                                   const net::ConnectionInfo& connection) {
  Impl& im = *impl_;
  const auto url =
      boost::urls::parse_origin_form({request.target().data(), request.target().size()});
  if (!url) co_return text(http::status::bad_request, request, "bad request target");
  // Before anything else, so that a 404 tells nothing to a client without credentials.
  if (auto refused = im.authenticate(request)) co_return std::move(*refused);

  switch (request.method()) {
    case http::verb::get:
    case http::verb::head: {
      const auto name = download_name(*url);
      if (!name) co_return text(http::status::not_found, request, "no such file");
      co_return co_await im.download(request, *name, connection);
    }
    case http::verb::put:
    case http::verb::post: {
      if (!is_upload_path(*url)) {
        net::Response r = text(http::status::method_not_allowed, request,
                               "uploads go to /upload/<device id>/<name>");
        r.message.set(http::field::allow, "GET, HEAD");
        co_return r;
      }
      std::string why;
      const auto target = upload_target(*url, why);
      if (!target) co_return text(http::status::bad_request, request, why);
      // POST bodies are the file's raw bytes like PUT's (what CPEs send); multipart/form-data
      // is not decoded.
      co_return co_await im.upload(request, *target, connection);
    }
    default: {
      net::Response r = text(http::status::method_not_allowed, request, "method not allowed");
      r.message.set(http::field::allow, "GET, HEAD, PUT, POST");
      co_return r;
    }
  }
}

}  // namespace acs
