// The connection-request listener: Digest with ConnectionRequestUsername/Password, Basic
// refused unless configured, hostile requests, the flood limit, folding into a session.
#include "cpe_agent_test_support.hpp"

namespace cpe_agent_test {
namespace {

class ConnectionRequest : public AgentFixture {
 protected:
  void SetUp() override {
    AgentFixture::SetUp();
    device_.set_management([](cpe::ManagementSettings& m) {
      m.connection_request_username = "acs";
      m.connection_request_password = "s3cret";
    });
  }
  std::string url() { return agent_->status().connection_request_url; }
};

TEST_F(ConnectionRequest, ValidDigestStartsASession) {
  start();
  ASSERT_EQ(acs_->session_count(), 1u);
  const net::ClientResult r = connection_request(url(), "acs", "s3cret");
  EXPECT_EQ(r.status(), 200u);
  EXPECT_TRUE(r.response.body().empty());
  settle();
  ASSERT_EQ(acs_->session_count(), 2u);
  EXPECT_EQ(acs_->last().events(), std::vector<std::string>{"6 CONNECTION REQUEST"});
  EXPECT_EQ(agent_->status().connection_requests.accepted, 1u);
}

TEST_F(ConnectionRequest, ChallengeOffersMd5AndSha256) {
  start();
  const net::ClientResult r = get(url());
  ASSERT_EQ(r.status(), 401u);
  std::vector<std::string> challenges;
  for (auto [it, end] = r.response.equal_range(http::field::www_authenticate); it != end; ++it) {
    challenges.emplace_back(it->value());
  }
  ASSERT_EQ(challenges.size(), 2u);
  EXPECT_NE(challenges[0].find("MD5"), std::string::npos);
  EXPECT_NE(challenges[1].find("SHA-256"), std::string::npos);
  settle();
  EXPECT_EQ(acs_->session_count(), 1u);  // no session without authentication
}

TEST_F(ConnectionRequest, WrongCredentialsAreRefused) {
  start();
  EXPECT_EQ(connection_request(url(), "acs", "wrong").status(), 401u);
  EXPECT_EQ(connection_request(url(), "other", "s3cret").status(), 401u);
  settle();
  EXPECT_EQ(acs_->session_count(), 1u);
  EXPECT_EQ(agent_->status().connection_requests.accepted, 0u);
}

TEST_F(ConnectionRequest, CredentialsChangedByTheModelApplyAtOnce) {
  start();
  device_.set_management([](cpe::ManagementSettings& m) { m.connection_request_password = "new"; });
  agent_->value_changed();  // the agent re-reads the settings
  settle();
  EXPECT_EQ(connection_request(url(), "acs", "s3cret").status(), 401u);
  EXPECT_EQ(connection_request(url(), "acs", "new").status(), 200u);
}

TEST_F(ConnectionRequest, BasicIsRefusedOverPlainHttpUnlessAllowed) {
  start();
  const std::string basic = cwmp::auth::basic_authorization("acs", "s3cret");
  EXPECT_EQ(get(url(), {{"Authorization", basic}}).status(), 401u);
  agent_.reset();
  AgentOptions o = options();
  o.cr_allow_basic = true;
  start(o);
  EXPECT_EQ(get(url(), {{"Authorization", basic}}).status(), 200u);
  const std::string wrong = cwmp::auth::basic_authorization("acs", "nope");
  EXPECT_EQ(get(url(), {{"Authorization", wrong}}).status(), 401u);
}

TEST_F(ConnectionRequest, HostileRequests) {
  start();
  const std::string base = url();
  const std::string root = base.substr(0, base.find('/', 8));
  EXPECT_EQ(get(root + "/").status(), 404u);
  EXPECT_EQ(get(root + "/guess").status(), 404u);
  const auto post = run(net::http_request(io_.get_executor(), base, http::verb::post, {}, "x", 2s));
  EXPECT_EQ(post.status(), 405u);
  EXPECT_EQ(get(base, {{"Authorization", "Digest username=\"acs\", realm"}}).status(), 400u);
  EXPECT_EQ(get(base, {{"Authorization", "Digest garbage"}}).status(), 400u);
  EXPECT_EQ(get(base, {{"Authorization", std::string(4000, 'A')}}).status(), 401u);
  EXPECT_EQ(get(base, {{"Authorization", std::string(9000, 'A')}}).status(), 431u);
  // A Digest answer for another URI.
  net::ClientResult first = get(base);
  std::string www(first.response[http::field::www_authenticate]);
  auto selected = cwmp::auth::parse_www_authenticate(www);
  ASSERT_TRUE(selected);
  cwmp::auth::DigestClient client("acs", "s3cret", random_bytes);
  client.set_challenge(selected->digest);
  EXPECT_EQ(get(base, {{"Authorization", *client.authorization("GET", "/elsewhere")}}).status(),
            400u);
  settle();
  EXPECT_EQ(acs_->session_count(), 1u);
  EXPECT_GE(agent_->status().connection_requests.bad_requests, 5u);
}

TEST_F(ConnectionRequest, FloodGets503BeyondTheBurst) {
  AgentOptions o = options();
  o.cr_burst = 6;
  o.cr_rate_per_second = 1;
  start(o);  // the ManualClock stands still: no refill during the test
  unsigned ok = 0;
  unsigned limited = 0;
  for (int i = 0; i < 20; ++i) {
    const unsigned status = get(url()).status();
    if (status == 401) ++ok;
    if (status == 503) ++limited;
  }
  EXPECT_EQ(ok, 6u);
  EXPECT_EQ(limited, 14u);
  EXPECT_EQ(connection_request(url(), "acs", "s3cret").status(), 503u);
  // Time refills the bucket: two seconds, two requests, one Digest round.
  clock_->advance(2s);
  EXPECT_EQ(connection_request(url(), "acs", "s3cret").status(), 200u);
  settle();
  EXPECT_EQ(acs_->last().events(), std::vector<std::string>{"6 CONNECTION REQUEST"});
  EXPECT_EQ(agent_->status().connection_requests.rate_limited, 15u);
}

TEST_F(ConnectionRequest, RequestsDuringASessionFoldIntoOneMore) {
  start();
  // Hold the next session in the ACS until three connection requests have come in.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> held{false};
  acs_->set_hook([&](const net::Request&,
                     const std::optional<cwmp::Envelope>& env) -> std::optional<net::Response> {
    if (env && std::holds_alternative<cwmp::Inform>(env->body) && !held.exchange(true)) {
      released.wait_for(10s);
    }
    return std::nullopt;
  });
  const std::string cr = url();
  EXPECT_EQ(connection_request(cr, "acs", "s3cret").status(), 200u);
  ASSERT_TRUE(eventually([&] { return held.load(); }));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(connection_request(cr, "acs", "s3cret").status(), 200u);
  release.set_value();
  settle();
  // The held session, then exactly one more for the requests that came during it.
  const auto sessions = acs_->sessions();
  ASSERT_EQ(sessions.size(), 3u);
  EXPECT_EQ(sessions[2].events(), std::vector<std::string>{"6 CONNECTION REQUEST"});
}

TEST_F(ConnectionRequest, ListenerNeverWaitsForTheAgent) {
  start();
  // While the ACS is slow to answer the Inform, the listener still answers at once.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  acs_->set_hook([&](const net::Request&,
                     const std::optional<cwmp::Envelope>& env) -> std::optional<net::Response> {
    if (env && std::holds_alternative<cwmp::Inform>(env->body)) released.wait_for(10s);
    return std::nullopt;
  });
  agent_->diagnostics_complete();
  ASSERT_TRUE(eventually([&] { return agent_->status().session_running; }));
  const auto begin = std::chrono::steady_clock::now();
  EXPECT_EQ(connection_request(url(), "acs", "s3cret").status(), 200u);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 5s);
  release.set_value();
  settle();
}

}  // namespace
}  // namespace cpe_agent_test
