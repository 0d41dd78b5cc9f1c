using Conveyor.Storage;
using Conveyor.Testing;
using System.Collections.Concurrent;
using Conveyor.Tests.Testing;

namespace Conveyor.Tests;

public class WorkerTests(RedisFixture redis)
{
    public sealed record Sum(int A, int B);

    public sealed class SumHandler : IJobHandler<Sum, int>
    {
        public Task<int> HandleAsync(Sum data, JobContext job, CancellationToken ct) => Task.FromResult(data.A + data.B);
    }

    [Fact]
    public async Task A_class_handler_runs_the_job_and_its_result_is_stored()
    {
        string q = RedisFixture.UniqueQueue();
        using var host = await TestHost.StartAsync(redis.Redis, c => c.AddHandler<SumHandler>(q));
        var queue = host.Client().Queue(q);
        var id = (await queue.EnqueueAsync("sum", new Sum(2, 3))).Id;

        await Eventually.State(queue, id, JobState.Completed);
        var job = await queue.GetAsync(id);
        Assert.Equal(5, job!.Result!.Value.GetInt32());
        Assert.NotNull(job.StartedAt);
        Assert.NotNull(job.FinishedAt);
        Assert.False(string.IsNullOrEmpty(job.Worker));
        var probe = new Probe(redis.Redis, q);
        Assert.False(await probe.HashHas("lease", id));
        Assert.Empty(await probe.ActiveIds());
        Assert.Equal(1, await probe.Stat("completed"));
        await host.StopAsync();
    }

    [Fact]
    public async Task A_completed_job_keeps_the_start_time_of_its_lease_and_older_records_still_read()
    {
        string q = RedisFixture.UniqueQueue();
        var queue = new ConveyorClient(redis.Redis).Queue(q);
        string[] ids = [(await queue.EnqueueAsync("n", 1)).Id, (await queue.EnqueueAsync("n", 2)).Id];
        var leased = (await queue.Store.FetchAsync(2, 30_000, "w#1a2b")).Jobs;
        var probe = new Probe(redis.Redis, q);
        long started = long.Parse((await probe.HashGet("lease", ids[0]))!.Split('|')[1]);
        await Task.Delay(5);
        Assert.Empty(await queue.Store.CompleteAsync("w", [new Completion(ids[0], leased[0].Token, "", "60000:10")]));
        Assert.Empty(await queue.Store.CompleteAsync("w", [new Completion(ids[1], leased[1].Token, "{\"ok\":true}", "60000:10")]));

        foreach (string id in ids)
        {
            var job = (await queue.GetAsync(id))!;
            Assert.Equal((JobState.Completed, "w", started), (job.State, job.Worker, job.StartedAt!.Value.ToUnixTimeMilliseconds()));
            Assert.True(job.FinishedAt > job.StartedAt, $"finished {job.FinishedAt:O}, started {job.StartedAt:O}");
        }

        Assert.True((await queue.GetAsync(ids[1]))!.Result!.Value.GetProperty("ok").GetBoolean());

        // A record written before completions kept their lease in it.
        await redis.Redis.GetDatabase().HashSetAsync(probe.Key("done"), ids[0], "{\"finished\":1763900000500,\"worker\":\"old\",\"started\":1763900000000}");
        var old = (await queue.GetAsync(ids[0]))!;
        Assert.Equal((1763900000000, 1763900000500, "old"), (old.StartedAt!.Value.ToUnixTimeMilliseconds(), old.FinishedAt!.Value.ToUnixTimeMilliseconds(), old.Worker));
    }

    [Fact]
    public async Task Many_jobs_at_concurrency_complete_exactly_once_each()
    {
        string q = RedisFixture.UniqueQueue();
        var runs = new ConcurrentDictionary<int, int>();
        int maxParallel = 0, parallel = 0;
        using var host = await TestHost.StartAsync(redis.Redis, c => c.AddHandler<int>(q, async (i, job, ct) =>
        {
            int now = Interlocked.Increment(ref parallel);
            InterlockedMax(ref maxParallel, now);
            runs.AddOrUpdate(i, 1, (_, n) => n + 1);
            await Task.Delay(1, ct);
            Interlocked.Decrement(ref parallel);
        }, o => o.Concurrency = 8));
        var queue = host.Client().Queue(q);
        await queue.EnqueueManyAsync(Enumerable.Range(0, 2_000).Select(i => new NewJob<int>("n", i)));

        await Eventually.True(async () => (await queue.CountsAsync()).Completed == 2_000, "2000 jobs completed", 30_000);
        Assert.Equal(2_000, runs.Count);
        Assert.All(runs.Values, n => Assert.Equal(1, n));
        Assert.InRange(maxParallel, 2, 8);
        var counts = await queue.CountsAsync();
        Assert.Equal((0L, 0L, 0L), (counts.Waiting, counts.Active, counts.Dead));
        await host.StopAsync();
    }

    [Fact]
    public async Task Handlers_are_chosen_by_job_name_and_an_unknown_name_goes_dead_listing_known_names()
    {
        string q = RedisFixture.UniqueQueue();
        var seen = new ConcurrentBag<string>();
        using var host = await TestHost.StartAsync(redis.Redis, c => c
            .AddHandler<int>(q, (_, job, _) => { seen.Add("a:" + job.Name); return Task.CompletedTask; }, o => o.JobName = "job.a")
            .AddHandler<int>(q, (_, job, _) => { seen.Add("b:" + job.Name); return Task.CompletedTask; }, o => o.JobName = "job.b"));
        var queue = host.Client().Queue(q);
        var a = (await queue.EnqueueAsync("job.a", 1)).Id;
        var b = (await queue.EnqueueAsync("job.b", 1)).Id;
        var unknown = (await queue.EnqueueAsync("job.c", 1)).Id;

        await Eventually.State(queue, unknown, JobState.Dead);
        await Eventually.State(queue, a, JobState.Completed);
        await Eventually.State(queue, b, JobState.Completed);
        Assert.Equal(["a:job.a", "b:job.b"], seen.Order());
        var dead = await queue.GetAsync(unknown);
        Assert.Equal("no-handler", dead!.Reason);
        var error = Assert.Single(dead.Errors);
        Assert.Contains("job.c", error.Message);
        Assert.Contains("job.a, job.b", error.Message);
        await host.StopAsync();
    }

    [Fact]
    public void An_envelope_whose_name_is_null_reads_as_no_name_after_names_were_read()
    {
        // The last name read is kept for reuse; a foreign producer's null name must not trip over it.
        Assert.Equal("job.a", Envelope.Read("{\"name\":\"job.a\",\"data\":1,\"created\":1}"u8.ToArray()).Name);
        Assert.Equal("", Envelope.Read("{\"name\":null,\"data\":1,\"created\":1}"u8.ToArray()).Name);
        Assert.Equal("job.b", Envelope.Read("{\"name\":\"job.b\",\"data\":1,\"created\":1}"u8.ToArray()).Name);
    }

    [Fact]
    public void An_envelope_written_after_a_payload_failed_to_serialize_is_whole()
    {
        // The JSON writer is reused per thread; one abandoned mid-object must not leak into the next envelope.
        var json = new System.Text.Json.JsonSerializerOptions();
        Assert.Equal("job.0", Envelope.Read(Envelope.Write("job.0", 0, 0, null, null, json)).Name);
        Assert.Throws<InvalidOperationException>(() => Envelope.Write("job.a", new Unserializable(), 1, null, null, json));
        var envelope = Envelope.Read(Envelope.Write("job.b", new[] { 7 }, 2, null, "00-trace", json));
        Assert.Equal(("job.b", "[7]", 2L, "00-trace"), (envelope.Name, System.Text.Encoding.UTF8.GetString(envelope.Data.Span), envelope.Created, envelope.Trace));
    }

    private sealed class Unserializable
    {
        public int Before => 1;

        public int Fails => throw new InvalidOperationException("this payload cannot be serialized");
    }

    [Fact]
    public async Task A_failing_job_is_retried_with_backoff_then_dead_with_every_error_kept()
    {
        string q = RedisFixture.UniqueQueue();
        var starts = new ConcurrentQueue<DateTimeOffset>();
        using var host = await TestHost.StartAsync(redis.Redis, c => c.AddHandler<int>(q, (_, job, _) =>
        {
            starts.Enqueue(DateTimeOffset.UtcNow);
            throw new InvalidOperationException($"boom {job.Attempt}");
        }));
        var queue = host.Client().Queue(q);
        var id = (await queue.EnqueueAsync("n", 1, new EnqueueOptions { Attempts = 3, Backoff = Backoff.Fixed(TimeSpan.FromMilliseconds(300)) })).Id;

        await Eventually.State(queue, id, JobState.Dead);
        var job = await queue.GetAsync(id);
        Assert.Equal(3, job!.Attempts);
        Assert.Equal("failed", job.Reason);
        Assert.Equal(["boom 1", "boom 2", "boom 3"], job.Errors.Select(e => e.Message));
        Assert.Equal([1, 2, 3], job.Errors.Select(e => e.Attempt));
        Assert.All(job.Errors, e => Assert.Contains("InvalidOperationException", e.Stack));
        Assert.Equal(typeof(InvalidOperationException).FullName, job.Errors[0].Type);
        var times = starts.ToArray();
        Assert.Equal(3, times.Length);
        Assert.True(times[1] - times[0] >= TimeSpan.FromMilliseconds(280), $"second attempt came {(times[1] - times[0]).TotalMilliseconds} ms after the first");
        Assert.True(times[2] - times[1] >= TimeSpan.FromMilliseconds(280));
        var probe = new Probe(redis.Redis, q);
        Assert.Equal(3, await probe.Stat("failed"));
        Assert.Equal(2, await probe.Stat("retried"));
        Assert.Equal(1, await probe.Stat("dead"));
        await host.StopAsync();
    }

    [Fact]
    public async Task A_job_that_fails_once_then_succeeds_completes_with_its_error_kept()
    {
        string q = RedisFixture.UniqueQueue();
        using var host = await TestHost.StartAsync(redis.Redis, c => c.AddHandler<int>(q, (_, job, _) =>
            job.Attempt == 1 ? throw new TimeoutException("flaky") : Task.CompletedTask));
        var queue = host.Client().Queue(q);
        var id = (await queue.EnqueueAsync("n", 1)).Id;

        await Eventually.State(queue, id, JobState.Completed);
        var job = await queue.GetAsync(id);
        Assert.Equal("flaky", Assert.Single(job!.Errors).Message);
        Assert.Equal(1, job.Attempts);
        await host.StopAsync();
    }

    [Fact]
    public async Task Exponential_backoff_doubles_and_custom_backoff_is_looked_up_by_name()
    {
        var exp = Backoff.Exponential(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), jitter: 0);
        Assert.Equal([1, 2, 4, 5, 5], Enumerable.Range(1, 5).Select(n => exp.DelayAfter(n, () => 0).TotalSeconds));
        var jittered = Backoff.Exponential(TimeSpan.FromSeconds(10), jitter: 0.5);
        Assert.Equal(5, jittered.DelayAfter(1, () => 1).TotalSeconds);

        string q = RedisFixture.UniqueQueue();
        var used = new ConcurrentQueue<int>();
        using var host = await TestHost.StartAsync(redis.Redis,
            c => c.AddHandler<int>(q, (_, _, _) => throw new InvalidOperationException("no")),
            o => o.Backoffs["linear"] = (n, _) => { used.Enqueue(n); return TimeSpan.FromMilliseconds(10 * n); });
        var queue = host.Client().Queue(q);
        var id = (await queue.EnqueueAsync("n", 1, new EnqueueOptions { Attempts = 3, Backoff = Backoff.Custom("linear") })).Id;

        await Eventually.State(queue, id, JobState.Dead);
        Assert.Equal([1, 2], used);
        await host.StopAsync();
    }

    [Fact]
    public async Task A_timeout_cancels_the_handler_and_fails_the_attempt()
    {
        string q = RedisFixture.UniqueQueue();
        using var host = await TestHost.StartAsync(redis.Redis, c => c.AddHandler<int>(q, async (_, _, ct) => await Task.Delay(TimeSpan.FromMinutes(1), ct)));
        var queue = host.Client().Queue(q);
        var id = (await queue.EnqueueAsync("n", 1, new EnqueueOptions { Attempts = 1, Timeout = TimeSpan.FromMilliseconds(200) })).Id;

        await Eventually.State(queue, id, JobState.Dead);
        var job = await queue.GetAsync(id);
        Assert.Equal("timeout", job!.Reason);
        Assert.Equal(typeof(TimeoutException).FullName, Assert.Single(job.Errors).Type);
        await host.StopAsync();
    }

    [Fact]
    public async Task A_handler_that_ignores_its_token_is_abandoned_after_the_grace_period()
    {
        string q = RedisFixture.UniqueQueue();
        var release = new TaskCompletionSource();
        using var host = await TestHost.StartAsync(redis.Redis, c => c.AddHandler<int>(q, (_, _, _) => release.Task));
        var queue = host.Client().Queue(q);
        var id = (await queue.EnqueueAsync("n", 1, new EnqueueOptions { Attempts = 1, Timeout = TimeSpan.FromMilliseconds(100) })).Id;

        await Eventually.State(queue, id, JobState.Dead, 5_000);
        Assert.Equal("timeout", (await queue.GetAsync(id))!.Reason);
        release.SetResult();
        await host.StopAsync();
    }

    [Fact]
    public async Task Progress_and_log_lines_are_stored_while_the_job_runs()
    {
        string q = RedisFixture.UniqueQueue();
        var proceed = new TaskCompletionSource();
        using var host = await TestHost.StartAsync(redis.Redis, c => c.AddHandler<int>(q, async (_, job, _) =>
        {
            Assert.True(await job.ReportProgressAsync(new { percent = 40 }));
            for (int i = 0; i < 5; i++)
            {
                Assert.True(await job.LogAsync($"line {i}"));
            }

            await proceed.Task;
        }), o => o.MaxLogLines = 3);
        var queue = host.Client().Queue(q);
        var id = (await queue.EnqueueAsync("n", 1)).Id;

        await Eventually.True(async () => (await queue.GetAsync(id))?.Log.Count == 3, "three log lines are kept");
        var running = await queue.GetAsync(id);
        Assert.Equal(JobState.Active, running!.State);
        Assert.Equal(40, running.Progress!.Value.GetProperty("percent").GetInt32());
        Assert.Equal(["line 2", "line 3", "line 4"], running.Log.Select(l => l.Text));
        proceed.SetResult();
        await Eventually.State(queue, id, JobState.Completed);
        await host.StopAsync();
    }

    [Fact]
    public async Task Handlers_that_block_before_their_first_await_still_run_in_parallel()
    {
        // The pump starts a runner or two as jobs arrive; the third blocked handler's job is started by the stall check
        // (the oldest buffered job waited 2 ms with a slot free). Otherwise it would wait for a handler to return:
        // here each one blocks until all three are in (or 10 s pass, time for the thread pool to add threads).
        string q = RedisFixture.UniqueQueue();
        using var allIn = new CountdownEvent(3);
        var met = new ConcurrentBag<bool>();
        using var host = await TestHost.StartAsync(redis.Redis, c => c.AddHandler<int>(q, (_, _, _) =>
        {
            allIn.Signal();
            met.Add(allIn.Wait(TimeSpan.FromSeconds(10))); // synchronous, blocking code before any await
            return Task.CompletedTask;
        }, o => o.Concurrency = 3), o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));
        var queue = host.Client().Queue(q);
        await queue.EnqueueManyAsync(Enumerable.Range(0, 3).Select(i => new NewJob<int>("n", i)));

        await Eventually.True(async () => (await queue.CountsAsync()).Completed == 3, "3 jobs completed", 30_000);
        Assert.Equal([true, true, true], met.ToArray());
        await host.StopAsync();
    }

    [Fact]
    public async Task Short_jobs_at_concurrency_one_are_acknowledged_in_batches()
    {
        string q = RedisFixture.UniqueQueue();
        int acknowledgements = 0, parallel = 0, maxParallel = 0;
        var subscriber = redis.Redis.GetSubscriber();
        var channel = new QueueKeys("conveyor", q).Events;
        await subscriber.SubscribeAsync(channel, (_, message) =>
        {
            if (message.ToString().StartsWith("{\"type\":\"completed\"", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref acknowledgements); // one event per acknowledging script call
            }
        });
        using var host = await TestHost.StartAsync(redis.Redis, c => c.AddHandler<int>(q, (_, _, _) =>
        {
            InterlockedMax(ref maxParallel, Interlocked.Increment(ref parallel));
            Interlocked.Decrement(ref parallel);
            return Task.CompletedTask;
        }, o => o.Concurrency = 1));
        var queue = host.Client().Queue(q);
        await queue.EnqueueManyAsync(Enumerable.Range(0, 3_000).Select(i => new NewJob<int>("n", i)));

        await Eventually.True(async () => (await queue.CountsAsync()).Completed == 3_000, "3000 jobs completed", 30_000);
        await host.StopAsync();
        await subscriber.UnsubscribeAsync(channel);
        Assert.Equal(1, maxParallel);
        // One job per round trip would take 3000 acknowledgements; the prefetch follows the rate, so it takes far fewer.
        Assert.InRange(acknowledgements, 1, 600);
    }

    [Fact]
    public async Task A_wake_up_that_arrives_while_a_round_trip_is_in_flight_is_not_lost()
    {
        // Each job is enqueued the moment the previous one's completion is published: its wake-up signal reaches the
        // worker while the pump's round trip (which acknowledged that job and fetched again) is still in flight. A
        // pump that spends the signal then finds no room to fetch leaves the job to the idle safety net (10 min here).
        string q = RedisFixture.UniqueQueue();
        const int jobs = 300;
        int enqueued = 1;
        using var host = await TestHost.StartAsync(redis.Redis, c => c.AddHandler<int>(q, (_, _, _) => Task.CompletedTask, o => o.Concurrency = 1),
            o => o.IdleFetchInterval = TimeSpan.FromMinutes(10));
        var queue = host.Client().Queue(q);
        var subscriber = redis.Redis.GetSubscriber();
        var channel = new QueueKeys("conveyor", q).Events;
        await subscriber.SubscribeAsync(channel, (_, message) =>
        {
            int next;
            if (message.ToString().StartsWith("{\"type\":\"completed\"", StringComparison.Ordinal) && (next = Interlocked.Increment(ref enqueued)) <= jobs)
            {
                queue.EnqueueAsync("n", next).ContinueWith(static t => t.Exception, TaskScheduler.Default);
            }
        });
        await queue.EnqueueAsync("n", 1);

        await Eventually.True(async () => (await queue.CountsAsync()).Completed == jobs, $"{jobs} jobs enqueued one after another completed", 30_000);
        await subscriber.UnsubscribeAsync(channel);
        await host.StopAsync();
    }

    [Fact]
    public async Task Slow_jobs_are_not_prefetched_beyond_the_minimum()
    {
        string q = RedisFixture.UniqueQueue();
        int maxActive = 0;
        using var host = await TestHost.StartAsync(redis.Redis, c => c.AddHandler<int>(q, async (_, _, ct) => await Task.Delay(40, ct),
            o => o.Concurrency = 1));
        var queue = host.Client().Queue(q);
        await queue.EnqueueManyAsync(Enumerable.Range(0, 25).Select(i => new NewJob<int>("n", i)));

        await Eventually.True(async () =>
        {
            var counts = await queue.CountsAsync();
            maxActive = Math.Max(maxActive, (int)counts.Active);
            return counts.Completed == 25;
        }, "25 jobs completed", 30_000);
        await host.StopAsync();
        // Concurrency 1 holds one running and one prefetched job: the other 23 stay waiting for any worker to take.
        Assert.InRange(maxActive, 1, 2);
    }

    [Fact]
    public async Task Jobs_prefetched_for_a_burst_of_short_ones_go_back_when_slow_ones_follow()
    {
        string q = RedisFixture.UniqueQueue();
        const int fast = 3_000, slow = 100;
        using var host = await TestHost.StartAsync(redis.Redis, c => c.AddHandler<int>(q, async (i, _, ct) =>
        {
            if (i >= fast)
            {
                await Task.Delay(40, ct);
            }
        }, o => o.Concurrency = 1));
        var queue = host.Client().Queue(q);
        await queue.EnqueueManyAsync(Enumerable.Range(0, fast + slow).Select(i => new NewJob<int>("n", i)));

        await Eventually.True(async () => (await queue.CountsAsync()).Completed >= fast, "the short jobs completed", 30_000);
        // The burst raised the prefetch to hundreds, so this worker leased most of the slow jobs with the last short
        // ones. Once the rate falls it keeps one running and one prefetched, and the rest wait for any worker.
        await Eventually.True(async () => (await queue.CountsAsync()) is { Active: <= 2, Waiting: >= slow / 2 },
            "the slow jobs beyond one running and one prefetched were handed back", 3_000);
        await host.StopAsync();
    }

    [Fact]
    public async Task Synchronous_handlers_of_a_millisecond_each_still_run_up_to_the_concurrency()
    {
        // Each handler starts well within 2 ms of the last, so a check for "no job started lately" would never add a
        // runner; runners are added while buffered jobs wait with slots free (by the pump as outcomes come in, and by
        // the stall check when the oldest has waited 2 ms).
        string q = RedisFixture.UniqueQueue();
        int parallel = 0, maxParallel = 0;
        using var host = await TestHost.StartAsync(redis.Redis, c => c.AddHandler<int>(q, (_, _, _) =>
        {
            InterlockedMax(ref maxParallel, Interlocked.Increment(ref parallel));
            Thread.Sleep(1); // a short synchronous call: a driver without async, a CPU-bound step
            Interlocked.Decrement(ref parallel);
            return Task.CompletedTask;
        }, o => o.Concurrency = 4));
        var queue = host.Client().Queue(q);
        await queue.EnqueueManyAsync(Enumerable.Range(0, 1_000).Select(i => new NewJob<int>("n", i)));

        await Eventually.True(async () => (await queue.CountsAsync()).Completed == 1_000, "1000 jobs completed", 60_000);
        await host.StopAsync();
        Assert.True(maxParallel >= 2, $"at most {maxParallel} handler ran at once with concurrency 4");
    }

    [Fact]
    public async Task Invalid_worker_options_fail_at_start_naming_the_setting()
    {
        var e = await Assert.ThrowsAnyAsync<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            TestHost.StartAsync(redis.Redis, c => c.AddHandler<int>("q", (_, _, _) => Task.CompletedTask), o => o.Lease = TimeSpan.FromMilliseconds(10)));
        Assert.Contains("Conveyor:Lease must be 200 ms to 1 h; it was 00:00:00.0100000", e.Message);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
