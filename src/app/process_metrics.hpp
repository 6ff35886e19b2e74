#pragma once

#include <optional>

namespace talkline::app {

/// The process as the kernel sees it, read from /proc/self at scrape time (prometheus-cpp
/// has no process collector). Fields the kernel did not give are empty.
struct ProcessSample {
  std::optional<double> cpu_seconds;  // user + system
  std::optional<double> resident_bytes;
  std::optional<double> virtual_bytes;
  std::optional<double> open_fds;
  std::optional<double> max_fds;
  std::optional<double> start_time_seconds;  // since the Unix epoch
  std::optional<double> threads;
};

/// Reads /proc/self/stat, /proc/self/statm, /proc/self/fd and the open-files limit.
ProcessSample sample_process();

}  // namespace talkline::app
