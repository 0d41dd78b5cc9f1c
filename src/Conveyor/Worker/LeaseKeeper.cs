using Conveyor.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Conveyor.Worker;

/// <summary>
/// Renews the leases of every job this process holds, one script call per queue, every third of the lease.
/// A job whose lease was lost (it expired and was recovered elsewhere, or was removed) has its handler cancelled.
/// </summary>
internal sealed class LeaseKeeper(IReadOnlyList<QueueProcessor> processors, ConveyorOptions options, ILogger logger)
{
    public Task RunAsync(CancellationToken ct) =>
        Periodic.RunAsync("lease keeper", options.Lease / 3, RenewAllAsync, options, logger, ct);

    public async Task RenewAllAsync()
    {
        foreach (var processor in processors)
        {
            var held = processor.Held.Select(j => (j.Id, j.Token)).ToList();
            if (held.Count == 0)
            {
                continue;
            }

            var tokens = held.ToDictionary(h => h.Id, h => h.Token, StringComparer.Ordinal);
            foreach (string id in await processor.Store.RenewAsync((long)options.Lease.TotalMilliseconds, held).ConfigureAwait(false))
            {
                // A job acknowledged while this renewal was in flight is reported lost too, and a job fetched again
                // meanwhile holds a newer token: only the run this renewal was about is stopped.
                if (processor.Stop(id, StopReason.LeaseLost, tokens[id]))
                {
                    Log.LeaseLost(logger, id, processor.Queue);
                }
            }
        }
    }
}
