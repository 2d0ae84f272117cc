// The scripted CPE (tools/scripted-cpe): its data model's RPC semantics, and the whole CPE
// against the real CWMP endpoint (net::HttpServer + acs::CwmpService over an in-memory
// SQLite store) on 127.0.0.1 with ephemeral ports: tasks queued in the store go out as
// RPCs, the CPE answers them over its model, the results land on the tasks.
#include <unistd.h>
#include <algorithm>
#include <atomic>

#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <span>

#include "acs/cwmp_service.hpp"
#include "acs/device_id.hpp"
#include "cwmp/faults.hpp"
#include "cwmp/http_auth.hpp"
#include "data_model.hpp"
#include "device.hpp"
#include "net/tls.hpp"
#include "net_test_support.hpp"
#include "scripted_cpe.hpp"
#include "store/sqlite_store.hpp"

namespace {

using namespace net_test;
namespace json = boost::json;
using scripted_cpe::ScriptedCpe;
using scripted_cpe::ScriptedCpeOptions;
using scripted_cpe::SessionReport;

bool contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

void fill_random(std::span<std::uint8_t> out) {
  for (auto& b : out) b = static_cast<std::uint8_t>(std::rand());
}

// =========================================================================================
// The data model alone: TR-069 A.3.2 semantics without sockets.

scripted_cpe::DataModel model() {
  return scripted_cpe::build_model(scripted_cpe::DeviceSettings{});
}

std::vector<std::string> names_of(const cwmp::GetParameterNamesResponse& r) {
  std::vector<std::string> out;
  for (const auto& p : r.parameter_list) out.push_back(p.name);
  return out;
}

TEST(ScriptedCpeModel, TreeOrderComparesInstanceNumbersAsNumbers) {
  const scripted_cpe::PathLess less;
  EXPECT_TRUE(less("Device.WiFi.SSID.2.", "Device.WiFi.SSID.10."));
  EXPECT_FALSE(less("Device.WiFi.SSID.10.", "Device.WiFi.SSID.2."));
  EXPECT_TRUE(less("Device.WiFi.", "Device.WiFi.SSID."));  // an object before its children
  EXPECT_TRUE(less("", "Device."));
  EXPECT_TRUE(less("Device.DeviceInfo.Manufacturer", "Device.DeviceInfo.ManufacturerOUI"));
}

TEST(ScriptedCpeModel, GetParameterNamesFollowsNextLevel) {
  auto m = model();
  auto next = m.get_names({"Device.WiFi.", true});
  ASSERT_TRUE(next);
  EXPECT_EQ(names_of(*next),
            (std::vector<std::string>{"Device.WiFi.SSID.", "Device.WiFi.SSIDNumberOfEntries"}));
  EXPECT_TRUE(next->parameter_list[0].writable);  // a table AddObject works on
  EXPECT_FALSE(next->parameter_list[1].writable);

  auto root = m.get_names({"", true});
  ASSERT_TRUE(root);
  EXPECT_EQ(names_of(*root), std::vector<std::string>{"Device."});

  auto subtree = m.get_names({"Device.IP.Interface.1.", false});
  ASSERT_TRUE(subtree);
  const auto names = names_of(*subtree);
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names.front(), "Device.IP.Interface.1.");  // the path itself comes first
  EXPECT_TRUE(contains(names, "Device.IP.Interface.1.Stats."));
  EXPECT_TRUE(contains(names, "Device.IP.Interface.1.Stats.BytesSent"));

  auto leaf = m.get_names({"Device.DeviceInfo.UpTime", true});
  ASSERT_FALSE(leaf);
  EXPECT_EQ(leaf.error().code, cwmp::fault::kInvalidArguments);
  auto unknown = m.get_names({"Device.Nope.", false});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, cwmp::fault::kInvalidParameterName);
}

TEST(ScriptedCpeModel, SetParameterValuesIsAllOrNothing) {
  auto m = model();
  cwmp::SetParameterValues spv;
  spv.parameter_key = "k1";
  spv.parameter_list = {
      {"Device.WiFi.SSID.1.SSID", "fine", cwmp::ValueType::kString},
      {"Device.ManagementServer.PeriodicInformInterval", "0", cwmp::ValueType::kUnsignedInt},
      {"Device.DeviceInfo.UpTime", "5", cwmp::ValueType::kUnsignedInt},
      {"Device.WiFi.SSID.1.Enable", "true", cwmp::ValueType::kString},
      {"Device.Missing", "1", cwmp::ValueType::kString},
  };
  auto refused = m.set_values(spv);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, cwmp::fault::kInvalidArguments);
  const auto& faults = refused.error().set_parameter_values_faults;
  ASSERT_EQ(faults.size(), 4u);
  EXPECT_EQ(faults[0].parameter_name, "Device.ManagementServer.PeriodicInformInterval");
  EXPECT_EQ(faults[0].fault_code, cwmp::fault::kInvalidParameterValue);
  EXPECT_EQ(faults[1].fault_code, cwmp::fault::kNonWritableParameter);
  EXPECT_EQ(faults[2].fault_code, cwmp::fault::kInvalidParameterType);
  EXPECT_EQ(faults[3].fault_code, cwmp::fault::kInvalidParameterName);
  EXPECT_EQ(m.value("Device.WiFi.SSID.1.SSID"), "cwmp-suite-2g");  // nothing applied
  EXPECT_EQ(m.value("Device.ManagementServer.ParameterKey"), "");

  // An integer of another xsd type is fine when it fits the declared one.
  cwmp::SetParameterValues ok;
  ok.parameter_key = "k2";
  ok.parameter_list = {
      {"Device.ManagementServer.PeriodicInformInterval", "600", cwmp::ValueType::kInt}};
  ASSERT_TRUE(m.set_values(ok));
  EXPECT_EQ(m.value("Device.ManagementServer.PeriodicInformInterval"), "600");
  EXPECT_EQ(m.value("Device.ManagementServer.ParameterKey"), "k2");
}

TEST(ScriptedCpeModel, AddObjectNeverReusesAnInstanceNumber) {
  auto m = model();
  auto added = m.add_object_instance({"Device.WiFi.SSID.", "a"});
  ASSERT_TRUE(added);
  EXPECT_EQ(added->instance_number, 3u);
  EXPECT_EQ(m.value("Device.WiFi.SSIDNumberOfEntries"), "3");
  EXPECT_TRUE(m.value("Device.WiFi.SSID.3.SSID").has_value());  // from the template
  ASSERT_TRUE(m.delete_object_instance({"Device.WiFi.SSID.3.", "b"}));
  EXPECT_FALSE(m.value("Device.WiFi.SSID.3.SSID").has_value());
  EXPECT_EQ(m.value("Device.WiFi.SSIDNumberOfEntries"), "2");
  auto again = m.add_object_instance({"Device.WiFi.SSID.", "c"});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->instance_number, 4u);
  EXPECT_EQ(m.value("Device.ManagementServer.ParameterKey"), "c");

  EXPECT_EQ(m.add_object_instance({"Device.Hosts.Host.", ""}).error().code,
            cwmp::fault::kRequestDenied);  // a read-only table
  EXPECT_EQ(m.add_object_instance({"Device.DeviceInfo.", ""}).error().code,
            cwmp::fault::kInvalidParameterName);  // not a table
  EXPECT_EQ(m.delete_object_instance({"Device.WiFi.SSID.", ""}).error().code,
            cwmp::fault::kInvalidParameterName);                    // a table, not an instance
  EXPECT_EQ(m.value("Device.ManagementServer.ParameterKey"), "c");  // untouched by faults
}

TEST(ScriptedCpeModel, ActiveNotificationIsRefusedWhereTheModelSaysCanDeny) {
  auto m = model();
  cwmp::SetParameterAttributes spa;
  spa.parameter_list = {{"Device.DeviceInfo.UpTime", true, 2, false, {}}};
  auto refused = m.set_attributes(spa);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, cwmp::fault::kNotificationRejected);

  spa.parameter_list = {{"Device.WiFi.SSID.1.", true, 1, true, {"Subscriber"}}};
  ASSERT_TRUE(m.set_attributes(spa));
  auto gpa = m.get_attributes({{"Device.WiFi.SSID.1.SSID"}});
  ASSERT_TRUE(gpa);
  ASSERT_EQ(gpa->parameter_list.size(), 1u);
  EXPECT_EQ(gpa->parameter_list[0].notification, 1);
  EXPECT_EQ(gpa->parameter_list[0].access_list, std::vector<std::string>{"Subscriber"});
}

// =========================================================================================
// The CPE against the CWMP endpoint.

class ScriptedCpeTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = store::open_sqlite(":memory:"); }

  void TearDown() override {
    cpe_.reset();
    for (auto* server : {acs_.get(), files_.get()}) {
      if (server == nullptr) continue;
      std::promise<void> done;
      server->stop(0ms, [&done] { done.set_value(); });
      done.get_future().wait_for(5s);
    }
    work_.reset();
    if (thread_.joinable()) thread_.join();
    pool_.join();
  }

  static acs::CwmpServiceOptions no_auth() {
    acs::CwmpServiceOptions o;
    o.auth = acs::CpeAuth::kNone;
    return o;
  }

  void start_acs(acs::CwmpServiceOptions options = no_auth(),
                 std::shared_ptr<asio::ssl::context> tls = {}) {
    service_ = std::make_unique<acs::CwmpService>(*store_, pool_.get_executor(), options);
    acs_ = std::make_unique<net::HttpServer>(
        io_, [this](net::Request& request, const net::ConnectionInfo& connection) {
          ++posts_;
          if (request.find(http::field::cookie) != request.end()) ++posts_with_cookie_;
          return service_->handle(request, connection);
        });
    acs_port_ = acs_->listen("127.0.0.1:0", std::move(tls));
    run_io();
  }

  // A file server: GET /<name> serves files_by_name_, PUT stores the body in uploads_.
  void start_files() {
    files_ = std::make_unique<net::HttpServer>(
        io_,
        [this](net::Request& request,
               const net::ConnectionInfo&) -> asio::awaitable<net::Response> {
          net::Response r;
          const std::string target(request.target());
          std::lock_guard lock(files_mutex_);
          if (request.method() == http::verb::get && files_by_name_.contains(target)) {
            r.message = net::HttpResponse(http::status::ok, request.version());
            r.message.body() = files_by_name_[target];
          } else if (request.method() == http::verb::put) {
            uploads_[target] = request.body();
            r.message = net::HttpResponse(http::status::created, request.version());
          } else {
            r.message = net::HttpResponse(http::status::not_found, request.version());
          }
          r.message.prepare_payload();
          co_return r;
        });
    files_port_ = files_->listen("127.0.0.1:0");
    run_io();
  }

  void run_io() {
    if (!thread_.joinable()) thread_ = std::thread([this] { io_.run(); });
  }

  ScriptedCpeOptions cpe_options(std::string serial = "SN-1") const {
    ScriptedCpeOptions o;
    o.acs_url = "http://127.0.0.1:" + std::to_string(acs_port_) + "/acs";
    o.identity.serial_number = std::move(serial);
    o.timeout = 5s;
    o.transfer_timeout = 5s;
    return o;
  }

  ScriptedCpe& make_cpe(ScriptedCpeOptions options) {
    device_id_ =
        acs::make_device_id({options.identity.manufacturer, options.identity.oui,
                             options.identity.product_class, options.identity.serial_number});
    cpe_ = std::make_unique<ScriptedCpe>(io_, std::move(options));
    return *cpe_;
  }

  // The first contact: the ACS knows the device afterwards (tasks are queued for known
  // devices only).
  void bootstrap() {
    const SessionReport r = session({"0 BOOTSTRAP", "1 BOOT"});
    ASSERT_TRUE(r.ok()) << r.error;
    posts_ = 0;
    posts_with_cookie_ = 0;
  }

  SessionReport session(std::vector<std::string> events = {"2 PERIODIC"}) {
    return session_with(scripted_cpe::SessionRequest{std::move(events), false});
  }
  SessionReport session_with(scripted_cpe::SessionRequest request) {
    auto f = asio::co_spawn(io_, cpe_->run_session(std::move(request)), asio::use_future);
    if (f.wait_for(30s) != std::future_status::ready) {
      ADD_FAILURE() << "the session did not end";
      return {};
    }
    return f.get();
  }

  std::int64_t add_task(acs::TaskType type, json::object args) {
    return store_->add_task(device_id_, type, args, now(), 0);
  }
  acs::Task task(std::int64_t id) {
    auto t = store_->get_task(id);
    EXPECT_TRUE(t.has_value());
    return t.value_or(acs::Task{});
  }
  static acs::Millis now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  std::string file_url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(files_port_) + std::string(path);
  }

  std::unique_ptr<store::Store> store_;
  asio::thread_pool pool_{1};
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      io_.get_executor()};
  std::thread thread_;
  std::unique_ptr<acs::CwmpService> service_;
  std::unique_ptr<net::HttpServer> acs_;
  std::unique_ptr<net::HttpServer> files_;
  std::uint16_t acs_port_ = 0;
  std::uint16_t files_port_ = 0;
  std::atomic<int> posts_{0};
  std::atomic<int> posts_with_cookie_{0};
  std::mutex files_mutex_;
  std::map<std::string, std::string> files_by_name_;
  std::map<std::string, std::string> uploads_;
  std::unique_ptr<ScriptedCpe> cpe_;
  std::string device_id_;
};

TEST_F(ScriptedCpeTest, BootstrapSessionWithDigestAuthentication) {
  acs::CwmpServiceOptions o;
  o.auth = acs::CpeAuth::kDigest;
  o.username = "cpe";
  o.password = "secret";
  start_acs(o);
  ScriptedCpeOptions options = cpe_options();
  options.username = "cpe";
  options.password = "secret";
  make_cpe(options);

  const SessionReport r = session({"0 BOOTSTRAP", "1 BOOT"});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.events, (std::vector<std::string>{"0 BOOTSTRAP", "1 BOOT"}));
  ASSERT_GE(r.http_statuses.size(), 3u);
  EXPECT_EQ(r.http_statuses[0], 401u);  // the Digest challenge
  EXPECT_EQ(r.http_statuses[1], 200u);  // InformResponse
  EXPECT_EQ(r.last_status(), 204u);
  EXPECT_EQ(service_->stats().sessions_completed, 1u);
  EXPECT_EQ(service_->stats().auth_failures, 0u);

  // The forced inform parameters are on the device now.
  auto doc = store_->device_document(device_id_);
  ASSERT_TRUE(doc.has_value());
  const json::value* version = nullptr;
  if (const json::value* device = doc->if_contains("Device")) {
    if (const json::value* info = device->as_object().if_contains("DeviceInfo")) {
      if (const json::value* sw = info->as_object().if_contains("SoftwareVersion")) {
        version = sw->as_object().if_contains("_value");
      }
    }
  }
  ASSERT_NE(version, nullptr) << json::serialize(*doc);
  EXPECT_EQ(version->as_string(), "1.0.0");
  EXPECT_TRUE(cpe_->pending_events().empty());  // delivered with the InformResponse
}

TEST_F(ScriptedCpeTest, WrongPasswordFailsTheSessionAndKeepsItsEvents) {
  acs::CwmpServiceOptions o;
  o.auth = acs::CpeAuth::kDigest;
  o.username = "cpe";
  o.password = "secret";
  start_acs(o);
  ScriptedCpeOptions options = cpe_options();
  options.username = "cpe";
  options.password = "wrong";
  make_cpe(options);

  const SessionReport r = session({"1 BOOT"});
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("authentication failed"), std::string::npos) << r.error;
  EXPECT_EQ(r.http_statuses, (std::vector<unsigned>{401, 401}));  // one retry, no more
  ASSERT_EQ(cpe_->pending_events().size(), 1u);  // 1 BOOT is retried in the next session
  EXPECT_EQ(cpe_->pending_events()[0].event_code, "1 BOOT");
}

TEST_F(ScriptedCpeTest, GetParameterValuesTaskReadsTheModel) {
  start_acs();
  make_cpe(cpe_options("SN-GPV"));
  bootstrap();
  const auto id = add_task(
      acs::TaskType::kGetParameterValues,
      {{"parameterNames", json::array{"Device.DeviceInfo.SerialNumber", "Device.WiFi.SSID."}}});
  const SessionReport r = session({"1 BOOT"});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.rpcs, std::vector<std::string>{"GetParameterValues"});
  EXPECT_EQ(r.answers, std::vector<std::string>{"GetParameterValuesResponse"});

  const acs::Task t = task(id);
  ASSERT_EQ(t.state, acs::TaskState::kDone);
  const auto& values = t.result.at("parameterValues").as_array();
  ASSERT_EQ(values.size(), 1u + 2 * 4);  // the serial, then 4 parameters per SSID
  EXPECT_EQ(values[0].as_array()[0].as_string(), "Device.DeviceInfo.SerialNumber");
  EXPECT_EQ(values[0].as_array()[1].as_string(), "SN-GPV");
  EXPECT_EQ(values[1].as_array()[0].as_string(), "Device.WiFi.SSID.1.BSSID");
}

TEST_F(ScriptedCpeTest, SetParameterValuesTaskChangesTheModel) {
  start_acs();
  make_cpe(cpe_options());
  bootstrap();
  const auto id =
      add_task(acs::TaskType::kSetParameterValues,
               {{"parameterValues",
                 json::array{json::value(json::array{"Device.WiFi.SSID.1.SSID", "lab-net"}),
                             json::array{"Device.ManagementServer.PeriodicInformInterval", 600}}},
                {"parameterKey", "key-1"}});
  const SessionReport r = session();
  ASSERT_TRUE(r.ok()) << r.error;
  const acs::Task t = task(id);
  ASSERT_EQ(t.state, acs::TaskState::kDone) << (t.fault ? t.fault->message : "");
  EXPECT_EQ(t.result.at("status").as_int64(), 0);
  EXPECT_EQ(cpe_->parameter("Device.WiFi.SSID.1.SSID"), "lab-net");
  EXPECT_EQ(cpe_->parameter("Device.ManagementServer.PeriodicInformInterval"), "600");
  EXPECT_EQ(cpe_->parameter("Device.ManagementServer.ParameterKey"), "key-1");
}

TEST_F(ScriptedCpeTest, RefusedSetParameterValuesFaultsTheTaskPerParameter) {
  start_acs();
  make_cpe(cpe_options());
  bootstrap();
  const auto id = add_task(
      acs::TaskType::kSetParameterValues,
      {{"parameterValues", json::array{json::value(json::array{"Device.WiFi.SSID.1.SSID", "lab"}),
                                       json::array{"Device.DeviceInfo.SerialNumber", "x"},
                                       json::array{"Device.NoSuchThing", "y"}}}});
  ASSERT_TRUE(session().ok());
  const acs::Task t = task(id);
  ASSERT_EQ(t.state, acs::TaskState::kFault);
  ASSERT_TRUE(t.fault.has_value());
  EXPECT_EQ(t.fault->code, cwmp::fault::kInvalidArguments);
  ASSERT_EQ(t.fault->parameter_faults.size(), 2u);
  EXPECT_EQ(t.fault->parameter_faults[0].parameter_name, "Device.DeviceInfo.SerialNumber");
  EXPECT_EQ(t.fault->parameter_faults[0].fault_code, cwmp::fault::kNonWritableParameter);
  EXPECT_EQ(t.fault->parameter_faults[1].fault_code, cwmp::fault::kInvalidParameterName);
  EXPECT_EQ(cpe_->parameter("Device.WiFi.SSID.1.SSID"), "cwmp-suite-2g");  // all or nothing
}

TEST_F(ScriptedCpeTest, GetParameterNamesTaskListsTheNextLevel) {
  start_acs();
  make_cpe(cpe_options());
  bootstrap();
  const auto id = add_task(acs::TaskType::kGetParameterNames,
                           {{"parameterPath", "Device.WiFi.SSID."}, {"nextLevel", true}});
  ASSERT_TRUE(session().ok());
  const acs::Task t = task(id);
  ASSERT_EQ(t.state, acs::TaskState::kDone);
  EXPECT_EQ(json::serialize(t.result.at("parameterNames")),
            R"([["Device.WiFi.SSID.1.",true],["Device.WiFi.SSID.2.",true]])");
}

TEST_F(ScriptedCpeTest, AddAndDeleteObjectTasksChangeTheModel) {
  start_acs();
  make_cpe(cpe_options());
  bootstrap();
  const auto add = add_task(acs::TaskType::kAddObject,
                            {{"objectName", "Device.WiFi.SSID."}, {"parameterKey", "add-1"}});
  const auto del = add_task(acs::TaskType::kDeleteObject,
                            {{"objectName", "Device.WiFi.SSID.1."}, {"parameterKey", "del-1"}});
  const auto bad = add_task(acs::TaskType::kDeleteObject, {{"objectName", "Device.WiFi.SSID.9."}});
  const SessionReport r = session();
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.rpcs, (std::vector<std::string>{"AddObject", "DeleteObject", "DeleteObject"}));

  const acs::Task added = task(add);
  ASSERT_EQ(added.state, acs::TaskState::kDone);
  EXPECT_EQ(added.result.at("instanceNumber").as_int64(), 3);
  EXPECT_TRUE(cpe_->parameter("Device.WiFi.SSID.3.SSID").has_value());
  EXPECT_EQ(task(del).state, acs::TaskState::kDone);
  EXPECT_FALSE(cpe_->parameter("Device.WiFi.SSID.1.SSID").has_value());
  EXPECT_EQ(cpe_->parameter("Device.WiFi.SSIDNumberOfEntries"), "2");
  EXPECT_EQ(cpe_->parameter("Device.ManagementServer.ParameterKey"), "del-1");
  const acs::Task failed = task(bad);
  ASSERT_EQ(failed.state, acs::TaskState::kFault);
  EXPECT_EQ(failed.fault->code, cwmp::fault::kInvalidParameterName);
}

TEST_F(ScriptedCpeTest, InjectedFaultFailsTheTaskWithThatCode) {
  start_acs();
  ScriptedCpeOptions options = cpe_options();
  options.faults["SetParameterValues"] = 9007;
  make_cpe(options);
  bootstrap();
  const auto id =
      add_task(acs::TaskType::kSetParameterValues,
               {{"parameterValues",
                 json::array{json::value(json::array{"Device.WiFi.SSID.1.SSID", "lab"})}}});
  const auto gpv = add_task(acs::TaskType::kGetParameterValues,
                            {{"parameterNames", json::array{"Device.WiFi.SSID.1.SSID"}}});
  const SessionReport r = session();
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.answers, (std::vector<std::string>{"Fault 9007", "GetParameterValuesResponse"}));
  const acs::Task t = task(id);
  ASSERT_EQ(t.state, acs::TaskState::kFault);
  EXPECT_EQ(t.fault->code, 9007u);
  ASSERT_EQ(t.fault->parameter_faults.size(), 1u);
  EXPECT_EQ(t.fault->parameter_faults[0].fault_code, 9007u);
  EXPECT_EQ(task(gpv).state, acs::TaskState::kDone);  // the next task still runs
  EXPECT_EQ(cpe_->parameter("Device.WiFi.SSID.1.SSID"), "cwmp-suite-2g");
}

TEST_F(ScriptedCpeTest, CookiesAreSentBackUnlessDisabled) {
  start_acs();
  make_cpe(cpe_options("SN-COOKIE"));
  bootstrap();
  add_task(acs::TaskType::kGetRPCMethods, {});
  ASSERT_TRUE(session().ok());
  EXPECT_EQ(posts_, 3);  // Inform, empty POST, GetRPCMethodsResponse
  EXPECT_EQ(posts_with_cookie_, 2);
}

TEST_F(ScriptedCpeTest, CookielessCpeCompletesItsSession) {
  start_acs();
  ScriptedCpeOptions options = cpe_options("SN-NOCOOKIE");
  options.cookies = false;
  make_cpe(options);
  bootstrap();
  const auto id = add_task(acs::TaskType::kGetParameterValues,
                           {{"parameterNames", json::array{"Device.DeviceInfo.UpTime"}}});
  const SessionReport r = session();
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(task(id).state, acs::TaskState::kDone);
  EXPECT_EQ(posts_, 3);
  EXPECT_EQ(posts_with_cookie_, 0);  // followed by its TCP connection instead
}

TEST_F(ScriptedCpeTest, ConnectionRequestWithDigestStartsASession) {
  start_acs();
  ScriptedCpeOptions options = cpe_options("SN-CR");
  options.connection_request_listen = "127.0.0.1:0";
  options.connection_request_username = "acs";
  options.connection_request_password = "cr-secret";
  make_cpe(options);
  const std::string url = cpe_->connection_request_url();
  ASSERT_EQ(url.rfind("http://127.0.0.1:", 0), 0u) << url;
  EXPECT_EQ(cpe_->parameter("Device.ManagementServer.ConnectionRequestURL"), url);

  net::HttpConnection c(io_.get_executor());
  auto get = [&](net::Headers headers) {
    return asio::co_spawn(io_, c.request(url, http::verb::get, std::move(headers), "", 2s),
                          asio::use_future)
        .get();
  };
  const std::string target = url.substr(url.find('/', 7));
  auto challenge = get({});
  ASSERT_EQ(challenge.status(), 401u);
  auto parsed = cwmp::auth::parse_www_authenticate(
      std::string(challenge.response[http::field::www_authenticate]));
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->scheme, cwmp::auth::SelectedChallenge::Scheme::kDigest);

  cwmp::auth::DigestClient wrong("acs", "nope", fill_random);
  wrong.set_challenge(parsed->digest);
  EXPECT_EQ(get({{"Authorization", *wrong.authorization("GET", target)}}).status(), 401u);
  EXPECT_EQ(cpe_->connection_requests(), 0u);

  cwmp::auth::DigestClient right("acs", "cr-secret", fill_random);
  right.set_challenge(parsed->digest);
  auto accepted = get({{"Authorization", *right.authorization("GET", target)}});
  ASSERT_EQ(accepted.status(), 200u);
  EXPECT_TRUE(accepted.response.body().empty());

  ASSERT_TRUE(cpe_->wait_for_sessions(1, 10s));
  const SessionReport r = cpe_->sessions().at(0);
  EXPECT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.events, std::vector<std::string>{"6 CONNECTION REQUEST"});
  EXPECT_EQ(cpe_->connection_requests(), 1u);
  // The ACS learnt where to reach the device.
  auto target_info = store_->connection_request_target(device_id_);
  ASSERT_TRUE(target_info.has_value());
  EXPECT_EQ(target_info->url, url);
}

TEST_F(ScriptedCpeTest, RebootTaskLeadsToABootSessionWithItsCommandKey) {
  start_acs();
  make_cpe(cpe_options());
  bootstrap();
  const auto id = add_task(acs::TaskType::kReboot, {{"commandKey", "rb-1"}});
  ASSERT_TRUE(session().ok());
  EXPECT_EQ(task(id).state, acs::TaskState::kDone);
  const SessionReport next = session({});
  ASSERT_TRUE(next.ok()) << next.error;
  EXPECT_EQ(next.events, (std::vector<std::string>{"1 BOOT", "M Reboot"}));
  auto events = store_->recent_events(device_id_, 4);
  ASSERT_FALSE(events.empty());
  EXPECT_TRUE(std::any_of(events.begin(), events.end(), [](const cwmp::EventStruct& e) {
    return e.event_code == "M Reboot" && e.command_key == "rb-1";
  }));
}

TEST_F(ScriptedCpeTest, FirmwareDownloadIsReportedInTheNextSession) {
  start_acs();
  start_files();
  const std::string firmware(3000, 'F');
  files_by_name_["/fw-2.1.0.bin"] = firmware;
  make_cpe(cpe_options());
  bootstrap();
  const auto id = add_task(acs::TaskType::kDownload, {{"url", file_url("/fw-2.1.0.bin")},
                                                      {"fileType", "1 Firmware Upgrade Image"},
                                                      {"fileSize", firmware.size()},
                                                      {"commandKey", "dl-1"}});
  const SessionReport first = session();
  ASSERT_TRUE(first.ok()) << first.error;
  EXPECT_EQ(first.answers, std::vector<std::string>{"DownloadResponse"});
  EXPECT_EQ(task(id).result.at("status").as_int64(), 1);  // not done yet
  ASSERT_EQ(cpe_->finished_transfers().size(), 1u);
  EXPECT_EQ(cpe_->finished_transfers()[0].fault_code, 0u);
  EXPECT_EQ(cpe_->finished_transfers()[0].bytes, firmware.size());
  // The image is installed and the device restarts on it.
  EXPECT_EQ(cpe_->parameter("Device.DeviceInfo.SoftwareVersion"), "2.1.0");

  const SessionReport second = session({});
  ASSERT_TRUE(second.ok()) << second.error;
  EXPECT_TRUE(contains(second.events, "7 TRANSFER COMPLETE"));
  EXPECT_TRUE(contains(second.events, "M Download"));
  EXPECT_TRUE(contains(second.events, "1 BOOT"));
  EXPECT_EQ(second.cpe_requests, std::vector<std::string>{"TransferComplete"});
  EXPECT_TRUE(cpe_->pending_events().empty());  // acknowledged: nothing left to report

  const SessionReport third = session();
  EXPECT_TRUE(third.cpe_requests.empty());
  EXPECT_FALSE(contains(third.events, "M Download"));
}

// The ACS side of the same story: TransferComplete ends the Download task.
TEST_F(ScriptedCpeTest, TransferCompleteReachesTheDownloadTask) {
  start_acs();
  start_files();
  files_by_name_["/config.xml"] = "<config/>";
  make_cpe(cpe_options());
  bootstrap();
  const auto id = add_task(acs::TaskType::kDownload, {{"url", file_url("/config.xml")},
                                                      {"fileType", "3 Vendor Configuration File"},
                                                      {"commandKey", "cfg-1"}});
  ASSERT_TRUE(session().ok());
  ASSERT_TRUE(session({}).ok());
  const acs::Task t = task(id);
  ASSERT_TRUE(t.result.is_object()) << json::serialize(t.result);
  const auto* outcome = t.result.as_object().if_contains("transferComplete");
  ASSERT_NE(outcome, nullptr) << json::serialize(t.result);
  EXPECT_EQ(t.state, acs::TaskState::kDone);
}

TEST_F(ScriptedCpeTest, FailedDownloadIsReportedWithItsFaultCode) {
  start_acs();
  start_files();
  make_cpe(cpe_options());
  bootstrap();
  const auto id = add_task(acs::TaskType::kDownload,
                           {{"url", file_url("/missing.bin")}, {"commandKey", "dl-404"}});
  ASSERT_TRUE(session().ok());
  ASSERT_EQ(cpe_->finished_transfers().size(), 1u);
  EXPECT_EQ(cpe_->finished_transfers()[0].fault_code, cwmp::fault::kTransferAccessFile);
  EXPECT_EQ(cpe_->parameter("Device.DeviceInfo.SoftwareVersion"), "1.0.0");  // unchanged
  const SessionReport next = session({});
  ASSERT_TRUE(next.ok()) << next.error;
  EXPECT_EQ(next.cpe_requests, std::vector<std::string>{"TransferComplete"});
  EXPECT_FALSE(contains(next.events, "1 BOOT"));  // nothing was installed
  (void)id;
}

TEST_F(ScriptedCpeTest, UploadPutsTheConfigurationFile) {
  start_acs();
  start_files();
  make_cpe(cpe_options("SN-UP"));
  bootstrap();
  add_task(acs::TaskType::kUpload, {{"url", file_url("/upload/cfg.txt")}, {"commandKey", "up-1"}});
  const SessionReport r = session();
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.answers, std::vector<std::string>{"UploadResponse"});
  {
    std::lock_guard lock(files_mutex_);
    ASSERT_TRUE(uploads_.contains("/upload/cfg.txt"));
    const std::string& body = uploads_["/upload/cfg.txt"];
    EXPECT_NE(body.find("Device.DeviceInfo.SerialNumber=SN-UP\n"), std::string::npos);
    EXPECT_EQ(body.find("Device.ManagementServer.Password="), std::string::npos);  // hidden
  }
  const SessionReport next = session({});
  EXPECT_TRUE(contains(next.events, "M Upload"));
  EXPECT_EQ(next.cpe_requests, std::vector<std::string>{"TransferComplete"});
}

TEST_F(ScriptedCpeTest, ScheduleInformIsReportedInTheNextSession) {
  start_acs();
  make_cpe(cpe_options());
  bootstrap();
  add_task(acs::TaskType::kScheduleInform, {{"delaySeconds", 60}, {"commandKey", "si-1"}});
  ASSERT_TRUE(session().ok());
  const SessionReport next = session();
  ASSERT_TRUE(next.ok()) << next.error;
  EXPECT_TRUE(contains(next.events, "3 SCHEDULED"));
  EXPECT_TRUE(contains(next.events, "M ScheduleInform"));
}

TEST_F(ScriptedCpeTest, Cwmp14SessionNegotiatesTheVersion) {
  start_acs();
  ScriptedCpeOptions options = cpe_options();
  options.cwmp_version = cwmp::CwmpVersion::k1_4;
  make_cpe(options);
  bootstrap();
  const auto id = add_task(acs::TaskType::kGetParameterValues,
                           {{"parameterNames", json::array{"Device.DeviceInfo.ModelName"}}});
  const SessionReport r = session();
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.version, cwmp::CwmpVersion::k1_4);  // UseCWMPVersion from the ACS
  EXPECT_EQ(task(id).state, acs::TaskState::kDone);
}

TEST_F(ScriptedCpeTest, GetRPCMethodsFromTheCpeBeforeTheEmptyPost) {
  start_acs();
  make_cpe(cpe_options());
  const SessionReport r = session_with(scripted_cpe::SessionRequest{{"2 PERIODIC"}, true});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.cpe_requests, std::vector<std::string>{"GetRPCMethods"});
  EXPECT_TRUE(contains(r.acs_methods, "Inform"));
  EXPECT_TRUE(contains(r.acs_methods, "TransferComplete"));
}

TEST_F(ScriptedCpeTest, ExtraParametersGrowTheModel) {
  start_acs();
  ScriptedCpeOptions options = cpe_options();
  options.extra_parameters = 500;
  make_cpe(options);
  bootstrap();
  const auto id = add_task(acs::TaskType::kGetParameterValues,
                           {{"parameterNames", json::array{"Device.X_Test."}}});
  ASSERT_TRUE(session().ok());
  const acs::Task t = task(id);
  ASSERT_EQ(t.state, acs::TaskState::kDone);
  EXPECT_EQ(t.result.at("parameterValues").as_array().size(), 501u);  // + NumberOfEntries
  EXPECT_EQ(cpe_->parameter("Device.X_Test.Param.500.Value"), "value-500");
}

TEST_F(ScriptedCpeTest, InvalidEventCodeFailsBeforeAnythingIsSent) {
  start_acs();
  make_cpe(cpe_options());
  const SessionReport r = session({"BOOT"});
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(r.http_statuses.empty());
  EXPECT_EQ(posts_, 0);
}

TEST_F(ScriptedCpeTest, AutonomousCpeCallsBackAfterAReboot) {
  start_acs();
  ScriptedCpeOptions options = cpe_options("SN-AUTO");
  options.autonomous = true;
  options.periodic_inform_enable = false;
  make_cpe(options);
  bootstrap();
  add_task(acs::TaskType::kReboot, {{"commandKey", "auto-rb"}});
  ASSERT_TRUE(session({"1 BOOT"}).ok());
  // Nobody asks for the second session: the rebooted device calls in by itself.
  ASSERT_TRUE(cpe_->wait_for_sessions(3, 10s));
  const SessionReport second = cpe_->sessions().at(2);
  EXPECT_TRUE(second.ok()) << second.error;
  EXPECT_EQ(second.events, (std::vector<std::string>{"1 BOOT", "M Reboot"}));
}

TEST_F(ScriptedCpeTest, AutonomousCpeSendsPeriodicInforms) {
  start_acs();
  ScriptedCpeOptions options = cpe_options("SN-PERIODIC");
  options.autonomous = true;
  options.periodic_inform_interval = 1;  // seconds
  make_cpe(options);
  ASSERT_TRUE(cpe_->wait_for_sessions(2, 10s));  // nobody asks: the timer does
  for (const SessionReport& r : cpe_->sessions()) {
    EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.events, std::vector<std::string>{"2 PERIODIC"});
  }
}

// A CA and a certificate for 127.0.0.1, made by the openssl command (skipped without it).
class TestPki {
 public:
  static TestPki& instance() {
    static TestPki pki;
    return pki;
  }
  bool ok() const { return ok_; }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

 private:
  TestPki() {
    if (std::system("openssl version >/dev/null 2>&1") != 0) return;
    std::string tmpl = (std::filesystem::temp_directory_path() / "cpe_tls_XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) return;
    dir_ = tmpl;
    std::ofstream(dir_ / "server.ext") << "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                                          "extendedKeyUsage=serverAuth\n";
    const std::string d = "'" + dir_.string() + "'/";
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes ";
    const std::string script =
        "(openssl req -x509" + ec + "-keyout " + d + "ca.key -out " + d +
        "ca.crt -days 2 -subj '/CN=test-ca' && openssl req" + ec + "-keyout " + d +
        "server.key -out " + d + "server.csr -subj '/CN=127.0.0.1' && openssl x509 -req -in " + d +
        "server.csr -CA " + d + "ca.crt -CAkey " + d + "ca.key -CAcreateserial -out " + d +
        "server.crt -days 2 -extfile " + d + "server.ext) >/dev/null 2>&1";
    ok_ = std::system(script.c_str()) == 0;
  }
  ~TestPki() {
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }
  std::filesystem::path dir_;
  bool ok_ = false;
};

std::shared_ptr<asio::ssl::context> server_tls(const TestPki& pki) {
  net::ServerTlsOptions o;
  o.cert_file = pki.path("server.crt");
  o.key_file = pki.path("server.key");
  return net::make_server_tls_context(o);
}

TEST_F(ScriptedCpeTest, HttpsAcsWithBasicAuthenticationAndACaFile) {
  TestPki& pki = TestPki::instance();
  if (!pki.ok()) GTEST_SKIP() << "openssl command missing or failed";
  acs::CwmpServiceOptions o;
  o.auth = acs::CpeAuth::kBasicOverTls;
  o.username = "cpe";
  o.password = "secret";
  start_acs(o, server_tls(pki));
  ScriptedCpeOptions options = cpe_options("SN-TLS");
  options.acs_url = "https://127.0.0.1:" + std::to_string(acs_port_) + "/";
  options.username = "cpe";
  options.password = "secret";
  options.ca_file = pki.path("ca.crt");
  make_cpe(options);
  const SessionReport r = session({"0 BOOTSTRAP", "1 BOOT"});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.http_statuses, (std::vector<unsigned>{401, 200, 204}));  // Basic, over TLS
}

TEST_F(ScriptedCpeTest, UntrustedAcsCertificateFailsTheSession) {
  TestPki& pki = TestPki::instance();
  if (!pki.ok()) GTEST_SKIP() << "openssl command missing or failed";
  start_acs(no_auth(), server_tls(pki));
  ScriptedCpeOptions options = cpe_options("SN-UNTRUSTED");
  options.acs_url = "https://127.0.0.1:" + std::to_string(acs_port_) + "/";
  make_cpe(options);  // the system's CAs do not know the test CA
  const SessionReport r = session({"1 BOOT"});
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("tls"), std::string::npos) << r.error;
  EXPECT_TRUE(r.http_statuses.empty());
}

TEST_F(ScriptedCpeTest, BasicChallengeOverPlainHttpIsRefused) {
  // An ACS that (wrongly) asks for Basic over plain HTTP: a raw handler, since the
  // endpoint itself never does.
  acs_ = std::make_unique<net::HttpServer>(
      io_,
      [this](net::Request& request, const net::ConnectionInfo&) -> asio::awaitable<net::Response> {
        ++posts_;
        if (request.find(http::field::authorization) != request.end()) ++posts_with_cookie_;
        net::Response r;
        r.message = net::HttpResponse(http::status::unauthorized, request.version());
        r.message.set(http::field::www_authenticate, "Basic realm=\"acs\"");
        r.message.prepare_payload();
        co_return r;
      });
  acs_port_ = acs_->listen("127.0.0.1:0");
  run_io();
  ScriptedCpeOptions options = cpe_options();
  options.username = "cpe";
  options.password = "secret";
  make_cpe(options);
  const SessionReport r = session({"1 BOOT"});
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("Basic"), std::string::npos) << r.error;
  EXPECT_EQ(posts_, 1);
  EXPECT_EQ(posts_with_cookie_, 0);  // (counts Authorization here) the password never left
}

}  // namespace
