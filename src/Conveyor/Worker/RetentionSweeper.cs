using Microsoft.Extensions.Logging;

namespace Conveyor.Worker;

/// <summary>Forgets completed, dead and cancelled jobs whose retention age has passed (counts are trimmed on
/// every acknowledgement; ages need this clock). Counted in the queue's stats as expired_*.</summary>
internal sealed class RetentionSweeper(IReadOnlyList<QueueProcessor> processors, ConveyorOptions options, ILogger logger)
{
    private const int Batch = 1000;

    public Task RunAsync(CancellationToken ct) =>
        Periodic.RunAsync("retention sweeper", options.SweepInterval, SweepAllAsync, options, logger, ct);

    public async Task SweepAllAsync()
    {
        foreach (var processor in processors)
        {
            while (await processor.Store.SweepAsync(Batch).ConfigureAwait(false) > 0)
            {
            }
        }
    }
}
