namespace Conveyor.Server.Api;

internal static class Queues
{
    /// <summary>Seconds since <paramref name="since"/> (never negative across clock skew), or null for no time.</summary>
    public static double? AgeSeconds(DateTimeOffset? since) => since is { } t ? Math.Max(0, (DateTimeOffset.UtcNow - t).TotalSeconds) : null;

    /// <summary>How many of <paramref name="workers"/> take jobs from <paramref name="queue"/>.</summary>
    public static int Serving(this IReadOnlyList<WorkerInfo> workers, string queue) => workers.Count(w => w.Concurrency.ContainsKey(queue));

    /// <summary>The queue, or a 404 naming the known queues when none of this name has ever been used.</summary>
    public static async Task<JobQueue> RequireAsync(ConveyorClient client, string name)
    {
        var queue = client.Queue(name);
        if (await client.QueueExistsAsync(queue.Name).ConfigureAwait(false))
        {
            return queue;
        }

        var known = await client.ListQueuesAsync().ConfigureAwait(false);
        throw ApiProblem.NotFound(known.Count == 0
            ? $"There is no queue '{name}': no queue has been used yet. Enqueue a job to create one."
            : $"There is no queue '{name}'. Known queues: {string.Join(", ", known.Take(20))}{(known.Count > 20 ? ", …" : "")}.");
    }
}
