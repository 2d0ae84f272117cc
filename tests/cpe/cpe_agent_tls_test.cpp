// HTTPS to the ACS: CA verification, the host-name check, an optional client certificate,
// and Basic allowed over TLS. Certificates are made at run time by the openssl command (the
// tests skip without it).
#include <cstdlib>

#include "cpe_agent_test_support.hpp"
#include "net/tls.hpp"

namespace cpe_agent_test {
namespace {

// A CA, a server certificate for IP 127.0.0.1, one for another name only, a client
// certificate, and an unrelated CA.
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
    std::string tmpl = (fs::temp_directory_path() / "cpe_agent_pki_XXXXXX").string();
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
    auto leaf = [&](const std::string& name, const std::string& cn, const std::string& ext) {
      return "openssl req" + ec + "-keyout " + d + name + ".key -out " + d + name +
             ".csr -subj '/CN=" + cn + "' && openssl x509 -req -in " + d + name + ".csr -CA " + d +
             "ca.crt -CAkey " + d + "ca.key -CAcreateserial -out " + d + name +
             ".crt -days 2 -extfile " + d + ext;
    };
    const std::string script = "(" + ca("ca") + " && " + ca("other_ca") + " && " +
                               leaf("server", "127.0.0.1", "server.ext") + " && " +
                               leaf("wrong", "wrong.example", "wrong.ext") + " && " +
                               leaf("client", "cpe-1", "client.ext") + ") >/dev/null 2>&1";
    ok_ = std::system(script.c_str()) == 0;
  }
  ~Pki() {
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  fs::path dir_;
  bool ok_ = false;
};

class Tls : public AgentFixture {
 protected:
  void SetUp() override {
    if (!Pki::instance().ok()) GTEST_SKIP() << "openssl command missing or failed";
    AgentFixture::SetUp();
  }
  std::string p(const std::string& name) { return Pki::instance().path(name); }

  // Replaces the plain ACS with an HTTPS one.
  void https_acs(const std::string& cert, bool client_cert = false) {
    net::ServerTlsOptions o;
    o.cert_file = p(cert + ".crt");
    o.key_file = p(cert + ".key");
    if (client_cert) o.client_ca_file = p("ca.crt");
    acs_ = std::make_unique<ScriptedAcs>(net::make_server_tls_context(o));
    const std::string url = acs_->url("/acs", true);
    device_.set_management([url](cpe::ManagementSettings& m) { m.url = url; });
  }
  AgentOptions tls_options(const std::string& ca) {
    AgentOptions o = options();
    o.tls.ca_file = p(ca);
    return o;
  }
  bool session_ok() {
    const auto reports = agent_->sessions();
    return !reports.empty() && reports.back().ok;
  }
  std::string last_error() {
    const auto reports = agent_->sessions();
    return reports.empty() ? "" : reports.back().error;
  }
};

TEST_F(Tls, TrustedCertificate) {
  https_acs("server");
  start(tls_options("ca.crt"));
  EXPECT_TRUE(session_ok()) << last_error();
  EXPECT_TRUE(acs_->last().completed);
}

TEST_F(Tls, UntrustedCertificateFails) {
  https_acs("server");
  start(tls_options("other_ca.crt"));
  EXPECT_FALSE(session_ok());
  EXPECT_NE(last_error().find("tls"), std::string::npos) << last_error();
  EXPECT_EQ(acs_->session_count(), 0u);
}

TEST_F(Tls, HostNameMismatchFails) {
  https_acs("wrong");
  start(tls_options("ca.crt"));
  EXPECT_FALSE(session_ok());
  EXPECT_EQ(acs_->session_count(), 0u);
}

TEST_F(Tls, ClientCertificate) {
  https_acs("server", /*client_cert=*/true);
  start(tls_options("ca.crt"));
  EXPECT_FALSE(session_ok());  // the ACS asks for one, we have none
  agent_.reset();
  AgentOptions o = tls_options("ca.crt");
  o.tls.cert_file = p("client.crt");
  o.tls.key_file = p("client.key");
  start(o);
  EXPECT_TRUE(session_ok()) << last_error();
}

TEST_F(Tls, BasicIsAnsweredOverTls) {
  https_acs("server");
  acs_->require_basic("cpe", "pw");
  device_.set_management([](cpe::ManagementSettings& m) {
    m.username = "cpe";
    m.password = "pw";
  });
  start(tls_options("ca.crt"));
  EXPECT_TRUE(session_ok()) << last_error();
}

}  // namespace
}  // namespace cpe_agent_test
