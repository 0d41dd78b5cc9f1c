using System.Text.Json;
using Conveyor.Server.Events;
using Conveyor.Server.Tests.Testing;
using Conveyor.Testing;

namespace Conveyor.Server.Tests;

public sealed class EventsTests(ServerFixture redis)
{
    [Fact]
    public async Task The_event_stream_carries_a_running_jobs_progress_and_its_completion()
    {
        await using var server = await TestServer.StartAsync(redis.Configuration);
        string queue = ServerFixture.UniqueQueue();
        var release = new TaskCompletionSource();
        using var worker = await TestHost.StartAsync(redis.Redis, c => c.AddHandler<int>(queue, async (n, job, ct) =>
        {
            await job.ReportProgressAsync(new { percent = 42 });
            await release.Task.WaitAsync(ct);
        }));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await using var stream = await SseStream.OpenAsync(server.Http, $"/api/events?queue={queue}", cts.Token);
        Assert.Equal("ready", (await stream.NextAsync()).Event);

        string id = (await server.Client.Queue(queue).EnqueueAsync("n", 1)).Id;
        var progress = await stream.NextAsync(e => e.Event == "progress");
        release.SetResult();
        var completed = await stream.NextAsync(e => e.Event == "completed");

        Assert.Equal(queue, progress.Data.GetProperty("queue").GetString());
        Assert.Equal(id, progress.Data.GetProperty("ids")[0].GetString());
        Assert.Equal(42, progress.Data.GetProperty("progress").GetProperty("percent").GetInt32());
        Assert.Contains(id, completed.Data.GetProperty("ids").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task A_stream_filtered_to_one_queue_sees_none_of_another_queues_events()
    {
        await using var server = await TestServer.StartAsync(redis.Configuration);
        string mine = ServerFixture.UniqueQueue(), other = ServerFixture.UniqueQueue();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await using var stream = await SseStream.OpenAsync(server.Http, $"/api/events?queue={mine}", cts.Token);
        await stream.NextAsync(e => e.Event == "ready");

        await server.Client.Queue(other).EnqueueAsync("n", 1);
        await server.Client.Queue(mine).EnqueueAsync("n", 2);

        var first = await stream.NextAsync();
        Assert.Equal("enqueued", first.Event);
        Assert.Equal(mine, first.Data.GetProperty("queue").GetString());
    }

    [Fact]
    public async Task A_client_that_disconnects_costs_nothing_the_redis_subscription_ends_with_the_last_client()
    {
        await using var server = await TestServer.StartAsync(redis.Configuration);
        var hub = server.Service<EventHub>();
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            await using var a = await SseStream.OpenAsync(server.Http, "/api/events", cts.Token);
            await using var b = await SseStream.OpenAsync(server.Http, "/api/events", cts.Token);
            await a.NextAsync(e => e.Event == "ready");
            await b.NextAsync(e => e.Event == "ready");
            Assert.Equal(2, hub.Listeners);
            Assert.True(await PatternSubscriptionsAsync() >= 1);
        }

        await Eventually.True(() => Task.FromResult(hub.Listeners == 0), "both listeners are gone");
        await Eventually.True(async () => await PatternSubscriptionsAsync() == 0, "the pattern subscription is dropped");
    }

    private async Task<long> PatternSubscriptionsAsync() =>
        (long)await redis.Redis.GetDatabase().ExecuteAsync("PUBSUB", "NUMPAT");
}

/// <summary>A minimal Server-Sent Events reader over a real HTTP response.</summary>
internal sealed class SseStream : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;
    private readonly CancellationToken _ct;

    private SseStream(HttpResponseMessage response, StreamReader reader, CancellationToken ct)
    {
        _response = response;
        _reader = reader;
        _ct = ct;
    }

    public static async Task<SseStream> OpenAsync(HttpClient http, string path, CancellationToken ct)
    {
        var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new SseStream(response, new StreamReader(await response.Content.ReadAsStreamAsync(ct)), ct);
    }

    public async Task<(string Event, JsonElement Data)> NextAsync(Func<(string Event, JsonElement Data), bool>? match = null)
    {
        while (true)
        {
            string? name = null, data = null;
            string? line;
            while ((line = await _reader.ReadLineAsync(_ct)) is not null && line.Length > 0)
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    name = line[7..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data = line[6..];
                }
            }

            if (line is null)
            {
                throw new EndOfStreamException("The event stream ended.");
            }

            if (name is null)
            {
                continue; // a keep-alive comment
            }

            var e = (name, JsonDocument.Parse(data ?? "{}").RootElement.Clone());
            if (match is null || match(e))
            {
                return e;
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        return ValueTask.CompletedTask;
    }
}
