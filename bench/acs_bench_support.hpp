// What the in-process ACS benchmarks (bench_acs_sessions, bench_acs_refresh) share: the ACS
// assembled as cwmp-acs runs it, on a fresh SQLite data directory, with the CPE credentials the
// benchmarks' clients use.
#pragma once

#include <cstdint>
#include <filesystem>
#include <random>
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

}  // namespace bench
