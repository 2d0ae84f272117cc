// Hooks: how a vendor connects parameters to the real system without touching the core
// (docs/cpe-model.md "Providers and hooks"). A hook is registered for a parameter pattern
// and then supplies (get) and applies (set) the values of every parameter it matches:
//   - ValueHook: a C++ callback interface, for code linked into the agent;
//   - CommandHook: runs an external command (/bin/sh -c) with the path as $1 (and the new
//     value as $2), reads the value from its stdout, kills it after a timeout.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace cpe::model {

// What a hook answers: a value (get), or nothing (set); `ok` false = it failed, `text`
// then says why (logged; the RPC answers 9002 Internal error).
struct HookResult {
  bool ok = false;
  std::string text;  // the value (get) or the error

  static HookResult value(std::string v) { return {true, std::move(v)}; }
  static HookResult done() { return {true, {}}; }
  static HookResult failure(std::string why) { return {false, std::move(why)}; }
};

class ValueHook {
 public:
  virtual ~ValueHook() = default;
  // The current value of `path` (a full parameter name with instance numbers).
  virtual HookResult get(const std::string& path) = 0;
  // Applies a value an ACS or the agent set. Only called when can_set() is true, with a value
  // the model already validated against the parameter's definition.
  virtual HookResult set(const std::string& path, const std::string& value) {
    (void)path;
    (void)value;
    return HookResult::failure("this hook cannot set values");
  }
  // False: the parameters it supplies are read-only to the ACS (SPV answers 9008).
  virtual bool can_set() const { return false; }
};

// The outcome of one external command.
struct CommandResult {
  bool started = false;
  bool timed_out = false;
  int exit_status = -1;  // the exit code; -1 when killed by a signal or not started
  std::string output;    // stdout, at most max_output bytes
  std::string error;     // why it could not run
};

// Runs `/bin/sh -c <command> cwmp-hook <args...>` (so the script sees the arguments as $1,
// $2, ...) with stdin from /dev/null and stdout captured; stderr is inherited (the agent's
// log). After `timeout` the whole process group is killed. Blocks the caller.
CommandResult run_command(const std::string& command, const std::vector<std::string>& args,
                          std::chrono::milliseconds timeout, std::size_t max_output = 64 * 1024);

class CommandHook final : public ValueHook {
 public:
  CommandHook(std::string get_command, std::string set_command, std::chrono::milliseconds timeout)
      : get_command_(std::move(get_command)),
        set_command_(std::move(set_command)),
        timeout_(timeout) {}

  // Runs the get command; its stdout without the trailing newline is the value. A non-zero
  // exit status or a timeout is a failure.
  HookResult get(const std::string& path) override;
  HookResult set(const std::string& path, const std::string& value) override;
  bool can_set() const override { return !set_command_.empty(); }

 private:
  std::string get_command_;
  std::string set_command_;
  std::chrono::milliseconds timeout_;
};

}  // namespace cpe::model
