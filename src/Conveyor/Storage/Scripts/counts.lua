--[[ counts: the number of jobs in each state, and whether the queue is paused, read atomically.
KEYS: wait prio delayed lease completed dead cancelled paused
Returns {waiting, delayed, active, completed, dead, cancelled, paused (0|1)}. ]]
return { redis.call('LLEN', K.wait) + redis.call('ZCARD', K.prio), redis.call('ZCARD', K.delayed),
  redis.call('HLEN', K.lease) - redis.call('HEXISTS', K.lease, PIN), redis.call('ZCARD', K.completed), redis.call('ZCARD', K.dead),
  redis.call('ZCARD', K.cancelled), redis.call('EXISTS', K.paused) }
