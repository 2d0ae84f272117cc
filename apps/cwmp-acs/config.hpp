// cwmp-acs's configuration: command-line options and the same keys in a config file
// ("key = value" lines, '#' comments). Options on the command line win over the file.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli.hpp"

namespace acs_app {

struct AcsConfig {
  std::string data_dir = "./acs-data";
  std::string db;  // SQLite file; default <data_dir>/acs.db

  // Listeners ("" disables one). TLS listeners need tls_cert and tls_key.
  std::string cwmp_listen = "0.0.0.0:7547";
  std::string cwmp_tls_listen;
  std::string nbi_listen = "127.0.0.1:7557";
  std::string files_listen = "0.0.0.0:7567";
  std::string files_tls_listen;
  std::string files_url;  // base URL CPEs download from; default http://<host name>:<port>

  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;             // verify CPE client certificates against this bundle
  bool tls_require_client_cert = false;  // refuse CWMP over TLS without a client certificate

  std::string cpe_auth = "digest";  // digest | basic (over TLS only) | none
  std::string cpe_username;         // the shared pair; per-device credentials via the NBI
  std::string cpe_password;
  std::string auth_realm = "cwmp-acs";
  std::uint32_t max_auth_failures = 10;

  std::string nbi_token;
  std::size_t max_sessions = 2000;
  std::chrono::milliseconds session_idle_timeout{30'000};
  std::chrono::milliseconds session_max_duration{600'000};
  std::chrono::milliseconds cr_timeout{2000};
  bool cr_allow_basic = false;
  // per-device: on 0 BOOTSTRAP the ACS sets random ConnectionRequestUsername/Password of
  // the device's own; keep: it leaves them as they are (docs/connection-requests.md).
  std::string cr_credentials = "per-device";
  std::uint64_t max_file_size = 256ull * 1024 * 1024;
  // Uploads (configuration backups) kept per device; 0 = keep all (docs/files.md).
  std::size_t backup_retention = 5;
  std::size_t refresh_batch = 256;
  unsigned threads = 0;        // event-loop threads; 0 = one per core
  unsigned store_threads = 8;  // threads running blocking store calls
  std::string log_level = "info";

  std::string database_path() const;
};

using ParseOutcome = cli::ParseOutcome<AcsConfig>;

ParseOutcome parse_command_line(const std::vector<std::string>& args);
std::string help_text();

}  // namespace acs_app
