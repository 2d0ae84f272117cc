// Tests of src/cwmp/faults.cpp: the CWMP fault tables.
#include "cwmp/faults.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string_view>

namespace cwmp {
namespace {

TEST(FaultTable, EveryDefinedCodeIsFound) {
  for (std::uint32_t code = 8000; code <= 8006; ++code) {
    const FaultInfo* info = find_fault(code);
    ASSERT_NE(info, nullptr) << code;
    EXPECT_EQ(info->code, code);
    EXPECT_FALSE(info->text.empty());
  }
  for (std::uint32_t code = 9000; code <= 9032; ++code) {
    const FaultInfo* info = find_fault(code);
    ASSERT_NE(info, nullptr) << code;
    EXPECT_EQ(info->code, code);
    EXPECT_FALSE(info->text.empty());
  }
}

TEST(FaultTable, UndefinedCodesAreNotFound) {
  for (const std::uint32_t code : {0u, 1u, 7999u, 8007u, 8100u, 8799u, 8800u, 8899u, 8999u, 9033u,
                                   9799u, 9800u, 9899u, 9900u, 10000u, 4294967295u}) {
    EXPECT_EQ(find_fault(code), nullptr) << code;
  }
}

TEST(FaultTable, Texts) {
  EXPECT_EQ(fault_text(fault::kAcsMethodNotSupported), "Method not supported");
  EXPECT_EQ(fault_text(fault::kAcsRequestDenied), "Request denied (no reason specified)");
  EXPECT_EQ(fault_text(fault::kAcsInternalError), "Internal error");
  EXPECT_EQ(fault_text(fault::kAcsInvalidArguments), "Invalid arguments");
  EXPECT_EQ(fault_text(fault::kAcsResourcesExceeded), "Resources exceeded");
  EXPECT_EQ(fault_text(fault::kAcsRetryRequest), "Retry request");
  EXPECT_EQ(fault_text(fault::kAcsVersionIncompatible), "ACS version incompatible with CPE");

  EXPECT_EQ(fault_text(fault::kMethodNotSupported), "Method not supported");
  EXPECT_EQ(fault_text(fault::kRequestDenied), "Request denied (no reason specified)");
  EXPECT_EQ(fault_text(fault::kInternalError), "Internal error");
  EXPECT_EQ(fault_text(fault::kInvalidArguments), "Invalid arguments");
  EXPECT_EQ(fault_text(fault::kResourcesExceeded), "Resources exceeded");
  EXPECT_EQ(fault_text(fault::kInvalidParameterName), "Invalid parameter name");
  EXPECT_EQ(fault_text(fault::kInvalidParameterType), "Invalid parameter type");
  EXPECT_EQ(fault_text(fault::kInvalidParameterValue), "Invalid parameter value");
  EXPECT_EQ(fault_text(fault::kNonWritableParameter), "Attempt to set a non-writable parameter");
  EXPECT_EQ(fault_text(fault::kNotificationRejected), "Notification request rejected");
  EXPECT_EQ(fault_text(fault::kTransferFailure), "File transfer failure");
  EXPECT_EQ(fault_text(fault::kUploadFailure), "Upload failure");
  EXPECT_EQ(fault_text(fault::kTransferAuthFailure), "File transfer server authentication failure");
  EXPECT_EQ(fault_text(fault::kUnsupportedTransferProtocol),
            "Unsupported protocol for file transfer");
  EXPECT_EQ(fault_text(fault::kTransferMulticastJoin),
            "File transfer failure: unable to join multicast group");
  EXPECT_EQ(fault_text(fault::kTransferContactServer),
            "File transfer failure: unable to contact file server");
  EXPECT_EQ(fault_text(fault::kTransferAccessFile), "File transfer failure: unable to access file");
  EXPECT_EQ(fault_text(fault::kTransferIncomplete),
            "File transfer failure: unable to complete download");
  EXPECT_EQ(fault_text(fault::kTransferFileCorrupted), "File transfer failure: file corrupted");
  EXPECT_EQ(fault_text(fault::kTransferFileAuthentication),
            "File transfer failure: file authentication failure");
  EXPECT_EQ(fault_text(fault::kTransferTimeWindow),
            "File transfer failure: unable to complete download within specified time windows");
  EXPECT_EQ(fault_text(fault::kCancelNotPermitted),
            "Cancelation of file transfer not permitted in current transfer state");
  EXPECT_EQ(fault_text(fault::kInvalidUuid), "Invalid UUID Format");
  EXPECT_EQ(fault_text(fault::kUnknownExecutionEnv), "Unknown Execution Environment");
  EXPECT_EQ(fault_text(fault::kDisabledExecutionEnv), "Disabled Execution Environment");
  EXPECT_EQ(fault_text(fault::kDuEeMismatch), "Deployment Unit to Execution Environment Mismatch");
  EXPECT_EQ(fault_text(fault::kDuplicateDu), "Duplicate Deployment Unit");
  EXPECT_EQ(fault_text(fault::kSystemResourcesExceeded), "System Resources Exceeded");
  EXPECT_EQ(fault_text(fault::kUnknownDu), "Unknown Deployment Unit");
  EXPECT_EQ(fault_text(fault::kInvalidDuState), "Invalid Deployment Unit State");
  EXPECT_EQ(fault_text(fault::kDuDowngradeNotPermitted),
            "Invalid Deployment Unit Update - Downgrade not permitted");
  EXPECT_EQ(fault_text(fault::kDuVersionNotSpecified),
            "Invalid Deployment Unit Update - Version not specified");
  EXPECT_EQ(fault_text(fault::kDuVersionExists),
            "Invalid Deployment Unit Update - Version already exists");
}

TEST(FaultTable, TextsAreShortAsciiAndDistinctWithinATable) {
  // FaultString goes on the wire; keep it plain and inside TransferComplete's
  // 256-character limit.
  std::set<std::string_view> cpe_texts;
  for (std::uint32_t code = 9000; code <= 9032; ++code) {
    const std::string_view text = fault_text(code);
    EXPECT_LE(text.size(), 256u);
    for (const char c : text) EXPECT_TRUE(c >= 0x20 && c < 0x7F) << code;
    EXPECT_TRUE(cpe_texts.insert(text).second) << "duplicate text for " << code;
  }
}

TEST(FaultTable, Types) {
  // Client: the requester's fault.
  for (const std::uint32_t code : {8003u, 9003u, 9005u, 9006u, 9007u, 9008u, 9021u, 9022u, 9023u,
                                   9024u, 9025u, 9026u, 9028u, 9029u, 9030u, 9031u, 9032u}) {
    EXPECT_EQ(fault_type(code), FaultType::kClient) << code;
  }
  for (const std::uint32_t code :
       {8000u, 8001u, 8002u, 8004u, 8005u, 8006u, 9000u, 9001u, 9002u, 9004u, 9009u, 9010u,
        9011u, 9012u, 9013u, 9014u, 9015u, 9016u, 9017u, 9018u, 9019u, 9020u, 9027u}) {
    EXPECT_EQ(fault_type(code), FaultType::kServer) << code;
  }
  // Codes not in the tables are Server.
  for (const std::uint32_t code : {0u, 8007u, 8850u, 9033u, 9850u, 12345u}) {
    EXPECT_EQ(fault_type(code), FaultType::kServer) << code;
  }
}

TEST(FaultTable, TypeMatchesTableEntry) {
  for (std::uint32_t code = 7990; code <= 9910; ++code) {
    if (const FaultInfo* info = find_fault(code)) {
      EXPECT_EQ(fault_type(code), info->type) << code;
      EXPECT_EQ(fault_text(code), info->text) << code;
    }
  }
}

TEST(FaultTable, TypeNames) {
  EXPECT_EQ(to_string(FaultType::kClient), "Client");
  EXPECT_EQ(to_string(FaultType::kServer), "Server");
}

TEST(FaultTable, VendorAndReservedTexts) {
  EXPECT_EQ(fault_text(8800), "Vendor fault");
  EXPECT_EQ(fault_text(8899), "Vendor fault");
  EXPECT_EQ(fault_text(9800), "Vendor fault");
  EXPECT_EQ(fault_text(9899), "Vendor fault");
  EXPECT_EQ(fault_text(8007), "Reserved fault");
  EXPECT_EQ(fault_text(8799), "Reserved fault");
  EXPECT_EQ(fault_text(9033), "Reserved fault");
  EXPECT_EQ(fault_text(9799), "Reserved fault");
  EXPECT_EQ(fault_text(8900), "Reserved fault");
  EXPECT_EQ(fault_text(9900), "Reserved fault");
  EXPECT_EQ(fault_text(7999), "Reserved fault");
}

TEST(FaultRanges, AcsAndCpe) {
  EXPECT_FALSE(is_acs_fault_code(7999));
  EXPECT_TRUE(is_acs_fault_code(8000));
  EXPECT_TRUE(is_acs_fault_code(8006));
  EXPECT_TRUE(is_acs_fault_code(8500));
  EXPECT_TRUE(is_acs_fault_code(8899));
  EXPECT_FALSE(is_acs_fault_code(8900));
  EXPECT_FALSE(is_acs_fault_code(9000));

  EXPECT_FALSE(is_cpe_fault_code(8999));
  EXPECT_TRUE(is_cpe_fault_code(9000));
  EXPECT_TRUE(is_cpe_fault_code(9032));
  EXPECT_TRUE(is_cpe_fault_code(9799));
  EXPECT_TRUE(is_cpe_fault_code(9899));
  EXPECT_FALSE(is_cpe_fault_code(9900));
  EXPECT_FALSE(is_cpe_fault_code(8000));
  EXPECT_FALSE(is_cpe_fault_code(0));
}

// The subsets, written out from cwmp-1-2.xsd TransferCompleteCPEFaultCodeType
// and DeploymentUnitCPEFaultCodeType plus the extension and vendor ranges.
bool expected_transfer_complete(std::uint32_t code) {
  static const std::set<std::uint32_t> kListed = {0,    9001, 9002, 9010, 9011, 9012, 9014,
                                                  9015, 9016, 9017, 9018, 9019, 9020};
  return kListed.contains(code) || (code >= 9033 && code <= 9899);
}

bool expected_deployment_unit(std::uint32_t code) {
  static const std::set<std::uint32_t> kListed = {0,    9001, 9003, 9012, 9013, 9015, 9016,
                                                  9017, 9018, 9022, 9023, 9024, 9025, 9026,
                                                  9027, 9028, 9029, 9030, 9031, 9032};
  return kListed.contains(code) || (code >= 9033 && code <= 9899);
}

TEST(FaultRanges, TransferCompleteSubset) {
  EXPECT_TRUE(is_transfer_complete_fault_code(0));
  EXPECT_TRUE(is_transfer_complete_fault_code(9010));
  EXPECT_FALSE(is_transfer_complete_fault_code(9013));  // absent from the XSD subset
  EXPECT_FALSE(is_transfer_complete_fault_code(9003));
  EXPECT_FALSE(is_transfer_complete_fault_code(9021));
  EXPECT_TRUE(is_transfer_complete_fault_code(9033));
  EXPECT_TRUE(is_transfer_complete_fault_code(9899));
  EXPECT_FALSE(is_transfer_complete_fault_code(9900));
  EXPECT_FALSE(is_transfer_complete_fault_code(8000));
  for (std::uint32_t code = 0; code <= 10000; ++code) {
    ASSERT_EQ(is_transfer_complete_fault_code(code), expected_transfer_complete(code)) << code;
  }
}

TEST(FaultRanges, DeploymentUnitSubset) {
  EXPECT_TRUE(is_deployment_unit_fault_code(0));
  EXPECT_TRUE(is_deployment_unit_fault_code(9013));
  EXPECT_FALSE(is_deployment_unit_fault_code(9002));
  EXPECT_FALSE(is_deployment_unit_fault_code(9014));
  EXPECT_FALSE(is_deployment_unit_fault_code(9019));
  EXPECT_FALSE(is_deployment_unit_fault_code(9021));
  EXPECT_TRUE(is_deployment_unit_fault_code(9022));
  EXPECT_TRUE(is_deployment_unit_fault_code(9032));
  EXPECT_TRUE(is_deployment_unit_fault_code(9899));
  EXPECT_FALSE(is_deployment_unit_fault_code(9900));
  for (std::uint32_t code = 0; code <= 10000; ++code) {
    ASSERT_EQ(is_deployment_unit_fault_code(code), expected_deployment_unit(code)) << code;
  }
}

}  // namespace
}  // namespace cwmp
