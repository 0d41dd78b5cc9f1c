using Conveyor.Testing;
using Conveyor.Tests.Testing;

namespace Conveyor.Tests;

public class ShutdownTests(RedisFixture redis)
{
    [Fact]
    public async Task Stopping_lets_running_jobs_finish_and_hands_prefetched_ones_back_without_an_attempt()
    {
        string q = RedisFixture.UniqueQueue();
        int started = 0;
        using var host = await TestHost.StartAsync(redis.Redis, c => c.AddHandler<int>(q, async (_, _, _) =>
        {
            Interlocked.Increment(ref started);
            await Task.Delay(400);
        }, o => o.Concurrency = 2), o => o.Prefetch = 4);
        var queue = host.Client().Queue(q);
        await queue.EnqueueManyAsync(Enumerable.Range(0, 6).Select(i => new NewJob<int>("n", i)));
        await Eventually.True(() => Task.FromResult(Volatile.Read(ref started) == 2), "two jobs run");
        await Eventually.True(async () => (await queue.CountsAsync()).Active == 6, "six jobs are leased (two running, four prefetched)");

        await host.StopAsync();

        var counts = await queue.CountsAsync();
        Assert.Equal((2L, 4L, 0L), (counts.Completed, counts.Waiting, counts.Active));
        var waiting = await queue.ListAsync(JobState.Waiting);
        foreach (var job in waiting.Jobs)
        {
            var info = await queue.GetAsync(job.Id);
            Assert.Equal((0, 0), (info!.Attempts, info.Stalls));
        }

        Assert.Equal(0, await new Probe(redis.Redis, q).HashLength("lease"));
    }

    [Fact]
    public async Task Jobs_still_running_at_the_shutdown_timeout_go_back_to_waiting_at_once()
    {
        string q = RedisFixture.UniqueQueue();
        var running = new TaskCompletionSource();
        using var host = await TestHost.StartAsync(redis.Redis, c => c.AddHandler<int>(q, async (_, _, ct) =>
        {
            running.TrySetResult();
            await Task.Delay(TimeSpan.FromMinutes(1), ct);
        }), o =>
        {
            o.ShutdownTimeout = TimeSpan.FromMilliseconds(300);
            o.Lease = TimeSpan.FromMinutes(5);
        });
        var queue = host.Client().Queue(q);
        var id = (await queue.EnqueueAsync("n", 1)).Id;
        await running.Task.WaitAsync(TimeSpan.FromSeconds(5));

        var stopping = DateTime.UtcNow;
        await host.StopAsync();

        Assert.True(DateTime.UtcNow - stopping < TimeSpan.FromSeconds(3));
        var job = await queue.GetAsync(id);
        Assert.Equal(JobState.Waiting, job!.State);
        Assert.Equal(0, job.Attempts);
    }
}
