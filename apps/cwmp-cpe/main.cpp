// cwmp-cpe: the TR-069 device agent (see --help, docs/cpe.md).
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "cpe_app.hpp"
#include "process.hpp"

namespace {

std::vector<std::string> g_argv;  // for the re-exec that stands for a reboot

// The default reboot: the process replaces itself with a fresh copy of the program, which
// then starts as a device after a reboot does (state from disk, 1 BOOT, M Reboot). The agent
// calls it with its state saved. Descriptors are closed on exec so that the new process can
// bind the connection-request port again.
[[noreturn]] void reexec() {
  spdlog::info("cwmp-cpe: rebooting (re-executing)");
  spdlog::default_logger()->flush();
  ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
  std::vector<char*> argv;
  for (std::string& a : g_argv) argv.push_back(a.data());
  argv.push_back(nullptr);
  // Signals blocked for sigwait stay blocked across exec: the new main blocks them anyway.
  ::execv("/proc/self/exe", argv.data());
  spdlog::critical("cwmp-cpe: re-exec failed: {}", std::strerror(errno));
  std::_Exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  g_argv.assign(argv, argv + argc);
  const std::vector<std::string> args(argv + 1, argv + argc);
  const cpe_app::ParseOutcome parsed = cpe_app::parse_command_line(args);
  if (!parsed.config) {
    std::fputs(parsed.message.c_str(), parsed.exit_code == 0 ? stdout : stderr);
    return parsed.exit_code;
  }
  process::log_to_stderr("cwmp-cpe", parsed.config->log_level);
  // SIGTERM/SIGINT stop, SIGHUP re-reads the ACS URL: all taken by sigwait below.
  sigset_t signals = process::block_signals({SIGTERM, SIGINT, SIGHUP});

  try {
    cpe_app::CpeApp app(*parsed.config, [] { reexec(); });
    app.start();
    for (;;) {
      int received = 0;
      sigwait(&signals, &received);
      if (received != SIGHUP) break;
      spdlog::info("cwmp-cpe: SIGHUP: reading the ACS URL again");
      app.reload_acs_url();
    }
    spdlog::info("cwmp-cpe: stopping");
    app.stop();
  } catch (const std::exception& e) {
    spdlog::critical("cwmp-cpe: {}", e.what());
    return 1;
  }
  return 0;
}
