using Conveyor.Testing;
using Conveyor.Tests.Testing;

namespace Conveyor.Tests;

public class AdminTests(RedisFixture redis)
{
    private readonly ConveyorClient _client = new(redis.Redis);

    [Fact]
    public async Task Cancelling_waiting_and_delayed_jobs_removes_them_from_the_queue()
    {
        string q = RedisFixture.UniqueQueue();
        var queue = _client.Queue(q);
        var waiting = (await queue.EnqueueAsync("n", 1)).Id;
        var delayed = (await queue.EnqueueAsync("n", 2, new EnqueueOptions { Delay = TimeSpan.FromHours(1) })).Id;
        var prioritized = (await queue.EnqueueAsync("n", 3, new EnqueueOptions { Priority = 5 })).Id;

        Assert.Equal(CancelOutcome.Cancelled, await queue.CancelAsync(waiting));
        Assert.Equal(CancelOutcome.Cancelled, await queue.CancelAsync(delayed));
        Assert.Equal(CancelOutcome.Cancelled, await queue.CancelAsync(prioritized));
        Assert.Equal(CancelOutcome.AlreadyFinished, await queue.CancelAsync(waiting));
        Assert.Equal(CancelOutcome.NotFound, await queue.CancelAsync("nope"));

        var probe = new Probe(redis.Redis, q);
        Assert.Empty(await probe.WaitingIds());
        Assert.Empty(await probe.Ids("delayed"));
        Assert.Equal(3, (await probe.Ids("cancelled")).Count);
        Assert.Equal("cancelled", (await queue.GetAsync(waiting))!.Reason);
        Assert.Empty((await queue.Store.FetchAsync(10, 1000, "w")).Jobs);
    }

    [Fact]
    public async Task Cancelling_a_running_job_stops_its_handler_and_it_ends_cancelled_not_retried()
    {
        string q = RedisFixture.UniqueQueue();
        var running = new TaskCompletionSource();
        var observed = new TaskCompletionSource<bool>();
        using var host = await TestHost.StartAsync(redis.Redis, c => c.AddHandler<int>(q, async (_, _, ct) =>
        {
            running.TrySetResult();
            try
            {
                await Task.Delay(TimeSpan.FromMinutes(1), ct);
            }
            catch (OperationCanceledException)
            {
                observed.TrySetResult(true);
                throw;
            }
        }));
        var queue = host.Client().Queue(q);
        var id = (await queue.EnqueueAsync("n", 1, new EnqueueOptions { Attempts = 5 })).Id;
        await running.Task.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(CancelOutcome.Requested, await queue.CancelAsync(id));
        Assert.True(await observed.Task.WaitAsync(TimeSpan.FromSeconds(2)));
        await Eventually.State(queue, id, JobState.Cancelled, 3_000);
        var job = await queue.GetAsync(id);
        Assert.Equal(0, job!.Attempts);
        Assert.Empty(job.Errors);
        Assert.Equal(1, await new Probe(redis.Redis, q).Stat("cancelled"));
        await host.StopAsync();
    }

    [Fact]
    public async Task Remove_deletes_the_job_and_everything_stored_about_it()
    {
        string q = RedisFixture.UniqueQueue();
        var queue = _client.Queue(q);
        var id = (await queue.EnqueueAsync("n", 1, new EnqueueOptions { Priority = 3 })).Id;
        var leased = (await queue.Store.FetchAsync(1, 30_000, "w")).Jobs.Single();
        await queue.Store.ProgressAsync(id, leased.Token, "50");

        Assert.True(await queue.RemoveAsync(id));
        Assert.False(await queue.RemoveAsync(id));
        Assert.Null(await queue.GetAsync(id));
        var probe = new Probe(redis.Redis, q);
        Assert.Empty(await probe.Membership());
        foreach (string hash in new[] { "jobs", "lease", "progress", "priority" })
        {
            Assert.Equal(0, await probe.HashLength(hash));
        }

        Assert.Equal([id], await queue.Store.CompleteAsync("w", [new Storage.Completion(id, leased.Token, "", "1000:10")]));
    }

    [Fact]
    public async Task Retry_moves_a_dead_job_back_to_waiting_with_fresh_attempts_and_kept_errors()
    {
        string q = RedisFixture.UniqueQueue();
        var queue = _client.Queue(q);
        var id = await MakeDeadAsync(queue);

        Assert.Equal(RetryOutcome.Retried, await queue.RetryAsync(id));
        Assert.Equal(RetryOutcome.NotRetryable, await queue.RetryAsync(id));
        Assert.Equal(RetryOutcome.NotFound, await queue.RetryAsync("missing"));
        var job = await queue.GetAsync(id);
        Assert.Equal(JobState.Waiting, job!.State);
        Assert.Equal(0, job.Attempts);
        Assert.Single(job.Errors);
    }

    [Fact]
    public async Task Retry_all_dead_and_purge_work_in_batches_and_report_counts()
    {
        string q = RedisFixture.UniqueQueue();
        var queue = _client.Queue(q);
        for (int i = 0; i < 1_200; i++)
        {
            await queue.EnqueueAsync("n", i, new EnqueueOptions { Attempts = 1 });
        }

        while ((await queue.CountsAsync()).Waiting > 0)
        {
            var jobs = (await queue.Store.FetchAsync(500, 30_000, "w")).Jobs;
            await queue.Store.FailAsync("w", jobs.Select(j => new Storage.Failure(j.Id, j.Token, "", "dead", "failed", "600000:100000")).ToList());
        }

        Assert.Equal(1_200, (await queue.CountsAsync()).Dead);
        var reported = new List<long>();
        Assert.Equal(1_200, await queue.RetryAllDeadAsync(new SyncProgress(reported)));
        Assert.Equal(1_200, reported.Last());
        var counts = await queue.CountsAsync();
        Assert.Equal((1_200L, 0L), (counts.Waiting, counts.Dead));

        var done = (await queue.Store.FetchAsync(1000, 30_000, "w")).Jobs.Concat((await queue.Store.FetchAsync(1000, 30_000, "w")).Jobs).ToList();
        await queue.Store.CompleteAsync("w", done.Select(j => new Storage.Completion(j.Id, j.Token, "", "600000:100000")).ToList());
        Assert.Equal(1_200, (await queue.CountsAsync()).Completed);
        Assert.Equal(1_200, await queue.PurgeAsync(JobState.Completed));
        Assert.Empty(await new Probe(redis.Redis, q).Membership());
        await Assert.ThrowsAsync<InvalidJobException>(() => queue.PurgeAsync(JobState.Waiting));
    }

    [Fact]
    public async Task Listing_pages_through_finished_jobs_newest_first()
    {
        var queue = _client.Queue(RedisFixture.UniqueQueue());
        var ids = new List<string>();
        for (int i = 0; i < 7; i++)
        {
            var id = (await queue.EnqueueAsync("n", i)).Id;
            var job = (await queue.Store.FetchAsync(1, 30_000, "w")).Jobs.Single();
            await queue.Store.CompleteAsync("w", [new Storage.Completion(job.Id, job.Token, "", "60000:100")]);
            ids.Add(id);
            await Task.Delay(2);
        }

        var first = await queue.ListAsync(JobState.Completed, limit: 3);
        var second = await queue.ListAsync(JobState.Completed, first.NextCursor, 3);
        var third = await queue.ListAsync(JobState.Completed, second.NextCursor, 3);
        var listed = first.Jobs.Concat(second.Jobs).Concat(third.Jobs).Select(j => j.Id).ToList();
        Assert.Equal(Enumerable.Reverse(ids), listed);
        Assert.Null(third.NextCursor);
        await Assert.ThrowsAsync<InvalidJobException>(() => queue.ListAsync(JobState.Dead, limit: 501));
        await Assert.ThrowsAsync<InvalidJobException>(() => queue.ListAsync(JobState.Dead, "garbage"));
    }

    private static async Task<string> MakeDeadAsync(JobQueue queue)
    {
        var id = (await queue.EnqueueAsync("n", 1)).Id;
        var job = (await queue.Store.FetchAsync(1, 30_000, "w")).Jobs.Single();
        string error = """{"attempt":1,"at":0,"type":"E","message":"bad"}""";
        await queue.Store.FailAsync("w", [new Storage.Failure(id, job.Token, error, "dead", "failed", "60000:10")]);
        Assert.Equal(JobState.Dead, (await queue.GetAsync(id))!.State);
        return id;
    }

    private sealed class SyncProgress(List<long> values) : IProgress<long>
    {
        public void Report(long value) => values.Add(value);
    }
}
