// cwmp-sim's configuration: command-line options and the same keys in a config file
// (apps/common/cli.hpp). The command line wins.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "cli.hpp"

namespace sim {

struct SimConfig {
  std::string acs_url;
  std::string acs_username;  // ManagementServer.Username/Password of every device
  std::string acs_password;
  std::uint32_t devices = 100;
  std::string model;                       // a data-model definition; empty: the built-in one
  std::string serial_pattern = "SIM%06u";  // printf pattern over the device index (0-based)
  std::uint32_t first_index = 0;           // the index the first device gets
  std::string oui = "00D09E";
  std::string product_class = "SimGateway";
  std::chrono::seconds periodic_interval{300};
  double jitter = 1.0;  // the share of the interval the devices' phases spread over (0..1)
  std::string scenario = "steady";   // steady | boot-storm | cr-storm
  std::chrono::seconds duration{0};  // 0: until SIGINT/SIGTERM
  // Sessions that end before this long after the start are left out of the report's
  // "measured" figures (the bootstrap wave of a steady run); --duration includes it.
  std::chrono::milliseconds warmup{0};
  std::string cr_listen;                 // one listener for every device's connection requests
  std::string cr_host;                   // the host in the devices' ConnectionRequestURL
  std::string cr_username;               // every device's ConnectionRequestUsername; the
  std::string cr_password;               // password: cr_password + the serial, or empty
  std::string nbi_url;                   // cr-storm: the ACS's NBI, to post the tasks
  std::chrono::milliseconds ramp_up{0};  // start the devices over this long (0: at once)
  std::string report;                    // write the JSON report here at the end
  unsigned threads = 0;                  // io threads; 0: one per core
  std::chrono::milliseconds http_timeout{30'000};
  // ManagementServer.CWMPRetryMinimumWaitInterval of every device (the first back-off after a
  // failed session is 1-2x this; TR-069's default 5 s).
  std::uint32_t retry_min_wait = 5;
  // Devices whose index % 100 is below this fail to apply any firmware image (TransferComplete
  // fault 9018): deterministic, for firmware campaign tests (docs/campaigns.md).
  std::uint32_t firmware_fail_percent = 0;
  std::string log_level = "error";  // per-device session failures are counted, not logged
};

using ParseOutcome = cli::ParseOutcome<SimConfig>;

ParseOutcome parse_command_line(const std::vector<std::string>& args);
std::string help_text();

}  // namespace sim
