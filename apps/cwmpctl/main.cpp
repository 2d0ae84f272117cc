// cwmpctl: decode CWMP SOAP envelopes to JSON, encode JSON back to envelopes.
// A debugging tool for captures: see docs/cwmpctl.md.
//
// Exit status: 0 success, 1 the input is not a valid envelope / JSON document,
// 2 usage error or an input that cannot be read.
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cwmp/codec.hpp"
#include "cwmp/faults.hpp"
#include "cwmp/result.hpp"
#include "cwmpctl/envelope_json.hpp"
#include "cwmpctl/json_text.hpp"

#ifndef CWMPCTL_VERSION
#define CWMPCTL_VERSION "unknown"
#endif

namespace {

constexpr int kExitOk = 0;
constexpr int kExitInvalidInput = 1;
constexpr int kExitUsage = 2;

constexpr std::string_view kMainHelp = R"(Usage: cwmpctl <command> [options] [FILE]

Decode, inspect and re-encode CWMP (TR-069) SOAP envelopes.

Commands:
  decode [FILE]    read a SOAP envelope, print it as JSON
  encode [FILE]    read that JSON, print the SOAP envelope
  methods          list every CWMP method (RPCs, responses, Fault) known
  template METHOD  print a JSON envelope of METHOD with every field, to edit
  help [COMMAND]   show this help, or the help of COMMAND

FILE is read from standard input when it is absent or "-".

Options:
  -h, --help       show help (after a command: that command's help)
  --version        show the version

Exit status: 0 success; 1 invalid input (the error, its position and the CWMP
fault it maps to are printed on stderr); 2 usage error or unreadable file.

Example:
  cwmpctl decode capture.xml > msg.json && $EDITOR msg.json && cwmpctl encode msg.json
)";

constexpr std::string_view kDecodeHelp = R"(Usage: cwmpctl decode [--compact] [FILE]

Decode one CWMP SOAP envelope (XML) and print it as JSON on stdout:
  {"version", "namespace", "header", "method", "body"}
(see docs/cwmpctl.md). Tolerated deviations are printed on stderr as
"warning: ...".

On a decode error, stderr gets the position, the error kind and the fault code
that each side would answer with, e.g.
  error: capture.xml:12:7: <message>
  kind: malformed-xml
  fault: 8003 Invalid arguments (ACS) / 9003 Invalid arguments (CPE)
and the exit status is 1.

Options:
  --compact        print the JSON on one line
  -h, --help       show this help
)";

constexpr std::string_view kEncodeHelp =
    R"(Usage: cwmpctl encode [--pretty] [--xml-declaration] [FILE]

Read the JSON printed by "cwmpctl decode" (possibly edited) and write the SOAP
envelope on stdout. "namespace" is ignored: "version" (default "1.2") selects
it. "header" and "body" may be left out when empty. In the body, every field is
required except the optional ones (which may also be null); unknown fields are
errors, so that a typo cannot pass silently. Comments (// and /* */) and
trailing commas are accepted. "cwmpctl template METHOD" prints a starting point.

Options:
  --pretty            indent the XML
  --xml-declaration   start with <?xml version="1.0" encoding="UTF-8"?>
  -h, --help          show this help
)";

constexpr std::string_view kMethodsHelp = R"(Usage: cwmpctl methods

List the element names of every message cwmpctl can decode and encode (the
"method" of the JSON), one per line.
)";

constexpr std::string_view kTemplateHelp = R"(Usage: cwmpctl template METHOD

Print a JSON envelope of METHOD (see "cwmpctl methods") with every field
present: default values, one element in each list, every optional field. Fill
it in, delete the optional fields you do not need, and run "cwmpctl encode".
)";

void print(std::FILE* stream, std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stream);
}

std::string display_name(const std::string& file) {
  return file.empty() || file == "-" ? "<stdin>" : file;
}

// Reads FILE (or stdin for "" / "-"); prints the reason and returns nullopt on failure.
std::optional<std::string> read_input(const std::string& file) {
  const bool use_stdin = file.empty() || file == "-";
  std::FILE* stream = use_stdin ? stdin : std::fopen(file.c_str(), "rb");
  if (stream == nullptr) {
    std::fprintf(stderr, "error: cannot open %s: %s\n", file.c_str(), std::strerror(errno));
    return std::nullopt;
  }
  std::string data;
  char buffer[65536];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, stream)) > 0) data.append(buffer, n);
  const bool failed = std::ferror(stream) != 0;
  const int read_errno = errno;
  if (!use_stdin) std::fclose(stream);
  if (failed) {
    std::fprintf(stderr, "error: cannot read %s: %s\n", display_name(file).c_str(),
                 std::strerror(read_errno));
    return std::nullopt;
  }
  return data;
}

int write_output(std::string_view text) {
  print(stdout, text);
  if (std::fflush(stdout) != 0 || std::ferror(stdout) != 0) {
    std::fprintf(stderr, "error: cannot write the output: %s\n", std::strerror(errno));
    return kExitUsage;
  }
  return kExitOk;
}

// "capture.xml:12:7" / "capture.xml:12" / "capture.xml".
std::string location(const std::string& name, std::uint32_t line, std::uint32_t column) {
  std::string out = name;
  if (line != 0) {
    out += ':' + std::to_string(line);
    if (column != 0) out += ':' + std::to_string(column);
  }
  return out;
}

std::string fault_description(const cwmp::Error& error, cwmp::Side side) {
  const std::uint32_t code = error.fault_code(side);
  return std::to_string(code) + ' ' + std::string(cwmp::fault_text(code));
}

void print_codec_error(const std::string& name, std::string_view what, const cwmp::Error& error,
                       bool with_faults) {
  std::fprintf(stderr, "error: %s: %.*s%s\n", location(name, error.line, error.column).c_str(),
               int(what.size()), what.data(), error.message.c_str());
  const std::string_view kind = cwmp::to_string(error.kind);
  std::fprintf(stderr, "kind: %.*s\n", int(kind.size()), kind.data());
  if (with_faults) {
    std::fprintf(stderr, "fault: %s (ACS) / %s (CPE)\n",
                 fault_description(error, cwmp::Side::kAcs).c_str(),
                 fault_description(error, cwmp::Side::kCpe).c_str());
  }
}

int usage_error(std::string_view command, const std::string& message) {
  std::fprintf(stderr, "error: %s\nTry 'cwmpctl %.*s--help'.\n", message.c_str(),
               int(command.size()), command.data());
  return kExitUsage;
}

struct CommandLine {
  std::vector<std::string> flags;  // given options, validated by each command
  std::vector<std::string> operands;
  bool help = false;
};

CommandLine split_arguments(int argc, char** argv, int first) {
  CommandLine out;
  bool options_done = false;
  for (int i = first; i < argc; ++i) {
    const std::string arg = argv[i];
    if (!options_done && arg == "--") {
      options_done = true;
    } else if (!options_done && (arg == "-h" || arg == "--help")) {
      out.help = true;
    } else if (!options_done && arg.size() > 1 && arg[0] == '-') {
      out.flags.push_back(arg);
    } else {
      out.operands.push_back(arg);
    }
  }
  return out;
}

// Checks flags against `allowed` and that there is at most one FILE operand.
std::optional<int> check_arguments(std::string_view command, const CommandLine& args,
                                   std::initializer_list<std::string_view> allowed,
                                   std::size_t max_operands) {
  const std::string prefix = std::string(command) + ' ';
  for (const std::string& flag : args.flags) {
    if (std::find(allowed.begin(), allowed.end(), flag) == allowed.end()) {
      return usage_error(prefix, std::string(command) + ": unknown option '" + flag + "'");
    }
  }
  if (args.operands.size() > max_operands) {
    return usage_error(prefix, std::string(command) + ": unexpected argument '" +
                                   args.operands[max_operands] + "'");
  }
  return std::nullopt;
}

bool has_flag(const CommandLine& args, std::string_view flag) {
  return std::find(args.flags.begin(), args.flags.end(), flag) != args.flags.end();
}

int run_decode(const CommandLine& args) {
  if (args.help) return write_output(kDecodeHelp);
  if (auto status = check_arguments("decode", args, {"--compact"}, 1)) return *status;
  const std::string file = args.operands.empty() ? "-" : args.operands[0];
  const std::string name = display_name(file);
  const std::optional<std::string> input = read_input(file);
  if (!input) return kExitUsage;

  const cwmp::Result<cwmp::Decoded> decoded = cwmp::decode(*input);
  if (!decoded) {
    print_codec_error(name, "", decoded.error(), /*with_faults=*/true);
    return kExitInvalidInput;
  }
  for (const std::string& warning : decoded->warnings) {
    std::fprintf(stderr, "warning: %s: %s\n", name.c_str(), warning.c_str());
  }
  return write_output(
      cwmpctl::format_json(cwmpctl::envelope_to_json(*decoded), !has_flag(args, "--compact")));
}

int run_encode(const CommandLine& args) {
  if (args.help) return write_output(kEncodeHelp);
  if (auto status = check_arguments("encode", args, {"--pretty", "--xml-declaration"}, 1)) {
    return *status;
  }
  const std::string file = args.operands.empty() ? "-" : args.operands[0];
  const std::string name = display_name(file);
  const std::optional<std::string> input = read_input(file);
  if (!input) return kExitUsage;

  cwmpctl::JsonSyntaxError syntax_error;
  const std::optional<boost::json::value> json = cwmpctl::parse_json(*input, syntax_error);
  if (!json) {
    std::fprintf(stderr, "error: %s: %s\n",
                 location(name, syntax_error.line, syntax_error.column).c_str(),
                 syntax_error.message.c_str());
    return kExitInvalidInput;
  }
  cwmpctl::JsonError json_error;
  const std::optional<cwmp::Envelope> envelope = cwmpctl::envelope_from_json(*json, json_error);
  if (!envelope) {
    std::fprintf(stderr, "error: %s: %s\n", name.c_str(), json_error.to_string().c_str());
    return kExitInvalidInput;
  }

  cwmp::EncodeOptions options;
  options.pretty = has_flag(args, "--pretty");
  options.xml_declaration = has_flag(args, "--xml-declaration");
  const cwmp::Result<std::string> xml = cwmp::encode(*envelope, options);
  if (!xml) {
    // The encoder reports positions in its own output, not in the JSON; drop them.
    cwmp::Error error = xml.error();
    error.line = 0;
    error.column = 0;
    print_codec_error(name, "cannot encode: ", error, /*with_faults=*/false);
    return kExitInvalidInput;
  }
  std::string out = *xml;
  if (out.empty() || out.back() != '\n') out += '\n';
  return write_output(out);
}

int run_methods(const CommandLine& args) {
  if (args.help) return write_output(kMethodsHelp);
  if (auto status = check_arguments("methods", args, {}, 0)) return *status;
  std::string out;
  for (std::string_view method : cwmpctl::method_names()) {
    out += method;
    out += '\n';
  }
  return write_output(out);
}

int run_template(const CommandLine& args) {
  if (args.help) return write_output(kTemplateHelp);
  if (auto status = check_arguments("template", args, {}, 1)) return *status;
  if (args.operands.empty()) return usage_error("template ", "template: METHOD is required");
  const std::string& method = args.operands[0];
  const auto json = cwmpctl::envelope_template(method);
  if (!json) {
    std::fprintf(stderr, "error: unknown method '%s'; 'cwmpctl methods' lists them\n",
                 method.c_str());
    return kExitUsage;
  }
  return write_output(cwmpctl::format_json(*json));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print(stderr, kMainHelp);
    return kExitUsage;
  }
  const std::string command = argv[1];
  if (command == "-h" || command == "--help") return write_output(kMainHelp);
  if (command == "--version") return write_output("cwmpctl " CWMPCTL_VERSION "\n");
  if (command == "help") {
    CommandLine args;
    args.help = true;
    if (argc < 3) return write_output(kMainHelp);
    const std::string topic = argv[2];
    if (topic == "decode") return run_decode(args);
    if (topic == "encode") return run_encode(args);
    if (topic == "methods") return run_methods(args);
    if (topic == "template") return run_template(args);
    return usage_error("", "help: unknown command '" + topic + "'");
  }

  const CommandLine args = split_arguments(argc, argv, 2);
  if (command == "decode") return run_decode(args);
  if (command == "encode") return run_encode(args);
  if (command == "methods") return run_methods(args);
  if (command == "template") return run_template(args);
  return usage_error("", "unknown command '" + command + "'");
}
