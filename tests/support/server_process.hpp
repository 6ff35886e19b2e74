#pragma once

// What every throwaway test server (PostgreSQL, Redis) needs before it starts.

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace talkline::testing {

/// A TCP port on 127.0.0.1 that nothing listens on right now. Throws when none is found.
int free_loopback_port();

/// A fresh directory under the system temp dir, named `<prefix>-XXXXXX`. Throws on failure.
std::filesystem::path make_temp_dir(std::string_view prefix);

/// How a child process is started.
struct ChildOptions {
  /// Appends the child's stdout and stderr here when not empty.
  std::filesystem::path log;
  /// Killed with the test process, so a crashed test leaves no server behind.
  bool die_with_parent = true;
  /// Looks argv[0] up in PATH.
  bool search_path = false;
  /// Runs in the child before exec (drop privileges, say).
  std::function<void()> before_exec;
};

/// Forks and execs `argv`; returns the child's pid. Throws when fork fails; a child
/// that cannot exec exits 127.
pid_t spawn_child(const std::vector<std::string>& argv, const ChildOptions& options);

/// Waits for `pid` and returns its exit status (128 + signal when killed, -1 on error).
int wait_for_child(pid_t pid);

}  // namespace talkline::testing
