// Downloads stream to disk: a 200 MiB image served from a file arrives intact while the
// process's peak memory grows by far less than the file; a Content-Length over the cap fails
// before the body is read (9017); too little disk space is 9010; a body cut short is 9017 and
// leaves no file; the bodies of a redirect and of a Digest challenge never reach the file.
#include <openssl/evp.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <cstdio>

#include "../common/raw_http_server.hpp"
#include "cpe_agent_test_support.hpp"

namespace cpe_agent_test {
namespace {

using tcp = asio::ip::tcp;

// --- helpers ---------------------------------------------------------------------------------

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, std::size_t size) { EVP_DigestUpdate(ctx_, data, size); }
  std::string hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_DigestFinal_ex(ctx_, digest, &size);
    std::string out;
    char byte[3];
    for (unsigned int i = 0; i < size; ++i) {
      std::snprintf(byte, sizeof byte, "%02x", digest[i]);
      out += byte;
    }
    return out;
  }

 private:
  EVP_MD_CTX* ctx_;
};

struct FileDigest {
  std::uint64_t size = 0;
  std::string sha256;
};

// Reads a file through a 1 MiB buffer (never whole).
FileDigest digest_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> buffer(1024 * 1024);
  Sha256 sha;
  FileDigest out;
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto n = static_cast<std::size_t>(in.gcount());
    sha.update(buffer.data(), n);
    out.size += n;
  }
  out.sha256 = sha.hex();
  return out;
}

// Writes `size` pseudo-random bytes, 1 MiB at a time, and returns their digest.
FileDigest write_test_image(const fs::path& path, std::uint64_t size) {
  std::ofstream out(path, std::ios::binary);
  std::vector<char> buffer(1024 * 1024);
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  Sha256 sha;
  for (std::uint64_t left = size; left > 0;) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, buffer.size()));
    for (std::size_t i = 0; i < n; ++i) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      buffer[i] = static_cast<char>(state >> 56);
    }
    out.write(buffer.data(), static_cast<std::streamsize>(n));
    sha.update(buffer.data(), n);
    left -= n;
  }
  return {size, sha.hex()};
}

// The process's peak resident set (VmHWM), in bytes; 0 when unknown.
std::uint64_t peak_rss() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

// Resets VmHWM to the current RSS (Linux >= 4.0); false when not allowed.
bool reset_peak_rss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.flush();
  return static_cast<bool>(clear);
}

std::size_t files_in(const fs::path& dir) {
  std::error_code ec;
  std::size_t n = 0;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); ++it) ++n;
  return n;
}

// --- servers -------------------------------------------------------------------------------

// Files for the agent, on an io_context and thread of its own:
//   /big.bin     the image on disk, streamed by net::FileBody (pread on a thread pool)
//   /moved       302 with a body, Location: /secure.bin
//   /secure.bin  Digest (user/pass): a 401 with a body, then `secure_body`
class StreamFileServer {
 public:
  StreamFileServer(fs::path big, std::string secure_body)
      : big_(std::move(big)), secure_body_(std::move(secure_body)) {
    cwmp::auth::DigestServerOptions o;
    o.realm = "files";
    digest_ = std::make_unique<cwmp::auth::DigestServer>(o, random_bytes);
    server_ = std::make_unique<net::HttpServer>(
        io_, [this](net::Request& r, const net::ConnectionInfo&) { return serve(r); });
    port_ = server_->listen("127.0.0.1:0");
    thread_ = std::thread([this] { io_.run(); });
  }
  ~StreamFileServer() {
    std::promise<void> done;
    server_->stop(0ms, [&done] { done.set_value(); });
    done.get_future().wait_for(5s);
    server_.reset();
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
    disk_.join();
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  static inline const std::string kChallengePage = std::string(20000, 'U');
  static inline const std::string kMovedPage = "MOVED-PAGE-" + std::string(5000, 'M');

 private:
  asio::awaitable<net::Response> serve(net::Request& request) {
    const std::string target(request.target());
    net::Response r;
    if (target == "/big.bin") {
      r.message.result(http::status::ok);
      r.file = net::FileBody{big_, 0, fs::file_size(big_), disk_.get_executor()};
    } else if (target == "/moved") {
      r.message.result(http::status::found);
      r.message.set(http::field::location, "/secure.bin");
      r.message.body() = kMovedPage;
    } else if (target == "/secure.bin") {
      const std::string value = header(request, http::field::authorization);
      const auto now = std::chrono::system_clock::now();
      auto creds = cwmp::auth::parse_digest_authorization(value);
      if (!creds || creds->username != "user" ||
          digest_->verify(*creds, "GET", target, "pass", now) != cwmp::auth::VerifyResult::kOk) {
        r.message.result(http::status::unauthorized);
        for (const auto& c : digest_->challenges(now)) {
          r.message.insert(http::field::www_authenticate, c);
        }
        r.message.body() = kChallengePage;
      } else {
        r.message.result(http::status::ok);
        r.message.body() = secure_body_;
      }
    } else {
      r.message.result(http::status::not_found);
    }
    co_return r;
  }

  fs::path big_;
  std::string secure_body_;
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      io_.get_executor()};
  asio::thread_pool disk_{1};
  std::thread thread_;
  std::unique_ptr<cwmp::auth::DigestServer> digest_;
  std::unique_ptr<net::HttpServer> server_;
  std::uint16_t port_ = 0;
};

// test_support::RawHttpServer (lying Content-Lengths, cut bodies) on a thread of its own.
class RawFileServer {
 public:
  RawFileServer(std::string answer, bool hold_open)
      : server_(std::make_unique<test_support::RawHttpServer>(io_, std::move(answer), hold_open,
                                                              "/fw.bin")) {
    thread_ = std::thread([this] { io_.run(); });
  }
  ~RawFileServer() {
    server_.reset();  // closes its sockets on the io thread
    work_.reset();
    thread_.join();
  }
  std::string url() const { return server_->url(); }

 private:
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      io_.get_executor()};
  std::unique_ptr<test_support::RawHttpServer> server_;
  std::thread thread_;
};

// --- the fixture ---------------------------------------------------------------------------

class Stream : public AgentFixture {
 protected:
  // What the install hook saw (it runs on the agent's worker thread).
  struct Installed {
    int calls = 0;
    FileDigest digest;
    std::string content;  // small files only
  };

  AgentOptions stream_options(bool keep_content) {
    AgentOptions o = options();
    o.hooks.install = [this, keep_content](const cpe::agent::InstallRequest& request) {
      std::lock_guard lock(installed_mutex_);
      ++installed_.calls;
      installed_.digest = digest_file(request.file);
      if (keep_content) {
        std::ifstream in(request.file, std::ios::binary);
        installed_.content.assign(std::istreambuf_iterator<char>(in), {});
      }
      return cpe::agent::InstallResult{};
    };
    return o;
  }

  Installed installed() {
    std::lock_guard lock(installed_mutex_);
    return installed_;
  }

  // Queues a Download, opens a session, waits (up to `limit`) until the agent is idle again:
  // downloaded, installed, reported. Returns the TransferComplete's fault.
  cwmp::FaultStruct download(const std::string& url, std::uint32_t file_size = 0,
                             std::chrono::seconds limit = 30s, const std::string& username = "",
                             const std::string& password = "") {
    cwmp::Download d;
    d.command_key = "k" + std::to_string(++downloads_);
    d.file_type = "1 Firmware Upgrade Image";
    d.url = url;
    d.file_size = file_size;
    d.username = username;
    d.password = password;
    acs_->queue(d);
    agent_->diagnostics_complete();  // any reason for a session will do
    auto settled = agent_->settle();
    EXPECT_EQ(settled.wait_for(limit), std::future_status::ready) << "the agent did not settle";
    const auto tcs = acs_->last().transfer_completes();
    EXPECT_EQ(tcs.size(), 1u);
    if (tcs.size() != 1) return cwmp::FaultStruct{};
    EXPECT_EQ(tcs[0].command_key, d.command_key);
    return tcs[0].fault_struct;
  }

  fs::path downloads_dir() const { return dir_ / "state" / "downloads"; }

  std::mutex installed_mutex_;
  Installed installed_;
  int downloads_ = 0;
};

// --- tests ---------------------------------------------------------------------------------

TEST(StreamJudge, StreamedBodiesAreJudgedByTheirByteCount) {
  using cpe::agent::judge_download;
  net::ClientResult ok;
  ok.response.result(http::status::ok);  // the body went to a file: response.body() is empty
  EXPECT_EQ(judge_download(ok, 1000, "", 1000).fault_code, 0u);
  EXPECT_EQ(judge_download(ok, 0, "", 123).fault_code, 0u);
  EXPECT_EQ(judge_download(ok, 1000, "", 999).fault_code, 9017u);
  EXPECT_EQ(judge_download(ok, 1000, "", 1001).fault_code, 9018u);
  net::ClientResult too_large;
  too_large.error = net::ClientError::kTooLarge;
  EXPECT_EQ(judge_download(too_large, 0, "", 0).fault_code, 9017u);
  net::ClientResult aborted;
  aborted.error = net::ClientError::kAborted;
  EXPECT_EQ(judge_download(aborted, 0, "", 0).fault_code, 9010u);
}

TEST_F(Stream, A200MiBImageStreamsToDiskWithBoundedMemory) {
  constexpr std::uint64_t kImageSize = 200ull * 1024 * 1024;
  std::error_code ec;
  const auto space = fs::space(dir_, ec);
  if (ec || space.available < 2 * kImageSize + 64 * 1024 * 1024) {
    GTEST_SKIP() << "needs 464 MiB free in " << dir_;
  }
  const fs::path image = dir_ / "image.bin";
  const FileDigest expected = write_test_image(image, kImageSize);
  StreamFileServer server(image, "");

  AgentOptions o = stream_options(/*keep_content=*/false);
  o.transfer_timeout = 300s;
  start(o);

  const bool reset = reset_peak_rss();
  const std::uint64_t before = peak_rss();
  ASSERT_GT(before, 0u) << "no VmHWM in /proc/self/status";
  const cwmp::FaultStruct fault = download(server.url("/big.bin"), kImageSize, 300s);
  const std::uint64_t after = peak_rss();

  RecordProperty("peak_rss_before", std::to_string(before));
  RecordProperty("peak_rss_after", std::to_string(after));
  EXPECT_EQ(fault.fault_code, 0u) << fault.fault_string;
  const Installed got = installed();
  EXPECT_EQ(got.calls, 1);
  EXPECT_EQ(got.digest.size, kImageSize);
  EXPECT_EQ(got.digest.sha256, expected.sha256);
  EXPECT_EQ(files_in(downloads_dir()), 0u);  // removed after the install
  // Held in memory, the image alone would add 200 MiB to the peak.
  EXPECT_LT(after - before, 32ull * 1024 * 1024)
      << "peak RSS grew from " << before << " to " << after << " bytes"
      << (reset ? "" : " (VmHWM could not be reset)");
}

TEST_F(Stream, AContentLengthOverTheCapFailsBeforeReading) {
  // 2 MiB announced, no byte of it sent, the connection held open: a client that read on
  // would meet the transfer timeout (9015); the cap refuses at once (9017).
  RawFileServer server("HTTP/1.1 200 OK\r\nContent-Length: 2097152\r\n\r\n", /*hold_open=*/true);
  AgentOptions o = stream_options(false);
  o.max_download_bytes = 1024 * 1024;
  o.transfer_timeout = 60s;
  start(o);
  const cwmp::FaultStruct fault = download(server.url());
  EXPECT_EQ(fault.fault_code, 9017u) << fault.fault_string;
  EXPECT_NE(fault.fault_string.find("2097152"), std::string::npos) << fault.fault_string;
  EXPECT_EQ(installed().calls, 0);
  EXPECT_EQ(files_in(downloads_dir()), 0u);
}

TEST_F(Stream, ABodyOverTheCapWithoutContentLengthIs9017) {
  std::string answer = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 4; ++i) answer += "8000\r\n" + std::string(0x8000, 'c') + "\r\n";
  answer += "0\r\n\r\n";
  RawFileServer server(answer, /*hold_open=*/false);
  AgentOptions o = stream_options(false);
  o.max_download_bytes = 100 * 1024;  // the body is 128 KiB
  start(o);
  const cwmp::FaultStruct fault = download(server.url());
  EXPECT_EQ(fault.fault_code, 9017u) << fault.fault_string;
  EXPECT_EQ(installed().calls, 0);
  EXPECT_EQ(files_in(downloads_dir()), 0u);
}

TEST_F(Stream, TooLittleDiskSpaceIs9010BeforeReading) {
  // 1 EiB announced (under a cap raised for the test): no disk has that much.
  RawFileServer server("HTTP/1.1 200 OK\r\nContent-Length: 1152921504606846976\r\n\r\n",
                       /*hold_open=*/true);
  AgentOptions o = stream_options(false);
  o.max_download_bytes = std::uint64_t{1} << 62;
  o.transfer_timeout = 60s;
  start(o);
  const cwmp::FaultStruct fault = download(server.url());
  EXPECT_EQ(fault.fault_code, 9010u) << fault.fault_string;
  EXPECT_NE(fault.fault_string.find("not enough disk space"), std::string::npos)
      << fault.fault_string;
  EXPECT_EQ(installed().calls, 0);
  EXPECT_EQ(files_in(downloads_dir()), 0u);
}

TEST_F(Stream, ABodyCutShortIs9017AndLeavesNoFile) {
  RawFileServer server(
      "HTTP/1.1 200 OK\r\nContent-Length: 300000\r\n\r\n" + std::string(150000, 'x'),
      /*hold_open=*/false);
  start(stream_options(false));
  const cwmp::FaultStruct fault = download(server.url());
  EXPECT_EQ(fault.fault_code, 9017u) << fault.fault_string;
  EXPECT_EQ(installed().calls, 0);
  EXPECT_EQ(files_in(downloads_dir()), 0u);
}

TEST_F(Stream, FileSizeChecksStillApplyToStreamedBodies) {
  RawFileServer server("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + std::string(1000, 'x'),
                       /*hold_open=*/false);
  start(stream_options(false));
  EXPECT_EQ(download(server.url(), 1001).fault_code, 9017u);
  EXPECT_EQ(download(server.url(), 999).fault_code, 9018u);
  EXPECT_EQ(download(server.url(), 1000).fault_code, 0u);
  EXPECT_EQ(installed().calls, 1);
  EXPECT_EQ(installed().digest.size, 1000u);
}

TEST_F(Stream, RedirectAndDigestChallengeBodiesNeverReachTheFile) {
  const std::string body = "#cwmp-firmware\nversion=4.2\n\n" + std::string(100000, 'p');
  const fs::path unused = dir_ / "unused.bin";
  std::ofstream(unused) << "x";
  StreamFileServer server(unused, body);
  start(stream_options(/*keep_content=*/true));
  // /moved: 302 with a page -> /secure.bin: 401 with a page -> Digest -> 200.
  const cwmp::FaultStruct fault = download(server.url("/moved"), 0, 30s, "user", "pass");
  EXPECT_EQ(fault.fault_code, 0u) << fault.fault_string;
  const Installed got = installed();
  EXPECT_EQ(got.calls, 1);
  EXPECT_EQ(got.digest.size, body.size());
  EXPECT_TRUE(got.content == body) << "the file holds " << got.content.size() << " bytes";
  EXPECT_EQ(got.content.find("MOVED-PAGE"), std::string::npos);
  EXPECT_EQ(got.content.find("UUUU"), std::string::npos);
  EXPECT_EQ(files_in(downloads_dir()), 0u);
}

TEST_F(Stream, APartialDownloadWithoutItsTransferIsRemovedAtStart) {
  // A kill left a partial file, then the transfer went (a 0 BOOTSTRAP dropped it).
  fs::create_directories(downloads_dir());
  std::ofstream(downloads_dir() / "77") << std::string(4096, 'p');
  start();
  EXPECT_EQ(files_in(downloads_dir()), 0u);
}

}  // namespace
}  // namespace cpe_agent_test
