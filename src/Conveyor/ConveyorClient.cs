using System.Collections.Concurrent;
using Conveyor.Storage;
using StackExchange.Redis;

namespace Conveyor;

/// <summary>
/// Entry point for producers and tools: <c>client.Queue("emails")</c> enqueues and inspects one queue. Thread-safe;
/// keep one per process (it wraps one Redis connection).
/// </summary>
public sealed class ConveyorClient : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, JobQueue> _queues = new(StringComparer.Ordinal);
    private readonly bool _ownsConnection;

    /// <summary>Uses an existing connection, which the caller keeps owning.</summary>
    public ConveyorClient(IConnectionMultiplexer redis, ConveyorOptions? options = null)
        : this(redis, options ?? new ConveyorOptions(), ownsConnection: false)
    {
    }

    private ConveyorClient(IConnectionMultiplexer redis, ConveyorOptions options, bool ownsConnection)
    {
        Redis = redis;
        Options = options;
        _ownsConnection = ownsConnection;
        Runner = new ScriptRunner(redis);
        Global = new GlobalKeys(options.KeyPrefix);
    }

    /// <summary>The connection.</summary>
    public IConnectionMultiplexer Redis { get; }

    /// <summary>The settings this client uses.</summary>
    public ConveyorOptions Options { get; }

    internal ScriptRunner Runner { get; }

    internal GlobalKeys Global { get; }

    /// <summary>Connects with a StackExchange.Redis configuration string (e.g. <c>localhost:6379</c>).</summary>
    public static async Task<ConveyorClient> ConnectAsync(string configuration, ConveyorOptions? options = null)
    {
        var redis = await RedisConnection.ConnectAsync(configuration).ConfigureAwait(false);
        return new ConveyorClient(redis, options ?? new ConveyorOptions(), ownsConnection: true);
    }

    /// <summary>The queue named <paramref name="name"/> (1–100 letters, digits and <c>-_.:</c>).</summary>
    public JobQueue Queue(string name) =>
        _queues.GetOrAdd(QueueName.Validate(name), n => new JobQueue(this, new QueueKeys(Options.KeyPrefix, n)));

    /// <summary>Names of every queue that has been used, sorted.</summary>
    public async Task<IReadOnlyList<string>> ListQueuesAsync()
    {
        var members = await Runner.WithClearErrors(() => Runner.Database.SetMembersAsync(Global.Queues)).ConfigureAwait(false);
        return members.Select(m => m.ToString()).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Worker processes whose heartbeat has not expired.</summary>
    public Task<IReadOnlyList<WorkerInfo>> ListWorkersAsync() => new WorkerDirectory(Runner, Global).ListAsync();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_ownsConnection)
        {
            await Redis.CloseAsync().ConfigureAwait(false);
            Redis.Dispose();
        }
    }
}
