#pragma once

#include <sys/types.h>
#include <optional>

namespace talkline::bench {

/// CPU time and resident memory of one process, read from /proc.
struct ProcessSample {
  double cpu_seconds = 0;  ///< user + system
  double rss_kib = 0;      ///< VmRSS
};

/// Samples process `pid` (0 = this process); nullopt when /proc has no such process.
std::optional<ProcessSample> sample_process(pid_t pid);

/// Samples the server under test; nullopt when `pid` is 0 (not given) or gone.
std::optional<ProcessSample> sample_server(pid_t pid);

/// Open file descriptors of process `pid`; -1 when /proc does not say.
long count_open_files(pid_t pid);

/// Raises this process's open-file soft limit to its hard limit; returns the new limit.
long raise_open_file_limit();

}  // namespace talkline::bench
