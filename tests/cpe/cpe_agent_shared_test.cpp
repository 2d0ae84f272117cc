// Many agents in one process (issue 5 §1, what cwmp-sim needs): agents on one io_context with
// a shared worker pool, in-memory state and one connection-request router. Each bootstraps,
// connection requests reach exactly the right agent with that device's own Digest
// credentials, destroying one leaves the others working, and no agent owns a thread.
#include <malloc.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdio>
#include <set>

#include "cpe/agent/connection_request.hpp"
#include "cpe_agent_test_support.hpp"
#include "net/tls.hpp"

// GCC defines __SANITIZE_ADDRESS__; clang answers __has_feature(address_sanitizer).
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CWMP_TEST_HAS_ASAN 1
#endif
#endif
#ifndef CWMP_TEST_HAS_ASAN
#define CWMP_TEST_HAS_ASAN 0
#endif

namespace cpe_agent_test {
namespace {

using cpe::agent::ConnectionRequestRouter;
using cpe::agent::ConnectionRequestRouterOptions;

std::size_t thread_count() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator("/proc/self/task")) ++n;
  return n;
}

// After giving freed heap pages back (glibc keeps the peak of 1,000 simultaneous sessions
// otherwise): what the agents hold, not what they once used.
std::size_t resident_bytes() {
  ::malloc_trim(0);
  std::ifstream in("/proc/self/statm");
  std::size_t size = 0;
  std::size_t resident = 0;
  in >> size >> resident;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

std::string serial_of(int i) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "SN-%04d", i);
  return buffer;
}

// A FakeDevice with its own serial number and connection-request credentials, which also
// checks that the agent never makes two calls into it at once (a worker strand per agent).
class NumberedDevice : public FakeDevice {
 public:
  explicit NumberedDevice(int i) : serial_(serial_of(i)) {
    set_management([i](cpe::ManagementSettings& m) {
      m.connection_request_username = "user-" + std::to_string(i);
      m.connection_request_password = "pass-" + std::to_string(i);
    });
  }
  cwmp::DeviceId device_id() const override { return {"Acme", "00D09E", "Gateway", serial_}; }
  cpe::ManagementSettings management() const override {
    Inside inside(*this);
    if (gate_) gate_->wait();
    return FakeDevice::management();
  }
  std::vector<cwmp::ParameterValue> inform_parameters() override {
    Inside inside(*this);
    std::this_thread::yield();  // widens the window in which a second call would overlap
    return FakeDevice::inform_parameters();
  }
  cwmp::Body handle(const cwmp::Body& request) override {
    Inside inside(*this);
    return FakeDevice::handle(request);
  }

  int max_concurrent() const { return max_concurrent_.load(); }
  int inside() const { return inside_.load(); }
  int calls() const { return calls_.load(); }
  // management() waits for `gate` (tests of ~Agent while a worker call runs).
  void set_gate(std::shared_future<void> gate) { gate_ = std::move(gate); }

 private:
  struct Inside {
    explicit Inside(const NumberedDevice& d) : device(d) {
      device.calls_.fetch_add(1);
      const int now = device.inside_.fetch_add(1) + 1;
      int seen = device.max_concurrent_.load();
      while (now > seen && !device.max_concurrent_.compare_exchange_weak(seen, now)) {
      }
    }
    ~Inside() { device.inside_.fetch_sub(1); }
    const NumberedDevice& device;
  };

  std::string serial_;
  mutable std::atomic<int> inside_{0};
  mutable std::atomic<int> max_concurrent_{0};
  mutable std::atomic<int> calls_{0};
  std::optional<std::shared_future<void>> gate_;
};

// An ACS that answers every Inform and ends every session, remembering only counts per
// serial number (the footprint test must not measure the ACS's memory).
class CountingAcs {
 public:
  CountingAcs()
      : server_(std::make_unique<net::HttpServer>(
            io_, [this](net::Request& r, const net::ConnectionInfo&) { return serve(r); })) {
    port_ = server_->listen("127.0.0.1:0");
    thread_ = std::thread([this] { io_.run(); });
  }
  ~CountingAcs() {
    std::promise<void> done;
    server_->stop(0ms, [&done] { done.set_value(); });
    done.get_future().wait_for(5s);
    work_.reset();
    io_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/acs"; }
  std::size_t informs() const {
    std::lock_guard lock(mutex_);
    return informs_;
  }
  std::size_t connections() const { return server_->connection_count(); }

 private:
  asio::awaitable<net::Response> serve(net::Request& request) { co_return handle(request); }
  net::Response handle(const net::Request& request) {
    if (request.body().empty()) return status_response(http::status::no_content);
    auto decoded = cwmp::decode(request.body());
    if (!decoded || !std::holds_alternative<cwmp::Inform>(decoded->envelope.body)) {
      return status_response(http::status::bad_request);
    }
    {
      std::lock_guard lock(mutex_);
      ++informs_;
    }
    cwmp::Envelope out;
    out.header.id = decoded->envelope.header.id;
    out.body = cwmp::InformResponse{1};
    return envelope_response(out);
  }

  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      io_.get_executor()};
  std::thread thread_;
  std::unique_ptr<net::HttpServer> server_;
  std::uint16_t port_ = 0;
  mutable std::mutex mutex_;
  std::size_t informs_ = 0;
};

// ---------------------------------------------------------------------------------------------

class SharedAgents : public ::testing::Test {
 protected:
  static constexpr int kAgents = 50;

  void SetUp() override {
    spdlog::set_level(spdlog::level::warn);  // 50 agents' info lines would drown the output
    clock_ = std::make_shared<ManualClock>();
    acs_ = std::make_unique<ScriptedAcs>();
    ConnectionRequestRouterOptions ro;
    ro.listen = "127.0.0.1:0";
    router_ = std::make_shared<ConnectionRequestRouter>(io_, ro);
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    agents_.clear();
    if (acs_) acs_->stop();
    router_->stop();
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
    pool_.join();
    spdlog::set_level(spdlog::level::info);
  }

  AgentOptions options() {
    AgentOptions o;
    o.state_dir.clear();  // in memory
    o.worker = pool_.get_executor();
    o.cr_router = router_;
    o.clock = clock_;
    o.random = [] { return 0.0; };
    o.http_timeout = 5s;
    o.transfer_timeout = 5s;
    o.max_session_reports = 4;
    return o;
  }

  // Creates devices 0..n-1 and their agents, starts them all, waits until all are idle.
  void start_all(int n, std::string acs_url) {
    for (int i = 0; i < n; ++i) {
      devices_.push_back(std::make_unique<NumberedDevice>(i));
      devices_.back()->set_management([&](cpe::ManagementSettings& m) { m.url = acs_url; });
    }
    for (int i = 0; i < n; ++i) {
      agents_.push_back(std::make_unique<Agent>(io_, *devices_[i], options()));
    }
    for (auto& agent : agents_) agent->start();
    settle_all();
  }

  void settle_all() {
    std::vector<std::future<void>> futures;
    for (auto& agent : agents_) {
      if (agent) futures.push_back(agent->settle());
    }
    for (auto& f : futures) ASSERT_EQ(f.wait_for(60s), std::future_status::ready);
  }

  // The ACS's sessions per serial number.
  std::map<std::string, std::vector<AcsSession>> sessions_by_serial() const {
    std::map<std::string, std::vector<AcsSession>> out;
    for (const AcsSession& s : acs_->sessions()) {
      out[s.body().device_id.serial_number].push_back(s);
    }
    return out;
  }

  std::string url(int i) { return agents_[i]->status().connection_request_url; }

  net::ClientResult get(const std::string& url, net::Headers headers = {}) {
    auto request =
        net::http_request(io_.get_executor(), url, http::verb::get, std::move(headers), "", 2s);
    return asio::co_spawn(io_, std::move(request), asio::use_future).get();
  }

  // GET, 401, GET with Digest (as an ACS does).
  net::ClientResult connection_request(const std::string& url, const std::string& username,
                                       const std::string& password) {
    net::ClientResult first = get(url);
    if (first.status() != 401) return first;
    std::string www;
    for (auto [it, end] = first.response.equal_range(http::field::www_authenticate); it != end;
         ++it) {
      if (!www.empty()) www += ", ";
      www += std::string(it->value());
    }
    auto selected = cwmp::auth::parse_www_authenticate(www);
    if (!selected) return first;
    cwmp::auth::DigestClient client(username, password, random_bytes);
    client.set_challenge(selected->digest);
    const std::string target = url.substr(url.find('/', 8));
    auto authorization = client.authorization("GET", target);
    return get(url, {{"Authorization", *authorization}});
  }
  net::ClientResult connection_request(int target, int credentials_of) {
    return connection_request(url(target), "user-" + std::to_string(credentials_of),
                              "pass-" + std::to_string(credentials_of));
  }

  // Before io_: destroying the io_context destroys the agents' pending work, which still
  // holds strands of this pool (AgentOptions::worker).
  asio::thread_pool pool_{2};
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      io_.get_executor()};
  std::thread thread_;
  std::shared_ptr<ManualClock> clock_;
  std::unique_ptr<ScriptedAcs> acs_;
  std::shared_ptr<ConnectionRequestRouter> router_;
  std::vector<std::unique_ptr<NumberedDevice>> devices_;  // outlive the agents
  std::vector<std::unique_ptr<Agent>> agents_;
};

TEST_F(SharedAgents, FiftyAgentsBootstrapWithoutAThreadEach) {
  const std::size_t threads_before = thread_count();
  start_all(kAgents, acs_->url());
  const std::size_t threads_after = thread_count();
  // A thread per agent would be +50. The io_context's resolver may start its one thread.
  EXPECT_LE(threads_after, threads_before + 1) << threads_before << " -> " << threads_after;

  const auto by_serial = sessions_by_serial();
  ASSERT_EQ(by_serial.size(), static_cast<std::size_t>(kAgents));
  std::set<std::string> urls;
  for (int i = 0; i < kAgents; ++i) {
    const auto it = by_serial.find(serial_of(i));
    ASSERT_NE(it, by_serial.end()) << serial_of(i);
    ASSERT_EQ(it->second.size(), 1u) << serial_of(i);
    EXPECT_TRUE(it->second[0].has_event("0 BOOTSTRAP"));
    EXPECT_TRUE(it->second[0].has_event("1 BOOT"));
    const cpe::agent::AgentStatus status = agents_[i]->status();
    EXPECT_EQ(status.sessions, 1u);
    EXPECT_TRUE(status.pending_events.empty());
    EXPECT_EQ(status.connection_request_port, router_->port());
    EXPECT_EQ(devices_[i]->value("Device.ManagementServer.ConnectionRequestURL"),
              status.connection_request_url);
    urls.insert(status.connection_request_url);
    EXPECT_EQ(devices_[i]->max_concurrent(), 1) << "two worker calls at once into " << i;
  }
  EXPECT_EQ(urls.size(), static_cast<std::size_t>(kAgents));  // a path each, one port
  EXPECT_EQ(router_->size(), static_cast<std::size_t>(kAgents));
}

TEST_F(SharedAgents, ConnectionRequestsReachExactlyTheRightAgent) {
  start_all(kAgents, acs_->url());
  ASSERT_EQ(acs_->session_count(), static_cast<std::size_t>(kAgents));

  // One device: only its agent opens a session.
  EXPECT_EQ(connection_request(7, 7).status(), 200u);
  settle_all();
  auto by_serial = sessions_by_serial();
  ASSERT_EQ(acs_->session_count(), static_cast<std::size_t>(kAgents + 1));
  ASSERT_EQ(by_serial[serial_of(7)].size(), 2u);
  EXPECT_EQ(by_serial[serial_of(7)][1].events(), std::vector<std::string>{"6 CONNECTION REQUEST"});

  // Another device's credentials are refused, and so is a wrong password.
  EXPECT_EQ(connection_request(3, 4).status(), 401u);
  EXPECT_EQ(connection_request(url(3), "user-3", "pass-4").status(), 401u);
  settle_all();
  EXPECT_EQ(acs_->session_count(), static_cast<std::size_t>(kAgents + 1));
  EXPECT_EQ(agents_[3]->status().connection_requests.accepted, 0u);
  EXPECT_GE(agents_[3]->status().connection_requests.unauthorized, 4u);
  EXPECT_EQ(agents_[4]->status().connection_requests.unauthorized, 0u);

  // Every device at once, each with its own credentials: one session each.
  for (int i = 0; i < kAgents; ++i) {
    ASSERT_EQ(connection_request(i, i).status(), 200u) << i;
  }
  settle_all();
  by_serial = sessions_by_serial();
  for (int i = 0; i < kAgents; ++i) {
    const auto& sessions = by_serial[serial_of(i)];
    ASSERT_EQ(sessions.size(), i == 7 ? 3u : 2u) << i;
    EXPECT_TRUE(sessions.back().has_event("6 CONNECTION REQUEST")) << i;
    EXPECT_EQ(agents_[i]->status().connection_requests.accepted, i == 7 ? 2u : 1u) << i;
  }

  // A path nobody registered: 404, counted by the router.
  const std::string base = url(0).substr(0, url(0).rfind('/'));
  EXPECT_EQ(get(base + "/nobody").status(), 404u);
  EXPECT_EQ(router_->not_found(), 1u);
  // Not GET: 405, as from a listener of its own.
  auto post = net::http_request(io_.get_executor(), url(5), http::verb::post, {}, "x", 2s);
  EXPECT_EQ(asio::co_spawn(io_, std::move(post), asio::use_future).get().status(), 405u);
}

TEST_F(SharedAgents, FloodLimitIsPerDevice) {
  start_all(3, acs_->url());
  // The clock does not move: the bucket does not refill. Burst 10, each GET takes a token.
  int limited = 0;
  for (int n = 0; n < 12; ++n) {
    if (get(url(1)).status() == 503u) ++limited;
  }
  EXPECT_EQ(limited, 2);
  EXPECT_EQ(agents_[1]->status().connection_requests.rate_limited, 2u);
  // The neighbours are untouched by device 1's flood.
  EXPECT_EQ(connection_request(2, 2).status(), 200u);
  EXPECT_EQ(get(url(0)).status(), 401u);
}

TEST_F(SharedAgents, DestroyingOneAgentLeavesTheOthersWorking) {
  start_all(10, acs_->url());
  const std::string gone_url = url(4);
  agents_[4].reset();
  EXPECT_EQ(router_->size(), 9u);
  EXPECT_EQ(get(gone_url).status(), 404u);  // unregistered: as if it never existed
  const int calls = devices_[4]->calls();

  EXPECT_EQ(connection_request(5, 5).status(), 200u);
  EXPECT_EQ(connection_request(3, 3).status(), 200u);
  settle_all();
  auto by_serial = sessions_by_serial();
  EXPECT_EQ(by_serial[serial_of(5)].size(), 2u);
  EXPECT_EQ(by_serial[serial_of(3)].size(), 2u);
  EXPECT_EQ(by_serial[serial_of(4)].size(), 1u);
  EXPECT_EQ(devices_[4]->calls(), calls);  // nothing reached the destroyed agent's device
}

TEST_F(SharedAgents, DestructorWaitsForTheRunningWorkerCallAndMakesNoMore) {
  start_all(2, acs_->url());
  std::promise<void> release;
  devices_[0]->set_gate(release.get_future().share());
  auto settled = agents_[0]->settle();  // its refresh() reads management(), which now blocks
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (devices_[0]->inside() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_EQ(devices_[0]->inside(), 1);
  auto destroyed = std::async(std::launch::async, [this] { agents_[0].reset(); });
  // ~Agent cannot return while the device call runs (there is no thread of its own to join).
  EXPECT_EQ(destroyed.wait_for(200ms), std::future_status::timeout);
  const int calls = devices_[0]->calls();
  release.set_value();
  ASSERT_EQ(destroyed.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(devices_[0]->inside(), 0);
  EXPECT_EQ(settled.wait_for(10s), std::future_status::ready);
  std::this_thread::sleep_for(50ms);       // a stray call would have had time to come
  EXPECT_EQ(devices_[0]->calls(), calls);  // none after the call that was running
  // The other agent still answers.
  EXPECT_EQ(connection_request(1, 1).status(), 200u);
}

// In memory, a download is counted and discarded: its first 4 KiB still reach the installer,
// enough for a simulated firmware image's metadata header.
TEST_F(SharedAgents, InMemoryDownloadIsDiscardedButInstalled) {
  FileServer files(io_);
  files.put("/fw.bin",
            {200, "#cwmp-firmware\nversion=3.1.4\n\n" + std::string(100'000, 'x'), "", ""});
  start_all(2, acs_->url());
  cwmp::Download download;
  download.command_key = "fw";
  download.file_type = "1 Firmware Upgrade Image";
  download.url = files.url("/fw.bin");
  acs_->queue(download);
  EXPECT_EQ(connection_request(0, 0).status(), 200u);
  settle_all();  // the session takes the Download; the transfer runs; the reboot follows
  settle_all();
  EXPECT_EQ(devices_[0]->value("Device.DeviceInfo.SoftwareVersion"), "3.1.4");
  const auto by_serial = sessions_by_serial();
  const auto& sessions = by_serial.at(serial_of(0));
  ASSERT_GE(sessions.size(), 3u);
  const auto completes = sessions.back().transfer_completes();
  ASSERT_EQ(completes.size(), 1u);
  EXPECT_EQ(completes[0].fault_struct.fault_code, 0u);
  EXPECT_TRUE(sessions.back().has_event("M Download", "fw"));
  files.stop();
}

// With download_dir, an in-memory agent streams to a temporary file of its own there, and
// removes it once installed.
TEST_F(SharedAgents, InMemoryDownloadToATemporaryFile) {
  std::string tmpl = (fs::temp_directory_path() / "cpe_agent_shared_XXXXXX").string();
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  const fs::path dir = tmpl;
  FileServer files(io_);
  files.put("/router-2.4.1.bin", {200, std::string(50'000, 'y'), "", ""});
  devices_.push_back(std::make_unique<NumberedDevice>(0));
  devices_[0]->set_management([&](cpe::ManagementSettings& m) { m.url = acs_->url(); });
  AgentOptions o = options();
  o.download_dir = dir;
  std::atomic<bool> saw_file{false};
  o.hooks.install = [&](const cpe::agent::InstallRequest& r) {
    saw_file = r.file.parent_path() == dir && fs::file_size(r.file) == 50'000 && r.head.empty();
    cpe::agent::InstallResult result;
    result.software_version = "2.4.1";
    return result;
  };
  agents_.push_back(std::make_unique<Agent>(io_, *devices_[0], o));
  agents_[0]->start();
  settle_all();
  cwmp::Download download;
  download.command_key = "fw";
  download.file_type = "1 Firmware Upgrade Image";
  download.url = files.url("/router-2.4.1.bin");
  acs_->queue(download);
  EXPECT_EQ(connection_request(0, 0).status(), 200u);
  settle_all();
  settle_all();
  EXPECT_TRUE(saw_file.load());
  EXPECT_EQ(devices_[0]->value("Device.DeviceInfo.SoftwareVersion"), "2.4.1");
  EXPECT_TRUE(fs::is_empty(dir));
  files.stop();
  fs::remove_all(dir);
}

// What an idle agent costs: 1,000 agents on one io_context with a shared worker, a shared TLS
// context, a router, in-memory state and 4 session reports each. The devices (the test's fake
// model) exist before the first measurement; RSS is read after malloc_trim.
TEST_F(SharedAgents, FootprintOfAThousandIdleAgents) {
#if defined(__SANITIZE_ADDRESS__) || CWMP_TEST_HAS_ASAN
  // AddressSanitizer's redzones and quarantine multiply every allocation: a memory figure
  // taken under it says nothing about the agent (the plain build runs this test).
  GTEST_SKIP() << "memory footprint is not measurable under AddressSanitizer";
#endif
  constexpr int kMany = 1000;
  CountingAcs acs;
  for (int i = 0; i < kMany; ++i) devices_.push_back(std::make_unique<NumberedDevice>(i));
  net::ClientTlsOptions tls;
  auto shared_tls = net::make_client_tls_context(tls);
  const std::size_t threads_before = thread_count();
  const std::size_t rss_before = resident_bytes();
  auto per_agent_kib = [&] { return double(resident_bytes() - rss_before) / kMany / 1024; };

  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < kMany; ++i) {
    AgentOptions o = options();
    o.tls_context = shared_tls;
    agents_.push_back(std::make_unique<Agent>(io_, *devices_[i], o));
  }
  const double created = per_agent_kib();
  // Started with no ACS URL yet: booted, idle, waiting on their timers.
  for (auto& agent : agents_) agent->start();
  settle_all();
  const double idle = per_agent_kib();
  // The URL arrives: every agent bootstraps at once.
  for (int i = 0; i < kMany; ++i) {
    devices_[i]->set_management([&](cpe::ManagementSettings& m) { m.url = acs.url(); });
    agents_[i]->value_changed();
  }
  settle_all();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_EQ(acs.informs(), static_cast<std::size_t>(kMany));
  const double bootstrapped = per_agent_kib();
  // A second session each (an active value change): what a session used is not kept, so the
  // figure does not grow with the number of sessions (beyond the capped reports).
  for (int i = 0; i < kMany; ++i) {
    devices_[i]->change("Device.Test.Value", "b", true);
    agents_[i]->value_changed();
  }
  settle_all();
  ASSERT_EQ(acs.informs(), static_cast<std::size_t>(2 * kMany));
  const double later = per_agent_kib();
  std::printf(
      "[ footprint ] %d agents, RSS per agent: %.1f KiB created, %.1f KiB started and idle, "
      "%.1f KiB after 1 session (all at once), %.1f KiB after 2; threads %zu -> %zu; "
      "%.2f s in all\n",
      kMany, created, idle, bootstrapped, later, threads_before, thread_count(), seconds);
  EXPECT_LE(thread_count(), threads_before + 1);
  // issue 5's budget is 50 KB per simulated device, model included: the agent must stay well
  // inside it.
  EXPECT_LT(later, 40.0);
  EXPECT_LT(later - bootstrapped, 8.0);  // one more report (~1.2 KiB) and heap noise
}

}  // namespace
}  // namespace cpe_agent_test
