--[[ renew: extend the leases of one holder (see fetch.lua), and report which of the jobs its worker runs
under it are no longer its own. A live worker renews its current holder even when it holds nothing, so only
a dead or frozen worker's holder expires.
KEYS: holders lease
ARGV[3] lease ms  ARGV[4] holder  ARGV[5] count, then 2 values per job: id, token
Returns {lost_id...}: jobs whose lease the caller no longer holds; their handlers should stop. ]]
local now = server_now()
local n = tonumber(ARGV[5])
local lost = {}
if n > 0 then
  local ids = {}
  for i = 1, n do ids[i] = ARGV[6 + (i - 1) * 2] end
  local leases = redis.call('HMGET', K.lease, unpack(ids))
  for i = 1, n do
    if not owns(leases[i], ARGV[7 + (i - 1) * 2]) then lost[#lost + 1] = ids[i] end
  end
end
redis.call('ZADD', K.holders, int(now + tonumber(ARGV[3])), ARGV[4])
return lost
