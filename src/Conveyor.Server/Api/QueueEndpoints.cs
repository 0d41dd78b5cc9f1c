using Microsoft.AspNetCore.Http.HttpResults;

namespace Conveyor.Server.Api;

/// <summary>Queues: list, detail, pause and resume, retry every dead job.</summary>
internal static class QueueEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/queues", ListAsync).WithSummary("Every queue with its counts per state, paused flag and live workers.");
        var queue = api.MapGroup("/queues/{queue}");
        queue.MapGet("/", GetAsync).WithSummary("A queue's counts, lifetime stats and jobs processed/failed per minute over the last hour.");
        queue.MapPost("/pause", (string queue, ConveyorClient client) => SetPausedAsync(client, queue, paused: true)).WithSummary("Stop workers taking jobs from the queue.");
        queue.MapPost("/resume", (string queue, ConveyorClient client) => SetPausedAsync(client, queue, paused: false)).WithSummary("Let workers take jobs again.");
        queue.MapPost("/dead/retry", RetryDeadAsync).WithSummary("Move every dead job back to waiting.");
    }

    private static async Task<Ok<QueueListView>> ListAsync(ConveyorClient client)
    {
        var names = await client.ListQueuesAsync().ConfigureAwait(false);
        var workers = await client.ListWorkersAsync().ConfigureAwait(false);
        var counts = await Task.WhenAll(names.Select(n => client.Queue(n).CountsAsync())).ConfigureAwait(false);
        return TypedResults.Ok(new QueueListView(names.Select((n, i) =>
            new QueueView(n, CountsView.From(counts[i]), counts[i].Paused, workers.Serving(n))).ToList()));
    }

    private static async Task<Ok<QueueDetailView>> GetAsync(string queue, ConveyorClient client, TimeProvider time)
    {
        var q = await Queues.RequireAsync(client, queue).ConfigureAwait(false);
        var counts = q.CountsAsync();
        var stats = q.StatsAsync();
        var minutes = q.ThroughputAsync();
        var workers = client.ListWorkersAsync();
        await Task.WhenAll(counts, stats, minutes, workers).ConfigureAwait(false);
        return TypedResults.Ok(new QueueDetailView(q.Name, CountsView.From(counts.Result), counts.Result.Paused,
            workers.Result.Serving(q.Name), stats.Result, LastHour(minutes.Result, time.GetUtcNow())));
    }

    private static async Task<Ok<PauseView>> SetPausedAsync(ConveyorClient client, string queue, bool paused)
    {
        var q = await Queues.RequireAsync(client, queue).ConfigureAwait(false);
        await (paused ? q.PauseAsync() : q.ResumeAsync()).ConfigureAwait(false);
        return TypedResults.Ok(new PauseView(q.Name, paused));
    }

    private static async Task<Ok<RetriedView>> RetryDeadAsync(string queue, ConveyorClient client, CancellationToken ct)
    {
        var q = await Queues.RequireAsync(client, queue).ConfigureAwait(false);
        return TypedResults.Ok(new RetriedView(await q.RetryAllDeadAsync(ct: ct).ConfigureAwait(false)));
    }

    /// <summary>Sixty minutes, oldest first, ending with the current one; minutes without jobs count zero.</summary>
    private static List<MinuteView> LastHour(IReadOnlyList<MinuteCount> minutes, DateTimeOffset now)
    {
        var byMinute = minutes.ToDictionary(m => m.Minute.ToUnixTimeSeconds() / 60);
        long current = now.ToUnixTimeSeconds() / 60;
        var hour = new List<MinuteView>(60);
        for (long m = current - 59; m <= current; m++)
        {
            var c = byMinute.GetValueOrDefault(m);
            hour.Add(new MinuteView(DateTimeOffset.FromUnixTimeSeconds(m * 60), c?.Processed ?? 0, c?.Failed ?? 0));
        }

        return hour;
    }
}
