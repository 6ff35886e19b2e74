#pragma once

#include "bench_options.hpp"

namespace talkline::bench {

/// `direct`: P pairs of users, each pair in its own direct conversation, both sides
/// sending on an open-loop schedule that adds up to the rate. Measures send→ack and
/// send→deliver latency; with several rates, the highest whose p99 send→deliver stays
/// under the bound. Returns the exit code (see run_messaging).
int run_direct(const CommonOptions& common, const DirectOptions& options);

}  // namespace talkline::bench
