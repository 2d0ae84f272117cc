#include "cwmp/schema_patterns.hpp"

#include <algorithm>
#include <array>

#include "cwmp/events.hpp"
#include "cwmp/faults.hpp"

namespace cwmp::detail {

namespace {

constexpr bool is_xml_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
constexpr bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
constexpr bool is_upper_hex(char c) {
  return is_digit(c) || (c >= 'A' && c <= 'F');
}
constexpr bool is_hex(char c) {
  return is_upper_hex(c) || (c >= 'a' && c <= 'f');
}

// "( \S+)+" over the whole of `s`: one or more words, each preceded by exactly one space.
bool is_space_separated_words(std::string_view s) {
  if (s.empty()) return false;
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] != ' ') return false;
    ++i;
    const std::size_t word_start = i;
    while (i < s.size() && !is_xml_space(s[i])) ++i;
    if (i == word_start) return false;
  }
  return true;
}

// "[1-9]\d*( \S+)+"
bool is_numbered(std::string_view s) {
  if (s.empty() || s[0] < '1' || s[0] > '9') return false;
  std::size_t i = 1;
  while (i < s.size() && is_digit(s[i])) ++i;
  return is_space_separated_words(s.substr(i));
}

// "X \S+ .+" (covers "X [0-9A-F]{6} .+" too).
bool is_vendor(std::string_view s) {
  if (s.size() < 5 || s[0] != 'X' || s[1] != ' ') return false;
  std::size_t i = 2;
  while (i < s.size() && !is_xml_space(s[i])) ++i;
  if (i == 2 || i >= s.size() || s[i] != ' ') return false;
  ++i;
  if (i >= s.size()) return false;
  for (; i < s.size(); ++i) {
    if (s[i] == '\r' || s[i] == '\n') return false;
  }
  return true;
}

// "X [0-9A-F]{6} .*" (the only vendor form in cwmp-1-0/1-1.xsd).
bool is_oui_vendor(std::string_view s) {
  if (s.size() < 9 || s[0] != 'X' || s[1] != ' ' || s[8] != ' ') return false;
  for (std::size_t i = 2; i < 8; ++i) {
    if (!is_upper_hex(s[i])) return false;
  }
  for (std::size_t i = 9; i < s.size(); ++i) {
    if (s[i] == '\r' || s[i] == '\n') return false;
  }
  return true;
}

template <std::size_t N>
bool is_one_of(std::string_view s, const std::array<std::string_view, N>& list) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

constexpr std::array<std::string_view, 3> kDownloadTypes10 = {
    "1 Firmware Upgrade Image", "2 Web Content", "3 Vendor Configuration File"};
constexpr std::array<std::string_view, 2> kUploadTypes10 = {"1 Vendor Configuration File",
                                                            "2 Vendor Log File"};
constexpr std::array<std::string_view, 4> kTransferTypes11 = {
    "1 Firmware Upgrade Image", "2 Web Content", "3 Vendor Configuration File",
    "4 Vendor Log File"};
constexpr std::array<std::string_view, 14> kEvents10 = {"0 BOOTSTRAP",
                                                        "1 BOOT",
                                                        "2 PERIODIC",
                                                        "3 SCHEDULED",
                                                        "4 VALUE CHANGE",
                                                        "5 KICKED",
                                                        "6 CONNECTION REQUEST",
                                                        "7 TRANSFER COMPLETE",
                                                        "8 DIAGNOSTICS COMPLETE",
                                                        "9 REQUEST DOWNLOAD",
                                                        "M Reboot",
                                                        "M ScheduleInform",
                                                        "M Download",
                                                        "M Upload"};

}  // namespace

bool is_valid_file_type(FileTypeUse use, CwmpVersion version, std::string_view s) {
  if (version >= CwmpVersion::k1_2) {
    return use == FileTypeUse::kDownload ? is_valid_download_file_type(s)
                                         : is_valid_upload_file_type(s);
  }
  if (is_oui_vendor(s)) return true;
  switch (use) {
    case FileTypeUse::kDownload:
      return is_one_of(s, kDownloadTypes10);
    case FileTypeUse::kUpload:
      return is_one_of(s, kUploadTypes10);
    case FileTypeUse::kTransfer:
      return is_one_of(s, kTransferTypes11);
  }
  return false;
}

bool is_valid_event_code_for(CwmpVersion version, std::string_view s) {
  if (!is_valid_event_code(s)) return false;
  if (version >= CwmpVersion::k1_2) return true;
  if (s.starts_with("X ")) return is_oui_vendor(s);
  if (version == CwmpVersion::k1_1) return true;
  // 1.0: the fixed list, vendor methods "M X_\S+" and OUI vendor events.
  return is_one_of(s, kEvents10) || s.starts_with("M X_");
}

bool is_valid_fault_code_for(CwmpVersion version, std::uint32_t code) {
  if (version == CwmpVersion::k1_0) {
    return (code >= 9000 && code <= 9013) || (code >= 9800 && code <= 9899) ||
           (code >= 8000 && code <= 8005) || (code >= 8800 && code <= 8899);
  }
  return is_acs_fault_code(code) || is_cpe_fault_code(code);
}

bool is_valid_transfer_fault_code_for(CwmpVersion version, std::uint32_t code) {
  if (version == CwmpVersion::k1_0) {
    return code == 0 || code == 9001 || code == 9002 || (code >= 9010 && code <= 9012);
  }
  return is_transfer_complete_fault_code(code);
}

bool is_valid_download_file_type(std::string_view s) {
  return is_numbered(s) || is_vendor(s);
}

bool is_valid_upload_file_type(std::string_view s) {
  return is_numbered(s) || is_vendor(s);
}

bool is_valid_du_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !is_hex(s[i])) return false;
  }
  return true;
}

bool is_valid_oui(std::string_view s) {
  if (s.size() != 6) return false;
  for (const char c : s) {
    if (!is_upper_hex(c)) return false;
  }
  return true;
}

}  // namespace cwmp::detail
