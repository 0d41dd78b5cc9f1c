using Conveyor.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Conveyor.Worker;

/// <summary>
/// Renews the leases of every job this process holds, every third of the lease: one script call per queue, under the
/// pump's current holder (see fetch.lua), which is renewed even while it holds nothing, so only a dead or frozen
/// worker's holder expires. A job whose lease was lost (it expired and was recovered elsewhere, or was removed) has its
/// handler cancelled.
/// </summary>
internal sealed class LeaseKeeper(IReadOnlyList<QueueProcessor> processors, ConveyorOptions options, ILogger logger)
{
    public Task RunAsync(CancellationToken ct) =>
        Periodic.RunAsync("lease keeper", options.Lease / 3, RenewAllAsync, options, logger, ct);

    public async Task RenewAllAsync()
    {
        foreach (var processor in processors)
        {
            if (processor.Ended)
            {
                continue; // its holder was retired
            }

            var held = processor.Held.Select(j => (j.Id, j.Token)).ToList();
            var tokens = held.ToDictionary(h => h.Id, h => h.Token, StringComparer.Ordinal);
            foreach (string id in await processor.Store.RenewAsync((long)options.Lease.TotalMilliseconds, processor.Holder, held).ConfigureAwait(false))
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
