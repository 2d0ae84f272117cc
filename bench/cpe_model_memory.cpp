// What one simulated device's data model costs in memory (issue 5 §1: 10,000 devices in one
// process under 500 MB, so at most ~50 KB each). Parses the built-in definition once,
// creates N DataModels over it without a state directory (as cwmp-sim does), gives each its
// own SerialNumber, runs one Inform's parameter list and one GetParameterValues("Device.")
// on a few, and prints the growth of the process's RSS (VmRSS) and of the heap in use
// (mallinfo2) per device. See docs/cpe-model.md "Many devices in one process".
//
//   bench_cpe_model_memory [--devices N] [--exercised K]
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cpe/model/builtin_model.hpp"
#include "cpe/model/data_model.hpp"
#include "cwmp/messages.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Settings {
  unsigned devices = 10000;
  unsigned exercised = 10;  // devices that also answer an Inform and a GetParameterValues
};

bool parse_args(int argc, char** argv, Settings& s) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) return false;
    const long value = std::strtol(argv[++i], nullptr, 10);
    if (value < 0 || value > 10'000'000) return false;
    if (arg == "--devices") {
      s.devices = static_cast<unsigned>(value);
    } else if (arg == "--exercised") {
      s.exercised = static_cast<unsigned>(value);
    } else {
      return false;
    }
  }
  return s.devices > 0;
}

// VmRSS of this process in kB (/proc/self/status), 0 if unreadable.
long rss_kb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

// Bytes of heap handed out by malloc and not yet freed (main arena and the others).
long long heap_bytes() {
  const struct mallinfo2 info = ::mallinfo2();
  return static_cast<long long>(info.uordblks + info.hblkhd);
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// A serial number per device, as cwmp-sim's --serial-pattern would make one.
std::string serial_of(unsigned device) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "SIM%08u", device);
  return buffer;
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  if (!parse_args(argc, argv, settings)) {
    std::fprintf(stderr, "usage: bench_cpe_model_memory [--devices N] [--exercised K]\n");
    return 2;
  }
  cpe::model::DataModelOptions options;
  options.log = [](std::string_view) {};

  const long rss_start = rss_kb();
  const long long heap_start = heap_bytes();
  auto parsed = cpe::model::Schema::parse(cpe::model::builtin_model_json());
  if (!parsed) {
    std::fprintf(stderr, "the built-in model does not parse: %s\n", parsed.error().c_str());
    return 1;
  }
  const auto schema = std::make_shared<const cpe::model::Schema>(std::move(parsed).value());
  const long long schema_heap = heap_bytes() - heap_start;

  const long rss_before = rss_kb();
  const long long heap_before = heap_bytes();
  const Clock::time_point start = Clock::now();
  std::vector<std::unique_ptr<cpe::model::DataModel>> devices;
  devices.reserve(settings.devices);
  for (unsigned i = 0; i < settings.devices; ++i) {
    auto model = cpe::model::DataModel::create(schema, options);
    if (!model) {
      std::fprintf(stderr, "device %u: %s\n", i, model.error().c_str());
      return 1;
    }
    (*model)->set_internal("Device.DeviceInfo.SerialNumber", serial_of(i));
    devices.push_back(std::move(model).value());
  }
  const double create_ms = ms_since(start);

  std::size_t inform_params = 0;
  std::size_t gpv_params = 0;
  const cwmp::Body gpv = cwmp::GetParameterValues{{"Device."}};
  for (unsigned i = 0; i < settings.exercised && i < settings.devices; ++i) {
    inform_params = devices[i]->inform_parameters().size();
    devices[i]->inform_delivered();
    const cwmp::Body answer = devices[i]->handle(gpv);
    if (const auto* r = std::get_if<cwmp::GetParameterValuesResponse>(&answer)) {
      gpv_params = r->parameter_list.size();
    }
    if (devices[i]->device_id().serial_number != serial_of(i)) {
      std::fprintf(stderr, "device %u lost its serial number\n", i);
      return 1;
    }
  }
  const long rss_after = rss_kb();
  const long long heap_after = heap_bytes();

  const double n = settings.devices;
  std::printf(
      "devices=%u schema_heap_kb=%.1f rss_start_kb=%ld rss_before_kb=%ld rss_after_kb=%ld "
      "rss_per_device_bytes=%.0f heap_per_device_bytes=%.0f create_us_per_device=%.1f "
      "inform_params=%zu gpv_params=%zu\n",
      settings.devices, static_cast<double>(schema_heap) / 1024.0, rss_start, rss_before, rss_after,
      static_cast<double>(rss_after - rss_before) * 1024.0 / n,
      static_cast<double>(heap_after - heap_before) / n, create_ms * 1000.0 / n, inform_params,
      gpv_params);
  return 0;
}
