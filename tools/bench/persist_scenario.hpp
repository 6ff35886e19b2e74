#pragma once

#include "bench_options.hpp"

namespace talkline::bench {

/// `persist`: S senders, each in a direct conversation whose other member is offline, so
/// the server's work is the durable write and the ack. Rising rates; reports the highest
/// sustained rate whose p99 send→ack stays under the bound. Returns the exit code.
int run_persist(const CommonOptions& common, const PersistOptions& options);

}  // namespace talkline::bench
