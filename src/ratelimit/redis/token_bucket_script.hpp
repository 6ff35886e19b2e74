#pragma once

#include <string_view>

namespace talkline::ratelimit::redis {

/// The token bucket as one Lua script, so that reading, refilling and taking happen as
/// one atomic step on the Redis server whatever the number of nodes.
///
/// KEYS[1] is the bucket (a hash: `tokens`, `updated` in ms). ARGV: operation
/// ("acquire", "peek", "refund" or "lease"), capacity, refill per second, cost, now in ms
/// (empty: the server's clock, one clock for every node), expiry margin in ms, longest
/// expiry in ms, and for "lease" the most whole tokens to take beyond the cost. Answers
/// {allowed (1/0), retry after in seconds (-1: never)}, and for an allowed "lease" a third
/// element: the tokens taken beyond the cost, which the caller now holds.
///
/// The same arithmetic as LocalRateLimiter: a missing bucket is full; time that runs
/// backwards refills nothing; a refusal takes nothing. A written bucket expires when it
/// would be full again (plus the margin), since forgetting a full bucket changes nothing.
extern const std::string_view kTokenBucketScript;

}  // namespace talkline::ratelimit::redis
