// Checks for the string patterns of cwmp-1-2.xsd that the encoder must respect.
// XSD patterns are anchored; "\S" is any character but XML whitespace and "."
// any character but CR/LF.
#pragma once

#include <cstdint>
#include <string_view>

#include "cwmp/version.hpp"

namespace cwmp::detail {

// Where a FileType string appears: Download/ScheduleDownload/RequestDownload,
// Upload, or the transfer lists (GetAllQueuedTransfers, AutonomousTransferComplete).
enum class FileTypeUse : std::uint8_t { kDownload, kUpload, kTransfer };

// cwmp-1-0.xsd and cwmp-1-1.xsd enumerate file types, event codes and fault codes
// where cwmp-1-2.xsd has open patterns and ranges; these checks follow the schema
// of the version being written.
bool is_valid_file_type(FileTypeUse use, CwmpVersion version, std::string_view s);
bool is_valid_event_code_for(CwmpVersion version, std::string_view s);
// cwmp:Fault/FaultCode (ACS or CPE code, as the schema of `version` allows).
bool is_valid_fault_code_for(CwmpVersion version, std::uint32_t code);
// TransferCompleteFaultStruct/FaultCode (0 = success).
bool is_valid_transfer_fault_code_for(CwmpVersion version, std::uint32_t code);

// DownloadFileType / TimeWindowModeValueType: "[1-9]\d*( \S+)+", "X [0-9A-F]{6} .+",
// "X \S+ .+".
bool is_valid_download_file_type(std::string_view s);
// UploadFileType / TransferFileType: as above plus "[1-9]\d*( \S+)+ [1-9]\d*".
// (The extra pattern is already matched by the first one: "( \S+)+" covers it.)
bool is_valid_upload_file_type(std::string_view s);
inline bool is_valid_window_mode(std::string_view s) {
  return is_valid_download_file_type(s);
}
// DeploymentUnitUUID: 8-4-4-4-12 hex digits.
bool is_valid_du_uuid(std::string_view s);
// OUI: exactly 6 of [0-9A-F].
bool is_valid_oui(std::string_view s);

}  // namespace cwmp::detail
