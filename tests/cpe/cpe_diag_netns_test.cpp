// IPPing and TraceRoute through a real router: three network namespaces joined by veth
// pairs (client 198.18.1.2 -- 198.18.1.1 router 198.18.2.1 -- 198.18.2.2 target), addresses
// from the RFC 2544 benchmarking block only. The runner's thread lives in the client
// namespace (a thread inherits the namespace of the thread that creates it). Needs root and
// ip(8); skipped otherwise. Everything is created and removed by the test.
#include <fcntl.h>
#include <sched.h>

#include <cstdlib>

#include "cpe_diag_test_support.hpp"

namespace cpe_diag_test {
namespace {

bool sh(const std::string& command) {
  return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
}

class NetnsTest : public DiagFixture {
 protected:
  void SetUp() override {
    DiagFixture::SetUp();
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (ip netns)";
    if (!sh("command -v ip")) GTEST_SKIP() << "ip(8) is missing";
    const std::string id = std::to_string(::getpid() % 100000);
    client_ = "cpediag" + id + "c";
    router_ = "cpediag" + id + "r";
    target_ = "cpediag" + id + "t";
    const std::string a = "cda" + id;  // client side of veth 1 (names <= 15 characters)
    const std::string b = "cdb" + id;  // router side of veth 1
    const std::string c = "cdc" + id;  // router side of veth 2
    const std::string d = "cdd" + id;  // target side of veth 2
    created_ = true;
    const std::vector<std::string> setup = {
        "ip netns add " + client_,
        "ip netns add " + router_,
        "ip netns add " + target_,
        "ip link add " + a + " netns " + client_ + " type veth peer name " + b + " netns " +
            router_,
        "ip link add " + c + " netns " + router_ + " type veth peer name " + d + " netns " +
            target_,
        "ip -n " + client_ + " addr add 198.18.1.2/24 dev " + a,
        "ip -n " + router_ + " addr add 198.18.1.1/24 dev " + b,
        "ip -n " + router_ + " addr add 198.18.2.1/24 dev " + c,
        "ip -n " + target_ + " addr add 198.18.2.2/24 dev " + d,
        "ip -n " + client_ + " link set " + a + " up",
        "ip -n " + router_ + " link set " + b + " up",
        "ip -n " + router_ + " link set " + c + " up",
        "ip -n " + target_ + " link set " + d + " up",
        "ip -n " + client_ + " link set lo up",
        "ip -n " + client_ + " route add default via 198.18.1.1",
        "ip -n " + target_ + " route add default via 198.18.2.1",
        "ip netns exec " + router_ + " sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'",
        // No ICMP rate limit: every probe gets its answer.
        "ip netns exec " + router_ + " sh -c 'echo 0 > /proc/sys/net/ipv4/icmp_ratelimit'",
        "ip netns exec " + target_ + " sh -c 'echo 0 > /proc/sys/net/ipv4/icmp_ratelimit'",
    };
    for (const std::string& command : setup) {
      if (!sh(command)) GTEST_SKIP() << "cannot build the namespaces: " << command << " failed";
    }
    // The runner (and so its thread) is created from a thread inside the client namespace.
    bool entered = false;
    std::thread([&] {
      const int fd = ::open(("/var/run/netns/" + client_).c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) return;
      entered = ::setns(fd, CLONE_NEWNET) == 0;
      ::close(fd);
      if (entered) start_runner(fast_options());
    }).join();
    if (!entered) GTEST_SKIP() << "setns into " << client_ << " refused";
  }

  void TearDown() override {
    model_->set_change_listener(nullptr);
    runner_.reset();
    if (created_) {
      for (const std::string& ns : {client_, router_, target_}) sh("ip netns del " + ns);
    }
  }

  std::string client_, router_, target_;
  bool created_ = false;
};

TEST_F(NetnsTest, TraceRouteSeesTheRouterThenTheTarget) {
  run("TraceRoute", {{"Host", "198.18.2.2"}, {"NumberOfTries", "2"}, {"Timeout", "2000"}});
  EXPECT_EQ(get("TraceRoute", "DiagnosticsState"), "Complete") << log_text();
  EXPECT_EQ(get("TraceRoute", "IPAddressUsed"), "198.18.1.2");
  ASSERT_EQ(get("TraceRoute", "RouteHopsNumberOfEntries"), "2");
  EXPECT_EQ(get("TraceRoute", "RouteHops.1.HostAddress"), "198.18.1.1");
  EXPECT_EQ(get("TraceRoute", "RouteHops.2.HostAddress"), "198.18.2.2");
  EXPECT_EQ(get("TraceRoute", "RouteHops.2.ErrorCode"), "0");
}

TEST_F(NetnsTest, TraceRouteStopsAtMaxHopCount) {
  run("TraceRoute",
      {{"Host", "198.18.2.2"}, {"NumberOfTries", "1"}, {"Timeout", "2000"}, {"MaxHopCount", "1"}});
  EXPECT_EQ(get("TraceRoute", "DiagnosticsState"), "Error_MaxHopCountExceeded") << log_text();
  ASSERT_EQ(get("TraceRoute", "RouteHopsNumberOfEntries"), "1");
  EXPECT_EQ(get("TraceRoute", "RouteHops.1.HostAddress"), "198.18.1.1");
}

TEST_F(NetnsTest, TraceRouteToAnUnroutedNetworkEndsAtTheRouter) {
  // The router has no route to 198.18.3.0/24: it answers "network unreachable".
  run("TraceRoute", {{"Host", "198.18.3.3"}, {"NumberOfTries", "1"}, {"Timeout", "2000"}});
  EXPECT_EQ(get("TraceRoute", "DiagnosticsState"), "Error_NoRouteToHost") << log_text();
  EXPECT_EQ(get("TraceRoute", "RouteHops.1.HostAddress"), "198.18.1.1");
}

TEST_F(NetnsTest, PingThroughTheRouter) {
  if (icmp_method().empty()) GTEST_SKIP() << "no ICMP method for this user";
  run("IPPing", {{"Host", "198.18.2.2"}, {"NumberOfRepetitions", "2"}, {"Timeout", "2000"}});
  EXPECT_EQ(get("IPPing", "DiagnosticsState"), "Complete") << log_text();
  EXPECT_EQ(get("IPPing", "SuccessCount"), "2");
  EXPECT_EQ(get("IPPing", "IPAddressUsed"), "198.18.1.2");

  run("IPPing", {{"Host", "198.18.3.3"}, {"NumberOfRepetitions", "2"}, {"Timeout", "300"}});
  EXPECT_EQ(get("IPPing", "DiagnosticsState"), "Complete") << log_text();
  EXPECT_EQ(get("IPPing", "SuccessCount"), "0");
  EXPECT_EQ(get("IPPing", "FailureCount"), "2");
}

}  // namespace
}  // namespace cpe_diag_test
