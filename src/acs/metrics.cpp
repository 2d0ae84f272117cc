#include "acs/metrics.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace acs {

namespace {

// Label values escape backslash, double quote and newline (exposition format 0.0.4).
void append_labels(std::string& out, const Metrics::Labels& labels,
                   const std::pair<std::string, std::string>* extra = nullptr) {
  if (labels.empty() && extra == nullptr) return;
  out += '{';
  bool first = true;
  auto one = [&](const std::pair<std::string, std::string>& label) {
    if (!first) out += ',';
    first = false;
    out += label.first;
    out += "=\"";
    for (char c : label.second) {
      if (c == '\\' || c == '"') {
        out += '\\';
        out += c;
      } else if (c == '\n') {
        out += "\\n";
      } else {
        out += c;
      }
    }
    out += '"';
  };
  for (const auto& label : labels) one(label);
  if (extra != nullptr) one(*extra);
  out += '}';
}

std::string number(double value) {
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<long long>(value));
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", value);
  return buffer;
}

void header(std::string& out, const std::string& name, const std::string& help,
            std::string_view type) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " ";
  out += type;
  out += '\n';
}

}  // namespace

void Metrics::declare_counter(std::string name, std::string help) {
  std::lock_guard lock(mutex_);
  Family& f = families_[std::move(name)];
  f.kind = Kind::kCounter;
  f.help = std::move(help);
}

void Metrics::declare_gauge(std::string name, std::string help) {
  std::lock_guard lock(mutex_);
  Family& f = families_[std::move(name)];
  f.kind = Kind::kGauge;
  f.help = std::move(help);
}

void Metrics::declare_histogram(std::string name, std::string help, std::vector<double> bounds) {
  std::lock_guard lock(mutex_);
  Family& f = families_[std::move(name)];
  f.kind = Kind::kHistogram;
  f.help = std::move(help);
  f.bounds = std::move(bounds);
}

Metrics::Family& Metrics::family(std::string_view name) {
  const auto it = families_.find(name);
  if (it == families_.end()) {
    throw std::logic_error("metric family not declared: " + std::string(name));
  }
  return it->second;
}

void Metrics::add(std::string_view name, const Labels& labels, std::uint64_t n) {
  std::lock_guard lock(mutex_);
  family(name).values[labels] += static_cast<double>(n);
}

void Metrics::set(std::string_view name, const Labels& labels, double value) {
  std::lock_guard lock(mutex_);
  family(name).values[labels] = value;
}

void Metrics::observe(std::string_view name, double value, const Labels& labels) {
  std::lock_guard lock(mutex_);
  Family& f = family(name);
  Histogram& h = f.histograms[labels];
  if (h.buckets.empty()) h.buckets.assign(f.bounds.size(), 0);
  for (std::size_t i = 0; i < f.bounds.size(); ++i) {
    if (value <= f.bounds[i]) {
      ++h.buckets[i];
      break;
    }
  }
  ++h.count;
  h.sum += value;
}

void Metrics::gauge_source(std::string name, std::string help,
                           std::function<std::vector<std::pair<Labels, double>>()> source) {
  std::lock_guard lock(mutex_);
  sources_.push_back(Source{std::move(name), std::move(help), std::move(source)});
}

std::uint64_t Metrics::counter_value(std::string_view name, const Labels& labels) const {
  std::lock_guard lock(mutex_);
  const auto it = families_.find(name);
  if (it == families_.end()) return 0;
  const auto v = it->second.values.find(labels);
  return v == it->second.values.end() ? 0 : static_cast<std::uint64_t>(v->second);
}

std::string Metrics::render() const {
  std::vector<Source> sources;
  {
    std::lock_guard lock(mutex_);
    sources = sources_;
  }
  std::string out;
  // Sources run outside the lock: they may query the store.
  for (const Source& s : sources) {
    header(out, s.name, s.help, "gauge");
    for (const auto& [labels, value] : s.source()) {
      out += s.name;
      append_labels(out, labels);
      out += ' ' + number(value) + '\n';
    }
  }
  std::lock_guard lock(mutex_);
  for (const auto& [name, f] : families_) {
    switch (f.kind) {
      case Kind::kCounter:
      case Kind::kGauge:
        header(out, name, f.help, f.kind == Kind::kCounter ? "counter" : "gauge");
        for (const auto& [labels, value] : f.values) {
          out += name;
          append_labels(out, labels);
          out += ' ' + number(value) + '\n';
        }
        break;
      case Kind::kHistogram:
        header(out, name, f.help, "histogram");
        for (const auto& [labels, h] : f.histograms) {
          std::uint64_t cumulative = 0;
          for (std::size_t i = 0; i <= f.bounds.size(); ++i) {
            cumulative += i < f.bounds.size() ? h.buckets[i] : 0;
            const std::pair<std::string, std::string> le{
                "le", i < f.bounds.size() ? number(f.bounds[i]) : "+Inf"};
            out += name + "_bucket";
            append_labels(out, labels, &le);
            out += ' ' + std::to_string(i < f.bounds.size() ? cumulative : h.count) + '\n';
          }
          out += name + "_sum";
          append_labels(out, labels);
          out += ' ' + number(h.sum) + '\n';
          out += name + "_count";
          append_labels(out, labels);
          out += ' ' + std::to_string(h.count) + '\n';
        }
        break;
    }
  }
  return out;
}

void declare_acs_metrics(Metrics& m) {
  m.declare_counter("cwmp_sessions_total",
                    "CWMP sessions by outcome (completed, expired, refused-busy, "
                    "refused-overload, bad-request, error)");
  m.declare_counter("cwmp_informs_total", "Inform event codes received");
  m.declare_counter("cwmp_auth_failures_total", "Failed CPE authentications");
  m.declare_counter("cwmp_preset_rpcs_total", "RPCs the preset engine sent, by method");
  m.declare_counter("cwmp_preset_faults_total",
                    "Preset faults recorded (CPE faults, failed transfers, engine reports)");
  m.declare_counter("cwmp_auth_rate_limited_total",
                    "Requests refused because their source failed authentication too often");
  m.declare_counter("cwmp_connection_requests_total", "Connection requests by result");
  m.declare_counter("cwmp_nbi_requests_total", "NBI requests by method and status class");
  m.declare_histogram("cwmp_session_duration_seconds",
                      "Duration of CWMP sessions that ended, from Inform to the last reply",
                      {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60});
}

}  // namespace acs
