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

    private static double Number(Dictionary<string, string> info, string name) =>
        info.TryGetValue(name, out string? value) ? double.Parse(value, CultureInfo.InvariantCulture) : double.NaN;

    public static RedisStats operator -(RedisStats a, RedisStats b) =>
        new(a.CpuSeconds - b.CpuSeconds, a.Commands - b.Commands, a.EvalShas - b.EvalShas, a.UsedMemory - b.UsedMemory);
}
