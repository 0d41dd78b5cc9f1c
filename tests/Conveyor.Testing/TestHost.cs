using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Conveyor.Testing;

/// <summary>Starts a real Generic Host running Conveyor workers against the test Redis, with short timings.</summary>
public static class TestHost
{
    public static async Task<IHost> StartAsync(IConnectionMultiplexer redis, Action<ConveyorBuilder> handlers, Action<ConveyorOptions>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(redis);
        var conveyor = builder.Services.AddConveyor(o =>
        {
            o.Lease = TimeSpan.FromSeconds(2);
            o.RecoveryInterval = TimeSpan.FromMilliseconds(200);
            o.HeartbeatInterval = TimeSpan.FromMilliseconds(200);
            o.ShutdownTimeout = TimeSpan.FromSeconds(2);
            o.AbandonGrace = TimeSpan.FromMilliseconds(500);
            o.Backoff = Backoff.Fixed(TimeSpan.FromMilliseconds(50));
            configure?.Invoke(o);
        });
        handlers(conveyor);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    public static ConveyorClient Client(this IHost host) => host.Services.GetRequiredService<ConveyorClient>();
}

public static class Eventually
{
    /// <summary>Waits until <paramref name="condition"/> holds, failing with <paramref name="what"/> after the timeout.</summary>
    public static async Task True(Func<Task<bool>> condition, string what, int timeoutMs = 10_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"Timed out after {timeoutMs} ms waiting until {what}.");
    }

    /// <summary>Task.Delay may return a few milliseconds early here; leases are measured on the server's clock.</summary>
    public static async Task SleepAtLeast(int ms)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed.TotalMilliseconds < ms)
        {
            await Task.Delay(1);
        }
    }

    public static Task State(JobQueue queue, string id, JobState state, int timeoutMs = 10_000) =>
        True(async () => (await queue.GetAsync(id))?.State == state, $"job {id} is {state.Name()}", timeoutMs);
}
