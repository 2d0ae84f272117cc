#include "sim_config.hpp"

#include <stdexcept>

namespace sim {

namespace {

using Option = cli::Option<SimConfig>;

template <std::string SimConfig::*Field>
void set_string(SimConfig& c, const std::string& v) {
  c.*Field = v;
}

std::uint32_t to_u32(const std::string& key, const std::string& v) {
  const std::uint64_t n = cli::to_number(key, v);
  if (n > 0xFFFFFFFFu) throw std::invalid_argument(key + ": too large");
  return static_cast<std::uint32_t>(n);
}

std::chrono::seconds to_seconds(const std::string& key, const std::string& v) {
  return std::chrono::duration_cast<std::chrono::seconds>(
      v.find_first_not_of("0123456789") == std::string::npos
          ? std::chrono::seconds(cli::to_number(key, v))
          : cli::to_duration(key, v));
}

const cli::OptionTable<SimConfig>& options() {
  static const cli::OptionTable<SimConfig> table = {
      {"config",
       {"read options from FILE: 'key = value' lines with the long option names", "FILE", nullptr}},
      {"acs-url",
       {"the ACS every device calls (required)", "URL", set_string<&SimConfig::acs_url>}},
      {"acs-username",
       {"ManagementServer.Username of every device", "USER", set_string<&SimConfig::acs_username>}},
      {"acs-password",
       {"ManagementServer.Password of every device", "PASSWORD",
        set_string<&SimConfig::acs_password>}},
      {"devices",
       {"how many devices (default 100)", "N",
        [](SimConfig& c, const std::string& v) {
          c.devices = to_u32("devices", v);
          if (c.devices == 0) throw std::invalid_argument("devices: at least 1");
        }}},
      {"model",
       {"data-model definition (JSON); default: the built-in TR-181 gateway", "FILE",
        set_string<&SimConfig::model>}},
      {"serial-pattern",
       {"printf pattern of the serial numbers over the device index (default SIM%06u)", "PATTERN",
        [](SimConfig& c, const std::string& v) {
          const auto at = v.find('%');
          if (at == std::string::npos || v.find('%', at + 1) != std::string::npos ||
              v.find_first_of("ux", at) == std::string::npos) {
            throw std::invalid_argument("serial-pattern: one %u (or %06u, %x) conversion");
          }
          c.serial_pattern = v;
        }}},
      {"first-index",
       {"index of the first device (several simulators side by side)", "N",
        [](SimConfig& c, const std::string& v) { c.first_index = to_u32("first-index", v); }}},
      {"oui",
       {"ManufacturerOUI of the devices (default 00D09E)", "OUI", set_string<&SimConfig::oui>}},
      {"product-class",
       {"ProductClass of the devices (default SimGateway)", "CLASS",
        set_string<&SimConfig::product_class>}},
      {"periodic-interval",
       {"PeriodicInformInterval of every device, seconds (default 300)", "S",
        [](SimConfig& c, const std::string& v) {
          c.periodic_interval = to_seconds("periodic-interval", v);
          if (c.periodic_interval.count() == 0) {
            throw std::invalid_argument("periodic-interval: at least 1 s");
          }
        }}},
      {"jitter",
       {"share of the interval the devices' periodic phases spread over, 0-100 % (default 100)",
        "PERCENT",
        [](SimConfig& c, const std::string& v) {
          const std::uint64_t p = cli::to_number("jitter", v);
          if (p > 100) throw std::invalid_argument("jitter: 0 to 100");
          c.jitter = static_cast<double>(p) / 100.0;
        }}},
      {"scenario",
       {"steady (periodic informs), boot-storm (all bootstrap at once), cr-storm (a connection "
        "request for every device through the NBI)",
        "NAME",
        [](SimConfig& c, const std::string& v) {
          if (v != "steady" && v != "boot-storm" && v != "cr-storm") {
            throw std::invalid_argument("scenario: steady, boot-storm or cr-storm");
          }
          c.scenario = v;
        }}},
      {"duration",
       {"stop after this long (e.g. 60s, 5m; default: until SIGINT/SIGTERM)", "DURATION",
        [](SimConfig& c, const std::string& v) { c.duration = to_seconds("duration", v); }}},
      {"warmup",
       {"leave sessions that end within this long of the start out of the report's measured "
        "figures (rate, latency); part of --duration (default 0)",
        "DURATION",
        [](SimConfig& c, const std::string& v) { c.warmup = cli::to_duration("warmup", v); }}},
      {"cr-listen",
       {"one connection-request listener for every device (a path each); empty: none", "ADDR:PORT",
        set_string<&SimConfig::cr_listen>}},
      {"cr-host",
       {"host in the devices' ConnectionRequestURL (default: the listen address)", "HOST",
        set_string<&SimConfig::cr_host>}},
      {"cr-username",
       {"ConnectionRequestUsername of every device (default: none, which an ACS that never set one "
        "also sends)",
        "USER", set_string<&SimConfig::cr_username>}},
      {"cr-password",
       {"ConnectionRequestPassword prefix: each device's is this plus its serial", "PASSWORD",
        set_string<&SimConfig::cr_password>}},
      {"nbi-url",
       {"the ACS's NBI (cr-storm posts a task with connection_request per device)", "URL",
        set_string<&SimConfig::nbi_url>}},
      {"ramp-up",
       {"start the devices over this long (default: all at once)", "DURATION",
        [](SimConfig& c, const std::string& v) { c.ramp_up = cli::to_duration("ramp-up", v); }}},
      {"report",
       {"write a JSON report to FILE at the end", "FILE", set_string<&SimConfig::report>}},
      {"threads",
       {"io threads (default: one per core)", "N",
        [](SimConfig& c, const std::string& v) { c.threads = to_u32("threads", v); }}},
      {"http-timeout",
       {"per HTTP exchange (default 30s)", "DURATION",
        [](SimConfig& c, const std::string& v) {
          c.http_timeout = cli::to_duration("http-timeout", v);
        }}},
      {"retry-min-wait",
       {"CWMPRetryMinimumWaitInterval of every device, seconds (default 5)", "S",
        [](SimConfig& c, const std::string& v) {
          c.retry_min_wait = to_u32("retry-min-wait", v);
          if (c.retry_min_wait == 0) throw std::invalid_argument("retry-min-wait: at least 1");
        }}},
      {"firmware-fail-percent",
       {"devices whose index % 100 is below P fail to apply firmware images (fault 9018; "
        "default 0)",
        "P",
        [](SimConfig& c, const std::string& v) {
          c.firmware_fail_percent = to_u32("firmware-fail-percent", v);
          if (c.firmware_fail_percent > 100) {
            throw std::invalid_argument("firmware-fail-percent: 0 to 100");
          }
        }}},
      {"log-level",
       {"trace, debug, info, warn, error (default: failures are counted, not logged)", "LEVEL",
        [](SimConfig& c, const std::string& v) { c.log_level = cli::to_log_level(v); }}},
  };
  return table;
}

const char* const kPreamble =
    "usage: cwmp-sim --acs-url URL --devices N [OPTIONS]\n"
    "A fleet of simulated TR-069 devices in one process, each a real CWMP client with the\n"
    "cwmp-cpe agent's data model and sessions. Prints a progress line; --report writes JSON.\n";

}  // namespace

std::string help_text() {
  return cli::help_text(options(), kPreamble);
}

ParseOutcome parse_command_line(const std::vector<std::string>& args) {
  ParseOutcome outcome = cli::parse(options(), args, "cwmp-sim", kPreamble);
  if (outcome.config && outcome.config->acs_url.empty()) {
    outcome = {};
    outcome.exit_code = 2;
    outcome.message = "cwmp-sim: --acs-url is required\n(see cwmp-sim --help)\n";
  } else if (outcome.config && outcome.config->duration.count() > 0 &&
             outcome.config->warmup >= outcome.config->duration) {
    outcome = {};
    outcome.exit_code = 2;
    outcome.message = "cwmp-sim: --warmup must be shorter than --duration\n";
  } else if (outcome.config && outcome.config->scenario == "cr-storm" &&
             (outcome.config->nbi_url.empty() || outcome.config->cr_listen.empty())) {
    outcome = {};
    outcome.exit_code = 2;
    outcome.message = "cwmp-sim: the cr-storm scenario needs --nbi-url and --cr-listen\n";
  }
  return outcome;
}

}  // namespace sim
