// Checks for the string patterns of cwmp-1-2.xsd that the encoder must respect.
// XSD patterns are anchored; "\S" is any character but XML whitespace and "."
// any character but CR/LF.
#pragma once

#include <string_view>

namespace cwmp::detail {

// DownloadFileType / TimeWindowModeValueType: "[1-9]\d*( \S+)+", "X [0-9A-F]{6} .+",
// "X \S+ .+".
bool is_valid_download_file_type(std::string_view s);
// UploadFileType / TransferFileType: as above plus "[1-9]\d*( \S+)+ [1-9]\d*".
// (The extra pattern is already matched by the first one: "( \S+)+" covers it.)
bool is_valid_upload_file_type(std::string_view s);
inline bool is_valid_window_mode(std::string_view s) { return is_valid_download_file_type(s); }
// DeploymentUnitUUID: 8-4-4-4-12 hex digits.
bool is_valid_du_uuid(std::string_view s);
// OUI: exactly 6 of [0-9A-F].
bool is_valid_oui(std::string_view s);

}  // namespace cwmp::detail
