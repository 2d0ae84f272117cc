// The NBI over real sockets on 127.0.0.1: net::HttpServer + acs::Nbi on an in-memory SQLite
// store seeded with Informs, a file repository in a temporary directory, and a fake connection
// request function (counts calls; can make a "CPE" thread run the device's next task).
#include <algorithm>
#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <random>

#include "acs/device_id.hpp"
#include "acs/files.hpp"
#include "acs/metrics.hpp"
#include "acs/nbi.hpp"
#include "nbi_reply.hpp"
#include "net_test_support.hpp"
#include "store/sqlite_store.hpp"

namespace {

using namespace net_test;
namespace json = boost::json;

acs::Millis system_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

using Reply = test_support::NbiReply;

std::string encode(std::string_view text) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto b = static_cast<unsigned char>(c);
    if (std::isalnum(b) || b == '-' || b == '_' || b == '.' || b == '~') {
      out.push_back(c);
    } else {
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 0xF];
    }
  }
  return out;
}

std::vector<std::string> sorted(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  return ids;
}

const std::string kDevice1 = "00AABB-HGW-SN1";
const std::string kDevice2 = "00AABB-HGW-SN2";
const std::string kDevice3 = "00AABB-HGW-SN%2D3";  // serial "SN-3": GenieACS escapes the '-'
constexpr std::string_view kFilesBase = "http://files.example.net:7567";

class NbiApi : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device random;
    directory_ = std::filesystem::temp_directory_path() /
                 ("nbi_api_test_" + std::to_string(random()) + std::to_string(random()));
    store_ = store::open_sqlite(":memory:");
    files_ = std::make_unique<acs::FileRepository>(*store_, directory_);
    acs::declare_acs_metrics(metrics_);
    add_device("SN1", "1.0", 100);
    add_device("SN2", "2.0", 200);
    add_device("SN-3", "2.1", 300, true);
    store_->add_tag(kDevice1, "lab");
  }

  void TearDown() override {
    if (server_) {
      std::promise<void> stopped;
      server_->stop(0ms, [&stopped] { stopped.set_value(); });
      stopped.get_future().wait_for(10s);
    }
    work_.reset();
    if (thread_.joinable()) thread_.join();
    for (std::thread& t : cpe_threads_) t.join();
    pool_.join();
    nbi_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }

  void add_device(const std::string& serial, const std::string& version, int uptime,
                  bool extra = false) {
    acs::InformRecord r;
    r.device = {"ExampleCo", "00AABB", "HGW", serial};
    r.device_id = acs::make_device_id(r.device);
    r.events = {{"0 BOOTSTRAP", ""}, {"1 BOOT", ""}};
    r.parameters.push_back(
        {"Device.DeviceInfo.SoftwareVersion", version, cwmp::ValueType::kString, false, {}, {}});
    r.parameters.push_back({"Device.DeviceInfo.UpTime",
                            std::to_string(uptime),
                            cwmp::ValueType::kUnsignedInt,
                            false,
                            {},
                            {}});
    if (extra) {
      r.parameters.push_back(
          {"Device.DeviceInfo.X_Extra", "x", cwmp::ValueType::kString, true, {}, {}});
    }
    r.received = system_now();
    store_->record_inform(r);
  }

  void start(acs::NbiOptions options = {}) {
    if (options.files_base_url.empty()) options.files_base_url = std::string(kFilesBase) + "/";
    token_ = options.token;
    acs::ConnectionRequestFn cr =
        [this](std::string device_id) -> asio::awaitable<acs::ConnectionRequestOutcome> {
      ++cr_calls_;
      if (cpe_answers_) {
        // Runs on the event loop: the "CPE" works in its own thread, as a session would.
        cpe_threads_.emplace_back([this, device_id] { run_next_task(device_id); });
      }
      co_return cr_outcome_;
    };
    nbi_ = std::make_unique<acs::Nbi>(*store_, pool_.get_executor(), *files_, std::move(cr),
                                      metrics_, std::move(options));
    server_ = std::make_unique<net::HttpServer>(
        io_, [this](net::Request& request, const net::ConnectionInfo& connection) {
          return nbi_->handle(request, connection);
        });
    port_ = server_->listen("127.0.0.1:0");
    thread_ = std::thread([this] { io_.run(); });
  }

  // The device's session: its next task is sent and answered.
  void run_next_task(const std::string& device_id) {
    const acs::Millis now = system_now();
    const std::optional<acs::Task> task = store_->next_task(device_id, now);
    if (!task) return;
    store_->mark_task_sent(task->id, now);
    store_->complete_task(
        task->id,
        json::object{
            {"parameterValues", json::array{json::value(json::array{"Device.DeviceInfo.UpTime",
                                                                    "101", "xsd:unsignedInt"})}}},
        {}, {}, now);
  }

  Reply call(http::verb verb, const std::string& path, std::string body = {},
             net::Headers headers = {}, bool with_token = true) {
    if (with_token && !token_.empty()) headers.emplace_back("Authorization", "Bearer " + token_);
    const std::string url = "http://127.0.0.1:" + std::to_string(port_) + path;
    net::ClientResult result =
        asio::co_spawn(io_,
                       net::http_request(io_.get_executor(), url, verb, std::move(headers),
                                         std::move(body), 10s),
                       asio::use_future)
            .get();
    EXPECT_TRUE(result.ok()) << result.message;
    Reply r;
    r.status = result.status();
    r.reason = std::string(result.response.reason());
    r.body = result.response.body();
    r.message = std::move(result.response);
    return r;
  }
  Reply get(const std::string& path) { return call(http::verb::get, path); }

  // Sends bytes as they are and reads one response.
  std::optional<net::HttpResponse> run_raw(std::string request) {
    return asio::co_spawn(
               io_,
               [this, request]() -> asio::awaitable<std::optional<net::HttpResponse>> {
                 RawPtr raw = co_await raw_connect(port_);
                 if (!co_await raw_send(raw, request)) co_return std::nullopt;
                 co_return co_await raw_read(raw);
               },
               asio::use_future)
        .get();
  }

  // The ids of GET /devices/?query=<query>, sorted.
  std::vector<std::string> ids(const std::string& query) {
    const Reply r = get("/devices/?query=" + encode(query) + "&projection=_id");
    EXPECT_EQ(r.status, 200u) << query << " -> " << r.body;
    std::vector<std::string> out;
    if (r.status != 200) return out;
    const json::value list = r.json();
    for (const json::value& d : list.as_array()) {
      out.emplace_back(d.at("_id").as_string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  json::object post_task(const std::string& device, const std::string& task,
                         unsigned expected_status = 202) {
    const Reply r = call(http::verb::post, "/devices/" + encode(device) + "/tasks", task);
    EXPECT_EQ(r.status, expected_status) << r.body;
    return r.status == expected_status && r.status < 300 ? r.json().as_object() : json::object{};
  }

  std::filesystem::path directory_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<acs::FileRepository> files_;
  acs::Metrics metrics_;
  asio::thread_pool pool_{1};  // the store executor
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      io_.get_executor()};
  std::thread thread_;
  std::unique_ptr<acs::Nbi> nbi_;
  std::unique_ptr<net::HttpServer> server_;
  std::uint16_t port_ = 0;
  std::string token_;

  std::atomic<int> cr_calls_{0};
  acs::ConnectionRequestOutcome cr_outcome_{acs::ConnectionRequestResult::kAccepted, "200 OK", 200};
  bool cpe_answers_ = false;
  std::vector<std::thread> cpe_threads_;
};

// ---- devices ----------------------------------------------------------------------------------

TEST_F(NbiApi, DeviceQueryOperators) {
  start();
  EXPECT_EQ(ids("{}").size(), 3u);
  EXPECT_EQ(ids(R"({"Device.DeviceInfo.SoftwareVersion": "1.0"})"), sorted({kDevice1}));
  EXPECT_EQ(ids(R"({"Device.DeviceInfo.SoftwareVersion": {"$ne": "1.0"}})"),
            sorted({kDevice2, kDevice3}));
  EXPECT_EQ(ids(R"({"Device.DeviceInfo.UpTime": {"$gt": 100}})"), sorted({kDevice2, kDevice3}));
  EXPECT_EQ(ids(R"({"Device.DeviceInfo.UpTime": {"$gte": 200}})"), sorted({kDevice2, kDevice3}));
  EXPECT_EQ(ids(R"({"Device.DeviceInfo.UpTime": {"$lt": 200}})"), sorted({kDevice1}));
  EXPECT_EQ(ids(R"({"Device.DeviceInfo.UpTime": {"$lte": "200"}})"), sorted({kDevice1, kDevice2}));
  EXPECT_EQ(ids(R"({"_id": {"$in": [")" + kDevice1 + R"(", ")" + kDevice3 + R"("]}})"),
            sorted({kDevice1, kDevice3}));
  EXPECT_EQ(ids(R"({"_id": {"$nin": [")" + kDevice1 + R"("]}})"), sorted({kDevice2, kDevice3}));
  EXPECT_EQ(ids(R"({"Device.DeviceInfo.SoftwareVersion": {"$regex": "^2\\."}})"),
            sorted({kDevice2, kDevice3}));
  EXPECT_EQ(ids(R"({"_deviceId._SerialNumber": {"$regex": "^sn-", "$options": "i"}})"),
            sorted({kDevice3}));
  EXPECT_EQ(ids(R"({"Device.DeviceInfo.X_Extra": {"$exists": true}})"), sorted({kDevice3}));
  EXPECT_EQ(ids(R"({"Device.DeviceInfo.X_Extra": {"$exists": false}})"),
            sorted({kDevice1, kDevice2}));
  EXPECT_EQ(ids(R"({"$and": [{"Device.DeviceInfo.UpTime": {"$gt": 100}},
                             {"Device.DeviceInfo.SoftwareVersion": "2.0"}]})"),
            sorted({kDevice2}));
  EXPECT_EQ(ids(R"({"$or": [{"_tags": "lab"}, {"_deviceId._SerialNumber": "SN-3"}]})"),
            sorted({kDevice1, kDevice3}));
  EXPECT_EQ(ids(R"({"_tags": "lab"})"), sorted({kDevice1}));
}

TEST_F(NbiApi, DeviceProjectionSortAndPaging) {
  start();
  const Reply r = get("/devices/?query=" + encode("{}") +
                      "&projection=Device.DeviceInfo.SoftwareVersion&sort=" +
                      encode(R"({"Device.DeviceInfo.UpTime": -1})") + "&skip=1&limit=1");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("X-Total-Count"), "3");
  EXPECT_EQ(r.header("total"), "3");  // GenieACS's header
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  const json::array docs = r.json().as_array();
  ASSERT_EQ(docs.size(), 1u);
  const json::object& d = docs[0].as_object();
  EXPECT_EQ(d.at("_id").as_string(), kDevice2);  // uptimes 300, 200, 100: skip one
  const json::object& info = d.at("Device").at("DeviceInfo").as_object();
  EXPECT_EQ(info.at("SoftwareVersion").at("_value").as_string(), "2.0");
  EXPECT_FALSE(info.contains("UpTime"));

  const Reply asc = get("/devices/?sort=" + encode(R"({"Device.DeviceInfo.UpTime": 1})"));
  ASSERT_EQ(asc.status, 200u);
  ASSERT_EQ(asc.json().as_array().size(), 3u);
  EXPECT_EQ(asc.json().as_array()[0].at("_id").as_string(), kDevice1);

  EXPECT_EQ(get("/devices/?limit=10001").status, 400u);
  EXPECT_EQ(get("/devices/?skip=-1").status, 400u);
  EXPECT_EQ(get("/devices/?sort=" + encode(R"({"_id": 2})")).status, 400u);
}

TEST_F(NbiApi, HeadCountsWithoutBody) {
  start();
  const Reply r =
      call(http::verb::head,
           "/devices/?query=" + encode(R"({"Device.DeviceInfo.UpTime": {"$gt": 100}})"));
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.header("X-Total-Count"), "2");
  EXPECT_TRUE(r.body.empty());
}

TEST_F(NbiApi, BadQueriesAreJson400) {
  start();
  Reply r = get("/devices/?query=" + encode("{not json"));
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.json().at("status").as_int64(), 400);

  r = get("/devices/?query=" + encode(R"({"Device.X": {"$near": 1}})"));
  EXPECT_EQ(r.status, 400u);
  const std::string error(r.json().at("error").as_string());
  EXPECT_NE(error.find("$near"), std::string::npos) << error;  // names the position

  r = get("/tasks/?query=" + encode(R"({"device": {"$foo": 1}})"));
  EXPECT_EQ(r.status, 400u);
}

TEST_F(NbiApi, GetAndDeleteDevice) {
  start();
  Reply r = get("/devices/" + encode(kDevice3));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json().at("_id").as_string(), kDevice3);
  EXPECT_EQ(call(http::verb::delete_, "/devices/" + encode(kDevice3)).status, 200u);
  EXPECT_EQ(get("/devices/" + encode(kDevice3)).status, 404u);
  EXPECT_EQ(call(http::verb::delete_, "/devices/" + encode(kDevice3)).status, 404u);
  EXPECT_EQ(ids("{}").size(), 2u);
}

TEST_F(NbiApi, Tags) {
  start();
  EXPECT_EQ(call(http::verb::post, "/devices/" + encode(kDevice2) + "/tags/new%20tag").status,
            200u);
  EXPECT_EQ(ids(R"({"_tags": "new tag"})"), std::vector<std::string>{kDevice2});
  EXPECT_EQ(call(http::verb::delete_, "/devices/" + encode(kDevice2) + "/tags/new%20tag").status,
            200u);
  EXPECT_TRUE(ids(R"({"_tags": "new tag"})").empty());
  EXPECT_EQ(call(http::verb::post, "/devices/00AABB-HGW-NOPE/tags/x").status, 404u);
  EXPECT_EQ(call(http::verb::get, "/devices/" + encode(kDevice2) + "/tags/x").status, 405u);
}

// ---- tasks ------------------------------------------------------------------------------------

TEST_F(NbiApi, PostTaskQueues) {
  start();
  const json::object task = post_task(kDevice3, R"({"name": "getParameterValues",
                              "parameterNames": ["Device.DeviceInfo.UpTime"]})");
  ASSERT_FALSE(task.empty());
  EXPECT_EQ(task.at("device").as_string(), kDevice3);  // the path's %25 decoded once
  EXPECT_EQ(task.at("name").as_string(), "getParameterValues");
  EXPECT_EQ(task.at("status").as_string(), "queued");
  EXPECT_EQ(task.at("parameterNames").as_array().size(), 1u);
  EXPECT_TRUE(task.at("_id").is_string());
  EXPECT_TRUE(task.at("timestamp").is_string());
  EXPECT_FALSE(task.contains("expiry"));
  EXPECT_EQ(cr_calls_, 0);

  const std::optional<acs::Task> stored =
      store_->get_task(std::stoll(std::string(task.at("_id").as_string())));
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->device_id, kDevice3);

  // GenieACS's expiry: seconds from now.
  const json::object expiring = post_task(kDevice1, R"({"name": "reboot", "expiry": 60})");
  ASSERT_TRUE(expiring.contains("expiry"));
}

TEST_F(NbiApi, BadTasksAreRefused) {
  start();
  post_task(kDevice1, R"({"name": "getParameterValues"})", 400);  // no parameterNames
  post_task(kDevice1, R"({"name": "frobnicate"})", 400);
  post_task(kDevice1, R"({"parameterNames": []})", 400);
  post_task(kDevice1, "{nope", 400);
  post_task(kDevice1, R"(["reboot"])", 400);
  post_task(kDevice1, R"({"name": "setParameterValues", "parameterValues": [["A.B", {}]]})", 400);
  post_task("00AABB-HGW-NOPE", R"({"name": "reboot"})", 404);
  EXPECT_TRUE(store_->list_tasks({}).empty());
}

TEST_F(NbiApi, ConnectionRequestWaitsForTheResult) {
  cpe_answers_ = true;
  start();
  const Reply r = call(http::verb::post,
                       "/devices/" + encode(kDevice1) + "/tasks?connection_request&timeout=5000",
                       R"({"name": "getParameterValues",
                           "parameterNames": ["Device.DeviceInfo.UpTime"]})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(cr_calls_, 1);
  EXPECT_EQ(r.header("X-Connection-Request"), "accepted: 200 OK");
  const json::object task = r.json().as_object();
  EXPECT_EQ(task.at("status").as_string(), "done");
  EXPECT_EQ(task.at("result").at("parameterValues").as_array()[0].as_array()[1].as_string(), "101");
}

TEST_F(NbiApi, ConnectionRequestTimeoutLeavesTheTaskQueued) {
  start();
  const auto begin = std::chrono::steady_clock::now();
  const Reply r = call(http::verb::post,
                       "/devices/" + encode(kDevice1) + "/tasks?connection_request&timeout=150",
                       R"({"name": "reboot"})");
  const auto elapsed = std::chrono::steady_clock::now() - begin;
  EXPECT_EQ(r.status, 202u) << r.body;
  EXPECT_EQ(r.reason, "Task queued but not processed");
  EXPECT_EQ(r.json().at("status").as_string(), "queued");
  EXPECT_GE(elapsed, 150ms);
  EXPECT_EQ(cr_calls_, 1);
}

TEST_F(NbiApi, TimeoutIsBoundedByMaxWait) {
  acs::NbiOptions options;
  options.max_wait = 200ms;
  start(options);
  const auto begin = std::chrono::steady_clock::now();
  const Reply r = call(http::verb::post,
                       "/devices/" + encode(kDevice1) + "/tasks?connection_request&timeout=600000",
                       R"({"name": "reboot"})");
  EXPECT_EQ(r.status, 202u);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 5s);
}

TEST_F(NbiApi, ConnectionRequestFailureIsReported) {
  cr_outcome_ = {acs::ConnectionRequestResult::kUnreachable, "no route to device", 0};
  start();
  const Reply r = call(http::verb::post,
                       "/devices/" + encode(kDevice2) + "/tasks?connection_request&timeout=3000",
                       R"({"name": "reboot"})");
  EXPECT_EQ(r.status, 202u);
  EXPECT_EQ(r.reason, "Task queued but not processed");
  EXPECT_EQ(r.header("X-Connection-Request"), "unreachable: no route to device");
  EXPECT_EQ(r.json().at("status").as_string(), "queued");

  // No body: only the connection request (GenieACS answers 504 when it fails).
  const Reply only =
      call(http::verb::post, "/devices/" + encode(kDevice2) + "/tasks?connection_request");
  EXPECT_EQ(only.status, 504u);
  EXPECT_EQ(only.header("X-Connection-Request"), "unreachable: no route to device");
  EXPECT_EQ(cr_calls_, 2);
}

TEST_F(NbiApi, ConnectionRequestOnly) {
  start();
  Reply r = call(http::verb::post, "/devices/" + encode(kDevice2) + "/tasks?connection_request");
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(cr_calls_, 1);
  EXPECT_EQ(r.header("X-Connection-Request"), "accepted: 200 OK");

  // A task with a connection request but no timeout: 202 once the request is out.
  r = call(http::verb::post, "/devices/" + encode(kDevice2) + "/tasks?connection_request",
           R"({"name": "reboot"})");
  EXPECT_EQ(r.status, 202u) << r.body;
  EXPECT_EQ(r.header("X-Connection-Request"), "accepted: 200 OK");
  EXPECT_EQ(cr_calls_, 2);
  EXPECT_EQ(call(http::verb::post, "/devices/00AABB-HGW-NOPE/tasks?connection_request").status,
            404u);
  EXPECT_EQ(call(http::verb::post, "/devices/" + encode(kDevice2) + "/tasks").status, 400u);
}

TEST_F(NbiApi, GetDeleteAndRetryTasks) {
  start();
  const json::object a = post_task(kDevice1, R"({"name": "reboot"})");
  const json::object b = post_task(kDevice2, R"({"name": "factoryReset"})");
  const std::string id_a(a.at("_id").as_string());
  const std::string id_b(b.at("_id").as_string());

  Reply r = get("/tasks/" + id_a);
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.json().at("name").as_string(), "reboot");
  EXPECT_EQ(get("/tasks/999999").status, 404u);
  EXPECT_EQ(get("/tasks/abc").status, 404u);

  r = get("/tasks/?query=" + encode(R"({"device": ")" + kDevice2 + R"("})"));
  ASSERT_EQ(r.status, 200u);
  ASSERT_EQ(r.json().as_array().size(), 1u);
  EXPECT_EQ(r.json().as_array()[0].at("_id").as_string(), id_b);
  EXPECT_EQ(r.header("X-Total-Count"), "1");

  r = get("/tasks/?query=" + encode(R"({"name": {"$in": ["reboot", "download"]}})"));
  ASSERT_EQ(r.json().as_array().size(), 1u);
  r = get("/tasks/?query=" + encode(R"({"_id": )" + id_b + "}"));  // a number finds "<id>"
  ASSERT_EQ(r.json().as_array().size(), 1u);
  r = get("/tasks/?query=" + encode(R"({"status": "queued", "device": {"$ne": "x"}})") +
          "&projection=device");
  ASSERT_EQ(r.json().as_array().size(), 2u);
  EXPECT_FALSE(r.json().as_array()[0].as_object().contains("name"));

  // Retry only applies to a task in fault (or expired).
  EXPECT_EQ(call(http::verb::post, "/tasks/" + id_a + "/retry").status, 409u);
  store_->fail_task(std::stoll(id_a), acs::TaskFault{9002, "Internal error", {}}, system_now());
  r = get("/tasks/?query=" + encode(R"({"status": "fault"})"));
  ASSERT_EQ(r.json().as_array().size(), 1u);
  EXPECT_EQ(r.json().as_array()[0].at("fault").at("code").as_int64(), 9002);
  r = call(http::verb::post, "/tasks/" + id_a + "/retry");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json().at("status").as_string(), "queued");
  EXPECT_EQ(call(http::verb::post, "/tasks/999999/retry").status, 404u);

  EXPECT_EQ(call(http::verb::delete_, "/tasks/" + id_a).status, 200u);
  EXPECT_EQ(get("/tasks/" + id_a).status, 404u);
  EXPECT_EQ(call(http::verb::delete_, "/tasks/" + id_a).status, 404u);
}

TEST_F(NbiApi, FaultsListAndDelete) {
  start();
  const json::object task = post_task(kDevice3, R"({"name": "setParameterValues",
                    "parameterValues": [["Device.DeviceInfo.X_Extra", "y"]]})");
  const std::int64_t id = std::stoll(std::string(task.at("_id").as_string()));
  post_task(kDevice1, R"({"name": "reboot"})");
  store_->fail_task(
      id,
      acs::TaskFault{9003, "Invalid arguments", {{"Device.DeviceInfo.X_Extra", 9008, "read only"}}},
      system_now());

  Reply r = get("/faults/");
  ASSERT_EQ(r.status, 200u);
  ASSERT_EQ(r.json().as_array().size(), 1u);
  const json::object fault = r.json().as_array()[0].as_object();
  const std::string fault_id = kDevice3 + ":task_" + std::to_string(id);
  EXPECT_EQ(fault.at("_id").as_string(), fault_id);
  EXPECT_EQ(fault.at("device").as_string(), kDevice3);
  EXPECT_EQ(fault.at("channel").as_string(), "task_" + std::to_string(id));
  EXPECT_EQ(fault.at("code").as_string(), "cwmp.9003");
  EXPECT_EQ(fault.at("message").as_string(), "Invalid arguments");
  EXPECT_EQ(fault.at("retries").as_int64(), 0);
  EXPECT_EQ(fault.at("detail").at("setParameterValuesFault").as_array()[0].at("faultCode"), "9008");

  r = get("/faults/?query=" + encode(R"({"device": ")" + kDevice1 + R"("})"));
  EXPECT_TRUE(r.json().as_array().empty());

  // A task that expired before it ran is a fault too.
  const json::object late =
      post_task(kDevice2, R"({"name": "reboot", "expiry": "2000-01-01T00:00:00Z"})");
  EXPECT_FALSE(store_->next_task(kDevice2, system_now()));  // marks it expired
  r = get("/faults/?query=" + encode(R"({"code": "task.expired"})"));
  ASSERT_EQ(r.json().as_array().size(), 1u);
  EXPECT_EQ(r.json().as_array()[0].at("channel").as_string(),
            "task_" + std::string(late.at("_id").as_string()));
  r = get("/faults/");
  EXPECT_EQ(r.header("X-Total-Count"), "2");

  EXPECT_EQ(call(http::verb::delete_, "/faults/" + encode(fault_id)).status, 200u);
  EXPECT_FALSE(store_->get_task(id));
  EXPECT_EQ(call(http::verb::delete_, "/faults/" + encode(fault_id)).status, 404u);
  EXPECT_EQ(call(http::verb::delete_, "/faults/" + encode(kDevice1 + ":default")).status, 404u);
}

// ---- files ------------------------------------------------------------------------------------

TEST_F(NbiApi, FilesPutListGetDelete) {
  acs::NbiOptions options;
  options.max_file_bytes = 1024;
  start(options);
  const net::Headers metadata{{"FileType", "1 Firmware Upgrade Image"},
                              {"oui", "00AABB"},
                              {"productclass", "HGW"},
                              {"version", "2.2"}};
  Reply r = call(http::verb::put, "/files/fw%20v1.bin", "hello", metadata);
  EXPECT_EQ(r.status, 201u) << r.body;
  r = call(http::verb::put, "/files/fw%20v1.bin", "hello", metadata);
  EXPECT_EQ(r.status, 200u) << r.body;  // replaced

  r = get("/files/");
  ASSERT_EQ(r.status, 200u);
  ASSERT_EQ(r.json().as_array().size(), 1u);
  const json::object file = r.json().as_array()[0].as_object();
  EXPECT_EQ(file.at("_id").as_string(), "fw v1.bin");
  EXPECT_EQ(file.at("filename").as_string(), "fw v1.bin");
  EXPECT_EQ(file.at("length").as_int64(), 5);
  EXPECT_TRUE(file.at("uploadDate").is_string());
  const json::object& meta = file.at("metadata").as_object();
  EXPECT_EQ(meta.at("fileType").as_string(), "1 Firmware Upgrade Image");
  EXPECT_EQ(meta.at("oui").as_string(), "00AABB");
  EXPECT_EQ(meta.at("productClass").as_string(), "HGW");
  EXPECT_EQ(meta.at("version").as_string(), "2.2");
  EXPECT_EQ(meta.at("md5").as_string(), "5d41402abc4b2a76b9719d911017c592");
  EXPECT_EQ(meta.at("sha256").as_string(),
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");

  r = get("/files/?query=" + encode(R"({"metadata.fileType": "3 Vendor Configuration File"})"));
  EXPECT_TRUE(r.json().as_array().empty());
  r = get("/files/?query=" + encode(R"({"filename": "fw v1.bin"})"));
  EXPECT_EQ(r.json().as_array().size(), 1u);

  r = get("/files/fw%20v1.bin");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, "hello");
  EXPECT_EQ(r.header("Content-Type"), "application/octet-stream");
  EXPECT_EQ(r.header("ETag"),
            "\"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\"");
  r = call(http::verb::head, "/files/fw%20v1.bin");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.header("Content-Length"), "5");

  EXPECT_EQ(call(http::verb::put, "/files/big", std::string(1025, 'x')).status, 413u);
  EXPECT_EQ(call(http::verb::delete_, "/files/fw%20v1.bin").status, 200u);
  EXPECT_EQ(get("/files/fw%20v1.bin").status, 404u);
  EXPECT_EQ(call(http::verb::delete_, "/files/fw%20v1.bin").status, 404u);
  EXPECT_EQ(call(http::verb::put, "/files/bad%01name", "x").status, 400u);
}

TEST_F(NbiApi, DownloadTaskFilledFromStoredFile) {
  start();
  ASSERT_EQ(call(http::verb::put, "/files/fw%20v1.bin", "hello",
                 {{"fileType", "1 Firmware Upgrade Image"}})
                .status,
            201u);
  const json::object task = post_task(kDevice1, R"({"name": "download", "file": "fw v1.bin"})");
  ASSERT_FALSE(task.empty());
  EXPECT_EQ(task.at("url").as_string(), std::string(kFilesBase) + "/fw%20v1.bin");
  EXPECT_EQ(task.at("fileSize").as_int64(), 5);
  EXPECT_EQ(task.at("fileType").as_string(), "1 Firmware Upgrade Image");
  EXPECT_EQ(task.at("targetFileName").as_string(), "fw v1.bin");

  const json::object named = post_task(
      kDevice1, R"({"name": "download", "fileName": "fw v1.bin", "targetFileName": "image"})");
  EXPECT_EQ(named.at("targetFileName").as_string(), "image");

  post_task(kDevice1, R"({"name": "download", "file": "missing.bin"})", 400);
  post_task(kDevice1, R"({"name": "download"})", 400);  // neither file nor url
}

// ---- CPE credentials --------------------------------------------------------------------------

TEST_F(NbiApi, CpeCredentials) {
  start();
  Reply r = call(http::verb::put, "/cpe-credentials/cpe1",
                 R"({"password": "pw1", "deviceId": ")" + kDevice1 + R"("})");
  EXPECT_EQ(r.status, 201u) << r.body;
  r = call(http::verb::put, "/cpe-credentials/cpe1", R"({"password": "pw2"})");
  EXPECT_EQ(r.status, 200u) << r.body;
  const std::optional<store::CpeCredentials> stored = store_->cpe_credentials("cpe1");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->password, "pw2");

  r = get("/cpe-credentials/");
  ASSERT_EQ(r.status, 200u);
  ASSERT_EQ(r.json().as_array().size(), 1u);
  EXPECT_EQ(r.json().as_array()[0].at("username").as_string(), "cpe1");
  EXPECT_EQ(r.body.find("pw2"), std::string::npos);  // never the password

  EXPECT_EQ(call(http::verb::put, "/cpe-credentials/cpe2", R"({"deviceId": "x"})").status, 400u);
  EXPECT_EQ(call(http::verb::put, "/cpe-credentials/cpe2", R"({"password": "p", "deviceId": "x"})")
                .status,
            400u);
  EXPECT_EQ(call(http::verb::delete_, "/cpe-credentials/cpe1").status, 200u);
  EXPECT_EQ(call(http::verb::delete_, "/cpe-credentials/cpe1").status, 404u);
}

// ---- token, errors, health, metrics -----------------------------------------------------------

TEST_F(NbiApi, TokenRequired) {
  acs::NbiOptions options;
  options.token = "s3cret";
  start(options);
  Reply r = call(http::verb::get, "/devices/", {}, {}, false);
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(r.header("WWW-Authenticate").rfind("Bearer", 0), 0u);
  EXPECT_EQ(r.json().at("status").as_int64(), 401);
  r = call(http::verb::get, "/devices/", {}, {{"Authorization", "Bearer s3cre"}}, false);
  EXPECT_EQ(r.status, 401u);
  r = call(http::verb::get, "/metrics", {}, {{"Authorization", "Basic czNjcmV0"}}, false);
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(call(http::verb::get, "/devices/").status, 200u);
  r = call(http::verb::get, "/devices/", {}, {{"Authorization", "bearer  s3cret"}}, false);
  EXPECT_EQ(r.status, 200u);
  r = call(http::verb::get, "/healthz", {}, {}, false);
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.json().at("status").as_string(), "ok");
}

TEST_F(NbiApi, ErrorsAreJson) {
  start();
  Reply r = get("/nope");
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(r.json().at("status").as_int64(), 404);
  EXPECT_TRUE(r.json().at("error").is_string());

  r = call(http::verb::put, "/devices/");
  EXPECT_EQ(r.status, 405u);
  EXPECT_EQ(r.header("Allow"), "GET, HEAD");
  EXPECT_EQ(r.json().at("status").as_int64(), 405);

  // A malformed escape (the HTTP client refuses to send one: a raw request).
  const std::optional<net::HttpResponse> raw =
      run_raw("GET /devices/%zz HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->result_int(), 400u);
  EXPECT_NE(raw->body().find(R"("status":400)"), std::string::npos) << raw->body();

  r = call(http::verb::put, "/cpe-credentials/u", "{bad json");
  EXPECT_EQ(r.status, 400u);
  r = call(http::verb::put, "/cpe-credentials/u", std::string(1024 * 1024 + 1, ' '));
  EXPECT_EQ(r.status, 413u);
}

TEST_F(NbiApi, MetricsCountRequestsAndStoreGauges) {
  start();
  post_task(kDevice1, R"({"name": "getParameterValues", "parameterNames": ["Device."]})");
  get("/nope");
  const Reply r = get("/metrics");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.header("Content-Type"), "text/plain; version=0.0.4");
  EXPECT_NE(r.body.find(R"(cwmp_nbi_requests_total{method="POST",code="2xx"} 1)"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find(R"(cwmp_nbi_requests_total{method="GET",code="4xx"} 1)"),
            std::string::npos);
  EXPECT_NE(r.body.find("cwmp_devices 3"), std::string::npos);
  EXPECT_NE(r.body.find(R"(cwmp_tasks{type="getParameterValues",state="queued"} 1)"),
            std::string::npos);

  // A group that empties reads 0 rather than its last value.
  store_->delete_task(store_->list_tasks({})[0].id);
  const Reply after = get("/metrics");
  EXPECT_NE(after.body.find(R"(cwmp_tasks{type="getParameterValues",state="queued"} 0)"),
            std::string::npos)
      << after.body;
  // Both GET /metrics (a request counts once answered).
  EXPECT_EQ(metrics_.counter_value("cwmp_nbi_requests_total", {{"method", "GET"}, {"code", "2xx"}}),
            2u);
}

}  // namespace

// ---- presets ----------------------------------------------------------------------------------

TEST_F(NbiApi, PresetsArePutReadListedAndDeleted) {
  start();
  const std::string body = R"({"weight": 3, "events": ["0 BOOTSTRAP"],
      "precondition": {"_deviceId._ProductClass": "HGW"},
      "parameters": {"Device.ManagementServer.PeriodicInformInterval": 300}})";
  Reply r = call(http::verb::put, "/presets/boot%20strap", body);
  EXPECT_EQ(r.status, 201u) << r.body;
  EXPECT_EQ(r.json().at("name"), "boot strap");  // the URL's name
  r = call(http::verb::put, "/presets/boot%20strap", body);
  EXPECT_EQ(r.status, 200u) << r.body;  // replaced
  r = get("/presets/boot%20strap");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json().at("weight"), 3);
  EXPECT_EQ(r.json().at("parameters").at("Device.ManagementServer.PeriodicInformInterval"), 300);
  EXPECT_EQ(r.json().at("_id"), "boot strap");
  r = call(http::verb::put, "/presets/other", R"({"events": ["1 BOOT"], "reboot": "always"})");
  EXPECT_EQ(r.status, 201u) << r.body;
  r = get("/presets/?query=" + encode(R"({"weight": 3})"));
  ASSERT_EQ(r.status, 200u) << r.body;
  ASSERT_EQ(r.json().as_array().size(), 1u);
  EXPECT_EQ(r.json().as_array()[0].at("name"), "boot strap");
  EXPECT_EQ(get("/presets").json().as_array().size(), 2u);
  r = call(http::verb::delete_, "/presets/other");
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(call(http::verb::delete_, "/presets/other").status, 404u);
  EXPECT_EQ(get("/presets/other").status, 404u);
  EXPECT_EQ(store_->list_presets().size(), 1u);
}

TEST_F(NbiApi, BadPresetsAreRefusedWithWhereAndWhy) {
  start();
  struct Case {
    std::string name;
    std::string body;
    unsigned status;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"a", "not json", 400, "invalid preset"},
      {"a", R"({"events": ["*"], "parameters": {"X.Y": {"value": "soon", "type": "int"}}})", 400,
       "/parameters/X.Y"},
      {"a", R"({"events": ["*"], "surprise": 1})", 400, "/surprise"},
      {"a", R"({"events": ["*"], "precondition": {"_tags": {"$foo": 1}}})", 400, "/precondition"},
      {"bad%2Fname", R"({"events": ["*"]})", 400, "preset name"},
      {"a", std::string(300 * 1024, ' '), 413, "256 KiB"},
  };
  for (const Case& c : cases) {
    const Reply r = call(http::verb::put, "/presets/" + c.name, c.body);
    EXPECT_EQ(r.status, c.status) << c.body.substr(0, 80) << " -> " << r.body;
    EXPECT_NE(r.body.find(c.says), std::string::npos) << r.body;
  }
  EXPECT_TRUE(store_->list_presets().empty());
  EXPECT_EQ(call(http::verb::post, "/presets/a", "{}").status, 405u);
}

TEST_F(NbiApi, PresetFaultsAreListedAndClearedInFaults) {
  start();
  store_->put_preset_fault({"wifi", kDevice1, 9007, "invalid value", 2, system_now()});
  Reply r = get("/faults/?query=" + encode(R"({"device": ")" + kDevice1 + R"("})"));
  ASSERT_EQ(r.status, 200u) << r.body;
  const json::value all = r.json();
  ASSERT_EQ(all.as_array().size(), 1u) << r.body;
  const json::value& f = all.as_array()[0];
  EXPECT_EQ(json::value_to<std::string>(f.at("_id")), kDevice1 + ":preset_wifi");
  EXPECT_EQ(f.at("channel"), "preset_wifi");
  EXPECT_EQ(f.at("code"), "cwmp.9007");
  EXPECT_EQ(f.at("retries"), 2);
  EXPECT_TRUE(f.as_object().contains("retryAfter"));
  r = call(http::verb::delete_, "/faults/" + encode(kDevice1 + ":preset_wifi"));
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_TRUE(store_->preset_faults("").empty());
  EXPECT_EQ(call(http::verb::delete_, "/faults/" + encode(kDevice1 + ":preset_wifi")).status, 404u);
}
