// A scripted CPE: a small, honest CWMP client for demos and end-to-end tests of the ACS
// (docs/scripted-cpe.md). It is not the product agent (issue 4 brings cwmp-cpe); it is a
// device that behaves like one on the wire:
//
//  - one HTTP connection per session, the ACS's cookies sent back (unless disabled),
//    Digest (RFC 7616) or, over TLS, Basic answered on a 401;
//  - Inform with the pending events and the forced inform parameters, its own requests
//    (TransferComplete, GetRPCMethods), an empty POST, then the ACS's RPCs answered one
//    by one until the ACS answers 204; every envelope goes through cwmp::encode;
//  - a small TR-181 data model in memory with the real RPC semantics (all-or-nothing SPV
//    with per-parameter faults, ParameterKey, GPN NextLevel, AddObject/DeleteObject, ...);
//  - Reboot, FactoryReset, Download, Upload, ScheduleInform with their later events;
//  - an optional connection-request listener (HTTP GET + Digest);
//  - fault injection per RPC.
//
// Threading: the CPE runs on the io_context it is given (a strand of it); the accessors
// are thread-safe. Sessions never overlap: a session asked for while one runs waits.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cwmp/messages.hpp"
#include "cwmp/version.hpp"
#include "device.hpp"

namespace boost::asio {
class io_context;
}

namespace scripted_cpe {

struct SessionReport;

struct ScriptedCpeOptions {
  // --- the ACS ----------------------------------------------------------------------
  std::string acs_url;   // ManagementServer.URL (http:// or https://)
  std::string username;  // ManagementServer.Username / Password (empty = no credentials)
  std::string password;
  // Answer a Basic challenge over plain HTTP (the password then travels in clear; TR-069
  // §3.4.4 lets an ACS ask for Basic only over TLS). Over https Basic is always answered.
  bool basic_over_http = false;
  // CWMP 1.2 (namespace cwmp-1-2, like most deployed CPEs) or 1.4 (same namespace, plus
  // the SupportedCWMPVersions and SessionTimeout headers and the ACS's UseCWMPVersion).
  cwmp::CwmpVersion cwmp_version = cwmp::CwmpVersion::k1_2;
  bool cookies =
      true;  // false: a CPE that ignores Set-Cookie (the ACS must follow the TCP connection)
  std::string ca_file;  // PEM bundle for https URLs (ACS and files); empty = system CAs
  std::chrono::milliseconds timeout{30'000};            // per HTTP exchange (TR-069: 30 s at least)
  std::chrono::milliseconds transfer_timeout{120'000};  // per Download/Upload
  std::uint64_t max_download_bytes = 64 * 1024 * 1024;
  std::size_t max_rpcs_per_session = 100'000;  // a bound on a runaway ACS

  // --- the device -------------------------------------------------------------------
  DeviceIdentity identity;
  std::uint32_t extra_parameters = 0;  // Device.X_Test.Param.{1..N}.Value, for load tests
  bool periodic_inform_enable = true;  // factory values of ManagementServer.PeriodicInform*
  std::uint32_t periodic_inform_interval = 3600;
  // Fault injection: ACS RPC name ("SetParameterValues") -> CPE fault code (9000-9899).
  std::map<std::string, std::uint32_t, std::less<>> faults;

  // --- connection requests ------------------------------------------------------------
  // "ADDR:PORT" to listen on for connection requests (port 0 = ephemeral); empty = none.
  std::string connection_request_listen;
  // The host written into ConnectionRequestURL; empty = the listen address (127.0.0.1
  // for a wildcard address).
  std::string connection_request_host;
  std::string connection_request_username;  // ConnectionRequestUsername / Password
  std::string connection_request_password;

  // --- behaviour between sessions -------------------------------------------------------
  // Open sessions on its own like a device in the field: right after a reboot or a
  // finished transfer, when a ScheduleInform is due, every PeriodicInformInterval while
  // PeriodicInformEnable is true, and after a failed session with the TR-069 §3.2.1.1
  // back-off. Off: sessions happen only when asked for (run_session) or on a connection
  // request, and ScheduleInform events go into the next session whenever it is.
  bool autonomous = false;
  // Called on the CPE's strand after every session, whoever started it.
  std::function<void(const SessionReport&)> on_session;
};

// What happened in one session.
struct SessionReport {
  std::size_t number = 0;                 // 1, 2, ... in the order sessions started
  std::vector<std::string> events;        // EventCodes of the Inform ("1 BOOT", "M Reboot", ...)
  std::vector<std::string> cpe_requests;  // CPE -> ACS requests sent ("TransferComplete", ...)
  std::vector<std::string> rpcs;          // ACS RPCs received, in order
  std::vector<std::string> answers;     // what each got: "GetParameterValuesResponse", "Fault 9005"
  std::vector<unsigned> http_statuses;  // every HTTP status received, 401s included
  std::vector<std::string> acs_methods;  // the ACS's GetRPCMethodsResponse, when asked
  cwmp::CwmpVersion version = cwmp::CwmpVersion::k1_2;  // the session's CWMP version
  bool completed = false;  // the ACS ended it with an empty response (204)
  std::string error;       // why it failed, when it did
  unsigned last_status() const { return http_statuses.empty() ? 0 : http_statuses.back(); }
  bool ok() const { return completed && error.empty(); }
};

// What a session carries besides the pending events.
struct SessionRequest {
  std::vector<std::string> events;  // raised now ("1 BOOT", "6 CONNECTION REQUEST", ...)
  bool get_rpc_methods = false;     // ask the ACS's GetRPCMethods before the empty POST
};

class ScriptedCpe {
 public:
  // Starts the connection-request listener when configured (throws std::system_error if
  // it cannot bind, std::invalid_argument on bad options) and, when autonomous, its timers.
  ScriptedCpe(boost::asio::io_context& io, ScriptedCpeOptions options);
  ~ScriptedCpe();  // stops the listener and the timers; a running session finishes alone
  ScriptedCpe(const ScriptedCpe&) = delete;
  ScriptedCpe& operator=(const ScriptedCpe&) = delete;

  // One session. Invalid event codes fail it before anything is sent. Never throws for
  // network or protocol failures: they are in the report.
  boost::asio::awaitable<SessionReport> run_session(SessionRequest request);
  boost::asio::awaitable<SessionReport> run_session(std::vector<std::string> events);

  // --- thread-safe accessors ------------------------------------------------------------
  std::optional<std::string> parameter(std::string_view name) const;  // hidden ones too
  std::map<std::string, std::string> parameters(std::string_view prefix = {}) const;
  std::optional<cwmp::ParameterAttribute> attributes(std::string_view name) const;
  std::vector<cwmp::EventStruct> pending_events() const;
  std::vector<Transfer> finished_transfers() const;  // every transfer done, in order
  std::vector<SessionReport> sessions() const;       // every finished session, in order
  // Blocks until `count` sessions have finished (not on the CPE's io_context thread).
  bool wait_for_sessions(std::size_t count, std::chrono::milliseconds timeout) const;
  // The listener's URL (ConnectionRequestURL); empty without a listener.
  std::string connection_request_url() const;
  // Connection requests accepted (authenticated) so far.
  std::uint64_t connection_requests() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// "Method=Code" (e.g. "SetParameterValues=9007") for ScriptedCpeOptions::faults; nullopt
// unless Method is an ACS -> CPE RPC and Code a CPE fault code (9000-9899).
std::optional<std::pair<std::string, std::uint32_t>> parse_fault_injection(std::string_view text);

}  // namespace scripted_cpe
