using System.Text;
using Conveyor.Server.Tests.Testing;

namespace Conveyor.Server.Tests;

/// <summary>Every kind of bad input is a 4xx problem detail naming what was wrong; none is a 500.</summary>
public sealed class BadInputTests(ServerFixture redis)
{
    [Theory]
    [InlineData("{\"name\":\"a\",", "not valid JSON")]
    [InlineData("", "body is empty")]
    [InlineData("[1,2]", "must be a JSON object")]
    [InlineData("{\"data\":{}}", "'name' is missing")]
    [InlineData("{\"name\":42}", "'name' must be a string", "42")]
    [InlineData("{\"name\":\"bad name!\"}", "Job name 'bad name!' is not valid")]
    [InlineData("{\"name\":\"a\",\"priority\":5000}", "'priority' must be an integer from -1000 to 1000", "5000")]
    [InlineData("{\"name\":\"a\",\"attempts\":0}", "'attempts' must be an integer from 1")]
    [InlineData("{\"name\":\"a\",\"delay\":\"soon\"}", "'delay' must be a duration", "\"soon\"")]
    [InlineData("{\"name\":\"a\",\"delay\":-5}", "'delay' must be a duration")]
    [InlineData("{\"name\":\"a\",\"timeout\":true}", "'timeout' must be a duration")]
    [InlineData("{\"name\":\"a\",\"runAt\":\"tomorrow\"}", "'runAt' must be an ISO 8601 time")]
    [InlineData("{\"name\":\"a\",\"backoff\":\"fast\"}", "'backoff' must be an object")]
    [InlineData("{\"name\":\"a\",\"backoff\":{\"type\":\"linear\"}}", "'backoff.type' must be fixed, exponential or custom")]
    [InlineData("{\"name\":\"a\",\"id\":\"has space\"}", "Job id 'has space' is not valid")]
    [InlineData("{\"name\":\"a\",\"prority\":1}", "Unknown field 'prority'")]
    public async Task A_malformed_job_is_a_400_naming_the_field(string json, params string[] fragments)
    {
        await using var server = await TestServer.StartAsync(redis.Configuration);

        var response = await server.PostJsonAsync($"/api/queues/{ServerFixture.UniqueQueue()}/jobs", json);

        await response.AssertProblemAsync(400, fragments);
    }

    [Fact]
    public async Task An_invalid_queue_name_is_a_400_saying_which_characters_are_allowed()
    {
        await using var server = await TestServer.StartAsync(redis.Configuration);

        var response = await server.PostJsonAsync("/api/queues/em%20ails!/jobs", """{"name":"a"}""");

        await response.AssertProblemAsync(400, "Queue name 'em ails!' is not valid", "letters, digits");
    }

    [Fact]
    public async Task A_payload_over_the_limit_is_a_413_and_is_not_stored()
    {
        await using var server = await TestServer.StartAsync(redis.Configuration, "Conveyor:Server:MaxRequestBytes=10000");
        string queue = ServerFixture.UniqueQueue();
        string big = $$"""{"name":"a","data":"{{new string('x', 20_000)}}"}""";

        var response = await server.PostJsonAsync($"/api/queues/{queue}/jobs", big);
        await response.AssertProblemAsync(413, "limit is 10000");

        // Sent without a Content-Length (chunked), the body is cut off once it passes the limit.
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/queues/{queue}/jobs") { Content = new ChunkedContent(big) };
        await (await server.Http.SendAsync(request)).AssertProblemAsync(413, "limit is 10000");
        Assert.False(await server.Client.QueueExistsAsync(queue));
    }

    [Theory]
    [InlineData("limit=0", "'limit' must be an integer from 1 to 500", "'0'")]
    [InlineData("limit=501", "'limit' must be an integer from 1 to 500")]
    [InlineData("limit=ten", "'limit' must be an integer")]
    [InlineData("state=finished", "'state' must be one of waiting, delayed, active, completed, dead, cancelled", "'finished'")]
    [InlineData("cursor=abc", "cursor 'abc' is not one this API returned")]
    public async Task A_bad_list_query_is_a_400(string query, params string[] fragments)
    {
        await using var server = await TestServer.StartAsync(redis.Configuration);
        string queue = ServerFixture.UniqueQueue();
        await server.Client.Queue(queue).EnqueueAsync("a", 1);

        await (await server.Http.GetAsync($"/api/queues/{queue}/jobs?{query}")).AssertProblemAsync(400, fragments);
    }

    [Fact]
    public async Task Purging_a_state_that_is_not_finished_is_a_400()
    {
        await using var server = await TestServer.StartAsync(redis.Configuration);
        string queue = ServerFixture.UniqueQueue();
        await server.Client.Queue(queue).EnqueueAsync("a", 1);

        await (await server.Http.DeleteAsync($"/api/queues/{queue}/jobs?state=waiting")).AssertProblemAsync(400, "completed, dead, cancelled");
        await (await server.Http.DeleteAsync($"/api/queues/{queue}/jobs")).AssertProblemAsync(400, "?state=completed");
        Assert.Equal(1, (await server.Client.Queue(queue).CountsAsync()).Waiting);
    }

    [Fact]
    public async Task Redis_down_is_a_503_with_a_clear_message_and_health_says_so()
    {
        await using var server = await TestServer.StartAsync("127.0.0.1:1,connectTimeout=300,asyncTimeout=500,syncTimeout=500");

        var enqueue = await server.PostJsonAsync($"/api/queues/{ServerFixture.UniqueQueue()}/jobs", """{"name":"a"}""");
        await enqueue.AssertProblemAsync(503, "Redis");
        await (await server.Http.GetAsync("/api/queues")).AssertProblemAsync(503, "Redis");

        var health = await (await server.Http.GetAsync("/health")).JsonAsync(503);
        Assert.False(health.GetProperty("redis").GetProperty("reachable").GetBoolean());
        await (await server.Http.GetAsync("/health/ready")).JsonAsync(503);
        await (await server.Http.GetAsync("/health/live")).JsonAsync(200);
    }

    /// <summary>A body sent with chunked transfer encoding: no Content-Length for the server to check up front.</summary>
    private sealed class ChunkedContent(string text) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) =>
            stream.WriteAsync(Encoding.UTF8.GetBytes(text)).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
