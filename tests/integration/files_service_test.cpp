// The file service over real sockets on 127.0.0.1: net::HttpServer + acs::FileService over a
// FileRepository (in-memory SQLite store, files in a temporary directory). Downloads with
// Range / ETag / HEAD, files streamed from disk (net::FileBody), optional auth, CPE uploads.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <cctype>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <optional>
#include <span>
#include <string>
#include <thread>

#include "acs/files.hpp"
#include "cwmp/http_auth.hpp"
#include "cwmp/values.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "store/sqlite_store.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr acs::Millis kUploaded = 1'700'000'000'000;  // Tue, 14 Nov 2023 22:13:20 GMT

std::string header(const net::HttpResponse& r, http::field field) {
  const auto it = r.find(field);
  return it == r.end() ? std::string() : std::string(it->value());
}

std::string hex_digest(const EVP_MD* md, std::string_view bytes) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EXPECT_EQ(EVP_Digest(bytes.data(), bytes.size(), out, &length, md, nullptr), 1);
  std::string hex = cwmp::hex_encode(std::string_view(reinterpret_cast<const char*>(out), length));
  for (char& c : hex) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return hex;  // lowercase, as store::FileInfo keeps digests
}

// Bytes that differ from offset to offset, so a misplaced range shows.
std::string pattern(std::size_t size, std::uint32_t seed = 1) {
  std::string out(size, '\0');
  std::uint32_t x = seed;
  for (char& c : out) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>(x >> 24);
  }
  return out;
}

void random_bytes(std::span<std::uint8_t> out) {
  ASSERT_EQ(RAND_bytes(out.data(), static_cast<int>(out.size())), 1);
}

class FileServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::uint8_t salt[8];
    random_bytes(salt);
    dir_ = fs::temp_directory_path() /
           ("cwmp-files-test-" +
            cwmp::hex_encode(std::string_view(reinterpret_cast<const char*>(salt), sizeof salt)));
    store_ = store::open_sqlite(":memory:");
    files_ = std::make_unique<acs::FileRepository>(*store_, dir_ / "files");
  }

  void TearDown() override {
    if (server_) {
      std::promise<void> stopped;
      server_->stop(0ms, [&stopped] { stopped.set_value(); });
      if (thread_.joinable()) {
        EXPECT_EQ(stopped.get_future().wait_for(5s), std::future_status::ready);
      }
    }
    work_.reset();
    if (thread_.joinable()) thread_.join();
    pool_.join();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  void start(acs::FileServiceOptions options = {}, net::ServerOptions server_options = {}) {
    service_ = std::make_unique<acs::FileService>(*files_, pool_.get_executor(), options);
    server_ = std::make_unique<net::HttpServer>(
        io_,
        [this](net::Request& request, const net::ConnectionInfo& info) {
          return service_->handle(request, info);
        },
        server_options);
    port_ = server_->listen("127.0.0.1:0");
    thread_ = std::thread([this] { io_.run(); });
  }

  store::FileInfo put(std::string_view name, std::string_view bytes) {
    acs::FileMetadata metadata;
    metadata.file_type = "1 Firmware Upgrade Image";
    return files_->put(name, bytes, metadata, "", kUploaded);
  }

  template <class T>
  T run(asio::awaitable<T> a) {
    return asio::co_spawn(io_, std::move(a), asio::use_future).get();
  }

  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

  net::ClientResult fetch(http::verb method, std::string_view path, net::Headers headers = {},
                          std::string body = "") {
    return run(net::http_request(io_.get_executor(), url(path), method, std::move(headers),
                                 std::move(body), 10s));
  }
  net::ClientResult get(std::string_view path, net::Headers headers = {}) {
    return fetch(http::verb::get, path, std::move(headers));
  }

  // The status of a GET with a request-target the client library would refuse to send.
  unsigned raw_get_status(const std::string& target) {
    asio::io_context local;
    beast::tcp_stream stream(local);
    stream.expires_after(5s);
    stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
    http::request<http::empty_body> request{http::verb::get, target, 11};
    request.set(http::field::host, "127.0.0.1");
    http::write(stream, request);
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(stream, buffer, response);
    return response.result_int();
  }

  fs::path dir_;
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      io_.get_executor()};
  std::thread thread_;
  asio::thread_pool pool_{2};  // the blocking executor
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<acs::FileRepository> files_;
  std::unique_ptr<acs::FileService> service_;
  std::unique_ptr<net::HttpServer> server_;
  std::uint16_t port_ = 0;
};

// --- downloads ---------------------------------------------------------------------------

TEST_F(FileServiceTest, GetServesTheWholeFileWithItsMetadata) {
  const std::string bytes = pattern(1000);
  const auto info = put("fw/router v1.bin", bytes);
  start();
  const auto r = get("/fw/router%20v1.bin");
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.status(), 200u);
  EXPECT_EQ(r.response.body(), bytes);
  EXPECT_EQ(header(r.response, http::field::content_type), "application/octet-stream");
  EXPECT_EQ(header(r.response, http::field::content_length), "1000");
  EXPECT_EQ(header(r.response, http::field::etag), "\"" + info.sha256 + "\"");
  EXPECT_EQ(header(r.response, http::field::accept_ranges), "bytes");
  EXPECT_EQ(header(r.response, http::field::last_modified), "Tue, 14 Nov 2023 22:13:20 GMT");
}

TEST_F(FileServiceTest, HeadSendsHeadersOnlyAndTheConnectionStaysUsable) {
  const std::string bytes = pattern(3000);
  put("a.bin", bytes);
  start();
  net::HttpConnection connection(io_.get_executor());
  auto r = run(connection.request(url("/a.bin"), http::verb::head, {}, "", 5s));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.status(), 200u);
  EXPECT_EQ(header(r.response, http::field::content_length), "3000");
  EXPECT_TRUE(r.response.body().empty());
  // HEAD ignores Range (RFC 9110 §14.2) and describes the whole file.
  r = run(connection.request(url("/a.bin"), http::verb::head, {{"Range", "bytes=0-9"}}, "", 5s));
  EXPECT_EQ(r.status(), 200u);
  EXPECT_EQ(header(r.response, http::field::content_length), "3000");
  // No stray body bytes on the connection: the next answer parses and is right.
  r = run(connection.request(url("/a.bin"), http::verb::get, {}, "", 5s));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.response.body(), bytes);
}

TEST_F(FileServiceTest, SingleRangesAre206) {
  const std::string bytes = pattern(1000);
  put("r.bin", bytes);
  start();
  struct Case {
    std::string range;
    std::size_t first;
    std::size_t length;
  };
  for (const Case& c :
       {Case{"bytes=10-19", 10, 10}, Case{"bytes=990-", 990, 10}, Case{"bytes=-5", 995, 5},
        Case{"bytes=995-5000", 995, 5}, Case{"bytes=0-0", 0, 1}, Case{"bytes=-5000", 0, 1000},
        Case{"BYTES = 100-199", 100, 100}, Case{"bytes=0-99,", 0, 100}}) {
    const auto r = get("/r.bin", {{"Range", c.range}});
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(r.status(), 206u) << c.range;
    EXPECT_EQ(r.response.body(), bytes.substr(c.first, c.length)) << c.range;
    EXPECT_EQ(
        header(r.response, http::field::content_range),
        "bytes " + std::to_string(c.first) + "-" + std::to_string(c.first + c.length - 1) + "/1000")
        << c.range;
    EXPECT_EQ(header(r.response, http::field::content_length), std::to_string(c.length));
  }
}

TEST_F(FileServiceTest, UnsatisfiableRangeIs416) {
  put("r.bin", pattern(1000));
  start();
  for (const char* range : {"bytes=1000-", "bytes=5000-6000", "bytes=-0"}) {
    const auto r = get("/r.bin", {{"Range", range}});
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(r.status(), 416u) << range;
    EXPECT_EQ(header(r.response, http::field::content_range), "bytes */1000") << range;
  }
}

TEST_F(FileServiceTest, MultipleOrIgnoredRangesGetTheWholeFile) {
  const std::string bytes = pattern(1000);
  put("r.bin", bytes);
  start();
  for (const char* range :
       {"bytes=0-1,5-6", "bytes=0-1, -3", "items=0-5", "bytes=9-2", "bytes=abc", "bytes"}) {
    const auto r = get("/r.bin", {{"Range", range}});
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(r.status(), 200u) << range;
    EXPECT_EQ(r.response.body(), bytes) << range;
    EXPECT_TRUE(header(r.response, http::field::content_range).empty()) << range;
  }
}

TEST_F(FileServiceTest, IfRangeAppliesTheRangeOnlyToTheSameFile) {
  const std::string bytes = pattern(1000);
  const auto info = put("r.bin", bytes);
  start();
  auto r = get("/r.bin", {{"Range", "bytes=0-9"}, {"If-Range", "\"" + info.sha256 + "\""}});
  EXPECT_EQ(r.status(), 206u);
  EXPECT_EQ(r.response.body(), bytes.substr(0, 10));
  r = get("/r.bin", {{"Range", "bytes=0-9"}, {"If-Range", "\"another-version\""}});
  EXPECT_EQ(r.status(), 200u);
  EXPECT_EQ(r.response.body(), bytes);
  r = get("/r.bin", {{"Range", "bytes=0-9"}, {"If-Range", "Tue, 14 Nov 2023 22:13:20 GMT"}});
  EXPECT_EQ(r.status(), 206u);
}

TEST_F(FileServiceTest, IfNoneMatchIs304) {
  const auto info = put("e.bin", pattern(100));
  start();
  const std::string etag = "\"" + info.sha256 + "\"";
  for (const std::string& value : {etag, "W/" + etag, "\"x\", " + etag, std::string("*")}) {
    const auto r = get("/e.bin", {{"If-None-Match", value}});
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(r.status(), 304u) << value;
    EXPECT_TRUE(r.response.body().empty());
    EXPECT_EQ(header(r.response, http::field::etag), etag);
  }
  const auto r = get("/e.bin", {{"If-None-Match", "\"something-else\""}});
  EXPECT_EQ(r.status(), 200u);
  EXPECT_EQ(r.response.body().size(), 100u);
}

TEST_F(FileServiceTest, UnknownFilesAre404AndBadTargets400) {
  put("known.bin", "x");
  start();
  EXPECT_EQ(get("/unknown.bin").status(), 404u);
  EXPECT_EQ(get("/").status(), 404u);
  EXPECT_EQ(get("/known.bin%00").status(), 404u);
  EXPECT_EQ(raw_get_status("/%ZZ"), 400u);
  EXPECT_EQ(fetch(http::verb::delete_, "/known.bin").status(), 405u);
}

TEST_F(FileServiceTest, LargeFileIsStreamedFromDiskByteExact) {
  const std::string bytes = pattern(5 * 1024 * 1024 + 123, 7);
  const auto info = put("big/firmware.img", bytes);
  start();

  // The handler hands the server a file body, not the bytes.
  net::Request request{http::verb::get, "/big/firmware.img", 11};
  net::ConnectionInfo connection;
  const net::Response response = run(service_->handle(request, connection));
  ASSERT_TRUE(response.file.has_value());
  EXPECT_TRUE(response.message.body().empty());
  EXPECT_EQ(response.file->path, files_->path_of(info));
  EXPECT_EQ(response.file->offset, 0u);
  EXPECT_EQ(response.file->length, bytes.size());

  auto r = get("/big/firmware.img");
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.status(), 200u);
  EXPECT_TRUE(r.response.body() == bytes);
  // A range crossing chunk boundaries.
  r = get("/big/firmware.img", {{"Range", "bytes=65000-200000"}});
  EXPECT_EQ(r.status(), 206u);
  EXPECT_TRUE(r.response.body() == bytes.substr(65000, 135001));
}

// --- authentication ----------------------------------------------------------------------

class FileServiceAuthTest : public FileServiceTest {
 protected:
  void start_with_auth(bool allow_basic = true) {
    acs::FileServiceOptions options;
    options.username = "cpe";
    options.password = "download-secret";
    options.allow_basic = allow_basic;
    start(options);
  }

  // The 401's challenges answered with Digest.
  net::ClientResult digest_get(std::string_view path, std::string_view password) {
    auto first = get(path);
    EXPECT_EQ(first.status(), 401u);
    std::string challenges;
    for (auto [it, end] = first.response.equal_range(http::field::www_authenticate); it != end;
         ++it) {
      if (!challenges.empty()) challenges += ", ";
      challenges += std::string(it->value());
    }
    auto selected = cwmp::auth::parse_www_authenticate(challenges);
    EXPECT_TRUE(selected);
    if (!selected) return first;
    EXPECT_EQ(selected->scheme, cwmp::auth::SelectedChallenge::Scheme::kDigest);
    cwmp::auth::DigestClient client("cpe", std::string(password), random_bytes);
    client.set_challenge(selected->digest);
    auto authorization = client.authorization("GET", path);
    EXPECT_TRUE(authorization);
    return get(path, {{"Authorization", authorization.value_or("")}});
  }
};

TEST_F(FileServiceAuthTest, DownloadsNeedCredentials) {
  put("fw.bin", "firmware");
  start_with_auth();
  auto r = get("/fw.bin");
  EXPECT_EQ(r.status(), 401u);
  bool digest = false;
  bool basic = false;
  for (auto [it, end] = r.response.equal_range(http::field::www_authenticate); it != end; ++it) {
    digest = digest || it->value().starts_with("Digest");
    basic = basic || it->value().starts_with("Basic");
  }
  EXPECT_TRUE(digest);
  EXPECT_TRUE(basic);
  // Unknown files answer 401 too: no probing without credentials.
  EXPECT_EQ(get("/nothing.bin").status(), 401u);

  r = digest_get("/fw.bin", "download-secret");
  EXPECT_EQ(r.status(), 200u);
  EXPECT_EQ(r.response.body(), "firmware");
  EXPECT_EQ(digest_get("/fw.bin", "wrong").status(), 401u);

  EXPECT_EQ(
      get("/fw.bin", {{"Authorization", cwmp::auth::basic_authorization("cpe", "download-secret")}})
          .status(),
      200u);
  EXPECT_EQ(
      get("/fw.bin", {{"Authorization", cwmp::auth::basic_authorization("cpe", "nope")}}).status(),
      401u);
}

TEST_F(FileServiceAuthTest, BasicCanBeRefused) {
  put("fw.bin", "firmware");
  start_with_auth(false);
  const auto r = get(
      "/fw.bin", {{"Authorization", cwmp::auth::basic_authorization("cpe", "download-secret")}});
  EXPECT_EQ(r.status(), 401u);
  for (auto [it, end] = r.response.equal_range(http::field::www_authenticate); it != end; ++it) {
    EXPECT_FALSE(it->value().starts_with("Basic"));
  }
  EXPECT_EQ(digest_get("/fw.bin", "download-secret").status(), 200u);
}

TEST_F(FileServiceAuthTest, UploadsNeedCredentialsToo) {
  start_with_auth();
  EXPECT_EQ(fetch(http::verb::put, "/upload/DEV-1/log.txt", {}, "log").status(), 401u);
  EXPECT_TRUE(files_->list().empty());
  const auto r =
      fetch(http::verb::put, "/upload/DEV-1/log.txt",
            {{"Authorization", cwmp::auth::basic_authorization("cpe", "download-secret")}}, "log");
  EXPECT_EQ(r.status(), 201u);
  EXPECT_EQ(files_->list().size(), 1u);
}

// --- uploads -----------------------------------------------------------------------------

TEST_F(FileServiceTest, PutUploadIsStoredPerDeviceAndServedBack) {
  start();
  const std::string bytes = pattern(20000, 3);
  const auto r =
      fetch(http::verb::put,
            "/upload/00D09E-Router-SN1/config.xml?fileType=3%20Vendor%20Configuration%20File",
            {{"Content-Type", "application/octet-stream"}}, bytes);
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.status(), 201u);
  EXPECT_EQ(header(r.response, http::field::location), "/upload/00D09E-Router-SN1/config.xml");

  const auto listed = files_->list();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].name, "upload/00D09E-Router-SN1/config.xml");
  EXPECT_EQ(listed[0].device_id, "00D09E-Router-SN1");
  EXPECT_EQ(listed[0].file_type, "3 Vendor Configuration File");
  EXPECT_EQ(listed[0].size, bytes.size());
  EXPECT_EQ(listed[0].md5, hex_digest(EVP_md5(), bytes));
  EXPECT_EQ(listed[0].sha256, hex_digest(EVP_sha256(), bytes));

  const auto back = get("/upload/00D09E-Router-SN1/config.xml");
  EXPECT_EQ(back.status(), 200u);
  EXPECT_TRUE(back.response.body() == bytes);
}

TEST_F(FileServiceTest, PostUploadIsRawBytesWithDefaultOrGivenType) {
  start();
  EXPECT_EQ(fetch(http::verb::post, "/upload/DEV-2/cfg.bin", {}, "raw config").status(), 201u);
  EXPECT_EQ(
      fetch(http::verb::post, "/upload/DEV-2/syslog.txt?fileType=4+Vendor+Log+File", {}, "log")
          .status(),
      201u);
  // Another device's upload of the same name is kept apart.
  EXPECT_EQ(fetch(http::verb::post, "/upload/DEV-3/cfg.bin", {}, "other").status(), 201u);

  const auto cfg = files_->get("upload/DEV-2/cfg.bin");
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->file_type, "3 Vendor Configuration File");
  EXPECT_EQ(cfg->device_id, "DEV-2");
  EXPECT_EQ(cfg->size, 10u);
  const auto log = files_->get("upload/DEV-2/syslog.txt");
  ASSERT_TRUE(log);
  EXPECT_EQ(log->file_type, "4 Vendor Log File");
  const auto other = files_->get("upload/DEV-3/cfg.bin");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->md5, hex_digest(EVP_md5(), "other"));
}

TEST_F(FileServiceTest, BadUploadsAre400Or405) {
  start();
  for (const char* path : {"/upload/DEV-1", "/upload/DEV-1/", "/upload//name", "/upload/DEV-1/a/b",
                           "/upload/../x", "/upload/DEV-1/x?fileType=bogus", "/upload/DEV%2F1/x"}) {
    EXPECT_EQ(fetch(http::verb::put, path, {}, "x").status(), 400u) << path;
  }
  EXPECT_EQ(fetch(http::verb::put, "/firmware.bin", {}, "x").status(), 405u);
  EXPECT_TRUE(files_->list().empty());
}

TEST_F(FileServiceTest, TooLargeUploadIs413) {
  acs::FileServiceOptions options;
  options.max_upload_bytes = 1024;
  start(options);
  EXPECT_EQ(fetch(http::verb::put, "/upload/DEV-1/big.bin", {}, pattern(1025)).status(), 413u);
  EXPECT_TRUE(files_->list().empty());
  EXPECT_EQ(fetch(http::verb::put, "/upload/DEV-1/ok.bin", {}, pattern(1024)).status(), 201u);
}

// --- net::FileBody in the server ---------------------------------------------------------

class FileBodyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::uint8_t salt[8];
    random_bytes(salt);
    dir_ = fs::temp_directory_path() /
           ("cwmp-filebody-test-" +
            cwmp::hex_encode(std::string_view(reinterpret_cast<const char*>(salt), sizeof salt)));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (server_) {
      std::promise<void> stopped;
      server_->stop(0ms, [&stopped] { stopped.set_value(); });
      EXPECT_EQ(stopped.get_future().wait_for(5s), std::future_status::ready);
    }
    work_.reset();
    if (thread_.joinable()) thread_.join();
    pool_.join();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  // A server answering every request with `body`.
  void start(net::FileBody body, net::ServerOptions options = {}) {
    server_ = std::make_unique<net::HttpServer>(
        io_,
        [body](net::Request&, const net::ConnectionInfo&) -> asio::awaitable<net::Response> {
          net::Response r;
          r.message.result(http::status::ok);
          r.file = body;
          co_return r;
        },
        options);
    port_ = server_->listen("127.0.0.1:0");
    thread_ = std::thread([this] { io_.run(); });
  }

  fs::path write(std::string_view name, const std::string& bytes) {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  net::ClientResult get() {
    return asio::co_spawn(io_,
                          net::http_request(io_.get_executor(),
                                            "http://127.0.0.1:" + std::to_string(port_) + "/",
                                            http::verb::get, {}, "", 5s),
                          asio::use_future)
        .get();
  }

  fs::path dir_;
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      io_.get_executor()};
  std::thread thread_;
  asio::thread_pool pool_{1};
  std::unique_ptr<net::HttpServer> server_;
  std::uint16_t port_ = 0;
};

TEST_F(FileBodyTest, ServesTheRangeReadOnTheGivenExecutorOrInline) {
  const std::string bytes = pattern(200000);
  const fs::path path = write("f", bytes);
  start({path, 1000, 150000, pool_.get_executor()});
  auto r = get();
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.status(), 200u);
  EXPECT_TRUE(r.response.body() == bytes.substr(1000, 150000));
}

TEST_F(FileBodyTest, InlineReadsWithoutExecutor) {
  const std::string bytes = pattern(70000);
  start({write("f", bytes), 0, bytes.size(), {}});
  auto r = get();
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_TRUE(r.response.body() == bytes);
}

TEST_F(FileBodyTest, MissingOrShortFileIs500BeforeAnyByte) {
  start({dir_ / "absent", 0, 10, pool_.get_executor()});
  auto r = get();
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.status(), 500u);
  EXPECT_FALSE(r.response.keep_alive());
}

TEST_F(FileBodyTest, FileShorterThanTheRangeIs500) {
  start({write("short", "0123456789"), 5, 10, pool_.get_executor()});
  auto r = get();
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.status(), 500u);
}

TEST_F(FileBodyTest, ReaderThatStopsReadingHitsTheWriteDeadline) {
  // Larger than what the loopback socket buffers absorb, so the server's writes block.
  const std::string bytes = pattern(48 * 1024 * 1024);
  net::ServerOptions options;
  options.write_timeout = 200ms;
  start({write("big", bytes), 0, bytes.size(), pool_.get_executor()}, options);

  tcp::socket client(io_);
  client.connect({asio::ip::make_address("127.0.0.1"), port_});
  const std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  asio::write(client, asio::buffer(request));
  // Never read: the server must give up on the stalled connection.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  bool seen = false;
  while (std::chrono::steady_clock::now() < deadline) {
    const std::size_t n = server_->connection_count();
    seen = seen || n == 1;
    if (seen && n == 0) break;
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(seen);
  EXPECT_EQ(server_->connection_count(), 0u);
  boost::system::error_code ignored;
  client.close(ignored);
}

}  // namespace
