using Conveyor.Embedded;
using Conveyor.Testing;
using StackExchange.Redis;

[assembly: AssemblyFixture(typeof(Conveyor.Tests.Testing.RedisFixture))]

namespace Conveyor.Tests.Testing;

/// <summary>
/// One store for the whole test run; tests isolate themselves by unique queue names. The store is a private
/// redis-server, or — with CONVEYOR_TEST_STORE=embedded, as test.sh runs the suite a second time — Conveyor's
/// embedded Garnet store, so every integration test runs against both.
/// </summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private RedisServer? _server;
    private EmbeddedStore? _embedded;
    private string? _embeddedDirectory;

    public static bool Embedded { get; } = Environment.GetEnvironmentVariable("CONVEYOR_TEST_STORE") == "embedded";

    public ConnectionMultiplexer Redis { get; private set; } = null!;

    public string Configuration => _server?.Configuration ?? _embedded!.Configuration;

    /// <summary>The loopback port the store listens on (for a fault proxy in front of it).</summary>
    public int Port => _server?.Port ?? _embedded!.Port;

    public async ValueTask InitializeAsync()
    {
        if (Embedded)
        {
            _embeddedDirectory = Directory.CreateTempSubdirectory("conveyor-embedded-").FullName;
            _embedded = await EmbeddedStore.StartAsync(new EmbeddedStoreOptions { DataDirectory = _embeddedDirectory, Port = 0 });
        }
        else
        {
            _server = await RedisServer.StartAsync();
        }

        Redis = await ConnectionMultiplexer.ConnectAsync($"{Configuration},abortConnect=false");
    }

    public async ValueTask DisposeAsync()
    {
        await Redis.DisposeAsync();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_embedded is not null)
        {
            await _embedded.DisposeAsync();
            Directory.Delete(_embeddedDirectory!, recursive: true);
        }
    }

    public static string UniqueQueue(string hint = "q") => $"{hint}-{Guid.NewGuid():N}"[..Math.Min(hint.Length + 13, 100)];
}
