// The ACS's CWMP endpoint: HTTP requests in, AcsSession per CPE, store effects
// applied (off the event loop) before each reply goes out.
//
// - Sessions are found by cookie and, for CPEs that drop cookies, by TCP
//   connection; a new Inform starts one.
// - One live session per device: a second Inform of a device that has one is
//   refused with 503 + Retry-After (the CPE retries under its back-off).
// - Overload is explicit: beyond max_sessions live sessions, 503 + Retry-After.
// - Idle sessions expire after idle_timeout, any session after max_duration
//   (expire() is called by the owner's timer; time is injected).
// - CPE authentication: none (labs) or HTTP Digest (RFC 7616); Basic only over TLS.
//   Credentials per device (store::CpeCredentials, bound to one device id when the
//   store says so) or one shared username/password from the configuration.
// - Failed authentications are counted, logged with the source address, and
//   rate-limited per source: beyond max_auth_failures within auth_failure_window,
//   the source gets 503 + Retry-After until the window passes.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "acs/cwmp_service_presets.hpp"
#include "acs/model.hpp"
#include "acs/session.hpp"
#include "net/http_server.hpp"

namespace store {
class Store;
}

namespace acs {

class Metrics;

enum class CpeAuth : std::uint8_t { kNone, kDigest, kBasicOverTls };

// Sees what sessions store, right after the store did (on the store executor, inside the
// session's turn: the reply waits for it, so tasks it queues run in this session). May call
// the store; must not block otherwise. Firmware campaigns (campaigns.hpp) are one.
class SessionObserver {
 public:
  virtual ~SessionObserver() = default;
  // The Inform is stored; the device's tasks have not been handed out yet.
  virtual void on_inform(const InformRecord& inform, Millis now) = 0;
  // A task ended: done (fault empty) or in fault.
  virtual void on_task_ended(std::int64_t task_id, const std::optional<TaskFault>& fault,
                             Millis now) = 0;
  // A TransferComplete was stored; `task_id` is the task it ended (nullopt: none matched).
  virtual void on_transfer_complete(const std::string& device_id, const std::string& command_key,
                                    std::optional<std::int64_t> task_id,
                                    const std::optional<TaskFault>& fault, Millis now) = 0;
};

struct CwmpServiceOptions {
  SessionConfig session;
  std::chrono::milliseconds idle_timeout{30'000};
  std::chrono::milliseconds max_duration{600'000};
  std::size_t max_sessions = 2000;
  std::chrono::seconds retry_after{30};
  CpeAuth auth = CpeAuth::kDigest;
  std::string realm = "cwmp-acs";
  std::string username;  // the shared CPE credentials (empty: per-device credentials only)
  std::string password;
  std::uint32_t max_auth_failures = 10;  // per source address within the window
  std::chrono::milliseconds auth_failure_window{60'000};
  // Client certificates (TLS): require one on this endpoint's TLS connections. The
  // listener verifies the chain; this refuses TLS requests that came without one.
  bool require_client_certificate = false;
  Metrics* metrics = nullptr;               // declare_acs_metrics() families; may be null
  std::function<Millis()> clock;            // UTC ms; defaults to the system clock
  std::vector<SessionObserver*> observers;  // not owned; outlive the service
  // The presets (auto-configuration, docs/presets.md) run after the device's tasks.
  PresetRunOptions presets;
};

struct CwmpServiceStats {
  std::uint64_t sessions_started = 0;
  std::uint64_t sessions_completed = 0;  // ended with 204
  std::uint64_t sessions_refused = 0;    // 503: busy device or overload
  std::uint64_t sessions_expired = 0;
  std::uint64_t auth_failures = 0;
  std::uint64_t auth_rate_limited = 0;
  std::uint64_t bad_requests = 0;
};

class CwmpService {
 public:
  // Store calls run on `store_executor` (a thread pool): they block on disk.
  CwmpService(store::Store& store, boost::asio::any_io_executor store_executor,
              CwmpServiceOptions options);
  ~CwmpService();
  CwmpService(const CwmpService&) = delete;
  CwmpService& operator=(const CwmpService&) = delete;

  // The net::Handler of the CWMP listener.
  boost::asio::awaitable<net::Response> handle(net::Request& request,
                                               const net::ConnectionInfo& connection);

  // Drops sessions idle for longer than idle_timeout or older than max_duration.
  std::size_t expire(Millis now);
  std::size_t active_sessions() const;
  CwmpServiceStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace acs
