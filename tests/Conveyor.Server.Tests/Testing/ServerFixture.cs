using Conveyor.Testing;
using StackExchange.Redis;

[assembly: AssemblyFixture(typeof(Conveyor.Server.Tests.Testing.ServerFixture))]

namespace Conveyor.Server.Tests.Testing;

/// <summary>One private redis-server for the run; every test uses its own queue names and its own HTTP server.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private RedisServer _redis = null!;

    public ConnectionMultiplexer Redis { get; private set; } = null!;

    public string Configuration => _redis.Configuration;

    public async ValueTask InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        Redis = await ConnectionMultiplexer.ConnectAsync($"{Configuration},abortConnect=false,allowAdmin=true");
    }

    public async ValueTask DisposeAsync()
    {
        await Redis.DisposeAsync();
        await _redis.DisposeAsync();
    }

    public static string UniqueQueue(string hint = "q") => $"{hint}-{Guid.NewGuid():N}"[..(hint.Length + 13)];
}
