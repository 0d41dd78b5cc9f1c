--[[ cancel: a waiting or delayed job is cancelled at once; for an active job a cancel is requested — its
worker is told on the signal channel and reports the job as cancelled when its handler stops (a stalled
one is cancelled by recover).
KEYS: jobs lease attempts stalls priority errors progress logs done cancelreq wait prio delayed completed dead cancelled stats
ARGV[3] id  ARGV[4] cancelled retention "age_ms:count"
Returns 1 cancelled, 2 cancel requested (job is running), 0 already finished, -1 no such job. ]]
local id = ARGV[3]
if redis.call('HEXISTS', K.jobs, id) == 0 then return -1 end
if redis.call('HEXISTS', K.lease, id) == 1 then
  redis.call('HSET', K.cancelreq, id, 1)
  redis.call('PUBLISH', ARGV_SIGNAL, 'cancel:' .. id)
  return 2
end
if redis.call('ZSCORE', K.completed, id) or redis.call('ZSCORE', K.dead, id) or redis.call('ZSCORE', K.cancelled, id) then
  return 0
end
if redis.call('ZREM', K.delayed, id) == 0 and redis.call('ZREM', K.prio, id) == 0 then
  redis.call('LREM', K.wait, 1, id)
end
local now = server_now()
trim_finished('cancelled', finish(K.cancelled, id, done_record('cancelled', '0', now, '', nil), ARGV[4], now))
count_stat('cancelled', 1)
publish_event('cancelled', { id })
return 1
