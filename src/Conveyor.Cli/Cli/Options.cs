using System.CommandLine;

namespace Conveyor.Cli;

/// <summary>Options every command shares.</summary>
internal static class GlobalOptions
{
    public static readonly Option<string?> Redis = new("--redis")
    {
        Description = "Redis to use (redis://host:port or host:port). Default: CONVEYOR_REDIS, REDIS_URL, or the store 'conveyor up' runs here.",
        Recursive = true,
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print JSON instead of tables (read commands).",
        Recursive = true,
    };
}

/// <summary>Parsing helpers shared by commands.</summary>
internal static class Parse
{
    public static TimeSpan Duration(string text, string option) =>
        Server.Api.DurationText.TryParse(text, out var d)
            ? d
            : throw CliError.Usage($"{option} must be a duration such as 250ms, 90s, 5m or 1h30m; it was '{text}'.");

    public static JobState State(string text, params JobState[] allowed) =>
        JobStates.TryParse(text, out var s) && (allowed.Length == 0 || allowed.Contains(s))
            ? s
            : throw CliError.Usage($"--state must be one of {string.Join(", ", (allowed.Length == 0 ? JobStates.All : allowed).Select(a => a.Name()))}; it was '{text}'.");
}
