// The pure half of file transfers (TR-069 A.3.2.8 Download, A.4.1.5 Upload, A.4.1.10
// ScheduleDownload, CWMP-FACTS §2.3): turning the RPCs into queued Transfer records (or the
// fault the RPC gets), judging an HTTP result as a TransferComplete fault (CWMP-FACTS §3.1),
// and the simulated firmware install's version lookup.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cpe/agent/agent_state.hpp"
#include "cwmp/messages.hpp"
#include "net/http_client.hpp"

namespace cpe::agent {

inline constexpr std::size_t kMaxQueuedTransfers = 16;  // TransferList: 0..16 entries [XSD]
inline constexpr std::size_t kMaxFaultString = 256;     // TransferCompleteFaultStruct

struct TransferPolicy {
  // The Download FileTypes accepted; any other gets 9003 in the DownloadResponse.
  std::vector<std::string> download_file_types = {"1 Firmware Upgrade Image",
                                                  "3 Vendor Configuration File"};
  std::vector<std::string> upload_file_types = {"1 Vendor Configuration File", "2 Vendor Log File"};
  // ScheduleDownload MaxRetries = -1 means "the CPE decides": this many.
  std::uint32_t default_max_retries = 3;
};

using TransferOrFault = std::variant<Transfer, cwmp::Fault>;

// The fault is the RPC's answer; the Transfer is to be queued (id and state left to the
// caller). `queued` is the current queue, for its size limit (9004) and for spotting the
// same request again (see is_same_request).
TransferOrFault make_download(const cwmp::Download& rpc, TimePoint now,
                              const TransferPolicy& policy, const std::vector<Transfer>& queued);
TransferOrFault make_upload(const cwmp::Upload& rpc, TimePoint now, const TransferPolicy& policy,
                            const std::vector<Transfer>& queued);
TransferOrFault make_schedule_download(const cwmp::ScheduleDownload& rpc, TimePoint now,
                                       const TransferPolicy& policy,
                                       const std::vector<Transfer>& queued);

// The same transfer asked for again (the ACS re-sent a Download whose answer it never got,
// e.g. after we were killed between saving it and answering): same kind, non-empty
// CommandKey, URL and FileType, and not finished yet. It is answered without queueing a
// second copy, so the ACS gets one TransferComplete.
bool is_same_request(const Transfer& a, const Transfer& b);

// ScheduleDownload: the absolute window [start, end] of window `index`.
std::pair<TimePoint, TimePoint> window_bounds(const Transfer& t, std::size_t index);
// The window `now` falls in, or the next one; nullopt when every window has passed.
std::optional<std::size_t> current_or_next_window(const Transfer& t, TimePoint now);
std::uint32_t max_retries(const cwmp::TimeWindow& w, const TransferPolicy& policy);

struct TransferOutcome {
  std::uint32_t fault_code = 0;
  std::string fault_string;
  bool ok() const { return fault_code == 0; }
};

// A download's HTTP result as a TransferComplete fault: 9015 server unreachable, 9012
// authentication (401/407, TLS), 9016 the file is not there (403/404/other 4xx), 9017 the
// transfer broke or is shorter than FileSize, 9018 longer than FileSize, 9010 otherwise.
// `auth_error` says why a 401 was not answered. The body's size is result.response.body()'s.
TransferOutcome judge_download(const net::ClientResult& result, std::uint32_t file_size,
                               std::string_view auth_error);
// The same for a body streamed elsewhere (net::BodySink): `body_size` bytes were received.
// A body over the sink's limit (kTooLarge) is 9017, like one cut short.
TransferOutcome judge_download(const net::ClientResult& result, std::uint32_t file_size,
                               std::string_view auth_error, std::uint64_t body_size);
// An upload's: 9015 unreachable, 9012 authentication, 9011 anything else but 2xx.
TransferOutcome judge_upload(const net::ClientResult& result, std::string_view auth_error);

// The firmware version of a simulated image: first from its metadata, a text header
//     #cwmp-firmware
//     version=2.1.0
//     (other key=value lines; a blank line ends the header)
// at the start of the file, else from the first dotted number ("fw-2.1.0.bin" -> "2.1.0")
// in each name of `names` (TargetFileName, then the URL's last segment). nullopt when none.
std::optional<std::string> firmware_version(std::string_view image_head,
                                            const std::vector<std::string>& names);

// `text` cut to `limit` bytes without splitting a UTF-8 sequence.
std::string truncate_utf8(std::string_view text, std::size_t limit);

}  // namespace cpe::agent
