using System.Globalization;
using StackExchange.Redis;

namespace Conveyor.Bench;

/// <summary>What Redis reports about itself: CPU seconds used, commands executed (script calls included), memory.</summary>
internal readonly record struct RedisStats(double CpuSeconds, long Commands, long EvalShas, long UsedMemory)
{
    public static async Task<RedisStats> ReadAsync(IConnectionMultiplexer redis)
    {
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var info = (await server.InfoAsync("all")).SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value);
        // Stores other than redis-server (Garnet) may not report CPU or per-command counts: those figures become NaN.
        double cpu = Number(info, "used_cpu_user") + Number(info, "used_cpu_sys");
        long commands = 0, evalshas = 0;
        foreach (var (key, value) in info)
        {
            if (key.StartsWith("cmdstat_", StringComparison.Ordinal))
            {
                long calls = long.Parse(value.Split(',')[0]["calls=".Length..], CultureInfo.InvariantCulture);
                commands += calls;
                if (key == "cmdstat_evalsha")
                {
                    evalshas = calls;
                }
            }
        }

        return new RedisStats(cpu, commands, evalshas, (long)Number(info, "used_memory"));
    }

    /// <summary>
    /// Waits until Redis is idle: less than 2 % of a core used in each of two 250 ms windows in a row (at most 15 s;
    /// past that it says so on stderr and the measurement goes ahead). Work Redis does in the
    /// background is counted in its CPU and takes one of the two cores: after a warm-up deletes its scratch queue,
    /// jemalloc hands the freed pages back to the OS over the next seconds, and measured at once, 100 000 bulk jobs
    /// seemed to cost Redis 2.6 µs each instead of 0.9. A store that reports no CPU (Garnet) gets a fixed 3 s.
    /// </summary>
    public static async Task SettleAsync(IConnectionMultiplexer redis)
    {
        var quiet = TimeSpan.FromMilliseconds(250);
        var giveUp = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        double cpu = (await ReadAsync(redis)).CpuSeconds;
        if (!double.IsFinite(cpu))
        {
            await Task.Delay(TimeSpan.FromSeconds(3));
            return;
        }

        int quietWindows = 0;
        while (DateTime.UtcNow < giveUp)
        {
            await Task.Delay(quiet);
            double now = (await ReadAsync(redis)).CpuSeconds;
            quietWindows = now - cpu < 0.02 * quiet.TotalSeconds ? quietWindows + 1 : 0;
            if (quietWindows == 2)
            {
                return;
            }

            cpu = now;
        }

        Console.Error.WriteLine("Redis was still busy after 15 s (another client?): measuring anyway.");
    }

    private static double Number(Dictionary<string, string> info, string name) =>
        info.TryGetValue(name, out string? value) ? double.Parse(value, CultureInfo.InvariantCulture) : double.NaN;

    public static RedisStats operator -(RedisStats a, RedisStats b) =>
        new(a.CpuSeconds - b.CpuSeconds, a.Commands - b.Commands, a.EvalShas - b.EvalShas, a.UsedMemory - b.UsedMemory);
}
