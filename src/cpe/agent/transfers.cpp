// The pure half of file transfers: see transfers.hpp.
#include "cpe/agent/transfers.hpp"

#include <algorithm>
#include <cctype>

#include "cpe/agent/http_support.hpp"
#include "cwmp/faults.hpp"

namespace cpe::agent {

namespace {

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::optional<cwmp::Fault> check_url(std::string_view url) {
  if (url.empty()) return cwmp::Fault::make(cwmp::fault::kInvalidArguments, "empty URL");
  if (!is_http_url(url)) {
    // TR-069: HTTP MUST and HTTPS SHOULD be supported; FTP, TFTP... are optional.
    return cwmp::Fault::make(cwmp::fault::kUnsupportedTransferProtocol,
                             "only http and https URLs are supported");
  }
  if (origin_of(url).empty()) return cwmp::Fault::make(cwmp::fault::kInvalidArguments, "bad URL");
  return std::nullopt;
}

std::optional<cwmp::Fault> check_queue(const std::vector<Transfer>& queued) {
  if (queued.size() >= kMaxQueuedTransfers) {
    return cwmp::Fault::make(cwmp::fault::kResourcesExceeded, "transfer queue full");
  }
  return std::nullopt;
}

bool is_known_window_mode(std::string_view mode) {
  // "4 Confirmation Needed" needs a user to confirm, which a headless agent has not.
  return mode == "1 At Any Time" || mode == "2 Immediately" || mode == "3 When Idle";
}

std::string http_status_text(const net::ClientResult& r) {
  return "HTTP " + std::to_string(r.status()) +
         (r.response.reason().empty() ? "" : " " + std::string(r.response.reason()));
}

std::string describe(const net::ClientResult& r) {
  return std::string(net::to_string(r.error)) + (r.message.empty() ? "" : ": " + r.message);
}

bool is_version_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ||
         c == '+';
}

// "2.1.0" in "fw-2.1.0.bin": digits, then at least one ".digits".
std::optional<std::string> dotted_number(std::string_view name) {
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(name[i]))) continue;
    if (i > 0 && std::isdigit(static_cast<unsigned char>(name[i - 1]))) continue;
    std::size_t j = i;
    std::size_t groups = 0;
    while (j < name.size() && std::isdigit(static_cast<unsigned char>(name[j]))) ++j;
    while (j + 1 < name.size() && name[j] == '.' &&
           std::isdigit(static_cast<unsigned char>(name[j + 1]))) {
      ++j;
      while (j < name.size() && std::isdigit(static_cast<unsigned char>(name[j]))) ++j;
      ++groups;
    }
    if (groups > 0 && j - i <= 64) return std::string(name.substr(i, j - i));
  }
  return std::nullopt;
}

}  // namespace

std::string truncate_utf8(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return std::string(text);
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

TransferOrFault make_download(const cwmp::Download& rpc, TimePoint now,
                              const TransferPolicy& policy, const std::vector<Transfer>& queued) {
  if (auto fault = check_url(rpc.url)) return *fault;
  if (!contains(policy.download_file_types, rpc.file_type)) {
    return cwmp::Fault::make(cwmp::fault::kInvalidArguments,
                             "unsupported FileType '" + truncate_utf8(rpc.file_type, 64) + "'");
  }
  Transfer t;
  t.kind = TransferKind::kDownload;
  t.command_key = rpc.command_key;
  t.file_type = rpc.file_type;
  t.url = rpc.url;
  t.username = rpc.username;
  t.password = rpc.password;
  t.file_size = rpc.file_size;
  t.target_file_name = rpc.target_file_name;
  t.received = now;
  t.not_before = now + std::chrono::seconds(rpc.delay_seconds);
  for (const Transfer& q : queued) {
    if (is_same_request(q, t)) return q;  // answered again, not queued twice
  }
  if (auto fault = check_queue(queued)) return *fault;
  return t;
}

TransferOrFault make_upload(const cwmp::Upload& rpc, TimePoint now, const TransferPolicy& policy,
                            const std::vector<Transfer>& queued) {
  if (auto fault = check_url(rpc.url)) return *fault;
  if (!contains(policy.upload_file_types, rpc.file_type)) {
    return cwmp::Fault::make(cwmp::fault::kInvalidArguments,
                             "unsupported FileType '" + truncate_utf8(rpc.file_type, 64) + "'");
  }
  Transfer t;
  t.kind = TransferKind::kUpload;
  t.command_key = rpc.command_key;
  t.file_type = rpc.file_type;
  t.url = rpc.url;
  t.username = rpc.username;
  t.password = rpc.password;
  t.received = now;
  t.not_before = now + std::chrono::seconds(rpc.delay_seconds);
  for (const Transfer& q : queued) {
    if (is_same_request(q, t)) return q;
  }
  if (auto fault = check_queue(queued)) return *fault;
  return t;
}

TransferOrFault make_schedule_download(const cwmp::ScheduleDownload& rpc, TimePoint now,
                                       const TransferPolicy& policy,
                                       const std::vector<Transfer>& queued) {
  if (auto fault = check_url(rpc.url)) return *fault;
  if (!contains(policy.download_file_types, rpc.file_type)) {
    return cwmp::Fault::make(cwmp::fault::kInvalidArguments,
                             "unsupported FileType '" + truncate_utf8(rpc.file_type, 64) + "'");
  }
  const auto& windows = rpc.time_window_list;
  if (windows.empty() || windows.size() > 2) {
    return cwmp::Fault::make(cwmp::fault::kInvalidArguments, "one or two time windows needed");
  }
  for (std::size_t i = 0; i < windows.size(); ++i) {
    const cwmp::TimeWindow& w = windows[i];
    if (w.window_end <= w.window_start) {
      return cwmp::Fault::make(cwmp::fault::kInvalidArguments, "WindowEnd must follow WindowStart");
    }
    if (i > 0 && w.window_start < windows[i - 1].window_end) {
      return cwmp::Fault::make(cwmp::fault::kInvalidArguments, "time windows overlap");
    }
    if (!is_known_window_mode(w.window_mode)) {
      return cwmp::Fault::make(cwmp::fault::kInvalidArguments,
                               "unsupported WindowMode '" + truncate_utf8(w.window_mode, 64) + "'");
    }
    if (w.max_retries < -1) {
      return cwmp::Fault::make(cwmp::fault::kInvalidArguments, "MaxRetries below -1");
    }
  }
  Transfer t;
  t.kind = TransferKind::kScheduleDownload;
  t.command_key = rpc.command_key;
  t.file_type = rpc.file_type;
  t.url = rpc.url;
  t.username = rpc.username;
  t.password = rpc.password;
  t.file_size = rpc.file_size;
  t.target_file_name = rpc.target_file_name;
  t.received = now;
  t.windows = windows;
  t.not_before = now + std::chrono::seconds(windows.front().window_start);
  for (const Transfer& q : queued) {
    if (is_same_request(q, t)) return q;
  }
  if (auto fault = check_queue(queued)) return *fault;
  return t;
}

bool is_same_request(const Transfer& a, const Transfer& b) {
  return a.kind == b.kind && !a.command_key.empty() && a.command_key == b.command_key &&
         a.url == b.url && a.file_type == b.file_type && a.state != TransferState::kCompleted &&
         b.state != TransferState::kCompleted;
}

std::pair<TimePoint, TimePoint> window_bounds(const Transfer& t, std::size_t index) {
  const cwmp::TimeWindow& w = t.windows.at(index);
  return {t.received + std::chrono::seconds(w.window_start),
          t.received + std::chrono::seconds(w.window_end)};
}

std::optional<std::size_t> current_or_next_window(const Transfer& t, TimePoint now) {
  for (std::size_t i = 0; i < t.windows.size(); ++i) {
    if (now <= window_bounds(t, i).second) return i;
  }
  return std::nullopt;
}

std::uint32_t max_retries(const cwmp::TimeWindow& w, const TransferPolicy& policy) {
  return w.max_retries < 0 ? policy.default_max_retries : static_cast<std::uint32_t>(w.max_retries);
}

TransferOutcome judge_download(const net::ClientResult& r, std::uint32_t file_size,
                               std::string_view auth_error) {
  return judge_download(r, file_size, auth_error, r.response.body().size());
}

TransferOutcome judge_download(const net::ClientResult& r, std::uint32_t file_size,
                               std::string_view auth_error, std::uint64_t body_size) {
  using namespace cwmp::fault;
  if (!r.ok()) {
    switch (r.error) {
      case net::ClientError::kResolve:
      case net::ClientError::kConnectRefused:
      case net::ClientError::kConnect:
      case net::ClientError::kTimeout:
        return {kTransferContactServer, describe(r)};
      case net::ClientError::kTls:  // the server's certificate did not verify
        return {kTransferAuthFailure, describe(r)};
      case net::ClientError::kIo:
      case net::ClientError::kProtocol:  // cut short, or over the size limit
      case net::ClientError::kTooLarge:  // streamed, over the size limit
        return {kTransferIncomplete, describe(r)};
      default:
        return {kTransferFailure, describe(r)};
    }
  }
  const unsigned status = r.status();
  if (status == 401 || status == 407) {
    return {kTransferAuthFailure,
            http_status_text(r) + (auth_error.empty() ? "" : ": " + std::string(auth_error))};
  }
  if (status >= 400 && status < 500) return {kTransferAccessFile, http_status_text(r)};
  if (status < 200 || status > 299) return {kTransferFailure, http_status_text(r)};
  const std::uint64_t got = body_size;
  if (file_size != 0 && got != file_size) {
    const std::string what =
        "received " + std::to_string(got) + " bytes, FileSize is " + std::to_string(file_size);
    return {got < file_size ? kTransferIncomplete : kTransferFileCorrupted, what};
  }
  return {};
}

TransferOutcome judge_upload(const net::ClientResult& r, std::string_view auth_error) {
  using namespace cwmp::fault;
  if (!r.ok()) {
    switch (r.error) {
      case net::ClientError::kResolve:
      case net::ClientError::kConnectRefused:
      case net::ClientError::kConnect:
      case net::ClientError::kTimeout:
        return {kTransferContactServer, describe(r)};
      case net::ClientError::kTls:
        return {kTransferAuthFailure, describe(r)};
      default:
        return {kUploadFailure, describe(r)};
    }
  }
  const unsigned status = r.status();
  if (status == 401 || status == 407) {
    return {kTransferAuthFailure,
            http_status_text(r) + (auth_error.empty() ? "" : ": " + std::string(auth_error))};
  }
  if (status < 200 || status > 299) return {kUploadFailure, http_status_text(r)};
  return {};
}

std::optional<std::string> firmware_version(std::string_view head,
                                            const std::vector<std::string>& names) {
  constexpr std::string_view kMagic = "#cwmp-firmware";
  if (head.starts_with(kMagic)) {
    std::size_t pos = head.find('\n');
    while (pos != std::string_view::npos && pos + 1 < head.size()) {
      const std::size_t end = head.find('\n', pos + 1);
      std::string_view line = head.substr(
          pos + 1, end == std::string_view::npos ? std::string_view::npos : end - pos - 1);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty()) break;  // end of the header
      if (line.starts_with("version=")) {
        const std::string_view v = line.substr(8);
        if (!v.empty() && v.size() <= 64 && std::all_of(v.begin(), v.end(), is_version_char)) {
          return std::string(v);
        }
        return std::nullopt;  // a header that lies about its version: corrupted
      }
      pos = end;
    }
  }
  for (const std::string& name : names) {
    if (auto v = dotted_number(name)) return v;
  }
  return std::nullopt;
}

}  // namespace cpe::agent
