// CWMP fault tables: see faults.hpp and CWMP-FACTS §3.
#include "cwmp/faults.hpp"

#include <array>
#include <cstdint>
#include <string_view>

namespace cwmp {

namespace {

using enum FaultType;

// Texts are those of the cwmp-1-2.xsd CPEFaultCodeType and cwmp-1-4.xsd
// ACSFaultCodeType documentation (CWMP-FACTS §3), with the schema's "Deployement"
// typo corrected and its en dashes written as ASCII hyphens.
// Types: 9000-9019 match icwmp; 8000-8006 follow the CPE table's pattern (only
// "Invalid arguments" is the requester's fault), as other stacks do; 9020-9032
// are the recalled TR-069 A6 Annex A types, which are unverified (icwmp marks
// 9022-9032 Server).
constexpr std::array<FaultInfo, 7> kAcsFaults = {{
    {8000, kServer, "Method not supported"},
    {8001, kServer, "Request denied (no reason specified)"},
    {8002, kServer, "Internal error"},
    {8003, kClient, "Invalid arguments"},
    {8004, kServer, "Resources exceeded"},
    {8005, kServer, "Retry request"},
    {8006, kServer, "ACS version incompatible with CPE"},  // CWMP 1.4
}};

constexpr std::array<FaultInfo, 33> kCpeFaults = {{
    {9000, kServer, "Method not supported"},
    {9001, kServer, "Request denied (no reason specified)"},
    {9002, kServer, "Internal error"},
    {9003, kClient, "Invalid arguments"},
    {9004, kServer, "Resources exceeded"},
    {9005, kClient, "Invalid parameter name"},
    {9006, kClient, "Invalid parameter type"},
    {9007, kClient, "Invalid parameter value"},
    {9008, kClient, "Attempt to set a non-writable parameter"},
    {9009, kServer, "Notification request rejected"},
    // CWMP 1.0 called this "Download failure"; later amendments widened it.
    {9010, kServer, "File transfer failure"},
    {9011, kServer, "Upload failure"},
    {9012, kServer, "File transfer server authentication failure"},
    {9013, kServer, "Unsupported protocol for file transfer"},
    {9014, kServer, "File transfer failure: unable to join multicast group"},
    {9015, kServer, "File transfer failure: unable to contact file server"},
    {9016, kServer, "File transfer failure: unable to access file"},
    {9017, kServer, "File transfer failure: unable to complete download"},
    {9018, kServer, "File transfer failure: file corrupted"},
    {9019, kServer, "File transfer failure: file authentication failure"},
    {9020, kServer,
     "File transfer failure: unable to complete download within specified time windows"},
    {9021, kClient, "Cancelation of file transfer not permitted in current transfer state"},
    {9022, kClient, "Invalid UUID Format"},
    {9023, kClient, "Unknown Execution Environment"},
    {9024, kClient, "Disabled Execution Environment"},
    {9025, kClient, "Deployment Unit to Execution Environment Mismatch"},
    {9026, kClient, "Duplicate Deployment Unit"},
    {9027, kServer, "System Resources Exceeded"},
    {9028, kClient, "Unknown Deployment Unit"},
    {9029, kClient, "Invalid Deployment Unit State"},
    {9030, kClient, "Invalid Deployment Unit Update - Downgrade not permitted"},
    {9031, kClient, "Invalid Deployment Unit Update - Version not specified"},
    {9032, kClient, "Invalid Deployment Unit Update - Version already exists"},
}};

constexpr bool in_range(std::uint32_t code, std::uint32_t first, std::uint32_t last) {
  return code >= first && code <= last;
}

constexpr bool is_vendor_code(std::uint32_t code) {
  return in_range(code, 8800, 8899) || in_range(code, 9800, 9899);
}

// The tables are dense, so lookup is an index.
static_assert(kAcsFaults.front().code == 8000 && kAcsFaults.back().code == 8006);
static_assert(kCpeFaults.front().code == 9000 && kCpeFaults.back().code == 9032);

}  // namespace

const FaultInfo* find_fault(std::uint32_t code) {
  if (in_range(code, 8000, 8000 + kAcsFaults.size() - 1)) return &kAcsFaults[code - 8000];
  if (in_range(code, 9000, 9000 + kCpeFaults.size() - 1)) return &kCpeFaults[code - 9000];
  return nullptr;
}

std::string_view fault_text(std::uint32_t code) {
  if (const FaultInfo* info = find_fault(code)) return info->text;
  if (is_vendor_code(code)) return "Vendor fault";
  return "Reserved fault";
}

FaultType fault_type(std::uint32_t code) {
  if (const FaultInfo* info = find_fault(code)) return info->type;
  return FaultType::kServer;
}

std::string_view to_string(FaultType type) {
  return type == FaultType::kClient ? "Client" : "Server";
}

bool is_acs_fault_code(std::uint32_t code) {
  return in_range(code, 8000, 8899);
}

bool is_cpe_fault_code(std::uint32_t code) {
  return in_range(code, 9000, 9899);
}

// cwmp-1-2.xsd TransferCompleteFaultCodeType: note 9013 is absent.
bool is_transfer_complete_fault_code(std::uint32_t code) {
  switch (code) {
    case 0:
    case 9001:
    case 9002:
    case 9010:
    case 9011:
    case 9012:
      return true;
    default:
      return in_range(code, 9014, 9020) || in_range(code, 9033, 9899);
  }
}

// cwmp-1-2.xsd DeploymentUnitFaultCodeType.
bool is_deployment_unit_fault_code(std::uint32_t code) {
  switch (code) {
    case 0:
    case 9001:
    case 9003:
    case 9012:
    case 9013:
      return true;
    default:
      return in_range(code, 9015, 9018) || in_range(code, 9022, 9899);
  }
}

}  // namespace cwmp
