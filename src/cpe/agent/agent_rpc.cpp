// cpe::agent::Agent: answering the ACS's requests. The data-model RPCs go to
// DeviceApi::handle; the agent answers the ones about itself (GetRPCMethods, Reboot,
// FactoryReset, ScheduleInform, the transfers); anything else is 9000 (TR-069 §3.5).
//
// Durability: an RPC that promises something (a reboot, a transfer, a scheduled inform) is
// on disk before its answer goes out, so the ACS is never told "yes" for something a crash
// can forget. The reverse (saved, then killed before the answer left) makes the ACS send the
// request again; a Download/Upload/ScheduleDownload with the same CommandKey and URL is then
// answered without being queued twice.
#include <algorithm>

#include "cpe/agent/agent_impl.hpp"
#include "cwmp/faults.hpp"

namespace cpe::agent {

namespace {

constexpr std::size_t kMaxScheduledInforms = 64;

// Everything we answer other than with 9000 (GetRPCMethods, TR-069 A.3.1.1).
const std::vector<std::string>& supported_methods() {
  static const std::vector<std::string> methods = {"GetRPCMethods",
                                                   "SetParameterValues",
                                                   "GetParameterValues",
                                                   "GetParameterNames",
                                                   "SetParameterAttributes",
                                                   "GetParameterAttributes",
                                                   "AddObject",
                                                   "DeleteObject",
                                                   "Reboot",
                                                   "Download",
                                                   "Upload",
                                                   "FactoryReset",
                                                   "ScheduleInform",
                                                   "GetQueuedTransfers",
                                                   "GetAllQueuedTransfers",
                                                   "ScheduleDownload",
                                                   "CancelTransfer"};
  return methods;
}

bool is_data_model_rpc(const cwmp::Body& body) {
  return std::holds_alternative<cwmp::GetParameterValues>(body) ||
         std::holds_alternative<cwmp::SetParameterValues>(body) ||
         std::holds_alternative<cwmp::GetParameterNames>(body) ||
         std::holds_alternative<cwmp::SetParameterAttributes>(body) ||
         std::holds_alternative<cwmp::GetParameterAttributes>(body) ||
         std::holds_alternative<cwmp::AddObject>(body) ||
         std::holds_alternative<cwmp::DeleteObject>(body);
}

}  // namespace

asio::awaitable<cwmp::Body> Agent::Impl::answer(const cwmp::Envelope& request) {
  const cwmp::Body& body = request.body;
  const TimePoint now = clock->now();

  if (std::holds_alternative<cwmp::GetRPCMethods>(body)) {
    cwmp::GetRPCMethodsResponse response;
    response.method_list = supported_methods();
    co_return response;
  }

  if (is_data_model_rpc(body)) {
    cwmp::Body copy = body;
    auto call = [this, copy = std::move(copy)]() -> cwmp::Body {
      try {
        return device.handle(copy);
      } catch (const std::exception& e) {
        return cwmp::Fault::make(cwmp::fault::kInternalError, e.what());
      }
    };
    co_return co_await on_worker(std::move(call));
  }

  if (const auto* rpc = std::get_if<cwmp::Reboot>(&body)) {
    // After this session: the reboot, then "M Reboot" (its CommandKey) with "1 BOOT".
    state.reboot_requested = true;
    raise({"M Reboot", rpc->command_key});
    co_await persist();
    checkpoint("rpc-saved:Reboot");
    co_return cwmp::RebootResponse{};
  }

  if (std::holds_alternative<cwmp::FactoryReset>(body)) {
    state.factory_reset_requested = true;
    co_await persist();
    checkpoint("rpc-saved:FactoryReset");
    co_return cwmp::FactoryResetResponse{};
  }

  if (const auto* rpc = std::get_if<cwmp::ScheduleInform>(&body)) {
    if (rpc->delay_seconds == 0) {
      co_return cwmp::Fault::make(cwmp::fault::kInvalidArguments, "DelaySeconds must be positive");
    }
    if (state.scheduled_informs.size() >= kMaxScheduledInforms) {
      co_return cwmp::Fault::make(cwmp::fault::kResourcesExceeded, "too many scheduled informs");
    }
    state.scheduled_informs.push_back(
        {now + std::chrono::seconds(rpc->delay_seconds), rpc->command_key});
    co_await persist();
    checkpoint("rpc-saved:ScheduleInform");
    co_return cwmp::ScheduleInformResponse{};
  }

  // The three transfer RPCs: validated, queued, saved, answered "not yet done" (Status 1,
  // times unknown); TransferComplete follows in a later session.
  TransferOrFault queued = cwmp::Fault{};
  if (const auto* download = std::get_if<cwmp::Download>(&body)) {
    queued = make_download(*download, now, options.transfers, state.transfers);
  } else if (const auto* upload = std::get_if<cwmp::Upload>(&body)) {
    queued = make_upload(*upload, now, options.transfers, state.transfers);
  } else if (const auto* scheduled = std::get_if<cwmp::ScheduleDownload>(&body)) {
    queued = make_schedule_download(*scheduled, now, options.transfers, state.transfers);
  }
  if (std::holds_alternative<cwmp::Download>(body) || std::holds_alternative<cwmp::Upload>(body) ||
      std::holds_alternative<cwmp::ScheduleDownload>(body)) {
    if (auto* fault = std::get_if<cwmp::Fault>(&queued)) co_return *fault;
    Transfer& transfer = std::get<Transfer>(queued);
    if (transfer.id == 0) {  // not the same request seen before
      transfer.id = state.next_transfer_id++;
      state.transfers.push_back(transfer);
      co_await persist();
    }
    checkpoint("rpc-saved:" + std::string(cwmp::method_name(body)));
    if (std::holds_alternative<cwmp::Download>(body)) {
      cwmp::DownloadResponse response;
      response.status = 1;
      co_return response;
    }
    if (std::holds_alternative<cwmp::Upload>(body)) {
      cwmp::UploadResponse response;
      response.status = 1;
      co_return response;
    }
    co_return cwmp::ScheduleDownloadResponse{};
  }

  if (const auto* rpc = std::get_if<cwmp::CancelTransfer>(&body)) {
    // Only a transfer that has not started can be cancelled; a running or finished one, or
    // a CommandKey we do not know, is 9021.
    bool found = false;
    bool started = false;
    for (const Transfer& t : state.transfers) {
      if (t.command_key != rpc->command_key) continue;
      found = true;
      if (t.state != TransferState::kQueued) started = true;
    }
    if (!found || started) {
      co_return cwmp::Fault::make(
          cwmp::fault::kCancelNotPermitted,
          found ? "the transfer has started or finished" : "no transfer with this CommandKey");
    }
    std::erase_if(state.transfers, [&](const Transfer& t) {
      return t.command_key == rpc->command_key && t.state == TransferState::kQueued;
    });
    co_await persist();
    checkpoint("rpc-saved:CancelTransfer");
    co_return cwmp::CancelTransferResponse{};
  }

  if (std::holds_alternative<cwmp::GetQueuedTransfers>(body)) {
    cwmp::GetQueuedTransfersResponse response;
    for (const Transfer& t : state.transfers) {
      if (response.transfer_list.size() == kMaxQueuedTransfers) break;
      response.transfer_list.push_back({t.command_key, static_cast<std::int32_t>(t.state)});
    }
    co_return response;
  }

  if (std::holds_alternative<cwmp::GetAllQueuedTransfers>(body)) {
    cwmp::GetAllQueuedTransfersResponse response;
    for (const Transfer& t : state.transfers) {
      if (response.transfer_list.size() == kMaxQueuedTransfers) break;
      cwmp::AllQueuedTransfer entry;
      entry.command_key = t.command_key;
      entry.state = static_cast<std::int32_t>(t.state);
      entry.is_download = t.kind != TransferKind::kUpload;
      entry.file_type = t.file_type;
      entry.file_size = t.file_size;
      entry.target_file_name = t.target_file_name;
      response.transfer_list.push_back(std::move(entry));
    }
    co_return response;
  }

  co_return cwmp::Fault::make(cwmp::fault::kMethodNotSupported,
                              std::string(cwmp::method_name(body)) + " is not supported");
}

}  // namespace cpe::agent
