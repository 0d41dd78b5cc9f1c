using Conveyor.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Conveyor.Worker;

/// <summary>The shape of every background loop: run one step, wait an interval, survive errors, stop on cancel.</summary>
internal static class Periodic
{
    public static async Task RunAsync(string name, TimeSpan interval, Func<Task> step, ConveyorOptions options, ILogger logger, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                // Bounded, so a call that never answers cannot stop the loop for good.
                await step().WaitAsync(options.RedisCallTimeout * 3, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                Log.LoopFailed(logger, e, name, interval);
            }

            try
            {
                await Task.Delay(interval, options.Time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
