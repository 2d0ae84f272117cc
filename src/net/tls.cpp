#include "net/tls.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#if defined(CWMP_TLS_WOLFSSL)
#include <wolfssl/wolfcrypt/ecc.h>
#endif

#include <boost/asio/ssl/context.hpp>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace net {
namespace {

namespace ssl = boost::asio::ssl;

std::shared_ptr<ssl::context> base_context(ssl::context::method method) {
  auto ctx = std::make_shared<ssl::context>(method);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::no_compression);
  // Belt and braces: the option bits above may not cover versions OpenSSL adds later.
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
#if defined(SSL_OP_NO_RENEGOTIATION)  // wolfSSL has no such option: it renegotiates only when
                                      // built with secure renegotiation and asked to.
  SSL_CTX_set_options(ctx->native_handle(), SSL_OP_NO_RENEGOTIATION);
#endif
  return ctx;
}

template <class F>
void load(const std::string& what, const std::string& file, F&& f) {
  boost::system::error_code ec;
  f(ec);
  if (ec) throw std::runtime_error("cannot load " + what + " '" + file + "': " + ec.message());
}

// True when the system's CA directory holds OpenSSL's hash links (<hash>.0), as
// update-ca-certificates makes them on Debian.
// SSL_CERT_DIR, when set, replaces the default directory (OpenSSL's own rule).
// wolfSSL's compatibility layer answers both calls with null: OpenSSL's own names and
// Debian's directory then.
const char* ca_directory() {
  const char* env_name = X509_get_default_cert_dir_env();
  const char* from_env = std::getenv(env_name != nullptr ? env_name : "SSL_CERT_DIR");
  if (from_env != nullptr) return from_env;
  const char* built_in = X509_get_default_cert_dir();
  return built_in != nullptr ? built_in : "/etc/ssl/certs";
}

bool has_hashed_ca_directory() {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(ca_directory(), ec)) {
    if (entry.path().extension() == ".0") return true;
  }
  return false;
}

// The system's trusted CAs. The hashed directory is looked up lazily, one certificate per
// issuer the first time a chain needs it; the bundle file is parsed whole at once (about
// 140 certificates, 1.4 MB of memory kept for the process's life). A small agent wants the
// former; the file is the fallback where the directory is not hashed.
void use_system_cas(ssl::context& ctx) {
  if (has_hashed_ca_directory()) {
    // What SSL_CTX_set_default_verify_dir does, spelled out so that wolfSSL's compatibility
    // layer (which lacks that call but has the hashed-directory lookup) does the same.
    X509_STORE* store = SSL_CTX_get_cert_store(ctx.native_handle());
    X509_LOOKUP* lookup = X509_STORE_add_lookup(store, X509_LOOKUP_hash_dir());
    if (lookup != nullptr && X509_LOOKUP_add_dir(lookup, ca_directory(), X509_FILETYPE_PEM) == 1) {
      return;
    }
  }
  ctx.set_default_verify_paths();
}

}  // namespace

std::shared_ptr<ssl::context> make_server_tls_context(const ServerTlsOptions& options) {
  auto ctx = base_context(ssl::context::tls_server);
  load("certificate", options.cert_file,
       [&](auto& ec) { ctx->use_certificate_chain_file(options.cert_file, ec); });
  load("private key", options.key_file,
       [&](auto& ec) { ctx->use_private_key_file(options.key_file, ssl::context::pem, ec); });
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    throw std::runtime_error("private key '" + options.key_file + "' does not match certificate '" +
                             options.cert_file + "'");
  }
  if (!options.client_ca_file.empty()) {
    load("client CA", options.client_ca_file,
         [&](auto& ec) { ctx->load_verify_file(options.client_ca_file, ec); });
    // Send the CA names so clients with several certificates pick the right one.
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(options.client_ca_file.c_str())) {
      SSL_CTX_set_client_CA_list(ctx->native_handle(), names);
    }
    ctx->set_verify_mode(options.require_client_cert
                             ? ssl::verify_peer | ssl::verify_fail_if_no_peer_cert
                             : ssl::verify_peer);
  }
  return ctx;
}

std::shared_ptr<ssl::context> make_client_tls_context(const ClientTlsOptions& options) {
  auto ctx = base_context(ssl::context::tls_client);
  if (options.verify_peer) {
    if (options.ca_file.empty()) {
      use_system_cas(*ctx);
    } else {
      load("CA", options.ca_file, [&](auto& ec) { ctx->load_verify_file(options.ca_file, ec); });
    }
    ctx->set_verify_mode(ssl::verify_peer);
  } else {
    ctx->set_verify_mode(ssl::verify_none);
  }
  if (!options.cert_file.empty()) {
    load("client certificate", options.cert_file,
         [&](auto& ec) { ctx->use_certificate_chain_file(options.cert_file, ec); });
    load("client key", options.key_file,
         [&](auto& ec) { ctx->use_private_key_file(options.key_file, ssl::context::pem, ec); });
  }
  return ctx;
}

void release_thread_tls_caches() {
#if defined(CWMP_TLS_WOLFSSL) && defined(FP_ECC)
  wc_ecc_fp_free();
#endif
}

}  // namespace net
