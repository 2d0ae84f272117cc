// cwmp-acs: the TR-069 Auto-Configuration Server (see --help and the README).
#include <signal.h>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "app.hpp"
#include "process.hpp"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  const acs_app::ParseOutcome parsed = acs_app::parse_command_line(args);
  if (!parsed.config) {
    std::fputs(parsed.message.c_str(), parsed.exit_code == 0 ? stdout : stderr);
    return parsed.exit_code;
  }
  process::log_to_stderr("cwmp-acs", parsed.config->log_level);
  // SIGTERM/SIGINT are taken by sigwait below.
  sigset_t signals = process::block_signals({SIGTERM, SIGINT});
  process::raise_open_files_limit();  // a socket per session

  try {
    acs_app::AcsApp app(*parsed.config);
    app.start();
    int received = 0;
    sigwait(&signals, &received);
    spdlog::info("received {}, shutting down", received == SIGTERM ? "SIGTERM" : "SIGINT");
    app.stop();
    app.wait();
    spdlog::info("stopped cleanly");
  } catch (const std::exception& e) {
    spdlog::critical("cwmp-acs: {}", e.what());
    return 1;
  }
  return 0;
}
