using System.Runtime.InteropServices;
using Conveyor.Diagnostics;
using Conveyor.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Conveyor.Worker;

/// <summary>
/// The worker process's lifetime, as a hosted service: on start, one pump per queue plus the lease keeper, lease
/// reaper, retention sweeper and heartbeat; on stop, a graceful shutdown — no new fetches, running jobs get
/// <see cref="ConveyorOptions.ShutdownTimeout"/> to finish, then unfinished ones go back to waiting at once.
/// </summary>
internal sealed class ConveyorWorker(ConveyorClient client, HandlerRegistry registry, IServiceProvider services, ILogger<ConveyorWorker> logger) : IHostedService
{
    private readonly CancellationTokenSource _loops = new();
    private readonly List<Task> _background = [];
    private List<QueueProcessor> _processors = [];
    private List<Task> _pumps = [];
    private SignalListener? _signals;
    private Heartbeat? _heartbeat;

    public string Id { get; } = WorkerIds.New(client.Options.WorkerName);

    internal IReadOnlyList<QueueProcessor> Processors => _processors;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var options = client.Options;
        _processors = registry.Build()
            .Select(q => new QueueProcessor(client.Queue(q.Queue).Store, q, options, services, Id, logger))
            .ToList();
        if (_processors.Count == 0)
        {
            return;
        }

        _signals = new SignalListener(client.Redis, _processors);
        await _signals.StartAsync().ConfigureAwait(false);
        _heartbeat = new Heartbeat(new WorkerDirectory(client.Runner, client.Global), Id, _processors, options, logger);
        _pumps = _processors.Select(p => Task.Run(p.RunAsync, CancellationToken.None)).ToList();
        var ct = _loops.Token;
        _background.Add(new LeaseKeeper(_processors, options, logger).RunAsync(ct));
        _background.Add(new LeaseReaper(_processors, options, logger).RunAsync(ct));
        _background.Add(new RetentionSweeper(_processors, options, logger).RunAsync(ct));
        _background.Add(_heartbeat.RunAsync(ct));
        Log.WorkerStarted(logger, Id, string.Join(", ", _processors.Select(p => $"{p.Queue} (concurrency {p.Concurrency})")));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_processors.Count == 0)
        {
            return;
        }

        foreach (var processor in _processors)
        {
            processor.BeginStop();
        }

        // A second SIGTERM or Ctrl-C while we wait means "now": hand running jobs back without waiting any longer.
        var hurry = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; hurry.TrySetResult(); });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; hurry.TrySetResult(); });
        var pumps = Task.WhenAll(_pumps);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(client.Options.ShutdownTimeout);
        await Task.WhenAny(pumps, hurry.Task, Task.Delay(Timeout.Infinite, timeout.Token)).ConfigureAwait(false);
        if (!pumps.IsCompleted)
        {
            foreach (var processor in _processors)
            {
                processor.ForceRelease();
            }

            // Renewals keep running meanwhile, so the leases of jobs being handed back cannot expire first.
            await pumps.WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
            if (!pumps.IsCompleted)
            {
                foreach (var processor in _processors)
                {
                    processor.Abort(); // Redis is unreachable: stop trying; those jobs come back when their leases expire
                }
            }
        }

        _loops.Cancel();
        await Task.WhenAll(_background).ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
        if (_signals is not null)
        {
            await _signals.StopAsync().ConfigureAwait(false);
        }

        if (_heartbeat is not null)
        {
            await _heartbeat.RemoveAsync().ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }

        Log.WorkerStopped(logger, Id, _processors.Sum(p => p.Released));
    }
}

internal static class WorkerIds
{
    /// <summary>host-pid-suffix, restricted to characters that are safe inside JSON strings and key names.</summary>
    public static string New(string? name)
    {
        string raw = name ?? $"{Environment.MachineName}-{Environment.ProcessId}-{Random.Shared.Next(0x10000):x4}";
        return new string(raw.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':' ? c : '-').ToArray());
    }
}
