// cwmp-scripted-cpe: a scripted CPE that calls in to an ACS (docs/scripted-cpe.md).
// A test and demo tool, not the product agent.
//
// Exit status: 0 when every session ended with the ACS's empty response (204), 1 when one
// did not, 2 on a usage error.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cwmp/events.hpp"
#include "cwmp/values.hpp"
#include "scripted_cpe.hpp"

#ifndef CWMP_SUITE_VERSION
#define CWMP_SUITE_VERSION "unknown"
#endif

namespace {

namespace asio = boost::asio;

constexpr int kExitOk = 0;
constexpr int kExitSessionFailed = 1;
constexpr int kExitUsage = 2;

constexpr std::string_view kHelp = R"(Usage: cwmp-scripted-cpe --acs-url URL [options]

A scripted TR-069 CPE for demos and ACS tests: it calls in to the ACS, answers
its RPCs over a small in-memory TR-181 data model, and prints one line per
session. Not the product agent (see docs/scripted-cpe.md).

ACS:
  --acs-url URL            the ACS (ManagementServer.URL), http:// or https://
  --username U             ManagementServer.Username (answers the ACS's 401)
  --password P             ManagementServer.Password
  --basic-over-http        answer a Basic challenge over plain HTTP too
  --ca-file F              PEM CA bundle for https (default: the system's CAs)
  --cwmp-version V         1.2 (default; namespace cwmp-1-2) or 1.4 (adds the
                           SupportedCWMPVersions / SessionTimeout headers)
  --no-cookies             ignore the ACS's cookies (a cookie-less CPE)
  --timeout S              seconds to wait for each HTTP answer (default 30)

Device:
  --manufacturer M         DeviceInfo.Manufacturer (default cwmp-suite)
  --oui O                  DeviceInfo.ManufacturerOUI, 6 upper-case hex digits
                           (default 00C0FF)
  --product-class P        DeviceInfo.ProductClass (default ScriptedCPE)
  --serial S               DeviceInfo.SerialNumber (default SCPE000001)
  --software-version V     DeviceInfo.SoftwareVersion (default 1.0.0)
  --extra-params N         add Device.X_Test.Param.{1..N}.Value (load tests)
  --fault METHOD=CODE      answer the ACS's METHOD with CPE fault CODE
                           (e.g. SetParameterValues=9007); repeatable
  --periodic S             PeriodicInformInterval in seconds (default 3600);
                           0 sets PeriodicInformEnable to false

Sessions:
  --events LIST            event codes of the first session, comma-separated
                           (default "0 BOOTSTRAP,1 BOOT"); later ones send
                           "2 PERIODIC" plus whatever is pending
  --sessions N             sessions to run one after the other (default 1)
  --stay S                 then stay S seconds (0 = until SIGINT/SIGTERM),
                           behaving like a device: connection requests,
                           sessions after a reboot or a transfer, scheduled
                           and periodic informs, retries with back-off

Connection requests:
  --cr-listen ADDR:PORT    listen for connection requests (e.g. 0.0.0.0:7548,
                           port 0 = any); the URL is ConnectionRequestURL
  --cr-host H              host written into ConnectionRequestURL
  --cr-username U          ConnectionRequestUsername (Digest)
  --cr-password P          ConnectionRequestPassword

Output:
  --quiet                  print only failed sessions (on stderr)
  -h, --help               this help
  --version                the version

Each session prints:
  session N: events [..] requests [..] rpcs [RPC->answer, ..] -> 204 ok
or "-> failed: <why>". Exit status: 0 when every session ended with 204, 1 when
one did not, 2 on a usage error.

Example:
  cwmp-scripted-cpe --acs-url http://127.0.0.1:7547/ --username cpe \
      --password secret --cr-listen 127.0.0.1:7548 --cr-username acs \
      --cr-password crsecret --stay 0
)";

struct Cli {
  scripted_cpe::ScriptedCpeOptions options;
  std::vector<std::string> first_events = {"0 BOOTSTRAP", "1 BOOT"};
  unsigned sessions = 1;
  std::optional<unsigned> stay;  // seconds; 0 = until a signal
  bool quiet = false;
};

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "cwmp-scripted-cpe: %s (see --help)\n", message.c_str());
  std::exit(kExitUsage);
}

unsigned parse_count(std::string_view option, const std::string& text) {
  const auto v = cwmp::parse_unsigned_int(text);
  if (!v) usage_error(std::string(option) + " needs a non-negative integer, not '" + text + "'");
  return *v;
}

std::vector<std::string> split_events(const std::string& list) {
  std::vector<std::string> out;
  std::size_t begin = 0;
  while (begin <= list.size()) {
    std::size_t end = list.find(',', begin);
    if (end == std::string::npos) end = list.size();
    std::string code = list.substr(begin, end - begin);
    while (!code.empty() && code.front() == ' ') code.erase(0, 1);
    while (!code.empty() && code.back() == ' ') code.pop_back();
    if (!code.empty()) {
      if (!cwmp::is_valid_event_code(code)) usage_error("invalid event code '" + code + "'");
      out.push_back(std::move(code));
    }
    begin = end + 1;
  }
  return out;
}

Cli parse(int argc, char** argv) {
  Cli cli;
  auto& o = cli.options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::optional<std::string> inline_value;
    if (arg.rfind("--", 0) == 0) {
      if (const auto eq = arg.find('='); eq != std::string::npos) {
        inline_value = arg.substr(eq + 1);
        arg.resize(eq);
      }
    }
    auto value = [&]() -> std::string {
      if (inline_value) return *inline_value;
      if (i + 1 >= argc) usage_error(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "-h" || arg == "--help") {
      std::fwrite(kHelp.data(), 1, kHelp.size(), stdout);
      std::exit(kExitOk);
    } else if (arg == "--version") {
      std::printf("cwmp-scripted-cpe %s\n", CWMP_SUITE_VERSION);
      std::exit(kExitOk);
    } else if (arg == "--acs-url") {
      o.acs_url = value();
    } else if (arg == "--username") {
      o.username = value();
    } else if (arg == "--password") {
      o.password = value();
    } else if (arg == "--basic-over-http") {
      o.basic_over_http = true;
    } else if (arg == "--ca-file") {
      o.ca_file = value();
    } else if (arg == "--cwmp-version") {
      const std::string v = value();
      if (v == "1.2") {
        o.cwmp_version = cwmp::CwmpVersion::k1_2;
      } else if (v == "1.4") {
        o.cwmp_version = cwmp::CwmpVersion::k1_4;
      } else {
        usage_error("--cwmp-version is 1.2 or 1.4, not '" + v + "'");
      }
    } else if (arg == "--no-cookies") {
      o.cookies = false;
    } else if (arg == "--timeout") {
      const unsigned s = parse_count(arg, value());
      if (s == 0) usage_error("--timeout must be at least 1");
      o.timeout = std::chrono::seconds(s);
    } else if (arg == "--manufacturer") {
      o.identity.manufacturer = value();
    } else if (arg == "--oui") {
      o.identity.oui = value();
    } else if (arg == "--product-class") {
      o.identity.product_class = value();
    } else if (arg == "--serial") {
      o.identity.serial_number = value();
    } else if (arg == "--software-version") {
      o.identity.software_version = value();
    } else if (arg == "--extra-params") {
      o.extra_parameters = parse_count(arg, value());
    } else if (arg == "--fault") {
      const std::string v = value();
      auto fault = scripted_cpe::parse_fault_injection(v);
      if (!fault)
        usage_error("--fault wants METHOD=CODE with an ACS RPC and 9000-9899: '" + v + "'");
      o.faults[fault->first] = fault->second;
    } else if (arg == "--periodic") {
      const unsigned s = parse_count(arg, value());
      o.periodic_inform_enable = s != 0;
      if (s != 0) o.periodic_inform_interval = s;
    } else if (arg == "--events") {
      cli.first_events = split_events(value());
    } else if (arg == "--sessions") {
      cli.sessions = parse_count(arg, value());
    } else if (arg == "--stay") {
      cli.stay = parse_count(arg, value());
    } else if (arg == "--cr-listen") {
      o.connection_request_listen = value();
    } else if (arg == "--cr-host") {
      o.connection_request_host = value();
    } else if (arg == "--cr-username") {
      o.connection_request_username = value();
    } else if (arg == "--cr-password") {
      o.connection_request_password = value();
    } else if (arg == "--quiet") {
      cli.quiet = true;
    } else {
      usage_error("unknown argument '" + arg + "'");
    }
  }
  if (o.acs_url.empty()) usage_error("--acs-url is required");
  // With --stay the CPE lives on its own between sessions, like a device.
  o.autonomous = cli.stay.has_value();
  return cli;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

std::string describe(const scripted_cpe::SessionReport& r) {
  std::string line = "session " + std::to_string(r.number) + ": events [" + join(r.events) + "]";
  if (!r.cpe_requests.empty()) line += " requests [" + join(r.cpe_requests) + "]";
  std::vector<std::string> rpcs;
  for (std::size_t i = 0; i < r.rpcs.size(); ++i) {
    rpcs.push_back(r.rpcs[i] + (i < r.answers.size() ? "->" + r.answers[i] : ""));
  }
  line += " rpcs [" + join(rpcs) + "]";
  if (r.ok()) return line + " -> " + std::to_string(r.last_status()) + " ok";
  return line + " -> failed: " + r.error +
         (r.last_status() != 0 ? " (last HTTP status " + std::to_string(r.last_status()) + ")"
                               : "");
}

asio::awaitable<void> drive(scripted_cpe::ScriptedCpe& cpe, const Cli& cli, asio::io_context& io,
                            asio::signal_set& signals) {
  for (unsigned i = 0; i < cli.sessions; ++i) {
    std::vector<std::string> events =
        i == 0 ? cli.first_events : std::vector<std::string>{"2 PERIODIC"};
    co_await cpe.run_session(std::move(events));
  }
  if (cli.stay) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    if (*cli.stay == 0) {
      timer.expires_at(asio::steady_timer::time_point::max());
    } else {
      timer.expires_after(std::chrono::seconds(*cli.stay));
    }
    signals.async_wait([&timer](const boost::system::error_code& ec, int) {
      if (!ec) timer.cancel();
    });
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    (void)ec;
  }
  io.stop();
}

}  // namespace

int main(int argc, char** argv) {
  const Cli cli = parse(argc, argv);
  asio::io_context io;
  scripted_cpe::ScriptedCpeOptions options = cli.options;
  options.on_session = [quiet = cli.quiet](const scripted_cpe::SessionReport& r) {
    const std::string line = describe(r);
    if (!r.ok()) {
      std::fprintf(quiet ? stderr : stdout, "%s\n", line.c_str());
    } else if (!quiet) {
      std::printf("%s\n", line.c_str());
    }
    std::fflush(stdout);
  };
  std::optional<scripted_cpe::ScriptedCpe> cpe;
  try {
    cpe.emplace(io, std::move(options));
  } catch (const std::invalid_argument& e) {
    usage_error(e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cwmp-scripted-cpe: %s\n", e.what());
    return kExitUsage;
  }
  if (!cli.quiet && !cpe->connection_request_url().empty()) {
    std::fprintf(stderr, "connection requests: %s\n", cpe->connection_request_url().c_str());
  }
  asio::signal_set signals(io, SIGINT, SIGTERM);
  if (!cli.stay) {
    // Without --stay a signal ends the run at once.
    signals.async_wait([&io](const boost::system::error_code& ec, int) {
      if (!ec) io.stop();
    });
  }
  asio::co_spawn(io, drive(*cpe, cli, io, signals), asio::detached);
  io.run();

  const auto sessions = cpe->sessions();
  for (const auto& r : sessions) {
    if (!r.ok()) return kExitSessionFailed;
  }
  return kExitOk;
}
