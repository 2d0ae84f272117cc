// The agent applies a "3 Vendor Configuration File" download in its own configuration format
// ("# cwmp-cpe configuration", then <name>=<value> lines: what its Upload sends) through one
// SetParameterValues: writable parameters are set, read-only and unknown ones skipped, a
// malformed file or a refused value applies nothing and fails with 9018. Any other
// configuration file goes to the install hook untouched.
#include "cpe_agent_test_support.hpp"

namespace cpe_agent_test {
namespace {

// The fake device plus what applying a configuration needs: GetParameterNames with
// writability, a read-only parameter, and a value the device refuses (a non-numeric
// PeriodicInformInterval: 9007).
class ConfigDevice : public FakeDevice {
 public:
  cwmp::Body handle(const cwmp::Body& request) override {
    if (std::holds_alternative<cwmp::GetParameterNames>(request)) {
      ++gpn_count_;
      cwmp::GetParameterNamesResponse r;
      r.parameter_list.push_back({"Device.", false});
      for (const char* name :
           {"Device.DeviceInfo.HardwareVersion", "Device.DeviceInfo.SoftwareVersion",
            "Device.DeviceInfo.ProvisioningCode", "Device.ManagementServer.ParameterKey",
            "Device.ManagementServer.ConnectionRequestURL", "Device.ManagementServer.URL",
            "Device.ManagementServer.PeriodicInformInterval", "Device.Test.Value"}) {
        r.parameter_list.push_back({name, writable(name)});
      }
      return r;
    }
    if (const auto* spv = std::get_if<cwmp::SetParameterValues>(&request)) {
      {
        std::lock_guard lock(mutex_);
        spvs_.push_back(*spv);
      }
      cwmp::Fault fault = cwmp::Fault::make(cwmp::fault::kInvalidArguments);
      for (const auto& p : spv->parameter_list) {
        if (!writable(p.name)) {
          fault.set_parameter_values_faults.push_back(
              {p.name, cwmp::fault::kNonWritableParameter, "read-only"});
        } else if (p.name == "Device.ManagementServer.PeriodicInformInterval" &&
                   (p.value.empty() ||
                    p.value.find_first_not_of("0123456789") != std::string::npos)) {
          fault.set_parameter_values_faults.push_back(
              {p.name, cwmp::fault::kInvalidParameterValue, "not an unsignedInt"});
        }
      }
      if (!fault.set_parameter_values_faults.empty()) return fault;
    }
    return FakeDevice::handle(request);
  }

  std::vector<cwmp::SetParameterValues> spvs() const {
    std::lock_guard lock(mutex_);
    return spvs_;
  }
  int gpn_count() const { return gpn_count_.load(); }

 private:
  static bool writable(std::string_view name) {
    return name == "Device.ManagementServer.URL" ||
           name == "Device.ManagementServer.PeriodicInformInterval" || name == "Device.Test.Value";
  }

  mutable std::mutex mutex_;
  std::vector<cwmp::SetParameterValues> spvs_;
  std::atomic<int> gpn_count_{0};
};

class ConfigRestore : public AgentFixture {
 protected:
  void start_with(AgentOptions o) {
    device_config_.set_management([this](cpe::ManagementSettings& m) { m.url = acs_->url(); });
    agent_ = std::make_unique<Agent>(io_, device_config_, std::move(o));
    agent_->start();
    settle();
  }

  // Serves `content` as a configuration file, has the agent download it and returns the
  // TransferComplete's fault code.
  std::uint32_t restore(const std::string& content, const std::string& path = "/backup.cfg") {
    files_->put(path, {200, content, "", ""});
    cwmp::Download d;
    d.command_key = "restore";
    d.file_type = "3 Vendor Configuration File";
    d.url = files_->url(path);
    acs_->queue(d);
    agent_->diagnostics_complete();  // any reason for a session will do
    settle();
    const auto tcs = acs_->last().transfer_completes();
    EXPECT_EQ(tcs.size(), 1u);
    if (tcs.empty()) return 0;
    last_fault_ = tcs[0].fault_struct.fault_string;
    return tcs[0].fault_struct.fault_code;
  }

  ConfigDevice device_config_;
  std::string last_fault_;
};

TEST_F(ConfigRestore, WritableParametersAreSetOthersSkipped) {
  start_with(options());
  device_config_.set_internal("Device.ManagementServer.ParameterKey", "before");
  const std::string config =
      "# cwmp-cpe configuration\n"
      "Device.DeviceInfo.HardwareVersion=HW9\n"  // read-only: skipped
      "Device.Nothing.Here=1\n"                  // unknown: skipped
      "Device.ManagementServer.PeriodicInformInterval=900\n"
      "Device.Test.Value=restored=with=equals\r\n"
      "\n"
      "# a comment\n"
      "Device.ManagementServer.URL=\n";  // equal to the current value: not set again
  EXPECT_EQ(restore(config), 0u) << last_fault_;
  EXPECT_EQ(device_config_.value("Device.Test.Value"), "restored=with=equals");
  EXPECT_EQ(device_config_.value("Device.ManagementServer.PeriodicInformInterval"), "900");
  EXPECT_EQ(device_config_.value("Device.DeviceInfo.HardwareVersion"), "HW1");
  // One SPV with the two changed values; the ParameterKey kept.
  const auto spvs = device_config_.spvs();
  ASSERT_EQ(spvs.size(), 1u);
  EXPECT_EQ(spvs[0].parameter_list.size(), 2u);
  EXPECT_EQ(spvs[0].parameter_key, "before");
  EXPECT_EQ(device_config_.value("Device.ManagementServer.ParameterKey"), "before");
  // And the simulated installer kept the file as for any configuration.
  EXPECT_TRUE(fs::exists(dir_ / "state" / "vendor-config" / "backup.cfg"));
}

TEST_F(ConfigRestore, UploadThenRestoreRoundTrip) {
  start_with(options());
  device_config_.set_internal("Device.Test.Value", "saved");
  cwmp::Upload up;
  up.command_key = "backup";
  up.file_type = "1 Vendor Configuration File";
  up.url = files_->url("/uploads/config");
  acs_->queue(up);
  agent_->diagnostics_complete();
  settle();
  const auto uploads = files_->uploads();
  ASSERT_EQ(uploads.size(), 1u);
  device_config_.set_internal("Device.Test.Value", "changed");
  EXPECT_EQ(restore(uploads[0].second), 0u) << last_fault_;
  EXPECT_EQ(device_config_.value("Device.Test.Value"), "saved");
}

TEST_F(ConfigRestore, ARefusedValueAppliesNothingAndIs9018) {
  start_with(options());
  const std::string config =
      "# cwmp-cpe configuration\n"
      "Device.Test.Value=new\n"
      "Device.ManagementServer.PeriodicInformInterval=soon\n";
  EXPECT_EQ(restore(config), cwmp::fault::kTransferFileCorrupted);
  EXPECT_NE(last_fault_.find("PeriodicInformInterval"), std::string::npos) << last_fault_;
  EXPECT_EQ(device_config_.value("Device.Test.Value"), "a");  // all or nothing
  // Not installed: the file is not kept.
  EXPECT_FALSE(fs::exists(dir_ / "state" / "vendor-config" / "backup.cfg"));
}

TEST_F(ConfigRestore, AMalformedLineIs9018BeforeAnySet) {
  start_with(options());
  EXPECT_EQ(restore("# cwmp-cpe configuration\nDevice.Test.Value=x\nno equals sign here\n"),
            cwmp::fault::kTransferFileCorrupted);
  EXPECT_NE(last_fault_.find("line 3"), std::string::npos) << last_fault_;
  EXPECT_TRUE(device_config_.spvs().empty());
  EXPECT_EQ(device_config_.value("Device.Test.Value"), "a");
}

TEST_F(ConfigRestore, OversizedConfigurationIs9018) {
  start_with(options());
  std::string config = "# cwmp-cpe configuration\n";
  while (config.size() <= 1024 * 1024)
    config += "Device.Test.Value=" + std::string(200, 'v') + "\n";
  EXPECT_EQ(restore(config), cwmp::fault::kTransferFileCorrupted);
  EXPECT_TRUE(device_config_.spvs().empty());
}

TEST_F(ConfigRestore, OtherConfigurationFilesReachTheHookUntouched) {
  AgentOptions o = options();
  std::mutex m;
  std::vector<std::string> installed;
  o.hooks.install = [&](const cpe::agent::InstallRequest& r) {
    std::ifstream in(r.file);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::lock_guard lock(m);
    installed.push_back(content);
    return cpe::agent::InstallResult{};
  };
  start_with(o);
  EXPECT_EQ(restore("Device.Test.Value=vendor\n", "/vendor.cfg"), 0u);
  EXPECT_EQ(device_config_.gpn_count(), 0);  // not the agent's format: not looked at
  EXPECT_EQ(device_config_.value("Device.Test.Value"), "a");
  // The agent's format is applied, and the vendor's hook still gets the file as it came.
  const std::string own = "# cwmp-cpe configuration\nDevice.Test.Value=own\n";
  EXPECT_EQ(restore(own, "/own.cfg"), 0u) << last_fault_;
  EXPECT_EQ(device_config_.value("Device.Test.Value"), "own");
  std::lock_guard lock(m);
  EXPECT_EQ(installed, (std::vector<std::string>{"Device.Test.Value=vendor\n", own}));
}

}  // namespace
}  // namespace cpe_agent_test
