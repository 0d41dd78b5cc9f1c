using System.Threading.Channels;

namespace Conveyor.Server.Events;

/// <summary>
/// Fans the queues' lifecycle events out to the connected event-stream clients. It holds one Redis subscription
/// while at least one client is connected and none otherwise, so an idle server costs Redis nothing. Each client has
/// a bounded buffer that drops its oldest events when the client reads too slowly: a slow or vanished client can
/// never hold up the others or grow the server's memory.
/// </summary>
internal sealed class EventHub(ConveyorClient client) : IAsyncDisposable
{
    private const int BufferPerClient = 1000;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile Listener[] _listeners = [];
    private IAsyncDisposable? _subscription;

    public int Listeners => _listeners.Length;

    public async Task<Listener> ListenAsync(string? queue)
    {
        var listener = new Listener(this, queue, Channel.CreateBounded<QueueEvent>(new BoundedChannelOptions(BufferPerClient)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        }));
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            _subscription ??= await client.SubscribeEventsAsync(Dispatch).ConfigureAwait(false);
            _listeners = [.. _listeners, listener];
        }
        finally
        {
            _gate.Release();
        }

        return listener;
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            _listeners = [];
            await StopSubscriptionAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task RemoveAsync(Listener listener)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            _listeners = _listeners.Where(l => l != listener).ToArray();
            if (_listeners.Length == 0)
            {
                await StopSubscriptionAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task StopSubscriptionAsync()
    {
        if (_subscription is { } s)
        {
            _subscription = null;
            await s.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void Dispatch(QueueEvent e)
    {
        foreach (var listener in _listeners)
        {
            if (listener.Queue is null || listener.Queue == e.Queue)
            {
                listener.Events.Writer.TryWrite(e);
            }
        }
    }

    /// <summary>One connected client: its queue filter and its buffer. Dispose when the client goes.</summary>
    internal sealed class Listener(EventHub hub, string? queue, Channel<QueueEvent> events) : IAsyncDisposable
    {
        public string? Queue { get; } = queue;

        public Channel<QueueEvent> Events { get; } = events;

        public ValueTask DisposeAsync() => new(hub.RemoveAsync(this));
    }
}
