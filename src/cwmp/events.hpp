// Inform event codes (TR-069 §3.7.1.5, cwmp-1-2/1-4.xsd EventCodeType, CWMP-FACTS §4):
// parsing, the XSD pattern check, each code's single/multiple and retention policy,
// and the rule for adding a newly raised event to the CPE's pending list.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "cwmp/messages.hpp"

namespace cwmp {

inline constexpr std::size_t kMaxEventCodeLength = 64;  // characters [XSD]
inline constexpr std::size_t kMaxInformEvents = 64;     // EventStructs per Inform [XSD]

enum class EventCode : std::uint8_t {
  kBootstrap,                        // "0 BOOTSTRAP"
  kBoot,                             // "1 BOOT"
  kPeriodic,                         // "2 PERIODIC"
  kScheduled,                        // "3 SCHEDULED"
  kValueChange,                      // "4 VALUE CHANGE"
  kKicked,                           // "5 KICKED"
  kConnectionRequest,                // "6 CONNECTION REQUEST"
  kTransferComplete,                 // "7 TRANSFER COMPLETE"
  kDiagnosticsComplete,              // "8 DIAGNOSTICS COMPLETE"
  kRequestDownload,                  // "9 REQUEST DOWNLOAD"
  kAutonomousTransferComplete,       // "10 AUTONOMOUS TRANSFER COMPLETE"
  kDuStateChangeComplete,            // "11 DU STATE CHANGE COMPLETE"
  kAutonomousDuStateChangeComplete,  // "12 AUTONOMOUS DU STATE CHANGE COMPLETE"
  kWakeup,                           // "13 WAKEUP" (CWMP 1.4)
  kHeartbeat,                        // "14 HEARTBEAT" (A6 Annex O; string from recall)
  kMReboot,                          // "M Reboot"
  kMScheduleInform,                  // "M ScheduleInform"
  kMDownload,                        // "M Download"
  kMScheduleDownload,                // "M ScheduleDownload"
  kMUpload,                          // "M Upload"
  kMChangeDuState,                   // "M ChangeDUState"
  // Codes whose text is the value: the EventStruct keeps the string.
  kVendorMethod,   // "M X_<method>": a vendor RPC
  kVendorEvent,    // "X <OUI> <event>" (schema also allows "X <anything> <event>")
  kOtherNumbered,  // "<digits> <words>" not listed above: a future BBF code
  kOtherMethod,    // "M <method>" not listed above and not "M X_": a future BBF RPC
};

// True when `text` matches cwmp-1-2.xsd EventCodeType: at most 64 characters (UTF-8
// code points) and one of "\d+( \S+)+", "M \S+" (which covers "M X_\S+"),
// "X [0-9A-F]{6} .+" or "X \S+ .+" (which covers the former). "\S" is any character
// but space, tab, CR and LF; "." any but CR and LF. Stricter than XSD in one way:
// "\d" is ASCII 0-9 only. Allocation-free; the encoder calls it for every event.
bool is_valid_event_code(std::string_view text) noexcept;

// The typed value of a code, matched exactly (case-sensitive, as the schema lists
// them); nullopt when is_valid_event_code() is false.
std::optional<EventCode> parse_event_code(std::string_view text) noexcept;

// The wire string of a standard code; "" for the text-valued kinds.
std::string_view to_string(EventCode code) noexcept;

// The RPC the CPE must call, and see answered, before the event counts as
// delivered (the InformResponse alone does not clear it).
enum class FollowUpRpc : std::uint8_t {
  kNone,
  kTransferComplete,                 // 7, M Download, M ScheduleDownload, M Upload
  kAutonomousTransferComplete,       // 10
  kDuStateChangeComplete,            // 11, M ChangeDUState
  kAutonomousDuStateChangeComplete,  // 12
  kRequestDownload,                  // 9
  kKicked,                           // 5
};
std::string_view to_string(FollowUpRpc rpc) noexcept;  // the RPC name, "" for kNone

struct EventPolicy {
  // Multiple (cumulative): one pending instance per triggering RPC, each with its
  // CommandKey. Single: at most one pending, whatever the number of triggers.
  bool multiple = false;
  // Kept (persisted) when the CPE reboots before delivering it.
  bool survives_reboot = false;
  // Dropped when a 0 BOOTSTRAP is raised, as it was meant for the old ACS.
  bool discarded_on_bootstrap = true;
  // Kept for the next attempt when a session fails.
  bool retried_after_failure = true;
  FollowUpRpc follow_up = FollowUpRpc::kNone;
  friend bool operator==(const EventPolicy&, const EventPolicy&) = default;
};

// The policy of a code. Sources (the A6 retention table itself was not available,
// see events.cpp for the per-code reasoning): single/multiple per CWMP-FACTS §4 and
// icwmp; reboot/retry flags per icwmp event.c; the BOOTSTRAP rule per CWMP-FACTS §4.
EventPolicy event_policy(EventCode code) noexcept;

enum class MergeResult : std::uint8_t {
  kAdded,           // appended to the pending list
  kAlreadyPending,  // a single event with the same code was pending: list unchanged
                    // (except for the BOOTSTRAP discard, which happens anyway)
  kInvalid,         // not a valid event code: list unchanged
};

// Adds `raised` to `pending` by the §4 rules:
// - single codes: appended only if no pending event has the same code string (the
//   pending one, and its CommandKey, is kept);
// - multiple codes: always appended, one per occurrence, even with a CommandKey
//   already pending (each triggering RPC reports its own event);
// - raising 0 BOOTSTRAP first drops every pending event whose policy says
//   discarded_on_bootstrap: everything but 0 BOOTSTRAP, 1 BOOT and M Reboot
//   (invalid codes go too). The A6 table behind this is unverified: see events.cpp.
// Order of `pending` is preserved. The 64-per-Inform limit is not enforced here;
// the Inform builder must respect kMaxInformEvents.
MergeResult merge_event(std::vector<EventStruct>& pending, const EventStruct& raised);

// Drops the pending events that do not survive a reboot (and any invalid code).
// Call before raising 1 BOOT after a restart.
void discard_on_reboot(std::vector<EventStruct>& pending);

// Drops the pending events not retried after a failed session (6 CONNECTION
// REQUEST) and any invalid code.
void discard_after_failed_session(std::vector<EventStruct>& pending);

}  // namespace cwmp
