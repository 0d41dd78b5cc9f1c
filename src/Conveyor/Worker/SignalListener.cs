using StackExchange.Redis;

namespace Conveyor.Worker;

/// <summary>
/// Subscribes to each served queue's signal channel: 'wake' makes the queue's pump fetch, 'cancel:ID' stops that
/// job if this process runs it. Pub/sub can drop messages while disconnected, so a restored connection wakes
/// every pump (and pumps also fetch on an idle safety interval).
/// </summary>
internal sealed class SignalListener(IConnectionMultiplexer redis, IReadOnlyList<QueueProcessor> processors)
{
    private readonly ISubscriber _subscriber = redis.GetSubscriber();

    public async Task StartAsync()
    {
        foreach (var processor in processors)
        {
            await _subscriber.SubscribeAsync(processor.Store.Keys.Signal, (_, message) => OnSignal(processor, message)).ConfigureAwait(false);
        }

        redis.ConnectionRestored += OnRestored;
    }

    public async Task StopAsync()
    {
        redis.ConnectionRestored -= OnRestored;
        foreach (var processor in processors)
        {
            await _subscriber.UnsubscribeAsync(processor.Store.Keys.Signal).ConfigureAwait(false);
        }
    }

    private static void OnSignal(QueueProcessor processor, RedisValue message)
    {
        string text = message.ToString();
        if (text == "wake")
        {
            processor.Wake();
        }
        else if (text.StartsWith("cancel:", StringComparison.Ordinal))
        {
            processor.Stop(text["cancel:".Length..], StopReason.Cancelled);
        }
    }

    private void OnRestored(object? sender, ConnectionFailedEventArgs e)
    {
        foreach (var processor in processors)
        {
            processor.Wake();
        }
    }
}
