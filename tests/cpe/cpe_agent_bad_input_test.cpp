// Hostile and broken ACS answers: the right fault, or a failed session, never a crash, and the
// agent carries on (the next session works).
#include "cpe_agent_test_support.hpp"

namespace cpe_agent_test {
namespace {

class BadInput : public AgentFixture {
 protected:
  // Answers the first POST that `when` picks with `body` (status 200), then behaves.
  void answer_once(
      std::function<bool(const std::optional<cwmp::Envelope>&, const net::Request&)> when,
      std::string body, http::status status = http::status::ok) {
    auto used = std::make_shared<std::atomic<bool>>(false);
    acs_->set_hook([when, body, status, used](
                       const net::Request& r,
                       const std::optional<cwmp::Envelope>& env) -> std::optional<net::Response> {
      if (*used || !when(env, r)) return std::nullopt;
      *used = true;
      net::Response res = status_response(status, body);
      res.message.set(http::field::content_type, "text/xml");
      return res;
    });
  }
  static bool is_inform(const std::optional<cwmp::Envelope>& env, const net::Request&) {
    return env && std::holds_alternative<cwmp::Inform>(env->body);
  }
  static bool is_empty_post(const std::optional<cwmp::Envelope>&, const net::Request& r) {
    return r.body().empty();
  }
  // The last session failed, and the agent still works: the retry succeeds.
  void expect_failed_then_recovers(const std::string& error_part) {
    auto reports = agent_->sessions();
    ASSERT_FALSE(reports.empty());
    EXPECT_FALSE(reports.back().ok);
    EXPECT_NE(reports.back().error.find(error_part), std::string::npos) << reports.back().error;
    acs_->set_hook(nullptr);
    advance(1h);
    reports = agent_->sessions();
    EXPECT_TRUE(reports.back().ok) << reports.back().error;
  }
  std::string envelope_with(const std::string& body_xml, const std::string& id = "x1") {
    return "<soap-env:Envelope xmlns:soap-env=\"http://schemas.xmlsoap.org/soap/envelope/\" "
           "xmlns:cwmp=\"urn:dslforum-org:cwmp-1-2\"><soap-env:Header><cwmp:ID "
           "soap-env:mustUnderstand=\"1\">" +
           id + "</cwmp:ID></soap-env:Header><soap-env:Body>" + body_xml +
           "</soap-env:Body></soap-env:Envelope>";
  }
};

TEST_F(BadInput, GarbageInsteadOfInformResponse) {
  answer_once(is_inform, "this is not XML <<<");
  start();
  expect_failed_then_recovers("unreadable");
}

TEST_F(BadInput, DoctypeIsRefused) {
  answer_once(is_inform, "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]><x>&a;</x>");
  start();
  expect_failed_then_recovers("unreadable");
}

TEST_F(BadInput, HugeBodyIsRefused) {
  answer_once(is_inform, std::string(5 * 1024 * 1024, ' ') + "<x/>");
  start();
  expect_failed_then_recovers("protocol");
}

TEST_F(BadInput, WrongIdOnTheInformResponse) {
  cwmp::Envelope env;
  env.header.id = "not-ours";
  env.body = cwmp::InformResponse{1};
  answer_once(is_inform, cwmp::encode(env).value());
  start();
  expect_failed_then_recovers("cwmp:ID");
}

TEST_F(BadInput, ARequestInsteadOfTheInformResponse) {
  cwmp::Envelope env;
  env.header.id = "x";
  env.body = cwmp::GetRPCMethods{};
  answer_once(is_inform, cwmp::encode(env).value());
  start();
  expect_failed_then_recovers("expected InformResponse");
}

TEST_F(BadInput, ServerErrorAndEmpty200ToTheInform) {
  answer_once(is_inform, "", http::status::internal_server_error);
  start();
  expect_failed_then_recovers("HTTP 500");
  answer_once(is_inform, "");
  agent_->diagnostics_complete();
  settle();
  expect_failed_then_recovers("empty answer");
}

TEST_F(BadInput, UnknownMethodGets9000) {
  answer_once(is_empty_post, envelope_with("<cwmp:X_Vendor_Frobnicate/>", "r1"));
  start();
  const auto sessions = acs_->sessions();
  ASSERT_EQ(sessions.size(), 1u);
  ASSERT_EQ(sessions[0].answers.size(), 1u);
  const auto* fault = std::get_if<cwmp::Fault>(&sessions[0].answers[0].body);
  ASSERT_TRUE(fault);
  EXPECT_EQ(fault->code, 9000u);
  EXPECT_TRUE(agent_->sessions().back().ok);
}

TEST_F(BadInput, InvalidArgumentsGet9003) {
  // A GetParameterValues without its ParameterNames.
  answer_once(is_empty_post, envelope_with("<cwmp:GetParameterValues/>", "r1"));
  start();
  const auto sessions = acs_->sessions();
  ASSERT_EQ(sessions[0].answers.size(), 1u);
  const auto* fault = std::get_if<cwmp::Fault>(&sessions[0].answers[0].body);
  ASSERT_TRUE(fault);
  EXPECT_EQ(fault->code, 9003u);
  EXPECT_TRUE(device_.handled().empty());  // nothing reached the data model
}

TEST_F(BadInput, RequestIdIsEchoed) {
  cwmp::GetParameterValues gpv;
  gpv.parameter_names = {"Device.Test.Value"};
  acs_->queue(gpv);
  start();
  const AcsSession s = acs_->last();
  ASSERT_EQ(s.answers.size(), 1u);
  ASSERT_EQ(s.sent_ids.size(), 1u);
  EXPECT_EQ(s.answers[0].header.id, s.sent_ids[0]);
}

TEST_F(BadInput, AResponseWhereARequestBelongs) {
  cwmp::Envelope env;
  env.header.id = "x";
  env.body = cwmp::InformResponse{1};
  answer_once(is_empty_post, cwmp::encode(env).value());
  start();
  expect_failed_then_recovers("where a request was expected");
}

TEST_F(BadInput, AFaultWhereARequestBelongs) {
  cwmp::Envelope env;
  env.header.id = "x";
  env.body = cwmp::Fault::make(8002);
  answer_once(is_empty_post, cwmp::encode(env).value());
  start();
  expect_failed_then_recovers("where a request was expected");
}

TEST_F(BadInput, RedirectAfterTheInformFails) {
  auto used = std::make_shared<std::atomic<bool>>(false);
  acs_->set_hook([used](const net::Request& r,
                        const std::optional<cwmp::Envelope>&) -> std::optional<net::Response> {
    if (!r.body().empty() || used->exchange(true)) return std::nullopt;
    net::Response res = status_response(http::status::found);
    res.message.set(http::field::location, "/elsewhere");
    return res;
  });
  start();
  expect_failed_then_recovers("HTTP 302");
}

TEST_F(BadInput, EndlessRequestsAreCut) {
  AgentOptions o = options();
  o.max_acs_requests = 20;
  cwmp::GetParameterValues gpv;
  gpv.parameter_names = {"Device.Test.Value"};
  for (int i = 0; i < 25; ++i) acs_->queue(gpv);
  start(o);
  const auto reports = agent_->sessions();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_FALSE(reports[0].ok);
  EXPECT_NE(reports[0].error.find("more than 20"), std::string::npos);
}

TEST_F(BadInput, WrongIdOnTheTransferCompleteResponseKeepsIt) {
  files_->put("/fw-2.2.bin", {200, "image", "", ""});
  cwmp::Download d;
  d.command_key = "dl";
  d.file_type = "1 Firmware Upgrade Image";
  d.url = files_->url("/fw-2.2.bin");
  acs_->queue(d);
  cwmp::Envelope env;
  env.header.id = "not-ours";
  env.body = cwmp::TransferCompleteResponse{};
  answer_once(
      [](const std::optional<cwmp::Envelope>& e, const net::Request&) {
        return e && std::holds_alternative<cwmp::TransferComplete>(e->body);
      },
      cwmp::encode(env).value());
  start();
  auto reports = agent_->sessions();
  ASSERT_FALSE(reports.empty());
  EXPECT_FALSE(reports.back().ok);
  ASSERT_EQ(agent_->status().transfers.size(), 1u);  // not acknowledged: kept
  advance(1h);
  EXPECT_TRUE(agent_->status().transfers.empty());
  EXPECT_EQ(acs_->last().transfer_completes().size(), 1u);
}

TEST_F(BadInput, ConnectionDroppedMidSession) {
  auto used = std::make_shared<std::atomic<bool>>(false);
  acs_->set_hook([used](const net::Request& r,
                        const std::optional<cwmp::Envelope>&) -> std::optional<net::Response> {
    if (!r.body().empty() || used->exchange(true)) return std::nullopt;
    net::Response res = status_response(http::status::ok, "<partial");
    res.close = true;
    return res;
  });
  start();
  expect_failed_then_recovers("unreadable");
}

}  // namespace
}  // namespace cpe_agent_test
