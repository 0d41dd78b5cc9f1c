--[[ purge: delete up to a batch of jobs in one finished state and everything stored about them.
KEYS: jobs lease attempts stalls priority errors progress logs done cancelreq completed dead cancelled stats
ARGV[3] state ('completed' | 'dead' | 'cancelled')  ARGV[4] batch size
Returns the number of jobs deleted; the caller repeats until it returns 0. ]]
local set = K[ARGV[3]]
local ids = redis.call('ZRANGE', set, 0, tonumber(ARGV[4]) - 1)
if #ids == 0 then return 0 end
redis.call('ZREM', set, unpack(ids))
forget(ids, true)
redis.call('HINCRBY', K.stats, 'purged_' .. ARGV[3], #ids)
publish_event('removed', ids)
return #ids
