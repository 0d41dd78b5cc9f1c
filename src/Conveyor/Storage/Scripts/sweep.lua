--[[ sweep: forget finished jobs whose retention age has passed (finished sets are scored by expiry time),
and per-minute counters older than two hours.
KEYS: jobs lease attempts stalls priority errors progress logs done cancelreq completed dead cancelled stats minutes
ARGV[3] batch size per set
Returns the number of jobs forgotten; the caller repeats until it returns 0. ]]
local now = server_now()
local limit = tonumber(ARGV[3])
local total = 0
for _, name in ipairs({ 'completed', 'dead', 'cancelled' }) do
  local ids = redis.call('ZRANGEBYSCORE', K[name], '-inf', now, 'LIMIT', 0, limit)
  if #ids > 0 then
    redis.call('ZREM', K[name], unpack(ids))
    forget(ids, true)
    redis.call('HINCRBY', K.stats, 'expired_' .. name, #ids)
    total = total + #ids
  end
end
local horizon = math.floor(now / 60000) - 120
local old = {}
for _, field in ipairs(redis.call('HKEYS', K.minutes)) do
  local minute = tonumber(string.sub(field, 3))
  if minute and minute < horizon then old[#old + 1] = field end
end
if #old > 0 then redis.call('HDEL', K.minutes, unpack(old)) end
return total
