--[[ release: hand leased jobs back to the front of the waiting line without counting an attempt (graceful
shutdown: prefetched jobs that never started, and running jobs that did not finish in time).
KEYS: active lease wait prio pseq priority cancelreq
ARGV[3] count, then 2 values per job: id, token
Returns the number of jobs released; jobs whose lease the caller lost are left alone. ]]
local n = tonumber(ARGV[3])
local waiting_before = waiting_count()
local released = {}
for i = n, 1, -1 do
  local id, token = ARGV[4 + (i - 1) * 2], ARGV[5 + (i - 1) * 2]
  if owns(redis.call('HGET', K.lease, id), token) then
    redis.call('HDEL', K.lease, id)
    redis.call('ZREM', K.active, id)
    redis.call('HDEL', K.cancelreq, id)
    push_waiting(id, true)
    released[#released + 1] = id
  end
end
if waiting_before == 0 and #released > 0 then redis.call('PUBLISH', ARGV_SIGNAL, 'wake') end
publish_event('waiting', released)
return #released
