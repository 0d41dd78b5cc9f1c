using Conveyor.Storage;

namespace Conveyor.Worker;

/// <summary>Why a worker stopped a job's handler before it returned.</summary>
internal enum StopReason
{
    None,
    Timeout,
    Cancelled,
    LeaseLost,
    Shutdown,
}

/// <summary>A job this process holds a lease on, from fetch until its outcome is acknowledged.</summary>
internal sealed class RunningJob(LeasedJob lease)
{
    private readonly CancellationTokenSource _cts = new();
    private TaskCompletionSource? _abandon;
    private int _reason;

    public LeasedJob Lease => lease;
    public string Id => lease.Id;
    public long Token => lease.Token;
    public CancellationToken Cancellation => _cts.Token;
    public StopReason Reason => (StopReason)Volatile.Read(ref _reason);
    public bool Started { get; set; }

    /// <summary>When the pump put it in the buffer (<see cref="System.Diagnostics.Stopwatch"/> ticks).</summary>
    public long BufferedAt { get; init; }

    /// <summary>Its outcome is in a batch on its way to Redis (pump-only).</summary>
    public bool Sent { get; set; }

    /// <summary>Completes <see cref="ConveyorOptions.AbandonGrace"/> after the job was stopped.</summary>
    public Task Abandoned => LazyInitializer.EnsureInitialized(ref _abandon, () => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>Cancels the handler's token; the first reason given wins.</summary>
    public void Stop(StopReason reason, TimeSpan grace, TimeProvider time)
    {
        if (Interlocked.CompareExchange(ref _reason, (int)reason, (int)StopReason.None) != (int)StopReason.None)
        {
            return;
        }

        _ = _cts.CancelAsync();
        _ = AbandonAfter(grace, time);
    }

    public void Dispose() => _cts.Dispose();

    private async Task AbandonAfter(TimeSpan grace, TimeProvider time)
    {
        await Task.Delay(grace, time).ConfigureAwait(false);
        LazyInitializer.EnsureInitialized(ref _abandon, () => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }
}
