using Conveyor.Testing;
using System.Collections.Concurrent;
using System.Text.Json;
using Conveyor.Storage;
using Conveyor.Tests.Testing;
using StackExchange.Redis;

namespace Conveyor.Tests;

public class EventsAndRegistryTests(RedisFixture redis)
{
    [Fact]
    public async Task Lifecycle_events_are_published_per_queue()
    {
        string q = RedisFixture.UniqueQueue();
        var events = new ConcurrentQueue<(string Type, string[] Ids)>();
        var subscriber = redis.Redis.GetSubscriber();
        var channel = new QueueKeys("conveyor", q).Events;
        await subscriber.SubscribeAsync(channel, (_, message) =>
        {
            using var doc = JsonDocument.Parse(message.ToString());
            events.Enqueue((doc.RootElement.GetProperty("type").GetString()!,
                doc.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetString()!).ToArray()));
        });
        using var host = await TestHost.StartAsync(redis.Redis, c => c.AddHandler<int>(q, async (i, job, _) =>
        {
            await job.ReportProgressAsync(50);
            if (i == 2)
            {
                throw new InvalidOperationException("fails");
            }
        }));
        var queue = host.Client().Queue(q);
        var ok = (await queue.EnqueueAsync("n", 1)).Id;
        var bad = (await queue.EnqueueAsync("n", 2, new EnqueueOptions { Attempts = 2 })).Id;

        await Eventually.State(queue, bad, JobState.Dead);
        await Eventually.True(() => Task.FromResult(events.Any(e => e.Type == "dead")), "a dead event arrives");
        var seen = events.ToArray();
        bool Has(string type, string id) => seen.Any(e => e.Type == type && e.Ids.Contains(id));
        Assert.True(Has("enqueued", ok) && Has("active", ok) && Has("progress", ok) && Has("completed", ok));
        Assert.True(Has("failed", bad) && Has("retrying", bad) && Has("dead", bad));
        await subscriber.UnsubscribeAsync(channel);
        await host.StopAsync();
    }

    [Fact]
    public async Task A_bulk_enqueue_publishes_one_enqueued_event_per_chunk_with_every_id_in_order()
    {
        string q = RedisFixture.UniqueQueue();
        var channel = new QueueKeys("conveyor", q).Events;
        var subscriber = redis.Redis.GetSubscriber();
        var messages = await subscriber.SubscribeAsync(channel); // a queue of messages, read in the order published
        try
        {
            int n = JobQueue.BulkChunk + 3;
            var added = await new ConveyorClient(redis.Redis).Queue(q).EnqueueManyAsync(Enumerable.Range(0, n).Select(i => new NewJob<int>("n", i)));

            var events = new List<(string? Type, string[] Ids)>();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (events.Sum(e => e.Ids.Length) < n)
            {
                var message = await messages.ReadAsync(cts.Token);
                using var doc = JsonDocument.Parse(message.Message.ToString());
                events.Add((doc.RootElement.GetProperty("type").GetString(), doc.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetString()!).ToArray()));
            }

            Assert.All(events, e => Assert.Equal("enqueued", e.Type));
            Assert.Equal([JobQueue.BulkChunk, 3], events.Select(e => e.Ids.Length));
            Assert.Equal(added.Select(r => r.Id), events.SelectMany(e => e.Ids));
        }
        finally
        {
            await messages.UnsubscribeAsync();
        }
    }

    [Fact]
    public async Task A_worker_registers_itself_with_its_queues_and_current_jobs_and_leaves_on_stop()
    {
        string q = RedisFixture.UniqueQueue();
        var running = new TaskCompletionSource();
        var finish = new TaskCompletionSource();
        using var host = await TestHost.StartAsync(redis.Redis, c => c.AddHandler<int>(q, async (_, _, _) =>
        {
            running.TrySetResult();
            await finish.Task;
        }, o => o.Concurrency = 3), o => o.WorkerName = "worker-" + q);
        var client = host.Client();
        var id = (await client.Queue(q).EnqueueAsync("n", 1)).Id;
        await running.Task.WaitAsync(TimeSpan.FromSeconds(5));

        WorkerInfo? me = null;
        await Eventually.True(async () =>
        {
            me = (await client.ListWorkersAsync()).SingleOrDefault(w => w.Id == "worker-" + q);
            return me?.CurrentJobs.Count == 1;
        }, "the worker shows its running job");
        Assert.Equal(Environment.ProcessId, me!.Pid);
        Assert.Equal(3, me.Concurrency[q]);
        Assert.Equal(new WorkerJob(q, id), me.CurrentJobs[0]);
        Assert.Equal("worker-" + q, (await client.Queue(q).GetAsync(id))!.Worker);

        finish.SetResult();
        await Eventually.State(client.Queue(q), id, JobState.Completed);
        await host.StopAsync();
        Assert.DoesNotContain(await client.ListWorkersAsync(), w => w.Id == "worker-" + q);
        Assert.True(await redis.Redis.GetDatabase().SortedSetScoreAsync("conveyor:workers", "worker-" + q) is null);
    }

    [Fact]
    public async Task Throughput_is_counted_per_minute()
    {
        string q = RedisFixture.UniqueQueue();
        using var host = await TestHost.StartAsync(redis.Redis, c => c.AddHandler<int>(q, (i, _, _) => i < 0 ? throw new InvalidOperationException() : Task.CompletedTask));
        var queue = host.Client().Queue(q);
        await queue.EnqueueManyAsync(Enumerable.Range(-2, 10).Select(i => new NewJob<int>("n", i, new EnqueueOptions { Attempts = 1 })));

        await Eventually.True(async () => (await queue.CountsAsync()) is { Completed: 8, Dead: 2 }, "8 completed and 2 dead");
        var minutes = await queue.ThroughputAsync();
        Assert.Equal(8, minutes.Sum(m => m.Processed));
        Assert.Equal(2, minutes.Sum(m => m.Failed));
        Assert.True(await redis.Redis.GetDatabase().KeyTimeToLiveAsync(new QueueKeys("conveyor", q).Key("minutes")) > TimeSpan.FromMinutes(100));
        await host.StopAsync();
    }
}
