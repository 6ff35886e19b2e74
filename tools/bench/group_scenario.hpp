#pragma once

#include "bench_options.hpp"

namespace talkline::bench {

/// `group`: G groups of M members, every member online and sending; the rate is sends
/// per second over all groups, each fanned out to M−1 sockets. Reports deliveries per
/// second and send→last-delivery latency. Returns the exit code (see run_messaging).
int run_group(const CommonOptions& common, const GroupOptions& options);

}  // namespace talkline::bench
