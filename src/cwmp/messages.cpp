#include "cwmp/messages.hpp"

#include <type_traits>

#include "cwmp/faults.hpp"

namespace cwmp {

namespace {

template <typename T>
constexpr bool kIsResponse = T::kName.ends_with("Response");

template <typename T>
constexpr CwmpVersion introduced_in_v() {
  // cwmp-1-1.xsd added these two; cwmp-1-2.xsd the scheduled download, transfer
  // cancel and software-module (DU) messages. Everything else is in cwmp-1-0.xsd.
  using V = CwmpVersion;
  if constexpr (std::is_same_v<T, GetAllQueuedTransfers> ||
                std::is_same_v<T, GetAllQueuedTransfersResponse> ||
                std::is_same_v<T, AutonomousTransferComplete> ||
                std::is_same_v<T, AutonomousTransferCompleteResponse>) {
    return V::k1_1;
  } else if constexpr (std::is_same_v<T, ScheduleDownload> ||
                       std::is_same_v<T, ScheduleDownloadResponse> ||
                       std::is_same_v<T, CancelTransfer> ||
                       std::is_same_v<T, CancelTransferResponse> ||
                       std::is_same_v<T, ChangeDUState> ||
                       std::is_same_v<T, ChangeDUStateResponse> ||
                       std::is_same_v<T, DUStateChangeComplete> ||
                       std::is_same_v<T, DUStateChangeCompleteResponse> ||
                       std::is_same_v<T, AutonomousDUStateChangeComplete> ||
                       std::is_same_v<T, AutonomousDUStateChangeCompleteResponse>) {
    return V::k1_2;
  } else {
    return V::k1_0;
  }
}

}  // namespace

std::string_view method_name(const Body& body) {
  return std::visit([](const auto& m) { return std::decay_t<decltype(m)>::kName; }, body);
}

bool is_request(const Body& body) {
  return std::visit(
      [](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        return !std::is_same_v<T, Fault> && !kIsResponse<T>;
      },
      body);
}

CwmpVersion introduced_in(const Body& body) {
  return std::visit([](const auto& m) { return introduced_in_v<std::decay_t<decltype(m)>>(); },
                    body);
}

Fault Fault::make(std::uint32_t code, std::string message) {
  Fault f;
  f.faultcode = std::string(to_string(fault_type(code)));
  f.code = code;
  f.string = message.empty() ? std::string(fault_text(code)) : std::move(message);
  return f;
}

}  // namespace cwmp
