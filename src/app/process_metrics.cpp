#include "app/process_metrics.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace talkline::app {
namespace {

// When the system booted, seconds since the epoch: /proc/stat's btime.
std::optional<double> boot_time() {
  std::ifstream stat("/proc/stat");
  std::string key;
  double value = 0;
  while (stat >> key) {
    if (key == "btime" && stat >> value) return value;
    stat.ignore(4096, '\n');
  }
  return std::nullopt;
}

// /proc/self/stat after the command name, which may hold spaces and parentheses: the
// fields start after its last ')'. Field 3 (state) is the first returned.
std::vector<std::string> stat_fields() {
  std::ifstream file("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream rest(text.substr(close + 1));
  std::vector<std::string> fields;
  for (std::string field; rest >> field;) fields.push_back(field);
  return fields;
}

}  // namespace

ProcessSample sample_process() {
  ProcessSample sample;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  // proc(5) numbers fields from 1; fields[0] is field 3.
  const auto fields = stat_fields();
  auto field = [&](std::size_t number) -> std::optional<double> {
    if (number < 3 || number - 3 >= fields.size()) return std::nullopt;
    try {
      return std::stod(fields[number - 3]);
    } catch (...) {
      return std::nullopt;
    }
  };
  if (auto utime = field(14), stime = field(15); utime && stime && ticks > 0) {
    sample.cpu_seconds = (*utime + *stime) / ticks;
  }
  sample.threads = field(20);
  if (auto start = field(22), boot = boot_time(); start && boot && ticks > 0) {
    sample.start_time_seconds = *boot + *start / ticks;
  }
  sample.virtual_bytes = field(23);
  if (auto rss = field(24)) sample.resident_bytes = *rss * page;

  std::error_code ec;
  double open = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) ++open;
  // The directory's own descriptor was open while it was listed.
  if (!ec) sample.open_fds = open > 0 ? open - 1 : 0;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    sample.max_fds = static_cast<double>(limit.rlim_cur);
  }
  return sample;
}

}  // namespace talkline::app
