--[[ remove: delete a job from whatever state it is in, with everything stored about it. A running job's
worker is told to stop; its late acknowledgement is refused because its lease is gone.
KEYS: jobs lease attempts stalls priority errors progress logs done cancelreq wait prio delayed completed dead cancelled
ARGV[3] id
Returns 1 removed, 0 no such job. ]]
local id = ARGV[3]
if redis.call('HEXISTS', K.jobs, id) == 0 then return 0 end
if redis.call('HDEL', K.lease, id) == 1 then
  redis.call('PUBLISH', ARGV_SIGNAL, 'cancel:' .. id)
elseif redis.call('ZREM', K.delayed, id) + redis.call('ZREM', K.prio, id) + redis.call('ZREM', K.completed, id)
    + redis.call('ZREM', K.dead, id) + redis.call('ZREM', K.cancelled, id) == 0 then
  redis.call('LREM', K.wait, 1, id)
end
forget({ id })
publish_event('removed', { id })
return 1
