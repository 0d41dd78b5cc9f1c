using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using Conveyor.Diagnostics;
using Conveyor.Storage;
using Microsoft.Extensions.Logging;

namespace Conveyor.Worker;

/// <summary>
/// The pump of one queue in one process. It alone talks to Redis for its jobs' lifecycle: each round trip sends
/// the acknowledgements that piled up and fetches as many jobs as there are free slots (plus prefetch), all in
/// one pipelined write. Fetched jobs wait in a buffer that handler slots drain themselves (a slot that finishes a
/// job takes the next one on the same thread), and outcomes come back through a queue. When the
/// queue is empty the pump sleeps until a 'wake' signal, the next delayed job's due time, or the idle safety
/// interval — it never polls in a loop.
/// </summary>
internal sealed class QueueProcessor
{
    private const int MaxFetch = 1000;
    private static readonly TimeSpan StallCheckInterval = TimeSpan.FromMilliseconds(2);
    private static readonly long StallCheckTicks = (long)(StallCheckInterval.TotalSeconds * Stopwatch.Frequency);
    private readonly QueueStore _store;
    private readonly ConveyorOptions _options;
    private readonly JobRunner _runner;
    private readonly ILogger _logger;
    private readonly string _worker;
    private volatile string _holder;
    private readonly int _concurrency;
    private readonly PrefetchGauge _prefetch;
    private readonly long _leaseMs;
    private readonly TimeSpan _roundTripTimeout;
    private readonly string _cancelledRetention;
    private readonly ConcurrentQueue<Outcome> _outcomes = new();
    private readonly ConcurrentDictionary<string, RunningJob> _held = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<RunningJob> _buffer = new();
    private readonly AsyncSignal _signal = new();

    // Round trips are reused: each holds six lists that grow to a batch's size, which cost the worker some 100 bytes
    // per job when every round trip allocated its own. Pump-only.
    private readonly Stack<RoundTrip> _spareTrips = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Action _continueSlot;
    private int _running;
    private bool _lastFetchFull;
    private long _nextDueAt;
    private TimeSpan _retryDelay;
    private readonly ITimer _stallTimer;
    private int _stallCheckArmed;
    private volatile bool _ended;
    private int _wakeRequested = 1;
    private volatile bool _forceRelease;
    private volatile bool _aborted;
    private long _processed;
    private long _failed;
    private long _released;

    private static string NewHolder(string worker) => $"{worker}#{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";

    public QueueProcessor(QueueStore store, QueueHandlers handlers, ConveyorOptions options, IServiceProvider services, string worker, ILogger logger)
    {
        _store = store;
        _options = options;
        _logger = logger;
        _worker = worker;
        _holder = NewHolder(worker);
        _concurrency = handlers.Concurrency;
        _prefetch = new PrefetchGauge(_concurrency, options.Prefetch, MaxFetch);
        _continueSlot = Dispatch;
        _stallTimer = TimeProvider.System.CreateTimer(static p => ((QueueProcessor)p!).CheckStall(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _leaseMs = (long)options.Lease.TotalMilliseconds;
        _roundTripTimeout = options.RedisCallTimeout;
        _cancelledRetention = options.KeepCancelled.Encode();
        _runner = new JobRunner(store, handlers, options, services, worker, Durations, logger);
    }

    public string Queue => _store.Keys.Queue;
    public int Concurrency => _concurrency;
    public QueueStore Store => _store;

    /// <summary>
    /// Whom this pump's fetches lease jobs to (see fetch.lua): the worker id and a random part, so a process restarted
    /// under the same name never renews its predecessor's leases. A live worker renews it even while it holds nothing.
    /// </summary>
    public string Holder => _holder;

    /// <summary>The pump has returned: nothing of this queue is held any more.</summary>
    public bool Ended => _ended;
    public long Processed => Interlocked.Read(ref _processed);
    public long Failed => Interlocked.Read(ref _failed);
    public long Released => Interlocked.Read(ref _released);
    public DurationHistogram Durations { get; } = new();

    /// <summary>Jobs leased by this process and not yet acknowledged.</summary>
    public ICollection<RunningJob> Held => _held.Values;

    /// <summary>Jobs may be waiting: fetch at the next chance.</summary>
    public void Wake()
    {
        Interlocked.Exchange(ref _wakeRequested, 1);
        _signal.Set();
    }

    /// <summary>Stops the job's handler if it is still running here (under <paramref name="token"/>, when given: a lost
    /// lease must not stop a newer lease of the same job); false when it is not, or already finished.</summary>
    public bool Stop(string id, StopReason reason, long? token = null)
    {
        if (!_held.TryGetValue(id, out var job) || job.Sent || (token is { } t && job.Token != t))
        {
            return false;
        }


        job.Stop(reason, _options.AbandonGrace, _options.Time);
        return true;
    }

    /// <summary>Stop fetching; hand back jobs that have not started; finish when every held job is acknowledged.</summary>
    public void BeginStop()
    {
        _stopping.Cancel();
        _signal.Set();
    }

    /// <summary>Shutdown gave up (Redis unreachable while handing jobs back): the pump exits; their leases expire.</summary>
    public void Abort()
    {
        _aborted = true;
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
        try
        {
            await PumpAsync().ConfigureAwait(false);
        }
        finally
        {
            _ended = true;
            _stallTimer.Dispose();
        }
    }

    private async Task PumpAsync()
    {
        var retry = new RoundTrip(); // acknowledgements whose round trip failed: sent again with the next one
        RoundTrip? flying = null;
        _lastFetchFull = false;
        _nextDueAt = long.MaxValue;
        _retryDelay = TimeSpan.FromMilliseconds(100);

        while (!_aborted)
        {
            bool stopping = _stopping.IsCancellationRequested;
            StartSlot(stopping);
            var next = retry;
            retry = RentTrip();
            Collect(next, stopping);
            int held = _held.Count; // counts every lock of the dictionary: once per turn
            if (!stopping)
            {
                HandBackSurplus(held, next, flying);
            }

            int sent = next.Acks;
            if (stopping && _held.IsEmpty && sent == 0 && flying is null)
            {
                await RetireHolderAsync().ConfigureAwait(false);
                return;
            }

            // Jobs the round trip in flight will acknowledge or fetch count as already gone or already held.
            bool due = Stopwatch.GetTimestamp() >= _nextDueAt;
            bool wake = Volatile.Read(ref _wakeRequested) == 1;
            int want = stopping ? 0 : _prefetch.Capacity - (held - sent - (flying?.Acks ?? 0)) - (flying?.Want ?? 0);
            bool fetch = want > 0 && (sent > 0 || wake || due || _lastFetchFull);
            if (fetch)
            {
                // Taken only by a fetch that will run after whatever asked for it; with no room to fetch (a round
                // trip in flight holds it) the request waits for the next fetch.
                Interlocked.Exchange(ref _wakeRequested, 0);
            }

            if (sent == 0 && !fetch)
            {
                _spareTrips.Push(retry);
                retry = next;
                if (flying is not null)
                {
                    // Take in the round trip in flight, unless outcomes arrive first: then they go out at once as the
                    // second round trip, so Redis has the next batch before it finishes this one.
                    var settled = SettledAsync(flying);
                    if (await Task.WhenAny(_signal.Next(), settled).ConfigureAwait(false) != settled && _signal.TryReset())
                    {
                        continue;
                    }

                    await FinishAsync(flying, retry).ConfigureAwait(false);
                    ReturnTrip(flying);
                    flying = null;
                    continue;
                }

                // The next due time matters only when there is room to fetch; otherwise an outcome wakes us.
                var wait = _nextDueAt == long.MaxValue || want <= 0
                    ? _options.IdleFetchInterval
                    : TimeSpan.FromTicks(Math.Clamp(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), _nextDueAt).Ticks, 0, _options.IdleFetchInterval.Ticks));
                if (!await _signal.WaitAsync(wait).ConfigureAwait(false))
                {
                    Interlocked.Exchange(ref _wakeRequested, 1);
                }

                continue;
            }

            // Two round trips in flight: while Redis runs this one, the pump takes in the replies of the one before,
            // so Redis does not wait for the worker between batches.
            next.Shutdown = stopping;
            Send(next, fetch ? Math.Min(want, MaxFetch) : 0);
            if (flying is not null)
            {
                await FinishAsync(flying, retry).ConfigureAwait(false);
                ReturnTrip(flying);
            }

            flying = next;
        }
    }

    private RoundTrip RentTrip() => _spareTrips.TryPop(out var trip) ? trip : new RoundTrip();

    /// <summary>Takes back a round trip whose replies were taken in (its lists are empty by then).</summary>
    private void ReturnTrip(RoundTrip trip)
    {
        trip.Reset();
        _spareTrips.Push(trip);
    }

    /// <summary>
    /// Issues a round trip's acknowledgements and fetch without awaiting in between: StackExchange.Redis writes them
    /// in one batch. They are separate scripts; Redis runs them in order, so the fetch runs after the acknowledgements.
    /// </summary>
    private void Send(RoundTrip trip, int want)
    {
        trip.Want = want;
        trip.Deadline = Stopwatch.GetTimestamp() + (long)(_roundTripTimeout.TotalSeconds * Stopwatch.Frequency);
        trip.Complete = trip.Completions.Count > 0 ? _store.CompleteAsync(_worker, trip.Completions.Items) : null;
        trip.Fail = trip.Failures.Count > 0 ? _store.FailAsync(_worker, trip.Failures.Items) : null;
        trip.Release = trip.Releases.Count > 0 ? _store.ReleaseAsync(trip.Releases.Items, _cancelledRetention) : null;
        trip.Fetch = want > 0 ? _store.FetchAsync(want, _leaseMs, _holder) : null;
    }

    /// <summary>Completes when every call of the round trip has completed, or its deadline has passed; never throws.</summary>
    private static async Task SettledAsync(RoundTrip trip)
    {
        Task?[] calls = [trip.Complete, trip.Fail, trip.Release, trip.Fetch];
        var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), trip.Deadline);
        await Task.WhenAll(calls.OfType<Task>()).WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>
    /// Takes in a round trip's replies. Each call is awaited on its own, under one deadline: a failed acknowledgement
    /// must not discard a fetch that succeeded, and a call that never completes (a connection that died mid-request)
    /// must not stall the pump. Acknowledgements that failed move to <paramref name="retry"/>; jobs a lost fetch
    /// leased come back when their lease expires.
    /// </summary>
    private async Task FinishAsync(RoundTrip trip, RoundTrip retry)
    {
        Exception? failure = null;
        if (await TakeInAsync(trip.Complete, trip.Completions, retry.Completions) is { } completed)
        {
            Interlocked.Add(ref _processed, completed);
        }

        if (await TakeInAsync(trip.Fail, trip.Failures, retry.Failures) is { } failed)
        {
            Interlocked.Add(ref _failed, failed);
        }

        if (trip.Release is not null)
        {
            if (await Settle(trip.Release) is (true, var released))
            {
                if (trip.Shutdown)
                {
                    Interlocked.Add(ref _released, released); // surplus handed back while running is not counted
                }

                Acknowledged(trip.Releases);
            }
            else
            {
                retry.Releases.MoveFrom(trip.Releases);
            }
        }

        if (trip.Fetch is not null)
        {
            if (await Settle(trip.Fetch) is (true, var result))
            {
                Buffer(result, trip);
            }
            else
            {
                // The fetch may have leased jobs (or may yet: a call that timed out can still run) that this worker
                // will never see. They stay with the old holder, which is renewed no more: the next renewal moves the
                // jobs this worker knows to the new one, and the old holder expires with the unseen jobs.
                _holder = NewHolder(_worker);
            }
        }

        if (failure is null)
        {
            _retryDelay = TimeSpan.FromMilliseconds(100);
            return;
        }

        Log.StoreFailed(_logger, failure, Queue, _retryDelay);
        await Task.Delay(_retryDelay, _options.Time).ConfigureAwait(false);
        _retryDelay = TimeSpan.FromTicks(Math.Min(_retryDelay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
        Interlocked.Exchange(ref _wakeRequested, 1);

        // Completions or failures: refused ones are logged, the rest forgotten; a failed call's go to the next round
        // trip. Returns how many Redis accepted, or null when there was no call or it failed.
        async Task<int?> TakeInAsync<T>(Task<string[]>? call, Pending<T> sent, Pending<T> resend)
        {
            if (call is null)
            {
                return null;
            }

            if (await Settle(call) is not (true, var refused))
            {
                resend.MoveFrom(sent);
                return null;
            }

            Refused(refused);
            int count = sent.Count - refused.Length; // a refused job was not this worker's to finish
            Acknowledged(sent);
            return count;
        }

        async Task<(bool Ok, T Value)> Settle<T>(Task<T> call)
        {
            try
            {
                var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), trip.Deadline);
                return (true, await call.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero).ConfigureAwait(false));
            }
            catch (Exception e)
            {
                failure ??= e;
                return (false, default!);
            }
        }
    }

    /// <summary>
    /// Everything leased to the current holder is acknowledged: it leaves the holders set now rather than expire, which
    /// would cost the next reap a read of the whole lease hash. Failing that (Redis away), it expires.
    /// </summary>
    private async Task RetireHolderAsync()
    {
        try
        {
            await _store.RetireAsync(_holder).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Log.HolderNotRetired(_logger, e, _holder, Queue);
        }
    }

    /// <summary>Takes a fetch's jobs in: held from now on, buffered for the runners.</summary>
    private void Buffer(FetchResult result, RoundTrip trip)
    {
        long bufferedAt = Stopwatch.GetTimestamp();
        foreach (var leased in result.Jobs)
        {
            var job = new RunningJob(leased) { BufferedAt = bufferedAt };
            if (_held.TryGetValue(leased.Id, out var stale))
            {
                // We fetched a job we still hold under an older lease: that lease expired and the job was
                // recovered (Redis was away, say). The old run must stop and must not touch the new one.
                stale.Stop(StopReason.LeaseLost, _options.AbandonGrace, _options.Time);
            }

            _held[leased.Id] = job;
            _buffer.Enqueue(job);
        }

        StartSlot(_stopping.IsCancellationRequested);
        _lastFetchFull = !result.Paused && result.Jobs.Length == trip.Want;
        _nextDueAt = result.NextDue < 0
            ? long.MaxValue
            : Stopwatch.GetTimestamp() + (long)((result.NextDue - result.Now) * (Stopwatch.Frequency / 1000.0));
    }

    private void Acknowledged<T>(Pending<T> pending)
    {
        foreach (var job in pending.Jobs)
        {
            Forget(job);
        }

        pending.Clear();
    }

    /// <summary>
    /// Runs buffered jobs one after another while holding one handler slot, so a handler that finishes without
    /// awaiting costs no thread switch, and one thread, not several contending ones, runs a batch of short jobs
    /// (on two cores the others would take the CPU Redis needs). A handler that awaits keeps its slot and carries on
    /// from a fresh work item once it finishes, never inline on whatever thread completed it; this thread goes on
    /// with another slot. A handler that blocks before its first await is caught by the stall check, which starts
    /// another runner: blocking handlers still run in parallel.
    /// </summary>
    private void RunSlot()
    {
        do
        {
            while (!_stopping.IsCancellationRequested && _buffer.TryDequeue(out var job))
            {
                job.Started = true;
                if (Volatile.Read(ref _stallCheckArmed) == 0 && !_buffer.IsEmpty && Volatile.Read(ref _running) < _concurrency)
                {
                    ArmStallCheck();
                }

                var run = ExecuteAsync(job);
                if (!run.IsCompleted)
                {
                    run.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_continueSlot);
                    if (!TryTakeSlot())
                    {
                        return;
                    }
                }
            }

            // Jobs the pump buffered after our last look would find no free slot: look again once ours is free.
            Interlocked.Decrement(ref _running);
        }
        while (!_stopping.IsCancellationRequested && !_buffer.IsEmpty && TryTakeSlot());
    }

    /// <summary>While jobs wait in the buffer and a slot is free, checks every <see cref="StallCheckInterval"/> how
    /// long the oldest has waited.</summary>
    private void ArmStallCheck()
    {
        if (Interlocked.CompareExchange(ref _stallCheckArmed, 1, 0) == 0)
        {
            try
            {
                _stallTimer.Change(StallCheckInterval, Timeout.InfiniteTimeSpan);
            }
            catch (ObjectDisposedException)
            {
                // The pump has ended: nothing is left to start.
            }
        }
    }

    /// <summary>
    /// The oldest buffered job has waited a whole interval while a slot was free: the runners are busy in handlers
    /// that block, or that take long without awaiting. Another runner takes the next job. Short handlers drain a
    /// batch within the interval and run on one thread; slower ones get a runner per interval up to the concurrency.
    /// </summary>
    private void CheckStall()
    {
        Volatile.Write(ref _stallCheckArmed, 0);
        if (_ended || _stopping.IsCancellationRequested || !_buffer.TryPeek(out var oldest))
        {
            return;
        }

        if (Stopwatch.GetTimestamp() - oldest.BufferedAt >= StallCheckTicks && TryTakeSlot())
        {
            Dispatch();
        }

        if (Volatile.Read(ref _running) < _concurrency)
        {
            ArmStallCheck(); // with every slot taken there is nothing to start: a runner that frees one looks again
        }
    }

    private void Dispatch() => ThreadPool.UnsafeQueueUserWorkItem(static p => p.RunSlot(), this, preferLocal: false);

    private bool TryTakeSlot()
    {
        int running;
        do
        {
            running = Volatile.Read(ref _running);
            if (running >= _concurrency)
            {
                return false;
            }
        }
        while (Interlocked.CompareExchange(ref _running, running + 1, running) != running);

        return true;
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
            // RunAsync handles handler errors itself, so this is a bug in Conveyor or a job it cannot interpret.
            // Retrying would fail the same way forever: the job goes dead with the error, where an operator sees it.
            outcome = new Outcome(job, OutcomeKind.Fail, Failure: new Failure(job.Id, job.Token,
                System.Text.Json.JsonSerializer.Serialize(new StoredError(job.Lease.Attempts + 1, _options.Time.GetUtcNow().ToUnixTimeMilliseconds(),
                    e.GetType().FullName ?? "Exception", e.Message, e.ToString()), StorageJson.Default.StoredError),
                "dead", "worker-error", _options.KeepDead.Encode()));
            Log.LoopFailed(_logger, e, "job runner", TimeSpan.Zero);
        }

        // Cheap while the pump is busy (the signal is already set); when it is idle, this wakes it to acknowledge.
        _outcomes.Enqueue(outcome);
        _signal.Set();
    }

    private void StartSlot(bool stopping)
    {
        // Jobs just buffered must be visible before the slot count is read (a runner releasing its slot reads the
        // buffer after its decrement): one of the two then starts them.
        Interlocked.MemoryBarrier();
        if (!stopping && !_buffer.IsEmpty && TryTakeSlot())
        {
            Dispatch();
        }
    }

    private void Collect(RoundTrip trip, bool stopping)
    {
        var (completions, failures, releases) = (trip.Completions, trip.Failures, trip.Releases);
        int finished = 0;
        while (_outcomes.TryDequeue(out var o))
        {
            finished++;
            if (!IsHeld(o.Job) || o.Job.Sent)
            {
                continue; // handed back during a forced shutdown, or superseded by a newer lease on the same job
            }

            switch (o.Kind)
            {
                case OutcomeKind.Complete: completions.Add(o.Job, o.Completion); break;
                case OutcomeKind.Fail: failures.Add(o.Job, o.Failure); break;
                case OutcomeKind.Release: releases.Add(o.Job, (o.Job.Id, o.Job.Token)); break;
                default:
                    Forget(o.Job);
                    break;
            }
        }

        _prefetch.Finished(finished);
        if (stopping)
        {
            // Jobs prefetched but never started go back at once, and so does everything once shutdown is forced.
            while (_buffer.TryDequeue(out var job))
            {
                releases.Add(job, (job.Id, job.Token));
            }

            if (_forceRelease)
            {
                foreach (var job in _held.Values)
                {
                    if (!job.Sent)
                    {
                        releases.Add(job, (job.Id, job.Token));
                    }
                }
            }
        }
    }

    /// <summary>
    /// After a burst of short jobs the adaptive capacity falls to its minimum when slow ones follow. Jobs fetched for
    /// the burst and not started go back to the front of the queue, for any worker to take, rather than wait here
    /// under lease. Only at the minimum (for two windows) and beyond twice the capacity: a dip in a high rate (a pause
    /// of the process, say) must not send jobs back and forth, which cost Redis 15 % more per job at concurrency 100.
    /// With a concurrency of 150 or more the minimum capacity is half the 500 maximum, so it never applies.
    /// </summary>
    private void HandBackSurplus(int held, RoundTrip next, RoundTrip? flying)
    {
        int staying = held - next.Acks - (flying?.Acks ?? 0);
        if (!_prefetch.AtMinimum || staying <= 2 * _prefetch.Capacity)
        {
            return;
        }

        for (int surplus = staying - _prefetch.Capacity; surplus > 0 && _buffer.TryDequeue(out var job); surplus--)
        {
            next.Releases.Add(job, (job.Id, job.Token));
        }
    }

    private bool IsHeld(RunningJob job) => _held.TryGetValue(job.Id, out var current) && ReferenceEquals(current, job);

    /// <summary>Stops tracking this lease of the job — never a newer lease of the same job id.</summary>
    private void Forget(RunningJob job)
    {
        _held.TryRemove(KeyValuePair.Create(job.Id, job));
        job.Dispose();
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

/// <summary>Acknowledgements of one kind waiting to be sent, with the jobs they belong to (pump-only).</summary>
internal sealed class Pending<T>
{
    public List<T> Items { get; } = [];
    public List<RunningJob> Jobs { get; } = [];
    public int Count => Items.Count;

    public void Add(RunningJob job, T item)
    {
        job.Sent = true;
        Jobs.Add(job);
        Items.Add(item);
    }

    public void Clear()
    {
        Items.Clear();
        Jobs.Clear();
    }

    /// <summary>Takes over another list's items (whose round trip failed), to be sent again.</summary>
    public void MoveFrom(Pending<T> other)
    {
        Jobs.AddRange(other.Jobs);
        Items.AddRange(other.Items);
        other.Clear();
    }
}

/// <summary>One round trip of a pump: the acknowledgements it sends, the fetch it asks for, and their replies.</summary>
internal sealed class RoundTrip
{
    public Pending<Completion> Completions { get; } = new();
    public Pending<Failure> Failures { get; } = new();
    public Pending<(string, long)> Releases { get; } = new();
    public int Acks => Completions.Count + Failures.Count + Releases.Count;
    public int Want { get; set; }
    public bool Shutdown { get; set; }
    public long Deadline { get; set; }
    public Task<string[]>? Complete { get; set; }
    public Task<string[]>? Fail { get; set; }
    public Task<long>? Release { get; set; }
    public Task<FetchResult>? Fetch { get; set; }

    /// <summary>Ready for reuse: no acknowledgements, no calls.</summary>
    public void Reset()
    {
        Completions.Clear();
        Failures.Clear();
        Releases.Clear();
        (Want, Shutdown, Deadline) = (0, false, 0);
        (Complete, Fail, Release, Fetch) = (null, null, null, null);
    }
}
