#include "fleet.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "acs/device_id.hpp"
#include "cpe/agent/agent.hpp"
#include "cpe/agent/connection_request.hpp"
#include "cpe/model/builtin_model.hpp"
#include "cpe/model/data_model.hpp"
#include "cpe/model/durable_file.hpp"
#include "cwmp/values.hpp"
#include "net/tls.hpp"

namespace sim {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

std::string format_serial(const std::string& pattern, std::uint32_t index) {
  char buffer[128];
  std::snprintf(buffer, sizeof buffer, pattern.c_str(), index);  // checked: one %u / %x
  return buffer;
}

std::uint64_t rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string key;
  std::uint64_t value = 0;
  while (in >> key) {
    if (key == "VmRSS:") {
      in >> value;
      return value;
    }
    in.ignore(4096, '\n');
  }
  return 0;
}

std::string iso_time(std::chrono::system_clock::time_point t) {
  return cwmp::format_date_time(
      cwmp::DateTime::from_sys_time(std::chrono::time_point_cast<std::chrono::nanoseconds>(t)));
}

}  // namespace

struct Fleet::Impl {
  struct Device {
    std::string serial;
    std::string id;
    std::unique_ptr<cpe::model::DataModel> model;
    std::unique_ptr<cpe::agent::Agent> agent;
  };

  SimConfig config;
  std::shared_ptr<const cpe::model::Schema> schema;
  std::string manufacturer;
  Stats stats;
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{io.get_executor()};
  std::vector<std::thread> io_threads;
  std::shared_ptr<cpe::agent::ConnectionRequestRouter> router;
  std::shared_ptr<asio::ssl::context> tls;
  std::chrono::system_clock::time_point started_at;
  std::chrono::steady_clock::time_point started_steady;

  mutable std::mutex devices_mutex;
  std::vector<std::unique_ptr<Device>> devices;
  std::thread starter;
  std::atomic<bool> stopping{false};

  // Scenario progress.
  std::vector<std::uint8_t> bootstrapped;  // per device, under bootstrap_mutex
  mutable std::mutex bootstrap_mutex;
  std::uint64_t bootstrapped_count = 0;
  std::optional<double> converged_after_s;
  std::atomic<bool> storm_done{false};
  std::optional<CrStormResult> storm;
  std::uint64_t rss_before_kib = 0;
  std::uint64_t rss_after_start_kib = 0;

  explicit Impl(SimConfig c) : config(std::move(c)), stats(config.devices, config.warmup) {
    std::string text;
    if (config.model.empty()) {
      text = cpe::model::builtin_model_json();
    } else {
      std::string error;
      if (cpe::model::read_whole_file(config.model, 16 * 1024 * 1024, text, error) !=
          cpe::model::ReadStatus::kOk) {
        throw std::runtime_error("cannot read the model " + config.model + ": " + error);
      }
    }
    auto parsed = cpe::model::Schema::parse(text);
    if (!parsed) throw std::runtime_error("the data model: " + parsed.error());
    schema = std::make_shared<const cpe::model::Schema>(std::move(*parsed));
    bootstrapped.assign(config.devices, 0);
    if (config.acs_url.rfind("https://", 0) == 0) {
      tls = net::make_client_tls_context(net::ClientTlsOptions{});
    }
  }

  std::string root() const { return schema->root_path(); }

  void set(cpe::model::DataModel& model, const std::string& relative, const std::string& value) {
    model.set_internal(root() + relative, value);
  }

  std::unique_ptr<Device> make_device(std::uint32_t index) {
    auto d = std::make_unique<Device>();
    d->serial = format_serial(config.serial_pattern, config.first_index + index);
    auto created = cpe::model::DataModel::create(schema, cpe::model::DataModelOptions{});
    if (!created) throw std::runtime_error(created.error());
    d->model = std::move(*created);
    cpe::model::DataModel& m = *d->model;
    set(m, "DeviceInfo.SerialNumber", d->serial);
    set(m, "DeviceInfo.ManufacturerOUI", config.oui);
    set(m, "DeviceInfo.ProductClass", config.product_class);
    set(m, "ManagementServer.URL", config.acs_url);
    if (!config.acs_username.empty()) set(m, "ManagementServer.Username", config.acs_username);
    if (!config.acs_password.empty()) set(m, "ManagementServer.Password", config.acs_password);
    if (!config.cr_username.empty()) {
      set(m, "ManagementServer.ConnectionRequestUsername", config.cr_username);
    }
    if (!config.cr_password.empty()) {
      set(m, "ManagementServer.ConnectionRequestPassword", config.cr_password + d->serial);
    }
    set(m, "ManagementServer.CWMPRetryMinimumWaitInterval", std::to_string(config.retry_min_wait));
    set(m, "ManagementServer.PeriodicInformEnable", "true");
    set(m, "ManagementServer.PeriodicInformInterval",
        std::to_string(config.periodic_interval.count()));
    // The phase: spread over jitter x interval, so the fleet does not inform in lockstep.
    const double spread = config.jitter * static_cast<double>(config.periodic_interval.count());
    const auto offset = std::chrono::milliseconds(static_cast<std::int64_t>(
        spread * 1000.0 * (static_cast<double>(index) + 0.5) / config.devices));
    set(m, "ManagementServer.PeriodicInformTime", iso_time(started_at + offset));
    d->id = acs::make_device_id(
        {manufacturer.empty() ? *m.get(root() + "DeviceInfo.Manufacturer") : manufacturer,
         config.oui, config.product_class, d->serial});
    d->agent = std::make_unique<cpe::agent::Agent>(io, m, agent_options(index));
    return d;
  }

  cpe::agent::AgentOptions agent_options(std::uint32_t index) {
    cpe::agent::AgentOptions o;
    o.state_dir.clear();  // in memory: a simulated device has no flash
    // The agent's DeviceApi calls (data model, state) run on a strand of the io threads, not
    // on a worker pool as in cwmp-cpe: a simulated device has no flash, no hooks and no
    // download files (download_dir empty: counted and discarded), so nothing there blocks,
    // and each hop to a pool and back cost a pair of futex wake-ups (a fifth of the
    // simulator's CPU in perf, bench/README.md).
    o.worker = asio::make_strand(io.get_executor());
    o.cr_listen.clear();
    o.cr_router = router;
    o.cr_host = config.cr_host;
    o.tls_context = tls;
    o.max_session_reports = 1;
    o.http_timeout = config.http_timeout;
    o.on_session = [this, index](const cpe::agent::SessionReport& r) { session_ended(index, r); };
    if ((config.first_index + index) % 100 < config.firmware_fail_percent) {
      // A device whose flash refuses every image: firmware downloads end in 9018 (TR-069
      // A.3.3.2 "file corrupted"), anything else installs as on the other devices.
      o.hooks.install = [](const cpe::agent::InstallRequest& request) {
        if (request.file_type != "1 Firmware Upgrade Image") {
          return cpe::agent::simulated_install(request, {});
        }
        cpe::agent::InstallResult failed;
        failed.fault_code = 9018;
        failed.fault_string = "simulated: the image does not apply on this device";
        return failed;
      };
    }
    return o;
  }

  void session_ended(std::uint32_t index, const cpe::agent::SessionReport& r) {
    const auto latency = std::chrono::duration_cast<std::chrono::microseconds>(r.ended - r.started);
    bool connection_request = false;
    bool bootstrap = false;
    for (const std::string& e : r.events) {
      connection_request |= e == "6 CONNECTION REQUEST";
      bootstrap |= e == "0 BOOTSTRAP";
    }
    stats.session_ended(index, r.ok, r.error, latency, connection_request);
    if (!r.ok || !bootstrap) return;
    std::lock_guard lock(bootstrap_mutex);
    if (bootstrapped[index] != 0) return;
    bootstrapped[index] = 1;
    if (++bootstrapped_count == config.devices) {
      converged_after_s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started_steady).count();
    }
  }

  bool all_bootstrapped() const {
    std::lock_guard lock(bootstrap_mutex);
    return bootstrapped_count == config.devices;
  }

  // Creates and starts the devices, spread over ramp_up.
  void start_devices() {
    const auto begin = std::chrono::steady_clock::now();
    for (std::uint32_t i = 0; i < config.devices && !stopping; ++i) {
      if (config.ramp_up.count() > 0) {
        std::this_thread::sleep_until(begin + config.ramp_up * i / config.devices);
      }
      std::unique_ptr<Device> d = make_device(i);
      d->agent->start();
      std::lock_guard lock(devices_mutex);
      devices.push_back(std::move(d));
    }
    rss_after_start_kib = rss_kib();
    if (config.scenario == "cr-storm") run_storm();
  }

  // cr-storm: once every device has bootstrapped, a task with a connection request for each.
  void run_storm() {
    while (!stopping && !all_bootstrapped()) std::this_thread::sleep_for(100ms);
    if (stopping) return;
    std::vector<std::string> ids;
    {
      std::lock_guard lock(devices_mutex);
      for (const auto& d : devices) ids.push_back(d->id);
    }
    // One strand: the storm's workers share their progress.
    auto strand = asio::make_strand(io);
    auto future = asio::co_spawn(
        strand,
        run_cr_storm(strand, config.nbi_url, std::move(ids), root() + "DeviceInfo.UpTime", 64),
        asio::use_future);
    storm = future.get();
    storm_done = true;
  }
};

Fleet::Fleet(SimConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}

Fleet::~Fleet() {
  stop();
}

void Fleet::start() {
  Impl& im = *impl_;
  im.rss_before_kib = rss_kib();
  im.started_at = std::chrono::system_clock::now();
  im.started_steady = std::chrono::steady_clock::now();
  if (!im.config.cr_listen.empty()) {
    cpe::agent::ConnectionRequestRouterOptions ro;
    ro.listen = im.config.cr_listen;
    ro.max_connections = std::max<std::size_t>(1024, im.config.devices);
    im.router = std::make_shared<cpe::agent::ConnectionRequestRouter>(im.io, ro);
  }
  const unsigned threads =
      im.config.threads > 0 ? im.config.threads : std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < threads; ++i) im.io_threads.emplace_back([&im] { im.io.run(); });
  im.starter = std::thread([&im] {
    try {
      im.start_devices();
    } catch (const std::exception& e) {
      spdlog::critical("cwmp-sim: {}", e.what());
      im.stopping = true;
    }
  });
}

void Fleet::stop() {
  Impl& im = *impl_;
  if (im.stopping.exchange(true) && im.io_threads.empty()) return;
  if (im.starter.joinable()) im.starter.join();
  {
    std::lock_guard lock(im.devices_mutex);
    im.devices.clear();  // each ~Agent: no model call after it returns
  }
  if (im.router) im.router->stop();
  im.work.reset();
  im.io.stop();
  for (std::thread& t : im.io_threads) t.join();
  im.io_threads.clear();
}

Stats& Fleet::stats() {
  return impl_->stats;
}

bool Fleet::finished() const {
  Impl& im = *impl_;
  if (im.config.scenario == "boot-storm") return im.all_bootstrapped();
  if (im.config.scenario == "cr-storm") return im.storm_done;
  return false;
}

std::string Fleet::summary() const {
  Impl& im = *impl_;
  char buffer[256];
  std::string out;
  {
    std::lock_guard lock(im.bootstrap_mutex);
    std::snprintf(buffer, sizeof buffer, "bootstrapped %llu of %u devices",
                  static_cast<unsigned long long>(im.bootstrapped_count), im.config.devices);
    out = buffer;
    if (im.converged_after_s) {
      std::snprintf(buffer, sizeof buffer, " (all after %.2f s)", *im.converged_after_s);
      out += buffer;
    }
  }
  if (im.storm_done && im.storm) {
    std::snprintf(buffer, sizeof buffer,
                  "; cr-storm: %llu tasks posted, %llu connection requests accepted, %llu failed "
                  "in %.2f s",
                  static_cast<unsigned long long>(im.storm->posted),
                  static_cast<unsigned long long>(im.storm->accepted),
                  static_cast<unsigned long long>(im.storm->failed), im.storm->seconds);
    out += buffer;
  }
  const std::uint64_t grown =
      im.rss_after_start_kib - std::min(im.rss_after_start_kib, im.rss_before_kib);
  std::snprintf(buffer, sizeof buffer, "; memory: %llu KiB RSS after start, %.1f KiB per device",
                static_cast<unsigned long long>(im.rss_after_start_kib),
                static_cast<double>(grown) / im.config.devices);
  return out + buffer;
}

boost::json::object Fleet::report(bool interrupted) const {
  Impl& im = *impl_;
  boost::json::object r;
  r["scenario"] = im.config.scenario;
  r["acsUrl"] = im.config.acs_url;
  r["devices"] = im.config.devices;
  r["periodicIntervalSeconds"] = im.config.periodic_interval.count();
  r["interrupted"] = interrupted;
  r["totals"] = to_json(im.stats.total());
  r["measured"] = to_json(im.stats.measured());
  {
    std::lock_guard lock(im.bootstrap_mutex);
    r["bootstrapped"] = im.bootstrapped_count;
    if (im.converged_after_s) r["convergedAfterSeconds"] = *im.converged_after_s;
  }
  if (im.storm) {
    r["crStorm"] = {{"posted", im.storm->posted},
                    {"accepted", im.storm->accepted},
                    {"failed", im.storm->failed},
                    {"seconds", im.storm->seconds}};
  }
  r["rssKiB"] = im.rss_after_start_kib;
  r["rssPerDeviceKiB"] = static_cast<double>(im.rss_after_start_kib -
                                             std::min(im.rss_after_start_kib, im.rss_before_kib)) /
                         im.config.devices;
  return r;
}

std::size_t Fleet::size() const {
  std::lock_guard lock(impl_->devices_mutex);
  return impl_->devices.size();
}

std::string Fleet::device_id(std::size_t index) const {
  std::lock_guard lock(impl_->devices_mutex);
  return index < impl_->devices.size() ? impl_->devices[index]->id : std::string();
}

}  // namespace sim
