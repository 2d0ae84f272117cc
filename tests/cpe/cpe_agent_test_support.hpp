// Shared pieces of the cpe_agent tests: a fake DeviceApi, a scripted ACS and a file server
// (net::HttpServer + libcwmp over real sockets on 127.0.0.1), and a fixture that runs an Agent
// with a ManualClock on an io_context served by one background thread.
#pragma once

#include <gtest/gtest.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/http/field.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "cpe/agent/agent.hpp"
#include "cpe/device_api.hpp"
#include "cwmp/codec.hpp"
#include "cwmp/faults.hpp"
#include "cwmp/http_auth.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"

namespace cpe_agent_test {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using cpe::agent::Agent;
using cpe::agent::AgentOptions;
using cpe::agent::ManualClock;
using cpe::agent::TimePoint;

inline void random_bytes(std::span<std::uint8_t> out) {
  ASSERT_EQ(RAND_bytes(out.data(), static_cast<int>(out.size())), 1);
}

inline std::string header(const net::Request& r, http::field f) {
  auto it = r.find(f);
  return it == r.end() ? std::string() : std::string(it->value());
}

// ---------------------------------------------------------------------------------------------
// A DeviceApi over a map, thread-safe, counting what the agent does with it.

class FakeDevice : public cpe::DeviceApi {
 public:
  FakeDevice() { reset_values(); }

  cwmp::DeviceId device_id() const override { return {"Acme", "00D09E", "Gateway", "SN-0001"}; }
  std::vector<cwmp::ParameterValue> inform_parameters() override {
    std::lock_guard lock(mutex_);
    std::vector<cwmp::ParameterValue> out;
    for (const char* name :
         {"Device.DeviceInfo.HardwareVersion", "Device.DeviceInfo.SoftwareVersion",
          "Device.DeviceInfo.ProvisioningCode", "Device.ManagementServer.ParameterKey",
          "Device.ManagementServer.ConnectionRequestURL"}) {
      out.push_back({name, values_[name], cwmp::ValueType::kString});
    }
    for (const auto& name : changed_)
      out.push_back({name, values_[name], cwmp::ValueType::kString});
    return out;
  }
  bool value_change_pending() const override {
    std::lock_guard lock(mutex_);
    return active_change_;
  }
  bool notification_pending() const override {
    std::lock_guard lock(mutex_);
    return active_change_ || !changed_.empty();
  }
  void inform_delivered() override {
    std::lock_guard lock(mutex_);
    active_change_ = false;
    changed_.clear();
    ++inform_delivered_count_;
  }
  cwmp::Body handle(const cwmp::Body& request) override {
    std::lock_guard lock(mutex_);
    handled_.emplace_back(cwmp::method_name(request));
    if (const auto* gpv = std::get_if<cwmp::GetParameterValues>(&request)) {
      cwmp::GetParameterValuesResponse r;
      for (const std::string& name : gpv->parameter_names) {
        bool found = false;
        for (const auto& [n, v] : values_) {
          if (n == name || (!name.empty() && name.back() == '.' && n.starts_with(name))) {
            r.parameter_list.push_back({n, v, cwmp::ValueType::kString});
            found = true;
          }
        }
        if (!found) return cwmp::Fault::make(cwmp::fault::kInvalidParameterName, name);
      }
      return r;
    }
    if (const auto* spv = std::get_if<cwmp::SetParameterValues>(&request)) {
      cwmp::Fault fault = cwmp::Fault::make(cwmp::fault::kInvalidArguments);
      for (const auto& p : spv->parameter_list) {
        if (!values_.contains(p.name)) {
          fault.set_parameter_values_faults.push_back(
              {p.name, cwmp::fault::kInvalidParameterName, "no such parameter"});
        }
      }
      if (!fault.set_parameter_values_faults.empty()) return fault;
      for (const auto& p : spv->parameter_list) {
        values_[p.name] = p.value;
        if (p.name == "Device.ManagementServer.URL") management_.url = p.value;
        if (p.name == "Device.ManagementServer.PeriodicInformInterval") {
          management_.periodic_inform_interval = static_cast<std::uint32_t>(std::stoul(p.value));
        }
      }
      values_["Device.ManagementServer.ParameterKey"] = spv->parameter_key;
      return cwmp::SetParameterValuesResponse{0};
    }
    return cwmp::Fault::make(cwmp::fault::kMethodNotSupported, "fake");
  }
  cpe::ManagementSettings management() const override {
    std::lock_guard lock(mutex_);
    return management_;
  }
  void set_connection_request_url(const std::string& url) override {
    std::lock_guard lock(mutex_);
    values_["Device.ManagementServer.ConnectionRequestURL"] = url;
  }
  void set_internal(const std::string& path, const std::string& value) override {
    std::lock_guard lock(mutex_);
    values_[path] = value;
    internal_[path] = value;
  }
  void factory_reset() override {
    std::lock_guard lock(mutex_);
    ++factory_resets_;
    const std::string url = management_.url;
    reset_values();
    management_.url = url;  // the factory ACS URL: the same, in these tests
  }

  // --- test controls and observations -----------------------------------------------------
  void set_management(const std::function<void(cpe::ManagementSettings&)>& edit) {
    std::lock_guard lock(mutex_);
    edit(management_);
  }
  void change(const std::string& name, const std::string& value, bool active) {
    std::lock_guard lock(mutex_);
    values_[name] = value;
    changed_.push_back(name);
    if (active) active_change_ = true;
  }
  std::string value(const std::string& name) const {
    std::lock_guard lock(mutex_);
    auto it = values_.find(name);
    return it == values_.end() ? std::string() : it->second;
  }
  std::vector<std::string> handled() const {
    std::lock_guard lock(mutex_);
    return handled_;
  }
  int factory_resets() const {
    std::lock_guard lock(mutex_);
    return factory_resets_;
  }
  int inform_delivered_count() const {
    std::lock_guard lock(mutex_);
    return inform_delivered_count_;
  }

 private:
  void reset_values() {
    values_ = {{"Device.DeviceInfo.HardwareVersion", "HW1"},
               {"Device.DeviceInfo.SoftwareVersion", "1.0.0"},
               {"Device.DeviceInfo.ProvisioningCode", ""},
               {"Device.ManagementServer.ParameterKey", ""},
               {"Device.ManagementServer.ConnectionRequestURL", ""},
               {"Device.ManagementServer.URL", ""},
               {"Device.ManagementServer.PeriodicInformInterval", "3600"},
               {"Device.Test.Value", "a"}};
    management_ = cpe::ManagementSettings{};
    management_.periodic_inform_enable = false;
    changed_.clear();
    active_change_ = false;
  }

  mutable std::mutex mutex_;
  std::map<std::string, std::string> values_;
  std::map<std::string, std::string> internal_;
  cpe::ManagementSettings management_;
  std::vector<std::string> changed_;
  bool active_change_ = false;
  std::vector<std::string> handled_;
  int factory_resets_ = 0;
  int inform_delivered_count_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Responses

inline net::Response envelope_response(const cwmp::Envelope& env) {
  net::Response r;
  r.message.result(http::status::ok);
  r.message.set(http::field::content_type, "text/xml; charset=\"utf-8\"");
  auto bytes = cwmp::encode(env);
  EXPECT_TRUE(bytes.ok()) << (bytes.ok() ? "" : bytes.error().message);
  if (bytes.ok()) r.message.body() = bytes.value();
  return r;
}

inline net::Response status_response(http::status status, std::string body = {}) {
  net::Response r;
  r.message.result(status);
  r.message.body() = std::move(body);
  return r;
}

inline std::string to_string(const cwmp::Body& body) {
  if (const auto* f = std::get_if<cwmp::Fault>(&body)) return "Fault " + std::to_string(f->code);
  return std::string(cwmp::method_name(body));
}

// ---------------------------------------------------------------------------------------------
// A scripted ACS. Sessions start with an Inform. By default: InformResponse (with a session
// cookie), TransferCompleteResponse to every TransferComplete, then the queued RPCs one per
// response, then 204.

struct AcsSession {
  cwmp::Envelope inform;
  std::vector<std::string> timeline;     // what the CPE posted: "Inform", "(empty)", ...
  std::vector<std::string> cookies;      // the Cookie header of every POST
  std::vector<cwmp::Body> cpe_requests;  // TransferComplete, ...
  std::vector<cwmp::Envelope> answers;   // the CPE's answers to our RPCs
  std::vector<std::string> sent_ids;     // cwmp:ID of the RPCs we sent
  bool completed = false;                // we answered 204

  const cwmp::Inform& body() const { return std::get<cwmp::Inform>(inform.body); }
  std::vector<std::string> events() const {
    std::vector<std::string> out;
    for (const auto& e : body().event) out.push_back(e.event_code);
    return out;
  }
  bool has_event(const std::string& code, std::optional<std::string> key = std::nullopt) const {
    for (const auto& e : body().event) {
      if (e.event_code == code && (!key || e.command_key == *key)) return true;
    }
    return false;
  }
  std::vector<cwmp::TransferComplete> transfer_completes() const {
    std::vector<cwmp::TransferComplete> out;
    for (const auto& b : cpe_requests) {
      if (const auto* tc = std::get_if<cwmp::TransferComplete>(&b)) out.push_back(*tc);
    }
    return out;
  }
};

class ScriptedAcs {
 public:
  // Returns a response to send instead of the default behaviour, or nullopt.
  using Hook = std::function<std::optional<net::Response>(const net::Request&,
                                                          const std::optional<cwmp::Envelope>&)>;

  // The ACS has an io_context and a thread of its own, so that a test can hold it (block in a
  // hook) without holding the agent.
  explicit ScriptedAcs(std::shared_ptr<asio::ssl::context> tls = {})
      : server_(std::make_unique<net::HttpServer>(
            io_, [this](net::Request& r, const net::ConnectionInfo&) { return serve(r); })) {
    port_ = server_->listen("127.0.0.1:0", std::move(tls));
    thread_ = std::thread([this] { io_.run(); });
  }
  ~ScriptedAcs() {
    stop();
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  std::string url(const std::string& path = "/acs", bool https = false) const {
    return std::string(https ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + path;
  }
  void stop() {
    if (!server_) return;
    std::promise<void> done;
    server_->stop(0ms, [&done] { done.set_value(); });
    done.get_future().wait_for(5s);
    server_.reset();
  }

  // --- script ---------------------------------------------------------------------------
  void queue(cwmp::Body rpc) {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(rpc));
  }
  void set_hook(Hook hook) {
    std::lock_guard lock(mutex_);
    hook_ = std::move(hook);
  }
  void set_inform_fault(std::optional<std::uint32_t> code) {
    std::lock_guard lock(mutex_);
    inform_fault_ = code;
  }
  void set_transfer_complete_fault(std::optional<std::uint32_t> code) {
    std::lock_guard lock(mutex_);
    tc_fault_ = code;
  }
  // HoldRequests=true on the InformResponse and on every RPC but the last of the queue.
  void set_hold_requests(bool hold) {
    std::lock_guard lock(mutex_);
    hold_ = hold;
  }
  void set_use_version(std::optional<std::string> v) {
    std::lock_guard lock(mutex_);
    use_version_ = std::move(v);
  }
  void require_digest(std::string username, std::string password) {
    std::lock_guard lock(mutex_);
    cwmp::auth::DigestServerOptions o;
    o.realm = "acs";
    digest_ = std::make_unique<cwmp::auth::DigestServer>(o, random_bytes);
    username_ = std::move(username);
    password_ = std::move(password);
    basic_ = false;
  }
  void require_basic(std::string username, std::string password) {
    std::lock_guard lock(mutex_);
    digest_.reset();
    basic_ = true;
    username_ = std::move(username);
    password_ = std::move(password);
  }

  // --- observations ---------------------------------------------------------------------
  std::vector<AcsSession> sessions() const {
    std::lock_guard lock(mutex_);
    return sessions_;
  }
  std::size_t session_count() const {
    std::lock_guard lock(mutex_);
    return sessions_.size();
  }
  AcsSession last() const {
    std::lock_guard lock(mutex_);
    return sessions_.empty() ? AcsSession{} : sessions_.back();
  }
  unsigned unauthorized() const {
    std::lock_guard lock(mutex_);
    return unauthorized_;
  }
  std::size_t queued() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
  }

 private:
  asio::awaitable<net::Response> serve(net::Request& request) { co_return handle(request); }

  net::Response handle(const net::Request& request) {
    std::optional<cwmp::Envelope> envelope;
    if (!request.body().empty()) {
      auto decoded = cwmp::decode(request.body());
      if (decoded) envelope = decoded->envelope;
    }
    Hook hook;
    {
      std::lock_guard lock(mutex_);
      if (auto denied = check_auth(request)) return *denied;
      hook = hook_;
    }
    // The hook runs unlocked: it may block (holding the ACS) while the test looks on.
    std::optional<net::Response> hooked;
    if (hook) hooked = hook(request, envelope);
    std::lock_guard lock(mutex_);
    if (hooked) {
      if (envelope && std::holds_alternative<cwmp::Inform>(envelope->body)) {
        sessions_.push_back(AcsSession{*envelope, {"Inform"}, {}, {}, {}, {}, false});
      }
      return *hooked;
    }
    if (envelope && std::holds_alternative<cwmp::Inform>(envelope->body)) {
      AcsSession s;
      s.inform = *envelope;
      s.timeline.push_back("Inform");
      s.cookies.push_back(header(request, http::field::cookie));
      sessions_.push_back(std::move(s));
      if (inform_fault_) return fault(*inform_fault_, envelope->header.id);
      cwmp::Envelope out;
      out.header.id = envelope->header.id;
      if (hold_) out.header.hold_requests = true;
      if (use_version_ && envelope->header.supported_cwmp_versions) {
        out.header.use_cwmp_version = *use_version_;
        out.version = cwmp::CwmpVersion::k1_4;
      }
      out.body = cwmp::InformResponse{1};
      net::Response r = envelope_response(out);
      r.message.set(http::field::set_cookie,
                    "acs-session=s" + std::to_string(sessions_.size()) + "; Path=/; HttpOnly");
      return r;
    }
    if (sessions_.empty()) return status_response(http::status::bad_request);
    AcsSession& s = sessions_.back();
    s.cookies.push_back(header(request, http::field::cookie));
    if (envelope) {
      s.timeline.push_back(to_string(envelope->body));
      if (cwmp::is_request(envelope->body)) {
        s.cpe_requests.push_back(envelope->body);
        if (std::holds_alternative<cwmp::TransferComplete>(envelope->body) && tc_fault_) {
          return fault(*tc_fault_, envelope->header.id);
        }
        cwmp::Envelope out;
        out.header.id = envelope->header.id;
        if (std::holds_alternative<cwmp::TransferComplete>(envelope->body)) {
          out.body = cwmp::TransferCompleteResponse{};
        } else {
          out.body = cwmp::Fault::make(cwmp::fault::kAcsMethodNotSupported);
        }
        return envelope_response(out);
      }
      s.answers.push_back(*envelope);
    } else {
      s.timeline.push_back(request.body().empty() ? "(empty)" : "(garbage)");
    }
    if (queue_.empty()) {
      s.completed = true;
      return status_response(http::status::no_content);
    }
    cwmp::Envelope out;
    out.header.id = "acs-" + std::to_string(++rpc_counter_);
    s.sent_ids.push_back(*out.header.id);
    out.body = std::move(queue_.front());
    queue_.pop_front();
    if (hold_ && !queue_.empty()) out.header.hold_requests = true;
    return envelope_response(out);
  }

  net::Response fault(std::uint32_t code, const std::optional<std::string>& id) {
    cwmp::Envelope out;
    out.header.id = id;
    out.body = cwmp::Fault::make(code);
    return envelope_response(out);
  }

  std::optional<net::Response> check_auth(const net::Request& request) {
    if (!digest_ && !basic_) return std::nullopt;
    const std::string value = header(request, http::field::authorization);
    const auto now = std::chrono::system_clock::now();
    auto challenge = [&] {
      ++unauthorized_;
      net::Response r = status_response(http::status::unauthorized);
      if (basic_) {
        r.message.set(http::field::www_authenticate, "Basic realm=\"acs\"");
      } else {
        for (const auto& c : digest_->challenges(now)) {
          r.message.insert(http::field::www_authenticate, c);
        }
      }
      return r;
    };
    if (value.empty()) return challenge();
    if (basic_) {
      auto creds = cwmp::auth::parse_basic_authorization(value);
      if (!creds || !cwmp::auth::basic_matches(*creds, username_, password_)) return challenge();
      return std::nullopt;
    }
    auto creds = cwmp::auth::parse_digest_authorization(value);
    if (!creds || creds->username != username_) return challenge();
    if (digest_->verify(*creds, "POST", std::string(request.target()), password_, now) !=
        cwmp::auth::VerifyResult::kOk) {
      return challenge();
    }
    return std::nullopt;
  }

  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      io_.get_executor()};
  std::thread thread_;
  std::unique_ptr<net::HttpServer> server_;
  std::uint16_t port_ = 0;
  mutable std::mutex mutex_;
  std::deque<cwmp::Body> queue_;
  std::vector<AcsSession> sessions_;
  Hook hook_;
  std::optional<std::uint32_t> inform_fault_;
  std::optional<std::uint32_t> tc_fault_;
  std::optional<std::string> use_version_;
  bool hold_ = false;
  std::unique_ptr<cwmp::auth::DigestServer> digest_;
  bool basic_ = false;
  std::string username_;
  std::string password_;
  unsigned unauthorized_ = 0;
  std::uint64_t rpc_counter_ = 0;
};

// ---------------------------------------------------------------------------------------------
// A file server: GET serves the files put in it (optionally behind Digest), PUT records.

class FileServer {
 public:
  struct File {
    unsigned status = 200;
    std::string body;
    std::string username;  // non-empty: Digest (or Basic) required
    std::string password;
    bool basic = false;
  };

  explicit FileServer(asio::io_context& io)
      : server_(std::make_unique<net::HttpServer>(
            io, [this](net::Request& r, const net::ConnectionInfo&) { return serve(r); })) {
    port_ = server_->listen("127.0.0.1:0");
    cwmp::auth::DigestServerOptions o;
    o.realm = "files";
    digest_ = std::make_unique<cwmp::auth::DigestServer>(o, random_bytes);
  }
  ~FileServer() { stop(); }
  void stop() {
    if (!server_) return;
    std::promise<void> done;
    server_->stop(0ms, [&done] { done.set_value(); });
    done.get_future().wait_for(5s);
    server_.reset();
  }

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  void put(const std::string& path, File file) {
    std::lock_guard lock(mutex_);
    files_[path] = std::move(file);
  }
  void set_upload_status(unsigned status) {
    std::lock_guard lock(mutex_);
    upload_status_ = status;
  }
  std::vector<std::pair<std::string, std::string>> uploads() const {
    std::lock_guard lock(mutex_);
    return uploads_;
  }
  std::size_t gets() const {
    std::lock_guard lock(mutex_);
    return gets_;
  }

 private:
  asio::awaitable<net::Response> serve(net::Request& request) { co_return handle(request); }

  net::Response handle(const net::Request& request) {
    std::lock_guard lock(mutex_);
    const std::string target(request.target());
    if (request.method() == http::verb::put) {
      uploads_.emplace_back(target, request.body());
      return status_response(static_cast<http::status>(upload_status_));
    }
    ++gets_;
    auto it = files_.find(target);
    if (it == files_.end()) return status_response(http::status::not_found, "no such file");
    const File& f = it->second;
    if (!f.username.empty() && f.basic) {
      auto creds =
          cwmp::auth::parse_basic_authorization(header(request, http::field::authorization));
      if (!creds || !cwmp::auth::basic_matches(*creds, f.username, f.password)) {
        net::Response r = status_response(http::status::unauthorized);
        r.message.set(http::field::www_authenticate, "Basic realm=\"files\"");
        return r;
      }
    } else if (!f.username.empty()) {
      const std::string value = header(request, http::field::authorization);
      const auto now = std::chrono::system_clock::now();
      auto creds = cwmp::auth::parse_digest_authorization(value);
      if (!creds || creds->username != f.username ||
          digest_->verify(*creds, "GET", target, f.password, now) !=
              cwmp::auth::VerifyResult::kOk) {
        net::Response r = status_response(http::status::unauthorized);
        for (const auto& c : digest_->challenges(now)) {
          r.message.insert(http::field::www_authenticate, c);
        }
        return r;
      }
    }
    return status_response(static_cast<http::status>(f.status), f.body);
  }

  std::unique_ptr<net::HttpServer> server_;
  std::uint16_t port_ = 0;
  mutable std::mutex mutex_;
  std::map<std::string, File> files_;
  std::unique_ptr<cwmp::auth::DigestServer> digest_;
  std::vector<std::pair<std::string, std::string>> uploads_;
  unsigned upload_status_ = 200;
  std::size_t gets_ = 0;
};

// ---------------------------------------------------------------------------------------------
// The fixture.

class AgentFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "cpe_agent_test_XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    clock_ = std::make_shared<ManualClock>();
    acs_ = std::make_unique<ScriptedAcs>();
    files_ = std::make_unique<FileServer>(io_);
    device_.set_management([this](cpe::ManagementSettings& m) { m.url = acs_->url(); });
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    agent_.reset();
    if (acs_) acs_->stop();
    if (files_) files_->stop();
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  AgentOptions options() {
    AgentOptions o;
    o.state_dir = dir_ / "state";
    o.cr_listen = "127.0.0.1:0";
    o.clock = clock_;
    o.random = [this] { return random_unit_.load(); };
    o.http_timeout = 5s;
    o.transfer_timeout = 5s;
    return o;
  }

  // Creates and starts the agent, then waits until it is idle (the boot session done).
  void start(AgentOptions o) {
    agent_ = std::make_unique<Agent>(io_, device_, std::move(o));
    agent_->start();
    settle();
  }
  void start() { start(options()); }

  void settle() {
    ASSERT_TRUE(agent_);
    auto f = agent_->settle();
    ASSERT_EQ(f.wait_for(20s), std::future_status::ready) << "the agent did not settle";
  }
  void advance(std::chrono::milliseconds d) {
    clock_->advance(d);
    settle();
  }

  // Waits (bounded) for a condition that another thread makes true.
  template <class Pred>
  bool eventually(Pred pred, std::chrono::milliseconds limit = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }

  template <class T>
  T run(asio::awaitable<T> a) {
    return asio::co_spawn(io_, std::move(a), asio::use_future).get();
  }

  net::ClientResult get(const std::string& url, net::Headers headers = {}) {
    return run(
        net::http_request(io_.get_executor(), url, http::verb::get, std::move(headers), "", 2s));
  }

  // A connection request as an ACS sends it: GET, a 401, GET with Digest.
  net::ClientResult connection_request(const std::string& url, const std::string& username,
                                       const std::string& password) {
    net::ClientResult first = get(url);
    if (first.status() != 401) return first;
    std::string www;
    for (auto [it, end] = first.response.equal_range(http::field::www_authenticate); it != end;
         ++it) {
      if (!www.empty()) www += ", ";
      www += std::string(it->value());
    }
    auto selected = cwmp::auth::parse_www_authenticate(www);
    if (!selected) return first;
    cwmp::auth::DigestClient client(username, password, random_bytes);
    client.set_challenge(selected->digest);
    const std::string target = url.substr(url.find('/', 8));
    auto authorization = client.authorization("GET", target);
    return get(url, {{"Authorization", *authorization}});
  }

  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      io_.get_executor()};
  std::thread thread_;
  fs::path dir_;
  std::shared_ptr<ManualClock> clock_;
  std::atomic<double> random_unit_{0.0};
  FakeDevice device_;
  std::unique_ptr<ScriptedAcs> acs_;
  std::unique_ptr<FileServer> files_;
  std::unique_ptr<Agent> agent_;
};

}  // namespace cpe_agent_test
