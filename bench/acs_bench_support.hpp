// What the in-process ACS benchmarks (bench_acs_sessions, bench_acs_refresh) share: the ACS
// assembled as cwmp-acs runs it, on a fresh SQLite data directory, with the CPE credentials the
// benchmarks' clients use.
#pragma once

#include <sys/types.h>
#include <time.h>

#include <cstdint>
#include <filesystem>
#include <random>
#include <set>
#include <span>
#include <string>

#include <openssl/rand.h>

#include "app.hpp"

namespace bench {

inline constexpr const char* kCpeUsername = "bench";
inline constexpr const char* kCpePassword = "bench-password";

// The Digest client's cnonce source.
inline void random_bytes(std::span<std::uint8_t> out) {
  RAND_bytes(out.data(), static_cast<int>(out.size()));
}

// A new data directory under the system's temporary directory (TMPDIR=/dev/shm measures
// without the disk).
inline std::filesystem::path fresh_data_dir() {
  return std::filesystem::temp_directory_path() /
         ("cwmp-bench-" + std::to_string(std::random_device{}()));
}

// The ACS on loopback ephemeral ports, Digest authentication with the benchmark's credentials,
// `threads` event-loop threads; NBI and file service off (callers turn on what they need).
inline acs_app::AcsConfig acs_config(const std::filesystem::path& data_dir, unsigned threads) {
  acs_app::AcsConfig config;
  config.data_dir = data_dir.string();
  config.cwmp_listen = "127.0.0.1:0";
  config.nbi_listen = "";
  config.files_listen = "";
  config.cpe_username = kCpeUsername;
  config.cpe_password = kCpePassword;
  config.threads = threads;
  // The benchmarks' clients are scripted: they answer the Inform and the empty POST (and, for
  // the refresh, GetParameterNames/Values), not the SetParameterValues of per-device
  // connection-request credentials a bootstrap would get.
  config.cr_credentials = "keep";
  return config;
}

// --- CPU time per thread ----------------------------------------------------------------------
// The client runs in the benchmark's process too, so the ACS's CPU is the sum over its own
// threads (those AcsApp started: the ids present after start() minus those before). Linux
// addresses a thread's CPU clock by its id within the same process (what
// pthread_getcpuclockid computes): ((~tid) << 3) | CPUCLOCK_SCHED (2) | CPUCLOCK_PERTHREAD (4).

inline std::set<pid_t> thread_ids() {
  std::set<pid_t> ids;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) {
    ids.insert(static_cast<pid_t>(std::stol(entry.path().filename().string())));
  }
  return ids;
}

inline double thread_cpu_seconds(pid_t tid) {
  const auto clock = static_cast<clockid_t>((~static_cast<std::uint32_t>(tid) << 3) | 6u);
  timespec ts{};
  if (clock_gettime(clock, &ts) != 0) return 0;  // the thread has ended
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

inline double cpu_seconds(const std::set<pid_t>& threads) {
  double total = 0;
  for (const pid_t tid : threads) total += thread_cpu_seconds(tid);
  return total;
}

inline std::set<pid_t> minus(const std::set<pid_t>& a, const std::set<pid_t>& b) {
  std::set<pid_t> out;
  for (const pid_t x : a) {
    if (!b.contains(x)) out.insert(x);
  }
  return out;
}

}  // namespace bench
