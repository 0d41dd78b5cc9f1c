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

    /// <summary>Whether a queue of this name has been used (enqueued to, or served by a worker).</summary>
    public Task<bool> QueueExistsAsync(string name) =>
        Runner.WithClearErrors(() => Runner.Database.SetContainsAsync(Global.Queues, QueueName.Validate(name)));

    /// <summary>
    /// Calls <paramref name="handler"/> with every lifecycle event of every queue (enqueued, active, completed, failed,
    /// retrying, dead, cancelled, stalled, removed, progress) until the returned handle is disposed. Events are
    /// published per batch and are not stored: a subscriber sees those published while it is subscribed.
    /// The handler runs on Redis's message thread: keep it short.
    /// </summary>
    public async Task<IAsyncDisposable> SubscribeEventsAsync(Action<QueueEvent> handler)
    {
        var subscriber = Redis.GetSubscriber();
        var channel = RedisChannel.Pattern(Global.EventsPattern);
        Action<RedisChannel, RedisValue> onMessage = (ch, message) =>
        {
            if (QueueEvent.TryParse(ch.ToString(), message.ToString(), out var e))
            {
                handler(e);
            }
        };
        await Runner.WithClearErrors(async () =>
        {
            await subscriber.SubscribeAsync(channel, onMessage).ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
        return new Subscription(() => subscriber.UnsubscribeAsync(channel, onMessage));
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

/// <summary>
/// A lifecycle event: <see cref="Json"/> is the message as published, <c>{"type":"completed","ids":["…"]}</c>, with a
/// <c>"progress"</c> field on progress events.
/// </summary>
public sealed record QueueEvent(string Queue, string Type, string Json)
{
    private const string TypePrefix = "{\"type\":\"";

    internal static bool TryParse(string channel, string json, out QueueEvent e)
    {
        e = null!;
        int open = channel.IndexOf('{', StringComparison.Ordinal);
        int close = channel.LastIndexOf("}:", StringComparison.Ordinal);
        if (open < 0 || close <= open || !json.StartsWith(TypePrefix, StringComparison.Ordinal))
        {
            return false;
        }

        int typeEnd = json.IndexOf('"', TypePrefix.Length);
        if (typeEnd < 0)
        {
            return false;
        }

        e = new QueueEvent(channel[(open + 1)..close], json[TypePrefix.Length..typeEnd], json);
        return true;
    }
}

internal sealed class Subscription(Func<Task> unsubscribe) : IAsyncDisposable
{
    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await unsubscribe().ConfigureAwait(false);
        }
    }
}
