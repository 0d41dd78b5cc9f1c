--[[ fetch: move due delayed jobs to waiting, then lease up to `want` waiting jobs, highest priority first.
Leases are held per holder, not per job: the holder's score in the holders set is the deadline of every
lease it holds, and renewing it renews them all (renew.lua); when it passes, recover.lua takes them back.
A holder is "worker_id#random", new for each process (a process restarted under the same name must not renew
its predecessor's leases), and new again after the worker lost a fetch's reply: the jobs that fetch leased, which
it never saw, stay with the old holder, which expires once renew.lua has moved the jobs the worker knows.
KEYS: wait prio pseq delayed holders jobs lease attempts paused fence priority
ARGV[3] want (0 only promotes)  ARGV[4] lease ms  ARGV[5] holder
Returns {now_ms, first_token, next_due_ms, 3, id_1, envelope_1, attempts_1, id_2, ...}, or, when no job of the
  queue has a failed attempt (the common case), {now_ms, first_token, next_due_ms, 2, id_1, envelope_1, id_2, ...}:
  the fourth value is the number of values per job. Nothing was taken: {now_ms, first_token, next_due_ms}.
  first_token: fencing token of job 1; job i holds first_token + i - 1. -1 when the queue is paused.
  next_due_ms: earliest due time still in the delayed set, or -1.
  attempts_i: failed or stalled attempts so far (0 for a fresh job). ]]
local now = server_now()
local want = tonumber(ARGV[3])

-- Promote due jobs in bounded batches; a backlog drains over the next calls.
local due = redis.call('ZRANGEBYSCORE', K.delayed, '-inf', now, 'LIMIT', 0, 1000)
if #due > 0 then
  redis.call('ZREM', K.delayed, unpack(due))
  for _, id in ipairs(due) do push_waiting(id, false) end
  publish_event('waiting', due)
end

local head = redis.call('ZRANGE', K.delayed, 0, 0, 'WITHSCORES')
local next_due = head[2] and tonumber(head[2]) or -1

if redis.call('EXISTS', K.paused) == 1 then
  if #due > 0 then redis.call('PUBLISH', ARGV_SIGNAL, 'wake') end
  return { now, -1, next_due }
end

local ids = {}
local function take_prio(min, max, limit)
  if limit <= 0 then return end
  local got = redis.call('ZRANGEBYSCORE', K.prio, min, max, 'LIMIT', 0, limit)
  if #got > 0 then
    redis.call('ZREM', K.prio, unpack(got))
    for _, id in ipairs(got) do ids[#ids + 1] = id end
  end
end

if want > 0 then
  local has_prio = redis.call('ZCARD', K.prio) > 0
  if has_prio then take_prio('-inf', '(' .. int(PIVOT), want) end
  local rest = want - #ids
  if rest > 0 then
    local got = redis.call('LPOP', K.wait, rest)
    -- Garnet answers LPOP with a count of one popped element as a plain string, not a one-element array:
    -- taking it as "nothing" would lose the job.
    if type(got) == 'string' then got = { got } end
    if got then
      if #ids == 0 then ids = got else for _, id in ipairs(got) do ids[#ids + 1] = id end end
    end
  end
  if has_prio then take_prio(int(PIVOT), '+inf', want - #ids) end
end

-- Other idle workers learn of promoted jobs this call did not take.
if #due > 0 and waiting_count() > 0 then redis.call('PUBLISH', ARGV_SIGNAL, 'wake') end

local n = #ids
if n == 0 then return { now, 0, next_due } end

local last = redis.call('INCRBY', K.fence, n)
local first = last - n + 1
local deadline = int(now + tonumber(ARGV[4]))
local suffix = '|' .. int(now) .. '|' .. ARGV[5]
local format, leases = string.format, {}
for i = 1, n do
  leases[2 * i - 1] = ids[i]
  leases[2 * i] = format('%d', first + i - 1) .. suffix
end
pin_hash(K.lease)
redis.call('HSET', K.lease, unpack(leases))
redis.call('ZADD', K.holders, deadline, ARGV[5])
local envelopes = redis.call('HMGET', K.jobs, unpack(ids))
-- Attempts go in the reply only when some job of the queue has failed before (stride 3, else 2). Indexes, not
-- #reply: the length of a table is a binary search in Lua 5.1.
local attempts = redis.call('HLEN', K.attempts) > 0 and redis.call('HMGET', K.attempts, unpack(ids)) or nil
local stride = attempts and 3 or 2
local reply = { now, first, next_due, stride }
for i = 1, n do
  local r = 5 + (i - 1) * stride
  reply[r] = ids[i]
  reply[r + 1] = envelopes[i] or ''
  if attempts then reply[r + 2] = attempts[i] and tonumber(attempts[i]) or 0 end
end
publish_event('active', ids)
return reply
