using Conveyor.Testing;
using StackExchange.Redis;

[assembly: AssemblyFixture(typeof(Conveyor.Tests.Testing.RedisFixture))]

namespace Conveyor.Tests.Testing;

/// <summary>One redis-server for the whole test run; tests isolate themselves by unique queue names.</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private RedisServer? _server;

    public ConnectionMultiplexer Redis { get; private set; } = null!;

    public RedisServer Server => _server!;

    public async ValueTask InitializeAsync()
    {
        _server = await RedisServer.StartAsync();
        Redis = await _server.ConnectAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Redis.DisposeAsync();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    public static string UniqueQueue(string hint = "q") => $"{hint}-{Guid.NewGuid():N}"[..Math.Min(hint.Length + 13, 100)];
}
