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

local refused, owned, kept, dropped, records, scores = {}, {}, {}, {}, {}, {}
local keep_completed = nil
local finished = '{"finished":' .. int(now) .. ',"worker":"' .. ARGV[3] .. '","started":'
for i = 1, n do
  local base = first + (i - 1) * stride
  local id = ids[i]
  -- Ack only if our fence still matches: a worker whose lease expired must not complete a job
  -- that was recovered and may now be owned by someone else.
  if owns(leases[i], ARGV[base + 1]) then
    owned[#owned + 1] = id
    local age, keep = retention(plain and ARGV[5] or ARGV[base + 3])
    if age == 0 or keep == 0 then
      dropped[#dropped + 1] = id
    else
      -- The lease is ours, so its worker is the caller: only the start time is read from it.
      local started = lease_started(leases[i])
      local result = plain and '' or ARGV[base + 2]
      kept[#kept + 1] = id
      scores[#scores + 1] = retention_expiry(now)
      scores[#scores + 1] = id
      records[#records + 1] = id
      records[#records + 1] = result == '' and finished .. started .. '}' or finished .. started .. ',"result":' .. result .. '}'
      keep_completed = min_keep(keep_completed, keep)
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
