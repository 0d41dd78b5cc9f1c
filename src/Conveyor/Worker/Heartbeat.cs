using Microsoft.Extensions.Logging;

namespace Conveyor.Worker;

/// <summary>Keeps this process's entry in the worker registry fresh; it expires after three missed beats.</summary>
internal sealed class Heartbeat(WorkerDirectory directory, string workerId, IReadOnlyList<QueueProcessor> processors, ConveyorOptions options, ILogger logger)
{
    private readonly DateTimeOffset _started = options.Time.GetUtcNow();

    public Task RunAsync(CancellationToken ct) =>
        Periodic.RunAsync("heartbeat", options.HeartbeatInterval, BeatAsync, options, logger, ct);

    public async Task BeatAsync()
    {
        await directory.BeatAsync(Snapshot(), options.HeartbeatInterval * 3).ConfigureAwait(false);
        await ReportDurationsAsync().ConfigureAwait(false);
    }

    /// <summary>Leaves the registry on shutdown, reporting the last run times first.</summary>
    public async Task RemoveAsync()
    {
        // Best effort and brief: with Redis away, shutdown must not wait a timeout per queue for metrics.
        await ReportDurationsAsync().WaitAsync(TimeSpan.FromSeconds(2)).ContinueWith(static t => _ = t.Exception, TaskScheduler.Default).ConfigureAwait(false);
        await directory.RemoveAsync(workerId).ConfigureAwait(false);
    }

    /// <summary>
    /// Adds each queue's run times since the last report to its shared histogram. A failed write loses them rather
    /// than risk adding them twice (its increments are not atomic): they are metrics, at most one beat's worth.
    /// </summary>
    private Task ReportDurationsAsync() =>
        Task.WhenAll(processors.Select(p => p.Durations.TakeDelta() is { } delta ? p.Store.AddDurationsAsync(delta.Counts, delta.SumMicros) : Task.CompletedTask));

    private WorkerInfo Snapshot() => new(
        workerId,
        Environment.MachineName,
        Environment.ProcessId,
        processors.ToDictionary(p => p.Queue, p => p.Concurrency, StringComparer.Ordinal),
        _started,
        options.Time.GetUtcNow(),
        processors.Sum(p => p.Processed),
        processors.Sum(p => p.Failed),
        processors.SelectMany(p => p.Held.Where(j => j.Started).Select(j => new WorkerJob(p.Queue, j.Id))).ToList());
}
