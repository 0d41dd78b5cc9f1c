--[[ renew: extend the leases a worker still holds, in one call for all its running jobs.
KEYS: active lease
ARGV[3] lease ms  ARGV[4] count, then 2 values per job: id, token
Returns {lost_id...}: jobs whose lease the caller no longer holds; their handlers should stop. ]]
local now = server_now()
local n = tonumber(ARGV[4])
local ids = {}
for i = 1, n do ids[i] = ARGV[5 + (i - 1) * 2] end
local leases = redis.call('HMGET', K.lease, unpack(ids))
local deadline = int(now + tonumber(ARGV[3]))
local lost, renew = {}, {}
for i = 1, n do
  if owns(leases[i], ARGV[6 + (i - 1) * 2]) then
    renew[#renew + 1] = deadline
    renew[#renew + 1] = ids[i]
  else
    lost[#lost + 1] = ids[i]
  end
end
if #renew > 0 then redis.call('ZADD', K.active, 'XX', unpack(renew)) end
return lost
