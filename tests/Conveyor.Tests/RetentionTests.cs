using Conveyor.Testing;
using Conveyor.Storage;
using Conveyor.Tests.Testing;

namespace Conveyor.Tests;

public class RetentionTests(RedisFixture redis)
{
    private readonly ConveyorClient _client = new(redis.Redis);

    [Fact]
    public async Task Completed_jobs_beyond_the_count_are_trimmed_oldest_first_and_counted()
    {
        string q = RedisFixture.UniqueQueue();
        using var host = await TestHost.StartAsync(redis.Redis, c => c.AddHandler<int>(q, (_, _, _) => Task.CompletedTask),
            o => o.KeepCompleted = new Retention(TimeSpan.FromHours(1), 5));
        var queue = host.Client().Queue(q);
        var ids = new List<string>();
        foreach (int i in Enumerable.Range(0, 20))
        {
            ids.Add((await queue.EnqueueAsync("n", i)).Id);
        }

        var probe = new Probe(redis.Redis, q);
        await Eventually.True(async () => await probe.Stat("completed") == 20, "20 jobs completed");
        Assert.Equal(5, (await queue.CountsAsync()).Completed);
        Assert.Equal(15, await probe.Stat("trimmed_completed"));
        Assert.Equal(5, await probe.HashLength("jobs"));
        Assert.Equal(5, await probe.HashLength("done"));
        Assert.Null(await queue.GetAsync(ids[0]));
        Assert.NotNull(await queue.GetAsync(ids[^1]));
        await host.StopAsync();
    }

    [Fact]
    public async Task A_job_kept_for_zero_is_forgotten_on_completion()
    {
        string q = RedisFixture.UniqueQueue();
        var queue = _client.Queue(q);
        var id = (await queue.EnqueueAsync("n", 1, new EnqueueOptions { KeepCompleted = Retention.None })).Id;
        var job = (await queue.Store.FetchAsync(1, 30_000, "w")).Jobs.Single();
        await queue.Store.CompleteAsync("w", [new Completion(id, job.Token, "", Retention.None.Encode())]);

        Assert.Null(await queue.GetAsync(id));
        var probe = new Probe(redis.Redis, q);
        Assert.Empty(await probe.Membership());
        Assert.Equal(1, await probe.Stat("completed"));
    }

    [Fact]
    public async Task The_per_job_retention_overrides_the_worker_default()
    {
        string q = RedisFixture.UniqueQueue();
        using var host = await TestHost.StartAsync(redis.Redis, c => c.AddHandler<int>(q, (_, _, _) => throw new InvalidOperationException("x")));
        var queue = host.Client().Queue(q);
        var id = (await queue.EnqueueAsync("n", 1, new EnqueueOptions { Attempts = 1, KeepDead = Retention.None })).Id;

        await Eventually.True(async () => await new Probe(redis.Redis, q).Stat("dead") == 1, "the job died");
        Assert.Null(await queue.GetAsync(id));
        await host.StopAsync();
    }

    [Fact]
    public async Task Finished_jobs_past_their_age_are_swept_and_counted()
    {
        string q = RedisFixture.UniqueQueue();
        var queue = _client.Queue(q);
        for (int i = 0; i < 3; i++)
        {
            await queue.EnqueueAsync("n", i);
        }

        var jobs = (await queue.Store.FetchAsync(3, 30_000, "w")).Jobs;
        await queue.Store.CompleteAsync("w", [new Completion(jobs[0].Id, jobs[0].Token, "", "1:100"), new Completion(jobs[1].Id, jobs[1].Token, "", "1:100")]);
        await queue.Store.CompleteAsync("w", [new Completion(jobs[2].Id, jobs[2].Token, "", "3600000:100")]);
        await Eventually.SleepAtLeast(20);

        Assert.Equal(2, await queue.Store.SweepAsync(100));
        var probe = new Probe(redis.Redis, q);
        Assert.Equal([jobs[2].Id], await probe.Ids("completed"));
        Assert.Equal(1, await probe.HashLength("jobs"));
        Assert.Equal(2, await probe.Stat("expired_completed"));
    }

    [Fact]
    public async Task One_acknowledgement_may_carry_results_and_different_retentions()
    {
        // Completions without results and with one retention travel in a shorter form; a result or a second
        // retention in the same call switches it to the full one.
        string q = RedisFixture.UniqueQueue();
        var queue = _client.Queue(q);
        await queue.EnqueueManyAsync(Enumerable.Range(0, 4).Select(i => new NewJob<int>("n", i)));
        var jobs = (await queue.Store.FetchAsync(4, 30_000, "w")).Jobs;

        Assert.Empty(await queue.Store.CompleteAsync("w",
        [
            new Completion(jobs[0].Id, jobs[0].Token, "42", "3600000:100"),
            new Completion(jobs[1].Id, jobs[1].Token, "", "0:0"),
        ]));
        Assert.Empty(await queue.Store.CompleteAsync("w", [new Completion(jobs[2].Id, jobs[2].Token, "", "3600000:100"), new Completion(jobs[3].Id, jobs[3].Token, "", "3600000:100")]));

        Assert.Equal(42, (await queue.GetAsync(jobs[0].Id))!.Result!.Value.GetInt32());
        Assert.Null(await queue.GetAsync(jobs[1].Id)); // retention 0: forgotten at once
        Assert.Equal(JobState.Completed, (await queue.GetAsync(jobs[3].Id))!.State);
        Assert.Null((await queue.GetAsync(jobs[3].Id))!.Result);
        Assert.Equal(3, (await queue.CountsAsync()).Completed);
    }
}
