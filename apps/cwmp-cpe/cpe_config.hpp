// cwmp-cpe's configuration: command-line options and the same keys in a config file
// ("key = value" lines, '#' comments; apps/common/cli.hpp). The command line wins.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "cli.hpp"

namespace cpe_app {

struct CpeConfig {
  // Where the ACS is. --acs-url is the locally configured URL; on a real device it often
  // comes from DHCP (option 43, TR-069 §3.1) through a file a DHCP hook writes or a command
  // that prints it, re-read on SIGHUP. A URL from the file or command wins over --acs-url.
  std::string acs_url;
  std::string acs_url_file;
  std::string acs_url_command;
  std::string acs_username;  // ManagementServer.Username / Password (to the ACS)
  std::string acs_password;

  std::string model;  // a data-model definition (JSON); empty: the built-in TR-181 gateway
  std::string state_dir = "./cpe-state";

  // Connection requests.
  std::string cr_listen = "0.0.0.0:7547";
  std::string cr_host;      // the host written into ConnectionRequestURL (default: see docs)
  std::string cr_username;  // the initial ConnectionRequestUsername / Password
  std::string cr_password;
  bool cr_allow_basic = false;
  // The flood limit (TR-069 §3.2.2: a CPE SHOULD restrict how many connection requests it
  // accepts in a period): a token bucket over every request, both rounds of a Digest counted.
  double cr_rate_per_second = 4;
  double cr_burst = 10;

  // Identity overrides (DeviceInfo.SerialNumber, ManufacturerOUI, ProductClass).
  std::string serial;
  std::string oui;
  std::string product_class;

  std::string cwmp_version = "1.2";  // 1.2 or 1.4
  std::string tls_ca;                // PEM bundle the ACS's certificate is checked against
  std::string tls_cert;              // optional client certificate and key (PEM)
  std::string tls_key;
  bool tls_insecure = false;     // do not verify the ACS's certificate (labs only)
  bool basic_over_http = false;  // answer a Basic challenge over plain HTTP

  // Hooks into the real system (docs/cpe.md "Plugging in a device").
  std::string install_command;        // applies a downloaded file
  std::string reboot_command;         // the real reboot (default: the agent re-executes)
  std::string factory_reset_command;  // the vendor part of a factory reset

  // How often parameters fed by hooks or computations are re-read to notice changes under
  // notification (a timer; nothing runs in between).
  std::chrono::milliseconds notify_poll_interval{30'000};
  std::string log_level = "info";
};

using ParseOutcome = cli::ParseOutcome<CpeConfig>;

ParseOutcome parse_command_line(const std::vector<std::string>& args);
std::string help_text();

}  // namespace cpe_app
