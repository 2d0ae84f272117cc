// Durability (issue 4 §7): the agent dies at the worst moments and a new one starts from the
// state directory. In process, crash_at makes the agent stop dead at a named point (nothing
// more written or sent, as kill -9 would); one test forks a real agent process and kills it
// with SIGKILL. Checked: nothing acknowledged is lost, and nothing is delivered twice except
// in the one window no protocol can close (acknowledged by the ACS, killed before recording).
#include <signal.h>
#include <sys/wait.h>

#include "cpe/agent/agent_state.hpp"
#include "cpe_agent_test_support.hpp"

namespace cpe_agent_test {
namespace {

class Durability : public AgentFixture {
 protected:
  // Options that die at the n-th time `point` is reached (1 = the first).
  AgentOptions dying_at(std::string point, int nth = 1) {
    AgentOptions o = options();
    auto count = std::make_shared<std::atomic<int>>(0);
    o.crash_at = [point, nth, count](std::string_view p) { return p == point && ++*count == nth; };
    return o;
  }
  void expect_dead() {
    ASSERT_TRUE(agent_);
    EXPECT_TRUE(agent_->status().dead);
  }
  void restart() {
    agent_.reset();
    start();
  }
  std::vector<cwmp::TransferComplete> all_transfer_completes() {
    std::vector<cwmp::TransferComplete> out;
    for (const auto& s : acs_->sessions()) {
      for (const auto& tc : s.transfer_completes()) out.push_back(tc);
    }
    return out;
  }
  cwmp::Download firmware(const std::string& key) {
    files_->put("/fw-8.0.bin", {200, "image", "", ""});
    cwmp::Download d;
    d.command_key = key;
    d.file_type = "1 Firmware Upgrade Image";
    d.url = files_->url("/fw-8.0.bin");
    return d;
  }
};

TEST_F(Durability, KilledBetweenSavingADownloadAndAnsweringIt) {
  const cwmp::Download d = firmware("dl");
  acs_->queue(d);
  start(dying_at("rpc-saved:Download"));
  expect_dead();
  EXPECT_EQ(acs_->last().answers.size(), 0u);  // the ACS never got the DownloadResponse
  // It sends the Download again in the next session; the agent knows it already.
  acs_->queue(d);
  restart();
  EXPECT_EQ(files_->gets(), 1u);
  const auto tcs = all_transfer_completes();
  ASSERT_EQ(tcs.size(), 1u);
  EXPECT_EQ(tcs[0].command_key, "dl");
  EXPECT_EQ(tcs[0].fault_struct.fault_code, 0u);
  EXPECT_EQ(device_.value("Device.DeviceInfo.SoftwareVersion"), "8.0");
}

TEST_F(Durability, KilledWhenTheTransferStarted) {
  acs_->queue(firmware("dl"));
  start(dying_at("transfer-started"));
  expect_dead();
  EXPECT_EQ(files_->gets(), 0u);
  restart();  // the transfer starts over
  EXPECT_EQ(files_->gets(), 1u);
  ASSERT_EQ(all_transfer_completes().size(), 1u);
}

TEST_F(Durability, KilledBetweenTheTransferAndItsReport) {
  acs_->queue(firmware("dl"));
  start(dying_at("transfer-finished"));
  expect_dead();
  EXPECT_TRUE(all_transfer_completes().empty());
  restart();
  EXPECT_EQ(files_->gets(), 1u);  // not downloaded again
  const AcsSession boot = acs_->last();
  EXPECT_TRUE(boot.has_event("1 BOOT"));
  EXPECT_TRUE(boot.has_event("7 TRANSFER COMPLETE"));
  EXPECT_TRUE(boot.has_event("M Download", "dl"));
  ASSERT_EQ(all_transfer_completes().size(), 1u);
  restart();
  EXPECT_EQ(all_transfer_completes().size(), 1u);
}

TEST_F(Durability, KilledWhileTheTransferCompleteWasInFlight) {
  acs_->queue(firmware("dl"));
  // The TransferComplete POST is the first POST of the second session (after the Inform).
  AgentOptions o = options();
  auto posts = std::make_shared<std::atomic<int>>(0);
  auto tc_pending = std::make_shared<std::atomic<bool>>(false);
  o.crash_at = [posts, tc_pending](std::string_view p) {
    if (p == "transfer-finished") tc_pending->store(true);
    return p == "post" && tc_pending->load() && ++*posts == 2;
  };
  start(o);
  expect_dead();
  EXPECT_TRUE(all_transfer_completes().empty());
  restart();
  ASSERT_EQ(all_transfer_completes().size(), 1u);
}

TEST_F(Durability, KilledAfterTheAcknowledgementWasSaved) {
  acs_->queue(firmware("dl"));
  AgentOptions o = options();
  auto acked = std::make_shared<std::atomic<bool>>(false);
  o.crash_at = [acked](std::string_view p) {
    if (p == "request-acknowledged") acked->store(true);
    return p == "post" && acked->load();  // the empty POST after the ack was saved
  };
  start(o);
  expect_dead();
  ASSERT_EQ(all_transfer_completes().size(), 1u);
  restart();
  EXPECT_EQ(all_transfer_completes().size(), 1u);  // not sent twice
  EXPECT_FALSE(acs_->last().has_event("M Download"));
}

TEST_F(Durability, KilledAfterTheAcknowledgementCameBeforeItWasSaved) {
  // The one window no protocol closes: the ACS has the TransferComplete, we do not know.
  // It is sent again (the ACS matches it by CommandKey); it is never lost.
  acs_->queue(firmware("dl"));
  start(dying_at("request-acknowledged"));
  expect_dead();
  restart();
  const auto tcs = all_transfer_completes();
  ASSERT_EQ(tcs.size(), 2u);
  EXPECT_EQ(tcs[0], tcs[1]);
}

TEST_F(Durability, KilledBeforeTheInformResponseWasRecorded) {
  start();
  cwmp::ScheduleInform si;
  si.delay_seconds = 10;
  si.command_key = "si";
  acs_->queue(si);
  agent_->diagnostics_complete();
  settle();
  agent_.reset();
  // The scheduled inform fires; the agent dies with its InformResponse in hand.
  start(dying_at("inform-acknowledged", 2));
  advance(10s);
  expect_dead();
  ASSERT_TRUE(acs_->last().has_event("M ScheduleInform", "si"));
  const std::size_t before = acs_->session_count();
  restart();
  // Delivered again with the boot (at least once), then never again.
  ASSERT_EQ(acs_->session_count(), before + 1);
  EXPECT_TRUE(acs_->last().has_event("M ScheduleInform", "si"));
  EXPECT_TRUE(acs_->last().has_event("1 BOOT"));
  advance(1h);
  agent_->diagnostics_complete();
  settle();
  EXPECT_FALSE(acs_->last().has_event("M ScheduleInform"));
}

TEST_F(Durability, RebootPromiseSurvives) {
  acs_->queue(cwmp::Reboot{"rb"});
  start(dying_at("rpc-saved:Reboot"));
  expect_dead();
  restart();
  const AcsSession boot = acs_->last();
  EXPECT_TRUE(boot.has_event("1 BOOT"));
  EXPECT_TRUE(boot.has_event("M Reboot", "rb"));
}

TEST_F(Durability, FactoryResetPromiseSurvives) {
  acs_->queue(cwmp::FactoryReset{});
  start(dying_at("rpc-saved:FactoryReset"));
  expect_dead();
  EXPECT_EQ(device_.factory_resets(), 0);
  restart();
  EXPECT_EQ(device_.factory_resets(), 1);
  EXPECT_EQ(acs_->last().events(), (std::vector<std::string>{"0 BOOTSTRAP", "1 BOOT"}));
}

TEST_F(Durability, ScheduledInformAndQueuedTransfersSurvive) {
  cwmp::ScheduleInform si;
  si.delay_seconds = 100;
  si.command_key = "later";
  acs_->queue(si);
  cwmp::Download d = firmware("queued");
  d.delay_seconds = 200;
  acs_->queue(d);
  // Posts: Inform, empty, ScheduleInformResponse, DownloadResponse: it dies before the last
  // goes out, with both promises on disk.
  start(dying_at("post", 4));
  restart();
  // Events undelivered before the crash are still there; the promises too.
  const auto status = agent_->status();
  ASSERT_EQ(status.scheduled_informs.size(), 1u);
  ASSERT_EQ(status.transfers.size(), 1u);
  advance(100s);
  EXPECT_TRUE(acs_->last().has_event("M ScheduleInform", "later"));
  advance(100s);
  ASSERT_EQ(all_transfer_completes().size(), 1u);
  EXPECT_EQ(all_transfer_completes()[0].command_key, "queued");
}

TEST_F(Durability, UnreadableStateIsSetAsideAndTheAgentBootstraps) {
  start();
  agent_.reset();
  {
    std::ofstream out(dir_ / "state" / "state.json", std::ios::trunc);
    out << "{ not json";
  }
  start();
  EXPECT_EQ(acs_->last().events(), (std::vector<std::string>{"0 BOOTSTRAP", "1 BOOT"}));
  EXPECT_TRUE(fs::exists(dir_ / "state" / "state.json.corrupt-1"));
}

// A real process, a real SIGKILL. A launcher process is forked before the test starts any
// thread; on request it forks an agent process (so no process is ever forked from a
// multi-threaded one) and reports its pid and how it ended. The ACS kills the agent the moment
// its DownloadResponse arrives, then (a new agent on the same state) the moment its
// TransferComplete arrives; a third agent, in process, finishes the job.
class KillNine : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "cpe_agent_kill_XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    int to_launcher[2];
    int from_launcher[2];
    ASSERT_EQ(pipe(to_launcher), 0);
    ASSERT_EQ(pipe(from_launcher), 0);
    launcher_ = fork();
    ASSERT_GE(launcher_, 0);
    if (launcher_ == 0) {
      close(to_launcher[1]);
      close(from_launcher[0]);
      launcher(to_launcher[0], from_launcher[1]);
    }
    close(to_launcher[0]);
    close(from_launcher[1]);
    command_ = to_launcher[1];
    reply_ = from_launcher[0];
  }
  void TearDown() override {
    if (command_ >= 0) close(command_);  // EOF: the launcher exits
    if (reply_ >= 0) close(reply_);
    if (launcher_ > 0) waitpid(launcher_, nullptr, 0);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  [[noreturn]] void launcher(int in, int out) {
    char url[512];
    for (;;) {
      const ssize_t n = read(in, url, sizeof url - 1);
      if (n <= 0) _exit(0);
      const std::string acs_url(url, static_cast<std::size_t>(n));
      const pid_t agent = fork();
      if (agent == 0) run_agent(acs_url);
      (void)!write(out, &agent, sizeof agent);
      int status = 0;
      waitpid(agent, &status, 0);
      (void)!write(out, &status, sizeof status);
    }
  }

  [[noreturn]] void run_agent(const std::string& acs_url) {
    alarm(30);  // never outlive a broken test
    asio::io_context io;
    FakeDevice device;
    device.set_management([&](cpe::ManagementSettings& m) { m.url = acs_url; });
    Agent agent(io, device, agent_options());
    agent.start();
    io.run();
    _exit(3);
  }

  AgentOptions agent_options() {
    AgentOptions o;
    o.state_dir = dir_ / "state";
    o.cr_listen = "";
    o.clock = std::make_shared<ManualClock>();
    o.http_timeout = 5s;
    return o;
  }

  pid_t launch(const std::string& url) {
    EXPECT_EQ(write(command_, url.data(), url.size()), static_cast<ssize_t>(url.size()));
    pid_t pid = 0;
    EXPECT_EQ(read(reply_, &pid, sizeof pid), static_cast<ssize_t>(sizeof pid));
    return pid;
  }
  int wait_end() {
    int status = 0;
    EXPECT_EQ(read(reply_, &status, sizeof status), static_cast<ssize_t>(sizeof status));
    return status;
  }

  fs::path dir_;
  pid_t launcher_ = -1;
  int command_ = -1;
  int reply_ = -1;
};

TEST_F(KillNine, NothingLostNothingTwice) {
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  std::thread thread([&] { io.run(); });
  FileServer files(io);
  files.put("/fw-9.9.bin", {200, "image", "", ""});
  ScriptedAcs acs;
  cwmp::Download d;
  d.command_key = "k9";
  d.file_type = "1 Firmware Upgrade Image";
  d.url = files.url("/fw-9.9.bin");
  acs.queue(d);
  std::atomic<int> kills{0};
  std::atomic<pid_t> victim{0};
  acs.set_hook([&](const net::Request&,
                   const std::optional<cwmp::Envelope>& env) -> std::optional<net::Response> {
    if (!env) return std::nullopt;
    const bool download_answered = std::holds_alternative<cwmp::DownloadResponse>(env->body);
    const bool transfer_complete = std::holds_alternative<cwmp::TransferComplete>(env->body);
    if ((download_answered && kills == 0) || (transfer_complete && kills == 1)) {
      // The worst moments: the agent waits for our answer to what it just promised or sent.
      for (int i = 0; i < 1000 && victim.load() <= 0; ++i) std::this_thread::sleep_for(5ms);
      ++kills;  // before the kill: the test thread reads it as soon as the child is dead
      kill(victim.load(), SIGKILL);
      return status_response(http::status::service_unavailable);
    }
    return std::nullopt;
  });
  const std::string url = acs.url();

  victim = launch(url);
  int status = wait_end();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  EXPECT_EQ(kills.load(), 1);
  EXPECT_EQ(files.gets(), 0u);

  victim = 0;
  victim = launch(url);
  status = wait_end();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  EXPECT_EQ(kills.load(), 2);
  EXPECT_EQ(files.gets(), 1u);  // the second agent downloaded: the promise survived

  acs.set_hook(nullptr);
  FakeDevice device;
  device.set_management([&](cpe::ManagementSettings& m) { m.url = url; });
  {
    Agent agent(io, device, agent_options());
    agent.start();
    ASSERT_EQ(agent.settle().wait_for(20s), std::future_status::ready);
    EXPECT_TRUE(agent.status().transfers.empty());
  }
  // Downloaded once; the TransferComplete was sent twice (the first was never answered) and
  // answered once.
  EXPECT_EQ(files.gets(), 1u);
  std::vector<std::string> answered;
  for (const auto& s : acs.sessions()) {
    if (!s.completed) continue;
    for (const auto& tc : s.transfer_completes()) answered.push_back(tc.command_key);
  }
  EXPECT_EQ(answered, std::vector<std::string>{"k9"});
  const AcsSession last = acs.last();
  EXPECT_TRUE(last.has_event("M Download", "k9"));
  files.stop();
  acs.stop();
  work.reset();
  io.stop();
  thread.join();
}

}  // namespace
}  // namespace cpe_agent_test
