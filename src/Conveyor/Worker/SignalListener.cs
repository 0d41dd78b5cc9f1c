using StackExchange.Redis;

namespace Conveyor.Worker;

/// <summary>
/// Subscribes to each served queue's signal channel: 'wake' makes the queue's pumps fetch, 'cancel:ID' stops that
/// job if this process runs it. Pub/sub can drop messages while disconnected, so a restored connection wakes
/// every pump (and pumps also fetch on an idle safety interval).
/// </summary>
internal sealed class SignalListener(IConnectionMultiplexer redis, IReadOnlyList<QueueProcessor> processors)
{
    private readonly ISubscriber _subscriber = redis.GetSubscriber();
    private readonly IReadOnlyList<QueueProcessor[]> _queues = processors.GroupBy(p => p.Queue).Select(q => q.ToArray()).ToList();

    public async Task StartAsync()
    {
        foreach (var pumps in _queues)
        {
            await _subscriber.SubscribeAsync(pumps[0].Store.Keys.Signal, (_, message) => OnSignal(pumps, message)).ConfigureAwait(false);
        }

        redis.ConnectionRestored += OnRestored;
    }

    public async Task StopAsync()
    {
        redis.ConnectionRestored -= OnRestored;
        foreach (var pumps in _queues)
        {
            await _subscriber.UnsubscribeAsync(pumps[0].Store.Keys.Signal).ConfigureAwait(false);
        }
    }

    private static void OnSignal(QueueProcessor[] pumps, RedisValue message)
    {
        string text = message.ToString();
        foreach (var pump in pumps)
        {
            if (text == "wake")
            {
                pump.Wake();
            }
            else if (text.StartsWith("cancel:", StringComparison.Ordinal))
            {
                pump.Stop(text["cancel:".Length..], StopReason.Cancelled);
            }
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
