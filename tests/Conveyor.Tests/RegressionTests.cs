using Conveyor.Testing;
using Conveyor.Storage;
using Conveyor.Tests.Testing;

namespace Conveyor.Tests;

/// <summary>Paths where a script once failed halfway or lost a request; each must leave the job in exactly one state.</summary>
public class RegressionTests(RedisFixture redis)
{
    private const string Keep = "3600000:1000";
    private readonly ConveyorClient _client = new(redis.Redis);

    [Fact]
    public async Task A_failure_reported_after_a_cancel_request_cancels_the_job()
    {
        string q = RedisFixture.UniqueQueue();
        var queue = _client.Queue(q);
        var id = (await queue.EnqueueAsync("n", 1)).Id;
        var job = (await queue.Store.FetchAsync(1, 30_000, "w")).Jobs.Single();
        Assert.Equal(CancelOutcome.Requested, await queue.CancelAsync(id));

        Assert.Empty(await queue.Store.FailAsync("w", [new Failure(id, job.Token, "", "retry", "0", Keep)]));

        Assert.Equal(JobState.Cancelled, (await queue.GetAsync(id))!.State);
        Assert.Equal(["cancelled"], (await new Probe(redis.Redis, q).Membership())[id]);
    }

    [Fact]
    public async Task A_malformed_retention_never_fails_a_script_halfway()
    {
        string q = RedisFixture.UniqueQueue();
        var queue = _client.Queue(q);
        var ids = new[] { (await queue.EnqueueAsync("n", 1)).Id, (await queue.EnqueueAsync("n", 2)).Id };
        var jobs = (await queue.Store.FetchAsync(2, 30_000, "w")).Jobs;

        Assert.Empty(await queue.Store.CompleteAsync("w", [new Completion(jobs[0].Id, jobs[0].Token, "", "-5:oops")]));
        Assert.Empty(await queue.Store.FailAsync("w", [new Failure(jobs[1].Id, jobs[1].Token, "", "dead", "failed", "")]));

        Assert.Equal(JobState.Completed, (await queue.GetAsync(ids[0]))!.State);
        Assert.Equal(JobState.Dead, (await queue.GetAsync(ids[1]))!.State);
    }

    [Fact]
    public async Task Shutdown_release_honours_a_pending_cancel()
    {
        string q = RedisFixture.UniqueQueue();
        var queue = _client.Queue(q);
        var cancelled = (await queue.EnqueueAsync("n", 1)).Id;
        var released = (await queue.EnqueueAsync("n", 2)).Id;
        var jobs = (await queue.Store.FetchAsync(2, 30_000, "w")).Jobs;
        await queue.CancelAsync(cancelled);

        Assert.Equal(1, await queue.Store.ReleaseAsync(jobs.Select(j => (j.Id, j.Token)).ToList(), Keep));

        Assert.Equal(JobState.Cancelled, (await queue.GetAsync(cancelled))!.State);
        Assert.Equal(JobState.Waiting, (await queue.GetAsync(released))!.State);
    }

    [Fact]
    public async Task Recovery_uses_the_job_own_dead_retention_and_a_zero_count_forgets_only_that_job()
    {
        string q = RedisFixture.UniqueQueue();
        var queue = _client.Queue(q);
        var kept = (await queue.EnqueueAsync("n", 1, new EnqueueOptions { Attempts = 1 })).Id;
        var job = (await queue.Store.FetchAsync(1, 30_000, "w")).Jobs.Single();
        await queue.Store.FailAsync("w", [new Failure(kept, job.Token, "", "dead", "failed", Keep)]);
        var forgotten = (await queue.EnqueueAsync("n", 2, new EnqueueOptions { Attempts = 1, KeepDead = Retention.None })).Id;
        await queue.Store.FetchAsync(1, 1, "dies");
        await Eventually.SleepAtLeast(5);

        var (_, dead, _) = await queue.Store.RecoverAsync(100, 5, 5, "3600000:1000", Keep);

        Assert.Equal(1, dead);
        Assert.Null(await queue.GetAsync(forgotten));
        Assert.Equal(JobState.Dead, (await queue.GetAsync(kept))!.State);
    }

    [Fact]
    public async Task Due_times_follow_the_redis_clock_not_a_skewed_producer_clock()
    {
        await using var skewed = new ConveyorClient(redis.Redis, new ConveyorOptions { Time = new SkewedTime(TimeSpan.FromHours(1)) });
        var queue = skewed.Queue(RedisFixture.UniqueQueue());
        var id = (await queue.EnqueueAsync("n", 1, new EnqueueOptions { Delay = TimeSpan.FromMilliseconds(300) })).Id;

        Assert.Empty((await queue.Store.FetchAsync(1, 30_000, "w")).Jobs);
        await Eventually.SleepAtLeast(350);
        Assert.Equal(id, (await queue.Store.FetchAsync(1, 30_000, "w")).Jobs.Single().Id);
    }

    private sealed class SkewedTime(TimeSpan skew) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + skew;
    }
}
