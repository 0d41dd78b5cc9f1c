using System.Diagnostics;
using Conveyor.Server.Api;
using Conveyor.Server.Security;

namespace Conveyor.Server.Health;

/// <summary>
/// <c>/health/live</c> (the process answers; always open), <c>/health/ready</c> (Redis answers a PING in time) and
/// <c>/health</c> (the full picture: Redis, queues with their backlog, live workers).
/// </summary>
internal static class HealthEndpoints
{
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(2);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/health/live", () => TypedResults.Ok(new LiveView("alive"))).WithTags("Health");
        app.MapGet("/health/ready", ReadyAsync).WithTags("Health");
        app.MapGet("/health", HealthAsync).WithTags("Health").AddEndpointFilter<RequireApiKey>().AddEndpointFilter<ProblemFilter>();
    }

    private static async Task<IResult> ReadyAsync(ConveyorClient client)
    {
        var (ok, rtt, error) = await PingAsync(client).ConfigureAwait(false);
        var view = new ReadyView(ok ? "ready" : "unavailable", new RedisHealthView(ok, rtt, error));
        return ok ? TypedResults.Ok(view) : TypedResults.Json(view, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<IResult> HealthAsync(ConveyorClient client)
    {
        var (ok, rtt, error) = await PingAsync(client).ConfigureAwait(false);
        if (!ok)
        {
            return TypedResults.Json(new HealthView("unhealthy", new RedisHealthView(false, null, error), [], 0),
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        var names = await client.ListQueuesAsync().ConfigureAwait(false);
        var workers = await client.ListWorkersAsync().ConfigureAwait(false);
        var queues = await Task.WhenAll(names.Select(async n =>
        {
            var q = client.Queue(n);
            var counts = await q.CountsAsync().ConfigureAwait(false);
            var oldest = await q.OldestWaitingAsync().ConfigureAwait(false);
            return new QueueHealthView(n, counts.Waiting + counts.Delayed, counts.Waiting, counts.Active, counts.Dead, counts.Paused,
                Queues.AgeSeconds(oldest),
                workers.Serving(n));
        })).ConfigureAwait(false);
        return TypedResults.Ok(new HealthView("healthy", new RedisHealthView(true, rtt, null), queues, workers.Count));
    }

    private static async Task<(bool Ok, double? RoundTripMs, string? Error)> PingAsync(ConveyorClient client)
    {
        try
        {
            long started = Stopwatch.GetTimestamp();
            await client.Redis.GetDatabase().PingAsync().WaitAsync(PingTimeout).ConfigureAwait(false);
            return (true, Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 3), null);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            return (false, null, $"Redis did not answer a PING within {PingTimeout.TotalSeconds:0} s ({e.Message}).");
        }
    }
}

public sealed record LiveView(string Status);

public sealed record RedisHealthView(bool Reachable, double? RoundTripMs, string? Error);

public sealed record ReadyView(string Status, RedisHealthView Redis);

public sealed record QueueHealthView(string Name, long Backlog, long Waiting, long Active, long Dead, bool Paused, double? OldestWaitingSeconds, int Workers);

public sealed record HealthView(string Status, RedisHealthView Redis, IReadOnlyList<QueueHealthView> Queues, int Workers);
