// The northbound interface: a REST/JSON API for OSS/BSS systems, compatible with what
// scripts use of GenieACS's NBI (devices, tasks, faults, tags, files), plus task status,
// CPE credentials, an API token, /metrics and /healthz. docs/nbi.md documents every
// endpoint. Store calls run on the store executor, never on the event loop.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "acs/connection_request.hpp"
#include "acs/model.hpp"
#include "net/http_server.hpp"

namespace store {
class Store;
}

namespace acs {

class FileRepository;
class Metrics;

struct NbiOptions {
  // When set, every request but /healthz must carry "Authorization: Bearer <token>".
  std::string token;
  // Base URL of the file service as CPEs reach it ("http://acs.example.net:7567"), used to
  // fill in download tasks that name a stored file.
  std::string files_base_url;
  // Default expiry of a queued task (GenieACS keeps tasks until done; 0 = never).
  std::chrono::milliseconds task_expiry{0};
  // Upper bound of ?timeout= on POST /devices/<id>/tasks.
  std::chrono::milliseconds max_wait{60'000};
  std::uint64_t max_file_bytes = 256ull * 1024 * 1024;
  std::function<Millis()> clock;  // UTC ms; defaults to the system clock
};

// Sends a connection request to a device (ConnectionRequester::request in the ACS; a fake
// in tests).
using ConnectionRequestFn =
    std::function<boost::asio::awaitable<ConnectionRequestOutcome>(std::string device_id)>;

class Nbi {
 public:
  Nbi(store::Store& store, boost::asio::any_io_executor store_executor, FileRepository& files,
      ConnectionRequestFn connection_request, Metrics& metrics, NbiOptions options);
  ~Nbi();
  boost::asio::awaitable<net::Response> handle(net::Request& request,
                                               const net::ConnectionInfo& connection);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace acs
