// Process set-up shared by the programs (cwmp-acs, cwmp-cpe): logging and signals.
#pragma once

#include <signal.h>
#include <sys/resource.h>

#include <initializer_list>
#include <string>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace process {

// Logs go to stderr (stdout stays free for what a command prints), one line per event.
inline void log_to_stderr(const std::string& program, const std::string& level) {
  spdlog::set_default_logger(spdlog::stderr_color_mt(program));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  spdlog::set_level(spdlog::level::from_str(level));
}

// Blocks `signals` for the main thread's sigwait. Call before any thread starts, so that
// every thread inherits the mask and none is interrupted mid-write. SIGPIPE is ignored (a
// peer closing a socket is an error code, not a death).
inline sigset_t block_signals(std::initializer_list<int> signals) {
  sigset_t set;
  sigemptyset(&set);
  for (const int s : signals) sigaddset(&set, s);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  return set;
}

// Raises the soft limit on open files to the hard one: an ACS or a simulator holds a socket
// per session, far beyond the usual soft limit of 1024. Returns the limit now in force.
inline rlim_t raise_open_files_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur;
}

}  // namespace process
