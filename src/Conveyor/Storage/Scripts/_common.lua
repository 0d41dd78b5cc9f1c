-- Shared helpers, included into scripts by the loader (see ScriptCatalog). Every key they touch is one
-- the including script declares in its KEYS header.

local JOB_HASHES = { 'jobs', 'lease', 'attempts', 'stalls', 'priority', 'errors', 'progress', 'logs', 'done', 'cancelreq' }

-- Encoding pin. Redis stores hashes of up to 128 short entries as a listpack, searched linearly; the lease
-- hash holds only in-flight jobs, so it would stay small and every operation would scan it. An entry longer
-- than 64 bytes converts a key to a real hash table for as long as the key exists, and the pin keeps it
-- existing. Pins are not job ids ('~' is not allowed in ids) and are left out of every count and listing.
local PIN = '~pin~' .. string.rep('~', 64)

local function pin_hash(key)
  redis.call('HSETNX', key, PIN, '1')
end

local function server_now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Scores and times travel as integers: Lua's tostring would print large doubles in exponent form.
local function int(n)
  return string.format('%d', n)
end

-- Waiting jobs of priority 0 live in a list (cheap, FIFO); others in a sorted set whose score orders by
-- priority (higher first) and then by arrival. Scores below PIVOT are priorities above 0.
local PIVOT = 1000 * 4294967296

local function push_waiting(id, front)
  local p = K.priority and redis.call('HGET', K.priority, id)
  if p then
    local seq = redis.call('INCR', K.pseq)
    redis.call('ZADD', K.prio, int((1000 - tonumber(p)) * 4294967296 + seq), id)
  elseif front then
    redis.call('LPUSH', K.wait, id)
  else
    redis.call('RPUSH', K.wait, id)
  end
end

local function waiting_count()
  return redis.call('LLEN', K.wait) + redis.call('ZCARD', K.prio)
end

local function json_ids(ids)
  if #ids == 0 then return '[]' end
  return '["' .. table.concat(ids, '","') .. '"]'
end

local function publish_event(kind, ids)
  if #ids > 0 then
    redis.call('PUBLISH', ARGV_EVENTS, '{"type":"' .. kind .. '","ids":' .. json_ids(ids) .. '}')
  end
end

-- A job in a finished set holds no lease (every script that finishes a job deletes it first), and once a fetch has
-- pinned the lease hash it is never empty: forgetting finished jobs, the common case of trimming, skips it.
-- (JOB_HASHES without 'lease', written out: building it by a loop cost every script call more than it saves.)
local FINISHED_HASHES = { 'jobs', 'attempts', 'stalls', 'priority', 'errors', 'progress', 'logs', 'done', 'cancelreq' }

-- Removes every per-job field a job may own, in every queue-wide hash (empty hashes are skipped: most jobs
-- never fail, stall, log or report progress). `finished`: the jobs come from a finished set.
local function forget(ids, finished)
  if #ids == 0 then return end
  for _, h in ipairs(finished and FINISHED_HASHES or JOB_HASHES) do
    if redis.call('HLEN', K[h]) > 0 then redis.call('HDEL', K[h], unpack(ids)) end
  end
end

-- Lease values are "token|started_ms|holder". A caller proves ownership with its token. The holder is
-- "worker_id#random" (see fetch.lua); its deadline is its score in the holders set.
-- (Compared without building strings: this runs for every acknowledged job; complete.lua inlines it.)
local function owns(lease, token)
  return lease and string.byte(lease, #token + 1) == 124 and string.find(lease, token, 1, true) == 1
end

-- The start time and the holder of a lease ('0' and '' for a malformed value).
local function lease_parts(lease)
  local a = string.find(lease, '|', 1, true)
  local b = a and string.find(lease, '|', a + 1, true)
  if not b then return '0', '' end
  return string.sub(lease, a + 1, b - 1), string.sub(lease, b + 1)
end

-- The worker id of a holder (a lease's third part).
local function holder_worker(holder)
  return (string.gsub(holder, '#.*$', ''))
end

-- Retention arguments are "age_ms:count"; a batch usually repeats one value, so the last parse is reused.
-- A script must never fail after it has written (Redis does not roll back), so a malformed value — a foreign
-- producer's, say — means the defaults below rather than an error.
local last_retention, last_age, last_keep, last_expiry
local function retention(text)
  if text ~= last_retention then
    local _, _, age, keep = string.find(text or '', '^(%d+):(%d+)$')
    last_retention, last_age, last_keep, last_expiry = text, tonumber(age) or 86400000, tonumber(keep) or 10000, nil
  end
  return last_age, last_keep
end

-- The finished-set score (expiry time) for the retention last parsed, formatted once per batch, not once per job.
local function retention_expiry(now)
  if last_expiry == nil then last_expiry = int(now + last_age) end
  return last_expiry
end

-- Moves a job to a finished set (dead or cancelled) with its record, or forgets it when retention is zero.
-- Returns the count limit to trim the set to afterwards, or nil.
local function finish(set, id, record, text, now)
  local age, keep = retention(text)
  if age == 0 or keep == 0 then
    forget({ id })
    return nil
  end
  redis.call('ZADD', set, int(now + age), id)
  redis.call('HSET', K.done, id, record)
  return keep
end

local function done_record(reason, started, now, worker, result)
  local r = '{"finished":' .. int(now) .. ',"started":' .. started .. ',"worker":"' .. worker .. '"'
  if reason then r = r .. ',"reason":"' .. reason .. '"' end
  if result and result ~= '' then r = r .. ',"result":' .. result end
  return r .. '}'
end

-- Keeps a finished-state sorted set (scored by expiry time) within its count, forgetting what it drops.
-- Returns how many were trimmed, so the caller can count them: trimming is never silent.
local function trim_to_count(set, keep)
  local excess = redis.call('ZCARD', set) - keep
  if excess <= 0 then return 0 end
  local ids = redis.call('ZRANGE', set, 0, excess - 1)
  redis.call('ZREMRANGEBYRANK', set, 0, excess - 1)
  forget(ids, true)
  return #ids
end

-- Trims a finished set (named as in K) to `keep`, when a job went there, and counts what it dropped.
local function trim_finished(name, keep)
  if keep == nil then return end
  local trimmed = trim_to_count(K[name], keep)
  if trimmed > 0 then redis.call('HINCRBY', K.stats, 'trimmed_' .. name, trimmed) end
end

local function count_stat(field, n)
  if n > 0 then redis.call('HINCRBY', K.stats, field, n) end
end

local function min_keep(a, b)
  if a == nil then return b end
  if b == nil then return a end
  return math.min(a, b)
end

local function append_error(id, err)
  if err == nil or err == '' then return end
  local prev = redis.call('HGET', K.errors, id)
  if prev then
    redis.call('HSET', K.errors, id, string.sub(prev, 1, -2) .. ',' .. err .. ']')
  else
    redis.call('HSET', K.errors, id, '[' .. err .. ']')
  end
end

local function count_minute(now, prefix, n)
  if n > 0 then
    redis.call('HINCRBY', K.minutes, prefix .. int(math.floor(now / 60000)), n)
    redis.call('PEXPIRE', K.minutes, 7200000)
  end
end
