--[[ release: hand leased jobs back to the front of the waiting line without counting an attempt (graceful
shutdown: prefetched jobs that never started, and running jobs that did not finish in time). A job whose
cancel was requested is cancelled instead.
KEYS: jobs lease attempts stalls priority errors progress logs done cancelreq wait prio pseq cancelled stats
ARGV[3] cancelled retention "age_ms:count"  ARGV[4] count, then 2 values per job: id, token
Returns the number of jobs released; jobs whose lease the caller lost are left alone. ]]
local now = server_now()
local n = tonumber(ARGV[4])
local waiting_before = waiting_count()
local released, cancelled = {}, {}
local keep_cancelled = nil
for i = n, 1, -1 do
  local id, token = ARGV[5 + (i - 1) * 2], ARGV[6 + (i - 1) * 2]
  local lease = redis.call('HGET', K.lease, id)
  if owns(lease, token) then
    redis.call('HDEL', K.lease, id)
    if redis.call('HDEL', K.cancelreq, id) == 1 then
      local started, holder = lease_parts(lease)
      local worker = holder_worker(holder)
      cancelled[#cancelled + 1] = id
      keep_cancelled = min_keep(keep_cancelled, finish(K.cancelled, id, done_record('cancelled', started, now, worker, nil), ARGV[3], now))
    else
      push_waiting(id, true)
      released[#released + 1] = id
    end
  end
end
trim_finished('cancelled', keep_cancelled)
count_stat('cancelled', #cancelled)
if waiting_before == 0 and #released > 0 then redis.call('PUBLISH', ARGV_SIGNAL, 'wake') end
publish_event('waiting', released)
publish_event('cancelled', cancelled)
return #released
