#pragma once

#include <optional>
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

/// Adds the server and bench resource rows for windows [first, last): the server's as
/// the sum over its nodes, then per node when there are several.
void add_resources(Report& report, const Traffic& traffic, std::size_t first, std::size_t last);

/// Adds per-node CPU, RSS and open files over `span` to the server section (nothing for
/// one node).
void add_node_resources(Report& report, const WindowResources& span);

/// Adds the nodes driven (`nodes`, and `targets`: their URLs) to the parameters and, with
/// several nodes, the plan's cross_node_share (traffic_plan.hpp).
void add_targets(Report& report, const CommonOptions& common, std::optional<double> cross_node_share = {});

/// Writes the JSON file when one was asked for; false when it cannot be written.
bool write_report(const Report& report, const std::string& json_file);

}  // namespace talkline::bench
