using System.Globalization;
using System.Text.Json;
using Conveyor.Worker;
using StackExchange.Redis;

namespace Conveyor.Storage;

/// <summary>Reads and repairs of one queue, for the API, the CLI and the dashboard; never on the hot path.</summary>
internal sealed class QueueInspector(ScriptRunner runner, QueueKeys keys)
{
    private const double Pivot = 1000d * 4294967296d;
    private IDatabase Db => runner.Database;

    public async Task<JobInfo?> GetAsync(string id)
    {
        var args = ScriptRunner.Args(keys, 1);
        args[2] = id;
        var r = (RedisResult[])(await runner.RunAsync(ScriptCatalog.GetJob, keys, args).ConfigureAwait(false))!;
        if (r.Length == 0)
        {
            return null;
        }

        var envelope = Envelope.Read((byte[])r[0]!);
        JobStates.TryParse((string?)r[1], out var state);
        var done = ReadJson(r[9], StorageJson.Default.DoneRecord);
        var (leaseStarted, holder) = LeaseParts((string?)r[10]);
        // A completed job's record holds its last lease ("token|started|holder"), the others' record the start time.
        long? started = done is null ? leaseStarted : done.Lease is { } last ? LeaseParts(last).Started : done.Started;
        return new JobInfo
        {
            Id = id,
            Queue = keys.Queue,
            Name = envelope.Name,
            Data = ParseElement(envelope.Data),
            State = state,
            Options = (envelope.Options ?? new StoredOptions()).ToOptions(id),
            Attempts = ToInt(r[3]),
            Stalls = ToInt(r[4]),
            Priority = ToInt(r[5]),
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(envelope.Created),
            StartedAt = started is > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(started.Value) : null,
            FinishedAt = done is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(done.Finished),
            StateUntil = r[2].IsNull ? null : DateTimeOffset.FromUnixTimeMilliseconds((long)(double)r[2]),
            Worker = done?.Worker is { Length: > 0 } w ? w : holder?.Split('#')[0],
            Reason = done?.Reason,
            CancelRequested = (long)r[11] == 1,
            Progress = r[7].IsNull ? null : ParseElement((byte[])r[7]!),
            Result = done?.Result,
            Errors = (ReadJson(r[6], StorageJson.Default.StoredErrorArray) ?? [])
                .Select(e => new JobError(e.Attempt, DateTimeOffset.FromUnixTimeMilliseconds(e.At), e.Type, e.Message, e.Stack)).ToList(),
            Log = (ReadJson(r[8], StorageJson.Default.StoredLogLineArray) ?? [])
                .Select(l => new JobLogLine(DateTimeOffset.FromUnixTimeMilliseconds(l.At), l.Text)).ToList(),
            TraceParent = envelope.Trace,
        };
    }

    public async Task<QueueCounts> CountsAsync()
    {
        var r = (long[])(await runner.RunAsync(ScriptCatalog.Counts, keys, ScriptRunner.Args(keys, 0)).ConfigureAwait(false))!;
        return new QueueCounts(r[0], r[1], r[2], r[3], r[4], r[5], r[6] == 1);
    }

    /// <summary>
    /// A page of one state. Waiting jobs come in the order they will run; delayed by due time; active by start,
    /// longest running first; completed, dead and cancelled newest first. The cursor is an offset: a page is a snapshot, and jobs
    /// that move meanwhile may be skipped or seen twice.
    /// </summary>
    public async Task<JobPage> ListAsync(JobState state, string? cursor, int limit)
    {
        long offset = cursor is null ? 0 : long.Parse(cursor, CultureInfo.InvariantCulture);
        var entries = state switch
        {
            JobState.Waiting => await WaitingAsync(offset, limit).ConfigureAwait(false),
            JobState.Delayed => await RangeAsync("delayed", offset, limit, Order.Ascending).ConfigureAwait(false),
            JobState.Active => await ActiveAsync(offset, limit).ConfigureAwait(false),
            _ => await RangeAsync(state.Name(), offset, limit, Order.Descending).ConfigureAwait(false),
        };
        var ids = entries.Select(e => (RedisValue)e.Id).ToArray();
        var envelopes = ids.Length == 0 ? [] : await runner.WithClearErrors(() => Db.HashGetAsync(keys.Key("jobs"), ids)).ConfigureAwait(false);
        var progress = ids.Length == 0 || state != JobState.Active ? [] : await runner.WithClearErrors(() => Db.HashGetAsync(keys.Key("progress"), ids)).ConfigureAwait(false);
        var jobs = new List<JobSummary>(ids.Length);
        for (int i = 0; i < ids.Length; i++)
        {
            if (envelopes[i].IsNull)
            {
                continue;
            }

            var env = Envelope.Read((byte[])envelopes[i]!);
            jobs.Add(new JobSummary(entries[i].Id, env.Name, state, DateTimeOffset.FromUnixTimeMilliseconds(env.Created),
                entries[i].Score is { } s ? DateTimeOffset.FromUnixTimeMilliseconds((long)s) : null, ParseElement(env.Data))
            {
                Progress = i < progress.Length && !progress[i].IsNull ? ParseElement((byte[])progress[i]!) : null,
            });
        }

        string? next = entries.Count == limit ? (offset + limit).ToString(CultureInfo.InvariantCulture) : null;
        return new JobPage(jobs, next);
    }

    /// <summary>1 cancelled, 2 requested (running), 0 already finished, -1 not found.</summary>
    public async Task<long> CancelAsync(string id, string keepCancelled)
    {
        var args = ScriptRunner.Args(keys, 2);
        args[2] = id;
        args[3] = keepCancelled;
        return (long)await runner.RunAsync(ScriptCatalog.Cancel, keys, args).ConfigureAwait(false);
    }

    public async Task<bool> RemoveAsync(string id)
    {
        var args = ScriptRunner.Args(keys, 1);
        args[2] = id;
        return (long)await runner.RunAsync(ScriptCatalog.Remove, keys, args).ConfigureAwait(false) == 1;
    }

    /// <summary>1 moved to waiting, 0 not dead or cancelled, -1 not found.</summary>
    public async Task<long> RetryAsync(string id)
    {
        var args = ScriptRunner.Args(keys, 2);
        args[2] = "id";
        args[3] = id;
        return (long)await runner.RunAsync(ScriptCatalog.Retry, keys, args).ConfigureAwait(false);
    }

    public Task<long> RetryAllDeadAsync(int batch, IProgress<long>? progress, CancellationToken ct) =>
        InBatchesAsync(ScriptCatalog.Retry, "all-dead", batch, progress, ct);

    public async Task<long> PurgeAsync(JobState state, int batch, IProgress<long>? progress, CancellationToken ct)
    {
        if (state is not (JobState.Completed or JobState.Dead or JobState.Cancelled))
        {
            throw new InvalidJobException($"Only completed, dead or cancelled jobs can be purged, not {state.Name()} ones; cancel or remove those instead.");
        }

        return await InBatchesAsync(ScriptCatalog.Purge, state.Name(), batch, progress, ct).ConfigureAwait(false);
    }

    /// <summary>Runs a batch script (ARGV: mode, batch size) until a call handles fewer than a batch; returns the total.</summary>
    private async Task<long> InBatchesAsync(Script script, string mode, int batch, IProgress<long>? progress, CancellationToken ct)
    {
        long total = 0;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var args = ScriptRunner.Args(keys, 2);
            args[2] = mode;
            args[3] = batch;
            long handled = (long)await runner.RunAsync(script, keys, args).ConfigureAwait(false);
            total += handled;
            progress?.Report(total);
            if (handled < batch)
            {
                return total;
            }
        }
    }

    public Task PauseAsync() => runner.WithClearErrors(() => Db.StringSetAsync(keys.Key("paused"), 1));

    public async Task ResumeAsync()
    {
        await runner.WithClearErrors(() => Db.KeyDeleteAsync(keys.Key("paused"))).ConfigureAwait(false);
        await runner.WithClearErrors(() => Db.PublishAsync(keys.Signal, "wake")).ConfigureAwait(false);
    }

    /// <summary>Lifetime counters of the queue (enqueued, completed, failed, dead, trimmed_*, expired_* …).</summary>
    public async Task<IReadOnlyDictionary<string, long>> StatsAsync()
    {
        var entries = await runner.WithClearErrors(() => Db.HashGetAllAsync(keys.Key("stats"))).ConfigureAwait(false);
        return entries.ToDictionary(e => e.Name.ToString(), e => (long)e.Value, StringComparer.Ordinal);
    }

    /// <summary>Processed and failed counts per minute (unix minute → counts) for the last two hours.</summary>
    public async Task<IReadOnlyDictionary<long, (long Processed, long Failed)>> MinutesAsync()
    {
        var entries = await runner.WithClearErrors(() => Db.HashGetAllAsync(keys.Key("minutes"))).ConfigureAwait(false);
        var result = new SortedDictionary<long, (long, long)>();
        foreach (var e in entries)
        {
            string field = e.Name.ToString();
            long minute = long.Parse(field.AsSpan(2), CultureInfo.InvariantCulture);
            var (p, f) = result.GetValueOrDefault(minute);
            result[minute] = field[0] == 'c' ? (p + (long)e.Value, f) : (p, f + (long)e.Value);
        }

        return result;
    }

    /// <summary>The shared histogram of handler run times the workers' heartbeats add to.</summary>
    public async Task<JobDurations> DurationsAsync()
    {
        var entries = (await runner.WithClearErrors(() => Db.HashGetAllAsync(keys.Key("durations"))).ConfigureAwait(false))
            .ToDictionary(e => e.Name.ToString(), e => (long)e.Value, StringComparer.Ordinal);
        var buckets = new List<DurationBucket>(DurationHistogram.BoundsMs.Length + 1);
        for (int i = 0; i <= DurationHistogram.BoundsMs.Length; i++)
        {
            buckets.Add(new DurationBucket(i < DurationHistogram.BoundsMs.Length ? DurationHistogram.BoundsMs[i] : null,
                entries.GetValueOrDefault(DurationHistogram.Fields[i])));
        }

        return new JobDurations(buckets, entries.GetValueOrDefault("count"), entries.GetValueOrDefault("sum_us") / 1000.0);
    }

    /// <summary>When the job that has waited longest was enqueued: the heads of the plain list and of the priority set.</summary>
    public async Task<DateTimeOffset?> OldestWaitingAsync()
    {
        var batch = Db.CreateBatch();
        var head = batch.ListGetByIndexAsync(keys.Key("wait"), 0);
        var first = batch.SortedSetRangeByRankAsync(keys.Key("prio"), 0, 0);
        batch.Execute();
        var ids = new List<RedisValue>(2);
        if (!(await runner.WithClearErrors(() => head).ConfigureAwait(false)).IsNull)
        {
            ids.Add(head.Result);
        }

        ids.AddRange(await runner.WithClearErrors(() => first).ConfigureAwait(false));
        if (ids.Count == 0)
        {
            return null;
        }

        var envelopes = await runner.WithClearErrors(() => Db.HashGetAsync(keys.Key("jobs"), ids.ToArray())).ConfigureAwait(false);
        long? oldest = envelopes.Where(e => !e.IsNull).Select(e => (long?)Envelope.Read((byte[])e!).Created).Min();
        return oldest is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }

    private async Task<List<(string Id, double? Score)>> RangeAsync(string set, long offset, int limit, Order order)
    {
        var entries = await runner.WithClearErrors(() =>
            Db.SortedSetRangeByRankWithScoresAsync(keys.Key(set), offset, offset + limit - 1, order)).ConfigureAwait(false);
        return entries.Where(e => e.Element != QueueKeys.Pin).Select(e => (e.Element.ToString(), (double?)e.Score)).ToList();
    }

    /// <summary>A page of the lease hash, longest running first, each with its holder's lease deadline. Reads every
    /// lease: the jobs running now, not a backlog.</summary>
    private async Task<List<(string Id, double? Score)>> ActiveAsync(long offset, int limit)
    {
        var batch = Db.CreateBatch();
        var leasesCall = batch.HashGetAllAsync(keys.Key("lease"));
        var holdersCall = batch.SortedSetRangeByRankWithScoresAsync(keys.Key("holders"));
        batch.Execute();
        var leases = await runner.WithClearErrors(() => leasesCall).ConfigureAwait(false);
        var deadlines = (await runner.WithClearErrors(() => holdersCall).ConfigureAwait(false))
            .ToDictionary(h => h.Element.ToString(), h => h.Score, StringComparer.Ordinal);
        return leases.Where(e => e.Name != QueueKeys.Pin)
            .Select(e => (Id: e.Name.ToString(), Lease: LeaseParts(e.Value)))
            .Where(e => e.Lease.Holder is not null)
            .OrderBy(e => e.Lease.Started ?? 0).ThenBy(e => e.Id, StringComparer.Ordinal)
            .Skip((int)Math.Min(offset, int.MaxValue)).Take(limit)
            .Select(e => (e.Id, deadlines.TryGetValue(e.Lease.Holder!, out double d) ? d : (double?)null))
            .ToList();
    }

    private async Task<List<(string Id, double? Score)>> WaitingAsync(long offset, int limit)
    {
        var prio = keys.Key("prio");
        long high = await runner.WithClearErrors(() => Db.SortedSetLengthAsync(prio, double.NegativeInfinity, Pivot, Exclude.Stop)).ConfigureAwait(false);
        long listLength = await runner.WithClearErrors(() => Db.ListLengthAsync(keys.Key("wait"))).ConfigureAwait(false);
        var ids = new List<(string, double?)>(limit);
        long end = offset + limit;
        if (offset < high)
        {
            var part = await Db.SortedSetRangeByRankAsync(prio, offset, Math.Min(end, high) - 1).ConfigureAwait(false);
            ids.AddRange(part.Select(v => (v.ToString(), (double?)null)));
        }

        if (end > high && offset < high + listLength)
        {
            long from = Math.Max(offset, high) - high;
            var part = await Db.ListRangeAsync(keys.Key("wait"), from, Math.Min(end - high, listLength) - 1).ConfigureAwait(false);
            ids.AddRange(part.Select(v => (v.ToString(), (double?)null)));
        }

        if (end > high + listLength)
        {
            long from = Math.Max(offset, high + listLength) - listLength;
            var part = await Db.SortedSetRangeByRankAsync(prio, from, end - listLength - 1).ConfigureAwait(false);
            ids.AddRange(part.Select(v => (v.ToString(), (double?)null)));
        }

        return ids;
    }

    private static T? ReadJson<T>(RedisResult r, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        r.IsNull ? default : JsonSerializer.Deserialize((byte[])r!, type);

    private static JsonElement ParseElement(ReadOnlyMemory<byte> json) =>
        json.IsEmpty ? default : JsonSerializer.Deserialize(json.Span, StorageJson.Default.JsonElement);

    private static int ToInt(RedisResult r) => r.IsNull ? 0 : (int)(long)r;

    /// <summary>A lease value "token|started_ms|holder" (see _common.lua); the holder is "worker_id#random".</summary>
    private static (long? Started, string? Holder) LeaseParts(string? lease) =>
        lease?.Split('|') is [_, var started, var holder]
            ? (long.TryParse(started, CultureInfo.InvariantCulture, out long ms) ? ms : null, holder)
            : (null, null);
}
