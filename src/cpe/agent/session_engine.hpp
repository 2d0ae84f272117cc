// One CWMP session seen from the CPE, as a pure state machine: HTTP replies in, the next POST
// out. No sockets, no clock, no disk: the I/O driver (agent.cpp) carries the bytes, answers
// the ACS's requests and makes the progress durable.
//
// The flow (TR-069 §3.7.1, CWMP-FACTS §1.4):
//   1. POST the Inform. A 3xx to it is followed, for this session only, up to
//      max_redirects times (TR-069 §3.4.5). A fault (e.g. 8005 Retry request), a non-200
//      status or anything but an InformResponse fails the session.
//   2. Unless the ACS holds requests (cwmp:HoldRequests=true in its last envelope), POST the
//      CPE's own requests one by one (TransferComplete...). A fault in answer to one (8005)
//      keeps it and the later ones pending: the agent retries them under the back-off.
//   3. POST an empty body. The ACS answers with a request (answer it: the answer goes in
//      the next POST) or with an empty response. An empty response ends the session with
//      success, unless held requests are still to be sent: then they go now (the empty
//      response carries no HoldRequests), followed by another empty POST.
// Every envelope echoes cwmp:ID: ours are checked on the ACS's responses (a different ID
// fails the session), the ACS's are copied into our answers.
//
// Bad input: a request we cannot read gets the fault its error maps to (9000 unknown method,
// 9003 invalid arguments, 9004 limits); bytes that are not a SOAP envelope, a response or a
// fault where a request belongs, an unexpected status or more than max_acs_requests requests
// fail the session. Nothing here throws on input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cwmp/codec.hpp"
#include "cwmp/messages.hpp"

namespace cpe::agent {

// A request of the CPE to the ACS, with the agent's handle to acknowledge it.
struct CpeRequest {
  std::uint64_t id = 0;
  cwmp::Body body;
};

struct SessionPlan {
  std::string url;
  // The version we offer: 1.2 (the default: cwmp-1-2, no 1.4 headers) or 1.4
  // (SupportedCWMPVersions + SessionTimeout on the Inform, UseCWMPVersion followed).
  cwmp::CwmpVersion version = cwmp::CwmpVersion::k1_2;
  cwmp::Inform inform;
  std::vector<CpeRequest> requests;
  std::uint32_t session_timeout_seconds = 30;
  std::size_t max_acs_requests = 10'000;
  std::size_t max_redirects = 5;
  cwmp::Limits limits;
  std::string id_prefix = "cpe";  // our cwmp:IDs are "<prefix>-1", "<prefix>-2", ...
};

struct HttpReply {
  unsigned status = 0;
  std::string location;  // the Location header (redirects)
  std::string body;
};

class SessionEngine {
 public:
  struct Post {
    std::string url;
    std::string body;  // "" = the empty POST (no Content-Type, no SOAPAction)
  };
  // An ACS request for the agent; call answered() with the response or a cwmp::Fault.
  struct Answer {
    cwmp::Envelope request;
  };
  struct Finished {
    bool ok = false;
    std::string error;  // why it failed
  };
  using Step = std::variant<Post, Answer, Finished>;

  explicit SessionEngine(SessionPlan plan);

  Step start();
  // The HTTP reply to the last Post (after any 401 was dealt with).
  Step on_reply(const HttpReply& reply);
  // The last Post got no reply: connection refused, reset, timeout, TLS failure...
  Step on_transport_error(std::string_view what);
  // The agent's answer to the request of the last Answer step.
  Step answered(cwmp::Body answer);

  // --- progress, for the agent to make durable before the next Post goes out ---------------
  // The InformResponse came: the Inform's events are delivered.
  bool inform_acknowledged() const { return inform_acknowledged_; }
  // CpeRequest ids the ACS answered since the last call.
  std::vector<std::uint64_t> take_acknowledged();
  // A CPE request got a fault: it (and those after it) wait for a later session.
  bool requests_refused() const { return refused_; }
  std::uint32_t fault_code() const { return fault_code_; }  // of a refused Inform or request

  cwmp::CwmpVersion version() const { return version_; }  // after the InformResponse
  const std::string& url() const { return url_; }         // after redirects
  std::size_t acs_requests() const { return acs_requests_; }
  // What went over the wire, one line per message: "> Inform", "< InformResponse",
  // "< GetParameterValues", "> Fault 9005", "> (empty)", "< (empty)".
  const std::vector<std::string>& trace() const { return trace_; }

 private:
  enum class State : std::uint8_t { kIdle, kInform, kCpeRequest, kAcs, kAnswering, kDone };

  Step fail(std::string why);
  Step next_own_request_or_empty();
  Step on_inform_reply(const HttpReply& reply);
  Step on_request_reply(const HttpReply& reply);
  Step on_acs_reply(const HttpReply& reply);
  std::string next_id();

  SessionPlan plan_;
  State state_ = State::kIdle;
  std::string url_;
  std::string inform_body_;
  std::string expected_id_;  // of the envelope we are waiting an answer for
  std::size_t redirects_ = 0;
  std::size_t next_request_ = 0;
  std::size_t id_counter_ = 0;
  std::size_t acs_requests_ = 0;
  bool hold_ = false;
  bool refused_ = false;
  bool inform_acknowledged_ = false;
  std::uint32_t fault_code_ = 0;
  cwmp::CwmpVersion version_;
  cwmp::Envelope pending_request_;
  std::vector<std::uint64_t> acknowledged_;
  std::vector<std::string> trace_;
};

// The name of a body for logs: the method, or "Fault <code>".
std::string describe(const cwmp::Body& body);

}  // namespace cpe::agent
