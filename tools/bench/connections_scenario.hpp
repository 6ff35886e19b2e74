#pragma once

#include "bench_options.hpp"

namespace talkline::bench {

/// `connections`: N idle authenticated connections held for the duration. Reports the
/// handshake rate, server RSS per connection and both processes' CPU. Returns the exit
/// code: 1 when a connection failed or was dropped while idle.
int run_connections(const CommonOptions& common, const ConnectionsOptions& options);

}  // namespace talkline::bench
