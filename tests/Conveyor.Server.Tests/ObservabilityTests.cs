using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Conveyor.Server.Tests.Testing;
using Conveyor.Testing;

namespace Conveyor.Server.Tests;

public sealed partial class ObservabilityTests(ServerFixture redis)
{
    [Fact]
    public async Task Health_reports_redis_round_trip_queues_with_backlog_and_live_workers()
    {
        await using var server = await TestServer.StartAsync(redis.Configuration);
        string queue = ServerFixture.UniqueQueue();
        await server.Client.Queue(queue).EnqueueAsync("a", 1);
        await server.Client.Queue(queue).EnqueueAsync("a", 2, new EnqueueOptions { Delay = TimeSpan.FromHours(1) });
        await Eventually.SleepAtLeast(50);

        var health = await (await server.Http.GetAsync("/health")).JsonAsync(200);

        Assert.Equal("healthy", health.GetProperty("status").GetString());
        Assert.True(health.GetProperty("redis").GetProperty("reachable").GetBoolean());
        Assert.True(health.GetProperty("redis").GetProperty("roundTripMs").GetDouble() >= 0);
        var q = health.GetProperty("queues").EnumerateArray().Single(e => e.GetProperty("name").GetString() == queue);
        Assert.Equal(2, q.GetProperty("backlog").GetInt64());
        Assert.True(q.GetProperty("oldestWaitingSeconds").GetDouble() >= 0.04);
        Assert.Equal("ready", (await (await server.Http.GetAsync("/health/ready")).JsonAsync(200)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Metrics_export_counters_depth_oldest_age_durations_and_workers_in_prometheus_format()
    {
        await using var server = await TestServer.StartAsync(redis.Configuration);
        string queue = ServerFixture.UniqueQueue();
        using var worker = await TestHost.StartAsync(redis.Redis, c => c.AddHandler<int>(queue, async (n, job, ct) =>
        {
            await Eventually.SleepAtLeast(n); // Task.Delay may return a little early here, and the sum is asserted below
            if (n == 0)
            {
                throw new InvalidOperationException("zero");
            }
        }));
        await server.Client.Queue(queue).EnqueueManyAsync(new[] { 0, 20, 30, 40 }.Select(n => new NewJob<int>("n", n, new EnqueueOptions { Attempts = 1 })));
        await server.Client.Queue(queue).EnqueueAsync("later", 1, new EnqueueOptions { Delay = TimeSpan.FromHours(1) });
        await Eventually.True(async () => await server.Client.Queue(queue).CountsAsync() is { Completed: 3, Dead: 1 }, "3 completed, 1 dead");

        string text = "";
        await Eventually.True(async () =>
        {
            var response = await server.Http.GetAsync("/metrics");
            Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
            text = await response.Content.ReadAsStringAsync();
            return Sample(text, "conveyor_job_duration_seconds_count", queue) == 4; // after the workers' next heartbeat
        }, "the heartbeat reported four durations");

        Assert.Equal(5, Sample(text, "conveyor_jobs_enqueued_total", queue));
        Assert.Equal(3, Sample(text, "conveyor_jobs_completed_total", queue));
        Assert.Equal(1, Sample(text, "conveyor_jobs_failed_total", queue));
        Assert.Equal(1, Sample(text, "conveyor_jobs_dead_total", queue));
        Assert.Equal(1, Sample(text, "conveyor_queue_jobs", queue, "state=\"delayed\""));
        Assert.Equal(0, Sample(text, "conveyor_queue_oldest_waiting_seconds", queue));
        Assert.Equal(1, Sample(text, "conveyor_queue_workers", queue));
        // Three handlers waited 20, 30 and 40 ms: only the one that threw at once can be in the 10 ms bucket.
        Assert.InRange(Sample(text, "conveyor_job_duration_seconds_bucket", queue, "le=\"0.01\""), 0, 1);
        Assert.Equal(4, Sample(text, "conveyor_job_duration_seconds_bucket", queue, "le=\"+Inf\""));
        Assert.InRange(Sample(text, "conveyor_job_duration_seconds_sum", queue), 0.09, 10);
        Assert.Contains("# TYPE conveyor_job_duration_seconds histogram", text);
        Assert.True(Sample(text, "conveyor_workers", null) >= 1);
    }

    [Fact]
    public async Task The_trace_runs_from_the_http_request_that_enqueued_a_job_into_the_worker_that_ran_it()
    {
        var consumers = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is "Conveyor" or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if (a.Kind == ActivityKind.Consumer)
                {
                    consumers.Add(a);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        await using var server = await TestServer.StartAsync(redis.Configuration);
        string queue = ServerFixture.UniqueQueue();
        using var worker = await TestHost.StartAsync(redis.Redis, c => c.AddHandler<int>(queue, (n, job, ct) => Task.CompletedTask));
        var traceId = ActivityTraceId.CreateRandom();

        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/queues/{queue}/jobs") { Content = new StringContent("""{"name":"n","data":1}""") };
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        string id = (await (await server.Http.SendAsync(request)).JsonAsync(201)).GetProperty("id").GetString()!;
        await Eventually.State(server.Client.Queue(queue), id, JobState.Completed);

        await Eventually.True(() => Task.FromResult(consumers.Any(a => a.DisplayName == $"process {queue}")), "the worker's activity ended");
        var processed = consumers.Single(a => a.DisplayName == $"process {queue}");
        Assert.Equal(traceId, processed.TraceId);
    }

    [Fact]
    public async Task An_openapi_document_describes_the_api()
    {
        await using var server = await TestServer.StartAsync(redis.Configuration);

        string document = await (await server.Http.GetAsync("/openapi/v1.json")).TextAsync(200);

        Assert.Contains("\"/api/queues/{queue}/jobs\"", document);
        Assert.Contains("\"/hooks/{name}\"", document);
        Assert.Contains("\"/api/queues/{queue}/jobs/{id}/retry\"", document);
    }

    /// <summary>The value of the sample of <paramref name="name"/> for the queue (and extra label), e.g. from <c>name{queue="q"} 4</c>.</summary>
    private static double Sample(string text, string name, string? queue, string? label = null)
    {
        foreach (string line in text.Split('\n'))
        {
            var m = SampleLine().Match(line);
            if (!m.Success || m.Groups["name"].Value != name)
            {
                continue;
            }

            string labels = m.Groups["labels"].Value;
            if ((queue is null || labels.Contains($"queue=\"{queue}\"", StringComparison.Ordinal)) && (label is null || labels.Contains(label, StringComparison.Ordinal)))
            {
                return double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"No sample {name} for queue {queue} {label} in:\n{text}");
    }

    [GeneratedRegex("^(?<name>[a-z_]+)(\\{(?<labels>[^}]*)\\})? (?<value>\\S+)$")]
    private static partial Regex SampleLine();
}
