--[[ recover: take back jobs whose lease expired (their worker died or stalled). Each such job counts an
attempt and a stall; it goes back to the front of the waiting line, or to dead with reason "stalled" once it
has stalled more than its max stalls or used its last attempt, or to cancelled if a cancel was requested.
KEYS: active lease jobs attempts stalls priority errors progress logs done cancelreq wait prio pseq dead cancelled stats minutes
ARGV[3] limit  ARGV[4] default attempts  ARGV[5] default max stalls  ARGV[6] dead retention "age_ms:count"
ARGV[7] cancelled retention "age_ms:count"
Returns {recovered, dead, cancelled}. ]]
local now = server_now()
local expired = redis.call('ZRANGEBYSCORE', K.active, '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
if #expired == 0 then return { 0, 0, 0 } end

local _, _, dead_age, dead_keep = string.find(ARGV[6], '^(%d+):(%d+)$')
local _, _, cancel_age, cancel_keep = string.find(ARGV[7], '^(%d+):(%d+)$')
local waiting_before = waiting_count()
local back, dead, cancelled = {}, {}, {}
for _, id in ipairs(expired) do
  local lease = redis.call('HGET', K.lease, id) or '0|0|'
  local started, worker = lease_parts(lease)
  redis.call('ZREM', K.active, id)
  redis.call('HDEL', K.lease, id)
  if redis.call('HDEL', K.cancelreq, id) == 1 then
    cancelled[#cancelled + 1] = id
    redis.call('ZADD', K.cancelled, int(now + tonumber(cancel_age)), id)
    redis.call('HSET', K.done, id, done_record('cancelled', started, now, worker, nil))
  else
    local attempts = redis.call('HINCRBY', K.attempts, id, 1)
    local stalls = redis.call('HINCRBY', K.stalls, id, 1)
    local max_attempts, max_stalls = tonumber(ARGV[4]), tonumber(ARGV[5])
    local envelope = redis.call('HGET', K.jobs, id)
    if envelope then
      local ok, job = pcall(cjson.decode, envelope)
      if ok and type(job) == 'table' and type(job.opts) == 'table' then
        if tonumber(job.opts.attempts) then max_attempts = tonumber(job.opts.attempts) end
        if tonumber(job.opts.maxStalls) then max_stalls = tonumber(job.opts.maxStalls) end
      end
    end
    append_error(id, '{"attempt":' .. attempts .. ',"at":' .. int(now) .. ',"type":"Stalled","message":'
      .. '"The lease of worker ' .. worker .. ' expired: its process stopped or stalled (stall ' .. stalls .. ')."}')
    if stalls > max_stalls or attempts >= max_attempts then
      dead[#dead + 1] = id
      redis.call('ZADD', K.dead, int(now + tonumber(dead_age)), id)
      redis.call('HSET', K.done, id, done_record('stalled', started, now, worker, nil))
    else
      back[#back + 1] = id
      push_waiting(id, true)
    end
  end
end

if #dead > 0 then
  local trimmed = trim_to_count(K.dead, tonumber(dead_keep))
  if trimmed > 0 then redis.call('HINCRBY', K.stats, 'trimmed_dead', trimmed) end
  redis.call('HINCRBY', K.stats, 'dead', #dead)
end
if #cancelled > 0 then
  local trimmed = trim_to_count(K.cancelled, tonumber(cancel_keep))
  if trimmed > 0 then redis.call('HINCRBY', K.stats, 'trimmed_cancelled', trimmed) end
  redis.call('HINCRBY', K.stats, 'cancelled', #cancelled)
end
redis.call('HINCRBY', K.stats, 'stalled', #expired - #cancelled)
count_minute(now, 'f:', #expired - #cancelled)
if waiting_before == 0 and #back > 0 then redis.call('PUBLISH', ARGV_SIGNAL, 'wake') end
publish_event('stalled', back)
publish_event('dead', dead)
publish_event('cancelled', cancelled)
return { #back, #dead, #cancelled }
