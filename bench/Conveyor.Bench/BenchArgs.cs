using System.Globalization;

namespace Conveyor.Bench;

/// <summary>Command line: SCENARIO [--redis HOST:PORT] [--jobs N] [--concurrency N] [--processes N] [--runs N] [--json].</summary>
internal sealed record BenchArgs(string Scenario, string? Redis, int? Jobs, int Concurrency, int Processes, int Runs, bool Json)
{
    public static BenchArgs Parse(string[] args)
    {
        string scenario = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "all";
        string? Value(string name)
        {
            int i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }

        int? Int(string name) => Value(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : null;
        return new BenchArgs(scenario, Value("--redis"), Int("--jobs"), Int("--concurrency") ?? 50, Int("--processes") ?? 1,
            Int("--runs") ?? 5, args.Contains("--json"));
    }
}
