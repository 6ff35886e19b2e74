#pragma once

#include <string>

#include "report.hpp"
#include "traffic.hpp"

namespace talkline::bench {

/// The JSON of one window or step: counts, rates over `seconds`, latencies, and the
/// server's and bench's CPU and memory when sampled.
util::Json window_json(const WindowStats& stats, double seconds, const WindowResources* resources);

/// One line for a soak report: time, rates, p99s, server CPU/RSS/open files.
std::string window_line(const WindowStats& stats, double seconds, const WindowResources& resources);

/// Adds the throughput, latency and correctness sections of a messaging run to `report`
/// and returns true when the correctness counts are all zero.
bool add_messaging_totals(Report& report, const Traffic& traffic, const WindowStats& total, double seconds,
                          std::uint64_t lost);

/// Adds the server and bench resource rows for windows [first, last).
void add_resources(Report& report, const Traffic& traffic, std::size_t first, std::size_t last);

/// Writes the JSON file when one was asked for; false when it cannot be written.
bool write_report(const Report& report, const std::string& json_file);

}  // namespace talkline::bench
