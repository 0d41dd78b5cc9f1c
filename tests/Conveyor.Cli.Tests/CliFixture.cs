using System.Diagnostics;
using Conveyor.Testing;
using StackExchange.Redis;

[assembly: AssemblyFixture(typeof(Conveyor.Cli.Tests.CliFixture))]

namespace Conveyor.Cli.Tests;

/// <summary>A private redis-server; every test runs the real <c>conveyor</c> program as a process against it.</summary>
public sealed class CliFixture : IAsyncLifetime
{
    private RedisServer _redis = null!;

    public string Redis => _redis.Configuration;

    public ConveyorClient Client { get; private set; } = null!;

    public ConnectionMultiplexer Connection { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        Connection = await ConnectionMultiplexer.ConnectAsync($"{Redis},abortConnect=false");
        Client = new ConveyorClient(Connection);
    }

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        await _redis.DisposeAsync();
    }

    public static string UniqueQueue(string hint = "q") => $"{hint}-{Guid.NewGuid():N}"[..(hint.Length + 9)];

    /// <summary>Runs <c>conveyor ARGS</c> against the test Redis (unless <paramref name="redis"/> says otherwise) and waits for it.</summary>
    public Task<CliResult> RunAsync(params string[] args) => Conveyor.RunAsync(args, new() { ["CONVEYOR_REDIS"] = Redis });
}

public sealed record CliResult(int ExitCode, string Out, string Err);

/// <summary>The conveyor program as a child process.</summary>
public static class Conveyor
{
    public static string Dll { get; } = Path.Combine(AppContext.BaseDirectory, "Conveyor.Cli.dll");

    public static Process Start(IEnumerable<string> args, Dictionary<string, string?>? env = null, string? cwd = null)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        start.ArgumentList.Add(Dll);
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment.Remove("CONVEYOR_REDIS");
        start.Environment.Remove("REDIS_URL");
        foreach (var (k, v) in env ?? [])
        {
            start.Environment[k] = v;
        }

        if (cwd is not null)
        {
            start.WorkingDirectory = cwd;
        }

        return Process.Start(start)!;
    }

    public static async Task<CliResult> RunAsync(IEnumerable<string> args, Dictionary<string, string?>? env = null, string? cwd = null, int timeoutMs = 60_000)
    {
        using var process = Start(args, env, cwd);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeoutMs);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"conveyor {string.Join(' ', args)} did not exit within {timeoutMs} ms. Output: {await output} {await error}");
        }

        return new CliResult(process.ExitCode, await output, await error);
    }

    /// <summary>SIGTERM, as systemd or Ctrl-C in a terminal would send (a background test process ignores SIGINT).</summary>
    public static void Terminate(Process process) => Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
}
