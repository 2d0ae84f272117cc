// Firmware campaigns at work (docs/campaigns.md): a SessionObserver that starts a selected
// device's Download when its Inform arrives and a slot is free, and follows each device to
// confirmed or failed from the task's outcome, its TransferComplete and its next Informs. It
// pauses a campaign whose failure rate passes its threshold and completes one whose success
// threshold is reached. The decisions are campaigns.hpp's; every transition is one store call.
//
// Cost without campaigns: one campaigns_revision() read per `recheck` interval (not per
// Inform), nothing per task. A change through the NBI is therefore seen within that interval;
// the store itself refuses to start a device of a campaign that is no longer running.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "acs/campaigns.hpp"
#include "acs/cwmp_service.hpp"
#include "store/store.hpp"

namespace acs {

class CampaignObserver final : public SessionObserver {
 public:
  // `files_base_url`: where CPEs download the ACS's files (asked when a download starts: the
  // file listener's port is only known once it is bound).
  CampaignObserver(store::Store& store, std::function<std::string()> files_base_url,
                   Millis recheck = 1000);

  void on_inform(const InformRecord& inform, Millis now) override;
  void on_task_ended(std::int64_t task_id, const std::optional<TaskFault>& fault,
                     Millis now) override;
  void on_transfer_complete(const std::string& device_id, const std::string& command_key,
                            std::optional<std::int64_t> task_id,
                            const std::optional<TaskFault>& fault, Millis now) override;

 private:
  // A stored campaign, parsed once per revision.
  struct Active {
    campaigns::Definition definition;
    campaigns::State state = campaigns::State::kRunning;
    std::string target_version;
    std::optional<store::FileInfo> file;
  };
  using Snapshot = std::shared_ptr<const std::vector<Active>>;

  Snapshot refresh(Millis now);  // re-reads the campaigns when their revision moved
  Snapshot current();            // the last snapshot read
  void forget_snapshot();        // our own state change: read the revision at the next Inform
  const Active* find(const Snapshot& snapshot, const std::string& name) const;
  void consider_start(const Active& campaign, const InformRecord& inform,
                      const std::optional<std::string>& version, Millis now);
  bool selected(const Active& campaign, const std::string& device_id);
  boost::json::object download_args(const Active& campaign) const;
  void apply(const store::CampaignDevice& device, const campaigns::Transition& transition,
             Millis now);
  static bool applicable(const store::FileInfo& file, const cwmp::DeviceId& device);
  void after_change(const std::string& name, const store::StoredCampaign& campaign,
                    campaigns::DeviceState to, Millis now);

  store::Store& store_;
  std::function<std::string()> files_base_url_;
  std::mutex mutex_;
  Millis recheck_;
  std::int64_t revision_ = -1;
  std::optional<Millis> checked_;  // when the revision was last read; nullopt: read it now
  Snapshot snapshot_;
};

}  // namespace acs
