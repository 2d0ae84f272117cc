// Full CWMP sessions per second against cwmp-acs assembled in-process (acs_app) on its
// SQLite store (synchronous=FULL: every Inform is on disk before its InformResponse),
// with Digest authentication on. Each session is what a periodic CPE does: a new TCP
// connection, Inform without credentials -> 401, Inform with Digest -> InformResponse,
// empty POST -> 204, close. Prints one line of figures per run (bench/README.md).
//
//   bench_acs_sessions [--devices N] [--concurrency C] [--seconds S] [--params P]
//                      [--threads T] [--stored-devices M] [--prefill-writers W]
//
// --stored-devices M fills the store with M devices (the Inform's parameters each) before
// measuring, so that the sessions run against a store of that size; the N measured devices
// are the first N of them (W threads call record_inform at once, default 128, so that group
// commit batches them). The ACS's CPU is measured on its own threads only (the client
// shares the process), per session.
#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>
#include <time.h>

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include "acs/device_id.hpp"
#include "acs/model.hpp"
#include "acs_bench_support.hpp"
#include "app.hpp"
#include "cwmp/codec.hpp"
#include "cwmp/http_auth.hpp"
#include "net/http_client.hpp"
#include "store/store.hpp"

namespace asio = boost::asio;
namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

namespace {

struct Settings {
  unsigned devices = 1000;
  unsigned concurrency = 32;
  unsigned seconds = 10;
  unsigned params = 12;
  unsigned threads = 1;
  unsigned stored_devices = 0;     // 0: no prefill, the store holds what the sessions create
  unsigned prefill_writers = 128;  // threads calling record_inform at once (group commit)
};

cwmp::DeviceId bench_device_id(unsigned device) {
  return {"BenchCo", "00BE7C", "HGW", "SN" + std::to_string(device)};
}

// The Inform's parameter list: the software version and params-1 numbered parameters.
std::vector<cwmp::ParameterValue> inform_parameters(unsigned device, unsigned params) {
  std::vector<cwmp::ParameterValue> list;
  list.push_back({"Device.DeviceInfo.SoftwareVersion", "1.0." + std::to_string(device % 7),
                  cwmp::ValueType::kString});
  for (unsigned i = 1; i < params; ++i) {
    list.push_back({"Device.X_Bench.Param." + std::to_string(i), std::to_string(device * 31 + i),
                    cwmp::ValueType::kUnsignedInt});
  }
  return list;
}

std::string inform_body(unsigned device, unsigned params) {
  cwmp::Inform m;
  m.device_id = bench_device_id(device);
  m.event = {{"2 PERIODIC", ""}};
  m.max_envelopes = 1;
  m.current_time = cwmp::DateTime{};
  m.parameter_list = inform_parameters(device, params);
  cwmp::Header h;
  h.id = "1";
  return cwmp::encode(cwmp::Envelope{cwmp::CwmpVersion::k1_2, h, m}).value();
}

// What the ACS records for that device's first Inform (as the session would build it).
acs::InformRecord prefill_record(unsigned device, unsigned params, acs::Millis now) {
  acs::InformRecord r;
  r.device = bench_device_id(device);
  r.device_id = acs::make_device_id(r.device);
  r.events = {{"0 BOOTSTRAP", ""}};
  r.remote_address = "127.0.0.1";
  r.received = now;
  for (cwmp::ParameterValue& p : inform_parameters(device, params)) {
    r.parameters.push_back(
        acs::ParameterUpdate{std::move(p.name), std::move(p.value), p.type, {}, {}, {}});
  }
  return r;
}

// Fills the store with `count` devices through its own API, as fast as it goes: many
// threads calling record_inform at once, so that the store's group commit puts many
// devices in each transaction (one fsync each). The store has no bulk insert.
void prefill(store::Store& store, unsigned count, unsigned params, unsigned writers_count) {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  std::atomic<unsigned> next{0};
  std::vector<std::thread> writers;
  for (unsigned t = 0; t < writers_count; ++t) {
    writers.emplace_back([&] {
      for (unsigned d = next++; d < count; d = next++)
        store.record_inform(prefill_record(d, params, now));
    });
  }
  for (std::thread& w : writers) w.join();
}

struct Totals {
  std::atomic<std::uint64_t> sessions{0};
  std::atomic<std::uint64_t> errors{0};
  std::vector<std::vector<double>> latencies;  // per worker, ms
};

asio::awaitable<bool> one_session(const std::string& url, const std::string& body) {
  // Arguments are named locals: GCC 12 miscompiles temporaries built inside co_await calls.
  const auto executor = co_await asio::this_coro::executor;
  net::ClientOptions options;
  net::HttpConnection c(executor, options);
  const net::Headers none;
  const std::string empty;
  auto first = co_await c.request(url, http::verb::post, none, body, std::chrono::seconds(10));
  if (!first.ok() || first.status() != 401) co_return false;
  const auto www = first.response.find(http::field::www_authenticate);
  if (www == first.response.end()) co_return false;
  auto challenge = cwmp::auth::parse_www_authenticate(std::string(www->value()));
  if (!challenge) co_return false;
  cwmp::auth::DigestClient digest(bench::kCpeUsername, bench::kCpePassword, bench::random_bytes);
  digest.set_challenge(challenge->digest);
  const auto authorization = digest.authorization("POST", "/");
  net::Headers headers;
  headers.emplace_back("Authorization", *authorization);
  auto inform = co_await c.request(url, http::verb::post, headers, body, std::chrono::seconds(10));
  if (!inform.ok() || inform.status() != 200) co_return false;
  net::Headers next;
  if (auto ck = inform.response.find(http::field::set_cookie); ck != inform.response.end()) {
    const std::string v(ck->value());
    next.emplace_back("Cookie", v.substr(0, v.find(';')));
  }
  auto end = co_await c.request(url, http::verb::post, next, empty, std::chrono::seconds(10));
  co_return end.ok() && end.status() == 204;
}

asio::awaitable<void> worker(unsigned index, const Settings& s, const std::string& url,
                             Clock::time_point until, Totals& totals) {
  std::vector<std::string> bodies;
  for (unsigned d = index; d < s.devices; d += s.concurrency) {
    bodies.push_back(inform_body(d, s.params));
  }
  std::size_t next = 0;
  while (Clock::now() < until && !bodies.empty()) {
    const auto start = Clock::now();
    const bool ok = co_await one_session(url, bodies[next]);
    next = (next + 1) % bodies.size();
    if (!ok) {
      ++totals.errors;
      continue;
    }
    ++totals.sessions;
    totals.latencies[index].push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

unsigned arg(int argc, char** argv, const char* name, unsigned fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == name) return static_cast<unsigned>(std::stoul(argv[i + 1]));
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  s.devices = arg(argc, argv, "--devices", s.devices);
  s.concurrency = std::max(1u, arg(argc, argv, "--concurrency", s.concurrency));
  s.seconds = arg(argc, argv, "--seconds", s.seconds);
  s.params = std::max(1u, arg(argc, argv, "--params", s.params));
  s.threads = std::max(1u, arg(argc, argv, "--threads", s.threads));
  s.stored_devices = arg(argc, argv, "--stored-devices", s.stored_devices);
  s.prefill_writers = std::max(1u, arg(argc, argv, "--prefill-writers", s.prefill_writers));
  if (s.stored_devices > 0) s.devices = std::min(s.devices, s.stored_devices);
  spdlog::set_level(spdlog::level::warn);

  const auto dir = bench::fresh_data_dir();
  acs_app::AcsConfig config = bench::acs_config(dir, s.threads);
  config.max_sessions = 100'000;
  int status = 0;
  {
    const std::set<pid_t> before_app = bench::thread_ids();
    acs_app::AcsApp app(config);
    const std::set<pid_t> store_pool = bench::minus(bench::thread_ids(), before_app);
    const auto ports = app.start();
    const std::set<pid_t> acs_threads = bench::minus(bench::thread_ids(), before_app);
    const std::set<pid_t> event_loop = bench::minus(acs_threads, store_pool);
    const std::string url = "http://127.0.0.1:" + std::to_string(ports.cwmp) + "/";

    double prefill_seconds = 0;
    if (s.stored_devices > 0) {
      const auto start = Clock::now();
      prefill(app.store(), s.stored_devices, s.params, s.prefill_writers);
      prefill_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    }

    Totals totals;
    totals.latencies.resize(s.concurrency);
    asio::io_context client;
    const auto until = Clock::now() + std::chrono::seconds(s.seconds);
    for (unsigned i = 0; i < s.concurrency; ++i) {
      asio::co_spawn(client, worker(i, s, url, until, totals), asio::detached);
    }
    const double loop_cpu_before = bench::cpu_seconds(event_loop);
    const double pool_cpu_before = bench::cpu_seconds(store_pool);
    const auto started = Clock::now();
    client.run();
    const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
    const double loop_cpu = bench::cpu_seconds(event_loop) - loop_cpu_before;
    const double pool_cpu = bench::cpu_seconds(store_pool) - pool_cpu_before;
    const double per_session =
        1e6 / static_cast<double>(std::max<std::uint64_t>(1, totals.sessions.load()));
    std::vector<double> all;
    for (auto& v : totals.latencies) all.insert(all.end(), v.begin(), v.end());
    const double p50 = percentile(all, 0.50);
    const double p99 = percentile(all, 0.99);
    std::printf(
        "devices=%u concurrency=%u params=%u acs_threads=%u seconds=%.1f sessions=%llu "
        "errors=%llu sessions_per_s=%.0f p50_ms=%.2f p99_ms=%.2f stored_devices=%u "
        "prefill_s=%.1f acs_cpu_us_per_session=%.0f acs_loop_cpu_us_per_session=%.0f "
        "acs_pool_cpu_us_per_session=%.0f\n",
        s.devices, s.concurrency, s.params, s.threads, elapsed,
        static_cast<unsigned long long>(totals.sessions.load()),
        static_cast<unsigned long long>(totals.errors.load()),
        static_cast<double>(totals.sessions.load()) / elapsed, p50, p99, s.stored_devices,
        prefill_seconds, (loop_cpu + pool_cpu) * per_session, loop_cpu * per_session,
        pool_cpu * per_session);
    status = totals.errors.load() == 0 && totals.sessions.load() > 0 ? 0 : 1;
    app.stop();
    app.wait();
  }
  std::filesystem::remove_all(dir);
  return status;
}
