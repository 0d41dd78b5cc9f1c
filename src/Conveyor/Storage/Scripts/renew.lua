--[[ renew: extend the leases a worker holds, under its current holder (see fetch.lua). A job given here that is
still leased to an earlier holder of the worker (one it left after a lost fetch) moves to this one, so the earlier
holder, renewed no more, expires with only the jobs the worker never saw. A live worker renews its holder even
when it holds nothing, so only a dead or frozen worker's holder expires.
KEYS: holders lease
ARGV[3] lease ms  ARGV[4] holder  ARGV[5] count, then 2 values per job: id, token
Returns {lost_id...}: jobs whose lease the caller no longer holds; their handlers should stop. ]]
local now = server_now()
local holder = ARGV[4]
local n = tonumber(ARGV[5])
local lost, moved = {}, {}
if n > 0 then
  local ids = {}
  for i = 1, n do ids[i] = ARGV[6 + (i - 1) * 2] end
  local leases = redis.call('HMGET', K.lease, unpack(ids))
  for i = 1, n do
    local token = ARGV[7 + (i - 1) * 2]
    if owns(leases[i], token) then
      local started, from = lease_parts(leases[i])
      if from ~= holder then
        moved[#moved + 1] = ids[i]
        moved[#moved + 1] = token .. '|' .. started .. '|' .. holder
      end
    else
      lost[#lost + 1] = ids[i]
    end
  end
end
if #moved > 0 then redis.call('HSET', K.lease, unpack(moved)) end
redis.call('ZADD', K.holders, int(now + tonumber(ARGV[3])), holder)
return lost
