// Shared fixtures for the cpe_model tests: a model built from the built-in definition (or
// a small one), a temporary state directory and an injected clock.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cpe/model/builtin_model.hpp"
#include "cpe/model/data_model.hpp"
#include "cwmp/messages.hpp"

namespace cpe_model_test {

namespace fs = std::filesystem;
using cpe::model::DataModel;
using cpe::model::DataModelOptions;

// A directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            ("cpe-model-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// A steady clock the test moves by hand.
struct FakeClock {
  std::chrono::steady_clock::time_point now{std::chrono::hours(1000)};
  std::chrono::system_clock::time_point wall =
      std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
};

inline DataModelOptions options_for(const fs::path& state_dir, FakeClock* clock,
                                    std::vector<std::string>* log = nullptr) {
  DataModelOptions o;
  o.state_dir = state_dir;
  if (clock != nullptr) {
    o.steady_now = [clock] { return clock->now; };
    o.system_now = [clock] { return clock->wall; };
  }
  o.log = [log](std::string_view line) {
    if (log != nullptr) log->emplace_back(line);
  };
  return o;
}

inline std::unique_ptr<DataModel> make_builtin(const fs::path& state_dir,
                                               FakeClock* clock = nullptr,
                                               std::vector<std::string>* log = nullptr) {
  auto m = DataModel::create(cpe::model::builtin_model_json(), options_for(state_dir, clock, log));
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error());
  return m.ok() ? std::move(m).value() : nullptr;
}

// --- request builders and answer accessors ------------------------------------------------

inline cwmp::ParameterValue pv(std::string name, std::string value,
                               cwmp::ValueType type = cwmp::ValueType::kString) {
  return {std::move(name), std::move(value), type};
}

inline cwmp::Body spv(std::vector<cwmp::ParameterValue> list, std::string key = "key") {
  return cwmp::SetParameterValues{std::move(list), std::move(key)};
}

inline cwmp::Body gpv(std::vector<std::string> names) {
  return cwmp::GetParameterValues{std::move(names)};
}

inline cwmp::Body gpn(std::string path, bool next_level) {
  return cwmp::GetParameterNames{std::move(path), next_level};
}

inline const cwmp::Fault* as_fault(const cwmp::Body& body) {
  return std::get_if<cwmp::Fault>(&body);
}

inline std::uint32_t fault_code(const cwmp::Body& body) {
  const cwmp::Fault* f = as_fault(body);
  return f == nullptr ? 0 : f->code;
}

// The value of one parameter through GetParameterValues ("<fault N>" if it faults).
inline std::string value_of(DataModel& m, const std::string& name) {
  const cwmp::Body answer = m.handle(gpv({name}));
  if (const auto* f = as_fault(answer)) return "<fault " + std::to_string(f->code) + ">";
  const auto& list = std::get<cwmp::GetParameterValuesResponse>(answer).parameter_list;
  return list.size() == 1 ? list.front().value : "<" + std::to_string(list.size()) + " values>";
}

inline std::vector<std::string> names_of(const cwmp::Body& answer) {
  std::vector<std::string> out;
  if (const auto* r = std::get_if<cwmp::GetParameterNamesResponse>(&answer)) {
    for (const auto& p : r->parameter_list) out.push_back(p.name);
  } else if (const auto* v = std::get_if<cwmp::GetParameterValuesResponse>(&answer)) {
    for (const auto& p : v->parameter_list) out.push_back(p.name);
  }
  return out;
}

}  // namespace cpe_model_test
