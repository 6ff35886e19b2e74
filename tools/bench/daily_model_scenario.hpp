#pragma once

#include "bench_options.hpp"

namespace talkline::bench {

/// `daily-model`: the traffic TalkLine was specified for — active users each sending
/// `messages_per_day` (1:1 and in groups), history reads at `read_ratio` times the send
/// rate — with a day compressed by `speedup`. The send rate is
/// active · messages_per_day · speedup / 86,400. Says whether the server kept up (every
/// planned send and read done, nothing lost, p99 of deliveries and reads under a second)
/// and at what latency. Returns the exit code.
int run_daily_model(const CommonOptions& common, const DailyModelOptions& options);

}  // namespace talkline::bench
