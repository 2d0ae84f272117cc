// HTTPS through net::HttpServer / net::HttpConnection with certificates generated at run
// time by the openssl command (skipped when it is missing).
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "net/tls.hpp"
#include "net_test_support.hpp"

namespace net_test {
namespace {

namespace fs = std::filesystem;

std::string header(const net::HttpResponse& r, std::string_view name) {
  auto it = r.find(name);
  return it == r.end() ? std::string() : std::string(it->value());
}

// A CA, a server certificate for IP 127.0.0.1, one for another name only, a client
// certificate from the same CA and one from an unrelated CA.
class Pki {
 public:
  static Pki& instance() {
    static Pki pki;
    return pki;
  }
  bool ok() const { return ok_; }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

 private:
  Pki() {
    if (std::system("openssl version >/dev/null 2>&1") != 0) return;
    std::string tmpl = (fs::temp_directory_path() / "net_tls_test_XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) return;
    dir_ = tmpl;
    std::ofstream(dir_ / "server.ext") << "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                                          "extendedKeyUsage=serverAuth\n";
    std::ofstream(dir_ / "wrong.ext") << "subjectAltName=DNS:wrong.example\n"
                                         "extendedKeyUsage=serverAuth\n";
    std::ofstream(dir_ / "client.ext")
        << "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n";
    const std::string d = "'" + dir_.string() + "'/";
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes ";
    auto ca = [&](const std::string& name) {
      return "openssl req -x509" + ec + "-keyout " + d + name + ".key -out " + d + name +
             ".crt -days 2 -subj '/CN=" + name + "'";
    };
    auto leaf = [&](const std::string& name, const std::string& cn, const std::string& issuer,
                    const std::string& ext) {
      return "openssl req" + ec + "-keyout " + d + name + ".key -out " + d + name +
             ".csr -subj '/O=Test/CN=" + cn + "' && openssl x509 -req -in " + d + name +
             ".csr -CA " + d + issuer + ".crt -CAkey " + d + issuer + ".key -CAcreateserial -out " +
             d + name + ".crt -days 2 -extfile " + d + ext;
    };
    const std::string script = "(" + ca("ca") + " && " + ca("other_ca") + " && " +
                               leaf("server", "127.0.0.1", "ca", "server.ext") + " && " +
                               leaf("wrong", "wrong.example", "ca", "wrong.ext") + " && " +
                               leaf("client", "cpe-1", "ca", "client.ext") + " && " +
                               leaf("stranger", "stranger", "other_ca", "client.ext") +
                               ") >/dev/null 2>&1";
    ok_ = std::system(script.c_str()) == 0;
  }
  ~Pki() {
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  fs::path dir_;
  bool ok_ = false;
};

class TlsTest : public ServerFixture {
 protected:
  void SetUp() override {
    if (!Pki::instance().ok()) GTEST_SKIP() << "openssl command missing or failed";
  }
  std::string p(const std::string& name) { return Pki::instance().path(name); }

  net::ClientOptions client(const std::string& ca, const std::string& cert = {}) {
    net::ClientTlsOptions t;
    t.ca_file = p(ca);
    if (!cert.empty()) {
      t.cert_file = p(cert + ".crt");
      t.key_file = p(cert + ".key");
    }
    net::ClientOptions o;
    o.tls = net::make_client_tls_context(t);
    return o;
  }

  void start_tls(const std::string& cert, const std::string& client_ca = {}) {
    net::ServerTlsOptions t;
    t.cert_file = p(cert + ".crt");
    t.key_file = p(cert + ".key");
    if (!client_ca.empty()) t.client_ca_file = p(client_ca);
    start({}, net::make_server_tls_context(t));
  }
};

TEST_F(TlsTest, RoundTripAndPlainListenerSideBySide) {
  start_tls("server");
  const auto plain_port = server_->listen("127.0.0.1:0");
  auto r = get(url("/echo", true), client("ca.crt"));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.status(), 200u);
  EXPECT_EQ(header(r.response, "X-Tls"), "1");
  EXPECT_EQ(header(r.response, "X-Subject"), "");

  // Keep-alive over TLS: same connection id twice.
  net::HttpConnection c(io_.get_executor(), client("ca.crt"));
  auto a = run(c.request(url("/echo", true), http::verb::post, {}, "one", 2s));
  auto b = run(c.request(url("/echo", true), http::verb::post, {}, "two", 2s));
  ASSERT_TRUE(a.ok() && b.ok()) << a.message << b.message;
  EXPECT_EQ(b.response.body(), "two");
  EXPECT_EQ(header(a.response, "X-Conn-Id"), header(b.response, "X-Conn-Id"));

  auto plain = get("http://127.0.0.1:" + std::to_string(plain_port) + "/echo");
  ASSERT_TRUE(plain.ok()) << plain.message;
  EXPECT_EQ(header(plain.response, "X-Tls"), "0");
}

TEST_F(TlsTest, ClientRefusesUntrustedServer) {
  start_tls("server");
  auto r = get(url("/echo", true), client("other_ca.crt"));
  EXPECT_EQ(r.error, net::ClientError::kTls) << r.message;
}

// No ca_file: the system's CAs, looked up lazily in the hashed directory (SSL_CERT_DIR
// stands for /etc/ssl/certs here) rather than parsed whole from the bundle file.
TEST_F(TlsTest, SystemCasFromAHashedDirectory) {
  start_tls("server");
  const fs::path dir = fs::path(p("")) / "system-cas";
  fs::create_directories(dir);
  fs::copy_file(p("ca.crt"), dir / "ca.pem", fs::copy_options::overwrite_existing);
  const std::string rehash = "openssl rehash '" + dir.string() + "' >/dev/null 2>&1";
  if (std::system(rehash.c_str()) != 0) GTEST_SKIP() << "openssl rehash failed";
  const char* saved = std::getenv("SSL_CERT_DIR");
  const std::string previous = saved != nullptr ? saved : "";
  ::setenv("SSL_CERT_DIR", dir.c_str(), 1);
  net::ClientOptions o;
  o.tls = net::make_client_tls_context(net::ClientTlsOptions{});
  if (saved != nullptr) {
    ::setenv("SSL_CERT_DIR", previous.c_str(), 1);
  } else {
    ::unsetenv("SSL_CERT_DIR");
  }
  auto r = get(url("/echo", true), o);
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.status(), 200u);
}

TEST_F(TlsTest, ClientChecksHostName) {
  start_tls("wrong");  // valid chain, but for wrong.example, not 127.0.0.1
  auto r = get(url("/echo", true), client("ca.crt"));
  EXPECT_EQ(r.error, net::ClientError::kTls) << r.message;
}

TEST_F(TlsTest, PlainHttpToTlsPortGetsNoResponse) {
  start_tls("server");
  auto r = get(url("/echo", false));
  EXPECT_FALSE(r.ok());
  wait_for_connections(0);
}

TEST_F(TlsTest, ClientCertificateRequiredAndVerified) {
  start_tls("server", "ca.crt");
  auto good = get(url("/echo", true), client("ca.crt", "client"));
  ASSERT_TRUE(good.ok()) << good.message;
  EXPECT_EQ(good.status(), 200u);
  EXPECT_EQ(header(good.response, "X-Subject"), "CN=cpe-1,O=Test");

  auto none = get(url("/echo", true), client("ca.crt"));
  EXPECT_FALSE(none.ok());
  EXPECT_TRUE(none.error == net::ClientError::kTls || none.error == net::ClientError::kIo)
      << net::to_string(none.error) << ": " << none.message;

  auto stranger = get(url("/echo", true), client("ca.crt", "stranger"));
  EXPECT_FALSE(stranger.ok());
  // The server is unharmed.
  EXPECT_EQ(get(url("/echo", true), client("ca.crt", "client")).status(), 200u);
}

TEST(TlsContext, MissingFilesThrowWithTheFileName) {
  net::ServerTlsOptions t;
  t.cert_file = "/nonexistent/cert.pem";
  t.key_file = "/nonexistent/key.pem";
  try {
    net::make_server_tls_context(t);
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/cert.pem"), std::string::npos);
  }
}

}  // namespace
}  // namespace net_test
