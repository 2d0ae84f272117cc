// Tests of the Inform event-code table and the pending-event rules (cwmp/events.hpp).
#include "cwmp/events.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "cwmp/messages.hpp"

namespace cwmp {
namespace {

static_assert(noexcept(is_valid_event_code(std::string_view())));

// Expected properties of every standard code (CWMP-FACTS §4; retention per icwmp).
struct Expected {
  EventCode code;
  std::string_view text;
  bool multiple;
  bool survives_reboot;
  bool discarded_on_bootstrap;
  bool retried_after_failure;
  FollowUpRpc follow_up;
};

constexpr Expected kStandard[] = {
    {EventCode::kBootstrap, "0 BOOTSTRAP", false, true, false, true, FollowUpRpc::kNone},
    {EventCode::kBoot, "1 BOOT", false, false, false, true, FollowUpRpc::kNone},
    {EventCode::kPeriodic, "2 PERIODIC", false, true, true, true, FollowUpRpc::kNone},
    {EventCode::kScheduled, "3 SCHEDULED", false, true, true, true, FollowUpRpc::kNone},
    {EventCode::kValueChange, "4 VALUE CHANGE", false, false, true, true, FollowUpRpc::kNone},
    {EventCode::kKicked, "5 KICKED", false, true, true, true, FollowUpRpc::kKicked},
    {EventCode::kConnectionRequest, "6 CONNECTION REQUEST", false, false, true, false,
     FollowUpRpc::kNone},
    {EventCode::kTransferComplete, "7 TRANSFER COMPLETE", false, true, true, true,
     FollowUpRpc::kTransferComplete},
    {EventCode::kDiagnosticsComplete, "8 DIAGNOSTICS COMPLETE", false, false, true, true,
     FollowUpRpc::kNone},
    {EventCode::kRequestDownload, "9 REQUEST DOWNLOAD", false, true, true, true,
     FollowUpRpc::kRequestDownload},
    {EventCode::kAutonomousTransferComplete, "10 AUTONOMOUS TRANSFER COMPLETE", false, true, true,
     true, FollowUpRpc::kAutonomousTransferComplete},
    {EventCode::kDuStateChangeComplete, "11 DU STATE CHANGE COMPLETE", false, true, true, true,
     FollowUpRpc::kDuStateChangeComplete},
    {EventCode::kAutonomousDuStateChangeComplete, "12 AUTONOMOUS DU STATE CHANGE COMPLETE", false,
     true, true, true, FollowUpRpc::kAutonomousDuStateChangeComplete},
    {EventCode::kWakeup, "13 WAKEUP", false, true, true, true, FollowUpRpc::kNone},
    {EventCode::kHeartbeat, "14 HEARTBEAT", false, true, true, true, FollowUpRpc::kNone},
    {EventCode::kMReboot, "M Reboot", true, true, false, true, FollowUpRpc::kNone},
    {EventCode::kMScheduleInform, "M ScheduleInform", true, true, true, true, FollowUpRpc::kNone},
    {EventCode::kMDownload, "M Download", true, true, true, true, FollowUpRpc::kTransferComplete},
    {EventCode::kMScheduleDownload, "M ScheduleDownload", true, true, true, true,
     FollowUpRpc::kTransferComplete},
    {EventCode::kMUpload, "M Upload", true, true, true, true, FollowUpRpc::kTransferComplete},
    {EventCode::kMChangeDuState, "M ChangeDUState", true, true, true, true,
     FollowUpRpc::kDuStateChangeComplete},
};

EventStruct ev(std::string code, std::string key = "") {
  return EventStruct{std::move(code), std::move(key)};
}

std::vector<std::string> codes_of(const std::vector<EventStruct>& events) {
  std::vector<std::string> out;
  for (const EventStruct& e : events) out.push_back(e.event_code);
  return out;
}

TEST(EventsTest, StandardCodesRoundTrip) {
  for (const Expected& e : kStandard) {
    SCOPED_TRACE(e.text);
    EXPECT_TRUE(is_valid_event_code(e.text));
    EXPECT_EQ(parse_event_code(e.text), e.code);
    EXPECT_EQ(to_string(e.code), e.text);
  }
}

TEST(EventsTest, StandardCodePolicies) {
  for (const Expected& e : kStandard) {
    SCOPED_TRACE(e.text);
    const EventPolicy policy = event_policy(e.code);
    EXPECT_EQ(policy.multiple, e.multiple);
    EXPECT_EQ(policy.survives_reboot, e.survives_reboot);
    EXPECT_EQ(policy.discarded_on_bootstrap, e.discarded_on_bootstrap);
    EXPECT_EQ(policy.retried_after_failure, e.retried_after_failure);
    EXPECT_EQ(policy.follow_up, e.follow_up);
  }
}

TEST(EventsTest, NumberedCodesAreSingleAndMethodCodesMultiple) {
  // §4: icwmp marks every numbered code SINGLE and every M code MULTIPLE.
  for (const Expected& e : kStandard) {
    SCOPED_TRACE(e.text);
    EXPECT_EQ(event_policy(e.code).multiple, e.text.starts_with("M "));
  }
}

TEST(EventsTest, OnlyConnectionRequestIsNotRetried) {
  for (const Expected& e : kStandard) {
    SCOPED_TRACE(e.text);
    EXPECT_EQ(event_policy(e.code).retried_after_failure, e.code != EventCode::kConnectionRequest);
  }
}

TEST(EventsTest, BootstrapIsNeverDiscarded) {
  const EventPolicy policy = event_policy(EventCode::kBootstrap);
  EXPECT_TRUE(policy.survives_reboot);
  EXPECT_TRUE(policy.retried_after_failure);
  EXPECT_FALSE(policy.discarded_on_bootstrap);
}

TEST(EventsTest, TextValuedKinds) {
  EXPECT_EQ(parse_event_code("M X_ACME_Reset"), EventCode::kVendorMethod);
  EXPECT_EQ(parse_event_code("X 00256D FirmwareStaged"), EventCode::kVendorEvent);
  EXPECT_EQ(parse_event_code("X ACME.COM Something happened"), EventCode::kVendorEvent);
  EXPECT_EQ(parse_event_code("15 SOMETHING NEW"), EventCode::kOtherNumbered);
  EXPECT_EQ(parse_event_code("M FutureMethod"), EventCode::kOtherMethod);
  // "M X_" has no method name: valid only as "M \S+".
  EXPECT_EQ(parse_event_code("M X_"), EventCode::kOtherMethod);
  // Matching is exact: a differently spelled standard code is kept as text.
  EXPECT_EQ(parse_event_code("1 Boot"), EventCode::kOtherNumbered);
  EXPECT_EQ(parse_event_code("M reboot"), EventCode::kOtherMethod);
  EXPECT_EQ(parse_event_code("01 BOOT"), EventCode::kOtherNumbered);

  for (EventCode code : {EventCode::kVendorMethod, EventCode::kVendorEvent,
                         EventCode::kOtherNumbered, EventCode::kOtherMethod}) {
    EXPECT_EQ(to_string(code), "");
  }
}

TEST(EventsTest, TextValuedPolicies) {
  EXPECT_TRUE(event_policy(EventCode::kVendorMethod).multiple);
  EXPECT_TRUE(event_policy(EventCode::kOtherMethod).multiple);
  EXPECT_TRUE(event_policy(EventCode::kVendorMethod).survives_reboot);
  EXPECT_FALSE(event_policy(EventCode::kVendorEvent).multiple);
  EXPECT_FALSE(event_policy(EventCode::kOtherNumbered).multiple);
  for (EventCode code : {EventCode::kVendorMethod, EventCode::kVendorEvent,
                         EventCode::kOtherNumbered, EventCode::kOtherMethod}) {
    EXPECT_TRUE(event_policy(code).discarded_on_bootstrap);
    EXPECT_TRUE(event_policy(code).retried_after_failure);
    EXPECT_EQ(event_policy(code).follow_up, FollowUpRpc::kNone);
  }
}

TEST(EventsTest, FollowUpRpcNames) {
  EXPECT_EQ(to_string(FollowUpRpc::kNone), "");
  EXPECT_EQ(to_string(FollowUpRpc::kTransferComplete), "TransferComplete");
  EXPECT_EQ(to_string(FollowUpRpc::kAutonomousTransferComplete), "AutonomousTransferComplete");
  EXPECT_EQ(to_string(FollowUpRpc::kDuStateChangeComplete), "DUStateChangeComplete");
  EXPECT_EQ(to_string(FollowUpRpc::kAutonomousDuStateChangeComplete),
            "AutonomousDUStateChangeComplete");
  EXPECT_EQ(to_string(FollowUpRpc::kRequestDownload), "RequestDownload");
  EXPECT_EQ(to_string(FollowUpRpc::kKicked), "Kicked");
}

TEST(EventsTest, ValidatorAcceptsTheSchemaPatterns) {
  const std::string_view valid[] = {
      "0 BOOTSTRAP",
      "12 AUTONOMOUS DU STATE CHANGE COMPLETE",
      "99 X",
      "007 LEADING ZEROS",  // \d+ allows them
      "1 2 3",
      "1 B\xC3\x96OT",  // \S is any non-space character
      "M Reboot",
      "M X_ACME_Reset",
      "M X_",
      "M !",
      "X 00256D Foo",
      "X 00256D Foo bar  baz",  // ".+" takes spaces ...
      "X 00256D \tTabbed",      // ... and tabs
      "X acme.com lower case",  // "X \S+ .+": any vendor word
      "X 00256D  ",             // ".+" may be just a space
  };
  for (std::string_view code : valid) {
    SCOPED_TRACE(code);
    EXPECT_TRUE(is_valid_event_code(code));
    EXPECT_TRUE(parse_event_code(code).has_value());
  }
}

TEST(EventsTest, ValidatorRejectsWhatTheSchemaRejects) {
  const std::string_view invalid[] = {
      "",
      "BOOT",
      "1",
      "1 ",
      "1  BOOT",
      "1 BOOT ",
      " 1 BOOT",
      "1\tBOOT",
      "1 BO\tOT",
      "1 BOOT\n",
      "1_BOOT",
      "M",
      "M ",
      "M Re boot",
      "MReboot",
      "M\tReboot",
      "M Reboot ",
      "m Reboot",
      "X",
      "X ",
      "X 00256D",
      "X 00256D ",
      "X  Foo",
      "X 00256D\tFoo",
      "X 00256D Foo\nBar",
      "X 00256D Foo\r",
      "x 00256D Foo",
      "Z 1",
      "\xD9\xA1 BOOT",  // ARABIC-INDIC DIGIT ONE: XSD \d would take it; we keep to ASCII
  };
  for (std::string_view code : invalid) {
    SCOPED_TRACE(testing::PrintToString(std::string(code)));
    EXPECT_FALSE(is_valid_event_code(code));
    EXPECT_FALSE(parse_event_code(code).has_value());
  }
}

TEST(EventsTest, ValidatorCountsCharactersNotBytes) {
  const std::string ascii64 = "1 " + std::string(62, 'A');
  EXPECT_TRUE(is_valid_event_code(ascii64));
  EXPECT_FALSE(is_valid_event_code(ascii64 + "A"));

  // 2 + 62 two-byte characters: 126 bytes but 64 characters.
  std::string wide64 = "1 ";
  for (int i = 0; i < 62; ++i) wide64 += "\xC3\x96";
  EXPECT_EQ(wide64.size(), 126u);
  EXPECT_TRUE(is_valid_event_code(wide64));
  EXPECT_FALSE(is_valid_event_code(wide64 + "\xC3\x96"));

  const std::string vendor65 = "X 00256D " + std::string(56, 'e');
  EXPECT_EQ(vendor65.size(), 65u);
  EXPECT_FALSE(is_valid_event_code(vendor65));
  EXPECT_TRUE(is_valid_event_code(vendor65.substr(0, 64)));
}

TEST(EventsTest, MergeSingleEventsAtMostOnce) {
  std::vector<EventStruct> pending;
  EXPECT_EQ(merge_event(pending, ev("2 PERIODIC")), MergeResult::kAdded);
  EXPECT_EQ(merge_event(pending, ev("4 VALUE CHANGE")), MergeResult::kAdded);
  EXPECT_EQ(merge_event(pending, ev("2 PERIODIC")), MergeResult::kAlreadyPending);
  EXPECT_EQ(merge_event(pending, ev("4 VALUE CHANGE")), MergeResult::kAlreadyPending);
  EXPECT_EQ(codes_of(pending), (std::vector<std::string>{"2 PERIODIC", "4 VALUE CHANGE"}));
}

TEST(EventsTest, MergeSingleKeepsThePendingCommandKey) {
  std::vector<EventStruct> pending{ev("6 CONNECTION REQUEST", "first")};
  EXPECT_EQ(merge_event(pending, ev("6 CONNECTION REQUEST", "second")),
            MergeResult::kAlreadyPending);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].command_key, "first");
}

TEST(EventsTest, MergeMultipleEventsOncePerOccurrence) {
  std::vector<EventStruct> pending;
  EXPECT_EQ(merge_event(pending, ev("7 TRANSFER COMPLETE")), MergeResult::kAdded);
  EXPECT_EQ(merge_event(pending, ev("M Download", "fw-1")), MergeResult::kAdded);
  EXPECT_EQ(merge_event(pending, ev("7 TRANSFER COMPLETE")), MergeResult::kAlreadyPending);
  EXPECT_EQ(merge_event(pending, ev("M Download", "cfg-2")), MergeResult::kAdded);
  // A second RPC with the same CommandKey is a second occurrence.
  EXPECT_EQ(merge_event(pending, ev("M Download", "fw-1")), MergeResult::kAdded);
  EXPECT_EQ(merge_event(pending, ev("M X_ACME_Reset", "r")), MergeResult::kAdded);
  EXPECT_EQ(merge_event(pending, ev("M X_ACME_Reset", "r")), MergeResult::kAdded);
  EXPECT_EQ(pending,
            (std::vector<EventStruct>{ev("7 TRANSFER COMPLETE"), ev("M Download", "fw-1"),
                                      ev("M Download", "cfg-2"), ev("M Download", "fw-1"),
                                      ev("M X_ACME_Reset", "r"), ev("M X_ACME_Reset", "r")}));
}

TEST(EventsTest, MergeVendorEventsBySameText) {
  std::vector<EventStruct> pending;
  EXPECT_EQ(merge_event(pending, ev("X 00256D Overheat")), MergeResult::kAdded);
  EXPECT_EQ(merge_event(pending, ev("X 00256D Overheat")), MergeResult::kAlreadyPending);
  EXPECT_EQ(merge_event(pending, ev("X 00256D Fan failure")), MergeResult::kAdded);
  EXPECT_EQ(merge_event(pending, ev("15 FUTURE")), MergeResult::kAdded);
  EXPECT_EQ(merge_event(pending, ev("15 FUTURE")), MergeResult::kAlreadyPending);
  EXPECT_EQ(pending.size(), 3u);
}

TEST(EventsTest, MergeRejectsInvalidCodes) {
  std::vector<EventStruct> pending{ev("1 BOOT")};
  EXPECT_EQ(merge_event(pending, ev("BOOT")), MergeResult::kInvalid);
  EXPECT_EQ(merge_event(pending, ev("")), MergeResult::kInvalid);
  EXPECT_EQ(merge_event(pending, ev("M ")), MergeResult::kInvalid);
  EXPECT_EQ(pending, std::vector<EventStruct>{ev("1 BOOT")});
}

TEST(EventsTest, BootstrapDropsEventsMeantForTheOldAcs) {
  std::vector<EventStruct> pending{
      ev("1 BOOT"),
      ev("M Reboot", "rb"),
      ev("2 PERIODIC"),
      ev("4 VALUE CHANGE"),
      ev("7 TRANSFER COMPLETE"),
      ev("M Download", "dl"),
      ev("M ScheduleInform", "si"),
      ev("3 SCHEDULED"),
      ev("6 CONNECTION REQUEST"),
      ev("X 00256D Overheat"),
      ev("M X_ACME_Reset", "r"),
      ev("not a code"),
  };
  EXPECT_EQ(merge_event(pending, ev("0 BOOTSTRAP")), MergeResult::kAdded);
  EXPECT_EQ(pending,
            (std::vector<EventStruct>{ev("1 BOOT"), ev("M Reboot", "rb"), ev("0 BOOTSTRAP")}));
}

TEST(EventsTest, BootstrapAgainStillDropsEventsRaisedSince) {
  std::vector<EventStruct> pending;
  EXPECT_EQ(merge_event(pending, ev("0 BOOTSTRAP")), MergeResult::kAdded);
  EXPECT_EQ(merge_event(pending, ev("1 BOOT")), MergeResult::kAdded);
  // Raised after the bootstrap: meant for the new ACS, so it is kept ...
  EXPECT_EQ(merge_event(pending, ev("6 CONNECTION REQUEST")), MergeResult::kAdded);
  EXPECT_EQ(codes_of(pending),
            (std::vector<std::string>{"0 BOOTSTRAP", "1 BOOT", "6 CONNECTION REQUEST"}));
  // ... until the ACS URL changes once more.
  EXPECT_EQ(merge_event(pending, ev("0 BOOTSTRAP")), MergeResult::kAlreadyPending);
  EXPECT_EQ(codes_of(pending), (std::vector<std::string>{"0 BOOTSTRAP", "1 BOOT"}));
}

TEST(EventsTest, DiscardOnRebootKeepsOnlyPersistentEvents) {
  std::vector<EventStruct> pending;
  for (const Expected& e : kStandard) pending.push_back(ev(std::string(e.text)));
  pending.push_back(ev("M X_ACME_Reset"));
  pending.push_back(ev("X 00256D Overheat"));
  pending.push_back(ev("bogus"));
  discard_on_reboot(pending);

  std::vector<std::string> expected;
  for (const Expected& e : kStandard) {
    if (e.survives_reboot) expected.emplace_back(e.text);
  }
  expected.emplace_back("M X_ACME_Reset");
  EXPECT_EQ(codes_of(pending), expected);
  // The four icwmp does not keep are gone.
  for (std::string_view gone :
       {"1 BOOT", "4 VALUE CHANGE", "6 CONNECTION REQUEST", "8 DIAGNOSTICS COMPLETE"}) {
    for (const EventStruct& e : pending) EXPECT_NE(e.event_code, gone);
  }
}

TEST(EventsTest, DiscardAfterFailedSessionDropsOnlyConnectionRequest) {
  std::vector<EventStruct> pending{ev("1 BOOT"), ev("6 CONNECTION REQUEST"), ev("4 VALUE CHANGE"),
                                   ev("M Reboot", "k"), ev("???")};
  discard_after_failed_session(pending);
  EXPECT_EQ(pending,
            (std::vector<EventStruct>{ev("1 BOOT"), ev("4 VALUE CHANGE"), ev("M Reboot", "k")}));
}

}  // namespace
}  // namespace cwmp
