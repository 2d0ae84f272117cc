// The agent's durable state (issue 4 §7) and its file.
//
// What the session layer must not lose across a kill -9: the undelivered events with their
// CommandKeys, the scheduled informs, the transfer queue and the transfer results still waiting
// for the ACS's TransferCompleteResponse, the retry count (TR-069 §3.2.1.1: not reset by a
// reboot), whether the BOOTSTRAP for the current ACS URL was delivered, a reboot or factory
// reset that was promised to the ACS, and the connection-request path (so the URL the ACS
// knows stays valid across restarts).
//
// The file is JSON (state.json in the state directory), written atomically: a temporary
// file, fsync, rename over the old one, fsync of the directory. A reader sees the old or the
// new state, never a mix. It holds the transfer credentials, so it is created mode 0600.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cpe/agent/clock.hpp"
#include "cwmp/messages.hpp"

namespace cpe::agent {

enum class TransferKind : std::uint8_t { kDownload, kUpload, kScheduleDownload };
// The values are those of QueuedTransferStruct.State.
enum class TransferState : std::uint8_t { kQueued = 1, kInProgress = 2, kCompleted = 3 };

std::string_view to_string(TransferKind kind);
// The "M Download" / "M Upload" / "M ScheduleDownload" event of a finished transfer.
std::string_view event_code(TransferKind kind);

struct Transfer {
  std::uint64_t id = 0;  // ours, never reused within one state
  TransferKind kind = TransferKind::kDownload;
  std::string command_key;
  std::string file_type;
  std::string url;
  std::string username;
  std::string password;
  std::uint32_t file_size = 0;
  std::string target_file_name;
  TimePoint received{};
  // Download/Upload: received + DelaySeconds. ScheduleDownload: the next attempt.
  TimePoint not_before{};
  std::vector<cwmp::TimeWindow> windows;  // ScheduleDownload, offsets from `received`
  std::uint32_t attempts = 0;             // ScheduleDownload: attempts in the current window
  TransferState state = TransferState::kQueued;
  // Once completed: the TransferComplete arguments (fault 0 = success).
  cwmp::FaultStruct fault;
  cwmp::DateTime start_time;
  cwmp::DateTime complete_time;
  friend bool operator==(const Transfer&, const Transfer&) = default;
};

struct ScheduledInform {
  TimePoint due{};
  std::string command_key;
  friend bool operator==(const ScheduledInform&, const ScheduledInform&) = default;
};

struct AgentState {
  // Undelivered events in Inform order. Events of finished transfers ("7 TRANSFER COMPLETE",
  // "M Download", ...) are not kept here: they are derived from `transfers` at every Inform,
  // so they live exactly as long as the TransferComplete is unacknowledged.
  std::vector<cwmp::EventStruct> pending;
  // Raised while a session runs: they go into the next session (CWMP-FACTS §1.4 item 8).
  std::vector<cwmp::EventStruct> deferred;
  std::vector<ScheduledInform> scheduled_informs;
  std::vector<Transfer> transfers;
  std::uint64_t next_transfer_id = 1;
  std::uint32_t retry_count = 0;
  // The ManagementServer.URL whose 0 BOOTSTRAP was acknowledged; nullopt: never (first start,
  // or after a factory reset). A URL different from it raises 0 BOOTSTRAP.
  std::optional<std::string> bootstrapped_url;
  bool reboot_requested = false;         // Reboot RPC answered, reboot not done yet
  bool factory_reset_requested = false;  // FactoryReset RPC answered, reset not done yet
  std::string connection_request_path;   // "/<random>", empty until first chosen
  friend bool operator==(const AgentState&, const AgentState&) = default;
};

std::string serialize(const AgentState& state);
// nullopt (with `error` set) for anything that is not a state this version wrote.
std::optional<AgentState> parse_state(std::string_view text, std::string* error = nullptr);

// The state directory: state.json and downloads/.
class StateFile {
 public:
  // Creates the directory (0700) when missing. Throws std::system_error when it cannot.
  explicit StateFile(std::filesystem::path dir);

  struct Loaded {
    std::optional<AgentState> state;  // nullopt: no state (first start, or unreadable)
    std::string error;                // why an existing file was not usable
  };
  // An unreadable file is renamed to state.json.corrupt-<n> (kept for a human) and the
  // agent starts as new, with a BOOTSTRAP: better than refusing to manage the device.
  Loaded load() const;
  // Atomic and durable when it returns. Throws std::system_error on any failure (the old
  // state is then still in place).
  void save(std::string_view content) const;

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path downloads_dir() const { return dir_ / "downloads"; }

 private:
  std::filesystem::path dir_;
};

// Writes `content` to `path` atomically and durably (temporary file, fsync, rename, fsync of
// the directory), with the given permission bits. Throws std::system_error.
void write_file_atomically(const std::filesystem::path& path, std::string_view content,
                           unsigned mode = 0600);

}  // namespace cpe::agent
