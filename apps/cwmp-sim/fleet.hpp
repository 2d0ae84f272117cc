// cwmp-sim's fleet (issue 5 §1): N simulated CPEs in one process. Each device is the real
// agent — a cpe::model::DataModel over one shared, immutable Schema (the device keeps only
// its differences) and a cpe::agent::Agent — with in-memory state, its data-model calls on a
// strand of the io threads, and a path on one shared connection-request listener. The scenarios
// drive them; Stats counts what happened.
#pragma once

#include <atomic>
#include <boost/json/object.hpp>
#include <memory>
#include <optional>
#include <string>

#include "cr_storm.hpp"
#include "sim_config.hpp"
#include "sim_stats.hpp"

namespace sim {

class Fleet {
 public:
  // Parses the model and checks the configuration; throws std::runtime_error.
  explicit Fleet(SimConfig config);
  ~Fleet();
  Fleet(const Fleet&) = delete;
  Fleet& operator=(const Fleet&) = delete;

  // Starts the io threads and the devices (over --ramp-up), then the scenario; returns at
  // once.
  void start();
  // Destroys every device (as a power cut: sessions in flight are dropped) and stops.
  void stop();

  Stats& stats();
  // The scenario reached its end: boot-storm when every device has bootstrapped, cr-storm
  // when every task was posted and answered; steady never.
  bool finished() const;
  // How the scenario ended, in one line.
  std::string summary() const;
  // The JSON report: configuration, totals, the scenario's result, memory.
  boost::json::object report(bool interrupted) const;

  // Devices created so far, and the id the ACS gives device `index` (GenieACS form).
  std::size_t size() const;
  std::string device_id(std::size_t index) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sim
