--[[ get: everything stored about one job, read atomically. The state is where the id is found: each job
is in exactly one of the wait list / prio set (waiting), delayed, the lease hash (active), completed, dead
or cancelled.
KEYS: jobs lease attempts stalls priority errors progress logs done cancelreq delayed holders completed dead cancelled
ARGV[3] id
Returns {} when there is no such job, else {envelope, state, state_score, attempts, stalls, priority,
errors, progress, logs, done, lease, cancel_requested}, with false for what is absent. An active job's score
is its holder's lease deadline. ]]
local id = ARGV[3]
local envelope = redis.call('HGET', K.jobs, id)
if not envelope then return {} end
local lease = redis.call('HGET', K.lease, id)
local state, score = 'waiting', false
if lease then
  local _, holder = lease_parts(lease)
  state, score = 'active', redis.call('ZSCORE', K.holders, holder)
else
  for _, name in ipairs({ 'delayed', 'completed', 'dead', 'cancelled' }) do
    local s = redis.call('ZSCORE', K[name], id)
    if s then state, score = name, s; break end
  end
end
return { envelope, state, score,
  redis.call('HGET', K.attempts, id), redis.call('HGET', K.stalls, id), redis.call('HGET', K.priority, id),
  redis.call('HGET', K.errors, id), redis.call('HGET', K.progress, id), redis.call('HGET', K.logs, id),
  redis.call('HGET', K.done, id), lease or false, redis.call('HEXISTS', K.cancelreq, id) }
