// Codec benchmarks: decode, encode and round trip of a 12-parameter Inform and a
// 1,000-parameter GetParameterValuesResponse, against a baseline of a raw pugixml
// parse of the same bytes (so the cost of the typed layer shows as a ratio).
// Prints operations/s (items_per_second) and MB/s (bytes_per_second).
//   build/bin/bench_codec [--benchmark_filter=Inform]
#include <benchmark/benchmark.h>

#include <pugixml.hpp>
#include <string>

#include "cwmp/codec.hpp"

namespace {

cwmp::ParameterValue param(std::string name, std::string value,
                           cwmp::ValueType type = cwmp::ValueType::kString) {
  return cwmp::ParameterValue{std::move(name), std::move(value), type};
}

// What a home gateway sends on a periodic inform: the forced-inform parameters
// plus a few the ACS asked for through InformParameter.
cwmp::Envelope inform_12() {
  cwmp::Inform m;
  m.device_id = {"ExampleCo", "00AABB", "HGW-5000", "SN00001234"};
  m.event = {{"2 PERIODIC", ""}};
  m.current_time = *cwmp::parse_date_time("2026-11-27T12:00:00Z");
  m.parameter_list = {
      param("Device.RootDataModelVersion", "2.17"),
      param("Device.DeviceInfo.HardwareVersion", "HW-1.0"),
      param("Device.DeviceInfo.SoftwareVersion", "4.2.1-build77"),
      param("Device.DeviceInfo.ProvisioningCode", "ISP.RES"),
      param("Device.DeviceInfo.UpTime", "86400", cwmp::ValueType::kUnsignedInt),
      param("Device.ManagementServer.ParameterKey", "key-17"),
      param("Device.ManagementServer.ConnectionRequestURL", "http://198.51.100.7:7547/cr/ab12cd"),
      param("Device.ManagementServer.AliasBasedAddressing", "false", cwmp::ValueType::kBoolean),
      param("Device.ManagementServer.PeriodicInformInterval", "3600",
            cwmp::ValueType::kUnsignedInt),
      param("Device.IP.Interface.1.IPv4Address.1.IPAddress", "198.51.100.7"),
      param("Device.Ethernet.Interface.1.Stats.BytesSent", "123456789012",
            cwmp::ValueType::kUnsignedLong),
      param("Device.Time.CurrentLocalTime", "2026-11-27T12:00:00Z", cwmp::ValueType::kDateTime),
  };
  cwmp::Envelope env;
  env.header.id = "1234567";
  env.body = std::move(m);
  return env;
}

cwmp::Envelope gpv_response_1000() {
  cwmp::GetParameterValuesResponse m;
  m.parameter_list.reserve(1000);
  for (int i = 1; i <= 1000; ++i) {
    const std::string base = "Device.Hosts.Host." + std::to_string((i + 3) / 4) + ".";
    switch (i % 4) {
      case 0:
        m.parameter_list.push_back(param(base + "HostName", "host-" + std::to_string(i)));
        break;
      case 1:
        m.parameter_list.push_back(param(base + "Active", "true", cwmp::ValueType::kBoolean));
        break;
      case 2:
        m.parameter_list.push_back(
            param(base + "LeaseTimeRemaining", std::to_string(i * 7), cwmp::ValueType::kInt));
        break;
      default:
        m.parameter_list.push_back(param(base + "IPAddress", "192.0.2." + std::to_string(i % 250)));
    }
  }
  cwmp::Envelope env;
  env.header.id = "42";
  env.body = std::move(m);
  return env;
}

std::string bytes_of(const cwmp::Envelope& env) {
  return cwmp::encode(env).value();
}

void set_counters(benchmark::State& state, std::size_t bytes) {
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
}

void BM_RawPugixmlParse(benchmark::State& state, const cwmp::Envelope& env) {
  const std::string bytes = bytes_of(env);
  for (auto _ : state) {
    pugi::xml_document doc;
    auto r = doc.load_buffer(bytes.data(), bytes.size());
    benchmark::DoNotOptimize(r);
  }
  set_counters(state, bytes.size());
}

// The same parse with the options cwmp::decode uses (see decode.cpp): it builds
// fewer nodes than pugixml's defaults, so it is the floor under our decode.
void BM_RawPugixmlParseDecodeOptions(benchmark::State& state, const cwmp::Envelope& env) {
  constexpr unsigned kOptions = pugi::parse_cdata | pugi::parse_escapes | pugi::parse_eol |
                                pugi::parse_doctype | pugi::parse_ws_pcdata_single |
                                pugi::parse_embed_pcdata;
  const std::string bytes = bytes_of(env);
  for (auto _ : state) {
    pugi::xml_document doc;
    auto r = doc.load_buffer(bytes.data(), bytes.size(), kOptions);
    benchmark::DoNotOptimize(r);
  }
  set_counters(state, bytes.size());
}

void BM_Decode(benchmark::State& state, const cwmp::Envelope& env) {
  const std::string bytes = bytes_of(env);
  for (auto _ : state) {
    auto r = cwmp::decode(bytes);
    benchmark::DoNotOptimize(r);
  }
  set_counters(state, bytes.size());
}

void BM_Encode(benchmark::State& state, const cwmp::Envelope& env) {
  std::string out;
  out.reserve(1 << 16);
  for (auto _ : state) {
    out.clear();
    auto n = cwmp::encode_to(env, out);
    benchmark::DoNotOptimize(n);
  }
  set_counters(state, out.size());
}

void BM_RoundTrip(benchmark::State& state, const cwmp::Envelope& env) {
  const std::string bytes = bytes_of(env);
  std::string out;
  out.reserve(1 << 16);
  for (auto _ : state) {
    auto r = cwmp::decode(bytes);
    out.clear();
    auto n = cwmp::encode_to(r->envelope, out);
    benchmark::DoNotOptimize(n);
  }
  set_counters(state, bytes.size());
}

const cwmp::Envelope kInform = inform_12();
const cwmp::Envelope kGpv = gpv_response_1000();

BENCHMARK_CAPTURE(BM_RawPugixmlParse, Inform12, kInform);
BENCHMARK_CAPTURE(BM_RawPugixmlParseDecodeOptions, Inform12, kInform);
BENCHMARK_CAPTURE(BM_Decode, Inform12, kInform);
BENCHMARK_CAPTURE(BM_Encode, Inform12, kInform);
BENCHMARK_CAPTURE(BM_RoundTrip, Inform12, kInform);
BENCHMARK_CAPTURE(BM_RawPugixmlParse, GpvResponse1000, kGpv);
BENCHMARK_CAPTURE(BM_RawPugixmlParseDecodeOptions, GpvResponse1000, kGpv);
BENCHMARK_CAPTURE(BM_Decode, GpvResponse1000, kGpv);
BENCHMARK_CAPTURE(BM_Encode, GpvResponse1000, kGpv);
BENCHMARK_CAPTURE(BM_RoundTrip, GpvResponse1000, kGpv);

}  // namespace

BENCHMARK_MAIN();
