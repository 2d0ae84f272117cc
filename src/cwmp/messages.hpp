// Typed CWMP messages: every RPC request and response of CWMP 1.0-1.4, the SOAP
// Fault, the SOAP header and the Envelope. Field order follows cwmp-1-2.xsd.
// Plain values: no XML, no I/O. The codec (codec.hpp) turns them into bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cwmp/values.hpp"
#include "cwmp/version.hpp"

namespace cwmp {

// ---------------------------------------------------------------------------
// Shared structures (cwmp-1-2.xsd "Generic Type Definitions" and friends)

struct ParameterValue {
  std::string name;   // string(256)
  std::string value;  // lexical form; its type is `type`
  ValueType type = ValueType::kString;
  friend bool operator==(const ParameterValue&, const ParameterValue&) = default;
};

struct DeviceId {
  std::string manufacturer;   // string(64)
  std::string oui;            // exactly 6, [0-9A-F]{6}
  std::string product_class;  // string(64)
  std::string serial_number;  // string(64)
  friend bool operator==(const DeviceId&, const DeviceId&) = default;
};

struct EventStruct {
  std::string event_code;   // string(64), e.g. "0 BOOTSTRAP", "M Reboot"
  std::string command_key;  // string(32)
  friend bool operator==(const EventStruct&, const EventStruct&) = default;
};

struct ParameterInfo {
  std::string name;  // string(256); objects end in '.'
  bool writable = false;
  friend bool operator==(const ParameterInfo&, const ParameterInfo&) = default;
};

struct SetParameterAttributesStruct {
  std::string name;
  bool notification_change = false;
  std::int32_t notification = 0;  // 0..2 (1.0/1.1), 0..6 (1.4)
  bool access_list_change = false;
  std::vector<std::string> access_list;  // entries string(64), e.g. "Subscriber"
  friend bool operator==(const SetParameterAttributesStruct&,
                         const SetParameterAttributesStruct&) = default;
};

struct ParameterAttribute {
  std::string name;
  std::int32_t notification = 0;
  std::vector<std::string> access_list;
  friend bool operator==(const ParameterAttribute&, const ParameterAttribute&) = default;
};

struct TimeWindow {
  std::uint32_t window_start = 0;  // seconds after the request was received
  std::uint32_t window_end = 0;
  std::string window_mode;   // "1 At Any Time", "2 Immediately", "3 When Idle", ...
  std::string user_message;  // string(256)
  std::int32_t max_retries = 0;
  friend bool operator==(const TimeWindow&, const TimeWindow&) = default;
};

struct QueuedTransfer {
  std::string command_key;
  std::int32_t state = 1;  // 1 not yet started, 2 in progress, 3 completed
  friend bool operator==(const QueuedTransfer&, const QueuedTransfer&) = default;
};

struct AllQueuedTransfer {
  std::string command_key;
  std::int32_t state = 1;
  bool is_download = true;
  std::string file_type;
  std::uint32_t file_size = 0;
  std::string target_file_name;
  friend bool operator==(const AllQueuedTransfer&, const AllQueuedTransfer&) = default;
};

// TransferCompleteFaultStruct and DeploymentUnitFaultStruct; code 0 = success.
struct FaultStruct {
  std::uint32_t fault_code = 0;
  std::string fault_string;
  friend bool operator==(const FaultStruct&, const FaultStruct&) = default;
};

struct OptionStruct {
  std::string option_name;  // string(64)
  std::uint32_t voucher_sn = 0;
  std::uint32_t state = 0;  // 0..3
  std::int32_t mode = 0;    // 0..2
  DateTime start_date;
  std::optional<DateTime> expiration_date;
  std::int32_t is_transferable = 0;  // 0/1
  friend bool operator==(const OptionStruct&, const OptionStruct&) = default;
};

struct ArgStruct {
  std::string name;   // string(64)
  std::string value;  // string(256)
  friend bool operator==(const ArgStruct&, const ArgStruct&) = default;
};

// ChangeDUState operations: OperationStruct is abstract in the schema, each
// concrete one is written with xsi:type="cwmp:InstallOpStruct" etc.
struct InstallOp {
  std::string url;  // anyURI(1024)
  std::optional<std::string> uuid;
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::optional<std::string> execution_env_ref;
  friend bool operator==(const InstallOp&, const InstallOp&) = default;
};
struct UpdateOp {
  std::optional<std::string> uuid;
  std::optional<std::string> version;
  std::optional<std::string> url;
  std::optional<std::string> username;
  std::optional<std::string> password;
  friend bool operator==(const UpdateOp&, const UpdateOp&) = default;
};
struct UninstallOp {
  std::string uuid;
  std::optional<std::string> version;
  std::optional<std::string> execution_env_ref;
  friend bool operator==(const UninstallOp&, const UninstallOp&) = default;
};
using DuOperation = std::variant<InstallOp, UpdateOp, UninstallOp>;

struct OpResult {
  std::string uuid;
  std::string deployment_unit_ref;
  std::string version;        // string(32)
  std::string current_state;  // Installed / Uninstalled / Failed
  bool resolved = false;
  std::string execution_unit_ref_list;
  DateTime start_time;
  DateTime complete_time;
  FaultStruct fault;
  friend bool operator==(const OpResult&, const OpResult&) = default;
};
struct AutonOpResult {
  OpResult result;
  std::string operation_performed;  // Install / Update / Uninstall
  friend bool operator==(const AutonOpResult&, const AutonOpResult&) = default;
};

// ---------------------------------------------------------------------------
// RPCs. Each struct names its element with kName; responses are "<X>Response".
// The macro-free style is deliberate: a reader greps for a method and finds it.

// Generic (A.3.1): both directions.
struct GetRPCMethods {
  static constexpr std::string_view kName = "GetRPCMethods";
  friend bool operator==(const GetRPCMethods&, const GetRPCMethods&) = default;
};
struct GetRPCMethodsResponse {
  static constexpr std::string_view kName = "GetRPCMethodsResponse";
  std::vector<std::string> method_list;
  friend bool operator==(const GetRPCMethodsResponse&, const GetRPCMethodsResponse&) = default;
};

// ACS -> CPE (A.3.2, A.4.1)
struct SetParameterValues {
  static constexpr std::string_view kName = "SetParameterValues";
  std::vector<ParameterValue> parameter_list;
  std::string parameter_key;
  friend bool operator==(const SetParameterValues&, const SetParameterValues&) = default;
};
struct SetParameterValuesResponse {
  static constexpr std::string_view kName = "SetParameterValuesResponse";
  std::int32_t status = 0;
  friend bool operator==(const SetParameterValuesResponse&,
                         const SetParameterValuesResponse&) = default;
};
struct GetParameterValues {
  static constexpr std::string_view kName = "GetParameterValues";
  std::vector<std::string> parameter_names;
  friend bool operator==(const GetParameterValues&, const GetParameterValues&) = default;
};
struct GetParameterValuesResponse {
  static constexpr std::string_view kName = "GetParameterValuesResponse";
  std::vector<ParameterValue> parameter_list;
  friend bool operator==(const GetParameterValuesResponse&,
                         const GetParameterValuesResponse&) = default;
};
struct GetParameterNames {
  static constexpr std::string_view kName = "GetParameterNames";
  std::string parameter_path;
  bool next_level = false;
  friend bool operator==(const GetParameterNames&, const GetParameterNames&) = default;
};
struct GetParameterNamesResponse {
  static constexpr std::string_view kName = "GetParameterNamesResponse";
  std::vector<ParameterInfo> parameter_list;
  friend bool operator==(const GetParameterNamesResponse&,
                         const GetParameterNamesResponse&) = default;
};
struct SetParameterAttributes {
  static constexpr std::string_view kName = "SetParameterAttributes";
  std::vector<SetParameterAttributesStruct> parameter_list;
  friend bool operator==(const SetParameterAttributes&, const SetParameterAttributes&) = default;
};
struct SetParameterAttributesResponse {
  static constexpr std::string_view kName = "SetParameterAttributesResponse";
  friend bool operator==(const SetParameterAttributesResponse&,
                         const SetParameterAttributesResponse&) = default;
};
struct GetParameterAttributes {
  static constexpr std::string_view kName = "GetParameterAttributes";
  std::vector<std::string> parameter_names;
  friend bool operator==(const GetParameterAttributes&, const GetParameterAttributes&) = default;
};
struct GetParameterAttributesResponse {
  static constexpr std::string_view kName = "GetParameterAttributesResponse";
  std::vector<ParameterAttribute> parameter_list;
  friend bool operator==(const GetParameterAttributesResponse&,
                         const GetParameterAttributesResponse&) = default;
};
struct AddObject {
  static constexpr std::string_view kName = "AddObject";
  std::string object_name;  // ends in '.'
  std::string parameter_key;
  friend bool operator==(const AddObject&, const AddObject&) = default;
};
struct AddObjectResponse {
  static constexpr std::string_view kName = "AddObjectResponse";
  std::uint32_t instance_number = 1;  // >= 1
  std::int32_t status = 0;
  friend bool operator==(const AddObjectResponse&, const AddObjectResponse&) = default;
};
struct DeleteObject {
  static constexpr std::string_view kName = "DeleteObject";
  std::string object_name;
  std::string parameter_key;
  friend bool operator==(const DeleteObject&, const DeleteObject&) = default;
};
struct DeleteObjectResponse {
  static constexpr std::string_view kName = "DeleteObjectResponse";
  std::int32_t status = 0;
  friend bool operator==(const DeleteObjectResponse&, const DeleteObjectResponse&) = default;
};
struct Download {
  static constexpr std::string_view kName = "Download";
  std::string command_key;
  std::string file_type;  // "1 Firmware Upgrade Image", ...
  std::string url;
  std::string username;
  std::string password;
  std::uint32_t file_size = 0;
  std::string target_file_name;
  std::uint32_t delay_seconds = 0;
  std::string success_url;
  std::string failure_url;
  friend bool operator==(const Download&, const Download&) = default;
};
struct DownloadResponse {
  static constexpr std::string_view kName = "DownloadResponse";
  std::int32_t status = 0;
  DateTime start_time;
  DateTime complete_time;
  friend bool operator==(const DownloadResponse&, const DownloadResponse&) = default;
};
struct Reboot {
  static constexpr std::string_view kName = "Reboot";
  std::string command_key;
  friend bool operator==(const Reboot&, const Reboot&) = default;
};
struct RebootResponse {
  static constexpr std::string_view kName = "RebootResponse";
  friend bool operator==(const RebootResponse&, const RebootResponse&) = default;
};
struct GetQueuedTransfers {
  static constexpr std::string_view kName = "GetQueuedTransfers";
  friend bool operator==(const GetQueuedTransfers&, const GetQueuedTransfers&) = default;
};
struct GetQueuedTransfersResponse {
  static constexpr std::string_view kName = "GetQueuedTransfersResponse";
  std::vector<QueuedTransfer> transfer_list;  // 0..16
  friend bool operator==(const GetQueuedTransfersResponse&,
                         const GetQueuedTransfersResponse&) = default;
};
struct ScheduleInform {
  static constexpr std::string_view kName = "ScheduleInform";
  std::uint32_t delay_seconds = 0;
  std::string command_key;
  friend bool operator==(const ScheduleInform&, const ScheduleInform&) = default;
};
struct ScheduleInformResponse {
  static constexpr std::string_view kName = "ScheduleInformResponse";
  friend bool operator==(const ScheduleInformResponse&, const ScheduleInformResponse&) = default;
};
struct SetVouchers {
  static constexpr std::string_view kName = "SetVouchers";
  std::vector<std::string> voucher_list;  // decoded bytes; base64 on the wire
  friend bool operator==(const SetVouchers&, const SetVouchers&) = default;
};
struct SetVouchersResponse {
  static constexpr std::string_view kName = "SetVouchersResponse";
  friend bool operator==(const SetVouchersResponse&, const SetVouchersResponse&) = default;
};
struct GetOptions {
  static constexpr std::string_view kName = "GetOptions";
  std::string option_name;  // empty = all
  friend bool operator==(const GetOptions&, const GetOptions&) = default;
};
struct GetOptionsResponse {
  static constexpr std::string_view kName = "GetOptionsResponse";
  std::vector<OptionStruct> option_list;
  friend bool operator==(const GetOptionsResponse&, const GetOptionsResponse&) = default;
};
struct Upload {
  static constexpr std::string_view kName = "Upload";
  std::string command_key;
  std::string file_type;  // "1 Vendor Configuration File", "2 Vendor Log File", ...
  std::string url;
  std::string username;
  std::string password;
  std::uint32_t delay_seconds = 0;
  friend bool operator==(const Upload&, const Upload&) = default;
};
struct UploadResponse {
  static constexpr std::string_view kName = "UploadResponse";
  std::int32_t status = 0;
  DateTime start_time;
  DateTime complete_time;
  friend bool operator==(const UploadResponse&, const UploadResponse&) = default;
};
struct FactoryReset {
  static constexpr std::string_view kName = "FactoryReset";
  friend bool operator==(const FactoryReset&, const FactoryReset&) = default;
};
struct FactoryResetResponse {
  static constexpr std::string_view kName = "FactoryResetResponse";
  friend bool operator==(const FactoryResetResponse&, const FactoryResetResponse&) = default;
};
struct GetAllQueuedTransfers {
  static constexpr std::string_view kName = "GetAllQueuedTransfers";
  friend bool operator==(const GetAllQueuedTransfers&, const GetAllQueuedTransfers&) = default;
};
struct GetAllQueuedTransfersResponse {
  static constexpr std::string_view kName = "GetAllQueuedTransfersResponse";
  std::vector<AllQueuedTransfer> transfer_list;  // 0..16
  friend bool operator==(const GetAllQueuedTransfersResponse&,
                         const GetAllQueuedTransfersResponse&) = default;
};
struct ScheduleDownload {
  static constexpr std::string_view kName = "ScheduleDownload";
  std::string command_key;
  std::string file_type;
  std::string url;
  std::string username;
  std::string password;
  std::uint32_t file_size = 0;
  std::string target_file_name;
  std::vector<TimeWindow> time_window_list;  // 1..2
  friend bool operator==(const ScheduleDownload&, const ScheduleDownload&) = default;
};
struct ScheduleDownloadResponse {
  static constexpr std::string_view kName = "ScheduleDownloadResponse";
  friend bool operator==(const ScheduleDownloadResponse&,
                         const ScheduleDownloadResponse&) = default;
};
struct CancelTransfer {
  static constexpr std::string_view kName = "CancelTransfer";
  std::string command_key;
  friend bool operator==(const CancelTransfer&, const CancelTransfer&) = default;
};
struct CancelTransferResponse {
  static constexpr std::string_view kName = "CancelTransferResponse";
  friend bool operator==(const CancelTransferResponse&, const CancelTransferResponse&) = default;
};
struct ChangeDUState {
  static constexpr std::string_view kName = "ChangeDUState";
  std::vector<DuOperation> operations;  // 1..n
  std::optional<std::string> command_key;
  friend bool operator==(const ChangeDUState&, const ChangeDUState&) = default;
};
struct ChangeDUStateResponse {
  static constexpr std::string_view kName = "ChangeDUStateResponse";
  friend bool operator==(const ChangeDUStateResponse&, const ChangeDUStateResponse&) = default;
};

// CPE -> ACS (A.3.3, A.4.2)
struct Inform {
  static constexpr std::string_view kName = "Inform";
  DeviceId device_id;
  std::vector<EventStruct> event;  // 0..64
  std::uint32_t max_envelopes = 1;
  DateTime current_time;
  std::uint32_t retry_count = 0;
  std::vector<ParameterValue> parameter_list;
  friend bool operator==(const Inform&, const Inform&) = default;
};
struct InformResponse {
  static constexpr std::string_view kName = "InformResponse";
  std::uint32_t max_envelopes = 1;
  friend bool operator==(const InformResponse&, const InformResponse&) = default;
};
struct TransferComplete {
  static constexpr std::string_view kName = "TransferComplete";
  std::string command_key;
  FaultStruct fault_struct;
  DateTime start_time;
  DateTime complete_time;
  friend bool operator==(const TransferComplete&, const TransferComplete&) = default;
};
struct TransferCompleteResponse {
  static constexpr std::string_view kName = "TransferCompleteResponse";
  friend bool operator==(const TransferCompleteResponse&,
                         const TransferCompleteResponse&) = default;
};
struct AutonomousTransferComplete {
  static constexpr std::string_view kName = "AutonomousTransferComplete";
  std::string announce_url;
  std::string transfer_url;
  bool is_download = true;
  std::string file_type;
  std::uint32_t file_size = 0;
  std::string target_file_name;
  FaultStruct fault_struct;
  DateTime start_time;
  DateTime complete_time;
  friend bool operator==(const AutonomousTransferComplete&,
                         const AutonomousTransferComplete&) = default;
};
struct AutonomousTransferCompleteResponse {
  static constexpr std::string_view kName = "AutonomousTransferCompleteResponse";
  friend bool operator==(const AutonomousTransferCompleteResponse&,
                         const AutonomousTransferCompleteResponse&) = default;
};
struct Kicked {
  static constexpr std::string_view kName = "Kicked";
  std::string command;  // string(32)
  std::string referer;  // string(64)
  std::string arg;      // string(256)
  std::string next;     // string(1024)
  friend bool operator==(const Kicked&, const Kicked&) = default;
};
struct KickedResponse {
  static constexpr std::string_view kName = "KickedResponse";
  std::string next_url;
  friend bool operator==(const KickedResponse&, const KickedResponse&) = default;
};
struct RequestDownload {
  static constexpr std::string_view kName = "RequestDownload";
  std::string file_type;
  std::vector<ArgStruct> file_type_arg;  // 0..16
  friend bool operator==(const RequestDownload&, const RequestDownload&) = default;
};
struct RequestDownloadResponse {
  static constexpr std::string_view kName = "RequestDownloadResponse";
  friend bool operator==(const RequestDownloadResponse&, const RequestDownloadResponse&) = default;
};
struct DUStateChangeComplete {
  static constexpr std::string_view kName = "DUStateChangeComplete";
  std::vector<OpResult> results;  // 1..n
  std::optional<std::string> command_key;
  friend bool operator==(const DUStateChangeComplete&, const DUStateChangeComplete&) = default;
};
struct DUStateChangeCompleteResponse {
  static constexpr std::string_view kName = "DUStateChangeCompleteResponse";
  friend bool operator==(const DUStateChangeCompleteResponse&,
                         const DUStateChangeCompleteResponse&) = default;
};
struct AutonomousDUStateChangeComplete {
  static constexpr std::string_view kName = "AutonomousDUStateChangeComplete";
  std::vector<AutonOpResult> results;  // 1..n
  friend bool operator==(const AutonomousDUStateChangeComplete&,
                         const AutonomousDUStateChangeComplete&) = default;
};
struct AutonomousDUStateChangeCompleteResponse {
  static constexpr std::string_view kName = "AutonomousDUStateChangeCompleteResponse";
  friend bool operator==(const AutonomousDUStateChangeCompleteResponse&,
                         const AutonomousDUStateChangeCompleteResponse&) = default;
};

// ---------------------------------------------------------------------------
// SOAP Fault with the cwmp:Fault detail (TR-069 §3.5, cwmp-1-2.xsd "Fault").

struct SetParameterValuesFault {
  std::string parameter_name;
  std::uint32_t fault_code = 0;  // 9xxx only
  std::string fault_string;
  friend bool operator==(const SetParameterValuesFault&, const SetParameterValuesFault&) = default;
};

struct Fault {
  static constexpr std::string_view kName = "Fault";
  std::string faultcode = "Client";  // SOAP faultcode: "Client" or "Server"
  std::string faultstring = "CWMP fault";
  std::uint32_t code = 0;  // cwmp:Fault/FaultCode
  std::string string;      // cwmp:Fault/FaultString
  std::vector<SetParameterValuesFault> set_parameter_values_faults;
  friend bool operator==(const Fault&, const Fault&) = default;

  // A fault with faultcode, faultstring and FaultString taken from the tables.
  static Fault make(std::uint32_t code, std::string message = {});
};

// ---------------------------------------------------------------------------
// Envelope

using Body = std::variant<
    // generic
    GetRPCMethods, GetRPCMethodsResponse,
    // ACS -> CPE requests and the CPE's responses
    SetParameterValues, SetParameterValuesResponse, GetParameterValues, GetParameterValuesResponse,
    GetParameterNames, GetParameterNamesResponse, SetParameterAttributes,
    SetParameterAttributesResponse, GetParameterAttributes, GetParameterAttributesResponse,
    AddObject, AddObjectResponse, DeleteObject, DeleteObjectResponse, Download, DownloadResponse,
    Reboot, RebootResponse, GetQueuedTransfers, GetQueuedTransfersResponse, ScheduleInform,
    ScheduleInformResponse, SetVouchers, SetVouchersResponse, GetOptions, GetOptionsResponse,
    Upload, UploadResponse, FactoryReset, FactoryResetResponse, GetAllQueuedTransfers,
    GetAllQueuedTransfersResponse, ScheduleDownload, ScheduleDownloadResponse, CancelTransfer,
    CancelTransferResponse, ChangeDUState, ChangeDUStateResponse,
    // CPE -> ACS requests and the ACS's responses
    Inform, InformResponse, TransferComplete, TransferCompleteResponse, AutonomousTransferComplete,
    AutonomousTransferCompleteResponse, Kicked, KickedResponse, RequestDownload,
    RequestDownloadResponse, DUStateChangeComplete, DUStateChangeCompleteResponse,
    AutonomousDUStateChangeComplete, AutonomousDUStateChangeCompleteResponse,
    // SOAP fault
    Fault>;

// The element name of whatever the body holds ("Inform", "Fault", ...).
std::string_view method_name(const Body& body);
// True for RPC requests (not responses, not faults).
bool is_request(const Body& body);
// The oldest CWMP version whose schema defines the body's element.
CwmpVersion introduced_in(const Body& body);

struct Header {
  std::optional<std::string> id;                       // cwmp:ID, mustUnderstand="1"
  std::optional<bool> hold_requests;                   // cwmp:HoldRequests (ACS only)
  std::optional<std::uint32_t> session_timeout;        // cwmp:SessionTimeout (1.3+)
  std::optional<std::string> supported_cwmp_versions;  // cwmp:SupportedCWMPVersions (1.4)
  std::optional<std::string> use_cwmp_version;         // cwmp:UseCWMPVersion (1.4)
  // cwmp:NoMoreRequests (1.0, deprecated): accepted on input, never written.
  std::optional<bool> no_more_requests;
  friend bool operator==(const Header&, const Header&) = default;
};

struct Envelope {
  // On decode: the version detected from the namespace and the header elements.
  // On encode: selects the namespace written (1.0 -> cwmp-1-0, 1.1 -> cwmp-1-1,
  // 1.2..1.4 -> cwmp-1-2).
  CwmpVersion version = CwmpVersion::k1_2;
  Header header;
  Body body;
  friend bool operator==(const Envelope&, const Envelope&) = default;
};

}  // namespace cwmp
