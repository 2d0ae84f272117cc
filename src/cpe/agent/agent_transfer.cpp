// cpe::agent::Agent: transfers (between sessions, one at a time), the reboot and the factory
// reset, and the default install hook.
//
// A transfer's life: queued (saved when the RPC was answered) -> in progress -> completed
// (result saved) -> acknowledged by the TransferCompleteResponse (removed). A transfer cut
// short by a restart starts over; a completed one is reported until acknowledged.
#include <fcntl.h>
#include <openssl/rand.h>
#include <spdlog/spdlog.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/http/field.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <span>
#include <sstream>
#include <stdexcept>

#include "cpe/agent/agent_impl.hpp"
#include "cpe/agent/http_support.hpp"
#include "cwmp/faults.hpp"
#include "cwmp/values.hpp"
#include "net/http_client.hpp"

namespace cpe::agent {

namespace http = boost::beast::http;

namespace {

constexpr int kMaxRedirects = 5;
constexpr int kMaxAuthRounds = 3;
constexpr std::size_t kMaxUploadAnswer = 64 * 1024;
// The body of an answer that is not the file (a 401 page, a redirect, a 404 page) is read
// into memory to keep the connection usable, up to this much; beyond it the download fails.
constexpr std::size_t kMaxErrorPage = 256 * 1024;

void random_bytes(std::span<std::uint8_t> out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
}

cwmp::DateTime to_date_time(TimePoint t) {
  return cwmp::DateTime::from_sys_time(std::chrono::time_point_cast<std::chrono::nanoseconds>(t));
}

std::string joined_header(const net::HttpResponse& response, http::field field) {
  std::string out;
  for (auto [it, end] = response.equal_range(field); it != end; ++it) {
    if (!out.empty()) out += ", ";
    out.append(it->value().data(), it->value().size());
  }
  return out;
}

// A file name safe to create: [A-Za-z0-9._-], no leading dot, at most 64 characters.
std::string safe_file_name(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-') out += c;
  }
  while (!out.empty() && out.front() == '.') out.erase(out.begin());
  if (out.size() > 64) out.resize(64);
  return out;
}

bool is_log_file(std::string_view file_type) {
  return file_type.starts_with("2 Vendor Log File") || file_type.starts_with("4 Vendor Log File");
}

std::string read_head(const std::filesystem::path& path, std::size_t limit) {
  std::ifstream in(path, std::ios::binary);
  std::string head(limit, '\0');
  in.read(head.data(), static_cast<std::streamsize>(limit));
  head.resize(static_cast<std::size_t>(in.gcount()));
  return head;
}

struct Fetched {
  net::ClientResult result;
  std::string auth_error;
};

// =============================================================================================
// The agent's own configuration format (what an Upload of "1 Vendor Configuration File"
// sends): "# cwmp-cpe configuration" then one "<name>=<value>" per line. A download of
// "3 Vendor Configuration File" in this format is applied to the data model before the
// install hook runs: the backup/restore round trip of the ACS (docs/cpe-agent.md).

constexpr std::string_view kConfigHeader = "# cwmp-cpe configuration";
constexpr std::uint64_t kMaxConfigBytes = 1024 * 1024;
constexpr std::size_t kMaxConfigLines = 20000;

bool starts_with_config_header(std::string_view head) {
  if (!head.starts_with(kConfigHeader)) return false;
  head.remove_prefix(kConfigHeader.size());
  return head.empty() || head.front() == '\n' || head.front() == '\r';
}

struct ConfigEntries {
  std::map<std::string, std::string> values;  // by name: a repeated name keeps its last value
  std::string error;                          // set: malformed
};

// "<name>=<value>" lines after the header; empty lines and "#" comments are skipped. The
// value is the rest of the line (it may hold '='); a '\r' before the '\n' is dropped.
ConfigEntries parse_config(std::string_view text) {
  ConfigEntries out;
  std::size_t line_number = 0;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (++line_number == 1) continue;  // the header
    if (line_number > kMaxConfigLines) {
      out.error = "more than " + std::to_string(kMaxConfigLines) + " lines";
      return out;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    const std::size_t eq = line.find('=');
    if (eq == 0 || eq == std::string_view::npos || line.substr(0, eq).back() == '.') {
      out.error = "line " + std::to_string(line_number) + " is not <parameter>=<value>";
      return out;
    }
    out.values[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
  }
  return out;
}

// Applies a configuration in the agent's format through one SetParameterValues, the path an
// ACS's SPV takes (validation, persistence, notifications alike). Only writable parameters
// whose value differs are set: read-only and unknown names are skipped (a backup lists every
// parameter, DeviceInfo included), and so are values equal to the current ones (passwords
// read back empty, TR-069 A.3.2.1, so an empty password in a backup never clears one). The
// SPV is all-or-nothing: a refused value applies nothing and fails the download with 9018.
TransferOutcome apply_configuration(DeviceApi& device, const std::string& root,
                                    std::string_view text) {
  const ConfigEntries entries = parse_config(text);
  if (!entries.error.empty()) {
    return {cwmp::fault::kTransferFileCorrupted, "configuration file: " + entries.error};
  }
  cwmp::GetParameterNames gpn;
  gpn.parameter_path = root;
  const cwmp::Body names_reply = device.handle(gpn);
  cwmp::GetParameterValues gpv;
  gpv.parameter_names = {root};
  const cwmp::Body values_reply = device.handle(gpv);
  const auto* names = std::get_if<cwmp::GetParameterNamesResponse>(&names_reply);
  const auto* values = std::get_if<cwmp::GetParameterValuesResponse>(&values_reply);
  if (names == nullptr || values == nullptr) {
    return {cwmp::fault::kTransferFailure, "cannot read the data model to apply the configuration"};
  }
  std::map<std::string, bool, std::less<>> writable;
  for (const cwmp::ParameterInfo& p : names->parameter_list) writable[p.name] = p.writable;
  std::map<std::string, const cwmp::ParameterValue*, std::less<>> current;
  for (const cwmp::ParameterValue& p : values->parameter_list) current[p.name] = &p;

  cwmp::SetParameterValues spv;
  std::size_t unknown = 0;
  std::size_t read_only = 0;
  std::size_t unchanged = 0;
  for (const auto& [name, value] : entries.values) {
    const auto now = current.find(name);
    const auto w = writable.find(name);
    if (now == current.end() || w == writable.end()) {
      ++unknown;
    } else if (!w->second) {
      ++read_only;
    } else if (now->second->value == value) {
      ++unchanged;
    } else {
      spv.parameter_list.push_back({name, value, now->second->type});
    }
  }
  // The restore is not a new provisioning step: ParameterKey stays what it is.
  if (const auto key = current.find(root + "ManagementServer.ParameterKey"); key != current.end()) {
    spv.parameter_key = key->second->value;
  }
  const std::size_t changed = spv.parameter_list.size();
  if (changed > 0) {
    const cwmp::Body reply = device.handle(spv);
    if (const auto* fault = std::get_if<cwmp::Fault>(&reply)) {
      std::string why =
          "configuration refused: " + std::to_string(fault->code) + " " + fault->string;
      for (const cwmp::SetParameterValuesFault& f : fault->set_parameter_values_faults) {
        why += "; " + f.parameter_name + ": " + std::to_string(f.fault_code) + " " + f.fault_string;
      }
      return {cwmp::fault::kTransferFileCorrupted, std::move(why)};
    }
  }
  spdlog::info(
      "cwmp-cpe: configuration applied: {} set, {} unchanged, {} read-only and {} unknown "
      "skipped",
      changed, unchanged, read_only, unknown);
  return {};
}

// A download in the agent's configuration format: nullopt when it is not one, else the
// outcome of applying it. Bounded: at most kMaxConfigBytes are read.
std::optional<TransferOutcome> apply_if_own_configuration(DeviceApi& device,
                                                          const std::string& root,
                                                          const InstallRequest& request,
                                                          std::uint64_t size) {
  if (request.file_type != "3 Vendor Configuration File") return std::nullopt;
  const std::string head =
      request.file.empty() ? request.head : read_head(request.file, kConfigHeader.size() + 1);
  if (!starts_with_config_header(head)) return std::nullopt;
  if (size > kMaxConfigBytes) {
    return TransferOutcome{cwmp::fault::kTransferFileCorrupted,
                           "configuration file over " + std::to_string(kMaxConfigBytes) + " bytes"};
  }
  if (request.file.empty() && size > request.head.size()) {
    // An in-memory agent kept only the head of the body (DownloadFile): not all of it.
    return TransferOutcome{cwmp::fault::kTransferFailure,
                           "configuration file larger than an agent without a download "
                           "directory keeps"};
  }
  const std::string text =
      request.file.empty() ? request.head : read_head(request.file, kMaxConfigBytes);
  return apply_configuration(device, root, text);
}

}  // namespace

// The file a download streams into: <state_dir>/downloads/<id> (durable: fsynced before the
// install hook), a temporary file in download_dir (an in-memory agent: not fsynced), or
// nothing (an empty path: the bytes are counted and discarded, the first 4 KiB kept). Every
// method but the constructor may block on the disk: they run on the agent's worker, one at a
// time.
class DownloadFile {
 public:
  static constexpr std::size_t kHeadBytes = 4096;

  DownloadFile(std::filesystem::path path, bool durable)
      : path_(std::move(path)), durable_(durable) {}
  ~DownloadFile() { close(); }
  DownloadFile(const DownloadFile&) = delete;
  DownloadFile& operator=(const DownloadFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  bool discarding() const { return path_.empty(); }
  const std::string& head() const { return head_; }
  std::uint64_t written() const { return written_; }

  // Checks that `expected` bytes fit on the file system, then creates the file empty.
  // A fault (9010) when they do not or it cannot be created.
  std::optional<TransferOutcome> open(std::uint64_t expected) {
    close();
    written_ = 0;
    head_.clear();
    if (discarding()) return std::nullopt;
    struct statvfs fs {};
    if (::statvfs(path_.parent_path().c_str(), &fs) == 0) {
      const std::uint64_t available = std::uint64_t{fs.f_bavail} * fs.f_frsize;
      if (expected > available) {
        return TransferOutcome{cwmp::fault::kTransferFailure,
                               "not enough disk space: the file needs " + std::to_string(expected) +
                                   " bytes, " + std::to_string(available) + " are free"};
      }
    }
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd_ < 0) return failure("cannot create", errno);
    return std::nullopt;
  }

  std::optional<TransferOutcome> write(std::string_view data) {
    if (discarding()) {
      head_.append(data.substr(0, kHeadBytes - std::min(kHeadBytes, head_.size())));
      written_ += data.size();
      return std::nullopt;
    }
    while (!data.empty()) {
      const ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return failure("writing", n < 0 ? errno : EIO);  // ENOSPC: 9010 too
      data.remove_prefix(static_cast<std::size_t>(n));
      written_ += static_cast<std::uint64_t>(n);
    }
    return std::nullopt;
  }

  // Durable before the install hook sees it: a firmware installer may reboot at once.
  std::optional<TransferOutcome> finish() {
    if (durable_ && fd_ >= 0 && ::fsync(fd_) != 0) return failure("fsync of", errno);
    close();
    return std::nullopt;
  }

  void remove() {
    close();
    if (discarding()) return;
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }

 private:
  // `error` is taken at once by the caller: building strings may change errno.
  TransferOutcome failure(const char* what, int error) const {
    return {cwmp::fault::kTransferFailure,
            std::string(what) + " " + path_.string() + ": " + std::strerror(error)};
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  std::filesystem::path path_;
  bool durable_ = true;
  int fd_ = -1;
  std::uint64_t written_ = 0;
  std::string head_;  // discarding only
};

namespace {

// Where a download goes (see DownloadFile). A temporary file's name is unique across the
// agents that share download_dir.
std::filesystem::path download_path(const std::optional<StateFile>& file,
                                    const std::filesystem::path& download_dir, std::uint64_t id) {
  if (file) return file->downloads_dir() / std::to_string(id);
  if (download_dir.empty()) return {};
  std::uint8_t bytes[8];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  const std::string random =
      cwmp::hex_encode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
  return download_dir / ("cwmp-download-" + random + "-" + std::to_string(id));
}

}  // namespace

// =============================================================================================
// The default install hook

InstallResult simulated_install(const InstallRequest& request,
                                const std::filesystem::path& state_dir) {
  InstallResult result;
  if (request.file_type == "1 Firmware Upgrade Image") {
    const std::string head = request.file.empty() ? request.head : read_head(request.file, 4096);
    const std::vector<std::string> names = {last_path_segment(request.target_file_name),
                                            last_path_segment(request.url)};
    if (auto version = firmware_version(head, names)) {
      result.software_version = *version;
      result.reboot = true;
    } else {
      result.fault_code = cwmp::fault::kTransferFileCorrupted;
      result.fault_string = "no firmware version in the image's metadata or file name";
    }
    return result;
  }
  if (request.file_type == "3 Vendor Configuration File") {
    if (state_dir.empty() || request.file.empty()) return result;  // in memory: not kept
    std::string name = safe_file_name(last_path_segment(request.target_file_name));
    if (name.empty()) name = safe_file_name(last_path_segment(request.url));
    if (name.empty()) name = "vendor-config";
    const std::filesystem::path dir = state_dir / "vendor-config";
    std::filesystem::create_directories(dir);
    std::ifstream in(request.file, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    write_file_atomically(dir / name, content.str(), 0600);
    return result;
  }
  result.fault_code = cwmp::fault::kTransferFailure;
  result.fault_string = "no installer for FileType '" + request.file_type + "'";
  return result;
}

// =============================================================================================
// Scheduling of transfers

Transfer* Agent::Impl::find_transfer(std::uint64_t id) {
  for (Transfer& t : state.transfers) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

// When a queued transfer may start: Download/Upload after DelaySeconds; ScheduleDownload
// inside its current window (and not before a retry's delay).
std::optional<std::uint64_t> Agent::Impl::due_transfer(TimePoint now) const {
  for (const Transfer& t : state.transfers) {
    if (t.state != TransferState::kQueued) continue;
    if (t.kind != TransferKind::kScheduleDownload) {
      if (t.not_before <= now) return t.id;
      continue;
    }
    const auto window = current_or_next_window(t, now);
    if (!window) continue;
    const auto [start, end] = window_bounds(t, *window);
    if (now >= std::max(start, t.not_before) && now <= end) return t.id;
  }
  return std::nullopt;
}

std::optional<TimePoint> Agent::Impl::next_transfer_time(TimePoint now) const {
  std::optional<TimePoint> next;
  auto consider = [&next](TimePoint t) {
    if (!next || t < *next) next = t;
  };
  for (const Transfer& t : state.transfers) {
    if (t.state != TransferState::kQueued) continue;
    if (t.kind != TransferKind::kScheduleDownload) {
      consider(t.not_before);
      continue;
    }
    const auto window = current_or_next_window(t, now);
    if (!window) continue;
    const auto [start, end] = window_bounds(t, *window);
    consider(std::max(start, t.not_before));
    consider(end + std::chrono::milliseconds(1));  // to notice the window passing
  }
  return next;
}

bool Agent::Impl::expire_schedule_downloads(TimePoint now) {
  bool changed = false;
  for (Transfer& t : state.transfers) {
    if (t.kind != TransferKind::kScheduleDownload || t.state != TransferState::kQueued) continue;
    if (current_or_next_window(t, now)) continue;
    // Every window passed. Never tried (the agent was off or busy): 9020; tried and failed:
    // what the last attempt met.
    if (t.fault.fault_code == 0) {
      t.fault = {cwmp::fault::kTransferTimeWindow, "the time windows passed"};
    }
    t.state = TransferState::kCompleted;
    t.complete_time = to_date_time(now);
    t.username.clear();
    t.password.clear();
    changed = true;
  }
  return changed;
}

// =============================================================================================
// Running one transfer

namespace {

// One transfer's HTTP exchange with its authentication rounds and redirects. With a sink
// the answers' bodies go through it (see download_sink: only a 2xx body reaches the file).
asio::awaitable<Fetched> fetch(asio::any_io_executor executor, net::ClientOptions client,
                               http::verb method, std::string url, std::string username,
                               std::string password, bool basic_over_http, std::string body,
                               std::chrono::milliseconds timeout,
                               std::optional<net::BodySink> sink) {
  net::HttpConnection connection(executor, std::move(client));
  ClientAuth auth(std::move(username), std::move(password), basic_over_http || is_https(url),
                  random_bytes);
  const std::string method_name(http::to_string(method));
  Fetched fetched;
  int redirects = 0;
  bool sent_credentials = false;
  for (int round = 0; round <= kMaxAuthRounds + kMaxRedirects; ++round) {
    net::Headers headers;
    if (method == http::verb::put) headers.emplace_back("Content-Type", "application/octet-stream");
    if (auto authorization = auth.authorization(method_name, request_target(url))) {
      headers.emplace_back("Authorization", std::move(*authorization));
      sent_credentials = true;
    }
    if (sink) {
      net::BodySink round_sink = *sink;
      fetched.result = co_await connection.request(url, method, std::move(headers), body, timeout,
                                                   std::move(round_sink));
    } else {
      fetched.result = co_await connection.request(url, method, std::move(headers), body, timeout);
    }
    if (!fetched.result.ok()) co_return fetched;
    const unsigned status = fetched.result.status();
    if ((status == 301 || status == 302 || status == 303 || status == 307 || status == 308) &&
        redirects < kMaxRedirects) {
      const std::string location(fetched.result.response[http::field::location]);
      const std::string next = resolve_reference(url, location);
      if (next.empty()) co_return fetched;
      if (origin_of(next) != origin_of(url)) {
        auth.reset(basic_over_http || is_https(next));
        sent_credentials = false;
      }
      url = next;
      ++redirects;
      continue;
    }
    if (status != 401) co_return fetched;
    fetched.auth_error = auth.on_challenge(
        joined_header(fetched.result.response, http::field::www_authenticate), sent_credentials);
    if (!fetched.auth_error.empty()) co_return fetched;
  }
  co_return fetched;
}

}  // namespace

// The sink of a download: a 2xx body streams into `out` on the worker thread, chunk by
// chunk (a few MB of flash writes must not hold the event loop, and the socket waits for
// each write: back-pressure); any other answer (401, redirect, error page) is read into
// memory, bounded, and never touches the file. `refused` says why the sink stopped a
// transfer (disk space, a write error).
net::BodySink Agent::Impl::download_sink(const Transfer& transfer,
                                         std::shared_ptr<DownloadFile> out,
                                         std::shared_ptr<TransferOutcome> refused) {
  net::BodySink sink;
  sink.limit = options.max_download_bytes;
  const std::uint64_t file_size = transfer.file_size;
  const std::uint64_t limit = options.max_download_bytes;
  sink.on_header = [this, out, refused, file_size, limit](
                       const net::HttpResponse& header,
                       std::optional<std::uint64_t> length) -> asio::awaitable<net::SinkDecision> {
    const unsigned status = header.result_int();
    if (status < 200 || status > 299) co_return net::SinkDecision::kBuffer;
    // Over the limit: the client refuses before reading (9017), no file is created.
    if (length && *length > limit) co_return net::SinkDecision::kStream;
    const std::uint64_t expected = length ? *length : file_size;
    auto open = [out, expected] { return out->open(expected); };
    auto fault = co_await on_worker(std::move(open));
    if (!fault) co_return net::SinkDecision::kStream;
    *refused = std::move(*fault);
    co_return net::SinkDecision::kAbort;
  };
  sink.on_data = [this, out, refused](std::string_view chunk) -> asio::awaitable<bool> {
    // `chunk` stays valid until we return: the client waits for us.
    auto write = [out, chunk] { return out->write(chunk); };
    auto fault = co_await on_worker(std::move(write));
    if (!fault) co_return true;
    *refused = std::move(*fault);
    co_return false;
  };
  return sink;
}

// GET into <state_dir>/downloads/<id> (never into memory), then the install hook, then the
// file removed. Returns the outcome and what the hook said.
asio::awaitable<std::pair<TransferOutcome, InstallResult>> Agent::Impl::download(
    const Transfer& transfer, net::ClientOptions client) {
  client.body_limit = kMaxErrorPage;
  auto out = std::make_shared<DownloadFile>(download_path(file, options.download_dir, transfer.id),
                                            file.has_value());
  auto refused = std::make_shared<TransferOutcome>();
  std::optional<net::BodySink> sink = download_sink(transfer, out, refused);
  auto executor = co_await asio::this_coro::executor;
  std::string no_body;
  Fetched fetched = co_await fetch(executor, client, http::verb::get, transfer.url,
                                   transfer.username, transfer.password, options.basic_over_http,
                                   std::move(no_body), options.transfer_timeout, std::move(sink));
  TransferOutcome outcome = !refused->ok() ? *refused
                                           : judge_download(fetched.result, transfer.file_size,
                                                            fetched.auth_error, out->written());
  if (!outcome.ok()) {
    auto discard = [out] { out->remove(); };
    co_await on_worker(std::move(discard));
    co_return std::pair{std::move(outcome), InstallResult{}};
  }
  auto install = [this, &transfer, out]() -> InstallResult {
    InstallResult result;
    try {
      if (auto fault = out->finish()) {
        result.fault_code = fault->fault_code;
        result.fault_string = fault->fault_string;
      } else {
        InstallRequest request{transfer.file_type, out->path(),          transfer.target_file_name,
                               transfer.url,       transfer.command_key, out->head()};
        const std::filesystem::path state_dir = file ? file->dir() : std::filesystem::path();
        // The agent's own configuration format is applied first; the hook (the vendor's or
        // the simulated one that keeps the file) then gets the same request as for any other
        // configuration file, unless applying it failed.
        const std::optional<TransferOutcome> applied =
            apply_if_own_configuration(device, options.root, request, out->written());
        if (applied && !applied->ok()) {
          result.fault_code = applied->fault_code;
          result.fault_string = applied->fault_string;
        } else {
          result = options.hooks.install ? options.hooks.install(request)
                                         : simulated_install(request, state_dir);
        }
        if (result.fault_code == 0 && result.software_version) {
          device.set_internal(options.root + "DeviceInfo.SoftwareVersion",
                              *result.software_version);
        }
      }
    } catch (const std::exception& e) {
      result = InstallResult{};
      result.fault_code = cwmp::fault::kInternalError;
      result.fault_string = std::string("install failed: ") + e.what();
    }
    out->remove();
    return result;
  };
  InstallResult installed = co_await on_worker(std::move(install));
  TransferOutcome result{installed.fault_code, installed.fault_string};
  co_return std::pair{std::move(result), std::move(installed)};
}

asio::awaitable<void> Agent::Impl::run_transfer(std::uint64_t id) {
  Transfer* current = find_transfer(id);
  if (current == nullptr) co_return;
  current->state = TransferState::kInProgress;
  current->start_time = to_date_time(clock->now());
  checkpoint("transfer-started");
  const Transfer transfer = *current;  // the vector may change while we wait
  spdlog::info("cwmp-cpe: {} '{}' {} starts", to_string(transfer.kind), transfer.command_key,
               transfer.url);

  net::ClientOptions client;
  client.tls = tls;
  client.user_agent = "cwmp-cpe";
  TransferOutcome outcome;
  InstallResult installed;
  const std::chrono::milliseconds timeout = options.transfer_timeout;

  if (transfer.kind == TransferKind::kUpload) {
    std::optional<std::string> content;
    if (options.hooks.upload_content) {
      UploadRequest request{transfer.file_type, transfer.command_key};
      auto hook = [this, request]() -> std::optional<std::string> {
        try {
          return options.hooks.upload_content(request);
        } catch (const std::exception& e) {
          spdlog::error("cwmp-cpe: upload hook: {}", e.what());
          return std::nullopt;
        }
      };
      content = co_await on_worker(std::move(hook));
    }
    if (!content && is_log_file(transfer.file_type)) {
      std::string log = "# cwmp-cpe session log\n";
      for (const SessionReport& r : reports) {
        log += "session " + std::to_string(r.number) + " " +
               cwmp::format_date_time(to_date_time(r.started)) + " " +
               (r.ok ? "ok" : "failed: " + r.error) + "\n";
      }
      content = std::move(log);
    } else if (!content) {
      auto read_config = [this]() -> std::optional<std::string> {
        cwmp::GetParameterValues gpv;
        gpv.parameter_names = {options.root};
        cwmp::Body reply;
        try {
          reply = device.handle(gpv);
        } catch (const std::exception& e) {
          spdlog::error("cwmp-cpe: reading the configuration: {}", e.what());
          return std::nullopt;
        }
        const auto* values = std::get_if<cwmp::GetParameterValuesResponse>(&reply);
        if (values == nullptr) return std::nullopt;
        std::string out = "# cwmp-cpe configuration\n";
        for (const cwmp::ParameterValue& p : values->parameter_list) {
          out += p.name + "=" + p.value + "\n";
        }
        return out;
      };
      content = co_await on_worker(std::move(read_config));
    }
    if (!content) {
      outcome = {cwmp::fault::kUploadFailure,
                 "no content for FileType '" + transfer.file_type + "'"};
    } else {
      client.body_limit = kMaxUploadAnswer;
      auto executor = co_await asio::this_coro::executor;
      std::optional<net::BodySink> no_sink;
      Fetched fetched = co_await fetch(
          executor, client, http::verb::put, transfer.url, transfer.username, transfer.password,
          options.basic_over_http, std::move(*content), timeout, std::move(no_sink));
      outcome = judge_upload(fetched.result, fetched.auth_error);
    }
  } else if (transfer.file_size > options.max_download_bytes) {
    outcome = {cwmp::fault::kTransferFailure, "FileSize above the agent's limit of " +
                                                  std::to_string(options.max_download_bytes) +
                                                  " bytes"};
  } else {
    auto downloaded = co_await download(transfer, client);
    outcome = std::move(downloaded.first);
    installed = std::move(downloaded.second);
  }

  // A code the TransferComplete cannot carry (its schema allows a subset) becomes 9010.
  if (!cwmp::is_transfer_complete_fault_code(outcome.fault_code)) {
    outcome.fault_string =
        "fault " + std::to_string(outcome.fault_code) + ": " + outcome.fault_string;
    outcome.fault_code = cwmp::fault::kTransferFailure;
  }
  const TimePoint now = clock->now();
  current = find_transfer(id);
  if (current == nullptr) co_return;  // dropped meanwhile (BOOTSTRAP)

  if (!outcome.ok() && current->kind == TransferKind::kScheduleDownload) {
    // Another attempt in this window if its MaxRetries allow and there is time left, else
    // the next window, else the result.
    current->fault = {outcome.fault_code, truncate_utf8(outcome.fault_string, kMaxFaultString)};
    if (auto window = current_or_next_window(*current, now)) {
      const auto [start, end] = window_bounds(*current, *window);
      const TimePoint retry = now + options.schedule_download_retry_delay;
      if (now >= start &&
          current->attempts < max_retries(current->windows[*window], options.transfers) &&
          retry <= end) {
        ++current->attempts;
        current->state = TransferState::kQueued;
        current->not_before = retry;
        co_await persist();
        co_return;
      }
      if (*window + 1 < current->windows.size()) {
        current->attempts = 0;
        current->state = TransferState::kQueued;
        current->not_before = window_bounds(*current, *window + 1).first;
        co_await persist();
        co_return;
      }
    }
  }
  current->state = TransferState::kCompleted;
  current->fault = {outcome.fault_code, truncate_utf8(outcome.fault_string, kMaxFaultString)};
  current->complete_time = to_date_time(now);
  current->username.clear();
  current->password.clear();
  if (outcome.ok()) {
    spdlog::info("cwmp-cpe: {} '{}' done", to_string(transfer.kind), transfer.command_key);
  } else {
    spdlog::warn("cwmp-cpe: {} '{}' failed: {} {}", to_string(transfer.kind), transfer.command_key,
                 outcome.fault_code, outcome.fault_string);
  }
  const bool reboot_now = outcome.ok() && installed.reboot;
  if (reboot_now) state.reboot_requested = true;  // saved with the result, in one write
  co_await persist();
  checkpoint("transfer-finished");
  if (reboot_now) co_await reboot();
}

// =============================================================================================
// Reboot and factory reset

asio::awaitable<void> Agent::Impl::reboot() {
  state.reboot_requested = true;
  co_await persist();
  checkpoint("rebooting");
  if (options.hooks.reboot) {
    spdlog::info("cwmp-cpe: rebooting");
    auto hook = options.hooks.reboot;
    auto call = [hook] {
      try {
        hook();
      } catch (const std::exception& e) {
        spdlog::error("cwmp-cpe: the reboot hook failed: {}", e.what());
      }
    };
    co_await on_worker(std::move(call));
  }
  // Still here: no hook, or it returned. Reboot in process, as a restart would.
  spdlog::info("cwmp-cpe: reboot (in process)");
  simulate_boot();
  periodic = PeriodicSchedule{};
  retry_at.reset();
  refused_streak = 0;
  last_session_end.reset();
  co_await persist();
}

asio::awaitable<void> Agent::Impl::factory_reset() {
  spdlog::warn("cwmp-cpe: factory reset");
  auto reset = [this] {
    device.factory_reset();
    if (options.hooks.factory_reset) options.hooks.factory_reset();
    if (!file) return;
    std::error_code ignored;
    for (const auto& entry : std::filesystem::directory_iterator(file->downloads_dir(), ignored)) {
      std::filesystem::remove(entry.path(), ignored);
    }
  };
  co_await on_worker(std::move(reset));
  // The agent's own state goes too; the listener keeps its path (it is bound to it), the
  // model gets the URL again below.
  const std::string path = state.connection_request_path;
  state = AgentState{};
  state.connection_request_path = path;
  connection_request_url.clear();
  raise({"0 BOOTSTRAP", ""});
  co_await persist();
  co_await reboot();
  co_await update_connection_request_url();
}

}  // namespace cpe::agent
