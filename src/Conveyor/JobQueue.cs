using System.Diagnostics;
using Conveyor.Diagnostics;
using Conveyor.Storage;

namespace Conveyor;

/// <summary>One queue: enqueue jobs, read them, and repair the queue. Get it from <see cref="ConveyorClient.Queue"/>.</summary>
public sealed class JobQueue
{
    internal const int BulkChunk = 500;
    private const int BulkInFlight = 8;
    private readonly ConveyorClient _client;
    private readonly QueueStore _store;
    private readonly QueueInspector _inspector;
    private readonly EnqueueCoalescer _single;
    private int _registered;

    internal JobQueue(ConveyorClient client, QueueKeys keys)
    {
        _client = client;
        _store = new QueueStore(client.Runner, keys);
        _inspector = new QueueInspector(client.Runner, keys);
        _single = new EnqueueCoalescer(_store);
    }

    /// <summary>The queue's name.</summary>
    public string Name => _store.Keys.Queue;

    internal QueueStore Store => _store;

    /// <summary>
    /// Adds a job named <paramref name="name"/> (the handler that runs it is chosen by this name) with
    /// <paramref name="data"/> serialized as JSON. If <see cref="EnqueueOptions.Id"/> names an existing job, nothing is
    /// added and the result carries that job, flagged <see cref="EnqueueResult.Duplicate"/>.
    /// </summary>
    public async Task<EnqueueResult> EnqueueAsync<T>(string name, T data, EnqueueOptions? options = null, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        var item = Prepare(name, data, options);
        await RegisterAsync().ConfigureAwait(false);
        bool added = await _single.EnqueueAsync(item).ConfigureAwait(false);
        if (added)
        {
            ConveyorDiagnostics.Enqueued.Add(1, ConveyorDiagnostics.Queue(Name));
            return new EnqueueResult(item.Id, Duplicate: false);
        }

        return new EnqueueResult(item.Id, Duplicate: true) { Existing = await _inspector.GetAsync(item.Id).ConfigureAwait(false) };
    }

    /// <summary>
    /// Adds many jobs, pipelined in chunks of 500 with up to 8 chunks in flight. <paramref name="jobs"/> is read
    /// lazily, so 100 000 jobs are never all serialized at once. Results come in input order.
    /// </summary>
    public async Task<IReadOnlyList<EnqueueResult>> EnqueueManyAsync<T>(IEnumerable<NewJob<T>> jobs, CancellationToken ct = default)
    {
        await RegisterAsync().ConfigureAwait(false);
        var results = new List<EnqueueResult>(jobs.TryGetNonEnumeratedCount(out int count) ? count : BulkChunk);
        var inFlight = new Queue<(List<EnqueueItem> Items, Task<bool[]> Added)>();
        var chunk = new List<EnqueueItem>(BulkChunk);
        foreach (var job in jobs)
        {
            chunk.Add(Prepare(job.Name, job.Data, job.Options));
            if (chunk.Count == BulkChunk)
            {
                ct.ThrowIfCancellationRequested();
                inFlight.Enqueue((chunk, _store.EnqueueAsync(chunk)));
                chunk = new List<EnqueueItem>(BulkChunk);
                if (inFlight.Count >= BulkInFlight)
                {
                    await Collect(inFlight.Dequeue()).ConfigureAwait(false);
                }
            }
        }

        if (chunk.Count > 0)
        {
            inFlight.Enqueue((chunk, _store.EnqueueAsync(chunk)));
        }

        while (inFlight.Count > 0)
        {
            await Collect(inFlight.Dequeue()).ConfigureAwait(false);
        }

        ConveyorDiagnostics.Enqueued.Add(results.Count(r => !r.Duplicate), ConveyorDiagnostics.Queue(Name));
        return results;

        async Task Collect((List<EnqueueItem> Items, Task<bool[]> Added) sent)
        {
            bool[] added = await sent.Added.ConfigureAwait(false);
            for (int i = 0; i < added.Length; i++)
            {
                results.Add(new EnqueueResult(sent.Items[i].Id, Duplicate: !added[i]));
            }
        }
    }

    /// <summary>Everything stored about a job, or null when there is no such job.</summary>
    public Task<JobInfo?> GetAsync(string id) => _inspector.GetAsync(QueueName.ValidateJobId(id));

    /// <summary>A page of jobs in <paramref name="state"/> (limit 1–500); pass the returned cursor for the next page.</summary>
    public Task<JobPage> ListAsync(JobState state, string? cursor = null, int limit = 50)
    {
        if (limit is < 1 or > 500)
        {
            throw new InvalidJobException($"limit must be between 1 and 500; it was {limit}.");
        }

        if (cursor is not null && (!long.TryParse(cursor, out long offset) || offset < 0))
        {
            throw new InvalidJobException($"cursor '{cursor}' is not one this API returned; omit it to start from the first page.");
        }

        return _inspector.ListAsync(state, cursor, limit);
    }

    /// <summary>The number of jobs in each state, and whether the queue is paused.</summary>
    public Task<QueueCounts> CountsAsync() => _inspector.CountsAsync();

    /// <summary>Lifetime counters: enqueued, completed, failed, retried, dead, cancelled, stalled, trimmed_*, expired_*, purged_*.</summary>
    public Task<IReadOnlyDictionary<string, long>> StatsAsync() => _inspector.StatsAsync();

    /// <summary>Handler run times across all workers, as the workers' heartbeats report them (every 10 s by default).</summary>
    public Task<JobDurations> DurationsAsync() => _inspector.DurationsAsync();

    /// <summary>When the job that has waited longest (ready to run, not delayed) was enqueued; null when none is waiting.</summary>
    public Task<DateTimeOffset?> OldestWaitingAsync() => _inspector.OldestWaitingAsync();

    /// <summary>Processed and failed jobs per minute (keyed by the minute's start) over the last two hours.</summary>
    public async Task<IReadOnlyList<MinuteCount>> ThroughputAsync()
    {
        var minutes = await _inspector.MinutesAsync().ConfigureAwait(false);
        return minutes.Select(m => new MinuteCount(DateTimeOffset.FromUnixTimeSeconds(m.Key * 60), m.Value.Processed, m.Value.Failed)).ToList();
    }

    /// <summary>
    /// Cancels a job. A waiting or delayed job is cancelled at once; for a running job the worker running it is
    /// told to stop, and the job ends cancelled (not failed, not retried).
    /// </summary>
    public async Task<CancelOutcome> CancelAsync(string id) =>
        await _inspector.CancelAsync(QueueName.ValidateJobId(id), _client.Options.KeepCancelled.Encode()).ConfigureAwait(false) switch
        {
            1 => CancelOutcome.Cancelled,
            2 => CancelOutcome.Requested,
            0 => CancelOutcome.AlreadyFinished,
            _ => CancelOutcome.NotFound,
        };

    /// <summary>Deletes a job and all that is stored about it, whatever its state. False when there was no such job.</summary>
    public Task<bool> RemoveAsync(string id) => _inspector.RemoveAsync(QueueName.ValidateJobId(id));

    /// <summary>Moves a dead or cancelled job back to waiting with a fresh budget of attempts (its errors are kept).</summary>
    public async Task<RetryOutcome> RetryAsync(string id) =>
        await _inspector.RetryAsync(QueueName.ValidateJobId(id)).ConfigureAwait(false) switch
        {
            1 => RetryOutcome.Retried,
            0 => RetryOutcome.NotRetryable,
            _ => RetryOutcome.NotFound,
        };

    /// <summary>Moves every dead job back to waiting, in batches; returns how many moved.</summary>
    public Task<long> RetryAllDeadAsync(IProgress<long>? progress = null, CancellationToken ct = default) =>
        _inspector.RetryAllDeadAsync(BulkChunk, progress, ct);

    /// <summary>Deletes every completed, dead or cancelled job (as <paramref name="state"/> says); returns how many.</summary>
    public Task<long> PurgeAsync(JobState state, IProgress<long>? progress = null, CancellationToken ct = default) =>
        _inspector.PurgeAsync(state, BulkChunk, progress, ct);

    /// <summary>Stops workers from fetching from this queue; running jobs finish. Enqueueing still works.</summary>
    public Task PauseAsync() => _inspector.PauseAsync();

    /// <summary>Lets workers fetch again, waking idle ones at once.</summary>
    public Task ResumeAsync() => _inspector.ResumeAsync();

    internal Task RegisterAsync()
    {
        if (Volatile.Read(ref _registered) == 1)
        {
            return Task.CompletedTask;
        }

        return RegisterSlowAsync();

        async Task RegisterSlowAsync()
        {
            await _client.Runner.WithClearErrors(() => _client.Runner.Database.SetAddAsync(_client.Global.Queues, Name)).ConfigureAwait(false);
            Volatile.Write(ref _registered, 1);
        }
    }

    private EnqueueItem Prepare<T>(string name, T data, EnqueueOptions? options)
    {
        JobNames.Validate(name);
        options?.Validate();
        var time = _client.Options.Time;
        string id = options?.Id ?? JobId.New(time);
        string? trace = Activity.Current?.Id;
        byte[] envelope = Envelope.Write(name, data, time.GetUtcNow().ToUnixTimeMilliseconds(), StoredOptions.From(options), trace, _client.Options.Json);
        if (envelope.Length > _client.Options.MaxPayloadBytes)
        {
            throw new InvalidJobException(
                $"Job '{name}' is {envelope.Length} bytes as JSON; the limit is {_client.Options.MaxPayloadBytes} (ConveyorOptions.MaxPayloadBytes). " +
                "Store large payloads elsewhere (a blob store, a database) and enqueue a reference to them.");
        }

        var (kind, due) = options switch
        {
            { Delay: { } d } => ("d", (long)d.TotalMilliseconds),
            { RunAt: { } at } => ("a", at.ToUnixTimeMilliseconds()),
            _ => ("", 0L),
        };
        return new EnqueueItem(id, envelope, options?.Priority ?? 0, kind, due, Generated: options?.Id is null);
    }
}

/// <summary>What <see cref="JobQueue.CancelAsync"/> did.</summary>
public enum CancelOutcome
{
    /// <summary>The job was waiting or delayed and is now cancelled.</summary>
    Cancelled,

    /// <summary>The job is running; its worker was told to stop and it will end cancelled.</summary>
    Requested,

    /// <summary>The job had already completed, died or been cancelled.</summary>
    AlreadyFinished,

    /// <summary>No job has this id.</summary>
    NotFound,
}

/// <summary>What <see cref="JobQueue.RetryAsync"/> did.</summary>
public enum RetryOutcome
{
    /// <summary>The job is waiting again.</summary>
    Retried,

    /// <summary>The job is not dead or cancelled.</summary>
    NotRetryable,

    /// <summary>No job has this id.</summary>
    NotFound,
}

/// <summary>A histogram of handler run times: per bucket (not cumulative) the jobs that took at most <c>UpperMs</c>.</summary>
public sealed record JobDurations(IReadOnlyList<DurationBucket> Buckets, long Count, double SumMs);

/// <summary>One histogram bucket; <c>UpperMs</c> null is the last, unbounded one.</summary>
public sealed record DurationBucket(double? UpperMs, long Count);

/// <summary>Jobs processed and failed in one minute.</summary>
public sealed record MinuteCount(DateTimeOffset Minute, long Processed, long Failed);

/// <summary>Rules for job names.</summary>
public static class JobNames
{
    private static readonly System.Buffers.SearchValues<char> Allowed =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/");

    /// <summary>Throws unless <paramref name="name"/> is 1–200 of letters, digits and <c>-_.:/</c>.</summary>
    public static string Validate(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 200 || name.AsSpan().ContainsAnyExcept(Allowed))
        {
            throw new InvalidJobException(
                $"Job name '{name}' is not valid: use 1 to 200 letters, digits and the characters - _ . : / (for example 'email.send').");
        }

        return name;
    }
}
