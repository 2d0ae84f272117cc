// One CWMP session on the ACS side, as a state machine without I/O (TR-069
// §3.7; CWMP-FACTS §1.4). The HTTP layer feeds it each POST body; it answers
// with what to send back and the store effects to apply first. It never
// touches a socket, a clock or the store: time comes in, effects go out.
//
//   await Inform --Inform--> CPE requests --empty POST--> ACS requests <-> await response
//                                                              |
//                                                    no task: 204, session over
//
// Effects must be applied, in order, before the reply is sent: that is how
// "the Inform's events are stored before the InformResponse goes out" holds.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "acs/model.hpp"
#include "acs/task_rpc.hpp"
#include "cwmp/codec.hpp"
#include "cwmp/version.hpp"

namespace acs {

struct SessionConfig {
  cwmp::VersionSet acs_versions = cwmp::VersionSet::all();
  cwmp::Limits limits;
  // refreshObject asks the values of at most this many parameters per GetParameterValues,
  // so that a huge data model never becomes one huge response.
  std::size_t refresh_batch = 256;
  // On 0 BOOTSTRAP, give the device connection-request credentials of its own
  // (QueueCrCredentials effect; docs/connection-requests.md). Off in the library,
  // on in cwmp-acs (--cr-credentials per-device).
  bool per_device_cr_credentials = false;
};

// --- effects -----------------------------------------------------------------
struct RecordInform {
  InformRecord record;
};
struct MarkTaskSent {
  std::int64_t task_id;
};
struct RecordParameters {  // a multi-RPC task learned something, not finished yet
  std::string device_id;
  std::vector<ParameterUpdate> learned;
  std::vector<std::string> removed_prefixes;
};
struct CompleteTask {
  std::int64_t task_id;
  boost::json::value result;
  std::vector<ParameterUpdate> learned;
  std::vector<std::string> removed_prefixes;
};
struct FailTask {
  std::int64_t task_id;
  TaskFault fault;
};
// A TransferComplete (TR-069 A.3.3.2): ends the Download/Upload task with that CommandKey.
struct CompleteTransfer {
  std::string device_id;
  std::string command_key;
  boost::json::object outcome;     // {"faultCode", "faultString", "startTime", "completeTime"}
  std::optional<TaskFault> fault;  // when FaultCode is not 0
};
// Another CPE-originated request worth keeping (AutonomousTransferComplete,
// RequestDownload, Kicked, DUStateChangeComplete, AutonomousDUStateChangeComplete).
struct RecordCpeRequest {
  std::string device_id;
  cwmp::Body request;
};
// A 0 BOOTSTRAP Inform with per_device_cr_credentials on: the device gets random
// connection-request credentials of its own. The caller generates them
// (make_cr_credentials), queues cr_credentials_task() as a setParameterValues task and
// hands it to next_task() before any other task of this session, so that it is recorded
// (done or fault) like an operator's task.
struct QueueCrCredentials {
  std::string device_id;
  std::string root;  // "Device." (TR-181) or "InternetGatewayDevice." (TR-098)
};
using Effect = std::variant<RecordInform, MarkTaskSent, RecordParameters, CompleteTask, FailTask,
                            CompleteTransfer, RecordCpeRequest, QueueCrCredentials>;

// --- per-device connection-request credentials -------------------------------
struct CrCredentials {
  std::string username;
  std::string password;
};
// Fills the span with cryptographically secure random bytes (RAND_bytes in the ACS).
using RandomBytes = std::function<void(std::span<std::uint8_t>)>;
// "cr-" + 16 characters (80 bits) and a 24-character password (~139 bits), drawn without
// bias from alphabets without look-alike characters (no 0/O, 1/l/I).
CrCredentials make_cr_credentials(const RandomBytes& random);
// The setParameterValues arguments (GenieACS shape) that set them under `root`.
boost::json::object cr_credentials_task(std::string_view root, const CrCredentials& credentials);
// The data-model root an Inform's parameters use ("Device." or "InternetGatewayDevice."),
// "" when they show neither.
std::string data_model_root(const std::vector<ParameterUpdate>& parameters);

// The CommandKey the ACS gives a transfer task posted without one, so that its
// TransferComplete finds it ("task-<id>").
std::string default_command_key(std::int64_t task_id);

// --- replies -----------------------------------------------------------------
struct Reply {
  unsigned http_status = 200;  // 200 with an envelope, 204 empty, 400 not CWMP
  std::string body;            // the envelope (empty for 204/400 without one)
  std::vector<Effect> effects;
  bool session_over = false;  // after sending this, forget the session
  bool need_task = false;     // call next_task() with the device's next task to get the reply
  std::string problem;        // what was wrong with the CPE's message, for the log ("" = nothing)
  // The CPE's answer to an RPC sent with send_rpc(): its response, or a cwmp::Fault (the
  // CPE's, or one standing for an unreadable or mismatched answer). Comes with need_task.
  std::optional<cwmp::Body> rpc_answer;
};

enum class SessionState : std::uint8_t {
  kAwaitInform,
  kCpeRequests,
  kAcsRequests,    // waiting for the caller to supply the next task
  kAwaitResponse,  // an RPC is out
  kOver,
};

std::string_view to_string(SessionState state);

class AcsSession {
 public:
  AcsSession(SessionConfig config, std::string remote_address);

  // An HTTP POST of this session arrived. `body` is the (decompressed) body;
  // empty means an empty POST.
  Reply on_post(std::string_view body, Millis now);
  // After a Reply with need_task: the device's next task, or nullopt when none.
  Reply next_task(std::optional<Task> task, Millis now);
  // After a Reply with need_task, instead of a task: one RPC of the caller's own (the preset
  // engine's). Its answer comes back in Reply::rpc_answer, with what it taught about the
  // device's parameters as a RecordParameters effect, and need_task set again.
  Reply send_rpc(cwmp::Body rpc);

  SessionState state() const { return state_; }
  const std::string& device_id() const { return device_id_; }
  cwmp::CwmpVersion version() const { return version_; }
  // The decoder's warnings for the last POST (for the log).
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  Reply on_inform(const cwmp::Decoded& decoded, Millis now);
  Reply on_cpe_request(const cwmp::Envelope& env);
  Reply on_response(const cwmp::Envelope& env, Millis now);
  Reply on_refresh_names(Outcome outcome);
  Reply on_rpc_answer(cwmp::Body answer);
  Reply rpc_failed(std::uint32_t code, std::string message);
  Reply send_current_rpc();
  Reply ask_for_task(std::vector<Effect> effects);
  Reply fail_current_task(TaskFault fault);
  Reply fault_reply(const std::optional<std::string>& id, std::uint32_t code, std::string message,
                    bool end);
  Reply envelope_reply(cwmp::Header header, cwmp::Body body);
  Reply not_cwmp(std::string why);

  SessionConfig config_;
  std::string remote_address_;
  SessionState state_ = SessionState::kAwaitInform;
  cwmp::CwmpVersion version_ = cwmp::CwmpVersion::k1_2;
  bool use_cwmp_version_header_ = false;
  std::string device_id_;
  std::vector<std::string> warnings_;
  std::uint64_t next_id_ = 1;  // cwmp:ID of the RPCs we send

  // The task in progress and where its plan stands.
  std::optional<Task> task_;
  TaskPlan plan_;
  std::size_t step_ = 0;
  boost::json::object partial_result_;
  std::size_t refresh_values_ = 0;  // refreshObject: values learned so far
  // The caller's RPC that is out (send_rpc), when no task is.
  std::optional<cwmp::Body> own_rpc_;
};

}  // namespace acs
