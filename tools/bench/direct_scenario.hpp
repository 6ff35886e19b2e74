#pragma once

#include "bench_options.hpp"

namespace talkline::bench {

/// `direct`: P pairs of users, each pair in its own direct conversation, both sides
/// sending on an open-loop schedule that adds up to `rate` messages per second.
/// Measures send→ack and send→deliver latency from each send's planned time, and checks
/// that every acked message reached the peer exactly once and in seq order. Returns the
/// exit code: 1 when anything was lost, duplicated, out of order, refused or unanswered.
int run_direct(const CommonOptions& common, const DirectOptions& options);

}  // namespace talkline::bench
