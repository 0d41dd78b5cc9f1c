--[[ get: everything stored about one job, read atomically. The state is where the id is found: each job
is in exactly one of the wait list / prio set (waiting), delayed, active, completed, dead or cancelled.
KEYS: jobs lease attempts stalls priority errors progress logs done cancelreq delayed active completed dead cancelled
ARGV[3] id
Returns {} when there is no such job, else {envelope, state, state_score, attempts, stalls, priority,
errors, progress, logs, done, lease, cancel_requested}, with false for what is absent. ]]
local id = ARGV[3]
local envelope = redis.call('HGET', K.jobs, id)
if not envelope then return {} end
local state, score = 'waiting', false
for _, name in ipairs({ 'active', 'delayed', 'completed', 'dead', 'cancelled' }) do
  local s = redis.call('ZSCORE', K[name], id)
  if s then state, score = name, s; break end
end
return { envelope, state, score,
  redis.call('HGET', K.attempts, id), redis.call('HGET', K.stalls, id), redis.call('HGET', K.priority, id),
  redis.call('HGET', K.errors, id), redis.call('HGET', K.progress, id), redis.call('HGET', K.logs, id),
  redis.call('HGET', K.done, id), redis.call('HGET', K.lease, id), redis.call('HEXISTS', K.cancelreq, id) }
