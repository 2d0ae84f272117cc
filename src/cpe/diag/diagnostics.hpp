// The CPE's IP diagnostics (issue 4 §6): the TR-181 Device.IP.Diagnostics tests an ACS asks
// for by setting <Test>.DiagnosticsState to "Requested" — IPPing, TraceRoute and the TR-143
// DownloadDiagnostics / UploadDiagnostics — run on a thread of their own after the session
// that requested them, with their results written back through the data model and
// 8 DIAGNOSTICS COMPLETE raised through `on_complete`. See docs/cpe-diagnostics.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "cpe/model/data_model.hpp"

namespace cpe::diag {

// Limits on what an ACS may ask for: a request beyond them is clamped (documented), so a
// hostile or mistaken ACS cannot keep the device busy for hours.
struct DiagnosticsOptions {
  // Data model root ("Device." for the TR-181 Device:2 model).
  std::string root = "Device.";
  // IPPing
  std::uint32_t max_ping_repetitions = 100;
  std::chrono::milliseconds max_ping_timeout{30'000};   // per echo request
  std::uint32_t max_ping_data_block_size = 65'507 - 8;  // IPv4 payload less the ICMP header
  // Between two echo requests, like ping(8) (TR-181 does not say; tests shorten it).
  std::chrono::milliseconds ping_interval{1000};
  // TraceRoute
  std::uint32_t max_hop_count = 64;
  std::chrono::milliseconds max_traceroute_timeout{30'000};  // per probe
  std::chrono::milliseconds max_traceroute_total{300'000};   // the whole trace
  // Reverse DNS for RouteHops.{i}.Host (blocking getnameinfo); off: Host is the address.
  bool traceroute_hop_names = true;
  // Download / Upload (TR-143)
  std::chrono::milliseconds transfer_total_timeout{120'000};  // the whole test
  std::chrono::milliseconds transfer_idle_timeout{30'000};    // no byte moved for so long
  std::uint64_t max_upload_length = 1ULL << 30;               // TestFileLength
  // The system `ping` is the last resort for IPPing (no ICMP socket allowed); empty = off.
  std::string ping_command = "ping";
  // One line per event worth a log (a test started or ended, no ICMP method...); default:
  // spdlog.
  std::function<void(std::string_view)> log;
};

class DiagnosticsRunner {
 public:
  // on_complete: called (from the runner's thread) after a test's results and final
  // DiagnosticsState are written; the program wires it to Agent::diagnostics_complete().
  DiagnosticsRunner(cpe::model::DataModel& model, std::function<void()> on_complete,
                    DiagnosticsOptions options = {});
  ~DiagnosticsRunner();  // cancels a running test, joins its thread; no model call after
  DiagnosticsRunner(const DiagnosticsRunner&) = delete;
  DiagnosticsRunner& operator=(const DiagnosticsRunner&) = delete;

  // The program calls this from DataModel::set_change_listener with the paths an ACS
  // request changed: a test whose DiagnosticsState is now "Requested" is queued; a running
  // test whose object was written again (state now None) is cancelled and its results
  // discarded.
  void parameters_changed(const std::vector<std::string>& paths);
  // The CWMP session ended: queued tests start now (TR-143: the test runs after the
  // session that requested it, so the session's traffic does not disturb it).
  void session_ended();
  // Tests: ready when nothing is queued or running.
  std::future<void> idle();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cpe::diag
