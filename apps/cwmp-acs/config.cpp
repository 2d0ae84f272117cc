#include "config.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <functional>
#include <map>
#include <stdexcept>

namespace acs_app {

namespace {

struct Option {
  std::string help;
  std::string value_name;  // empty: a flag
  std::function<void(AcsConfig&, const std::string&)> set;
};

std::uint64_t to_number(const std::string& key, const std::string& text) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) {
    throw std::invalid_argument(key + ": not a number: '" + text + "'");
  }
  return v;
}

// "30s", "500ms", "2m" or a plain number of milliseconds.
std::chrono::milliseconds to_duration(const std::string& key, const std::string& text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  const std::string unit = text.substr(digits);
  const std::uint64_t n = to_number(key, text.substr(0, digits));
  if (unit.empty() || unit == "ms") return std::chrono::milliseconds(n);
  if (unit == "s") return std::chrono::seconds(n);
  if (unit == "m") return std::chrono::minutes(n);
  throw std::invalid_argument(key + ": not a duration (use 500ms, 30s, 2m): '" + text + "'");
}

bool to_bool(const std::string& key, const std::string& text) {
  if (text == "true" || text == "1" || text == "yes" || text == "on" || text.empty()) return true;
  if (text == "false" || text == "0" || text == "no" || text == "off") return false;
  throw std::invalid_argument(key + ": not a boolean: '" + text + "'");
}

const std::map<std::string, Option>& options() {
  static const std::map<std::string, Option> table = {
      {"data-dir",
       {"directory of the database and the files (default ./acs-data)", "DIR",
        [](AcsConfig& c, const std::string& v) { c.data_dir = v; }}},
      {"db",
       {"SQLite database file (default <data-dir>/acs.db)", "PATH",
        [](AcsConfig& c, const std::string& v) { c.db = v; }}},
      {"config",
       {"read options from FILE: 'key = value' lines with the long option names", "FILE", nullptr}},
      {"cwmp-listen",
       {"CWMP over HTTP (default 0.0.0.0:7547; empty disables)", "ADDR:PORT",
        [](AcsConfig& c, const std::string& v) { c.cwmp_listen = v; }}},
      {"cwmp-tls-listen",
       {"CWMP over HTTPS, needs --tls-cert/--tls-key (e.g. 0.0.0.0:7548)", "ADDR:PORT",
        [](AcsConfig& c, const std::string& v) { c.cwmp_tls_listen = v; }}},
      {"nbi-listen",
       {"northbound REST API (default 127.0.0.1:7557; beyond loopback needs --nbi-token)",
        "ADDR:PORT", [](AcsConfig& c, const std::string& v) { c.nbi_listen = v; }}},
      {"files-listen",
       {"file service for CPE downloads/uploads (default 0.0.0.0:7567; empty disables)",
        "ADDR:PORT", [](AcsConfig& c, const std::string& v) { c.files_listen = v; }}},
      {"files-tls-listen",
       {"file service over HTTPS, needs --tls-cert/--tls-key", "ADDR:PORT",
        [](AcsConfig& c, const std::string& v) { c.files_tls_listen = v; }}},
      {"files-url",
       {"base URL CPEs download files from (default http://<host name>:<files port>)", "URL",
        [](AcsConfig& c, const std::string& v) { c.files_url = v; }}},
      {"tls-cert",
       {"PEM certificate (chain) of the TLS listeners", "FILE",
        [](AcsConfig& c, const std::string& v) { c.tls_cert = v; }}},
      {"tls-key",
       {"PEM private key of the TLS listeners", "FILE",
        [](AcsConfig& c, const std::string& v) { c.tls_key = v; }}},
      {"tls-client-ca",
       {"verify CPE client certificates against this PEM bundle", "FILE",
        [](AcsConfig& c, const std::string& v) { c.tls_client_ca = v; }}},
      {"tls-require-client-cert",
       {"refuse TLS clients without a valid certificate (with --tls-client-ca)", "",
        [](AcsConfig& c, const std::string& v) {
          c.tls_require_client_cert = to_bool("tls-require-client-cert", v);
        }}},
      {"cpe-auth",
       {"CPE authentication: digest (default), basic (only over TLS), none (labs only)", "MODE",
        [](AcsConfig& c, const std::string& v) {
          if (v != "digest" && v != "basic" && v != "none") {
            throw std::invalid_argument("cpe-auth: digest, basic or none, not '" + v + "'");
          }
          c.cpe_auth = v;
        }}},
      {"cpe-username",
       {"shared CPE username (per-device credentials: PUT /cpe-credentials/<user>)", "USER",
        [](AcsConfig& c, const std::string& v) { c.cpe_username = v; }}},
      {"cpe-password",
       {"shared CPE password", "PASSWORD",
        [](AcsConfig& c, const std::string& v) { c.cpe_password = v; }}},
      {"auth-realm",
       {"realm of the CPE authentication (default cwmp-acs)", "REALM",
        [](AcsConfig& c, const std::string& v) { c.auth_realm = v; }}},
      {"max-auth-failures",
       {"failed authentications per source address and minute before 503 (default 10)", "N",
        [](AcsConfig& c, const std::string& v) {
          c.max_auth_failures = static_cast<std::uint32_t>(to_number("max-auth-failures", v));
        }}},
      {"nbi-token",
       {"API token the NBI requires (Authorization: Bearer TOKEN)", "TOKEN",
        [](AcsConfig& c, const std::string& v) { c.nbi_token = v; }}},
      {"max-sessions",
       {"concurrent CWMP sessions before 503 + Retry-After (default 2000)", "N",
        [](AcsConfig& c, const std::string& v) { c.max_sessions = to_number("max-sessions", v); }}},
      {"session-idle-timeout",
       {"drop a session idle this long (default 30s)", "DURATION",
        [](AcsConfig& c, const std::string& v) {
          c.session_idle_timeout = to_duration("session-idle-timeout", v);
        }}},
      {"session-max-duration",
       {"drop a session older than this (default 10m)", "DURATION",
        [](AcsConfig& c, const std::string& v) {
          c.session_max_duration = to_duration("session-max-duration", v);
        }}},
      {"cr-timeout",
       {"connection request timeout (default 2s)", "DURATION",
        [](AcsConfig& c, const std::string& v) { c.cr_timeout = to_duration("cr-timeout", v); }}},
      {"cr-allow-basic",
       {"answer a CPE's Basic challenge on connection requests (cleartext password)", "",
        [](AcsConfig& c, const std::string& v) {
          c.cr_allow_basic = to_bool("cr-allow-basic", v);
        }}},
      {"max-file-size",
       {"largest file the NBI or a CPE upload may store, in bytes (default 256 MiB)", "BYTES",
        [](AcsConfig& c, const std::string& v) {
          c.max_file_size = to_number("max-file-size", v);
        }}},
      {"refresh-batch",
       {"parameters per GetParameterValues of a refreshObject task (default 256)", "N",
        [](AcsConfig& c, const std::string& v) {
          c.refresh_batch = to_number("refresh-batch", v);
        }}},
      {"threads",
       {"event-loop threads (default: one per core)", "N",
        [](AcsConfig& c, const std::string& v) {
          c.threads = static_cast<unsigned>(to_number("threads", v));
        }}},
      {"store-threads",
       {"threads running store calls; writes arriving together share a commit (default 8)", "N",
        [](AcsConfig& c, const std::string& v) {
          c.store_threads =
              std::max<unsigned>(1, static_cast<unsigned>(to_number("store-threads", v)));
        }}},
      {"log-level",
       {"trace, debug, info (default), warn, error", "LEVEL",
        [](AcsConfig& c, const std::string& v) {
          static const char* kLevels[] = {"trace", "debug", "info", "warn", "error", "off"};
          for (const char* l : kLevels) {
            if (v == l) {
              c.log_level = v;
              return;
            }
          }
          throw std::invalid_argument("log-level: trace, debug, info, warn, error or off");
        }}},
  };
  return table;
}

void apply(AcsConfig& config, const std::string& key, const std::string& value) {
  const auto it = options().find(key);
  if (it == options().end() || !it->second.set) {
    throw std::invalid_argument("unknown option '" + key + "'");
  }
  it->second.set(config, value);
}

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

void read_config_file(AcsConfig& config, const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("config: cannot read " + path);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    const auto eq = line.find('=');
    const std::string key = trim(line.substr(0, eq));
    std::string value = eq == std::string::npos ? "" : trim(line.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    try {
      apply(config, key, value);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(path + ":" + std::to_string(number) + ": " + e.what());
    }
  }
}

}  // namespace

std::string AcsConfig::database_path() const {
  return db.empty() ? data_dir + "/acs.db" : db;
}

std::string help_text() {
  std::string out =
      "usage: cwmp-acs [OPTIONS]\n"
      "A TR-069 (CWMP) Auto-Configuration Server. With no options: CWMP on 0.0.0.0:7547,\n"
      "NBI on 127.0.0.1:7557, file service on 0.0.0.0:7567, data in ./acs-data.\n\n"
      "options (also accepted as 'key = value' lines in --config FILE):\n";
  for (const auto& [name, option] : options()) {
    std::string left = "  --" + name;
    if (!option.value_name.empty()) left += " " + option.value_name;
    if (left.size() < 34)
      left.resize(34, ' ');
    else
      left += "\n" + std::string(34, ' ');
    out += left + option.help + "\n";
  }
  out += "  --help                          this text\n";
  return out;
}

ParseOutcome parse_command_line(const std::vector<std::string>& args) {
  ParseOutcome outcome;
  AcsConfig config;
  // Pairs in order; --config is applied first so that the command line wins.
  std::vector<std::pair<std::string, std::string>> given;
  try {
    for (std::size_t i = 0; i < args.size(); ++i) {
      const std::string& arg = args[i];
      if (arg == "--help" || arg == "-h") {
        outcome.message = help_text();
        return outcome;
      }
      if (arg.rfind("--", 0) != 0) throw std::invalid_argument("unexpected argument '" + arg + "'");
      std::string key = arg.substr(2);
      std::string value;
      const auto eq = key.find('=');
      const bool inline_value = eq != std::string::npos;
      if (inline_value) {
        value = key.substr(eq + 1);
        key = key.substr(0, eq);
      }
      const auto it = options().find(key);
      if (it == options().end()) throw std::invalid_argument("unknown option '--" + key + "'");
      if (!it->second.value_name.empty() && !inline_value) {
        if (i + 1 >= args.size()) throw std::invalid_argument("--" + key + " needs a value");
        value = args[++i];
      }
      given.emplace_back(key, value);
    }
    for (const auto& [key, value] : given) {
      if (key == "config") read_config_file(config, value);
    }
    for (const auto& [key, value] : given) {
      if (key != "config") apply(config, key, value);
    }
  } catch (const std::invalid_argument& e) {
    outcome.exit_code = 2;
    outcome.message = std::string("cwmp-acs: ") + e.what() + "\n(see cwmp-acs --help)\n";
    return outcome;
  }
  outcome.config = std::move(config);
  return outcome;
}

}  // namespace acs_app
