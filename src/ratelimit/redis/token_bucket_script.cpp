#include "ratelimit/redis/token_bucket_script.hpp"

namespace talkline::ratelimit::redis {

const std::string_view kTokenBucketScript = R"lua(
local op = ARGV[1]
local capacity = tonumber(ARGV[2])
local rate = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local now = tonumber(ARGV[5])
local margin = tonumber(ARGV[6])
local longest = tonumber(ARGV[7])
local extra = tonumber(ARGV[8]) or 0
if now == nil then
  -- Before Redis 5 a script that reads the clock may write only in effects mode.
  if redis.replicate_commands then redis.replicate_commands() end
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local spend = math.max(cost, 0)

local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(state[1])
local updated = tonumber(state[2])
if tokens == nil or updated == nil then
  if op == 'refund' then return {1, 0} end
  tokens = capacity
  updated = now
end
local elapsed = now - updated
if elapsed > 0 and rate > 0 then
  tokens = math.min(capacity, tokens + elapsed / 1000 * rate)
else
  tokens = math.min(tokens, capacity)
end

local function store(left)
  redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', left),
             'updated', string.format('%.17g', math.max(updated, now)))
  local ttl = longest
  if rate > 0 then ttl = math.min(longest, math.ceil((capacity - left) / rate * 1000) + margin) end
  redis.call('PEXPIRE', KEYS[1], math.max(1, ttl))
end

if op == 'refund' then
  store(math.min(capacity, tokens + spend))
  return {1, 0}
end
-- The tolerance absorbs rounding in the refill, as in the local buckets.
if tokens + 1e-9 >= cost then
  if op == 'acquire' then store(math.max(0, tokens - spend)) end
  if op == 'lease' then
    -- Whole tokens only, so a node never holds a fraction it cannot spend.
    local leased = math.max(0, math.min(extra, math.floor(tokens - spend + 1e-9)))
    store(math.max(0, tokens - spend - leased))
    return {1, 0, leased}
  end
  return {1, 0}
end
if rate <= 0 or cost > capacity then return {0, -1} end
local seconds = math.ceil((cost - tokens) / rate)
if seconds >= 2147483647 then return {0, -1} end
return {0, math.max(1, seconds)}
)lua";

}  // namespace talkline::ratelimit::redis
