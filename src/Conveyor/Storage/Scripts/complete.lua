--[[ complete: record successful jobs, refusing any whose lease the caller no longer holds.
KEYS: lease jobs attempts stalls priority errors progress logs done cancelreq completed stats minutes
ARGV[3] worker id  ARGV[4] count, then 4 values per job: id, token, result JSON ('' for none),
        retention as "age_ms:count" (age 0 or count 0 forgets the job at once);
        or, when no job has a result and all share one retention: that retention, then 2 values per job (id, token)
Returns {refused_id...}: jobs whose lease expired or was taken over; their state was not touched. ]]
local now = server_now()
local n = tonumber(ARGV[4])
local plain = #ARGV == 5 + 2 * n
if not plain and #ARGV ~= 4 + 4 * n then
  return redis.error_reply('ERR complete: ' .. (#ARGV - 4) .. ' job arguments for ' .. n .. ' jobs; send 4 per job, or a retention and 2 per job')
end
local first, stride = plain and 6 or 5, plain and 2 or 4

local ids = {}
for i = 1, n do ids[i] = ARGV[first + (i - 1) * stride] end
local leases = redis.call('HMGET', K.lease, unpack(ids))

-- This loop runs for every processed job, so in the plain form it calls no helper (owns, retention, min_keep: a
-- Lua call costs more than its body here) and grows its lists through counters, not #t (a binary search in Lua 5.1).
local byte, find = string.byte, string.find
local refused, owned, kept, dropped, records, scores = {}, {}, {}, {}, {}, {}
local o, k = 0, 0
local keep_completed = nil
local plain_age, plain_keep, plain_expiry
if plain then plain_age, plain_keep = retention(ARGV[5]); plain_expiry = retention_expiry(now) end
-- The record embeds the lease value as it is ("token|started_ms|holder"): cutting the start time out of it would
-- create one more Lua string per job, the costliest thing this loop does.
local finished = '{"finished":' .. int(now) .. ',"worker":"' .. ARGV[3] .. '","lease":"'
for i = 1, n do
  local base = first + (i - 1) * stride
  local id = ids[i]
  -- Ack only if our fence still matches: a worker whose lease expired must not complete a job
  -- that was recovered and may now be owned by someone else.
  local lease, token = leases[i], ARGV[base + 1]
  if lease and byte(lease, #token + 1) == 124 and find(lease, token, 1, true) == 1 then -- owns(), inlined
    o = o + 1
    owned[o] = id
    local age, keep = plain_age, plain_keep
    if not plain then age, keep = retention(ARGV[base + 3]) end
    if age == 0 or keep == 0 then
      dropped[#dropped + 1] = id
    else
      local result = plain and '' or ARGV[base + 2]
      k = k + 1
      kept[k] = id
      scores[2 * k - 1] = plain and plain_expiry or retention_expiry(now)
      scores[2 * k] = id
      records[2 * k - 1] = id
      records[2 * k] = result == '' and finished .. lease .. '"}' or finished .. lease .. '","result":' .. result .. '}'
      if keep_completed == nil or keep < keep_completed then keep_completed = keep end
    end
  else
    refused[#refused + 1] = id
  end
end

if #owned > 0 then
  redis.call('HDEL', K.lease, unpack(owned))
  if redis.call('HLEN', K.cancelreq) > 0 then redis.call('HDEL', K.cancelreq, unpack(owned)) end
  forget(dropped)
  if #kept > 0 then
    redis.call('ZADD', K.completed, unpack(scores))
    pin_hash(K.done)
    redis.call('HSET', K.done, unpack(records))
    trim_finished('completed', keep_completed)
  end
  redis.call('HINCRBY', K.stats, 'completed', #owned)
  count_minute(now, 'c:', #owned)
  publish_event('completed', owned)
end
return refused
