using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using StackExchange.Redis;

namespace Conveyor.Server.Api;

/// <summary>Worker processes, and the Redis server the queues live on.</summary>
internal static class WorkerEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/workers", async (ConveyorClient client) =>
                TypedResults.Ok(new WorkerListView((await client.ListWorkersAsync().ConfigureAwait(false)).Select(WorkerView.From).ToList())))
            .WithSummary("Live worker processes: host, pid, queues with concurrency, current jobs, counts, last heartbeat.");
        api.MapGet("/redis", RedisAsync).WithSummary("The Redis server: version, memory used, round-trip time.");
    }

    private static async Task<Ok<RedisView>> RedisAsync(ConveyorClient client) =>
        TypedResults.Ok(await ReadRedisAsync(client.Redis).ConfigureAwait(false));

    internal static async Task<RedisView> ReadRedisAsync(IConnectionMultiplexer redis)
    {
        try
        {
            var db = redis.GetDatabase();
            long started = Stopwatch.GetTimestamp();
            await db.PingAsync().ConfigureAwait(false);
            double rtt = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            // INFO through the database, not IServer.InfoAsync: that one needs the connection's admin mode.
            string text;
            try
            {
                text = (await db.ExecuteAsync("INFO").ConfigureAwait(false)).ToString();
            }
            catch (RedisCommandException)
            {
                text = ""; // a connection the host application made without AllowAdmin: report what a PING tells
            }

            var info = text.Split('\n').Select(l => l.Trim().Split(':', 2)).Where(p => p.Length == 2)
                .GroupBy(p => p[0], StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First()[1], StringComparer.Ordinal);
            long memory = long.TryParse(info.GetValueOrDefault("used_memory"), NumberStyles.None, CultureInfo.InvariantCulture, out long m) ? m : 0;
            return new RedisView(info.GetValueOrDefault("redis_version") ?? info.GetValueOrDefault("garnet_version") ?? "unknown", memory,
                info.GetValueOrDefault("used_memory_human") ?? $"{memory / 1048576.0:0.0}M", Math.Round(rtt, 3));
        }
        catch (RedisException e)
        {
            throw new RedisUnavailableException($"Cannot reach Redis ({e.Message}). Check that it is running and that Conveyor:Redis points at it.", e);
        }
    }
}
