// Tasks <-> CPE RPCs: builds the RPC(s) a task sends from its NBI arguments
// (GenieACS's shapes), and turns the CPE's answer into the task's result and
// what it teaches us about the device. Pure.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/json/value.hpp>

#include "acs/model.hpp"
#include "cwmp/messages.hpp"
#include "cwmp/result.hpp"

namespace acs {

// The RPCs a task sends, in order. Most tasks send one; refreshObject sends a
// GetParameterNames of the subtree and then a GetParameterValues of it.
struct TaskPlan {
  std::vector<cwmp::Body> rpcs;
};

// Validates a task's arguments and builds its plan. An Error (kInvalidArguments)
// names the argument at fault; the NBI refuses such a task with 400 before it
// is queued, and the session fails a stored one that no longer builds.
cwmp::Result<TaskPlan> plan_task(TaskType type, const boost::json::object& args);

// What one answer of a task's plan yields.
struct Outcome {
  boost::json::value result;             // merged into the task's result
  std::vector<ParameterUpdate> learned;  // parameters to store on the device
  std::vector<std::string> removed_prefixes;
};

// The CPE's answer to `request` (a response of the matching type). An Error
// when the answer is of another type than the request asked for.
cwmp::Result<Outcome> task_outcome(const cwmp::Body& request, const cwmp::Body& response);

// Whether a parameter is one a CPE reads back as "" (TR-069 A.3.2.2: ...Password); an
// empty value read from the CPE is not stored over the known one.
bool is_hidden_parameter(std::string_view path);

// The task fault for a CPE SOAP Fault.
TaskFault fault_of(const cwmp::Fault& fault);

// The response element a request expects ("GetParameterValuesResponse", ...).
std::string expected_response(const cwmp::Body& request);

}  // namespace acs
