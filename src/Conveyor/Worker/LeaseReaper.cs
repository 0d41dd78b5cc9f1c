using Conveyor.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Conveyor.Worker;

/// <summary>
/// Takes back jobs whose lease expired — their worker was killed, lost its network or froze — in every queue
/// this process serves. Any live process does it; the script makes concurrent reapers harmless.
/// </summary>
internal sealed class LeaseReaper(IReadOnlyList<QueueProcessor> processors, ConveyorOptions options, ILogger logger)
{
    private const int Batch = 1000;

    public Task RunAsync(CancellationToken ct) =>
        Periodic.RunAsync("lease reaper", options.RecoveryInterval, ReapAllAsync, options, logger, ct);

    public async Task ReapAllAsync()
    {
        foreach (var processor in processors)
        {
            while (true)
            {
                var (recovered, dead, cancelled) = await processor.Store.RecoverAsync(Batch, options.Attempts, options.MaxStalls,
                    options.KeepDead.Encode(), options.KeepCancelled.Encode()).ConfigureAwait(false);
                long total = recovered + dead + cancelled;
                if (total > 0)
                {
                    Log.Recovered(logger, total, dead, processor.Queue);
                }

                if (total < Batch)
                {
                    break;
                }
            }
        }
    }
}
