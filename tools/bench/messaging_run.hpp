#pragma once

#include <functional>

#include "bench_options.hpp"
#include "io_pool.hpp"
#include "report.hpp"
#include "traffic.hpp"

namespace talkline::bench {

/// Which latency a stepped run holds to `p99_bound_ms`.
enum class BoundOn { send_to_deliver, send_to_ack };

/// Runs a connected Traffic through the rates of `options` (one phase per rate; in soak
/// mode each phase reports a line per window), stopping after the first step that was not
/// sustained or whose p99 broke the bound. Fills `report` (steps, totals, correctness,
/// resources, timeline) and returns the exit code: 0 clean, 1 a correctness failure.
/// `companion`, when given, runs alongside every phase.
/// `conclude`, when given, adds scenario-specific rows from the totals before printing.
int run_messaging(Traffic& traffic, const CommonOptions& common, const MessagingOptions& options, BoundOn bound_on,
                  Report& report, PhaseCompanion* companion = nullptr,
                  const std::function<void(Report&, const WindowStats&)>& conclude = {});

/// Connects `traffic`; on failure prints why and returns false.
bool connect_traffic(Traffic& traffic, std::size_t connections);

}  // namespace talkline::bench
