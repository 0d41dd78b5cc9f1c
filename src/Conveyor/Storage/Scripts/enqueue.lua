--[[ enqueue: add jobs; an id that already exists is left as it is (de-duplication).
KEYS: jobs wait prio pseq delayed priority stats
ARGV[3] count, then 5 values per job: id, envelope (JSON), priority (integer, 0 = normal),
        due kind ('' = now, 'd' = delay in ms from the server's clock, 'a' = absolute unix ms), due value;
        or 2 values per job (id, envelope) when every job of the call has priority 0 and is due now;
        or minus the count, then 2 values per job, for plain jobs whose ids were generated unique (48 random
        bits per process, as JobId.New does): those are not looked up, and the caller vouches for them
Returns {now_ms, added_1, ..., added_n}: added_i is 1 when job i was created, 0 when its id existed;
        {now_ms} alone for generated ids, which are all created.
Publishes 'wake' on the signal channel when waiting jobs appear in an empty queue or the earliest due
time moves earlier, and one 'enqueued' event listing the new ids. ]]
local now = server_now()
local n = tonumber(ARGV[3])
if n == 0 then return { now } end

if n < 0 then
  n = -n
  if #ARGV ~= 3 + 2 * n then
    return redis.error_reply('ERR enqueue: ' .. (#ARGV - 3) .. ' job arguments for ' .. n .. ' generated ids; send 2 per job (id, envelope)')
  end
  local ids = {}
  for i = 1, n do ids[i] = ARGV[2 + 2 * i] end
  local waiting_before = waiting_count()
  pin_hash(K.jobs)
  redis.call('HSET', K.jobs, unpack(ARGV, 4, 3 + 2 * n))
  redis.call('RPUSH', K.wait, unpack(ids))
  redis.call('HINCRBY', K.stats, 'enqueued', n)
  if waiting_before == 0 then redis.call('PUBLISH', ARGV_SIGNAL, 'wake') end
  publish_event('enqueued', ids)
  return { now }
end
local stride = (#ARGV - 3) / n -- 5, or 2 for plain jobs: three fewer arguments per job to parse
if stride ~= 5 and stride ~= 2 then
  return redis.error_reply('ERR enqueue: ' .. (#ARGV - 3) .. ' job arguments for ' .. n .. ' jobs; send 5 per job, or 2 (id, envelope) when all are plain')
end

local ids = {}
for i = 1, n do ids[i] = ARGV[4 + (i - 1) * stride] end
local existing = redis.call('HMGET', K.jobs, unpack(ids))

local waiting_before = waiting_count()
local head = redis.call('ZRANGE', K.delayed, 0, 0, 'WITHSCORES')
local earliest_due = head[2] and tonumber(head[2]) or nil
local wake = false

local reply, added, seen = { now }, {}, {}
local fields, list = {}, {}
for i = 1, n do
  local base = 4 + (i - 1) * stride
  local id = ids[i]
  if existing[i] or seen[id] then
    reply[i + 1] = 0
  else
    seen[id] = true
    reply[i + 1] = 1
    added[#added + 1] = id
    fields[#fields + 1] = id
    fields[#fields + 1] = ARGV[base + 1]
    local priority, due = 0, nil
    if stride == 5 then
      priority = tonumber(ARGV[base + 2])
      if priority ~= 0 then redis.call('HSET', K.priority, id, priority) end
      local kind, value = ARGV[base + 3], tonumber(ARGV[base + 4])
      if kind == 'd' and value > 0 then due = now + value elseif kind == 'a' and value > now then due = value end
    end
    if due then
      redis.call('ZADD', K.delayed, int(due), id)
      if earliest_due == nil or due < earliest_due then earliest_due = due; wake = true end
    elseif priority ~= 0 then
      push_waiting(id, false)
    else
      list[#list + 1] = id
    end
  end
end

if #fields > 0 then
  pin_hash(K.jobs)
  redis.call('HSET', K.jobs, unpack(fields))
end
if #list > 0 then redis.call('RPUSH', K.wait, unpack(list)) end
if #added > 0 then
  redis.call('HINCRBY', K.stats, 'enqueued', #added)
  if waiting_before == 0 and waiting_count() > 0 then wake = true end
  if wake then redis.call('PUBLISH', ARGV_SIGNAL, 'wake') end
  publish_event('enqueued', added)
end
return reply
