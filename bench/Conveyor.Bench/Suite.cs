using System.Globalization;

namespace Conveyor.Bench;

/// <summary>Every scenario, several runs each, reported as median (min–max) in a Markdown table.</summary>
internal static class Suite
{
    public static async Task<int> RunAsync(BenchArgs a, string redis)
    {
        var plan = new List<(string Scenario, int Concurrency, int Processes, string Figure, string Target)>
        {
            ("enqueue-bulk", 0, 1, "jobs_per_s", "≥ 400 000"),
            ("enqueue-single", 0, 1, "jobs_per_s", "≥ 75 000"),
            ("process", 1, 1, "jobs_per_s", "≥ 35 000"),
            ("process", 10, 1, "jobs_per_s", "≥ 95 000"),
            ("process", 50, 1, "jobs_per_s", "≥ 100 000"),
            ("process", 100, 1, "jobs_per_s", "≥ 90 000"),
            ("process", 50, 2, "jobs_per_s", "≥ one process"),
            ("latency", 0, 1, "p99_ms", "≤ 1 ms"),
            ("memory", 0, 1, "bytes_per_waiting_job", "≤ 220"),
        };

        Console.WriteLine("| scenario | figure | median | min–max | other figures (medians) | target |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var (scenario, concurrency, processes, figure, target) in plan)
        {
            var runs = new List<Result>();
            for (int i = 0; i < a.Runs; i++)
            {
                runs.Add(await Scenarios.RunAsync(scenario, redis, a.Jobs is { } j && scenario is "process" or "enqueue-bulk" ? j : null, Math.Max(1, concurrency), processes));
            }

            var values = runs.Select(r => r.Figures[figure]).Order().ToArray();
            var others = runs[0].Figures.Keys.Where(k => k != figure)
                .Select(k => $"{k} {Format(Median(runs.Select(r => r.Figures[k]).Order().ToArray()))}");
            Console.WriteLine($"| {runs[0].Scenario} {runs[0].Config} | {figure} | {Format(Median(values))} | {Format(values[0])}–{Format(values[^1])} | {string.Join(", ", others)} | {target} |");
        }

        var idle = await Scenarios.RunAsync("idle", redis, null, 10, 10);
        Console.WriteLine($"| idle: 10 worker processes | commands_per_s | {Format(idle.Figures["commands_per_s"])} | one run | | < 20 |");
        return 0;
    }

    private static double Median(double[] sorted) => sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;

    private static string Format(double v) => v >= 1000 ? v.ToString("N0", CultureInfo.InvariantCulture) : v.ToString("0.##", CultureInfo.InvariantCulture);
}
