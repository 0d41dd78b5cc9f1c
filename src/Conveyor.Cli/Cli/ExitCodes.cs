namespace Conveyor.Cli;

/// <summary>The exit codes scripts can rely on.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;
    public const int NotFound = 3;
    public const int NoRedis = 4;
}

/// <summary>An error to print as one sentence (what went wrong, what to do) and exit with <see cref="Code"/>.</summary>
internal sealed class CliError(int code, string message) : Exception(message)
{
    public int Code { get; } = code;

    public static CliError NotFound(string message) => new(ExitCodes.NotFound, message);

    public static CliError Usage(string message) => new(ExitCodes.Usage, message);
}
