#include "cpe_config.hpp"

#include <stdexcept>

namespace cpe_app {

namespace {

using cli::to_bool;
using cli::to_duration;
using Option = cli::Option<CpeConfig>;

// A setter for a plain string field.
template <std::string CpeConfig::*Field>
void set_string(CpeConfig& c, const std::string& v) {
  c.*Field = v;
}

template <bool CpeConfig::*Field>
Option flag(std::string name, std::string help) {
  return {std::move(help), "",
          [name](CpeConfig& c, const std::string& v) { c.*Field = to_bool(name, v); }};
}

const cli::OptionTable<CpeConfig>& options() {
  static const cli::OptionTable<CpeConfig> table = {
      {"config",
       {"read options from FILE: 'key = value' lines with the long option names", "FILE", nullptr}},
      {"acs-url",
       {"the ACS (ManagementServer.URL), applied when it differs from the last start's", "URL",
        set_string<&CpeConfig::acs_url>}},
      {"acs-url-file",
       {"read the ACS URL from FILE (e.g. written by a DHCP option 43 hook); SIGHUP re-reads",
        "FILE", set_string<&CpeConfig::acs_url_file>}},
      {"acs-url-command",
       {"run CMD and take the ACS URL from its output; SIGHUP runs it again", "CMD",
        set_string<&CpeConfig::acs_url_command>}},
      {"acs-username",
       {"ManagementServer.Username, to authenticate to the ACS", "USER",
        set_string<&CpeConfig::acs_username>}},
      {"acs-password",
       {"ManagementServer.Password", "PASSWORD", set_string<&CpeConfig::acs_password>}},
      {"model",
       {"data-model definition (JSON, docs/cpe-model.md); default: built-in TR-181 gateway", "FILE",
        set_string<&CpeConfig::model>}},
      {"state-dir",
       {"where values, events and transfers are kept (default ./cpe-state)", "DIR",
        set_string<&CpeConfig::state_dir>}},
      {"cr-listen",
       {"connection-request listener (default 0.0.0.0:7547; empty disables)", "ADDR:PORT",
        set_string<&CpeConfig::cr_listen>}},
      {"cr-host",
       {"host name or address put in ConnectionRequestURL (default: the address facing the ACS)",
        "HOST", set_string<&CpeConfig::cr_host>}},
      {"cr-username",
       {"initial ConnectionRequestUsername", "USER", set_string<&CpeConfig::cr_username>}},
      {"cr-password",
       {"initial ConnectionRequestPassword", "PASSWORD", set_string<&CpeConfig::cr_password>}},
      {"cr-allow-basic",
       flag<&CpeConfig::cr_allow_basic>("cr-allow-basic",
                                        "accept Basic connection requests (cleartext password)")},
      {"cr-rate",
       {"connection requests accepted per second beyond the burst (default 4)", "N",
        [](CpeConfig& c, const std::string& v) {
          c.cr_rate_per_second = static_cast<double>(cli::to_number("cr-rate", v));
          if (c.cr_rate_per_second <= 0) throw std::invalid_argument("cr-rate: must be positive");
        }}},
      {"cr-burst",
       {"connection requests accepted at once before the rate applies (default 10)", "N",
        [](CpeConfig& c, const std::string& v) {
          c.cr_burst = static_cast<double>(cli::to_number("cr-burst", v));
          if (c.cr_burst < 1) throw std::invalid_argument("cr-burst: at least 1");
        }}},
      {"serial",
       {"DeviceInfo.SerialNumber (default: derived from /etc/machine-id)", "SERIAL",
        set_string<&CpeConfig::serial>}},
      {"oui", {"DeviceInfo.ManufacturerOUI (6 hex digits)", "OUI", set_string<&CpeConfig::oui>}},
      {"product-class",
       {"DeviceInfo.ProductClass", "CLASS", set_string<&CpeConfig::product_class>}},
      {"cwmp-version",
       {"CWMP version offered to the ACS: 1.2 (default) or 1.4", "VERSION",
        [](CpeConfig& c, const std::string& v) {
          if (v != "1.2" && v != "1.4") throw std::invalid_argument("cwmp-version: 1.2 or 1.4");
          c.cwmp_version = v;
        }}},
      {"tls-ca",
       {"PEM bundle the ACS's certificate is verified against (default: system CAs)", "FILE",
        set_string<&CpeConfig::tls_ca>}},
      {"tls-cert",
       {"client certificate (PEM) for the ACS", "FILE", set_string<&CpeConfig::tls_cert>}},
      {"tls-key", {"private key (PEM) of --tls-cert", "FILE", set_string<&CpeConfig::tls_key>}},
      {"tls-insecure", flag<&CpeConfig::tls_insecure>(
                           "tls-insecure", "do not verify the ACS's certificate (labs only)")},
      {"basic-over-http",
       flag<&CpeConfig::basic_over_http>(
           "basic-over-http", "answer Basic challenges over plain HTTP (ACS and file servers)")},
      {"install-command",
       {"apply a downloaded file: CMD FILETYPE FILE TARGETNAME URL (docs/cpe.md)", "CMD",
        set_string<&CpeConfig::install_command>}},
      {"reboot-command",
       {"the real reboot (default: the agent re-executes itself)", "CMD",
        set_string<&CpeConfig::reboot_command>}},
      {"factory-reset-command",
       {"vendor part of a factory reset, run after the data model is reset", "CMD",
        set_string<&CpeConfig::factory_reset_command>}},
      {"notify-poll-interval",
       {"re-read hook-fed parameters under notification this often (default 30s)", "DURATION",
        [](CpeConfig& c, const std::string& v) {
          c.notify_poll_interval = to_duration("notify-poll-interval", v);
          if (c.notify_poll_interval.count() == 0) {
            throw std::invalid_argument("notify-poll-interval: must be positive");
          }
        }}},
      {"log-level",
       {"trace, debug, info (default), warn, error", "LEVEL",
        [](CpeConfig& c, const std::string& v) { c.log_level = cli::to_log_level(v); }}},
  };
  return table;
}

const char* const kPreamble =
    "usage: cwmp-cpe --acs-url URL [OPTIONS]\n"
    "A TR-069 (CWMP) device agent with a TR-181 Device:2 data model. State in ./cpe-state,\n"
    "connection requests on 0.0.0.0:7547. SIGTERM stops it; SIGHUP re-reads the ACS URL\n"
    "from --acs-url-file / --acs-url-command.\n";

}  // namespace

std::string help_text() {
  return cli::help_text(options(), kPreamble);
}

ParseOutcome parse_command_line(const std::vector<std::string>& args) {
  ParseOutcome outcome = cli::parse(options(), args, "cwmp-cpe", kPreamble);
  if (outcome.config) {
    const CpeConfig& c = *outcome.config;
    if (c.tls_cert.empty() != c.tls_key.empty()) {
      outcome = {};
      outcome.exit_code = 2;
      outcome.message = "cwmp-cpe: --tls-cert and --tls-key go together\n";
    }
  }
  return outcome;
}

}  // namespace cpe_app
