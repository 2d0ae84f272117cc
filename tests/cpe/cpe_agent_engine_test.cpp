// SessionEngine, the pure CWMP session state machine: replies in, POSTs out.
#include <gtest/gtest.h>

#include "cpe/agent/session_engine.hpp"
#include "cwmp/codec.hpp"
#include "cwmp/faults.hpp"

namespace cpe::agent {
namespace {

using Step = SessionEngine::Step;

SessionPlan plan(std::vector<CpeRequest> requests = {}) {
  SessionPlan p;
  p.url = "http://acs.example/cwmp";
  p.inform.device_id = {"Acme", "00D09E", "Gw", "SN1"};
  p.inform.event = {{"1 BOOT", ""}};
  p.inform.retry_count = 2;
  p.requests = std::move(requests);
  p.id_prefix = "t";
  return p;
}

cwmp::Envelope decode(const std::string& body) {
  auto d = cwmp::decode(body);
  EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().message);
  return d.ok() ? d->envelope : cwmp::Envelope{};
}

const SessionEngine::Post& post(const Step& s) {
  static const SessionEngine::Post none;
  const auto* p = std::get_if<SessionEngine::Post>(&s);
  EXPECT_TRUE(p) << "expected a Post";
  return p ? *p : none;
}

HttpReply envelope(cwmp::Body body, std::optional<std::string> id,
                   std::optional<bool> hold = std::nullopt) {
  cwmp::Envelope env;
  env.header.id = std::move(id);
  env.header.hold_requests = hold;
  env.body = std::move(body);
  return HttpReply{200, "", cwmp::encode(env).value()};
}

HttpReply empty() {
  return HttpReply{204, "", ""};
}

cwmp::TransferComplete tc(const std::string& key) {
  cwmp::TransferComplete t;
  t.command_key = key;
  return t;
}

TEST(SessionEngine, InformThenEmptyPostThenDone) {
  SessionEngine e(plan());
  const Step first = e.start();
  const cwmp::Envelope inform = decode(post(first).body);
  EXPECT_EQ(post(first).url, "http://acs.example/cwmp");
  EXPECT_EQ(inform.header.id, "t-1");
  const auto& body = std::get<cwmp::Inform>(inform.body);
  EXPECT_EQ(body.retry_count, 2u);
  EXPECT_EQ(body.max_envelopes, 1u);
  EXPECT_FALSE(e.inform_acknowledged());

  const Step second = e.on_reply(envelope(cwmp::InformResponse{1}, "t-1"));
  EXPECT_TRUE(e.inform_acknowledged());
  EXPECT_EQ(post(second).body, "");  // the empty POST
  const Step end = e.on_reply(empty());
  ASSERT_TRUE(std::holds_alternative<SessionEngine::Finished>(end));
  EXPECT_TRUE(std::get<SessionEngine::Finished>(end).ok);
  EXPECT_EQ(e.trace(),
            (std::vector<std::string>{"> Inform", "< InformResponse", "> (empty)", "< (empty)"}));
}

TEST(SessionEngine, CpeRequestsGoFirstAndAreAcknowledged) {
  SessionEngine e(plan({{7, tc("a")}, {8, tc("b")}}));
  e.start();
  const cwmp::Envelope r1 = decode(post(e.on_reply(envelope(cwmp::InformResponse{1}, "t-1"))).body);
  EXPECT_EQ(std::get<cwmp::TransferComplete>(r1.body).command_key, "a");
  const cwmp::Envelope r2 =
      decode(post(e.on_reply(envelope(cwmp::TransferCompleteResponse{}, r1.header.id))).body);
  EXPECT_EQ(std::get<cwmp::TransferComplete>(r2.body).command_key, "b");
  EXPECT_EQ(e.take_acknowledged(), std::vector<std::uint64_t>{7});
  EXPECT_EQ(post(e.on_reply(envelope(cwmp::TransferCompleteResponse{}, std::nullopt))).body, "");
  EXPECT_EQ(e.take_acknowledged(), std::vector<std::uint64_t>{8});
  EXPECT_TRUE(std::get<SessionEngine::Finished>(e.on_reply(empty())).ok);
}

TEST(SessionEngine, HoldRequestsDefersTheCpesRequests) {
  SessionEngine e(plan({{1, tc("a")}}));
  e.start();
  // Held: the empty POST comes first, then the ACS's request is answered.
  EXPECT_EQ(post(e.on_reply(envelope(cwmp::InformResponse{1}, "t-1", true))).body, "");
  cwmp::GetParameterValues gpv;
  gpv.parameter_names = {"Device."};
  Step s = e.on_reply(envelope(gpv, "acs-1", true));
  ASSERT_TRUE(std::holds_alternative<SessionEngine::Answer>(s));
  const cwmp::Envelope answer = decode(post(e.answered(cwmp::GetParameterValuesResponse{})).body);
  EXPECT_EQ(answer.header.id, "acs-1");
  // The ACS is done; the empty response carries no HoldRequests: the TransferComplete goes now.
  const cwmp::Envelope request = decode(post(e.on_reply(empty())).body);
  EXPECT_TRUE(std::holds_alternative<cwmp::TransferComplete>(request.body));
  EXPECT_EQ(post(e.on_reply(envelope(cwmp::TransferCompleteResponse{}, request.header.id))).body,
            "");
  EXPECT_TRUE(std::get<SessionEngine::Finished>(e.on_reply(empty())).ok);
  EXPECT_EQ(e.take_acknowledged(), std::vector<std::uint64_t>{1});
}

TEST(SessionEngine, FaultToInformFailsTheSession) {
  SessionEngine e(plan());
  e.start();
  const Step s = e.on_reply(envelope(cwmp::Fault::make(8005), "t-1"));
  ASSERT_TRUE(std::holds_alternative<SessionEngine::Finished>(s));
  EXPECT_FALSE(std::get<SessionEngine::Finished>(s).ok);
  EXPECT_EQ(e.fault_code(), 8005u);
  EXPECT_FALSE(e.inform_acknowledged());
}

TEST(SessionEngine, FaultToARequestKeepsItAndGoesOn) {
  SessionEngine e(plan({{1, tc("a")}, {2, tc("b")}}));
  e.start();
  e.on_reply(envelope(cwmp::InformResponse{1}, "t-1"));
  EXPECT_EQ(post(e.on_reply(envelope(cwmp::Fault::make(8005), "t-2"))).body, "");
  EXPECT_TRUE(e.requests_refused());
  EXPECT_TRUE(e.take_acknowledged().empty());
  // The empty response does not bring the refused requests back in this session.
  EXPECT_TRUE(std::get<SessionEngine::Finished>(e.on_reply(empty())).ok);
}

TEST(SessionEngine, RedirectsAreFollowedUpToFive) {
  SessionEngine e(plan());
  const std::string inform = post(e.start()).body;
  Step s = e.on_reply(HttpReply{302, "http://other.example:8080/a/x", ""});
  EXPECT_EQ(post(s).url, "http://other.example:8080/a/x");
  EXPECT_EQ(post(s).body, inform);  // the same Inform again
  s = e.on_reply(HttpReply{307, "../y?z=1", ""});
  EXPECT_EQ(post(s).url, "http://other.example:8080/y?z=1");
  for (int i = 0; i < 3; ++i) s = e.on_reply(HttpReply{301, "/r", ""});
  EXPECT_EQ(post(s).url, "http://other.example:8080/r");
  s = e.on_reply(HttpReply{301, "/r", ""});
  ASSERT_TRUE(std::holds_alternative<SessionEngine::Finished>(s));
  EXPECT_FALSE(std::get<SessionEngine::Finished>(s).ok);
}

TEST(SessionEngine, RedirectToANonHttpLocationFails) {
  SessionEngine e(plan());
  e.start();
  const Step s = e.on_reply(HttpReply{302, "ftp://x/", ""});
  ASSERT_TRUE(std::holds_alternative<SessionEngine::Finished>(s));
}

TEST(SessionEngine, WrongIdsFail) {
  {
    SessionEngine e(plan());
    e.start();
    EXPECT_TRUE(std::holds_alternative<SessionEngine::Finished>(
        e.on_reply(envelope(cwmp::InformResponse{1}, "other"))));
  }
  {
    SessionEngine e(plan({{1, tc("a")}}));
    e.start();
    e.on_reply(envelope(cwmp::InformResponse{1}, "t-1"));
    EXPECT_TRUE(std::holds_alternative<SessionEngine::Finished>(
        e.on_reply(envelope(cwmp::TransferCompleteResponse{}, "t-9"))));
    EXPECT_TRUE(e.take_acknowledged().empty());
  }
}

TEST(SessionEngine, AMissingIdIsAccepted) {
  SessionEngine e(plan());
  e.start();
  EXPECT_EQ(post(e.on_reply(envelope(cwmp::InformResponse{1}, std::nullopt))).body, "");
}

TEST(SessionEngine, UnreadableRequestsGetTheirFault) {
  SessionEngine e(plan());
  e.start();
  e.on_reply(envelope(cwmp::InformResponse{1}, "t-1"));
  const std::string unknown =
      "<soap-env:Envelope xmlns:soap-env=\"http://schemas.xmlsoap.org/soap/envelope/\" "
      "xmlns:cwmp=\"urn:dslforum-org:cwmp-1-2\"><soap-env:Body><cwmp:Frobnicate/>"
      "</soap-env:Body></soap-env:Envelope>";
  const cwmp::Envelope fault = decode(post(e.on_reply(HttpReply{200, "", unknown})).body);
  EXPECT_EQ(std::get<cwmp::Fault>(fault.body).code, 9000u);
  // Not an envelope at all: the session fails.
  EXPECT_TRUE(std::holds_alternative<SessionEngine::Finished>(
      e.on_reply(HttpReply{200, "", "<html>hello</html>"})));
}

TEST(SessionEngine, ResponsesWhereARequestBelongsFail) {
  SessionEngine e(plan());
  e.start();
  e.on_reply(envelope(cwmp::InformResponse{1}, "t-1"));
  EXPECT_TRUE(std::holds_alternative<SessionEngine::Finished>(
      e.on_reply(envelope(cwmp::TransferCompleteResponse{}, "x"))));
}

TEST(SessionEngine, RequestLimit) {
  SessionPlan p = plan();
  p.max_acs_requests = 2;
  SessionEngine e(std::move(p));
  e.start();
  e.on_reply(envelope(cwmp::InformResponse{1}, "t-1"));
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(std::holds_alternative<SessionEngine::Answer>(
        e.on_reply(envelope(cwmp::GetRPCMethods{}, "a"))));
    e.answered(cwmp::GetRPCMethodsResponse{});
  }
  EXPECT_TRUE(std::holds_alternative<SessionEngine::Finished>(
      e.on_reply(envelope(cwmp::GetRPCMethods{}, "a"))));
}

TEST(SessionEngine, StatusesThatEndTheSession) {
  for (unsigned status : {401u, 404u, 500u, 503u}) {
    SessionEngine e(plan());
    e.start();
    EXPECT_TRUE(
        std::holds_alternative<SessionEngine::Finished>(e.on_reply(HttpReply{status, "", ""})))
        << status;
  }
  SessionEngine e(plan());
  e.start();
  e.on_reply(envelope(cwmp::InformResponse{1}, "t-1"));
  EXPECT_TRUE(std::holds_alternative<SessionEngine::Finished>(e.on_reply(HttpReply{500, "", ""})));
  // A 200 without a body is an empty response: the end.
  SessionEngine f(plan());
  f.start();
  f.on_reply(envelope(cwmp::InformResponse{1}, "t-1"));
  EXPECT_TRUE(std::get<SessionEngine::Finished>(f.on_reply(HttpReply{200, "", " \r\n"})).ok);
}

TEST(SessionEngine, Cwmp14Negotiation) {
  SessionPlan p = plan();
  p.version = cwmp::CwmpVersion::k1_4;
  p.session_timeout_seconds = 45;
  SessionEngine e(std::move(p));
  const cwmp::Envelope inform = decode(post(e.start()).body);
  EXPECT_EQ(inform.header.supported_cwmp_versions, "1.0,1.1,1.2,1.3,1.4");
  EXPECT_EQ(inform.header.session_timeout, 45u);
  cwmp::Envelope answer;
  answer.version = cwmp::CwmpVersion::k1_4;
  answer.header.id = "t-1";
  answer.header.use_cwmp_version = "1.3";
  answer.body = cwmp::InformResponse{1};
  e.on_reply(HttpReply{200, "", cwmp::encode(answer).value()});
  EXPECT_EQ(e.version(), cwmp::CwmpVersion::k1_3);
}

TEST(SessionEngine, TransportErrorFails) {
  SessionEngine e(plan());
  e.start();
  const Step s = e.on_transport_error("connection refused");
  ASSERT_TRUE(std::holds_alternative<SessionEngine::Finished>(s));
  EXPECT_EQ(std::get<SessionEngine::Finished>(s).error, "connection refused");
}

TEST(SessionEngine, AnswerThatCannotBeEncodedBecomes9002) {
  SessionEngine e(plan());
  e.start();
  e.on_reply(envelope(cwmp::InformResponse{1}, "t-1"));
  e.on_reply(envelope(cwmp::GetRPCMethods{}, "a"));
  cwmp::GetParameterValuesResponse bad;
  bad.parameter_list = {{"Device.X", "not a number", cwmp::ValueType::kUnsignedInt}};
  const cwmp::Envelope out = decode(post(e.answered(bad)).body);
  EXPECT_EQ(std::get<cwmp::Fault>(out.body).code, 9002u);
  EXPECT_EQ(out.header.id, "a");
}

TEST(SessionEngine, BadUrlFailsAtStart) {
  SessionPlan p = plan();
  p.url = "ftp://acs/";
  SessionEngine e(std::move(p));
  EXPECT_TRUE(std::holds_alternative<SessionEngine::Finished>(e.start()));
}

}  // namespace
}  // namespace cpe::agent
