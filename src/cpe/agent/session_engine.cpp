// The CPE side of one CWMP session: see session_engine.hpp.
#include "cpe/agent/session_engine.hpp"

#include <algorithm>
#include <utility>

#include "cpe/agent/http_support.hpp"
#include "cwmp/faults.hpp"

namespace cpe::agent {

namespace {

bool is_blank(std::string_view body) {
  return body.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

bool is_redirect(unsigned status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// The errors for which we can tell the ACS what was wrong with its request (TR-069 §3.5: an
// unknown method MUST get 9000). Anything else is not a request we could answer at all.
bool answerable(const cwmp::Error& error) {
  switch (error.kind) {
    case cwmp::ErrorKind::kMethodNotSupported:
    case cwmp::ErrorKind::kInvalidArguments:
    case cwmp::ErrorKind::kResourcesExceeded:
    case cwmp::ErrorKind::kMustUnderstand:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string describe(const cwmp::Body& body) {
  if (const auto* f = std::get_if<cwmp::Fault>(&body)) return "Fault " + std::to_string(f->code);
  return std::string(cwmp::method_name(body));
}

SessionEngine::SessionEngine(SessionPlan plan)
    : plan_(std::move(plan)), url_(plan_.url), version_(plan_.version) {}

std::vector<std::uint64_t> SessionEngine::take_acknowledged() {
  return std::exchange(acknowledged_, {});
}

std::string SessionEngine::next_id() {
  return plan_.id_prefix + "-" + std::to_string(++id_counter_);
}

SessionEngine::Step SessionEngine::fail(std::string why) {
  state_ = State::kDone;
  trace_.push_back("! " + why);
  return Finished{false, std::move(why)};
}

SessionEngine::Step SessionEngine::start() {
  if (state_ != State::kIdle) return fail("session already started");
  if (!is_http_url(url_)) return fail("the ACS URL is not an http(s) URL: '" + url_ + "'");
  cwmp::Envelope env;
  env.version = plan_.version;
  expected_id_ = next_id();
  env.header.id = expected_id_;
  if (plan_.version >= cwmp::CwmpVersion::k1_4) {
    // CWMP 1.4 negotiation (CWMP-FACTS §0): we list what we can speak, the ACS picks.
    env.header.supported_cwmp_versions = "1.0,1.1,1.2,1.3,1.4";
    env.header.session_timeout = plan_.session_timeout_seconds;
  }
  env.body = plan_.inform;
  auto bytes = cwmp::encode(env);
  if (!bytes) return fail("cannot encode the Inform: " + bytes.error().message);
  inform_body_ = std::move(bytes.value());
  state_ = State::kInform;
  trace_.push_back("> Inform");
  return Post{url_, inform_body_};
}

SessionEngine::Step SessionEngine::on_transport_error(std::string_view what) {
  if (state_ == State::kDone) return Finished{false, "session over"};
  return fail(std::string(what));
}

SessionEngine::Step SessionEngine::on_reply(const HttpReply& reply) {
  switch (state_) {
    case State::kInform:
      return on_inform_reply(reply);
    case State::kCpeRequest:
      return on_request_reply(reply);
    case State::kAcs:
      return on_acs_reply(reply);
    case State::kIdle:
    case State::kAnswering:
    case State::kDone:
      break;
  }
  return fail("reply out of turn");
}

SessionEngine::Step SessionEngine::on_inform_reply(const HttpReply& reply) {
  if (is_redirect(reply.status)) {
    // TR-069 §3.4.5: redirects are followed for the Inform only, for this session only.
    if (redirects_ >= plan_.max_redirects) {
      return fail("more than " + std::to_string(plan_.max_redirects) + " redirects");
    }
    const std::string target = resolve_reference(url_, reply.location);
    if (target.empty()) return fail("redirect to an unusable Location '" + reply.location + "'");
    ++redirects_;
    url_ = target;
    trace_.push_back("< redirect " + std::to_string(reply.status));
    trace_.push_back("> Inform");
    return Post{url_, inform_body_};
  }
  if (reply.status != 200) {
    return fail("Inform answered with HTTP " + std::to_string(reply.status));
  }
  if (is_blank(reply.body)) return fail("empty answer to the Inform");
  auto decoded = cwmp::decode(reply.body, plan_.limits);
  if (!decoded) return fail("unreadable answer to the Inform: " + decoded.error().message);
  const cwmp::Envelope& answer = decoded->envelope;
  trace_.push_back("< " + describe(answer.body));
  if (const auto* f = std::get_if<cwmp::Fault>(&answer.body)) {
    fault_code_ = f->code;
    return fail("Inform refused with fault " + std::to_string(f->code) +
                (f->string.empty() ? "" : " (" + f->string + ")"));
  }
  if (!std::holds_alternative<cwmp::InformResponse>(answer.body)) {
    return fail("expected InformResponse, got " + describe(answer.body));
  }
  if (answer.header.id && *answer.header.id != expected_id_) {
    return fail("InformResponse with cwmp:ID '" + *answer.header.id + "', expected '" +
                expected_id_ + "'");
  }
  version_ = std::min(answer.version, plan_.version);
  if (plan_.version >= cwmp::CwmpVersion::k1_4 && answer.header.use_cwmp_version) {
    const auto chosen = cwmp::parse_version(*answer.header.use_cwmp_version);
    if (!chosen || *chosen > plan_.version) {
      return fail("the ACS chose CWMP version '" + *answer.header.use_cwmp_version +
                  "', which we did not offer");
    }
    version_ = *chosen;
  }
  inform_acknowledged_ = true;
  hold_ = answer.header.hold_requests.value_or(false);
  return next_own_request_or_empty();
}

SessionEngine::Step SessionEngine::next_own_request_or_empty() {
  if (!hold_ && !refused_ && next_request_ < plan_.requests.size()) {
    const CpeRequest& request = plan_.requests[next_request_++];
    cwmp::Envelope env;
    env.version = version_;
    expected_id_ = next_id();
    env.header.id = expected_id_;
    env.body = request.body;
    auto bytes = cwmp::encode(env);
    if (!bytes) {
      return fail("cannot encode " + describe(request.body) + ": " + bytes.error().message);
    }
    state_ = State::kCpeRequest;
    trace_.push_back("> " + describe(request.body));
    return Post{url_, std::move(bytes.value())};
  }
  state_ = State::kAcs;
  trace_.push_back("> (empty)");
  return Post{url_, std::string()};
}

SessionEngine::Step SessionEngine::on_request_reply(const HttpReply& reply) {
  const CpeRequest& request = plan_.requests[next_request_ - 1];
  const std::string name = describe(request.body);
  if (reply.status != 200 || is_blank(reply.body)) {
    return fail(name + " answered with HTTP " + std::to_string(reply.status) +
                (is_blank(reply.body) ? " and no envelope" : ""));
  }
  auto decoded = cwmp::decode(reply.body, plan_.limits);
  if (!decoded) return fail("unreadable answer to " + name + ": " + decoded.error().message);
  const cwmp::Envelope& answer = decoded->envelope;
  trace_.push_back("< " + describe(answer.body));
  if (const auto* f = std::get_if<cwmp::Fault>(&answer.body)) {
    // E.g. 8005 Retry request: this request and the later ones stay for a later session;
    // the session goes on with the ACS's requests.
    refused_ = true;
    fault_code_ = f->code;
    state_ = State::kAcs;
    trace_.push_back("> (empty)");
    return Post{url_, std::string()};
  }
  if (cwmp::method_name(answer.body) != name + "Response") {
    return fail("expected " + name + "Response, got " + describe(answer.body));
  }
  if (answer.header.id && *answer.header.id != expected_id_) {
    return fail(name + "Response with cwmp:ID '" + *answer.header.id + "', expected '" +
                expected_id_ + "'");
  }
  acknowledged_.push_back(request.id);
  hold_ = answer.header.hold_requests.value_or(false);
  return next_own_request_or_empty();
}

SessionEngine::Step SessionEngine::on_acs_reply(const HttpReply& reply) {
  // TR-069 §3.7.1.4: an empty HTTP response (204, or a 200 without a body) means the ACS
  // has nothing more; it carries no HoldRequests, so held requests may go now.
  if (reply.status == 204 || (reply.status == 200 && is_blank(reply.body))) {
    trace_.push_back("< (empty)");
    hold_ = false;
    if (!refused_ && next_request_ < plan_.requests.size()) return next_own_request_or_empty();
    state_ = State::kDone;
    return Finished{true, {}};
  }
  if (reply.status != 200) return fail("HTTP " + std::to_string(reply.status) + " from the ACS");
  if (++acs_requests_ > plan_.max_acs_requests) {
    return fail("more than " + std::to_string(plan_.max_acs_requests) + " ACS requests");
  }
  auto decoded = cwmp::decode(reply.body, plan_.limits);
  if (!decoded) {
    const cwmp::Error& error = decoded.error();
    if (!answerable(error)) return fail("unreadable message from the ACS: " + error.message);
    // Its cwmp:ID is unknown, so the fault carries none.
    trace_.push_back("< (unreadable request)");
    cwmp::Envelope out;
    out.version = version_;
    out.body = cwmp::Fault::make(error.fault_code(cwmp::Side::kCpe), error.message);
    auto bytes = cwmp::encode(out);
    if (!bytes) {
      out.body = cwmp::Fault::make(error.fault_code(cwmp::Side::kCpe));
      bytes = cwmp::encode(out);
      if (!bytes) return fail("cannot encode a fault: " + bytes.error().message);
    }
    trace_.push_back("> " + describe(out.body));
    return Post{url_, std::move(bytes.value())};
  }
  cwmp::Envelope& request = decoded->envelope;
  trace_.push_back("< " + describe(request.body));
  if (!cwmp::is_request(request.body)) {
    // TR-069 §3.5: never a fault in answer to a response or a fault.
    return fail("the ACS sent " + describe(request.body) + " where a request was expected");
  }
  hold_ = request.header.hold_requests.value_or(false);
  pending_request_ = std::move(request);
  state_ = State::kAnswering;
  return Answer{pending_request_};
}

SessionEngine::Step SessionEngine::answered(cwmp::Body answer) {
  if (state_ != State::kAnswering) return fail("answer out of turn");
  cwmp::Envelope out;
  out.version = version_;
  out.header.id = pending_request_.header.id;
  out.body = std::move(answer);
  auto bytes = cwmp::encode(out);
  if (!bytes) {
    // Our answer would not validate (e.g. a value out of its type's lexical space): say so
    // rather than send something broken.
    out.body = cwmp::Fault::make(cwmp::fault::kInternalError,
                                 "cannot encode the answer: " + bytes.error().message);
    bytes = cwmp::encode(out);
    if (!bytes) return fail("cannot encode a fault: " + bytes.error().message);
  }
  trace_.push_back("> " + describe(out.body));
  state_ = State::kAcs;
  return Post{url_, std::move(bytes.value())};
}

}  // namespace cpe::agent
