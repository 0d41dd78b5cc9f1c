using Conveyor.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Conveyor.Worker;

/// <summary>The shape of every background loop: run one step, wait an interval, survive errors, stop on cancel.</summary>
internal static class Periodic
{
    public static async Task RunAsync(string name, TimeSpan interval, Func<Task> step, TimeProvider time, ILogger logger, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await step().ConfigureAwait(false);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                Log.LoopFailed(logger, e, name, interval);
            }

            try
            {
                await Task.Delay(interval, time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
