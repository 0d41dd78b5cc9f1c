using System.Text.Json;

namespace Conveyor.Cli;

/// <summary>
/// Which Redis a command talks to: <c>--redis</c>, else <c>CONVEYOR_REDIS</c>, else <c>REDIS_URL</c>, else the store a
/// running <c>conveyor up</c> announced in its data directory (<c>./.conveyor/store.json</c>).
/// </summary>
internal static class Store
{
    public const string DefaultDataDirectory = ".conveyor";

    public static string? Configured(string? option) =>
        string.IsNullOrWhiteSpace(option) ? Server.ConveyorServerHost.RedisFromEnvironment() : option;

    /// <summary>The Redis to use, or an error (exit 4) saying how to get one.</summary>
    public static string Resolve(string? option) =>
        Configured(option) ?? Running(DefaultDataDirectory)
        ?? throw new CliError(ExitCodes.NoRedis,
            $"No Redis to talk to: pass --redis redis://host:port (or set CONVEYOR_REDIS), or start the embedded store with 'conveyor up' " +
            $"in this directory (none is running here: {Path.GetFullPath(FileIn(DefaultDataDirectory))} does not name a live one).");

    public static async Task<ConveyorClient> ConnectAsync(string? option)
    {
        string redis = Resolve(option);
        var client = await ConveyorClient.ConnectAsync(redis).ConfigureAwait(false);
        if (!client.Redis.IsConnected)
        {
            // The library keeps retrying in the background (right for workers); a command should say so at once.
            await client.DisposeAsync().ConfigureAwait(false);
            throw new CliError(ExitCodes.NoRedis,
                $"Cannot reach Redis at {Server.Api.StoreAddress.Display(redis)}. Start redis-server there, pass --redis (or set CONVEYOR_REDIS) " +
                "with the address of a running one, or run 'conveyor up' in this directory for the embedded store.");
        }

        return client;
    }

    /// <summary>The address a live <c>conveyor up</c> wrote into <paramref name="dataDirectory"/>, if its process still runs.</summary>
    public static string? Running(string dataDirectory)
    {
        string file = FileIn(dataDirectory);
        if (!File.Exists(file))
        {
            return null;
        }

        try
        {
            var announced = JsonSerializer.Deserialize(File.ReadAllText(file), CliJson.Default.StoreFile);
            return announced is not null && ProcessRuns(announced.Pid) ? announced.Redis : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static void Announce(string dataDirectory, StoreFile store) =>
        File.WriteAllText(FileIn(dataDirectory), JsonSerializer.Serialize(store, CliJson.Default.StoreFile));

    public static void Withdraw(string dataDirectory) => File.Delete(FileIn(dataDirectory));

    private static string FileIn(string dataDirectory) => Path.Combine(dataDirectory, "store.json");

    private static bool ProcessRuns(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}

/// <summary>What <c>conveyor up</c> writes to <c>.conveyor/store.json</c> so other commands on the machine find its store.</summary>
internal sealed record StoreFile(string Redis, int Pid, string Urls);
