// cpe::agent::Agent: the CPE's session layer (issue 4 §4, §5, §7). It decides when to call the
// ACS and why (events), runs the sessions (session_engine.hpp over net::HttpConnection),
// answers the RPCs that are about the agent itself, carries out transfers, reboots and factory
// resets through hooks, listens for connection requests, and keeps its state on disk so that a
// kill -9 at any moment loses nothing it acknowledged. The data model sits behind
// cpe::DeviceApi (src/cpe/device_api.hpp).
//
// Threading: the agent runs on a strand of the io_context it is given. DeviceApi calls, hooks
// and disk writes run on one worker thread of its own (they block), one at a time, never on
// the io_context; or, with AgentOptions::worker, on a strand of an executor shared by many
// agents (still one at a time per agent, and the agent owns no thread). The public methods are
// thread-safe; status() and sessions() block until the strand answers, so call them from outside
// the io_context's threads.
//
// Time: every decision reads options.clock. With a ManualClock nothing happens until the test
// moves the clock and calls settle().
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cpe/agent/agent_state.hpp"
#include "cpe/agent/clock.hpp"
#include "cpe/agent/connection_request.hpp"
#include "cpe/agent/transfers.hpp"
#include "cpe/device_api.hpp"
#include "cwmp/version.hpp"
#include "net/tls.hpp"

namespace boost::asio::ssl {
class context;
}

namespace cpe::agent {

// --- hooks: how a vendor plugs the real device in ------------------------------------------

struct InstallRequest {
  std::string file_type;         // "1 Firmware Upgrade Image", ...
  std::filesystem::path file;    // the downloaded bytes (removed after the hook returns)
  std::string target_file_name;  // from the Download, may be empty
  std::string url;
  std::string command_key;
  // Set only when the download was counted and discarded (an in-memory agent without
  // download_dir, see AgentOptions::state_dir): then `file` is empty and this holds the first
  // 4 KiB of the body (enough for a simulated image's metadata header).
  std::string head = {};  // (an initializer: aggregate initialisations may leave it out)
};

struct InstallResult {
  // 0, or the TransferComplete fault: 9018 corrupted, 9019 failed authentication
  // (signature), 9010 anything else. Codes outside the TransferComplete set become 9010.
  std::uint32_t fault_code = 0;
  std::string fault_string;
  // Written to <root>DeviceInfo.SoftwareVersion (DeviceApi::set_internal) on success.
  std::optional<std::string> software_version;
  // Reboot once the result is on disk (a firmware image takes effect at boot).
  bool reboot = false;
};

struct UploadRequest {
  std::string file_type;  // "1 Vendor Configuration File", "2 Vendor Log File", ...
  std::string command_key;
};

struct AgentHooks {
  // Applies a downloaded file (on the worker thread). Empty: simulated_install().
  std::function<InstallResult(const InstallRequest&)> install;
  // The bytes of an upload. Empty, or nullopt returned: the default content (the
  // configuration as "name=value" lines read through DeviceApi, or the agent's log).
  std::function<std::optional<std::string>(const UploadRequest&)> upload_content;
  // The real reboot, called once the session that asked for it (Reboot RPC, firmware) is
  // over and the state saved; typically re-executes the process or reboots the device and
  // does not return. When empty, or when it returns, the agent reboots "in process": it
  // applies the reboot retention rules and raises 1 BOOT as a restart would (an exception
  // from the hook is logged and treated the same way).
  std::function<void()> reboot;
  // Vendor part of a factory reset (wiping files, ...), after DeviceApi::factory_reset().
  std::function<void()> factory_reset;
};

// The default install hook:
//  - "1 Firmware Upgrade Image": the version from the image's metadata header or its file
//    name (transfers.hpp firmware_version()), reported as software_version with a reboot;
//    no version found: 9018 "file corrupted".
//  - "3 Vendor Configuration File": kept as <state_dir>/vendor-config/<name>, no reboot (an
//    empty state_dir, an in-memory agent: accepted and not kept).
//  - anything else: 9010.
InstallResult simulated_install(const InstallRequest& request,
                                const std::filesystem::path& state_dir);

// --- options ---------------------------------------------------------------------------------

struct SessionReport {
  std::uint64_t number = 0;         // 1, 2, ... since this Agent started
  std::vector<std::string> events;  // the Inform's EventCodes
  std::uint32_t retry_count = 0;    // the Inform's RetryCount
  bool ok = false;
  std::string error;
  std::vector<std::string> trace;  // SessionEngine::trace()
  TimePoint started{};
  TimePoint ended{};
};

struct AgentOptions {
  // The durable state (state.json, downloads/). Empty: the state lives in memory only (no
  // file, no fsync; what a restart would keep is lost with the process), for simulated
  // devices. Downloads then go to download_dir, or are counted and discarded when that is
  // empty too (InstallRequest::head keeps their first 4 KiB).
  std::filesystem::path state_dir = "cpe-state";
  // In-memory agents only: where downloads are streamed, each to a temporary file of its own
  // (cwmp-download-<random>-<id>, not fsynced, removed after the install hook).
  std::filesystem::path download_dir;

  // Many agents in one process (docs/cpe-agent.md "Many agents in one process").
  // Where DeviceApi calls, hooks and disk work run: a strand of this executor (typically a
  // thread_pool shared by every agent). Unset: a worker thread owned by the agent. Its
  // execution context must outlive the io_context: destroying the io_context destroys the
  // agents' pending work, which holds strands of it (declare the pool before the io_context).
  std::optional<boost::asio::any_io_executor> worker;
  // Connection requests through a shared router instead of a listener of our own: when set,
  // cr_listen is ignored, the agent registers its path there (and unregisters in ~Agent).
  std::shared_ptr<ConnectionRequestRouter> cr_router;
  // With cr_router: what goes before the path in ConnectionRequestURL ("http://host:port", or
  // a proxy's "https://cr.example/sim"). Empty: made from cr_host / the router's address as
  // for a listener of our own.
  std::string cr_url_prefix;
  // A TLS client context shared by many agents (read-only once built); when set, `tls` is
  // ignored. Unset: one built from `tls` for this agent.
  std::shared_ptr<boost::asio::ssl::context> tls_context;
  // How many SessionReports sessions() keeps (each holds its session's trace).
  std::size_t max_session_reports = 100;

  // Connection requests: "ADDR:PORT" to listen on (port 0: ephemeral), empty: no listener.
  std::string cr_listen = "0.0.0.0:7547";
  // The host written into ConnectionRequestURL. Empty: the listen address, or for a wildcard
  // address the local address of the route to the ACS (found before every session).
  std::string cr_host;
  bool cr_allow_basic = false;  // accept Basic (over plain HTTP) from the ACS
  double cr_rate_per_second = 4.0;
  double cr_burst = 10.0;

  // The ACS.
  cwmp::CwmpVersion cwmp_version = cwmp::CwmpVersion::k1_2;  // 1.2 or 1.4
  bool basic_over_http = false;  // answer a Basic challenge over plain HTTP (ACS and files)
  net::ClientTlsOptions tls;     // CA bundle, verification, optional client certificate
  std::chrono::milliseconds http_timeout{30'000};  // per exchange (TR-069: at least 30 s)
  std::size_t max_acs_body = 4 * 1024 * 1024;
  std::size_t max_acs_requests = 10'000;  // per session

  // Transfers.
  TransferPolicy transfers;
  std::chrono::milliseconds transfer_timeout{600'000};
  // A download's body is streamed to <state_dir>/downloads/<id> (never held in memory); a
  // FileSize above this is refused with 9010 before the request, a body above it fails with
  // 9017 (at once when its Content-Length says so). Free disk space is checked against the
  // Content-Length (else FileSize) before the body is read: too little is 9010.
  std::uint64_t max_download_bytes = std::uint64_t{1} << 30;  // 1 GiB
  std::chrono::seconds schedule_download_retry_delay{60};     // between attempts in a window

  std::string root = "Device.";  // the data model's root object

  std::shared_ptr<const Clock> clock;  // default: SystemClock
  RandomUnit random;                   // default: a seeded std::mt19937_64
  AgentHooks hooks;
  // Called on the agent's strand after every session.
  std::function<void(const SessionReport&)> on_session;
  // Tests: returning true makes the agent die at that point as by kill -9 (nothing more is
  // written or sent). Points: "post" (before every POST of a session), "inform-acknowledged"
  // and "request-acknowledged" (an InformResponse / TransferCompleteResponse came, not yet
  // recorded), "rpc-saved:<RPC>" (an agent RPC's promise is on disk, its answer not yet sent),
  // "transfer-started", "transfer-finished" (the result is on disk), "rebooting" (the state
  // is saved, the reboot hook is next).
  std::function<bool(std::string_view point)> crash_at;
};

// --- what the agent tells about itself ----------------------------------------------------

struct AgentStatus {
  std::vector<cwmp::EventStruct> pending_events;  // undelivered (raised during a session included)
  std::vector<Transfer> transfers;
  std::vector<ScheduledInform> scheduled_informs;
  std::uint32_t retry_count = 0;
  std::optional<TimePoint> next_retry;     // the back-off: no session before (but for a CR)
  std::optional<TimePoint> next_periodic;  // the next 2 PERIODIC
  std::uint64_t sessions = 0;              // finished since start
  bool session_running = false;
  bool dead = false;  // crash_at fired
  std::string connection_request_url;
  std::uint16_t connection_request_port = 0;
  ConnectionRequestStats connection_requests;
};

class Agent {
 public:
  // Loads the state (an unreadable file is set aside, see StateFile), creates the TLS
  // context and binds the connection-request listener (or registers at cr_router): throws
  // std::system_error, std::runtime_error (TLS files) or std::invalid_argument (options, a
  // path already registered at the router) at once.
  Agent(boost::asio::io_context& io, DeviceApi& device, AgentOptions options = {});
  // Stops: no DeviceApi call, hook or state write happens after it returns (it waits for the
  // one running on the worker, if any: never destroy an agent from its own worker call).
  // Sessions and transfers in flight are abandoned (their sockets closed), as a power cut
  // would.
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // Boots: raises 1 BOOT (and 0 BOOTSTRAP when due), publishes the ConnectionRequestURL,
  // and from then on calls the ACS whenever there is a reason to.
  void start();

  // A parameter with active notification changed (the model, or whoever wires it, calls
  // this; DeviceApi::value_change_pending() is read then, and before every session).
  void value_changed();
  // An ACS-requested diagnostic finished: raises 8 DIAGNOSTICS COMPLETE.
  void diagnostics_complete();
  // Re-reads the clock and the settings now; ready when the agent is idle again (nothing
  // due: sessions and transfers that were due have run).
  std::future<void> settle();

  AgentStatus status() const;
  // The last max_session_reports (100 by default).
  std::vector<SessionReport> sessions() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace cpe::agent
