--[[ recover: take back jobs whose lease expired: their holder (see fetch.lua) was not renewed in time because
its worker died or stalled, or because the worker lost the reply of the fetch that leased them. Each such job
counts an attempt and a stall; it goes back to the front of the waiting line, or to dead with reason "stalled"
once it has stalled more than its max stalls or used its last attempt, or to cancelled if a cancel was requested.
Finding an expired holder's jobs reads the whole lease hash: that happens only when a worker dies, stops or
loses a fetch, never on the path of a job that runs.
KEYS: holders lease jobs attempts stalls priority errors progress logs done cancelreq wait prio pseq dead cancelled stats minutes
ARGV[3] limit  ARGV[4] default attempts  ARGV[5] default max stalls  ARGV[6] default dead retention "age_ms:count"
(a job's own opts.keepDead wins)  ARGV[7] cancelled retention "age_ms:count"
Returns {recovered, dead, cancelled}; when they add up to the limit, more may be left for the next call. ]]
local now = server_now()
local holders = redis.call('ZRANGEBYSCORE', K.holders, '-inf', now, 'LIMIT', 0, 100)
if #holders == 0 then return { 0, 0, 0 } end
local gone = {}
for _, holder in ipairs(holders) do gone[holder] = true end

local limit = tonumber(ARGV[3])
local expired, leases, all = {}, {}, true
local entries = redis.call('HGETALL', K.lease)
for i = 1, #entries, 2 do
  local _, holder = lease_parts(entries[i + 1])
  if gone[holder] and entries[i] ~= PIN then
    if #expired == limit then all = false; break end
    expired[#expired + 1] = entries[i]
    leases[#leases + 1] = entries[i + 1]
  end
end
-- A holder leaves the set once none of its leases is left.
if all then redis.call('ZREM', K.holders, unpack(holders)) end
if #expired == 0 then return { 0, 0, 0 } end

local waiting_before = waiting_count()
local back, dead, cancelled = {}, {}, {}
local keep_dead, keep_cancelled = nil, nil
for i, id in ipairs(expired) do
  local started, holder = lease_parts(leases[i])
  local worker = holder_worker(holder)
  redis.call('HDEL', K.lease, id)
  if redis.call('HDEL', K.cancelreq, id) == 1 then
    cancelled[#cancelled + 1] = id
    keep_cancelled = min_keep(keep_cancelled, finish(K.cancelled, id, done_record('cancelled', started, now, worker, nil), ARGV[7], now))
  else
    local attempts = redis.call('HINCRBY', K.attempts, id, 1)
    local stalls = redis.call('HINCRBY', K.stalls, id, 1)
    local max_attempts, max_stalls, keep_text = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
    local envelope = redis.call('HGET', K.jobs, id)
    if envelope then
      local ok, job = pcall(cjson.decode, envelope)
      if ok and type(job) == 'table' and type(job.opts) == 'table' then
        local o = job.opts
        if tonumber(o.attempts) then max_attempts = tonumber(o.attempts) end
        if tonumber(o.maxStalls) then max_stalls = tonumber(o.maxStalls) end
        if type(o.keepDead) == 'table' and tonumber(o.keepDead.age) and tonumber(o.keepDead.count) then
          keep_text = int(tonumber(o.keepDead.age)) .. ':' .. int(tonumber(o.keepDead.count))
        end
      end
    end
    append_error(id, '{"attempt":' .. attempts .. ',"at":' .. int(now) .. ',"type":"Stalled","message":'
      .. '"The lease of worker ' .. worker .. ' expired: its process stopped or stalled (stall ' .. stalls .. ')."}')
    if stalls > max_stalls or attempts >= max_attempts then
      dead[#dead + 1] = id
      keep_dead = min_keep(keep_dead, finish(K.dead, id, done_record('stalled', started, now, worker, nil), keep_text, now))
    else
      back[#back + 1] = id
      push_waiting(id, true)
    end
  end
end

trim_finished('dead', keep_dead)
trim_finished('cancelled', keep_cancelled)
count_stat('dead', #dead)
count_stat('cancelled', #cancelled)
redis.call('HINCRBY', K.stats, 'stalled', #expired - #cancelled)
count_minute(now, 'f:', #expired - #cancelled)
if waiting_before == 0 and #back > 0 then redis.call('PUBLISH', ARGV_SIGNAL, 'wake') end
publish_event('stalled', back)
publish_event('dead', dead)
publish_event('cancelled', cancelled)
return { #back, #dead, #cancelled }
