// Command-line options shared by the programs (cwmp-acs, cwmp-cpe): one table of long options
// whose values also come as "key = value" lines from --config FILE ('#' comments, optional
// double quotes). Options on the command line win over the file. Header-only: a template
// over each program's configuration struct.
#pragma once

#include <charconv>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace cli {

template <typename Config>
struct Option {
  std::string help;
  std::string value_name;                                // empty: a flag (--name, --name=false)
  std::function<void(Config&, const std::string&)> set;  // null: handled by parse() (--config)
};

template <typename Config>
using OptionTable = std::map<std::string, Option<Config>>;

inline std::uint64_t to_number(const std::string& key, const std::string& text) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) {
    throw std::invalid_argument(key + ": not a number: '" + text + "'");
  }
  return v;
}

// "30s", "500ms", "2m", "1h" or a plain number of milliseconds.
inline std::chrono::milliseconds to_duration(const std::string& key, const std::string& text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  const std::string unit = text.substr(digits);
  const std::uint64_t n = to_number(key, text.substr(0, digits));
  if (unit.empty() || unit == "ms") return std::chrono::milliseconds(n);
  if (unit == "s") return std::chrono::seconds(n);
  if (unit == "m") return std::chrono::minutes(n);
  if (unit == "h") return std::chrono::hours(n);
  throw std::invalid_argument(key + ": not a duration (use 500ms, 30s, 2m, 1h): '" + text + "'");
}

inline bool to_bool(const std::string& key, const std::string& text) {
  if (text == "true" || text == "1" || text == "yes" || text == "on" || text.empty()) return true;
  if (text == "false" || text == "0" || text == "no" || text == "off") return false;
  throw std::invalid_argument(key + ": not a boolean: '" + text + "'");
}

inline std::string to_log_level(const std::string& text) {
  for (const char* level : {"trace", "debug", "info", "warn", "error", "off"}) {
    if (text == level) return text;
  }
  throw std::invalid_argument("log-level: trace, debug, info, warn, error or off");
}

inline std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

template <typename Config>
void apply(const OptionTable<Config>& table, Config& config, const std::string& key,
           const std::string& value) {
  const auto it = table.find(key);
  if (it == table.end() || !it->second.set) {
    throw std::invalid_argument("unknown option '" + key + "'");
  }
  it->second.set(config, value);
}

template <typename Config>
void read_config_file(const OptionTable<Config>& table, Config& config, const std::string& path) {
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
      apply(table, config, key, value);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(path + ":" + std::to_string(number) + ": " + e.what());
    }
  }
}

// "usage" text then every option, aligned.
template <typename Config>
std::string help_text(const OptionTable<Config>& table, const std::string& preamble) {
  std::string out =
      preamble + "\noptions (also accepted as 'key = value' lines in --config FILE):\n";
  for (const auto& [name, option] : table) {
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

// What parsing the command line asks for.
template <typename Config>
struct ParseOutcome {
  std::optional<Config> config;  // set when the program should run
  int exit_code = 0;             // when it should not: 0 for --help, 2 for errors
  std::string message;           // the help text or the error
};

// `table` must hold a "config" entry with a null setter.
template <typename Config>
ParseOutcome<Config> parse(const OptionTable<Config>& table, const std::vector<std::string>& args,
                           const std::string& program, const std::string& preamble) {
  ParseOutcome<Config> outcome;
  Config config;
  // Pairs in order; --config is applied first so that the command line wins.
  std::vector<std::pair<std::string, std::string>> given;
  try {
    for (std::size_t i = 0; i < args.size(); ++i) {
      const std::string& arg = args[i];
      if (arg == "--help" || arg == "-h") {
        outcome.message = help_text(table, preamble);
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
      const auto it = table.find(key);
      if (it == table.end()) throw std::invalid_argument("unknown option '--" + key + "'");
      if (!it->second.value_name.empty() && !inline_value) {
        if (i + 1 >= args.size()) throw std::invalid_argument("--" + key + " needs a value");
        value = args[++i];
      }
      given.emplace_back(key, value);
    }
    for (const auto& [key, value] : given) {
      if (key == "config") read_config_file(table, config, value);
    }
    for (const auto& [key, value] : given) {
      if (key != "config") apply(table, config, key, value);
    }
  } catch (const std::invalid_argument& e) {
    outcome.exit_code = 2;
    outcome.message = program + ": " + e.what() + "\n(see " + program + " --help)\n";
    return outcome;
  }
  outcome.config = std::move(config);
  return outcome;
}

}  // namespace cli
