// CWMP fault codes: the ACS (8000-8006) and CPE (9000-9032) tables
// (cwmp-1-2.xsd CPEFaultCodeType/ACSFaultCodeType, cwmp-1-4.xsd for 8006).
#pragma once

#include <cstdint>
#include <string_view>

namespace cwmp {

namespace fault {
// ACS faults (sent by the ACS in reply to a CPE request).
inline constexpr std::uint32_t kAcsMethodNotSupported = 8000;
inline constexpr std::uint32_t kAcsRequestDenied = 8001;
inline constexpr std::uint32_t kAcsInternalError = 8002;
inline constexpr std::uint32_t kAcsInvalidArguments = 8003;
inline constexpr std::uint32_t kAcsResourcesExceeded = 8004;
inline constexpr std::uint32_t kAcsRetryRequest = 8005;
inline constexpr std::uint32_t kAcsVersionIncompatible = 8006;

// CPE faults (sent by the CPE in reply to an ACS request).
inline constexpr std::uint32_t kMethodNotSupported = 9000;
inline constexpr std::uint32_t kRequestDenied = 9001;
inline constexpr std::uint32_t kInternalError = 9002;
inline constexpr std::uint32_t kInvalidArguments = 9003;
inline constexpr std::uint32_t kResourcesExceeded = 9004;
inline constexpr std::uint32_t kInvalidParameterName = 9005;
inline constexpr std::uint32_t kInvalidParameterType = 9006;
inline constexpr std::uint32_t kInvalidParameterValue = 9007;
inline constexpr std::uint32_t kNonWritableParameter = 9008;
inline constexpr std::uint32_t kNotificationRejected = 9009;
inline constexpr std::uint32_t kTransferFailure = 9010;
inline constexpr std::uint32_t kUploadFailure = 9011;
inline constexpr std::uint32_t kTransferAuthFailure = 9012;
inline constexpr std::uint32_t kUnsupportedTransferProtocol = 9013;
inline constexpr std::uint32_t kTransferMulticastJoin = 9014;
inline constexpr std::uint32_t kTransferContactServer = 9015;
inline constexpr std::uint32_t kTransferAccessFile = 9016;
inline constexpr std::uint32_t kTransferIncomplete = 9017;
inline constexpr std::uint32_t kTransferFileCorrupted = 9018;
inline constexpr std::uint32_t kTransferFileAuthentication = 9019;
inline constexpr std::uint32_t kTransferTimeWindow = 9020;
inline constexpr std::uint32_t kCancelNotPermitted = 9021;
inline constexpr std::uint32_t kInvalidUuid = 9022;
inline constexpr std::uint32_t kUnknownExecutionEnv = 9023;
inline constexpr std::uint32_t kDisabledExecutionEnv = 9024;
inline constexpr std::uint32_t kDuEeMismatch = 9025;
inline constexpr std::uint32_t kDuplicateDu = 9026;
inline constexpr std::uint32_t kSystemResourcesExceeded = 9027;
inline constexpr std::uint32_t kUnknownDu = 9028;
inline constexpr std::uint32_t kInvalidDuState = 9029;
inline constexpr std::uint32_t kDuDowngradeNotPermitted = 9030;
inline constexpr std::uint32_t kDuVersionNotSpecified = 9031;
inline constexpr std::uint32_t kDuVersionExists = 9032;
}  // namespace fault

// SOAP faultcode: whose fault it is (TR-069 §3.5): Client = the requester.
enum class FaultType : std::uint8_t { kClient, kServer };

struct FaultInfo {
  std::uint32_t code;
  FaultType type;
  std::string_view text;
};

// The table entry for a defined code; nullptr for codes not in the tables.
const FaultInfo* find_fault(std::uint32_t code);
// Text for any code: the table text, or "Vendor fault" / "Reserved fault".
std::string_view fault_text(std::uint32_t code);
// Client/Server for any code (undefined and vendor codes: Server).
FaultType fault_type(std::uint32_t code);
std::string_view to_string(FaultType type);  // "Client" / "Server"

// Range checks used when encoding (what the schema accepts).
bool is_acs_fault_code(std::uint32_t code);  // 8000-8899
bool is_cpe_fault_code(std::uint32_t code);  // 9000-9899
// Codes allowed in TransferCompleteFaultStruct (0 = success).
bool is_transfer_complete_fault_code(std::uint32_t code);
// Codes allowed in DeploymentUnitFaultStruct (0 = success).
bool is_deployment_unit_fault_code(std::uint32_t code);

}  // namespace cwmp
