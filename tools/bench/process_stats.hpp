#pragma once

#include <sys/types.h>
#include <cstddef>
#include <optional>
#include <vector>

namespace talkline::bench {

/// CPU time and resident memory of one process, read from /proc.
struct ProcessSample {
  double cpu_seconds = 0;  ///< user + system
  double rss_kib = 0;      ///< VmRSS
};

/// Samples process `pid` (0 = this process); nullopt when /proc has no such process.
std::optional<ProcessSample> sample_process(pid_t pid);

/// Open file descriptors of process `pid`; -1 when /proc does not say.
long count_open_files(pid_t pid);

/// The server under test at one moment: one process per node (`--server-pid`, in order).
struct ServerSample {
  std::vector<std::optional<ProcessSample>> nodes;  ///< nullopt where a process is gone
  std::vector<long> open_files;                     ///< per node; -1 when unknown

  /// CPU seconds and RSS of every node added up; nullopt when no process was given or
  /// one of them could not be sampled (a sum missing a node would read as a drop).
  std::optional<ProcessSample> total() const;
  /// Open files of every node added up; -1 when one is unknown.
  long total_open_files() const;
};

/// Samples every process of `pids` (none: an empty sample, whose total() is nullopt).
ServerSample sample_server(const std::vector<pid_t>& pids);

/// Percent of one core that node `node` used between two samples `seconds` apart (both
/// from the same pids); nullopt when either sample lacks it or seconds <= 0.
std::optional<double> node_cpu_percent(const ServerSample& start, const ServerSample& end, std::size_t node,
                                       double seconds);

/// Raises this process's open-file soft limit to its hard limit; returns the new limit.
long raise_open_file_limit();

}  // namespace talkline::bench
