// DownloadDiagnostics / UploadDiagnostics (TR-143) against a local net::HttpServer and a few
// raw sockets that misbehave on purpose.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <regex>

#include "cpe_diag_test_support.hpp"
#include "cwmp/values.hpp"

namespace cpe_diag_test {
namespace {

using tcp = asio::ip::tcp;

std::chrono::sys_time<std::chrono::nanoseconds> at(const std::string& text) {
  const auto parsed = cwmp::parse_date_time(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed ? parsed->to_sys_time() : std::chrono::sys_time<std::chrono::nanoseconds>{};
}

// TR-143: dateTime in UTC with exactly six fraction digits.
const std::regex kMicroseconds(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)");

class TransferTest : public DiagFixture {
 protected:
  void expect_ordered_times(const std::string& object) {
    const std::vector<std::string> names = {"TCPOpenRequestTime", "TCPOpenResponseTime", "ROMTime",
                                            "BOMTime", "EOMTime"};
    for (const auto& name : names) {
      EXPECT_TRUE(std::regex_match(get(object, name), kMicroseconds))
          << name << " " << get(object, name);
    }
    for (std::size_t i = 1; i < names.size(); ++i) {
      EXPECT_LE(at(get(object, names[i - 1])), at(get(object, names[i])))
          << names[i - 1] << " " << get(object, names[i - 1]) << " > " << names[i] << " "
          << get(object, names[i]);
    }
  }
  TestHttpServer server_;
};

TEST_F(TransferTest, DownloadCountsTheBytesAndTimesTheTransfer) {
  const std::uint64_t size = 3 * 1024 * 1024 + 17;
  const auto before = std::chrono::system_clock::now();
  run("DownloadDiagnostics", {{"DownloadURL", server_.url("/file?size=" + std::to_string(size))}});
  EXPECT_EQ(get("DownloadDiagnostics", "DiagnosticsState"), "Complete") << log_text();
  // TestBytesReceived counts the HTTP header too (TR-181).
  const auto received = number("DownloadDiagnostics", "TestBytesReceived");
  EXPECT_GT(received, size);
  EXPECT_LT(received, size + 1024);
  EXPECT_EQ(get("DownloadDiagnostics", "IPAddressUsed"), "127.0.0.1");
  // No Interface: the interface totals "cannot be determined and SHOULD be 0".
  EXPECT_EQ(get("DownloadDiagnostics", "TotalBytesReceived"), "0");
  expect_ordered_times("DownloadDiagnostics");
  EXPECT_LE(before, at(get("DownloadDiagnostics", "TCPOpenRequestTime")));
  EXPECT_EQ(completions_.load(), 1);
}

TEST_F(TransferTest, DownloadThroughAnInterfaceSamplesItsCounters) {
  model_->set_internal("Device.IP.Interface.2.Name", "lo");
  run("DownloadDiagnostics",
      {{"DownloadURL", server_.url("/file?size=100000")}, {"Interface", "Device.IP.Interface.2."}});
  EXPECT_EQ(get("DownloadDiagnostics", "DiagnosticsState"), "Complete") << log_text();
  // On lo every byte sent is also received; IP and TCP headers come on top.
  EXPECT_GE(number("DownloadDiagnostics", "TotalBytesReceived"),
            number("DownloadDiagnostics", "TestBytesReceived"));
}

TEST_F(TransferTest, NotFoundIsTransferFailed) {
  run("DownloadDiagnostics", {{"DownloadURL", server_.url("/missing")}});
  EXPECT_EQ(get("DownloadDiagnostics", "DiagnosticsState"), "Error_TransferFailed");
  EXPECT_EQ(completions_.load(), 1);
}

TEST_F(TransferTest, StalledServerIsTimeout) {
  auto options = fast_options();
  options.transfer_idle_timeout = 300ms;
  start_runner(options);
  const auto started = std::chrono::steady_clock::now();
  run("DownloadDiagnostics", {{"DownloadURL", server_.url("/stall")}});
  EXPECT_EQ(get("DownloadDiagnostics", "DiagnosticsState"), "Error_Timeout");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  EXPECT_EQ(completions_.load(), 1);
}

TEST_F(TransferTest, TotalTimeoutBoundsTheTest) {
  auto options = fast_options();
  options.transfer_total_timeout = 300ms;
  start_runner(options);
  run("DownloadDiagnostics", {{"DownloadURL", server_.url("/stall")}});
  EXPECT_EQ(get("DownloadDiagnostics", "DiagnosticsState"), "Error_Timeout");
}

TEST_F(TransferTest, RefusedConnectionIsInitConnectionFailed) {
  // A port that was just free: nobody listens there.
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = acceptor.local_endpoint().port();
  acceptor.close();
  run("DownloadDiagnostics", {{"DownloadURL", "http://127.0.0.1:" + std::to_string(port) + "/x"}});
  EXPECT_EQ(get("DownloadDiagnostics", "DiagnosticsState"), "Error_InitConnectionFailed");
  EXPECT_NE(get("DownloadDiagnostics", "TCPOpenRequestTime"), "0001-01-01T00:00:00Z");
  EXPECT_EQ(get("DownloadDiagnostics", "TCPOpenResponseTime"), "0001-01-01T00:00:00Z");
}

TEST_F(TransferTest, UnresolvableHostAndBadUrl) {
  run("DownloadDiagnostics", {{"DownloadURL", "http://no-such-host.invalid/file"}});
  EXPECT_EQ(get("DownloadDiagnostics", "DiagnosticsState"), "Error_CannotResolveHostName");
  run("DownloadDiagnostics", {{"DownloadURL", "ftp://127.0.0.1/file"}});
  EXPECT_EQ(get("DownloadDiagnostics", "DiagnosticsState"), "Error_Other");
  EXPECT_EQ(completions_.load(), 2);
}

// A raw server that sends `reply` and closes.
class RawServer {
 public:
  explicit RawServer(std::string reply)
      : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this, reply = std::move(reply)] {
      boost::system::error_code ec;
      tcp::socket socket(io_);
      acceptor_.accept(socket, ec);
      if (ec) return;
      char request[4096];
      socket.read_some(asio::buffer(request), ec);
      asio::write(socket, asio::buffer(reply), ec);
      socket.shutdown(tcp::socket::shutdown_both, ec);
    });
  }
  ~RawServer() {
    boost::system::error_code ec;
    acceptor_.close(ec);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/f"; }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

TEST_F(TransferTest, ShortBodyIsIncorrectSize) {
  RawServer raw("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789");
  run("DownloadDiagnostics", {{"DownloadURL", raw.url()}});
  EXPECT_EQ(get("DownloadDiagnostics", "DiagnosticsState"), "Error_IncorrectSize");
}

TEST_F(TransferTest, ClosedWithoutAnswerIsNoResponse) {
  RawServer raw("");
  run("DownloadDiagnostics", {{"DownloadURL", raw.url()}});
  EXPECT_EQ(get("DownloadDiagnostics", "DiagnosticsState"), "Error_NoResponse")
      << log_text() << get("DownloadDiagnostics", "TestBytesReceived");
}

TEST_F(TransferTest, ChunkedBodyIsCounted) {
  RawServer raw(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n "
      "world\r\n0\r\n\r\n");
  run("DownloadDiagnostics", {{"DownloadURL", raw.url()}});
  EXPECT_EQ(get("DownloadDiagnostics", "DiagnosticsState"), "Complete") << log_text();
}

TEST_F(TransferTest, UploadSendsTestFileLengthBytes) {
  const std::uint64_t size = 1'500'000;
  run("UploadDiagnostics",
      {{"UploadURL", server_.url("/upload")}, {"TestFileLength", std::to_string(size)}});
  EXPECT_EQ(get("UploadDiagnostics", "DiagnosticsState"), "Complete") << log_text();
  EXPECT_EQ(server_.uploaded.load(), size);
  const auto sent = number("UploadDiagnostics", "TestBytesSent");
  EXPECT_GT(sent, size);  // the header too
  EXPECT_LT(sent, size + 1024);
  EXPECT_EQ(get("UploadDiagnostics", "IPAddressUsed"), "127.0.0.1");
  expect_ordered_times("UploadDiagnostics");
  EXPECT_EQ(completions_.load(), 1);
}

TEST_F(TransferTest, UploadRefusedByTheServer) {
  run("UploadDiagnostics", {{"UploadURL", server_.url("/elsewhere")}, {"TestFileLength", "1000"}});
  EXPECT_EQ(get("UploadDiagnostics", "DiagnosticsState"), "Error_NoTransferComplete");
}

TEST_F(TransferTest, UploadOverTheLimitAndTimeBasedModeAreRefused) {
  auto options = fast_options();
  options.max_upload_length = 1000;
  start_runner(options);
  run("UploadDiagnostics", {{"UploadURL", server_.url("/upload")}, {"TestFileLength", "1001"}});
  EXPECT_EQ(get("UploadDiagnostics", "DiagnosticsState"), "Error_Other");
  EXPECT_EQ(server_.uploaded.load(), 0u);
  run("DownloadDiagnostics",
      {{"DownloadURL", server_.url("/file?size=10")}, {"TimeBasedTestDuration", "5"}});
  EXPECT_EQ(get("DownloadDiagnostics", "DiagnosticsState"), "Error_Other");
  EXPECT_NE(log_text().find("time-based"), std::string::npos);
}

TEST_F(TransferTest, CancelWhileRunningDropsTheResults) {
  ASSERT_TRUE(spv("DownloadDiagnostics",
                  {{"DownloadURL", server_.url("/stall")}, {"DiagnosticsState", "Requested"}}));
  runner_->session_ended();
  ASSERT_EQ(server_.stalled.get_future().wait_for(30s), std::future_status::ready);
  const auto cancelled = std::chrono::steady_clock::now();
  ASSERT_TRUE(spv("DownloadDiagnostics", {{"DiagnosticsState", "Canceled"}}));
  ASSERT_EQ(runner_->idle().wait_for(10s), std::future_status::ready);
  // The idle timeout is 30 s: only the cancel can have ended it this soon.
  EXPECT_LT(std::chrono::steady_clock::now() - cancelled, 5s);
  EXPECT_EQ(get("DownloadDiagnostics", "DiagnosticsState"), "None");
  EXPECT_EQ(get("DownloadDiagnostics", "ROMTime"), "0001-01-01T00:00:00Z");
  EXPECT_EQ(completions_.load(), 0);
  EXPECT_NE(log_text().find("cancelled"), std::string::npos);
}

TEST_F(TransferTest, DestroyingTheRunnerStopsARunningTest) {
  ASSERT_TRUE(spv("DownloadDiagnostics",
                  {{"DownloadURL", server_.url("/stall")}, {"DiagnosticsState", "Requested"}}));
  runner_->session_ended();
  ASSERT_EQ(server_.stalled.get_future().wait_for(30s), std::future_status::ready);
  const auto started = std::chrono::steady_clock::now();
  model_->set_change_listener(nullptr);
  runner_.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_EQ(get("DownloadDiagnostics", "DiagnosticsState"), "Requested");
  EXPECT_EQ(completions_.load(), 0);
}

}  // namespace
}  // namespace cpe_diag_test
