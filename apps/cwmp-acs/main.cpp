// cwmp-acs: the TR-069 Auto-Configuration Server (see --help and the README).
#include <signal.h>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "app.hpp"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  const acs_app::ParseOutcome parsed = acs_app::parse_command_line(args);
  if (!parsed.config) {
    std::fputs(parsed.message.c_str(), parsed.exit_code == 0 ? stdout : stderr);
    return parsed.exit_code;
  }
  // Logs go to stderr (stdout stays free for what a command prints), one line per event.
  spdlog::set_default_logger(spdlog::stderr_color_mt("cwmp-acs"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  spdlog::set_level(spdlog::level::from_str(parsed.config->log_level));

  // SIGTERM/SIGINT are taken by sigwait below: blocked here, before any thread starts, so
  // that every thread inherits the mask and none is interrupted mid-write.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

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
