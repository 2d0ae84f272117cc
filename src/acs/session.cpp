#include "acs/session.hpp"

#include <algorithm>
#include <type_traits>

#include "acs/device_id.hpp"
#include "cwmp/faults.hpp"

namespace acs {

namespace {

bool is_cpe_request(const cwmp::Body& body) {
  return std::holds_alternative<cwmp::TransferComplete>(body) ||
         std::holds_alternative<cwmp::AutonomousTransferComplete>(body) ||
         std::holds_alternative<cwmp::GetRPCMethods>(body) ||
         std::holds_alternative<cwmp::RequestDownload>(body) ||
         std::holds_alternative<cwmp::Kicked>(body) ||
         std::holds_alternative<cwmp::DUStateChangeComplete>(body) ||
         std::holds_alternative<cwmp::AutonomousDUStateChangeComplete>(body);
}

// The ACS's answer to a CPE-originated request (A.3.1, A.3.3, A.4.2).
cwmp::Body answer_to(const cwmp::Body& request) {
  return std::visit(
      [](const auto& m) -> cwmp::Body {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, cwmp::TransferComplete>) {
          return cwmp::TransferCompleteResponse{};
        } else if constexpr (std::is_same_v<T, cwmp::AutonomousTransferComplete>) {
          return cwmp::AutonomousTransferCompleteResponse{};
        } else if constexpr (std::is_same_v<T, cwmp::GetRPCMethods>) {
          return cwmp::GetRPCMethodsResponse{{"Inform", "GetRPCMethods", "TransferComplete",
                                              "AutonomousTransferComplete", "RequestDownload",
                                              "Kicked", "DUStateChangeComplete",
                                              "AutonomousDUStateChangeComplete"}};
        } else if constexpr (std::is_same_v<T, cwmp::RequestDownload>) {
          return cwmp::RequestDownloadResponse{};
        } else if constexpr (std::is_same_v<T, cwmp::Kicked>) {
          return cwmp::KickedResponse{m.next};
        } else if constexpr (std::is_same_v<T, cwmp::DUStateChangeComplete>) {
          return cwmp::DUStateChangeCompleteResponse{};
        } else {
          return cwmp::AutonomousDUStateChangeCompleteResponse{};
        }
      },
      request);
}

void merge_into(boost::json::object& into, const boost::json::value& from) {
  if (const auto* o = from.if_object()) {
    for (const auto& [k, v] : *o) into[k] = v;
  }
}

std::string transfer_time(const cwmp::DateTime& t) {
  return cwmp::format_date_time(t);
}

// Download, Upload and ScheduleDownload tasks carry a CommandKey the ACS can find again.
bool is_transfer(TaskType type) {
  return type == TaskType::kDownload || type == TaskType::kUpload ||
         type == TaskType::kScheduleDownload;
}

// Characters a person can read back without confusion: no 0/O, 1/l/I.
constexpr std::string_view kUsernameAlphabet = "23456789abcdefghijkmnpqrstuvwxyz";  // 32
constexpr std::string_view kPasswordAlphabet =
    "23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";  // 56
constexpr std::size_t kUsernameRandomChars = 16;
constexpr std::size_t kPasswordChars = 24;

// `count` characters of `alphabet`, each uniform: bytes at or above the largest multiple
// of the alphabet's size are drawn again (rejection sampling, no modulo bias).
std::string random_text(const RandomBytes& random, std::string_view alphabet, std::size_t count) {
  const std::size_t limit = 256 - 256 % alphabet.size();
  std::string out;
  out.reserve(count);
  std::uint8_t buffer[64];
  while (out.size() < count) {
    random(std::span<std::uint8_t>(buffer, sizeof buffer));
    for (const std::uint8_t b : buffer) {
      if (b >= limit) continue;
      out.push_back(alphabet[b % alphabet.size()]);
      if (out.size() == count) break;
    }
  }
  return out;
}

}  // namespace

CrCredentials make_cr_credentials(const RandomBytes& random) {
  CrCredentials c;
  c.username = "cr-" + random_text(random, kUsernameAlphabet, kUsernameRandomChars);
  c.password = random_text(random, kPasswordAlphabet, kPasswordChars);
  return c;
}

boost::json::object cr_credentials_task(std::string_view root, const CrCredentials& credentials) {
  const std::string prefix = std::string(root) + "ManagementServer.";
  boost::json::array values;
  values.push_back(boost::json::array{boost::json::string(prefix + "ConnectionRequestUsername"),
                                      boost::json::string(credentials.username), "xsd:string"});
  values.push_back(boost::json::array{boost::json::string(prefix + "ConnectionRequestPassword"),
                                      boost::json::string(credentials.password), "xsd:string"});
  return boost::json::object{{"name", "setParameterValues"},
                             {"parameterValues", std::move(values)}};
}

std::string data_model_root(const std::vector<ParameterUpdate>& parameters) {
  static constexpr std::string_view kRoots[] = {"InternetGatewayDevice.", "Device."};
  // The root of ManagementServer (the object being set) wins; else the first root seen.
  std::string first;
  for (const ParameterUpdate& p : parameters) {
    for (const std::string_view root : kRoots) {
      if (!p.path.starts_with(root)) continue;
      if (p.path.compare(root.size(), 17, "ManagementServer.") == 0) return std::string(root);
      if (first.empty()) first = root;
    }
  }
  return first;
}

std::string default_command_key(std::int64_t task_id) {
  return "task-" + std::to_string(task_id);
}

std::string_view to_string(SessionState state) {
  switch (state) {
    case SessionState::kAwaitInform:
      return "await-inform";
    case SessionState::kCpeRequests:
      return "cpe-requests";
    case SessionState::kAcsRequests:
      return "acs-requests";
    case SessionState::kAwaitResponse:
      return "await-response";
    case SessionState::kOver:
      return "over";
  }
  return "unknown";
}

AcsSession::AcsSession(SessionConfig config, std::string remote_address)
    : config_(std::move(config)), remote_address_(std::move(remote_address)) {}

Reply AcsSession::on_post(std::string_view body, Millis now) {
  warnings_.clear();
  if (state_ == SessionState::kOver) return not_cwmp("the session is over");
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    // An empty POST (TR-069 §3.4.1): the CPE has no (more) requests.
    switch (state_) {
      case SessionState::kAwaitInform:
        return not_cwmp("a session must start with an Inform");
      case SessionState::kCpeRequests:
        return ask_for_task({});
      case SessionState::kAwaitResponse: {
        // The CPE dropped the RPC we sent: the task stays "sent" and runs again
        // in the next session; this one ends.
        state_ = SessionState::kOver;
        Reply r;
        r.http_status = 204;
        r.session_over = true;
        return r;
      }
      case SessionState::kAcsRequests:
      case SessionState::kOver:
        break;
    }
    return not_cwmp("unexpected empty POST");
  }

  auto decoded = cwmp::decode(body, config_.limits);
  if (!decoded) {
    const cwmp::Error& e = decoded.error();
    if (state_ == SessionState::kAwaitInform) {
      // Not even an Inform: no session, no envelope a CPE could act on.
      return not_cwmp(std::string(to_string(e.kind)) + ": " + e.message);
    }
    if (state_ == SessionState::kAwaitResponse && e.kind != cwmp::ErrorKind::kMethodNotSupported) {
      // The answer to our RPC is unreadable. A fault may only answer a request
      // (TR-069 §3.5), so fail the task and go on with the next one.
      const cwmp::Body& sent = own_rpc_ ? *own_rpc_ : plan_.rpcs[step_];
      std::string problem =
          "unreadable answer to " + std::string(cwmp::method_name(sent)) + ": " + e.message;
      if (own_rpc_) {
        Reply r = rpc_failed(e.fault_code(cwmp::Side::kAcs), "unreadable answer: " + e.message);
        r.problem = std::move(problem);
        return r;
      }
      Reply r = fail_current_task(
          TaskFault{e.fault_code(cwmp::Side::kAcs), "unreadable answer: " + e.message, {}});
      r.problem = std::move(problem);
      return r;
    }
    return fault_reply(std::nullopt, e.fault_code(cwmp::Side::kAcs), e.message, false);
  }
  warnings_ = std::move(decoded->warnings);
  const cwmp::Envelope& env = decoded->envelope;

  if (state_ == SessionState::kAwaitInform) {
    if (!std::holds_alternative<cwmp::Inform>(env.body)) {
      return not_cwmp("a session must start with an Inform, not " +
                      std::string(cwmp::method_name(env.body)));
    }
    return on_inform(*decoded, now);
  }
  if (std::holds_alternative<cwmp::Inform>(env.body)) {
    return fault_reply(env.header.id, cwmp::fault::kAcsRequestDenied,
                       "Inform is only allowed at the start of a session", false);
  }
  if (is_cpe_request(env.body)) return on_cpe_request(env);
  if (state_ == SessionState::kAwaitResponse) return on_response(env, now);
  return fault_reply(env.header.id, cwmp::fault::kAcsMethodNotSupported,
                     std::string(cwmp::method_name(env.body)) + " is not expected now", false);
}

Reply AcsSession::on_inform(const cwmp::Decoded& decoded, Millis now) {
  const cwmp::Envelope& env = decoded.envelope;
  const auto& inform = std::get<cwmp::Inform>(env.body);
  version_ = env.version;
  if (env.header.supported_cwmp_versions) {
    // CWMP 1.4 negotiation: the highest version both support, or fault 8006.
    auto agreed = cwmp::negotiate_version(
        cwmp::VersionSet::parse(*env.header.supported_cwmp_versions), config_.acs_versions);
    if (!agreed) {
      state_ = SessionState::kOver;
      return fault_reply(env.header.id, cwmp::fault::kAcsVersionIncompatible,
                         "no CWMP version in common", true);
    }
    version_ = *agreed;
    use_cwmp_version_header_ = true;
  }
  device_id_ = make_device_id(inform.device_id);

  InformRecord record;
  record.device_id = device_id_;
  record.device = inform.device_id;
  record.events = inform.event;
  record.remote_address = remote_address_;
  record.received = now;
  record.version = version_;
  record.retry_count = inform.retry_count;
  record.parameters.reserve(inform.parameter_list.size());
  for (const auto& p : inform.parameter_list) {
    ParameterUpdate u;
    u.path = p.name;
    if (!p.value.empty() || !is_hidden_parameter(p.name)) {  // a password reads back as ""
      u.value = p.value;
      u.type = p.type == cwmp::ValueType::kUnspecified ? cwmp::ValueType::kString : p.type;
    }
    record.parameters.push_back(std::move(u));
  }

  cwmp::Header header;
  header.id = env.header.id;
  if (use_cwmp_version_header_) header.use_cwmp_version = std::string(cwmp::to_string(version_));
  Reply r = envelope_reply(std::move(header), cwmp::InformResponse{1});
  // A bootstrap is a device the ACS manages afresh (first contact, factory reset, new ACS
  // URL: TR-069 §3.7.1.5): whatever connection-request credentials it had are not ours.
  std::string root;
  if (config_.per_device_cr_credentials && record.bootstrap()) {
    root = data_model_root(record.parameters);
  }
  r.effects.push_back(RecordInform{std::move(record)});
  if (!root.empty()) r.effects.push_back(QueueCrCredentials{device_id_, std::move(root)});
  state_ = SessionState::kCpeRequests;
  return r;
}

Reply AcsSession::on_cpe_request(const cwmp::Envelope& env) {
  cwmp::Header header;
  header.id = env.header.id;
  Reply r = envelope_reply(std::move(header), answer_to(env.body));
  if (const auto* tc = std::get_if<cwmp::TransferComplete>(&env.body)) {
    CompleteTransfer done{device_id_, tc->command_key, {}, std::nullopt};
    done.outcome["faultCode"] = tc->fault_struct.fault_code;
    done.outcome["faultString"] = tc->fault_struct.fault_string;
    done.outcome["startTime"] = transfer_time(tc->start_time);
    done.outcome["completeTime"] = transfer_time(tc->complete_time);
    if (tc->fault_struct.fault_code != 0) {
      done.fault = TaskFault{tc->fault_struct.fault_code, tc->fault_struct.fault_string, {}};
    }
    r.effects.push_back(std::move(done));
  } else if (!std::holds_alternative<cwmp::GetRPCMethods>(env.body)) {
    r.effects.push_back(RecordCpeRequest{device_id_, env.body});
  }
  return r;
}

Reply AcsSession::on_response(const cwmp::Envelope& env, Millis now) {
  (void)now;
  if (own_rpc_) return on_rpc_answer(env.body);
  const Task& task = *task_;
  if (const auto* fault = std::get_if<cwmp::Fault>(&env.body)) {
    return fail_current_task(fault_of(*fault));
  }
  auto outcome = task_outcome(plan_.rpcs[step_], env.body);
  if (!outcome) {
    return fail_current_task(
        TaskFault{cwmp::fault::kAcsInvalidArguments, outcome.error().message, {}});
  }
  if (task.type == TaskType::kRefreshObject) {
    if (step_ == 0) return on_refresh_names(std::move(outcome.value()));
    // Value batches: the result counts what was refreshed rather than listing it all.
    refresh_values_ += outcome->learned.size();
    partial_result_["values"] = refresh_values_;
  } else {
    merge_into(partial_result_, outcome->result);
  }
  std::vector<Effect> effects;
  if (++step_ < plan_.rpcs.size()) {
    effects.push_back(RecordParameters{device_id_, std::move(outcome->learned),
                                       std::move(outcome->removed_prefixes)});
    Reply r = send_current_rpc();
    r.effects.insert(r.effects.begin(), std::make_move_iterator(effects.begin()),
                     std::make_move_iterator(effects.end()));
    return r;
  }
  effects.push_back(CompleteTask{task.id, std::move(partial_result_), std::move(outcome->learned),
                                 std::move(outcome->removed_prefixes)});
  partial_result_ = {};
  task_.reset();
  return ask_for_task(std::move(effects));
}

// refreshObject learned the subtree's names: what was stored under it and is not named any
// more is gone; the values follow in batches of refresh_batch names.
Reply AcsSession::on_refresh_names(Outcome outcome) {
  const std::string& path = std::get<cwmp::GetParameterNames>(plan_.rpcs[0]).parameter_path;
  std::vector<std::string> leaves;
  for (const ParameterUpdate& u : outcome.learned) {
    if (!u.path.empty() && u.path.back() != '.') leaves.push_back(u.path);
  }
  partial_result_["names"] = outcome.learned.size();
  partial_result_["values"] = 0;
  refresh_values_ = 0;
  std::vector<std::string> removed;
  if (!path.empty()) {
    removed.push_back(path);
  } else {
    // The whole data model: each root it names ("Device.") is replaced.
    for (const ParameterUpdate& u : outcome.learned) {
      const std::string root = u.path.substr(0, u.path.find('.') + 1);
      if (root.size() > 1 && std::find(removed.begin(), removed.end(), root) == removed.end()) {
        removed.push_back(root);
      }
    }
  }
  std::vector<Effect> effects;
  plan_.rpcs.resize(1);
  const std::size_t batch = std::max<std::size_t>(1, config_.refresh_batch);
  for (std::size_t i = 0; i < leaves.size(); i += batch) {
    const auto end =
        leaves.begin() + static_cast<std::ptrdiff_t>(std::min(leaves.size(), i + batch));
    plan_.rpcs.push_back(cwmp::GetParameterValues{
        std::vector<std::string>(leaves.begin() + static_cast<std::ptrdiff_t>(i), end)});
  }
  if (plan_.rpcs.size() == 1) {
    effects.push_back(CompleteTask{task_->id, std::move(partial_result_),
                                   std::move(outcome.learned), std::move(removed)});
    partial_result_ = {};
    task_.reset();
    return ask_for_task(std::move(effects));
  }
  effects.push_back(RecordParameters{device_id_, std::move(outcome.learned), std::move(removed)});
  ++step_;
  Reply r = send_current_rpc();
  r.effects.insert(r.effects.begin(), std::make_move_iterator(effects.begin()),
                   std::make_move_iterator(effects.end()));
  return r;
}

Reply AcsSession::next_task(std::optional<Task> task, Millis now) {
  (void)now;
  if (state_ != SessionState::kAcsRequests) return not_cwmp("no task was asked for");
  if (!task) {
    // Nothing more to ask: an empty response ends the session (TR-069 §3.7.1.4).
    state_ = SessionState::kOver;
    Reply r;
    r.http_status = 204;
    r.session_over = true;
    return r;
  }
  if (is_transfer(task->type) && !task->args.contains("commandKey")) {
    task->args["commandKey"] = default_command_key(task->id);
  }
  auto plan = plan_task(task->type, task->args);
  if (!plan) {
    // A stored task that no longer builds (e.g. written by an older version):
    // fail it and move on to the next one.
    std::vector<Effect> effects;
    effects.push_back(
        FailTask{task->id, TaskFault{cwmp::fault::kAcsInvalidArguments, plan.error().message, {}}});
    return ask_for_task(std::move(effects));
  }
  task_ = std::move(task);
  plan_ = std::move(plan.value());
  step_ = 0;
  partial_result_ = {};
  return send_current_rpc();
}

Reply AcsSession::send_rpc(cwmp::Body rpc) {
  if (state_ != SessionState::kAcsRequests) return not_cwmp("no task was asked for");
  if (cwmp::introduced_in(rpc) > version_) {
    Reply r = ask_for_task({});
    r.rpc_answer =
        cwmp::Fault::make(cwmp::fault::kAcsRequestDenied,
                          std::string(cwmp::method_name(rpc)) + " does not exist in CWMP " +
                              std::string(cwmp::to_string(version_)));
    return r;
  }
  cwmp::Header header;
  header.id = std::to_string(next_id_++);
  Reply r = envelope_reply(std::move(header), rpc);
  if (r.http_status != 200) return r;
  own_rpc_ = std::move(rpc);
  state_ = SessionState::kAwaitResponse;
  return r;
}

// The answer to the caller's own RPC: handed back as it is, with what it says about the
// device's parameters to store (the same learning as a task's).
Reply AcsSession::on_rpc_answer(cwmp::Body answer) {
  if (std::holds_alternative<cwmp::Fault>(answer)) {
    own_rpc_.reset();
    Reply r = ask_for_task({});
    r.rpc_answer = std::move(answer);
    return r;
  }
  auto outcome = task_outcome(*own_rpc_, answer);
  if (!outcome) return rpc_failed(cwmp::fault::kAcsInvalidArguments, outcome.error().message);
  own_rpc_.reset();
  std::vector<Effect> effects;
  if (!outcome->learned.empty() || !outcome->removed_prefixes.empty()) {
    effects.push_back(RecordParameters{device_id_, std::move(outcome->learned),
                                       std::move(outcome->removed_prefixes)});
  }
  Reply r = ask_for_task(std::move(effects));
  r.rpc_answer = std::move(answer);
  return r;
}

Reply AcsSession::rpc_failed(std::uint32_t code, std::string message) {
  own_rpc_.reset();
  Reply r = ask_for_task({});
  r.rpc_answer = cwmp::Fault::make(code, std::move(message));
  return r;
}

Reply AcsSession::send_current_rpc() {
  const cwmp::Body& rpc = plan_.rpcs[step_];
  if (cwmp::introduced_in(rpc) > version_) {
    return fail_current_task(
        TaskFault{cwmp::fault::kAcsRequestDenied,
                  std::string(cwmp::method_name(rpc)) + " does not exist in CWMP " +
                      std::string(cwmp::to_string(version_)) + ", the version of this session",
                  {}});
  }
  cwmp::Header header;
  header.id = std::to_string(next_id_++);
  const std::int64_t task_id = task_->id;
  Reply r = envelope_reply(std::move(header), rpc);
  if (r.http_status != 200) return r;
  if (step_ == 0) r.effects.push_back(MarkTaskSent{task_id});
  state_ = SessionState::kAwaitResponse;
  return r;
}

Reply AcsSession::fail_current_task(TaskFault fault) {
  std::vector<Effect> effects;
  effects.push_back(FailTask{task_->id, std::move(fault)});
  task_.reset();
  partial_result_ = {};
  return ask_for_task(std::move(effects));
}

Reply AcsSession::ask_for_task(std::vector<Effect> effects) {
  state_ = SessionState::kAcsRequests;
  Reply r;
  r.need_task = true;
  r.effects = std::move(effects);
  return r;
}

Reply AcsSession::fault_reply(const std::optional<std::string>& id, std::uint32_t code,
                              std::string message, bool end) {
  cwmp::Header header;
  header.id = id;
  std::string problem = "answered with fault " + std::to_string(code) + ": " + message;
  Reply r = envelope_reply(std::move(header), cwmp::Fault::make(code, std::move(message)));
  r.problem = std::move(problem);
  if (end) {
    r.session_over = true;
    state_ = SessionState::kOver;
  }
  return r;
}

Reply AcsSession::envelope_reply(cwmp::Header header, cwmp::Body body) {
  Reply r;
  cwmp::Envelope env{version_, std::move(header), std::move(body)};
  auto encoded = cwmp::encode(env);
  if (!encoded) {
    // Only reachable through a bug (tasks are validated when planned).
    r.http_status = 500;
    r.session_over = true;
    state_ = SessionState::kOver;
    r.body = encoded.error().message;
    return r;
  }
  r.body = std::move(encoded.value());
  return r;
}

Reply AcsSession::not_cwmp(std::string why) {
  state_ = SessionState::kOver;
  Reply r;
  r.http_status = 400;
  r.body = std::move(why);
  r.session_over = true;
  return r;
}

}  // namespace acs
