// End to end: per-device connection-request credentials (docs/connection-requests.md). The
// whole cwmp-acs (acs_app::AcsApp) with `cr_credentials = per-device` and the cwmp-cpe agent
// (cpe_app::CpeApp), in-process on 127.0.0.1: a fresh agent bootstraps and leaves its first
// session with random ConnectionRequestUsername/Password of its own, which the ACS then uses
// for connection requests; a factory reset bootstraps to new ones; a device that refuses them
// faults the task (seen in the NBI) and stays reachable with what the ACS knew; they go before
// an operator's queued task; with `keep` nothing is set.
#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "acs/device_id.hpp"
#include "cpe/agent/agent.hpp"
#include "cpe/model/data_model.hpp"
#include "cpe/model/hooks.hpp"
#include "cpe_app.hpp"
#include "e2e_support.hpp"
#include "store/store.hpp"

namespace {

using namespace e2e;
using cpe::agent::SessionReport;

constexpr std::string_view kUserPath = "Device.ManagementServer.ConnectionRequestUsername";
constexpr std::string_view kPasswordPath = "Device.ManagementServer.ConnectionRequestPassword";

struct Device {
  std::string id;
  std::unique_ptr<cpe_app::CpeApp> agent;
  std::vector<SessionReport> sessions() const { return agent->agent().sessions(); }
  std::string get(std::string_view path) const {
    return agent->model().get(std::string(path)).value_or("<absent>");
  }
};

class E2eCrCredentials : public AcsFixture {
 protected:
  void TearDown() override {
    devices_.clear();  // before the ACS: no session is left half-way
    AcsFixture::TearDown();
  }

  void start_acs_with(std::string mode) {
    acs_app::AcsConfig c = config();  // "keep" there, for the other end-to-end tests
    c.cr_credentials = std::move(mode);
    start_acs(std::move(c));
  }

  cpe_app::CpeConfig agent_config(const std::string& serial) {
    cpe_app::CpeConfig c;
    c.acs_url = acs_url();
    c.acs_username = std::string(kCpeUser);
    c.acs_password = std::string(kCpePassword);
    c.state_dir = (data_dir_ / ("cpe-" + serial)).string();
    c.cr_listen = "127.0.0.1:0";
    c.serial = serial;
    c.cr_rate_per_second = 1000;
    return c;
  }

  // Starts an agent (`prepare` may change its model first) and waits for its first session.
  Device& start_agent(cpe_app::CpeConfig c,
                      const std::function<void(cpe_app::CpeApp&)>& prepare = {}) {
    Device d;
    d.id = acs::make_device_id({"cwmp-suite", "00D09E", "HomeGateway", c.serial});
    d.agent = std::make_unique<cpe_app::CpeApp>(std::move(c));
    if (prepare) prepare(*d.agent);
    d.agent->start();
    devices_.push_back(std::move(d));
    Device& started = devices_.back();
    EXPECT_TRUE(eventually([&] { return !started.sessions().empty(); }, 10s)) << "no session";
    return started;
  }
  Device& start_agent(const std::string& serial) { return start_agent(agent_config(serial)); }

  // What the ACS will use for the device's connection requests.
  store::ConnectionRequestTarget target(const Device& d) {
    auto t = app_->store().connection_request_target(d.id);
    EXPECT_TRUE(t.has_value()) << d.id;
    return t.value_or(store::ConnectionRequestTarget{});
  }

  std::vector<acs::Task> tasks(const Device& d) {
    store::TaskFilter filter;
    filter.device_id = d.id;
    return app_->store().list_tasks(filter);
  }

  // A task through a connection request: accepted only with the credentials the agent has.
  void expect_reachable(const Device& d) {
    // The agent's listener takes credentials the ACS set when it re-reads its settings after
    // the session, a moment after the session's report: wait for that, not for a time.
    EXPECT_EQ(d.agent->agent().settle().wait_for(10s), std::future_status::ready);
    const std::size_t before = d.sessions().size();
    expect_done(post_task(d.id, {{"name", "getParameterValues"},
                                 {"parameterNames", json::array{"Device.DeviceInfo.UpTime"}}}));
    EXPECT_TRUE(eventually([&] { return d.sessions().size() > before; }, 10s));
    EXPECT_TRUE(contains(d.sessions().back().events, "6 CONNECTION REQUEST"));
    EXPECT_EQ(string_at(device(d.id), "_lastConnectionRequest.result"), "accepted");
  }

  std::deque<Device> devices_;  // references stay valid as devices are added
};

TEST_F(E2eCrCredentials, BootstrapGivesEachDeviceCredentialsOfItsOwn) {
  start_acs_with("per-device");
  const Device& a = start_agent("CR-A");
  const Device& b = start_agent("CR-B");
  for (const Device* d : {&a, &b}) {
    const SessionReport first = d->sessions().front();
    EXPECT_TRUE(first.ok) << first.error;
    EXPECT_TRUE(contains(first.events, "0 BOOTSTRAP"));
    // Set within the bootstrap session itself.
    const std::string user = d->get(kUserPath);
    const std::string password = d->get(kPasswordPath);
    EXPECT_EQ(user.rfind("cr-", 0), 0u) << user;
    EXPECT_EQ(user.size(), 19u) << user;
    EXPECT_EQ(password.size(), 24u);
    // The ACS knows exactly what it set (the CPE would read the password back as "").
    const store::ConnectionRequestTarget t = target(*d);
    EXPECT_EQ(t.username, user);
    EXPECT_EQ(t.password, password);
    // Recorded like an operator's task.
    const std::vector<acs::Task> done = tasks(*d);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].type, acs::TaskType::kSetParameterValues);
    EXPECT_EQ(done[0].state, acs::TaskState::kDone);
  }
  EXPECT_NE(a.get(kUserPath), b.get(kUserPath));
  EXPECT_NE(a.get(kPasswordPath), b.get(kPasswordPath));

  expect_reachable(a);
  expect_reachable(b);
}

TEST_F(E2eCrCredentials, AFactoryResetBootstrapsToNewCredentials) {
  start_acs_with("per-device");
  Device& d = start_agent("CR-RESET");
  const std::string old_user = d.get(kUserPath);
  const std::string old_password = d.get(kPasswordPath);
  ASSERT_EQ(old_user.rfind("cr-", 0), 0u) << old_user;

  const std::size_t before = d.sessions().size();
  EXPECT_EQ(d.agent->agent().settle().wait_for(10s), std::future_status::ready);
  expect_done(post_task(d.id, {{"name", "factoryReset"}}));
  std::optional<SessionReport> bootstrap;
  ASSERT_TRUE(eventually(
      [&] {
        const auto all = d.sessions();
        for (std::size_t i = before; i < all.size(); ++i) {
          if (contains(all[i].events, "0 BOOTSTRAP")) bootstrap = all[i];
        }
        return bootstrap.has_value();
      },
      10s));
  EXPECT_TRUE(bootstrap->ok) << bootstrap->error;
  const std::string user = d.get(kUserPath);
  EXPECT_EQ(user.rfind("cr-", 0), 0u) << user;
  EXPECT_NE(user, old_user);
  EXPECT_NE(d.get(kPasswordPath), old_password);
  EXPECT_EQ(target(d).username, user);
  EXPECT_EQ(target(d).password, d.get(kPasswordPath));
  expect_reachable(d);
}

// A device whose ConnectionRequestUsername is read-only (a hook that cannot set: SPV answers
// 9008 for it, and the whole SetParameterValues fails, TR-069 A.3.2.1).
class ReadOnlyUsername : public cpe::model::ValueHook {
 public:
  cpe::model::HookResult get(const std::string&) override {
    return cpe::model::HookResult::value("");
  }
};

TEST_F(E2eCrCredentials, ARefusingDeviceKeepsWhatTheAcsKnewAndTheFaultIsInTheNbi) {
  start_acs_with("per-device");
  Device& d = start_agent(agent_config("CR-RO"), [](cpe_app::CpeApp& app) {
    app.model().add_hook(std::string(kUserPath), std::make_shared<ReadOnlyUsername>());
  });
  EXPECT_TRUE(d.sessions().front().ok) << d.sessions().front().error;
  const std::vector<acs::Task> refused = tasks(d);
  ASSERT_EQ(refused.size(), 1u);
  const json::value t = task(std::to_string(refused[0].id));
  EXPECT_EQ(string_at(t, "status"), "fault") << json::serialize(t);
  EXPECT_GT(int_at(t, "fault.code"), 0) << json::serialize(t);
  EXPECT_EQ(d.get(kPasswordPath), "");  // all or nothing: the password did not change either
  EXPECT_EQ(target(d).username, "");    // the ACS learned nothing
  EXPECT_EQ(target(d).password, "");
  expect_reachable(d);  // with what both sides had
}

// The credentials task runs before the tasks an operator queued for the device: here an
// operator's own credentials, which therefore win.
TEST_F(E2eCrCredentials, TheCredentialsGoFirstInABootstrapSession) {
  start_acs_with("per-device");
  cpe_app::CpeConfig c = agent_config("CR-ORDER");
  Device& first = start_agent(c);
  const std::string generated = first.get(kUserPath);
  first.agent.reset();  // off, with its state on disk
  const Reply queued =
      post_task(first.id,
                {{"name", "setParameterValues"},
                 {"parameterValues",
                  json::array{json::value(json::array{std::string(kUserPath), "operator-choice"}),
                              json::array{std::string(kPasswordPath), "operator-secret"}}}},
                false);
  EXPECT_EQ(queued.status, 202u) << queued.body;
  // Back with another spelling of the ACS URL: a new ACS URL is a bootstrap (TR-069 §3.7.1.5).
  c.acs_url = "http://127.0.0.1:" + std::to_string(ports_.cwmp) + "/cwmp";
  Device& again = start_agent(c);
  EXPECT_TRUE(contains(again.sessions().front().events, "0 BOOTSTRAP"));
  EXPECT_EQ(again.get(kUserPath), "operator-choice");
  EXPECT_EQ(target(again).username, "operator-choice");
  EXPECT_EQ(target(again).password, "operator-secret");
  const std::vector<acs::Task> all = tasks(again);
  ASSERT_EQ(all.size(), 3u);  // credentials, the operator's, new credentials
  for (const acs::Task& t : all) EXPECT_EQ(t.state, acs::TaskState::kDone) << t.id;
  EXPECT_NE(generated, "operator-choice");
  expect_reachable(again);
}

TEST_F(E2eCrCredentials, KeepSetsNothing) {
  start_acs_with("keep");
  Device& d = start_agent("CR-KEEP");
  EXPECT_TRUE(contains(d.sessions().front().events, "0 BOOTSTRAP"));
  EXPECT_EQ(d.get(kUserPath), "");  // the factory agent's: none
  EXPECT_EQ(d.get(kPasswordPath), "");
  EXPECT_TRUE(tasks(d).empty());
  EXPECT_EQ(target(d).username, "");
  expect_reachable(d);  // empty credentials on both sides
}

}  // namespace
