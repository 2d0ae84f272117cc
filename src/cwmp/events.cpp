// Inform event codes: see events.hpp.
#include "cwmp/events.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace cwmp {

namespace {

// XML Schema regular expressions: "\s" is [ \t\n\r] and "." is [^\n\r].
constexpr bool is_xsd_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
constexpr bool is_line_break(char c) {
  return c == '\n' || c == '\r';
}
constexpr bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// XSD lengths count characters; for UTF-8 that is every byte but continuation bytes.
std::size_t count_code_points(std::string_view text) noexcept {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// Index just past the run of non-space characters starting at `pos`.
std::size_t skip_non_space(std::string_view text, std::size_t pos) noexcept {
  while (pos < text.size() && !is_xsd_space(text[pos])) ++pos;
  return pos;
}

// "\d+( \S+)+"
bool matches_numbered(std::string_view text) noexcept {
  std::size_t pos = 0;
  while (pos < text.size() && is_digit(text[pos])) ++pos;
  if (pos == 0 || pos == text.size()) return false;
  // One or more " word" groups, and nothing else: every space must be followed by
  // at least one non-space character.
  while (pos < text.size()) {
    if (text[pos] != ' ') return false;
    const std::size_t word_end = skip_non_space(text, pos + 1);
    if (word_end == pos + 1) return false;
    pos = word_end;
  }
  return true;
}

// "M \S+" (and so "M X_\S+")
bool matches_method(std::string_view text) noexcept {
  return text.size() > 2 && text.starts_with("M ") && skip_non_space(text, 2) == text.size();
}

// "X \S+ .+" (and so "X [0-9A-F]{6} .+"). The "\S+" run cannot stop before a
// non-space character, so it is the whole run, and a single ' ' must follow it.
bool matches_vendor(std::string_view text) noexcept {
  if (!text.starts_with("X ")) return false;
  const std::size_t word_end = skip_non_space(text, 2);
  if (word_end == 2 || word_end >= text.size() || text[word_end] != ' ') return false;
  const std::string_view rest = text.substr(word_end + 1);
  return !rest.empty() && std::none_of(rest.begin(), rest.end(), is_line_break);
}

struct StandardCode {
  EventCode code;
  std::string_view text;
};

constexpr std::array<StandardCode, 21> kStandardCodes{{
    {EventCode::kBootstrap, "0 BOOTSTRAP"},
    {EventCode::kBoot, "1 BOOT"},
    {EventCode::kPeriodic, "2 PERIODIC"},
    {EventCode::kScheduled, "3 SCHEDULED"},
    {EventCode::kValueChange, "4 VALUE CHANGE"},
    {EventCode::kKicked, "5 KICKED"},
    {EventCode::kConnectionRequest, "6 CONNECTION REQUEST"},
    {EventCode::kTransferComplete, "7 TRANSFER COMPLETE"},
    {EventCode::kDiagnosticsComplete, "8 DIAGNOSTICS COMPLETE"},
    {EventCode::kRequestDownload, "9 REQUEST DOWNLOAD"},
    {EventCode::kAutonomousTransferComplete, "10 AUTONOMOUS TRANSFER COMPLETE"},
    {EventCode::kDuStateChangeComplete, "11 DU STATE CHANGE COMPLETE"},
    {EventCode::kAutonomousDuStateChangeComplete, "12 AUTONOMOUS DU STATE CHANGE COMPLETE"},
    {EventCode::kWakeup, "13 WAKEUP"},
    {EventCode::kHeartbeat, "14 HEARTBEAT"},
    {EventCode::kMReboot, "M Reboot"},
    {EventCode::kMScheduleInform, "M ScheduleInform"},
    {EventCode::kMDownload, "M Download"},
    {EventCode::kMScheduleDownload, "M ScheduleDownload"},
    {EventCode::kMUpload, "M Upload"},
    {EventCode::kMChangeDuState, "M ChangeDUState"},
}};

// Retention flags follow icwmp's event table (iopsys icwmp src/event.c,
// EVENT_RETRY_AFTER_TRANSMIT_FAIL / EVENT_RETRY_AFTER_REBOOT), the only concrete
// per-code table at hand: the TR-069 A6 §3.7.1.5 table was not available
// (CWMP-FACTS §4 marks its content RECALL).
// - Every code is retried after a failed session except 6 CONNECTION REQUEST. Our
//   reading: the request is consumed by the attempt; the ACS sends a new one if it
//   still wants the CPE.
// - Kept across a reboot: all but 1 BOOT (the reboot raises a fresh one),
//   4 VALUE CHANGE, 6 CONNECTION REQUEST and 8 DIAGNOSTICS COMPLETE (diagnostics
//   results do not survive a reboot [DM DiagnosticsState]).
// BOOTSTRAP: CWMP-FACTS §4 [RECALL A6 §3.7.1.5] says raising it drops the events
// meant for the old ACS but keeps those still meaningful, naming 1 BOOT and M Reboot
// (with 1 BOOT) as examples; "the CPE MUST NOT ever discard an undelivered BOOTSTRAP
// event" is verified. Everything else is dropped, transfer results included: they
// answer requests of the old ACS. Revisit when the A6 table can be checked.
constexpr EventPolicy single(bool survives_reboot, FollowUpRpc follow_up = FollowUpRpc::kNone) {
  return EventPolicy{false, survives_reboot, true, true, follow_up};
}
constexpr EventPolicy multiple(FollowUpRpc follow_up = FollowUpRpc::kNone) {
  return EventPolicy{true, true, true, true, follow_up};
}

}  // namespace

bool is_valid_event_code(std::string_view text) noexcept {
  if (text.empty() || count_code_points(text) > kMaxEventCodeLength) return false;
  if (is_digit(text.front())) return matches_numbered(text);
  if (text.front() == 'M') return matches_method(text);
  if (text.front() == 'X') return matches_vendor(text);
  return false;
}

std::optional<EventCode> parse_event_code(std::string_view text) noexcept {
  if (!is_valid_event_code(text)) return std::nullopt;
  for (const StandardCode& entry : kStandardCodes) {
    if (entry.text == text) return entry.code;
  }
  // "M X_" alone is valid only through "M \S+": "M X_\S+" needs a method name.
  if (text.size() > 4 && text.starts_with("M X_")) return EventCode::kVendorMethod;
  if (text.starts_with("M ")) return EventCode::kOtherMethod;
  if (text.starts_with("X ")) return EventCode::kVendorEvent;
  return EventCode::kOtherNumbered;
}

std::string_view to_string(EventCode code) noexcept {
  for (const StandardCode& entry : kStandardCodes) {
    if (entry.code == code) return entry.text;
  }
  return {};
}

std::string_view to_string(FollowUpRpc rpc) noexcept {
  switch (rpc) {
    case FollowUpRpc::kNone:
      return {};
    case FollowUpRpc::kTransferComplete:
      return "TransferComplete";
    case FollowUpRpc::kAutonomousTransferComplete:
      return "AutonomousTransferComplete";
    case FollowUpRpc::kDuStateChangeComplete:
      return "DUStateChangeComplete";
    case FollowUpRpc::kAutonomousDuStateChangeComplete:
      return "AutonomousDUStateChangeComplete";
    case FollowUpRpc::kRequestDownload:
      return "RequestDownload";
    case FollowUpRpc::kKicked:
      return "Kicked";
  }
  return {};
}

EventPolicy event_policy(EventCode code) noexcept {
  switch (code) {
    case EventCode::kBootstrap:
      return EventPolicy{false, true, false, true, FollowUpRpc::kNone};
    case EventCode::kBoot: {
      EventPolicy policy = single(false);
      policy.discarded_on_bootstrap = false;
      return policy;
    }
    case EventCode::kPeriodic:
      return single(true);
    case EventCode::kScheduled:
      return single(true);
    case EventCode::kValueChange:
      return single(false);
    case EventCode::kKicked:
      return single(true, FollowUpRpc::kKicked);
    case EventCode::kConnectionRequest: {
      EventPolicy policy = single(false);
      policy.retried_after_failure = false;
      return policy;
    }
    case EventCode::kTransferComplete:
      return single(true, FollowUpRpc::kTransferComplete);
    case EventCode::kDiagnosticsComplete:
      return single(false);
    case EventCode::kRequestDownload:
      return single(true, FollowUpRpc::kRequestDownload);
    case EventCode::kAutonomousTransferComplete:
      return single(true, FollowUpRpc::kAutonomousTransferComplete);
    case EventCode::kDuStateChangeComplete:
      return single(true, FollowUpRpc::kDuStateChangeComplete);
    case EventCode::kAutonomousDuStateChangeComplete:
      return single(true, FollowUpRpc::kAutonomousDuStateChangeComplete);
    case EventCode::kWakeup:
      return single(true);
    case EventCode::kHeartbeat:
      return single(true);
    case EventCode::kMReboot: {
      EventPolicy policy = multiple();
      policy.discarded_on_bootstrap = false;
      return policy;
    }
    case EventCode::kMScheduleInform:
      return multiple();
    case EventCode::kMDownload:
    case EventCode::kMScheduleDownload:
    case EventCode::kMUpload:
      return multiple(FollowUpRpc::kTransferComplete);
    case EventCode::kMChangeDuState:
      return multiple(FollowUpRpc::kDuStateChangeComplete);
    // Our choices for codes whose meaning we cannot know: "M ..." behaves like the
    // standard M codes (the schema reserves "M" for method-triggered events); the
    // others are single and, like most numbered codes that report a state, are not
    // replayed after a reboot.
    case EventCode::kVendorMethod:
    case EventCode::kOtherMethod:
      return multiple();
    case EventCode::kVendorEvent:
    case EventCode::kOtherNumbered:
      return single(false);
  }
  return single(false);
}

MergeResult merge_event(std::vector<EventStruct>& pending, const EventStruct& raised) {
  const std::optional<EventCode> code = parse_event_code(raised.event_code);
  if (!code) return MergeResult::kInvalid;

  if (*code == EventCode::kBootstrap) {
    std::erase_if(pending, [](const EventStruct& event) {
      const std::optional<EventCode> pending_code = parse_event_code(event.event_code);
      return !pending_code || event_policy(*pending_code).discarded_on_bootstrap;
    });
  }

  const EventPolicy policy = event_policy(*code);
  if (!policy.multiple) {
    const bool already = std::any_of(pending.begin(), pending.end(), [&](const EventStruct& e) {
      return e.event_code == raised.event_code;
    });
    if (already) return MergeResult::kAlreadyPending;
  }
  pending.push_back(raised);
  return MergeResult::kAdded;
}

namespace {

template <typename Keep>
void keep_only(std::vector<EventStruct>& pending, Keep keep) {
  std::erase_if(pending, [&](const EventStruct& event) {
    const std::optional<EventCode> code = parse_event_code(event.event_code);
    return !code || !keep(event_policy(*code));
  });
}

}  // namespace

void discard_on_reboot(std::vector<EventStruct>& pending) {
  keep_only(pending, [](const EventPolicy& policy) { return policy.survives_reboot; });
}

void discard_after_failed_session(std::vector<EventStruct>& pending) {
  keep_only(pending, [](const EventPolicy& policy) { return policy.retried_after_failure; });
}

}  // namespace cwmp
