--[[ log: append a line to a running job's log, keeping only the newest lines, if the caller holds its lease.
KEYS: lease logs
ARGV[3] id  ARGV[4] token  ARGV[5] line (JSON object)  ARGV[6] most lines kept
Returns 1 stored, 0 refused (lease lost). ]]
if not owns(redis.call('HGET', K.lease, ARGV[3]), ARGV[4]) then return 0 end
local prev = redis.call('HGET', K.logs, ARGV[3])
local lines = prev and cjson.decode(prev) or {}
lines[#lines + 1] = cjson.decode(ARGV[5])
local most = tonumber(ARGV[6])
while #lines > most do table.remove(lines, 1) end
redis.call('HSET', K.logs, ARGV[3], cjson.encode(lines))
return 1
