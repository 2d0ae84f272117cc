// cwmp-acs assembled: the store, the CWMP endpoint, the NBI, the file service and
// connection requests on one io_context served by a few threads, with the store's
// blocking calls on their own thread. main.cpp runs it; the end-to-end tests run it
// in-process on ephemeral ports.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "config.hpp"

namespace acs {
class Metrics;
}
namespace store {
class Store;
}

namespace acs_app {

struct BoundPorts {
  std::uint16_t cwmp = 0;
  std::uint16_t cwmp_tls = 0;
  std::uint16_t nbi = 0;
  std::uint16_t files = 0;
  std::uint16_t files_tls = 0;
};

class AcsApp {
 public:
  // Opens the store (creating the data dir) and builds every component. Throws
  // std::runtime_error (or store::StoreError) with a message fit for the operator.
  explicit AcsApp(AcsConfig config);
  ~AcsApp();
  AcsApp(const AcsApp&) = delete;
  AcsApp& operator=(const AcsApp&) = delete;

  // Binds the listeners and starts the threads; returns at once.
  BoundPorts start();
  // Stops accepting, lets requests in progress finish (up to 5 s), then stops the
  // threads. Everything acknowledged is already committed to the store.
  void stop();
  // Blocks until stop() (or a signal handled by the caller) ends the threads.
  void wait();

  const BoundPorts& ports() const;
  store::Store& store();
  acs::Metrics& metrics();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace acs_app
