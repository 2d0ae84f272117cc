// Hooks: see hooks.hpp.
#include "cpe/model/hooks.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace cpe::model {

namespace {

using Clock = std::chrono::steady_clock;

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// posix_spawn's attributes and file actions, destroyed on every path.
struct SpawnSetup {
  posix_spawn_file_actions_t actions{};
  posix_spawnattr_t attr{};
  bool ok = false;

  explicit SpawnSetup(int stdout_fd) {
    if (posix_spawn_file_actions_init(&actions) != 0) return;
    if (posix_spawnattr_init(&attr) != 0) {
      posix_spawn_file_actions_destroy(&actions);
      return;
    }
    sigset_t none;
    sigset_t defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGCHLD);
    // Its own process group, so a timeout kills the shell and whatever it started.
    ok = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0) == 0 &&
         posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1) == 0 &&
         posix_spawnattr_setpgroup(&attr, 0) == 0 &&
         posix_spawnattr_setsigmask(&attr, &none) == 0 &&
         posix_spawnattr_setsigdefault(&attr, &defaults) == 0 &&
         posix_spawnattr_setflags(
             &attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) == 0;
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
};

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(left.count());
}

// Reads the child's stdout until EOF or the deadline; true on EOF.
bool read_output(int fd, Clock::time_point deadline, std::size_t max_output, std::string& out) {
  std::array<char, 4096> buffer{};
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    const int left = remaining_ms(deadline);
    if (left == 0) return false;
    const int n = ::poll(&p, 1, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    const ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return true;  // EOF (or an error: treat as the end)
    // Past the cap the output is drained and dropped, so the child never blocks on a full pipe.
    const std::size_t room = max_output - std::min(max_output, out.size());
    out.append(buffer.data(), std::min(room, static_cast<std::size_t>(got)));
  }
}

// Waits for the child until the deadline; false if it is still running then.
bool wait_child(pid_t pid, Clock::time_point deadline, int& status) {
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return true;
    if (r < 0 && errno != EINTR) return true;  // already reaped: nothing to wait for
    if (remaining_ms(deadline) == 0) return false;
    // The child closed stdout, so it is about to exit: a short sleep between checks.
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

std::string strip_newlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

CommandResult run_command(const std::string& command, const std::vector<std::string>& args,
                          std::chrono::milliseconds timeout, std::size_t max_output) {
  CommandResult result;
  std::array<int, 2> fds{-1, -1};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
    result.error = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  Fd read_end(fds[0]);
  Fd write_end(fds[1]);

  std::vector<std::string> argv_storage{"/bin/sh", "-c", command, "cwmp-hook"};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(argv_storage.size() + 1);
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);

  pid_t pid = -1;
  {
    SpawnSetup setup(write_end.get());
    if (!setup.ok) {
      result.error = "posix_spawn setup failed";
      return result;
    }
    const int rc =
        ::posix_spawn(&pid, "/bin/sh", &setup.actions, &setup.attr, argv.data(), environ);
    if (rc != 0) {
      result.error = std::string("posix_spawn: ") + std::strerror(rc);
      return result;
    }
  }
  result.started = true;
  write_end.reset();  // so that EOF comes when the child (and its children) close stdout

  const auto deadline = Clock::now() + timeout;
  int status = 0;
  const bool eof = read_output(read_end.get(), deadline, max_output, result.output);
  if (!eof || !wait_child(pid, deadline, status)) {
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.timed_out = true;
    return result;
  }
  if (WIFEXITED(status)) result.exit_status = WEXITSTATUS(status);
  return result;
}

namespace {

HookResult to_hook_result(const CommandResult& r, const std::string& command, bool want_value) {
  if (!r.started) return HookResult::failure("cannot run \"" + command + "\": " + r.error);
  if (r.timed_out) return HookResult::failure("\"" + command + "\" timed out");
  if (r.exit_status != 0) {
    return HookResult::failure("\"" + command + "\" exited with status " +
                               std::to_string(r.exit_status));
  }
  return want_value ? HookResult::value(strip_newlines(r.output)) : HookResult::done();
}

}  // namespace

HookResult CommandHook::get(const std::string& path) {
  return to_hook_result(run_command(get_command_, {path}, timeout_), get_command_, true);
}

HookResult CommandHook::set(const std::string& path, const std::string& value) {
  if (set_command_.empty()) return HookResult::failure("no set command");
  return to_hook_result(run_command(set_command_, {path, value}, timeout_), set_command_, false);
}

}  // namespace cpe::model
