// The agent's durable state: see agent_state.hpp.
#include "cpe/agent/agent_state.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <fstream>
#include <limits>
#include <sstream>
#include <system_error>

namespace cpe::agent {

namespace json = boost::json;

namespace {

constexpr std::int64_t kFormatVersion = 1;
constexpr std::size_t kMaxStateBytes = 16 * 1024 * 1024;

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// --- writing ---------------------------------------------------------------------------

json::array events_to_json(const std::vector<cwmp::EventStruct>& events) {
  json::array out;
  for (const auto& e : events)
    out.push_back(json::object{{"code", e.event_code}, {"key", e.command_key}});
  return out;
}

json::object window_to_json(const cwmp::TimeWindow& w) {
  return json::object{{"start", w.window_start},
                      {"end", w.window_end},
                      {"mode", w.window_mode},
                      {"message", w.user_message},
                      {"max_retries", w.max_retries}};
}

json::object transfer_to_json(const Transfer& t) {
  json::array windows;
  for (const auto& w : t.windows) windows.push_back(window_to_json(w));
  return json::object{{"id", t.id},
                      {"kind", to_string(t.kind)},
                      {"command_key", t.command_key},
                      {"file_type", t.file_type},
                      {"url", t.url},
                      {"username", t.username},
                      {"password", t.password},
                      {"file_size", t.file_size},
                      {"target_file_name", t.target_file_name},
                      {"received", to_millis(t.received)},
                      {"not_before", to_millis(t.not_before)},
                      {"windows", std::move(windows)},
                      {"attempts", t.attempts},
                      {"state", static_cast<int>(t.state)},
                      {"fault_code", t.fault.fault_code},
                      {"fault_string", t.fault.fault_string},
                      {"start_time", cwmp::format_date_time(t.start_time)},
                      {"complete_time", cwmp::format_date_time(t.complete_time)}};
}

// --- reading: every accessor throws std::invalid_argument on a wrong shape ----------------

const json::value& field(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr) throw std::invalid_argument("missing field '" + std::string(name) + "'");
  return *v;
}

std::string get_string(const json::object& o, std::string_view name) {
  const json::value& v = field(o, name);
  if (!v.is_string()) throw std::invalid_argument("'" + std::string(name) + "' is not a string");
  return std::string(v.get_string());
}

std::int64_t get_int(const json::object& o, std::string_view name) {
  const json::value& v = field(o, name);
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(v.get_uint64());
  }
  throw std::invalid_argument("'" + std::string(name) + "' is not an integer");
}

// For 32-bit fields only (their whole range fits in int64).
template <class T>
T get_ranged(const json::object& o, std::string_view name) {
  const std::int64_t v = get_int(o, name);
  if (v < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
      v > static_cast<std::int64_t>(std::numeric_limits<T>::max())) {
    throw std::invalid_argument("'" + std::string(name) + "' is out of range");
  }
  return static_cast<T>(v);
}

bool get_bool(const json::object& o, std::string_view name) {
  const json::value& v = field(o, name);
  if (!v.is_bool()) throw std::invalid_argument("'" + std::string(name) + "' is not a boolean");
  return v.get_bool();
}

const json::object& as_object(const json::value& v, std::string_view what) {
  if (!v.is_object()) throw std::invalid_argument(std::string(what) + " is not an object");
  return v.get_object();
}

const json::array& get_array(const json::object& o, std::string_view name) {
  const json::value& v = field(o, name);
  if (!v.is_array()) throw std::invalid_argument("'" + std::string(name) + "' is not an array");
  return v.get_array();
}

cwmp::DateTime get_date_time(const json::object& o, std::string_view name) {
  auto parsed = cwmp::parse_date_time(get_string(o, name));
  if (!parsed) throw std::invalid_argument("'" + std::string(name) + "' is not a dateTime");
  return *parsed;
}

std::vector<cwmp::EventStruct> events_from_json(const json::array& a) {
  std::vector<cwmp::EventStruct> out;
  for (const auto& v : a) {
    const json::object& o = as_object(v, "event");
    out.push_back({get_string(o, "code"), get_string(o, "key")});
  }
  return out;
}

TransferKind kind_from(std::string_view text) {
  for (TransferKind k :
       {TransferKind::kDownload, TransferKind::kUpload, TransferKind::kScheduleDownload}) {
    if (to_string(k) == text) return k;
  }
  throw std::invalid_argument("unknown transfer kind '" + std::string(text) + "'");
}

Transfer transfer_from_json(const json::object& o) {
  Transfer t;
  t.id = static_cast<std::uint64_t>(get_int(o, "id"));
  t.kind = kind_from(get_string(o, "kind"));
  t.command_key = get_string(o, "command_key");
  t.file_type = get_string(o, "file_type");
  t.url = get_string(o, "url");
  t.username = get_string(o, "username");
  t.password = get_string(o, "password");
  t.file_size = get_ranged<std::uint32_t>(o, "file_size");
  t.target_file_name = get_string(o, "target_file_name");
  t.received = from_millis(get_int(o, "received"));
  t.not_before = from_millis(get_int(o, "not_before"));
  for (const auto& v : get_array(o, "windows")) {
    const json::object& w = as_object(v, "window");
    t.windows.push_back({get_ranged<std::uint32_t>(w, "start"), get_ranged<std::uint32_t>(w, "end"),
                         get_string(w, "mode"), get_string(w, "message"),
                         get_ranged<std::int32_t>(w, "max_retries")});
  }
  t.attempts = get_ranged<std::uint32_t>(o, "attempts");
  const std::int64_t state = get_int(o, "state");
  if (state < 1 || state > 3) throw std::invalid_argument("bad transfer state");
  t.state = static_cast<TransferState>(state);
  t.fault.fault_code = get_ranged<std::uint32_t>(o, "fault_code");
  t.fault.fault_string = get_string(o, "fault_string");
  t.start_time = get_date_time(o, "start_time");
  t.complete_time = get_date_time(o, "complete_time");
  return t;
}

}  // namespace

std::string_view to_string(TransferKind kind) {
  switch (kind) {
    case TransferKind::kDownload:
      return "download";
    case TransferKind::kUpload:
      return "upload";
    case TransferKind::kScheduleDownload:
      return "schedule-download";
  }
  return "download";
}

std::string_view event_code(TransferKind kind) {
  switch (kind) {
    case TransferKind::kDownload:
      return "M Download";
    case TransferKind::kUpload:
      return "M Upload";
    case TransferKind::kScheduleDownload:
      return "M ScheduleDownload";
  }
  return "M Download";
}

std::string serialize(const AgentState& s) {
  json::array scheduled;
  for (const auto& si : s.scheduled_informs) {
    scheduled.push_back(json::object{{"due", to_millis(si.due)}, {"key", si.command_key}});
  }
  json::array transfers;
  for (const auto& t : s.transfers) transfers.push_back(transfer_to_json(t));
  json::object root{{"format", kFormatVersion},
                    {"pending", events_to_json(s.pending)},
                    {"deferred", events_to_json(s.deferred)},
                    {"scheduled_informs", std::move(scheduled)},
                    {"transfers", std::move(transfers)},
                    {"next_transfer_id", s.next_transfer_id},
                    {"retry_count", s.retry_count},
                    {"reboot_requested", s.reboot_requested},
                    {"factory_reset_requested", s.factory_reset_requested},
                    {"connection_request_path", s.connection_request_path}};
  if (s.bootstrapped_url) root["bootstrapped_url"] = *s.bootstrapped_url;
  return json::serialize(root) + "\n";
}

std::optional<AgentState> parse_state(std::string_view text, std::string* error) {
  try {
    boost::system::error_code ec;
    json::value root_value = json::parse(text, ec);
    if (ec) throw std::invalid_argument("not JSON: " + ec.message());
    const json::object& root = as_object(root_value, "the state");
    if (get_int(root, "format") != kFormatVersion) {
      throw std::invalid_argument("unknown format version");
    }
    AgentState s;
    s.pending = events_from_json(get_array(root, "pending"));
    s.deferred = events_from_json(get_array(root, "deferred"));
    for (const auto& v : get_array(root, "scheduled_informs")) {
      const json::object& o = as_object(v, "scheduled inform");
      s.scheduled_informs.push_back({from_millis(get_int(o, "due")), get_string(o, "key")});
    }
    for (const auto& v : get_array(root, "transfers")) {
      s.transfers.push_back(transfer_from_json(as_object(v, "transfer")));
    }
    s.next_transfer_id = static_cast<std::uint64_t>(get_int(root, "next_transfer_id"));
    s.retry_count = get_ranged<std::uint32_t>(root, "retry_count");
    s.reboot_requested = get_bool(root, "reboot_requested");
    s.factory_reset_requested = get_bool(root, "factory_reset_requested");
    s.connection_request_path = get_string(root, "connection_request_path");
    if (root.contains("bootstrapped_url"))
      s.bootstrapped_url = get_string(root, "bootstrapped_url");
    return s;
  } catch (const std::exception& e) {
    if (error != nullptr) *error = e.what();
    return std::nullopt;
  }
}

// --- the file ----------------------------------------------------------------------------

void write_file_atomically(const std::filesystem::path& path, std::string_view content,
                           unsigned mode) {
  const std::filesystem::path temp = path.string() + ".tmp";
  const int fd =
      ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) throw_errno("cannot create " + temp.string());
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int saved = errno;
      ::close(fd);
      errno = saved;
      throw_errno("cannot write " + temp.string());
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
    throw_errno("cannot fsync " + temp.string());
  }
  if (::close(fd) != 0) throw_errno("cannot close " + temp.string());
  if (::rename(temp.c_str(), path.c_str()) != 0) throw_errno("cannot rename to " + path.string());
  // The rename is durable only once the directory entry is.
  std::filesystem::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) throw_errno("cannot open " + dir.string());
  const int rc = ::fsync(dfd);
  const int saved = errno;
  ::close(dfd);
  errno = saved;
  if (rc != 0) throw_errno("cannot fsync " + dir.string());
}

StateFile::StateFile(std::filesystem::path dir) : dir_(std::move(dir)) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) throw std::system_error(ec, "cannot create the state directory " + dir_.string());
  std::filesystem::permissions(dir_, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);
  std::filesystem::create_directories(downloads_dir(), ec);
  if (ec) throw std::system_error(ec, "cannot create " + downloads_dir().string());
}

StateFile::Loaded StateFile::load() const {
  Loaded out;
  const std::filesystem::path path = dir_ / "state.json";
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return out;
  std::string text;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || size > kMaxStateBytes) {
    out.error = ec ? ec.message() : "state file larger than 16 MiB";
  } else {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (!in && !in.eof()) {
      out.error = "cannot read " + path.string();
    } else {
      text = buffer.str();
      out.state = parse_state(text, &out.error);
    }
  }
  if (!out.state) {
    // Keep the unusable file for a human, out of the way of the next save.
    for (int n = 1; n < 1000; ++n) {
      const std::filesystem::path aside = path.string() + ".corrupt-" + std::to_string(n);
      if (std::filesystem::exists(aside, ec)) continue;
      std::filesystem::rename(path, aside, ec);
      break;
    }
  }
  return out;
}

void StateFile::save(std::string_view content) const {
  write_file_atomically(dir_ / "state.json", content, 0600);
}

}  // namespace cpe::agent
