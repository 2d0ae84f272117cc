// Pieces of the NBI (nbi.cpp) that are plain functions of their inputs: URL handling, the
// JSON documents the API returns (tasks, faults, files) and the small filter used on
// collections that are not devices. Private to acs_nbi.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include <boost/json/value.hpp>
#include "acs/connection_request.hpp"

#include "acs/model.hpp"
#include "store/store.hpp"

namespace acs::nbi_detail {

namespace json = boost::json;

// ---- URLs -------------------------------------------------------------------------------------

// Percent-decodes once. In a query string '+' means a space (HTML form encoding, as GenieACS's
// Node.js querystring reads it); in a path segment it is a plain '+'. nullopt on a malformed
// escape ("%G1", "%4").
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

// Escapes every byte outside RFC 3986's unreserved set (A-Z a-z 0-9 - . _ ~), and '/' too
// unless `keep_slash` (a file name such as "upload/<device>/<name>" as a URL path).
std::string percent_encode(std::string_view text, bool keep_slash = false);

struct Target {
  std::vector<std::string> segments;                        // decoded; a trailing '/' is dropped
  std::vector<std::pair<std::string, std::string>> params;  // decoded, in order
  const std::string* param(std::string_view name) const;    // the first with that name
};

inline constexpr std::size_t kMaxSegments = 8;
inline constexpr std::size_t kMaxParams = 32;

// Splits a request target ("/devices/a%25b/tasks?connection_request&timeout=3000") into decoded
// path segments and query parameters. nullopt on a malformed escape, a target that is not an
// absolute path, or more segments/parameters than the limits.
std::optional<Target> parse_target(std::string_view target);

// ---- documents --------------------------------------------------------------------------------

// "2026-11-27T12:00:00.000Z" (UTC, milliseconds), like the store's device documents.
std::string iso_time(Millis ms);

// A task as the NBI shows it (docs/nbi.md "Task documents"): its arguments as posted, then
// "_id" (decimal string), "device", "name", "timestamp", "status", "expiry" (when set),
// "attempts", "result" (done) and "fault" (fault) over them.
json::object task_json(const Task& task);

// The fault document of a task in state fault or expired (GenieACS's faults collection shape):
// "_id" "<device>:task_<id>", "device", "channel", "timestamp", "code", "message", "detail",
// "retries".
json::object fault_json(const Task& task);

// A file as GenieACS lists its GridFS files: "_id", "filename", "length", "uploadDate",
// "metadata" {fileType, oui, productClass, version, md5, sha256, deviceId}.
json::object file_json(const store::FileInfo& file);

// The fault id of a task ("<device>:task_<id>") split back; nullopt for any other channel.
struct FaultId {
  std::string device_id;
  std::int64_t task_id = 0;
};
std::optional<FaultId> parse_fault_id(std::string_view id);

// A positive decimal task id; nullopt otherwise.
std::optional<std::int64_t> parse_task_id(std::string_view text);

// ---- the document filter ----------------------------------------------------------------------

// A MongoDB-style filter over JSON documents, for tasks, faults and files (devices use the
// full query language of acs/query.hpp, evaluated by the store). Fields are dotted paths into
// the document; operators: a plain value (equality; an array field matches when an element
// does), $eq $ne $gt $gte $lt $lte $in $nin $exists $regex (+ $options "i"), and $and / $or.
// Numbers compare numerically, strings bytewise (ISO times therefore in time order); a number
// equals a string that spells it as a decimal integer, so {"_id": 12} finds task "12".
class DocFilter {
 public:
  // An error message naming the offending part, or the filter.
  static std::optional<DocFilter> parse(const json::value& query, std::string& error);
  bool matches(const json::object& document) const;
  // The string a top-level equality on `field` requires, if the filter has one (used to narrow
  // the store's listing before filtering).
  std::optional<std::string> required_string(std::string_view field) const;

 private:
  json::object query_;
  std::map<std::string, std::regex> regexes_;  // compiled once per pattern ("i" prefix: icase)
};

// The document limited to the given top-level or dotted paths ("_id" is always kept).
json::object project(const json::object& document, const std::vector<std::string>& paths);

// Orders documents by the given dotted paths (1 ascending, -1 descending); documents that lack a
// key sort first ascending, as in MongoDB. Stable.
void sort_documents(std::vector<json::object>& documents,
                    const std::vector<std::pair<std::string, int>>& keys);

// ---- misc -------------------------------------------------------------------------------------

// Compares in time independent of where the strings differ (the API token).
bool constant_time_equals(std::string_view given, std::string_view expected);

// ASCII letters in lower case (the repository's hex digests are upper case; GenieACS and most
// tools show md5/sha256 in lower case).
std::string ascii_lower(std::string text);

// Text safe for an HTTP header value: printable ASCII only, at most `limit` bytes.
std::string header_safe(std::string_view text, std::size_t limit = 256);
// The X-Connection-Request value: "accepted", or "auth-failed: credentials rejected (401)".
std::string connection_request_summary(const ConnectionRequestOutcome& outcome);

}  // namespace acs::nbi_detail
