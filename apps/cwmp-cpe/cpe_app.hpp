// cwmp-cpe assembled: the data model (cpe_model), the session layer (cpe_agent) and the
// diagnostics (cpe_diag) wired together, with the program's local settings (ACS URL and
// credentials from the command line, a file or a command), hooks into the real system from
// external commands, and one io_context thread. main.cpp runs it; the end-to-end tests run
// it in-process against cwmp-acs.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "cpe_config.hpp"

namespace cpe::model {
class DataModel;
}
namespace cpe::agent {
class Agent;
}

namespace cpe_app {

class CpeApp {
 public:
  // `restart`: how the default reboot happens (main passes a re-exec of the program); empty:
  // the agent reboots in process. --reboot-command, when set, is used instead.
  // Loads the model and the state and binds the connection-request listener; throws
  // std::runtime_error (or std::system_error) with a message fit for the operator.
  explicit CpeApp(CpeConfig config, std::function<void()> restart = {});
  ~CpeApp();
  CpeApp(const CpeApp&) = delete;
  CpeApp& operator=(const CpeApp&) = delete;

  // Starts the io thread and the agent (1 BOOT, 0 BOOTSTRAP when due); returns at once.
  void start();
  // Re-reads the ACS URL from --acs-url-file / --acs-url-command (SIGHUP); a new URL is
  // applied and leads to 0 BOOTSTRAP.
  void reload_acs_url();
  // Stops the agent (as a power cut would: what it acknowledged is on disk) and the threads.
  void stop();

  cpe::model::DataModel& model();
  cpe::agent::Agent& agent();
  std::uint16_t connection_request_port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cpe_app
