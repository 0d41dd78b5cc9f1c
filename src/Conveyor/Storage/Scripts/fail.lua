--[[ fail: record failed attempts, refusing any whose lease the caller no longer holds. Each job is retried
(now or after a delay), moved to dead, or — when a cancel was requested while it ran — cancelled.
KEYS: lease jobs attempts stalls priority errors progress logs done cancelreq wait prio pseq delayed dead cancelled stats minutes
ARGV[3] worker id  ARGV[4] count, then 6 values per job: id, token, error JSON (one attempt's error object),
        action ('retry' | 'dead' | 'cancel'), retry delay ms (for retry) or dead reason, retention "age_ms:count"
        of the state it ends in: dead for 'dead', cancelled for 'cancel' and 'retry' (a retry becomes a cancel
        when a cancel was requested while the job ran)
Returns {refused_id...}. ]]
local now = server_now()
local n = tonumber(ARGV[4])
local head = redis.call('ZRANGE', K.delayed, 0, 0, 'WITHSCORES')
local earliest_due = head[2] and tonumber(head[2]) or nil
local waiting_before = waiting_count()
local wake = false

local refused, failed, retried, dead, cancelled = {}, {}, {}, {}, {}
local keep_dead, keep_cancelled = nil, nil
for i = 1, n do
  local base = 5 + (i - 1) * 6
  local id, token, err, action, arg = ARGV[base], ARGV[base + 1], ARGV[base + 2], ARGV[base + 3], ARGV[base + 4]
  local lease = redis.call('HGET', K.lease, id)
  if not owns(lease, token) then
    refused[#refused + 1] = id
  else
    redis.call('HDEL', K.lease, id)
    if redis.call('HDEL', K.cancelreq, id) == 1 then action = 'cancel' end
    append_error(id, err)
    local started, holder = lease_parts(lease)
    local worker = holder_worker(holder)
    if action == 'cancel' then
      cancelled[#cancelled + 1] = id
      keep_cancelled = min_keep(keep_cancelled,
        finish(K.cancelled, id, done_record('cancelled', started, now, worker, nil), ARGV[base + 5], now))
    else
      failed[#failed + 1] = id
      redis.call('HINCRBY', K.attempts, id, 1)
      if action == 'retry' then
        retried[#retried + 1] = id
        local delay = tonumber(arg) or 0
        if delay > 0 then
          local due = now + delay
          redis.call('ZADD', K.delayed, int(due), id)
          if earliest_due == nil or due < earliest_due then earliest_due = due; wake = true end
        else
          push_waiting(id, false)
        end
      else
        dead[#dead + 1] = id
        keep_dead = min_keep(keep_dead, finish(K.dead, id, done_record(arg, started, now, worker, nil), ARGV[base + 5], now))
      end
    end
  end
end

trim_finished('dead', keep_dead)
trim_finished('cancelled', keep_cancelled)
count_stat('failed', #failed)
count_stat('retried', #retried)
count_stat('dead', #dead)
count_stat('cancelled', #cancelled)
count_minute(now, 'f:', #failed)
if waiting_before == 0 and waiting_count() > 0 then wake = true end
if wake then redis.call('PUBLISH', ARGV_SIGNAL, 'wake') end
publish_event('failed', failed)
publish_event('retrying', retried)
publish_event('dead', dead)
publish_event('cancelled', cancelled)
return refused
