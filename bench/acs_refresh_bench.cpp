// What a large refresh costs the ACS: cwmp-acs assembled in-process (acs_app) with its
// NBI, and one CPE client in the same process whose data model has P parameters. For
// each run the bench registers a fresh device (a bootstrap session), posts the NBI task
// {"name": "refreshObject", "objectName": ""} (the whole data model), then opens the
// device's session: Inform (401, then Digest), empty POST, and it answers what the ACS
// asks: GetParameterNames of "" with NextLevel false (every object and parameter), then
// GetParameterValues of the parameters in batches of --batch (the ACS's refresh_batch),
// until the ACS's 204.
//
// Measured per run, from the first Inform to the 204: wall time, CPU of the ACS's own
// threads (event loop and store pool; the client thread is not counted), bytes each way,
// and the store's share, replayed: the same record_parameters calls the session makes
// (names with the removal of the old subtree, then each batch of values) on another fresh
// device, timed alone. One line per P with the medians of --repeat runs (bench/README.md).
//
//   bench_acs_refresh [--params P[,P...]] [--repeat R] [--threads T] [--batch B]
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
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

constexpr unsigned kParamsPerObject = 50;
constexpr auto kTimeout = std::chrono::seconds(60);

struct Settings {
  std::vector<unsigned> params{5000};
  unsigned repeat = 5;
  unsigned threads = 1;
  unsigned batch = 256;
};

// --- the CPE's data model -------------------------------------------------------------------

// Device.DeviceInfo.SoftwareVersion and P-1 parameters in objects of 50:
// Device.X_Bench.Obj.<k>.Value<j>, alternately strings and unsigned integers.
struct DataModel {
  std::vector<cwmp::ParameterInfo> names;  // objects and parameters, in tree order
  std::map<std::string, cwmp::ParameterValue, std::less<>> values;

  explicit DataModel(unsigned params) {
    add_object("Device.");
    add_object("Device.DeviceInfo.");
    add_leaf("Device.DeviceInfo.SoftwareVersion", "1.0.0", cwmp::ValueType::kString);
    add_object("Device.X_Bench.");
    add_object("Device.X_Bench.Obj.");
    for (unsigned i = 1; i < params; ++i) {
      const unsigned object = (i - 1) / kParamsPerObject + 1;
      const unsigned index = (i - 1) % kParamsPerObject + 1;
      const std::string prefix = "Device.X_Bench.Obj." + std::to_string(object) + ".";
      if (index == 1) add_object(prefix);
      if (i % 2 == 0) {
        add_leaf(prefix + "Value" + std::to_string(index), std::to_string(i * 7919u),
                 cwmp::ValueType::kUnsignedInt);
      } else {
        add_leaf(prefix + "Value" + std::to_string(index), "value-" + std::to_string(i),
                 cwmp::ValueType::kString);
      }
    }
  }

  void add_object(std::string path) { names.push_back({std::move(path), false}); }
  void add_leaf(const std::string& path, std::string value, cwmp::ValueType type) {
    names.push_back({path, true});
    values.emplace(path, cwmp::ParameterValue{path, std::move(value), type});
  }

  // GetParameterValues: a full name, or a partial path (ending in '.') for its subtree.
  std::vector<cwmp::ParameterValue> get(const std::vector<std::string>& requested) const {
    std::vector<cwmp::ParameterValue> out;
    for (const std::string& name : requested) {
      if (name.empty() || name.back() == '.') {
        for (auto it = values.lower_bound(name);
             it != values.end() && it->first.compare(0, name.size(), name) == 0; ++it) {
          out.push_back(it->second);
        }
      } else if (auto it = values.find(name); it != values.end()) {
        out.push_back(it->second);
      }
    }
    return out;
  }
};

// --- the CPE side of a session --------------------------------------------------------------

std::string encode_or_throw(cwmp::Body body, std::optional<std::string> id) {
  cwmp::Header header;
  header.id = std::move(id);
  auto encoded = cwmp::encode(cwmp::Envelope{cwmp::CwmpVersion::k1_2, header, std::move(body)});
  if (!encoded) throw std::runtime_error("encode: " + encoded.error().message);
  return std::move(encoded.value());
}

std::string inform_body(const cwmp::DeviceId& device, const char* event) {
  cwmp::Inform m;
  m.device_id = device;
  m.event = {{event, ""}};
  m.max_envelopes = 1;
  m.current_time = cwmp::DateTime{};
  m.parameter_list.push_back(
      {"Device.DeviceInfo.SoftwareVersion", "1.0.0", cwmp::ValueType::kString});
  return encode_or_throw(std::move(m), "1");
}

struct SessionFigures {
  std::uint64_t cpe_to_acs_bytes = 0;  // HTTP bodies the CPE sent
  std::uint64_t acs_to_cpe_bytes = 0;  // HTTP bodies the ACS answered
  unsigned rpcs = 0;                   // ACS requests answered
};

// The reply to one ACS request, or nullopt for a request this bench does not serve.
std::optional<std::string> answer(const cwmp::Envelope& request, const DataModel& model) {
  if (const auto* gpn = std::get_if<cwmp::GetParameterNames>(&request.body)) {
    if (!gpn->parameter_path.empty() || gpn->next_level) return std::nullopt;
    cwmp::GetParameterNamesResponse r;
    r.parameter_list = model.names;
    return encode_or_throw(std::move(r), request.header.id);
  }
  if (const auto* gpv = std::get_if<cwmp::GetParameterValues>(&request.body)) {
    cwmp::GetParameterValuesResponse r;
    r.parameter_list = model.get(gpv->parameter_names);
    return encode_or_throw(std::move(r), request.header.id);
  }
  return std::nullopt;
}

// One session: Inform (401, Digest, InformResponse), empty POST, then the ACS's requests
// answered until its 204. Throws on anything unexpected.
asio::awaitable<SessionFigures> session(std::string url, std::string inform,
                                        const DataModel& model) {
  // Arguments are named locals: GCC 12 miscompiles temporaries built inside co_await calls.
  const auto executor = co_await asio::this_coro::executor;
  net::ClientOptions options;
  options.body_limit = 64 * 1024 * 1024;
  net::HttpConnection c(executor, options);
  SessionFigures figures;
  const net::Headers none;
  const std::chrono::milliseconds timeout = kTimeout;
  auto first = co_await c.request(url, http::verb::post, none, inform, timeout);
  const auto www = first.response.find(http::field::www_authenticate);
  if (first.status() != 401 || www == first.response.end()) {
    throw std::runtime_error("no Digest challenge: " + first.message);
  }
  auto challenge = cwmp::auth::parse_www_authenticate(std::string(www->value()));
  if (!challenge) throw std::runtime_error("bad challenge");
  cwmp::auth::DigestClient digest(bench::kCpeUsername, bench::kCpePassword, bench::random_bytes);
  digest.set_challenge(challenge->digest);
  net::Headers headers;
  headers.emplace_back("Authorization", *digest.authorization("POST", "/"));
  figures.cpe_to_acs_bytes += 2 * inform.size();
  auto reply = co_await c.request(url, http::verb::post, headers, inform, timeout);
  if (reply.status() != 200) throw std::runtime_error("Inform refused: " + reply.message);
  figures.acs_to_cpe_bytes += reply.response.body().size();
  net::Headers cookie;
  if (auto ck = reply.response.find(http::field::set_cookie); ck != reply.response.end()) {
    const std::string v(ck->value());
    cookie.emplace_back("Cookie", v.substr(0, v.find(';')));
  }
  std::string body;  // empty POST first, then each answer
  for (;;) {
    figures.cpe_to_acs_bytes += body.size();
    reply = co_await c.request(url, http::verb::post, cookie, body, timeout);
    if (reply.status() == 204) break;
    if (reply.status() != 200) throw std::runtime_error("ACS answered " + reply.message);
    figures.acs_to_cpe_bytes += reply.response.body().size();
    auto decoded = cwmp::decode(reply.response.body());
    if (!decoded) throw std::runtime_error("decode: " + decoded.error().message);
    auto next = answer(decoded->envelope, model);
    if (!next) throw std::runtime_error("unexpected ACS request");
    body = std::move(*next);
    ++figures.rpcs;
  }
  co_return figures;
}

// Queues the refresh of the whole data model through the NBI; returns the task's id.
asio::awaitable<std::int64_t> post_refresh(std::string nbi, std::string device_id) {
  const auto executor = co_await asio::this_coro::executor;
  // A device id's '%' escapes are themselves escaped in the URL (docs/nbi.md).
  std::string escaped;
  for (const char ch : device_id) escaped += ch == '%' ? std::string("%25") : std::string(1, ch);
  const std::string url = nbi + "/devices/" + escaped + "/tasks";
  const std::string task = R"({"name": "refreshObject", "objectName": ""})";
  const net::Headers none;
  const std::chrono::milliseconds timeout = kTimeout;
  const net::ClientOptions options;
  auto r =
      co_await net::http_request(executor, url, http::verb::post, none, task, timeout, options);
  if (r.status() != 202) throw std::runtime_error("NBI refused the task: " + r.response.body());
  const auto doc = boost::json::parse(r.response.body());
  co_return std::stoll(std::string(doc.at("_id").as_string()));
}

// --- the store's share, replayed --------------------------------------------------------------

acs::Millis now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The store calls of the refresh session for `model` (what AcsSession's effects carry:
// the names with the old subtree removed, then one call per batch of values), on a fresh
// device registered just before. Returns their wall time in seconds.
double replay_store_writes(store::Store& store, const cwmp::DeviceId& device,
                           const DataModel& model, unsigned batch) {
  acs::InformRecord inform;
  inform.device = device;
  inform.device_id = acs::make_device_id(device);
  inform.events = {{"0 BOOTSTRAP", ""}};
  inform.received = now_ms();
  inform.parameters.push_back(acs::ParameterUpdate{
      "Device.DeviceInfo.SoftwareVersion", "1.0.0", cwmp::ValueType::kString, {}, {}, {}});
  store.record_inform(inform);

  std::vector<acs::ParameterUpdate> names;
  std::vector<std::vector<acs::ParameterUpdate>> batches(1);
  for (const cwmp::ParameterInfo& p : model.names) {
    names.push_back(acs::ParameterUpdate{p.name, {}, {}, p.writable, {}, {}});
    if (p.name.back() == '.') continue;
    if (batches.back().size() == batch) batches.emplace_back();
    const cwmp::ParameterValue& v = model.values.at(p.name);
    batches.back().push_back(acs::ParameterUpdate{v.name, v.value, v.type, {}, {}, {}});
  }
  const std::vector<std::string> removed{"Device."};
  const std::vector<std::string> nothing;
  const auto start = Clock::now();
  store.record_parameters(inform.device_id, names, removed, now_ms());
  for (const auto& values : batches)
    store.record_parameters(inform.device_id, values, nothing, now_ms());
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// --- the runs ----------------------------------------------------------------------------------

struct Run {
  double wall_ms = 0;
  double acs_cpu_ms = 0;
  double loop_cpu_ms = 0;
  double pool_cpu_ms = 0;
  double store_ms = 0;
  SessionFigures figures;
};

struct Bench {
  const Settings& settings;
  acs_app::AcsApp& app;
  std::string cwmp_url;
  std::string nbi_url;
  std::set<pid_t> event_loop;
  std::set<pid_t> store_pool;
  std::map<unsigned, std::vector<Run>> runs;  // by P

  asio::awaitable<void> all() {
    for (const unsigned params : settings.params) {
      const DataModel model(params);
      for (unsigned r = 0; r < settings.repeat; ++r) {
        Run run = co_await one(model, params, r);
        runs[params].push_back(run);
      }
    }
  }

  asio::awaitable<Run> one(const DataModel& model, unsigned params, unsigned r) {
    const std::string serial = "P" + std::to_string(params) + "R" + std::to_string(r);
    const cwmp::DeviceId device{"BenchCo", "00BE7C", "HGW", serial};
    const DataModel small(1);
    // First contact (nothing queued yet: Inform, empty POST, 204), then the task.
    const std::string bootstrap = inform_body(device, "0 BOOTSTRAP");
    co_await session(cwmp_url, bootstrap, small);
    const std::int64_t task_id = co_await post_refresh(nbi_url, acs::make_device_id(device));

    const std::string inform = inform_body(device, "6 CONNECTION REQUEST");
    Run run;
    const double loop_before = bench::cpu_seconds(event_loop);
    const double pool_before = bench::cpu_seconds(store_pool);
    const auto start = Clock::now();
    run.figures = co_await session(cwmp_url, inform, model);
    run.wall_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    run.loop_cpu_ms = (bench::cpu_seconds(event_loop) - loop_before) * 1e3;
    run.pool_cpu_ms = (bench::cpu_seconds(store_pool) - pool_before) * 1e3;
    run.acs_cpu_ms = run.loop_cpu_ms + run.pool_cpu_ms;

    // The task must be done, or the figures measured something else. (A blocking store
    // call on the client's thread: the ACS's own threads are not involved.)
    const auto task = app.store().get_task(task_id);
    if (!task || task->state != acs::TaskState::kDone) {
      throw std::runtime_error("the refresh task did not complete");
    }
    const cwmp::DeviceId shadow{"BenchCo", "00BE7C", "HGW", serial + "S"};
    run.store_ms = replay_store_writes(app.store(), shadow, model, settings.batch) * 1e3;
    co_return run;
  }
};

template <typename F>
double median(std::vector<Run> runs, F field) {
  std::vector<double> v;
  for (const Run& r : runs) v.push_back(static_cast<double>(field(r)));
  std::sort(v.begin(), v.end());
  if (v.empty()) return 0;
  return v.size() % 2 == 1 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

std::string arg(int argc, char** argv, const char* name, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == name) return argv[i + 1];
  }
  return fallback;
}

std::vector<unsigned> unsigned_list(const std::string& text) {
  std::vector<unsigned> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    out.push_back(std::max(1u, static_cast<unsigned>(std::stoul(item))));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  s.params = unsigned_list(arg(argc, argv, "--params", "5000"));
  s.repeat = std::max(1u, static_cast<unsigned>(std::stoul(arg(argc, argv, "--repeat", "5"))));
  s.threads = std::max(1u, static_cast<unsigned>(std::stoul(arg(argc, argv, "--threads", "1"))));
  s.batch = std::max(1u, static_cast<unsigned>(std::stoul(arg(argc, argv, "--batch", "256"))));
  spdlog::set_level(spdlog::level::warn);

  const auto dir = bench::fresh_data_dir();
  acs_app::AcsConfig config = bench::acs_config(dir, s.threads);
  config.nbi_listen = "127.0.0.1:0";
  config.refresh_batch = s.batch;
  int status = 0;
  {
    const std::set<pid_t> before_app = bench::thread_ids();
    acs_app::AcsApp app(config);
    const std::set<pid_t> store_pool = bench::minus(bench::thread_ids(), before_app);
    const auto ports = app.start();
    const std::set<pid_t> event_loop =
        bench::minus(bench::minus(bench::thread_ids(), before_app), store_pool);

    Bench bench{s,
                app,
                "http://127.0.0.1:" + std::to_string(ports.cwmp) + "/",
                "http://127.0.0.1:" + std::to_string(ports.nbi),
                event_loop,
                store_pool,
                {}};
    asio::io_context client;
    std::exception_ptr failure;
    asio::co_spawn(client, bench.all(), [&](std::exception_ptr e) { failure = e; });
    client.run();
    if (failure) {
      try {
        std::rethrow_exception(failure);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_acs_refresh: %s\n", e.what());
      }
      status = 1;
    }
    for (const auto& [params, runs] : bench.runs) {
      std::printf(
          "params=%u repeat=%zu batch=%u acs_threads=%u rpcs=%.0f wall_ms=%.1f acs_cpu_ms=%.1f "
          "acs_loop_cpu_ms=%.1f acs_pool_cpu_ms=%.1f cpe_to_acs_bytes=%.0f "
          "acs_to_cpe_bytes=%.0f store_write_ms=%.1f\n",
          params, runs.size(), s.batch, s.threads,
          median(runs, [](const Run& r) { return r.figures.rpcs; }),
          median(runs, [](const Run& r) { return r.wall_ms; }),
          median(runs, [](const Run& r) { return r.acs_cpu_ms; }),
          median(runs, [](const Run& r) { return r.loop_cpu_ms; }),
          median(runs, [](const Run& r) { return r.pool_cpu_ms; }),
          median(runs, [](const Run& r) { return r.figures.cpe_to_acs_bytes; }),
          median(runs, [](const Run& r) { return r.figures.acs_to_cpe_bytes; }),
          median(runs, [](const Run& r) { return r.store_ms; }));
    }
    app.stop();
    app.wait();
  }
  std::filesystem::remove_all(dir);
  return status;
}
