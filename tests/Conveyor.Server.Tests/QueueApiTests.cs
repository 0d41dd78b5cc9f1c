using System.Text.Json;
using Conveyor.Server.Tests.Testing;
using Conveyor.Testing;
using Microsoft.Extensions.Hosting;

namespace Conveyor.Server.Tests;

public sealed class QueueApiTests(ServerFixture redis)
{
    [Fact]
    public async Task Queues_list_counts_every_state_by_name_with_paused_and_workers()
    {
        await using var server = await TestServer.StartAsync(redis.Configuration);
        string queue = ServerFixture.UniqueQueue();
        var q = server.Client.Queue(queue);
        await q.EnqueueAsync("a", 1);
        await q.EnqueueAsync("a", 2);
        await q.EnqueueAsync("a", 3, new EnqueueOptions { Delay = TimeSpan.FromHours(1) });
        await q.PauseAsync();

        var list = await server.GetJsonAsync("/api/queues");

        var entry = list.GetProperty("queues").EnumerateArray().Single(e => e.GetProperty("name").GetString() == queue);
        var counts = entry.GetProperty("counts");
        Assert.Equal(["waiting", "delayed", "active", "completed", "dead", "cancelled"], counts.EnumerateObject().Select(p => p.Name));
        Assert.Equal((2, 1, 0), (counts.GetProperty("waiting").GetInt64(), counts.GetProperty("delayed").GetInt64(), counts.GetProperty("active").GetInt64()));
        Assert.True(entry.GetProperty("paused").GetBoolean());
        Assert.Equal(0, entry.GetProperty("workers").GetInt32());
    }

    [Fact]
    public async Task Queue_detail_has_stats_and_sixty_minutes_of_throughput_with_this_minutes_work()
    {
        await using var server = await TestServer.StartAsync(redis.Configuration);
        string queue = ServerFixture.UniqueQueue();
        using var worker = await TestHost.StartAsync(redis.Redis, c => c.AddHandler<int>(queue, (n, job, ct) => Task.CompletedTask));
        await server.Client.Queue(queue).EnqueueManyAsync(Enumerable.Range(0, 4).Select(i => new NewJob<int>("n", i)));
        await Eventually.True(async () => (await server.Client.Queue(queue).CountsAsync()).Completed == 4, "4 completed");

        var detail = await server.GetJsonAsync($"/api/queues/{queue}");

        Assert.Equal(4, detail.GetProperty("stats").GetProperty("completed").GetInt64());
        var minutes = detail.GetProperty("throughput").EnumerateArray().ToList();
        Assert.Equal(60, minutes.Count);
        Assert.True(minutes.Zip(minutes.Skip(1)).All(p => p.First.GetProperty("minute").GetDateTimeOffset() < p.Second.GetProperty("minute").GetDateTimeOffset()));
        Assert.Equal(4, minutes.Sum(m => m.GetProperty("processed").GetInt64()));
        Assert.Equal(1, detail.GetProperty("workers").GetInt32());
    }

    [Fact]
    public async Task An_unknown_queue_is_a_404_listing_the_known_ones()
    {
        await using var server = await TestServer.StartAsync(redis.Configuration);
        string known = ServerFixture.UniqueQueue("0known"); // sorts first: the message lists at most 20 queues
        await server.Client.Queue(known).EnqueueAsync("a", 1);

        await (await server.Http.GetAsync($"/api/queues/no-such-queue")).AssertProblemAsync(404, "There is no queue 'no-such-queue'", known);
        await (await server.Http.GetAsync($"/api/queues/no-such-queue/jobs")).AssertProblemAsync(404, "no-such-queue");
        await (await server.Http.PostAsync($"/api/queues/no-such-queue/pause", null)).AssertProblemAsync(404, "no-such-queue");
    }

    [Fact]
    public async Task Pause_stops_workers_taking_jobs_and_resume_lets_them_finish()
    {
        await using var server = await TestServer.StartAsync(redis.Configuration);
        string queue = ServerFixture.UniqueQueue();
        await server.Client.Queue(queue).EnqueueAsync("seed", 0);
        await server.Client.Queue(queue).RemoveAsync((await server.Client.Queue(queue).ListAsync(JobState.Waiting)).Jobs[0].Id);
        var paused = await (await server.Http.PostAsync($"/api/queues/{queue}/pause", null)).JsonAsync(200);
        Assert.True(paused.GetProperty("paused").GetBoolean());
        using var worker = await TestHost.StartAsync(redis.Redis, c => c.AddHandler<int>(queue, (n, job, ct) => Task.CompletedTask));

        string id = (await (await server.PostJsonAsync($"/api/queues/{queue}/jobs", """{"name":"n","data":1}""")).JsonAsync(201)).GetProperty("id").GetString()!;
        await Eventually.SleepAtLeast(500);
        Assert.Equal(JobState.Waiting, (await server.Client.Queue(queue).GetAsync(id))!.State);

        var resumed = await (await server.Http.PostAsync($"/api/queues/{queue}/resume", null)).JsonAsync(200);
        Assert.False(resumed.GetProperty("paused").GetBoolean());
        await Eventually.State(server.Client.Queue(queue), id, JobState.Completed);
    }

    [Fact]
    public async Task Workers_lists_live_worker_processes_with_their_queues_and_concurrency()
    {
        await using var server = await TestServer.StartAsync(redis.Configuration);
        string queue = ServerFixture.UniqueQueue();
        using var worker = await TestHost.StartAsync(redis.Redis, c => c.AddHandler<int>(queue, (n, job, ct) => Task.CompletedTask, o => o.Concurrency = 7));

        JsonElement mine = default;
        await Eventually.True(async () =>
        {
            var list = await server.GetJsonAsync("/api/workers");
            mine = list.GetProperty("workers").EnumerateArray().FirstOrDefault(w => w.GetProperty("queues").TryGetProperty(queue, out _));
            return mine.ValueKind == JsonValueKind.Object;
        }, "the worker is listed");

        Assert.Equal(7, mine.GetProperty("queues").GetProperty(queue).GetInt32());
        Assert.Equal(Environment.ProcessId, mine.GetProperty("pid").GetInt32());
        Assert.Equal(Environment.MachineName, mine.GetProperty("host").GetString());
        Assert.True(mine.GetProperty("lastHeartbeat").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-1));
    }
}
