--[[ progress: store a running job's progress (any JSON value), if the caller still holds its lease.
KEYS: lease progress
ARGV[3] id  ARGV[4] token  ARGV[5] progress JSON
Returns 1 stored, 0 refused (lease lost). ]]
if not owns(redis.call('HGET', K.lease, ARGV[3]), ARGV[4]) then return 0 end
redis.call('HSET', K.progress, ARGV[3], ARGV[5])
redis.call('PUBLISH', ARGV_EVENTS, '{"type":"progress","ids":["' .. ARGV[3] .. '"],"progress":' .. ARGV[5] .. '}')
return 1
