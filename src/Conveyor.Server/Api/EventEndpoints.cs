using System.Text;
using Conveyor.Server.Events;

namespace Conveyor.Server.Api;

/// <summary><c>GET /api/events?queue=</c>: the queues' lifecycle and progress events as Server-Sent Events.</summary>
internal static class EventEndpoints
{
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/events", StreamAsync).WithSummary("Lifecycle and progress events as Server-Sent Events; 'ready' once subscribed.");

    private static async Task StreamAsync(HttpContext context, EventHub hub, IHostApplicationLifetime lifetime, string? queue)
    {
        if (queue is not null)
        {
            QueueName.Validate(queue);
        }

        // A graceful shutdown does not abort open requests: end the stream then too, or it holds the host up.
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var ct = ended.Token;
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // nginx: pass events through as they come
        await using var listener = await hub.ListenAsync(queue).ConfigureAwait(false);
        try
        {
            await WriteAsync(response, "event: ready\ndata: {}\n\n", ct).ConfigureAwait(false);
            var reader = listener.Events.Reader;
            while (!ct.IsCancellationRequested)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                wait.CancelAfter(KeepAlive);
                bool ready;
                try
                {
                    ready = await reader.WaitToReadAsync(wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    await WriteAsync(response, ": keep-alive\n\n", ct).ConfigureAwait(false);
                    continue;
                }

                if (!ready)
                {
                    break;
                }

                var text = new StringBuilder();
                while (reader.TryRead(out var e))
                {
                    // The published message is {"type":...}; the client also needs the queue, so it goes first.
                    text.Append("event: ").Append(e.Type).Append("\ndata: {\"queue\":\"").Append(e.Queue).Append("\",")
                        .Append(e.Json.AsSpan(1)).Append("\n\n");
                }

                await WriteAsync(response, text.ToString(), ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away: nothing to clean up beyond the listener.
        }
    }

    private static async Task WriteAsync(HttpResponse response, string text, CancellationToken ct)
    {
        await response.WriteAsync(text, ct).ConfigureAwait(false);
        await response.Body.FlushAsync(ct).ConfigureAwait(false);
    }
}
