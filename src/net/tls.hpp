// Builders of OpenSSL contexts for the HTTP server and client: TLS 1.2 minimum, no
// compression, no renegotiation. Errors (missing or bad files) throw std::runtime_error
// with the file name: these run at start-up, where a clear message beats a result type.
#pragma once

#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace net {

struct ServerTlsOptions {
  std::string cert_file;  // PEM, may hold the chain after the leaf
  std::string key_file;   // PEM
  // When set, clients are asked for a certificate verified against this PEM bundle.
  std::string client_ca_file;
  // With client_ca_file: refuse the handshake of a client without a valid certificate.
  // When false, a certificate is asked for but optional (the handler sees whether one came).
  bool require_client_cert = true;
};

struct ClientTlsOptions {
  // PEM bundle of trusted CAs; empty = the system's default paths.
  std::string ca_file;
  // Verify the server's certificate (chain + host name). Off only for labs.
  bool verify_peer = true;
  // Optional client certificate and key (PEM).
  std::string cert_file;
  std::string key_file;
};

std::shared_ptr<boost::asio::ssl::context> make_server_tls_context(const ServerTlsOptions& options);
std::shared_ptr<boost::asio::ssl::context> make_client_tls_context(const ClientTlsOptions& options);

// Frees what the TLS library keeps per thread to speed up later handshakes: with wolfSSL, its
// ECC fixed-point tables (FP_ECC, on in Debian's build), about 2.6 MB after one ECDSA
// handshake, kept for the thread's life. A device that opens a session every few minutes
// would rather have the memory. Call it on the thread that ran the handshakes, between
// sessions. Nothing to free with OpenSSL.
void release_thread_tls_caches();

}  // namespace net
