using System.Text.Json;
using Conveyor.Server.Tests.Testing;

namespace Conveyor.Server.Tests;

public sealed class EnqueueApiTests(ServerFixture redis)
{
    [Fact]
    public async Task Enqueue_answers_201_and_stores_the_job_with_its_options()
    {
        await using var server = await TestServer.StartAsync(redis.Configuration);
        string queue = ServerFixture.UniqueQueue();

        var response = await server.PostJsonAsync($"/api/queues/{queue}/jobs",
            """{"name":"email.send","data":{"to":"ada@example.com"},"priority":5,"attempts":3,"timeout":"5m","backoff":{"type":"fixed","delay":"2s"}}""");

        var body = await response.JsonAsync(201);
        string id = body.GetProperty("id").GetString()!;
        Assert.Equal(queue, body.GetProperty("queue").GetString());
        Assert.Equal("waiting", body.GetProperty("state").GetString());
        Assert.False(body.GetProperty("duplicate").GetBoolean());
        Assert.Equal($"/api/queues/{queue}/jobs/{id}", response.Headers.Location?.ToString());

        var stored = await server.Client.Queue(queue).GetAsync(id);
        Assert.NotNull(stored);
        Assert.Equal("email.send", stored.Name);
        Assert.Equal("ada@example.com", stored.Data.GetProperty("to").GetString());
        Assert.Equal(5, stored.Priority);
        Assert.Equal(3, stored.Options.Attempts);
        Assert.Equal(TimeSpan.FromMinutes(5), stored.Options.Timeout);
        Assert.Equal(Backoff.Fixed(TimeSpan.FromSeconds(2)), stored.Options.Backoff);
    }

    [Theory]
    [InlineData("\"90s\"", 90_000)]
    [InlineData("1500", 1_500)]
    [InlineData("\"1h30m\"", 5_400_000)]
    public async Task Delay_accepts_milliseconds_and_duration_strings(string delay, long expectedMs)
    {
        await using var server = await TestServer.StartAsync(redis.Configuration);
        string queue = ServerFixture.UniqueQueue();
        var before = DateTimeOffset.UtcNow;

        var body = await (await server.PostJsonAsync($"/api/queues/{queue}/jobs", $$"""{"name":"later","delay":{{delay}}}""")).JsonAsync(201);

        Assert.Equal("delayed", body.GetProperty("state").GetString());
        var job = await server.Client.Queue(queue).GetAsync(body.GetProperty("id").GetString()!);
        Assert.Equal(JobState.Delayed, job!.State);
        var due = job.StateUntil!.Value;
        Assert.InRange((due - before).TotalMilliseconds, expectedMs - 1_000, expectedMs + 5_000);
    }

    [Fact]
    public async Task RunAt_in_ISO_8601_schedules_the_job_for_that_time()
    {
        await using var server = await TestServer.StartAsync(redis.Configuration);
        string queue = ServerFixture.UniqueQueue();
        var at = DateTimeOffset.UtcNow.AddHours(2);

        var body = await (await server.PostJsonAsync($"/api/queues/{queue}/jobs", $$"""{"name":"later","runAt":"{{at:O}}"}""")).JsonAsync(201);

        var job = await server.Client.Queue(queue).GetAsync(body.GetProperty("id").GetString()!);
        Assert.Equal(at.ToUnixTimeMilliseconds(), job!.StateUntil!.Value.ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task An_existing_id_answers_200_with_the_existing_job_and_adds_nothing()
    {
        await using var server = await TestServer.StartAsync(redis.Configuration);
        string queue = ServerFixture.UniqueQueue();
        await (await server.PostJsonAsync($"/api/queues/{queue}/jobs", """{"name":"pay","id":"txn-42","data":{"amount":1}}""")).JsonAsync(201);

        var body = await (await server.PostJsonAsync($"/api/queues/{queue}/jobs", """{"name":"pay","id":"txn-42","data":{"amount":2}}""")).JsonAsync(200);

        Assert.True(body.GetProperty("duplicate").GetBoolean());
        Assert.Equal("txn-42", body.GetProperty("id").GetString());
        Assert.Equal(1, body.GetProperty("job").GetProperty("data").GetProperty("amount").GetInt32());
        Assert.Equal(1, (await server.Client.Queue(queue).CountsAsync()).Waiting);
    }

    [Fact]
    public async Task Bulk_enqueue_answers_one_result_per_job_in_order()
    {
        await using var server = await TestServer.StartAsync(redis.Configuration);
        string queue = ServerFixture.UniqueQueue();
        await server.Client.Queue(queue).EnqueueAsync("x", 0, new EnqueueOptions { Id = "already" });

        var body = await (await server.PostJsonAsync($"/api/queues/{queue}/jobs/bulk",
            """[{"name":"a","data":1},{"name":"b","id":"already"},{"name":"c","delay":"1m"},{"name":"d","id":"fresh"}]""")).JsonAsync(200);

        var results = body.EnumerateArray().ToList();
        Assert.Equal(4, results.Count);
        Assert.Equal([false, true, false, false], results.Select(r => r.GetProperty("duplicate").GetBoolean()));
        Assert.Equal(["waiting", "waiting", "delayed", "waiting"], results.Select(r => r.GetProperty("state").GetString()));
        Assert.Equal("already", results[1].GetProperty("id").GetString());
        Assert.Equal("fresh", results[3].GetProperty("id").GetString());
        var counts = await server.Client.Queue(queue).CountsAsync();
        Assert.Equal((3, 1), (counts.Waiting, counts.Delayed));
    }

    [Fact]
    public async Task A_bad_job_inside_a_bulk_request_rejects_it_whole_and_enqueues_nothing()
    {
        await using var server = await TestServer.StartAsync(redis.Configuration);
        string queue = ServerFixture.UniqueQueue();
        await server.Client.Queue(queue).EnqueueAsync("seed", 0); // the queue exists, so counts can be read

        var response = await server.PostJsonAsync($"/api/queues/{queue}/jobs/bulk", """[{"name":"a"},{"name":"b","priority":"high"},{"name":"c"}]""");

        await response.AssertProblemAsync(400, "[1].priority", "-1000", "\"high\"");
        Assert.Equal(1, (await server.Client.Queue(queue).CountsAsync()).Waiting);
    }
}
