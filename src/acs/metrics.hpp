// Counters, gauges and histograms of the ACS, rendered in the Prometheus text
// exposition format (version 0.0.4) for GET /metrics. Thread-safe; cheap enough
// to call once per session or request (one mutex, no allocation for known series).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace acs {

class Metrics {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;

  // Declares a family before use (name, help text); a family is a counter, a gauge or a
  // histogram with the given upper bounds (seconds, ascending; +Inf is implied).
  void declare_counter(std::string name, std::string help);
  void declare_gauge(std::string name, std::string help);
  void declare_histogram(std::string name, std::string help, std::vector<double> bounds);

  // Counters: adds n to the series of `name` with these labels (created at 0 on first use).
  void add(std::string_view name, const Labels& labels = {}, std::uint64_t n = 1);
  // Gauges: sets the series' value.
  void set(std::string_view name, const Labels& labels, double value);
  // Histograms: records one observation.
  void observe(std::string_view name, double value, const Labels& labels = {});
  // A gauge computed when rendered (e.g. active sessions, rows in the store). Called
  // without the metrics lock held; it may block briefly.
  void gauge_source(std::string name, std::string help,
                    std::function<std::vector<std::pair<Labels, double>>()> source);

  // The value of one counter series (tests).
  std::uint64_t counter_value(std::string_view name, const Labels& labels = {}) const;

  std::string render() const;

 private:
  enum class Kind : std::uint8_t { kCounter, kGauge, kHistogram };
  struct Histogram {
    std::vector<std::uint64_t> buckets;  // cumulative at render
    std::uint64_t count = 0;
    double sum = 0;
  };
  struct Family {
    Kind kind = Kind::kCounter;
    std::string help;
    std::vector<double> bounds;
    std::map<Labels, double> values;  // counters and gauges
    std::map<Labels, Histogram> histograms;
  };
  struct Source {
    std::string name;
    std::string help;
    std::function<std::vector<std::pair<Labels, double>>()> source;
  };
  Family& family(std::string_view name);

  mutable std::mutex mutex_;
  std::map<std::string, Family, std::less<>> families_;
  std::vector<Source> sources_;
};

// Declares the ACS's metric families (names in docs/operations.md).
void declare_acs_metrics(Metrics& metrics);

}  // namespace acs
