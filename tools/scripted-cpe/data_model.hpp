// The scripted CPE's data model: a small TR-181 "Device:2" tree held in memory, and the
// semantics of the parameter RPCs over it (TR-069 A.3.2.1-A.3.2.7). Pure: no I/O, no
// clock, no locking (the owner locks).
//
// Nodes are kept in one ordered map whose order is the tree order (an object comes before
// everything below it, instance numbers compare as numbers), so a subtree is a contiguous
// range and GetParameterNames lists it the way a device walks its tree.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cwmp/messages.hpp"
#include "cwmp/result.hpp"
#include "cwmp/values.hpp"

namespace scripted_cpe {

// Tree order: segment by segment, instance numbers numerically ("SSID.2." < "SSID.10."),
// names as strings; a path sorts before every path below it.
struct PathLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const;
};

// One node: an object (its name ends in '.') or a parameter.
struct Node {
  bool is_object = false;
  // Parameters: SetParameterValues may change it. Objects: AddObject works on it (a table)
  // or DeleteObject does (an instance of a writable table) [CWMP-FACTS §7.2].
  bool writable = false;

  // --- parameters
  std::string value;
  cwmp::ValueType type = cwmp::ValueType::kString;
  bool hidden = false;  // reads back as "" (passwords; TR-106 "hidden")
  // TR-106 activeNotify "canDeny": a request for active notification is refused (9009).
  bool deny_active_notification = false;
  std::uint32_t max_length = 0;      // strings, in bytes; 0 = no limit of its own
  std::optional<std::uint64_t> min;  // unsigned numbers: the allowed range
  std::optional<std::uint64_t> max;
  std::function<bool(std::string_view)> check;  // any further rule on the value
  std::int32_t notification = 0;
  std::vector<std::string> access_list;

  // --- objects
  bool table = false;  // a multi-instance object ("Device.WiFi.SSID.")
  std::uint32_t next_instance = 1;
  std::string count_parameter;  // "...NumberOfEntries" kept equal to the instance count
};

// What AddObject creates: the parameters and sub-objects of an instance, relative to it
// ("Enable", "Stats.", "Stats.BytesSent"), with their factory values.
using InstanceTemplate = std::vector<std::pair<std::string, Node>>;

template <typename T>
using RpcResult = cwmp::Result<T, cwmp::Fault>;

class DataModel {
 public:
  // --- building ---------------------------------------------------------------------
  void add_object(std::string path, bool writable = false);
  // A multi-instance object; `count_parameter` (may be empty) is its NumberOfEntries.
  void add_table(std::string path, bool writable, std::string count_parameter);
  void add_parameter(std::string name, Node node);
  // Call once the tree is complete: records each table's instance template (from its
  // lowest instance), its next instance number and the NumberOfEntries values.
  void finish();

  // --- direct access (the CPE itself, and tests) --------------------------------------
  const Node* find(std::string_view path) const;
  std::optional<std::string> value(std::string_view name) const;
  // Sets a parameter without any check (the device changing its own state). False when
  // there is no such parameter.
  bool set_value(std::string_view name, std::string value);
  // Every parameter at or below `prefix` ("" = all), in tree order.
  std::vector<std::pair<std::string, const Node*>> parameters(std::string_view prefix = {}) const;
  std::size_t parameter_count() const;

  // --- RPC semantics -----------------------------------------------------------------
  // `parameter_key_path` is where ParameterKey lives; SPV/AddObject/DeleteObject set it
  // when, and only when, they succeed [CWMP-FACTS §7.3].
  explicit DataModel(std::string parameter_key_path = "Device.ManagementServer.ParameterKey")
      : parameter_key_path_(std::move(parameter_key_path)) {}

  RpcResult<cwmp::GetParameterValuesResponse> get_values(const cwmp::GetParameterValues& m) const;
  RpcResult<cwmp::SetParameterValuesResponse> set_values(const cwmp::SetParameterValues& m);
  RpcResult<cwmp::GetParameterNamesResponse> get_names(const cwmp::GetParameterNames& m) const;
  RpcResult<cwmp::GetParameterAttributesResponse> get_attributes(
      const cwmp::GetParameterAttributes& m) const;
  RpcResult<cwmp::SetParameterAttributesResponse> set_attributes(
      const cwmp::SetParameterAttributes& m);
  RpcResult<cwmp::AddObjectResponse> add_object_instance(const cwmp::AddObject& m);
  RpcResult<cwmp::DeleteObjectResponse> delete_object_instance(const cwmp::DeleteObject& m);

 private:
  using Map = std::map<std::string, Node, PathLess>;
  // The nodes at or below `prefix` ("" = all): [first, last).
  std::pair<Map::const_iterator, Map::const_iterator> subtree(std::string_view prefix) const;
  std::pair<Map::iterator, Map::iterator> subtree(std::string_view prefix);
  // The parameters a GPV/GPA name selects; nullopt = fault 9005.
  std::optional<std::vector<Map::const_iterator>> select(std::string_view name) const;
  void update_count(const std::string& table_path);

  Map nodes_;
  std::map<std::string, InstanceTemplate, PathLess> templates_;  // by table path
  std::string parameter_key_path_;
};

// True when a value of type `given` (from an SPV) may be stored in a parameter of type
// `declared`: the same type, no type at all (CWMP 1.0 peers), or another integer type
// whose text is also valid in the declared one (an ACS that sends xsd:int for an
// unsignedInt parameter).
bool type_compatible(cwmp::ValueType given, cwmp::ValueType declared, std::string_view value);

}  // namespace scripted_cpe
