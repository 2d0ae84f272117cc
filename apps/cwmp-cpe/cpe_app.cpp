#include "cpe_app.hpp"

#include <malloc.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include "cpe/agent/agent.hpp"
#include "cpe/diag/diagnostics.hpp"
#include "cpe/model/builtin_model.hpp"
#include "cpe/model/data_model.hpp"
#include "cpe/model/durable_file.hpp"
#include "cpe/model/hooks.hpp"
#include "cwmp/values.hpp"
#include "net/tls.hpp"

namespace cpe_app {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// The local settings an operator (or a DHCP hook) gives, and the ManagementServer parameters
// they set. Each is applied when it differs from the value applied at the previous start
// (kept in <state_dir>/local-settings.json): a change made locally takes effect, while a
// value the ACS set since (e.g. a new URL or password by SetParameterValues) is not undone
// by every restart with the same command line.
struct LocalSetting {
  const char* key;
  const char* parameter;  // relative to the root
};
constexpr LocalSetting kLocalSettings[] = {
    {"url", "ManagementServer.URL"},
    {"username", "ManagementServer.Username"},
    {"password", "ManagementServer.Password"},
    {"cr-username", "ManagementServer.ConnectionRequestUsername"},
    {"cr-password", "ManagementServer.ConnectionRequestPassword"},
};
constexpr const char* kLocalSettingsFile = "local-settings.json";
constexpr std::size_t kMaxSmallFile = 64 * 1024;

std::string first_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  return cli::trim(line);
}

// The ACS URL a DHCP hook handed over, or "" when there is none (yet).
std::string discovered_acs_url(const CpeConfig& config) {
  std::string url;
  if (!config.acs_url_command.empty()) {
    const cpe::model::CommandResult r = cpe::model::run_command(config.acs_url_command, {}, 10s);
    if (r.started && !r.timed_out && r.exit_status == 0) {
      url = first_line(r.output);
    } else {
      spdlog::warn("cwmp-cpe: --acs-url-command failed (exit {}{})", r.exit_status,
                   r.timed_out ? ", timed out" : "");
    }
  } else if (!config.acs_url_file.empty()) {
    std::string text;
    std::string error;
    const auto status =
        cpe::model::read_whole_file(config.acs_url_file, kMaxSmallFile, text, error);
    if (status == cpe::model::ReadStatus::kOk) {
      url = first_line(text);
    } else if (status == cpe::model::ReadStatus::kError) {
      spdlog::warn("cwmp-cpe: cannot read --acs-url-file {}: {}", config.acs_url_file, error);
    }
  }
  if (!url.empty() && url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    spdlog::warn("cwmp-cpe: ignoring ACS URL '{}': not http(s)", url);
    url.clear();
  }
  return url;
}

// A serial number that differs between machines and survives reinstalls: 12 hex digits of
// the SHA-256 of /etc/machine-id (the raw id is not exposed: systemd asks for that).
std::string machine_serial() {
  std::ifstream in("/etc/machine-id");
  std::string id;
  if (!(in >> id) || id.empty()) return {};
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(reinterpret_cast<const unsigned char*>(id.data()), id.size(), digest, &size,
                 EVP_sha256(), nullptr) != 1)
    return {};
  return cwmp::hex_encode(std::string_view(reinterpret_cast<const char*>(digest), 6));
}

cpe::agent::InstallResult install_with_command(const std::string& command,
                                               const cpe::agent::InstallRequest& request) {
  // Contract (docs/cpe.md): exit 0 = applied; stdout may say "version=X" (the new
  // SoftwareVersion) and "reboot=yes|no" (default: yes for firmware). Exit 18 = the file is
  // corrupted (9018), 19 = its signature is wrong (9019), anything else 9010.
  const cpe::model::CommandResult r = cpe::model::run_command(
      command, {request.file_type, request.file.string(), request.target_file_name, request.url},
      30min);
  cpe::agent::InstallResult result;
  if (!r.started || r.timed_out || r.exit_status != 0) {
    result.fault_code = r.exit_status == 18 ? 9018 : r.exit_status == 19 ? 9019 : 9010;
    result.fault_string = r.timed_out ? "the install command timed out"
                          : !r.started
                              ? "the install command did not start: " + r.error
                              : "the install command exited with " + std::to_string(r.exit_status);
    return result;
  }
  result.reboot = request.file_type.rfind("1 ", 0) == 0;
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line);) {
    line = cli::trim(line);
    if (line.rfind("version=", 0) == 0) result.software_version = line.substr(8);
    if (line == "reboot=yes") result.reboot = true;
    if (line == "reboot=no") result.reboot = false;
  }
  return result;
}

void run_hook_command(const char* what, const std::string& command) {
  const cpe::model::CommandResult r = cpe::model::run_command(command, {}, 5min);
  if (!r.started || r.timed_out || r.exit_status != 0) {
    spdlog::error("cwmp-cpe: the {} command failed (exit {}{})", what, r.exit_status,
                  r.timed_out ? ", timed out" : "");
  }
}

cwmp::CwmpVersion cwmp_version(const std::string& text) {
  return text == "1.4" ? cwmp::CwmpVersion::k1_4 : cwmp::CwmpVersion::k1_2;
}

// A device idles for minutes between sessions: what a session allocated (XML, TLS buffers,
// the TLS library's per-thread caches) goes back to the system instead of staying in the
// allocator's arenas (2 MB after a TLS session with wolfSSL; bench/cpe_footprint.sh). Runs on
// the io thread, which ran the session's handshakes. A fleet in one process (cwmp-sim) does
// not do this: there the memory is reused at once.
void give_back_session_memory() {
  net::release_thread_tls_caches();
  malloc_trim(0);
}

}  // namespace

struct CpeApp::Impl {
  CpeConfig config;
  std::function<void()> restart;
  std::unique_ptr<cpe::model::DataModel> model;
  asio::io_context io{1};
  std::unique_ptr<cpe::agent::Agent> agent;
  std::unique_ptr<cpe::diag::DiagnosticsRunner> diagnostics;
  // What the model's change listener and the agent's end-of-session callback reach; null
  // once stopping (they run on the agent's threads and may race with stop()).
  std::mutex diagnostics_mutex;
  cpe::diag::DiagnosticsRunner* diagnostics_target = nullptr;
  std::thread io_thread;
  std::mutex local_mutex;  // local settings: start, SIGHUP and factory reset may race

  // The notification poller: a timer, so nothing runs between two polls.
  std::thread poller;
  std::mutex poll_mutex;
  std::condition_variable poll_wake;
  bool stopping = false;

  Impl(CpeConfig c, std::function<void()> r) : config(std::move(c)), restart(std::move(r)) {
    load_model();
    apply_identity();
    apply_local_settings(/*forget_previous=*/false);
    agent = std::make_unique<cpe::agent::Agent>(io, *model, agent_options());
    model->set_active_change_callback([this] { agent->value_changed(); });
    // IP.Diagnostics: requested by an ACS's SetParameterValues, run after that session,
    // reported with 8 DIAGNOSTICS COMPLETE.
    cpe::diag::DiagnosticsOptions diag;
    diag.root = root();
    diagnostics = std::make_unique<cpe::diag::DiagnosticsRunner>(
        *model, [this] { agent->diagnostics_complete(); }, std::move(diag));
    diagnostics_target = diagnostics.get();
    model->set_change_listener([this](const std::vector<std::string>& paths) {
      std::lock_guard lock(diagnostics_mutex);
      if (diagnostics_target != nullptr) diagnostics_target->parameters_changed(paths);
    });
  }

  fs::path state_dir() const { return config.state_dir; }
  std::string root() const { return model->schema().root_path(); }

  void load_model() {
    std::string text;
    if (!config.model.empty()) {
      std::string error;
      if (cpe::model::read_whole_file(config.model, 16 * 1024 * 1024, text, error) !=
          cpe::model::ReadStatus::kOk) {
        throw std::runtime_error("cannot read the model " + config.model + ": " + error);
      }
    } else {
      text = cpe::model::builtin_model_json();
    }
    // Private: the state holds the ACS and connection-request passwords.
    if (fs::create_directories(state_dir())) {
      fs::permissions(state_dir(), fs::perms::owner_all, fs::perm_options::replace);
    }
    cpe::model::DataModelOptions options;
    options.state_dir = state_dir();
    options.log = [](std::string_view line) {
      // A first start is news, not a problem; load fallbacks and hook failures are.
      if (line.starts_with("no saved state")) {
        spdlog::info("cwmp-cpe: model: {}", line);
      } else {
        spdlog::warn("cwmp-cpe: model: {}", line);
      }
    };
    auto created = cpe::model::DataModel::create(text, std::move(options));
    if (!created) throw std::runtime_error("the data model: " + created.error());
    model = std::move(*created);
    const auto status = model->load_status();
    if (status == cpe::model::LoadStatus::kMissing || status == cpe::model::LoadStatus::kCorrupt) {
      forget_agent_state();
    }
  }

  // The model starts from its factory defaults: so does everything else (the agent then
  // sends 0 BOOTSTRAP, as after a factory reset).
  void forget_agent_state() {
    std::string error;
    for (const char* name : {"state.json", kLocalSettingsFile}) {
      if (fs::exists(state_dir() / name)) {
        spdlog::warn("cwmp-cpe: the data model starts from factory defaults; {} is reset too",
                     name);
      }
      if (!cpe::model::remove_file_durably(state_dir() / name, error)) {
        throw std::runtime_error("cannot reset " + (state_dir() / name).string() + ": " + error);
      }
    }
  }

  void set_if_different(const std::string& relative, const std::string& value) {
    const std::string path = root() + relative;
    if (model->get(path) == value) return;
    try {
      model->set_internal(path, value);
    } catch (const std::exception& e) {
      throw std::runtime_error(path + ": " + e.what());
    }
  }

  void apply_identity() {
    std::string serial = config.serial;
    if (serial.empty() && model->get(root() + "DeviceInfo.SerialNumber") == "0000000001") {
      serial = machine_serial();  // only while the model's placeholder is there
    }
    if (!serial.empty()) set_if_different("DeviceInfo.SerialNumber", serial);
    if (!config.oui.empty()) set_if_different("DeviceInfo.ManufacturerOUI", config.oui);
    if (!config.product_class.empty()) {
      set_if_different("DeviceInfo.ProductClass", config.product_class);
    }
  }

  std::string local_value(const std::string& key) const {
    if (key == "url") {
      const std::string discovered = discovered_acs_url(config);
      return discovered.empty() ? config.acs_url : discovered;
    }
    if (key == "username") return config.acs_username;
    if (key == "password") return config.acs_password;
    if (key == "cr-username") return config.cr_username;
    return config.cr_password;
  }

  boost::json::object read_local_record() {
    std::string text;
    std::string error;
    const fs::path path = state_dir() / kLocalSettingsFile;
    if (cpe::model::read_whole_file(path, kMaxSmallFile, text, error) !=
        cpe::model::ReadStatus::kOk) {
      return {};
    }
    boost::system::error_code ec;
    boost::json::value parsed = boost::json::parse(text, ec);
    if (ec || !parsed.is_object()) return {};
    return std::move(parsed.as_object());
  }

  // See kLocalSettings. `forget_previous`: after a factory reset every local value is
  // applied again.
  void apply_local_settings(bool forget_previous) {
    std::lock_guard lock(local_mutex);
    boost::json::object record = forget_previous ? boost::json::object{} : read_local_record();
    bool changed = false;
    for (const LocalSetting& s : kLocalSettings) {
      const std::string value = local_value(s.key);
      if (value.empty()) continue;
      const auto* previous = record.if_contains(s.key);
      if (previous && previous->is_string() && previous->as_string() == value) continue;
      set_if_different(s.parameter, value);
      record[s.key] = value;
      changed = true;
      if (std::string_view(s.key) == "url") spdlog::info("cwmp-cpe: ACS URL {}", value);
    }
    std::string error;
    if (changed && !cpe::model::write_file_durably(state_dir() / kLocalSettingsFile,
                                                   boost::json::serialize(record), error)) {
      spdlog::error("cwmp-cpe: cannot save the local settings: {}", error);
    }
  }

  cpe::agent::AgentOptions agent_options() {
    cpe::agent::AgentOptions o;
    o.state_dir = state_dir();
    o.cr_listen = config.cr_listen;
    o.cr_host = config.cr_host;
    o.cr_allow_basic = config.cr_allow_basic;
    o.cr_rate_per_second = config.cr_rate_per_second;
    o.cr_burst = config.cr_burst;
    o.cwmp_version = cwmp_version(config.cwmp_version);
    o.basic_over_http = config.basic_over_http;
    o.tls.ca_file = config.tls_ca;
    o.tls.verify_peer = !config.tls_insecure;
    o.tls.cert_file = config.tls_cert;
    o.tls.key_file = config.tls_key;
    o.root = root();
    o.on_session = [this](const cpe::agent::SessionReport&) {
      {
        std::lock_guard lock(diagnostics_mutex);
        if (diagnostics_target != nullptr) diagnostics_target->session_ended();
      }
      give_back_session_memory();
    };
    if (!config.install_command.empty()) {
      o.hooks.install = [command = config.install_command](const auto& request) {
        return install_with_command(command, request);
      };
    }
    if (!config.reboot_command.empty()) {
      o.hooks.reboot = [command = config.reboot_command] { run_hook_command("reboot", command); };
    } else if (restart) {
      o.hooks.reboot = restart;
    }
    o.hooks.factory_reset = [this] {
      if (!config.factory_reset_command.empty()) {
        run_hook_command("factory reset", config.factory_reset_command);
      }
      // The model is back to its defaults: the local settings and identity apply again, so
      // the device finds its ACS (and bootstraps) without anyone touching it.
      apply_identity();
      apply_local_settings(/*forget_previous=*/true);
    };
    return o;
  }

  void poll_loop() {
    std::unique_lock lock(poll_mutex);
    while (!stopping) {
      if (poll_wake.wait_for(lock, config.notify_poll_interval, [this] { return stopping; })) {
        break;
      }
      lock.unlock();
      model->poll_value_changes();  // calls the active-change callback itself
      lock.lock();
    }
  }
};

CpeApp::CpeApp(CpeConfig config, std::function<void()> restart)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(restart))) {}

CpeApp::~CpeApp() {
  stop();
}

void CpeApp::start() {
  Impl& im = *impl_;
  im.agent->start();
  im.io_thread = std::thread([&im] {
    auto guard = asio::make_work_guard(im.io);
    im.io.run();
  });
  im.poller = std::thread([&im] { im.poll_loop(); });
}

void CpeApp::reload_acs_url() {
  impl_->apply_local_settings(/*forget_previous=*/false);
  impl_->agent->settle();  // re-reads the settings now (a new URL raises 0 BOOTSTRAP)
}

void CpeApp::stop() {
  Impl& im = *impl_;
  {
    std::lock_guard lock(im.poll_mutex);
    if (im.stopping) return;
    im.stopping = true;
  }
  im.poll_wake.notify_all();
  if (im.poller.joinable()) im.poller.join();
  im.model->set_active_change_callback(nullptr);
  im.model->set_change_listener(nullptr);
  {
    std::lock_guard lock(im.diagnostics_mutex);
    im.diagnostics_target = nullptr;
  }
  im.diagnostics.reset();  // cancels a running test; its on_complete needs the agent alive
  im.agent.reset();        // no model call, hook or state write after this
  im.io.stop();
  if (im.io_thread.joinable()) im.io_thread.join();
}

cpe::model::DataModel& CpeApp::model() {
  return *impl_->model;
}
cpe::agent::Agent& CpeApp::agent() {
  return *impl_->agent;
}

std::uint16_t CpeApp::connection_request_port() const {
  return impl_->agent->status().connection_request_port;
}

}  // namespace cpe_app
