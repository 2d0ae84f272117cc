#include "config.hpp"

#include <algorithm>
#include <stdexcept>

#include "cli.hpp"

namespace acs_app {

namespace {

using cli::to_bool;
using cli::to_duration;
using cli::to_number;
using Option = cli::Option<AcsConfig>;

const cli::OptionTable<AcsConfig>& options() {
  static const cli::OptionTable<AcsConfig> table = {
      {"data-dir",
       {"directory of the database and the files (default ./acs-data)", "DIR",
        [](AcsConfig& c, const std::string& v) { c.data_dir = v; }}},
      {"db",
       {"SQLite database file (default <data-dir>/acs.db)", "PATH",
        [](AcsConfig& c, const std::string& v) { c.db = v; }}},
      {"config",
       {"read options from FILE: 'key = value' lines with the long option names", "FILE", nullptr}},
      {"cwmp-listen",
       {"CWMP over HTTP (default 0.0.0.0:7547; empty disables)", "ADDR:PORT",
        [](AcsConfig& c, const std::string& v) { c.cwmp_listen = v; }}},
      {"cwmp-tls-listen",
       {"CWMP over HTTPS, needs --tls-cert/--tls-key (e.g. 0.0.0.0:7548)", "ADDR:PORT",
        [](AcsConfig& c, const std::string& v) { c.cwmp_tls_listen = v; }}},
      {"nbi-listen",
       {"northbound REST API (default 127.0.0.1:7557; beyond loopback needs --nbi-token)",
        "ADDR:PORT", [](AcsConfig& c, const std::string& v) { c.nbi_listen = v; }}},
      {"files-listen",
       {"file service for CPE downloads/uploads (default 0.0.0.0:7567; empty disables)",
        "ADDR:PORT", [](AcsConfig& c, const std::string& v) { c.files_listen = v; }}},
      {"files-tls-listen",
       {"file service over HTTPS, needs --tls-cert/--tls-key", "ADDR:PORT",
        [](AcsConfig& c, const std::string& v) { c.files_tls_listen = v; }}},
      {"files-url",
       {"base URL CPEs download files from (default http://<host name>:<files port>)", "URL",
        [](AcsConfig& c, const std::string& v) { c.files_url = v; }}},
      {"tls-cert",
       {"PEM certificate (chain) of the TLS listeners", "FILE",
        [](AcsConfig& c, const std::string& v) { c.tls_cert = v; }}},
      {"tls-key",
       {"PEM private key of the TLS listeners", "FILE",
        [](AcsConfig& c, const std::string& v) { c.tls_key = v; }}},
      {"tls-client-ca",
       {"verify CPE client certificates against this PEM bundle", "FILE",
        [](AcsConfig& c, const std::string& v) { c.tls_client_ca = v; }}},
      {"tls-require-client-cert",
       {"refuse TLS clients without a valid certificate (with --tls-client-ca)", "",
        [](AcsConfig& c, const std::string& v) {
          c.tls_require_client_cert = to_bool("tls-require-client-cert", v);
        }}},
      {"cpe-auth",
       {"CPE authentication: digest (default), basic (only over TLS), none (labs only)", "MODE",
        [](AcsConfig& c, const std::string& v) {
          if (v != "digest" && v != "basic" && v != "none") {
            throw std::invalid_argument("cpe-auth: digest, basic or none, not '" + v + "'");
          }
          c.cpe_auth = v;
        }}},
      {"cpe-username",
       {"shared CPE username (per-device credentials: PUT /cpe-credentials/<user>)", "USER",
        [](AcsConfig& c, const std::string& v) { c.cpe_username = v; }}},
      {"cpe-password",
       {"shared CPE password", "PASSWORD",
        [](AcsConfig& c, const std::string& v) { c.cpe_password = v; }}},
      {"auth-realm",
       {"realm of the CPE authentication (default cwmp-acs)", "REALM",
        [](AcsConfig& c, const std::string& v) { c.auth_realm = v; }}},
      {"max-auth-failures",
       {"failed authentications per source address and minute before 503 (default 10)", "N",
        [](AcsConfig& c, const std::string& v) {
          c.max_auth_failures = static_cast<std::uint32_t>(to_number("max-auth-failures", v));
        }}},
      {"nbi-token",
       {"API token the NBI requires (Authorization: Bearer TOKEN)", "TOKEN",
        [](AcsConfig& c, const std::string& v) { c.nbi_token = v; }}},
      {"max-sessions",
       {"concurrent CWMP sessions before 503 + Retry-After (default 2000)", "N",
        [](AcsConfig& c, const std::string& v) { c.max_sessions = to_number("max-sessions", v); }}},
      {"session-idle-timeout",
       {"drop a session idle this long (default 30s)", "DURATION",
        [](AcsConfig& c, const std::string& v) {
          c.session_idle_timeout = to_duration("session-idle-timeout", v);
        }}},
      {"session-max-duration",
       {"drop a session older than this (default 10m)", "DURATION",
        [](AcsConfig& c, const std::string& v) {
          c.session_max_duration = to_duration("session-max-duration", v);
        }}},
      {"cr-timeout",
       {"connection request timeout (default 2s)", "DURATION",
        [](AcsConfig& c, const std::string& v) { c.cr_timeout = to_duration("cr-timeout", v); }}},
      {"cr-allow-basic",
       {"answer a CPE's Basic challenge on connection requests (cleartext password)", "",
        [](AcsConfig& c, const std::string& v) {
          c.cr_allow_basic = to_bool("cr-allow-basic", v);
        }}},
      {"cr-credentials",
       {"per-device (default): random ConnectionRequestUsername/Password for each device on "
        "0 BOOTSTRAP; keep: set none",
        "MODE",
        [](AcsConfig& c, const std::string& v) {
          if (v != "per-device" && v != "keep") {
            throw std::invalid_argument("cr-credentials: per-device or keep, not '" + v + "'");
          }
          c.cr_credentials = v;
        }}},
      {"max-file-size",
       {"largest file the NBI or a CPE upload may store, in bytes (default 256 MiB)", "BYTES",
        [](AcsConfig& c, const std::string& v) {
          c.max_file_size = to_number("max-file-size", v);
        }}},
      {"backup-retention",
       {"uploads (configuration backups) kept per device, the oldest deleted first; 0 keeps "
        "all (default 5)",
        "N",
        [](AcsConfig& c, const std::string& v) {
          c.backup_retention = to_number("backup-retention", v);
        }}},
      {"refresh-batch",
       {"parameters per GetParameterValues of a refreshObject task (default 256)", "N",
        [](AcsConfig& c, const std::string& v) {
          c.refresh_batch = to_number("refresh-batch", v);
        }}},
      {"threads",
       {"event-loop threads (default: one per core)", "N",
        [](AcsConfig& c, const std::string& v) {
          c.threads = static_cast<unsigned>(to_number("threads", v));
        }}},
      {"store-threads",
       {"threads running store calls; writes arriving together share a commit (default 8)", "N",
        [](AcsConfig& c, const std::string& v) {
          c.store_threads =
              std::max<unsigned>(1, static_cast<unsigned>(to_number("store-threads", v)));
        }}},
      {"log-level",
       {"trace, debug, info (default), warn, error", "LEVEL",
        [](AcsConfig& c, const std::string& v) { c.log_level = cli::to_log_level(v); }}},
  };
  return table;
}

}  // namespace

std::string AcsConfig::database_path() const {
  return db.empty() ? data_dir + "/acs.db" : db;
}

namespace {
const char* const kPreamble =
    "usage: cwmp-acs [OPTIONS]\n"
    "A TR-069 (CWMP) Auto-Configuration Server. With no options: CWMP on 0.0.0.0:7547,\n"
    "NBI on 127.0.0.1:7557, file service on 0.0.0.0:7567, data in ./acs-data.\n";
}  // namespace

std::string help_text() {
  return cli::help_text(options(), kPreamble);
}

ParseOutcome parse_command_line(const std::vector<std::string>& args) {
  return cli::parse(options(), args, "cwmp-acs", kPreamble);
}

}  // namespace acs_app
