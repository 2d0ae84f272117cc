// The preset engine (presets.hpp, pure) wired to the store, for the CWMP endpoint: which
// presets exist (PresetCatalog), and one session's run of them (PresetRun) — what the device
// is known to have comes from the store, what it answers goes back to it, faults and the
// transfers presets sent are stored. Runs on the store executor, inside the session's turn.
// docs/presets.md describes the behaviour.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "acs/metrics.hpp"
#include "acs/presets.hpp"
#include "cwmp/messages.hpp"

namespace store {
class Store;
}

namespace acs {

using PresetList = std::vector<presets::Preset>;

// The stored presets, parsed again only when the store's preset revision changed (a preset
// put or deleted through any ACS sharing the database).
class PresetCatalog {
 public:
  explicit PresetCatalog(store::Store& store) : store_(store) {}
  // One revision read when unchanged. A stored preset that no longer parses is skipped
  // (logged once per revision).
  std::shared_ptr<const PresetList> current();

 private:
  store::Store& store_;
  std::mutex mutex_;
  std::int64_t revision_ = -1;
  std::shared_ptr<const PresetList> presets_ = std::make_shared<PresetList>();
};

struct PresetRunOptions {
  presets::RetryPolicy retry;
  std::uint32_t max_rounds = presets::kDefaultMaxRounds;
  // Where an upload action without a URL sends the backup: <files_base_url()>/upload/<device>/
  // config-<UTC time>; unset or "": such an upload is a preset fault.
  std::function<std::string()> files_base_url;
};

// One session's run of the presets on one device, after the device's tasks.
class PresetRun {
 public:
  PresetRun(store::Store& store, std::shared_ptr<const PresetList> presets, std::string device_id,
            std::vector<std::string> events, const PresetRunOptions& options, Metrics* metrics);

  // The next RPC to send the device, or nullopt when the presets hold (or none applies).
  std::optional<cwmp::Body> next_rpc(Millis now);
  // The CPE's answer to the RPC next_rpc() gave (a response or a cwmp::Fault).
  void on_answer(const cwmp::Body& answer, Millis now);
  bool finished() const { return finished_; }

 private:
  bool start(Millis now);
  void finish(Millis now);
  void record_fault(const std::string& preset, std::uint32_t code, std::string message, Millis now);
  std::vector<std::string> culprits(const presets::PlannedRpc& planned,
                                    const cwmp::Fault& fault) const;
  void remember_new_listings(const std::set<std::string, std::less<>>& before, Millis now);
  void remember_transfer(const presets::PlannedRpc& planned, Millis now);
  bool fill_upload_url(cwmp::Upload& upload, Millis now);

  store::Store& store_;
  std::shared_ptr<const PresetList> presets_;
  std::string device_id_;
  std::vector<std::string> events_;
  const PresetRunOptions& options_;
  Metrics* metrics_;

  bool started_ = false;
  bool finished_ = false;
  presets::DeviceState state_;
  presets::SessionContext context_;
  presets::PresetSession progress_;
  std::deque<presets::PlannedRpc> queue_;   // the rest of the current step
  std::optional<presets::PlannedRpc> out_;  // sent, awaiting its answer
  std::vector<std::string> ran_;            // presets active in this session
  std::set<std::string> had_fault_;         // of those, the ones with a stored fault
  std::set<std::string> faulted_;           // presets that faulted in this session
  std::uint32_t rpcs_sent_ = 0;
};

// A TransferComplete that matched no task: if a preset sent that transfer, store its outcome
// (a failure becomes a fault of the preset). Returns the preset's name, or "" when none.
std::string complete_preset_transfer(store::Store& store, const std::string& device_id,
                                     const std::string& command_key,
                                     const std::optional<TaskFault>& fault, Millis now,
                                     Metrics* metrics);

}  // namespace acs
