--[[ retry: move dead or cancelled jobs back to waiting with a fresh budget of attempts (their errors are kept).
KEYS: jobs wait prio pseq priority attempts stalls done dead cancelled
ARGV[3] mode ('id' | 'all-dead')  ARGV[4] id (mode 'id') or batch size (mode 'all-dead')
Returns the number of jobs moved (mode 'id': 1, 0 when the job is not dead or cancelled, -1 no such job). ]]
local ids
if ARGV[3] == 'id' then
  if redis.call('HEXISTS', K.jobs, ARGV[4]) == 0 then return -1 end
  if redis.call('ZREM', K.dead, ARGV[4]) + redis.call('ZREM', K.cancelled, ARGV[4]) == 0 then return 0 end
  ids = { ARGV[4] }
else
  ids = redis.call('ZRANGE', K.dead, 0, tonumber(ARGV[4]) - 1)
  if #ids == 0 then return 0 end
  redis.call('ZREM', K.dead, unpack(ids))
end
local waiting_before = waiting_count()
redis.call('HDEL', K.attempts, unpack(ids))
redis.call('HDEL', K.stalls, unpack(ids))
redis.call('HDEL', K.done, unpack(ids))
for _, id in ipairs(ids) do push_waiting(id, false) end
if waiting_before == 0 then redis.call('PUBLISH', ARGV_SIGNAL, 'wake') end
publish_event('waiting', ids)
return #ids
