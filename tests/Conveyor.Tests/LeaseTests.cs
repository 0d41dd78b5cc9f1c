using System.Collections.Concurrent;
using Conveyor.Testing;
using Conveyor.Storage;
using Conveyor.Tests.Testing;
using StackExchange.Redis;

namespace Conveyor.Tests;

public class LeaseTests(RedisFixture redis)
{
    private readonly ConveyorClient _client = new(redis.Redis);

    [Fact]
    public async Task Only_the_exact_fencing_token_acknowledges_not_one_that_shares_its_digits()
    {
        string q = RedisFixture.UniqueQueue();
        var queue = _client.Queue(q);
        await queue.EnqueueManyAsync(Enumerable.Range(0, 12).Select(i => new NewJob<int>("n", i)));
        var leased = (await queue.Store.FetchAsync(12, 30_000, "w")).Jobs;
        var job = leased.Single(j => j.Token == leased.Max(l => l.Token));
        Assert.True(job.Token >= 10, $"token {job.Token} should have two digits");
        long prefix = job.Token / 10, extended = (job.Token * 10) + 1;

        Assert.Equal([job.Id], await queue.Store.CompleteAsync("w", [new Completion(job.Id, prefix, "", "60000:10")]));
        Assert.Equal([job.Id], await queue.Store.CompleteAsync("w", [new Completion(job.Id, extended, "", "60000:10")]));
        Assert.Equal(JobState.Active, (await queue.GetAsync(job.Id))!.State);
        Assert.Empty(await queue.Store.CompleteAsync("w", [new Completion(job.Id, job.Token, "", "60000:10")]));
        Assert.Equal(JobState.Completed, (await queue.GetAsync(job.Id))!.State);
    }

    [Fact]
    public async Task A_lost_lease_is_recovered_and_the_zombie_acknowledgement_is_refused()
    {
        string q = RedisFixture.UniqueQueue();
        var queue = _client.Queue(q);
        var id = (await queue.EnqueueAsync("n", 1)).Id;
        var zombie = (await queue.Store.FetchAsync(10, leaseMs: 50, "zombie")).Jobs.Single();
        Assert.Equal(JobState.Active, (await queue.GetAsync(id))!.State);

        await Eventually.SleepAtLeast(100);
        var (recovered, dead, _) = await queue.Store.RecoverAsync(100, attempts: 5, maxStalls: 3, "60000:10", "60000:10");

        Assert.Equal((1L, 0L), (recovered, dead));
        var job = await queue.GetAsync(id);
        Assert.Equal(JobState.Waiting, job!.State);
        Assert.Equal((1, 1), (job.Attempts, job.Stalls));
        Assert.Contains("zombie", Assert.Single(job.Errors).Message);

        var refused = await queue.Store.CompleteAsync("zombie", [new Completion(id, zombie.Token, "", "60000:10")]);
        Assert.Equal([id], refused);
        Assert.Equal(JobState.Waiting, (await queue.GetAsync(id))!.State);
        Assert.False(await queue.Store.ProgressAsync(id, zombie.Token, "1"));

        var second = (await queue.Store.FetchAsync(10, 30_000, "healthy")).Jobs.Single();
        Assert.True(second.Token > zombie.Token);
        Assert.Equal(1, second.Attempts);
        var lateZombie = await queue.Store.FailAsync("zombie", [new Failure(id, zombie.Token, "", "dead", "failed", "60000:10")]);
        Assert.Equal([id], lateZombie);
        Assert.Empty(await queue.Store.CompleteAsync("healthy", [new Completion(id, second.Token, "42", "60000:10")]));
        var done = await queue.GetAsync(id);
        Assert.Equal(JobState.Completed, done!.State);
        Assert.Equal("healthy", done.Worker);
        Assert.Equal(42, done.Result!.Value.GetInt32());
    }

    [Fact]
    public async Task A_completion_redis_refuses_is_not_counted_as_processed_by_the_worker()
    {
        string q = RedisFixture.UniqueQueue();
        string name = "counting-" + q;
        var gate = new TaskCompletionSource();
        using var host = await TestHost.StartAsync(redis.Redis,
            c => c.AddHandler<int>(q, async (i, _, _) =>
            {
                if (i == 0)
                {
                    await gate.Task;
                }
            }),
            o => (o.WorkerName, o.HeartbeatInterval) = (name, TimeSpan.FromMilliseconds(100)));
        var queue = host.Client().Queue(q);
        string taken = (await queue.EnqueueAsync("n", 0)).Id;
        await Eventually.True(async () => (await queue.CountsAsync()).Active == 1, "the worker runs job 0");

        // Another lease of the job, as if this one had expired and been recovered by another worker.
        var probe = new Probe(redis.Redis, q);
        string lease = (await probe.HashGet("lease", taken))!;
        await redis.Redis.GetDatabase().HashSetAsync(probe.Key("lease"), taken, "999999" + lease[lease.IndexOf('|')..]);
        gate.SetResult();
        await queue.EnqueueAsync("n", 1);

        await Eventually.True(async () => await probe.Stat("completed") == 1, "job 1 completed");
        await Eventually.True(async () => (await _client.ListWorkersAsync()).SingleOrDefault(w => w.Id == name)?.Processed >= 1, "a heartbeat counted job 1");
        await Eventually.SleepAtLeast(300); // three more heartbeats
        Assert.Equal(1, (await _client.ListWorkersAsync()).Single(w => w.Id == name).Processed);
        Assert.Equal(JobState.Active, (await queue.GetAsync(taken))!.State); // still held by the other lease
        await host.StopAsync();
    }

    [Fact]
    public async Task A_job_that_stalls_more_than_its_max_goes_dead_with_reason_stalled()
    {
        string q = RedisFixture.UniqueQueue();
        var queue = _client.Queue(q);
        var id = (await queue.EnqueueAsync("n", 1, new EnqueueOptions { MaxStalls = 1, Attempts = 10 })).Id;
        for (int i = 0; i < 2; i++)
        {
            Assert.Single((await queue.Store.FetchAsync(1, 20, "crashy")).Jobs);
            await Eventually.SleepAtLeast(40);
            await queue.Store.RecoverAsync(100, attempts: 10, maxStalls: 5, "60000:10", "60000:10");
        }

        var job = await queue.GetAsync(id);
        Assert.Equal(JobState.Dead, job!.State);
        Assert.Equal("stalled", job.Reason);
        Assert.Equal(2, job.Stalls);
        Assert.Equal(2, job.Errors.Count);
        Assert.Equal(2, await new Probe(redis.Redis, q).Stat("stalled"));
    }

    [Fact]
    public async Task A_worker_recovers_jobs_a_dead_worker_held_and_completes_them()
    {
        string q = RedisFixture.UniqueQueue();
        var queue = _client.Queue(q);
        await queue.EnqueueManyAsync(Enumerable.Range(0, 10).Select(i => new NewJob<int>("n", i)));
        Assert.Equal(10, (await queue.Store.FetchAsync(10, 300, "killed-worker")).Jobs.Length);

        using var host = await TestHost.StartAsync(redis.Redis, c => c.AddHandler<int>(q, (_, _, _) => Task.CompletedTask));
        await Eventually.True(async () => (await queue.CountsAsync()).Completed == 10, "the 10 orphaned jobs completed");
        var page = await queue.ListAsync(JobState.Completed);
        Assert.All(page.Jobs, j => Assert.Equal(JobState.Completed, j.State));
        Assert.Equal(10, await new Probe(redis.Redis, q).Stat("stalled"));
        await host.StopAsync();
    }

    [Fact]
    public async Task Running_jobs_keep_their_lease_beyond_its_length()
    {
        string q = RedisFixture.UniqueQueue();
        using var host = await TestHost.StartAsync(redis.Redis,
            c => c.AddHandler<int>(q, async (_, _, ct) => await Task.Delay(1_500, ct)),
            o => o.Lease = TimeSpan.FromMilliseconds(500));
        var queue = host.Client().Queue(q);
        var id = (await queue.EnqueueAsync("n", 1)).Id;

        await Eventually.State(queue, id, JobState.Completed);
        var job = await queue.GetAsync(id);
        Assert.Equal(0, job!.Stalls);
        Assert.Empty(job.Errors);
        await host.StopAsync();
    }

    [Fact]
    public async Task Renewal_moves_known_jobs_to_the_current_holder_and_the_old_one_expires_with_the_rest()
    {
        string q = RedisFixture.UniqueQueue();
        var queue = _client.Queue(q);
        await queue.EnqueueManyAsync(Enumerable.Range(0, 5).Select(i => new NewJob<int>("n", i)));
        var leased = (await queue.Store.FetchAsync(5, 300, "w#old")).Jobs;
        var (kept, unseen) = (leased[..2], leased[2..]); // as if the worker never saw the last three (a lost reply)
        for (int i = 0; i < 6; i++)
        {
            Assert.Empty(await queue.Store.RenewAsync(1_000, "w#new", kept.Select(j => (j.Id, j.Token)).ToList()));
            await Eventually.SleepAtLeast(100);
        }

        var (recovered, _, _) = await queue.Store.RecoverAsync(100, attempts: 5, maxStalls: 3, "60000:10", "60000:10");

        Assert.Equal(3, recovered);
        var probe = new Probe(redis.Redis, q);
        Assert.Equal(unseen.Select(j => j.Id).Order(), (await probe.WaitingIds()).Order());
        Assert.Equal(kept.Select(j => j.Id).Order(), (await probe.ActiveIds()).Order());
        Assert.Equal(["w#new"], await probe.Ids("holders"));
        Assert.EndsWith("|w#new", await probe.HashGet("lease", kept[0].Id));
        var back = await queue.GetAsync(unseen[0].Id);
        Assert.Contains("worker w ", Assert.Single(back!.Errors).Message);
        var running = await queue.GetAsync(kept[0].Id);
        Assert.Equal((JobState.Active, "w"), (running!.State, running.Worker));
        Assert.True(running.StateUntil > DateTimeOffset.UtcNow, $"lease ends {running.StateUntil}");
        Assert.Empty(await queue.Store.CompleteAsync("w", [new Completion(kept[0].Id, kept[0].Token, "", "60000:10")]));
    }

    [Fact]
    public async Task A_worker_restarted_under_the_same_name_does_not_keep_its_predecessors_jobs()
    {
        var proxy = new TcpFaultProxy(redis.Port);
        using var viaProxy = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{proxy.Port},abortConnect=false,asyncTimeout=500,syncTimeout=500");
        string q = RedisFixture.UniqueQueue();
        void Timings(ConveyorOptions o)
        {
            o.WorkerName = "same";
            o.Lease = TimeSpan.FromSeconds(1);
            o.RedisCallTimeout = TimeSpan.FromMilliseconds(500);
        }

        using var predecessor = await TestHost.StartAsync(viaProxy, c => c.AddHandler<int>(q, (_, _, ct) => Task.Delay(Timeout.Infinite, ct)), Timings);
        var queue = _client.Queue(q);
        await queue.EnqueueManyAsync(Enumerable.Range(0, 3).Select(i => new NewJob<int>("n", i)));
        await Eventually.True(async () => (await queue.CountsAsync()).Active == 3, "the first process holds the 3 jobs");
        await proxy.DisposeAsync(); // it is cut off from Redis for good: as dead, to Redis

        using var successor = await TestHost.StartAsync(redis.Redis, c => c.AddHandler<int>(q, (_, _, _) => Task.CompletedTask), Timings);
        await Eventually.True(async () => (await queue.CountsAsync()).Completed == 3, "the process that took the name ran its predecessor's jobs");
        var job = await queue.GetAsync((await queue.ListAsync(JobState.Completed)).Jobs[0].Id);
        Assert.Equal((1, "same"), (job!.Stalls, job.Worker));
        await successor.StopAsync();
        await predecessor.StopAsync();
    }

    [Fact]
    public async Task An_expired_holder_stays_until_every_one_of_its_jobs_is_taken_back()
    {
        string q = RedisFixture.UniqueQueue();
        var queue = _client.Queue(q);
        await queue.EnqueueManyAsync(Enumerable.Range(0, 5).Select(i => new NewJob<int>("n", i)));
        Assert.Equal(5, (await queue.Store.FetchAsync(5, 20, "dead")).Jobs.Length);
        await Eventually.SleepAtLeast(40);
        var probe = new Probe(redis.Redis, q);

        var taken = new List<long>();
        for (int i = 0; i < 4; i++)
        {
            taken.Add((await queue.Store.RecoverAsync(2, attempts: 5, maxStalls: 3, "60000:10", "60000:10")).Recovered);
            Assert.Equal(i < 2 ? new List<string> { "dead" } : [], await probe.Ids("holders"));
        }

        Assert.Equal([2, 2, 1, 0], taken);
        Assert.Equal(5, (await queue.CountsAsync()).Waiting);
    }

    [Fact]
    public async Task Jobs_a_fetch_leased_whose_reply_never_arrived_come_back_while_the_worker_lives()
    {
        await using var proxy = new TcpFaultProxy(redis.Port);
        using var viaProxy = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{proxy.Port},abortConnect=false,asyncTimeout=1000,syncTimeout=1000");
        string q = RedisFixture.UniqueQueue();
        var runs = new ConcurrentDictionary<int, int>();
        using var host = await TestHost.StartAsync(viaProxy,
            c => c.AddHandler<int>(q, (n, _, _) =>
            {
                runs.AddOrUpdate(n, 1, (_, r) => r + 1);
                return Task.CompletedTask;
            }),
            o =>
            {
                o.Lease = TimeSpan.FromSeconds(1);
                o.IdleFetchInterval = TimeSpan.FromMilliseconds(100);
                o.RedisCallTimeout = TimeSpan.FromMilliseconds(500);
            });
        var queue = _client.Queue(q);
        await queue.EnqueueAsync("n", 0);
        await Eventually.True(() => Task.FromResult(runs.ContainsKey(0)), "the worker ran a first job");
        await Eventually.True(async () => (await queue.CountsAsync()).Completed == 1, "the first job was acknowledged");

        proxy.MuteReplies = true; // the wake-up is lost too: the worker's idle fetch takes the jobs
        var ids = await queue.EnqueueManyAsync(Enumerable.Range(1, 10).Select(i => new NewJob<int>("n", i)));
        await Eventually.True(async () => (await queue.CountsAsync()).Active == 10, "a fetch whose reply is lost leased the 10 jobs");
        await Task.Delay(600); // the worker gives that fetch up
        proxy.MuteReplies = false;
        proxy.DropAll();

        await Eventually.True(async () => (await queue.CountsAsync()).Completed == 11, "the 10 jobs came back and completed", 20_000);
        Assert.All(Enumerable.Range(1, 10), n => Assert.Equal(1, runs[n]));
        var job = await queue.GetAsync(ids[0].Id);
        Assert.Equal(1, job!.Stalls);
        await host.StopAsync();
    }
}
