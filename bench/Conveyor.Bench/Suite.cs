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
            int? jobs = a.Jobs is { } j && scenario is "process" or "enqueue-bulk" ? j : null;
            Task<Result> Run(int processCount) => Scenarios.RunAsync(scenario, redis, jobs, Math.Max(1, concurrency), processCount);
            if (processes == 2)
            {
                await CompareWithOneProcessAsync(a.Runs, Run, figure, target);
                continue;
            }

            var runs = new List<Result>();
            for (int i = 0; i < a.Runs; i++)
            {
                runs.Add(await Run(processes));
            }

            PrintRow(runs, figure, target);
        }

        var idle = await Scenarios.RunAsync("idle", redis, null, 10, 10);
        Console.WriteLine($"| idle: 10 worker processes | commands_per_s | {Format(idle.Figures["commands_per_s"])} | one run | | < 20 |");
        return 0;
    }

    /// <summary>
    /// Two processes against one, run in alternation (one pair per run, the order swapped every pair), so that both
    /// sides share the same minutes: measured minutes apart, the machine's load decided the comparison as often as
    /// the code did.
    /// </summary>
    private static async Task CompareWithOneProcessAsync(int pairs, Func<int, Task<Result>> run, string figure, string target)
    {
        var one = new List<Result>();
        var two = new List<Result>();
        for (int i = 0; i < pairs; i++)
        {
            foreach (int processes in i % 2 == 0 ? [1, 2] : (int[])[2, 1])
            {
                (processes == 1 ? one : two).Add(await run(processes));
            }
        }

        int won = one.Zip(two).Count(p => p.Second.Figures[figure] >= p.First.Figures[figure]);
        PrintRow(one, figure, "(runs alternating with the next row's)");
        PrintRow(two, figure, $"{target}: {won} of {pairs} pairs");
    }

    private static void PrintRow(List<Result> runs, string figure, string target)
    {
        var values = runs.Select(r => r.Figures[figure]).Order().ToArray();
        var others = runs[0].Figures.Keys.Where(k => k != figure)
            .Select(k => $"{k} {Format(Median(runs.Select(r => r.Figures[k]).Order().ToArray()))}");
        Console.WriteLine($"| {runs[0].Scenario} {runs[0].Config} | {figure} | {Format(Median(values))} | {Format(values[0])}–{Format(values[^1])} | {string.Join(", ", others)} | {target} |");
    }

    private static double Median(double[] sorted) => sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;

    private static string Format(double v) => v >= 1000 ? v.ToString("N0", CultureInfo.InvariantCulture) : v.ToString("0.##", CultureInfo.InvariantCulture);
}
