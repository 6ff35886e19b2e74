#include "presence/redis/presence_scripts.hpp"

namespace talkline::presence::redis::scripts {

// Scores are whole milliseconds below 2^53, so Lua's doubles hold them exactly; ms()
// writes one without an exponent (Lua 5.1's tostring keeps only 14 digits).
#define TL_NOW_MS                                              \
  "local function ms(x) return string.format('%.0f', x) end\n" \
  "local t = redis.call('TIME')\n"                             \
  "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"

const std::string_view kOnline = TL_NOW_MS R"lua(
local ttl = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms(now))
local others = redis.call('ZCARD', KEYS[1])
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then others = others - 1 end
redis.call('ZADD', KEYS[1], ms(now + ttl), ARGV[1])
redis.call('ZADD', KEYS[2], ms(now + ttl), ARGV[3] .. ':' .. ARGV[1])
if others == 0 then return 1 end
return 0
)lua";

// Holders that expired are dropped here too: if none is left the caller reports the
// user offline, and the sweeper then finds their entries gone and reports nothing.
const std::string_view kOffline = TL_NOW_MS R"lua(
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[2] .. ':' .. ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms(now))
if redis.call('ZCARD', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[2])
  return 1
end
local at = tonumber(ARGV[3])
if at > tonumber(redis.call('GET', KEYS[2]) or '0') then
  redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
end
return 0
)lua";

const std::string_view kHeartbeat = TL_NOW_MS R"lua(
local expiry = now + tonumber(ARGV[3])
local node = ARGV[2]
local lost = {}
for i = 4, #ARGV do
  local user = ARGV[i]
  local key = ARGV[1] .. user
  if not redis.call('ZSCORE', key, node) then
    if redis.call('ZCOUNT', key, '(' .. ms(now), '+inf') == 0 then lost[#lost + 1] = user end
  end
  redis.call('ZADD', key, ms(expiry), node)
  redis.call('ZADD', KEYS[1], ms(expiry), user .. ':' .. node)
end
return lost
)lua";

// A user whose last live holder is gone has every remaining (expired) holder dropped
// with it, so their other index entries find nothing and the user is reported once.
const std::string_view kSweep = TL_NOW_MS R"lua(
local ttl = tonumber(ARGV[4])
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ms(now), 'LIMIT', 0, tonumber(ARGV[3]))
local out = {#due}
for _, entry in ipairs(due) do
  redis.call('ZREM', KEYS[1], entry)
  local sep = string.find(entry, ':', 1, true)
  if sep then
    local user = string.sub(entry, 1, sep - 1)
    local node = string.sub(entry, sep + 1)
    local key = ARGV[1] .. user
    local score = redis.call('ZSCORE', key, node)
    if score and tonumber(score) <= now then
      redis.call('ZREM', key, node)
      if redis.call('ZCOUNT', key, '(' .. ms(now), '+inf') == 0 then
        redis.call('DEL', key)
        local seen_key = ARGV[2] .. user
        local seen = tonumber(redis.call('GET', seen_key) or '0')
        redis.call('DEL', seen_key)
        out[#out + 1] = user
        out[#out + 1] = ms(math.max(tonumber(score) - ttl, seen))
      end
    end
  end
end
return out
)lua";

const std::string_view kQuery = TL_NOW_MS R"lua(
local out = {}
for i = 2, #ARGV do
  if redis.call('ZCOUNT', ARGV[1] .. ARGV[i], '(' .. ms(now), '+inf') > 0 then out[#out + 1] = 1 else out[#out + 1] = 0 end
end
return out
)lua";

#undef TL_NOW_MS

}  // namespace talkline::presence::redis::scripts
