using StackExchange.Redis;

namespace Conveyor.Storage;

/// <summary>
/// The hot path of one queue: enqueue, fetch, acknowledge, renew, release, recover, sweep. Each method is one
/// script call (or one MULTI/EXEC); calls issued together without awaiting in between travel in one round trip.
/// </summary>
internal sealed class QueueStore(ScriptRunner runner, QueueKeys keys)
{
    public QueueKeys Keys => keys;

    /// <summary>Adds jobs; returns, per job, whether it was created (false: its id existed).</summary>
    public async Task<bool[]> EnqueueAsync(IReadOnlyList<EnqueueItem> jobs)
    {
        if (jobs.Count == 0)
        {
            return [];
        }

        // Plain jobs (priority 0, due now; the usual case) travel as id and envelope only.
        bool plain = jobs.All(j => j.Priority == 0 && j.DueKind.Length == 0);
        if (plain && jobs.All(j => j.Generated) && await TryEnqueueGeneratedAsync(jobs).ConfigureAwait(false))
        {
            return Enumerable.Repeat(true, jobs.Count).ToArray();
        }

        var args = ScriptRunner.Args(keys, 1 + (jobs.Count * (plain ? 2 : 5)));
        args[2] = jobs.Count;
        int a = 3;
        foreach (var job in jobs)
        {
            args[a++] = job.Id;
            args[a++] = job.Envelope;
            if (!plain)
            {
                args[a++] = job.Priority;
                args[a++] = job.DueKind;
                args[a++] = job.DueValue;
            }
        }

        var reply = (RedisResult[])(await runner.RunAsync(ScriptCatalog.Enqueue, keys, args).ConfigureAwait(false))!;
        var added = new bool[jobs.Count];
        for (int i = 0; i < added.Length; i++)
        {
            added[i] = (long)reply[i + 1] == 1;
        }

        return added;
    }

    /// <summary>
    /// Plain jobs whose ids were all generated here (unique by construction, see <see cref="JobId"/>) need no lookup,
    /// so they need no script: one MULTI/EXEC writes what enqueue.lua would, at half Redis's CPU (no copy of every
    /// argument into Lua and back). Idle workers are told to wake whether or not the queue was empty. False when Redis
    /// refused a command of the transaction and so wrote nothing (EXECABORT, whose message drops the reason: out of
    /// memory, say): the caller then runs the script, which either succeeds or fails with the reason.
    /// </summary>
    private async Task<bool> TryEnqueueGeneratedAsync(IReadOnlyList<EnqueueItem> jobs)
    {
        var entries = new HashEntry[jobs.Count];
        var ids = new RedisValue[jobs.Count];
        for (int i = 0; i < jobs.Count; i++)
        {
            entries[i] = new HashEntry(jobs[i].Id, jobs[i].Envelope);
            ids[i] = jobs[i].Id;
        }

        var jobsKey = keys.Key("jobs");
        var tx = runner.Database.CreateTransaction();
        Task[] writes =
        [
            tx.HashSetAsync(jobsKey, QueueKeys.Pin, "1", When.NotExists), // the encoding pin, as pin_hash does
            tx.HashSetAsync(jobsKey, entries),
            tx.ListRightPushAsync(keys.Key("wait"), ids),
            tx.HashIncrementAsync(keys.Key("stats"), "enqueued", jobs.Count),
            tx.PublishAsync(keys.Signal, "wake"),
            tx.PublishAsync(keys.Events, EnqueuedEvent(jobs)),
        ];
        var all = Task.WhenAll(writes);
        try
        {
            return await runner.WithClearErrors(async () =>
            {
                if (!await tx.ExecuteAsync().ConfigureAwait(false))
                {
                    return false; // not expected without conditions; nothing was written
                }

                await all.ConfigureAwait(false); // a command Redis refused at EXEC time faults its own task
                return true;
            }).ConfigureAwait(false);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("EXECABORT", StringComparison.Ordinal))
        {
            return false;
        }
        finally
        {
            _ = all.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default); // observed whatever happened
        }
    }

    /// <summary><c>{"type":"enqueued","ids":[…]}</c>, as enqueue.lua publishes it, for generated (so plain ASCII) ids.</summary>
    private static byte[] EnqueuedEvent(IReadOnlyList<EnqueueItem> jobs)
    {
        ReadOnlySpan<byte> head = "{\"type\":\"enqueued\",\"ids\":["u8;
        int length = head.Length + 1;
        for (int i = 0; i < jobs.Count; i++)
        {
            length += jobs[i].Id.Length + 3;
        }

        var json = new byte[length];
        head.CopyTo(json);
        int at = head.Length;
        for (int i = 0; i < jobs.Count; i++)
        {
            json[at++] = (byte)'"';
            at += System.Text.Encoding.ASCII.GetBytes(jobs[i].Id, json.AsSpan(at));
            json[at++] = (byte)'"';
            json[at++] = (byte)',';
        }

        json[at - 1] = (byte)']'; // over the last comma
        json[at] = (byte)'}';
        return json;
    }

    /// <summary>Promotes due delayed jobs and leases up to <paramref name="want"/> waiting ones to <paramref name="holder"/>
    /// ("worker_id#random": see fetch.lua).</summary>
    public async Task<FetchResult> FetchAsync(int want, long leaseMs, string holder)
    {
        var args = ScriptRunner.Args(keys, 3);
        args[2] = want;
        args[3] = leaseMs;
        args[4] = holder;
        var reply = (RedisResult[])(await runner.RunAsync(ScriptCatalog.Fetch, keys, args).ConfigureAwait(false))!;
        long now = (long)reply[0], first = (long)reply[1], nextDue = (long)reply[2];
        if (first < 0)
        {
            return new FetchResult(now, Paused: true, nextDue, []);
        }

        if (reply.Length == 3)
        {
            return new FetchResult(now, Paused: false, nextDue, []);
        }

        // Per job: id, envelope and (when any job of the queue has failed before) attempts; the stride comes first.
        int stride = (int)(long)reply[3];
        var jobs = new LeasedJob[(reply.Length - 4) / stride];
        for (int i = 0; i < jobs.Length; i++)
        {
            int r = 4 + (i * stride);
            jobs[i] = new LeasedJob((string)reply[r]!, first + i, (byte[])reply[r + 1]!, stride == 3 ? (int)(long)reply[r + 2] : 0);
        }

        return new FetchResult(now, Paused: false, nextDue, jobs);
    }

    /// <summary>Records successes; returns the ids refused because the caller's lease was lost.</summary>
    public async Task<string[]> CompleteAsync(string worker, IReadOnlyList<Completion> done)
    {
        if (done.Count == 0)
        {
            return [];
        }

        // Without results and with one retention (the usual case) the retention goes once and each job as id and token.
        string retention = done[0].Retention;
        bool plain = done.All(c => c.Result.Length == 0 && c.Retention == retention);
        var args = ScriptRunner.Args(keys, plain ? 3 + (done.Count * 2) : 2 + (done.Count * 4));
        args[2] = worker;
        args[3] = done.Count;
        int a = 4;
        if (plain)
        {
            args[a++] = retention;
        }

        foreach (var c in done)
        {
            args[a++] = c.Id;
            args[a++] = c.Token;
            if (!plain)
            {
                args[a++] = c.Result;
                args[a++] = c.Retention;
            }
        }

        return ToStrings(await runner.RunAsync(ScriptCatalog.Complete, keys, args).ConfigureAwait(false));
    }

    /// <summary>Records failed attempts (retry, dead or cancelled); returns the refused ids.</summary>
    public async Task<string[]> FailAsync(string worker, IReadOnlyList<Failure> failed)
    {
        var args = ScriptRunner.Args(keys, 2 + (failed.Count * 6));
        args[2] = worker;
        args[3] = failed.Count;
        int a = 4;
        foreach (var f in failed)
        {
            args[a++] = f.Id;
            args[a++] = f.Token;
            args[a++] = f.Error;
            args[a++] = f.Action;
            args[a++] = f.Argument;
            args[a++] = f.Retention;
        }

        return ToStrings(await runner.RunAsync(ScriptCatalog.Fail, keys, args).ConfigureAwait(false));
    }

    /// <summary>Takes a holder out of the holders set once nothing is leased to it (a worker's clean stop).</summary>
    public Task RetireAsync(string holder) =>
        runner.WithClearErrors(() => runner.Database.SortedSetRemoveAsync(keys.Key("holders"), holder));

    /// <summary>Extends the leases of <paramref name="held"/> under <paramref name="holder"/> (moving them to it from an
    /// earlier holder of the same worker); returns the ids whose lease was lost.</summary>
    public async Task<string[]> RenewAsync(long leaseMs, string holder, IReadOnlyList<(string Id, long Token)> held)
    {
        var args = ScriptRunner.Args(keys, 3 + (held.Count * 2));
        args[2] = leaseMs;
        args[3] = holder;
        args[4] = held.Count;
        int a = 5;
        foreach (var (id, token) in held)
        {
            args[a++] = id;
            args[a++] = token;
        }

        return ToStrings(await runner.RunAsync(ScriptCatalog.Renew, keys, args).ConfigureAwait(false));
    }

    /// <summary>Hands leased jobs back to the front of the waiting line without counting an attempt (a job whose cancel
    /// was requested is cancelled instead, kept as <paramref name="keepCancelled"/> says).</summary>
    public async Task<long> ReleaseAsync(IReadOnlyList<(string Id, long Token)> held, string keepCancelled)
    {
        var args = ScriptRunner.Args(keys, 2 + (held.Count * 2));
        args[2] = keepCancelled;
        args[3] = held.Count;
        int a = 4;
        foreach (var (id, token) in held)
        {
            args[a++] = id;
            args[a++] = token;
        }

        return (long)await runner.RunAsync(ScriptCatalog.Release, keys, args).ConfigureAwait(false);
    }

    /// <summary>Takes back jobs whose lease expired; returns how many went back, died and were cancelled.</summary>
    public async Task<(long Recovered, long Dead, long Cancelled)> RecoverAsync(int limit, int attempts, int maxStalls, string keepDead, string keepCancelled)
    {
        var args = ScriptRunner.Args(keys, 5);
        args[2] = limit;
        args[3] = attempts;
        args[4] = maxStalls;
        args[5] = keepDead;
        args[6] = keepCancelled;
        var r = (RedisResult[])(await runner.RunAsync(ScriptCatalog.Recover, keys, args).ConfigureAwait(false))!;
        return ((long)r[0], (long)r[1], (long)r[2]);
    }

    /// <summary>Forgets finished jobs past their retention age; returns how many.</summary>
    public async Task<long> SweepAsync(int batch)
    {
        var args = ScriptRunner.Args(keys, 1);
        args[2] = batch;
        return (long)await runner.RunAsync(ScriptCatalog.Sweep, keys, args).ConfigureAwait(false);
    }

    public async Task<bool> ProgressAsync(string id, long token, string json)
    {
        var args = ScriptRunner.Args(keys, 3);
        args[2] = id;
        args[3] = token;
        args[4] = json;
        return (long)await runner.RunAsync(ScriptCatalog.Progress, keys, args).ConfigureAwait(false) == 1;
    }

    public async Task<bool> LogAsync(string id, long token, string lineJson, int maxLines)
    {
        var args = ScriptRunner.Args(keys, 4);
        args[2] = id;
        args[3] = token;
        args[4] = lineJson;
        args[5] = maxLines;
        return (long)await runner.RunAsync(ScriptCatalog.Log, keys, args).ConfigureAwait(false) == 1;
    }

    private static string[] ToStrings(RedisResult result) => (string[])result!;

    /// <summary>Adds a worker's run-time counts since its last beat to the queue's shared histogram.</summary>
    public Task AddDurationsAsync(long[] counts, long sumMicros)
    {
        var batch = runner.Database.CreateBatch();
        var key = keys.Key("durations");
        var writes = new List<Task>(counts.Length + 2);
        for (int i = 0; i < counts.Length; i++)
        {
            if (counts[i] > 0)
            {
                writes.Add(batch.HashIncrementAsync(key, Worker.DurationHistogram.Fields[i], counts[i]));
            }
        }

        writes.Add(batch.HashIncrementAsync(key, "count", counts.Sum()));
        writes.Add(batch.HashIncrementAsync(key, "sum_us", sumMicros));
        batch.Execute();
        return runner.WithClearErrors(async () =>
        {
            await Task.WhenAll(writes).ConfigureAwait(false);
            return true;
        });
    }
}

/// <summary>A job ready to enqueue. <see cref="Generated"/>: its id came from <see cref="JobId.New"/>, not a caller.</summary>
internal readonly record struct EnqueueItem(string Id, byte[] Envelope, int Priority, string DueKind, long DueValue, bool Generated);

/// <summary>A job a worker leased: its fencing token proves ownership on every later call.</summary>
internal sealed record LeasedJob(string Id, long Token, byte[] Envelope, int Attempts);

internal sealed record FetchResult(long Now, bool Paused, long NextDue, LeasedJob[] Jobs);

internal readonly record struct Completion(string Id, long Token, string Result, string Retention);

/// <summary>A failed attempt. Action is 'retry' (Argument: delay ms), 'dead' (Argument: reason) or 'cancel'.</summary>
internal readonly record struct Failure(string Id, long Token, string Error, string Action, string Argument, string Retention);
