using Conveyor.Testing;
using System.Collections.Concurrent;
using Conveyor.Tests.Testing;

namespace Conveyor.Tests;

public class SchedulingTests(RedisFixture redis)
{
    private readonly ConveyorClient _client = new(redis.Redis);

    [Fact]
    public async Task Higher_priority_is_fetched_first_and_equal_priority_stays_fifo()
    {
        string q = RedisFixture.UniqueQueue();
        var queue = _client.Queue(q);
        var plan = new[] { ("low-1", -5), ("normal-1", 0), ("high-1", 10), ("normal-2", 0), ("top-1", 1000), ("high-2", 10), ("low-2", -5), ("normal-3", 0) };
        foreach (var (id, priority) in plan)
        {
            await queue.EnqueueAsync("n", 0, new EnqueueOptions { Id = id, Priority = priority });
        }

        var waiting = await queue.ListAsync(JobState.Waiting);
        var order = new List<string>();
        for (int i = 0; i < plan.Length; i++)
        {
            order.AddRange((await queue.Store.FetchAsync(1, 30_000, "w")).Jobs.Select(j => j.Id));
        }

        string[] expected = ["top-1", "high-1", "high-2", "normal-1", "normal-2", "normal-3", "low-1", "low-2"];
        Assert.Equal(expected, order);
        Assert.Equal(expected, waiting.Jobs.Select(j => j.Id));
        Assert.Equal(10, (await queue.GetAsync("high-1"))!.Priority);
    }

    [Fact]
    public async Task A_batch_fetch_takes_priorities_across_the_list_and_the_set()
    {
        var queue = _client.Queue(RedisFixture.UniqueQueue());
        await queue.EnqueueAsync("n", 0, new EnqueueOptions { Id = "n1" });
        await queue.EnqueueAsync("n", 0, new EnqueueOptions { Id = "l1", Priority = -1 });
        await queue.EnqueueAsync("n", 0, new EnqueueOptions { Id = "h1", Priority = 1 });
        var fetched = (await queue.Store.FetchAsync(10, 30_000, "w")).Jobs.Select(j => j.Id);
        Assert.Equal(["h1", "n1", "l1"], fetched);
    }

    [Fact]
    public async Task Delayed_jobs_run_on_time_without_polling()
    {
        string q = RedisFixture.UniqueQueue();
        var started = new ConcurrentDictionary<string, DateTimeOffset>();
        using var host = await TestHost.StartAsync(redis.Redis,
            c => c.AddHandler<int>(q, (_, job, _) => { started[job.Id] = DateTimeOffset.UtcNow; return Task.CompletedTask; }),
            o => o.IdleFetchInterval = TimeSpan.FromMinutes(10));
        var queue = host.Client().Queue(q);
        await Task.Delay(200); // the worker is idle, waiting on its signal

        var enqueued = DateTimeOffset.UtcNow;
        var late = (await queue.EnqueueAsync("n", 1, new EnqueueOptions { Delay = TimeSpan.FromMilliseconds(1_500) })).Id;
        var early = (await queue.EnqueueAsync("n", 2, new EnqueueOptions { Delay = TimeSpan.FromMilliseconds(700) })).Id;
        var at = (await queue.EnqueueAsync("n", 3, new EnqueueOptions { RunAt = DateTimeOffset.UtcNow.AddMilliseconds(1_000) })).Id;

        await Eventually.State(queue, late, JobState.Completed, 5_000);
        await Eventually.State(queue, at, JobState.Completed, 5_000);
        Assert.InRange((started[early] - enqueued).TotalMilliseconds, 690, 1_700);
        Assert.InRange((started[at] - enqueued).TotalMilliseconds, 990, 2_000);
        Assert.InRange((started[late] - enqueued).TotalMilliseconds, 1_490, 2_500);
        await host.StopAsync();
    }

    [Fact]
    public async Task An_idle_worker_picks_up_a_new_job_at_once()
    {
        string q = RedisFixture.UniqueQueue();
        var started = new TaskCompletionSource<DateTimeOffset>();
        using var host = await TestHost.StartAsync(redis.Redis,
            c => c.AddHandler<int>(q, (_, _, _) => { started.TrySetResult(DateTimeOffset.UtcNow); return Task.CompletedTask; }),
            o => o.IdleFetchInterval = TimeSpan.FromMinutes(10));
        var queue = host.Client().Queue(q);
        await queue.CountsAsync();
        await Task.Delay(300);

        var sent = DateTimeOffset.UtcNow;
        await queue.EnqueueAsync("n", 1);
        var at = await started.Task.WaitAsync(TimeSpan.FromSeconds(5));
        // Generous on a shared 2-core machine; the benchmark measures the real latency.
        Assert.True(at - sent < TimeSpan.FromMilliseconds(500), $"picked up after {(at - sent).TotalMilliseconds} ms");
        await host.StopAsync();
    }

    [Fact]
    public async Task Pause_stops_fetching_and_resume_wakes_the_worker()
    {
        string q = RedisFixture.UniqueQueue();
        int runs = 0;
        using var host = await TestHost.StartAsync(redis.Redis,
            c => c.AddHandler<int>(q, (_, _, _) => { Interlocked.Increment(ref runs); return Task.CompletedTask; }),
            o => o.IdleFetchInterval = TimeSpan.FromMinutes(10));
        var queue = host.Client().Queue(q);
        await queue.PauseAsync();
        var id = (await queue.EnqueueAsync("n", 1)).Id;

        await Task.Delay(700);
        Assert.Equal(0, runs);
        var counts = await queue.CountsAsync();
        Assert.True(counts.Paused);
        Assert.Equal(1, counts.Waiting);

        await queue.ResumeAsync();
        await Eventually.State(queue, id, JobState.Completed, 3_000);
        Assert.False((await queue.CountsAsync()).Paused);
        await host.StopAsync();
    }
}
