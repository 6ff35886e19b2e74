#include "process_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace talkline::bench {

std::optional<ProcessSample> sample_process(pid_t pid) {
  const std::string dir = pid == 0 ? "/proc/self" : "/proc/" + std::to_string(pid);
  std::ifstream stat_file(dir + "/stat");
  std::string stat;
  if (!std::getline(stat_file, stat)) return std::nullopt;
  // The command name may hold spaces and ')': fields are counted after the last ')'.
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  unsigned long long utime = 0;
  unsigned long long stime = 0;
  // After ')' come field 3 (state) onwards; utime and stime are fields 14 and 15.
  for (int index = 3; index <= 15 && fields >> field; ++index) {
    if (index == 14) utime = std::stoull(field);
    if (index == 15) stime = std::stoull(field);
  }
  ProcessSample sample;
  sample.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));

  std::ifstream status(dir + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      sample.rss_kib = std::stod(line.substr(6));
      break;
    }
  }
  return sample;
}

std::optional<ProcessSample> ServerSample::total() const {
  if (nodes.empty()) return std::nullopt;
  ProcessSample sum;
  for (const auto& node : nodes) {
    if (!node) return std::nullopt;
    sum.cpu_seconds += node->cpu_seconds;
    sum.rss_kib += node->rss_kib;
  }
  return sum;
}

long ServerSample::total_open_files() const {
  if (open_files.empty()) return -1;
  long sum = 0;
  for (const long count : open_files) {
    if (count < 0) return -1;
    sum += count;
  }
  return sum;
}

ServerSample sample_server(const std::vector<pid_t>& pids) {
  ServerSample sample;
  for (const pid_t pid : pids) {
    // pid 0 would be this process: never a server.
    sample.nodes.push_back(pid > 0 ? sample_process(pid) : std::nullopt);
    sample.open_files.push_back(pid > 0 ? count_open_files(pid) : -1);
  }
  return sample;
}

std::optional<double> node_cpu_percent(const ServerSample& start, const ServerSample& end, std::size_t node,
                                       double seconds) {
  if (seconds <= 0 || node >= start.nodes.size() || node >= end.nodes.size()) return std::nullopt;
  const auto& before = start.nodes[node];
  const auto& after = end.nodes[node];
  if (!before || !after) return std::nullopt;
  return 100 * (after->cpu_seconds - before->cpu_seconds) / seconds;
}

long raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return -1;
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  getrlimit(RLIMIT_NOFILE, &limit);
  return static_cast<long>(limit.rlim_cur);
}

long count_open_files(pid_t pid) {
  std::error_code error;
  long count = 0;
  std::filesystem::directory_iterator entries("/proc/" + std::to_string(pid) + "/fd", error);
  if (error) return -1;
  for (const auto& entry : entries) {
    (void)entry;
    ++count;
  }
  return count;
}

}  // namespace talkline::bench
