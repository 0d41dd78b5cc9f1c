using System.Text.Json;
using Conveyor.Server.Tests.Testing;
using Conveyor.Testing;
using Microsoft.Extensions.Hosting;

namespace Conveyor.Server.Tests;

/// <summary>Reading and repairing jobs through the API while a real worker runs them.</summary>
public sealed class JobApiTests(ServerFixture redis)
{
    [Fact]
    public async Task A_dead_job_shows_its_errors_with_stack_and_retry_sends_it_back_to_a_worker()
    {
        await using var server = await TestServer.StartAsync(redis.Configuration);
        string queue = ServerFixture.UniqueQueue();
        bool fail = true;
        using var worker = await TestHost.StartAsync(redis.Redis, c => c.AddHandler<JsonElement, string>(queue, (data, job, ct) =>
            fail ? throw new InvalidOperationException("card declined") : Task.FromResult("charged")));

        var created = await (await server.PostJsonAsync($"/api/queues/{queue}/jobs", """{"name":"charge","data":{"amount":5},"attempts":2}""")).JsonAsync(201);
        string id = created.GetProperty("id").GetString()!;
        await Eventually.State(worker.Client().Queue(queue), id, JobState.Dead);

        var job = await server.GetJsonAsync($"/api/queues/{queue}/jobs/{id}");
        Assert.Equal("dead", job.GetProperty("state").GetString());
        Assert.Equal(2, job.GetProperty("attempts").GetInt32());
        Assert.Equal(5, job.GetProperty("data").GetProperty("amount").GetInt32());
        var errors = job.GetProperty("errors").EnumerateArray().ToList();
        Assert.Equal(2, errors.Count);
        Assert.All(errors, e => Assert.Equal("card declined", e.GetProperty("message").GetString()));
        Assert.Contains(nameof(A_dead_job_shows_its_errors_with_stack_and_retry_sends_it_back_to_a_worker), errors[0].GetProperty("stack").GetString());

        fail = false;
        var retried = await (await server.Http.PostAsync($"/api/queues/{queue}/jobs/{id}/retry", null)).JsonAsync(200);
        Assert.Equal("waiting", retried.GetProperty("state").GetString());
        await Eventually.State(worker.Client().Queue(queue), id, JobState.Completed);
        var done = await server.GetJsonAsync($"/api/queues/{queue}/jobs/{id}");
        Assert.Equal("charged", done.GetProperty("result").GetString());
        Assert.NotNull(done.GetProperty("worker").GetString());

        await (await server.Http.PostAsync($"/api/queues/{queue}/jobs/{id}/retry", null)).AssertProblemAsync(409, "completed", "only dead or cancelled");
    }

    [Fact]
    public async Task Cancel_stops_a_running_job_and_cancels_a_waiting_one()
    {
        await using var server = await TestServer.StartAsync(redis.Configuration);
        string queue = ServerFixture.UniqueQueue();
        var started = new TaskCompletionSource();
        using var worker = await TestHost.StartAsync(redis.Redis, c => c.AddHandler<JsonElement>(queue, async (data, job, ct) =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
        }, o => o.Concurrency = 1));

        string running = (await (await server.PostJsonAsync($"/api/queues/{queue}/jobs", """{"name":"slow"}""")).JsonAsync(201)).GetProperty("id").GetString()!;
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        string waiting = (await (await server.PostJsonAsync($"/api/queues/{queue}/jobs", """{"name":"slow","delay":"1h"}""")).JsonAsync(201)).GetProperty("id").GetString()!;

        var requested = await (await server.Http.PostAsync($"/api/queues/{queue}/jobs/{running}/cancel", null)).JsonAsync(200);
        Assert.Equal("requested", requested.GetProperty("outcome").GetString());
        var cancelled = await (await server.Http.PostAsync($"/api/queues/{queue}/jobs/{waiting}/cancel", null)).JsonAsync(200);
        Assert.Equal("cancelled", cancelled.GetProperty("outcome").GetString());

        await Eventually.State(server.Client.Queue(queue), running, JobState.Cancelled);
        await (await server.Http.PostAsync($"/api/queues/{queue}/jobs/{running}/cancel", null)).AssertProblemAsync(409, "already finished");
        await (await server.Http.PostAsync($"/api/queues/{queue}/jobs/nope/cancel", null)).AssertProblemAsync(404, "has no job 'nope'");
    }

    [Fact]
    public async Task Delete_removes_a_job_and_then_it_is_not_found()
    {
        await using var server = await TestServer.StartAsync(redis.Configuration);
        string queue = ServerFixture.UniqueQueue();
        string id = (await server.Client.Queue(queue).EnqueueAsync("a", 1)).Id;

        Assert.Equal(204, (int)(await server.Http.DeleteAsync($"/api/queues/{queue}/jobs/{id}")).StatusCode);

        Assert.Null(await server.Client.Queue(queue).GetAsync(id));
        await (await server.Http.GetAsync($"/api/queues/{queue}/jobs/{id}")).AssertProblemAsync(404, $"has no job '{id}'");
        await (await server.Http.DeleteAsync($"/api/queues/{queue}/jobs/{id}")).AssertProblemAsync(404);
    }

    [Fact]
    public async Task Listing_pages_through_a_state_with_the_cursor()
    {
        await using var server = await TestServer.StartAsync(redis.Configuration);
        string queue = ServerFixture.UniqueQueue();
        var ids = (await server.Client.Queue(queue).EnqueueManyAsync(Enumerable.Range(0, 7).Select(i => new NewJob<int>("n", i)))).Select(r => r.Id).ToList();

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await server.GetJsonAsync($"/api/queues/{queue}/jobs?state=waiting&limit=3{(cursor is null ? "" : "&cursor=" + cursor)}");
            var jobs = page.GetProperty("jobs").EnumerateArray().ToList();
            Assert.True(jobs.Count <= 3);
            Assert.All(jobs, j => Assert.Equal("waiting", j.GetProperty("state").GetString()));
            seen.AddRange(jobs.Select(j => j.GetProperty("id").GetString()!));
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        Assert.Equal(ids, seen);
    }

    [Fact]
    public async Task Purge_removes_every_job_in_a_finished_state_and_dead_retry_requeues_all()
    {
        await using var server = await TestServer.StartAsync(redis.Configuration);
        string queue = ServerFixture.UniqueQueue();
        using var worker = await TestHost.StartAsync(redis.Redis, c => c.AddHandler<int>(queue, (n, job, ct) =>
            n % 2 == 0 ? Task.CompletedTask : throw new InvalidOperationException("odd")));
        await server.Client.Queue(queue).EnqueueManyAsync(Enumerable.Range(0, 10).Select(i => new NewJob<int>("n", i, new EnqueueOptions { Attempts = 1 })));
        await Eventually.True(async () => await server.Client.Queue(queue).CountsAsync() is { Completed: 5, Dead: 5 }, "5 completed and 5 dead");

        var removed = await (await server.Http.DeleteAsync($"/api/queues/{queue}/jobs?state=completed")).JsonAsync(200);
        Assert.Equal(5, removed.GetProperty("removed").GetInt64());
        await worker.StopAsync();
        var retried = await (await server.Http.PostAsync($"/api/queues/{queue}/dead/retry", null)).JsonAsync(200);
        Assert.Equal(5, retried.GetProperty("retried").GetInt64());

        var counts = await server.Client.Queue(queue).CountsAsync();
        Assert.Equal((0, 0, 5), (counts.Completed, counts.Dead, counts.Waiting));
    }
}
