using System.Collections.Concurrent;
using System.Diagnostics;
using Conveyor.Diagnostics;
using Conveyor.Storage;
using Microsoft.Extensions.Logging;

namespace Conveyor.Worker;

/// <summary>
/// The pump of one queue in one process. It alone talks to Redis for its jobs' lifecycle: each round trip sends
/// the acknowledgements that piled up and fetches as many jobs as there are free slots (plus prefetch), all in
/// one pipelined write. Handlers run on the thread pool and hand their outcome back through a queue. When the
/// queue is empty the pump sleeps until a 'wake' signal, the next delayed job's due time, or the idle safety
/// interval — it never polls in a loop.
/// </summary>
internal sealed class QueueProcessor
{
    private const int MaxFetch = 1000;
    private readonly QueueStore _store;
    private readonly ConveyorOptions _options;
    private readonly JobRunner _runner;
    private readonly ILogger _logger;
    private readonly string _worker;
    private readonly int _concurrency;
    private readonly int _capacity;
    private readonly long _leaseMs;
    private readonly ConcurrentQueue<Outcome> _outcomes = new();
    private readonly ConcurrentDictionary<string, RunningJob> _held = new(StringComparer.Ordinal);
    private readonly Queue<RunningJob> _buffer = new();
    private readonly AsyncSignal _signal = new();
    private readonly CancellationTokenSource _stopping = new();
    [ThreadStatic]
    private static bool t_inBatch;
    private int _running;
    private int _wakeRequested = 1;
    private volatile bool _forceRelease;
    private long _processed;
    private long _failed;
    private long _released;

    public QueueProcessor(QueueStore store, QueueHandlers handlers, ConveyorOptions options, IServiceProvider services, string worker, ILogger logger)
    {
        _store = store;
        _options = options;
        _logger = logger;
        _worker = worker;
        _concurrency = handlers.Concurrency;
        _capacity = Math.Min(MaxFetch, _concurrency + (options.Prefetch ?? Math.Min(_concurrency, 100)));
        _leaseMs = (long)options.Lease.TotalMilliseconds;
        _runner = new JobRunner(store, handlers, options, services, worker, logger);
    }

    public string Queue => _store.Keys.Queue;
    public int Concurrency => _concurrency;
    public QueueStore Store => _store;
    public long Processed => Interlocked.Read(ref _processed);
    public long Failed => Interlocked.Read(ref _failed);
    public long Released => Interlocked.Read(ref _released);

    /// <summary>Jobs leased by this process and not yet acknowledged.</summary>
    public ICollection<RunningJob> Held => _held.Values;

    /// <summary>Jobs may be waiting: fetch at the next chance.</summary>
    public void Wake()
    {
        Interlocked.Exchange(ref _wakeRequested, 1);
        _signal.Set();
    }

    public void Stop(string id, StopReason reason)
    {
        if (_held.TryGetValue(id, out var job))
        {
            job.Stop(reason, _options.AbandonGrace, _options.Time);
        }
    }

    /// <summary>Stop fetching; hand back jobs that have not started; finish when every held job is acknowledged.</summary>
    public void BeginStop()
    {
        _stopping.Cancel();
        _signal.Set();
    }

    /// <summary>Shutdown timeout reached: stop running handlers and hand their jobs back now.</summary>
    public void ForceRelease()
    {
        _forceRelease = true;
        foreach (var job in _held.Values)
        {
            job.Stop(StopReason.Shutdown, _options.AbandonGrace, _options.Time);
        }

        _signal.Set();
    }

    public async Task RunAsync()
    {
        var completions = new List<Completion>();
        var failures = new List<Failure>();
        var releases = new List<(string, long)>();
        var sent = new List<RunningJob>();
        bool lastFetchFull = false;
        long nextDueAt = long.MaxValue;
        var retryDelay = TimeSpan.FromMilliseconds(100);

        while (true)
        {
            bool stopping = _stopping.IsCancellationRequested;
            StartBuffered(stopping);
            Collect(completions, failures, releases, sent, stopping);
            if (stopping && _held.IsEmpty && completions.Count == 0 && failures.Count == 0 && releases.Count == 0)
            {
                return;
            }

            bool due = Stopwatch.GetTimestamp() >= nextDueAt;
            bool wake = Interlocked.Exchange(ref _wakeRequested, 0) == 1;
            int want = stopping ? 0 : _capacity - (_held.Count - sent.Count);
            bool acking = completions.Count + failures.Count + releases.Count > 0;
            bool fetch = want > 0 && (acking || wake || due || lastFetchFull);

            if (!acking && !fetch)
            {
                var wait = nextDueAt == long.MaxValue
                    ? _options.IdleFetchInterval
                    : TimeSpan.FromTicks(Math.Clamp(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), nextDueAt).Ticks, 0, _options.IdleFetchInterval.Ticks));
                if (!await _signal.WaitAsync(wait, CancellationToken.None).ConfigureAwait(false))
                {
                    Interlocked.Exchange(ref _wakeRequested, 1);
                }

                continue;
            }

            try
            {
                // Issued without awaiting in between: StackExchange.Redis writes them in one batch, one round trip.
                var completeTask = completions.Count > 0 ? _store.CompleteAsync(_worker, completions) : null;
                var failTask = failures.Count > 0 ? _store.FailAsync(_worker, failures) : null;
                var releaseTask = releases.Count > 0 ? _store.ReleaseAsync(releases) : null;
                var fetchTask = fetch ? _store.FetchAsync(Math.Min(want, MaxFetch), _leaseMs, _worker) : null;

                if (completeTask is not null)
                {
                    Refused(await completeTask.ConfigureAwait(false));
                    Interlocked.Add(ref _processed, completions.Count);
                }

                if (failTask is not null)
                {
                    Refused(await failTask.ConfigureAwait(false));
                    Interlocked.Add(ref _failed, failures.Count);
                }

                if (releaseTask is not null)
                {
                    Interlocked.Add(ref _released, await releaseTask.ConfigureAwait(false));
                }

                foreach (var job in sent)
                {
                    _held.TryRemove(job.Id, out _);
                    job.Dispose();
                }

                completions.Clear();
                failures.Clear();
                releases.Clear();
                sent.Clear();

                if (fetchTask is not null)
                {
                    var result = await fetchTask.ConfigureAwait(false);
                    foreach (var leased in result.Jobs)
                    {
                        var job = new RunningJob(leased);
                        _held[leased.Id] = job;
                        _buffer.Enqueue(job);
                    }

                    lastFetchFull = !result.Paused && result.Jobs.Length == want;
                    nextDueAt = result.NextDue < 0
                        ? long.MaxValue
                        : Stopwatch.GetTimestamp() + (long)((result.NextDue - result.Now) * (Stopwatch.Frequency / 1000.0));
                }

                retryDelay = TimeSpan.FromMilliseconds(100);
            }
            catch (Exception e) when (e is RedisUnavailableException or StackExchange.Redis.RedisException)
            {
                // Keep the acknowledgements: they are sent again once Redis answers. If one did reach Redis before the
                // connection broke, its second copy is refused (the lease is gone), which is harmless.
                Log.StoreFailed(_logger, e, Queue, retryDelay);
                await Task.Delay(retryDelay, _options.Time).ConfigureAwait(false);
                retryDelay = TimeSpan.FromTicks(Math.Min(retryDelay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
                Interlocked.Exchange(ref _wakeRequested, 1);
            }
        }
    }

    /// <summary>Starts a batch of jobs from one thread-pool work item. Handlers that finish without awaiting report
    /// their outcomes silently and the batch wakes the pump once at the end: one thread switch per batch, not per job.</summary>
    private void RunBatch(List<RunningJob> batch)
    {
        t_inBatch = true;
        try
        {
            foreach (var job in batch)
            {
                _ = ExecuteAsync(job);
            }
        }
        finally
        {
            t_inBatch = false;
        }

        _signal.Set();
    }

    private async Task ExecuteAsync(RunningJob job)
    {
        Outcome outcome;
        try
        {
            outcome = await _runner.RunAsync(job).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // RunAsync handles handler errors itself; this is a bug in Conveyor. Fail the attempt rather than lose it.
            outcome = new Outcome(job, OutcomeKind.Fail, Failure: new Failure(job.Id, job.Token, "", "retry", "1000", ""));
            Log.LoopFailed(_logger, e, "job runner", TimeSpan.Zero);
        }

        _outcomes.Enqueue(outcome);
        Interlocked.Decrement(ref _running);
        if (!t_inBatch)
        {
            _signal.Set();
        }
    }

    private void StartBuffered(bool stopping)
    {
        List<RunningJob>? batch = null;
        while (!stopping && _buffer.Count > 0 && Volatile.Read(ref _running) < _concurrency)
        {
            var job = _buffer.Dequeue();
            job.Started = true;
            Interlocked.Increment(ref _running);
            (batch ??= new List<RunningJob>(Math.Min(_buffer.Count + 1, _concurrency))).Add(job);
        }

        if (batch is not null)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static state => state.Processor.RunBatch(state.Batch), (Processor: this, Batch: batch), preferLocal: false);
        }
    }

    private void Collect(List<Completion> completions, List<Failure> failures, List<(string, long)> releases, List<RunningJob> sent, bool stopping)
    {
        if (completions.Count + failures.Count + releases.Count > 0)
        {
            return; // a failed round trip is being retried as it was
        }

        while (_outcomes.TryDequeue(out var o))
        {
            if (!_held.ContainsKey(o.Job.Id) || o.Job.Sent)
            {
                continue; // already handed back during a forced shutdown
            }

            switch (o.Kind)
            {
                case OutcomeKind.Complete: completions.Add(o.Completion); break;
                case OutcomeKind.Fail: failures.Add(o.Failure); break;
                case OutcomeKind.Release: releases.Add((o.Job.Id, o.Job.Token)); break;
                default:
                    _held.TryRemove(o.Job.Id, out _);
                    o.Job.Dispose();
                    continue;
            }

            o.Job.Sent = true;
            sent.Add(o.Job);
        }

        if (stopping)
        {
            // Jobs prefetched but never started go back at once, and so does everything once shutdown is forced.
            while (_buffer.TryDequeue(out var job))
            {
                releases.Add((job.Id, job.Token));
                job.Sent = true;
                sent.Add(job);
            }

            if (_forceRelease)
            {
                foreach (var job in _held.Values)
                {
                    if (!job.Sent)
                    {
                        releases.Add((job.Id, job.Token));
                        job.Sent = true;
                        sent.Add(job);
                    }
                }
            }
        }
    }

    private void Refused(string[] ids)
    {
        foreach (string id in ids)
        {
            Log.AckRefused(_logger, id, Queue);
        }

        if (ids.Length > 0)
        {
            ConveyorDiagnostics.Refused.Add(ids.Length, ConveyorDiagnostics.Queue(Queue));
        }
    }
}
