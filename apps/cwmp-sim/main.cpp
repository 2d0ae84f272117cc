// cwmp-sim: a fleet of simulated TR-069 devices (see --help, docs/sim.md).
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <exception>
#include <fstream>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include "fleet.hpp"
#include "process.hpp"

namespace {

// Waits up to `timeout` for one of `signals`; true when one came.
bool signalled_within(const sigset_t& signals, std::chrono::milliseconds timeout) {
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  ts.tv_nsec = static_cast<long>((timeout.count() % 1000) * 1'000'000);
  return sigtimedwait(&signals, nullptr, &ts) > 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  const sim::ParseOutcome parsed = sim::parse_command_line(args);
  if (!parsed.config) {
    std::fputs(parsed.message.c_str(), parsed.exit_code == 0 ? stdout : stderr);
    return parsed.exit_code;
  }
  const sim::SimConfig& config = *parsed.config;
  process::log_to_stderr("cwmp-sim", config.log_level);
  const sigset_t signals = process::block_signals({SIGTERM, SIGINT});
  process::raise_open_files_limit();  // a socket per session

  try {
    sim::Fleet fleet(config);
    fleet.start();
    // On a terminal the progress line is rewritten in place every second; otherwise (a log
    // file, CI) a plain line every 5 seconds.
    const bool tty = isatty(STDOUT_FILENO) == 1;
    const auto tick = std::chrono::seconds(1);
    const int lines_every = tty ? 1 : 5;
    const auto start = std::chrono::steady_clock::now();
    int ticks = 0;
    bool interrupted = false;
    for (;;) {
      if (signalled_within(signals, tick)) {
        interrupted = true;
        break;
      }
      if (++ticks % lines_every == 0) {
        const std::string line = sim::progress_line(fleet.stats().interval());
        std::printf(tty ? "\r%s\033[K" : "%s\n", line.c_str());
        std::fflush(stdout);
      }
      const auto elapsed = std::chrono::steady_clock::now() - start;
      if (config.duration.count() > 0 && elapsed >= config.duration) break;
      if (fleet.finished()) break;
    }
    if (tty) std::printf("\n");
    // The measurement ends here: stopping thousands of devices takes a moment.
    fleet.stats().end_measurement();
    fleet.stop();
    const boost::json::object report = fleet.report(interrupted);
    std::printf("%s\n", sim::progress_line(fleet.stats().total()).c_str());
    std::printf("%s\n", fleet.summary().c_str());
    if (config.warmup.count() > 0) {
      const sim::Measured m = fleet.stats().measured();
      std::printf(
          "measured after a %.1f s warm-up, over %.1f s: %llu sessions (%.0f/s), %llu failed, "
          "p50 %.1f ms  p90 %.1f ms  p99 %.1f ms\n",
          m.warmup_s, m.seconds, static_cast<unsigned long long>(m.sessions_ok),
          m.sessions_ok_per_s, static_cast<unsigned long long>(m.sessions_failed), m.p50_ms,
          m.p90_ms, m.p99_ms);
    }
    if (!config.report.empty()) {
      std::ofstream out(config.report);
      out << boost::json::serialize(report) << "\n";
      if (!out) {
        spdlog::error("cwmp-sim: cannot write the report to {}", config.report);
        return 1;
      }
    }
  } catch (const std::exception& e) {
    spdlog::critical("cwmp-sim: {}", e.what());
    return 1;
  }
  return 0;
}
