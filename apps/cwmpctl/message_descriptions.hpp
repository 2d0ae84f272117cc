// Boost.Describe reflection of the cwmp message structs, so that the JSON
// conversion (envelope_json.cpp) is written once instead of once per struct.
// Kept out of src/cwmp on purpose: the core library does not depend on Boost.
//
// Each description must list every data member in declaration order; the
// static_asserts at the bottom compare the count with Boost.PFR's, so a field
// added to messages.hpp and forgotten here fails the build instead of being
// silently dropped from the JSON.
#pragma once

#include <boost/describe/class.hpp>
#include <boost/describe/members.hpp>
#include <boost/mp11/list.hpp>
#include <boost/pfr/core.hpp>

#include "cwmp/messages.hpp"

namespace cwmp {

// Shared structures
BOOST_DESCRIBE_STRUCT(ParameterValue, (), (name, value, type))
BOOST_DESCRIBE_STRUCT(DeviceId, (), (manufacturer, oui, product_class, serial_number))
BOOST_DESCRIBE_STRUCT(EventStruct, (), (event_code, command_key))
BOOST_DESCRIBE_STRUCT(ParameterInfo, (), (name, writable))
BOOST_DESCRIBE_STRUCT(SetParameterAttributesStruct, (),
                      (name, notification_change, notification, access_list_change, access_list))
BOOST_DESCRIBE_STRUCT(ParameterAttribute, (), (name, notification, access_list))
BOOST_DESCRIBE_STRUCT(TimeWindow, (),
                      (window_start, window_end, window_mode, user_message, max_retries))
BOOST_DESCRIBE_STRUCT(QueuedTransfer, (), (command_key, state))
BOOST_DESCRIBE_STRUCT(AllQueuedTransfer, (),
                      (command_key, state, is_download, file_type, file_size, target_file_name))
BOOST_DESCRIBE_STRUCT(FaultStruct, (), (fault_code, fault_string))
BOOST_DESCRIBE_STRUCT(OptionStruct, (),
                      (option_name, voucher_sn, state, mode, start_date, expiration_date,
                       is_transferable))
BOOST_DESCRIBE_STRUCT(ArgStruct, (), (name, value))
BOOST_DESCRIBE_STRUCT(InstallOp, (), (url, uuid, username, password, execution_env_ref))
BOOST_DESCRIBE_STRUCT(UpdateOp, (), (uuid, version, url, username, password))
BOOST_DESCRIBE_STRUCT(UninstallOp, (), (uuid, version, execution_env_ref))
BOOST_DESCRIBE_STRUCT(OpResult, (),
                      (uuid, deployment_unit_ref, version, current_state, resolved,
                       execution_unit_ref_list, start_time, complete_time, fault))
BOOST_DESCRIBE_STRUCT(AutonOpResult, (), (result, operation_performed))

// Generic RPCs
BOOST_DESCRIBE_STRUCT(GetRPCMethods, (), ())
BOOST_DESCRIBE_STRUCT(GetRPCMethodsResponse, (), (method_list))

// ACS -> CPE requests and their responses
BOOST_DESCRIBE_STRUCT(SetParameterValues, (), (parameter_list, parameter_key))
BOOST_DESCRIBE_STRUCT(SetParameterValuesResponse, (), (status))
BOOST_DESCRIBE_STRUCT(GetParameterValues, (), (parameter_names))
BOOST_DESCRIBE_STRUCT(GetParameterValuesResponse, (), (parameter_list))
BOOST_DESCRIBE_STRUCT(GetParameterNames, (), (parameter_path, next_level))
BOOST_DESCRIBE_STRUCT(GetParameterNamesResponse, (), (parameter_list))
BOOST_DESCRIBE_STRUCT(SetParameterAttributes, (), (parameter_list))
BOOST_DESCRIBE_STRUCT(SetParameterAttributesResponse, (), ())
BOOST_DESCRIBE_STRUCT(GetParameterAttributes, (), (parameter_names))
BOOST_DESCRIBE_STRUCT(GetParameterAttributesResponse, (), (parameter_list))
BOOST_DESCRIBE_STRUCT(AddObject, (), (object_name, parameter_key))
BOOST_DESCRIBE_STRUCT(AddObjectResponse, (), (instance_number, status))
BOOST_DESCRIBE_STRUCT(DeleteObject, (), (object_name, parameter_key))
BOOST_DESCRIBE_STRUCT(DeleteObjectResponse, (), (status))
BOOST_DESCRIBE_STRUCT(Download, (),
                      (command_key, file_type, url, username, password, file_size, target_file_name,
                       delay_seconds, success_url, failure_url))
BOOST_DESCRIBE_STRUCT(DownloadResponse, (), (status, start_time, complete_time))
BOOST_DESCRIBE_STRUCT(Reboot, (), (command_key))
BOOST_DESCRIBE_STRUCT(RebootResponse, (), ())
BOOST_DESCRIBE_STRUCT(GetQueuedTransfers, (), ())
BOOST_DESCRIBE_STRUCT(GetQueuedTransfersResponse, (), (transfer_list))
BOOST_DESCRIBE_STRUCT(ScheduleInform, (), (delay_seconds, command_key))
BOOST_DESCRIBE_STRUCT(ScheduleInformResponse, (), ())
BOOST_DESCRIBE_STRUCT(SetVouchers, (), (voucher_list))
BOOST_DESCRIBE_STRUCT(SetVouchersResponse, (), ())
BOOST_DESCRIBE_STRUCT(GetOptions, (), (option_name))
BOOST_DESCRIBE_STRUCT(GetOptionsResponse, (), (option_list))
BOOST_DESCRIBE_STRUCT(Upload, (), (command_key, file_type, url, username, password, delay_seconds))
BOOST_DESCRIBE_STRUCT(UploadResponse, (), (status, start_time, complete_time))
BOOST_DESCRIBE_STRUCT(FactoryReset, (), ())
BOOST_DESCRIBE_STRUCT(FactoryResetResponse, (), ())
BOOST_DESCRIBE_STRUCT(GetAllQueuedTransfers, (), ())
BOOST_DESCRIBE_STRUCT(GetAllQueuedTransfersResponse, (), (transfer_list))
BOOST_DESCRIBE_STRUCT(ScheduleDownload, (),
                      (command_key, file_type, url, username, password, file_size, target_file_name,
                       time_window_list))
BOOST_DESCRIBE_STRUCT(ScheduleDownloadResponse, (), ())
BOOST_DESCRIBE_STRUCT(CancelTransfer, (), (command_key))
BOOST_DESCRIBE_STRUCT(CancelTransferResponse, (), ())
BOOST_DESCRIBE_STRUCT(ChangeDUState, (), (operations, command_key))
BOOST_DESCRIBE_STRUCT(ChangeDUStateResponse, (), ())

// CPE -> ACS requests and their responses
BOOST_DESCRIBE_STRUCT(Inform, (),
                      (device_id, event, max_envelopes, current_time, retry_count, parameter_list))
BOOST_DESCRIBE_STRUCT(InformResponse, (), (max_envelopes))
BOOST_DESCRIBE_STRUCT(TransferComplete, (), (command_key, fault_struct, start_time, complete_time))
BOOST_DESCRIBE_STRUCT(TransferCompleteResponse, (), ())
BOOST_DESCRIBE_STRUCT(AutonomousTransferComplete, (),
                      (announce_url, transfer_url, is_download, file_type, file_size,
                       target_file_name, fault_struct, start_time, complete_time))
BOOST_DESCRIBE_STRUCT(AutonomousTransferCompleteResponse, (), ())
BOOST_DESCRIBE_STRUCT(Kicked, (), (command, referer, arg, next))
BOOST_DESCRIBE_STRUCT(KickedResponse, (), (next_url))
BOOST_DESCRIBE_STRUCT(RequestDownload, (), (file_type, file_type_arg))
BOOST_DESCRIBE_STRUCT(RequestDownloadResponse, (), ())
BOOST_DESCRIBE_STRUCT(DUStateChangeComplete, (), (results, command_key))
BOOST_DESCRIBE_STRUCT(DUStateChangeCompleteResponse, (), ())
BOOST_DESCRIBE_STRUCT(AutonomousDUStateChangeComplete, (), (results))
BOOST_DESCRIBE_STRUCT(AutonomousDUStateChangeCompleteResponse, (), ())

// SOAP Fault and header
BOOST_DESCRIBE_STRUCT(SetParameterValuesFault, (), (parameter_name, fault_code, fault_string))
BOOST_DESCRIBE_STRUCT(Fault, (),
                      (faultcode, faultstring, code, string, set_parameter_values_faults))
BOOST_DESCRIBE_STRUCT(Header, (),
                      (id, hold_requests, session_timeout, supported_cwmp_versions,
                       use_cwmp_version, no_more_requests))

}  // namespace cwmp

namespace cwmpctl::detail {

template <class T>
using DescribedMembers = boost::describe::describe_members<T, boost::describe::mod_public>;

template <class T>
inline constexpr bool kFullyDescribed =
    boost::mp11::mp_size<DescribedMembers<T>>::value == boost::pfr::tuple_size_v<T>;

template <class... Ts>
constexpr bool all_fully_described(boost::mp11::mp_list<Ts...>) {
  return (kFullyDescribed<Ts> && ...);
}

static_assert(
    all_fully_described(
        boost::mp11::mp_list<
            cwmp::ParameterValue, cwmp::DeviceId, cwmp::EventStruct, cwmp::ParameterInfo,
            cwmp::SetParameterAttributesStruct, cwmp::ParameterAttribute, cwmp::TimeWindow,
            cwmp::QueuedTransfer, cwmp::AllQueuedTransfer, cwmp::FaultStruct, cwmp::OptionStruct,
            cwmp::ArgStruct, cwmp::InstallOp, cwmp::UpdateOp, cwmp::UninstallOp, cwmp::OpResult,
            cwmp::AutonOpResult, cwmp::SetParameterValuesFault, cwmp::Header>{}),
    "a struct of messages.hpp has a member missing from message_descriptions.hpp");

// Every RPC body and the Fault.
template <class... Ts>
constexpr bool body_fully_described(std::variant<Ts...>*) {
  return (kFullyDescribed<Ts> && ...);
}
static_assert(body_fully_described(static_cast<cwmp::Body*>(nullptr)),
              "an RPC struct of messages.hpp has a member missing from message_descriptions.hpp");

}  // namespace cwmpctl::detail
