#include "app.hpp"

#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <filesystem>
#include <future>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "acs/campaign_observer.hpp"
#include "acs/connection_request.hpp"
#include "acs/cwmp_service.hpp"
#include "acs/files.hpp"
#include "acs/metrics.hpp"
#include "acs/nbi.hpp"
#include "net/http_server.hpp"
#include "net/tls.hpp"
#include "store/sqlite_store.hpp"

namespace acs_app {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

acs::Millis system_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool is_loopback(const std::string& listen) {
  return listen.rfind("127.", 0) == 0 || listen.rfind("[::1]", 0) == 0 ||
         listen.rfind("localhost:", 0) == 0;
}

std::string host_name() {
  char buffer[256] = {};
  if (::gethostname(buffer, sizeof buffer - 1) != 0 || buffer[0] == '\0') return "localhost";
  return buffer;
}

acs::CpeAuth cpe_auth_mode(const std::string& mode) {
  if (mode == "none") return acs::CpeAuth::kNone;
  if (mode == "basic") return acs::CpeAuth::kBasicOverTls;
  return acs::CpeAuth::kDigest;
}

void check(const AcsConfig& c) {
  const bool tls_wanted = !c.cwmp_tls_listen.empty() || !c.files_tls_listen.empty();
  if (tls_wanted && (c.tls_cert.empty() || c.tls_key.empty())) {
    throw std::runtime_error("a TLS listener needs --tls-cert and --tls-key");
  }
  if (!c.nbi_listen.empty() && !is_loopback(c.nbi_listen) && c.nbi_token.empty()) {
    throw std::runtime_error("the NBI listens beyond loopback (" + c.nbi_listen +
                             "): set --nbi-token");
  }
  if (c.cpe_auth == "basic" && c.cwmp_tls_listen.empty()) {
    throw std::runtime_error("--cpe-auth basic works only over TLS: set --cwmp-tls-listen");
  }
  if (c.tls_require_client_cert && c.tls_client_ca.empty()) {
    throw std::runtime_error("--tls-require-client-cert needs --tls-client-ca");
  }
}

}  // namespace

struct AcsApp::Impl {
  explicit Impl(AcsConfig c) : config(std::move(c)) {
    check(config);
    std::filesystem::create_directories(config.data_dir);
    store = store::open_sqlite(config.database_path());
    acs::declare_acs_metrics(metrics);
    files = std::make_unique<acs::FileRepository>(*store, config.data_dir + "/files");

    if (!config.tls_cert.empty()) {
      net::ServerTlsOptions tls;
      tls.cert_file = config.tls_cert;
      tls.key_file = config.tls_key;
      tls.client_ca_file = config.tls_client_ca;
      tls.require_client_cert = config.tls_require_client_cert;
      server_tls = net::make_server_tls_context(tls);
    }

    acs::CwmpServiceOptions cwmp;
    cwmp.session.refresh_batch = config.refresh_batch;
    cwmp.session.per_device_cr_credentials = config.cr_credentials == "per-device";
    cwmp.idle_timeout = config.session_idle_timeout;
    cwmp.max_duration = config.session_max_duration;
    cwmp.max_sessions = config.max_sessions;
    cwmp.auth = cpe_auth_mode(config.cpe_auth);
    cwmp.realm = config.auth_realm;
    cwmp.username = config.cpe_username;
    cwmp.password = config.cpe_password;
    cwmp.max_auth_failures = config.max_auth_failures;
    cwmp.require_client_certificate = config.tls_require_client_cert;
    cwmp.metrics = &metrics;
    // Presets (docs/presets.md): a backup upload without a URL goes to our file service.
    cwmp.presets.files_base_url = [this] { return files_base_url(); };
    // Firmware campaigns (docs/campaigns.md): the download URL is asked for when a device
    // starts, once the file listener is bound.
    campaigns =
        std::make_unique<acs::CampaignObserver>(*store, [this] { return files_base_url(); });
    cwmp.observers.push_back(campaigns.get());
    cwmp_service =
        std::make_unique<acs::CwmpService>(*store, store_pool.get_executor(), std::move(cwmp));

    acs::ConnectionRequestOptions cr;
    cr.timeout = config.cr_timeout;
    cr.allow_basic = config.cr_allow_basic;
    cr.tls = net::make_client_tls_context(net::ClientTlsOptions{});
    requester = std::make_unique<acs::ConnectionRequester>(*store, store_pool.get_executor(),
                                                           std::move(cr), &metrics);

    acs::FileServiceOptions fs;
    fs.max_upload_bytes = config.max_file_size;
    fs.backup_retention = config.backup_retention;
    file_service =
        std::make_unique<acs::FileService>(*files, store_pool.get_executor(), fs, &metrics);

    metrics.gauge_source("cwmp_active_sessions", "CWMP sessions open now", [this] {
      return std::vector<std::pair<acs::Metrics::Labels, double>>{
          {{}, static_cast<double>(cwmp_service->active_sessions())}};
    });
  }

  // Built once the file listener is bound: download URLs carry its real port.
  void make_nbi() {
    acs::NbiOptions nbi_options;
    nbi_options.token = config.nbi_token;
    nbi_options.files_base_url = files_base_url();
    nbi_options.max_file_bytes = config.max_file_size;
    nbi = std::make_unique<acs::Nbi>(
        *store, store_pool.get_executor(), *files,
        [this](std::string device) { return requester->request(std::move(device)); }, metrics,
        std::move(nbi_options));
  }

  // The base URL CPEs download from: --files-url, else the file listener's own address
  // (its host name when it listens on every address).
  std::string files_base_url() const {
    if (!config.files_url.empty()) {
      std::string url = config.files_url;
      while (!url.empty() && url.back() == '/') url.pop_back();
      return url;
    }
    const bool plain = ports.files != 0;
    if (!plain && ports.files_tls == 0) return {};
    const std::string& listen = plain ? config.files_listen : config.files_tls_listen;
    std::string host = listen.substr(0, listen.rfind(':'));
    if (host.empty() || host == "0.0.0.0" || host == "[::]") host = host_name();
    return std::string(plain ? "http://" : "https://") + host + ":" +
           std::to_string(plain ? ports.files : ports.files_tls);
  }

  net::Handler cwmp_handler() {
    return [this](net::Request& r, const net::ConnectionInfo& c) {
      return cwmp_service->handle(r, c);
    };
  }
  net::Handler files_handler() {
    return [this](net::Request& r, const net::ConnectionInfo& c) {
      return file_service->handle(r, c);
    };
  }

  // Drops expired sessions once a second.
  asio::awaitable<void> expiry_loop() {
    asio::steady_timer timer(io);
    while (!stopping) {
      timer.expires_after(1s);
      co_await timer.async_wait(asio::use_awaitable);
      cwmp_service->expire(system_now());
    }
  }

  AcsConfig config;
  std::unique_ptr<store::Store> store;
  acs::Metrics metrics;
  // Store calls block (disk): they run here, off the event loop. Several threads let writes
  // that arrive together share one commit (the store's group commit).
  asio::thread_pool store_pool{config.store_threads};
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{io.get_executor()};
  std::shared_ptr<asio::ssl::context> server_tls;
  std::unique_ptr<acs::FileRepository> files;
  std::unique_ptr<acs::CampaignObserver> campaigns;  // before the service that calls it
  std::unique_ptr<acs::CwmpService> cwmp_service;
  std::unique_ptr<acs::ConnectionRequester> requester;
  std::unique_ptr<acs::FileService> file_service;
  std::unique_ptr<acs::Nbi> nbi;
  std::vector<std::unique_ptr<net::HttpServer>> servers;
  std::vector<std::thread> threads;
  BoundPorts ports;
  std::atomic<bool> stopping{false};
  std::once_flag stop_once;
};

AcsApp::AcsApp(AcsConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}

AcsApp::~AcsApp() {
  stop();
  wait();
}

BoundPorts AcsApp::start() {
  Impl& im = *impl_;
  const AcsConfig& c = im.config;
  net::ServerOptions cwmp_limits;
  net::ServerOptions file_limits;
  file_limits.body_limit = c.max_file_size;
  file_limits.decoded_body_limit = c.max_file_size;
  file_limits.read_timeout = 300s;              // a CPE uploading a large file over a slow line
  file_limits.write_timeout = 300s;             // per chunk of a download
  net::ServerOptions nbi_limits = file_limits;  // PUT /files carries whole images
  nbi_limits.read_timeout = 120s;
  // A little above the largest file, so the NBI itself answers an oversized PUT with its
  // JSON 413 rather than the server's plain one.
  nbi_limits.body_limit = c.max_file_size + 64 * 1024;
  nbi_limits.decoded_body_limit = nbi_limits.body_limit;

  auto add = [&](const std::string& listen, net::Handler handler, net::ServerOptions limits,
                 bool tls, std::uint16_t& port, const char* what) {
    if (listen.empty()) return;
    auto server = std::make_unique<net::HttpServer>(im.io, std::move(handler), limits);
    port = server->listen(listen, tls ? im.server_tls : nullptr);
    spdlog::info("{} listening on {} (port {}{})", what, listen, port, tls ? ", TLS" : "");
    im.servers.push_back(std::move(server));
  };
  add(c.cwmp_listen, im.cwmp_handler(), cwmp_limits, false, im.ports.cwmp, "CWMP");
  add(c.cwmp_tls_listen, im.cwmp_handler(), cwmp_limits, true, im.ports.cwmp_tls, "CWMP");
  add(c.files_listen, im.files_handler(), file_limits, false, im.ports.files, "files");
  add(c.files_tls_listen, im.files_handler(), file_limits, true, im.ports.files_tls, "files");
  im.make_nbi();
  add(
      c.nbi_listen,
      [&im](net::Request& r, const net::ConnectionInfo& ci) { return im.nbi->handle(r, ci); },
      nbi_limits, false, im.ports.nbi, "NBI");

  if (c.cpe_auth == "none") {
    spdlog::warn("CPE authentication is OFF (--cpe-auth none): any client can act as any device");
  } else if (c.cpe_username.empty()) {
    spdlog::warn(
        "no shared CPE credentials (--cpe-username/--cpe-password): only devices with "
        "per-device credentials (PUT /cpe-credentials/<user> on the NBI) can connect");
  }
  if (c.cr_credentials == "per-device") {
    spdlog::info("connection-request credentials: random per device, set on 0 BOOTSTRAP");
  }
  spdlog::info("data in {} (database {}), files served as {}", c.data_dir, c.database_path(),
               im.files_base_url());

  asio::co_spawn(im.io, im.expiry_loop(), asio::detached);
  unsigned n = c.threads != 0 ? c.threads : std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < n; ++i) im.threads.emplace_back([&im] { im.io.run(); });
  return im.ports;
}

void AcsApp::stop() {
  Impl& im = *impl_;
  std::call_once(im.stop_once, [&im] {
    im.stopping = true;
    spdlog::info("stopping: no new connections, finishing requests in progress");
    auto left = std::make_shared<std::atomic<std::size_t>>(im.servers.size());
    auto all_stopped = std::make_shared<std::promise<void>>();
    auto done = all_stopped->get_future();
    if (im.servers.empty()) all_stopped->set_value();
    for (auto& server : im.servers) {
      server->stop(5000ms, [left, all_stopped] {
        if (--*left == 0) all_stopped->set_value();
      });
    }
    if (!im.threads.empty()) done.wait_for(10s);
    im.work.reset();
    im.io.stop();  // the expiry timer and anything left
  });
}

void AcsApp::wait() {
  Impl& im = *impl_;
  for (auto& t : im.threads) {
    if (t.joinable()) t.join();
  }
  im.threads.clear();
  im.store_pool.join();
}

const BoundPorts& AcsApp::ports() const {
  return impl_->ports;
}
store::Store& AcsApp::store() {
  return *impl_->store;
}
acs::Metrics& AcsApp::metrics() {
  return impl_->metrics;
}

}  // namespace acs_app
